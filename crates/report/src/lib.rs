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

#![deny(missing_docs)]

mod logs;
mod text;

pub use logs::{HumanLogs, HumanOptions, JsonLogs, LogPrinter, NdjsonLogs, PageEnd};
pub use text::{escape_control, first_line};
