//! `daglog report`: the post-mortem deliverable, for one run or for an
//! archive of many, as HTML (one self-contained file), Markdown or JSON.
//! Laid out from daglog-analysis's report models; nothing is computed here.

use std::collections::BTreeMap;
use std::io::{self, Write};

use daglog_analysis::{ArchiveReport, ErrorEntry, RunReport, StepStats, StepStatus, headline};

use crate::Format;
use crate::diagnose::{class_and_text, diagnosis_doc, links_text, marked_stack, verdicts_table};
use crate::figures::{run_fields, steps_and_counts_doc};
use crate::layout::{
    Align, Cell, Document, Gantt, GanttBar, GanttMark, GanttRow, NONE, Table, Tone, clip, count,
    duration, event_words, format_duration_ms, format_time, seconds_to_ms, status, status_tone,
    time, write_line, write_pretty,
};

/// `daglog report` for one run.
pub fn write_run_report<W: Write>(
    out: &mut W,
    report: &RunReport,
    format: Format,
) -> io::Result<()> {
    let title = format!("Post-mortem of run {}", report.run.run_id);
    match format {
        Format::Json => write_pretty(out, report),
        Format::Ndjson => write_line(out, report),
        Format::Table { color } => run_doc(report).render_text(out, color),
        Format::Markdown => run_doc(report).render_markdown(out),
        Format::Html => run_doc(report).render_html(out, &title),
    }
}

/// `daglog report` for many runs.
pub fn write_archive_report<W: Write>(
    out: &mut W,
    report: &ArchiveReport,
    format: Format,
) -> io::Result<()> {
    let title = format!("Post-mortem of {} runs", report.runs);
    match format {
        Format::Json => write_pretty(out, report),
        Format::Ndjson => write_line(out, report),
        Format::Table { color } => archive_doc(report).render_text(out, color),
        Format::Markdown => archive_doc(report).render_markdown(out),
        Format::Html => archive_doc(report).render_html(out, &title),
    }
}

fn step_tone(s: StepStatus) -> Tone {
    match s {
        StepStatus::Success => Tone::Good,
        StepStatus::Failure => Tone::Bad,
        StepStatus::InProgress => Tone::Warn,
        StepStatus::Skipped | StepStatus::NotExecuted => Tone::Dim,
    }
}

/// Each step a row, each attempt a bar: retried attempts warn, the last one
/// takes the step's outcome, a running one stays open to the run's last event.
fn gantt(report: &RunReport) -> Gantt {
    let r = &report.run;
    let start_ms = seconds_to_ms(r.first_event_time);
    let end_ms = seconds_to_ms(r.last_event_time).max(start_ms + 1);
    let rows = r
        .steps
        .iter()
        .map(|s: &StepStats| {
            let n = s.attempts.len();
            let mut bars: Vec<GanttBar> = s
                .attempts
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let from = seconds_to_ms(a.start_time?);
                    let open = a.end_time.is_none();
                    let to = a.end_time.map_or(end_ms, seconds_to_ms);
                    let tone = if i + 1 < n {
                        Tone::Warn
                    } else {
                        step_tone(s.status)
                    };
                    Some(GanttBar {
                        start_ms: from,
                        end_ms: to.max(from),
                        tone,
                        title: format!(
                            "{} attempt {}: {}{}",
                            s.step_key,
                            i + 1,
                            format_duration_ms(to - from),
                            if open { ", still running" } else { "" }
                        ),
                        open,
                    })
                })
                .collect();
            if bars.is_empty() && s.status != StepStatus::NotExecuted {
                // Launched but never started (or skipped): a thin mark at its first event.
                let at = seconds_to_ms(s.first_event_time);
                bars.push(GanttBar {
                    start_ms: at,
                    end_ms: seconds_to_ms(s.last_event_time).max(at),
                    tone: step_tone(s.status),
                    title: format!("{}: {}", s.step_key, s.status.as_str()),
                    open: false,
                });
            }
            GanttRow {
                label: s.step_key.clone(),
                bars,
            }
        })
        .collect();
    let rows = group_mapped_rows(rows);
    let marks = report
        .gaps
        .iter()
        .map(|g| GanttMark {
            start_ms: seconds_to_ms(g.before.timestamp),
            end_ms: seconds_to_ms(g.after.timestamp),
            label: format!("{} silence", format_duration_ms(g.duration_ms)),
        })
        .collect();
    Gantt {
        rows,
        start_ms,
        end_ms,
        marks,
    }
}

/// A mapped step with more instances than this is one row of the Gantt.
const MAPPED_ROWS: usize = 8;

/// The instances of a mapped step (`process[0]`, `process[1]`…) as one row
/// `process[*] ×300` holding every instance's bars, failures drawn last so
/// none hides under a success: a 300-way fan-out is one row, not 300.
fn group_mapped_rows(rows: Vec<GanttRow>) -> Vec<GanttRow> {
    let family = |label: &str| daglog_analysis::step_family(label);
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *sizes.entry(family(&r.label)).or_default() += 1;
    }
    let mut out: Vec<GanttRow> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        let f = family(&r.label);
        let n = sizes[&f];
        if f == r.label || n <= MAPPED_ROWS {
            out.push(r);
            continue;
        }
        match at.get(&f) {
            Some(&i) => out[i].bars.extend(r.bars),
            None => {
                at.insert(f.clone(), out.len());
                out.push(GanttRow {
                    label: format!("{f} ×{n}"),
                    bars: r.bars,
                });
            }
        }
    }
    for &i in at.values() {
        out[i].bars.sort_by_key(|b| match b.tone {
            Tone::Bad => 2,
            Tone::Warn => 1,
            _ => 0,
        });
    }
    out
}

fn run_doc(report: &RunReport) -> Document {
    let r = &report.run;
    let mut doc = Document::new();
    let mut title = format!("Post-mortem of run {}", r.run_id);
    if let Some(job) = &r.job_name {
        title.push_str(&format!(" · {job}"));
    }
    doc.heading(1, title);
    if r.truncated {
        doc.note(Cell::toned(
            "Incomplete export: its last page says hasMore: true, later events are missing.",
            Tone::Warn,
        ));
    }
    doc.fields(run_fields(r));

    doc.heading(2, "Diagnosis");
    doc.append(diagnosis_doc(&report.diagnosis, 3));

    doc.heading(2, "Timeline");
    doc.note(format!(
        "Each bar is an attempt; long silences (≥ {}) are shaded.",
        format_duration_ms(report.gap_threshold_ms)
    ));
    doc.gantt(gantt(report));

    doc.append(steps_and_counts_doc(r));

    doc.heading(2, "Errors");
    if report.errors.is_empty() {
        doc.note("No error events.");
    }
    // The root error's event opens unfolded: the first error event of the
    // root step carrying the diagnosis' root error.
    let root = report.diagnosis.root_error.as_ref();
    let root_at = report.errors.iter().position(|e| {
        root.is_some_and(|r| {
            e.step_key == report.diagnosis.root_step
                && e.class_name == r.class_name
                && e.message == r.message
        })
    });
    for (i, e) in report.errors.iter().enumerate() {
        let mut summary = format!("{} ", format_time(e.timestamp));
        summary.push_str(e.event_type.as_deref().unwrap_or("LOG"));
        if let Some(step) = &e.step_key {
            summary.push_str(&format!(" [{step}]"));
        }
        summary.push_str(&format!(" {}", clip(&error_line(e), 160)));
        let mut body = links_text(&e.links);
        // Where it was raised first, the user's frame marked; Dagster's own
        // frames after.
        if !e.cause_stack.is_empty() {
            body.push_str("\nWhere it was raised (▶ your code):\n");
            body.push_str(&marked_stack(&e.cause_stack, e.user_frame));
        }
        if !e.stack.is_empty() {
            body.push_str("\nDagster's frames:\n");
            let mark = if e.cause_stack.is_empty() {
                e.user_frame
            } else {
                None
            };
            body.push_str(&marked_stack(&e.stack, mark));
        }
        doc.details(Cell::toned(summary, Tone::Bad), body, Some(i) == root_at);
    }

    doc.heading(2, "The log around the failure");
    let mut t = Table::new(&[("time", Align::Left), ("event", Align::Left)]);
    for e in &report.context {
        t.row(vec![format_time(e.timestamp).into(), event_words(e).into()]);
    }
    doc.table(t);
    doc
}

fn runs_gantt(r: &ArchiveReport) -> Gantt {
    let start_ms = r
        .timeline
        .first()
        .map_or(0, |s| seconds_to_ms(s.start_time));
    let end_ms = r
        .timeline
        .iter()
        .map(|s| seconds_to_ms(s.end_time))
        .max()
        .unwrap_or(start_ms)
        .max(start_ms + 1);
    let rows = r
        .timeline
        .iter()
        .map(|s| {
            let from = seconds_to_ms(s.start_time);
            let to = seconds_to_ms(s.end_time).max(from);
            GanttRow {
                label: format!(
                    "{} {}",
                    &s.run_id[..s.run_id.len().min(8)],
                    s.job_name.as_deref().unwrap_or("")
                ),
                bars: vec![GanttBar {
                    start_ms: from,
                    end_ms: to,
                    tone: status_tone(s.status.as_str()),
                    title: format!(
                        "{} {}: {}, {}",
                        s.run_id,
                        s.job_name.as_deref().unwrap_or(""),
                        s.status.as_str(),
                        s.duration_ms
                            .map_or_else(|| "no start or end".to_string(), format_duration_ms)
                    ),
                    open: !s.status.is_terminal(),
                }],
            }
        })
        .collect();
    Gantt {
        rows,
        start_ms,
        end_ms,
        marks: Vec::new(),
    }
}

fn archive_doc(r: &ArchiveReport) -> Document {
    let mut doc = Document::new();
    doc.heading(1, format!("Post-mortem of {} runs", r.runs));
    doc.fields(vec![
        ("from".to_string(), time(Some(r.first_event_time))),
        ("to".to_string(), time(Some(r.last_event_time))),
        ("failed runs".to_string(), count(r.failures.len() as u64)),
        (
            "hang candidates".to_string(),
            count(r.hang_candidates.len() as u64),
        ),
    ]);
    if !r.truncated_runs.is_empty() {
        doc.note(Cell::toned(
            format!(
                "{} run(s) have incomplete exports (hasMore: true): {}",
                r.truncated_runs.len(),
                r.truncated_runs.join(", ")
            ),
            Tone::Warn,
        ));
    }

    doc.heading(2, "Runs over time");
    doc.note(format!(
        "The newest {} runs, each from its first to its last event, coloured by how it ended.",
        r.timeline.len()
    ));
    doc.gantt(runs_gantt(r));

    doc.heading(2, "Runs by job");
    let statuses: Vec<String> = {
        let mut all: BTreeMap<&str, ()> = BTreeMap::new();
        for j in &r.jobs {
            for s in j.statuses.keys() {
                all.insert(s.as_str(), ());
            }
        }
        all.into_keys().map(str::to_string).collect()
    };
    let mut columns: Vec<(&str, Align)> = vec![("job", Align::Left), ("runs", Align::Right)];
    columns.extend(statuses.iter().map(|s| (s.as_str(), Align::Right)));
    columns.push(("failure patterns", Align::Left));
    let mut t = Table::new(&columns);
    for j in &r.jobs {
        let mut row: Vec<Cell> = vec![j.job_name.as_str().into(), count(j.runs)];
        for s in &statuses {
            row.push(j.statuses.get(s).map_or(Cell::from(""), |n| count(*n)));
        }
        row.push(
            j.patterns
                .iter()
                .map(|(p, n)| format!("{p} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
        );
        t.row(row);
    }
    doc.table(t);

    doc.heading(2, "Failed runs");
    if r.failures.is_empty() {
        doc.note("No run failed.");
    } else {
        doc.table(verdicts_table(&r.failures));
    }

    if !r.succeeded_with_warnings.is_empty() {
        doc.heading(2, "Runs that succeeded with warnings");
        doc.note("Failed asset checks and ERROR log lines of runs that succeeded.");
        let mut t = Table::new(&[
            ("run id", Align::Left),
            ("job", Align::Left),
            ("warning", Align::Left),
        ]);
        for w in &r.succeeded_with_warnings {
            for (i, text) in w.warnings.iter().enumerate() {
                let (id, job) = if i == 0 {
                    (
                        Cell::run_id(&w.run_id),
                        w.job_name.as_deref().unwrap_or(NONE).into(),
                    )
                } else {
                    (Cell::default(), Cell::default())
                };
                t.row(vec![id, job, clip(text, 160).into()]);
            }
        }
        doc.table(t);
    }

    doc.heading(2, "Error fingerprints");
    if r.fingerprints.is_empty() {
        doc.note("No errors.");
    } else {
        let mut t = Table::new(&[
            ("fingerprint", Align::Left),
            ("count", Align::Right),
            ("runs", Align::Right),
            ("first seen", Align::Left),
            ("last seen", Align::Left),
            ("steps", Align::Left),
            ("example runs", Align::Left),
        ]);
        for f in &r.fingerprints {
            t.row(vec![
                clip(&f.fingerprint, 120).into(),
                count(f.count),
                count(f.runs),
                format_time(f.first_seen).into(),
                format_time(f.last_seen).into(),
                f.steps.join(", ").into(),
                run_ids(&f.example_runs),
            ]);
        }
        doc.table(t);
    }

    doc.heading(2, "Flaky steps");
    doc.note(
        "Flaky: passed on a retry, or failed and passed in runs of the same config and partition. \
         A failure from bad config or data (an import, a validation, a missing input) is not flaky.",
    );
    if r.flaky_steps.is_empty() {
        doc.note("No flaky step.");
    } else {
        let mut t = Table::new(&[
            ("job", Align::Left),
            ("step", Align::Left),
            ("runs", Align::Right),
            ("failed, same config passed", Align::Right),
            ("retried, then ok", Align::Right),
            ("ok first time", Align::Right),
        ]);
        for f in &r.flaky_steps {
            t.row(vec![
                f.job_name.as_str().into(),
                f.step_key.as_str().into(),
                count(f.runs),
                count(f.failed_runs),
                count(f.retried_runs),
                count(f.clean_runs),
            ]);
        }
        doc.table(t);
    }

    doc.heading(2, "Regressions");
    if r.regressions.is_empty() {
        doc.note("No step's latest runs are markedly slower than its earlier ones (≥ 1.5× and ≥ 1 s on the median; steps with at least 5 samples).");
    } else {
        let mut t = Table::new(&[
            ("job", Align::Left),
            ("step", Align::Left),
            ("baseline p50", Align::Right),
            ("latest p50", Align::Right),
            ("samples", Align::Right),
        ]);
        for s in &r.regressions {
            t.row(vec![
                s.job_name.as_str().into(),
                s.step_key.as_str().into(),
                duration(s.baseline_p50_ms),
                Cell::toned(
                    s.latest_p50_ms.map_or(NONE.to_string(), format_duration_ms),
                    Tone::Bad,
                ),
                count(s.samples),
            ]);
        }
        doc.table(t);
    }

    doc.heading(2, "Slowest steps");
    let mut t = Table::new(&[
        ("job", Align::Left),
        ("step", Align::Left),
        ("p50", Align::Right),
        ("p95", Align::Right),
        ("samples", Align::Right),
    ]);
    for s in &r.slowest_steps {
        t.row(vec![
            s.job_name.as_str().into(),
            s.step_key.as_str().into(),
            format_duration_ms(s.p50_ms).into(),
            format_duration_ms(s.p95_ms).into(),
            count(s.samples),
        ]);
    }
    doc.table(t);

    doc.heading(2, "Hang candidates");
    if r.hang_candidates.is_empty() {
        doc.note("No run looks hung.");
    } else {
        let mut t = Table::new(&[
            ("run id", Align::Left),
            ("job", Align::Left),
            ("status", Align::Left),
            ("largest silence", Align::Right),
            ("why", Align::Left),
        ]);
        for h in &r.hang_candidates {
            let mut why = Vec::new();
            if !h.open_steps.is_empty() {
                why.push(format!("open steps: {}", h.open_steps.join(", ")));
            }
            if h.no_terminal_event {
                why.push("no terminal event".to_string());
            }
            if h.canceled_after_silence {
                why.push("canceled after silence".to_string());
            }
            t.row(vec![
                Cell::run_id(&h.run_id),
                h.job_name.as_deref().unwrap_or(NONE).into(),
                status(h.status.as_str()),
                format_duration_ms(h.largest_gap_ms).into(),
                why.join("; ").into(),
            ]);
        }
        doc.table(t);
    }

    // A section per failed run, which the tables' run ids link to in HTML.
    if !r.failures.is_empty() {
        doc.heading(2, "Failed runs in detail");
        let shown = r.failures.len().min(DETAILED_FAILURES);
        if shown < r.failures.len() {
            doc.note(format!(
                "The newest {shown} of {} failed runs; `daglog report ARCHIVE --run-id ID` gives any run's post-mortem.",
                r.failures.len()
            ));
        }
        for d in &r.failures[..shown] {
            let mut title = format!("Run {}", d.run_id);
            if let Some(job) = &d.job_name {
                title.push_str(&format!(" · {job}"));
            }
            doc.run_heading(3, title, &d.run_id);
            doc.append(diagnosis_doc(d, 4));
        }
    }
    doc
}

/// How many failed runs the archive report details, newest first.
const DETAILED_FAILURES: usize = 50;

/// Run ids as one cell: `a, b, c`, each a run id (linked in HTML).
fn run_ids(ids: &[String]) -> Cell {
    let mut cell = Cell::default();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            cell = cell.plain(", ");
        }
        cell.0.extend(Cell::run_id(id).0);
    }
    cell
}

/// An error event's real error on one line: `Class: message`.
fn error_line(e: &ErrorEntry) -> String {
    class_and_text(e.class_name.as_deref(), &headline(&e.message))
}
