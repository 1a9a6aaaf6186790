//! The command line as clap parses it. Nothing here is validated beyond
//! syntax: `config.rs` turns these into a checked configuration.

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Inputs are files, folders (read recursively) or - for standard input, in any mix:
EventConnection pages ({\"events\":[…],\"cursor\":…,\"hasMore\":…}), raw GraphQL
logsForRun responses, bare event arrays, NDJSON, gzip of any of these, run.json
(runOrError), runsOrError lists and `dagster debug export` bundles. Runs are put
together by run id, not by file name; a run exported twice counts each event once.

Exit status: 0 when every input was read, 1 when some input was skipped (each
is named on stderr, the rest is still used), 2 for usage errors.";

/// Offline post-mortems of Dagster run logs.
#[derive(Debug, Parser)]
#[command(
    name = "daglog",
    version,
    about = "Offline post-mortems of Dagster run logs, from saved exports",
    long_about = "daglog reads Dagster run logs saved from the GraphQL API (logsForRun, runOrError, \
runsOrError) or by `dagster debug export`, and answers the questions of a post-mortem \
without a network: which events, which errors, in which order.",
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a run's events, filtered (the reference's get_run_logs.py, offline)
    #[command(after_help = LOGS_EXAMPLES)]
    Logs(LogsArgs),
}

const LOGS_EXAMPLES: &str = "\
Examples:
  daglog logs exports/ --run-id 0f246d01 --event-type FAILURE
  daglog logs exports/ --run-id 0f246d01 --event-type STEP_FAILURE,RUN_FAILURE | grep -i module
  daglog logs exports/ --run-id 0f246d01 --step-key fetch_sales --level warning
  daglog logs exports/ --run-id 0f246d01 --json | jq '.events[0]'
  daglog logs exports/ --run-id 0f246d01 --limit 100 --json > page1.json
  daglog logs exports/ --run-id 0f246d01 --limit 100 --cursor \"$(jq -r .cursor page1.json)\" --json";

/// Options shared by every command that reads an archive.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Export files or folders to read; - reads standard input
    #[arg(value_name = "PATHS", help_heading = "Input")]
    pub(crate) paths: Vec<String>,

    /// Stop at the first input that cannot be read, instead of skipping it
    #[arg(long, help_heading = "Input")]
    pub(crate) strict: bool,

    /// Do not show the progress bar
    #[arg(long, short = 'q', help_heading = "Input")]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Only this run (a unique prefix of the run id is enough)
    #[arg(long, value_name = "ID", help_heading = "Filters")]
    pub(crate) run_id: Option<String>,

    /// Only these event types, comma-separated; an item also matches every
    /// type containing it (FAILURE matches STEP_FAILURE, RUN_FAILURE,
    /// RESOURCE_INIT_FAILURE), case-insensitive, PIPELINE_* = RUN_*; LOG
    /// matches user log lines (which have no event type)
    #[arg(
        long,
        value_name = "TYPES",
        value_delimiter = ',',
        help_heading = "Filters"
    )]
    pub(crate) event_type: Vec<String>,

    /// Only events of these steps (comma-separated or repeated, exact keys)
    #[arg(
        long,
        value_name = "KEY",
        value_delimiter = ',',
        help_heading = "Filters"
    )]
    pub(crate) step_key: Vec<String>,

    /// Only events at this level or above: debug, info, warning, error, critical
    #[arg(long, value_name = "LEVEL", help_heading = "Filters")]
    pub(crate) level: Option<String>,

    /// Only events whose message or error text matches this regular expression
    #[arg(long, value_name = "REGEX", help_heading = "Filters")]
    pub(crate) grep: Option<String>,

    /// Match --grep case-insensitively
    #[arg(long, short = 'i', help_heading = "Filters", requires = "grep")]
    pub(crate) ignore_case: bool,

    /// Only events at or after this time: ISO 8601 (UTC unless a zone is
    /// given), epoch milliseconds or epoch seconds
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub(crate) since: Option<String>,

    /// Only events before this time (same forms as --since)
    #[arg(long, value_name = "TIME", help_heading = "Filters")]
    pub(crate) until: Option<String>,

    /// Print at most N events; the JSON output's cursor continues after them
    #[arg(long, value_name = "N", help_heading = "Paging")]
    pub(crate) limit: Option<usize>,

    /// Continue after this cursor (the "cursor" of a previous --json page)
    #[arg(long, value_name = "CURSOR", help_heading = "Paging")]
    pub(crate) cursor: Option<String>,

    /// Print {"events":[…],"cursor":…,"hasMore":…} like Dagster's logsForRun,
    /// each event with all its exported fields
    #[arg(long, help_heading = "Output", conflicts_with = "ndjson")]
    pub(crate) json: bool,

    /// Print one JSON event per line
    #[arg(long, help_heading = "Output")]
    pub(crate) ndjson: bool,

    /// Never colour the output (NO_COLOR is honoured too)
    #[arg(long, help_heading = "Output")]
    pub(crate) no_color: bool,
}
