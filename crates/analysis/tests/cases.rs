//! Figures on real cases that Dagster's own stats do not cover: phases,
//! queue waits, not-executed steps, critical paths, gaps and hangs.

use std::path::{Path, PathBuf};

use daglog_analysis::{Analysis, RunStats, RunStatus, StepStats, StepStatus};
use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/dagster-1.13")
        .join(name)
}

fn load(name: &str) -> Archive {
    let archive = Archive::load(
        &[Input::from_arg(case(name).to_str().unwrap())],
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    assert!(archive.problems.is_empty(), "{:?}", archive.problems);
    archive
}

fn stats(archive: &Archive) -> Vec<RunStats> {
    Analysis::new(archive, archive.runs.iter().collect())
        .unwrap()
        .run_stats()
        .unwrap()
}

fn step<'a>(run: &'a RunStats, key: &str) -> &'a StepStats {
    run.steps
        .iter()
        .find(|s| s.step_key == key)
        .unwrap_or_else(|| panic!("no step {key}"))
}

#[test]
fn retries_have_attempts_waits_and_a_worker_start_per_attempt() {
    let archive = load("h1_retry_then_success");
    let run = &stats(&archive)[0];
    assert_eq!(run.status, RunStatus::Success);
    assert_eq!(run.job_name.as_deref(), Some("retry_success_job"));
    let flaky = step(run, "flaky_api_call");
    assert_eq!(flaky.attempts.len(), 3);
    // Attempt 1 ends at its STEP_UP_FOR_RETRY (…834), attempt 2 starts at STEP_RESTARTED (…0733).
    assert_eq!(
        flaky.attempts[0].duration_ms,
        Some(1_795_501_917_834 - 1_795_501_917_776)
    );
    assert_eq!(flaky.attempts[1].start_time, Some(1_795_501_920.733));
    // Two waits: from each STEP_UP_FOR_RETRY to the next worker launch.
    assert_eq!(
        flaky.phases.retry_wait_ms,
        (1_795_501_918_863 - 1_795_501_917_834) + (1_795_501_921_819 - 1_795_501_920_788)
    );
    // Three subprocess launches, summed.
    assert_eq!(
        flaky.phases.worker_start_ms,
        (1_795_501_917_507 - 1_795_501_916_039)
            + (1_795_501_920_518 - 1_795_501_918_863)
            + (1_795_501_923_367 - 1_795_501_921_819)
    );
    let store = step(run, "store_api_result");
    assert_eq!(store.upstream, vec!["flaky_api_call".to_string()]);
    // Loaded its input 47 ms after its start (STEP_INPUT at …292).
    assert_eq!(
        store.phases.input_loading_ms,
        1_795_501_926_292 - 1_795_501_926_231
    );
    // STEP_OUTPUT …327 → HANDLED_OUTPUT …343.
    assert_eq!(store.phases.output_handling_ms, 16);
    assert_eq!(
        run.critical_path,
        vec!["flaky_api_call", "store_api_result"]
    );
    assert_eq!(run.events_by_type.get("STEP_RESTARTED"), Some(&2));
    assert_eq!(run.events_by_type.get("STEP_UP_FOR_RETRY"), Some(&2));
}

#[test]
fn steps_dagster_did_not_run_are_not_executed_or_skipped() {
    let archive = load("g1_upstream_failure_downstream_skipped");
    let run = &stats(&archive)[0];
    assert_eq!(run.status, RunStatus::Failure);
    assert_eq!(step(run, "fetch_fx_rates").status, StepStatus::Failure);
    assert_eq!(step(run, "convert_prices").status, StepStatus::NotExecuted);
    assert_eq!(step(run, "publish_prices").status, StepStatus::NotExecuted);
    assert_eq!(step(run, "consume_nothing").status, StepStatus::NotExecuted);
    assert_eq!(step(run, "quarantine_invalid").status, StepStatus::Skipped);
    assert!(step(run, "convert_prices").attempts.is_empty());
}

#[test]
fn queued_runs_show_their_wait() {
    let archive = load("k1_queued");
    let runs = stats(&archive);
    let mut waits: Vec<i64> = runs.iter().filter_map(|r| r.queue_wait_ms).collect();
    waits.sort_unstable();
    assert_eq!(waits.len(), 3);
    // RUN_ENQUEUED → RUN_STARTING of the three runs: 1.196 s, 19.088 s, 33.182 s.
    assert_eq!(waits, vec![1_196, 19_088, 33_182]);
    assert!(runs.iter().all(|r| r.launch_ms.is_some_and(|l| l > 100)));
}

#[test]
fn a_hang_canceled_after_five_minutes_of_silence_is_a_hang_candidate() {
    let archive = load("f1_hang_terminated_multiprocess");
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    assert_eq!(stats[0].status, RunStatus::Canceled);
    let gaps = analysis.gaps(&stats, 10_000, 3).unwrap();
    let run = &gaps[0];
    assert!(run.hang_candidate);
    assert!(run.canceled_after_silence);
    assert_eq!(run.largest_gap_ms, 327_857);
    assert_eq!(run.gaps.len(), 1);
    let gap = &run.gaps[0];
    assert_eq!(gap.open_steps, vec!["wait_for_partner_file".to_string()]);
    assert_eq!(gap.after.event_type.as_deref(), Some("RUN_CANCELING"));
    assert!(
        gap.before
            .message
            .starts_with("Waiting for partner file drop")
    );
    // The step that hung was ended by the cancel: a failure, not an open step.
    assert!(run.open_steps.is_empty());
}

#[test]
fn an_in_progress_snapshot_has_an_open_step_and_no_terminal_event() {
    let archive = load("f1_hang_in_progress_snapshot_multiprocess");
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    assert_eq!(stats[0].status, RunStatus::Started);
    let wait = step(&stats[0], "wait_for_partner_file");
    assert_eq!(wait.status, StepStatus::InProgress);
    assert_eq!(wait.attempts.len(), 1);
    assert_eq!(wait.attempts[0].end_time, None);
    let gaps = analysis.gaps(&stats, 10_000, 3).unwrap();
    assert!(gaps[0].hang_candidate && gaps[0].no_terminal_event);
    assert_eq!(
        gaps[0].open_steps,
        vec!["wait_for_partner_file".to_string()]
    );
}

#[test]
fn a_fan_out_has_a_critical_path_through_its_dependencies() {
    let archive = load("j3_fanout_20_medium");
    let run = &stats(&archive)[0];
    assert!(run.critical_path.len() >= 2, "{:?}", run.critical_path);
    // Each step of the path loaded an output of the step before it.
    for pair in run.critical_path.windows(2) {
        assert!(step(run, &pair[1]).upstream.contains(&pair[0]), "{pair:?}");
    }
    let last = step(run, run.critical_path.last().unwrap());
    let latest_end = run
        .steps
        .iter()
        .filter_map(|s| s.end_time)
        .fold(0.0, f64::max);
    assert_eq!(last.end_time, Some(latest_end));
}

#[test]
fn whole_archive_in_one_pass_equals_run_by_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dagster-1.13");
    let archive = Archive::load(
        &[Input::from_arg(root.to_str().unwrap())],
        LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let all = stats(&archive);
    assert!(all.len() >= 20);
    for (run, together) in archive.runs.iter().zip(&all) {
        let alone = Analysis::new(&archive, vec![run])
            .unwrap()
            .run_stats()
            .unwrap();
        let a = serde_json::to_value(&alone[0]).unwrap();
        let b = serde_json::to_value(together).unwrap();
        assert_eq!(a, b, "{}", run.run_id);
    }
}
