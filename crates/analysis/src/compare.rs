//! `daglog compare`: what differs between two runs — the reference's
//! "compare a failed run with a successful one" workflow in one step.
//!
//! Everything is computed from what the archive holds: the run config and
//! tags of Dagster's run record (when the archive has one), daglog's own
//! figures of both runs ([`RunStats`]) and their events. Nothing is ranked or
//! judged here beyond the warnings that make the comparison misleading
//! (different jobs, a missing run config, a truncated export).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use daglog_ingest::{Archive, ErrorInfo, EventView, Run};
use serde::Serialize;
use serde_json::Value;

use crate::Result;
use crate::diagnose::root_error;
use crate::figures::RUN_STATUS_EVENTS as RUN_EVENTS;
use crate::frame::STEP_LIFECYCLE;
use crate::meta::{InfoSource, RunInfo, run_info};
use crate::model::{EventSummary, RunStats, RunStatus, StepStats, StepStatus, seconds};

/// Events that carry the errors compared.
const ERROR_EVENTS: &[&str] = &[
    "STEP_FAILURE",
    "RESOURCE_INIT_FAILURE",
    "RUN_FAILURE",
    "HOOK_ERRORED",
    "STEP_UP_FOR_RETRY",
];

/// What stands for a run's own id in compared error messages.
pub const RUN_ID_PLACEHOLDER: &str = "<run>";

/// Everything that differs between run A and run B.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// Run A (usually the good one).
    pub run_a: ComparedRun,
    /// Run B (usually the failed one).
    pub run_b: ComparedRun,
    /// `durationMs` of B minus that of A, when both ran to an end.
    pub duration_delta_ms: Option<i64>,
    /// The `runConfigYaml` difference; `None` when either run has no run config in the archive.
    pub config: Option<ConfigDiff>,
    /// The tags' difference; `None` when either run has no run record in the archive.
    pub tags: Option<TagDiff>,
    /// Steps of run A that run B does not have, in A's order.
    pub steps_only_in_a: Vec<StepOnly>,
    /// Steps of run B that run A does not have, in B's order.
    pub steps_only_in_b: Vec<StepOnly>,
    /// Steps of both runs whose status, duration or attempts differ, in A's order.
    pub step_changes: Vec<StepChange>,
    /// Event types whose counts differ, by type.
    pub event_count_deltas: Vec<CountDelta>,
    /// Where the runs' sequences of step lifecycle and run events first
    /// differ; `None` when they are the same.
    pub first_divergence: Option<Divergence>,
    /// Errors of run A that run B does not have, in time order.
    pub errors_only_in_a: Vec<ErrorSignature>,
    /// Errors of run B that run A does not have, in time order.
    pub errors_only_in_b: Vec<ErrorSignature>,
    /// What makes the comparison less telling: different jobs, no run config…
    pub warnings: Vec<String>,
}

/// One side of the comparison.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComparedRun {
    /// The run id.
    pub run_id: String,
    /// The job.
    pub job_name: Option<String>,
    /// Status from the events.
    pub status: RunStatus,
    /// `RUN_START`, float epoch seconds.
    pub start_time: Option<f64>,
    /// The terminal event, float epoch seconds.
    pub end_time: Option<f64>,
    /// `endTime - startTime`.
    pub duration_ms: Option<i64>,
    /// The run's first event, float epoch seconds: where offsets count from.
    pub first_event_time: f64,
    /// `STEP_SUCCESS` events.
    pub steps_succeeded: u64,
    /// `STEP_FAILURE` events.
    pub steps_failed: u64,
    /// All events of the run.
    pub event_count: u64,
    /// The export ended on a page with `hasMore: true`.
    pub truncated: bool,
    /// Where the run config and tags came from (`run.json`, `events`…).
    pub metadata_source: Option<InfoSource>,
}

/// A difference of two key/value trees (the run config, flattened to
/// dotted paths such as `ops.fetch_sales.config.batch_size`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigDiff {
    /// Paths only in run B.
    pub added: Vec<ConfigEntry>,
    /// Paths only in run A.
    pub removed: Vec<ConfigEntry>,
    /// Paths in both, with different values.
    pub changed: Vec<ConfigChange>,
}

impl ConfigDiff {
    /// No difference at all.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A config path found in one run only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigEntry {
    /// Dotted path; list items as `[i]`, keys with dots or brackets as `["a.b"]`.
    pub path: String,
    /// Its value.
    pub value: Value,
}

/// A config path whose value differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigChange {
    /// Dotted path.
    pub path: String,
    /// Value in run A.
    pub a: Value,
    /// Value in run B.
    pub b: Value,
}

/// A difference of two runs' tags.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagDiff {
    /// Tags only on run B.
    pub added: Vec<TagEntry>,
    /// Tags only on run A.
    pub removed: Vec<TagEntry>,
    /// Tags on both, with different values.
    pub changed: Vec<TagChange>,
}

impl TagDiff {
    /// No difference at all.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// A tag on one run only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagEntry {
    /// Tag key.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// A tag whose value differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagChange {
    /// Tag key.
    pub key: String,
    /// Value on run A.
    pub a: String,
    /// Value on run B.
    pub b: String,
}

/// A step that only one run has.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepOnly {
    /// The step key.
    pub step_key: String,
    /// Its status in that run.
    pub status: StepStatus,
    /// Its duration in that run.
    pub duration_ms: Option<i64>,
}

/// A step of both runs, side by side.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepChange {
    /// The step key.
    pub step_key: String,
    /// Status in run A.
    pub status_a: StepStatus,
    /// Status in run B.
    pub status_b: StepStatus,
    /// Duration in run A.
    pub duration_ms_a: Option<i64>,
    /// Duration in run B.
    pub duration_ms_b: Option<i64>,
    /// `durationMsB - durationMsA`, when both are known.
    pub duration_delta_ms: Option<i64>,
    /// Attempts in run A.
    pub attempts_a: usize,
    /// Attempts in run B.
    pub attempts_b: usize,
}

impl StepChange {
    /// The status differs.
    pub fn status_changed(&self) -> bool {
        self.status_a != self.status_b
    }

    /// The number of attempts differs.
    pub fn attempts_changed(&self) -> bool {
        self.attempts_a != self.attempts_b
    }
}

/// An event type counted differently in the two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CountDelta {
    /// The event type (`LOG` for log lines).
    pub event_type: String,
    /// Count in run A.
    pub a: u64,
    /// Count in run B.
    pub b: u64,
    /// `b - a`.
    pub delta: i64,
}

/// The first place where the runs' courses part.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Divergence {
    /// Position (from 0) in the sequence of step lifecycle and run events;
    /// everything before it is the same in both runs.
    pub index: usize,
    /// Run A's event there; `None` when A's sequence ended before.
    pub a: Option<EventSummary>,
    /// Run B's event there; `None` when B's sequence ended before.
    pub b: Option<EventSummary>,
}

/// An error, as compared across runs: step, the exception once Dagster's
/// wrappers are looked through, and the first line of its message (with the
/// run's own id as `<run>`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorSignature {
    /// The step, `None` for run-level errors.
    pub step_key: Option<String>,
    /// The innermost exception class that is not one of Dagster's wrappers.
    pub class_name: Option<String>,
    /// The first line of that exception's message, without its class prefix.
    pub message: String,
    /// The event type where it first appeared.
    pub event_type: String,
    /// When it first appeared, float epoch seconds.
    pub timestamp: f64,
    /// How many events of the run carry it.
    pub count: usize,
}

/// Compares two runs of `archive`, given their figures (from one
/// [`Analysis`](crate::Analysis) of both runs).
pub fn compare(archive: &Archive, a: &RunStats, b: &RunStats) -> Result<Comparison> {
    let info_a = run_info(archive, &a.run_id, Some(a));
    let info_b = run_info(archive, &b.run_id, Some(b));
    let run_a = archive.runs.iter().find(|r| r.run_id == a.run_id);
    let run_b = archive.runs.iter().find(|r| r.run_id == b.run_id);

    let side_a = side(a, info_a.as_ref());
    let side_b = side(b, info_b.as_ref());
    let mut warnings = Vec::new();

    if a.run_id == b.run_id {
        warnings.push("Run A and run B are the same run.".to_string());
    }
    match (&side_a.job_name, &side_b.job_name) {
        (Some(ja), Some(jb)) if ja != jb => warnings.push(format!(
            "The runs are of different jobs (A: {ja}, B: {jb}): their differences may come from the jobs, not from the runs."
        )),
        (None, _) | (_, None) => warnings.push(
            "The job of a run is unknown: the runs may be of different jobs.".to_string(),
        ),
        _ => {}
    }

    let cfg_a = run_config(info_a.as_ref(), "A", &mut warnings);
    let cfg_b = run_config(info_b.as_ref(), "B", &mut warnings);
    let config = cfg_a.zip(cfg_b).map(|(ca, cb)| config_diff(&ca, &cb));

    let tags = tags_of(info_a.as_ref())
        .zip(tags_of(info_b.as_ref()))
        .map(|(ta, tb)| tag_diff(&ta, &tb));

    for (name, s) in [("A", a), ("B", b)] {
        if s.truncated {
            warnings.push(format!(
                "Run {name}'s export is truncated (it ends on a page with hasMore: true): its later events are missing."
            ));
        }
    }

    let (steps_only_in_a, steps_only_in_b, step_changes) = step_diff(&a.steps, &b.steps);

    let seq_a = run_a.map_or_else(Vec::new, |r| course(archive, r));
    let seq_b = run_b.map_or_else(Vec::new, |r| course(archive, r));
    let first_divergence = divergence(&seq_a, &seq_b);

    let err_a = run_a.map_or_else(Vec::new, |r| errors(archive, r));
    let err_b = run_b.map_or_else(Vec::new, |r| errors(archive, r));
    let (errors_only_in_a, errors_only_in_b) = error_diff(err_a, err_b);

    Ok(Comparison {
        duration_delta_ms: a.duration_ms.zip(b.duration_ms).map(|(x, y)| y - x),
        run_a: side_a,
        run_b: side_b,
        config,
        tags,
        steps_only_in_a,
        steps_only_in_b,
        step_changes,
        event_count_deltas: count_deltas(&a.events_by_type, &b.events_by_type),
        first_divergence,
        errors_only_in_a,
        errors_only_in_b,
        warnings,
    })
}

fn side(s: &RunStats, info: Option<&RunInfo>) -> ComparedRun {
    let job_name = s.job_name.clone().or_else(|| {
        info.and_then(|i| i.str("jobName").or(i.str("pipelineName")))
            .map(str::to_string)
    });
    ComparedRun {
        run_id: s.run_id.clone(),
        job_name,
        status: s.status,
        start_time: s.start_time,
        end_time: s.end_time,
        duration_ms: s.duration_ms,
        first_event_time: s.first_event_time,
        steps_succeeded: s.steps_succeeded,
        steps_failed: s.steps_failed,
        event_count: s.event_count,
        truncated: s.truncated,
        metadata_source: info.map(|i| i.source),
    }
}

/// The run's config as JSON, or `None` (with a warning) when the archive has none.
fn run_config(info: Option<&RunInfo>, name: &str, warnings: &mut Vec<String>) -> Option<Value> {
    let Some(yaml) = info.and_then(|i| i.str("runConfigYaml")) else {
        warnings.push(format!(
            "Run {name} has no run config in the archive (no run.json, runsOrError list or debug export for it): the run config difference is not available."
        ));
        return None;
    };
    match yaml_serde::from_str::<Value>(yaml) {
        Ok(v) => Some(v),
        Err(e) => {
            warnings.push(format!(
                "Run {name}'s runConfigYaml could not be read as YAML ({e}): the run config difference is not available."
            ));
            None
        }
    }
}

/// Tags of a run record; `None` for runs known only from their events.
fn tags_of(info: Option<&RunInfo>) -> Option<BTreeMap<String, String>> {
    let info = info.filter(|i| i.source != InfoSource::Events && i.fields.contains_key("tags"))?;
    Some(info.tags().into_iter().collect())
}

/// A path segment for a key: plain when it cannot be misread, else quoted.
fn segment(key: &str) -> String {
    let plain = !key.is_empty()
        && !key
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '"') || c.is_whitespace() || c.is_control());
    if plain {
        key.to_string()
    } else {
        format!("[{}]", Value::String(key.to_string()))
    }
}

/// Leaves of a JSON tree by dotted path. Empty maps and lists are leaves, so
/// `execution: {config: {}}` is not lost.
fn flatten(path: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let seg = segment(k);
                let p = if path.is_empty() || seg.starts_with('[') {
                    format!("{path}{seg}")
                } else {
                    format!("{path}.{seg}")
                };
                flatten(&p, v, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), v, out);
            }
        }
        // An empty YAML document.
        Value::Null if path.is_empty() => {}
        leaf => {
            out.insert(path.to_string(), leaf.clone());
        }
    }
}

pub(crate) fn config_diff(a: &Value, b: &Value) -> ConfigDiff {
    let (mut fa, mut fb) = (BTreeMap::new(), BTreeMap::new());
    flatten("", a, &mut fa);
    flatten("", b, &mut fb);
    let mut diff = ConfigDiff::default();
    for (path, va) in &fa {
        match fb.get(path) {
            None => diff.removed.push(ConfigEntry {
                path: path.clone(),
                value: va.clone(),
            }),
            Some(vb) if vb != va => diff.changed.push(ConfigChange {
                path: path.clone(),
                a: va.clone(),
                b: vb.clone(),
            }),
            Some(_) => {}
        }
    }
    for (path, vb) in fb {
        if !fa.contains_key(&path) {
            diff.added.push(ConfigEntry { path, value: vb });
        }
    }
    diff
}

fn tag_diff(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> TagDiff {
    let mut diff = TagDiff::default();
    for (key, va) in a {
        match b.get(key) {
            None => diff.removed.push(TagEntry {
                key: key.clone(),
                value: va.clone(),
            }),
            Some(vb) if vb != va => diff.changed.push(TagChange {
                key: key.clone(),
                a: va.clone(),
                b: vb.clone(),
            }),
            Some(_) => {}
        }
    }
    for (key, vb) in b {
        if !a.contains_key(key) {
            diff.added.push(TagEntry {
                key: key.clone(),
                value: vb.clone(),
            });
        }
    }
    diff
}

fn by_key(steps: &[StepStats]) -> HashMap<&str, &StepStats> {
    steps.iter().map(|s| (s.step_key.as_str(), s)).collect()
}

fn only(steps: &[StepStats], other: &HashMap<&str, &StepStats>) -> Vec<StepOnly> {
    steps
        .iter()
        .filter(|s| !other.contains_key(s.step_key.as_str()))
        .map(|s| StepOnly {
            step_key: s.step_key.clone(),
            status: s.status,
            duration_ms: s.duration_ms,
        })
        .collect()
}

fn step_diff(a: &[StepStats], b: &[StepStats]) -> (Vec<StepOnly>, Vec<StepOnly>, Vec<StepChange>) {
    let (ka, kb) = (by_key(a), by_key(b));
    let changes = a
        .iter()
        .filter_map(|sa| {
            let sb = kb.get(sa.step_key.as_str())?;
            let change = StepChange {
                step_key: sa.step_key.clone(),
                status_a: sa.status,
                status_b: sb.status,
                duration_ms_a: sa.duration_ms,
                duration_ms_b: sb.duration_ms,
                duration_delta_ms: sa.duration_ms.zip(sb.duration_ms).map(|(x, y)| y - x),
                attempts_a: sa.attempts.len(),
                attempts_b: sb.attempts.len(),
            };
            let differs = change.status_changed()
                || change.attempts_changed()
                || change.duration_ms_a.is_some() != change.duration_ms_b.is_some()
                || change.duration_delta_ms.is_some_and(|d| d != 0);
            differs.then_some(change)
        })
        .collect();
    (only(a, &kb), only(b, &ka), changes)
}

fn count_deltas(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Vec<CountDelta> {
    let types: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    types
        .into_iter()
        .filter_map(|t| {
            let (na, nb) = (
                a.get(t).copied().unwrap_or(0),
                b.get(t).copied().unwrap_or(0),
            );
            (na != nb).then(|| CountDelta {
                event_type: t.clone(),
                a: na,
                b: nb,
                delta: nb as i64 - na as i64,
            })
        })
        .collect()
}

/// A run's step lifecycle and run events, in order.
fn course<'a>(archive: &'a Archive, run: &Run) -> Vec<EventView<'a>> {
    run.events
        .iter()
        .map(|&r| archive.event(r))
        .filter(|ev| {
            ev.event_type
                .is_some_and(|t| STEP_LIFECYCLE.contains(&t) || RUN_EVENTS.contains(&t))
        })
        .collect()
}

fn divergence(a: &[EventView<'_>], b: &[EventView<'_>]) -> Option<Divergence> {
    let same = |x: &EventView<'_>, y: &EventView<'_>| {
        x.event_type == y.event_type && x.step_key == y.step_key
    };
    let index = a
        .iter()
        .zip(b)
        .position(|(x, y)| !same(x, y))
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))?;
    Some(Divergence {
        index,
        a: a.get(index).map(EventSummary::with_error),
        b: b.get(index).map(EventSummary::with_error),
    })
}

/// The class and first message line of the exception inside Dagster's
/// wrappers, as `diagnose` reads it.
fn root_of(error: &ErrorInfo) -> Option<(Option<String>, String)> {
    let root = root_error(error);
    let first = root
        .message
        .lines()
        .next()
        .unwrap_or("")
        .trim_end()
        .to_string();
    Some((root.class_name, first))
}

/// A run's errors, each once, in the order they first appear.
pub(crate) fn errors(archive: &Archive, run: &Run) -> Vec<ErrorSignature> {
    let mut out: Vec<ErrorSignature> = Vec::new();
    let mut seen: HashMap<(Option<String>, Option<String>, String), usize> = HashMap::new();
    for &r in &run.events {
        let ev = archive.event(r);
        let Some(event_type) = ev.event_type.filter(|t| ERROR_EVENTS.contains(t)) else {
            continue;
        };
        let (class_name, message) = ev.error.and_then(root_of).unwrap_or_else(|| {
            (
                None,
                ev.message
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_end()
                    .to_string(),
            )
        });
        let message = message.replace(run.run_id.as_str(), RUN_ID_PLACEHOLDER);
        let key = (ev.step_key.map(str::to_string), class_name, message);
        match seen.get(&key) {
            Some(&i) => out[i].count += 1,
            None => {
                seen.insert(key.clone(), out.len());
                let (step_key, class_name, message) = key;
                out.push(ErrorSignature {
                    step_key,
                    class_name,
                    message,
                    event_type: event_type.to_string(),
                    timestamp: seconds(ev.timestamp_ms),
                    count: 1,
                });
            }
        }
    }
    out
}

type Identity<'a> = (Option<&'a str>, Option<&'a str>, &'a str);

fn identity(e: &ErrorSignature) -> Identity<'_> {
    (
        e.step_key.as_deref(),
        e.class_name.as_deref(),
        e.message.as_str(),
    )
}

fn error_diff(
    a: Vec<ErrorSignature>,
    b: Vec<ErrorSignature>,
) -> (Vec<ErrorSignature>, Vec<ErrorSignature>) {
    let ia: HashSet<Identity<'_>> = a.iter().map(identity).collect();
    let ib: HashSet<Identity<'_>> = b.iter().map(identity).collect();
    let only_a = a
        .iter()
        .filter(|e| !ib.contains(&identity(e)))
        .cloned()
        .collect();
    let only_b = b
        .iter()
        .filter(|e| !ia.contains(&identity(e)))
        .cloned()
        .collect();
    (only_a, only_b)
}

#[cfg(test)]
mod tests {
    use daglog_ingest::ErrorLink;
    use serde_json::json;

    use super::*;

    #[test]
    fn config_paths_are_dotted_and_unambiguous() {
        let a = json!({
            "ops": {"x": {"config": {"n": 1, "list": [1, 2], "same": true}}},
            "execution": {"config": {}},
            "resources": {"a.b": {"config": {"k": "v"}}},
        });
        let b = json!({
            "ops": {"x": {"config": {"n": 2, "list": [1], "same": true, "new": null}}},
            "resources": {"a.b": {"config": {"k": "w"}}},
        });
        let d = config_diff(&a, &b);
        assert_eq!(
            d.added,
            vec![ConfigEntry {
                path: "ops.x.config.new".into(),
                value: Value::Null
            }]
        );
        let removed: Vec<&str> = d.removed.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(removed, ["execution.config", "ops.x.config.list[1]"]);
        let changed: Vec<(&str, &Value, &Value)> = d
            .changed
            .iter()
            .map(|c| (c.path.as_str(), &c.a, &c.b))
            .collect();
        assert_eq!(
            changed,
            [
                ("ops.x.config.n", &json!(1), &json!(2)),
                ("resources[\"a.b\"].config.k", &json!("v"), &json!("w")),
            ]
        );
        assert!(config_diff(&Value::Null, &json!({})).added.len() == 1);
        assert!(config_diff(&a, &a).is_empty());
    }

    #[test]
    fn yaml_types_survive() {
        let v: Value =
            yaml_serde::from_str("a:\n  n: 500\n  f: 1.5\n  s: '500'\n  b: false\n  z: ~\n")
                .unwrap();
        assert_eq!(
            v,
            json!({"a": {"n": 500, "f": 1.5, "s": "500", "b": false, "z": null}})
        );
        let empty: Value = yaml_serde::from_str("").unwrap();
        assert_eq!(empty, Value::Null);
    }

    #[test]
    fn wrappers_are_looked_through() {
        let link = |c: &str, m: &str| ErrorLink {
            class_name: Some(c.to_string()),
            message: m.to_string(),
        };
        let info = ErrorInfo {
            chain: vec![
                link(
                    "DagsterExecutionStepExecutionError",
                    "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op \"b\":",
                ),
                link(
                    "ZeroDivisionError",
                    "ZeroDivisionError: division by zero\nmore",
                ),
            ],
            stack: vec![],
            cause_stack: vec![],
            error_source: None,
        };
        assert_eq!(
            root_of(&info),
            Some((
                Some("ZeroDivisionError".to_string()),
                "division by zero".to_string()
            ))
        );
        let only_wrapper = ErrorInfo {
            chain: vec![link(
                "RetryRequested",
                "dagster._core.definitions.events.RetryRequested",
            )],
            stack: vec![],
            cause_stack: vec![],
            error_source: None,
        };
        assert_eq!(
            root_of(&only_wrapper),
            Some((Some("RetryRequested".to_string()), String::new()))
        );
    }
}
