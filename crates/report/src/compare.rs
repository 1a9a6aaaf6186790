//! The `daglog compare` printer: what differs between two runs, laid out on
//! the shared [`Document`](crate::layout::Document) like the other analysis
//! printers. It lays out, it never computes.

use std::io::{self, Write};

use daglog_analysis::{
    ComparedRun, Comparison, ConfigDiff, Divergence, ErrorSignature, EventSummary, StepOnly,
    TagDiff,
};
use serde_json::Value;

use crate::Format;
use crate::layout::{
    Align, Cell, Document, MESSAGE_CHARS, NONE, Table, Tone, clip, count, duration,
    event_words_up_to, format_duration_ms, offset, status, status_tone, time, write_line,
    write_pretty,
};

/// The divergence's events stand on lines of their own: room for the error.
const DIVERGENCE_CHARS: usize = 240;

/// The minus sign of deltas (U+2212), so `−850ms` does not read as a dash.
const MINUS: char = '\u{2212}';

/// `daglog compare`: what differs between two runs.
pub fn write_comparison<W: Write>(
    out: &mut W,
    comparison: &Comparison,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => write_pretty(out, comparison),
        Format::Ndjson => write_line(out, comparison),
        Format::Table { color } => compare_doc(comparison).render_text(out, color),
        Format::Markdown => compare_doc(comparison).render_markdown(out),
        Format::Html => compare_doc(comparison).render_html(out, "daglog"),
    }
}

/// A signed span: `+1.23s`, `−850ms`, `0ms`.
fn delta_ms(ms: i64) -> String {
    match ms {
        0 => "0ms".to_string(),
        ms if ms > 0 => format!("+{}", format_duration_ms(ms)),
        ms => format!("{MINUS}{}", format_duration_ms(ms.saturating_neg())),
    }
}

/// A signed count: `+2`, `−1`, `0`.
fn delta_count(n: i64) -> String {
    match n {
        0 => "0".to_string(),
        n if n > 0 => format!("+{n}"),
        n => format!("{MINUS}{}", n.unsigned_abs()),
    }
}

fn delta_cell(ms: Option<i64>) -> Cell {
    ms.map_or(Cell::default(), |ms| delta_ms(ms).into())
}

fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn compare_doc(c: &Comparison) -> Document {
    let (a, b) = (&c.run_a, &c.run_b);
    let mut doc = Document::new();
    doc.heading(1, format!("Run A {} vs run B {}", a.run_id, b.run_id));
    doc.table(runs_table(c));
    for w in &c.warnings {
        doc.note(Cell::toned("Warning:", Tone::Warn).plain(format!(" {w}")));
    }

    doc.heading(2, "Run config");
    config_section(&mut doc, c.config.as_ref());
    doc.heading(2, "Tags");
    tags_section(&mut doc, c.tags.as_ref());
    doc.heading(2, "Steps");
    steps_section(&mut doc, c);
    doc.heading(2, "Event counts");
    counts_section(&mut doc, c);
    doc.heading(2, "First divergence");
    divergence_section(&mut doc, c.first_divergence.as_ref(), a, b);
    doc.heading(2, "New errors");
    errors_section(&mut doc, c);
    doc
}

fn runs_table(c: &Comparison) -> Table {
    let (a, b) = (&c.run_a, &c.run_b);
    let mut t = Table::new(&[
        ("", Align::Left),
        ("run A", Align::Left),
        ("run B", Align::Left),
        ("Δ", Align::Right),
    ]);
    let job = |r: &ComparedRun| Cell::from(r.job_name.as_deref().unwrap_or(NONE));
    let diff = |x: u64, y: u64| Cell::from(delta_count(y as i64 - x as i64));
    t.row(vec![
        "run id".into(),
        short_id(&a.run_id).into(),
        short_id(&b.run_id).into(),
        Cell::default(),
    ]);
    t.row(vec!["job".into(), job(a), job(b), Cell::default()]);
    t.row(vec![
        "status".into(),
        status(a.status.as_str()),
        status(b.status.as_str()),
        Cell::default(),
    ]);
    t.row(vec![
        "start".into(),
        time(a.start_time),
        time(b.start_time),
        Cell::default(),
    ]);
    t.row(vec![
        "end".into(),
        time(a.end_time),
        time(b.end_time),
        Cell::default(),
    ]);
    t.row(vec![
        "duration".into(),
        duration(a.duration_ms),
        duration(b.duration_ms),
        delta_cell(c.duration_delta_ms),
    ]);
    t.row(vec![
        "steps succeeded".into(),
        count(a.steps_succeeded),
        count(b.steps_succeeded),
        diff(a.steps_succeeded, b.steps_succeeded),
    ]);
    t.row(vec![
        "steps failed".into(),
        count(a.steps_failed),
        count(b.steps_failed),
        diff(a.steps_failed, b.steps_failed),
    ]);
    t.row(vec![
        "events".into(),
        count(a.event_count),
        count(b.event_count),
        diff(a.event_count, b.event_count),
    ]);
    t
}

/// A config value as JSON, cut to a table's width.
fn json_cell(v: &Value) -> Cell {
    clip(&v.to_string(), MESSAGE_CHARS).into()
}

fn absent() -> Cell {
    Cell::toned(NONE, Tone::Dim)
}

fn change_table(first: &str) -> Table {
    Table::new(&[
        (first, Align::Left),
        ("run A", Align::Left),
        ("run B", Align::Left),
        ("", Align::Left),
    ])
}

fn config_section(doc: &mut Document, diff: Option<&ConfigDiff>) {
    let Some(diff) = diff else {
        doc.note("Not available: the archive does not hold both runs' run config.");
        return;
    };
    if diff.is_empty() {
        doc.note("Same run config.");
        return;
    }
    // One table in path order, whatever the kind of difference.
    let mut rows: Vec<(&str, Vec<Cell>)> = Vec::new();
    for ch in &diff.changed {
        rows.push((
            &ch.path,
            vec![
                ch.path.as_str().into(),
                json_cell(&ch.a),
                json_cell(&ch.b),
                "changed".into(),
            ],
        ));
    }
    for e in &diff.added {
        rows.push((
            &e.path,
            vec![
                e.path.as_str().into(),
                absent(),
                json_cell(&e.value),
                Cell::toned("added in B", Tone::Warn),
            ],
        ));
    }
    for e in &diff.removed {
        rows.push((
            &e.path,
            vec![
                e.path.as_str().into(),
                json_cell(&e.value),
                absent(),
                Cell::toned("removed in B", Tone::Warn),
            ],
        ));
    }
    rows.sort_by(|x, y| x.0.cmp(y.0));
    let mut t = change_table("path");
    for (_, cells) in rows {
        t.row(cells);
    }
    doc.table(t);
}

fn tags_section(doc: &mut Document, diff: Option<&TagDiff>) {
    let Some(diff) = diff else {
        doc.note("Not available: the archive does not hold both runs' run record.");
        return;
    };
    if diff.is_empty() {
        doc.note("Same tags.");
        return;
    }
    let mut rows: Vec<(&str, Vec<Cell>)> = Vec::new();
    for ch in &diff.changed {
        rows.push((
            &ch.key,
            vec![
                ch.key.as_str().into(),
                ch.a.as_str().into(),
                ch.b.as_str().into(),
                "changed".into(),
            ],
        ));
    }
    for e in &diff.added {
        rows.push((
            &e.key,
            vec![
                e.key.as_str().into(),
                absent(),
                e.value.as_str().into(),
                Cell::toned("added in B", Tone::Warn),
            ],
        ));
    }
    for e in &diff.removed {
        rows.push((
            &e.key,
            vec![
                e.key.as_str().into(),
                e.value.as_str().into(),
                absent(),
                Cell::toned("removed in B", Tone::Warn),
            ],
        ));
    }
    rows.sort_by(|x, y| x.0.cmp(y.0));
    let mut t = change_table("key");
    for (_, cells) in rows {
        t.row(cells);
    }
    doc.table(t);
}

/// `Only in run A: a (SUCCESS, 1.20s), b (SKIPPED)`.
fn only_note(name: &str, steps: &[StepOnly]) -> Cell {
    let mut cell = Cell::from(format!("Only in run {name}: "));
    for (i, s) in steps.iter().enumerate() {
        if i > 0 {
            cell = cell.plain(", ");
        }
        cell = cell
            .plain(format!("{} (", s.step_key))
            .with(s.status.as_str(), status_tone(s.status.as_str()));
        if let Some(ms) = s.duration_ms {
            cell = cell.plain(format!(", {}", format_duration_ms(ms)));
        }
        cell = cell.plain(")");
    }
    cell
}

fn steps_section(doc: &mut Document, c: &Comparison) {
    if c.steps_only_in_a.is_empty() && c.steps_only_in_b.is_empty() && c.step_changes.is_empty() {
        doc.note("Same steps, with the same status, duration and attempts.");
        return;
    }
    if !c.steps_only_in_a.is_empty() {
        doc.note(only_note("A", &c.steps_only_in_a));
    }
    if !c.steps_only_in_b.is_empty() {
        doc.note(only_note("B", &c.steps_only_in_b));
    }
    if c.step_changes.is_empty() {
        return;
    }
    let mut t = Table::new(&[
        ("step", Align::Left),
        ("run A", Align::Left),
        ("run B", Align::Left),
        ("duration A", Align::Right),
        ("duration B", Align::Right),
        ("Δ", Align::Right),
        ("attempts", Align::Right),
    ]);
    for s in &c.step_changes {
        let attempts = if s.attempts_changed() {
            format!("{} → {}", s.attempts_a, s.attempts_b)
        } else {
            s.attempts_a.to_string()
        };
        t.row(vec![
            s.step_key.as_str().into(),
            status(s.status_a.as_str()),
            status(s.status_b.as_str()),
            duration(s.duration_ms_a),
            duration(s.duration_ms_b),
            delta_cell(s.duration_delta_ms),
            attempts.into(),
        ]);
    }
    doc.table(t);
}

fn counts_section(doc: &mut Document, c: &Comparison) {
    if c.event_count_deltas.is_empty() {
        doc.note("Same count of every event type.");
        return;
    }
    let mut t = Table::new(&[
        ("type", Align::Left),
        ("run A", Align::Right),
        ("run B", Align::Right),
        ("Δ", Align::Right),
    ]);
    for d in &c.event_count_deltas {
        t.row(vec![
            d.event_type.as_str().into(),
            count(d.a),
            count(d.b),
            delta_count(d.delta).into(),
        ]);
    }
    doc.table(t);
}

/// An event with where it falls in its run: `+0.368s  STEP_FAILURE [step] "…"`.
fn event_at(e: Option<&EventSummary>, run: &ComparedRun) -> Cell {
    match e {
        Some(e) => Cell::from(offset(e.timestamp, run.first_event_time))
            .plain("  ")
            .plain(event_words_up_to(e, DIVERGENCE_CHARS)),
        None => Cell::toned("no more step or run events", Tone::Dim),
    }
}

fn divergence_section(
    doc: &mut Document,
    d: Option<&Divergence>,
    a: &ComparedRun,
    b: &ComparedRun,
) {
    let Some(d) = d else {
        doc.note("None: both runs have the same sequence of step and run events.");
        return;
    };
    doc.note(match d.index {
        0 => "The runs' step and run events differ from the first one on:".to_string(),
        1 => "The runs' first step or run event is the same; the second differs:".to_string(),
        n => format!(
            "The runs' first {n} step and run events are the same; event {} differs:",
            n + 1
        ),
    });
    doc.fields(vec![
        ("run A".into(), event_at(d.a.as_ref(), a)),
        ("run B".into(), event_at(d.b.as_ref(), b)),
    ]);
}

fn error_row(t: &mut Table, run: &str, e: &ErrorSignature) {
    t.row(vec![
        run.into(),
        e.step_key.as_deref().unwrap_or(NONE).into(),
        e.class_name.as_deref().unwrap_or(NONE).into(),
        clip(&e.message, MESSAGE_CHARS).into(),
        e.event_type.as_str().into(),
    ]);
}

fn errors_section(doc: &mut Document, c: &Comparison) {
    if c.errors_only_in_a.is_empty() && c.errors_only_in_b.is_empty() {
        doc.note("None: every error of either run is in the other as well.");
        return;
    }
    let mut t = Table::new(&[
        ("only in", Align::Left),
        ("step", Align::Left),
        ("error", Align::Left),
        ("message", Align::Left),
        ("event", Align::Left),
    ]);
    for e in &c.errors_only_in_b {
        error_row(&mut t, "run B", e);
    }
    for e in &c.errors_only_in_a {
        error_row(&mut t, "run A", e);
    }
    doc.table(t);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_are_signed() {
        assert_eq!(delta_ms(1234), "+1.23s");
        assert_eq!(delta_ms(-850), "−850ms");
        assert_eq!(delta_ms(0), "0ms");
        assert_eq!(delta_count(3), "+3");
        assert_eq!(delta_count(-1), "−1");
        assert_eq!(delta_count(0), "0");
    }
}
