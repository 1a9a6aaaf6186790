//! Printers for daglog's results.
//!
//! Each output format is a printer generic over any [`std::io::Write`]: the
//! caller pushes results into it, and the printer only lays them out. Printers
//! never filter, sort or compute; what they print was decided before.
//!
//! Formats for `daglog logs`: [`LogPrinter`] implementations [`HumanLogs`]
//! (one line per event, optional colour, control characters escaped),
//! [`JsonLogs`] (the `{"events":[…],"cursor":…,"hasMore":…}` shape of Dagster's
//! `logsForRun`, each event with its original fields) and [`NdjsonLogs`] (one
//! event per line).
//!
//! ```
//! use daglog_ingest::{ParseOptions, parse_bytes};
//! use daglog_report::{LogPrinter, NdjsonLogs, PageEnd};
//!
//! let page = br#"{"events":[{"runId":"r1","message":"hi","timestamp":"1795501832511",
//!     "level":"INFO","stepKey":null,"eventType":null}],"cursor":"c","hasMore":false}"#;
//! let file = parse_bytes("page.json".as_ref(), page, &ParseOptions::default()).unwrap();
//! let mut printer = NdjsonLogs::new(Vec::new());
//! printer.event(&file.batch.view(0)).unwrap();
//! printer.finish(&PageEnd { cursor: "c".into(), has_more: false }).unwrap();
//! # let out = String::from_utf8(printer.into_inner()).unwrap();
//! # assert_eq!(out, "{\"runId\":\"r1\",\"message\":\"hi\",\"timestamp\":\"1795501832511\",\"level\":\"INFO\",\"stepKey\":null,\"eventType\":null}\n");
//! ```

#![deny(missing_docs)]

mod compare;
mod diagnose;
mod figures;
mod layout;
mod logs;
mod report;
mod text;

pub use compare::write_comparison;
pub use diagnose::write_diagnoses;
pub use figures::{
    Format, write_gaps, write_info, write_runs, write_stats, write_step_rows, write_timeline,
};
pub use logs::{
    CountField, Counts, CountsFormat, HumanLogs, HumanOptions, JsonLogPrinter, JsonLogs,
    LogPrinter, NdjsonLogs, PageEnd, write_counts,
};
pub use report::{write_archive_report, write_run_report};
pub use text::{escape_control, first_line};
