//! A Gantt chart block: one row per label (a step), bars for its spans (its
//! attempts), marks for spans of the whole chart (long silences). The HTML
//! renderer draws it as SVG; text and Markdown share the character chart here.

use super::{Tone, escape_control, format_duration_ms};

/// A Gantt chart over `start_ms..end_ms` (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gantt {
    pub(crate) rows: Vec<GanttRow>,
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
    pub(crate) marks: Vec<GanttMark>,
}

/// A labelled row of bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GanttRow {
    pub(crate) label: String,
    pub(crate) bars: Vec<GanttBar>,
}

/// A span in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GanttBar {
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
    pub(crate) tone: Tone,
    /// Tooltip (HTML only).
    pub(crate) title: String,
    /// Still running at `end_ms`: drawn hatched, with no end.
    pub(crate) open: bool,
}

/// A span across every row, e.g. a long silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GanttMark {
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
    pub(crate) label: String,
}

impl Gantt {
    /// The chart's span in ms, at least 1 so positions never divide by zero.
    pub(crate) fn span_ms(&self) -> i64 {
        (self.end_ms - self.start_ms).max(1)
    }

    /// `+offset` of `ms` from the chart's start, compactly: an axis label.
    pub(crate) fn tick_label(&self, ms: i64) -> String {
        format!("+{}", format_duration_ms(ms - self.start_ms))
    }
}

/// Columns of the character chart.
pub(crate) const CHART_COLUMNS: usize = 60;

/// Row labels are cut to this many characters in the character chart.
const LABEL_CHARS: usize = 32;

const BAR: char = '█';
const OPEN: char = '▒';
const MARK: char = '│';

/// One character of the chart and the tone it is drawn in.
type Glyph = (char, Tone);

/// The character chart, one entry per line: `(text, glyphs)` where `text` is
/// what comes before the chart columns (label and padding) and `glyphs` the
/// columns, so the text renderer can colour bars and Markdown can drop tones.
pub(crate) fn chart_lines(g: &Gantt) -> Vec<(String, Vec<Glyph>)> {
    let span = i128::from(g.span_ms());
    let w = CHART_COLUMNS as i128;
    // The column holding `ms`, and the last column a span ending at `ms` covers.
    let col = |ms: i64| (i128::from(ms - g.start_ms) * w / span).clamp(0, w - 1) as usize;
    let last_col = |ms: i64| {
        let end = i128::from(ms - g.start_ms) * w;
        (end.div_euclid(span) + i128::from(end.rem_euclid(span) != 0) - 1).clamp(0, w - 1) as usize
    };
    let labels: Vec<String> = g
        .rows
        .iter()
        .map(|r| super::clip(&escape_control(&r.label), LABEL_CHARS))
        .collect();
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let pad = |label: &str| {
        let mut s = label.to_string();
        s.extend(std::iter::repeat_n(
            ' ',
            label_width.saturating_sub(label.chars().count()) + 2,
        ));
        s
    };

    let mut lines = Vec::with_capacity(g.rows.len() + 1 + g.marks.len());
    // The axis: the start, the middle and the end as offsets.
    let mut axis = vec![(' ', Tone::Plain); CHART_COLUMNS];
    let ticks = [
        (g.start_ms, 0, Side::Left),
        (
            g.start_ms + g.span_ms() / 2,
            CHART_COLUMNS / 2,
            Side::Middle,
        ),
        (g.end_ms.max(g.start_ms), CHART_COLUMNS - 1, Side::Right),
    ];
    for (ms, at, side) in ticks {
        let label: Vec<char> = g.tick_label(ms).chars().collect();
        let from = match side {
            Side::Left => at,
            Side::Middle => at.saturating_sub(label.len() / 2),
            Side::Right => (at + 1).saturating_sub(label.len()),
        };
        for (i, c) in label.into_iter().enumerate() {
            if let Some(slot) = axis.get_mut(from + i) {
                slot.0 = c;
            }
        }
    }
    lines.push((pad(""), axis));

    for (row, label) in g.rows.iter().zip(&labels) {
        let mut cells = vec![(' ', Tone::Plain); CHART_COLUMNS];
        // Mark edges first, so bars drawn over them stay whole.
        for m in &g.marks {
            cells[col(m.start_ms)] = (MARK, Tone::Dim);
            cells[last_col(m.end_ms.max(m.start_ms + 1))] = (MARK, Tone::Dim);
        }
        for b in &row.bars {
            let from = col(b.start_ms);
            let to = last_col(b.end_ms.max(b.start_ms + 1)).max(from);
            let glyph = if b.open { OPEN } else { BAR };
            for c in &mut cells[from..=to] {
                *c = (glyph, b.tone);
            }
        }
        lines.push((pad(label), cells));
    }

    // One legend line per mark: where it is and what it is.
    for m in &g.marks {
        let text = format!(
            "{MARK} {} → {}  {}",
            g.tick_label(m.start_ms),
            g.tick_label(m.end_ms),
            escape_control(&m.label)
        );
        lines.push((text, Vec::new()));
    }
    lines
}

enum Side {
    Left,
    Middle,
    Right,
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn bar(start_ms: i64, end_ms: i64, tone: Tone, open: bool) -> GanttBar {
        GanttBar {
            start_ms,
            end_ms,
            tone,
            title: String::new(),
            open,
        }
    }

    pub(crate) fn empty(start_ms: i64, end_ms: i64) -> Gantt {
        Gantt {
            rows: Vec::new(),
            start_ms,
            end_ms,
            marks: Vec::new(),
        }
    }

    fn plain(g: &Gantt) -> String {
        chart_lines(g)
            .into_iter()
            .map(|(text, glyphs)| {
                let mut s = text;
                s.extend(glyphs.into_iter().map(|g| g.0));
                s.trim_end().to_string() + "\n"
            })
            .collect()
    }

    #[test]
    fn bars_marks_and_axis_line_up() {
        let mut g = empty(1000, 61_000);
        g.rows.push(GanttRow {
            label: "a".into(),
            bars: vec![
                bar(1000, 11_000, Tone::Bad, false),
                bar(16_000, 21_000, Tone::Good, false),
            ],
        });
        g.rows.push(GanttRow {
            label: "long_step".into(),
            bars: vec![bar(21_000, 61_000, Tone::Warn, true)],
        });
        g.marks.push(GanttMark {
            start_ms: 31_000,
            end_ms: 51_000,
            label: "20.0s silence".into(),
        });
        insta::assert_snapshot!(plain(&g), @r"
                   +0ms                       +30.0s                    +1m 00s
        a          ██████████     █████          │                  │
        long_step                      ▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒▒
        │ +30.0s → +50.0s  20.0s silence
        ");
    }

    #[test]
    fn degenerate_spans_stay_in_the_chart() {
        // An empty chart, a zero-length bar and times outside the chart.
        let mut g = empty(5000, 5000);
        g.rows.push(GanttRow {
            label: "x\x1b[31m".into(),
            bars: vec![
                bar(5000, 5000, Tone::Plain, false),
                bar(-10, 99_999, Tone::Dim, true),
            ],
        });
        let lines = chart_lines(&g);
        assert!(
            lines
                .iter()
                .all(|(_, c)| c.is_empty() || c.len() == CHART_COLUMNS)
        );
        assert!(!plain(&g).contains('\x1b'));
    }
}
