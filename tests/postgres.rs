//! Dagster's PostgreSQL storage as an analyst receives it
//! (`fixtures/dagster-postgres`, made by a real Dagster 1.13 on a real
//! PostgreSQL 15): a plain `pg_dump`, `\copy` text files and CSV files of the
//! same five runs give the figures of the runs' GraphQL exports.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{ndjson, run, stderr};

const BASE: &str = "fixtures/dagster-postgres";

fn stats(input: &str) -> BTreeMap<String, Value> {
    let out = run(&["stats", input, "--ndjson"]);
    assert_eq!(out.status.code(), Some(0), "{input}: {}", stderr(&out));
    ndjson(&out)
        .into_iter()
        .map(|r| (r["runId"].as_str().unwrap().to_string(), r))
        .collect()
}

fn counts() -> BTreeMap<String, u64> {
    let path = crate::common::root().join(BASE).join("counts.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn every_dump_form_gives_the_figures_of_the_exports() {
    let exported = stats(&format!("{BASE}/exports"));
    assert_eq!(exported.len(), 5);
    for form in ["dump.sql", "copy-text", "copy-csv"] {
        let stored = stats(&format!("{BASE}/{form}"));
        assert_eq!(stored, exported, "{form}");
    }
}

#[test]
fn every_run_has_its_event_rows_and_its_record() {
    let expected = counts();
    for form in ["dump.sql", "copy-text", "copy-csv"] {
        let out = run(&["runs", &format!("{BASE}/{form}"), "--ndjson"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let listed = ndjson(&out);
        assert_eq!(listed.len(), expected.len(), "{form}");
        for r in &listed {
            let id = r["runId"].as_str().unwrap();
            assert_eq!(r["eventCount"].as_u64(), Some(expected[id]), "{form} {id}");
            assert_eq!(r["source"], "storage", "{form} {id}");
        }
        // The records equal Dagster's own run.json, where the exports have one.
        let exported = ndjson(&run(&["runs", &format!("{BASE}/exports"), "--ndjson"]));
        for e in exported.iter().filter(|e| e["source"] == "run.json") {
            let s = listed.iter().find(|s| s["runId"] == e["runId"]).unwrap();
            for key in [
                "status",
                "jobName",
                "startTime",
                "endTime",
                "tags",
                "runConfigYaml",
            ] {
                assert_eq!(s[key], e[key], "{form} {} {key}", e["runId"]);
            }
        }
    }
}

#[test]
fn storage_and_exports_of_the_same_runs_count_each_event_once() {
    let exported = stats(&format!("{BASE}/exports"));
    let out = run(&[
        "stats",
        &format!("{BASE}/dump.sql"),
        &format!("{BASE}/exports"),
        "--ndjson",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for r in ndjson(&out) {
        let id = r["runId"].as_str().unwrap();
        assert_eq!(&r, &exported[id], "{id}");
    }
}

#[test]
fn a_custom_format_dump_is_refused_with_the_command_that_makes_a_plain_one() {
    let out = run(&["runs", &format!("{BASE}/dump.custom")]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("a pg_dump archive in custom format"), "{err}");
    assert!(
        err.contains("pg_restore -f dagster.sql --data-only -t event_logs"),
        "{err}"
    );
}
