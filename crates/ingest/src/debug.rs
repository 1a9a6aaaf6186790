//! `dagster debug export` bundles: gzipped serdes JSON, `__class__`-tagged.
//!
//! The bundle's `event_list` holds `EventLogEntry` objects with float-second
//! timestamps, numeric levels and `PIPELINE_*` run event names. Each is turned
//! into the event GraphQL would have returned, so a bundle and pages of the
//! same run describe the same events (checked against real exports: the
//! message is `dagster_event.message` when set, else `user_message`; the time
//! is the float seconds truncated to ms).

use serde_json::{Map, Value, json};

use crate::batch::{EventBatch, NewEvent};
use crate::event::{ErrorInfo, EventDetail, link};
use crate::parse::{KeepRaw, MetaOrigin, RunMeta};
use crate::schema::{Level, normalize_event_type, typename_for};
use crate::time;

/// Dagster serialises enums as `{"__enum__": "ErrorSource.USER_CODE_ERROR"}`.
fn enum_name(v: &Value) -> Option<String> {
    let s = v.get("__enum__")?.as_str()?;
    Some(s.rsplit('.').next().unwrap_or(s).to_string())
}

/// A `SerializableErrorInfo` as GraphQL's `PythonError`, and as a chain.
fn convert_error(
    e: &Value,
) -> (
    Value,
    Vec<crate::event::ErrorLink>,
    Vec<String>,
    Vec<String>,
) {
    let mut links = Vec::new();
    let mut stacks: Vec<Vec<String>> = Vec::new();
    fn walk(
        e: &Value,
        links: &mut Vec<crate::event::ErrorLink>,
        stacks: &mut Vec<Vec<String>>,
    ) -> Value {
        let message = e.get("message").and_then(Value::as_str);
        let class_name = e.get("cls_name").and_then(Value::as_str);
        let frames: Vec<Value> = e
            .get("stack")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        stacks.push(
            frames
                .iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect(),
        );
        links.push(link(class_name, message));
        let cause = match e.get("cause") {
            Some(c) if c.is_object() => walk(c, links, stacks),
            _ => Value::Null,
        };
        json!({"message": message, "className": class_name, "stack": frames, "cause": cause})
    }
    let v = walk(e, &mut links, &mut stacks);
    let stack = stacks.first().cloned().unwrap_or_default();
    // The deepest cause with frames: where the user's code raised.
    let cause_stack = stacks
        .iter()
        .skip(1)
        .rev()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default();
    (v, links, stack, cause_stack)
}

struct Converted<'v> {
    run_id: String,
    timestamp_ms: i64,
    level: Level,
    event_type: Option<String>,
    step_key: Option<String>,
    message: String,
    error: Option<ErrorInfo>,
    detail: Option<EventDetail<'v>>,
    json: Vec<u8>,
    field_count: u16,
}

fn convert(entry: &Value) -> Result<Converted<'_>, String> {
    let run_id = entry
        .get("run_id")
        .and_then(Value::as_str)
        .ok_or("an EventLogEntry without run_id")?
        .to_string();
    let timestamp_ms = entry
        .get("timestamp")
        .and_then(|t| match t {
            Value::Number(n) => n.as_f64().and_then(time::from_number),
            Value::String(s) => time::parse(s),
            _ => None,
        })
        .ok_or("an EventLogEntry without a readable timestamp")?;
    let level = match entry.get("level") {
        Some(Value::Number(n)) => Level::from_number(n.as_f64().unwrap_or(20.0)),
        Some(Value::String(s)) => Level::from_name(s).ok_or(format!("unknown level {s:?}"))?,
        _ => return Err("an EventLogEntry without level".into()),
    };
    let de = entry.get("dagster_event").filter(|d| d.is_object());
    let event_type = de
        .and_then(|d| d.get("event_type_value"))
        .and_then(Value::as_str)
        .map(|t| normalize_event_type(t).into_owned());
    let message = de
        .and_then(|d| d.get("message"))
        .and_then(Value::as_str)
        .or_else(|| entry.get("user_message").and_then(Value::as_str))
        .or_else(|| entry.get("message").and_then(Value::as_str))
        .unwrap_or("")
        .to_string();
    let step_key = entry
        .get("step_key")
        .and_then(Value::as_str)
        .or_else(|| de.and_then(|d| d.get("step_key")).and_then(Value::as_str))
        .map(str::to_string);
    let data = de
        .and_then(|d| d.get("event_specific_data"))
        .filter(|d| d.is_object());
    let raw_error = data
        .and_then(|d| d.get("error"))
        .filter(|e| e.is_object())
        .or_else(|| entry.get("error_info").filter(|e| e.is_object()));
    let error_source = data.and_then(|d| d.get("error_source")).and_then(enum_name);

    let typename = typename_for(event_type.as_deref());
    let mut obj = Map::new();
    obj.insert("__typename".into(), typename.into());
    obj.insert("runId".into(), run_id.clone().into());
    obj.insert("message".into(), message.clone().into());
    obj.insert("timestamp".into(), timestamp_ms.to_string().into());
    obj.insert("level".into(), level.as_str().into());
    obj.insert("stepKey".into(), step_key.clone().into());
    obj.insert("eventType".into(), event_type.clone().into());
    let error = raw_error.map(|e| {
        let (v, chain, stack, cause_stack) = convert_error(e);
        obj.insert("error".into(), v);
        ErrorInfo {
            chain,
            stack,
            cause_stack,
            error_source: error_source.clone(),
        }
    });
    if let Some(src) = &error_source {
        obj.insert("errorSource".into(), src.clone().into());
    }
    let run_event = event_type.as_deref().is_some_and(|t| t.starts_with("RUN_"));
    let detail = bundle_detail(de, data, run_event);
    if let Some(d) = &detail {
        // The names GraphQL gives these fields, so `--json` shows them alike.
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                obj.insert(k.into(), v.into());
            }
        };
        put("markerStart", d.marker_start);
        put("markerEnd", d.marker_end);
        put("inputName", d.input_name);
        put("outputName", d.output_name);
        put("upstreamStepKey", d.upstream_step_key);
        put("upstreamOutputName", d.upstream_output_name);
        put("pipelineName", d.pipeline_name);
        if let Some(w) = d.seconds_to_wait {
            obj.insert("secondsToWait".into(), w.into());
        }
    }
    // Where the process's captured output is (GraphQL's LogsCapturedEvent).
    if let Some(key) = data.and_then(|d| d.get("log_key").or(d.get("file_key"))).and_then(Value::as_str) {
        obj.insert("fileKey".into(), key.into());
        obj.insert("logKey".into(), key.into());
        let steps = data.and_then(|d| d.get("step_keys")).cloned().unwrap_or(Value::Null);
        obj.insert("stepKeys".into(), steps);
        if let Some(pid) = entry.get("pid").filter(|p| p.is_number()) {
            obj.insert("pid".into(), pid.clone());
        }
    }
    let field_count = obj.len() as u16;
    let json = serde_json::to_vec(&Value::Object(obj)).map_err(|e| e.to_string())?;
    Ok(Converted {
        run_id,
        timestamp_ms,
        level,
        event_type,
        step_key,
        message,
        error,
        detail,
        json,
        field_count,
    })
}

/// The fields of [`EventDetail`] from a serdes `DagsterEvent`.
fn bundle_detail<'v>(
    de: Option<&'v Value>,
    data: Option<&'v Value>,
    run_event: bool,
) -> Option<EventDetail<'v>> {
    let s = |v: Option<&'v Value>, k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_str);
    let output_handle = data.and_then(|d| d.get("step_output_handle"));
    EventDetail {
        marker_start: s(data, "marker_start"),
        marker_end: s(data, "marker_end"),
        input_name: s(data, "input_name"),
        output_name: s(data, "output_name").or_else(|| s(output_handle, "output_name")),
        upstream_step_key: s(data, "upstream_step_key"),
        upstream_output_name: s(data, "upstream_output_name"),
        // GraphQL has the job's name on run events only.
        pipeline_name: run_event
            .then(|| s(de, "pipeline_name").or_else(|| s(de, "job_name")))
            .flatten(),
        seconds_to_wait: data
            .and_then(|d| d.get("seconds_to_wait"))
            .and_then(Value::as_f64),
    }
    .if_any()
}

fn push_all(batch: &mut EventBatch, events: Vec<Converted<'_>>, keep: &KeepRaw) {
    for c in events {
        let typename = typename_for(c.event_type.as_deref());
        batch.push(
            &c.run_id,
            NewEvent {
                timestamp_ms: c.timestamp_ms,
                level: c.level,
                event_type: c.event_type.as_deref(),
                typename,
                step_key: c.step_key.as_deref(),
                message: &c.message,
                error: c.error,
                detail: c.detail,
                field_count: c.field_count,
            },
        );
        batch.keep_raw_of_last(keep, |out| out.extend_from_slice(&c.json));
    }
}

/// Converts a whole `DebugRunPayload`: its events and its `pipeline_run`.
pub(crate) fn convert_bundle(
    bundle: &Value,
    batch: &mut EventBatch,
    runs: &mut Vec<RunMeta>,
    keep: &KeepRaw,
    bad_entries: &mut Vec<String>,
) -> Result<(), String> {
    let list = bundle
        .get("event_list")
        .and_then(Value::as_array)
        .ok_or("a debug bundle without event_list")?;
    // A bad entry costs only itself: it is named, the others are read.
    let mut events = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        match convert(entry) {
            Ok(c) => events.push(c),
            Err(reason) => bad_entries.push(format!(
                "event_list entry {} of {}: {reason}",
                index + 1,
                list.len()
            )),
        }
    }
    push_all(batch, events, keep);
    if let Some(run) = bundle.get("pipeline_run").filter(|r| r.is_object()) {
        let s = |k: &str| run.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(run_id) = s("run_id") {
            let status = run.get("status").and_then(enum_name);
            let mut raw = run.clone();
            if let (Some(v), Some(o)) = (bundle.get("version"), raw.as_object_mut()) {
                o.insert("dagsterVersion".into(), v.clone());
            }
            runs.push(RunMeta {
                run_id,
                job_name: s("pipeline_name").or_else(|| s("job_name")),
                status,
                origin: MetaOrigin::DebugBundle,
                raw,
            });
        }
    }
    Ok(())
}

/// Converts one stand-alone `EventLogEntry`.
pub(crate) fn convert_entry(
    entry: &Value,
    batch: &mut EventBatch,
    keep: &KeepRaw,
) -> Result<(), String> {
    push_all(batch, vec![convert(entry)?], keep);
    Ok(())
}
