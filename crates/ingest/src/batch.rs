//! Columnar storage for parsed events: one batch per input file.
//!
//! Strings live in one arena per column rather than in a `String` per event,
//! so parsing a page allocates a handful of buffers, not thousands of strings.

use crate::event::{ErrorInfo, EventDetail};
use crate::parse::KeepRaw;
use crate::schema::Level;
use crate::time::EpochMs;

/// Strings stored back to back in one buffer.
#[derive(Debug, Default, Clone)]
pub struct StrColumn {
    text: String,
    ends: Vec<usize>,
}

impl StrColumn {
    /// Keeps the first `len` rows.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.ends.truncate(len);
        self.text.truncate(self.ends.last().copied().unwrap_or(0));
    }

    pub(crate) fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    /// The string at `row`.
    pub fn get(&self, row: usize) -> &str {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.text[start..self.ends[row]]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Optional strings: a [`StrColumn`] plus a presence flag per row.
#[derive(Debug, Default, Clone)]
pub struct OptStrColumn {
    values: StrColumn,
    present: Vec<bool>,
}

impl OptStrColumn {
    /// Keeps the first `len` rows.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
        self.present.truncate(len);
    }

    pub(crate) fn push(&mut self, s: Option<&str>) {
        self.values.push(s.unwrap_or(""));
        self.present.push(s.is_some());
    }

    /// The string at `row`, or `None` where the export had null.
    pub fn get(&self, row: usize) -> Option<&str> {
        self.present[row].then(|| self.values.get(row))
    }
}

/// Events parsed from one input file, column by column.
#[derive(Debug, Default, Clone)]
pub struct EventBatch {
    /// Distinct run ids of this batch; `run` indexes into it.
    pub run_ids: Vec<String>,
    /// Index into `run_ids`, per event.
    pub run: Vec<u32>,
    /// Event time, epoch ms.
    pub timestamp_ms: Vec<EpochMs>,
    /// Log level.
    pub level: Vec<Level>,
    /// Event type, `PIPELINE_*` normalised to `RUN_*`; `None` for log messages.
    pub event_type: OptStrColumn,
    /// GraphQL `__typename` (`LogMessageEvent`, `ExecutionStepFailureEvent`…).
    pub typename: StrColumn,
    /// Step key; `None` for run-level events.
    pub step_key: OptStrColumn,
    /// The event's message.
    pub message: StrColumn,
    /// The error chain of error events.
    pub error: Vec<Option<Box<ErrorInfo>>>,
    /// Markers, inputs, outputs, job name, where the event has them.
    pub detail: Vec<Option<Box<EventDetail>>>,
    /// Number of fields the exported object had (to pick the richest duplicate).
    pub field_count: Vec<u16>,
    /// Which page of the file the event came from (0 for single-page files).
    pub page: Vec<u32>,
    /// The original JSON of the events that keep it, compact, back to back;
    /// `raw_ends` has one end per row while any row keeps its JSON.
    raw_text: Vec<u8>,
    raw_ends: Vec<usize>,
}

/// The values of one event, borrowed from its batch.
#[derive(Debug, Clone, Copy)]
pub struct EventView<'a> {
    /// The run id.
    pub run_id: &'a str,
    /// Epoch ms.
    pub timestamp_ms: EpochMs,
    /// Level.
    pub level: Level,
    /// Normalised event type; `None` for log messages.
    pub event_type: Option<&'a str>,
    /// `__typename`.
    pub typename: &'a str,
    /// Step key.
    pub step_key: Option<&'a str>,
    /// Message.
    pub message: &'a str,
    /// Error chain, if any.
    pub error: Option<&'a ErrorInfo>,
    /// Markers, inputs, outputs, job name, if any.
    pub detail: Option<&'a EventDetail>,
    /// The event's original JSON with every field as exported, compact;
    /// empty when the load did not keep it (see `KeepRaw`).
    pub raw: &'a [u8],
}

/// Everything about one event except its run, borrowed from the parser.
pub(crate) struct NewEvent<'a> {
    pub(crate) timestamp_ms: EpochMs,
    pub(crate) level: Level,
    pub(crate) event_type: Option<&'a str>,
    pub(crate) typename: &'a str,
    pub(crate) step_key: Option<&'a str>,
    pub(crate) message: &'a str,
    pub(crate) error: Option<ErrorInfo>,
    pub(crate) detail: Option<Box<EventDetail>>,
    pub(crate) field_count: u16,
    pub(crate) page: u32,
}

impl EventBatch {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.timestamp_ms.len()
    }

    /// Whether the batch holds no events.
    pub fn is_empty(&self) -> bool {
        self.timestamp_ms.is_empty()
    }

    /// Gives back the spare capacity of every column: a file's batch lives as
    /// long as the archive, so growth slack would add up to a third of memory.
    pub(crate) fn shrink(&mut self) {
        for c in [&mut self.typename, &mut self.message] {
            c.text.shrink_to_fit();
            c.ends.shrink_to_fit();
        }
        for c in [&mut self.event_type, &mut self.step_key] {
            c.values.text.shrink_to_fit();
            c.values.ends.shrink_to_fit();
            c.present.shrink_to_fit();
        }
        self.run.shrink_to_fit();
        self.timestamp_ms.shrink_to_fit();
        self.level.shrink_to_fit();
        self.error.shrink_to_fit();
        self.detail.shrink_to_fit();
        self.field_count.shrink_to_fit();
        self.page.shrink_to_fit();
        if self.raw_text.is_empty() {
            self.raw_ends = Vec::new();
        }
        self.raw_text.shrink_to_fit();
        self.raw_ends.shrink_to_fit();
    }

    /// Keeps the first `len` events (a fast parse that must start over).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.run.truncate(len);
        self.timestamp_ms.truncate(len);
        self.level.truncate(len);
        self.event_type.truncate(len);
        self.typename.truncate(len);
        self.step_key.truncate(len);
        self.message.truncate(len);
        self.error.truncate(len);
        self.detail.truncate(len);
        self.field_count.truncate(len);
        self.page.truncate(len);
        self.raw_ends.truncate(len);
        self.raw_text
            .truncate(self.raw_ends.last().copied().unwrap_or(0));
        // Run ids first seen in the dropped rows go too.
        let runs = self.run.iter().max().map_or(0, |&r| r as usize + 1);
        self.run_ids.truncate(runs);
    }

    fn run_index(&mut self, run_id: &str) -> u32 {
        // Pages hold one run, so the last id almost always matches.
        if let Some(i) = self.run_ids.iter().rposition(|r| r == run_id) {
            return i as u32;
        }
        self.run_ids.push(run_id.to_string());
        (self.run_ids.len() - 1) as u32
    }

    /// Adds an event without its original JSON (see [`EventBatch::keep_raw_of_last`]).
    pub(crate) fn push(&mut self, run_id: &str, ev: NewEvent<'_>) {
        let run = self.run_index(run_id);
        self.run.push(run);
        self.timestamp_ms.push(ev.timestamp_ms);
        self.level.push(ev.level);
        self.event_type.push(ev.event_type);
        self.typename.push(ev.typename);
        self.step_key.push(ev.step_key);
        self.message.push(ev.message);
        self.error.push(ev.error.map(Box::new));
        self.detail.push(ev.detail);
        self.field_count.push(ev.field_count);
        self.page.push(ev.page);
        self.raw_ends.push(self.raw_text.len());
    }

    /// Keeps `json`, compacted, as the original of the last event pushed when
    /// `keep` wants that event's JSON.
    pub(crate) fn keep_raw_of_last(&mut self, json: &[u8], keep: &KeepRaw) {
        let Some(row) = self.len().checked_sub(1) else {
            return;
        };
        let wanted = match keep {
            KeepRaw::None => false,
            KeepRaw::All => true,
            KeepRaw::Matching(f) => f(&self.view(row)),
        };
        if wanted {
            crate::scan::write_compact(json, &mut self.raw_text);
            self.raw_ends[row] = self.raw_text.len();
        }
    }

    /// The run id of event `row`.
    pub fn run_id(&self, row: usize) -> &str {
        &self.run_ids[self.run[row] as usize]
    }

    /// The original JSON of event `row`, compact; empty when it was not kept.
    pub fn raw(&self, row: usize) -> &[u8] {
        match self.raw_ends.get(row) {
            Some(&end) => {
                let start = if row == 0 { 0 } else { self.raw_ends[row - 1] };
                &self.raw_text[start..end]
            }
            None => &[],
        }
    }

    /// All values of event `row`.
    pub fn view(&self, row: usize) -> EventView<'_> {
        EventView {
            run_id: self.run_id(row),
            timestamp_ms: self.timestamp_ms[row],
            level: self.level[row],
            event_type: self.event_type.get(row),
            typename: self.typename.get(row),
            step_key: self.step_key.get(row),
            message: self.message.get(row),
            error: self.error[row].as_deref(),
            detail: self.detail[row].as_deref(),
            raw: self.raw(row),
        }
    }
}
