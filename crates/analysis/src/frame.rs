//! Events of the selected runs as one polars frame, one row per event.
//!
//! Only the columns the figures read are built, so memory follows the number
//! of events, not the bytes of the archive. Rows are in each run's time
//! order; `seq` is the position in it.

use std::collections::HashMap;

use daglog_ingest::schema::KNOWN_EVENT_TYPES;
use daglog_ingest::{Archive, Run};
use polars::prelude::*;

/// Column names, shared by the queries.
pub(crate) mod c {
    pub(crate) const RUN: &str = "run";
    pub(crate) const SEQ: &str = "seq";
    pub(crate) const TS: &str = "ts";
    pub(crate) const TYPE: &str = "type";
    pub(crate) const STEP: &str = "step";
    pub(crate) const LEVEL: &str = "level";
    pub(crate) const MARKER_START: &str = "marker_start";
    pub(crate) const MARKER_END: &str = "marker_end";
    pub(crate) const UPSTREAM: &str = "upstream";
    pub(crate) const OUTPUT: &str = "output";
    pub(crate) const JOB: &str = "job";
    /// Of step events: the step's attempt the event belongs to (0 first).
    pub(crate) const ATTEMPT: &str = "attempt";
}

/// Events that end a step.
pub(crate) const STEP_END: &[&str] = &["STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"];
/// Step events that start, retry or end a step.
pub(crate) const STEP_LIFECYCLE: &[&str] = &[
    "STEP_START",
    "STEP_RESTARTED",
    "STEP_UP_FOR_RETRY",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "STEP_SKIPPED",
];

/// What one pass over a step's events (in time order) gives.
#[derive(Debug, Clone, Default)]
pub(crate) struct StepPass {
    pub(crate) first_ms: Option<i64>,
    pub(crate) last_ms: Option<i64>,
    /// The first STEP_START.
    pub(crate) start_ms: Option<i64>,
    /// The last event that ends the step.
    pub(crate) end_ms: Option<i64>,
    /// The last lifecycle event's type.
    pub(crate) lifecycle: Option<&'static str>,
    /// Dagster said it would not execute the step.
    pub(crate) not_executing: bool,
    /// Time spent waiting to retry: each STEP_UP_FOR_RETRY to the step's next event.
    pub(crate) retry_wait_ms: i64,
    attempts_closed: u32,
    retry_since: Option<i64>,
}

impl StepPass {
    /// Takes in the step's next event; returns the attempt it belongs to
    /// (events up to and including the one that closes attempt k belong to k).
    fn event(&mut self, ts: i64, event_type: Option<&str>, not_executing: bool) -> u32 {
        self.first_ms = Some(self.first_ms.map_or(ts, |f| f.min(ts)));
        self.last_ms = Some(self.last_ms.map_or(ts, |l| l.max(ts)));
        self.not_executing |= not_executing;
        if let Some(since) = self.retry_since.take() {
            self.retry_wait_ms += ts - since;
        }
        let attempt = self.attempts_closed;
        let Some(t) = event_type else {
            return attempt;
        };
        if t == "STEP_START" && self.start_ms.is_none() {
            self.start_ms = Some(ts);
        }
        if STEP_END.contains(&t) {
            self.end_ms = Some(ts);
        }
        if let Some(l) = STEP_LIFECYCLE.iter().find(|l| **l == t) {
            self.lifecycle = Some(l);
        }
        if ATTEMPT_END.contains(&t) {
            self.attempts_closed += 1;
            if t == "STEP_UP_FOR_RETRY" {
                self.retry_since = Some(ts);
            }
        }
        attempt
    }
}

/// Events that close an attempt. Dagster records an attempt when one of
/// these arrives (a skipped step has one attempt of zero length).
pub(crate) const ATTEMPT_END: &[&str] = &[
    "STEP_UP_FOR_RETRY",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "STEP_SKIPPED",
];

/// Dagster's log line for a step it will not run because an upstream step
/// failed or did not run: "Dependencies for step X failed: [...]. Not executing."
fn is_not_executing_notice(event_type: Option<&str>, message: &str) -> bool {
    event_type.is_none()
        && message.starts_with("Dependencies for step ")
        && message.trim_end().ends_with("Not executing.")
}

/// The event frame and the dictionary of its `step` column.
pub(crate) struct Frame {
    pub(crate) df: DataFrame,
    /// (run, step key) of each step id: grouping by a number is much faster
    /// than by (run, string) over millions of rows.
    pub(crate) steps: Vec<(u32, String)>,
    /// Event type of each `type` code: Dagster's known types first, in
    /// [`KNOWN_EVENT_TYPES`] order, so queries compare numbers, not strings.
    pub(crate) type_names: Vec<String>,
    /// Level name of each `level` code.
    pub(crate) level_names: Vec<&'static str>,
    /// Per step id: what one pass over its events gives.
    pub(crate) step_pass: Vec<StepPass>,
}

/// The `type` code of a known event type (`u32::MAX`, matching nothing, otherwise).
pub(crate) fn type_code(t: &str) -> u32 {
    KNOWN_EVENT_TYPES
        .iter()
        .position(|k| *k == t)
        .map_or(u32::MAX, |i| i as u32)
}

pub(crate) fn build(archive: &Archive, runs: &[&Run]) -> PolarsResult<Frame> {
    let n: usize = runs.iter().map(|r| r.events.len()).sum();
    let mut run = Vec::with_capacity(n);
    let mut seq = Vec::with_capacity(n);
    let mut ts = Vec::with_capacity(n);
    let mut event_type = Vec::with_capacity(n);
    let mut step = Vec::with_capacity(n);
    let mut level = Vec::with_capacity(n);
    let mut marker_start = Vec::with_capacity(n);
    let mut marker_end = Vec::with_capacity(n);
    let mut upstream = Vec::with_capacity(n);
    let mut output = Vec::with_capacity(n);
    let mut job = Vec::with_capacity(n);
    let mut attempt = Vec::with_capacity(n);
    let mut steps: Vec<(u32, String)> = Vec::new();
    // Per step id, as the run's events go by in time order: one pass does
    // what window functions and group-bys over the step would.
    let mut step_pass: Vec<StepPass> = Vec::new();
    let mut type_names: Vec<String> = KNOWN_EVENT_TYPES.iter().map(|t| t.to_string()).collect();
    let mut type_codes: HashMap<String, u32> = type_names
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();
    let mut level_names: Vec<&'static str> = Vec::new();
    for (ri, r) in runs.iter().enumerate() {
        // Step ids of this run; runs have tens to hundreds of steps.
        let mut ids: HashMap<&str, u32> = HashMap::new();
        for (i, &e) in r.events.iter().enumerate() {
            let ev = archive.event(e);
            let d = ev.detail;
            run.push(ri as u32);
            seq.push(i as u32);
            ts.push(ev.timestamp_ms);
            event_type.push(ev.event_type.map(|t| match type_codes.get(t) {
                Some(&code) => code,
                None => {
                    // A type newer than this build: kept, counted, named.
                    type_names.push(t.to_string());
                    let code = (type_names.len() - 1) as u32;
                    type_codes.insert(t.to_string(), code);
                    code
                }
            }));
            let step_id = ev.step_key.map(|k| {
                *ids.entry(k).or_insert_with(|| {
                    steps.push((ri as u32, k.to_string()));
                    step_pass.push(StepPass::default());
                    (steps.len() - 1) as u32
                })
            });
            step.push(step_id);
            let notice = is_not_executing_notice(ev.event_type, ev.message);
            attempt.push(
                step_id
                    .map(|s| step_pass[s as usize].event(ev.timestamp_ms, ev.event_type, notice)),
            );
            let name = ev.level.as_str();
            level.push(match level_names.iter().position(|l| *l == name) {
                Some(i) => i as u32,
                None => {
                    level_names.push(name);
                    (level_names.len() - 1) as u32
                }
            });
            marker_start.push(d.and_then(|d| d.marker_start));
            marker_end.push(d.and_then(|d| d.marker_end));
            upstream.push(d.and_then(|d| d.upstream_step_key));
            output.push(d.and_then(|d| d.output_name));
            job.push(d.and_then(|d| d.pipeline_name));
        }
    }
    let df = DataFrame::new(
        n,
        vec![
            Column::new(c::RUN.into(), run),
            Column::new(c::SEQ.into(), seq),
            Column::new(c::TS.into(), ts),
            Column::new(c::TYPE.into(), event_type),
            Column::new(c::STEP.into(), step),
            Column::new(c::LEVEL.into(), level),
            Column::new(c::MARKER_START.into(), marker_start),
            Column::new(c::MARKER_END.into(), marker_end),
            Column::new(c::UPSTREAM.into(), upstream),
            Column::new(c::OUTPUT.into(), output),
            Column::new(c::JOB.into(), job),
            Column::new(c::ATTEMPT.into(), attempt),
        ],
    )?;
    Ok(Frame {
        df,
        steps,
        type_names,
        level_names,
        step_pass,
    })
}

/// `type == t`.
pub(crate) fn is(t: &str) -> Expr {
    col(c::TYPE).eq(lit(type_code(t)))
}

/// `type` is one of `types`.
pub(crate) fn is_any(types: &[&str]) -> Expr {
    types
        .iter()
        .map(|t| is(t))
        .reduce(Expr::or)
        .unwrap_or_else(|| lit(false))
}

/// Reads a frame's columns back into Rust values by name.
pub(crate) struct Rows<'a> {
    df: &'a DataFrame,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(df: &'a DataFrame) -> Self {
        Rows { df }
    }

    pub(crate) fn len(&self) -> usize {
        self.df.height()
    }

    pub(crate) fn u32(&self, name: &str) -> PolarsResult<Vec<u32>> {
        let s = self.df.column(name)?.cast(&DataType::UInt32)?;
        Ok(s.u32()?.iter().map(|v| v.unwrap_or(0)).collect())
    }

    pub(crate) fn u64(&self, name: &str) -> PolarsResult<Vec<u64>> {
        let s = self.df.column(name)?.cast(&DataType::UInt64)?;
        Ok(s.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
    }

    pub(crate) fn opt_i64(&self, name: &str) -> PolarsResult<Vec<Option<i64>>> {
        let s = self.df.column(name)?.cast(&DataType::Int64)?;
        Ok(s.i64()?.iter().collect())
    }

    pub(crate) fn opt_u32(&self, name: &str) -> PolarsResult<Vec<Option<u32>>> {
        let s = self.df.column(name)?.cast(&DataType::UInt32)?;
        Ok(s.u32()?.iter().collect())
    }

    pub(crate) fn opt_str(&self, name: &str) -> PolarsResult<Vec<Option<String>>> {
        let s = self.df.column(name)?;
        Ok(s.str()?.iter().map(|v| v.map(str::to_string)).collect())
    }
}
