//! One file in, columns out: shape detection and event parsing.
//!
//! A file is a sequence of top-level JSON values (usually one). Each value is
//! recognised by its keys, never by the file's name: an EventConnection page,
//! a raw GraphQL response, a bare array of events, a single event (NDJSON), a
//! `dagster debug export` bundle, `runOrError` run info or a `runsOrError`
//! list. A plain page, the common case, is read by simd-json in one call, and
//! where each event's JSON is comes from where the tape says its first key
//! is. Anything else goes the careful way: one structural pass over the
//! original bytes locates every value, which also names the byte where a file
//! is broken, and a page that fails as a whole is read event by event.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use crate::batch::{EventBatch, EventView, FileSpan, FileStamp, NewEvent};
use crate::debug;
use crate::dg;
use crate::error::{Error, Location};
use crate::event::RawEvent;
use crate::ondemand;
use crate::scan::{self, ScanError, element_spans, for_each_member_consuming, skip_value, skip_ws};
use crate::schema::{default_level, event_type_for, normalize_event_type, typename_for};
use crate::tape;

/// What kind of export a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// `{"events":[…],"cursor":…,"hasMore":…}`.
    Page,
    /// `{"data":{"logsForRun":{…}}}`.
    GraphqlResponse,
    /// A bare JSON array of events.
    EventArray,
    /// One event per line (or several concatenated JSON values).
    Ndjson,
    /// A `dagster debug export` bundle.
    DebugBundle,
    /// `{"data":{"runOrError":…}}`.
    RunInfo,
    /// `{"data":{"runsOrError":…}}`.
    RunList,
    /// A SQLite database of Dagster's storage (`runs.db`, a run's shard).
    Storage,
    /// The `--json` output of `dg api run get-events` or `dg api log get`.
    DgApi,
}

impl FileKind {
    /// Whether files of this kind carry GraphQL cursors (and so page order).
    pub fn is_paged(self) -> bool {
        matches!(self, FileKind::Page | FileKind::GraphqlResponse)
    }
}

/// One EventConnection page (or the single implicit page of a cursorless file).
#[derive(Debug, Clone)]
pub struct PageInfo {
    /// The page's cursor, as exported.
    pub cursor: Option<String>,
    /// The storage id the cursor encodes (`{"type":"STORAGE_ID","value":N}`).
    pub cursor_value: Option<i64>,
    /// The page's `hasMore`.
    pub has_more: Option<bool>,
    /// Rows of the file's batch that came from this page.
    pub rows: Range<usize>,
}

/// Where run metadata came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MetaOrigin {
    /// A `runOrError` response (`run.json`).
    RunOrError,
    /// An entry of a `runsOrError` list.
    RunsList,
    /// The `pipeline_run` of a debug bundle.
    DebugBundle,
    /// A row of the `runs` table of Dagster's storage (serdes `run_body`,
    /// with the status column, the times and the tags beside it).
    Storage,
}

/// Run-level metadata found in the archive (for `info` and `runs`).
#[derive(Debug, Clone)]
pub struct RunMeta {
    /// The run id.
    pub run_id: String,
    /// Job (pipeline) name.
    pub job_name: Option<String>,
    /// Dagster's run status (`SUCCESS`, `FAILURE`…).
    pub status: Option<String>,
    /// Where it came from.
    pub origin: MetaOrigin,
    /// The object as exported.
    pub raw: serde_json::Value,
}

/// Everything read from one file.
#[derive(Debug)]
pub struct ParsedFile {
    /// The input's path as given (or `<stdin>`).
    pub path: PathBuf,
    /// The detected shape.
    pub kind: FileKind,
    /// The events.
    pub batch: EventBatch,
    /// Pages, in file order.
    pub pages: Vec<PageInfo>,
    /// Run metadata.
    pub runs: Vec<RunMeta>,
    /// Lines of an NDJSON file that could not be read; the other lines were.
    pub problems: Vec<Error>,
    /// Size in bytes as read (compressed size for gzip).
    pub bytes: u64,
    /// Events that belong to no run (storage rows with an empty `run_id`:
    /// freshness changes, materializations reported from outside a run), as
    /// hashes of their JSON so that copies in two files count once.
    pub runless: Vec<u64>,
    /// What was inferred for events that lack a field (their run, level or
    /// type), once per file: worth saying, not an error.
    pub notes: Vec<String>,
    /// Events (NDJSON lines, storage rows) that could not be used, however
    /// the problems about them were grouped.
    pub bad_events: usize,
}

/// Which events keep their original JSON (for `--json`/`--ndjson` output).
///
/// An event of a plain file keeps where its JSON is in the file, 8 bytes,
/// and [`crate::Archive::for_each_json`] reads it back to print it; other
/// events (gzip, standard input, a pipe, a file of several runs) keep a
/// compact copy. Either way a file's bytes are let go as soon as it is
/// parsed.
#[derive(Clone, Default)]
pub enum KeepRaw {
    /// No event: only the columns (analysis, human output).
    None,
    /// Every event.
    #[default]
    All,
    /// The events the predicate accepts (those a filter will print). It sees
    /// each event's columns; a duplicate kept from another export is at
    /// least as rich, so it matches whenever its copy here does.
    Matching(Arc<dyn Fn(&EventView<'_>) -> bool + Send + Sync>),
}

impl KeepRaw {
    fn any(&self) -> bool {
        !matches!(self, KeepRaw::None)
    }

    /// Whether this event keeps its JSON.
    pub(crate) fn wants(&self, ev: &EventView<'_>) -> bool {
        match self {
            KeepRaw::None => false,
            KeepRaw::All => true,
            KeepRaw::Matching(f) => f(ev),
        }
    }
}

impl std::fmt::Debug for KeepRaw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeepRaw::None => "None",
            KeepRaw::All => "All",
            KeepRaw::Matching(_) => "Matching(..)",
        })
    }
}

/// Options for parsing.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Which events keep their original JSON.
    pub keep_raw: KeepRaw,
    /// Read each event's message, error chain and step details (markers,
    /// inputs, outputs). Without them an event has only what selecting,
    /// ordering and merging it takes (run, time, level, type, step, a hash
    /// of its message): enough to print its JSON, not to show or analyse it.
    pub details: bool,
    /// The run of events exported without `runId` when nothing in or beside
    /// their file names one (the run the user named with `--run-id`).
    pub fallback_run_id: Option<String>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            keep_raw: KeepRaw::default(),
            details: true,
            fallback_run_id: None,
        }
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// JSON exports compress about 10 to 30 times; far beyond this, the file is
/// not an export and would only fill memory.
const GUNZIP_RATIO: u64 = 200;

/// How many bytes a gzip file of `compressed` bytes may decompress to.
fn gunzip_limit(compressed: usize) -> u64 {
    (compressed as u64)
        .saturating_mul(GUNZIP_RATIO)
        .max(64 << 20)
}

/// Whether the bytes look like something daglog could read (JSON or gzip):
/// used to pass over READMEs and the like quietly while walking directories.
pub fn looks_like_export(head: &[u8]) -> bool {
    if head.starts_with(&GZIP_MAGIC) {
        return true;
    }
    let head = head.strip_prefix(BOM).unwrap_or(head);
    matches!(head.get(skip_ws(head, 0)), Some(b'{' | b'['))
}

/// Parses one file's bytes (gzip is detected and decompressed).
pub fn parse_bytes(path: &Path, data: &[u8], opts: &ParseOptions) -> Result<ParsedFile, Error> {
    parse_file(path, data, opts, None)
}

/// A UTF-8 byte order mark, which a file may open with and a parse skips.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Bytes a buffer needs past a file's end for [`run_stage1_in_place`].
pub(crate) const PADDING: usize = simd_json::INPUT_PADDING;

/// Whether a load with or without `details` reads the document `json` in
/// one pass (see [`crate::ondemand`]) rather than from the tape.
fn reads_in_one_pass(details: bool, json: &[u8]) -> bool {
    !details && ONDEMAND.get() && ondemand::opens_as_page(json)
}

/// Before [`parse_file`] of `buffer[..len]` (with [`PADDING`] bytes to spare
/// after it): when the file is a page that the load will read in one pass,
/// runs simd-json's first stage on it where it is (past a byte order mark,
/// as the parse reads it), so that the pass copies nothing; see
/// [`ondemand::Stage1::run_in_place`]. It changes no byte; a parse that does
/// not use it forgets it.
pub(crate) fn run_stage1_in_place(buffer: &mut [u8], len: usize, opts: &ParseOptions) {
    let start = if buffer[..len].starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    if reads_in_one_pass(opts.details, &buffer[start..len]) {
        SIMD.with_borrow_mut(|s| s.stage1.run_in_place(&mut buffer[start..], len - start));
    }
}

/// [`parse_bytes`] of the file at `path`, which is `data` as long as it
/// keeps `stamp`: the events then keep where their JSON is in it rather
/// than a copy, and it is read again to print them.
pub(crate) fn parse_file(
    path: &Path,
    data: &[u8],
    opts: &ParseOptions,
    stamp: Option<FileStamp>,
) -> Result<ParsedFile, Error> {
    let parsed = parse_any(path, data, opts, stamp);
    SIMD.with_borrow_mut(|s| s.stage1.forget());
    parsed
}

fn parse_any(
    path: &Path,
    data: &[u8],
    opts: &ParseOptions,
    stamp: Option<FileStamp>,
) -> Result<ParsedFile, Error> {
    let bytes = data.len() as u64;
    if data.starts_with(&GZIP_MAGIC) {
        let mut out = GUNZIPPED.with_borrow_mut(std::mem::take);
        out.clear();
        let limit = gunzip_limit(data.len());
        let read = flate2::read::MultiGzDecoder::new(data)
            .take(limit + 1)
            .read_to_end(&mut out);
        let parsed = match read {
            Ok(_) if out.len() as u64 > limit => Err(Error::Gzip {
                path: path.to_path_buf(),
                source: std::io::Error::other(format!(
                    "it decompresses to more than {} MB, over {GUNZIP_RATIO} times its size: a \
                     log export never compresses so well (a gzip bomb?); if it is real, gunzip it \
                     and give daglog the result",
                    limit >> 20
                )),
            }),
            Ok(_) => parse_plain(path, &out, opts, bytes, None),
            Err(source) => Err(Error::Gzip {
                path: path.to_path_buf(),
                source,
            }),
        };
        // A huge archive member does not keep its memory for the files after it.
        if out.capacity() <= crate::archive::KEPT_BUFFER_LIMIT {
            GUNZIPPED.set(out);
        }
        return parsed;
    }
    parse_plain(path, data, opts, bytes, stamp)
}

fn parse_plain(
    path: &Path,
    file: &[u8],
    opts: &ParseOptions,
    bytes: u64,
    stamp: Option<FileStamp>,
) -> Result<ParsedFile, Error> {
    let data = file.strip_prefix(BOM).unwrap_or(file);
    let mut batch = BATCH.with_borrow_mut(std::mem::take);
    batch.details = opts.details;
    let mut p = Parser {
        path,
        batch,
        buf: data,
        pages: Vec::new(),
        runs: Vec::new(),
        problems: Vec::new(),
        kind: None,
        simd: SIMD.with_borrow_mut(std::mem::take),
        fallback_run_id: None,
        scanned: RefCell::new(HashMap::new()),
        keep_raw: opts.keep_raw.clone(),
        // Spans are 32-bit offsets: a larger file keeps copies.
        spans_from: stamp
            .filter(|_| u32::try_from(file.len()).is_ok())
            .map(|_| (file.len() - data.len()) as u64),
        reshaped: None,
        notes: Vec::new(),
        noted: [false; 2],
        given_run_id: opts.fallback_run_id.as_deref(),
    };
    let parsed = p.parse_all();
    let bad_events = p.problems.len();
    p.problems = fold_repeated_problems(p.problems);
    let Parser {
        mut batch,
        pages,
        runs,
        problems,
        kind,
        simd,
        reshaped,
        notes,
        ..
    } = p;
    SIMD.set(simd);
    if batch.run_ids.len() > 1 {
        // Printing reads the file again piece by piece in output order,
        // which interleaves runs: worth it only for one run per file.
        batch.copy_spans(file, &opts.keep_raw);
    }
    let mut exact = batch.take_exact();
    BATCH.set(batch);
    if !exact.spans.is_empty() {
        exact.stamp = stamp;
    }
    parsed?;
    if let Some(page) = reshaped {
        // Not the file's own bytes: its events keep copies of the new JSON.
        SIMD.with_borrow_mut(|s| s.stage1.forget());
        let mut f = parse_plain(path, &page, opts, bytes, None)?;
        f.kind = FileKind::DgApi;
        return Ok(f);
    }
    Ok(ParsedFile {
        path: path.to_path_buf(),
        kind: kind.unwrap_or(FileKind::Page),
        batch: exact,
        pages,
        runs,
        problems,
        bytes,
        runless: Vec::new(),
        notes,
        bad_events,
    })
}

/// simd-json's working memory, kept per thread across files: fresh buffers
/// per file cost more in page faults than the parse itself.
#[derive(Default)]
struct SimdScratch {
    /// A padded copy of what is being parsed (simd-json unescapes in place,
    /// and the original must stay intact for the events' JSON).
    input: Vec<u8>,
    buffers: simd_json::Buffers,
    /// Always empty between parses; only its allocation is kept.
    tape: Option<simd_json::Tape<'static>>,
    /// For plain pages read without details: see [`crate::ondemand`].
    stage1: ondemand::Stage1,
}

impl SimdScratch {
    /// Parses a padded copy of `json` into the tape and hands `f` the result.
    fn parse<R>(
        &mut self,
        json: &[u8],
        f: impl for<'de> FnOnce(&Parsed<'_, 'de>) -> R,
    ) -> Result<R, simd_json::Error> {
        self.input.clear();
        self.input.extend_from_slice(json);
        self.input
            .resize(json.len() + simd_json::INPUT_PADDING, b' ');
        let mut tape = self
            .tape
            .take()
            .unwrap_or_else(|| simd_json::Tape(Vec::new()));
        let base = self.input.as_ptr() as usize;
        let filled =
            simd_json::fill_tape_padded(&mut self.input, json.len(), &mut self.buffers, &mut tape)
                .map(|()| {
                    f(&Parsed {
                        nodes: &tape.0,
                        structurals: self.buffers.structural_indexes(),
                        base,
                    })
                });
        self.tape = Some(tape.reset());
        filled
    }
}

/// A parsed document: simd-json's tape and structural indexes.
struct Parsed<'a, 'de> {
    /// The tape; its strings borrow from the parsed copy.
    nodes: &'a [simd_json::Node<'de>],
    /// Offsets into the original of every bracket, brace, colon and comma,
    /// and of the first byte of every string and scalar.
    structurals: &'a [u32],
    /// Where the parsed copy starts in memory: a string of the tape lies at
    /// the same offset in the copy as in the original.
    base: usize,
}

impl Parsed<'_, '_> {
    /// Where the first key of the object at node `i` starts in the original
    /// (its opening quote); `None` for an object without keys.
    fn first_key(&self, i: usize) -> Option<usize> {
        match self.nodes.get(i + 1) {
            Some(simd_json::Node::String(k)) if tape::is_nonempty_object(self.nodes, i) => {
                (k.as_ptr() as usize).checked_sub(self.base)?.checked_sub(1)
            }
            _ => None,
        }
    }
}

thread_local! {
    /// Whether plain pages may be read without the tape (tests compare both).
    pub(crate) static ONDEMAND: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    static SIMD: RefCell<SimdScratch> = RefCell::new(SimdScratch::default());
    /// The batch being built, kept per thread like [`SIMD`]: see
    /// [`EventBatch::take_exact`].
    static BATCH: RefCell<EventBatch> = RefCell::new(EventBatch::default());
    /// Decompressed gzip input, kept per thread like [`SIMD`].
    static GUNZIPPED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

struct Parser<'p> {
    path: &'p Path,
    batch: EventBatch,
    buf: &'p [u8],
    pages: Vec<PageInfo>,
    runs: Vec<RunMeta>,
    problems: Vec<Error>,
    kind: Option<FileKind>,
    simd: SimdScratch,
    fallback_run_id: Option<Option<String>>,
    /// What the single structural pass already found inside values it
    /// descended into (keyed by the value's start), so nothing is scanned twice.
    scanned: RefCell<HashMap<usize, Scanned>>,
    keep_raw: KeepRaw,
    /// When the file can be read again: where `buf` starts in it. The
    /// events then keep where their JSON is instead of a copy.
    spans_from: Option<u64>,
    /// A `dg api` event list rewritten as a GraphQL page, to be read instead.
    reshaped: Option<Vec<u8>>,
    /// What was inferred for events that lack a field, said once per file.
    notes: Vec<String>,
    /// The run the user named, for events whose file names none.
    given_run_id: Option<&'p str>,
    /// Which of the notes on types and levels were given.
    noted: [bool; 2],
}

/// Where an event's original JSON is in the file.
#[derive(Clone, Copy)]
enum Json {
    /// A byte range; `compact` when it is known to hold no whitespace
    /// between tokens (else it is compacted when kept).
    Span {
        start: usize,
        end: usize,
        compact: bool,
    },
    /// Not looked for: nothing keeps it.
    Absent,
}

/// An object's members as (key, value start, value end).
type Members = Vec<(String, usize, usize)>;

enum Scanned {
    Members(Members),
    Elements(Vec<(usize, usize)>),
}

/// Scans an object's members once. The events array's elements and the
/// objects an export nests them in (`data`, `logsForRun`, `response`) are
/// scanned during the same pass and remembered in `found`.
fn scan_members(
    buf: &[u8],
    s: usize,
    found: &mut HashMap<usize, Scanned>,
) -> Result<(Members, usize), ScanError> {
    let mut out = Vec::new();
    let end = for_each_member_consuming(buf, s, |k, vs| {
        let ve = match (k, buf[vs]) {
            (b"events", b'[') => {
                let (spans, end) = element_spans(buf, vs)?;
                found.insert(vs, Scanned::Elements(spans));
                end
            }
            (b"data" | b"logsForRun" | b"response", b'{') => {
                let (members, end) = scan_members(buf, vs, found)?;
                found.insert(vs, Scanned::Members(members));
                end
            }
            // Checked, not only skipped: most of these members nothing else
            // reads (found by fuzz/invalid_json_is_said: `"http_status": 018`).
            _ => scan::check_value(buf, vs)?,
        };
        out.push((String::from_utf8_lossy(k).into_owned(), vs, ve));
        Ok(ve)
    })?;
    Ok((out, end))
}

impl Parser<'_> {
    fn at(&self, byte: usize) -> Location {
        Location {
            byte,
            line: scan::line_of(self.buf, byte),
        }
    }

    fn json_error(&self, e: ScanError) -> Error {
        if let Err(u) = std::str::from_utf8(&self.buf[..e.offset.min(self.buf.len())]) {
            return Error::Utf8 {
                path: self.path.to_path_buf(),
                at: self.at(u.valid_up_to()),
            };
        }
        Error::Json {
            path: self.path.to_path_buf(),
            at: self.at(e.offset),
            reason: e.reason.to_string(),
        }
    }

    fn shape(&self, found: impl Into<String>) -> Error {
        Error::Shape {
            path: self.path.to_path_buf(),
            found: found.into(),
        }
    }

    fn not_export(&self, found: impl Into<String>) -> Error {
        Error::NotExport {
            path: self.path.to_path_buf(),
            found: found.into(),
        }
    }

    fn set_kind(&mut self, kind: FileKind) {
        // A file of concatenated values is NDJSON whatever its values are.
        self.kind = Some(match self.kind {
            None => kind,
            Some(k) if k == kind && k != FileKind::Page => k,
            Some(_) => FileKind::Ndjson,
        });
    }

    /// `SimdScratch::parse` of `self.buf[range]`, with the parser at hand in `f`.
    fn parse_json<R>(
        &mut self,
        range: Range<usize>,
        f: impl for<'de> FnOnce(&mut Self, &Parsed<'_, 'de>) -> R,
    ) -> Result<R, simd_json::Error> {
        let mut simd = std::mem::take(&mut self.simd);
        let buf = self.buf;
        let parsed = simd.parse(&buf[range], |doc| f(self, doc));
        self.simd = simd;
        parsed
    }

    /// A plain page is read by simd-json in one call; the events' byte
    /// ranges, when their JSON is kept, come from their first keys' places.
    /// Anything else, or any problem, goes the careful way, which also says
    /// where a file is broken.
    fn fast_page(&mut self) -> bool {
        let buf = self.buf;
        let first = skip_ws(buf, 0);
        if buf.get(first) != Some(&b'{') {
            return false;
        }
        if reads_in_one_pass(self.batch.details, buf) && self.ondemand_page() {
            return true;
        }
        let want_raw = self.keep_raw.any();
        let parsed = self.parse_json(0..buf.len(), |this, doc| {
            let (nodes, structurals) = (doc.nodes, doc.structurals);
            let Ok(Some(page)) = tape::page(nodes) else {
                return false;
            };
            let Ok(events) = tape::elements(nodes, page.events, "events") else {
                return false;
            };
            let spans = if want_raw {
                let first_keys: Option<Vec<usize>> =
                    events.iter().map(|&e| doc.first_key(e)).collect();
                let from_keys = first_keys
                    .and_then(|keys| scan::event_spans_from_keys(buf, structurals, &keys));
                match from_keys.or_else(|| scan::event_spans(buf, structurals)) {
                    Some(spans) if spans.len() == events.len() => spans,
                    _ => return false,
                }
            } else {
                Vec::new()
            };
            // A page is laid out one way throughout: compact, or pretty.
            let compact = want_raw && scan::tokens_are_compact(buf, structurals);
            let rows_start = this.batch.len();
            let pushed = events.iter().enumerate().try_for_each(|(i, &at)| {
                let mut raw = tape::event(nodes, at).map_err(|_| ())?;
                let json = match spans.get(i) {
                    Some(span) => Json::Span {
                        start: span.start,
                        end: span.end,
                        compact,
                    },
                    None => Json::Absent,
                };
                this.push_event(&mut raw, 0, json).map_err(|_| ())
            });
            if pushed.is_err() {
                this.batch.truncate(rows_start);
                return false;
            }
            this.set_kind(FileKind::Page);
            this.pages.push(PageInfo {
                cursor_value: page.cursor.and_then(decode_cursor),
                cursor: page.cursor.map(str::to_string),
                has_more: page.has_more,
                rows: rows_start..this.batch.len(),
            });
            true
        });
        parsed.unwrap_or(false)
    }

    /// [`Parser::fast_page`] in one pass after stage 1, for a load without
    /// details; `false` when the pass gives up, with nothing added.
    fn ondemand_page(&mut self) -> bool {
        let buf = self.buf;
        let want_raw = self.keep_raw.any();
        let rows_start = self.batch.len();
        let mut simd = std::mem::take(&mut self.simd);
        let read = simd.stage1.read(buf, |reader| {
            // A page is laid out one way throughout: compact, or pretty.
            let compact = want_raw && scan::tokens_are_compact(buf, reader.structurals());
            reader.page(|raw, start, end| {
                let json = if want_raw {
                    Json::Span {
                        start,
                        end,
                        compact,
                    }
                } else {
                    Json::Absent
                };
                self.push_event(raw, 0, json).ok()
            })
        });
        self.simd = simd;
        let Some(page) = read else {
            self.batch.truncate(rows_start);
            return false;
        };
        self.set_kind(FileKind::Page);
        self.pages.push(PageInfo {
            cursor_value: page.cursor.as_deref().and_then(decode_cursor),
            cursor: page.cursor,
            has_more: page.has_more,
            rows: rows_start..self.batch.len(),
        });
        true
    }

    fn parse_all(&mut self) -> Result<(), Error> {
        if self.fast_page() {
            return Ok(());
        }
        let buf = self.buf;
        let len = buf.len();
        let first = skip_ws(buf, 0);
        if first == len {
            return Err(Error::Empty {
                path: self.path.to_path_buf(),
            });
        }
        let first_end = skip_value(buf, first).map_err(|e| self.json_error(e))?;
        let next = skip_ws(buf, first_end);
        let one_line = memchr::memchr(b'\n', &buf[first..first_end]).is_none();
        if next == len {
            return self.value(first, first_end);
        }
        if !one_line {
            // Concatenated pretty documents: read them in turn, any error is fatal.
            let mut pos = first;
            while pos < len {
                let end = skip_value(buf, pos).map_err(|e| self.json_error(e))?;
                self.value(pos, end)?;
                pos = skip_ws(buf, end);
            }
            return Ok(());
        }
        // NDJSON: a bad line is reported and the other lines are still read.
        self.kind = Some(FileKind::Ndjson);
        let mut start = 0;
        while start < len {
            let end = memchr::memchr(b'\n', &buf[start..]).map_or(len, |k| start + k);
            let s = skip_ws(&buf[..end], start);
            if s < end {
                // Scan within the line so a broken line cannot swallow the next ones.
                let result = skip_value(&buf[..end], s)
                    .map_err(|e| self.json_error(e))
                    .and_then(|v_end| {
                        if skip_ws(&buf[..end], v_end) != end {
                            Err(self.json_error(ScanError {
                                offset: skip_ws(buf, v_end),
                                reason: "unexpected data after the line's value",
                            }))
                        } else {
                            self.value(s, v_end)
                        }
                    });
                if let Err(e) = result {
                    self.problems.push(e);
                }
            }
            start = end + 1;
        }
        if self.batch.is_empty() && self.runs.is_empty() && !self.problems.is_empty() {
            return Err(self.problems.remove(0));
        }
        Ok(())
    }

    /// Top-level members of the object at `s`, as (key, value start, value end).
    fn object(&self, s: usize) -> Result<Members, Error> {
        if let Some(Scanned::Members(m)) = self.scanned.borrow_mut().remove(&s) {
            return Ok(m);
        }
        let mut found = HashMap::new();
        let (members, _) = scan_members(self.buf, s, &mut found).map_err(|e| self.json_error(e))?;
        self.scanned.borrow_mut().extend(found);
        Ok(members)
    }

    fn elements(&self, s: usize) -> Result<Vec<(usize, usize)>, Error> {
        if let Some(Scanned::Elements(spans)) = self.scanned.borrow_mut().remove(&s) {
            return Ok(spans);
        }
        element_spans(self.buf, s)
            .map(|(spans, _)| spans)
            .map_err(|e| self.json_error(e))
    }

    /// Parses a whole array of events in one simd-json call; if that fails,
    /// event by event, to name the one that is broken.
    fn events(&mut self, array: (usize, usize), spans: &[(usize, usize)]) -> Result<(), Error> {
        let rows_start = self.batch.len();
        let parsed = self.parse_json(array.0..array.1, |this, doc| {
            let nodes = doc.nodes;
            let events = tape::elements(nodes, 0, "events").ok()?;
            if events.len() != spans.len() {
                return None;
            }
            let pushed = events.iter().zip(spans).try_for_each(|(&at, &(a, b))| {
                let mut raw = tape::event(nodes, at).map_err(|_| ())?;
                let json = Json::Span {
                    start: a,
                    end: b,
                    compact: false,
                };
                this.push_event(&mut raw, a, json).map_err(|_| ())
            });
            Some(pushed)
        });
        match parsed {
            Ok(Some(Ok(()))) => Ok(()),
            _ => {
                // Start over event by event: a bad event is named and costs
                // only itself; the page's other events are still read.
                self.batch.truncate(rows_start);
                for (index, &(a, b)) in spans.iter().enumerate() {
                    match self.event(a, b) {
                        Ok(()) => {}
                        // The scan found the event whole: a value it cannot
                        // take (a number out of range) spoils only this event.
                        Err(
                            Error::Event { path, at, reason } | Error::Json { path, at, reason },
                        ) => self.problems.push(Error::Event {
                            path,
                            at,
                            reason: format!("event {} of {}: {reason}", index + 1, spans.len()),
                        }),
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            }
        }
    }

    fn value(&mut self, s: usize, e: usize) -> Result<(), Error> {
        match self.buf[s] {
            b'[' => {
                self.set_kind(FileKind::EventArray);
                let rows_start = self.batch.len();
                let spans = self.elements(s)?;
                self.events((s, e), &spans)?;
                self.pages.push(PageInfo {
                    cursor: None,
                    cursor_value: None,
                    has_more: None,
                    rows: rows_start..self.batch.len(),
                });
                Ok(())
            }
            b'{' => self.object_value(s, e),
            first => Err(Error::Json {
                path: self.path.to_path_buf(),
                at: self.at(s),
                reason: if s == 0 && self.buf == [GZIP_MAGIC[0]] {
                    "a gzip file cut short after its first byte".to_string()
                } else if first.is_ascii_graphic() {
                    format!(
                        "the top-level value starts with {:?}, not an object or an array",
                        first as char
                    )
                } else {
                    format!(
                        "the top-level value starts with byte 0x{first:02x}, not an object or an array"
                    )
                },
            }),
        }
    }

    fn object_value(&mut self, s: usize, e: usize) -> Result<(), Error> {
        let members = self.object(s)?;
        let has = |k: &str| members.iter().any(|(key, _, _)| key == k);
        let get = |k: &str| {
            members
                .iter()
                .find(|(key, _, _)| key == k)
                .map(|m| (m.1, m.2))
        };
        if let Some(events) = get("events") {
            self.set_kind(FileKind::Page);
            return self.page(events, get("cursor"), get("hasMore"));
        }
        if has("data") || (has("errors") && !has("runId")) {
            return self.graphql(get("data"), get("errors"));
        }
        if let Some((rs, _)) = get("response").filter(|_| has("http_status") || has("variables")) {
            // The shape of `_edge` captures: the request's variables and its response.
            let inner = self.object(rs)?;
            let g = |k: &str| {
                inner
                    .iter()
                    .find(|(key, _, _)| key == k)
                    .map(|m| (m.1, m.2))
            };
            return self.graphql(g("data"), g("errors"));
        }
        if has("event_list")
            || self.string_at(get("__class__")).as_deref() == Some("DebugRunPayload")
        {
            self.set_kind(FileKind::DebugBundle);
            let value = self.python_json_value(s, e)?;
            let rows_start = self.batch.len();
            let mut bad_entries = Vec::new();
            debug::convert_bundle(
                &value,
                &mut self.batch,
                &mut self.runs,
                &self.keep_raw,
                &mut bad_entries,
            )
            .map_err(|reason| self.shape(reason))?;
            for reason in bad_entries {
                self.problems.push(Error::Event {
                    path: self.path.to_path_buf(),
                    at: self.at(s),
                    reason,
                });
            }
            self.pages.push(PageInfo {
                cursor: None,
                cursor_value: None,
                has_more: Some(false),
                rows: rows_start..self.batch.len(),
            });
            return Ok(());
        }
        if has("runOrError")
            || has("logsForRun")
            || has("pipelineRunOrError")
            || has("runsOrError")
            || has("pipelineRunsOrError")
        {
            return self.graphql(Some((s, e)), None);
        }
        if has("dagster_event") && has("run_id") {
            // One `EventLogEntry` per line, as some export scripts write them.
            self.set_kind(FileKind::Ndjson);
            let value = self.python_json_value(s, e)?;
            let rows_start = self.batch.len();
            debug::convert_entry(&value, &mut self.batch, &self.keep_raw).map_err(|reason| {
                Error::Event {
                    path: self.path.to_path_buf(),
                    at: self.at(s),
                    reason,
                }
            })?;
            self.push_implicit_page(rows_start);
            return Ok(());
        }
        if has("timestamp") && (has("eventType") || has("__typename") || has("message")) {
            // A lone event object is a one-line NDJSON file.
            self.set_kind(FileKind::Ndjson);
            let rows_start = self.batch.len();
            self.event(s, e)?;
            self.push_implicit_page(rows_start);
            return Ok(());
        }
        if has("items") || has("logs") || (has("id") && has("created_at")) {
            let value = self.json_value(s, e)?;
            match value.as_object().and_then(dg::recognise) {
                Some(dg::DgShape::Page(page)) => {
                    self.set_kind(FileKind::DgApi);
                    self.reshaped = Some(page);
                    return Ok(());
                }
                Some(dg::DgShape::Runs(runs)) => {
                    self.set_kind(FileKind::RunList);
                    for r in &runs {
                        self.push_run(r, MetaOrigin::RunsList)?;
                    }
                    return Ok(());
                }
                None => {}
            }
        }
        let keys: Vec<&str> = members.iter().take(6).map(|(k, _, _)| k.as_str()).collect();
        Err(self.not_export(if keys.is_empty() {
            "an empty object".to_string()
        } else {
            format!(
                "an object with keys {}{} (expected events, data.logsForRun, logsForRun, runOrError, runsOrError, a debug bundle or `dg api … --json` output)",
                keys.join(", "),
                if members.len() > keys.len() { ", …" } else { "" }
            )
        }))
    }

    fn push_implicit_page(&mut self, rows_start: usize) {
        // Consecutive single events share one implicit page.
        if let Some(last) = self.pages.last_mut()
            && last.cursor.is_none()
            && last.rows.end == rows_start
            && last.has_more.is_none()
        {
            last.rows.end = self.batch.len();
            return;
        }
        self.pages.push(PageInfo {
            cursor: None,
            cursor_value: None,
            has_more: None,
            rows: rows_start..self.batch.len(),
        });
    }

    fn json_value(&self, s: usize, e: usize) -> Result<serde_json::Value, Error> {
        serde_json::from_slice(&self.buf[s..e]).map_err(|err| self.serde_error(s, e, &err))
    }

    /// [`Parser::json_value`] for serdes JSON, which Python's `json` wrote:
    /// `NaN` and `Infinity` (float metadata) read as null.
    fn python_json_value(&self, s: usize, e: usize) -> Result<serde_json::Value, Error> {
        crate::storage::parse_python_json(&self.buf[s..e])
            .map_err(|err| self.serde_error(s, e, &err))
    }

    fn serde_error(&self, s: usize, e: usize, err: &serde_json::Error) -> Error {
        if let Err(u) = std::str::from_utf8(&self.buf[s..e]) {
            return Error::Utf8 {
                path: self.path.to_path_buf(),
                at: self.at(s + u.valid_up_to()),
            };
        }
        // serde_json counts lines and columns within the value.
        let line = scan::line_of(self.buf, s) + err.line().saturating_sub(1);
        Error::Json {
            path: self.path.to_path_buf(),
            at: Location { byte: s, line },
            reason: err.to_string(),
        }
    }

    fn string_at(&self, span: Option<(usize, usize)>) -> Option<String> {
        let (s, e) = span?;
        serde_json::from_slice::<Option<String>>(&self.buf[s..e])
            .ok()
            .flatten()
    }

    fn graphql(
        &mut self,
        data: Option<(usize, usize)>,
        errors: Option<(usize, usize)>,
    ) -> Result<(), Error> {
        let data = data.filter(|&(s, e)| &self.buf[s..e] != b"null");
        let Some((ds, _)) = data else {
            let message = errors
                .and_then(|(s, e)| {
                    serde_json::from_slice::<serde_json::Value>(&self.buf[s..e]).ok()
                })
                .and_then(|v| v.get(0)?.get("message")?.as_str().map(str::to_string))
                .unwrap_or_else(|| "the response has no data".to_string());
            return Err(Error::Graphql {
                path: self.path.to_path_buf(),
                kind: "errors".into(),
                message,
            });
        };
        let fields = self.object(ds)?;
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _, _)| key == k)
                .map(|m| (m.1, m.2))
        };
        if let Some((ls, _)) = get("logsForRun") {
            let conn = self.object(ls)?;
            let g = |k: &str| conn.iter().find(|(key, _, _)| key == k).map(|m| (m.1, m.2));
            if let Some(events) = g("events") {
                self.set_kind(FileKind::GraphqlResponse);
                return self.page(events, g("cursor"), g("hasMore"));
            }
            return Err(Error::Graphql {
                path: self.path.to_path_buf(),
                kind: self
                    .string_at(g("__typename"))
                    .unwrap_or_else(|| "logsForRun".into()),
                message: self
                    .string_at(g("message"))
                    .unwrap_or_default()
                    .trim_end()
                    .to_string(),
            });
        }
        for (key, list) in [
            ("runOrError", false),
            ("pipelineRunOrError", false),
            ("runsOrError", true),
            ("pipelineRunsOrError", true),
        ] {
            if let Some((s, e)) = get(key) {
                let value = self.json_value(s, e)?;
                return self.run_meta(&value, list);
            }
        }
        let keys: Vec<&str> = fields.iter().map(|(k, _, _)| k.as_str()).collect();
        Err(self.not_export(format!(
            "a GraphQL response with data.{} (expected logsForRun, runOrError or runsOrError)",
            keys.join(", data.")
        )))
    }

    fn run_meta(&mut self, value: &serde_json::Value, list: bool) -> Result<(), Error> {
        let typename = value
            .get("__typename")
            .and_then(|t| t.as_str())
            .unwrap_or("");
        let error_kind = !typename.is_empty()
            && !matches!(typename, "Run" | "PipelineRun" | "Runs" | "PipelineRuns");
        if error_kind {
            return Err(Error::Graphql {
                path: self.path.to_path_buf(),
                kind: typename.to_string(),
                message: value
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or("")
                    .trim_end()
                    .to_string(),
            });
        }
        if list {
            self.set_kind(FileKind::RunList);
            let results = value
                .get("results")
                .and_then(|r| r.as_array())
                .ok_or_else(|| self.shape("a runsOrError without results"))?;
            for r in results {
                self.push_run(r, MetaOrigin::RunsList)?;
            }
        } else {
            self.set_kind(FileKind::RunInfo);
            self.push_run(value, MetaOrigin::RunOrError)?;
        }
        Ok(())
    }

    fn push_run(&mut self, r: &serde_json::Value, origin: MetaOrigin) -> Result<(), Error> {
        let s = |k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let run_id = s("runId")
            .or_else(|| s("id"))
            .ok_or_else(|| self.shape("a run without runId"))?;
        self.runs.push(RunMeta {
            run_id,
            job_name: s("jobName").or_else(|| s("pipelineName")),
            status: s("status"),
            origin,
            raw: r.clone(),
        });
        Ok(())
    }

    fn page(
        &mut self,
        events: (usize, usize),
        cursor: Option<(usize, usize)>,
        has_more: Option<(usize, usize)>,
    ) -> Result<(), Error> {
        let buf = self.buf;
        if buf[events.0] != b'[' {
            return Err(self.shape("`events` is not an array"));
        }
        let rows_start = self.batch.len();
        let spans = self.elements(events.0)?;
        self.events(events, &spans)?;
        let cursor = self.string_at(cursor);
        let cursor_value = cursor.as_deref().and_then(decode_cursor);
        let has_more = has_more.map(|(s, e)| &buf[s..e] == b"true");
        self.pages.push(PageInfo {
            cursor,
            cursor_value,
            has_more,
            rows: rows_start..self.batch.len(),
        });
        Ok(())
    }

    /// The run of events exported without `runId`, from what the rest of
    /// the file and its place say: the one run id the file's other events
    /// name, the `run.json` beside it, or a folder named like a run id.
    fn run_id_from_context(&mut self) -> Option<String> {
        if self.fallback_run_id.is_none() {
            let found = single_run_id(self.buf)
                .map(|id| (id, "the file's other events"))
                .or_else(|| {
                    let dir = self.path.parent()?;
                    [dir.join("run.json"), dir.parent()?.join("run.json")]
                        .iter()
                        .find_map(|p| single_run_id(&std::fs::read(p).ok()?))
                        .map(|id| (id, "the run.json beside it"))
                })
                .or_else(|| {
                    self.path
                        .ancestors()
                        .filter_map(|p| p.file_name()?.to_str())
                        .find(|name| looks_like_run_id(name))
                        .map(|id| (id.to_string(), "its folder's name"))
                })
                .or_else(|| self.given_run_id.map(|id| (id.to_string(), "--run-id")));
            if let Some((id, from)) = &found {
                self.notes.push(format!(
                    "{}: events without a runId are taken as run {id}, from {from}",
                    self.path.display()
                ));
            }
            self.fallback_run_id = Some(found.map(|f| f.0));
        }
        self.fallback_run_id.clone().flatten()
    }

    /// Says once per file that a field was inferred.
    fn note_once(&mut self, which: usize, text: &str) {
        if !self.noted[which] {
            self.noted[which] = true;
            self.notes.push(format!("{}: {text}", self.path.display()));
        }
    }

    fn event(&mut self, s: usize, e: usize) -> Result<(), Error> {
        let parsed = self.parse_json(s..e, |this, doc| {
            let json = Json::Span {
                start: s,
                end: e,
                compact: false,
            };
            tape::event(doc.nodes, 0).map(|mut raw| this.push_event(&mut raw, s, json))
        });
        match parsed {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(reason)) => Err(Error::Event {
                path: self.path.to_path_buf(),
                at: self.at(s),
                reason,
            }),
            Err(err) => Err(self.simd_error(s, e, &err)),
        }
    }

    /// Adds an event; `s` is where it starts in the file (for messages).
    fn push_event(&mut self, raw: &mut RawEvent<'_>, s: usize, json: Json) -> Result<(), Error> {
        let bad = |this: &Self, reason: String| Error::Event {
            path: this.path.to_path_buf(),
            at: this.at(s),
            reason,
        };
        let run_id = match raw.run_id {
            Some("") => return Err(bad(self, "the event's runId is empty".into())),
            Some(r) => Cow::Borrowed(r),
            None => Cow::Owned(self.run_id_from_context().ok_or_else(|| {
                bad(
                    self,
                    "the event has no runId, and neither the file's other events, a run.json \
                     beside it nor a folder of its path names one (a whole run id given with \
                     --run-id is used for such events)"
                        .into(),
                )
            })?),
        };
        if raw.event_type.is_none()
            && let Some(t) = raw.typename.and_then(event_type_for)
        {
            raw.event_type = Some(t);
            self.note_once(
                0,
                "events without an eventType are typed from their __typename",
            );
        }
        let timestamp_ms = match &raw.timestamp {
            Some(t) => t
                .epoch_ms()
                .ok_or_else(|| bad(self, format!("unreadable timestamp {t}")))?,
            None => return Err(bad(self, "the event has no timestamp".into())),
        };
        let level = match &raw.level {
            Some(l) => l
                .level()
                .ok_or_else(|| bad(self, format!("unknown level {l}")))?,
            None => {
                self.note_once(
                    1,
                    "events without a level get the one Dagster gives their event type",
                );
                default_level(raw.event_type.map(normalize_event_type).as_deref())
            }
        };
        let event_type = raw.event_type.map(normalize_event_type);
        let typename = raw
            .typename
            .unwrap_or_else(|| typename_for(event_type.as_deref()));
        let error = raw.error.take().map(|err| err.into_info(raw.error_source));
        self.batch.push(
            &run_id,
            NewEvent {
                timestamp_ms,
                level,
                event_type: event_type.as_deref(),
                typename,
                step_key: raw.step_key,
                message: raw.message.unwrap_or(""),
                error,
                detail: raw.detail.if_any(),
                field_count: raw.field_count,
            },
        );
        let Json::Span {
            start,
            end,
            compact,
        } = json
        else {
            return Ok(());
        };
        if let Some(from) = self.spans_from.filter(|_| self.keep_raw.any())
            && let Some(span) = FileSpan::new(from + start as u64, end - start, compact)
        {
            self.batch.span_of_last(span);
            return Ok(());
        }
        let json = &self.buf[start..end];
        self.batch
            .keep_raw_of_last(&self.keep_raw, |out| scan::write_json(json, compact, out));
        Ok(())
    }

    fn simd_error(&self, s: usize, e: usize, err: &simd_json::Error) -> Error {
        if let Err(u) = std::str::from_utf8(&self.buf[s..e]) {
            return Error::Utf8 {
                path: self.path.to_path_buf(),
                at: self.at(s + u.valid_up_to()),
            };
        }
        let reason = match err.error() {
            simd_json::ErrorType::Serde(m) => m.clone(),
            other => format!("{other:?}"),
        };
        let offset = (s + err.index()).min(e);
        Error::Json {
            path: self.path.to_path_buf(),
            at: self.at(offset),
            reason,
        }
    }
}

/// Decodes a Dagster cursor: base64 of `{"type": "STORAGE_ID", "value": N}`.
pub fn decode_cursor(cursor: &str) -> Option<i64> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("value")?.as_i64()
}

/// Encodes a cursor the way Dagster does.
pub fn encode_cursor(value: i64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(format!("{{\"type\": \"STORAGE_ID\", \"value\": {value}}}"))
}

/// A UUID such as Dagster's run ids (`27a22958-e1b1-4e29-9219-816ec07f7759`).
pub fn looks_like_run_id(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The one run id the `"runId": "…"` members of a JSON text name, if they
/// name exactly one.
fn single_run_id(text: &[u8]) -> Option<String> {
    let mut found: Option<&[u8]> = None;
    for at in memchr::memmem::find_iter(text, b"\"runId\"") {
        let rest = &text[at + 7..];
        let colon = skip_ws(rest, 0);
        if rest.get(colon) != Some(&b':') {
            continue;
        }
        let quote = skip_ws(rest, colon + 1);
        if rest.get(quote) != Some(&b'"') {
            continue;
        }
        let Some(len) = memchr::memchr(b'"', &rest[quote + 1..]) else {
            continue;
        };
        let id = &rest[quote + 1..quote + 1 + len];
        if id.is_empty() {
            continue;
        }
        match found {
            Some(f) if f != id => return None,
            _ => found = Some(id),
        }
    }
    found
        .and_then(|f| std::str::from_utf8(f).ok())
        .map(str::to_string)
}

/// Events of one file that are bad for the same reason (a recording whose
/// events all lack `runId`) are said once, with how many they are and the
/// first one's place, instead of once per event.
fn fold_repeated_problems(problems: Vec<Error>) -> Vec<Error> {
    if problems.len() < 3 {
        return problems;
    }
    // "event 4 of 9: why" -> "why"; other problems (bad NDJSON lines) stay apart.
    let reason_of = |e: &Error| match e {
        Error::Event { reason, .. } => Some(
            reason
                .strip_prefix("event ")
                .and_then(|r| r.split_once(": "))
                .map_or(reason.as_str(), |(_, why)| why)
                .to_string(),
        ),
        _ => None,
    };
    // Where each reason was first met, so a file of many bad lines stays linear.
    let mut first: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<(Error, usize)> = Vec::with_capacity(problems.len());
    for e in problems {
        match reason_of(&e) {
            Some(reason) => match first.get(&reason) {
                Some(&at) => out[at].1 += 1,
                None => {
                    first.insert(reason, out.len());
                    out.push((e, 1));
                }
            },
            None => out.push((e, 1)),
        }
    }
    out.into_iter()
        .map(|(e, n)| match e {
            Error::Event { path, at, reason } if n > 1 => Error::Event {
                path,
                at,
                reason: format!("{reason} (and {} more events of this file alike)", n - 1),
            },
            e => e,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ParsedFile, Error> {
        parse_with(text.as_bytes(), ParseOptions::default())
    }

    fn parse_with(text: &[u8], opts: ParseOptions) -> Result<ParsedFile, Error> {
        parse_bytes(Path::new("t.json"), text, &opts)
    }

    const EV: &str = r#"{"__typename":"LogMessageEvent","runId":"r1","message":"hi","timestamp":"1795501832511","level":"INFO","stepKey":"a","eventType":null}"#;

    fn lean(text: &[u8]) -> Result<ParsedFile, Error> {
        let opts = ParseOptions {
            keep_raw: KeepRaw::None,
            ..ParseOptions::default()
        };
        parse_with(text, opts)
    }

    #[test]
    fn the_one_call_page_parse_reads_what_the_careful_one_reads() {
        // Every real page of the fixtures, both ways.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dagster-1.13");
        let mut pages = 0;
        for case in std::fs::read_dir(&root).unwrap().flatten() {
            for run in std::fs::read_dir(case.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                for page in std::fs::read_dir(run.path().join("pages"))
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let bytes = std::fs::read(page.path()).unwrap();
                    // The same page inside a GraphQL response takes the careful path.
                    let mut wrapped = b"{\"data\": {\"logsForRun\": ".to_vec();
                    wrapped.extend_from_slice(&bytes);
                    wrapped.extend_from_slice(b"}}");
                    let careful =
                        parse_bytes(&page.path(), &wrapped, &ParseOptions::default()).unwrap();
                    let fast = parse_bytes(&page.path(), &bytes, &ParseOptions::default()).unwrap();
                    let lean = lean(&bytes).unwrap();
                    assert_eq!(careful.kind, FileKind::GraphqlResponse);
                    assert_eq!(fast.kind, FileKind::Page);
                    assert_eq!(careful.batch.len(), fast.batch.len());
                    assert_eq!(lean.batch.len(), fast.batch.len());
                    for row in 0..fast.batch.len() {
                        let (a, b) = (careful.batch.view(row), fast.batch.view(row));
                        assert!(!a.raw.is_empty());
                        assert_eq!(a.raw, b.raw);
                        assert!(lean.batch.view(row).raw.is_empty());
                    }
                    for row in 0..careful.batch.len() {
                        let (a, b) = (careful.batch.view(row), fast.batch.view(row));
                        assert_eq!(
                            (
                                a.run_id,
                                a.timestamp_ms,
                                a.event_type,
                                a.step_key,
                                a.message,
                                a.error,
                                a.detail
                            ),
                            (
                                b.run_id,
                                b.timestamp_ms,
                                b.event_type,
                                b.step_key,
                                b.message,
                                b.error,
                                b.detail
                            )
                        );
                    }
                    assert_eq!(careful.pages.len(), fast.pages.len());
                    assert_eq!(careful.pages[0].cursor, fast.pages[0].cursor);
                    assert_eq!(careful.pages[0].has_more, fast.pages[0].has_more);
                    pages += 1;
                }
            }
        }
        assert!(pages >= 25, "{pages}");
    }

    #[test]
    fn only_the_events_a_filter_keeps_keep_their_json() {
        let page = format!(
            "{{\"events\": [{EV},\n  {}], \"cursor\": \"c\", \"hasMore\": false}}",
            EV.replace("\"message\":\"hi\"", "\"message\": \"bye\"")
        );
        let keep = KeepRaw::Matching(Arc::new(|ev| ev.message == "bye"));
        let opts = ParseOptions {
            keep_raw: keep,
            ..ParseOptions::default()
        };
        let f = parse_with(page.as_bytes(), opts).unwrap();
        assert_eq!(f.batch.len(), 2);
        assert!(f.batch.raw(0).is_empty());
        // Kept compact, whatever the spacing of the export.
        assert_eq!(f.batch.raw(1), EV.replace("\"hi\"", "\"bye\"").as_bytes());
    }

    /// On every real page, the events found from their first keys (where the
    /// tape's strings are) are those a walk over every structural finds.
    #[test]
    fn events_found_from_their_first_keys_match_a_full_walk() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/dagster-1.13");
        let mut scratch = SimdScratch::default();
        let mut pages = 0;
        fn files(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                if entry.file_type().unwrap().is_dir() {
                    files(&entry.path(), out);
                } else if entry.path().to_string_lossy().contains("/pages/") {
                    out.push(entry.path());
                }
            }
        }
        let mut all = Vec::new();
        files(&root, &mut all);
        for page in all {
            let bytes = std::fs::read(&page).unwrap();
            scratch
                .parse(&bytes, |doc| {
                    let walked = scan::event_spans(&bytes, doc.structurals).unwrap();
                    let events = tape::page(doc.nodes).unwrap().unwrap();
                    let keys: Vec<usize> = tape::elements(doc.nodes, events.events, "events")
                        .unwrap()
                        .into_iter()
                        .map(|e| {
                            doc.first_key(e).unwrap_or_else(|| {
                                panic!("an event without keys in {}", page.display())
                            })
                        })
                        .collect();
                    let found = scan::event_spans_from_keys(&bytes, doc.structurals, &keys);
                    assert_eq!(found.as_ref(), Some(&walked), "{}", page.display());
                })
                .unwrap();
            pages += 1;
        }
        assert!(pages >= 30, "{pages}");
    }

    /// Without details an event keeps no message, error or markers, but the
    /// hash that merges exports is the message's all the same.
    #[test]
    fn a_load_without_details_still_merges_by_message() {
        let failure = r#"{"__typename":"ExecutionStepFailureEvent","runId":"r1","message":"boom","timestamp":"1795501832511","level":"ERROR","stepKey":"a","eventType":"STEP_FAILURE","error":{"message":"x","className":"X","stack":[],"cause":null},"markerStart":"m"}"#;
        let full = parse(failure).unwrap();
        let opts = ParseOptions {
            details: false,
            ..ParseOptions::default()
        };
        let lean = parse_with(failure.as_bytes(), opts).unwrap();
        let (a, b) = (full.batch.view(0), lean.batch.view(0));
        assert_eq!((a.message, b.message), ("boom", ""));
        assert!(a.error.is_some() && b.error.is_none());
        assert!(a.detail.is_some() && b.detail.is_none());
        assert_eq!(
            (a.timestamp_ms, a.level, a.event_type, a.step_key, a.run_id),
            (b.timestamp_ms, b.level, b.event_type, b.step_key, b.run_id)
        );
        assert_eq!(full.batch.message_hash, lean.batch.message_hash);
    }

    #[test]
    fn a_bad_event_still_gets_its_place_without_raw() {
        let bad = format!(
            r#"{{"events": [{EV},
  {{"runId":"r1","message":"x","level":"INFO"}}], "cursor": "c", "hasMore": false}}"#
        );
        // The bad event is named; the good one is still read.
        let careful = parse(&bad).unwrap();
        let fast = lean(bad.as_bytes()).unwrap();
        assert_eq!((careful.batch.len(), fast.batch.len()), (1, 1));
        let (careful, fast) = (
            careful.problems[0].to_string(),
            fast.problems[0].to_string(),
        );
        assert_eq!(careful, fast);
        assert!(
            fast.contains("line 2") && fast.contains("event 2 of 2"),
            "{fast}"
        );
    }

    #[test]
    fn a_page_keeps_cursor_and_has_more() {
        let f = parse(&format!(
            r#"{{"events":[{EV},{EV}],"cursor":"{}","hasMore":true}}"#,
            encode_cursor(2)
        ))
        .unwrap();
        assert_eq!(f.kind, FileKind::Page);
        assert_eq!(f.batch.len(), 2);
        assert_eq!(f.pages[0].cursor_value, Some(2));
        assert_eq!(f.pages[0].has_more, Some(true));
        assert_eq!(f.batch.raw(1), EV.as_bytes());
        assert_eq!(f.batch.view(0).step_key, Some("a"));
        assert_eq!(f.batch.view(0).event_type, None);
    }

    #[test]
    fn ndjson_reports_a_bad_line_and_keeps_the_rest() {
        let f = parse(&format!("{EV}\n{{\"runId\": \"r1\", \"timest\n{EV}\n")).unwrap();
        assert_eq!(f.kind, FileKind::Ndjson);
        assert_eq!(f.batch.len(), 2);
        assert_eq!(f.problems.len(), 1);
        assert!(
            f.problems[0].to_string().contains("line 2"),
            "{}",
            f.problems[0]
        );
    }

    #[test]
    fn graphql_errors_are_named() {
        let e = parse(r#"{"data":{"logsForRun":{"__typename":"RunNotFoundError","message":"Pipeline run x could not be found."}}}"#).unwrap_err();
        assert!(
            matches!(e, Error::Graphql { ref kind, .. } if kind == "RunNotFoundError"),
            "{e}"
        );
        let e = parse(r#"{"errors":[{"message":"Cannot query field"}],"data":null}"#).unwrap_err();
        assert!(e.to_string().contains("Cannot query field"), "{e}");
    }

    #[test]
    fn wrong_shapes_and_truncation() {
        let e = parse(r#"{"foo": 1}"#).unwrap_err();
        assert!(e.to_string().contains("not a Dagster export"), "{e}");
        let text = format!(r#"{{"events":[{EV},{EV}"#);
        let e = parse(&text).unwrap_err();
        assert!(
            matches!(e, Error::Json { at, .. } if at.byte == text.len()),
            "{e}"
        );
        assert!(matches!(parse("  \n").unwrap_err(), Error::Empty { .. }));
    }

    #[test]
    fn pipeline_event_types_are_normalised() {
        let f = parse(r#"[{"runId":"r","message":"m","timestamp":"1795501832511","level":"DEBUG","stepKey":null,"eventType":"PIPELINE_SUCCESS"}]"#).unwrap();
        assert_eq!(f.batch.view(0).event_type, Some("RUN_SUCCESS"));
        assert_eq!(f.batch.view(0).typename, "RunSuccessEvent");
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(
            decode_cursor("eyJ0eXBlIjogIlNUT1JBR0VfSUQiLCAidmFsdWUiOiA4MX0="),
            Some(81)
        );
        assert_eq!(
            encode_cursor(81),
            "eyJ0eXBlIjogIlNUT1JBR0VfSUQiLCAidmFsdWUiOiA4MX0="
        );
        assert_eq!(decode_cursor("not-a-cursor"), None);
    }
}
