//! Dagster-exact run and step figures from an ingested archive.
//!
//! `daglog-analysis` turns the events of the selected runs into one polars
//! frame and computes there what Dagster itself reports — run status, start
//! and end, `stepsSucceeded`, `stepsFailed`, `materializations`,
//! `expectations`, and per step its status, start, end and attempts (the
//! `stepStats` of Dagster's `runOrError`) — plus what Dagster does not: queue
//! wait, each step's phases (worker start, resource init, input loading,
//! compute, output handling, retry waits), the critical path, the silences
//! between events and the signs of a hang.
//!
//! All runs are computed in one pass over one frame, whatever their number.
//! It returns plain serde types ([`RunStats`], [`RunGaps`], [`Timeline`],
//! [`RunInfo`]), never a DataFrame. It does not read files (that is
//! `daglog-ingest`) or print (that is `daglog-report`).
//!
//! ```no_run
//! use daglog_analysis::Analysis;
//! use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};
//!
//! let archive = Archive::load(&[Input::from_arg("exports/")], LoadOptions::default(), &NoProgress)?;
//! let analysis = Analysis::new(&archive, archive.runs.iter().collect())?;
//! for run in analysis.run_stats()? {
//!     println!("{} {} steps ok: {}", run.run_id, run.status.as_str(), run.steps_succeeded);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod compare;
mod diagnose;
mod error;
mod figures;
mod frame;
mod gaps;
mod meta;
mod model;
mod report;

use daglog_ingest::{Archive, Run};

pub use compare::{
    ComparedRun, Comparison, ConfigChange, ConfigDiff, ConfigEntry, CountDelta, Divergence,
    ErrorSignature, RUN_ID_PLACEHOLDER, StepChange, StepOnly, TagChange, TagDiff, TagEntry,
    compare,
};
pub use diagnose::{
    CapturedTail, CascadeStep, Diagnosis, Pattern, RetriedStep, RootError, RootFailure,
    attach_captured_stderr, diagnose,
};
pub use error::{Error, Result};
pub use meta::{InfoSource, RunInfo, best_meta, run_info, run_list, tags_of};
pub use model::{
    EventSummary, Gap, Interval, Marker, Phases, RunGaps, RunStats, RunStatus, StepRow, StepStats,
    StepStatus, Timeline, headline,
};
pub use report::{
    ArchiveReport, ErrorEntry, Fingerprint, FlakyStep, JobSummary, RunReport, RunSpan, RunWarnings,
    StepTrend, archive_report, normalise_message, run_report, step_family,
};

use error::Context as _;

/// The selected runs of an archive, as one event frame.
pub struct Analysis<'a> {
    archive: &'a Archive,
    runs: Vec<&'a Run>,
    frame: frame::Frame,
}

impl<'a> Analysis<'a> {
    /// The archive the runs come from.
    pub fn archive(&self) -> &'a Archive {
        self.archive
    }

    /// Builds the frame of `runs` (in that order).
    pub fn new(archive: &'a Archive, runs: Vec<&'a Run>) -> Result<Self> {
        let frame = frame::build(archive, &runs).computing("the event frame")?;
        Ok(Analysis {
            archive,
            runs,
            frame,
        })
    }

    /// The runs, in the order given.
    pub fn runs(&self) -> &[&'a Run] {
        &self.runs
    }

    /// Figures of every run, in the order given.
    pub fn run_stats(&self) -> Result<Vec<RunStats>> {
        figures::run_stats(self.archive, &self.runs, &self.frame).computing("run figures")
    }

    /// Each run's silences of at least `threshold_ms` (at most `top` per run,
    /// longest first) and hang signs; runs ranked hang candidates first, then
    /// by their largest silence.
    pub fn gaps(&self, stats: &[RunStats], threshold_ms: i64, top: usize) -> Result<Vec<RunGaps>> {
        let largest = &self.frame.largest_gap_ms;
        let silences = gaps::silences(&self.frame.df, threshold_ms).computing("gaps")?;
        let mut per_run: Vec<Vec<Gap>> = vec![Vec::new(); self.runs.len()];
        for (run, seq, ms) in silences {
            let list = &mut per_run[run as usize];
            if list.len() < top {
                let r = self.runs[run as usize];
                list.push(gaps::gap(self.archive, r, &stats[run as usize], seq, ms));
            }
        }
        let mut out: Vec<RunGaps> = per_run
            .into_iter()
            .enumerate()
            .map(|(i, g)| gaps::run_gaps(&stats[i], largest[i], g, threshold_ms))
            .collect();
        out.sort_by(|a, b| {
            b.hang_candidate
                .cmp(&a.hang_candidate)
                .then(b.largest_gap_ms.cmp(&a.largest_gap_ms))
                .then_with(|| a.run_id.cmp(&b.run_id))
        });
        Ok(out)
    }

    /// One timeline per run: its figures and its silences of at least
    /// `gap_ms`, in time order.
    pub fn timelines(&self, stats: Vec<RunStats>, gap_ms: i64) -> Result<Vec<Timeline>> {
        let silences = gaps::silences(&self.frame.df, gap_ms).computing("gaps")?;
        let mut per_run: Vec<Vec<(u32, i64)>> = vec![Vec::new(); self.runs.len()];
        for (run, seq, ms) in silences {
            per_run[run as usize].push((seq, ms));
        }
        Ok(stats
            .into_iter()
            .zip(per_run)
            .enumerate()
            .map(|(i, (run, mut found))| {
                found.sort_unstable();
                let r = self.runs[i];
                let gaps = found
                    .into_iter()
                    .map(|(seq, ms)| gaps::gap(self.archive, r, &run, seq, ms))
                    .collect();
                Timeline {
                    run,
                    gaps,
                    gap_threshold_ms: gap_ms,
                }
            })
            .collect())
    }

    /// Why each run did not succeed (and, with `include_success`, what is
    /// worth a warning in runs that did), in the order given. `hang_gap_ms`
    /// is the silence that counts as a hang sign.
    pub fn diagnoses(
        &self,
        stats: &[RunStats],
        hang_gap_ms: i64,
        include_success: bool,
    ) -> Result<Vec<Diagnosis>> {
        let gaps = self.gaps(stats, hang_gap_ms, 3)?;
        Ok(self.diagnoses_with(stats, &gaps, include_success))
    }

    /// [`Analysis::diagnoses`] given the runs' gaps already computed.
    fn diagnoses_with(
        &self,
        stats: &[RunStats],
        gaps: &[RunGaps],
        include_success: bool,
    ) -> Vec<Diagnosis> {
        let best = meta::best_meta_by_run(self.archive);
        let gaps_of: std::collections::HashMap<&str, &RunGaps> =
            gaps.iter().map(|g| (g.run_id.as_str(), g)).collect();
        // The latest successful run of each job in the whole archive (also
        // when one run is selected), to compare failures with.
        let latest_success = self.latest_success_by_job(&best);
        let mut out = Vec::new();
        for (run, s) in self.runs.iter().zip(stats) {
            let record_status = best
                .get(s.run_id.as_str())
                .and_then(|m| m.status.as_deref())
                .and_then(RunStatus::from_name);
            // An incomplete export of a run its record says succeeded.
            let succeeded = s.status == RunStatus::Success
                || (run.truncated && record_status == Some(RunStatus::Success));
            if succeeded && !include_success {
                continue;
            }
            let Some(g) = gaps_of.get(s.run_id.as_str()).copied() else {
                continue;
            };
            let failure_reason = best
                .get(s.run_id.as_str())
                .and_then(|m| meta::failure_reason(m));
            let sibling = s
                .job_name
                .as_deref()
                .and_then(|job| latest_success.get(job))
                .map(|(_, id)| *id);
            out.push(diagnose(
                self.archive,
                run,
                s,
                g,
                failure_reason,
                sibling,
                record_status,
            ));
        }
        // Over the whole archive, runs known only from their records
        // (run lists, run.json, storage rows) that did not succeed: the OOM
        // kill whose logs were never exported must not go unmentioned.
        if self.runs.len() == self.archive.runs.len() {
            let with_events: std::collections::HashSet<&str> =
                self.runs.iter().map(|r| r.run_id.as_str()).collect();
            let mut only_records: Vec<_> = best
                .values()
                .filter(|m| !with_events.contains(m.run_id.as_str()))
                .filter_map(|m| {
                    let status = m.status.as_deref().and_then(RunStatus::from_name)?;
                    (status != RunStatus::Success || include_success)
                        .then(|| diagnose::record_only(m, status))
                })
                .collect();
            only_records.sort_by(|a, b| a.run_id.cmp(&b.run_id));
            out.extend(only_records);
        }
        out
    }

    /// Per job, the run of the whole archive that succeeded last (by its
    /// first event), among runs with events: the one to compare a failure
    /// with. A run's status is its last run-status event's, else its record's;
    /// its job is its record's, else its events'. A run without an end is
    /// scanned whole; runs with one stop at it.
    fn latest_success_by_job<'s>(
        &'s self,
        best: &std::collections::HashMap<&'s str, &'s daglog_ingest::RunMeta>,
    ) -> std::collections::HashMap<&'s str, (i64, &'s str)> {
        let mut latest: std::collections::HashMap<&str, (i64, &str)> =
            std::collections::HashMap::new();
        for run in &self.archive.runs {
            let record = best.get(run.run_id.as_str()).copied();
            // From the end: the terminal event is among a run's last.
            let from_events =
                run.events
                    .iter()
                    .rev()
                    .find_map(|&e| match self.archive.event(e).event_type? {
                        "RUN_SUCCESS" => Some(RunStatus::Success),
                        "RUN_FAILURE" => Some(RunStatus::Failure),
                        "RUN_CANCELED" => Some(RunStatus::Canceled),
                        _ => None,
                    });
            let status = from_events.or_else(|| {
                record
                    .and_then(|m| m.status.as_deref())
                    .and_then(RunStatus::from_name)
            });
            if status != Some(RunStatus::Success) {
                continue;
            }
            let job = record.and_then(|m| m.job_name.as_deref()).or_else(|| {
                run.events
                    .iter()
                    .find_map(|&e| self.archive.event(e).detail.and_then(|d| d.pipeline_name))
            });
            let (Some(job), Some(&first)) = (job, run.events.first()) else {
                continue;
            };
            let at = self.archive.event(first).timestamp_ms;
            let e = latest.entry(job).or_insert((at, run.run_id.as_str()));
            if at > e.0 {
                *e = (at, run.run_id.as_str());
            }
        }
        latest
    }

    /// One report per run: figures, diagnosis (warnings only for a run that
    /// succeeded), silences of at least `gap_ms`, errors and the log around
    /// the failure.
    pub fn run_reports(&self, stats: Vec<RunStats>, gap_ms: i64) -> Result<Vec<RunReport>> {
        let diagnoses = self.diagnoses(&stats, gap_ms, true)?;
        let timelines = self.timelines(stats, gap_ms)?;
        Ok(timelines
            .into_iter()
            .zip(diagnoses)
            .zip(&self.runs)
            .map(|((t, d), run)| run_report(self.archive, run, t.run, d, t.gaps, gap_ms))
            .collect())
    }

    /// The many-run report over every selected run.
    pub fn archive_report(&self, stats: &[RunStats], gap_ms: i64) -> Result<ArchiveReport> {
        let gaps = self.gaps(stats, gap_ms, 3)?;
        let diagnoses = self.diagnoses_with(stats, &gaps, false);
        archive_report(self.archive, &self.runs, stats, &diagnoses, &gaps)
            .computing("the archive report")
    }
}
