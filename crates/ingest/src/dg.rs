//! The `--json` output of Dagster's `dg api` CLI (`dagster-dg-cli`), turned
//! into the GraphQL shapes the rest of the reader knows.
//!
//! - `dg api run get-events --json` and `dg api run-events get --json`:
//!   `RunEventList` `{"items":[{run_id, message, timestamp, level, step_key,
//!   event_type, error}], "total", "cursor", "has_more"}` (snake_case, the
//!   timestamp GraphQL's epoch-ms string);
//! - the older `dg api log get --json`: `{"run_id", "logs":[GraphQL-named
//!   events], "count", "cursor", "hasMore"}`;
//! - `dg api run list --json` (`{"items":[{id, status, created_at,
//!   started_at, ended_at, job_name}]}`) and `dg api run get --json` (one such
//!   run): run records with GraphQL's names (`runId`, `creationTime`…).
//!
//! The event page is rewritten as an EventConnection page and read like one;
//! its events keep that GraphQL-shaped JSON for `--json` output.

use serde_json::{Map, Value, json};

/// What a `dg api` document is.
pub(crate) enum DgShape {
    /// A page of events, rewritten as `{"events":[…],"cursor":…,"hasMore":…}`.
    Page(Vec<u8>),
    /// Run records with GraphQL's field names.
    Runs(Vec<Value>),
}

/// The `dg api` shape of a top-level object, if it is one.
pub(crate) fn recognise(doc: &Map<String, Value>) -> Option<DgShape> {
    if let Some(Value::Array(logs)) = doc.get("logs")
        && doc.contains_key("run_id")
    {
        return Some(page(logs.clone(), doc.get("cursor"), doc.get("hasMore")));
    }
    if let Some(Value::Array(items)) = doc.get("items") {
        let eventish = |i: &Value| i.get("run_id").is_some() && i.get("timestamp").is_some();
        let runish = |i: &Value| i.get("id").is_some() && i.get("status").is_some();
        if items.iter().all(eventish)
            && (doc.contains_key("has_more") || doc.contains_key("total") || !items.is_empty())
        {
            let events = items.iter().map(event).collect();
            return Some(page(events, doc.get("cursor"), doc.get("has_more")));
        }
        if items.iter().all(runish) {
            return Some(DgShape::Runs(items.iter().map(run).collect()));
        }
        return None;
    }
    if doc.contains_key("id") && doc.contains_key("status") && doc.contains_key("created_at") {
        return Some(DgShape::Runs(vec![run(&Value::Object(doc.clone()))]));
    }
    None
}

fn page(events: Vec<Value>, cursor: Option<&Value>, has_more: Option<&Value>) -> DgShape {
    let page = json!({
        "events": events,
        "cursor": cursor.cloned().unwrap_or(Value::Null),
        "hasMore": has_more.cloned().unwrap_or(Value::Null),
    });
    DgShape::Page(serde_json::to_vec(&page).unwrap_or_default())
}

/// One `RunEvent` with GraphQL's field names.
fn event(item: &Value) -> Value {
    renamed(
        item,
        &[
            ("run_id", "runId"),
            ("message", "message"),
            ("timestamp", "timestamp"),
            ("level", "level"),
            ("step_key", "stepKey"),
            ("event_type", "eventType"),
            ("error", "error"),
        ],
    )
}

/// One `DgApiRun` with GraphQL's field names.
fn run(item: &Value) -> Value {
    renamed(
        item,
        &[
            ("id", "runId"),
            ("status", "status"),
            ("job_name", "jobName"),
            ("created_at", "creationTime"),
            ("started_at", "startTime"),
            ("ended_at", "endTime"),
        ],
    )
}

/// The fields of `item` that `names` lists, under their new names.
fn renamed(item: &Value, names: &[(&str, &str)]) -> Value {
    let mut out = Map::new();
    for (from, to) in names {
        if let Some(v) = item.get(from) {
            out.insert((*to).into(), v.clone());
        }
    }
    Value::Object(out)
}
