//! The post-mortem report models: one run in depth, or what an archive of
//! many runs says — what keeps failing, what got slower, what is flaky.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use daglog_ingest::{Archive, ErrorLink, Run};
use polars::prelude::*;
use regex::Regex;
use serde::Serialize;

use crate::diagnose::{Diagnosis, Pattern, real_link};
use crate::frame::Rows;
use crate::model::{
    EventSummary, Gap, RunGaps, RunStats, RunStatus, StepStatus, headline, seconds,
};

/// An error event with its whole chain and stack, for a report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEntry {
    /// Float epoch seconds.
    pub timestamp: f64,
    /// Event type (`STEP_FAILURE`, `STEP_UP_FOR_RETRY`…).
    pub event_type: Option<String>,
    /// Step key.
    pub step_key: Option<String>,
    /// The real exception's class, wrappers looked through.
    pub class_name: Option<String>,
    /// Its message.
    pub message: String,
    /// The chain as `Outer ← Inner: message`.
    pub chain: String,
    /// Every link of the chain with its whole message, outermost first.
    pub links: Vec<ErrorLink>,
    /// The outermost error's stack frames (mostly Dagster's own).
    pub stack: Vec<String>,
    /// The stack where the user's code raised (the deepest cause with frames).
    pub cause_stack: Vec<String>,
    /// The user's own frame in `cause_stack` (in `stack` when that is
    /// empty): see [`daglog_ingest::ErrorInfo::user_frame`].
    pub user_frame: Option<usize>,
}

/// Everything about one run: figures, diagnosis, timeline, errors, context.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Figures, steps with phases, counts.
    pub run: RunStats,
    /// Why it did not succeed (warnings only when it did).
    pub diagnosis: Diagnosis,
    /// Silences at or above the threshold, in time order.
    pub gaps: Vec<Gap>,
    /// The threshold, ms.
    pub gap_threshold_ms: i64,
    /// Every error event, in time order.
    pub errors: Vec<ErrorEntry>,
    /// The log around the failure: events just before and after it.
    pub context: Vec<EventSummary>,
}

/// Runs of one job by status, with the failure patterns seen.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    /// The job (`(unknown job)` when the archive does not say).
    pub job_name: String,
    /// Runs.
    pub runs: u64,
    /// Runs per status.
    pub statuses: BTreeMap<String, u64>,
    /// Failed runs per diagnosed pattern.
    pub patterns: BTreeMap<String, u64>,
}

/// Errors that are the same once ids, numbers, paths and partitions are masked.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fingerprint {
    /// `Class: message` with the variable parts masked.
    pub fingerprint: String,
    /// The exception class.
    pub class_name: Option<String>,
    /// Occurrences (error events).
    pub count: u64,
    /// Runs it occurred in.
    pub runs: u64,
    /// Float epoch seconds.
    pub first_seen: f64,
    /// Float epoch seconds.
    pub last_seen: f64,
    /// Up to three runs to look at.
    pub example_runs: Vec<String>,
    /// Steps it occurred in (mapped steps as `name[*]`).
    pub steps: Vec<String>,
    /// One message as it was.
    pub example_message: String,
}

/// A flaky step: it passed on a retry, or failed and passed in runs of the
/// same config and partition.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlakyStep {
    /// The job.
    pub job_name: String,
    /// The step (mapped steps as `name[*]`).
    pub step_key: String,
    /// Runs where it ran.
    pub runs: u64,
    /// Runs where it failed while another run of the same config and
    /// partition passed (failures of imports, validation or missing inputs
    /// are not counted: they are the code's answer, not luck).
    pub failed_runs: u64,
    /// Runs where it succeeded after a retry.
    pub retried_runs: u64,
    /// Runs where it succeeded at the first attempt.
    pub clean_runs: u64,
}

/// A run that succeeded, and what it still said was wrong.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunWarnings {
    /// The run id.
    pub run_id: String,
    /// The job.
    pub job_name: Option<String>,
    /// Failed asset checks and ERROR log lines, in time order.
    pub warnings: Vec<String>,
}

/// A step's durations across runs, and whether the latest runs got slower.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepTrend {
    /// The job.
    pub job_name: String,
    /// The step (mapped steps as `name[*]`, all instances pooled).
    pub step_key: String,
    /// Durations measured (instances of ended steps).
    pub samples: u64,
    /// Median duration, ms.
    pub p50_ms: i64,
    /// 95th percentile, ms.
    pub p95_ms: i64,
    /// Median of the earlier runs (the baseline), ms.
    pub baseline_p50_ms: Option<i64>,
    /// Median of the latest runs, ms.
    pub latest_p50_ms: Option<i64>,
    /// Latest median ≥ 1.5× the baseline and at least 1 s more.
    pub regression: bool,
}

/// A run's span in time, for the archive's timeline.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSpan {
    /// The run id.
    pub run_id: String,
    /// The job.
    pub job_name: Option<String>,
    /// Status from the events.
    pub status: RunStatus,
    /// First event, float epoch seconds.
    pub start_time: f64,
    /// Last event.
    pub end_time: f64,
    /// The run's duration as every view gives it: RUN_START to its end.
    pub duration_ms: Option<i64>,
}

/// How many runs the archive's timeline shows (the newest).
const TIMELINE_RUNS: usize = 60;

/// What an archive of many runs says.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveReport {
    /// Runs with events.
    pub runs: u64,
    /// Float epoch seconds of the first and last event of the archive.
    pub first_event_time: f64,
    /// Last event.
    pub last_event_time: f64,
    /// Runs by job and status, with failure patterns.
    pub jobs: Vec<JobSummary>,
    /// The newest runs (up to 60) in time order: when each ran, and how it ended.
    pub timeline: Vec<RunSpan>,
    /// The failed runs' diagnoses, newest first.
    pub failures: Vec<Diagnosis>,
    /// Runs that succeeded with failed asset checks or ERROR log lines,
    /// newest first.
    pub succeeded_with_warnings: Vec<RunWarnings>,
    /// Error fingerprints, most frequent first.
    pub fingerprints: Vec<Fingerprint>,
    /// Flaky steps.
    pub flaky_steps: Vec<FlakyStep>,
    /// Steps whose latest runs are slower than their baseline.
    pub regressions: Vec<StepTrend>,
    /// The slowest steps by p95.
    pub slowest_steps: Vec<StepTrend>,
    /// Runs that look hung.
    pub hang_candidates: Vec<RunGaps>,
    /// Runs whose export is incomplete.
    pub truncated_runs: Vec<String>,
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        .expect("valid regex")
});
static URL_OR_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:[a-z][a-z0-9+.-]*://|/)[^\s'"\)\],]+"#).expect("valid regex")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
        .expect("valid regex")
});
static HEX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:0x)?[0-9a-fA-F]{8,}\b").expect("valid regex"));
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d+(?:\.\d+)?").expect("valid regex"));
static MAPPING_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[[^\]]+\]$").expect("valid regex"));

/// An error message with what varies between occurrences masked.
pub fn normalise_message(message: &str) -> String {
    let line = headline(message);
    let s = UUID.replace_all(&line, "<id>");
    let s = URL_OR_PATH.replace_all(&s, "<path>");
    let s = DATE.replace_all(&s, "<partition>");
    let s = HEX.replace_all(&s, "<id>");
    NUMBER.replace_all(&s, "<n>").into_owned()
}

/// A mapped step's key without its mapping key: `process[12]` → `process[*]`.
pub fn step_family(step_key: &str) -> String {
    MAPPING_KEY.replace(step_key, "[*]").into_owned()
}

fn error_entries(archive: &Archive, run: &Run) -> Vec<ErrorEntry> {
    run.events
        .iter()
        .map(|&e| archive.event(e))
        .filter_map(|ev| {
            let err = ev.error?;
            let real = real_link(err);
            Some(ErrorEntry {
                timestamp: seconds(ev.timestamp_ms),
                event_type: ev.event_type.map(str::to_string),
                step_key: ev.step_key.map(str::to_string),
                class_name: real.and_then(|l| l.class_name.clone()),
                message: real.map_or_else(String::new, |l| l.text().trim_end().to_string()),
                chain: err.summary(),
                links: err.chain.clone(),
                stack: err.stack.clone(),
                cause_stack: err.cause_stack.clone(),
                user_frame: err.user_frame(),
            })
        })
        .collect()
}

/// One run's report. `diagnosis` and `gaps` come from [`crate::Analysis`].
pub fn run_report(
    archive: &Archive,
    run: &Run,
    stats: RunStats,
    diagnosis: Diagnosis,
    gaps: Vec<Gap>,
    gap_threshold_ms: i64,
) -> RunReport {
    let errors = error_entries(archive, run);
    // The log around the root failure (or the end, for a run that never ended).
    let anchor = errors
        .iter()
        .find(|e| diagnosis.root_step.is_none() || e.step_key == diagnosis.root_step)
        .map(|e| (e.timestamp * 1000.0).round() as i64);
    let views: Vec<_> = run.events.iter().map(|&e| archive.event(e)).collect();
    let at = match anchor {
        Some(ms) => views
            .iter()
            .position(|v| v.timestamp_ms >= ms)
            .unwrap_or(views.len()),
        None => views.len().saturating_sub(1),
    };
    let context = views[at.saturating_sub(12)..(at + 5).min(views.len())]
        .iter()
        .map(EventSummary::of)
        .collect();
    RunReport {
        run: stats,
        diagnosis,
        gaps,
        gap_threshold_ms,
        errors,
        context,
    }
}

const UNKNOWN_JOB: &str = "(unknown job)";

/// The many-run report.
pub fn archive_report(
    archive: &Archive,
    runs: &[&Run],
    stats: &[RunStats],
    diagnoses: &[Diagnosis],
    gaps: &[RunGaps],
) -> PolarsResult<ArchiveReport> {
    let job = |s: &RunStats| s.job_name.clone().unwrap_or_else(|| UNKNOWN_JOB.into());

    let mut jobs: BTreeMap<String, JobSummary> = BTreeMap::new();
    for s in stats {
        let j = jobs.entry(job(s)).or_insert_with(|| JobSummary {
            job_name: job(s),
            runs: 0,
            statuses: BTreeMap::new(),
            patterns: BTreeMap::new(),
        });
        j.runs += 1;
        *j.statuses.entry(s.status.as_str().to_string()).or_default() += 1;
    }
    for d in diagnoses {
        if let Some(p) = d.pattern {
            let name = d.job_name.clone().unwrap_or_else(|| UNKNOWN_JOB.into());
            if let Some(j) = jobs.get_mut(&name) {
                *j.patterns.entry(p.as_str().to_string()).or_default() += 1;
            }
        }
    }

    // Error fingerprints over every error event of every run.
    struct Acc {
        class: Option<String>,
        count: u64,
        runs: BTreeSet<String>,
        first: f64,
        last: f64,
        steps: BTreeSet<String>,
        example: String,
        examples: Vec<String>,
    }
    let mut prints: BTreeMap<String, Acc> = BTreeMap::new();
    for run in runs {
        for e in error_entries(archive, run) {
            // The run's own failure and cancel events repeat a step's error.
            if matches!(
                e.event_type.as_deref(),
                Some("RUN_FAILURE" | "RUN_CANCELED")
            ) {
                continue;
            }
            let masked = normalise_message(&e.message);
            let key = match &e.class_name {
                Some(c) if masked.is_empty() => c.clone(),
                Some(c) => format!("{c}: {masked}"),
                None => masked,
            };
            let a = prints.entry(key).or_insert_with(|| Acc {
                class: e.class_name.clone(),
                count: 0,
                runs: BTreeSet::new(),
                first: f64::MAX,
                last: f64::MIN,
                steps: BTreeSet::new(),
                example: headline(&e.message),
                examples: Vec::new(),
            });
            a.count += 1;
            if a.runs.insert(run.run_id.clone()) && a.examples.len() < 3 {
                a.examples.push(run.run_id.clone());
            }
            a.first = a.first.min(e.timestamp);
            a.last = a.last.max(e.timestamp);
            if let Some(s) = &e.step_key {
                a.steps.insert(step_family(s));
            }
        }
    }
    let mut fingerprints: Vec<Fingerprint> = prints
        .into_iter()
        .map(|(k, a)| Fingerprint {
            fingerprint: k,
            class_name: a.class,
            count: a.count,
            runs: a.runs.len() as u64,
            first_seen: a.first,
            last_seen: a.last,
            example_runs: a.examples,
            steps: a.steps.into_iter().collect(),
            example_message: a.example,
        })
        .collect();
    fingerprints.sort_by(|a, b| {
        b.runs
            .cmp(&a.runs)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });

    // Flaky steps: passed on retry, or failed and passed in runs of the same
    // config and partition. A failure that is the code's answer to its
    // config or data (an import, a validation, a missing input) is not luck.
    let identities = crate::meta::run_identities(archive);
    let mut step_patterns: HashMap<(&str, &str), Pattern> = HashMap::new();
    for d in diagnoses {
        if let (Some(step), Some(p)) = (&d.root_step, d.pattern) {
            step_patterns.insert((&d.run_id, step), p);
        }
        for o in &d.other_failures {
            if let Some(step) = &o.step_key {
                step_patterns.insert((&d.run_id, step), o.pattern);
            }
        }
    }
    let deterministic = |run: &str, step: &str| {
        step_patterns.get(&(run, step)).is_some_and(|p| {
            matches!(
                p,
                Pattern::ImportError | Pattern::DataValidation | Pattern::UpstreamDependency
            )
        })
    };
    // Per job, step and run identity: (failed runs, passed runs).
    let mut outcomes: BTreeMap<(String, String, &str), (u64, u64)> = BTreeMap::new();
    let mut flaky: BTreeMap<(String, String), FlakyStep> = BTreeMap::new();
    for s in stats {
        for st in &s.steps {
            if st.start_time.is_none() {
                continue;
            }
            let key = (job(s), step_family(&st.step_key));
            let f = flaky.entry(key.clone()).or_insert_with(|| FlakyStep {
                job_name: key.0.clone(),
                step_key: key.1.clone(),
                runs: 0,
                failed_runs: 0,
                retried_runs: 0,
                clean_runs: 0,
            });
            f.runs += 1;
            match st.status {
                StepStatus::Success if st.attempts.len() > 1 => f.retried_runs += 1,
                StepStatus::Success => f.clean_runs += 1,
                _ => {}
            }
            let Some(identity) = identities.get(s.run_id.as_str()) else {
                continue;
            };
            let o = outcomes.entry((key.0, key.1, identity)).or_default();
            match st.status {
                StepStatus::Failure if !deterministic(&s.run_id, &st.step_key) => o.0 += 1,
                StepStatus::Success => o.1 += 1,
                _ => {}
            }
        }
    }
    for ((job, step, _), (failed, passed)) in outcomes {
        if failed > 0
            && passed > 0
            && let Some(f) = flaky.get_mut(&(job, step))
        {
            f.failed_runs += failed;
        }
    }
    let flaky_steps: Vec<FlakyStep> = flaky
        .into_values()
        .filter(|f| f.retried_runs > 0 || f.failed_runs > 0)
        .collect();

    let (regressions, slowest_steps) = step_trends(stats)?;

    let mut failures: Vec<Diagnosis> = diagnoses
        .iter()
        .filter(|d| d.pattern.is_some() && d.status != RunStatus::Success)
        .cloned()
        .collect();
    let start_of = |id: &str| {
        stats
            .iter()
            .find(|s| s.run_id == id)
            .map_or(0.0, |s| s.first_event_time)
    };
    failures.sort_by(|a, b| start_of(&b.run_id).total_cmp(&start_of(&a.run_id)));
    let mut succeeded_with_warnings: Vec<RunWarnings> = runs
        .iter()
        .zip(stats)
        .filter(|(_, s)| s.status == RunStatus::Success)
        .filter_map(|(run, s)| {
            let warnings: Vec<String> = crate::diagnose::quiet_problems_of(archive, run, true)
                .into_iter()
                .map(|(_, w)| w)
                .collect();
            (!warnings.is_empty()).then(|| RunWarnings {
                run_id: s.run_id.clone(),
                job_name: s.job_name.clone(),
                warnings,
            })
        })
        .collect();
    succeeded_with_warnings.sort_by(|a, b| start_of(&b.run_id).total_cmp(&start_of(&a.run_id)));

    let mut timeline: Vec<RunSpan> = stats
        .iter()
        .map(|s| RunSpan {
            run_id: s.run_id.clone(),
            job_name: s.job_name.clone(),
            status: s.status,
            start_time: s.first_event_time,
            end_time: s.last_event_time,
            duration_ms: s.duration_ms,
        })
        .collect();
    timeline.sort_by(|a, b| b.start_time.total_cmp(&a.start_time));
    timeline.truncate(TIMELINE_RUNS);
    timeline.reverse();

    Ok(ArchiveReport {
        runs: stats.len() as u64,
        timeline,
        first_event_time: stats
            .iter()
            .map(|s| s.first_event_time)
            .fold(f64::MAX, f64::min),
        last_event_time: stats
            .iter()
            .map(|s| s.last_event_time)
            .fold(f64::MIN, f64::max),
        jobs: jobs.into_values().collect(),
        failures,
        succeeded_with_warnings,
        fingerprints,
        flaky_steps,
        regressions,
        slowest_steps,
        hang_candidates: gaps.iter().filter(|g| g.hang_candidate).cloned().collect(),
        truncated_runs: stats
            .iter()
            .filter(|s| s.truncated)
            .map(|s| s.run_id.clone())
            .collect(),
    })
}

/// Per (job, step family): p50/p95 over all runs, and the latest runs'
/// median against the earlier runs' (a regression at ≥1.5× and ≥1 s more).
fn step_trends(stats: &[RunStats]) -> PolarsResult<(Vec<StepTrend>, Vec<StepTrend>)> {
    let mut job = Vec::new();
    let mut step = Vec::new();
    let mut run_start = Vec::new();
    let mut duration = Vec::new();
    for s in stats {
        for st in &s.steps {
            if let Some(d) = st.duration_ms {
                job.push(s.job_name.clone().unwrap_or_else(|| UNKNOWN_JOB.into()));
                step.push(step_family(&st.step_key));
                run_start.push(s.first_event_time);
                duration.push(d);
            }
        }
    }
    let n = job.len();
    let df = DataFrame::new(
        n,
        vec![
            Column::new("job".into(), job),
            Column::new("step".into(), step),
            Column::new("run_start".into(), run_start),
            Column::new("ms".into(), duration),
        ],
    )?;
    let q = |e: Expr, p: f64| e.quantile(lit(p), QuantileMethod::Linear);
    // Runs are ranked per step by start: the latest fifth (at least one) is
    // compared with the rest, once a step has at least five samples.
    let by = [col("job"), col("step")];
    let out = df
        .lazy()
        .sort(["job", "step", "run_start"], SortMultipleOptions::default())
        .with_column(
            (col("ms")
                .cum_count(false)
                .over(by.clone())?
                .cast(DataType::Int64)
                * lit(5i64))
            .gt(col("ms").count().over(by.clone())?.cast(DataType::Int64) * lit(4i64))
            .alias("latest"),
        )
        .group_by(by)
        .agg([
            len().alias("samples"),
            q(col("ms"), 0.5).alias("p50"),
            q(col("ms"), 0.95).alias("p95"),
            q(col("ms").filter(col("latest").not()), 0.5).alias("baseline"),
            q(col("ms").filter(col("latest")), 0.5).alias("recent"),
        ])
        .sort(["job", "step"], SortMultipleOptions::default())
        .collect()?;
    let rows = Rows::new(&out);
    let jobs = rows.opt_str("job")?;
    let steps = rows.opt_str("step")?;
    let samples = rows.u64("samples")?;
    let f = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
        let c = out.column(name)?.cast(&DataType::Float64)?;
        Ok(c.f64()?
            .iter()
            .map(|v| v.map(|x| x.round() as i64))
            .collect())
    };
    let (p50, p95, baseline, recent) = (f("p50")?, f("p95")?, f("baseline")?, f("recent")?);
    let mut trends = Vec::with_capacity(rows.len());
    for i in 0..rows.len() {
        let enough = samples[i] >= 5;
        let (b, r) = if enough {
            (baseline[i], recent[i])
        } else {
            (None, None)
        };
        trends.push(StepTrend {
            job_name: jobs[i].clone().unwrap_or_default(),
            step_key: steps[i].clone().unwrap_or_default(),
            samples: samples[i],
            p50_ms: p50[i].unwrap_or(0),
            p95_ms: p95[i].unwrap_or(0),
            baseline_p50_ms: b,
            latest_p50_ms: r,
            regression: matches!((b, r), (Some(b), Some(r)) if r as f64 >= b as f64 * 1.5 && r - b >= 1000),
        });
    }
    let mut regressions: Vec<StepTrend> = trends.iter().filter(|t| t.regression).cloned().collect();
    regressions.sort_by_key(|t| -(t.latest_p50_ms.unwrap_or(0) - t.baseline_p50_ms.unwrap_or(0)));
    let mut slowest = trends;
    slowest.sort_by(|a, b| {
        b.p95_ms
            .cmp(&a.p95_ms)
            .then_with(|| a.step_key.cmp(&b.step_key))
    });
    slowest.truncate(10);
    Ok((regressions, slowest))
}
