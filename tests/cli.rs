//! End-to-end tests of the `daglog` binary on real Dagster exports
//! (`fixtures/`), in one test binary. Each module is one area.

/// Snapshots exit status, stdout and stderr of `daglog ARGS` under `name`.
macro_rules! snap {
    ($name:literal, $args:expr) => {
        insta::assert_snapshot!($name, render(&run(&$args)));
    };
}

// Helpers: running daglog, reading fixtures independently of daglog.
mod common;
// Counts per run against the exports' own counts, and merging of re-exports.
mod counts;
// Filters and paging against an independent computation over the JSON.
mod filters;
// Bad input: one message per bad file, the rest still read, exit statuses.
mod bad_input;
// Snapshots of the human, JSON and NDJSON output and of --help.
mod snapshots;
// stats, info, runs, timeline, gaps: Dagster's figures, the reference's workflows.
mod analysis;
// Snapshots of every analysis command in every format.
mod analysis_snapshots;
// Where output goes: pipes.
mod output;
// Dagster's own SQLite storage: a DAGSTER_HOME read like its exports.
mod storage;
// GraphQL data without its envelope, and `dg api … --json` output.
mod client_json;
// PostgreSQL storage: pg_dump, \copy text and CSV of real Dagster runs.
mod postgres;
// `daglog output`: captured stdout/stderr from a DAGSTER_HOME.
mod captured;
// `daglog completions` and `daglog man`.
mod shell;
