//! `stats`, `info`, `runs`, `timeline` and `gaps` end to end: the reference's
//! workflows, Dagster's own figures through the CLI, usage errors, and one
//! snapshot per command and format on real cases.

use std::collections::BTreeMap;
use std::process::Output;

use serde_json::Value;

use crate::common::*;

fn json(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `run.json` of every run folder under `fixtures/dagster-1.13`, by run id.
fn dagster_runs() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for dir in run_dirs(&modern()) {
        let path = dir.join("run.json");
        if let Ok(bytes) = std::fs::read(&path) {
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            let run = v["data"]["runOrError"].clone();
            // The in-progress snapshot of f1 shares its run id with the final export.
            if run["status"] != "STARTED" {
                out.insert(run["runId"].as_str().unwrap().to_string(), run);
            }
        }
    }
    out
}

#[test]
fn whole_archive_stats_match_dagsters_run_stats() {
    let o = run_on_archive("stats", &["--ndjson"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ours: BTreeMap<String, Value> = ndjson(&o)
        .into_iter()
        .map(|r| (r["runId"].as_str().unwrap().to_string(), r))
        .collect();
    let dagster = dagster_runs();
    assert!(dagster.len() >= 20);
    for (id, d) in &dagster {
        let o = &ours[id];
        for key in [
            "stepsSucceeded",
            "stepsFailed",
            "materializations",
            "expectations",
        ] {
            assert_eq!(o[key], d["stats"][key], "{id} {key}");
        }
        assert_eq!(o["status"], d["status"], "{id}");
        assert_eq!(o["jobName"], d["jobName"], "{id}");
        let start = d["startTime"].as_f64().unwrap();
        assert!(
            (o["startTime"].as_f64().unwrap() - start).abs() < 0.001,
            "{id}"
        );
    }
}

#[test]
fn step_rows_are_every_step_of_every_run_with_dagsters_durations() {
    let steps = ndjson(&run_on_archive("stats", &["--steps", "--ndjson"]));
    let dagster = dagster_runs();
    let mut checked = 0;
    for (id, d) in &dagster {
        let ours: Vec<&Value> = steps.iter().filter(|s| s["runId"] == id.as_str()).collect();
        let theirs = d["stepStats"].as_array().unwrap();
        // Dagster lists steps that started or were skipped; daglog also the
        // ones it did not execute because an upstream step failed.
        let extra: Vec<&&Value> = ours
            .iter()
            .filter(|o| !theirs.iter().any(|t| t["stepKey"] == o["stepKey"]))
            .collect();
        assert!(
            extra.iter().all(|o| o["status"] == "NOT_EXECUTED"),
            "{id}: {extra:?}"
        );
        assert_eq!(ours.len(), theirs.len() + extra.len(), "{id}");
        for t in theirs {
            let key = t["stepKey"].as_str().unwrap();
            let o = ours.iter().find(|s| s["stepKey"] == key).unwrap();
            assert_eq!(o["status"], t["status"], "{id} {key}");
            assert_eq!(o["jobName"], d["jobName"], "{id} {key}");
            if let (Some(s), Some(e)) = (t["startTime"].as_f64(), t["endTime"].as_f64()) {
                let ms = o["durationMs"].as_i64().unwrap();
                assert!((ms as f64 - (e - s) * 1000.0).abs() <= 1.0, "{id} {key}");
                checked += 1;
            }
            // Dagster leaves out an attempt still running; daglog counts it.
            let open = usize::from(o["status"] == "IN_PROGRESS");
            let attempts = o["attempts"].as_u64().unwrap() as usize;
            let theirs = t["attempts"].as_array().unwrap().len();
            assert!(
                attempts == theirs || attempts == theirs + open,
                "{id} {key}: {attempts} vs {theirs}"
            );
        }
    }
    assert!(checked >= 100, "{checked}");
}

#[test]
fn reference_workflow_1_info_logs_stats() {
    let case = "fixtures/dagster-1.13/b_module_not_found";
    // 1. get_run_info.py --run-id
    let info = run(&["info", case, "--run-id", "a0e9d44b"]);
    assert_eq!(info.status.code(), Some(0), "{}", stderr(&info));
    assert!(stdout(&info).contains("FAILURE"));
    // 2.–3. failures as JSON, the first one
    let failures = json(&run(&[
        "logs",
        case,
        "--run-id",
        "a0e9d44b",
        "--event-type",
        "FAILURE",
        "--json",
    ]));
    let first = &failures["events"][0];
    let step = first["stepKey"].as_str().unwrap();
    // 4. that step's events
    let step_logs = run(&["logs", case, "--run-id", "a0e9d44b", "--step-key", step]);
    assert!(stdout(&step_logs).contains("STEP_FAILURE"));
    // 5. get_run_stats.py --run-id
    let stats = json(&run(&["stats", case, "--run-id", "a0e9d44b", "--json"]));
    let run0 = &stats["runs"][0];
    assert_eq!(run0["status"], "FAILURE");
    assert_eq!(run0["stepsFailed"], 1);
    let failed: Vec<&str> = run0["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "FAILURE")
        .map(|s| s["stepKey"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec![step]);
}

#[test]
fn reference_workflow_2_diffs_run_config_of_two_runs() {
    let case = "fixtures/dagster-1.13/l_config_diff";
    let runs = json(&run(&["runs", case, "--json"]));
    let results = runs["runsOrError"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let id_of = |status: &str| {
        results.iter().find(|r| r["status"] == status).unwrap()["runId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let ok = json(&run(&[
        "info",
        case,
        "--run-id",
        &id_of("SUCCESS"),
        "--json",
    ]));
    let bad = json(&run(&[
        "info",
        case,
        "--run-id",
        &id_of("FAILURE"),
        "--json",
    ]));
    assert_eq!(ok["source"], "run.json");
    // `jq '.runConfigYaml'` on each: Dagster's YAML, as exported, and different.
    let (a, b) = (
        ok["runConfigYaml"].as_str().unwrap(),
        bad["runConfigYaml"].as_str().unwrap(),
    );
    assert!(a.contains("ops:") && b.contains("ops:"));
    assert_ne!(a, b);
    assert!(ok["tags"].is_array());
}

#[test]
fn runs_lists_every_run_newest_first_for_the_reference_loop() {
    let all = json(&run_on_archive("runs", &["--json"]));
    let results = all["runsOrError"]["results"].as_array().unwrap();
    // Every run with events, plus runs known only from the runsOrError lists.
    assert!(results.len() >= 22, "{}", results.len());
    let starts: Vec<f64> = results
        .iter()
        .filter_map(|r| r["startTime"].as_f64())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "not newest first");
    // The reference's loop: jq -r '.runsOrError.results[] | "\(.status)\t\(.runId)"'
    assert!(
        results
            .iter()
            .all(|r| r["status"].is_string() && r["runId"].is_string())
    );

    let failed = json(&run_on_archive(
        "runs",
        &[
            "--status",
            "failure",
            "--job-name",
            "upstream_failure_job",
            "--json",
        ],
    ));
    let failed = failed["runsOrError"]["results"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["jobName"], "upstream_failure_job");

    let limited = json(&run_on_archive("runs", &["--limit", "3", "--json"]));
    assert_eq!(
        limited["runsOrError"]["results"].as_array().unwrap().len(),
        3
    );
}

#[test]
fn info_without_events_uses_the_run_list() {
    // _runs holds runsOrError lists only: every run is known, no events.
    let o = run(&[
        "info",
        "fixtures/dagster-1.13/_runs/_all.json",
        "--run-id",
        "fb53d008",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["source"], "runsOrError");
    assert_eq!(v["jobName"], "log_edge_cases_job");
}

#[test]
fn info_of_events_alone_says_it_is_derived() {
    let o = run(&[
        "info",
        "fixtures/dagster-1.13/h1_retry_then_success/c0f61630-cf1c-4e21-ba0c-c7d51307251e/pages",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["source"], "events");
    assert_eq!(v["status"], "SUCCESS");
    assert_eq!(v["stats"]["stepsSucceeded"], 2);
}

#[test]
fn timeline_marks_gaps_and_gaps_ranks_hangs_first() {
    let t = json(&run(&[
        "timeline",
        "fixtures/dagster-1.13/f1_hang_terminated_multiprocess",
        "--json",
    ]));
    assert_eq!(t["gapThresholdMs"], 10_000);
    assert_eq!(t["gaps"].as_array().unwrap().len(), 1);
    assert_eq!(t["gaps"][0]["durationMs"], 327_857);
    let t = json(&run(&[
        "timeline",
        "fixtures/dagster-1.13/f1_hang_terminated_multiprocess",
        "--gap",
        "1s",
        "--json",
    ]));
    assert!(t["gaps"].as_array().unwrap().len() > 1);

    let g = json(&run_on_archive("gaps", &["--json"]));
    let runs = g["runs"].as_array().unwrap();
    let first_calm = runs
        .iter()
        .position(|r| r["hangCandidate"] == false)
        .unwrap();
    assert!(
        runs[..first_calm]
            .iter()
            .all(|r| r["hangCandidate"] == true)
    );
    assert!(
        runs[first_calm..]
            .iter()
            .all(|r| r["hangCandidate"] == false)
    );
    let ids: Vec<&str> = runs[..first_calm]
        .iter()
        .map(|r| r["runId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"166ed867-5a24-4afd-80fc-d7a42a0f6ed6"),
        "{ids:?}"
    );
}

#[test]
fn usage_errors_exit_2_and_say_what_to_do() {
    let o = run(&["timeline", "fixtures/dagster-1.13/l_config_diff"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--run-id"), "{}", stderr(&o));
    let o = run_on_archive("gaps", &["--gap", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("10s, 500ms"), "{}", stderr(&o));
    let o = run_on_archive("runs", &["--status", "exploded"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("success, failure"), "{}", stderr(&o));
    let o = run_on_archive("stats", &["--run-id", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run_on_archive("stats", &["--json", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_input_is_named_and_the_rest_still_counts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.json"), b"{\"events\": [").unwrap();
    let o = run(&[
        "stats",
        "fixtures/dagster-1.13/h1_retry_then_success",
        dir.path().join("broken.json").to_str().unwrap(),
        "--ndjson",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("broken.json"), "{}", stderr(&o));
    assert_eq!(ndjson(&o).len(), 1);
}

#[test]
fn diagnose_names_pattern_root_and_cascade_on_every_failing_case() {
    let o = run_on_archive("diagnose", &["--json"]);
    let v = json(&o);
    let runs = v["runs"].as_array().unwrap();
    let by_id = |prefix: &str| {
        runs.iter()
            .find(|r| r["runId"].as_str().unwrap().starts_with(prefix))
            .unwrap_or_else(|| panic!("no diagnosis of {prefix}"))
    };
    for (id, pattern, step, class) in [
        (
            "a0e9d44b",
            "import_error",
            "load_warehouse_client",
            "ModuleNotFoundError",
        ),
        (
            "e7051103",
            "resource_init",
            "sync_dim_table",
            "ConnectionRefusedError",
        ),
        (
            "5778ed0a",
            "data_validation",
            "compute_lifetime_value",
            "TypeError",
        ),
        ("119a0429", "io_manager", "build_export", "PermissionError"),
        (
            "166ed867",
            "timeout_hang",
            "wait_for_partner_file",
            "DagsterExecutionInterruptedError",
        ),
        ("77756a9a", "user_code_error", "fetch_fx_rates", "Failure"),
        (
            "07d55260",
            "user_code_error",
            "refresh_materialized_view",
            "OSError",
        ),
        (
            "0f246d01",
            "user_code_error",
            "fetch_sales",
            "ZeroDivisionError",
        ),
    ] {
        let d = by_id(id);
        assert_eq!(d["pattern"], pattern, "{id}");
        assert_eq!(d["rootStep"], step, "{id}");
        assert_eq!(d["rootError"]["className"], class, "{id}");
        assert!(d["nextSteps"].as_array().unwrap().len() >= 2, "{id}");
        assert!(!d["evidence"].as_array().unwrap().is_empty(), "{id}");
    }
    assert_eq!(by_id("77756a9a")["cascade"][0]["stepKey"], "convert_prices");
    // Successful runs are left out unless --all.
    assert!(runs.iter().all(|r| r["status"] != "SUCCESS"));
    let all = json(&run_on_archive("diagnose", &["--all", "--json"]));
    let flaky = all["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["runId"] == "c0f61630-cf1c-4e21-ba0c-c7d51307251e")
        .unwrap();
    assert_eq!(flaky["flakySteps"][0]["stepKey"], "flaky_api_call");
}

#[test]
fn compare_names_every_changed_config_key_and_the_failing_step() {
    let v = json(&run(&[
        "compare",
        "e7c257f7",
        "0f246d01",
        "fixtures/dagster-1.13/l_config_diff",
        "--json",
    ]));
    let text = v.to_string();
    for key in [
        "batch_size",
        "currency",
        "region",
        "source_table",
        "output_format",
        "include_charts",
    ] {
        assert!(text.contains(key), "{key} missing from {text}");
    }
    assert!(text.contains("fetch_sales"));
    assert!(text.contains("ZeroDivisionError"));
    let o = run(&[
        "compare",
        "e7c257f7",
        "e7c257f7",
        "fixtures/dagster-1.13/l_config_diff",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn report_writes_one_self_contained_html_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    let o = run(&["report", "data/sample", "-o", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("wrote"));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{}",
        &html[..100]
    );
    // Self-contained: no script, no external resource.
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"));
    assert!(!lower.contains("src=\"http") && !lower.contains("href=\"http"));
    assert!(html.contains("import_error") && html.contains("timeout_hang"));

    // One run: the Gantt chart is there, as inline SVG.
    let one = dir.path().join("one.html");
    let o = run(&[
        "report",
        "data/sample",
        "--run-id",
        "c0f61630",
        "-o",
        one.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&one).unwrap();
    assert!(html.contains("<svg"), "no svg");
    assert!(html.contains("flaky_api_call"));

    // A folder as -o is a usage error.
    let o = run(&["report", "data/sample", "-o", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// `*_PLANNED` events name steps before the run starts: a step that was
/// planned and never ran (the run stopped first) is no step in progress.
#[test]
fn planned_events_are_not_step_activity() {
    let dir = std::fs::read_dir(root().join("fixtures/dagster-1.13/a2_success_assets_inprocess"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("pages").is_dir())
        .unwrap();
    let mut page: Value =
        serde_json::from_slice(&std::fs::read(dir.join("pages/page-0001.json")).unwrap()).unwrap();
    // As if the run had stopped before `order_summary` started.
    page["events"].as_array_mut().unwrap().retain(|e| {
        e["stepKey"] != "order_summary" || e["eventType"] == "ASSET_MATERIALIZATION_PLANNED"
    });
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("page.json");
    std::fs::write(&file, serde_json::to_vec(&page).unwrap()).unwrap();
    let steps = ndjson(&run(&[
        "stats",
        file.to_str().unwrap(),
        "--steps",
        "--ndjson",
    ]));
    assert!(!steps.is_empty());
    assert!(
        steps.iter().all(|s| s["stepKey"] != "order_summary"),
        "{steps:?}"
    );
    assert!(
        steps.iter().all(|s| s["status"] != "IN_PROGRESS"),
        "{steps:?}"
    );
}

/// An export cut short (1,000 events and `hasMore: true`, the common case
/// of an export without a limit) is not a hang: with its run record the run
/// is what the record says; alone, the verdict says the export is
/// incomplete.
#[test]
fn an_export_cut_short_is_not_a_hang() {
    let j1 = "fixtures/dagster-1.13/j1_fanout_300_success/4fb36135-36bc-41e9-b621-a73f55f84472";
    let page = format!("{j1}/pages/page-0001.json");
    let with_record = run(&["diagnose", &page, &format!("{j1}/run.json"), "--json"]);
    let v: Value = serde_json::from_slice(&with_record.stdout).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 0, "{v}");
    let with_record = run(&[
        "diagnose",
        &page,
        &format!("{j1}/run.json"),
        "--all",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&with_record.stdout).unwrap();
    assert_eq!(v["runs"][0]["status"], "SUCCESS");
    assert!(v["runs"][0]["pattern"].is_null());
    let alone = run(&["diagnose", &page, "--json"]);
    let v: Value = serde_json::from_slice(&alone.stdout).unwrap();
    let d = &v["runs"][0];
    assert_ne!(d["pattern"], "timeout_hang");
    assert!(
        d["summary"]
            .as_str()
            .unwrap()
            .starts_with("the export is incomplete"),
        "{d}"
    );
    assert!(
        d["warnings"][0].as_str().unwrap().contains("hasMore: true"),
        "{d}"
    );
}

/// Next steps are commands to paste: they name the paths the user gave,
/// never a literal ARCHIVE, and never `--step-key (run level)`.
#[test]
fn next_steps_name_the_inputs_given() {
    let out = run(&["diagnose", "fixtures/dagster-1.13", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps: Vec<&str> = v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["nextSteps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
        })
        .collect();
    assert!(
        steps
            .iter()
            .any(|s| s.contains("daglog logs fixtures/dagster-1.13 --run-id")),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .all(|s| !s.contains("ARCHIVE") && !s.contains("(run level)")),
        "{steps:?}"
    );
}

/// `gaps` lists what its heading says: runs with a silence of at least
/// `--gap` (and hang candidates); `stats --steps` lists a run's steps in
/// the order they started.
#[test]
fn gaps_keep_to_their_threshold_and_steps_come_in_start_order() {
    let out = run(&["gaps", "fixtures/dagster-1.13", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert!(!runs.is_empty());
    for r in runs {
        assert!(
            r["largestGapMs"].as_i64().unwrap() >= 10_000 || r["hangCandidate"] == true,
            "{r}"
        );
    }
    let all = run(&["gaps", "fixtures/dagster-1.13", "--json", "--gap", "0"]);
    let all: Value = serde_json::from_slice(&all.stdout).unwrap();
    assert!(all["runs"].as_array().unwrap().len() > runs.len());
    let steps = ndjson(&run(&[
        "stats",
        "fixtures/dagster-1.13",
        "--steps",
        "--ndjson",
    ]));
    for pair in steps.windows(2) {
        if pair[0]["runId"] == pair[1]["runId"]
            && let (Some(a), Some(b)) =
                (pair[0]["startTime"].as_f64(), pair[1]["startTime"].as_f64())
        {
            assert!(
                a <= b,
                "{} before {}",
                pair[0]["stepKey"],
                pair[1]["stepKey"]
            );
        }
    }
}

/// The diagnosis says the whole error: a multi-line message is not cut to
/// its introduction (`Query failed:`) in the summary, the verdict or the
/// fingerprint; the evidence shows the real error, not Dagster's wrapper;
/// the root error is printed whole with the user's frame.
#[test]
fn diagnosis_keeps_the_whole_error() {
    let case = "fixtures/dagster-1.13/o_log_message_edge_cases";
    let v = json(&run(&["diagnose", case, "--json"]));
    let d = &v["runs"][0];
    let missing = "ERROR: relation \"missing_table\" does not exist";
    assert!(d["summary"].as_str().unwrap().contains(missing), "{d}");
    assert_eq!(d["rootError"]["userFrame"], 4, "{d}");
    let evidence = d["evidence"].as_array().unwrap();
    let failure = evidence
        .iter()
        .find(|e| e["eventType"] == "STEP_FAILURE")
        .unwrap();
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("— RuntimeError: Query failed: line 1: SELECT * FROM missing_table {missing} ✗ unicode in error")),
        "{failure}"
    );
    let text = stdout(&run(&["diagnose", case]));
    assert!(
        text.contains("Root error\n\n    RuntimeError: Query failed:\n      line 1: SELECT * FROM missing_table\n"),
        "{text}"
    );
    assert!(
        text.contains("    raised in your code at:\n    ▶ File \"/opt/pipelines/realdata_cases/dagster_cases.py\", line 796, in raise_multiline_error\n"),
        "{text}"
    );
    let report = json(&run(&[
        "report",
        case,
        "fixtures/dagster-1.13/a1_success_ops_multiprocess",
        "--format",
        "json",
    ]));
    let prints = report["fingerprints"].as_array().unwrap();
    assert!(
        prints
            .iter()
            .any(|f| f["fingerprint"].as_str().unwrap().contains(missing)),
        "{prints:?}"
    );
}

/// Flaky means passed on a retry, or failed and passed in runs of the same
/// config: not the failure of a bad config (l_config_diff) or of a missing
/// partition's data (n_partitioned_assets).
#[test]
fn flaky_means_luck_not_a_bad_config() {
    let flaky = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["report"];
        full.extend_from_slice(args);
        full.extend(["--format", "json"]);
        let v = json(&run(&full));
        v["flakySteps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}",
                    f["stepKey"].as_str().unwrap(),
                    f["failedRuns"],
                    f["retriedRuns"]
                )
            })
            .collect()
    };
    assert_eq!(
        flaky(&["fixtures/dagster-1.13"]),
        ["flaky_api_call 0 1"],
        "a retry that passed, and nothing of l_config_diff or the partitions"
    );
    // The same two runs, the failing one given the passing one's config:
    // now the failure is luck.
    let tmp = tempfile::tempdir().unwrap();
    let case = modern().join("l_config_diff");
    let ok: Value = serde_json::from_slice(
        &std::fs::read(case.join("e7c257f7-913f-4d25-b1c7-bc7bb0783b05/run.json")).unwrap(),
    )
    .unwrap();
    for id in [
        "0f246d01-fd27-4aa7-a562-72470bff651d",
        "e7c257f7-913f-4d25-b1c7-bc7bb0783b05",
    ] {
        let from = case.join(id);
        let to = tmp.path().join(id);
        std::fs::create_dir_all(to.join("pages")).unwrap();
        for page in std::fs::read_dir(from.join("pages")).unwrap() {
            let page = page.unwrap().path();
            std::fs::copy(&page, to.join("pages").join(page.file_name().unwrap())).unwrap();
        }
        let mut record: Value =
            serde_json::from_slice(&std::fs::read(from.join("run.json")).unwrap()).unwrap();
        record["data"]["runOrError"]["runConfigYaml"] =
            ok["data"]["runOrError"]["runConfigYaml"].clone();
        std::fs::write(to.join("run.json"), record.to_string()).unwrap();
    }
    assert_eq!(flaky(&[tmp.path().to_str().unwrap()]), ["fetch_sales 1 0"]);
}

/// The "compare with the last successful run of this job" hint looks across
/// the whole archive, also when one run is selected.
#[test]
fn the_compare_hint_looks_across_the_archive() {
    let hint = |args: &[&str]| -> String {
        let mut full = vec!["diagnose", "fixtures/dagster-1.13"];
        full.extend_from_slice(args);
        full.push("--json");
        let v = json(&run(&full));
        let d = v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["runId"].as_str().unwrap().starts_with("0f246d01"))
            .unwrap()
            .clone();
        d["nextSteps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .find(|s| s.starts_with("Compare with the successful run"))
            .unwrap_or_default()
    };
    let alone = hint(&["--run-id", "0f246d01"]);
    assert!(
        alone.ends_with("daglog compare 3380d0bd 0f246d01 fixtures/dagster-1.13"),
        "{alone}"
    );
    assert_eq!(alone, hint(&[]));
}

/// A run that succeeded can still hide a failed asset check and ERROR log
/// lines: `diagnose --all` and the report say them, from the export's
/// evaluation fields and from storage (whose rows keep only the message).
#[test]
fn failed_checks_and_error_logs_of_runs_that_succeeded_are_said() {
    let warnings = |input: &str| -> Vec<String> {
        let v = json(&run(&["diagnose", input, "--run-id", "b46f9eb4", "--json"]));
        v["runs"][0]["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .collect()
    };
    let log = "ERROR log line in step order_summary: Region 'latam' missing from CRM export (non-fatal, reported to data owners)";
    assert_eq!(
        warnings("fixtures/dagster-1.13/a2_success_assets_inprocess"),
        [
            log,
            "asset check order_summary_all_regions on order_summary did not pass (severity WARN); missing_regions: ['latam']"
        ]
    );
    assert_eq!(
        warnings("fixtures/dagster-1.13-home"),
        [
            log,
            "asset check order_summary_all_regions on order_summary did not pass"
        ]
    );
    let text = stdout(&run(&[
        "diagnose",
        "fixtures/dagster-1.13/a2_success_assets_inprocess",
        "--all",
    ]));
    assert!(
        text.contains("  asset check order_summary_all_regions on order_summary did not pass"),
        "{text}"
    );
    let report = json(&run(&[
        "report",
        "fixtures/dagster-1.13/a2_success_assets_inprocess",
        "fixtures/dagster-1.13/a1_success_ops_multiprocess",
        "--format",
        "json",
    ]));
    let runs = report["succeededWithWarnings"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(
        runs.iter()
            .any(|r| r["warnings"].as_array().unwrap().len() == 2)
    );
}
