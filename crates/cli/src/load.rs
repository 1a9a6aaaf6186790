//! Reading the inputs and telling the user, on stderr, what could not be read.

use std::io::Write;
use std::mem::ManuallyDrop;

use anyhow::Result;
use daglog_ingest::{Archive, KeepRaw, LoadOptions, ParseOptions, Run, RunMatch};

use crate::config::{InputConfig, UsageError};
use crate::progress::Bar;

/// Input was bad and `--strict` was given: exit status 1.
#[derive(Debug)]
pub(crate) struct StrictStop(pub(crate) daglog_ingest::Error);

impl std::fmt::Display for StrictStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (stopped: --strict)", self.0)
    }
}

impl std::error::Error for StrictStop {}

/// An archive, read, with its problems already reported.
pub(crate) struct Loaded {
    /// Never freed: a command ends with the process, and dropping millions
    /// of events' columns one by one only delays the exit (by 30 ms for a
    /// 1 GB archive).
    pub(crate) archive: ManuallyDrop<Archive>,
    /// Some input was skipped: exit status 1.
    pub(crate) had_problems: bool,
}

/// Reads the inputs; `details` as in [`ParseOptions::details`].
pub(crate) fn load(cfg: &InputConfig, keep_raw: KeepRaw, details: bool) -> Result<Loaded> {
    let bar = Bar::new(cfg.progress);
    let opts = LoadOptions {
        parse: ParseOptions {
            keep_raw,
            details,
            fallback_run_id: cfg.fallback_run_id.clone(),
        },
        strict: cfg.strict,
        exclude: cfg.exclude.clone(),
    };
    let archive = Archive::load(&cfg.inputs, opts, &bar).map_err(StrictStop)?;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for problem in &archive.problems {
        // File names and messages may hold control characters: never raw.
        let line = problem.to_string();
        let _ = writeln!(
            err,
            "daglog: error: {}",
            daglog_report::escape_control(&line)
        );
    }
    if cfg.verbose {
        for p in &archive.passed_over {
            let line = format!("passed over {}: {}", p.path.display(), p.why);
            let _ = writeln!(err, "daglog: {}", daglog_report::escape_control(&line));
        }
    }
    for note in &archive.notes {
        let _ = writeln!(err, "daglog: note: {}", daglog_report::escape_control(note));
    }
    let s = &archive.stats;
    let gaps = archive
        .problems
        .iter()
        .filter(|p| matches!(p, daglog_ingest::Error::MissingPages { .. }))
        .count();
    // Bad NDJSON lines, bad events of pages and bundles, bad storage rows.
    let bad_events = s.bad_events;
    if !archive.problems.is_empty() || s.files_ignored > 0 || s.runless_events > 0 {
        let mut parts = vec![format!(
            "read {} file{} ({} events)",
            s.files_read,
            plural(s.files_read),
            s.events
        )];
        if s.files_failed > 0 {
            parts.push(format!(
                "skipped {} file{} with errors",
                s.files_failed,
                plural(s.files_failed)
            ));
        }
        if bad_events > 0 {
            parts.push(format!(
                "skipped {bad_events} bad event{}",
                plural(bad_events)
            ));
        }
        if gaps > 0 {
            parts.push(format!("found {gaps} gap{} between pages", plural(gaps)));
        }
        if s.files_ignored > 0 {
            parts.push(format!(
                "passed over {} file{} that {} not an export{}",
                s.files_ignored,
                plural(s.files_ignored),
                if s.files_ignored == 1 { "is" } else { "are" },
                if cfg.verbose { "" } else { " (-v lists them)" }
            ));
        }
        if s.runless_events > 0 {
            parts.push(format!(
                "left aside {} storage event{} that belong{} to no run (asset events from outside a run)",
                s.runless_events,
                plural(s.runless_events),
                if s.runless_events == 1 { "s" } else { "" }
            ));
        }
        let _ = writeln!(err, "daglog: {}", parts.join(", "));
    }
    if archive.runs.is_empty() && archive.metadata.is_empty() {
        return Err(NothingRead {
            files_read: s.files_read,
            passed_over: s.files_ignored,
            failed: s.files_failed,
        }
        .into());
    }
    Ok(Loaded {
        had_problems: !archive.problems.is_empty(),
        archive: ManuallyDrop::new(archive),
    })
}

/// The inputs held no event and no run record: exit status 1, never an
/// empty answer that reads as "all is well".
#[derive(Debug)]
pub(crate) struct NothingRead {
    files_read: usize,
    passed_over: usize,
    failed: usize,
}

impl std::fmt::Display for NothingRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "nothing was read: the inputs hold no Dagster events or run records ({} file{} read, \
             {} passed over as not exports, {} skipped with errors); give exported logs, a \
             DAGSTER_HOME or a database dump (`daglog --help` lists what daglog reads)",
            self.files_read,
            plural(self.files_read),
            self.passed_over,
            self.failed
        )
    }
}

impl std::error::Error for NothingRead {}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Finds the run `--run-id` names, or explains why there is none.
pub(crate) fn select_run<'a>(archive: &'a Archive, id: &str) -> Result<&'a Run> {
    match archive.find_run(id) {
        RunMatch::One(run) => Ok(run),
        RunMatch::Ambiguous(ids) => Err(UsageError(format!(
            "--run-id {id:?} matches {} runs ({}); give more of the id",
            ids.len(),
            ids.join(", ")
        ))
        .into()),
        RunMatch::None => {
            if archive.metadata.iter().any(|m| m.run_id.starts_with(id)) {
                return Err(UsageError(format!(
                    "run {id:?} is described by run metadata in the archive, but none of its events are; \
                     export its logs (logsForRun) next to it"
                ))
                .into());
            }
            let known: Vec<&str> = archive
                .runs
                .iter()
                .take(5)
                .map(|r| r.run_id.as_str())
                .collect();
            Err(UsageError(if known.is_empty() {
                format!("no run matches --run-id {id:?}: the inputs hold no events")
            } else {
                format!(
                    "no run matches --run-id {id:?}; the archive has {} run{}: {}{}",
                    archive.runs.len(),
                    plural(archive.runs.len()),
                    known.join(", "),
                    if archive.runs.len() > known.len() {
                        ", …"
                    } else {
                        ""
                    }
                )
            })
            .into())
        }
    }
}
