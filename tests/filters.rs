use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::*;

/// All events of the modern fixtures, read independently with serde_json: for
/// each run the largest `pages/` export (the f1 run's in-progress snapshot is
/// a prefix of its final export).
fn all_events() -> Vec<Value> {
    let mut best: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for dir in run_dirs(&modern()) {
        let (events, _) = page_events(&dir);
        let id = dir.file_name().unwrap().to_str().unwrap().to_string();
        if best.get(&id).is_none_or(|b| b.len() < events.len()) {
            best.insert(id, events);
        }
    }
    best.into_values().flatten().collect()
}

fn error_texts(e: &Value, out: &mut Vec<String>) {
    if e.is_object() {
        for k in ["message", "className"] {
            if let Some(s) = e[k].as_str() {
                out.push(s.to_string());
            }
        }
        error_texts(&e["cause"], out);
    }
}

fn level_rank(l: &str) -> u8 {
    ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
        .iter()
        .position(|x| *x == l)
        .unwrap() as u8
}

fn ts(e: &Value) -> i64 {
    e["timestamp"].as_str().unwrap().parse().unwrap()
}

/// `daglog logs` over the 1.13 fixtures with `format` and `args`; exit 0:
/// `_edge`'s GraphQL error responses hold no events and are passed over.
fn logs_of_fixtures(format: &str, args: &[&str]) -> std::process::Output {
    let mut full = vec!["logs", "fixtures/dagster-1.13", format];
    full.extend_from_slice(args);
    let out = run(&full);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    out
}

fn check(args: &[&str], keep: impl Fn(&Value) -> bool) {
    let out = logs_of_fixtures("--ndjson", args);
    let got = ndjson(&out);
    let events = all_events();
    let expected: Vec<&Value> = events.iter().filter(|e| keep(e)).collect();
    assert!(
        !expected.is_empty(),
        "{args:?} selects nothing: a test that cannot fail"
    );
    assert_eq!(
        sorted_identities(&got),
        sorted_identities(expected),
        "{args:?}"
    );
}

fn event_type(e: &Value) -> &str {
    e["eventType"].as_str().unwrap_or("")
}

#[test]
fn event_type_items_match_types_containing_them() {
    check(&["--event-type", "FAILURE"], |e| {
        event_type(e).contains("FAILURE")
    });
    // Whole types match exactly (STEP_START is not STEP_STARTED…).
    check(&["--event-type", "step_start,STEP_SUCCESS"], |e| {
        ["STEP_START", "STEP_SUCCESS"].contains(&event_type(e))
    });
    check(&["--event-type", "MATERIALIZATION"], |e| {
        event_type(e).contains("MATERIALIZATION")
    });
    check(&["--event-type", "PIPELINE_FAILURE"], |e| {
        event_type(e) == "RUN_FAILURE"
    });
    check(&["--event-type", "HANDLED_OUTPUT,LOADED_INPUT"], |e| {
        matches!(event_type(e), "HANDLED_OUTPUT" | "LOADED_INPUT")
    });
    // LOG names user log lines, which have no event type (not LOGS_CAPTURED).
    check(&["--event-type", "LOG"], |e| e["eventType"].is_null());
}

#[test]
fn level_step_and_time_filters() {
    check(&["--level", "error"], |e| {
        level_rank(e["level"].as_str().unwrap()) >= 3
    });
    check(&["--level", "WARNING"], |e| {
        level_rank(e["level"].as_str().unwrap()) >= 2
    });
    check(&["--step-key", "compute_lifetime_value,score_batch"], |e| {
        matches!(
            e["stepKey"].as_str(),
            Some("compute_lifetime_value" | "score_batch")
        )
    });
    let (since, until) = (1_795_501_870_000_i64, 1_795_501_900_000_i64);
    check(
        &["--since", "1795501870000", "--until", "1795501900.000"],
        |e| ts(e) >= since && ts(e) < until,
    );
    // The same window in ISO 8601 (1795501870 s is 2026-11-24T06:31:10Z).
    check(
        &[
            "--since",
            "2026-11-24T06:31:10Z",
            "--until",
            "2026-11-24T07:31:40+01:00",
        ],
        |e| ts(e) >= since && ts(e) < until,
    );
}

#[test]
fn grep_searches_messages_and_error_chains() {
    check(&["--grep", "snowflake|Permission denied"], |e| {
        let mut texts = vec![e["message"].as_str().unwrap_or("").to_string()];
        error_texts(&e["error"], &mut texts);
        texts
            .iter()
            .any(|t| t.contains("snowflake") || t.contains("Permission denied"))
    });
    check(&["--grep", "ZERODIVISION", "-i"], |e| {
        let mut texts = vec![e["message"].as_str().unwrap_or("").to_string()];
        error_texts(&e["error"], &mut texts);
        texts
            .iter()
            .any(|t| t.to_lowercase().contains("zerodivision"))
    });
}

#[test]
fn filters_combine_with_a_run_prefix() {
    check(
        &[
            "--run-id",
            "5778ed0a",
            "--event-type",
            "FAILURE",
            "--level",
            "error",
        ],
        |e| {
            e["runId"] == "5778ed0a-91fe-4941-a969-806aba2c7869"
                && event_type(e).contains("FAILURE")
                && level_rank(e["level"].as_str().unwrap()) >= 3
        },
    );
}

fn json_page(args: &[&str]) -> Value {
    let out = run(args);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr(&out)))
}

/// Paging with --limit and the returned cursor reassembles the full result,
/// the last page says hasMore: false, and asking past the end gives nothing.
#[test]
fn limit_and_cursor_page_through_the_result() {
    for (filters, limit) in [
        (vec!["--run-id", "282de574"], "50"),
        (vec!["--event-type", "FAILURE"], "3"),
        (vec!["--run-id", "4fb36135"], "1000"),
        // No filter: pages that start and end inside runs, across all 22.
        (vec![], "700"),
    ] {
        let mut base = vec!["logs", "fixtures/dagster-1.13", "--json"];
        base.extend(filters.iter().copied());
        let full = json_page(&base);
        let want = full["events"].as_array().unwrap().clone();
        assert!(
            want.len() > limit.parse::<usize>().unwrap(),
            "{filters:?} must need several pages"
        );
        assert_eq!(full["hasMore"], false);
        // A page that ends exactly at the last event has nothing more.
        let mut args = base.clone();
        let all = want.len().to_string();
        args.extend(["--limit", all.as_str()]);
        let exact = json_page(&args);
        assert_eq!(exact["events"].as_array().unwrap().len(), want.len());
        assert_eq!(exact["hasMore"], false, "{filters:?}");
        let mut got = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut args = base.clone();
            args.extend(["--limit", limit]);
            if let Some(c) = &cursor {
                args.extend(["--cursor", c.as_str()]);
            }
            let page = json_page(&args);
            got.extend(page["events"].as_array().unwrap().iter().cloned());
            cursor = Some(page["cursor"].as_str().unwrap().to_string());
            pages += 1;
            if page["hasMore"] == false {
                break;
            }
            assert!(pages < 1000);
        }
        assert_eq!(got, want, "{filters:?}");
        // Past the end: nothing more, the same cursor, hasMore false (as Dagster does).
        let mut args = base.clone();
        args.extend(["--limit", limit, "--cursor", cursor.as_deref().unwrap()]);
        let after = json_page(&args);
        assert_eq!(after["events"].as_array().unwrap().len(), 0);
        assert_eq!(after["cursor"], cursor.unwrap().as_str());
        assert_eq!(after["hasMore"], false);
    }
}

/// The reference's Workflow 1, step 2-3: the first failure of a failed run,
/// as `jq '.events[0]'` would take it.
#[test]
fn reference_workflow_first_failure() {
    let v = json_page(&[
        "logs",
        "fixtures/dagster-1.13",
        "--run-id",
        "0f246d01",
        "--event-type",
        "FAILURE",
        "--json",
    ]);
    let first = &v["events"][0];
    assert_eq!(first["eventType"], "STEP_FAILURE");
    assert_eq!(first["stepKey"], "fetch_sales");
    assert_eq!(first["error"]["cause"]["className"], "ZeroDivisionError");
}

/// `--count-by`: the counts of the same filtered selection, computed over the JSON.
fn check_counts(args: &[&str], key: &str, value_of: impl Fn(&Value) -> Value) {
    let got: Value = serde_json::from_str(&stdout(&logs_of_fixtures("--json", args))).unwrap();
    // The same selection, listed.
    let listed: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--count-by" && !["type", "level", "step", "run"].contains(a))
        .collect();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for e in ndjson(&logs_of_fixtures("--ndjson", &listed)) {
        *expected.entry(value_of(&e).to_string()).or_default() += 1;
    }
    let rows = got.as_array().unwrap();
    let counted: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (r[key].to_string(), r["count"].as_u64().unwrap()))
        .collect();
    assert!(expected.len() > 1, "{args:?}: a test that cannot fail");
    assert_eq!(counted, expected, "{args:?}");
    // Largest count first.
    let counts: Vec<u64> = rows.iter().map(|r| r["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
}

#[test]
fn count_by_counts_what_the_filters_select() {
    let events = all_events();
    // Every event once: the counts by type add up to the archive's events.
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    for e in &events {
        *by_type.entry(e["eventType"].to_string()).or_default() += 1;
    }
    let out = run(&[
        "logs",
        "fixtures/dagster-1.13",
        "--count-by",
        "type",
        "--json",
    ]);
    let got: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let counted: BTreeMap<String, u64> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].to_string(), r["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(counted, by_type);
    check_counts(
        &["--count-by", "level", "--event-type", "STEP_"],
        "level",
        |e| e["level"].clone(),
    );
    check_counts(
        &["--count-by", "step", "--level", "warning"],
        "stepKey",
        |e| e["stepKey"].clone(),
    );
    check_counts(
        &["--count-by", "run", "--event-type", "FAILURE"],
        "runId",
        |e| e["runId"].clone(),
    );
}

/// A whole event type matches that type only; other items keep the
/// reference's substring meaning; LOG is the log lines alone.
#[test]
fn a_whole_event_type_matches_exactly() {
    let types = |t: &str| -> std::collections::BTreeSet<String> {
        ndjson(&run(&[
            "logs",
            "fixtures/dagster-1.13",
            "--event-type",
            t,
            "--ndjson",
        ]))
        .iter()
        .map(|e| e["eventType"].as_str().unwrap_or("LOG").to_string())
        .collect()
    };
    assert_eq!(types("RUN_START"), ["RUN_START".to_string()].into());
    assert_eq!(types("pipeline_start"), ["RUN_START".to_string()].into());
    assert_eq!(types("LOG"), ["LOG".to_string()].into());
    assert_eq!(
        types("ASSET_MATERIALIZATION"),
        ["ASSET_MATERIALIZATION".to_string()].into()
    );
    let failures = types("FAILURE");
    assert!(
        failures.contains("STEP_FAILURE")
            && failures.contains("RUN_FAILURE")
            && failures.contains("RESOURCE_INIT_FAILURE"),
        "{failures:?}"
    );
    assert!(types("MATERIALIZATION").contains("ASSET_MATERIALIZATION_PLANNED"));
}

/// A `--step-key` or `--event-type` that matches nothing says so, with the
/// nearest name the selected runs have.
#[test]
fn a_filter_that_matches_nothing_says_so() {
    let case = "fixtures/dagster-1.13/l_config_diff";
    let out = run(&[
        "logs",
        case,
        "--run-id",
        "0f246d01",
        "--step-key",
        "fetch_sale",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains(
            "no event of the selected runs has step key \"fetch_sale\"; did you mean fetch_sales?"
        ),
        "{err}"
    );
    let out = run(&[
        "logs",
        case,
        "--run-id",
        "0f246d01",
        "--event-type",
        "STEP_FAILUER",
    ]);
    let err = stderr(&out);
    assert!(err.contains("did you mean STEP_FAILURE?"), "{err}");
    // A filter that matches says nothing.
    let out = run(&[
        "logs",
        case,
        "--run-id",
        "0f246d01",
        "--step-key",
        "fetch_sales",
    ]);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// Error events show their whole message and every link of the chain with
/// its message under the event line: the SQL error inside "Query failed:",
/// the user's ValueError inside Dagster's wrapper.
#[test]
fn error_events_show_the_whole_error() {
    let out = stdout(&run(&[
        "logs",
        "fixtures/dagster-1.13/o_log_message_edge_cases",
        "--level",
        "error",
    ]));
    assert!(
        out.contains("    cause: RuntimeError: Query failed:\n"),
        "{out}"
    );
    assert!(
        out.contains("ERROR: relation \"missing_table\" does not exist"),
        "{out}"
    );
    let out = stdout(&run(&[
        "logs",
        "fixtures/dagster-1.13",
        "--run-id",
        "5778ed0a",
        "--step-key",
        "validate_schema",
    ]));
    assert!(
        out.contains("    cause: ValueError: Expected column 'id' but not found (columns: ['customer_id', 'ltv', 'name'])\n    cause: KeyError: 'id'\n"),
        "{out}"
    );
    // --full: every event's whole message, not only errors'.
    let full = stdout(&run(&[
        "logs",
        "fixtures/dagster-1.13/o_log_message_edge_cases",
        "--full",
        "--event-type",
        "LOG",
    ]));
    assert!(full.contains("\n    FROM sales.orders\n"), "{full}");
}

/// `--full` adds where an error was raised, the user's own frame marked.
#[test]
fn full_shows_the_stack_with_the_users_frame_marked() {
    let out = stdout(&run(&[
        "logs",
        "fixtures/dagster-1.13/o_log_message_edge_cases",
        "--event-type",
        "STEP_FAILURE",
        "--full",
    ]));
    assert!(out.contains("    stack (▶ your code):\n"), "{out}");
    assert!(
        out.contains("      ▶ File \"/opt/pipelines/realdata_cases/dagster_cases.py\", line 796, in raise_multiline_error\n"),
        "{out}"
    );
    // Dagster's frames are listed, unmarked.
    assert!(
        out.contains("        File \"/opt/dagster/venv/lib/python3.11/site-packages/dagster/_utils/__init__.py\""),
        "{out}"
    );
    assert_eq!(
        out.matches('▶').count(),
        2,
        "the heading and one frame: {out}"
    );
}

/// `logs` shows what an asset event says beyond "Materialized value x.":
/// the asset, its partition, a check's verdict and the metadata; the type
/// column is as wide as the widest type printed.
#[test]
fn asset_events_show_partition_check_and_metadata() {
    let out = stdout(&run(&[
        "logs",
        "fixtures/dagster-1.13/n_partitioned_assets",
        "--event-type",
        "ASSET_MATERIALIZATION",
    ]));
    assert!(
        out.contains("[daily_clickstream] Materialized value daily_clickstream.\n    asset daily_clickstream · partition 2024-06-03\n    partition_day: 2024-06-03 · rows: 10 · path: /opt/dagster/home/storage/daily_clickstream/2024-06-03\n"),
        "{out}"
    );
    let out = stdout(&run(&[
        "logs",
        "fixtures/dagster-1.13/a2_success_assets_inprocess",
    ]));
    assert!(
        out.contains("did not pass.\n    check order_summary_all_regions FAILED (severity WARN) · asset order_summary\n    missing_regions: ['latam']\n"),
        "{out}"
    );
    // ASSET_CHECK_EVALUATION_PLANNED (30 characters) sets the column: every
    // event line has its step at the same place.
    let columns: std::collections::BTreeSet<usize> = out
        .lines()
        .filter(|l| l.starts_with("2026-"))
        .filter_map(|l| {
            // After the time and the level: the type, then its padding.
            let rest = &l[34..];
            let end = rest.find(' ')?;
            Some(34 + end + rest[end..].find(|c| c != ' ')?)
        })
        .collect();
    assert_eq!(columns.len(), 1, "{columns:?}");
}
