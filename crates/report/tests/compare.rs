//! The `daglog compare` printer on real exports: the two runs of
//! `fixtures/dagster-1.13/l_config_diff` (same job, different run config, the
//! second fails), loaded, computed and printed.

mod common;

use common::{assert_tables_hold, case, load_paths};

use daglog_analysis::{Analysis, Comparison, compare};
use daglog_ingest::Archive;
use daglog_report::{Format, write_comparison};
use serde_json::{Value, json};

const TABLE: Format = Format::Table { color: false };
const GOOD: &str = "e7c257f7-913f-4d25-b1c7-bc7bb0783b05";
const BAD: &str = "0f246d01-fd27-4aa7-a562-72470bff651d";

fn load(cases: &[&str]) -> Archive {
    load_paths(&cases.iter().map(|c| case(c)).collect::<Vec<_>>())
}

fn comparison(cases: &[&str], a: &str, b: &str) -> Comparison {
    let archive = load(cases);
    let run = |id: &str| {
        archive
            .runs
            .iter()
            .find(|r| r.run_id.starts_with(id))
            .unwrap()
    };
    let stats = Analysis::new(&archive, vec![run(a), run(b)])
        .unwrap()
        .run_stats()
        .unwrap();
    compare(&archive, &stats[0], &stats[1]).unwrap()
}

fn config_diff() -> Comparison {
    comparison(&["l_config_diff"], GOOD, BAD)
}

fn text(c: &Comparison, format: Format) -> String {
    let mut out = Vec::new();
    write_comparison(&mut out, c, format).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn table() {
    let out = text(&config_diff(), TABLE);
    assert!(out.starts_with(&format!("Run A {GOOD} vs run B {BAD}\n")));
    assert!(!out.contains('\x1b'));
    insta::assert_snapshot!("compare_table", out);
}

#[test]
fn table_colours_statuses_only_when_asked() {
    let out = text(&config_diff(), Format::Table { color: true });
    assert!(out.contains("\x1b[32mSUCCESS\x1b[0m"), "{out}");
    assert!(out.contains("\x1b[31mFAILURE\x1b[0m"), "{out}");
    assert!(out.contains("\x1b[2mNOT_EXECUTED\x1b[0m"), "{out}");
}

#[test]
fn markdown() {
    let md = text(&config_diff(), Format::Markdown);
    assert_tables_hold(&md);
    assert!(md.starts_with(&format!("# Run A {GOOD} vs run B {BAD}\n")));
    insta::assert_snapshot!("compare_markdown", md);
}

#[test]
fn json_shape() {
    let c = config_diff();
    let v: Value = serde_json::from_str(&text(&c, Format::Json)).unwrap();
    assert_eq!(v["runA"]["runId"], GOOD);
    assert_eq!(v["runB"]["runId"], BAD);
    assert_eq!(v["runA"]["status"], "SUCCESS");
    assert_eq!(v["runB"]["status"], "FAILURE");
    assert_eq!(v["runB"]["jobName"], "regional_report_job");
    assert_eq!(v["runB"]["metadataSource"], "run.json");
    assert!(v["durationDeltaMs"].is_i64());

    let changed = v["config"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 6);
    assert!(changed.contains(&json!({
        "path": "ops.fetch_sales.config.batch_size", "a": 500, "b": 0
    })));
    assert!(changed.contains(&json!({
        "path": "ops.render_report.config.include_charts", "a": true, "b": false
    })));
    assert_eq!(v["config"]["added"], json!([]));
    assert_eq!(v["config"]["removed"], json!([]));
    assert_eq!(
        v["tags"]["changed"],
        json!([{"key": "region", "a": "emea", "b": "apac"}])
    );
    assert_eq!(
        v["tags"]["added"],
        json!([{"key": "dagster/failure_reason", "value": "STEP_FAILURE"}])
    );

    assert_eq!(v["stepsOnlyInA"], json!([]));
    assert_eq!(v["stepsOnlyInB"], json!([]));
    let steps = v["stepChanges"].as_array().unwrap();
    assert_eq!(steps[0]["stepKey"], "fetch_sales");
    assert_eq!(steps[0]["statusA"], "SUCCESS");
    assert_eq!(steps[0]["statusB"], "FAILURE");
    assert_eq!(steps[0]["durationDeltaMs"], -85);
    assert_eq!(steps[1]["stepKey"], "render_report");
    assert_eq!(steps[1]["statusB"], "NOT_EXECUTED");
    assert_eq!(steps[1]["durationDeltaMs"], Value::Null);

    assert!(
        v["eventCountDeltas"]
            .as_array()
            .unwrap()
            .contains(&json!({"eventType": "STEP_FAILURE", "a": 0, "b": 1, "delta": 1}))
    );
    assert_eq!(v["firstDivergence"]["index"], 3);
    assert_eq!(v["firstDivergence"]["a"]["eventType"], "STEP_SUCCESS");
    assert_eq!(v["firstDivergence"]["b"]["eventType"], "STEP_FAILURE");
    assert_eq!(v["firstDivergence"]["b"]["stepKey"], "fetch_sales");
    assert_eq!(v["errorsOnlyInA"], json!([]));
    let new = &v["errorsOnlyInB"][0];
    assert_eq!(new["stepKey"], "fetch_sales");
    assert_eq!(new["className"], "ZeroDivisionError");
    assert_eq!(new["message"], "integer division or modulo by zero");
    assert_eq!(new["eventType"], "STEP_FAILURE");
    assert_eq!(new["count"], 1);
    assert_eq!(v["warnings"], json!([]));

    let nd = text(&c, Format::Ndjson);
    assert_eq!(nd.lines().count(), 1);
    assert_eq!(serde_json::from_str::<Value>(&nd).unwrap(), v);
}

#[test]
fn different_jobs_are_a_warning_and_missing_steps_are_listed() {
    let c = comparison(
        &["h1_retry_then_success", "b_module_not_found"],
        "c0f61630",
        "a0e9d44b",
    );
    let out = text(&c, TABLE);
    assert!(
        out.contains(
            "  Warning: The runs are of different jobs (A: retry_success_job, B: import_error_job)"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "  Only in run A: flaky_api_call (SUCCESS, 5.94s), store_api_result (SUCCESS, 143ms)"
        ),
        "{out}"
    );
    assert!(
        out.contains("  Only in run B: check_environment (SUCCESS"),
        "{out}"
    );
    assert!(out.contains("Same run config."), "{out}");
    // The retried error that went away, and the import error that came.
    assert!(out.contains("run A    flaky_api_call"), "{out}");
    assert!(out.contains("ModuleNotFoundError"), "{out}");
    assert!(
        out.contains("The runs' first 2 step and run events are the same; event 3 differs:"),
        "{out}"
    );
    let md = text(&c, Format::Markdown);
    assert_tables_hold(&md);
}

const EVIL: &str = "x|y `rm` <script>alert(1)</script> \x1b[31mred\x1b[0m\nsecond line";

#[test]
fn untrusted_text_is_escaped() {
    let mut c = config_diff();
    c.run_a.job_name = Some(EVIL.into());
    let config = c.config.as_mut().unwrap();
    config.changed[0].path = EVIL.into();
    config.changed[0].b = Value::String(EVIL.into());
    c.tags.as_mut().unwrap().changed[0].b = EVIL.into();
    c.step_changes[0].step_key = EVIL.into();
    c.event_count_deltas[0].event_type = EVIL.into();
    let div = c.first_divergence.as_mut().unwrap();
    div.b.as_mut().unwrap().message = EVIL.into();
    c.errors_only_in_b[0].message = EVIL.into();
    c.errors_only_in_b[0].class_name = Some(EVIL.into());
    c.warnings.push(EVIL.into());

    let md = text(&c, Format::Markdown);
    assert!(!md.contains('\x1b'), "{md}");
    assert!(!md.contains("<script"), "{md}");
    assert!(!md.contains("\nsecond line"), "{md}");
    assert_tables_hold(&md);
    let table = text(&c, TABLE);
    assert!(!table.contains('\x1b'), "{table}");
    assert!(!table.contains("\nsecond line"), "{table}");
    assert!(
        table.contains(r"\u{1b}[31mred\u{1b}[0m\nsecond line"),
        "{table}"
    );
}
