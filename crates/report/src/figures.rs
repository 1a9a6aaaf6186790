//! Printers for the analysis commands (`stats`, `info`, `runs`, `timeline`,
//! `gaps`): each takes daglog-analysis's report types and writes them in one
//! [`Format`]. They lay out, they never compute.
//!
//! Table and Markdown output of a command come from one
//! [`Document`](crate::layout::Document), so both hold the same content; JSON
//! and NDJSON are the report types as serde writes them, with Dagster's names.

use std::io::{self, Write};

use daglog_analysis::{
    Gap, InfoSource, RunGaps, RunInfo, RunStats, StepRow, StepStats, StepStatus, Timeline,
};
use serde::Serialize;
use serde_json::Value;

use crate::layout::{
    Align, Cell, Document, NONE, Table, Tone, count, duration, event_words, format_duration_ms,
    format_time, offset, seconds_to_ms, status, status_tone, time, write_line, write_pretty,
};

/// How analysis results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text tables for a terminal; `color` adds ANSI colour to statuses.
    Table {
        /// Colour statuses.
        color: bool,
    },
    /// One pretty JSON document.
    Json,
    /// One compact JSON object per line (per run).
    Ndjson,
    /// GitHub-flavoured Markdown, for tickets.
    Markdown,
    /// One self-contained HTML page (inline CSS and SVG, no script).
    Html,
}

fn run_title(prefix: &str, run_id: &str, job: Option<&str>) -> Cell {
    let mut title = format!("{prefix}{run_id}");
    if let Some(job) = job {
        title.push_str(" · ");
        title.push_str(job);
    }
    title.into()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `daglog stats`: run figures, step table, counts.
pub fn write_stats<W: Write>(out: &mut W, runs: &[RunStats], format: Format) -> io::Result<()> {
    #[derive(Serialize)]
    struct Runs<'a> {
        runs: &'a [RunStats],
    }
    match format {
        Format::Json => write_pretty(out, &Runs { runs }),
        Format::Ndjson => runs.iter().try_for_each(|r| write_line(out, r)),
        Format::Table { color } => stats_doc(runs).render_text(out, color),
        Format::Markdown => stats_doc(runs).render_markdown(out),
        Format::Html => stats_doc(runs).render_html(out, "daglog"),
    }
}

/// Prints one row per step of `runs` (`stats --steps`).
pub fn write_step_rows<W: Write>(out: &mut W, runs: &[RunStats], format: Format) -> io::Result<()> {
    #[derive(Serialize)]
    struct Steps<'a> {
        steps: Vec<StepRow<'a>>,
    }
    let mut rows = runs.iter().flat_map(RunStats::step_rows);
    match format {
        Format::Json => write_pretty(
            out,
            &Steps {
                steps: rows.collect(),
            },
        ),
        Format::Ndjson => rows.try_for_each(|r| write_line(out, &r)),
        Format::Table { color } => step_rows_doc(runs).render_text(out, color),
        Format::Markdown => step_rows_doc(runs).render_markdown(out),
        Format::Html => step_rows_doc(runs).render_html(out, "daglog steps"),
    }
}

fn step_rows_doc(runs: &[RunStats]) -> Document {
    let mut doc = Document::new();
    let n: usize = runs.iter().map(|r| r.steps.len()).sum();
    doc.heading(
        1,
        format!(
            "{} of {}",
            plural(n, "step", "steps"),
            plural(runs.len(), "run", "runs")
        ),
    );
    if n == 0 {
        doc.note("No steps.");
        return doc;
    }
    let mut t = Table::new(&[
        ("run id", Align::Left),
        ("job", Align::Left),
        ("step", Align::Left),
        ("status", Align::Left),
        ("start", Align::Left),
        ("duration", Align::Right),
        ("attempts", Align::Right),
    ]);
    for r in runs.iter().flat_map(RunStats::step_rows) {
        t.row(vec![
            Cell::run_id(r.run_id),
            r.job_name.unwrap_or(NONE).into(),
            r.step_key.into(),
            status(r.status.as_str()),
            time(r.start_time),
            duration(r.duration_ms),
            count(r.attempts as u64),
        ]);
    }
    doc.table(t);
    doc
}

/// One run in detail; several runs as one summary table.
fn stats_doc(runs: &[RunStats]) -> Document {
    match runs {
        [one] => run_stats_doc(one),
        _ => stats_list_doc(runs),
    }
}

fn run_stats_doc(r: &RunStats) -> Document {
    let mut doc = Document::new();
    doc.heading(1, run_title("Run ", &r.run_id, r.job_name.as_deref()));
    doc.fields(run_fields(r));
    doc.append(steps_and_counts_doc(r));
    doc
}

/// A run's figures as key/values.
pub(crate) fn run_fields(r: &RunStats) -> Vec<(String, Cell)> {
    let mut fields: Vec<(String, Cell)> = vec![
        ("status".into(), status(r.status.as_str())),
        ("start".into(), time(r.start_time)),
        ("end".into(), time(r.end_time)),
        ("duration".into(), duration(r.duration_ms)),
        ("queue wait".into(), duration(r.queue_wait_ms)),
        ("launch".into(), duration(r.launch_ms)),
        ("steps succeeded".into(), count(r.steps_succeeded)),
        ("steps failed".into(), count(r.steps_failed)),
        ("materializations".into(), count(r.materializations)),
        ("expectations".into(), count(r.expectations)),
        ("events".into(), count(r.event_count)),
        ("first event".into(), time(Some(r.first_event_time))),
        ("last event".into(), time(Some(r.last_event_time))),
        ("events after end".into(), count(r.events_after_end)),
    ];
    if r.truncated {
        fields.push((
            "truncated".into(),
            "yes: the export ends on a page with hasMore: true, later events are missing".into(),
        ));
    }
    fields.push(("critical path".into(), critical_path(r)));
    fields
}

/// A run's step table (with phases) and its event counts.
pub(crate) fn steps_and_counts_doc(r: &RunStats) -> Document {
    let mut doc = Document::new();
    doc.heading(2, "Steps");
    if r.steps.is_empty() {
        doc.note("No step events.");
    } else {
        let mut t = Table::new(&[
            ("step", Align::Left),
            ("status", Align::Left),
            ("start", Align::Right),
            ("duration", Align::Right),
            ("attempts", Align::Right),
            ("worker", Align::Right),
            ("resources", Align::Right),
            ("inputs", Align::Right),
            ("compute", Align::Right),
            ("outputs", Align::Right),
            ("retry wait", Align::Right),
        ]);
        for s in &r.steps {
            let p = &s.phases;
            let open = s.attempts.iter().any(|a| a.end_time.is_none());
            let attempts = if open {
                format!("{} (running)", s.attempts.len())
            } else {
                s.attempts.len().to_string()
            };
            t.row(vec![
                s.step_key.as_str().into(),
                status(s.status.as_str()),
                s.start_time
                    .map_or(NONE.into(), |t| offset(t, r.first_event_time).into()),
                step_duration(s),
                attempts.into(),
                phase(p.worker_start_ms),
                phase(p.resource_init_ms),
                phase(p.input_loading_ms),
                phase(p.compute_ms),
                phase(p.output_handling_ms),
                phase(p.retry_wait_ms),
            ]);
        }
        doc.table(t);
    }

    for (title, column, by) in [
        ("Events by type", "type", &r.events_by_type),
        ("Events by level", "level", &r.events_by_level),
    ] {
        doc.heading(2, title);
        let mut t = Table::new(&[(column, Align::Left), ("events", Align::Right)]);
        for (key, n) in by {
            t.row(vec![key.as_str().into(), count(*n)]);
        }
        doc.table(t);
    }
    doc
}

fn critical_path(r: &RunStats) -> Cell {
    if r.critical_path.is_empty() {
        return NONE.into();
    }
    let mut path = r.critical_path.join(" → ");
    if let Some(ms) = r.critical_path_ms {
        path.push_str(&format!(" ({})", format_duration_ms(ms)));
    }
    path.into()
}

/// A phase's time; a phase the step did not go through shows as a dash.
fn phase(ms: i64) -> Cell {
    if ms == 0 {
        NONE.into()
    } else {
        format_duration_ms(ms).into()
    }
}

fn step_duration(s: &StepStats) -> Cell {
    match s.duration_ms {
        Some(ms) => format_duration_ms(ms).into(),
        None if s.status == StepStatus::InProgress => "running".into(),
        None => NONE.into(),
    }
}

fn stats_list_doc(runs: &[RunStats]) -> Document {
    let mut doc = Document::new();
    doc.heading(1, plural(runs.len(), "run", "runs"));
    if runs.is_empty() {
        doc.note("No runs.");
        return doc;
    }
    let mut t = Table::new(&[
        ("run id", Align::Left),
        ("job", Align::Left),
        ("status", Align::Left),
        ("start", Align::Left),
        ("duration", Align::Right),
        ("queue wait", Align::Right),
        ("steps ok", Align::Right),
        ("steps failed", Align::Right),
        ("materializations", Align::Right),
        ("expectations", Align::Right),
        ("events", Align::Right),
        ("truncated", Align::Left),
    ]);
    for r in runs {
        t.row(vec![
            Cell::run_id(&r.run_id),
            r.job_name.as_deref().unwrap_or(NONE).into(),
            status(r.status.as_str()),
            time(r.start_time),
            duration(r.duration_ms),
            duration(r.queue_wait_ms),
            count(r.steps_succeeded),
            count(r.steps_failed),
            count(r.materializations),
            count(r.expectations),
            count(r.event_count),
            if r.truncated { "yes" } else { "" }.into(),
        ]);
    }
    doc.table(t);
    doc
}

/// `daglog info`: one run's metadata.
pub fn write_info<W: Write>(
    out: &mut W,
    info: &RunInfo,
    stats: Option<&RunStats>,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => write_pretty(out, info),
        Format::Ndjson => write_line(out, info),
        Format::Table { color } => info_doc(info, stats).render_text(out, color),
        Format::Markdown => info_doc(info, stats).render_markdown(out),
        Format::Html => info_doc(info, stats).render_html(out, "daglog"),
    }
}

fn source_label(source: InfoSource) -> &'static str {
    match source {
        InfoSource::RunJson => "from run.json",
        InfoSource::RunsList => "from a runsOrError list",
        InfoSource::DebugBundle => "from a dagster debug export",
        InfoSource::Storage => "from Dagster's storage (runs table)",
        InfoSource::Events => "derived from events",
    }
}

fn job_of(info: &RunInfo) -> Option<&str> {
    info.str("jobName").or(info.str("pipelineName"))
}

/// `end - start` of a run's float-second times, when it has both.
fn span(start: Option<f64>, end: Option<f64>) -> Option<i64> {
    Some(seconds_to_ms(end?) - seconds_to_ms(start?))
}

/// A value of Dagster's record as text: times (`…Time`) as ISO 8601.
fn json_value(key: &str, v: &Value) -> Cell {
    match v {
        Value::Null => NONE.into(),
        Value::String(s) => s.as_str().into(),
        Value::Number(n) => match n.as_f64() {
            Some(t) if key.ends_with("Time") => format_time(t).into(),
            _ => n.to_string().into(),
        },
        other => other.to_string().into(),
    }
}

fn info_doc(info: &RunInfo, stats: Option<&RunStats>) -> Document {
    let mut doc = Document::new();
    let run_id = info.str("runId").unwrap_or(NONE);
    doc.heading(1, run_title("Run ", run_id, job_of(info)));

    let mut status_cell = info.str("status").map_or(NONE.into(), status);
    if let Some(events) = info.event_status.as_deref()
        && info.str("status") != Some(events)
    {
        status_cell = status_cell
            .plain(" (the events say ")
            .with(events, status_tone(events))
            .plain(")");
    }
    let mut fields: Vec<(String, Cell)> = vec![
        ("run id".into(), run_id.into()),
        ("job".into(), job_of(info).unwrap_or(NONE).into()),
        ("status".into(), status_cell),
    ];
    if let Some(t) = info.f64("creationTime") {
        fields.push(("created".into(), time(Some(t))));
    }
    let (start, end) = (info.f64("startTime"), info.f64("endTime"));
    fields.push(("start".into(), time(start)));
    fields.push(("end".into(), time(end)));
    fields.push(("duration".into(), duration(span(start, end))));
    for (key, label) in [("rootRunId", "root run"), ("parentRunId", "parent run")] {
        if let Some(id) = info.str(key) {
            fields.push((label.into(), id.into()));
        }
    }
    fields.push(("source".into(), source_label(info.source).into()));
    doc.fields(fields);

    if let Some(Value::Object(s)) = info.fields.get("stats") {
        doc.heading(2, format!("Stats ({})", source_label(info.source)));
        doc.fields(
            s.iter()
                .filter(|(k, _)| k.as_str() != "__typename")
                .map(|(k, v)| (k.clone(), json_value(k, v)))
                .collect(),
        );
    }

    let tags = info.tags();
    if !tags.is_empty() {
        doc.heading(2, "Tags");
        let mut t = Table::new(&[("key", Align::Left), ("value", Align::Left)]);
        for (k, v) in tags {
            t.row(vec![k.into(), v.into()]);
        }
        doc.table(t);
    }

    if let Some(config) = info.str("runConfigYaml") {
        doc.heading(2, "Run config");
        doc.pre(Some("yaml"), config);
    }

    if let Some(s) = stats {
        doc.heading(2, "From the events");
        doc.fields(vec![
            ("status".into(), status(s.status.as_str())),
            ("steps succeeded".into(), count(s.steps_succeeded)),
            ("steps failed".into(), count(s.steps_failed)),
            ("events".into(), count(s.event_count)),
        ]);
    }
    doc
}

/// `daglog runs`: every run, newest first.
pub fn write_runs<W: Write>(out: &mut W, runs: &[RunInfo], format: Format) -> io::Result<()> {
    // Dagster's `runsOrError` shape, so scripts for its API read ours.
    #[derive(Serialize)]
    struct Results<'a> {
        results: &'a [RunInfo],
    }
    #[derive(Serialize)]
    struct Runs<'a> {
        #[serde(rename = "runsOrError")]
        runs_or_error: Results<'a>,
    }
    match format {
        Format::Json => write_pretty(
            out,
            &Runs {
                runs_or_error: Results { results: runs },
            },
        ),
        Format::Ndjson => runs.iter().try_for_each(|r| write_line(out, r)),
        Format::Table { color } => runs_doc(runs).render_text(out, color),
        Format::Markdown => runs_doc(runs).render_markdown(out),
        Format::Html => runs_doc(runs).render_html(out, "daglog"),
    }
}

fn runs_doc(runs: &[RunInfo]) -> Document {
    let mut doc = Document::new();
    doc.heading(1, plural(runs.len(), "run", "runs"));
    if runs.is_empty() {
        doc.note("No runs.");
        return doc;
    }
    let mut t = Table::new(&[
        ("status", Align::Left),
        ("run id", Align::Left),
        ("job", Align::Left),
        ("start", Align::Left),
        ("duration", Align::Right),
        ("events", Align::Right),
        ("source", Align::Left),
    ]);
    for info in runs {
        let (start, end) = (info.f64("startTime"), info.f64("endTime"));
        t.row(vec![
            info.str("status").map_or(NONE.into(), status),
            info.str("runId").unwrap_or(NONE).into(),
            job_of(info).unwrap_or(NONE).into(),
            time(start),
            duration(span(start, end)),
            info.event_count.to_string().into(),
            info.source.as_str().into(),
        ]);
    }
    doc.table(t);
    doc
}

/// `daglog timeline`: one run's steps in time order, with its gaps.
pub fn write_timeline<W: Write>(
    out: &mut W,
    timeline: &Timeline,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => write_pretty(out, timeline),
        Format::Ndjson => write_line(out, timeline),
        Format::Table { color } => timeline_doc(timeline).render_text(out, color),
        Format::Markdown => timeline_doc(timeline).render_markdown(out),
        Format::Html => timeline_doc(timeline).render_html(out, "daglog"),
    }
}

fn open_steps(steps: &[String]) -> String {
    if steps.is_empty() {
        NONE.to_string()
    } else {
        steps.join(", ")
    }
}

fn gap_remark(g: &Gap) -> Cell {
    let mut s = format!(
        "… {} silence after {}, until {}",
        format_duration_ms(g.duration_ms),
        event_words(&g.before),
        g.after.event_type.as_deref().unwrap_or("LOG"),
    );
    if !g.open_steps.is_empty() {
        s.push_str(&format!("; open: {}", g.open_steps.join(", ")));
    }
    s.into()
}

fn timeline_doc(tl: &Timeline) -> Document {
    let r = &tl.run;
    let mut doc = Document::new();
    doc.heading(
        1,
        run_title("Timeline of run ", &r.run_id, r.job_name.as_deref()),
    );
    doc.fields(vec![
        ("status".into(), status(r.status.as_str())),
        ("start".into(), time(r.start_time)),
        ("duration".into(), duration(r.duration_ms)),
        (
            "offsets from".into(),
            format!("the first event, {}", format_time(r.first_event_time)).into(),
        ),
        (
            "gaps shown".into(),
            format!(
                "silences of {} or more",
                format_duration_ms(tl.gap_threshold_ms)
            )
            .into(),
        ),
    ]);
    if r.steps.is_empty() && tl.gaps.is_empty() {
        doc.note("No step events and no silences.");
        return doc;
    }
    let mut t = Table::new(&[
        ("at", Align::Right),
        ("step", Align::Left),
        ("status", Align::Left),
        ("duration", Align::Right),
        ("attempts", Align::Right),
        ("", Align::Left),
    ]);
    let first = r.first_event_time;
    let mut gaps = tl.gaps.iter().peekable();
    let aside =
        |t: &mut Table, g: &Gap| t.aside(offset(g.before.timestamp, first).into(), gap_remark(g));
    for s in &r.steps {
        // A step is at its STEP_START, as in `stats` and Dagster's stepStats
        // (a step that never started: its first event).
        let at = s.start_time.unwrap_or(s.first_event_time);
        // Both lists are in time order: a silence goes before the first step
        // that begins after the silence does.
        while let Some(g) = gaps.next_if(|g| g.before.timestamp < at) {
            aside(&mut t, g);
        }
        let attempts = match s.attempts.len() {
            0 => NONE.to_string(),
            1 => "1".to_string(),
            n => format!("{n} ({})", plural(n - 1, "retry", "retries")),
        };
        let open = s.status == StepStatus::InProgress && s.end_time.is_none();
        t.row(vec![
            offset(at, first).into(),
            s.step_key.as_str().into(),
            status(s.status.as_str()),
            step_duration(s),
            attempts.into(),
            if open { "◀ open" } else { "" }.into(),
        ]);
    }
    for g in gaps {
        aside(&mut t, g);
    }
    doc.table(t);
    doc
}

/// `daglog gaps`: runs ranked by their largest silence, hang candidates first.
pub fn write_gaps<W: Write>(
    out: &mut W,
    runs: &[RunGaps],
    threshold_ms: i64,
    format: Format,
) -> io::Result<()> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Gaps<'a> {
        gap_threshold_ms: i64,
        runs: &'a [RunGaps],
    }
    match format {
        Format::Json => write_pretty(
            out,
            &Gaps {
                gap_threshold_ms: threshold_ms,
                runs,
            },
        ),
        Format::Ndjson => runs.iter().try_for_each(|r| write_line(out, r)),
        Format::Table { color } => gaps_doc(runs, threshold_ms).render_text(out, color),
        Format::Markdown => gaps_doc(runs, threshold_ms).render_markdown(out),
        Format::Html => gaps_doc(runs, threshold_ms).render_html(out, "daglog"),
    }
}

/// Why a run is a hang candidate.
fn hang_reasons(r: &RunGaps) -> String {
    let mut why = Vec::new();
    if !r.open_steps.is_empty() {
        why.push(format!("open steps: {}", r.open_steps.join(", ")));
    }
    if r.no_terminal_event {
        why.push("no terminal event".to_string());
    }
    if r.canceled_after_silence {
        why.push("canceled after silence".to_string());
    }
    why.join("; ")
}

fn gaps_doc(runs: &[RunGaps], threshold_ms: i64) -> Document {
    let threshold = format_duration_ms(threshold_ms);
    let mut doc = Document::new();
    doc.heading(
        1,
        format!(
            "Silences of {threshold} or more · {}",
            plural(runs.len(), "run", "runs")
        ),
    );
    if runs.is_empty() {
        doc.note(format!(
            "No run has a silence of {threshold} or more, and none is a hang candidate."
        ));
        return doc;
    }
    let mut t = Table::new(&[
        ("run id", Align::Left),
        ("job", Align::Left),
        ("status", Align::Left),
        ("largest gap", Align::Right),
        ("hang candidate", Align::Left),
        ("why", Align::Left),
    ]);
    for r in runs {
        t.row(vec![
            Cell::run_id(&r.run_id),
            r.job_name.as_deref().unwrap_or(NONE).into(),
            status(r.status.as_str()),
            format_duration_ms(r.largest_gap_ms).into(),
            if r.hang_candidate {
                Cell::toned("yes", Tone::Warn)
            } else {
                "no".into()
            },
            if r.hang_candidate {
                hang_reasons(r).into()
            } else {
                "".into()
            },
        ]);
    }
    doc.table(t);

    for r in runs.iter().filter(|r| r.hang_candidate) {
        doc.run_heading(
            2,
            run_title("Hang candidate ", &r.run_id, r.job_name.as_deref()),
            &r.run_id,
        );
        doc.fields(vec![
            ("status".into(), status(r.status.as_str())),
            ("last event".into(), time(Some(r.last_event_time))),
            ("open steps".into(), open_steps(&r.open_steps).into()),
        ]);
        if r.gaps.is_empty() {
            doc.note(format!("No silence of {threshold} or more."));
            continue;
        }
        let mut t = Table::new(&[
            ("silence", Align::Right),
            ("from", Align::Left),
            ("before", Align::Left),
            ("after", Align::Left),
            ("open steps", Align::Left),
        ]);
        for g in &r.gaps {
            t.row(vec![
                format_duration_ms(g.duration_ms).into(),
                time(Some(g.before.timestamp)),
                event_words(&g.before).into(),
                event_words(&g.after).into(),
                open_steps(&g.open_steps).into(),
            ]);
        }
        doc.table(t);
    }
    doc
}
