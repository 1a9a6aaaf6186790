//! The report models on real archives: fingerprints, flaky steps, step
//! trends, hang candidates, and one run's context.

use std::path::{Path, PathBuf};

use daglog_analysis::{Analysis, ArchiveReport, normalise_message, step_family};
use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

fn load(paths: &[&str]) -> Archive {
    let inputs: Vec<Input> = paths
        .iter()
        .map(|p| Input::from_arg(fixture(p).to_str().unwrap()))
        .collect();
    Archive::load(&inputs, LoadOptions::default(), &NoProgress).unwrap()
}

fn archive_report(archive: &Archive) -> ArchiveReport {
    let analysis = Analysis::new(archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    analysis.archive_report(&stats, 10_000).unwrap()
}

#[test]
fn masks_what_varies_between_occurrences() {
    // Real messages: e1's path holds the run id, h2's lock path, g1's HTTP status.
    assert_eq!(
        normalise_message(
            "[Errno 13] Permission denied: '/mnt/warehouse/exports/119a0429-1d6c-4b5d-b3ad-b2c461aa6313/build_export/result'"
        ),
        "[Errno <n>] Permission denied: '<path>'"
    );
    assert_eq!(
        normalise_message(
            "No clickstream files found under s3://clicks/dt=2024-06-04/ (0 objects)"
        ),
        "No clickstream files found under <path> (<n> objects)"
    );
    assert_eq!(
        normalise_message(
            "Run 166ed867-5a24-4afd-80fc-d7a42a0f6ed6 for partition 2024-06-04 failed"
        ),
        "Run <id> for partition <partition> failed"
    );
    assert_eq!(step_family("process_item[17]"), "process_item[*]");
    assert_eq!(step_family("fetch_sales"), "fetch_sales");
}

#[test]
fn the_fixture_archive_report() {
    let archive = load(&["dagster-1.13"]);
    let r = archive_report(&archive);
    // 23 run folders; the two f1 exports are one run.
    assert_eq!(r.runs, 22);
    // Jobs by status: two regional_report_job runs, one success, one failure.
    let regional = r
        .jobs
        .iter()
        .find(|j| j.job_name == "regional_report_job")
        .unwrap();
    assert_eq!(regional.statuses.get("SUCCESS"), Some(&2));
    assert_eq!(regional.statuses.get("FAILURE"), Some(&1));
    assert_eq!(regional.patterns.get("user_code_error"), Some(&1));
    // Retries of h2 and its final failure are one fingerprint, masked.
    let timeout = r
        .fingerprints
        .iter()
        .find(|f| f.class_name.as_deref() == Some("TimeoutError"))
        .unwrap();
    assert_eq!(
        timeout.fingerprint,
        "TimeoutError: Timed out after <n>s waiting for lock on table 'analytics.orders'"
    );
    assert_eq!((timeout.count, timeout.runs), (3, 1));
    assert!(
        r.fingerprints
            .iter()
            .all(|f| !f.fingerprint.ends_with(": "))
    );
    // h1's step succeeded after retries: flaky.
    let flaky = r
        .flaky_steps
        .iter()
        .find(|f| f.step_key == "flaky_api_call")
        .unwrap();
    assert_eq!((flaky.runs, flaky.retried_runs), (1, 1));
    // The hung run is a hang candidate; the queued ones are not.
    let hangs: Vec<&str> = r
        .hang_candidates
        .iter()
        .map(|h| h.run_id.as_str())
        .collect();
    assert_eq!(hangs, vec!["166ed867-5a24-4afd-80fc-d7a42a0f6ed6"]);
    // The slowest step is the one that hung for five minutes.
    assert_eq!(r.slowest_steps[0].step_key, "wait_for_partner_file");
    // Failures newest first, one per failed run: 11 with events, then the
    // 10 the run lists name whose events were never exported (the OOM kill
    // among them), with what their records say.
    assert_eq!(r.failures.len(), 21);
    let oom = r
        .failures
        .iter()
        .find(|d| d.job_name.as_deref() == Some("oom_killed_job"))
        .unwrap();
    assert!(
        oom.summary
            .starts_with("known only from its run record (FAILURE"),
        "{}",
        oom.summary
    );
}

#[test]
fn mapped_steps_pool_and_the_later_fan_out_is_compared_with_the_earlier() {
    let archive = load(&[
        "dagster-1.13/j1_fanout_300_success",
        "dagster-1.13/j3_fanout_20_medium",
    ]);
    let r = archive_report(&archive);
    let family: Vec<_> = r
        .slowest_steps
        .iter()
        .filter(|t| t.step_key.ends_with("[*]"))
        .collect();
    assert!(!family.is_empty(), "{:?}", r.slowest_steps);
    let t = family[0];
    assert_eq!(t.samples, 320);
    assert!(t.baseline_p50_ms.is_some() && t.latest_p50_ms.is_some());
    assert!(t.p50_ms <= t.p95_ms);
}

#[test]
fn one_run_report_has_errors_with_stacks_and_the_log_around_the_failure() {
    let archive = load(&["dagster-1.13/b_module_not_found"]);
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    let report = analysis.run_reports(stats, 10_000).unwrap().remove(0);
    assert_eq!(
        report.diagnosis.root_step.as_deref(),
        Some("load_warehouse_client")
    );
    let failure = report
        .errors
        .iter()
        .find(|e| e.event_type.as_deref() == Some("STEP_FAILURE"))
        .unwrap();
    assert_eq!(failure.class_name.as_deref(), Some("ModuleNotFoundError"));
    assert!(!failure.stack.is_empty());
    assert!(
        report
            .context
            .iter()
            .any(|e| e.event_type.as_deref() == Some("STEP_FAILURE"))
    );
    assert!(report.context.len() >= 10);
}
