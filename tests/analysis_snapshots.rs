//! One snapshot per analysis command and format, on real cases: retries
//! (h1), a hang canceled after silence (f1), queued runs (k1), a fan-out
//! (j3), skipped and not-executed steps (g1), a config diff pair (l).

use crate::common::*;

const H1: &str = "fixtures/dagster-1.13/h1_retry_then_success";
const F1: &str = "fixtures/dagster-1.13/f1_hang_terminated_multiprocess";
const K1: &str = "fixtures/dagster-1.13/k1_queued";
const J3: &str = "fixtures/dagster-1.13/j3_fanout_20_medium";
const G1: &str = "fixtures/dagster-1.13/g1_upstream_failure_downstream_skipped";
const L: &str = "fixtures/dagster-1.13/l_config_diff";

#[test]
fn stats() {
    snap!("stats_table_retries", ["stats", H1]);
    snap!(
        "stats_markdown_retries",
        ["stats", H1, "--format", "markdown"]
    );
    snap!("stats_json_retries", ["stats", H1, "--json"]);
    snap!("stats_ndjson_retries", ["stats", H1, "--ndjson"]);
    snap!("stats_table_skipped", ["stats", G1]);
    snap!("stats_table_queued_runs", ["stats", K1]);
    snap!(
        "stats_markdown_queued_runs",
        ["stats", K1, "--format", "markdown"]
    );
}

#[test]
fn stats_steps() {
    // One row per step across runs: retried, skipped and not-executed steps.
    snap!("stats_steps_table", ["stats", "--steps", H1, G1]);
    snap!(
        "stats_steps_markdown",
        ["stats", "--steps", G1, "--format", "markdown"]
    );
    snap!("stats_steps_json", ["stats", "--steps", H1, "--json"]);
    snap!("stats_steps_ndjson", ["stats", "--steps", G1, "--ndjson"]);
}

#[test]
fn info() {
    snap!(
        "info_table_config_diff",
        ["info", L, "--run-id", "0f246d01"]
    );
    snap!(
        "info_markdown_config_diff",
        ["info", L, "--run-id", "0f246d01", "--format", "markdown"]
    );
    snap!(
        "info_json_config_diff",
        ["info", L, "--run-id", "0f246d01", "--json"]
    );
    snap!(
        "info_ndjson_config_diff",
        ["info", L, "--run-id", "0f246d01", "--ndjson"]
    );
}

#[test]
fn runs() {
    snap!("runs_table_queued", ["runs", K1]);
    snap!("runs_markdown_queued", ["runs", K1, "--format", "markdown"]);
    snap!("runs_json_queued", ["runs", K1, "--json"]);
    snap!("runs_ndjson_queued", ["runs", K1, "--ndjson"]);
}

#[test]
fn timeline() {
    snap!("timeline_table_hang", ["timeline", F1]);
    snap!(
        "timeline_markdown_hang",
        ["timeline", F1, "--format", "markdown"]
    );
    snap!("timeline_json_hang", ["timeline", F1, "--json"]);
    snap!("timeline_ndjson_hang", ["timeline", F1, "--ndjson"]);
    snap!("timeline_table_retries", ["timeline", H1, "--gap", "1s"]);
    snap!("timeline_table_fanout", ["timeline", J3]);
    snap!("timeline_table_skipped", ["timeline", G1]);
}

#[test]
fn gaps() {
    let archive = |args: &[&str]| render(&run_on_archive("gaps", args));
    insta::assert_snapshot!("gaps_table_archive", archive(&["--top", "1"]));
    insta::assert_snapshot!(
        "gaps_markdown_archive",
        archive(&["--top", "1", "--format", "markdown"])
    );
    snap!("gaps_json_hang", ["gaps", F1, "--json"]);
    insta::assert_snapshot!(
        "gaps_ndjson_archive",
        archive(&["--top", "1", "--limit", "5", "--ndjson"])
    );
}

#[test]
fn help() {
    for cmd in [
        "stats", "info", "runs", "timeline", "gaps", "diagnose", "compare", "report",
    ] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0));
        insta::assert_snapshot!(format!("help_{cmd}"), stdout(&o));
    }
}

const B: &str = "fixtures/dagster-1.13/b_module_not_found";

#[test]
fn diagnose() {
    snap!("diagnose_table_cascade", ["diagnose", G1]);
    snap!(
        "diagnose_markdown_hang",
        ["diagnose", F1, "--format", "markdown"]
    );
    snap!("diagnose_json_import_error", ["diagnose", B, "--json"]);
    snap!(
        "diagnose_ndjson_retries_all",
        ["diagnose", H1, "--all", "--ndjson"]
    );
    let archive = |args: &[&str]| render(&run_on_archive("diagnose", args));
    insta::assert_snapshot!("diagnose_table_archive", archive(&[]));
}

#[test]
fn compare() {
    snap!(
        "compare_table_config_diff",
        ["compare", "e7c257f7", "0f246d01", L]
    );
    snap!(
        "compare_markdown_config_diff",
        ["compare", "e7c257f7", "0f246d01", L, "--format", "markdown"]
    );
    snap!(
        "compare_json_config_diff",
        ["compare", "e7c257f7", "0f246d01", L, "--json"]
    );
    snap!(
        "compare_ndjson_config_diff",
        ["compare", "e7c257f7", "0f246d01", L, "--ndjson"]
    );
}

#[test]
fn report() {
    snap!("report_markdown_archive", ["report", "data/sample"]);
    snap!(
        "report_json_archive",
        ["report", "data/sample", "--format", "json"]
    );
    snap!("report_markdown_run", ["report", B]);
    snap!("report_json_run", ["report", F1, "--format", "json"]);
    // HTML: the page the Chromium test renders, as written.
    snap!(
        "report_html_archive",
        ["report", "data/sample", "--format", "html"]
    );
    snap!(
        "report_html_run",
        [
            "report",
            "fixtures/dagster-1.13/o_log_message_edge_cases",
            "--format",
            "html"
        ]
    );
}
