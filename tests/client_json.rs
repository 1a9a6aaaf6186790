//! The JSON that clients write instead of raw responses: GraphQL `data`
//! objects without the `{"data": …}` envelope (what Python GraphQL clients
//! return), and the `--json` output of Dagster's `dg api` CLI. Each is made
//! from a real export the way the client makes it, and must read as the
//! export does.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{modern, ndjson, page_events, run, stderr};

/// The run of `b_module_not_found` (a step failure with an error chain).
fn run_dir() -> PathBuf {
    std::fs::read_dir(modern().join("b_module_not_found"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("pages").is_dir())
        .unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

/// `logs --ndjson` of the inputs, as (time, type, step, message, error) tuples.
fn events_of(input: &str) -> Vec<Value> {
    let out = run(&["logs", input, "--ndjson"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    ndjson(&out)
        .into_iter()
        .map(|e| {
            json!([
                e["timestamp"],
                e["eventType"],
                e["stepKey"],
                e["message"],
                e["level"],
                e["error"]["className"],
                e["error"]["cause"]["message"]
            ])
        })
        .collect()
}

#[test]
fn a_graphql_data_object_without_its_envelope_reads_like_the_response() {
    let dir = run_dir();
    let raw: Value =
        serde_json::from_slice(&std::fs::read(dir.join("raw/page-0001.json")).unwrap()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let bare = write(tmp.path(), "logs.json", &raw["data"]);
    let pages = dir.join("pages");
    assert_eq!(events_of(&bare), events_of(pages.to_str().unwrap()));
    let info: Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).unwrap();
    let bare_info = write(tmp.path(), "run.json", &info["data"]);
    let out = run(&["info", &bare_info, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["status"], "FAILURE");
    assert_eq!(shown["source"], "run.json");
}

/// dagster-dg-cli's `RunEvent` of one GraphQL event (its `get_events`).
fn dg_event(e: &Value) -> Value {
    json!({
        "run_id": e["runId"], "message": e["message"], "timestamp": e["timestamp"],
        "level": e["level"], "step_key": e["stepKey"], "event_type": e["eventType"],
        "error": e.get("error").cloned().unwrap_or(Value::Null),
    })
}

#[test]
fn dg_api_run_get_events_json_reads_like_the_pages() {
    let dir = run_dir();
    let (events, last) = page_events(&dir);
    let tmp = tempfile::tempdir().unwrap();
    // `RunEventList.model_dump_json()`: snake_case, `has_more`.
    let list = json!({
        "items": events.iter().map(dg_event).collect::<Vec<_>>(),
        "total": events.len(),
        "cursor": last["cursor"],
        "has_more": false,
    });
    let file = write(tmp.path(), "events.json", &list);
    let pages = dir.join("pages");
    assert_eq!(events_of(&file), events_of(pages.to_str().unwrap()));
    // Its step failure keeps the error chain: diagnose sees the import error.
    let out = run(&["diagnose", &file, "--json"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("import_error"));
}

#[test]
fn dg_api_log_get_json_reads_like_the_pages() {
    let dir = run_dir();
    let (events, last) = page_events(&dir);
    let tmp = tempfile::tempdir().unwrap();
    // The older `dg api log get --json`: GraphQL names under `logs`.
    let logs = json!({
        "run_id": events[0]["runId"],
        "logs": events,
        "count": events.len(),
        "cursor": last["cursor"],
        "hasMore": false,
    });
    let file = write(tmp.path(), "logs.json", &logs);
    let pages = dir.join("pages");
    assert_eq!(events_of(&file), events_of(pages.to_str().unwrap()));
}

#[test]
fn dg_api_run_list_and_get_json_are_run_records() {
    let tmp = tempfile::tempdir().unwrap();
    let info: Value =
        serde_json::from_slice(&std::fs::read(run_dir().join("run.json")).unwrap()).unwrap();
    let r = &info["data"]["runOrError"];
    // `DgApiRun`: id, status, created_at, started_at, ended_at, job_name.
    let dg_run = json!({
        "id": r["runId"], "status": r["status"], "created_at": r["creationTime"],
        "started_at": r["startTime"], "ended_at": r["endTime"], "job_name": r["jobName"],
    });
    let list = write(tmp.path(), "list.json", &json!({"items": [dg_run]}));
    let out = run(&["runs", &list, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &listed["runsOrError"]["results"][0];
    for key in [
        "runId",
        "status",
        "jobName",
        "startTime",
        "endTime",
        "creationTime",
    ] {
        assert_eq!(first[key], r[key], "{key}");
    }
    let one = write(tmp.path(), "get.json", &dg_run);
    let out = run(&["info", &one, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["status"], r["status"]);
}

#[test]
fn dg_api_flag_names_work_as_aliases() {
    let pages = run_dir().join("pages");
    let pages = pages.to_str().unwrap();
    let ours = run(&[
        "logs",
        pages,
        "--step-key",
        "load_warehouse_client",
        "--ndjson",
    ]);
    let dg = run(&["logs", pages, "--step", "load_warehouse_client", "--ndjson"]);
    assert_eq!(dg.status.code(), Some(0), "{}", stderr(&dg));
    assert!(!ndjson(&ours).is_empty());
    assert_eq!(dg.stdout, ours.stdout);
}
