//! The `daglog diagnose` printer: per run, the verdict, the root error, what
//! it brought down, the evidence and what to do next.

use std::io::{self, Write};

use daglog_analysis::{Diagnosis, RootError, headline};
use daglog_ingest::ErrorLink;
use serde::Serialize;

use crate::Format;
use crate::layout::{
    Align, Cell, Document, NONE, Table, Tone, clip, event_words, format_time, status, write_line,
    write_pretty,
};

/// `daglog diagnose`: why each run did not succeed.
pub fn write_diagnoses<W: Write>(
    out: &mut W,
    runs: &[Diagnosis],
    format: Format,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Runs<'a> {
        runs: &'a [Diagnosis],
    }
    match format {
        Format::Json => write_pretty(out, &Runs { runs }),
        Format::Ndjson => runs.iter().try_for_each(|r| write_line(out, r)),
        Format::Table { color } => doc(runs).render_text(out, color),
        Format::Markdown => doc(runs).render_markdown(out),
        Format::Html => doc(runs).render_html(out, "daglog"),
    }
}

/// `Class: message` on one line (the class alone when there is no message).
pub(crate) fn error_text(e: &RootError) -> String {
    class_and_text(e.class_name.as_deref(), &headline(&e.message))
}

/// `Class: text`, or either alone.
pub(crate) fn class_and_text(class: Option<&str>, text: &str) -> String {
    match class {
        Some(c) if text.is_empty() => c.to_string(),
        Some(c) => format!("{c}: {text}"),
        None => text.to_string(),
    }
}

/// Every link of a chain with its whole message, outermost first:
/// `error: Wrapper: …` then `cause: ValueError: …`, continuation lines indented.
pub(crate) fn links_text(links: &[ErrorLink]) -> String {
    let mut out = String::new();
    for (i, link) in links.iter().enumerate() {
        let head = if i == 0 { "error: " } else { "cause: " };
        let mut lines = link.text().trim_end().lines();
        out.push_str(head);
        out.push_str(&class_and_text(
            link.class_name.as_deref(),
            lines.next().unwrap_or(""),
        ));
        out.push('\n');
        for l in lines {
            out.push_str("       ");
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// Stack frames as Python prints them, the user's own frame marked `▶`.
pub(crate) fn marked_stack(frames: &[String], user_frame: Option<usize>) -> String {
    let mut out = String::new();
    for (i, f) in frames.iter().enumerate() {
        let f = f.trim_end_matches('\n');
        if Some(i) == user_frame {
            out.push('▶');
            out.push_str(f.strip_prefix(' ').unwrap_or(f));
        } else {
            out.push_str(f);
        }
        out.push('\n');
    }
    out
}

fn chain_text(e: &RootError) -> String {
    e.chain
        .iter()
        .map(|l| l.class_name.clone().unwrap_or_else(|| "?".into()))
        .collect::<Vec<_>>()
        .join(" ← ")
}

fn doc(runs: &[Diagnosis]) -> Document {
    let mut doc = Document::new();
    if runs.is_empty() {
        doc.heading(1, "Diagnosis");
        doc.note("Every run succeeded: nothing to diagnose (--all lists warnings of successful runs too).");
        return doc;
    }
    if runs.len() > 1 {
        doc.heading(1, format!("Diagnosis of {} runs", runs.len()));
        doc.table(verdicts_table(runs));
    }
    for d in runs {
        let mut title = format!("Run {}", d.run_id);
        if let Some(job) = &d.job_name {
            title.push_str(&format!(" · {job}"));
        }
        doc.run_heading(if runs.len() > 1 { 2 } else { 1 }, title, &d.run_id);
        doc.append(diagnosis_doc(d, 3));
    }
    doc
}

/// One row per run: its verdict in brief.
pub(crate) fn verdicts_table(runs: &[Diagnosis]) -> Table {
    let mut t = Table::new(&[
        ("run id", Align::Left),
        ("job", Align::Left),
        ("status", Align::Left),
        ("pattern", Align::Left),
        ("root step", Align::Left),
        ("root error", Align::Left),
    ]);
    for d in runs {
        t.row(vec![
            Cell::run_id(&d.run_id),
            d.job_name.as_deref().unwrap_or(NONE).into(),
            status(d.status.as_str()),
            d.pattern.map_or(NONE, |p| p.as_str()).into(),
            d.root_step.as_deref().unwrap_or(NONE).into(),
            d.root_error
                .as_ref()
                .map_or(NONE.to_string(), |e| clip(&error_text(e), 100))
                .into(),
        ]);
    }
    t
}

/// One run's diagnosis without a title: its fields, then sections headed at
/// `level` (the report puts it under a heading of its own).
pub(crate) fn diagnosis_doc(d: &Diagnosis, level: u8) -> Document {
    let mut doc = Document::new();
    let pattern = match d.pattern {
        Some(p) => Cell::toned(p.as_str(), Tone::Bad),
        None => Cell::toned("none (the run succeeded)", Tone::Good),
    };
    let mut fields = vec![
        ("status".to_string(), status(d.status.as_str())),
        ("pattern".to_string(), pattern),
        ("summary".to_string(), d.summary.as_str().into()),
        (
            "root step".to_string(),
            d.root_step.as_deref().unwrap_or("— (run level)").into(),
        ),
    ];
    if let Some(e) = &d.root_error {
        fields.push((
            "root error".to_string(),
            Cell::toned(error_text(e), Tone::Bad),
        ));
        fields.push(("error chain".to_string(), chain_text(e).into()));
        if let Some(src) = &e.error_source {
            fields.push(("error source".to_string(), src.as_str().into()));
        }
    }
    if let Some(reason) = &d.failure_reason {
        fields.push(("dagster/failure_reason".to_string(), reason.as_str().into()));
    }
    doc.fields(fields);

    // The whole root error and where the user's code raised it: the part of
    // a stack an on-call engineer opens first (`logs --full` has the rest).
    if let Some(e) = &d.root_error {
        let whole = class_and_text(e.class_name.as_deref(), e.message.trim_end());
        let frame = e.user_frame.and_then(|i| e.stack.get(i));
        if whole.contains('\n') || frame.is_some() {
            doc.heading(level, "Root error");
            let mut body = whole;
            if let Some(f) = frame {
                body.push_str("\n\nraised in your code at:\n");
                body.push_str(&marked_stack(std::slice::from_ref(f), Some(0)));
            }
            doc.pre(None, body);
        }
    }

    if !d.cascade.is_empty() {
        doc.heading(level, "Brought down by the root");
        let mut t = Table::new(&[
            ("step", Align::Left),
            ("status", Align::Left),
            ("because of", Align::Left),
        ]);
        for c in &d.cascade {
            t.row(vec![
                c.step_key.as_str().into(),
                status(c.status.as_str()),
                c.because_of.join(", ").into(),
            ]);
        }
        doc.table(t);
    }
    if !d.other_failures.is_empty() {
        doc.heading(level, "Other independent failures");
        let mut t = Table::new(&[
            ("step", Align::Left),
            ("pattern", Align::Left),
            ("error", Align::Left),
            ("brought down", Align::Left),
        ]);
        for o in &d.other_failures {
            t.row(vec![
                o.step_key.as_deref().unwrap_or("(run level)").into(),
                o.pattern.as_str().into(),
                o.root_error
                    .as_ref()
                    .map_or(NONE.to_string(), |e| clip(&error_text(e), 100))
                    .into(),
                o.cascade
                    .iter()
                    .map(|c| c.step_key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            ]);
        }
        doc.table(t);
    }
    let retried: Vec<_> = d
        .flaky_steps
        .iter()
        .map(|r| (r, "flaky: succeeded after retries"))
        .chain(d.retries_exhausted.iter().map(|r| (r, "retries exhausted")))
        .collect();
    if !retried.is_empty() {
        doc.heading(level, "Retries");
        let mut t = Table::new(&[
            ("step", Align::Left),
            ("attempts", Align::Right),
            ("outcome", Align::Left),
            ("errors", Align::Left),
        ]);
        for (r, outcome) in retried {
            t.row(vec![
                r.step_key.as_str().into(),
                r.attempts.to_string().into(),
                outcome.into(),
                clip(&r.errors.join("; "), 120).into(),
            ]);
        }
        doc.table(t);
    }
    if !d.warnings.is_empty() {
        doc.heading(level, "Warnings");
        for w in &d.warnings {
            doc.note(Cell::toned(w.as_str(), Tone::Warn));
        }
    }
    if !d.evidence.is_empty() {
        doc.heading(level, "Evidence");
        let mut t = Table::new(&[("time", Align::Left), ("event", Align::Left)]);
        for e in &d.evidence {
            t.row(vec![format_time(e.timestamp).into(), event_words(e).into()]);
        }
        doc.table(t);
    }
    if let Some(tail) = &d.captured_stderr {
        let step = tail
            .step_key
            .as_deref()
            .map(|s| format!(" of {s}"))
            .unwrap_or_default();
        doc.heading(level, format!("Captured stderr{step}"));
        let earlier = if tail.earlier_lines > 0 {
            format!("last {} lines of ", tail.lines.len())
        } else {
            String::new()
        };
        doc.note(format!(
            "{earlier}{} (`daglog output` prints it all)",
            tail.path
        ));
        doc.pre(None, tail.lines.join("\n"));
    }
    if !d.next_steps.is_empty() {
        doc.heading(level, "Next steps");
        for (i, n) in d.next_steps.iter().enumerate() {
            doc.note(format!("{}. {n}", i + 1));
        }
    }
    doc
}
