//! What can go wrong while reading an archive. Every variant names the file.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// A place in a file: a byte offset, and the line when it helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 0-based byte offset in the (decompressed) file.
    pub byte: usize,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, byte {}", self.line, self.byte)
    }
}

/// An error reading one input. None of them stops the others from being read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file or directory could not be opened or read.
    #[error("failed to read {}: {source}", path.display())]
    Read {
        /// The input.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A gzip file whose compressed data is broken.
    #[error("failed to decompress {}: {source}", path.display())]
    Gzip {
        /// The input.
        path: PathBuf,
        /// The decoder's error.
        #[source]
        source: io::Error,
    },
    /// The file is empty (or whitespace only).
    #[error("{} is empty", path.display())]
    Empty {
        /// The input.
        path: PathBuf,
    },
    /// The JSON is malformed: truncated, unbalanced, a bad token.
    #[error("invalid JSON in {} at {at}: {reason}", path.display())]
    Json {
        /// The input.
        path: PathBuf,
        /// Where the problem is.
        at: Location,
        /// What is wrong.
        reason: String,
    },
    /// A string is not valid UTF-8.
    #[error("invalid UTF-8 in {} at {at}", path.display())]
    Utf8 {
        /// The input.
        path: PathBuf,
        /// The first invalid byte.
        at: Location,
    },
    /// Valid JSON, but not any Dagster export daglog knows.
    #[error("{} is not a Dagster export: {found}", path.display())]
    Shape {
        /// The input.
        path: PathBuf,
        /// What was found instead.
        found: String,
    },
    /// Valid JSON that is no export at all (a schema introspection, a
    /// summary some script wrote): passed over when found in a folder.
    #[error("{} is not a Dagster export: {found}", path.display())]
    NotExport {
        /// The input.
        path: PathBuf,
        /// What was found instead.
        found: String,
    },
    /// The export is a GraphQL error (`errors`, `PythonError`, `RunNotFoundError`…).
    #[error("{} holds a GraphQL error, not events: {kind}: {message}", path.display())]
    Graphql {
        /// The input.
        path: PathBuf,
        /// `PythonError`, `RunNotFoundError`, `errors`…
        kind: String,
        /// The error's message.
        message: String,
    },
    /// One event of an otherwise readable file could not be used.
    #[error("bad event in {} at {at}: {reason}", path.display())]
    Event {
        /// The input.
        path: PathBuf,
        /// Where the event starts.
        at: Location,
        /// What is wrong.
        reason: String,
    },
    /// A SQLite file that could not be opened or read as Dagster storage.
    #[error("failed to read SQLite database {}: {reason}", path.display())]
    Storage {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// One row of a storage table could not be used; the other rows were.
    #[error("bad row in {}, table {table}, id {id}: {reason}", path.display())]
    Row {
        /// The database file.
        path: PathBuf,
        /// `event_logs` or `runs`.
        table: &'static str,
        /// The row's `id`.
        id: i64,
        /// What is wrong.
        reason: String,
    },
    /// An export of a run lacks pages between two of its files.
    #[error(
        "pages seem missing from the export of run {run_id}: {} says hasMore: true, and the next page is {}; \
         export the pages between them (logsForRun with the first one's cursor)",
        before.display(), after.display()
    )]
    MissingPages {
        /// The run.
        run_id: String,
        /// The page before the gap.
        before: PathBuf,
        /// The page after it.
        after: PathBuf,
    },
    /// A file whose events are being printed could not be read again.
    #[error("failed to read {} again to print its events: {source}", path.display())]
    Reread {
        /// The input.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A file changed between reading it and printing its events.
    #[error("{} changed while daglog was reading it; run daglog again to print its events", path.display())]
    Changed {
        /// The input.
        path: PathBuf,
    },
}

impl Error {
    /// The input the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::Read { path, .. }
            | Error::Gzip { path, .. }
            | Error::Empty { path }
            | Error::Json { path, .. }
            | Error::Utf8 { path, .. }
            | Error::Shape { path, .. }
            | Error::NotExport { path, .. }
            | Error::Graphql { path, .. }
            | Error::Event { path, .. }
            | Error::Storage { path, .. }
            | Error::Row { path, .. }
            | Error::MissingPages { before: path, .. }
            | Error::Reread { path, .. }
            | Error::Changed { path } => path,
        }
    }

    /// The file holds no events and was never meant to (valid JSON that is
    /// no export, a GraphQL error response): passed over when found in a
    /// folder, an error only when named.
    pub fn holds_no_events(&self) -> bool {
        matches!(self, Error::NotExport { .. } | Error::Graphql { .. })
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
