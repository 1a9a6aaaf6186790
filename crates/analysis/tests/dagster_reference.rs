//! daglog's figures against Dagster's own: every `run.json` in the fixtures
//! holds Dagster's `stats` (RunStatsSnapshot) and `stepStats` for its run;
//! the same figures computed from the run's events must equal them.

use std::path::{Path, PathBuf};

use daglog_analysis::{Analysis, RunStats};
use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every run folder (`<case>/<runId>/` holding `run.json`).
fn run_folders() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for version in ["dagster-1.13", "dagster-0.14"] {
        let Ok(cases) = std::fs::read_dir(fixtures().join(version)) else {
            continue;
        };
        for case in cases.flatten() {
            let Ok(runs) = std::fs::read_dir(case.path()) else {
                continue;
            };
            for run in runs.flatten() {
                if run.path().join("run.json").is_file() {
                    out.push(run.path());
                }
            }
        }
    }
    out.sort();
    out
}

fn dagster_run(folder: &Path) -> Value {
    let text = std::fs::read_to_string(folder.join("run.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let data = &v["data"];
    let run = if data["runOrError"].is_object() {
        &data["runOrError"]
    } else {
        &data["pipelineRunOrError"]
    };
    run.clone()
}

fn ours(folder: &Path) -> RunStats {
    let archive = Archive::load(
        &[Input::from_arg(folder.to_str().unwrap())],
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    assert!(archive.problems.is_empty(), "{:?}", archive.problems);
    assert_eq!(archive.runs.len(), 1, "{}", folder.display());
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    analysis.run_stats().unwrap().remove(0)
}

/// Float seconds equal to the ms: Dagster keeps µs, events keep ms (floored).
fn same_time(dagster: &Value, ours: Option<f64>) -> bool {
    match (dagster.as_f64(), ours) {
        (None, None) => true,
        (Some(d), Some(o)) => (d - o).abs() < 0.001 + 1e-9,
        _ => false,
    }
}

#[test]
fn run_and_step_figures_equal_dagsters_own() {
    let folders = run_folders();
    assert!(
        folders.len() >= 25,
        "found only {} run folders",
        folders.len()
    );
    let mut problems = Vec::new();
    let mut steps_checked = 0;
    for folder in &folders {
        let name = folder
            .strip_prefix(fixtures())
            .unwrap()
            .display()
            .to_string();
        let d = dagster_run(folder);
        let o = ours(folder);
        let stats = &d["stats"];
        for (key, value) in [
            ("stepsSucceeded", o.steps_succeeded),
            ("stepsFailed", o.steps_failed),
            ("materializations", o.materializations),
            ("expectations", o.expectations),
        ] {
            if stats[key].as_u64() != Some(value) {
                problems.push(format!(
                    "{name}: {key}: dagster {} ours {value}",
                    stats[key]
                ));
            }
        }
        for (key, value) in [
            ("startTime", o.start_time),
            ("endTime", o.end_time),
            ("launchTime", o.launch_time),
            ("enqueuedTime", o.enqueued_time),
        ] {
            if stats.get(key).is_some() && !same_time(&stats[key], value) {
                problems.push(format!(
                    "{name}: stats.{key}: dagster {} ours {value:?}",
                    stats[key]
                ));
            }
        }
        if d["status"].as_str() != Some(o.status.as_str()) {
            problems.push(format!(
                "{name}: status dagster {} ours {}",
                d["status"],
                o.status.as_str()
            ));
        }
        let Some(step_stats) = d["stepStats"].as_array() else {
            continue;
        };
        for ds in step_stats {
            let key = ds["stepKey"].as_str().unwrap();
            let Some(os) = o.steps.iter().find(|s| s.step_key == key) else {
                problems.push(format!("{name}: step {key} missing"));
                continue;
            };
            steps_checked += 1;
            if ds["status"].as_str() != Some(os.status.as_str()) {
                problems.push(format!(
                    "{name}: {key}: status dagster {} ours {}",
                    ds["status"],
                    os.status.as_str()
                ));
            }
            if !same_time(&ds["startTime"], os.start_time) {
                problems.push(format!(
                    "{name}: {key}: startTime dagster {} ours {:?}",
                    ds["startTime"], os.start_time
                ));
            }
            if !same_time(&ds["endTime"], os.end_time) {
                problems.push(format!(
                    "{name}: {key}: endTime dagster {} ours {:?}",
                    ds["endTime"], os.end_time
                ));
            }
            // Dagster lists closed attempts only; daglog also lists the one
            // still running (no end), which a hang post-mortem needs.
            let closed: Vec<_> = os
                .attempts
                .iter()
                .filter(|a| a.end_time.is_some())
                .collect();
            let open = os.attempts.len() - closed.len();
            if open > 0 && (os.status.as_str() != "IN_PROGRESS" || open > 1) {
                problems.push(format!(
                    "{name}: {key}: {open} open attempts, status {}",
                    os.status.as_str()
                ));
            }
            let attempts = ds["attempts"].as_array().map_or(0, Vec::len);
            if attempts != closed.len() {
                problems.push(format!(
                    "{name}: {key}: attempts dagster {attempts} ours {}",
                    closed.len()
                ));
            }
            for (da, oa) in ds["attempts"].as_array().into_iter().flatten().zip(closed) {
                if !same_time(&da["startTime"], oa.start_time)
                    || !same_time(&da["endTime"], oa.end_time)
                {
                    problems.push(format!("{name}: {key}: attempt dagster {da} ours {oa:?}"));
                }
            }
            let markers = ds["markers"].as_array().map_or(0, Vec::len);
            if markers != os.markers.len() {
                problems.push(format!(
                    "{name}: {key}: markers dagster {markers} ours {}",
                    os.markers.len()
                ));
            }
            for (dm, om) in ds["markers"]
                .as_array()
                .into_iter()
                .flatten()
                .zip(&os.markers)
            {
                if !same_time(&dm["startTime"], om.start_time)
                    || !same_time(&dm["endTime"], om.end_time)
                {
                    problems.push(format!("{name}: {key}: marker dagster {dm} ours {om:?}"));
                }
            }
        }
    }
    assert!(steps_checked > 300, "only {steps_checked} steps checked");
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
