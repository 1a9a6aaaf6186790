//! Reading a whole archive: files in parallel, then runs assembled by run id.
//!
//! A *source* is one export of one run: the cursor-carrying pages of a run in
//! one folder, or one cursorless file (NDJSON, a bare array, a debug bundle).
//! Pages of a source are stitched in cursor order, and a page fetched twice
//! (same cursor, same size) counts once. When a run was exported by several
//! sources (pages and `raw/`, a minimal and a rich query, a snapshot taken
//! while running and one after, a debug bundle), an event is the same event
//! when (time in ms, event type, step key, message) match; within one source
//! every event counts, even exact repeats. So each key counts as often as the
//! source that has it most often, and the copy with the most fields is kept.

use std::cell::RefCell;
// Run ids and paths are hashed for every page and duplicate: a fast hasher.
use foldhash::{HashMap, HashMapExt};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::batch::{EventBatch, EventView, FileStamp};
use crate::discover::Exclude;
use crate::discover::{
    self, Candidate, DirPlace, Entry, Input, expand_input, has_export_extension,
    has_non_export_extension, list_dir, natural_cmp,
};
use crate::dump;
use crate::error::Error;
use crate::parse::{
    FileKind, PADDING, ParseOptions, RunMeta, looks_like_export, parse_file, run_stage1_in_place,
};
use crate::progress::Progress;
use crate::storage;

/// Options for [`Archive::load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Parsing options.
    pub parse: ParseOptions,
    /// Stop at the first bad file instead of reporting it and going on.
    pub strict: bool,
    /// Files and folders not to read when walking a folder (`--exclude`).
    pub exclude: Exclude,
}

/// A reference to one event: batch (file) and row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventRef {
    /// Index into [`Archive::batches`].
    pub batch: u32,
    /// Row within the batch.
    pub row: u32,
}

/// One run's events, assembled from every source that holds it.
#[derive(Debug, Clone)]
pub struct Run {
    /// The run id.
    pub run_id: String,
    /// The events, in time order (ties in export order).
    pub events: Vec<EventRef>,
    /// How many sources (exports) held this run.
    pub sources: usize,
    /// Events dropped because another source already had them.
    pub duplicates: usize,
    /// Every source of the run ended on a page with `hasMore: true`: the
    /// export stopped before the end of the run's log.
    pub truncated: bool,
    /// Pages that seem missing from an export of this run: the page before
    /// the gap says `hasMore: true`, and the next page's number skips (the
    /// files before and after the gap).
    pub missing_pages: Vec<(PathBuf, PathBuf)>,
}

/// What was read from one file.
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// The path.
    pub path: PathBuf,
    /// The shape found.
    pub kind: FileKind,
    /// Bytes read.
    pub bytes: u64,
    /// Events read.
    pub events: usize,
}

/// Counts over the whole load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestStats {
    /// Files read successfully (possibly with some bad NDJSON lines).
    pub files_read: usize,
    /// Files skipped because of an error.
    pub files_failed: usize,
    /// Files passed over because they are not exports (README.md…).
    pub files_ignored: usize,
    /// Bytes read from the files that were read.
    pub bytes: u64,
    /// Events read from all files, before duplicates across sources are merged.
    pub events_read: usize,
    /// Events kept after merging.
    pub events: usize,
    /// Events (NDJSON lines, storage rows) that could not be used.
    pub bad_events: usize,
    /// Distinct storage events that belong to no run (empty `run_id`):
    /// freshness changes, materializations reported from outside a run.
    pub runless_events: usize,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Archive {
    /// One batch per file read.
    pub batches: Vec<EventBatch>,
    /// Files read, in input order.
    pub files: Vec<FileSummary>,
    /// Runs with events, ordered by their first event.
    pub runs: Vec<Run>,
    /// Run metadata (`run.json`, `runsOrError` lists, debug bundles).
    pub metadata: Vec<RunMeta>,
    /// Problems, in input order: skipped files and bad NDJSON lines.
    pub problems: Vec<Error>,
    /// What was inferred for events that lack a field, once per file.
    pub notes: Vec<String>,
    /// Files found in folders and passed over, in input order.
    pub passed_over: Vec<PassedOver>,
    /// Counts.
    pub stats: IngestStats,
}

enum Outcome {
    Parsed(Box<crate::parse::ParsedFile>),
    /// A file found in a folder that is not an export, and why.
    Ignored(PassedOver),
    Failed(Error),
}

/// A file found in a folder and passed over: it is not an export.
#[derive(Debug, Clone)]
pub struct PassedOver {
    /// The file.
    pub path: PathBuf,
    /// Why, in words (`named .md`, `a GraphQL error response`…).
    pub why: String,
}

fn passed_over(c: &Candidate, why: impl Into<String>) -> Outcome {
    Outcome::Ignored(PassedOver {
        path: c.path.clone(),
        why: why.into(),
    })
}

thread_local! {
    /// The file being parsed, in a buffer kept per thread: a fresh one per
    /// file costs page faults worth more than the read itself.
    static FILE_BYTES: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Files larger than this do not keep their buffer for the next file.
pub(crate) const KEPT_BUFFER_LIMIT: usize = 64 << 20;

fn read_candidate(c: &Candidate, opts: &ParseOptions) -> Outcome {
    if !c.explicit && has_non_export_extension(&c.path) {
        let ext = c
            .path
            .extension()
            .map_or_else(String::new, |e| e.to_string_lossy().into_owned());
        return passed_over(c, format!("a .{ext} file, never an export"));
    }
    let mut buffer = FILE_BYTES.with_borrow_mut(std::mem::take);
    // A regular file can be read again to print its events (not a pipe).
    let mut stamp = None;
    let read = if c.stdin {
        buffer.clear();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buffer)
            .map(|_| Some(buffer.len()))
    } else {
        c.open().and_then(|mut f| {
            let meta = f.metadata()?;
            if meta.is_file() {
                stamp = Some(FileStamp::of(&meta));
            }
            // A storage database is read by SQLite, not into memory first: a
            // file not named like an export is opened with a look at its header.
            if !has_export_extension(&c.path) {
                let mut head = [0u8; 16];
                let n = read_head(&mut f, &mut head)?;
                if storage::is_sqlite(&head[..n]) {
                    return Ok(None);
                }
                f.rewind()?;
            }
            read_whole(&mut f, meta.len(), &mut buffer).map(Some)
        })
    };
    let read = match read {
        Ok(None) => {
            if buffer.capacity() <= KEPT_BUFFER_LIMIT {
                FILE_BYTES.set(buffer);
            }
            return read_storage(c, stamp.map_or(0, |s| s.len), opts);
        }
        Ok(Some(len)) => Ok(len),
        Err(e) => Err(e),
    };
    let outcome = match read {
        Err(source) => Outcome::Failed(Error::Read {
            path: c.path.clone(),
            source,
        }),
        Ok(len) => {
            // Still being written: not to be trusted to read the same again.
            stamp = stamp.filter(|s| s.len == len as u64);
            if storage::is_sqlite(&buffer[..len]) {
                read_storage(c, len as u64, opts)
            } else if dump::is_custom_dump(&buffer[..len]) {
                Outcome::Failed(Error::Shape {
                    path: c.path.clone(),
                    found: dump::CUSTOM_DUMP_ADVICE.into(),
                })
            } else if let Some(outcome) = (!looks_like_export(&buffer[..len]))
                .then(|| read_dump(c, &buffer[..len], opts))
                .flatten()
            {
                outcome
            } else if let Some(what) = (c.explicit && !looks_like_export(&buffer[..len]))
                .then(|| discover::what_it_looks_like(&c.path, &buffer[..len]))
                .flatten()
            {
                Outcome::Failed(Error::Shape {
                    path: c.path.clone(),
                    found: what,
                })
            } else if !c.explicit
                && !has_export_extension(&c.path)
                && !looks_like_export(&buffer[..len])
            {
                passed_over(c, "it is not JSON and not named like an export")
            } else {
                if buffer.len() < len + PADDING {
                    buffer.resize(len + PADDING, 0);
                }
                run_stage1_in_place(&mut buffer, len, opts);
                match parse_file(&c.path, &buffer[..len], opts, stamp) {
                    Ok(f) => Outcome::Parsed(Box::new(f)),
                    // Found in a folder: a GraphQL error response or JSON
                    // of another kind holds no events, and is no mistake.
                    Err(e) if !c.explicit && e.holds_no_events() => {
                        let why = e.to_string();
                        let prefix = format!("{} ", c.path.display());
                        passed_over(c, why.strip_prefix(&prefix).unwrap_or(&why))
                    }
                    Err(e) => Outcome::Failed(e),
                }
            }
        }
    };
    if buffer.capacity() <= KEPT_BUFFER_LIMIT {
        FILE_BYTES.set(buffer);
    }
    outcome
}

/// A SQLite file: Dagster's storage, or another database (passed over when
/// walked, an error when named).
fn read_storage(c: &Candidate, bytes: u64, opts: &ParseOptions) -> Outcome {
    if c.stdin {
        return Outcome::Failed(Error::Shape {
            path: c.path.clone(),
            found: "a SQLite database on standard input; name the .db file instead".into(),
        });
    }
    match storage::read(&c.path, bytes, opts) {
        Ok(storage::Storage::Read(f)) => Outcome::Parsed(f),
        Ok(storage::Storage::Other(_)) if !c.explicit => {
            passed_over(c, "a SQLite database without Dagster's tables")
        }
        Ok(storage::Storage::Other(tables)) => Outcome::Failed(Error::Shape {
            path: c.path.clone(),
            found: format!(
                "a SQLite database without Dagster's event_logs or runs tables (tables: {}); \
                 give a DAGSTER_HOME, its history/ folder, runs.db or a run's .db file",
                if tables.is_empty() {
                    "none".to_string()
                } else {
                    tables.join(", ")
                }
            ),
        }),
        Err(e) => Outcome::Failed(e),
    }
}

/// A text dump of Dagster's PostgreSQL tables, or `None` when the bytes are not one.
fn read_dump(c: &Candidate, data: &[u8], opts: &ParseOptions) -> Option<Outcome> {
    match dump::read(&c.path, data, opts) {
        Ok(dump::Dump::Read(f)) => Some(Outcome::Parsed(f)),
        Ok(dump::Dump::NotADump) => None,
        Err(e) => Some(Outcome::Failed(e)),
    }
}

/// Reads up to `head.len()` bytes from the start of `file`.
fn read_head(file: &mut std::fs::File, head: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads all of `file`, `size` bytes as far as its metadata knows, into the
/// start of `buffer`, and returns how many bytes it has. The buffer keeps its
/// length from file to file, so its bytes are set once, not zeroed per file;
/// it has room for one byte more than `size` so that the read ending the
/// file (one system call for the whole file, one that finds its end) costs
/// no growth, and for the padding simd-json reads past a document's end.
fn read_whole(file: &mut std::fs::File, size: u64, buffer: &mut Vec<u8>) -> std::io::Result<usize> {
    let want = usize::try_from(size)
        .unwrap_or(usize::MAX - 1 - PADDING)
        .saturating_add(1 + PADDING);
    if buffer.len() < want {
        buffer.resize(want, 0);
    }
    let mut len = 0;
    loop {
        if len == buffer.len() {
            // The file grew since its metadata was read.
            buffer.resize(len * 2, 0);
        }
        match file.read(&mut buffer[len..]) {
            Ok(0) => return Ok(len),
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn read_counted(c: &Candidate, opts: &ParseOptions, progress: &dyn Progress) -> Outcome {
    let outcome = read_candidate(c, opts);
    progress.file_done(c.size);
    outcome
}

/// Lists a directory and reads its files while its subdirectories are
/// listed, all in parallel, so reading starts with the first file found;
/// the outcomes come back in natural order, depth first.
fn read_dir(dir: &DirPlace, opts: &LoadOptions, progress: &dyn Progress) -> Vec<Outcome> {
    let mut errors = Vec::new();
    let mut entries = list_dir(dir, progress.wants_sizes(), &mut errors);
    if !opts.exclude.is_empty() {
        entries.retain(|e| !opts.exclude.matches(e.path()));
    }
    let (files, bytes) = entries.iter().fold((0, 0), |(n, b), e| match e {
        Entry::File(c) => (n + 1, b + c.size),
        Entry::Dir(_) => (n, b),
    });
    progress.found(files, bytes);
    let mut outcomes: Vec<Outcome> = errors.into_iter().map(Outcome::Failed).collect();
    let nested: Vec<Vec<Outcome>> = entries
        .par_iter()
        .map(|entry| match entry {
            Entry::File(c) => vec![read_counted(c, &opts.parse, progress)],
            Entry::Dir(d) => read_dir(d, opts, progress),
        })
        .collect();
    outcomes.extend(nested.into_iter().flatten());
    outcomes
}

/// Identifies a source: paged exports group by folder, others are one file each.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SourceKey {
    Folder(PathBuf),
    File(usize),
}

struct SourcePage {
    file: usize,
    cursor_value: Option<i64>,
    has_more: Option<bool>,
    /// The page's rows of this run: one range unless runs interleave.
    rows: Vec<std::ops::Range<u32>>,
    richness: u64,
}

impl SourcePage {
    fn events(&self) -> usize {
        self.rows.iter().map(|r| r.len()).sum()
    }
}

impl Archive {
    /// Reads every input: files in parallel, then assembles runs.
    ///
    /// Bad files are recorded in [`Archive::problems`] and the rest is still
    /// read; with `strict`, the first bad file (in input order) is returned as
    /// the error instead.
    pub fn load(
        inputs: &[Input],
        opts: LoadOptions,
        progress: &dyn Progress,
    ) -> Result<Archive, Error> {
        let mut outcomes = Vec::new();
        for input in inputs {
            match expand_input(input) {
                Ok(Entry::File(c)) => {
                    progress.found(1, c.size);
                    outcomes.push(read_counted(&c, &opts.parse, progress));
                }
                Ok(Entry::Dir(dir)) => outcomes.extend(read_dir(&dir, &opts, progress)),
                Err(e) => outcomes.push(Outcome::Failed(e)),
            }
        }
        progress.finish();

        let mut archive = Archive::default();
        archive.batches.reserve_exact(outcomes.len());
        archive.files.reserve_exact(outcomes.len());
        let mut file_pages = Vec::with_capacity(outcomes.len());
        let mut runless = foldhash::HashSet::default();
        for outcome in outcomes {
            match outcome {
                Outcome::Ignored(p) => {
                    archive.stats.files_ignored += 1;
                    archive.passed_over.push(p);
                }
                Outcome::Failed(e) => {
                    if opts.strict {
                        return Err(e);
                    }
                    archive.stats.files_failed += 1;
                    archive.problems.push(e);
                }
                Outcome::Parsed(f) => {
                    let f = *f;
                    if opts.strict && !f.problems.is_empty() {
                        return Err(f.problems.into_iter().next().expect("checked non-empty"));
                    }
                    archive.stats.files_read += 1;
                    archive.stats.bytes += f.bytes;
                    archive.stats.events_read += f.batch.len();
                    archive.problems.extend(f.problems);
                    archive.metadata.extend(f.runs);
                    runless.extend(f.runless);
                    archive.notes.extend(f.notes);
                    archive.stats.bad_events += f.bad_events;
                    archive.files.push(FileSummary {
                        path: f.path,
                        kind: f.kind,
                        bytes: f.bytes,
                        events: f.batch.len(),
                    });
                    file_pages.push(f.pages);
                    archive.batches.push(f.batch);
                }
            }
        }
        archive.stats.runless_events = runless.len();
        archive.assemble(file_pages);
        Ok(archive)
    }

    /// The values of one event.
    pub fn event(&self, r: EventRef) -> EventView<'_> {
        self.batches[r.batch as usize].view(r.row as usize)
    }

    /// The run whose id is `id`, or that `id` is the unique prefix of.
    pub fn find_run(&self, id: &str) -> RunMatch<'_> {
        if let Some(run) = self.runs.iter().find(|r| r.run_id == id) {
            return RunMatch::One(run);
        }
        let hits: Vec<&Run> = self
            .runs
            .iter()
            .filter(|r| r.run_id.starts_with(id))
            .collect();
        match hits.len() {
            0 => RunMatch::None,
            1 => RunMatch::One(hits[0]),
            _ => RunMatch::Ambiguous(hits.iter().map(|r| r.run_id.as_str()).collect()),
        }
    }

    fn assemble(&mut self, file_pages: Vec<Vec<crate::parse::PageInfo>>) {
        // Each file's pages split by run, in parallel: a pass over every row.
        let parts: Vec<Vec<(&str, SourceKey, SourcePage)>> = file_pages
            .par_iter()
            .enumerate()
            .map(|(file, pages)| self.page_parts(file, pages))
            .collect();
        // run id -> source key -> pages
        let mut sources: HashMap<&str, HashMap<SourceKey, Vec<SourcePage>>> = HashMap::new();
        let mut run_order: Vec<&str> = Vec::new();
        for (run_id, key, part) in parts.into_iter().flatten() {
            let entry = sources.entry(run_id).or_insert_with(|| {
                run_order.push(run_id);
                HashMap::new()
            });
            entry.entry(key).or_default().push(part);
        }

        // Each run is stitched, merged and sorted on its own: in parallel.
        let by_run: Vec<(&str, HashMap<SourceKey, Vec<SourcePage>>)> = run_order
            .into_iter()
            .map(|id| (id, sources.remove(id).unwrap_or_default()))
            .collect();
        let this = &*self;
        let mut runs: Vec<Run> = by_run
            .into_par_iter()
            .map(|(run_id, by_source)| this.assemble_run(run_id, &by_source))
            .collect();
        let kept = runs.iter().map(|r| r.events.len()).sum();
        let first_ts = |r: &Run| {
            r.events
                .first()
                .map(|e| self.batches[e.batch as usize].timestamp_ms[e.row as usize])
        };
        runs.sort_by(|a, b| {
            first_ts(a)
                .cmp(&first_ts(b))
                .then_with(|| a.run_id.cmp(&b.run_id))
        });
        self.stats.events = kept;
        for run in &runs {
            for (before, after) in &run.missing_pages {
                self.problems.push(Error::MissingPages {
                    run_id: run.run_id.clone(),
                    before: before.clone(),
                    after: after.clone(),
                });
            }
        }
        self.runs = runs;
    }

    /// The pages of file `file`, each split into its runs' parts, with the
    /// source each part belongs to.
    fn page_parts(
        &self,
        file: usize,
        pages: &[crate::parse::PageInfo],
    ) -> Vec<(&str, SourceKey, SourcePage)> {
        let batch = &self.batches[file];
        let summary = &self.files[file];
        let mut parts = Vec::new();
        for page in pages {
            // Each run's part of the page: one stretch of rows unless runs interleave.
            let mut by_run: Vec<(u32, SourcePage)> = Vec::new();
            let mut row = page.rows.start;
            while row < page.rows.end {
                let run = batch.run[row];
                let end = (row..page.rows.end)
                    .find(|&r| batch.run[r] != run)
                    .unwrap_or(page.rows.end);
                let slot = match by_run.iter().position(|b| b.0 == run) {
                    Some(i) => i,
                    None => {
                        let part = SourcePage {
                            file,
                            cursor_value: page.cursor_value,
                            has_more: page.has_more,
                            rows: Vec::new(),
                            richness: 0,
                        };
                        by_run.push((run, part));
                        by_run.len() - 1
                    }
                };
                let part = &mut by_run[slot].1;
                part.rows.push(row as u32..end as u32);
                part.richness += batch.field_count[row..end]
                    .iter()
                    .map(|&f| u64::from(f))
                    .sum::<u64>();
                row = end;
            }
            for (run, part) in by_run {
                let run_id = batch.run_ids[run as usize].as_str();
                let key = if summary.kind.is_paged() && page.cursor_value.is_some() {
                    SourceKey::Folder(
                        summary
                            .path
                            .parent()
                            .map(Path::to_path_buf)
                            .unwrap_or_default(),
                    )
                } else {
                    SourceKey::File(file)
                };
                parts.push((run_id, key, part));
            }
        }
        parts
    }

    /// One run from the pages of each source that holds it.
    fn assemble_run(&self, run_id: &str, by_source: &HashMap<SourceKey, Vec<SourcePage>>) -> Run {
        let mut keys: Vec<&SourceKey> = by_source.keys().collect();
        keys.sort_by(|a, b| match (a, b) {
            (SourceKey::Folder(x), SourceKey::Folder(y)) => x.cmp(y),
            (SourceKey::Folder(_), SourceKey::File(_)) => std::cmp::Ordering::Less,
            (SourceKey::File(_), SourceKey::Folder(_)) => std::cmp::Ordering::Greater,
            (SourceKey::File(x), SourceKey::File(y)) => x.cmp(y),
        });
        let mut missing_pages = Vec::new();
        let mut stitched: Vec<(Vec<EventRef>, bool)> = keys
            .into_iter()
            .flat_map(|k| self.stitch(&by_source[k], &mut missing_pages))
            .collect();
        let truncated = stitched.iter().all(|(_, complete)| !complete);
        let sources = stitched.len();
        let (mut events, duplicates) = if stitched.len() == 1 {
            (stitched.pop().map(|s| s.0).unwrap_or_default(), 0)
        } else {
            self.merge(stitched.into_iter().map(|s| s.0).collect())
        };
        let batches = &self.batches;
        events.sort_by_key(|r| batches[r.batch as usize].timestamp_ms[r.row as usize]);
        Run {
            run_id: run_id.to_string(),
            events,
            sources,
            duplicates,
            truncated,
            missing_pages,
        }
    }

    /// Orders a source's pages and drops pages fetched twice; returns the
    /// events and whether the source reaches the end of the run's log, for
    /// each export the pages belong to: a folder can hold two exports of a
    /// run (a snapshot taken while it ran beside the final one), told apart
    /// by their last pages (`hasMore: false`), which the merge then unites.
    fn stitch(
        &self,
        pages: &[SourcePage],
        missing: &mut Vec<(PathBuf, PathBuf)>,
    ) -> Vec<(Vec<EventRef>, bool)> {
        let mut order: Vec<&SourcePage> = pages.iter().collect();
        if order.iter().all(|p| p.cursor_value.is_some()) {
            order.sort_by(|a, b| {
                a.cursor_value
                    .cmp(&b.cursor_value)
                    .then_with(|| b.richness.cmp(&a.richness))
            });
            // The same page fetched twice (or raw beside unwrapped in one folder).
            order.dedup_by(|later, earlier| {
                later.cursor_value == earlier.cursor_value && later.events() == earlier.events()
            });
        } else {
            order.sort_by(|a, b| {
                natural_cmp(
                    &self.files[a.file].path.to_string_lossy(),
                    &self.files[b.file].path.to_string_lossy(),
                )
            });
        }
        let chains: Vec<&[&SourcePage]> = if order.iter().all(|p| p.cursor_value.is_some()) {
            order
                .split_inclusive(|p| p.has_more == Some(false))
                .collect()
        } else {
            vec![&order[..]]
        };
        for chain in &chains {
            for pair in chain.windows(2) {
                let (before, after) = (
                    &self.files[pair[0].file].path,
                    &self.files[pair[1].file].path,
                );
                let skips = match (page_number(before), page_number(after)) {
                    (Some(a), Some(b)) => b > a + 1,
                    _ => false,
                };
                if pair[0].has_more == Some(true) && skips {
                    missing.push((before.clone(), after.clone()));
                }
            }
        }
        chains
            .into_iter()
            .map(|chain| {
                let complete = chain.last().is_some_and(|p| p.has_more != Some(true));
                let mut events = Vec::with_capacity(chain.iter().map(|p| p.events()).sum());
                events.extend(chain.iter().flat_map(|p| {
                    p.rows.iter().cloned().flatten().map(|row| EventRef {
                        batch: p.file as u32,
                        row,
                    })
                }));
                (events, complete)
            })
            .collect()
    }

    /// Merges several exports of one run (see the module docs).
    fn merge(&self, mut sources: Vec<Vec<EventRef>>) -> (Vec<EventRef>, usize) {
        type Key<'a> = (i64, Option<&'a str>, Option<&'a str>, u64);
        let key = |r: EventRef| -> Key<'_> {
            let b = &self.batches[r.batch as usize];
            let row = r.row as usize;
            (
                b.timestamp_ms[row],
                b.event_type.get(row),
                b.step_key.get(row),
                b.message_hash[row],
            )
        };
        let fields = |r: EventRef| self.batches[r.batch as usize].field_count[r.row as usize];
        // The largest source first: its order is the base the others fill in.
        sources.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut merged: Vec<EventRef> = Vec::new();
        let mut positions: HashMap<Key<'_>, Vec<usize>> = HashMap::new();
        let mut duplicates = 0;
        for source in &sources {
            let mut seen: HashMap<Key<'_>, usize> = HashMap::new();
            for &r in source {
                let k = key(r);
                let nth = seen.entry(k).or_insert(0);
                let slots = positions.entry(k).or_default();
                if let Some(&at) = slots.get(*nth) {
                    duplicates += 1;
                    if fields(r) > fields(merged[at]) {
                        merged[at] = r;
                    }
                } else {
                    slots.push(merged.len());
                    merged.push(r);
                }
                *nth += 1;
            }
        }
        (merged, duplicates)
    }
}

/// The number a page file's name ends with (`page-0003.json` → 3).
fn page_number(path: &Path) -> Option<u64> {
    let stem = path.file_name()?.to_str()?.split('.').next()?;
    let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    stem[stem.len() - digits..].parse().ok()
}

/// The outcome of looking a run up by id or prefix.
#[derive(Debug)]
pub enum RunMatch<'a> {
    /// Exactly one run.
    One(&'a Run),
    /// No run has that id or prefix.
    None,
    /// Several runs start with the prefix.
    Ambiguous(Vec<&'a str>),
}
