//! Dagster's PostgreSQL (or MySQL) storage as an analyst receives it: a
//! plain `pg_dump` (`COPY … FROM stdin;` blocks in text format), a `\copy …
//! TO` text file of one table, or a CSV file with a header (`\copy … CSV
//! HEADER`, what MySQL's tools and database GUIs write).
//!
//! Each is recognised by its content. A dump names its tables on its `COPY`
//! lines; a CSV file by its header's columns; a headerless text file by its
//! name (`event_logs.txt`) or, failing that, by what its rows hold. Rows are
//! not in `id` order in dumps (PostgreSQL writes them in storage order), so
//! event rows are sorted by `id` before they are read; ids are global across
//! runs. The rows then go the way SQLite storage rows go
//! ([`crate::storage::TableRows`]).

use std::path::Path;

use crate::error::{Error, Location};
use crate::parse::{FileKind, ParseOptions, ParsedFile};
use crate::storage::{EventRow, RunRow, TableRows, utc_datetime};

/// `pg_dump --format=custom` files open with this.
const CUSTOM_DUMP_MAGIC: &[u8] = b"PGDMP";

/// What a text file turned out to be.
pub(crate) enum Dump {
    /// Dagster's tables, read.
    Read(Box<ParsedFile>),
    /// Not a table dump.
    NotADump,
}

/// A Dagster table daglog reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Table {
    Events,
    Runs,
    Tags,
}

impl Table {
    fn named(name: &str) -> Option<Table> {
        let name = name.rsplit('.').next().unwrap_or(name).trim_matches('"');
        match name {
            "event_logs" | "event_log" => Some(Table::Events),
            "runs" => Some(Table::Runs),
            "run_tags" => Some(Table::Tags),
            _ => None,
        }
    }

    /// The table a file's name says it holds (`event_logs.txt`, `runs.csv`).
    fn of_file(path: &Path) -> Option<Table> {
        let stem = path.file_stem()?.to_str()?;
        [
            ("run_tags", Table::Tags),
            ("event_log", Table::Events),
            ("runs", Table::Runs),
        ]
        .into_iter()
        .find(|(name, _)| stem.contains(name))
        .map(|(_, t)| t)
    }
}

/// Whether the bytes are a `pg_dump --format=custom` archive.
pub(crate) fn is_custom_dump(head: &[u8]) -> bool {
    head.starts_with(CUSTOM_DUMP_MAGIC)
}

/// The advice for a custom-format dump.
pub(crate) const CUSTOM_DUMP_ADVICE: &str = "a pg_dump archive in custom format, which daglog does not read; \
     make a plain dump of Dagster's tables from it with \
     `pg_restore -f dagster.sql --data-only -t event_logs -t runs -t run_tags FILE` and give that";

/// Reads a plain dump, a `\copy` text file or a CSV file of Dagster's tables.
pub(crate) fn read(path: &Path, data: &[u8], opts: &ParseOptions) -> Result<Dump, Error> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(Dump::NotADump);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.starts_with("-- MySQL dump") || text.contains("INSERT INTO `event_logs`") {
        return Err(Error::Shape {
            path: path.to_path_buf(),
            found: "a MySQL dump of INSERT statements, which daglog does not read; export the \
                    tables event_logs, runs and run_tags as CSV files with a header row (a \
                    database GUI's CSV export does it) and give those"
                .into(),
        });
    }
    let mut rows = TableRows::new(path, opts);
    let mut collected = Collected::default();
    let found = if looks_like_sql_dump(text) {
        read_sql_dump(path, text, &mut collected)?
    } else if let Some((table, columns, body)) = csv_header(text) {
        read_csv(path, table, &columns, body, &mut collected)?;
        true
    } else if let Some(table) = copy_text_table(path, text) {
        let columns = default_columns(table);
        read_copy_block(path, table, &columns, text, 0, &mut collected)?;
        true
    } else {
        false
    };
    if !found {
        return Ok(Dump::NotADump);
    }
    collected.into_rows(&mut rows);
    Ok(Dump::Read(Box::new(
        rows.finish(data.len() as u64, FileKind::Storage),
    )))
}

/// Rows as read, owned, before they are ordered.
#[derive(Default)]
struct Collected {
    events: Vec<(i64, Option<String>, Option<String>)>,
    runs: Vec<Vec<(String, Option<String>)>>,
    tags: Vec<(String, String, String)>,
}

impl Collected {
    fn into_rows(mut self, rows: &mut TableRows<'_>) {
        for (run_id, key, value) in &self.tags {
            rows.tag(run_id, key, value);
        }
        self.events.sort_by_key(|e| e.0);
        for (id, run_id, event) in &self.events {
            rows.event(EventRow {
                id: *id,
                run_id: run_id.as_deref(),
                event: event.as_deref().map(str::as_bytes),
            });
        }
        for cells in &self.runs {
            let get = |name: &str| {
                cells
                    .iter()
                    .find(|(c, _)| c == name)
                    .and_then(|(_, v)| v.as_deref())
            };
            let seconds = |name: &str| {
                get(name).and_then(|v| v.trim().parse::<f64>().ok().or_else(|| utc_datetime(v)))
            };
            rows.run(RunRow {
                id: get("id").and_then(|v| v.parse().ok()).unwrap_or(-1),
                run_id: get("run_id"),
                pipeline_name: get("pipeline_name"),
                status: get("status"),
                run_body: get("run_body").map(str::as_bytes),
                created: seconds("create_timestamp"),
                updated: seconds("update_timestamp"),
                start: seconds("start_time"),
                end: seconds("end_time"),
            });
        }
    }

    /// One row of `table`, cell by column name.
    fn push(&mut self, table: Table, columns: &[String], cells: Vec<Option<String>>) {
        let named: Vec<(String, Option<String>)> = columns.iter().cloned().zip(cells).collect();
        let take = |name: &str| {
            named
                .iter()
                .find(|(c, _)| c == name)
                .and_then(|(_, v)| v.clone())
        };
        match table {
            Table::Events => self.events.push((
                take("id").and_then(|v| v.parse().ok()).unwrap_or(i64::MAX),
                take("run_id"),
                take("event").or_else(|| take("event_body")),
            )),
            Table::Runs => self.runs.push(named),
            Table::Tags => {
                if let (Some(run), Some(key)) = (take("run_id"), take("key")) {
                    self.tags
                        .push((run, key, take("value").unwrap_or_default()));
                }
            }
        }
    }
}

fn looks_like_sql_dump(text: &str) -> bool {
    let head = &text[..text.len().min(4096)];
    (head.starts_with("--") || head.starts_with("SET ") || head.starts_with("\\restrict"))
        && (text.contains("\nCOPY ") || text.contains("PostgreSQL database dump"))
}

/// Reads every `COPY <table> (<columns>) FROM stdin;` block of Dagster's
/// tables; other tables' blocks are skipped. Whether any was found.
fn read_sql_dump(path: &Path, text: &str, out: &mut Collected) -> Result<bool, Error> {
    let mut found = false;
    let mut offset = 0;
    while offset < text.len() {
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = &text[offset..line_end];
        offset = (line_end + 1).min(text.len());
        let Some(rest) = line.strip_prefix("COPY ") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once(' ') else {
            continue;
        };
        let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) else {
            continue;
        };
        let block_end = find_block_end(text, offset);
        if let Some(table) = Table::named(name) {
            found = true;
            let columns: Vec<String> = rest[open + 1..close]
                .split(',')
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect();
            read_copy_block(path, table, &columns, &text[..block_end], offset, out)?;
        }
        offset = (block_end + 3).min(text.len());
    }
    Ok(found || text.contains("PostgreSQL database dump"))
}

/// Where the `\.` line ending the block that starts at `from` is.
fn find_block_end(text: &str, from: usize) -> usize {
    if text[from..].starts_with("\\.") {
        return from;
    }
    text[from..]
        .find("\n\\.")
        .map_or(text.len(), |i| from + i + 1)
}

/// Reads rows of PostgreSQL's COPY text format from `text[from..]`.
fn read_copy_block(
    path: &Path,
    table: Table,
    columns: &[String],
    text: &str,
    from: usize,
    out: &mut Collected,
) -> Result<(), Error> {
    let mut offset = from;
    while offset < text.len() {
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = text[offset..line_end]
            .strip_suffix('\r')
            .unwrap_or(&text[offset..line_end]);
        if line == "\\." {
            break;
        }
        if !line.is_empty() {
            let cells: Vec<Option<String>> = line.split('\t').map(copy_cell).collect();
            if cells.len() != columns.len() {
                return Err(Error::Json {
                    path: path.to_path_buf(),
                    at: location(text, offset),
                    reason: format!(
                        "a {} row with {} fields where its COPY line names {} columns",
                        table_name(table),
                        cells.len(),
                        columns.len()
                    ),
                });
            }
            out.push(table, columns, cells);
        }
        offset = line_end + 1;
    }
    Ok(())
}

fn table_name(t: Table) -> &'static str {
    match t {
        Table::Events => "event_logs",
        Table::Runs => "runs",
        Table::Tags => "run_tags",
    }
}

fn location(text: &str, byte: usize) -> Location {
    Location {
        byte,
        line: text.as_bytes()[..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    }
}

/// One field of COPY text format: `\N` is NULL; backslash escapes.
fn copy_cell(field: &str) -> Option<String> {
    if field == "\\N" {
        return None;
    }
    if !field.contains('\\') {
        return Some(field.to_string());
    }
    let mut out = Vec::with_capacity(field.len());
    let b = field.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let c = b[i + 1];
        i += 2;
        match c {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match b.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            i += 1;
                            n += 1;
                        }
                        None => break,
                    }
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The columns `\copy <table> TO` writes when no header says them: the
/// tables' column order in Dagster's current schema.
fn default_columns(table: Table) -> Vec<String> {
    let names: &[&str] = match table {
        Table::Events => &[
            "id",
            "run_id",
            "event",
            "dagster_event_type",
            "timestamp",
            "step_key",
            "asset_key",
            "partition",
        ],
        Table::Runs => &[
            "id",
            "run_id",
            "snapshot_id",
            "pipeline_name",
            "mode",
            "status",
            "run_body",
            "partition",
            "partition_set",
            "create_timestamp",
            "update_timestamp",
            "start_time",
            "end_time",
            "backfill_id",
        ],
        Table::Tags => &["id", "run_id", "key", "value"],
    };
    names.iter().map(|s| s.to_string()).collect()
}

/// A headerless `\copy` text file of one of Dagster's tables: named like one,
/// with tab-separated rows whose first field is an integer id.
fn copy_text_table(path: &Path, text: &str) -> Option<Table> {
    let table = Table::of_file(path)?;
    let first = text.lines().next()?;
    let mut fields = first.split('\t');
    fields.next()?.parse::<i64>().ok()?;
    let wanted = default_columns(table).len();
    (first.split('\t').count() == wanted).then_some(table)
}

/// A CSV file whose header names a Dagster table's columns: the table, the
/// columns and the text after the header.
fn csv_header(text: &str) -> Option<(Table, Vec<String>, &str)> {
    let end = text.find('\n')?;
    let header = text[..end].trim_end_matches('\r');
    if header.contains('\t') || !header.contains(',') {
        return None;
    }
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect();
    let has = |c: &str| columns.iter().any(|x| x == c);
    let table = if has("run_id") && (has("event") || has("event_body")) {
        Table::Events
    } else if has("run_id") && has("run_body") {
        Table::Runs
    } else if has("run_id") && has("key") && has("value") {
        Table::Tags
    } else {
        return None;
    };
    Some((table, columns, &text[end + 1..]))
}

/// RFC 4180 records; an unquoted empty field is NULL (PostgreSQL's CSV).
fn read_csv(
    path: &Path,
    table: Table,
    columns: &[String],
    body: &str,
    out: &mut Collected,
) -> Result<(), Error> {
    let b = body.as_bytes();
    let mut i = 0;
    let mut record_start = 0;
    let mut cells: Vec<Option<String>> = Vec::new();
    let mut field = Vec::new();
    let mut quoted = false;
    let mut was_quoted = false;
    loop {
        let at_end = i >= b.len();
        let c = b.get(i).copied();
        if quoted {
            match c {
                None => {
                    return Err(Error::Json {
                        path: path.to_path_buf(),
                        at: location(body, record_start),
                        reason: "a CSV field whose quotes never close".into(),
                    });
                }
                Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                    field.push(b'"');
                    i += 2;
                }
                Some(b'"') => {
                    quoted = false;
                    i += 1;
                }
                Some(other) => {
                    field.push(other);
                    i += 1;
                }
            }
            continue;
        }
        match c {
            Some(b'"') if field.is_empty() => {
                quoted = true;
                was_quoted = true;
                i += 1;
            }
            Some(b',') => {
                cells.push(csv_cell(&mut field, &mut was_quoted));
                i += 1;
            }
            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => i += 1,
            None | Some(b'\n') => {
                if !(cells.is_empty() && field.is_empty() && !was_quoted) {
                    cells.push(csv_cell(&mut field, &mut was_quoted));
                    if cells.len() != columns.len() {
                        return Err(Error::Json {
                            path: path.to_path_buf(),
                            at: location(body, record_start),
                            reason: format!(
                                "a CSV record with {} fields where the header names {}",
                                cells.len(),
                                columns.len()
                            ),
                        });
                    }
                    out.push(table, columns, std::mem::take(&mut cells));
                }
                i += 1;
                record_start = i.min(b.len());
                if at_end {
                    return Ok(());
                }
            }
            Some(other) => {
                field.push(other);
                i += 1;
            }
        }
    }
}

fn csv_cell(field: &mut Vec<u8>, was_quoted: &mut bool) -> Option<String> {
    let cell = if field.is_empty() && !*was_quoted {
        None
    } else {
        Some(String::from_utf8_lossy(field).into_owned())
    };
    field.clear();
    *was_quoted = false;
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_and_null() {
        assert_eq!(copy_cell("\\N"), None);
        assert_eq!(copy_cell("a\\tb\\\\c\\nd").as_deref(), Some("a\tb\\c\nd"));
        assert_eq!(copy_cell("\\101\\x42").as_deref(), Some("AB"));
    }

    #[test]
    fn csv_quotes_commas_newlines_and_null() {
        let mut out = Collected::default();
        let columns: Vec<String> = ["id", "run_id", "key", "value"].map(String::from).to_vec();
        read_csv(
            Path::new("t.csv"),
            Table::Tags,
            &columns,
            "1,r1,k,\"a,\"\"b\"\"\nc\"\r\n2,r2,k2,\n",
            &mut out,
        )
        .unwrap();
        assert_eq!(out.tags[0], ("r1".into(), "k".into(), "a,\"b\"\nc".into()));
        assert_eq!(out.tags[1], ("r2".into(), "k2".into(), String::new()));
    }
}
