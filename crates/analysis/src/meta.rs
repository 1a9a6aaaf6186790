//! Run metadata for `info` and `runs`: Dagster's own record when the archive
//! has one (`run.json`, a `runsOrError` list, a debug bundle), else what the
//! events say.

use std::collections::HashMap;

use daglog_ingest::{Archive, MetaOrigin, RunMeta};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::RunStats;

/// Where a run's metadata came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InfoSource {
    /// A `runOrError` response.
    #[serde(rename = "run.json")]
    RunJson,
    /// A `runsOrError` list entry.
    #[serde(rename = "runsOrError")]
    RunsList,
    /// The `pipeline_run` of a `dagster debug export` bundle.
    #[serde(rename = "debug export")]
    DebugBundle,
    /// A row of the `runs` table of Dagster's storage.
    #[serde(rename = "storage")]
    Storage,
    /// Derived from the events alone.
    #[serde(rename = "events")]
    Events,
}

impl InfoSource {
    /// How the source is named in output.
    pub fn as_str(self) -> &'static str {
        match self {
            InfoSource::RunJson => "run.json",
            InfoSource::RunsList => "runsOrError",
            InfoSource::DebugBundle => "debug export",
            InfoSource::Storage => "storage",
            InfoSource::Events => "events",
        }
    }
}

/// One run's metadata as Dagster's GraphQL `Run` object (`runId`, `status`,
/// `jobName`, `startTime`, `endTime`, `runConfigYaml`, `tags`, `stats`…),
/// plus where it came from and, when events exist, daglog's own figures.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// Dagster's fields, at the top level so `jq '.runConfigYaml'` works.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
    /// Where `fields` came from.
    pub source: InfoSource,
    /// The run status daglog derives from the events, when it has events;
    /// it can differ from Dagster's record when the two were exported apart.
    #[serde(rename = "eventStatus", skip_serializing_if = "Option::is_none")]
    pub event_status: Option<String>,
    /// How many of the run's events the archive holds, each counted once
    /// (0 for a run known only from its record).
    #[serde(rename = "eventCount")]
    pub event_count: u64,
}

impl RunInfo {
    /// A string field.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }

    /// A float field (times).
    pub fn f64(&self, key: &str) -> Option<f64> {
        self.fields.get(key).and_then(Value::as_f64)
    }

    /// `tags` as (key, value) pairs.
    pub fn tags(&self) -> Vec<(String, String)> {
        tags_of(self.fields.get("tags"))
    }
}

/// Tags as pairs, from GraphQL's `[{key, value}]` or a debug bundle's `{key: value}`.
pub fn tags_of(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|t| {
                Some((
                    t.get("key")?.as_str()?.to_string(),
                    t.get("value")?.as_str().unwrap_or("").to_string(),
                ))
            })
            .collect(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Dagster's `dagster/failure_reason` tag of a run record.
pub(crate) fn failure_reason(m: &RunMeta) -> Option<String> {
    tags_of(m.raw.get("tags"))
        .into_iter()
        .find(|(k, _)| k == "dagster/failure_reason")
        .map(|(_, v)| v)
}

fn rank(m: &RunMeta) -> (u8, f64) {
    let complete = match m.origin {
        MetaOrigin::RunOrError => 3,
        MetaOrigin::DebugBundle | MetaOrigin::Storage => 2,
        MetaOrigin::RunsList => 1,
    };
    let updated = ["updateTime", "endTime", "startTime"]
        .iter()
        .find_map(|k| m.raw.get(*k).and_then(Value::as_f64))
        .unwrap_or(0.0);
    // The latest record first, then the most complete one.
    (complete, updated)
}

/// The best metadata record of a run: the most recently updated, and of
/// those the most complete.
pub fn best_meta<'a>(archive: &'a Archive, run_id: &str) -> Option<&'a RunMeta> {
    archive
        .metadata
        .iter()
        .filter(|m| m.run_id == run_id)
        .max_by(|a, b| better(a, b))
}

fn better(a: &RunMeta, b: &RunMeta) -> std::cmp::Ordering {
    let (ca, ua) = rank(a);
    let (cb, ub) = rank(b);
    ua.total_cmp(&ub).then(ca.cmp(&cb))
}

/// [`best_meta`] of every run at once: one pass, not one per run.
pub(crate) fn best_meta_by_run(archive: &Archive) -> HashMap<&str, &RunMeta> {
    let mut best: HashMap<&str, &RunMeta> = HashMap::new();
    for m in &archive.metadata {
        best.entry(m.run_id.as_str())
            .and_modify(|b| {
                if better(m, b).is_ge() {
                    *b = m;
                }
            })
            .or_insert(m);
    }
    best
}

/// What makes two runs of a job the same run again: their run config (read
/// from its YAML, so layout does not count) and partition. Runs whose record
/// the archive lacks have none: nothing says they were run alike.
pub(crate) fn run_identities(archive: &Archive) -> HashMap<&str, String> {
    best_meta_by_run(archive)
        .into_iter()
        .filter_map(|(id, m)| {
            let info = info_from(Some(m), None)?;
            let config = info.str("runConfigYaml")?;
            let config: Value = yaml_serde::from_str(config).ok()?;
            let partition = info
                .tags()
                .into_iter()
                .find(|(k, _)| k == "dagster/partition")
                .map(|(_, v)| v);
            Some((id, json!([config, partition]).to_string()))
        })
        .collect()
}

/// Dagster's fields from a debug bundle's `pipeline_run` (serdes names).
fn from_bundle(raw: &Value) -> Map<String, Value> {
    let s = |k: &str| raw.get(k).cloned().unwrap_or(Value::Null);
    let status = raw
        .get("status")
        .and_then(|v| v.get("__enum__"))
        .and_then(Value::as_str)
        .map(|e| e.rsplit('.').next().unwrap_or(e).to_string());
    // GraphQL leaves out Dagster's hidden tags (`.dagster/grpc_info`…).
    let tags: Vec<Value> = tags_of(raw.get("tags"))
        .into_iter()
        .filter(|(k, _)| !k.starts_with(".dagster/"))
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    let mut m = Map::new();
    m.insert("runId".into(), s("run_id"));
    m.insert(
        "jobName".into(),
        raw.get("job_name")
            .or(raw.get("pipeline_name"))
            .cloned()
            .unwrap_or(Value::Null),
    );
    m.insert("status".into(), status.map_or(Value::Null, Value::String));
    // Block YAML with sorted keys, as GraphQL's runConfigYaml has it (JSON,
    // which is YAML too, if a value cannot be written so).
    m.insert(
        "runConfigYaml".into(),
        raw.get("run_config").map_or(Value::Null, |c| {
            Value::String(yaml_serde::to_string(c).unwrap_or_else(|_| format!("{c}\n")))
        }),
    );
    m.insert("tags".into(), Value::Array(tags));
    m.insert("rootRunId".into(), s("root_run_id"));
    m.insert("parentRunId".into(), s("parent_run_id"));
    if let Some(v) = raw.get("dagsterVersion") {
        m.insert("dagsterVersion".into(), v.clone());
    }
    m
}

/// Dagster's fields from a storage `runs` row: the serdes `run_body` as in a
/// debug bundle, with the status column and the times the table keeps.
fn from_storage(m: &RunMeta) -> Map<String, Value> {
    let mut fields = from_bundle(&m.raw);
    if let Some(status) = &m.status {
        fields.insert("status".into(), status.clone().into());
    }
    for key in ["creationTime", "updateTime", "startTime", "endTime"] {
        fields.insert(key.into(), m.raw.get(key).cloned().unwrap_or(Value::Null));
    }
    fields
}

/// Dagster-shaped fields derived from daglog's figures.
fn from_stats(stats: &RunStats) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("runId".into(), stats.run_id.clone().into());
    m.insert("jobName".into(), stats.job_name.clone().into());
    m.insert("status".into(), stats.status.as_str().into());
    m.insert("startTime".into(), stats.start_time.into());
    m.insert("endTime".into(), stats.end_time.into());
    m.insert("runConfigYaml".into(), Value::Null);
    m.insert("tags".into(), Value::Array(Vec::new()));
    m.insert(
        "stats".into(),
        json!({
            "stepsSucceeded": stats.steps_succeeded,
            "stepsFailed": stats.steps_failed,
            "materializations": stats.materializations,
            "expectations": stats.expectations,
            "enqueuedTime": stats.enqueued_time,
            "launchTime": stats.launch_time,
            "startTime": stats.start_time,
            "endTime": stats.end_time,
        }),
    );
    m
}

/// A run's metadata: Dagster's record when the archive has one, else derived
/// from `stats` (which must then be given).
pub fn run_info(archive: &Archive, run_id: &str, stats: Option<&RunStats>) -> Option<RunInfo> {
    info_from(best_meta(archive, run_id), stats)
}

/// A run's info from its best metadata record, else from `stats`.
fn info_from(meta: Option<&RunMeta>, stats: Option<&RunStats>) -> Option<RunInfo> {
    let event_status = stats.map(|s| s.status.as_str().to_string());
    let event_count = stats.map_or(0, |s| s.event_count);
    match meta {
        Some(m) => {
            let (fields, source) = match m.origin {
                MetaOrigin::RunOrError => (
                    m.raw.as_object().cloned().unwrap_or_default(),
                    InfoSource::RunJson,
                ),
                MetaOrigin::RunsList => (
                    m.raw.as_object().cloned().unwrap_or_default(),
                    InfoSource::RunsList,
                ),
                MetaOrigin::DebugBundle => (from_bundle(&m.raw), InfoSource::DebugBundle),
                MetaOrigin::Storage => (from_storage(m), InfoSource::Storage),
            };
            Some(RunInfo {
                fields,
                source,
                event_status,
                event_count,
            })
        }
        None => stats.map(|s| RunInfo {
            fields: from_stats(s),
            source: InfoSource::Events,
            event_status,
            event_count,
        }),
    }
}

/// Every run of the archive, with events or only metadata, newest first
/// (by start time, else creation time, else first event).
pub fn run_list(archive: &Archive, stats: &[RunStats]) -> Vec<RunInfo> {
    let best = best_meta_by_run(archive);
    let mut out: Vec<(f64, RunInfo)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let sort_time = |info: &RunInfo, stats: Option<&RunStats>| {
        info.f64("startTime")
            .or_else(|| info.f64("creationTime"))
            .or(stats.map(|s| s.first_event_time))
            .unwrap_or(0.0)
    };
    for s in stats {
        if let Some(info) = info_from(best.get(s.run_id.as_str()).copied(), Some(s)) {
            seen.insert(s.run_id.as_str());
            out.push((sort_time(&info, Some(s)), info));
        }
    }
    for m in &archive.metadata {
        if seen.insert(m.run_id.as_str())
            && let Some(info) = info_from(best.get(m.run_id.as_str()).copied(), None)
        {
            out.push((sort_time(&info, None), info));
        }
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out.into_iter().map(|(_, info)| info).collect()
}
