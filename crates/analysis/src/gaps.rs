//! Silences between consecutive events, and the signs of a hang.

use daglog_ingest::{Archive, Run};
use polars::prelude::*;

use crate::frame::{Rows, c};
use crate::model::{EventSummary, Gap, RunGaps, RunStats, RunStatus, StepStatus};

/// Every silence of at least `min_ms` between consecutive events of a run, as
/// (run index, seq of the event after it, ms), longest first within a run.
pub(crate) fn silences(frame: &DataFrame, min_ms: i64) -> PolarsResult<Vec<(u32, u32, i64)>> {
    let df = frame
        .clone()
        .lazy()
        .select([col(c::RUN), col(c::SEQ), col(c::GAP)])
        .filter(col(c::GAP).gt_eq(lit(min_ms)))
        .sort(
            [c::RUN, c::GAP],
            SortMultipleOptions::default().with_order_descending_multi([false, true]),
        )
        .collect()?;
    let rows = Rows::new(&df);
    let run = rows.u32(c::RUN)?;
    let seq = rows.u32(c::SEQ)?;
    let gap = rows.opt_i64(c::GAP)?;
    Ok((0..rows.len())
        .map(|i| (run[i], seq[i], gap[i].unwrap_or(0)))
        .collect())
}

pub(crate) fn summary(archive: &Archive, run: &Run, seq: u32) -> EventSummary {
    EventSummary::of(&archive.event(run.events[seq as usize]))
}

/// The gap that ends with event `seq` of `run`, with the steps open across it.
pub(crate) fn gap(archive: &Archive, run: &Run, stats: &RunStats, seq: u32, ms: i64) -> Gap {
    let before = summary(archive, run, seq - 1);
    let after = summary(archive, run, seq);
    let open_steps = stats
        .steps
        .iter()
        .filter(|s| {
            s.first_event_time <= before.timestamp
                && s.end_time.is_none_or(|e| e >= after.timestamp)
                && !matches!(s.status, StepStatus::NotExecuted | StepStatus::Skipped)
        })
        .map(|s| s.step_key.clone())
        .collect();
    Gap {
        duration_ms: ms,
        before,
        after,
        open_steps,
    }
}

/// Hang signs of one run, given its gaps at or above the threshold (longest first).
pub(crate) fn run_gaps(
    stats: &RunStats,
    largest_gap_ms: i64,
    gaps: Vec<Gap>,
    threshold_ms: i64,
) -> RunGaps {
    let open_steps: Vec<String> = stats
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::InProgress && s.start_time.is_some())
        .map(|s| s.step_key.clone())
        .collect();
    let no_terminal_event = !stats.status.is_terminal();
    let canceled = matches!(stats.status, RunStatus::Canceled | RunStatus::Canceling);
    // A cancel that came after a long silence: someone killed a stuck run.
    let canceled_after_silence = canceled
        && gaps.iter().any(|g| {
            g.duration_ms >= threshold_ms
                && g.after.event_type.as_deref().is_some_and(|t| {
                    matches!(t, "RUN_CANCELING" | "RUN_CANCELED" | "ENGINE_EVENT")
                        || t.starts_with("STEP_FAILURE")
                })
        });
    let queued = matches!(stats.status, RunStatus::Queued);
    RunGaps {
        run_id: stats.run_id.clone(),
        job_name: stats.job_name.clone(),
        status: stats.status,
        largest_gap_ms,
        hang_candidate: !open_steps.is_empty()
            || canceled_after_silence
            || (no_terminal_event && !queued && !canceled),
        open_steps,
        no_terminal_event,
        canceled_after_silence,
        gaps,
        last_event_time: stats.last_event_time,
    }
}
