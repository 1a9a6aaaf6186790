//! `daglog stats`, `info`, `runs`, `timeline` and `gaps`: figures from
//! daglog-analysis, written by daglog-report.

use std::io::{self, Write};

use anyhow::Result;
use daglog_analysis::{Analysis, RunStats, compare as compare_runs, run_info, run_list};
use daglog_ingest::{Archive, KeepRaw, Run};

use crate::config::{AnalysisConfig, CompareConfig, ReportConfig, RunsConfig, UsageError};
use crate::load::{Loaded, load, select_run};

pub(crate) fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::with_capacity(256 * 1024, io::stdout().lock())
}

fn warn_truncated(runs: &[&Run]) {
    for run in runs.iter().filter(|r| r.truncated) {
        let _ = writeln!(
            io::stderr(),
            "daglog: warning: run {} is incomplete: its export ends on a page with hasMore: true, \
             so its figures miss the later events",
            run.run_id
        );
    }
}

/// The runs `--run-id` selects, or every run.
fn selected<'a>(archive: &'a Archive, run_id: Option<&str>) -> Result<Vec<&'a Run>> {
    Ok(match run_id {
        Some(id) => vec![select_run(archive, id)?],
        None => archive.runs.iter().collect(),
    })
}

/// The one run a single-run command is about: `--run-id`, or the only run.
pub(crate) fn single<'a>(
    archive: &'a Archive,
    run_id: Option<&str>,
    command: &str,
) -> Result<&'a Run> {
    if let Some(id) = run_id {
        return select_run(archive, id);
    }
    match archive.runs.as_slice() {
        [run] => Ok(run),
        [] => Err(UsageError("the inputs hold no events of any run".into()).into()),
        runs => {
            let some: Vec<&str> = runs.iter().take(3).map(|r| r.run_id.as_str()).collect();
            Err(UsageError(format!(
                "the archive holds {} runs; choose one with --run-id, e.g. `daglog {command} … --run-id {}` \
                 (`daglog runs` lists them; others: {})",
                runs.len(),
                &some[0][..8.min(some[0].len())],
                some.join(", ")
            ))
            .into())
        }
    }
}

fn analyse<'a>(archive: &'a Archive, runs: Vec<&'a Run>) -> Result<(Analysis<'a>, Vec<RunStats>)> {
    let analysis = Analysis::new(archive, runs)?;
    let stats = analysis.run_stats()?;
    Ok((analysis, stats))
}

/// Reads the inputs, takes the runs `--run-id` selects (or all), computes
/// their figures and lets `write` print; `Ok(false)` when input was skipped.
/// Next steps name the paths the user gave, ready to paste into a shell
/// (standard input cannot be read again: those keep `ARCHIVE`).
fn name_inputs(diagnoses: &mut [daglog_analysis::Diagnosis], input: &crate::config::InputConfig) {
    let mut paths = Vec::new();
    for i in &input.inputs {
        match i {
            daglog_ingest::Input::Path(p) => paths.push(shell_word(&p.to_string_lossy())),
            daglog_ingest::Input::Stdin => return,
        }
    }
    let paths = paths.join(" ");
    for d in diagnoses {
        d.name_inputs(&paths);
    }
}

/// `s` as one shell word: as it is when it is plain, else single-quoted.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The JSON of `LOGS_CAPTURED` events, which says where each step's
/// captured output is, and of asset check evaluations, which say whether
/// the check passed (a handful of events per run).
fn captured_keys() -> KeepRaw {
    KeepRaw::Matching(std::sync::Arc::new(|ev| {
        matches!(
            ev.event_type,
            Some("LOGS_CAPTURED" | "ASSET_CHECK_EVALUATION")
        )
    }))
}

fn on_selected_runs(
    cfg: &AnalysisConfig,
    write: impl FnOnce(&Analysis<'_>, Vec<RunStats>, &mut dyn Write) -> Result<()>,
) -> Result<bool> {
    let Loaded {
        archive,
        had_problems,
    } = load(&cfg.input, captured_keys(), true)?;
    let runs = selected(&archive, cfg.run_id.as_deref())?;
    warn_truncated(&runs);
    let (analysis, stats) = analyse(&archive, runs)?;
    let mut out = stdout();
    write(&analysis, stats, &mut out)?;
    out.flush()?;
    Ok(!had_problems)
}

pub(crate) fn stats(cfg: &AnalysisConfig) -> Result<bool> {
    on_selected_runs(cfg, |_, stats, mut out| {
        if cfg.step_rows {
            return Ok(daglog_report::write_step_rows(
                &mut out, &stats, cfg.format,
            )?);
        }
        Ok(daglog_report::write_stats(&mut out, &stats, cfg.format)?)
    })
}

pub(crate) fn info(cfg: &AnalysisConfig) -> Result<bool> {
    let Loaded {
        archive,
        had_problems,
    } = load(&cfg.input, KeepRaw::None, true)?;
    // A run known only from run metadata (run.json, a runsOrError list) has
    // no events, but its info is still there to show.
    let meta_only = |id: &str| {
        let ids: std::collections::BTreeSet<&str> = archive
            .metadata
            .iter()
            .map(|m| m.run_id.as_str())
            .filter(|r| r.starts_with(id))
            .collect();
        (ids.len() == 1).then(|| ids.into_iter().next().unwrap_or_default().to_string())
    };
    let (run_id, stats) = match single(&archive, cfg.run_id.as_deref(), "info") {
        Ok(run) => {
            warn_truncated(&[run]);
            let (_, mut stats) = analyse(&archive, vec![run])?;
            (run.run_id.clone(), stats.pop())
        }
        Err(e) => {
            // Without --run-id, only an archive of metadata alone has one to show.
            let prefix = match cfg.run_id.as_deref() {
                Some(id) => Some(id),
                None if archive.runs.is_empty() => Some(""),
                None => None,
            };
            match prefix.and_then(meta_only) {
                Some(id) => (id, None),
                None => return Err(e),
            }
        }
    };
    let Some(info) = run_info(&archive, &run_id, stats.as_ref()) else {
        anyhow::bail!(UsageError(format!("no information about run {run_id}")));
    };
    let mut out = stdout();
    daglog_report::write_info(&mut out, &info, stats.as_ref(), cfg.format)?;
    out.flush()?;
    Ok(!had_problems)
}

pub(crate) fn runs(cfg: &RunsConfig) -> Result<bool> {
    let Loaded {
        archive,
        had_problems,
    } = load(&cfg.input, KeepRaw::None, true)?;
    let (_, stats) = analyse(&archive, archive.runs.iter().collect())?;
    let mut list = run_list(&archive, &stats);
    list.retain(|info| {
        cfg.job_name
            .as_deref()
            .is_none_or(|job| info.str("jobName").or(info.str("pipelineName")) == Some(job))
            && cfg
                .status
                .as_deref()
                .is_none_or(|status| info.str("status") == Some(status))
    });
    if let Some(limit) = cfg.limit {
        list.truncate(limit);
    }
    let mut out = stdout();
    daglog_report::write_runs(&mut out, &list, cfg.format)?;
    out.flush()?;
    Ok(!had_problems)
}

pub(crate) fn timeline(cfg: &AnalysisConfig) -> Result<bool> {
    let Loaded {
        archive,
        had_problems,
    } = load(&cfg.input, KeepRaw::None, true)?;
    let run = single(&archive, cfg.run_id.as_deref(), "timeline")?;
    warn_truncated(&[run]);
    let (analysis, stats) = analyse(&archive, vec![run])?;
    let mut timelines = analysis.timelines(stats, cfg.gap_ms)?;
    let mut out = stdout();
    if let Some(timeline) = timelines.pop() {
        daglog_report::write_timeline(&mut out, &timeline, cfg.format)?;
    }
    out.flush()?;
    Ok(!had_problems)
}

pub(crate) fn gaps(cfg: &AnalysisConfig) -> Result<bool> {
    on_selected_runs(cfg, |analysis, stats, mut out| {
        let mut ranked = analysis.gaps(&stats, cfg.gap_ms, cfg.top)?;
        // As its heading says: runs with a silence of at least --gap, and
        // the hang candidates.
        ranked.retain(|r| !r.gaps.is_empty() || r.hang_candidate);
        if let Some(limit) = cfg.limit {
            ranked.truncate(limit);
        }
        Ok(daglog_report::write_gaps(
            &mut out, &ranked, cfg.gap_ms, cfg.format,
        )?)
    })
}

pub(crate) fn diagnose(cfg: &AnalysisConfig) -> Result<bool> {
    // A run named by --run-id is diagnosed whatever its status.
    let include_success = cfg.include_success || cfg.run_id.is_some();
    on_selected_runs(cfg, |analysis, stats, mut out| {
        let mut diagnoses = analysis.diagnoses(&stats, cfg.gap_ms, include_success)?;
        name_inputs(&mut diagnoses, &cfg.input);
        daglog_analysis::attach_captured_stderr(
            analysis.archive(),
            &cfg.input.inputs,
            &mut diagnoses,
        );
        Ok(daglog_report::write_diagnoses(
            &mut out, &diagnoses, cfg.format,
        )?)
    })
}

pub(crate) fn compare(cfg: &CompareConfig) -> Result<bool> {
    let Loaded {
        archive,
        had_problems,
    } = load(&cfg.input, KeepRaw::None, true)?;
    let a = select_run(&archive, &cfg.run_a)?;
    let b = select_run(&archive, &cfg.run_b)?;
    if a.run_id == b.run_id {
        anyhow::bail!(UsageError(format!(
            "{} and {} name the same run {}; give two different runs",
            cfg.run_a, cfg.run_b, a.run_id
        )));
    }
    warn_truncated(&[a, b]);
    let (_, stats) = analyse(&archive, vec![a, b])?;
    let comparison = compare_runs(&archive, &stats[0], &stats[1])?;
    let mut out = stdout();
    daglog_report::write_comparison(&mut out, &comparison, cfg.format)?;
    out.flush()?;
    Ok(!had_problems)
}

pub(crate) fn report(cfg: &ReportConfig) -> Result<bool> {
    use anyhow::Context as _;

    let Loaded {
        archive,
        had_problems,
    } = load(&cfg.input, captured_keys(), true)?;
    let runs = selected(&archive, cfg.run_id.as_deref())?;
    if runs.is_empty() {
        anyhow::bail!(UsageError(
            "the inputs hold no events of any run: nothing to report".into()
        ));
    }
    warn_truncated(&runs);
    let one = runs.len() == 1;
    let (analysis, stats) = analyse(&archive, runs)?;
    // Written to memory first: a failed report never leaves half a file.
    let mut buf = Vec::new();
    if one {
        let mut report = analysis.run_reports(stats, cfg.gap_ms)?.remove(0);
        daglog_analysis::attach_captured_stderr(
            &archive,
            &cfg.input.inputs,
            std::slice::from_mut(&mut report.diagnosis),
        );
        name_inputs(std::slice::from_mut(&mut report.diagnosis), &cfg.input);
        daglog_report::write_run_report(&mut buf, &report, cfg.format)?;
    } else {
        let mut report = analysis.archive_report(&stats, cfg.gap_ms)?;
        name_inputs(&mut report.failures, &cfg.input);
        daglog_report::write_archive_report(&mut buf, &report, cfg.format)?;
    }
    match &cfg.output {
        Some(path) => {
            std::fs::write(path, &buf)
                .with_context(|| format!("failed to write the report to {}", path.display()))?;
            let _ = writeln!(io::stderr(), "daglog: wrote {}", path.display());
        }
        None => {
            let mut out = stdout();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(!had_problems)
}
