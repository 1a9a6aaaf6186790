//! Printers for `daglog logs`.

use std::io::{self, Write};

use daglog_ingest::{AssetFacts, EventView, JsonJoin, Level, time};

use crate::text::{escape_control, first_line};

/// How a page of results ends: the cursor to continue from, and whether there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEnd {
    /// Feed back as `--cursor` to continue after the last event printed.
    pub cursor: String,
    /// More events match after this page.
    pub has_more: bool,
}

/// Receives the events of a `logs` result, in order.
pub trait LogPrinter {
    /// Before the first event.
    fn begin(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// One event.
    fn event(&mut self, ev: &EventView<'_>) -> io::Result<()>;
    /// After the last event.
    fn finish(&mut self, end: &PageEnd) -> io::Result<()>;
}

/// A printer of events' original JSON alone, which can be handed just that.
pub trait JsonLogPrinter: LogPrinter {
    /// How this printer joins one event's JSON to the next.
    fn join(&self) -> JsonJoin;
    /// The JSON of several events, joined as [`JsonLogPrinter::join`] says,
    /// following those written before (the first block right after
    /// [`LogPrinter::begin`]).
    fn joined_json(&mut self, joined: &[u8]) -> io::Result<()>;
}

/// Options for [`HumanLogs`].
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// Colour the level and errors with ANSI escapes.
    pub color: bool,
    /// Start each line with the run id's first 8 characters (for several runs).
    pub show_run: bool,
    /// Every event's whole message under its line, not only error events'.
    pub full: bool,
    /// Width of the event type column: the longest type printed (22 when 0).
    pub type_width: usize,
}

/// One line per event: time, level, type, step, first line of the message, error chain.
#[derive(Debug)]
pub struct HumanLogs<W> {
    out: W,
    opts: HumanOptions,
    line: String,
}

impl<W: Write> HumanLogs<W> {
    /// A printer writing to `out`.
    pub fn new(out: W, opts: HumanOptions) -> Self {
        HumanLogs {
            out,
            opts,
            line: String::with_capacity(256),
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Under an asset event: its asset and partition, a check's verdict, and
    /// its metadata (`row_count: 30 · path: /…`), each value on one line.
    pub fn asset_facts(&mut self, f: &AssetFacts) -> io::Result<()> {
        let mut head = Vec::new();
        if let Some(c) = &f.check {
            let verdict = match c.success {
                Some(true) => "passed",
                Some(false) => "FAILED",
                None => "no verdict",
            };
            let severity = c
                .severity
                .as_deref()
                .map_or(String::new(), |s| format!(" (severity {s})"));
            head.push(format!("check {} {verdict}{severity}", c.name));
        }
        if let Some(a) = &f.asset_key {
            head.push(format!("asset {a}"));
        }
        if let Some(p) = &f.partition {
            head.push(format!("partition {p}"));
        }
        if !head.is_empty() {
            self.write_indented("", &head.join(" · "), 4)?;
        }
        if !f.metadata.is_empty() {
            let entries: Vec<String> = f
                .metadata
                .iter()
                .map(|(label, value)| {
                    let (first, more) = first_line(value);
                    let (shown, cut) = clip_to(first, METADATA_VALUE_CHARS);
                    let tail = if cut || more { "…" } else { "" };
                    format!("{label}: {shown}{tail}")
                })
                .collect();
            self.write_indented("", &entries.join(" · "), 4)?;
        }
        Ok(())
    }
}

/// A metadata value is cut to this many characters under its event.
const METADATA_VALUE_CHARS: usize = 80;

fn clip_to(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((at, _)) => (&s[..at], true),
        None => (s, false),
    }
}

fn level_color(level: Level) -> &'static str {
    match level {
        Level::Debug => "\x1b[2m",
        Level::Info => "\x1b[32m",
        Level::Warning => "\x1b[33m",
        Level::Error => "\x1b[31m",
        Level::Critical => "\x1b[1;31m",
    }
}

const RESET: &str = "\x1b[0m";

/// Messages longer than this are cut on a terminal line; JSON output keeps them whole.
const MAX_MESSAGE_CHARS: usize = 300;

fn clip(s: &str) -> (&str, bool) {
    clip_to(s, MAX_MESSAGE_CHARS)
}

impl<W: Write> HumanLogs<W> {
    /// One line under an event: `indent` spaces, `head`, then `text`, escaped.
    fn write_indented(&mut self, head: &str, text: &str, indent: usize) -> io::Result<()> {
        let line = format!(
            "{:indent$}{}{}",
            "",
            escape_control(head),
            escape_control(text)
        );
        self.out.write_all(line.trim_end().as_bytes())?;
        self.out.write_all(b"\n")
    }
}

impl<W: Write> LogPrinter for HumanLogs<W> {
    fn event(&mut self, ev: &EventView<'_>) -> io::Result<()> {
        use std::fmt::Write as _;
        let line = &mut self.line;
        line.clear();
        if self.opts.show_run {
            line.push_str(&ev.run_id[..ev.run_id.len().min(8)]);
            line.push(' ');
        }
        line.push_str(&time::format_iso(ev.timestamp_ms));
        line.push(' ');
        if self.opts.color {
            line.push_str(level_color(ev.level));
        }
        let _ = write!(line, "{:<8}", ev.level.as_str());
        if self.opts.color {
            line.push_str(RESET);
        }
        let event_type = ev.event_type.map_or("LOG".into(), escape_control);
        let width = if self.opts.type_width == 0 {
            22
        } else {
            self.opts.type_width
        };
        let _ = write!(line, " {event_type:<width$}");
        if let Some(step) = ev.step_key {
            let _ = write!(line, " [{}]", escape_control(step));
        }
        let (first, more) = first_line(ev.message);
        let (first, cut) = clip(first);
        if !first.is_empty() {
            line.push(' ');
            line.push_str(&escape_control(first));
        }
        if cut {
            let _ = write!(
                line,
                "… ({} chars in all; --json has them)",
                ev.message.chars().count()
            );
        } else if more {
            line.push_str(" …");
        }
        if let Some(err) = ev.error {
            line.push_str(" — ");
            if self.opts.color {
                line.push_str("\x1b[31m");
            }
            let summary = err.summary();
            let (first, more) = first_line(&summary);
            line.push_str(&escape_control(first));
            if more {
                line.push_str(" …");
            }
            if self.opts.color {
                line.push_str(RESET);
            }
        }
        let trimmed = line.trim_end();
        self.out.write_all(trimmed.as_bytes())?;
        self.out.write_all(b"\n")?;
        // The whole text where it matters: an error's full message and every
        // link of its chain, each with its own message (the user's
        // `ValueError` inside Dagster's wrapper), indented under the event.
        if self.opts.full || ev.error.is_some() {
            let mut rest = ev.message.trim_end().lines().skip(1).peekable();
            if cut && rest.peek().is_none() {
                self.write_indented("", ev.message, 4)?;
            }
            for l in rest {
                self.write_indented("", l, 4)?;
            }
            if let Some(err) = ev.error {
                for (i, link) in err.chain.iter().enumerate() {
                    let head = if i == 0 { "error: " } else { "cause: " };
                    let class = link
                        .class_name
                        .as_deref()
                        .map_or(String::new(), |c| format!("{c}: "));
                    let text = link.text();
                    let mut lines = text.lines();
                    let first = lines.next().unwrap_or("");
                    self.write_indented(&format!("{head}{class}"), first, 4)?;
                    for l in lines {
                        self.write_indented("", l, 11)?;
                    }
                }
                // `--full` adds where it was raised, the user's frame marked.
                let stack = err.raised_stack();
                if self.opts.full && !stack.is_empty() {
                    self.write_indented("stack (▶ your code):", "", 4)?;
                    let marked = crate::diagnose::marked_stack(stack, err.user_frame());
                    for l in marked.lines() {
                        self.write_indented("", l, 6)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, _end: &PageEnd) -> io::Result<()> {
        self.out.flush()
    }
}

/// Dagster's `logsForRun` shape: `{"events":[…],"cursor":"…","hasMore":bool}`,
/// each event with its original fields, compact. Events are kept compact when
/// read, so they are written as they are: give it a buffered writer.
#[derive(Debug)]
pub struct JsonLogs<W> {
    out: W,
    first: bool,
}

impl<W: Write> JsonLogs<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> Self {
        JsonLogs { out, first: true }
    }
}

impl<W: Write> LogPrinter for JsonLogs<W> {
    fn begin(&mut self) -> io::Result<()> {
        self.out.write_all(b"{\"events\":[")
    }

    fn event(&mut self, ev: &EventView<'_>) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(ev.raw)
    }

    fn finish(&mut self, end: &PageEnd) -> io::Result<()> {
        self.out.write_all(b"],\"cursor\":")?;
        serde_json::to_writer(&mut self.out, &end.cursor).map_err(io::Error::other)?;
        self.out.write_all(if end.has_more {
            b",\"hasMore\":true}\n"
        } else {
            b",\"hasMore\":false}\n"
        })?;
        self.out.flush()
    }
}

impl<W: Write> JsonLogPrinter for JsonLogs<W> {
    fn join(&self) -> JsonJoin {
        JsonJoin {
            between: b",",
            after_each: b"",
        }
    }

    fn joined_json(&mut self, joined: &[u8]) -> io::Result<()> {
        self.first &= joined.is_empty();
        self.out.write_all(joined)
    }
}

/// One compact event object per line, with its original fields (written as
/// they are, like [`JsonLogs`]).
#[derive(Debug)]
pub struct NdjsonLogs<W> {
    out: W,
}

impl<W: Write> NdjsonLogs<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> Self {
        NdjsonLogs { out }
    }

    /// The writer back (call after [`LogPrinter::finish`]).
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> LogPrinter for NdjsonLogs<W> {
    fn event(&mut self, ev: &EventView<'_>) -> io::Result<()> {
        self.out.write_all(ev.raw)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, _end: &PageEnd) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> JsonLogPrinter for NdjsonLogs<W> {
    fn join(&self) -> JsonJoin {
        JsonJoin {
            between: b"",
            after_each: b"\n",
        }
    }

    fn joined_json(&mut self, joined: &[u8]) -> io::Result<()> {
        self.out.write_all(joined)
    }
}

/// What `logs --count-by` counts the matching events by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountField {
    /// The event type (log lines have none).
    Type,
    /// The level.
    Level,
    /// The step key (run-level events have none).
    Step,
    /// The run id.
    Run,
}

impl CountField {
    /// The JSON key: `type` as in the reference's `group_by(.eventType) |
    /// map({type: …, count: length})` recipe, else the event's own field name.
    fn json_key(self) -> &'static str {
        match self {
            CountField::Type => "type",
            CountField::Level => "level",
            CountField::Step => "stepKey",
            CountField::Run => "runId",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            CountField::Type => "TYPE",
            CountField::Level => "LEVEL",
            CountField::Step => "STEP",
            CountField::Run => "RUN",
        }
    }

    /// How a table names the events without a value (JSON has null).
    fn none_label(self) -> &'static str {
        match self {
            CountField::Type => "LOG",
            CountField::Step => "(run-level)",
            CountField::Level | CountField::Run => "-",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            CountField::Type => "types",
            CountField::Level => "levels",
            CountField::Step => "steps",
            CountField::Run => "runs",
        }
    }
}

/// The matching events counted by one field, in the order to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    /// What was counted by.
    pub field: CountField,
    /// Each value (`None`: the events without one) and its count.
    pub rows: Vec<(Option<String>, u64)>,
    /// All matching events.
    pub total: u64,
}

/// How [`write_counts`] prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountsFormat {
    /// A right-aligned table with a total line.
    Table,
    /// `[{"type": …, "count": N}, …]`.
    Json,
    /// One `{"type": …, "count": N}` per line.
    Ndjson,
}

/// Prints `counts`.
pub fn write_counts(out: &mut dyn Write, counts: &Counts, format: CountsFormat) -> io::Result<()> {
    // The value first, then its count, as the reference's recipe prints them.
    let object = |value: &Option<String>, n: u64| -> io::Result<String> {
        let value = serde_json::to_string(value).map_err(io::Error::other)?;
        Ok(format!(
            "{{\"{}\":{value},\"count\":{n}}}",
            counts.field.json_key()
        ))
    };
    match format {
        CountsFormat::Json => {
            let all = counts
                .rows
                .iter()
                .map(|(v, n)| object(v, *n))
                .collect::<io::Result<Vec<_>>>()?;
            writeln!(out, "[{}]", all.join(","))
        }
        CountsFormat::Ndjson => {
            for (v, n) in &counts.rows {
                writeln!(out, "{}", object(v, *n)?)?;
            }
            Ok(())
        }
        CountsFormat::Table => {
            let width = counts.total.to_string().len().max("COUNT".len());
            writeln!(out, "{:>width$}  {}", "COUNT", counts.field.heading())?;
            for (v, n) in &counts.rows {
                let label = v
                    .as_deref()
                    .map_or(counts.field.none_label().into(), escape_control);
                writeln!(out, "{n:>width$}  {label}")?;
            }
            writeln!(
                out,
                "{:>width$}  total ({} {})",
                counts.total,
                counts.rows.len(),
                counts.field.plural()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use daglog_ingest::{ParseOptions, parse_bytes};
    use std::path::Path;

    const PAGE: &str = r#"{"events":[
      {"__typename":"LogMessageEvent","runId":"27a22958-e1b1-4e29-9219-816ec07f7759","message":"multi\nline \u001b[31m","timestamp":"1795501832511","level":"WARNING","stepKey":"load","eventType":null},
      {"__typename":"ExecutionStepFailureEvent","runId":"27a22958-e1b1-4e29-9219-816ec07f7759","message":"Execution of step \"load\" failed.","timestamp":"1795501833000","level":"ERROR","stepKey":"load","eventType":"STEP_FAILURE","error":{"message":"dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op \"load\":\n","className":"DagsterExecutionStepExecutionError","stack":[],"cause":{"message":"ZeroDivisionError: division by zero\n","className":"ZeroDivisionError","stack":[],"cause":null}}}
    ],"cursor":"x","hasMore":false}"#;

    fn render(p: &mut dyn LogPrinter) {
        let f = parse_bytes(
            Path::new("p.json"),
            PAGE.as_bytes(),
            &ParseOptions::default(),
        )
        .unwrap();
        p.begin().unwrap();
        for row in 0..f.batch.len() {
            p.event(&f.batch.view(row)).unwrap();
        }
        p.finish(&PageEnd {
            cursor: "eyJ0eXBlIjogIlNUT1JBR0VfSUQiLCAidmFsdWUiOiAyfQ==".into(),
            has_more: false,
        })
        .unwrap();
    }

    #[test]
    fn human() {
        let mut out = Vec::new();
        render(&mut HumanLogs::new(
            &mut out,
            HumanOptions {
                color: false,
                show_run: true,
                full: false,
                type_width: 0,
            },
        ));
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r#"
        27a22958 2026-11-24T06:30:32.511Z WARNING  LOG                    [load] multi …
        27a22958 2026-11-24T06:30:33.000Z ERROR    STEP_FAILURE           [load] Execution of step "load" failed. — DagsterExecutionStepExecutionError ← ZeroDivisionError: division by zero
            error: DagsterExecutionStepExecutionError: Error occurred while executing op "load":
            cause: ZeroDivisionError: division by zero
        "#);
    }

    #[test]
    fn human_colour_wraps_only_the_level_and_error() {
        let mut out = Vec::new();
        render(&mut HumanLogs::new(
            &mut out,
            HumanOptions {
                color: true,
                show_run: false,
                full: false,
                type_width: 0,
            },
        ));
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\x1b[31mERROR   \x1b[0m"));
        assert_eq!(text.matches('\x1b').count(), 6, "{text:?}");
    }

    #[test]
    fn json() {
        let mut out = Vec::new();
        render(&mut JsonLogs::new(&mut out));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["events"].as_array().unwrap().len(), 2);
        assert_eq!(v["hasMore"], false);
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r#"{"events":[{"__typename":"LogMessageEvent","runId":"27a22958-e1b1-4e29-9219-816ec07f7759","message":"multi\nline \u001b[31m","timestamp":"1795501832511","level":"WARNING","stepKey":"load","eventType":null},{"__typename":"ExecutionStepFailureEvent","runId":"27a22958-e1b1-4e29-9219-816ec07f7759","message":"Execution of step \"load\" failed.","timestamp":"1795501833000","level":"ERROR","stepKey":"load","eventType":"STEP_FAILURE","error":{"message":"dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op \"load\":\n","className":"DagsterExecutionStepExecutionError","stack":[],"cause":{"message":"ZeroDivisionError: division by zero\n","className":"ZeroDivisionError","stack":[],"cause":null}}}],"cursor":"eyJ0eXBlIjogIlNUT1JBR0VfSUQiLCAidmFsdWUiOiAyfQ==","hasMore":false}"#);
    }

    #[test]
    fn ndjson() {
        let mut out = Vec::new();
        render(&mut NdjsonLogs::new(&mut out));
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["runId"], "27a22958-e1b1-4e29-9219-816ec07f7759");
        }
    }
}
