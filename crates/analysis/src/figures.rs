//! Run and step figures: run-level ones by polars queries on the event frame,
//! step-level ones from what the frame's pass gathered per step.
//!
//! The rules are Dagster's own (`build_run_step_stats_from_events` and the
//! run stats snapshot): a step starts at `STEP_START`, ends at its last
//! `STEP_SUCCESS`/`STEP_FAILURE`/`STEP_SKIPPED`; an attempt runs from
//! `STEP_START`/`STEP_RESTARTED` to the `STEP_UP_FOR_RETRY`/`STEP_SUCCESS`/
//! `STEP_FAILURE` that closes it; a marker keeps the last start and the last
//! end seen for its key.

use std::collections::{BTreeMap, HashMap};

use daglog_ingest::{Archive, Run};
use polars::prelude::*;

use crate::frame::{Frame, Rows, c};
use crate::model::{Interval, Marker, Phases, RunStats, RunStatus, StepStats, StepStatus, seconds};

const TERMINAL: &[&str] = &["RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"];
/// Run events, in Dagster's order of a run's life.
pub(crate) const RUN_STATUS_EVENTS: &[&str] = &[
    "RUN_ENQUEUED",
    "RUN_DEQUEUED",
    "RUN_STARTING",
    "RUN_START",
    "RUN_CANCELING",
    "RUN_SUCCESS",
    "RUN_FAILURE",
    "RUN_CANCELED",
];
/// The marker Dagster uses for the step worker's subprocess launch.
const WORKER_MARKER: &str = "step_process_start";
/// The marker of resource initialisation.
const RESOURCE_MARKER: &str = "resources";

fn status_of_run(terminal: Option<&str>, last: Option<&str>, has_events: bool) -> RunStatus {
    match terminal.or(last) {
        Some("RUN_SUCCESS") => RunStatus::Success,
        Some("RUN_FAILURE") => RunStatus::Failure,
        Some("RUN_CANCELED") => RunStatus::Canceled,
        Some("RUN_CANCELING") => RunStatus::Canceling,
        Some("RUN_ENQUEUED") => RunStatus::Queued,
        Some("RUN_STARTING" | "RUN_DEQUEUED") => RunStatus::Starting,
        Some(_) => RunStatus::Started,
        None if has_events => RunStatus::Started,
        None => RunStatus::Unknown,
    }
}

fn status_of_step(last_lifecycle: Option<&str>, not_executing: bool) -> StepStatus {
    match last_lifecycle {
        Some("STEP_SUCCESS") => StepStatus::Success,
        Some("STEP_FAILURE") => StepStatus::Failure,
        Some("STEP_SKIPPED") => StepStatus::Skipped,
        Some(_) => StepStatus::InProgress,
        None if not_executing => StepStatus::NotExecuted,
        None => StepStatus::InProgress,
    }
}

/// Figures of every run in `runs`, in that order, from one frame.
pub(crate) fn run_stats(
    archive: &Archive,
    runs: &[&Run],
    frame: &Frame,
) -> PolarsResult<Vec<RunStats>> {
    let lf = frame.df.clone().lazy();
    let type_name = |code: Option<u32>| {
        code.and_then(|c| frame.type_names.get(c as usize))
            .map(String::as_str)
    };
    // The first job name the run metadata gives, per run.
    let mut job_of: HashMap<&str, &str> = HashMap::new();
    for m in &archive.metadata {
        if let Some(job) = &m.job_name {
            job_of.entry(m.run_id.as_str()).or_insert(job);
        }
    }
    let mut out: Vec<RunStats> = runs
        .iter()
        .map(|r| RunStats {
            run_id: r.run_id.clone(),
            job_name: job_of.get(r.run_id.as_str()).map(|j| j.to_string()),
            status: RunStatus::Unknown,
            start_time: None,
            end_time: None,
            duration_ms: None,
            enqueued_time: None,
            launch_time: None,
            queue_wait_ms: None,
            launch_ms: None,
            steps_succeeded: 0,
            steps_failed: 0,
            materializations: 0,
            expectations: 0,
            event_count: 0,
            events_after_end: 0,
            first_event_time: 0.0,
            last_event_time: 0.0,
            truncated: r.truncated,
            events_by_type: BTreeMap::new(),
            events_by_level: BTreeMap::new(),
            steps: Vec::new(),
            critical_path: Vec::new(),
            critical_path_ms: None,
        })
        .collect();

    // One small table per (run, event type) holds every run-level figure:
    // counts, first and last time and position of each type. Events are in
    // time order, so a type's first position is its first occurrence.
    let by_type = lf
        .clone()
        .group_by([col(c::RUN), col(c::TYPE)])
        .agg([
            len().alias("n"),
            col(c::TS).min().alias("first_ts"),
            col(c::TS).max().alias("last_ts"),
            col(c::SEQ).min().alias("first_seq"),
            col(c::SEQ).max().alias("last_seq"),
        ])
        .collect()?;
    let rows = Rows::new(&by_type);
    let run = rows.u32(c::RUN)?;
    let code = rows.opt_u32(c::TYPE)?;
    let n = rows.u64("n")?;
    let first_ts = rows.opt_i64("first_ts")?;
    let last_ts = rows.opt_i64("last_ts")?;
    let first_seq = rows.u32("first_seq")?;
    let last_seq = rows.u32("last_seq")?;
    /// What a run's types tell, gathered row by row.
    #[derive(Default)]
    struct RunEvents<'a> {
        first_ts: Option<i64>,
        last_ts: Option<i64>,
        terminal: Option<(u32, &'a str, i64)>,
        last_status: Option<(u32, &'a str)>,
        first_of: BTreeMap<&'a str, i64>,
    }
    let mut acc: Vec<RunEvents<'_>> = (0..out.len()).map(|_| RunEvents::default()).collect();
    for i in 0..rows.len() {
        let (ri, r) = (run[i] as usize, &mut out[run[i] as usize]);
        let a = &mut acc[ri];
        let name = type_name(code[i]);
        r.event_count += n[i];
        r.events_by_type
            .insert(name.unwrap_or("LOG").to_string(), n[i]);
        match name {
            Some("STEP_SUCCESS") => r.steps_succeeded = n[i],
            Some("STEP_FAILURE") => r.steps_failed = n[i],
            Some("ASSET_MATERIALIZATION") => r.materializations = n[i],
            Some("STEP_EXPECTATION_RESULT") => r.expectations = n[i],
            _ => {}
        }
        if let (Some(t), Some(ts)) = (name, first_ts[i]) {
            a.first_of.insert(t, ts);
            if TERMINAL.contains(&t) && a.terminal.is_none_or(|(seq, _, _)| first_seq[i] < seq) {
                a.terminal = Some((first_seq[i], t, ts));
            }
            if RUN_STATUS_EVENTS.contains(&t)
                && a.last_status.is_none_or(|(seq, _)| last_seq[i] > seq)
            {
                a.last_status = Some((last_seq[i], t));
            }
        }
        a.first_ts = match (a.first_ts, first_ts[i]) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        a.last_ts = a.last_ts.max(last_ts[i]);
    }
    for ((r, a), job) in out.iter_mut().zip(&acc).zip(&frame.job_of_run) {
        if r.job_name.is_none() {
            r.job_name = job.clone();
        }
        let at = |t: &str| a.first_of.get(t).copied();
        let (start, enqueued, starting) = (at("RUN_START"), at("RUN_ENQUEUED"), at("RUN_STARTING"));
        let end = a.terminal.map(|(_, _, ts)| ts);
        r.start_time = start.map(seconds);
        r.end_time = end.map(seconds);
        r.duration_ms = start.zip(end).map(|(s, e)| e - s);
        r.enqueued_time = enqueued.map(seconds);
        r.launch_time = starting.map(seconds);
        r.queue_wait_ms = enqueued.zip(starting).map(|(q, s)| s - q);
        r.launch_ms = starting.zip(start).map(|(s, st)| st - s);
        r.status = status_of_run(
            a.terminal.map(|(_, t, _)| t),
            a.last_status.map(|(_, t)| t),
            r.event_count > 0,
        );
        // Positions run from 0 in time order: what follows the terminal event.
        r.events_after_end = a
            .terminal
            .map_or(0, |(seq, _, _)| r.event_count - 1 - u64::from(seq));
        r.first_event_time = a.first_ts.map_or(0.0, seconds);
        r.last_event_time = a.last_ts.map_or(0.0, seconds);
    }

    let counts = lf
        .clone()
        .group_by([col(c::RUN), col(c::LEVEL)])
        .agg([len().alias("n")])
        .collect()?;
    let rows = Rows::new(&counts);
    let run = rows.u32(c::RUN)?;
    let level = rows.opt_u32(c::LEVEL)?;
    let n = rows.u64("n")?;
    for i in 0..rows.len() {
        let name = level[i]
            .and_then(|k| frame.level_names.get(k as usize).copied())
            .unwrap_or("");
        out[run[i] as usize]
            .events_by_level
            .insert(name.to_string(), n[i]);
    }

    let steps = step_stats(frame);
    for (run, mut steps) in steps {
        let r = &mut out[run as usize];
        // In the order the steps started (STEP_START, as Dagster's
        // stepStats); a step that never started by its first event.
        let begun = |s: &StepStats| s.start_time.unwrap_or(s.first_event_time);
        steps.sort_by(|a, b| {
            begun(a)
                .total_cmp(&begun(b))
                .then_with(|| a.step_key.cmp(&b.step_key))
        });
        let (path, ms) = critical_path(&steps);
        r.critical_path = path;
        r.critical_path_ms = ms;
        r.steps = steps;
    }
    Ok(out)
}

/// Step figures per run, from what the frame's pass gathered per step.
fn step_stats(frame: &Frame) -> HashMap<u32, Vec<StepStats>> {
    let mut by_run: HashMap<u32, Vec<StepStats>> = HashMap::new();
    for p in &frame.step_pass {
        let mut phases = Phases {
            retry_wait_ms: p.retry_wait_ms,
            output_handling_ms: p.output_handling_ms(),
            ..Phases::default()
        };
        let mut attempts = Vec::new();
        for a in &p.attempts {
            // Like Dagster, an attempt closed without a start (a skipped step, a
            // step whose resources failed) starts when it ends. Unlike Dagster,
            // an attempt still running is listed, with no end.
            let (start, end) = match (a.start_ms, a.end_ms) {
                (None, None) => continue,
                (None, Some(e)) => (Some(e), Some(e)),
                other => other,
            };
            attempts.push(Interval::from_ms(start, end));
            if let (Some(s), Some(l)) = (start, a.inputs_loaded_ms) {
                phases.input_loading_ms += (l - s).max(0);
            }
        }
        for m in &p.markers {
            match m.key.as_str() {
                WORKER_MARKER => phases.worker_start_ms += m.spans_ms(),
                RESOURCE_MARKER => phases.resource_init_ms += m.spans_ms(),
                _ => {}
            }
        }
        let attempts_ms: i64 = attempts.iter().filter_map(|a| a.duration_ms).sum();
        phases.compute_ms =
            (attempts_ms - phases.input_loading_ms - phases.output_handling_ms).max(0);
        by_run.entry(p.run).or_default().push(StepStats {
            step_key: p.step_key.clone(),
            status: status_of_step(p.lifecycle, p.not_executing),
            start_time: p.start_ms.map(seconds),
            end_time: p.end_ms.map(seconds),
            duration_ms: p.start_ms.zip(p.end_ms).map(|(s, e)| e - s),
            first_event_time: p.first_ms.map_or(0.0, seconds),
            last_event_time: p.last_ms.map_or(0.0, seconds),
            attempts,
            markers: p
                .markers
                .iter()
                .map(|m| Marker {
                    key: m.key.clone(),
                    start_time: m.start_ms.map(seconds),
                    end_time: m.end_ms.map(seconds),
                })
                .collect(),
            phases,
            upstream: p.upstream.clone(),
        });
    }
    by_run
}

/// From the step that ended last, back through the upstream step that ended last.
fn critical_path(steps: &[StepStats]) -> (Vec<String>, Option<i64>) {
    let by_key: HashMap<&str, &StepStats> =
        steps.iter().map(|s| (s.step_key.as_str(), s)).collect();
    let end = |s: &StepStats| s.end_time.unwrap_or(s.last_event_time);
    let Some(mut current) = steps
        .iter()
        .filter(|s| s.start_time.is_some())
        .max_by(|a, b| end(a).total_cmp(&end(b)))
    else {
        return (Vec::new(), None);
    };
    let finish = end(current);
    let mut path = vec![current.step_key.clone()];
    while let Some(next) = current
        .upstream
        .iter()
        .filter_map(|u| by_key.get(u.as_str()).copied())
        .filter(|u| !path.contains(&u.step_key))
        .max_by(|a, b| end(a).total_cmp(&end(b)))
    {
        path.push(next.step_key.clone());
        current = next;
    }
    path.reverse();
    let ms = ((finish - current.first_event_time) * 1000.0).round() as i64;
    (path, Some(ms))
}
