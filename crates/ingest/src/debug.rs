//! `dagster debug export` bundles: gzipped serdes JSON, `__class__`-tagged.
//!
//! The bundle's `event_list` holds `EventLogEntry` objects with float-second
//! timestamps, numeric levels and `PIPELINE_*` run event names. Each is turned
//! into the event GraphQL would have returned, so a bundle and pages of the
//! same run describe the same events (checked against real exports: the
//! message is `dagster_event.message` when set, else `user_message`; the time
//! is the float seconds truncated to ms).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::batch::{EventBatch, NewEvent};
use crate::event::{ErrorInfo, ErrorLink, EventDetail, link};
use crate::parse::{KeepRaw, MetaOrigin, RunMeta};
use crate::schema::{Level, normalize_event_type, typename_for};
use crate::time;

/// Dagster serialises enums as `{"__enum__": "ErrorSource.USER_CODE_ERROR"}`.
fn enum_name(v: &Value) -> Option<String> {
    let s = v.get("__enum__")?.as_str()?;
    Some(s.rsplit('.').next().unwrap_or(s).to_string())
}

// The serdes `EventLogEntry`, read into typed fields that borrow from the
// text (storage rows) or from a parsed bundle, and skip everything else: a
// tree of `Value`s per row cost most of the time of reading storage. Serdes
// data spans many Dagster versions, so a field of an unexpected type is
// taken as absent (`Lenient`, `OptStr`), except the time and the level,
// without which there is no event.

/// A string, or `None` for null, a missing field or a value of another type.
#[derive(Default)]
struct OptStr<'a>(Option<Cow<'a, str>>);

impl OptStr<'_> {
    fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for OptStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor(std::marker::PhantomData))
            .map(|s| OptStr(s.text()))
    }
}

/// A time or a level: a number or a string, or what else it was.
#[derive(Default)]
enum Scalar<'a> {
    #[default]
    Absent,
    Number(f64),
    Text(Cow<'a, str>),
    /// A value of another type (`true`, an object): present but unreadable.
    Other,
}

impl<'a> Scalar<'a> {
    fn text(self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor(std::marker::PhantomData))
    }
}

struct ScalarVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> serde::de::Visitor<'de> for ScalarVisitor<'a> {
    type Value = Scalar<'a>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Absent)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Scalar::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Scalar::Other)
    }
}

/// The visitor methods of a lenient field for the scalars it does not take
/// (null, booleans, numbers, strings): each reads as absent.
macro_rules! scalars_are_absent {
    () => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

/// An object read as `T`, or `None` for null or a value of another type.
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object or null")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(a))
                    .map(|t| Lenient(Some(t)))
            }
            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                Lenient::deserialize(d)
            }
            scalars_are_absent!();
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A list of strings (stack frames, step keys); other items are left out.
#[derive(Default)]
struct StrList<'a>(Option<Vec<Cow<'a, str>>>);

impl<'de: 'a, 'a> Deserialize<'de> for StrList<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = StrList<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = a.next_element::<OptStr<'a>>()? {
                    out.extend(item.0);
                }
                Ok(StrList(Some(out)))
            }
            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                StrList::deserialize(d)
            }
            scalars_are_absent!();
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(StrList(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A serdes `EventLogEntry` (or `DagsterEventRecord` of older versions).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(crate) struct Entry<'a> {
    #[serde(borrow)]
    run_id: OptStr<'a>,
    #[serde(borrow)]
    timestamp: Scalar<'a>,
    #[serde(borrow)]
    level: Scalar<'a>,
    #[serde(borrow)]
    user_message: OptStr<'a>,
    #[serde(borrow)]
    message: OptStr<'a>,
    #[serde(borrow)]
    step_key: OptStr<'a>,
    #[serde(borrow)]
    dagster_event: Lenient<DagsterEvent<'a>>,
    #[serde(borrow)]
    error_info: Lenient<SerdesError<'a>>,
    #[serde(borrow)]
    pid: Scalar<'a>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct DagsterEvent<'a> {
    #[serde(borrow)]
    event_type_value: OptStr<'a>,
    #[serde(borrow)]
    message: OptStr<'a>,
    #[serde(borrow)]
    step_key: OptStr<'a>,
    #[serde(borrow)]
    pipeline_name: OptStr<'a>,
    #[serde(borrow)]
    job_name: OptStr<'a>,
    #[serde(borrow)]
    event_specific_data: Lenient<EventData<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct EventData<'a> {
    #[serde(borrow)]
    error: Lenient<SerdesError<'a>>,
    #[serde(borrow)]
    error_source: Lenient<SerdesEnum<'a>>,
    #[serde(borrow)]
    marker_start: OptStr<'a>,
    #[serde(borrow)]
    marker_end: OptStr<'a>,
    #[serde(borrow)]
    input_name: OptStr<'a>,
    #[serde(borrow)]
    output_name: OptStr<'a>,
    #[serde(borrow)]
    step_output_handle: Lenient<OutputHandle<'a>>,
    #[serde(borrow)]
    upstream_step_key: OptStr<'a>,
    #[serde(borrow)]
    upstream_output_name: OptStr<'a>,
    #[serde(borrow)]
    seconds_to_wait: Scalar<'a>,
    #[serde(borrow)]
    log_key: OptStr<'a>,
    #[serde(borrow)]
    file_key: OptStr<'a>,
    #[serde(borrow)]
    step_keys: StrList<'a>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct OutputHandle<'a> {
    #[serde(borrow)]
    output_name: OptStr<'a>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SerdesEnum<'a> {
    #[serde(borrow, rename = "__enum__")]
    name: OptStr<'a>,
}

/// A `SerializableErrorInfo`.
#[derive(Default, Deserialize)]
#[serde(default)]
struct SerdesError<'a> {
    #[serde(borrow)]
    message: OptStr<'a>,
    #[serde(borrow)]
    cls_name: OptStr<'a>,
    #[serde(borrow)]
    stack: StrList<'a>,
    #[serde(borrow)]
    cause: Lenient<Box<SerdesError<'a>>>,
}

impl<'a> Entry<'a> {
    /// Reads an entry from its JSON text, which simd-json unescapes in place
    /// (twice as fast as serde_json on storage rows).
    pub(crate) fn from_slice(text: &'a mut [u8]) -> Result<Entry<'a>, String> {
        simd_json::serde::from_slice(text).map_err(|e| e.to_string())
    }

    /// Reads an entry from a parsed bundle.
    pub(crate) fn from_value(v: &'a Value) -> Result<Entry<'a>, String> {
        Entry::deserialize(v).map_err(|e| e.to_string())
    }

    /// The entry's run id, if it has one.
    pub(crate) fn run_id(&self) -> Option<&str> {
        self.run_id.get()
    }

    fn data(&self) -> Option<&EventData<'a>> {
        self.dagster_event
            .0
            .as_ref()?
            .event_specific_data
            .0
            .as_ref()
    }
}

impl SerdesEnum<'_> {
    fn short(&self) -> Option<String> {
        let s = self.name.get()?;
        Some(s.rsplit('.').next().unwrap_or(s).to_string())
    }
}

/// A `SerializableErrorInfo` as GraphQL's `PythonError` (for the event's
/// JSON), and its chain and stacks.
fn error_json(e: &SerdesError<'_>) -> Value {
    let frames: Vec<&str> = e.stack.0.iter().flatten().map(|f| f.as_ref()).collect();
    let cause = e.cause.0.as_deref().map_or(Value::Null, error_json);
    json!({"message": e.message.get(), "className": e.cls_name.get(), "stack": frames, "cause": cause})
}

fn error_info(e: &SerdesError<'_>, error_source: Option<String>) -> ErrorInfo {
    let mut chain: Vec<ErrorLink> = Vec::new();
    let mut stacks: Vec<Vec<String>> = Vec::new();
    let mut at = Some(e);
    while let Some(err) = at {
        chain.push(link(err.cls_name.get(), err.message.get()));
        stacks.push(
            err.stack
                .0
                .iter()
                .flatten()
                .map(|f| f.to_string())
                .collect(),
        );
        at = err.cause.0.as_deref();
    }
    let stack = stacks.first().cloned().unwrap_or_default();
    // The deepest cause with frames: where the user's code raised.
    let cause_stack = stacks
        .iter()
        .skip(1)
        .rev()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_default();
    ErrorInfo {
        chain,
        stack,
        cause_stack,
        error_source,
    }
}

/// Pushes one entry onto `batch` as the event GraphQL would have returned;
/// its GraphQL-shaped JSON is made only when `keep` wants it.
pub(crate) fn push_entry(
    entry: &Entry<'_>,
    batch: &mut EventBatch,
    keep: &KeepRaw,
) -> Result<(), String> {
    let run_id = entry
        .run_id
        .get()
        .ok_or("an EventLogEntry without run_id")?;
    let timestamp_ms = match &entry.timestamp {
        Scalar::Number(n) => time::from_number(*n),
        Scalar::Text(s) => time::parse(s),
        _ => None,
    }
    .ok_or("an EventLogEntry without a readable timestamp")?;
    let level = match &entry.level {
        Scalar::Number(n) => Level::from_number(*n),
        Scalar::Text(s) => Level::from_name(s).ok_or(format!("unknown level {s:?}"))?,
        _ => return Err("an EventLogEntry without level".into()),
    };
    let de = entry.dagster_event.0.as_ref();
    let event_type = de
        .and_then(|d| d.event_type_value.get())
        .map(normalize_event_type);
    let message = de
        .and_then(|d| d.message.get())
        .or_else(|| entry.user_message.get())
        .or_else(|| entry.message.get())
        .unwrap_or("");
    let step_key = entry
        .step_key
        .get()
        .or_else(|| de.and_then(|d| d.step_key.get()));
    let data = entry.data();
    let raw_error = data
        .and_then(|d| d.error.0.as_ref())
        .or(entry.error_info.0.as_ref());
    let error_source = data
        .and_then(|d| d.error_source.0.as_ref())
        .and_then(SerdesEnum::short);
    let run_event = event_type.as_deref().is_some_and(|t| t.starts_with("RUN_"));
    let detail = data.map_or(EventDetail::default(), |d| EventDetail {
        marker_start: d.marker_start.get(),
        marker_end: d.marker_end.get(),
        input_name: d.input_name.get(),
        output_name: d.output_name.get().or_else(|| {
            d.step_output_handle
                .0
                .as_ref()
                .and_then(|h| h.output_name.get())
        }),
        upstream_step_key: d.upstream_step_key.get(),
        upstream_output_name: d.upstream_output_name.get(),
        pipeline_name: None,
        seconds_to_wait: match d.seconds_to_wait {
            Scalar::Number(n) => Some(n),
            _ => None,
        },
    });
    // GraphQL has the job's name on run events only.
    let detail = EventDetail {
        pipeline_name: run_event
            .then(|| de.and_then(|d| d.pipeline_name.get().or_else(|| d.job_name.get())))
            .flatten(),
        ..detail
    }
    .if_any();
    let log_key = data.and_then(|d| d.log_key.get().or_else(|| d.file_key.get()));
    let typename = typename_for(event_type.as_deref());
    // The fields the event's GraphQL JSON has (to pick the richest duplicate).
    let field_count = 7
        + u16::from(raw_error.is_some())
        + u16::from(error_source.is_some())
        + detail.as_ref().map_or(0, |d| {
            d.strings().iter().filter(|s| s.is_some()).count() as u16
                + u16::from(d.seconds_to_wait.is_some())
        })
        + log_key.map_or(0, |_| 3 + u16::from(matches!(entry.pid, Scalar::Number(_))));
    batch.push(
        run_id,
        NewEvent {
            timestamp_ms,
            level,
            event_type: event_type.as_deref(),
            typename,
            step_key,
            message,
            error: raw_error.map(|e| error_info(e, error_source.clone())),
            detail,
            field_count,
        },
    );
    batch.keep_raw_of_last(keep, |out| {
        let mut obj = Map::new();
        obj.insert("__typename".into(), typename.into());
        obj.insert("runId".into(), run_id.into());
        obj.insert("message".into(), message.into());
        obj.insert("timestamp".into(), timestamp_ms.to_string().into());
        obj.insert("level".into(), level.as_str().into());
        obj.insert("stepKey".into(), step_key.into());
        obj.insert("eventType".into(), event_type.as_deref().into());
        if let Some(e) = raw_error {
            obj.insert("error".into(), error_json(e));
        }
        if let Some(src) = &error_source {
            obj.insert("errorSource".into(), src.clone().into());
        }
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
        if let Some(key) = log_key {
            obj.insert("fileKey".into(), key.into());
            obj.insert("logKey".into(), key.into());
            let steps = data
                .and_then(|d| d.step_keys.0.as_ref())
                .map_or(Value::Null, |s| {
                    Value::Array(s.iter().map(|k| Value::from(k.as_ref())).collect())
                });
            obj.insert("stepKeys".into(), steps);
            if let Scalar::Number(pid) = entry.pid {
                obj.insert("pid".into(), json!(pid as i64));
            }
        }
        let _ = serde_json::to_writer(&mut *out, &Value::Object(obj));
    });
    Ok(())
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
    for (index, value) in list.iter().enumerate() {
        let pushed = Entry::from_value(value).and_then(|entry| push_entry(&entry, batch, keep));
        if let Err(reason) = pushed {
            bad_entries.push(format!(
                "event_list entry {} of {}: {reason}",
                index + 1,
                list.len()
            ));
        }
    }
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
    push_entry(&Entry::from_value(entry)?, batch, keep)
}
