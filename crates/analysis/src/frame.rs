//! Events of the selected runs as one polars frame, one row per event, built
//! in one pass over each run's events in time order.
//!
//! The frame holds what run-level queries group and sort (counts by type and
//! level, first and last times, silences); `seq` is an event's position in
//! its run. What belongs to one step (attempts, markers, phases, inputs and
//! outputs) is gathered per step during the same pass: the order is already
//! there, so no window function or group-by over millions of rows is needed.

use std::collections::HashMap;

use daglog_ingest::schema::KNOWN_EVENT_TYPES;
use daglog_ingest::{Archive, EventDetail, Run};
use polars::prelude::*;

/// Column names, shared by the queries.
pub(crate) mod c {
    pub(crate) const RUN: &str = "run";
    pub(crate) const SEQ: &str = "seq";
    pub(crate) const TS: &str = "ts";
    pub(crate) const TYPE: &str = "type";
    pub(crate) const LEVEL: &str = "level";
    /// Time since the run's previous event (null for its first).
    pub(crate) const GAP: &str = "gap";
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

/// What one pass over a step's events (in time order) gives: the step's
/// figures without a window function or group-by over millions of rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct StepPass {
    /// The run's index among the frame's runs.
    pub(crate) run: u32,
    pub(crate) step_key: String,
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
    /// Attempt k holds the events up to and including the one that closes it.
    pub(crate) attempts: Vec<AttemptPass>,
    /// Marker keys in order of first appearance.
    pub(crate) markers: Vec<MarkerPass>,
    /// (attempt, output name, first STEP_OUTPUT, last HANDLED_OUTPUT).
    outputs: Vec<(usize, String, Option<i64>, Option<i64>)>,
    /// Upstream steps of its inputs, in order of first appearance.
    pub(crate) upstream: Vec<String>,
    retry_since: Option<i64>,
}

/// One attempt of a step.
#[derive(Debug, Clone, Default)]
pub(crate) struct AttemptPass {
    /// The last STEP_START or STEP_RESTARTED.
    pub(crate) start_ms: Option<i64>,
    /// The event that closed it.
    pub(crate) end_ms: Option<i64>,
    /// The last LOADED_INPUT or STEP_INPUT.
    pub(crate) inputs_loaded_ms: Option<i64>,
}

/// One marker key of a step (`step_process_start`, `resources`…).
#[derive(Debug, Clone, Default)]
pub(crate) struct MarkerPass {
    pub(crate) key: String,
    /// The last start and the last end, as Dagster keeps them.
    pub(crate) start_ms: Option<i64>,
    pub(crate) end_ms: Option<i64>,
    /// Each start with the last end before the next start.
    span: (Option<i64>, Option<i64>),
    closed_spans_ms: i64,
}

impl MarkerPass {
    fn close_span(&mut self) {
        if let (Some(s), Some(e)) = self.span {
            self.closed_spans_ms += e - s;
        }
        self.span = (None, None);
    }

    /// Time inside the key's spans (each start paired with the end after it).
    pub(crate) fn spans_ms(&self) -> i64 {
        let open = match self.span {
            (Some(s), Some(e)) => e - s,
            _ => 0,
        };
        (self.closed_spans_ms + open).max(0)
    }
}

impl StepPass {
    /// Takes in the step's next event.
    fn event(
        &mut self,
        ts: i64,
        event_type: Option<&str>,
        not_executing: bool,
        detail: Option<EventDetail<'_>>,
    ) {
        self.first_ms = Some(self.first_ms.map_or(ts, |f| f.min(ts)));
        self.last_ms = Some(self.last_ms.map_or(ts, |l| l.max(ts)));
        self.not_executing |= not_executing;
        if let Some(since) = self.retry_since.take() {
            self.retry_wait_ms += ts - since;
        }
        if self.attempts.is_empty() {
            self.attempts.push(AttemptPass::default());
        }
        let attempt = self.attempts.len() - 1;
        if let Some(d) = detail {
            self.detail(ts, event_type, attempt, d);
        }
        let Some(t) = event_type else {
            return;
        };
        let a = &mut self.attempts[attempt];
        match t {
            "STEP_START" | "STEP_RESTARTED" => {
                a.start_ms = Some(ts);
                if t == "STEP_START" && self.start_ms.is_none() {
                    self.start_ms = Some(ts);
                }
            }
            "LOADED_INPUT" | "STEP_INPUT" => a.inputs_loaded_ms = Some(ts),
            _ => {}
        }
        if STEP_END.contains(&t) {
            self.end_ms = Some(ts);
        }
        if let Some(l) = STEP_LIFECYCLE.iter().find(|l| **l == t) {
            self.lifecycle = Some(l);
        }
        if ATTEMPT_END.contains(&t) {
            self.attempts[attempt].end_ms = Some(ts);
            // The next event opens the next attempt.
            self.attempts.push(AttemptPass::default());
            if t == "STEP_UP_FOR_RETRY" {
                self.retry_since = Some(ts);
            }
        }
    }

    fn detail(&mut self, ts: i64, event_type: Option<&str>, attempt: usize, d: EventDetail<'_>) {
        if let Some(key) = d.marker_start.or(d.marker_end) {
            let m = match self.markers.iter().position(|m| m.key == key) {
                Some(i) => &mut self.markers[i],
                None => {
                    self.markers.push(MarkerPass {
                        key: key.to_string(),
                        ..MarkerPass::default()
                    });
                    self.markers.last_mut().expect("just pushed")
                }
            };
            if d.marker_start.is_some() {
                m.start_ms = Some(ts);
                m.close_span();
                m.span.0 = Some(ts);
            }
            if d.marker_end.is_some() {
                m.end_ms = Some(ts);
                m.span.1 = Some(ts);
            }
        }
        if let Some(name) = d.output_name {
            let at = match self
                .outputs
                .iter()
                .position(|(a, o, _, _)| *a == attempt && o == name)
            {
                Some(i) => i,
                None => {
                    self.outputs.push((attempt, name.to_string(), None, None));
                    self.outputs.len() - 1
                }
            };
            let o = &mut self.outputs[at];
            match event_type {
                Some("STEP_OUTPUT") if o.2.is_none() => o.2 = Some(ts),
                Some("HANDLED_OUTPUT") => o.3 = Some(ts),
                _ => {}
            }
        }
        if let Some(u) = d.upstream_step_key
            && !self.upstream.iter().any(|x| x == u)
        {
            self.upstream.push(u.to_string());
        }
    }

    /// Each output's STEP_OUTPUT → HANDLED_OUTPUT, per attempt, summed.
    pub(crate) fn output_handling_ms(&self) -> i64 {
        self.outputs
            .iter()
            .filter_map(|(_, _, y, h)| Some(h.as_ref()? - y.as_ref()?))
            .sum::<i64>()
            .max(0)
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

/// The event frame, and what the pass that built it gathered per step and run.
pub(crate) struct Frame {
    pub(crate) df: DataFrame,
    /// Event type of each `type` code: Dagster's known types first, in
    /// [`KNOWN_EVENT_TYPES`] order, so queries compare numbers, not strings.
    pub(crate) type_names: Vec<String>,
    /// Level name of each `level` code.
    pub(crate) level_names: Vec<&'static str>,
    /// Per step id: what one pass over its events gives.
    pub(crate) step_pass: Vec<StepPass>,
    /// Per run: the job name of its first event that has one.
    pub(crate) job_of_run: Vec<Option<String>>,
    /// Per run: the largest silence between consecutive events (0 for a
    /// run of one event).
    pub(crate) largest_gap_ms: Vec<i64>,
}

pub(crate) fn build(archive: &Archive, runs: &[&Run]) -> PolarsResult<Frame> {
    let n: usize = runs.iter().map(|r| r.events.len()).sum();
    let mut run = Vec::with_capacity(n);
    let mut seq = Vec::with_capacity(n);
    let mut ts = Vec::with_capacity(n);
    let mut event_type = Vec::with_capacity(n);
    let mut level = Vec::with_capacity(n);
    let mut gap = Vec::with_capacity(n);
    let mut largest_gap_ms = vec![0; runs.len()];
    let mut job_of_run: Vec<Option<String>> = vec![None; runs.len()];
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
        let mut previous: Option<i64> = None;
        for (i, &e) in r.events.iter().enumerate() {
            let ev = archive.event(e);
            run.push(ri as u32);
            seq.push(i as u32);
            ts.push(ev.timestamp_ms);
            let since = previous.map(|p| ev.timestamp_ms - p);
            gap.push(since);
            largest_gap_ms[ri] = largest_gap_ms[ri].max(since.unwrap_or(0));
            previous = Some(ev.timestamp_ms);
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
            // `*_PLANNED` events name a step before the run starts: they
            // open no step, start no critical path, keep no step in progress.
            let planned = ev.event_type.is_some_and(|t| t.ends_with("_PLANNED"));
            let step_id = ev.step_key.filter(|_| !planned).map(|k| {
                *ids.entry(k).or_insert_with(|| {
                    step_pass.push(StepPass {
                        run: ri as u32,
                        step_key: k.to_string(),
                        ..StepPass::default()
                    });
                    (step_pass.len() - 1) as u32
                })
            });
            if let Some(s) = step_id {
                let notice = is_not_executing_notice(ev.event_type, ev.message);
                step_pass[s as usize].event(ev.timestamp_ms, ev.event_type, notice, ev.detail);
            }
            if job_of_run[ri].is_none() {
                job_of_run[ri] = ev.detail.and_then(|d| d.pipeline_name).map(str::to_string);
            }
            let name = ev.level.as_str();
            level.push(match level_names.iter().position(|l| *l == name) {
                Some(i) => i as u32,
                None => {
                    level_names.push(name);
                    (level_names.len() - 1) as u32
                }
            });
        }
    }
    let df = DataFrame::new(
        n,
        vec![
            Column::new(c::RUN.into(), run),
            Column::new(c::SEQ.into(), seq),
            Column::new(c::TS.into(), ts),
            Column::new(c::TYPE.into(), event_type),
            Column::new(c::LEVEL.into(), level),
            Column::new(c::GAP.into(), gap),
        ],
    )?;
    Ok(Frame {
        df,
        type_names,
        level_names,
        step_pass,
        largest_gap_ms,
        job_of_run,
    })
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
