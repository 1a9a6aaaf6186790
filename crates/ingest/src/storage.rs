//! Dagster's own SQLite storage: a copied `DAGSTER_HOME`, its `history/`
//! folder, or one `.db` file.
//!
//! A file is storage when it opens with the SQLite header, whatever its name.
//! Tables are read, never written: the database is opened `immutable` (no
//! lock, no `-shm`, nothing created beside it), which also works in a
//! read-only folder. A non-empty `-wal` beside a database holds committed
//! rows that are not in the main file yet; the two are then copied to a
//! temporary folder and read there, so those rows count and the originals
//! are still untouched.
//!
//! - `event_logs` (per-run shards `history/runs/<runId>.db`, the shared
//!   `index.db`, the old single `event_log.db`): each row's `event` is the
//!   serdes `EventLogEntry` of debug bundles, converted by [`crate::debug`],
//!   in `id` order. `index.db` repeats the asset events of the shards; the
//!   archive's merge of sources counts each of them once. Rows with an empty
//!   `run_id` (freshness changes, materializations reported from outside a
//!   run) belong to no run: they are counted apart, never as a run `""`.
//! - `runs` with `run_tags`: each row is run metadata ([`MetaOrigin::Storage`]):
//!   the serdes `run_body`, the status column, the times and the tags.
//!
//! One bad row is a problem naming the file, table and row id; the other rows
//! are still read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value};

use crate::batch::EventBatch;
use crate::debug;
use crate::error::Error;
use crate::parse::{FileKind, MetaOrigin, PageInfo, ParseOptions, ParsedFile, RunMeta};
use crate::time;

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether a file's first bytes are a SQLite database's.
pub(crate) fn is_sqlite(head: &[u8]) -> bool {
    head.starts_with(SQLITE_HEADER)
}

/// What a SQLite file turned out to hold.
pub(crate) enum Storage {
    /// Dagster's events or runs.
    Read(Box<ParsedFile>),
    /// Some other database (`schedules.db`, an application's own); the
    /// tables it has, to say so when it was named on the command line.
    Other(Vec<String>),
}

/// Reads a SQLite file of Dagster storage.
pub(crate) fn read(path: &Path, bytes: u64, opts: &ParseOptions) -> Result<Storage, Error> {
    let fail = |reason: String| Error::Storage {
        path: path.to_path_buf(),
        reason,
    };
    let opened = Opened::open(path).map_err(&fail)?;
    let conn = &opened.conn;
    let tables = table_names(conn).map_err(|e| fail(e.to_string()))?;
    let has = |t: &str| tables.iter().any(|n| n == t);
    if !has("event_logs") && !has("runs") {
        return Ok(Storage::Other(tables));
    }
    let mut rows = TableRows::new(path, opts);
    if has("event_logs") {
        read_events(conn, &mut rows).map_err(|e| fail(format!("reading table event_logs: {e}")))?;
    }
    if has("runs") {
        read_runs(conn, has("run_tags"), &mut rows)
            .map_err(|e| fail(format!("reading table runs: {e}")))?;
    }
    Ok(Storage::Read(Box::new(
        rows.finish(bytes, FileKind::Storage),
    )))
}

/// An open database, and the temporary copy it was opened from, if any.
struct Opened {
    conn: Connection,
    /// Dropped after `conn` (fields drop in order): the copy outlives its use.
    _copy: Option<tempfile::TempDir>,
}

impl Opened {
    fn open(path: &Path) -> Result<Opened, String> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let wal_rows = std::fs::metadata(sibling(path, "-wal")).is_ok_and(|m| m.len() > 0);
        match path.to_str() {
            Some(utf8) if !wal_rows => {
                let uri = format!("file:{}?immutable=1", uri_escape(utf8));
                let conn = Connection::open_with_flags(uri, flags).map_err(|e| e.to_string())?;
                Ok(Opened { conn, _copy: None })
            }
            // Rows still in the WAL, or a name SQLite's URIs cannot carry:
            // read a copy, so the original is never touched.
            _ => {
                let dir = tempfile::Builder::new()
                    .prefix("daglog-sqlite-")
                    .tempdir()
                    .map_err(|e| format!("making a temporary copy: {e}"))?;
                let copy = dir.path().join("copy.db");
                std::fs::copy(path, &copy).map_err(|e| format!("making a temporary copy: {e}"))?;
                if wal_rows {
                    std::fs::copy(sibling(path, "-wal"), sibling(&copy, "-wal"))
                        .map_err(|e| format!("copying its -wal file: {e}"))?;
                }
                let conn = Connection::open_with_flags(&copy, flags - OpenFlags::SQLITE_OPEN_URI)
                    .map_err(|e| e.to_string())?;
                Ok(Opened {
                    conn,
                    _copy: Some(dir),
                })
            }
        }
    }
}

/// `path` with `suffix` appended to its file name (`runs.db` → `runs.db-wal`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A path as the path part of a `file:` URI: `%`, `?` and `#` would end or
/// change it.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    stmt.query_map([], |row| row.get(0))?.collect()
}

fn column_names(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info(\"{table}\")"))?;
    stmt.query_map([], |row| row.get(1))?.collect()
}

/// A column if the table has it, else `NULL`: schemas differ across versions.
fn column_or_null(columns: &[String], name: &str) -> String {
    if columns.iter().any(|c| c == name) {
        format!("\"{name}\"")
    } else {
        "NULL".to_string()
    }
}

/// Text or blob cells as bytes; `NULL` and numbers as `None`.
fn cell_bytes<'a>(v: ValueRef<'a>) -> Option<&'a [u8]> {
    match v {
        ValueRef::Text(b) | ValueRef::Blob(b) => Some(b),
        _ => None,
    }
}

fn cell_str<'a>(v: ValueRef<'a>) -> Option<&'a str> {
    cell_bytes(v).and_then(|b| std::str::from_utf8(b).ok())
}

fn cell_f64(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Real(f) => Some(f),
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn read_events(conn: &Connection, rows: &mut TableRows<'_>) -> rusqlite::Result<()> {
    let columns = column_names(conn, "event_logs")?;
    let sql = format!(
        "SELECT id, {}, event FROM event_logs ORDER BY id",
        column_or_null(&columns, "run_id")
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut result = stmt.query([])?;
    while let Some(row) = result.next()? {
        rows.event(EventRow {
            id: row.get(0).unwrap_or(-1),
            run_id: cell_str(row.get_ref(1)?),
            event: cell_bytes(row.get_ref(2)?),
        });
    }
    Ok(())
}

/// One row of `event_logs` (0.6: `event_log`), from any kind of storage.
pub(crate) struct EventRow<'a> {
    pub(crate) id: i64,
    pub(crate) run_id: Option<&'a str>,
    /// The serdes `EventLogEntry` JSON.
    pub(crate) event: Option<&'a [u8]>,
}

/// One row of `runs`, from any kind of storage; times as float seconds.
#[derive(Default)]
pub(crate) struct RunRow<'a> {
    pub(crate) id: i64,
    pub(crate) run_id: Option<&'a str>,
    pub(crate) pipeline_name: Option<&'a str>,
    pub(crate) status: Option<&'a str>,
    pub(crate) run_body: Option<&'a [u8]>,
    pub(crate) created: Option<f64>,
    pub(crate) updated: Option<f64>,
    pub(crate) start: Option<f64>,
    pub(crate) end: Option<f64>,
}

/// Rows of Dagster's storage tables turned into events and run records,
/// whichever storage they come from (SQLite, a PostgreSQL dump).
pub(crate) struct TableRows<'p> {
    path: &'p Path,
    opts: &'p ParseOptions,
    batch: EventBatch,
    problems: Vec<Error>,
    runless: HashSet<u64>,
    runs: Vec<RunMeta>,
    tags: HashMap<String, Map<String, Value>>,
    /// A copy of the event being parsed (simd-json unescapes in place).
    scratch: Vec<u8>,
}

impl<'p> TableRows<'p> {
    pub(crate) fn new(path: &'p Path, opts: &'p ParseOptions) -> Self {
        let mut batch = EventBatch::default();
        batch.details = opts.details;
        TableRows {
            path,
            opts,
            batch,
            problems: Vec::new(),
            runless: HashSet::new(),
            runs: Vec::new(),
            tags: HashMap::new(),
            scratch: Vec::new(),
        }
    }

    fn bad(&self, table: &'static str, id: i64, reason: String) -> Error {
        Error::Row {
            path: self.path.to_path_buf(),
            table,
            id,
            reason,
        }
    }

    /// Adds one event row; rows are to come in `id` order.
    pub(crate) fn event(&mut self, row: EventRow<'_>) {
        let Some(text) = row.event else {
            let e = self.bad("event_logs", row.id, "the event column is empty".into());
            self.problems.push(e);
            return;
        };
        // simd-json unescapes in place: a copy of the text is parsed.
        self.scratch.clear();
        self.scratch.extend_from_slice(text);
        let mut fixed: Vec<u8>;
        let entry = match debug::Entry::from_slice(&mut self.scratch) {
            Ok(entry) => entry,
            // Python's json writes float('nan') metadata as a bare NaN.
            Err(first) => match nan_as_null(text) {
                Some(f) => {
                    fixed = f;
                    match debug::Entry::from_slice(&mut fixed) {
                        Ok(entry) => entry,
                        Err(_) => return self.not_json(row.id, &first),
                    }
                }
                None => return self.not_json(row.id, &first),
            },
        };
        let run_id = entry.run_id().or(row.run_id);
        if run_id.is_none_or(str::is_empty) {
            // The same event may be in a shard and in index.db: count it once.
            self.runless.insert(crate::batch::message_hash(
                std::str::from_utf8(text).unwrap_or(""),
            ));
            return;
        }
        if let Err(reason) = debug::push_entry(&entry, &mut self.batch, &self.opts.keep_raw) {
            let e = self.bad("event_logs", row.id, reason);
            self.problems.push(e);
        }
    }

    fn not_json(&mut self, id: i64, why: &str) {
        let e = self.bad("event_logs", id, format!("its event is not JSON: {why}"));
        self.problems.push(e);
    }

    /// Adds one `run_tags` row.
    pub(crate) fn tag(&mut self, run_id: &str, key: &str, value: &str) {
        self.tags
            .entry(run_id.to_string())
            .or_default()
            .insert(key.to_string(), value.into());
    }

    /// Adds one `runs` row.
    pub(crate) fn run(&mut self, row: RunRow<'_>) {
        let Some(run_id) = row.run_id.filter(|r| !r.is_empty()) else {
            let e = self.bad("runs", row.id, "a run without run_id".into());
            self.problems.push(e);
            return;
        };
        let mut raw = match row.run_body.map(parse_python_json) {
            Some(Ok(Value::Object(m))) => m,
            Some(Ok(_)) | None => Map::new(),
            Some(Err(e)) => {
                let e = self.bad("runs", row.id, format!("its run_body is not JSON: {e}"));
                self.problems.push(e);
                Map::new()
            }
        };
        raw.insert("run_id".into(), run_id.into());
        // The columns are kept current by Dagster; the body's copies may lag.
        let status = row.status.map(str::to_string).or_else(|| {
            raw.get("status")
                .and_then(|s| s.get("__enum__"))
                .and_then(Value::as_str)
                .map(|e| e.rsplit('.').next().unwrap_or(e).to_string())
        });
        let job_name = row.pipeline_name.map(str::to_string).or_else(|| {
            raw.get("job_name")
                .or(raw.get("pipeline_name"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let times = [
            ("creationTime", row.created),
            ("updateTime", row.updated),
            ("startTime", row.start),
            ("endTime", row.end),
        ];
        for (key, value) in times {
            if let Some(v) = value.and_then(serde_json::Number::from_f64) {
                raw.insert(key.into(), Value::Number(v));
            }
        }
        self.runs.push(RunMeta {
            run_id: run_id.to_string(),
            job_name,
            status,
            origin: MetaOrigin::Storage,
            raw: Value::Object(raw),
        });
    }

    /// The file read: runs get their tags from `run_tags`.
    pub(crate) fn finish(mut self, bytes: u64, kind: FileKind) -> ParsedFile {
        for run in &mut self.runs {
            if let (Some(t), Some(raw)) = (self.tags.remove(&run.run_id), run.raw.as_object_mut()) {
                raw.insert("tags".into(), Value::Object(t));
            }
        }
        let rows = 0..self.batch.len();
        ParsedFile {
            path: self.path.to_path_buf(),
            kind,
            batch: self.batch.take_exact(),
            pages: vec![PageInfo {
                cursor: None,
                cursor_value: None,
                has_more: None,
                rows,
            }],
            runs: self.runs,
            bytes,
            runless: self.runless.into_iter().collect(),
            notes: Vec::new(),
            bad_events: self.problems.len(),
            problems: self.problems,
        }
    }
}

/// JSON as Python's `json` writes it: `NaN`, `Infinity` and `-Infinity`
/// stand for floats (metadata values), read here as `null`.
pub(crate) fn parse_python_json(text: &[u8]) -> Result<Value, serde_json::Error> {
    match serde_json::from_slice(text) {
        Ok(v) => Ok(v),
        Err(first) => match nan_as_null(text) {
            Some(fixed) => serde_json::from_slice(&fixed).map_err(|_| first),
            None => Err(first),
        },
    }
}

/// `text` with Python's non-finite float literals outside strings replaced by
/// `null`, or `None` when it has none.
fn nan_as_null(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut in_string = false;
    let mut changed = false;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if in_string {
            out.push(b);
            match b {
                b'\\' => {
                    if let Some(&next) = text.get(i + 1) {
                        out.push(next);
                    }
                    i += 1;
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let literal = [&b"-Infinity"[..], b"Infinity", b"NaN"]
            .into_iter()
            .find(|lit| rest.starts_with(lit));
        match literal {
            Some(lit) => {
                out.extend_from_slice(b"null");
                i += lit.len();
                changed = true;
            }
            None => {
                in_string = b == b'"';
                out.push(b);
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

fn read_runs(conn: &Connection, has_tags: bool, rows: &mut TableRows<'_>) -> rusqlite::Result<()> {
    if has_tags {
        let mut stmt = conn.prepare("SELECT run_id, \"key\", value FROM run_tags ORDER BY id")?;
        let mut result = stmt.query([])?;
        while let Some(row) = result.next()? {
            if let (Some(run), Some(key)) = (cell_str(row.get_ref(0)?), cell_str(row.get_ref(1)?)) {
                rows.tag(run, key, cell_str(row.get_ref(2)?).unwrap_or(""));
            }
        }
    }
    let columns = column_names(conn, "runs")?;
    let pick = |name: &str| column_or_null(&columns, name);
    let sql = format!(
        "SELECT id, run_id, {}, {}, run_body, {}, {}, {}, {} FROM runs ORDER BY id",
        pick("pipeline_name"),
        pick("status"),
        pick("create_timestamp"),
        pick("update_timestamp"),
        pick("start_time"),
        pick("end_time"),
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut result = stmt.query([])?;
    let datetime = |v: ValueRef<'_>| cell_f64(v).or_else(|| utc_datetime(cell_str(v)?));
    while let Some(row) = result.next()? {
        rows.run(RunRow {
            id: row.get(0).unwrap_or(-1),
            run_id: cell_str(row.get_ref(1)?),
            pipeline_name: cell_str(row.get_ref(2)?),
            status: cell_str(row.get_ref(3)?),
            run_body: cell_bytes(row.get_ref(4)?),
            created: datetime(row.get_ref(5)?),
            updated: datetime(row.get_ref(6)?),
            start: cell_f64(row.get_ref(7)?),
            end: cell_f64(row.get_ref(8)?),
        });
    }
    Ok(())
}

/// SQLAlchemy's UTC `YYYY-MM-DD HH:MM:SS.ffffff` as float epoch seconds,
/// to the microsecond (GraphQL's `creationTime` is that float).
pub(crate) fn utc_datetime(s: &str) -> Option<f64> {
    let (whole, fraction) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    let seconds = time::parse_iso8601(whole)? / 1000;
    let micros = if fraction.is_empty() {
        0.0
    } else {
        let digits: String = fraction.chars().take(6).collect();
        let value: f64 = digits.parse().ok()?;
        value / 10f64.powi(digits.len() as i32)
    };
    Some(seconds as f64 + micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_non_finite_floats_read_as_null_outside_strings_only() {
        let v =
            parse_python_json(br#"{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN \" Infinity"}"#)
                .unwrap();
        assert_eq!(v["a"], Value::Null);
        assert_eq!(v["b"], serde_json::json!([null, null]));
        assert_eq!(v["c"], "NaN \" Infinity");
        assert!(parse_python_json(b"{\"a\": Nan}").is_err());
    }

    #[test]
    fn storage_datetimes_keep_microseconds() {
        assert_eq!(
            utc_datetime("2026-11-24 06:30:25.519928"),
            Some(1795501825.519928)
        );
        assert_eq!(utc_datetime("2026-11-24 06:30:25"), Some(1795501825.0));
        assert_eq!(utc_datetime("yesterday"), None);
    }

    #[test]
    fn uri_escape_keeps_query_characters_in_the_path() {
        assert_eq!(uri_escape("/a b/100%?#x.db"), "/a b/100%25%3F%23x.db");
    }
}
