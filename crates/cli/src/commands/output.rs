//! `daglog output`: what a run's step processes printed, from the compute
//! logs Dagster keeps beside its storage.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Result, bail};
use daglog_ingest::{CapturedLog, KeepRaw};

use crate::commands::analysis::{single, stdout};
use crate::config::{CapturedConfig, UsageError};
use crate::load::{Loaded, load};

pub(crate) fn run(cfg: &CapturedConfig) -> Result<bool> {
    // Only the LOGS_CAPTURED events' JSON is needed (file keys, steps).
    let keep = KeepRaw::Matching(Arc::new(|ev| ev.event_type == Some("LOGS_CAPTURED")));
    let Loaded {
        archive,
        had_problems,
    } = load(&cfg.input, keep, true)?;
    let run = single(&archive, cfg.run_id.as_deref(), "output")?;
    let captured = archive.captured_output(run, &cfg.input.inputs)?;
    let Some(folder) = &captured.folder else {
        bail!(UsageError(format!(
            "no captured output of run {} was found: daglog looks for DAGSTER_HOME/storage/{}/compute_logs/ \
             under the inputs and beside the storage files it reads; give the DAGSTER_HOME \
             (or its storage/ folder) the run was made in",
            run.run_id, run.run_id
        )));
    };
    let chosen: Vec<&CapturedLog> = captured
        .logs
        .iter()
        .filter(|l| {
            cfg.step_key
                .as_ref()
                .is_none_or(|s| l.step_keys.contains(s))
        })
        .collect();
    if chosen.is_empty() {
        let steps: Vec<&str> = captured
            .logs
            .iter()
            .flat_map(|l| l.step_keys.iter().map(String::as_str))
            .collect();
        bail!(UsageError(match &cfg.step_key {
            Some(step) => format!(
                "no captured output of step {step:?} in {}; its captures are of the steps: {}",
                folder.display(),
                if steps.is_empty() {
                    "(none named)".to_string()
                } else {
                    steps.join(", ")
                }
            ),
            None => format!("{} holds no captured output", folder.display()),
        }));
    }
    let mut streams = Vec::new();
    for (n, log) in chosen.iter().enumerate() {
        // A step run again (a retry) has a capture per attempt.
        let same = |l: &&&CapturedLog| !log.step_keys.is_empty() && l.step_keys == log.step_keys;
        let attempts = chosen.iter().filter(same).count();
        let attempt = (attempts > 1).then(|| chosen[..n].iter().filter(same).count() + 1);
        if cfg.stdout {
            streams.extend(log.stdout.iter().map(|p| (p, "stdout", *log, attempt)));
        }
        if cfg.stderr {
            streams.extend(log.stderr.iter().map(|p| (p, "stderr", *log, attempt)));
        }
    }
    let mut out = stdout();
    let headers = streams.len() > 1;
    for (i, (path, stream, log, attempt)) in streams.iter().enumerate() {
        let text = std::fs::read(path)?;
        if headers {
            if i > 0 {
                writeln!(out)?;
            }
            let steps = if log.step_keys.is_empty() {
                String::new()
            } else {
                let noun = if log.step_keys.len() == 1 {
                    "step"
                } else {
                    "steps"
                };
                format!(", {noun} {}", log.step_keys.join(", "))
            };
            let attempt = attempt
                .map(|a| format!(", attempt {a}"))
                .unwrap_or_default();
            writeln!(out, "==> {} ({stream}{steps}{attempt}) <==", path.display())?;
        }
        out.write_all(escape_output(&String::from_utf8_lossy(&text)).as_bytes())?;
    }
    out.flush()?;
    Ok(!had_problems)
}

/// Captured text as printed: line breaks and tabs kept, every other control
/// character escaped so that output cannot drive the terminal.
fn escape_output(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        for part in body.split('\t').enumerate() {
            if part.0 > 0 {
                out.push('\t');
            }
            out.push_str(&daglog_report::escape_control(part.1));
        }
        out.push_str(end);
    }
    std::borrow::Cow::Owned(out)
}
