//! Captured output: what each step process printed, as Dagster's local
//! compute log manager keeps it beside its storage:
//! `DAGSTER_HOME/storage/<runId>/compute_logs/<fileKey>.out` and `.err`
//! (`.complete` marks a finished capture). Each `LOGS_CAPTURED` event names
//! the file key and the steps of one process (one per step and attempt with
//! the multiprocess executor, one for the whole run in process).
//!
//! This module finds those files for a run; it reads no output itself.

use std::path::{Path, PathBuf};

use crate::archive::{Archive, Run};
use crate::discover::Input;
use crate::parse::FileKind;

/// One process's captured output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedLog {
    /// Dagster's file key (`lhfaosmv`).
    pub file_key: String,
    /// The steps the process ran (empty when no event says).
    pub step_keys: Vec<String>,
    /// When the capture began (the `LOGS_CAPTURED` event), epoch ms.
    pub started_ms: Option<i64>,
    /// The captured standard output, when the file is there.
    pub stdout: Option<PathBuf>,
    /// The captured standard error, when the file is there.
    pub stderr: Option<PathBuf>,
}

/// Where a run's captured output was looked for, and what was found.
#[derive(Debug, Clone, Default)]
pub struct CapturedOutput {
    /// The `compute_logs` folder, if one was found.
    pub folder: Option<PathBuf>,
    /// The captures, in the order the run made them.
    pub logs: Vec<CapturedLog>,
}

impl Archive {
    /// The captured output of `run`: the `LOGS_CAPTURED` events give the
    /// file keys and steps (their JSON must have been kept by the load), the
    /// `compute_logs` folder is looked for beside the storage files and the
    /// inputs. Without events, every capture in the folder is listed, with
    /// the steps its log names.
    pub fn captured_output(&self, run: &Run, inputs: &[Input]) -> std::io::Result<CapturedOutput> {
        let folder = self.compute_log_folder(&run.run_id, inputs);
        let mut logs = Vec::new();
        let refs: Vec<_> = run
            .events
            .iter()
            .copied()
            .filter(|&r| self.event(r).event_type == Some("LOGS_CAPTURED"))
            .collect();
        self.for_each_json(&refs, |r, json| {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(json) else {
                return Ok(());
            };
            let key = v
                .get("fileKey")
                .or(v.get("logKey"))
                .and_then(|k| k.as_str());
            if let Some(key) = key.filter(|k| !logs.iter().any(|l: &CapturedLog| l.file_key == *k))
            {
                let step_keys = v
                    .get("stepKeys")
                    .and_then(|s| s.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                logs.push(CapturedLog {
                    file_key: key.to_string(),
                    step_keys,
                    started_ms: Some(self.event(r).timestamp_ms),
                    stdout: None,
                    stderr: None,
                });
            }
            Ok(())
        })?;
        if let Some(dir) = &folder {
            if logs.is_empty() {
                logs = captures_in(dir);
            }
            for log in &mut logs {
                let file = |ext: &str| {
                    Some(dir.join(format!("{}.{ext}", log.file_key))).filter(|p| p.is_file())
                };
                log.stdout = file("out");
                log.stderr = file("err");
            }
        }
        Ok(CapturedOutput { folder, logs })
    }

    /// The `compute_logs` folder of a run: `storage/<runId>/compute_logs`
    /// under a `DAGSTER_HOME` that an input is, or holds, or that a storage
    /// file read belongs to.
    fn compute_log_folder(&self, run_id: &str, inputs: &[Input]) -> Option<PathBuf> {
        let mut bases: Vec<&Path> = Vec::new();
        for input in inputs {
            if let Input::Path(p) = input {
                bases.extend(p.ancestors().take(4));
            }
        }
        for f in self.files.iter().filter(|f| f.kind == FileKind::Storage) {
            bases.extend(f.path.ancestors().skip(1).take(4));
        }
        bases.iter().find_map(|base| {
            // The home, its storage/ folder, or the run's own folder in it.
            let in_run_folder = base.file_name().is_some_and(|n| n == run_id);
            [
                Some(base.join("storage").join(run_id).join("compute_logs")),
                Some(base.join(run_id).join("compute_logs")),
                in_run_folder.then(|| base.join("compute_logs")),
            ]
            .into_iter()
            .flatten()
            .find(|d| d.is_dir())
        })
    }
}

/// Every capture in a folder, by file key, with the steps its log names
/// (`Started execution of step "X"`), in the order they began.
fn captures_in(dir: &Path) -> Vec<CapturedLog> {
    let mut keys: Vec<(std::time::SystemTime, String)> = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str());
        if !matches!(ext, Some("out" | "err")) {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if keys.iter().any(|(_, k)| k == stem) {
            continue;
        }
        let made = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        keys.push((made, stem.to_string()));
    }
    keys.sort();
    keys.into_iter()
        .map(|(_, key)| {
            let text = std::fs::read_to_string(dir.join(format!("{key}.err"))).unwrap_or_default();
            let mut step_keys: Vec<String> = Vec::new();
            for part in text.split("Started execution of step \"").skip(1) {
                if let Some((step, _)) = part.split_once('"')
                    && !step_keys.iter().any(|s| s == step)
                {
                    step_keys.push(step.to_string());
                }
            }
            CapturedLog {
                file_key: key,
                step_keys,
                started_ms: None,
                stdout: None,
                stderr: None,
            }
        })
        .collect()
}
