//! The analysis printers on real exports: each case of `fixtures/dagster-1.13`
//! is loaded with daglog-ingest, computed with daglog-analysis and printed.

mod common;

use common::{assert_tables_hold, case, load_paths};

use daglog_analysis::{Analysis, RunInfo, RunStats, Timeline, run_info, run_list};
use daglog_ingest::Archive;
use daglog_report::{Format, write_gaps, write_info, write_runs, write_stats, write_timeline};
use serde_json::Value;

const TABLE: Format = Format::Table { color: false };

fn load(name: &str) -> Archive {
    load_paths(&[case(name)])
}

fn stats_of(archive: &Archive) -> Vec<RunStats> {
    Analysis::new(archive, archive.runs.iter().collect())
        .unwrap()
        .run_stats()
        .unwrap()
}

fn timeline_of(case: &str, gap_ms: i64) -> Timeline {
    let archive = load(case);
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    analysis.timelines(stats, gap_ms).unwrap().remove(0)
}

fn info_of(case: &str) -> (RunInfo, RunStats) {
    let archive = load(case);
    let stats = stats_of(&archive).remove(0);
    (
        run_info(&archive, &stats.run_id, Some(&stats)).unwrap(),
        stats,
    )
}

fn text(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn assert_safe(out: &str) {
    assert!(!out.contains('\x1b'), "raw escape in {out:?}");
    assert!(!out.contains("<script"), "raw HTML in {out:?}");
}

#[test]
fn stats_of_one_run() {
    let archive = load("h1_retry_then_success");
    let stats = stats_of(&archive);
    insta::assert_snapshot!("stats_table", text(|o| write_stats(o, &stats, TABLE)));
    let md = text(|o| write_stats(o, &stats, Format::Markdown));
    assert_tables_hold(&md);
    insta::assert_snapshot!("stats_markdown", md);
}

#[test]
fn stats_of_several_runs() {
    let archive = load("k1_queued");
    let stats = stats_of(&archive);
    assert_eq!(stats.len(), 3);
    insta::assert_snapshot!("stats_runs_table", text(|o| write_stats(o, &stats, TABLE)));
    insta::assert_snapshot!(
        "stats_runs_markdown",
        text(|o| write_stats(o, &stats, Format::Markdown))
    );
}

#[test]
fn stats_json_and_ndjson() {
    let archive = load("k1_queued");
    let stats = stats_of(&archive);
    let json: Value =
        serde_json::from_str(&text(|o| write_stats(o, &stats, Format::Json))).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), 3);
    assert_eq!(json["runs"][0]["runId"], stats[0].run_id.as_str());
    assert!(json["runs"][0]["stepsSucceeded"].is_u64());
    let nd = text(|o| write_stats(o, &stats, Format::Ndjson));
    let lines: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["runId"], stats[2].run_id.as_str());
}

#[test]
fn info_of_a_run() {
    let (info, stats) = info_of("k1_queued/ab7dd0fb-c628-4c08-aaab-ca17fdd75f4d");
    insta::assert_snapshot!(
        "info_table",
        text(|o| write_info(o, &info, Some(&stats), TABLE))
    );
    let md = text(|o| write_info(o, &info, Some(&stats), Format::Markdown));
    assert_tables_hold(&md);
    insta::assert_snapshot!("info_markdown", md);
}

#[test]
fn info_json_keeps_dagsters_fields_on_top() {
    let (info, stats) = info_of("h1_retry_then_success");
    let json = text(|o| write_info(o, &info, Some(&stats), Format::Json));
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["runConfigYaml"], "{}\n");
    assert_eq!(v["status"], "SUCCESS");
    assert_eq!(v["source"], "run.json");
    assert_eq!(v["eventStatus"], "SUCCESS");
    assert_eq!(v["stats"]["stepsSucceeded"], 2);
    let nd = text(|o| write_info(o, &info, None, Format::Ndjson));
    assert_eq!(nd.lines().count(), 1);
    assert_eq!(serde_json::from_str::<Value>(&nd).unwrap(), v);
}

#[test]
fn info_says_when_the_events_disagree() {
    // The hang's run.json was exported while it ran; its events later ended in a cancel.
    let (mut info, stats) = info_of("f1_hang_terminated_multiprocess");
    info.fields.insert("status".into(), "STARTED".into());
    let out = text(|o| write_info(o, &info, Some(&stats), TABLE));
    assert!(
        out.contains("status:    STARTED (the events say CANCELED)"),
        "{out}"
    );
    let coloured = text(|o| write_info(o, &info, None, Format::Table { color: true }));
    assert!(coloured.contains("\x1b[33mSTARTED\x1b[0m (the events say \x1b[33mCANCELED\x1b[0m)"));
    let md = text(|o| write_info(o, &info, None, Format::Markdown));
    assert!(!md.contains('\x1b'));
}

#[test]
fn info_derived_from_events() {
    let archive = load("h1_retry_then_success");
    let stats = stats_of(&archive).remove(0);
    let mut bare = archive;
    bare.metadata.clear();
    let info = run_info(&bare, &stats.run_id, Some(&stats)).unwrap();
    let out = text(|o| write_info(o, &info, None, TABLE));
    assert!(out.contains("source:    derived from events"), "{out}");
    assert!(out.contains("Stats (derived from events)"), "{out}");
    assert!(!out.contains("Run config"), "{out}");
}

#[test]
fn runs_list() {
    let archive = load("k1_queued");
    let stats = stats_of(&archive);
    let list = run_list(&archive, &stats);
    insta::assert_snapshot!("runs_table", text(|o| write_runs(o, &list, TABLE)));
    insta::assert_snapshot!(
        "runs_markdown",
        text(|o| write_runs(o, &list, Format::Markdown))
    );
    let v: Value = serde_json::from_str(&text(|o| write_runs(o, &list, Format::Json))).unwrap();
    let results = v["runsOrError"]["results"].as_array().unwrap();
    assert_eq!(results.len(), list.len());
    assert!(
        results
            .iter()
            .all(|r| r["status"].is_string() && r["runId"].is_string())
    );
    let nd = text(|o| write_runs(o, &list, Format::Ndjson));
    assert_eq!(nd.lines().count(), list.len());
}

#[test]
fn timeline_with_retries() {
    let tl = timeline_of("h1_retry_then_success", 2000);
    insta::assert_snapshot!("timeline_table", text(|o| write_timeline(o, &tl, TABLE)));
    let md = text(|o| write_timeline(o, &tl, Format::Markdown));
    assert_tables_hold(&md);
    insta::assert_snapshot!("timeline_markdown", md);
}

#[test]
fn timeline_of_a_hang() {
    let tl = timeline_of("f1_hang_terminated_multiprocess", 5000);
    insta::assert_snapshot!(
        "timeline_hang_table",
        text(|o| write_timeline(o, &tl, TABLE))
    );
    let tl = timeline_of("f1_hang_in_progress_snapshot_multiprocess", 3000);
    let out = text(|o| write_timeline(o, &tl, TABLE));
    insta::assert_snapshot!("timeline_open_table", out);
}

#[test]
fn timeline_json() {
    let tl = timeline_of("g1_upstream_failure_downstream_skipped", 2000);
    let v: Value = serde_json::from_str(&text(|o| write_timeline(o, &tl, Format::Json))).unwrap();
    assert_eq!(v["gapThresholdMs"], 2000);
    assert_eq!(v["run"]["runId"], tl.run.run_id.as_str());
    let nd = text(|o| write_timeline(o, &tl, Format::Ndjson));
    assert_eq!(nd.lines().count(), 1);
    assert_eq!(serde_json::from_str::<Value>(&nd).unwrap(), v);
    insta::assert_snapshot!(
        "timeline_skipped_table",
        text(|o| write_timeline(o, &tl, TABLE))
    );
}

fn ranked_gaps(cases: &[&str], threshold_ms: i64) -> Vec<daglog_analysis::RunGaps> {
    // One archive of several cases, as `daglog gaps a/ b/ c/` loads it.
    let archive = load_paths(&cases.iter().map(|c| case(c)).collect::<Vec<_>>());
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    analysis.gaps(&stats, threshold_ms, 3).unwrap()
}

#[test]
fn gaps_ranked() {
    let runs = ranked_gaps(
        &[
            "f1_hang_terminated_multiprocess",
            "g1_upstream_failure_downstream_skipped",
            "h1_retry_then_success",
            "k1_queued",
        ],
        2000,
    );
    insta::assert_snapshot!("gaps_table", text(|o| write_gaps(o, &runs, 2000, TABLE)));
    let md = text(|o| write_gaps(o, &runs, 2000, Format::Markdown));
    assert_tables_hold(&md);
    insta::assert_snapshot!("gaps_markdown", md);
    let v: Value =
        serde_json::from_str(&text(|o| write_gaps(o, &runs, 2000, Format::Json))).unwrap();
    assert_eq!(v["gapThresholdMs"], 2000);
    assert_eq!(v["runs"].as_array().unwrap().len(), runs.len());
    assert_eq!(v["runs"][0]["hangCandidate"], true);
    let nd = text(|o| write_gaps(o, &runs, 2000, Format::Ndjson));
    assert_eq!(nd.lines().count(), runs.len());
}

#[test]
fn colour_only_on_status_words_in_tables() {
    let archive = load("g1_upstream_failure_downstream_skipped");
    let stats = stats_of(&archive);
    let coloured = text(|o| write_stats(o, &stats, Format::Table { color: true }));
    assert!(coloured.contains("\x1b[31mFAILURE\x1b[0m"));
    assert!(coloured.contains("\x1b[32mSUCCESS\x1b[0m"));
    assert!(coloured.contains("\x1b[2mSKIPPED\x1b[0m"));
    // Without the escapes, the same text as without colour (widths unchanged).
    let stripped = coloured
        .replace("\x1b[0m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[2m", "");
    assert_eq!(stripped, text(|o| write_stats(o, &stats, TABLE)));
    for f in [Format::Markdown, Format::Json, Format::Ndjson] {
        assert!(
            !text(|o| write_stats(o, &stats, f)).contains('\x1b'),
            "{f:?}"
        );
    }
}

const EVIL: &str = "load|x `rm` <script>alert(1)</script> \x1b[31mred\x1b[0m\nsecond line";

#[test]
fn untrusted_text_is_escaped() {
    let mut tl = timeline_of("f1_hang_terminated_multiprocess", 5000);
    tl.run.job_name = Some(EVIL.into());
    tl.run.steps[0].step_key = EVIL.into();
    tl.run.critical_path = vec![EVIL.into()];
    tl.run.events_by_type.insert(EVIL.into(), 1);
    tl.gaps[0].before.message = EVIL.into();
    tl.gaps[0].open_steps = vec![EVIL.into()];
    let stats = vec![tl.run.clone()];

    let md = text(|o| write_timeline(o, &tl, Format::Markdown));
    assert_safe(&md);
    assert_tables_hold(&md);
    insta::assert_snapshot!("escaped_timeline_markdown", md);
    let table = text(|o| write_timeline(o, &tl, TABLE));
    assert!(!table.contains('\x1b'));
    // Newlines are shown, not obeyed: the evil step stays on its row.
    assert!(table.contains(r"<script>alert(1)</script> \u{1b}[31mred\u{1b}[0m\nsecond line"));
    insta::assert_snapshot!("escaped_timeline_table", table);

    for f in [Format::Markdown, TABLE] {
        let out = text(|o| write_stats(o, &stats, f));
        if f == Format::Markdown {
            assert_safe(&out);
            assert_tables_hold(&out);
        }
        assert!(!out.contains('\x1b'), "{out}");
        assert!(!out.contains("\nsecond line"), "{out}");
    }

    let archive = load("f1_hang_terminated_multiprocess");
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    let mut gaps = analysis.gaps(&stats, 5000, 3).unwrap();
    gaps[0].gaps[0].after.step_key = Some(EVIL.into());
    gaps[0].open_steps = vec![EVIL.into()];
    let md = text(|o| write_gaps(o, &gaps, 5000, Format::Markdown));
    assert_safe(&md);
    assert_tables_hold(&md);
    let table = text(|o| write_gaps(o, &gaps, 5000, TABLE));
    assert!(!table.contains('\x1b') && !table.contains("\nsecond line"));

    let (mut info, _) = info_of("h1_retry_then_success");
    info.fields.insert(
        "tags".into(),
        serde_json::json!([{"key": EVIL, "value": EVIL}]),
    );
    info.fields.insert(
        "runConfigYaml".into(),
        format!("a: 1\n```\n{EVIL}\n").into(),
    );
    let md = text(|o| write_info(o, &info, None, Format::Markdown));
    assert!(!md.contains('\x1b'));
    assert_tables_hold(&md);
    insta::assert_snapshot!("escaped_info_markdown", md);
}
