//! The shared layout of the analysis printers: a small [`Document`] of blocks
//! (headings, key/value lists, aligned tables, notes, preformatted text) and
//! its renderers, aligned text for a terminal, GitHub-flavoured Markdown and
//! a self-contained HTML page.
//!
//! The model holds plain, unescaped text and semantic [`Tone`]s, never markup
//! or escape codes: each renderer escapes and styles in its own way, so one
//! Document gives the same content in every format.

use std::io::{self, Write};

use daglog_analysis::EventSummary;
use serde::Serialize;

use crate::text::escape_control;

mod gantt;
mod html;

pub(crate) use gantt::{Gantt, GanttBar, GanttMark, GanttRow};

/// What a piece of text means, for renderers that style it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// No style.
    Plain,
    /// A good outcome (SUCCESS).
    Good,
    /// A failure.
    Bad,
    /// Worth a look: canceled, still running, a hang candidate.
    Warn,
    /// Did not run: skipped, queued.
    Dim,
}

/// A run of text with one tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) text: String,
    pub(crate) tone: Tone,
    /// The text is a whole run id: HTML shows its first 8 characters with
    /// the whole id on hover, linked to the run's section when the page has
    /// one; the other formats print it whole.
    pub(crate) run_id: bool,
}

/// The content of a table cell, a value or a heading: spans of text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cell(pub(crate) Vec<Span>);

impl Cell {
    /// Text with a tone.
    pub(crate) fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Cell(vec![Span {
            text: text.into(),
            tone,
            run_id: false,
        }])
    }

    /// A whole run id (see [`Span::run_id`]).
    pub(crate) fn run_id(id: &str) -> Self {
        Cell(vec![Span {
            text: id.to_string(),
            tone: Tone::Plain,
            run_id: true,
        }])
    }

    /// Appends plain text.
    pub(crate) fn plain(mut self, text: impl Into<String>) -> Self {
        self.0.push(Span {
            text: text.into(),
            tone: Tone::Plain,
            run_id: false,
        });
        self
    }

    /// Appends toned text.
    pub(crate) fn with(mut self, text: impl Into<String>, tone: Tone) -> Self {
        self.0.push(Span {
            text: text.into(),
            tone,
            run_id: false,
        });
        self
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::toned(text, Tone::Plain)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::toned(text, Tone::Plain)
    }
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Text.
    Left,
    /// Numbers and durations.
    Right,
}

/// A table column.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub(crate) title: String,
    pub(crate) align: Align,
}

/// A table row.
#[derive(Debug, Clone)]
pub(crate) enum Row {
    /// One cell per column.
    Cells(Vec<Cell>),
    /// A remark between rows (a silence in a timeline): `lead` in the first
    /// column, `text` across the others, not counted in their widths.
    Aside {
        /// First-column text.
        lead: Cell,
        /// The remark.
        text: Cell,
    },
}

/// An aligned table.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Row>,
}

impl Table {
    /// A table with these `(title, align)` columns and no rows.
    pub(crate) fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            columns: columns
                .iter()
                .map(|&(title, align)| Column {
                    title: title.to_string(),
                    align,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; it must have one cell per column.
    pub(crate) fn row(&mut self, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.columns.len());
        self.rows.push(Row::Cells(cells));
    }

    /// Adds a remark row.
    pub(crate) fn aside(&mut self, lead: Cell, text: Cell) {
        self.rows.push(Row::Aside { lead, text });
    }
}

/// A block of a document.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    /// A title (level 1) or section heading (level 2); `anchor` is its
    /// HTML id (`run-<id>` for a run's section), which links point to.
    Heading {
        level: u8,
        text: Cell,
        anchor: Option<String>,
    },
    /// Key/value pairs.
    Fields(Vec<(String, Cell)>),
    /// A table.
    Table(Table),
    /// A line of prose.
    Note(Cell),
    /// Text shown as is (line breaks kept), e.g. a run config.
    Pre {
        /// Language hint for Markdown's fence.
        lang: Option<&'static str>,
        /// The text.
        text: String,
    },
    /// Long text folded under a one-line summary, e.g. a stack trace.
    Details {
        /// What stays visible.
        summary: Cell,
        /// The folded text (line breaks kept).
        body: String,
        /// Unfolded from the start (HTML; the other formats show it all).
        open: bool,
    },
    /// A Gantt chart.
    Gantt(Gantt),
}

/// What a printer lays out: blocks, rendered in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Document {
    pub(crate) blocks: Vec<Block>,
}

impl Document {
    /// An empty document.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds every block of `other`, in order.
    pub(crate) fn append(&mut self, other: Document) {
        self.blocks.extend(other.blocks);
    }

    /// Adds a heading.
    pub(crate) fn heading(&mut self, level: u8, text: impl Into<Cell>) {
        self.blocks.push(Block::Heading {
            level,
            text: text.into(),
            anchor: None,
        });
    }

    /// Adds the heading of a run's section: run ids in the page's tables
    /// link to it in HTML.
    pub(crate) fn run_heading(&mut self, level: u8, text: impl Into<Cell>, run_id: &str) {
        self.blocks.push(Block::Heading {
            level,
            text: text.into(),
            anchor: Some(run_anchor(run_id)),
        });
    }

    /// Adds key/value pairs.
    pub(crate) fn fields(&mut self, fields: Vec<(String, Cell)>) {
        if !fields.is_empty() {
            self.blocks.push(Block::Fields(fields));
        }
    }

    /// Adds a table.
    pub(crate) fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }

    /// Adds a line of prose.
    pub(crate) fn note(&mut self, text: impl Into<Cell>) {
        self.blocks.push(Block::Note(text.into()));
    }

    /// Adds preformatted text.
    pub(crate) fn pre(&mut self, lang: Option<&'static str>, text: impl Into<String>) {
        self.blocks.push(Block::Pre {
            lang,
            text: text.into(),
        });
    }

    /// Adds long text folded under a summary.
    pub(crate) fn details(
        &mut self,
        summary: impl Into<Cell>,
        body: impl Into<String>,
        open: bool,
    ) {
        self.blocks.push(Block::Details {
            summary: summary.into(),
            body: body.into(),
            open,
        });
    }

    /// Adds a Gantt chart.
    pub(crate) fn gantt(&mut self, gantt: Gantt) {
        self.blocks.push(Block::Gantt(gantt));
    }

    /// Aligned text for a terminal; `color` styles toned spans with ANSI escapes.
    pub(crate) fn render_text<W: Write>(&self, out: &mut W, color: bool) -> io::Result<()> {
        let mut s = String::new();
        for (i, block) in self.blocks.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            text::block(&mut s, block, color);
        }
        out.write_all(s.as_bytes())
    }

    /// GitHub-flavoured Markdown.
    pub(crate) fn render_markdown<W: Write>(&self, out: &mut W) -> io::Result<()> {
        let mut s = String::new();
        for (i, block) in self.blocks.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            markdown::block(&mut s, block);
        }
        out.write_all(s.as_bytes())
    }

    /// One self-contained HTML page titled `title`: inline CSS and SVG, no
    /// script, nothing fetched.
    pub(crate) fn render_html<W: Write>(&self, out: &mut W, title: &str) -> io::Result<()> {
        out.write_all(html::document(self, title).as_bytes())
    }
}

/// A span in ms, compactly: `850ms`, `4.21s`, `12.3s`, `2m 03s`, `1h 02m`
/// (about three significant digits below a minute).
pub(crate) fn format_duration_ms(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", format_duration_ms(ms.saturating_neg()));
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    // Decide the unit after rounding, so 9 996 ms is `10.0s`, not `10.00s`.
    let hundredths = (ms + 5) / 10;
    if hundredths < 1000 {
        return format!("{}.{:02}s", hundredths / 100, hundredths % 100);
    }
    let tenths = (ms + 50) / 100;
    if tenths < 600 {
        return format!("{}.{}s", tenths / 10, tenths % 10);
    }
    let secs = (ms + 500) / 1000;
    if secs < 3600 {
        return format!("{}m {:02}s", secs / 60, secs % 60);
    }
    format!("{}h {:02}m", secs / 3600, secs / 60 % 60)
}

/// A position after a run's first event, in ms: `+12.345s` under a minute,
/// then `+5m 36s` and `+1h 02m 03s` (ms matter in a burst of events, not
/// minutes into a long run).
pub(crate) fn format_offset_ms(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "+" };
    let ms = ms.unsigned_abs();
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{sign}{secs}.{:03}s", ms % 1000),
        60..3600 => format!("{sign}{}m {:02}s", secs / 60, secs % 60),
        _ => format!(
            "{sign}{}h {:02}m {:02}s",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        ),
    }
}

/// Float epoch seconds (the report types' times) as epoch ms. Event times
/// are whole ms divided by 1000 and Dagster's own carry µs; flooring (as
/// Dagster does) with a µs of slack maps both back to the event's ms despite
/// the float's rounding.
pub(crate) fn seconds_to_ms(seconds: f64) -> i64 {
    (seconds * 1000.0 + 0.001).floor() as i64
}

/// Float epoch seconds as ISO 8601 UTC with ms.
pub(crate) fn format_time(seconds: f64) -> String {
    daglog_ingest::time::format_iso(seconds_to_ms(seconds))
}

/// The HTML id of a run's section.
pub(crate) fn run_anchor(run_id: &str) -> String {
    format!("run-{run_id}")
}

/// Cuts `s` to `max` characters, marking the cut with `…`.
pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

// Cells and JSON output shared by the printers.

/// What stands for a missing value.
pub(crate) const NONE: &str = "—";

/// Event messages are cut to this many characters inside a table; JSON keeps them whole.
pub(crate) const MESSAGE_CHARS: usize = 80;

/// One pretty JSON document and a newline.
pub(crate) fn write_pretty<W: Write, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// One compact JSON line.
pub(crate) fn write_line<W: Write, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// The tone of a run or step status word.
pub(crate) fn status_tone(status: &str) -> Tone {
    match status {
        "SUCCESS" => Tone::Good,
        "FAILURE" => Tone::Bad,
        "CANCELED" | "CANCELING" | "IN_PROGRESS" | "STARTED" | "STARTING" | "UNKNOWN" => Tone::Warn,
        "QUEUED" | "NOT_STARTED" | "SKIPPED" | "NOT_EXECUTED" => Tone::Dim,
        _ => Tone::Plain,
    }
}

/// A status word, toned for the terminal.
pub(crate) fn status(status: &str) -> Cell {
    Cell::toned(status, status_tone(status))
}

/// A time as ISO 8601, or a dash.
pub(crate) fn time(t: Option<f64>) -> Cell {
    t.map_or(NONE.into(), |t| format_time(t).into())
}

/// A span, compactly, or a dash.
pub(crate) fn duration(ms: Option<i64>) -> Cell {
    ms.map_or(NONE.into(), |ms| format_duration_ms(ms).into())
}

/// Where `t` falls after the run's first event.
pub(crate) fn offset(t: f64, first: f64) -> String {
    format_offset_ms(seconds_to_ms(t) - seconds_to_ms(first))
}

/// A count.
pub(crate) fn count(n: u64) -> Cell {
    n.to_string().into()
}

/// An event in a few words: `TYPE [step] "first line of the message"`.
pub(crate) fn event_words(e: &EventSummary) -> String {
    event_words_up_to(e, MESSAGE_CHARS)
}

/// [`event_words`] with the message cut to `max` characters, for a line of
/// its own rather than a table cell.
pub(crate) fn event_words_up_to(e: &EventSummary, max: usize) -> String {
    let mut s = e.event_type.as_deref().unwrap_or("LOG").to_string();
    if let Some(step) = &e.step_key {
        s.push_str(&format!(" [{step}]"));
    }
    if !e.message.is_empty() {
        s.push_str(&format!(" \"{}\"", clip(&e.message, max)));
    }
    s
}

mod text {
    use std::fmt::Write as _;

    use super::{Align, Block, Cell, Row, Tone, escape_control, gantt};

    const RESET: &str = "\x1b[0m";
    const INDENT: &str = "  ";

    fn style(tone: Tone) -> Option<&'static str> {
        match tone {
            Tone::Plain => None,
            Tone::Good => Some("\x1b[32m"),
            Tone::Bad => Some("\x1b[31m"),
            Tone::Warn => Some("\x1b[33m"),
            Tone::Dim => Some("\x1b[2m"),
        }
    }

    /// A cell, escaped, with its width in characters (the escapes not counted).
    fn cell(c: &Cell, color: bool) -> (String, usize) {
        let mut s = String::new();
        let mut width = 0;
        for span in &c.0 {
            let text = escape_control(&span.text);
            width += text.chars().count();
            match style(span.tone).filter(|_| color) {
                Some(on) => {
                    s.push_str(on);
                    s.push_str(&text);
                    s.push_str(RESET);
                }
                None => s.push_str(&text),
            }
        }
        (s, width)
    }

    fn pad(line: &mut String, (text, width): &(String, usize), to: usize, align: Align) {
        let fill = to.saturating_sub(*width);
        if align == Align::Right {
            line.extend(std::iter::repeat_n(' ', fill));
        }
        line.push_str(text);
        if align == Align::Left {
            line.extend(std::iter::repeat_n(' ', fill));
        }
    }

    fn push_line(s: &mut String, line: &str) {
        s.push_str(line.trim_end_matches(' '));
        s.push('\n');
    }

    pub(super) fn block(s: &mut String, block: &Block, color: bool) {
        match block {
            Block::Heading { text, .. } => push_line(s, &cell(text, color).0),
            Block::Fields(fields) => {
                let width = fields
                    .iter()
                    .map(|(k, _)| k.chars().count() + 1)
                    .max()
                    .unwrap_or(0);
                for (key, value) in fields {
                    let mut line = String::from(INDENT);
                    let key = format!("{}:", escape_control(key));
                    let n = key.chars().count();
                    pad(&mut line, &(key, n), width, Align::Left);
                    line.push_str("  ");
                    line.push_str(&cell(value, color).0);
                    push_line(s, &line);
                }
            }
            Block::Table(table) => {
                let header: Vec<(String, usize)> = table
                    .columns
                    .iter()
                    .map(|c| {
                        let t = escape_control(&c.title).into_owned();
                        let n = t.chars().count();
                        (t, n)
                    })
                    .collect();
                let rows: Vec<Vec<(String, usize)>> = table
                    .rows
                    .iter()
                    .map(|row| match row {
                        Row::Cells(cells) => cells.iter().map(|c| cell(c, color)).collect(),
                        Row::Aside { lead, text } => vec![cell(lead, color), cell(text, color)],
                    })
                    .collect();
                let mut widths: Vec<usize> = header.iter().map(|h| h.1).collect();
                for (row, cells) in table.rows.iter().zip(&rows) {
                    let counted = match row {
                        Row::Cells(_) => cells.len(),
                        // An aside's remark runs across the columns.
                        Row::Aside { .. } => 1,
                    };
                    for (w, c) in widths.iter_mut().zip(&cells[..counted]) {
                        *w = (*w).max(c.1);
                    }
                }
                let line_of = |cells: &[(String, usize)], aside: bool| {
                    let mut line = String::from(INDENT);
                    for (i, c) in cells.iter().enumerate() {
                        if i > 0 {
                            line.push_str("  ");
                        }
                        if aside && i > 0 {
                            line.push_str(&c.0);
                        } else {
                            pad(&mut line, c, widths[i], table.columns[i].align);
                        }
                    }
                    line
                };
                push_line(s, &line_of(&header, false));
                for (row, cells) in table.rows.iter().zip(&rows) {
                    push_line(s, &line_of(cells, matches!(row, Row::Aside { .. })));
                }
            }
            Block::Note(text) => {
                let mut line = String::from(INDENT);
                line.push_str(&cell(text, color).0);
                push_line(s, &line);
            }
            Block::Pre { text, .. } => pre(s, text),
            Block::Details { summary, body, .. } => {
                let mut line = String::from(INDENT);
                line.push_str(&cell(summary, color).0);
                push_line(s, &line);
                pre(s, body);
            }
            Block::Gantt(g) => {
                for (lead, glyphs) in gantt::chart_lines(g) {
                    let mut line = String::from(INDENT);
                    line.push_str(&lead);
                    // Runs of one tone share one colour escape.
                    let mut run: Option<Tone> = None;
                    for (c, tone) in glyphs {
                        let on = style(tone).filter(|_| color && c != ' ');
                        let tone = on.map(|_| tone);
                        if tone != run {
                            if run.is_some() {
                                line.push_str(RESET);
                            }
                            if let Some(on) = on {
                                line.push_str(on);
                            }
                            run = tone;
                        }
                        line.push(c);
                    }
                    if run.is_some() {
                        line.push_str(RESET);
                    }
                    push_line(s, &line);
                }
            }
        }
    }

    /// Text as is, indented, control characters shown.
    fn pre(s: &mut String, text: &str) {
        for l in text.trim_end_matches(['\n', '\r']).split('\n') {
            let _ = write!(s, "{INDENT}{INDENT}");
            push_line(s, &escape_control(l.trim_end_matches('\r')));
        }
    }
}

mod markdown {
    use super::{Align, Block, Cell, Row, escape_control, gantt, html};

    /// Escapes text for one line of Markdown (a table cell, a heading, a list
    /// item): nothing in it can end the cell or the line, open a code span,
    /// a link or emphasis, or become HTML.
    pub(super) fn inline(s: &str, out: &mut String) {
        for c in s.chars() {
            match c {
                '|' => out.push_str("\\|"),
                '\\' | '`' | '*' | '[' | ']' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '\n' => out.push_str("<br>"),
                '\r' => {}
                c if c.is_control() => {
                    let mut buf = [0; 4];
                    out.push_str(&escape_control(c.encode_utf8(&mut buf)));
                }
                c => out.push(c),
            }
        }
    }

    fn cell(c: &Cell, out: &mut String) {
        // Tones are a terminal nicety: Markdown carries the words only.
        for span in &c.0 {
            inline(&span.text, out);
        }
    }

    fn row<'a>(s: &mut String, cells: impl Iterator<Item = Option<&'a Cell>>) {
        s.push('|');
        for c in cells {
            s.push(' ');
            if let Some(c) = c {
                cell(c, s);
            }
            s.push_str(" |");
        }
        s.push('\n');
    }

    /// A fence longer than any run of backticks in `text`, so it cannot close early.
    fn fence(text: &str) -> String {
        let mut longest = 0;
        let mut run = 0;
        for c in text.chars() {
            run = if c == '`' { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        "`".repeat((longest + 1).max(3))
    }

    pub(super) fn block(s: &mut String, block: &Block) {
        match block {
            Block::Heading { level, text, .. } => {
                s.extend(std::iter::repeat_n('#', usize::from((*level).clamp(1, 6))));
                s.push(' ');
                cell(text, s);
                s.push('\n');
            }
            Block::Fields(fields) => {
                for (key, value) in fields {
                    s.push_str("- **");
                    inline(key, s);
                    s.push_str(":** ");
                    cell(value, s);
                    s.push('\n');
                }
            }
            Block::Table(table) => {
                s.push('|');
                for c in &table.columns {
                    s.push(' ');
                    inline(&c.title, s);
                    s.push_str(" |");
                }
                s.push_str("\n|");
                for c in &table.columns {
                    s.push_str(match c.align {
                        Align::Left => ":---|",
                        Align::Right => "---:|",
                    });
                }
                s.push('\n');
                let n = table.columns.len();
                for r in &table.rows {
                    match r {
                        Row::Cells(cells) => row(s, cells.iter().map(Some)),
                        Row::Aside { lead, text } => row(
                            s,
                            [Some(lead), Some(text)]
                                .into_iter()
                                .chain(std::iter::repeat_n(None, n.saturating_sub(2))),
                        ),
                    }
                }
            }
            Block::Note(text) => {
                cell(text, s);
                s.push('\n');
            }
            Block::Pre { lang, text } => fenced(s, *lang, text),
            Block::Details {
                summary,
                body,
                open,
            } => {
                // Raw HTML, which GitHub renders: the summary is escaped as
                // HTML (Markdown is not parsed inside the tag), the body is a
                // fenced block after a blank line, where Markdown resumes.
                s.push_str(if *open {
                    "<details open>\n<summary>"
                } else {
                    "<details>\n<summary>"
                });
                for span in &summary.0 {
                    html::escape(&span.text, s, html::Newline::Break);
                }
                s.push_str("</summary>\n\n");
                fenced(s, Some("text"), body);
                s.push_str("\n</details>\n");
            }
            Block::Gantt(g) => {
                let chart: String = gantt::chart_lines(g)
                    .into_iter()
                    .map(|(lead, glyphs)| {
                        let mut line = lead;
                        line.extend(glyphs.into_iter().map(|(c, _)| c));
                        line.trim_end().to_string() + "\n"
                    })
                    .collect();
                fenced(s, Some("text"), &chart);
            }
        }
    }

    /// `text` in a fence it cannot close, control characters shown.
    fn fenced(s: &mut String, lang: Option<&str>, text: &str) {
        let fence = fence(text);
        s.push_str(&fence);
        s.push_str(lang.unwrap_or(""));
        s.push('\n');
        for l in text.trim_end_matches(['\n', '\r']).split('\n') {
            s.push_str(&escape_control(l.trim_end_matches('\r')));
            s.push('\n');
        }
        s.push_str(&fence);
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_compact() {
        let cases = [
            (0, "0ms"),
            (850, "850ms"),
            (999, "999ms"),
            (1000, "1.00s"),
            (4214, "4.21s"),
            (9996, "10.0s"),
            (12_345, "12.3s"),
            (42_140, "42.1s"),
            (59_960, "1m 00s"),
            (123_000, "2m 03s"),
            (327_900, "5m 28s"),
            (3_599_600, "1h 00m"),
            (3_720_000, "1h 02m"),
            (-1500, "-1.50s"),
        ];
        for (ms, want) in cases {
            assert_eq!(format_duration_ms(ms), want, "{ms}");
        }
    }

    #[test]
    fn offsets_and_times() {
        assert_eq!(format_offset_ms(12_345), "+12.345s");
        assert_eq!(format_offset_ms(0), "+0.000s");
        assert_eq!(format_offset_ms(-5), "-0.005s");
        assert_eq!(format_offset_ms(59_999), "+59.999s");
        assert_eq!(format_offset_ms(336_900), "+5m 36s");
        assert_eq!(format_offset_ms(3_723_000), "+1h 02m 03s");
        // An event's ms through the report types' float seconds and back.
        for ms in 1_795_501_832_000_i64..1_795_501_842_000 {
            assert_eq!(seconds_to_ms(ms as f64 / 1000.0), ms);
        }
        // Dagster's own µs floats floor, as its GraphQL ms strings do.
        assert_eq!(seconds_to_ms(1_795_501_915.954_612), 1_795_501_915_954);
        assert_eq!(format_time(1_698_400_805.123), "2023-10-27T10:00:05.123Z");
    }

    fn sample() -> Document {
        let mut doc = Document::new();
        doc.heading(1, "Title");
        doc.fields(vec![
            ("status".into(), Cell::toned("FAILURE", Tone::Bad)),
            ("a longer key".into(), "v".into()),
        ]);
        let mut t = Table::new(&[("name", Align::Left), ("n", Align::Right)]);
        t.row(vec!["a".into(), "1".into()]);
        t.aside("…".into(), "a remark wider than the columns".into());
        t.row(vec!["bbbb".into(), Cell::toned("100", Tone::Good)]);
        doc.table(t);
        doc.note("done");
        doc.pre(Some("yaml"), "a: 1\nb: ```x```\n");
        doc
    }

    #[test]
    fn text_aligns_and_colours_only_when_asked() {
        let mut out = Vec::new();
        sample().render_text(&mut out, false).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        Title

          status:        FAILURE
          a longer key:  v

          name    n
          a       1
          …     a remark wider than the columns
          bbbb  100

          done

            a: 1
            b: ```x```
        ");
        let mut out = Vec::new();
        sample().render_text(&mut out, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\x1b[31mFAILURE\x1b[0m"));
        assert!(text.contains("  \x1b[32m100\x1b[0m"));
        assert_eq!(text.matches("\x1b[0m").count(), 2);
    }

    #[test]
    fn markdown_tables_and_fences() {
        let mut out = Vec::new();
        sample().render_markdown(&mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        # Title

        - **status:** FAILURE
        - **a longer key:** v

        | name | n |
        |:---|---:|
        | a | 1 |
        | … | a remark wider than the columns |
        | bbbb | 100 |

        done

        ````yaml
        a: 1
        b: ```x```
        ````
        ");
    }

    #[test]
    fn markdown_inline_escapes() {
        let mut s = String::new();
        markdown::inline(
            "a|b `c` <script>x</script> [l](u) *e* \\ & \x1b[31m\r\nz",
            &mut s,
        );
        assert_eq!(
            s,
            "a\\|b \\`c\\` &lt;script&gt;x&lt;/script&gt; \\[l\\](u) \\*e\\* \\\\ &amp; \\u{1b}\\[31m<br>z"
        );
    }
}
