//! Reads Dagster run-log exports into columnar event batches, fast.
//!
//! `daglog-ingest` finds export files (files, directories, standard input),
//! recognises each one's shape from its content — EventConnection pages, raw
//! GraphQL `logsForRun` responses, bare event arrays, NDJSON, gzip of any of
//! these, `dagster debug export` bundles, `runOrError` run info and
//! `runsOrError` run lists — and parses them in parallel (rayon, simd-json)
//! into one event model. Runs are assembled by run id, not by file name:
//! pages are stitched in cursor order and a run exported several times is
//! merged so that each event counts once. An event keeps its original JSON
//! as a place in its file where it can ([`Archive::for_each_json`] reads it
//! back, compact, in the order it is printed), else as a compact copy.
//!
//! The only `unsafe` code is in two AVX-512 kernels, each held by tests to a
//! safe counterpart: taking whitespace out of pretty JSON (`compact`) and
//! finding where tokens start (`structural`, against simd-json's stage 1).
//!
//! It does not compute figures (that is `daglog-analysis`), print anything, or
//! know about command-line flags. Bad input never panics: each bad file is an
//! [`Error`] naming the file and the place, and the other files are still read.
//!
//! ```no_run
//! use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};
//!
//! let archive = Archive::load(&[Input::from_arg("exports/")], LoadOptions::default(), &NoProgress)?;
//! for run in &archive.runs {
//!     println!("{}: {} events", run.run_id, run.events.len());
//! }
//! # Ok::<(), daglog_ingest::Error>(())
//! ```

#![deny(missing_docs)]

mod archive;
mod asset;
mod batch;
mod captured;
mod compact;
mod debug;
mod dg;
mod discover;
mod dump;
mod error;
mod event;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod ondemand;
mod parse;
mod print;
mod progress;
mod scan;
pub mod schema;
mod storage;
mod structural;
mod tape;
#[cfg(test)]
mod testing;
pub mod time;

pub use archive::{
    Archive, EventRef, FileSummary, IngestStats, LoadOptions, PassedOver, Run, RunMatch,
};
pub use asset::{ASSET_EVENT_TYPES, AssetFacts, CheckFacts, asset_facts_of};
pub use batch::{DictColumn, EventBatch, EventView, StrColumn};
pub use captured::{CapturedLog, CapturedOutput};
pub use discover::{Exclude, Input, STDIN_PATH, natural_cmp};
pub use error::{Error, Location, Result};
pub use event::{ErrorInfo, ErrorLink, EventDetail};
pub use parse::{
    FileKind, KeepRaw, MetaOrigin, PageInfo, ParseOptions, ParsedFile, RunMeta, decode_cursor,
    encode_cursor, looks_like_export, looks_like_run_id, parse_bytes,
};
pub use print::JsonJoin;
pub use progress::{NoProgress, Progress};
pub use schema::Level;
