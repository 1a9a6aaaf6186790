//! The report types: plain serde structs, named like Dagster's GraphQL fields
//! where Dagster has the figure (`runId`, `stepsSucceeded`, `attempts`…).
//!
//! Times are float epoch seconds, as Dagster reports run-level times; spans
//! are whole milliseconds (`durationMs`), as event timestamps are.

use std::collections::BTreeMap;

use daglog_ingest::EventView;
use serde::Serialize;

/// Epoch ms as Dagster's float seconds.
pub(crate) fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Run figures, from the events alone (and the job name from run metadata when present).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStats {
    /// The run id.
    pub run_id: String,
    /// The job, from run metadata, else from the run events' `pipelineName`.
    pub job_name: Option<String>,
    /// Run status derived from the run events (see [`RunStatus`]).
    pub status: RunStatus,
    /// `RUN_START`, float epoch seconds.
    pub start_time: Option<f64>,
    /// The terminal event (`RUN_SUCCESS`, `RUN_FAILURE`, `RUN_CANCELED`).
    pub end_time: Option<f64>,
    /// `endTime - startTime`.
    pub duration_ms: Option<i64>,
    /// `RUN_ENQUEUED`.
    pub enqueued_time: Option<f64>,
    /// `RUN_STARTING`: when the run was handed to the launcher.
    pub launch_time: Option<f64>,
    /// `RUN_ENQUEUED` → `RUN_STARTING`: time spent in the run queue.
    pub queue_wait_ms: Option<i64>,
    /// `RUN_STARTING` → `RUN_START`: time to bring up the run worker.
    pub launch_ms: Option<i64>,
    /// `STEP_SUCCESS` events, as in Dagster's RunStatsSnapshot.
    pub steps_succeeded: u64,
    /// `STEP_FAILURE` events.
    pub steps_failed: u64,
    /// `ASSET_MATERIALIZATION` events.
    pub materializations: u64,
    /// `STEP_EXPECTATION_RESULT` events.
    pub expectations: u64,
    /// All events of the run.
    pub event_count: u64,
    /// Events stored after the terminal event (late log lines, hooks, cleanup).
    pub events_after_end: u64,
    /// First and last event, float epoch seconds.
    pub first_event_time: f64,
    /// Last event.
    pub last_event_time: f64,
    /// The export ended on a page with `hasMore: true`: later events are missing.
    pub truncated: bool,
    /// Events per type; log lines (no event type) count as `LOG`.
    pub events_by_type: BTreeMap<String, u64>,
    /// Events per level.
    pub events_by_level: BTreeMap<String, u64>,
    /// Steps, in the order they first appear.
    pub steps: Vec<StepStats>,
    /// The chain of steps that decided the run's length: from the step that
    /// ended last back through the upstream input that ended last.
    pub critical_path: Vec<String>,
    /// From the first event of the path's first step to the end of its last.
    pub critical_path_ms: Option<i64>,
}

/// A run's status from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// `RUN_SUCCESS`.
    Success,
    /// `RUN_FAILURE`.
    Failure,
    /// `RUN_CANCELED`.
    Canceled,
    /// `RUN_CANCELING` and nothing after it.
    Canceling,
    /// `RUN_ENQUEUED` only.
    Queued,
    /// `RUN_STARTING` and no `RUN_START`.
    Starting,
    /// `RUN_START` (or step events) and no terminal event.
    Started,
    /// No run event at all.
    Unknown,
}

impl RunStatus {
    /// Dagster's name of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "SUCCESS",
            RunStatus::Failure => "FAILURE",
            RunStatus::Canceled => "CANCELED",
            RunStatus::Canceling => "CANCELING",
            RunStatus::Queued => "QUEUED",
            RunStatus::Starting => "STARTING",
            RunStatus::Started => "STARTED",
            RunStatus::Unknown => "UNKNOWN",
        }
    }

    /// The status a run record names (`SUCCESS`, `FAILURE`…), if it is one.
    pub fn from_name(name: &str) -> Option<RunStatus> {
        Some(match name {
            "SUCCESS" => RunStatus::Success,
            "FAILURE" => RunStatus::Failure,
            "CANCELED" => RunStatus::Canceled,
            "CANCELING" => RunStatus::Canceling,
            "QUEUED" | "NOT_STARTED" => RunStatus::Queued,
            "STARTING" => RunStatus::Starting,
            "STARTED" => RunStatus::Started,
            _ => return None,
        })
    }

    /// Whether the run has ended.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Success | RunStatus::Failure | RunStatus::Canceled
        )
    }
}

/// A step's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StepStatus {
    /// Ended with `STEP_SUCCESS`.
    Success,
    /// Ended with `STEP_FAILURE`.
    Failure,
    /// `STEP_SKIPPED`.
    Skipped,
    /// Started (or launched) and not ended.
    InProgress,
    /// Only named in a "Dependencies for step X failed … Not executing." log line.
    NotExecuted,
}

impl StepStatus {
    /// Dagster's name of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Success => "SUCCESS",
            StepStatus::Failure => "FAILURE",
            StepStatus::Skipped => "SKIPPED",
            StepStatus::InProgress => "IN_PROGRESS",
            StepStatus::NotExecuted => "NOT_EXECUTED",
        }
    }
}

/// Step figures, like an entry of Dagster's `stepStats`, plus phases.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepStats {
    /// The step key.
    pub step_key: String,
    /// Status.
    pub status: StepStatus,
    /// `STEP_START`, float epoch seconds.
    pub start_time: Option<f64>,
    /// The last `STEP_SUCCESS`/`STEP_FAILURE`/`STEP_SKIPPED`.
    pub end_time: Option<f64>,
    /// `endTime - startTime`.
    pub duration_ms: Option<i64>,
    /// The step's first event of any kind (its worker launch, usually).
    pub first_event_time: f64,
    /// Its last event.
    pub last_event_time: f64,
    /// Each attempt: `STEP_START`/`STEP_RESTARTED` → `STEP_UP_FOR_RETRY`/`STEP_SUCCESS`/`STEP_FAILURE`.
    pub attempts: Vec<Interval>,
    /// Dagster's markers (`step_process_start`: worker start; `resources`: resource init),
    /// the last of each key, as Dagster keeps them.
    pub markers: Vec<Marker>,
    /// Where the step's time went.
    pub phases: Phases,
    /// Steps whose outputs this step loaded (`LOADED_INPUT.upstreamStepKey`).
    pub upstream: Vec<String>,
}

/// One step of one run: a row of a table of steps across runs (`stats --steps`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRow<'a> {
    /// The run.
    pub run_id: &'a str,
    /// The run's job.
    pub job_name: Option<&'a str>,
    /// The step key.
    pub step_key: &'a str,
    /// Status.
    pub status: StepStatus,
    /// `STEP_START`, float epoch seconds.
    pub start_time: Option<f64>,
    /// The step's end, float epoch seconds.
    pub end_time: Option<f64>,
    /// `endTime - startTime`.
    pub duration_ms: Option<i64>,
    /// Number of attempts.
    pub attempts: usize,
}

impl RunStats {
    /// The run's steps as rows, in the run's step order.
    pub fn step_rows(&self) -> impl Iterator<Item = StepRow<'_>> {
        self.steps.iter().map(|s| StepRow {
            run_id: &self.run_id,
            job_name: self.job_name.as_deref(),
            step_key: &s.step_key,
            status: s.status,
            start_time: s.start_time,
            end_time: s.end_time,
            duration_ms: s.duration_ms,
            attempts: s.attempts.len(),
        })
    }
}

/// A time span.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Interval {
    /// Float epoch seconds.
    pub start_time: Option<f64>,
    /// Float epoch seconds; `None` while open.
    pub end_time: Option<f64>,
    /// `endTime - startTime`.
    pub duration_ms: Option<i64>,
}

impl Interval {
    pub(crate) fn from_ms(start: Option<i64>, end: Option<i64>) -> Self {
        Interval {
            start_time: start.map(seconds),
            end_time: end.map(seconds),
            duration_ms: start.zip(end).map(|(s, e)| e - s),
        }
    }
}

/// A Dagster marker: a named span inside a step.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Marker {
    /// `step_process_start`, `resources`…
    pub key: String,
    /// Float epoch seconds.
    pub start_time: Option<f64>,
    /// Float epoch seconds.
    pub end_time: Option<f64>,
}

/// A step's time split by phase, in ms, summed over its attempts.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Phases {
    /// `STEP_WORKER_STARTING` → `STEP_WORKER_STARTED` (subprocess launch).
    pub worker_start_ms: i64,
    /// `RESOURCE_INIT_STARTED` → `RESOURCE_INIT_SUCCESS`/`FAILURE`.
    pub resource_init_ms: i64,
    /// Attempt start → its last `LOADED_INPUT`/`STEP_INPUT`.
    pub input_loading_ms: i64,
    /// The rest of the attempts: user code.
    pub compute_ms: i64,
    /// `STEP_OUTPUT` → `HANDLED_OUTPUT` of each output (the IO manager's write).
    pub output_handling_ms: i64,
    /// `STEP_UP_FOR_RETRY` → the step's next event.
    pub retry_wait_ms: i64,
}

/// Longest [`headline`], in characters.
const HEADLINE_CHARS: usize = 240;

/// A message on one line: its lines trimmed and joined with spaces, cut at
/// 240 characters. An error's first line is often only an introduction
/// (`Query failed:`), the cause is on the next ones.
pub fn headline(message: &str) -> String {
    let mut out = String::new();
    for line in message.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
        if out.chars().count() > HEADLINE_CHARS {
            break;
        }
    }
    match out.char_indices().nth(HEADLINE_CHARS) {
        Some((at, _)) => {
            out.truncate(at);
            out.push('…');
            out
        }
        None => out,
    }
}

/// One event, briefly: evidence for a figure.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    /// Float epoch seconds.
    pub timestamp: f64,
    /// Event type; `None` for log lines.
    pub event_type: Option<String>,
    /// Step key.
    pub step_key: Option<String>,
    /// First line of the message.
    pub message: String,
}

impl EventSummary {
    /// An event briefly: the first line of its message.
    pub(crate) fn of(ev: &EventView<'_>) -> Self {
        EventSummary {
            timestamp: seconds(ev.timestamp_ms),
            event_type: ev.event_type.map(str::to_string),
            step_key: ev.step_key.map(str::to_string),
            message: ev.message.lines().next().unwrap_or("").to_string(),
        }
    }

    /// The same, with the real error (not Dagster's wrapper) after the message.
    pub(crate) fn with_error(ev: &EventView<'_>) -> Self {
        let mut summary = Self::of(ev);
        if let Some(err) = ev.error {
            // The real link alone: a whole RootError would copy the stack.
            let real = crate::diagnose::real_link(err);
            let text = real.map_or_else(String::new, |l| headline(l.text()));
            let error = match real.and_then(|l| l.class_name.as_deref()) {
                Some(c) if text.is_empty() => c.to_string(),
                Some(c) => format!("{c}: {text}"),
                None => text,
            };
            if !error.is_empty() {
                if !summary.message.is_empty() {
                    summary.message.push_str(" — ");
                }
                summary.message.push_str(&error);
            }
        }
        summary
    }
}

/// A silence between two consecutive events of a run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    /// Length of the silence.
    pub duration_ms: i64,
    /// The event before it.
    pub before: EventSummary,
    /// The event after it.
    pub after: EventSummary,
    /// Steps started and not ended when the silence began.
    pub open_steps: Vec<String>,
}

/// A run's silences and hang signs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunGaps {
    /// The run id.
    pub run_id: String,
    /// The job.
    pub job_name: Option<String>,
    /// Status from the events.
    pub status: RunStatus,
    /// The longest silence.
    pub largest_gap_ms: i64,
    /// Silences at or above the threshold, longest first.
    pub gaps: Vec<Gap>,
    /// Steps started and never ended.
    pub open_steps: Vec<String>,
    /// The export has no `RUN_SUCCESS`/`RUN_FAILURE`/`RUN_CANCELED`.
    pub no_terminal_event: bool,
    /// Canceled (or canceling) right after a silence at or above the threshold.
    pub canceled_after_silence: bool,
    /// Open steps, no terminal event, or a cancel after a silence: worth a look as a hang.
    pub hang_candidate: bool,
    /// Float epoch seconds of the last event.
    pub last_event_time: f64,
}

/// One run's timeline: its steps in time order, with its gaps.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    /// The run figures, steps ordered by first event.
    pub run: RunStats,
    /// Silences at or above the `--gap` threshold, in time order.
    pub gaps: Vec<Gap>,
    /// The threshold, ms.
    pub gap_threshold_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::headline;

    #[test]
    fn a_headline_keeps_the_lines_after_an_introduction() {
        assert_eq!(
            headline("Query failed:\n  line 1: SELECT 1\n  ERROR: relation \"t\" does not exist\n"),
            "Query failed: line 1: SELECT 1 ERROR: relation \"t\" does not exist"
        );
        assert_eq!(headline(""), "");
        let long = "é".repeat(300);
        let h = headline(&format!("{long}\nnext"));
        assert_eq!(h.chars().count(), 241);
        assert!(h.ends_with('…'));
    }
}
