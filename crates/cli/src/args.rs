//! The command line as clap parses it. Nothing here is validated beyond
//! syntax: `config.rs` turns these into a checked configuration.

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Inputs are files, folders (read recursively) or - for standard input, in any mix:
EventConnection pages ({\"events\":[…],\"cursor\":…,\"hasMore\":…}), raw GraphQL
logsForRun responses, bare event arrays, NDJSON, gzip of any of these, run.json
(runOrError), runsOrError lists, `dagster debug export` bundles, `dg api … --json`
output, Dagster's SQLite storage (a DAGSTER_HOME, its history/ folder, a .db file) and
PostgreSQL dumps (pg_dump plain, \\copy text or CSV). Runs are put together by run id,
not by file name; a run exported twice counts each event once.

Exit status: 0 when every input was read, 1 when some input was skipped (each
is named on stderr, the rest is still used), 2 for usage errors.

Shell completions: daglog completions bash|zsh|fish; a man page: daglog man.";

/// Offline post-mortems of Dagster run logs.
#[derive(Debug, Parser)]
#[command(
    name = "daglog",
    version,
    about = "Offline post-mortems of Dagster run logs, from saved exports",
    long_about = "daglog reads Dagster run logs saved from the GraphQL API (logsForRun, runOrError, \
runsOrError), by `dagster debug export`, or kept in Dagster's own storage, and answers the \
questions of a post-mortem without a network: which events, which errors, in which order, why.\n\n\
\"The reference\" below is the Dagster debug reference: the GraphQL queries, jq recipes and \
four scripts (get_run_logs.py, get_run_stats.py, get_run_info.py, get_job_runs.py) that \
Dagster users debug runs with against a live instance. logs, stats, info and runs answer what \
those scripts answer, with the same flags, from saved data.",
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a run's events, filtered (get_run_logs.py of the Dagster debug reference, offline)
    #[command(after_help = LOGS_EXAMPLES)]
    Logs(LogsArgs),
    /// Run and step figures as Dagster computes them (get_run_stats.py of the Dagster debug reference)
    #[command(after_help = STATS_EXAMPLES, long_about = STATS_ABOUT)]
    Stats(StatsArgs),
    /// A run's metadata: status, job, times, run config, tags (the debug reference's get_run_info.py)
    #[command(after_help = INFO_EXAMPLES, long_about = INFO_ABOUT)]
    Info(RunArgs),
    /// Every run in the archive, newest first (the debug reference's get_job_runs.py)
    #[command(after_help = RUNS_EXAMPLES)]
    Runs(RunsArgs),
    /// One run's steps in time order, with attempts, open steps and long silences
    #[command(after_help = TIMELINE_EXAMPLES)]
    Timeline(TimelineArgs),
    /// Runs ranked by their longest silence between events, hang candidates first
    #[command(after_help = GAPS_EXAMPLES, long_about = GAPS_ABOUT)]
    Gaps(GapsArgs),
    /// Why each run did not succeed: pattern, root cause, cascade, evidence, next steps
    #[command(after_help = DIAGNOSE_EXAMPLES, long_about = DIAGNOSE_ABOUT)]
    Diagnose(DiagnoseArgs),
    /// What differs between two runs: config, tags, steps, durations, events, errors
    #[command(after_help = COMPARE_EXAMPLES, long_about = COMPARE_ABOUT)]
    Compare(CompareArgs),
    /// A post-mortem report of one run or of a whole archive, as HTML, Markdown or JSON
    #[command(after_help = REPORT_EXAMPLES, long_about = REPORT_ABOUT)]
    Report(ReportArgs),
    /// What a run's step processes printed (stdout/stderr), from a DAGSTER_HOME's compute logs
    #[command(after_help = OUTPUT_EXAMPLES, long_about = OUTPUT_ABOUT)]
    Output(CapturedArgs),
    /// Print a shell completion script: daglog completions bash > ~/.local/share/bash-completion/completions/daglog
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print a man page (roff): daglog's, or one command's (daglog man logs)
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

const MAN_EXAMPLES: &str = "\
Examples:
  daglog man | man -l -
  for c in '' logs stats info runs timeline gaps diagnose compare report output; do
    daglog man $c > ~/.local/share/man/man1/daglog${c:+-$c}.1; done";

/// `daglog man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The command whose page to print (daglog-COMMAND(1)); daglog(1) when left out
    pub(crate) command: Option<String>,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  daglog completions bash > ~/.local/share/bash-completion/completions/daglog
  daglog completions zsh > ~/.zfunc/_daglog        # with fpath+=(~/.zfunc) before compinit
  daglog completions fish > ~/.config/fish/completions/daglog.fish";

/// `daglog completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

const OUTPUT_ABOUT: &str = "\
What a run's step processes printed: Dagster's local compute log manager keeps each process's
stdout and stderr beside its storage, in DAGSTER_HOME/storage/<runId>/compute_logs/<fileKey>.out
and .err. The run's LOGS_CAPTURED events say which file holds which steps (one file per step and
attempt with the multiprocess executor, one for the whole run in process). Give the DAGSTER_HOME
(or its history/ or storage/ folder), with any exports of the same run beside it.

Text is printed as captured, with control characters escaped. With several captures, each starts
with a `==> file <==` line naming it and its steps, as `tail` does.";

const OUTPUT_EXAMPLES: &str = "\
Examples:
  daglog output dagster_home/ --run-id a0e9d44b --step-key load_warehouse_client --stderr
  daglog output dagster_home/ --run-id a0e9d44b               # every process of the run, both streams
  daglog output dagster_home/ --run-id a0e9d44b --stderr | tail -20";

/// `daglog output`.
#[derive(Debug, Args)]
pub(crate) struct CapturedArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// The run (a unique prefix of the run id is enough); may be left out
    /// when the archive holds a single run
    #[arg(long, value_name = "ID", help_heading = "Selection")]
    pub(crate) run_id: Option<String>,

    /// Only the output of the processes that ran this step (`--step` works too)
    #[arg(
        long,
        visible_alias = "step",
        value_name = "KEY",
        help_heading = "Selection"
    )]
    pub(crate) step_key: Option<String>,

    /// Only standard output
    #[arg(long, conflicts_with = "stderr", help_heading = "Output")]
    pub(crate) stdout: bool,

    /// Only standard error (where Dagster's own log lines and tracebacks go)
    #[arg(long, help_heading = "Output")]
    pub(crate) stderr: bool,
}

const REPORT_ABOUT: &str = "\
The post-mortem as a deliverable. For one run (--run-id, or an archive of one run): the header
(job, status, duration, queue wait, incomplete-export warning), the diagnosis, a Gantt timeline of
steps and attempts with long silences shaded, the step table with phases, event counts, every
error with its chain and stack, and the log around the failure. For many runs (the default when
the archive holds several): runs by job and status with their failure patterns, the failed runs,
error fingerprints (messages with ids, numbers, paths and partitions masked, clustered), flaky
steps, per-step p50/p95 durations with regressions (the latest runs against the earlier ones),
the slowest steps and the hang candidates.

HTML is one self-contained file (inline CSS and SVG, no script, no network) that reads without
JavaScript; every piece of text from the logs is escaped. Markdown carries the same content for a
ticket; JSON the same model.";

const REPORT_EXAMPLES: &str = "\
Examples:
  daglog report data/sample -o report.html          # many runs: what keeps failing, what got slower
  daglog report data/sample --run-id 0f246d01 -o run.html
  daglog report exports/ --run-id 0f246d01 --format markdown > ticket.md
  daglog report exports/ --format json | jq '.fingerprints[:5]'";

const DIAGNOSE_ABOUT: &str = "\
For every run that did not succeed, the verdict in the terms of the Dagster debug reference's
common error patterns — import_error, resource_init, data_validation, io_manager, timeout_hang,
upstream_dependency — or process_crash, canceled, hook_error, user_code_error, unknown; the step
and the error that started it, unwrapped from Dagster's wrappers; the steps it brought down
(\"3 failures\" read as one cause and its consequences); the events the verdict rests on; and
the next steps for that pattern, naming the module, resource, path or input involved.

It decides from the event sequence, the error class chain, errorSource and the
dagster/failure_reason tag, not from keywords alone. Retried steps are reported: flaky (retried,
then succeeded) and retries exhausted.";

const DIAGNOSE_EXAMPLES: &str = "\
Examples:
  daglog diagnose exports/
  daglog diagnose exports/ --run-id 0f246d01
  daglog diagnose exports/ --all                    # warnings of successful runs too (flaky steps…)
  daglog diagnose exports/ --json | jq -r '.runs[] | [.pattern, .runId] | @tsv' | sort | uniq -c";

const COMPARE_ABOUT: &str = "\
The Dagster debug reference's \"compare a failed run with a successful one\" workflow in one
command: the run config diffed as structure (keys added, removed, changed, with values), tags,
steps present in one run only, status changes and duration deltas per step, event counts per type, the first
point where the two runs' step sequences diverge, and errors that occur in one run only.";

const COMPARE_EXAMPLES: &str = "\
Examples:
  daglog compare e7c257f7 0f246d01 exports/
  daglog compare e7c257f7 0f246d01 exports/ --format markdown > compare.md
  daglog compare e7c257f7 0f246d01 exports/ --json | jq '.config.changed'";

const STATS_ABOUT: &str = "\
Run and step figures computed from the events alone, equal to what Dagster itself reports in
runOrError's `stats` and `stepStats`: status, start and end, stepsSucceeded, stepsFailed,
materializations, expectations; per step its status, start, end, attempts and markers. Added:
queue wait (RUN_ENQUEUED → RUN_STARTING), launch time, each step's phases (worker start,
resource init, input loading, compute, output handling, retry waits), the critical path, and
event counts by type and level.

Without --run-id, every run of the archive is computed in one pass.";

const STATS_EXAMPLES: &str = "\
Examples:
  daglog stats exports/ --run-id 0f246d01
  daglog stats exports/ --run-id 0f246d01 --json | jq '.runs[0].steps[] | {stepKey, durationMs}'
  daglog stats exports/ --ndjson | jq -r 'select(.stepsFailed > 0) | .runId'
  daglog stats exports/ --steps --ndjson | jq -c 'select(.stepKey == \"fetch_sales\") | .durationMs'
  daglog stats exports/ --format markdown > stats.md";

const INFO_ABOUT: &str = "\
A run's metadata as Dagster records it: from run.json (runOrError) when the archive has one,
else from a runsOrError list or a `dagster debug export` bundle, else derived from the events;
the output says which. With --json, Dagster's fields are at the top level, so
`jq '.runConfigYaml'` and `jq '.tags'` work as on the GraphQL API's own answer.";

const INFO_EXAMPLES: &str = "\
Examples:
  daglog info exports/ --run-id 0f246d01
  daglog info exports/ --run-id <success-run-id> --json > success.json
  daglog info exports/ --run-id <failure-run-id> --json > failure.json
  diff <(jq '.runConfigYaml' success.json) <(jq '.runConfigYaml' failure.json)";

const RUNS_EXAMPLES: &str = "\
Examples:
  daglog runs exports/
  daglog runs exports/ --job-name my_job --limit 20
  daglog runs exports/ --status failure
  daglog runs exports/ --job-name my_job --json | jq -r '.runsOrError.results[] | \"\\(.status)\\t\\(.runId)\"'";

const TIMELINE_EXAMPLES: &str = "\
Examples:
  daglog timeline exports/ --run-id 0f246d01
  daglog timeline exports/ --run-id 0f246d01 --gap 2s
  daglog timeline exports/ --run-id 0f246d01 --json | jq '.gaps'";

const GAPS_ABOUT: &str = "\
For every run, the longest silences between consecutive events, with the events on both sides
and the steps that were running, and the signs of a hang: steps started and never ended, no
terminal event, or a cancel after a long silence. Runs that show one come first.";

const GAPS_EXAMPLES: &str = "\
Examples:
  daglog gaps exports/
  daglog gaps exports/ --gap 1m --top 1
  daglog gaps exports/ --json | jq -r '.runs[] | select(.hangCandidate) | .runId'";

const LOGS_EXAMPLES: &str = "\
Examples:
  daglog logs exports/ --run-id 0f246d01 --event-type FAILURE
  daglog logs exports/ --run-id 0f246d01 --event-type STEP_FAILURE,RUN_FAILURE | grep -i module
  daglog logs exports/ --run-id 0f246d01 --step-key fetch_sales --level warning
  daglog logs exports/ --run-id 0f246d01 --json | jq '.events[0]'
  daglog logs exports/ --count-by type                  # events by type, whole archive
  daglog logs exports/ --event-type STEP_FAILURE --count-by step
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

    /// Do not read files or folders matching GLOB when walking a folder: a
    /// glob matches an entry's name (`_edge`, `*.ndjson`) or its whole path
    /// (`*/schema/*`); give it again for more
    #[arg(long, value_name = "GLOB", help_heading = "Input")]
    pub(crate) exclude: Vec<String>,

    /// List every file passed over as not an export, and why
    #[arg(long, short = 'v', help_heading = "Input")]
    pub(crate) verbose: bool,

    /// Do not show the progress bar
    #[arg(long, short = 'q', help_heading = "Input")]
    pub(crate) quiet: bool,
}

/// How an analysis command writes its result.
#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Output format
    #[arg(
        long,
        value_name = "FORMAT",
        value_enum,
        default_value_t = FormatArg::Table,
        help_heading = "Output"
    )]
    pub(crate) format: FormatArg,

    /// Same as --format json
    #[arg(long, help_heading = "Output", conflicts_with_all = ["ndjson", "format"])]
    pub(crate) json: bool,

    /// Same as --format ndjson: one JSON object per run and line
    #[arg(long, help_heading = "Output", conflicts_with = "format")]
    pub(crate) ndjson: bool,

    /// Never colour the output (NO_COLOR is honoured too)
    #[arg(long, help_heading = "Output")]
    pub(crate) no_color: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FormatArg {
    /// Aligned text for a terminal
    Table,
    /// One JSON document, field names as in Dagster's GraphQL API
    Json,
    /// One JSON object per line
    Ndjson,
    /// Markdown, for a ticket or a wiki
    Markdown,
    /// One self-contained HTML page: inline CSS and SVG, no script, no network
    Html,
}

/// A command about one run (or every run).
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// The run (a unique prefix of the run id is enough); may be left out
    /// when the archive holds a single run
    #[arg(long, value_name = "ID", help_heading = "Selection")]
    pub(crate) run_id: Option<String>,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Only this run (a unique prefix of the run id is enough); default: every run
    #[arg(long, value_name = "ID", help_heading = "Selection")]
    pub(crate) run_id: Option<String>,

    /// One row per step of every selected run (run, job, step, status, start,
    /// duration, attempts) instead of each run's figures: per-step durations
    /// across an archive
    #[arg(long, help_heading = "Selection")]
    pub(crate) steps: bool,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RunsArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Only runs of this job (exact name)
    #[arg(long, value_name = "NAME", help_heading = "Selection")]
    pub(crate) job_name: Option<String>,

    /// Only runs with this status: success, failure, canceled, canceling,
    /// queued, not_started, starting, started (case-insensitive)
    #[arg(long, value_name = "STATUS", help_heading = "Selection")]
    pub(crate) status: Option<String>,

    /// At most N runs (the newest)
    #[arg(long, value_name = "N", help_heading = "Selection")]
    pub(crate) limit: Option<usize>,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct TimelineArgs {
    #[command(flatten)]
    pub(crate) run: RunArgs,

    /// Mark silences between events at least this long: 10s, 500ms, 2m, 1h
    /// or plain seconds
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        help_heading = "Selection"
    )]
    pub(crate) gap: String,
}

#[derive(Debug, Args)]
pub(crate) struct GapsArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Only this run (a unique prefix of the run id is enough); default: every run
    #[arg(long, value_name = "ID", help_heading = "Selection")]
    pub(crate) run_id: Option<String>,

    /// List silences at least this long: 10s, 500ms, 2m, 1h or plain seconds
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        help_heading = "Selection"
    )]
    pub(crate) gap: String,

    /// List at most N silences per run, longest first
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        help_heading = "Selection"
    )]
    pub(crate) top: usize,

    /// List at most N runs
    #[arg(long, value_name = "N", help_heading = "Selection")]
    pub(crate) limit: Option<usize>,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DiagnoseArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Only this run (a unique prefix of the run id is enough); default: every
    /// run that did not succeed
    #[arg(long, value_name = "ID", help_heading = "Selection")]
    pub(crate) run_id: Option<String>,

    /// Also list successful runs, with their warnings (flaky steps, hook errors)
    #[arg(long, help_heading = "Selection")]
    pub(crate) all: bool,

    /// A silence at least this long counts as a sign of a hang: 10s, 500ms,
    /// 2m, 1h or plain seconds
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        help_heading = "Selection"
    )]
    pub(crate) gap: String,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Report on this run only (a unique prefix of the run id is enough)
    #[arg(long, value_name = "ID", help_heading = "Selection")]
    pub(crate) run_id: Option<String>,

    /// Silences at least this long are shaded and count as hang signs
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        help_heading = "Selection"
    )]
    pub(crate) gap: String,

    /// html, markdown or json; default: from the -o file's extension, else markdown
    #[arg(long, value_name = "FORMAT", help_heading = "Output")]
    pub(crate) format: Option<ReportFormatArg>,

    /// Write the report to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub(crate) output: Option<std::path::PathBuf>,
}

/// `report --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormatArg {
    /// One self-contained page
    Html,
    /// For a ticket
    Markdown,
    /// The report model
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The first run, usually the good one (a unique prefix of its id)
    #[arg(value_name = "RUN_A")]
    pub(crate) run_a: String,

    /// The second run, usually the failed one
    #[arg(value_name = "RUN_B")]
    pub(crate) run_b: String,

    #[command(flatten)]
    pub(crate) input: InputArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// What `logs --count-by` counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CountByArg {
    Type,
    Level,
    Step,
    Run,
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Only this run (a unique prefix of the run id is enough)
    #[arg(long, value_name = "ID", help_heading = "Filters")]
    pub(crate) run_id: Option<String>,

    /// Only these event types, comma-separated, case-insensitive,
    /// PIPELINE_* = RUN_*: a whole type matches that type only (RUN_START is
    /// not RUN_STARTING); any other item every type containing it (FAILURE
    /// matches STEP_FAILURE, RUN_FAILURE, RESOURCE_INIT_FAILURE); LOG matches
    /// user log lines (which have no event type)
    #[arg(
        long,
        value_name = "TYPES",
        value_delimiter = ',',
        help_heading = "Filters"
    )]
    pub(crate) event_type: Vec<String>,

    /// Only events of these steps (comma-separated or repeated, exact keys;
    /// `--step`, as `dg api` names it, works too)
    #[arg(
        long,
        visible_alias = "step",
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

    /// Count the matching events by type (log lines count as LOG), level, step
    /// or run instead of printing them, largest first; --json prints
    /// [{"type":…,"count":N},…] like the Dagster debug reference's group_by(.eventType) recipe
    #[arg(
        long,
        value_name = "FIELD",
        value_enum,
        help_heading = "Output",
        conflicts_with_all = ["limit", "cursor"]
    )]
    pub(crate) count_by: Option<CountByArg>,

    /// Print {"events":[…],"cursor":…,"hasMore":…} like Dagster's logsForRun,
    /// each event with all its exported fields
    #[arg(long, help_heading = "Output", conflicts_with = "ndjson")]
    pub(crate) json: bool,

    /// Print one JSON event per line
    #[arg(long, help_heading = "Output")]
    pub(crate) ndjson: bool,

    /// Print every event's whole message, each line under the event (error
    /// events always show their whole message and every cause)
    #[arg(long, help_heading = "Output", conflicts_with_all = ["json", "ndjson"])]
    pub(crate) full: bool,

    /// Never colour the output (NO_COLOR is honoured too)
    #[arg(long, help_heading = "Output")]
    pub(crate) no_color: bool,
}
