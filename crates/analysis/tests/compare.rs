//! `compare` on real exports: two runs of one job with different run config,
//! runs of different jobs, and a run against a copy of itself under another id.

use std::path::{Path, PathBuf};

use daglog_analysis::{Analysis, Comparison, RunStats, RunStatus, StepStatus, compare};
use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};
use serde_json::json;

const GOOD: &str = "e7c257f7-913f-4d25-b1c7-bc7bb0783b05";
const BAD: &str = "0f246d01-fd27-4aa7-a562-72470bff651d";

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/dagster-1.13")
        .join(name)
}

fn load(paths: &[PathBuf]) -> Archive {
    let inputs: Vec<Input> = paths
        .iter()
        .map(|p| Input::from_arg(p.to_str().unwrap()))
        .collect();
    let archive = Archive::load(&inputs, LoadOptions::default(), &NoProgress).unwrap();
    assert!(archive.problems.is_empty(), "{:?}", archive.problems);
    archive
}

/// The figures of runs `a` and `b` (ids or unique prefixes), as the CLI gets them.
fn pair(archive: &Archive, a: &str, b: &str) -> (RunStats, RunStats) {
    let run = |id: &str| {
        archive
            .runs
            .iter()
            .find(|r| r.run_id.starts_with(id))
            .unwrap_or_else(|| panic!("no run {id}"))
    };
    let mut stats = Analysis::new(archive, vec![run(a), run(b)])
        .unwrap()
        .run_stats()
        .unwrap();
    let sb = stats.pop().unwrap();
    (stats.pop().unwrap(), sb)
}

fn config_diff() -> Comparison {
    let archive = load(&[case("l_config_diff")]);
    let (a, b) = pair(&archive, GOOD, BAD);
    compare(&archive, &a, &b).unwrap()
}

#[test]
fn the_config_diff_names_every_changed_key_with_both_values() {
    let c = config_diff();
    assert_eq!(c.run_a.run_id, GOOD);
    assert_eq!(c.run_b.run_id, BAD);
    let config = c.config.as_ref().expect("both runs have run.json");
    let changed: Vec<(&str, serde_json::Value, serde_json::Value)> = config
        .changed
        .iter()
        .map(|ch| (ch.path.as_str(), ch.a.clone(), ch.b.clone()))
        .collect();
    assert_eq!(
        changed,
        vec![
            ("ops.fetch_sales.config.batch_size", json!(500), json!(0)),
            (
                "ops.fetch_sales.config.currency",
                json!("EUR"),
                json!("JPY")
            ),
            (
                "ops.fetch_sales.config.region",
                json!("emea"),
                json!("apac")
            ),
            (
                "ops.fetch_sales.config.source_table",
                json!("sales.orders_v2"),
                json!("sales.orders_v3")
            ),
            (
                "ops.render_report.config.include_charts",
                json!(true),
                json!(false)
            ),
            (
                "ops.render_report.config.output_format",
                json!("pdf"),
                json!("html")
            ),
        ]
    );
    assert!(config.added.is_empty() && config.removed.is_empty());
}

#[test]
fn the_config_diff_tags_and_no_job_warning() {
    let c = config_diff();
    let tags = c.tags.as_ref().unwrap();
    assert_eq!(tags.changed.len(), 1);
    assert_eq!(
        (
            tags.changed[0].key.as_str(),
            tags.changed[0].a.as_str(),
            tags.changed[0].b.as_str()
        ),
        ("region", "emea", "apac")
    );
    // Dagster tags the failed run with why it failed.
    assert_eq!(tags.added.len(), 1);
    assert_eq!(tags.added[0].key, "dagster/failure_reason");
    assert_eq!(tags.added[0].value, "STEP_FAILURE");
    assert!(tags.removed.is_empty());

    assert_eq!(c.run_a.job_name.as_deref(), Some("regional_report_job"));
    assert_eq!(c.run_b.job_name.as_deref(), Some("regional_report_job"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn the_failing_step_and_the_step_it_stopped_change_status() {
    let c = config_diff();
    assert_eq!(c.run_a.status, RunStatus::Success);
    assert_eq!(c.run_b.status, RunStatus::Failure);
    let step = |key: &str| {
        c.step_changes
            .iter()
            .find(|s| s.step_key == key)
            .unwrap_or_else(|| panic!("no change for {key}: {:?}", c.step_changes))
    };
    let fetch = step("fetch_sales");
    assert_eq!(
        (fetch.status_a, fetch.status_b),
        (StepStatus::Success, StepStatus::Failure)
    );
    // Dagster's stepStats: 0.1351 s in A, 0.0496 s in B.
    assert_eq!(fetch.duration_ms_a, Some(135));
    assert_eq!(fetch.duration_ms_b, Some(50));
    assert_eq!(fetch.duration_delta_ms, Some(50 - 135));
    assert_eq!((fetch.attempts_a, fetch.attempts_b), (1, 1));
    let render = step("render_report");
    assert_eq!(
        (render.status_a, render.status_b),
        (StepStatus::Success, StepStatus::NotExecuted)
    );
    assert_eq!(render.duration_ms_b, None);
    assert_eq!(render.duration_delta_ms, None);
    assert_eq!((render.attempts_a, render.attempts_b), (1, 0));
    assert!(c.steps_only_in_a.is_empty() && c.steps_only_in_b.is_empty());

    let delta = |t: &str| {
        c.event_count_deltas
            .iter()
            .find(|d| d.event_type == t)
            .map(|d| (d.a, d.b, d.delta))
    };
    assert_eq!(delta("STEP_SUCCESS"), Some((2, 0, -2)));
    assert_eq!(delta("STEP_FAILURE"), Some((0, 1, 1)));
    assert_eq!(delta("RUN_SUCCESS"), Some((1, 0, -1)));
    assert_eq!(delta("RUN_FAILURE"), Some((0, 1, 1)));
    // Both started with RUN_STARTING, RUN_START and one resource init.
    assert_eq!(delta("RUN_START"), None);
    assert_eq!(delta("RESOURCE_INIT_SUCCESS"), None);

    let (da, db) = (c.run_a.duration_ms.unwrap(), c.run_b.duration_ms.unwrap());
    assert_eq!(c.duration_delta_ms, Some(db - da));
}

#[test]
fn the_runs_part_where_fetch_sales_fails() {
    let c = config_diff();
    let d = c.first_divergence.as_ref().unwrap();
    // RUN_STARTING, RUN_START, STEP_START fetch_sales are the same.
    assert_eq!(d.index, 3);
    let a = d.a.as_ref().unwrap();
    let b = d.b.as_ref().unwrap();
    assert_eq!(a.event_type.as_deref(), Some("STEP_SUCCESS"));
    assert_eq!(a.step_key.as_deref(), Some("fetch_sales"));
    assert_eq!(b.event_type.as_deref(), Some("STEP_FAILURE"));
    assert_eq!(b.step_key.as_deref(), Some("fetch_sales"));
    assert!(
        b.message
            .starts_with("Execution of step \"fetch_sales\" failed.")
            && b.message.contains("ZeroDivisionError"),
        "{}",
        b.message
    );
    assert_eq!(b.timestamp, 1_795_501_948.472);
}

#[test]
fn the_new_error_is_the_zero_division_in_fetch_sales() {
    let c = config_diff();
    assert!(c.errors_only_in_a.is_empty(), "{:?}", c.errors_only_in_a);
    let step_error = c
        .errors_only_in_b
        .iter()
        .find(|e| e.step_key.as_deref() == Some("fetch_sales"))
        .expect("an error of fetch_sales");
    assert_eq!(step_error.class_name.as_deref(), Some("ZeroDivisionError"));
    assert_eq!(step_error.message, "integer division or modulo by zero");
    assert_eq!(step_error.event_type, "STEP_FAILURE");
    // RUN_FAILURE carries the same exception at run level; nothing else is new.
    assert_eq!(c.errors_only_in_b.len(), 2, "{:?}", c.errors_only_in_b);
    let run_error = &c.errors_only_in_b[1];
    assert_eq!(run_error.step_key, None);
    assert_eq!(run_error.event_type, "RUN_FAILURE");
    assert_eq!(run_error.class_name.as_deref(), Some("ZeroDivisionError"));
}

#[test]
fn swapping_the_runs_mirrors_the_comparison() {
    let archive = load(&[case("l_config_diff")]);
    let (a, b) = pair(&archive, BAD, GOOD);
    let c = compare(&archive, &a, &b).unwrap();
    let config = c.config.unwrap();
    let region = config
        .changed
        .iter()
        .find(|ch| ch.path == "ops.fetch_sales.config.region")
        .unwrap();
    assert_eq!((&region.a, &region.b), (&json!("apac"), &json!("emea")));
    assert_eq!(c.tags.unwrap().removed[0].key, "dagster/failure_reason");
    assert!(c.errors_only_in_b.is_empty());
    assert_eq!(c.errors_only_in_a.len(), 2);
    let fetch = &c.step_changes[0];
    assert_eq!(
        (fetch.status_a, fetch.status_b),
        (StepStatus::Failure, StepStatus::Success)
    );
}

#[test]
fn a_run_compared_with_itself_differs_in_nothing() {
    let archive = load(&[case("l_config_diff")]);
    let (a, b) = pair(&archive, BAD, BAD);
    let c = compare(&archive, &a, &b).unwrap();
    assert!(c.config.unwrap().is_empty());
    assert!(c.tags.unwrap().is_empty());
    assert!(c.step_changes.is_empty() && c.event_count_deltas.is_empty());
    assert!(c.first_divergence.is_none());
    assert!(c.errors_only_in_a.is_empty() && c.errors_only_in_b.is_empty());
    assert_eq!(c.duration_delta_ms, Some(0));
    assert_eq!(
        c.warnings,
        vec!["Run A and run B are the same run.".to_string()]
    );
}

#[test]
fn runs_of_different_jobs_are_compared_with_a_warning() {
    let archive = load(&[case("h1_retry_then_success"), case("b_module_not_found")]);
    // h1: retry_success_job, SUCCESS after two retries; b: import_error_job, FAILURE.
    let (a, b) = pair(&archive, "c0f61630", "a0e9d44b");
    let c = compare(&archive, &a, &b).unwrap();
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0].contains("different jobs")
            && c.warnings[0].contains("retry_success_job")
            && c.warnings[0].contains("import_error_job"),
        "{}",
        c.warnings[0]
    );
    // No step in common.
    assert!(c.step_changes.is_empty());
    let keys = |s: &[daglog_analysis::StepOnly]| -> Vec<String> {
        s.iter().map(|s| s.step_key.clone()).collect()
    };
    assert_eq!(
        keys(&c.steps_only_in_a),
        ["flaky_api_call", "store_api_result"]
    );
    // The third op was not executed after the import failed.
    let b_steps = &c.steps_only_in_b;
    assert_eq!(
        &keys(b_steps)[..2],
        ["check_environment", "load_warehouse_client"]
    );
    assert_eq!(b_steps[1].status, StepStatus::Failure);
    assert!(
        b_steps[2..]
            .iter()
            .all(|s| s.status == StepStatus::NotExecuted)
    );
    // h1's retried ConnectionResetError went; b's ModuleNotFoundError came.
    assert!(
        c.errors_only_in_a
            .iter()
            .all(|e| e.class_name.as_deref() == Some("ConnectionResetError")
                && e.event_type == "STEP_UP_FOR_RETRY"),
        "{:?}",
        c.errors_only_in_a
    );
    assert_eq!(c.errors_only_in_a[0].count, 2);
    let module = c
        .errors_only_in_b
        .iter()
        .find(|e| e.event_type == "STEP_FAILURE")
        .unwrap();
    assert_eq!(module.class_name.as_deref(), Some("ModuleNotFoundError"));
    assert_eq!(module.message, "No module named 'snowflake'");
    // h1's run config is `{}`, b's too: the same, both available.
    assert!(c.config.unwrap().is_empty());
}

/// e1's real export under another run id, in a temporary directory: the
/// same run, as if it had run twice.
fn renamed_copy(from: &str, id: &str, new_id: &str) -> PathBuf {
    let page = case(from).join(id).join("pages/page-0001.json");
    let text = std::fs::read_to_string(page).unwrap();
    assert!(text.contains(id));
    let dir = std::env::temp_dir().join(format!("daglog-compare-{}", std::process::id()));
    let pages = dir.join(new_id).join("pages");
    std::fs::create_dir_all(&pages).unwrap();
    let out = pages.join("page-0001.json");
    std::fs::write(&out, text.replace(id, new_id)).unwrap();
    out
}

#[test]
fn run_ids_in_messages_do_not_make_an_error_new() {
    const E1: &str = "119a0429-1d6c-4b5d-b3ad-b2c461aa6313";
    const COPY: &str = "99999999-1d6c-4b5d-b3ad-b2c461aa6313";
    let copy = renamed_copy("e1_io_manager_handle_output_permission_denied", E1, COPY);
    let archive = load(&[
        case("e1_io_manager_handle_output_permission_denied"),
        copy.clone(),
    ]);
    let (a, b) = pair(&archive, E1, COPY);
    let c = compare(&archive, &a, &b).unwrap();
    let _ = std::fs::remove_dir_all(copy.parent().unwrap().parent().unwrap().parent().unwrap());
    // The PermissionError's path holds each run's own id: the same error all the same.
    assert!(c.errors_only_in_a.is_empty(), "{:?}", c.errors_only_in_a);
    assert!(c.errors_only_in_b.is_empty(), "{:?}", c.errors_only_in_b);
    assert!(c.first_divergence.is_none());
    assert!(c.step_changes.is_empty());
    // The copy has no run.json: no config to compare, and the comparison says so.
    assert!(c.config.is_none() && c.tags.is_none());
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0].starts_with("Run B has no run config"),
        "{}",
        c.warnings[0]
    );

    // Against a run without that error, the id is shown as `<run>`.
    let archive = load(&[
        case("e1_io_manager_handle_output_permission_denied"),
        case("l_config_diff"),
    ]);
    let (a, b) = pair(&archive, GOOD, E1);
    let c = compare(&archive, &a, &b).unwrap();
    let perm = c
        .errors_only_in_b
        .iter()
        .find(|e| e.event_type == "STEP_FAILURE")
        .unwrap();
    assert_eq!(perm.class_name.as_deref(), Some("PermissionError"));
    assert_eq!(
        perm.message,
        "[Errno 13] Permission denied: '/mnt/warehouse/exports/<run>/build_export/result'"
    );
}
