//! Diagnosis of every failing, canceled and hanging case in the fixtures
//! (Dagster 1.13 and 0.14): pattern, root step, root error class, cascade.

use std::path::{Path, PathBuf};

use daglog_analysis::{Analysis, Diagnosis, Pattern, RunStatus};
use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

fn diagnose_all(path: &str, include_success: bool) -> Vec<Diagnosis> {
    let archive = Archive::load(
        &[Input::from_arg(fixture(path).to_str().unwrap())],
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    assert!(archive.problems.is_empty(), "{:?}", archive.problems);
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    analysis.diagnoses(&stats, 10_000, include_success).unwrap()
}

fn one(path: &str) -> Diagnosis {
    let mut all = diagnose_all(path, false);
    assert_eq!(all.len(), 1, "{path}: {all:#?}");
    all.remove(0)
}

/// (pattern, root step, root error class, cascade) of a case's one failing run.
fn verdict(path: &str) -> (Pattern, Option<String>, Option<String>, Vec<String>) {
    let d = one(path);
    (
        d.pattern.unwrap(),
        d.root_step.clone(),
        d.root_error.as_ref().and_then(|e| e.class_name.clone()),
        d.cascade.iter().map(|c| c.step_key.clone()).collect(),
    )
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| i.to_string()).collect()
}

#[test]
fn import_errors_new_and_old() {
    assert_eq!(
        verdict("dagster-1.13/b_module_not_found"),
        (
            Pattern::ImportError,
            s("load_warehouse_client"),
            s("ModuleNotFoundError"),
            v(&["run_warehouse_query"])
        )
    );
    // 0.14: the cause has no className; it is read from the message.
    assert_eq!(
        verdict("dagster-0.14/b_module_not_found_multiprocess"),
        (
            Pattern::ImportError,
            s("query_snowflake"),
            s("ModuleNotFoundError"),
            v(&["write_results"])
        )
    );
    let d = one("dagster-1.13/b_module_not_found");
    assert!(
        d.next_steps[0].contains("`snowflake`"),
        "{:?}",
        d.next_steps
    );
    assert_eq!(d.failure_reason.as_deref(), Some("STEP_FAILURE"));
}

#[test]
fn resource_init_in_a_step_worker_and_in_the_run_process() {
    assert_eq!(
        verdict("dagster-1.13/c1_resource_init_failure_multiprocess"),
        (
            Pattern::ResourceInit,
            s("sync_dim_table"),
            s("ConnectionRefusedError"),
            v(&["publish_sync_report"])
        )
    );
    let d = one("dagster-1.13/c1_resource_init_failure_multiprocess");
    assert!(
        d.next_steps[0].contains("[warehouse, io_manager]"),
        "{:?}",
        d.next_steps
    );
    // 0.14, in-process: an ENGINE_EVENT with the error, no step: run level.
    assert_eq!(
        verdict("dagster-0.14/d1_resource_init_failure_inprocess"),
        (
            Pattern::ResourceInit,
            None,
            s("ConnectionRefusedError"),
            v(&[])
        )
    );
    assert_eq!(
        verdict("dagster-0.14/d2_resource_init_failure_multiprocess"),
        (
            Pattern::ResourceInit,
            s("sync_table"),
            s("ConnectionRefusedError"),
            v(&["report_sync"])
        )
    );
}

#[test]
fn data_validation_with_three_independent_failures() {
    let d = one("dagster-1.13/d_validation_errors");
    assert_eq!(d.pattern, Some(Pattern::DataValidation));
    assert_eq!(d.root_step.as_deref(), Some("compute_lifetime_value"));
    assert_eq!(
        d.root_error.as_ref().unwrap().class_name.as_deref(),
        Some("TypeError")
    );
    let others: Vec<(Option<&str>, Pattern, Option<&str>)> = d
        .other_failures
        .iter()
        .map(|o| {
            (
                o.step_key.as_deref(),
                o.pattern,
                o.root_error.as_ref().and_then(|e| e.class_name.as_deref()),
            )
        })
        .collect();
    assert_eq!(
        others,
        vec![
            (
                Some("validate_schema"),
                Pattern::DataValidation,
                Some("ValueError")
            ),
            (
                Some("score_batch"),
                Pattern::DataValidation,
                Some("DagsterTypeCheckDidNotPass")
            ),
        ]
    );
    // The ValueError was raised from a KeyError: the whole chain is kept.
    let chain: Vec<_> = d.other_failures[0]
        .root_error
        .as_ref()
        .unwrap()
        .chain
        .iter()
        .filter_map(|l| l.class_name.as_deref())
        .collect();
    assert_eq!(
        chain,
        vec![
            "DagsterExecutionStepExecutionError",
            "ValueError",
            "KeyError"
        ]
    );
}

#[test]
fn io_manager_failure_while_handling_an_output() {
    assert_eq!(
        verdict("dagster-1.13/e1_io_manager_handle_output_permission_denied"),
        (
            Pattern::IoManager,
            s("build_export"),
            s("PermissionError"),
            v(&[])
        )
    );
    let d = one("dagster-1.13/e1_io_manager_handle_output_permission_denied");
    assert!(
        d.next_steps
            .iter()
            .any(|n| n.contains("/mnt/warehouse/exports/"))
    );
    assert!(d.next_steps.iter().any(|n| n.contains("output `result`")));
}

#[test]
fn hangs_canceled_after_silence_and_still_running() {
    let d = one("dagster-1.13/f1_hang_terminated_multiprocess");
    assert_eq!(d.status, RunStatus::Canceled);
    assert_eq!(d.pattern, Some(Pattern::TimeoutHang));
    assert_eq!(d.root_step.as_deref(), Some("wait_for_partner_file"));
    assert_eq!(
        d.root_error.as_ref().unwrap().class_name.as_deref(),
        Some("DagsterExecutionInterruptedError")
    );
    assert_eq!(d.cascade[0].step_key, "ingest_partner_file");
    assert!(
        d.evidence
            .iter()
            .any(|e| e.event_type.as_deref() == Some("RUN_CANCELING"))
    );

    // The snapshot taken while it waited: 3 s of silence at most, no hang yet.
    let d = one("dagster-1.13/f1_hang_in_progress_snapshot_multiprocess");
    assert_eq!(d.status, RunStatus::Started);
    assert_eq!(d.pattern, Some(Pattern::StillRunning));
    assert!(
        d.summary.starts_with("still running when exported"),
        "{}",
        d.summary
    );
    assert_eq!(d.root_step.as_deref(), Some("wait_for_partner_file"));
    assert!(
        d.evidence
            .iter()
            .any(|e| e.message.starts_with("Waiting for partner file"))
    );
}

#[test]
fn upstream_failure_cascades_into_steps_that_never_ran() {
    let d = one("dagster-1.13/g1_upstream_failure_downstream_skipped");
    assert_eq!(d.root_step.as_deref(), Some("fetch_fx_rates"));
    // A dagster.Failure raised by the op on an HTTP 503: the op's own error.
    assert_eq!(d.pattern, Some(Pattern::UserCodeError));
    assert_eq!(
        d.root_error.as_ref().unwrap().class_name.as_deref(),
        Some("Failure")
    );
    let cascade: Vec<_> = d
        .cascade
        .iter()
        .map(|c| (c.step_key.as_str(), c.because_of.clone()))
        .collect();
    assert_eq!(
        cascade,
        vec![
            ("convert_prices", v(&["fetch_fx_rates"])),
            ("publish_prices", v(&["convert_prices"])),
        ]
    );
    // The other root, and its own consequence; the skipped optional branch
    // (quarantine_invalid) is nobody's consequence.
    assert_eq!(d.other_failures.len(), 1);
    assert_eq!(
        d.other_failures[0].step_key.as_deref(),
        Some("produce_nothing")
    );
    assert_eq!(d.other_failures[0].cascade[0].step_key, "consume_nothing");
    assert!(d.summary.contains("2 downstream steps"), "{}", d.summary);
}

#[test]
fn retries_flaky_and_exhausted() {
    let d = one("dagster-1.13/h2_retry_exhausted");
    assert_eq!(d.pattern, Some(Pattern::UserCodeError));
    let exhausted: Vec<(&str, usize)> = d
        .retries_exhausted
        .iter()
        .map(|r| (r.step_key.as_str(), r.attempts))
        .collect();
    assert_eq!(
        exhausted,
        vec![("acquire_table_lock", 3), ("refresh_materialized_view", 2)]
    );
    assert!(d.summary.contains("retries exhausted"), "{}", d.summary);

    // Successful runs only with --all: the flaky step is a warning.
    assert!(diagnose_all("dagster-1.13/h1_retry_then_success", false).is_empty());
    let d = diagnose_all("dagster-1.13/h1_retry_then_success", true).remove(0);
    assert_eq!(d.pattern, None);
    assert_eq!(d.flaky_steps[0].step_key, "flaky_api_call");
    assert_eq!(d.flaky_steps[0].attempts, 3);
    assert_eq!(
        d.flaky_steps[0].errors,
        v(&["ConnectionResetError: [Errno 104] Connection reset by peer"])
    );
}

#[test]
fn user_code_errors_and_hook_warnings() {
    for (case, step, class) in [
        ("dagster-1.13/i_hooks", "ingest_impressions", "RuntimeError"),
        (
            "dagster-1.13/l_config_diff",
            "fetch_sales",
            "ZeroDivisionError",
        ),
        (
            "dagster-1.13/n_partitioned_assets",
            "daily_clickstream",
            "RuntimeError",
        ),
        (
            "dagster-1.13/o_log_message_edge_cases",
            "raise_multiline_error",
            "RuntimeError",
        ),
    ] {
        let (pattern, root, error, _) = verdict(case);
        assert_eq!(
            (pattern, root, error),
            (Pattern::UserCodeError, s(step), s(class)),
            "{case}"
        );
    }
    let d = one("dagster-1.13/i_hooks");
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("hook of step ingest_clicks") && w.contains("gaierror"))
    );
    // l_config_diff holds the successful run of the same job: compare with it.
    let d = one("dagster-1.13/l_config_diff");
    assert!(
        d.next_steps
            .iter()
            .any(|n| n.contains("daglog compare e7c257f7 0f246d01 ARCHIVE"))
    );
}

#[test]
fn successful_runs_are_not_diagnosed_by_default() {
    assert!(diagnose_all("dagster-1.13/a1_success_ops_multiprocess", false).is_empty());
    assert!(diagnose_all("dagster-1.13/k1_queued", false).is_empty());
}
