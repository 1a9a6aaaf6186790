//! Columnar storage for parsed events: one batch per input file.
//!
//! Strings live in one arena per column rather than in a `String` per event,
//! so parsing a page allocates a handful of buffers, not thousands of strings.

use foldhash::{HashMap, HashMapExt};

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

    /// The string at `row`; empty past the rows stored (a column the load
    /// did not fill).
    pub fn get(&self, row: usize) -> &str {
        let Some(&end) = self.ends.get(row) else {
            return "";
        };
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.text[start..end]
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

/// Distinct strings of a column, each stored once per batch.
#[derive(Debug, Default)]
struct Interner {
    values: Vec<Box<str>>,
    /// Built once there are too many values for a linear search; dropped
    /// when the batch is complete.
    index: HashMap<Box<str>, u32>,
    last: u32,
}

impl Clone for Interner {
    /// The lookup index serves only while a batch is built: a clone (the
    /// batch taken out of its builder) goes without it and rebuilds it if
    /// it ever needs it.
    fn clone(&self) -> Self {
        Interner {
            values: self.values.clone(),
            index: HashMap::new(),
            last: 0,
        }
    }
}

/// Up to this many values, a linear search beats hashing.
const LINEAR_SEARCH_MAX: usize = 24;

impl Interner {
    /// The code of `s` (its index), adding it when new.
    fn code(&mut self, s: &str) -> u32 {
        // Neighbouring events mostly share a step, a type, a marker.
        if self
            .values
            .get(self.last as usize)
            .is_some_and(|v| &**v == s)
        {
            return self.last;
        }
        let found = if self.values.len() <= LINEAR_SEARCH_MAX {
            self.values.iter().position(|v| &**v == s).map(|i| i as u32)
        } else {
            if self.index.is_empty() {
                self.index = self
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.clone(), i as u32))
                    .collect();
            }
            self.index.get(s).copied()
        };
        self.last = found.unwrap_or_else(|| {
            let code = self.values.len() as u32;
            self.values.push(s.into());
            if !self.index.is_empty() {
                self.index.insert(s.into(), code);
            }
            code
        });
        self.last
    }

    fn get(&self, code: u32) -> &str {
        &self.values[code as usize]
    }

    fn clear(&mut self) {
        self.values.clear();
        self.index.clear();
        self.last = 0;
    }
}

/// Optional strings with few distinct values (types, step keys): a code per
/// row, each distinct string stored once.
#[derive(Debug, Default, Clone)]
pub struct DictColumn {
    /// 0 for null, else 1 + the value's code.
    codes: Vec<u32>,
    strings: Interner,
}

impl DictColumn {
    pub(crate) fn push(&mut self, s: Option<&str>) {
        let code = s.map_or(0, |s| self.strings.code(s) + 1);
        self.codes.push(code);
    }

    /// The string at `row`, or `None` where the export had null.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self.codes[row] {
            0 => None,
            c => Some(self.strings.get(c - 1)),
        }
    }

    /// Every distinct string of the column (at most a few hundred).
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.strings.values.iter().map(|v| &**v)
    }

    /// Whether some row is null.
    pub fn has_null(&self) -> bool {
        self.codes.contains(&0)
    }

    fn truncate(&mut self, len: usize) {
        self.codes.truncate(len);
    }
}

/// The [`EventDetail`]s of a batch: most events have none, and their
/// strings (markers, input and output names, step keys) repeat, so each row
/// that has one holds codes of interned strings.
#[derive(Debug, Default, Clone)]
struct DetailColumn {
    /// 0 for none, else 1 + index into `rows`.
    of_event: Vec<u32>,
    rows: Vec<DetailRow>,
    strings: Interner,
}

#[derive(Debug, Clone)]
struct DetailRow {
    /// 0 for null, else 1 + the string's code; in [`EventDetail::strings`] order.
    codes: [u32; 7],
    seconds_to_wait: Option<f64>,
}

impl DetailColumn {
    fn push(&mut self, d: Option<EventDetail<'_>>) {
        let Some(d) = d else {
            self.of_event.push(0);
            return;
        };
        let codes = d
            .strings()
            .map(|s| s.map_or(0, |s| self.strings.code(s) + 1));
        self.rows.push(DetailRow {
            codes,
            seconds_to_wait: d.seconds_to_wait,
        });
        self.of_event.push(self.rows.len() as u32);
    }

    fn get(&self, row: usize) -> Option<EventDetail<'_>> {
        let at = self.of_event.get(row)?.checked_sub(1)?;
        let r = &self.rows[at as usize];
        let strings = r
            .codes
            .map(|c| c.checked_sub(1).map(|c| self.strings.get(c)));
        Some(EventDetail::from_strings(strings, r.seconds_to_wait))
    }

    fn truncate(&mut self, len: usize) {
        self.of_event.truncate(len);
        let rows = self
            .of_event
            .iter()
            .rev()
            .find(|&&d| d > 0)
            .map_or(0, |&d| d as usize);
        self.rows.truncate(rows);
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
    pub event_type: DictColumn,
    /// GraphQL `__typename` (`LogMessageEvent`, `ExecutionStepFailureEvent`…).
    pub typename: DictColumn,
    /// Step key; `None` for run-level events.
    pub step_key: DictColumn,
    /// The event's message (empty when the load read no details).
    pub message: StrColumn,
    /// A hash of the message, to merge exports by.
    pub(crate) message_hash: Vec<u64>,
    /// The error chain of error events (empty when the load read no details).
    pub error: Vec<Option<Box<ErrorInfo>>>,
    /// Markers, inputs, outputs, job name, where the event has them.
    detail: DetailColumn,
    /// Number of fields the exported object had (to pick the richest duplicate).
    pub field_count: Vec<u16>,
    /// The original JSON of the events that keep it, compact, back to back;
    /// `raw_ends` has one end per row while any row keeps its JSON.
    raw_text: Vec<u8>,
    raw_ends: Vec<usize>,
    /// Where each event's JSON is in the file, when the file can be read
    /// again to print it (see [`crate::Archive::for_each_json`]): then
    /// nothing is copied, and `raw_text` stays empty.
    pub(crate) spans: Vec<FileSpan>,
    /// The file the spans point into, as it was read.
    pub(crate) stamp: Option<FileStamp>,
    /// Messages, errors and details are read (see `ParseOptions::details`).
    pub(crate) details: bool,
}

/// What a file was when it was read, to tell whether it changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    pub(crate) len: u64,
    pub(crate) modified: Option<std::time::SystemTime>,
}

impl FileStamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// Exports of one run are merged by (time, type, step, message): a 64-bit
/// hash stands for the message, so a load that reads no messages can merge.
pub(crate) fn message_hash(message: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6461_676c_6f67).hash_one(message)
}

/// Where an event's JSON is in its file, in 8 bytes (there is one per
/// event): spans are kept only for files under 4 GB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileSpan {
    /// Offset of its `{` in the file.
    start: u32,
    /// Length up to and with its `}`; the top bit set when the JSON has
    /// whitespace to take out.
    len: u32,
}

const PRETTY: u32 = 1 << 31;

impl FileSpan {
    /// A row whose JSON is not in the file (a copy, or nothing).
    pub(crate) const NONE: FileSpan = FileSpan { start: 0, len: 0 };

    /// `None` when the span does not fit.
    pub(crate) fn new(start: u64, len: usize, compact: bool) -> Option<FileSpan> {
        let len = u32::try_from(len).ok().filter(|l| l & PRETTY == 0)?;
        Some(FileSpan {
            start: u32::try_from(start).ok()?,
            len: if compact { len } else { len | PRETTY },
        })
    }

    pub(crate) fn start(self) -> u64 {
        u64::from(self.start)
    }

    pub(crate) fn len(self) -> usize {
        (self.len & !PRETTY) as usize
    }

    pub(crate) fn end(self) -> u64 {
        self.start() + self.len() as u64
    }

    fn compact(self) -> bool {
        self.len & PRETTY == 0
    }

    /// Appends `json`, the span's bytes, compact.
    pub(crate) fn write_compact(self, json: &[u8], out: &mut Vec<u8>) {
        crate::scan::write_json(json, self.compact(), out);
    }
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
    pub detail: Option<EventDetail<'a>>,
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
    pub(crate) detail: Option<EventDetail<'a>>,
    pub(crate) field_count: u16,
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

    /// Moves the rows out into a batch whose columns are exactly their size
    /// (a file's batch lives as long as the archive, so growth slack would
    /// add up to a third of memory), and empties this one, which keeps its
    /// capacity: batches are built in a buffer reused across files.
    pub(crate) fn take_exact(&mut self) -> EventBatch {
        // The lookup indexes serve only while building: not worth copying.
        for strings in self.interners() {
            strings.index.clear();
        }
        // No row kept a copy of its JSON: `raw` needs no ends to say so.
        if self.raw_text.is_empty() {
            self.raw_ends.clear();
        }
        // `clone` allocates each column at its length.
        let out = self.clone();
        self.truncate(0);
        for strings in self.interners() {
            strings.clear();
        }
        out
    }

    fn interners(&mut self) -> [&mut Interner; 4] {
        [
            &mut self.event_type.strings,
            &mut self.typename.strings,
            &mut self.step_key.strings,
            &mut self.detail.strings,
        ]
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
        self.message_hash.truncate(len);
        self.error.truncate(len);
        self.detail.truncate(len);
        self.field_count.truncate(len);
        self.raw_ends.truncate(len);
        self.raw_text
            .truncate(self.raw_ends.last().copied().unwrap_or(0));
        self.spans.truncate(len);
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
        self.typename.push(Some(ev.typename));
        self.step_key.push(ev.step_key);
        self.message_hash.push(message_hash(ev.message));
        if self.details {
            self.message.push(ev.message);
            self.error.push(ev.error.map(Box::new));
            self.detail.push(ev.detail);
        }
        self.field_count.push(ev.field_count);
        self.raw_ends.push(self.raw_text.len());
    }

    /// Keeps the original JSON of the last event pushed, which `write` appends
    /// compact, when `keep` wants that event's JSON.
    pub(crate) fn keep_raw_of_last(&mut self, keep: &KeepRaw, write: impl FnOnce(&mut Vec<u8>)) {
        let Some(row) = self.len().checked_sub(1) else {
            return;
        };
        if keep.wants(&self.view(row)) {
            write(&mut self.raw_text);
            self.raw_ends[row] = self.raw_text.len();
        }
    }

    /// The run id of event `row`.
    pub fn run_id(&self, row: usize) -> &str {
        &self.run_ids[self.run[row] as usize]
    }

    /// Keeps where the last event pushed is in the file instead of a copy.
    pub(crate) fn span_of_last(&mut self, span: FileSpan) {
        let row = self.len() - 1;
        self.spans.resize(row, FileSpan::NONE);
        self.spans.push(span);
    }

    /// Where event `row`'s JSON is in the file, if it was kept that way.
    pub(crate) fn span(&self, row: usize) -> Option<FileSpan> {
        self.spans
            .get(row)
            .copied()
            .filter(|s| *s != FileSpan::NONE)
    }

    /// Turns the kept spans into copies of the JSON that `keep` wants, from
    /// `file`, the bytes the spans point into.
    pub(crate) fn copy_spans(&mut self, file: &[u8], keep: &KeepRaw) {
        let mut text = Vec::new();
        let mut ends = Vec::with_capacity(self.len());
        for row in 0..self.len() {
            match self.span(row) {
                Some(span) if keep.wants(&self.view(row)) => {
                    let json = &file[span.start() as usize..span.end() as usize];
                    span.write_compact(json, &mut text);
                }
                Some(_) => {}
                None => text.extend_from_slice(self.raw(row)),
            }
            ends.push(text.len());
        }
        self.raw_text = text;
        self.raw_ends = ends;
        self.spans.clear();
    }

    /// The original JSON of event `row`, compact; empty when it was not
    /// kept, or kept as a place in the file.
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
            typename: self.typename.get(row).unwrap_or(""),
            step_key: self.step_key.get(row),
            message: self.message.get(row),
            error: self.error.get(row).and_then(Option::as_deref),
            detail: self.detail.get(row),
            raw: self.raw(row),
        }
    }
}
