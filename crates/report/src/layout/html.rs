//! The HTML renderer: one self-contained page (inline CSS and SVG, no script,
//! no network) that reads the same with JavaScript off.
//!
//! Every piece of text from the model goes through [`escape`], so text from a
//! log stays text; the page's Content-Security-Policy forbids scripts and
//! fetches as a second line of defence.

use std::fmt::Write as _;

use super::gantt::{Gantt, GanttBar};
use super::{Align, Block, Cell, Document, Row, Tone, clip, escape_control};

/// What a newline in escaped text becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Newline {
    /// `<br>`: one-line places (cells, headings, summaries).
    Break,
    /// Kept, with tabs: `<pre>` bodies and tooltips.
    Keep,
    /// Shown as `\n`: SVG text, where an HTML `<br>` would end the SVG.
    Shown,
}

/// Escapes `s` for HTML text or a double- or single-quoted attribute value:
/// `& < > " '` as entities, control characters (ESC above all) as visible
/// escapes, a CR before a LF dropped.
pub(super) fn escape(s: &str, out: &mut String, newline: Newline) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' if newline == Newline::Break => out.push_str("<br>"),
            '\n' | '\t' if newline == Newline::Keep => out.push(c),
            c if c.is_control() => {
                let mut buf = [0; 4];
                out.push_str(&escape_control(c.encode_utf8(&mut buf)));
            }
            c => out.push(c),
        }
    }
}

fn tone_class(tone: Tone) -> Option<&'static str> {
    match tone {
        Tone::Plain => None,
        Tone::Good => Some("good"),
        Tone::Bad => Some("bad"),
        Tone::Warn => Some("warn"),
        Tone::Dim => Some("dim"),
    }
}

fn tone_colour(tone: Tone) -> &'static str {
    match tone {
        Tone::Plain => "#0969da",
        Tone::Good => "#1a7f37",
        Tone::Bad => "#cf222e",
        Tone::Warn => "#bf8700",
        Tone::Dim => "#8c959f",
    }
}

const TONES: [Tone; 5] = [Tone::Plain, Tone::Good, Tone::Bad, Tone::Warn, Tone::Dim];

/// What the renderer knows of the page while writing it.
#[derive(Default)]
struct Page {
    /// Ids of the page's run sections, which run ids link to.
    anchors: std::collections::HashSet<String>,
    /// Gantt charts written so far (each gets an id of its own).
    gantts: usize,
}

/// Text of a cell, heading or note: backtick pairs become `<code>`, a run id
/// is shortened with its whole id on hover (and linked to its section).
fn cell(c: &Cell, page: &Page, out: &mut String) {
    spans(c, page, out, false);
}

/// A table cell's text: as [`cell`], and no token (a run of text without
/// spaces: a time, a path, a status) is broken across lines, where a browser
/// would break it after a hyphen or a slash.
fn table_cell(c: &Cell, page: &Page, out: &mut String) {
    spans(c, page, out, true);
}

fn spans(c: &Cell, page: &Page, out: &mut String, whole_tokens: bool) {
    for span in &c.0 {
        let class = tone_class(span.tone);
        if let Some(class) = class {
            let _ = write!(out, "<span class=\"{class}\">");
        }
        if span.run_id {
            run_id(&span.text, page, out);
        } else {
            text_with_code(&span.text, out, whole_tokens);
        }
        if class.is_some() {
            out.push_str("</span>");
        }
    }
}

/// A run id: its first 8 characters in `<code>`, the whole id on hover,
/// linked to the run's section when the page has one.
fn run_id(id: &str, page: &Page, out: &mut String) {
    let short: String = id.chars().take(8).collect();
    let anchor = super::run_anchor(id);
    let linked = page.anchors.contains(&anchor);
    if linked {
        out.push_str("<a href=\"#");
        escape(&anchor, out, Newline::Shown);
        out.push_str("\">");
    }
    out.push_str("<code class=\"nw\" title=\"");
    escape(id, out, Newline::Shown);
    out.push_str("\">");
    escape(&short, out, Newline::Break);
    out.push_str("</code>");
    if linked {
        out.push_str("</a>");
    }
}

/// Escaped text where each pair of backticks encloses `<code>` (an odd one
/// out stays a backtick); with `whole_tokens`, tokens a browser could break
/// inside are kept on one line.
fn text_with_code(text: &str, out: &mut String, whole_tokens: bool) {
    let pieces: Vec<&str> = text.split('`').collect();
    let pairs = (pieces.len() - 1) / 2 * 2;
    for (i, piece) in pieces.iter().enumerate() {
        let in_code = i % 2 == 1 && i <= pairs;
        if i > 0 && !(in_code || (i % 2 == 0 && i <= pairs)) {
            out.push('`');
        }
        if in_code {
            out.push_str("<code>");
        }
        if whole_tokens {
            unbroken_tokens(piece, out);
        } else {
            escape(piece, out, Newline::Break);
        }
        if in_code {
            out.push_str("</code>");
        }
    }
}

/// Characters after which a browser may break a line inside a token.
const BREAKS_INSIDE: &[char] = &['-', '/', '?', '‐', '–', '—', '!', '}', ')', ']', '%'];

/// Escaped text whose tokens that hold a break opportunity are each kept on
/// one line (`<span class="nw">`), so `2026-11-24T06:32:28.472Z` or a path
/// never wraps inside; spaces still wrap.
fn unbroken_tokens(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (token, after) = rest.split_at(end);
        if token.chars().count() > 1 && token.contains(BREAKS_INSIDE) {
            out.push_str("<span class=\"nw\">");
            escape(token, out, Newline::Break);
            out.push_str("</span>");
        } else {
            escape(token, out, Newline::Break);
        }
        let gap = after
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(after.len());
        escape(&after[..gap], out, Newline::Break);
        rest = &after[gap..];
    }
}

/// Preformatted text: lines as the text renderer splits them, controls shown.
fn pre_text(text: &str, out: &mut String) {
    escape(text.trim_end_matches(['\n', '\r']), out, Newline::Keep);
}

const STYLE: &str = "\
:root{color-scheme:light}
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#fff}
main{max-width:1280px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.6em;border-bottom:1px solid #d0d7de;padding-bottom:.3em}
h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid #eaeef2;padding-bottom:.2em}
h3,h4,h5,h6{font-size:1.1em;margin-top:1.3em}
h1,h2,h3,h4,h5,h6,p,dt,dd,summary{overflow-wrap:anywhere}
.nw{white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;border-radius:4px;padding:0 3px}
pre code{background:none;padding:0}
a code{color:#0969da}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:#57606a;margin:4px 0 12px}
.legend .swatch{display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:-1px;border-radius:2px}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.fields dt{color:#57606a;max-width:22em}
dl.fields dd{margin:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #d0d7de;padding:3px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa}
th.num,td.num{text-align:right;white-space:nowrap}
tr.aside td{color:#57606a;font-style:italic;background:#fff8c5}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;overflow:auto;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
details{margin:8px 0}
summary{cursor:pointer}
.good{color:#1a7f37}
.bad{color:#cf222e;font-weight:600}
.warn{color:#9a6700}
.dim{color:#6e7781}
figure.gantt{margin:12px 0}
svg.gantt{display:block;width:100%;height:auto;font:11px system-ui,sans-serif}
svg.gantt .axis,svg.gantt .mark-label{fill:#57606a}
svg.gantt .mark-label{font-style:italic}
svg.gantt .grid{stroke:#d8dee4;stroke-width:1}
svg.gantt .label{fill:#1f2328}
svg.gantt rect.mark{fill:#8c959f;fill-opacity:.22}
";

/// The page.
pub(super) fn document(doc: &Document, title: &str) -> String {
    let mut s = String::with_capacity(8192);
    s.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n<title>",
    );
    // `<title>` is raw text: markup would show as is.
    escape(title, &mut s, Newline::Shown);
    s.push_str("</title>\n<style>\n");
    s.push_str(STYLE);
    s.push_str("</style>\n</head>\n<body>\n<main>\n");
    let mut page = Page {
        anchors: doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { anchor, .. } => anchor.clone(),
                _ => None,
            })
            .collect(),
        gantts: 0,
    };
    for b in &doc.blocks {
        block(&mut s, b, &mut page);
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn block(s: &mut String, block: &Block, page: &mut Page) {
    match block {
        Block::Heading {
            level,
            text,
            anchor,
        } => {
            let level = (*level).clamp(1, 6);
            let _ = write!(s, "<h{level}");
            if let Some(id) = anchor {
                s.push_str(" id=\"");
                escape(id, s, Newline::Shown);
                s.push('"');
            }
            s.push('>');
            cell(text, page, s);
            let _ = writeln!(s, "</h{level}>");
        }
        Block::Fields(fields) => {
            s.push_str("<dl class=\"fields\">\n");
            for (key, value) in fields {
                s.push_str("<dt>");
                escape(key, s, Newline::Break);
                s.push_str("</dt><dd>");
                cell(value, page, s);
                s.push_str("</dd>\n");
            }
            s.push_str("</dl>\n");
        }
        Block::Table(table) => {
            let class = |align: Align| match align {
                Align::Left => "",
                Align::Right => " class=\"num\"",
            };
            s.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
            for c in &table.columns {
                let _ = write!(s, "<th{}>", class(c.align));
                escape(&c.title, s, Newline::Break);
                s.push_str("</th>");
            }
            s.push_str("</tr></thead>\n<tbody>\n");
            for row in &table.rows {
                match row {
                    Row::Cells(cells) => {
                        s.push_str("<tr>");
                        for (i, c) in cells.iter().enumerate() {
                            let align = table.columns.get(i).map_or(Align::Left, |c| c.align);
                            let _ = write!(s, "<td{}>", class(align));
                            table_cell(c, page, s);
                            s.push_str("</td>");
                        }
                    }
                    Row::Aside { lead, text } => {
                        s.push_str("<tr class=\"aside\"><td>");
                        table_cell(lead, page, s);
                        let _ = write!(
                            s,
                            "</td><td colspan=\"{}\">",
                            table.columns.len().saturating_sub(1).max(1)
                        );
                        table_cell(text, page, s);
                        s.push_str("</td>");
                    }
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</tbody>\n</table></div>\n");
        }
        Block::Note(text) => {
            s.push_str("<p>");
            cell(text, page, s);
            s.push_str("</p>\n");
        }
        Block::Pre { lang, text } => {
            s.push_str("<pre><code");
            if let Some(lang) = lang {
                s.push_str(" class=\"language-");
                escape(lang, s, Newline::Shown);
                s.push('"');
            }
            s.push('>');
            pre_text(text, s);
            s.push_str("</code></pre>\n");
        }
        Block::Details {
            summary,
            body,
            open,
        } => {
            s.push_str(if *open {
                "<details open><summary>"
            } else {
                "<details><summary>"
            });
            cell(summary, page, s);
            s.push_str("</summary>\n<pre>");
            pre_text(body, s);
            s.push_str("</pre></details>\n");
        }
        Block::Gantt(g) => {
            page.gantts += 1;
            let id = if page.gantts == 1 {
                "gantt".to_string()
            } else {
                format!("gantt-{}", page.gantts)
            };
            gantt(s, g, &id);
            legend(s);
        }
    }
}

/// What the Gantt chart's colours and patterns mean.
fn legend(s: &mut String) {
    s.push_str("<div class=\"legend\">");
    for (tone, what) in [
        (Tone::Good, "succeeded"),
        (Tone::Bad, "failed"),
        (Tone::Warn, "canceled, retried or hung"),
        (Tone::Dim, "skipped or not run"),
        (Tone::Plain, "running or unknown"),
    ] {
        let _ = write!(
            s,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{what}</span>",
            tone_colour(tone)
        );
    }
    let _ = writeln!(
        s,
        "<span><span class=\"swatch\" style=\"background:repeating-linear-gradient(45deg,{0} 0 3px,#fff 3px 6px)\"></span>\
         no end yet (open)</span><span><span class=\"swatch\" style=\"background:#8c959f;opacity:.3\"></span>long silence</span></div>",
        tone_colour(Tone::Plain)
    );
}

// The chart's geometry, in SVG user units (it scales to the page's width).
const WIDTH: f64 = 1000.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 26.0;
const ROW: f64 = 22.0;
const BAR: f64 = 14.0;
const LABEL_CHARS: usize = 48;
/// About one character of the 11px labels.
const CHAR_WIDTH: f64 = 6.4;

/// A round step for about `max` axis ticks over `span_ms`.
fn tick_step(span_ms: i64, max: i64) -> i64 {
    const STEPS: [i64; 22] = [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000,
        120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
    ];
    STEPS
        .into_iter()
        .find(|step| span_ms / step <= max)
        .unwrap_or_else(|| (span_ms / max / 3_600_000 + 1) * 3_600_000)
}

fn gantt(s: &mut String, g: &Gantt, id: &str) {
    let labels: Vec<String> = g.rows.iter().map(|r| clip(&r.label, LABEL_CHARS)).collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let x0 = (longest as f64 * CHAR_WIDTH + 14.0).clamp(60.0, 330.0);
    let chart = WIDTH - RIGHT - x0;
    let rows_bottom = TOP + ROW * g.rows.len().max(1) as f64;
    let height = rows_bottom + if g.marks.is_empty() { 8.0 } else { 20.0 };
    let span = g.span_ms() as f64;
    let x = |ms: i64| x0 + ((ms - g.start_ms) as f64 / span).clamp(0.0, 1.0) * chart;

    let _ = write!(
        s,
        "<figure class=\"gantt\">\n<svg id=\"{id}\" class=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\">\n<defs>"
    );
    // Open bars are hatched in their tone: one pattern per tone.
    for tone in TONES {
        let colour = tone_colour(tone);
        let _ = write!(
            s,
            "<pattern id=\"{id}-hatch-{}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
             patternTransform=\"rotate(45)\"><path d=\"M0 0H6V6H0Z\" fill=\"{colour}\" fill-opacity=\".25\"/>\
             <path d=\"M1.5 0V6\" stroke=\"{colour}\" stroke-width=\"3\"/></pattern>",
            tone_class(tone).unwrap_or("plain")
        );
    }
    s.push_str("</defs>\n");

    // The axis: round offsets from the chart's start, with grid lines.
    let step = tick_step(g.span_ms(), 8);
    let mut t = 0;
    while t <= g.span_ms() {
        let tx = x(g.start_ms + t);
        let anchor = if tx > WIDTH - RIGHT - 24.0 {
            "end"
        } else {
            "middle"
        };
        let _ = writeln!(
            s,
            "<line class=\"grid\" x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{}\" y2=\"{rows_bottom}\"/>\
             <text class=\"axis\" x=\"{tx:.1}\" y=\"14\" text-anchor=\"{anchor}\">{}</text>",
            TOP - 6.0,
            g.tick_label(g.start_ms + t)
        );
        t += step;
    }

    // Marks under the bars: translucent bands down the rows, labelled below.
    for m in &g.marks {
        let (mx, mw) = (x(m.start_ms), (x(m.end_ms) - x(m.start_ms)).max(1.0));
        let _ = write!(
            s,
            "<g><rect class=\"mark\" x=\"{mx:.1}\" y=\"{}\" width=\"{mw:.1}\" height=\"{}\"><title>",
            TOP - 6.0,
            rows_bottom - TOP + 6.0
        );
        escape(&m.label, s, Newline::Keep);
        s.push_str("</title></rect>");
        // The label inside the band if it fits a few characters; the tooltip has it whole.
        let fits = ((mw - 6.0) / CHAR_WIDTH) as usize;
        if fits >= 4 {
            let _ = write!(
                s,
                "<text class=\"mark-label\" x=\"{:.1}\" y=\"{}\">",
                mx + 3.0,
                rows_bottom + 14.0
            );
            escape(&clip(&m.label, fits - 1), s, Newline::Shown);
            s.push_str("</text>");
        }
        s.push_str("</g>\n");
    }

    for (i, (row, label)) in g.rows.iter().zip(&labels).enumerate() {
        let top = TOP + ROW * i as f64;
        let _ = write!(
            s,
            "<g class=\"row\"><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>",
            x0 - 8.0,
            top + 15.0
        );
        escape(&row.label, s, Newline::Keep);
        s.push_str("</title>");
        escape(label, s, Newline::Shown);
        s.push_str("</text>");
        for b in &row.bars {
            bar(
                s,
                b,
                id,
                x(b.start_ms),
                x(b.end_ms.max(b.start_ms)),
                top + 4.0,
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n</figure>\n");
}

fn bar(s: &mut String, b: &GanttBar, id: &str, from: f64, to: f64, y: f64) {
    let colour = tone_colour(b.tone);
    let tone = tone_class(b.tone).unwrap_or("plain");
    // Too short to see at this scale: still a sliver.
    let width = (to - from).max(1.5);
    let fill = if b.open {
        format!("url(#{id}-hatch-{tone}) {colour}")
    } else {
        colour.to_string()
    };
    let _ = write!(
        s,
        "<rect class=\"bar {tone}{}\" x=\"{from:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"{BAR}\" \
         rx=\"2\" fill=\"{fill}\"",
        if b.open { " open" } else { "" }
    );
    if b.open {
        let _ = write!(s, " stroke=\"{colour}\"");
    }
    s.push('>');
    if !b.title.is_empty() {
        s.push_str("<title>");
        escape(&b.title, s, Newline::Keep);
        s.push_str("</title>");
    }
    s.push_str("</rect>");
    if b.open {
        // No end yet: a chevron past the bar says it was still going.
        let end = from + width;
        let _ = write!(
            s,
            "<path d=\"M{end:.1} {y}l6 {h}l-6 {h}z\" fill=\"{colour}\"/>",
            h = BAR / 2.0
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::gantt::{GanttMark, GanttRow};
    use super::*;

    const EVIL: [&str; 4] = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'><svg onload=alert(1)>",
        "\x1b[31mred\x1b[0m\nsecond line\r\n\u{9b}2J",
    ];

    fn evil() -> String {
        EVIL.concat()
    }

    /// A document with the evil text in every place a renderer writes text.
    fn evil_doc() -> Document {
        let e = evil();
        let mut doc = Document::new();
        doc.heading(1, e.as_str());
        doc.heading(2, Cell::toned(e.as_str(), Tone::Bad).plain(e.as_str()));
        doc.fields(vec![(e.clone(), Cell::toned(e.as_str(), Tone::Warn))]);
        let mut t = Table::new(&[("step", Align::Left), ("n", Align::Right)]);
        t.columns[0].title = e.clone();
        t.row(vec![e.as_str().into(), Cell::toned(e.as_str(), Tone::Good)]);
        t.aside(e.as_str().into(), e.as_str().into());
        doc.table(t);
        doc.note(Cell::toned(e.as_str(), Tone::Dim));
        doc.pre(Some("yaml"), format!("a: 1\n```\n{e}\n"));
        doc.details(
            Cell::toned(e.as_str(), Tone::Bad),
            format!("Traceback\n{e}\n```\n</details>"),
            true,
        );
        let mut g = super::super::gantt::tests::empty(0, 60_000);
        g.rows.push(GanttRow {
            label: e.clone(),
            bars: vec![
                GanttBar {
                    start_ms: 0,
                    end_ms: 10_000,
                    tone: Tone::Bad,
                    title: e.clone(),
                    open: false,
                },
                GanttBar {
                    start_ms: 20_000,
                    end_ms: 60_000,
                    tone: Tone::Warn,
                    title: e.clone(),
                    open: true,
                },
            ],
        });
        g.marks.push(GanttMark {
            start_ms: 20_000,
            end_ms: 55_000,
            label: e.clone(),
        });
        doc.gantt(g);
        doc
    }

    use super::super::Table;

    /// The tags of `html` (every `<` starts one: text's are escaped), lower-cased.
    fn tags(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap().to_ascii_lowercase())
            .collect()
    }

    #[test]
    fn backticks_are_code_and_run_ids_link_to_their_sections() {
        let x = "0f246d01-fd27-4aa7-a562-72470bff651d";
        let y = "e7c257f7-913f-4d25-b1c7-bc7bb0783b05";
        let mut doc = Document::new();
        doc.note("`daglog output` prints it all; a lone ` stays");
        let mut t = Table::new(&[("run id", Align::Left), ("when", Align::Left)]);
        t.row(vec![
            Cell::run_id(x),
            "2026-11-24T06:32:28.472Z on /a/b-c".into(),
        ]);
        t.row(vec![Cell::run_id(y), "".into()]);
        doc.table(t);
        doc.run_heading(2, "Run x", x);
        let mut out = Vec::new();
        doc.render_html(&mut out, "t").unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(
            html.contains("<p><code>daglog output</code> prints it all; a lone ` stays</p>"),
            "{html}"
        );
        assert!(html.contains(&format!(
            "<td><a href=\"#run-{x}\"><code class=\"nw\" title=\"{x}\">0f246d01</code></a></td>"
        )));
        // No section of its own: no link.
        assert!(html.contains(&format!(
            "<td><code class=\"nw\" title=\"{y}\">e7c257f7</code></td>"
        )));
        assert!(html.contains(&format!("<h2 id=\"run-{x}\">Run x</h2>")));
        // Tokens a browser could break inside stay whole; spaces still wrap.
        assert!(html.contains(
            "<td><span class=\"nw\">2026-11-24T06:32:28.472Z</span> on <span class=\"nw\">/a/b-c</span></td>"
        ));
        // Text and Markdown print the whole id.
        let mut text = Vec::new();
        doc.render_text(&mut text, false).unwrap();
        assert!(String::from_utf8(text).unwrap().contains(y));
    }

    #[test]
    fn user_text_is_inert_in_html() {
        let mut out = Vec::new();
        evil_doc().render_html(&mut out, &evil()).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(!html.contains('\x1b') && !html.contains('\u{9b}'), "{html}");
        assert!(
            !html.contains("<script") && !html.contains("<img") && !html.contains("<svg onload")
        );
        for tag in tags(&html) {
            // Only the renderer's own tags, none with a handler.
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect();
            assert!(
                [
                    "!doctype", "html", "head", "meta", "title", "style", "body", "main", "h1",
                    "h2", "span", "dl", "dt", "dd", "div", "table", "thead", "tbody", "tr", "th",
                    "td", "br", "p", "pre", "code", "details", "summary", "figure", "svg", "defs",
                    "a", "pattern", "path", "line", "text", "g", "rect"
                ]
                .contains(&name.as_str()),
                "unexpected tag <{tag}>"
            );
            assert!(
                !tag.contains("onerror") && !tag.contains("onload"),
                "<{tag}>"
            );
            // Attribute values are ours: a quote from the text never closes one.
            assert!(!tag.contains("alert"), "<{tag}>");
        }
        // The text is all there, escaped and visible.
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&#39;&gt;&lt;svg onload=alert(1)&gt;"));
        assert!(html.contains("\\u{1b}[31mred\\u{1b}[0m<br>second line<br>\\u{9b}2J"));
        assert!(html.contains("\\u{1b}[31mred\\u{1b}[0m\nsecond line\n\\u{9b}2J"));
        assert!(html.contains("<span class=\"bad\">&lt;script&gt;"));
        assert_eq!(html.matches("<rect class=\"bar ").count(), 2);
        // An HTML tag in SVG (or in `<title>`) would break out of it.
        let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
        assert!(!svg.contains("<br"), "{svg}");
        let title = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap()];
        assert!(!title.contains("<br"), "{title}");
        assert!(html.contains("<svg id=\"gantt\" class=\"gantt\""));
    }

    #[test]
    fn user_text_is_inert_in_text_and_markdown() {
        let doc = evil_doc();
        let mut out = Vec::new();
        doc.render_markdown(&mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(!md.contains('\x1b') && !md.contains('\u{9b}'));
        // Fenced blocks show text as is (GitHub escapes it); outside them, no markup.
        let mut fence: Option<&str> = None;
        for line in md.lines() {
            match fence {
                Some(f) if line == f => fence = None,
                Some(_) => {}
                None if line.starts_with("```") => {
                    fence = Some(line.trim_end_matches(|c: char| c != '`'));
                }
                None => assert!(
                    !line.contains("<script") && !line.contains("<img") && !line.contains("<svg"),
                    "{line}"
                ),
            }
        }
        assert_eq!(fence, None, "{md}");
        // The details body cannot close its fence or its element early.
        assert!(md.contains("````text\nTraceback\n"), "{md}");
        assert_eq!(md.matches("</details>\n").count(), 2, "{md}");
        for color in [false, true] {
            let mut out = Vec::new();
            doc.render_text(&mut out, color).unwrap();
            let text = String::from_utf8(out).unwrap();
            let stripped = text
                .replace("\x1b[0m", "")
                .replace("\x1b[31m", "")
                .replace("\x1b[33m", "")
                .replace("\x1b[32m", "")
                .replace("\x1b[2m", "");
            assert!(
                !stripped.contains('\x1b') && !stripped.contains('\u{9b}'),
                "{text}"
            );
            assert!(!stripped.contains("\nsecond line"), "{text}");
        }
    }

    #[test]
    fn escapes() {
        let mut s = String::new();
        escape("a&b<c>\"d'\te\r\nf\rg", &mut s, Newline::Break);
        assert_eq!(s, "a&amp;b&lt;c&gt;&quot;d&#39;\\te<br>f\\rg");
        let mut s = String::new();
        escape("a\te\r\nf\x07", &mut s, Newline::Keep);
        assert_eq!(s, "a\te\nf\\u{7}");
        let mut s = String::new();
        escape("a\te\r\nf", &mut s, Newline::Shown);
        assert_eq!(s, "a\\te\\nf");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(60_000, 8), 10_000);
        assert_eq!(tick_step(5_000, 8), 1_000);
        assert_eq!(tick_step(1, 8), 1);
        assert_eq!(tick_step(40 * 3_600_000, 8), 6 * 3_600_000);
    }
}
