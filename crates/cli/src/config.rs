//! Flags checked once and turned into what the commands use. Every usage
//! error is found here, before any input is read.

use std::io::IsTerminal;

use anyhow::{Context, Result, bail};
use daglog_ingest::{Input, Level, decode_cursor, schema::normalize_event_type, time};
use regex::{Regex, RegexBuilder};

use daglog_report::{CountField, Format};

use crate::args::{
    CapturedArgs, CompareArgs, CountByArg, DiagnoseArgs, FormatArg, GapsArgs, InputArgs, LogsArgs,
    OutputArgs, ReportArgs, ReportFormatArg, RunArgs, RunsArgs, StatsArgs, TimelineArgs,
};

/// A usage error: exit status 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage<T>(msg: impl Into<String>) -> Result<T> {
    Err(UsageError(msg.into()).into())
}

/// Which inputs to read and how.
#[derive(Debug)]
pub(crate) struct InputConfig {
    pub(crate) inputs: Vec<Input>,
    /// A whole run id given with `--run-id`: the run of events whose files
    /// name none.
    pub(crate) fallback_run_id: Option<String>,
    pub(crate) strict: bool,
    /// `--exclude`.
    pub(crate) exclude: daglog_ingest::Exclude,
    /// `-v`: list the files passed over.
    pub(crate) verbose: bool,
    pub(crate) progress: bool,
}

impl InputConfig {
    /// Takes `--run-id` as the run of events whose files name none, when it
    /// is a whole run id (a prefix names no run to give them).
    fn with_run_id(mut self, run_id: &Option<String>) -> Self {
        self.fallback_run_id = run_id
            .as_deref()
            .map(str::trim)
            .filter(|r| daglog_ingest::looks_like_run_id(r))
            .map(str::to_string);
        self
    }

    pub(crate) fn from_args(args: &InputArgs) -> Result<Self> {
        let mut inputs: Vec<Input> = args.paths.iter().map(|p| Input::from_arg(p)).collect();
        if inputs.is_empty() {
            if std::io::stdin().is_terminal() {
                return usage(
                    "no input: give export files or folders (or - to read standard input), \
                     e.g. `daglog logs exports/`",
                );
            }
            inputs.push(Input::Stdin);
        }
        if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
            return usage("- (standard input) can be given only once");
        }
        let exclude = match daglog_ingest::Exclude::new(&args.exclude) {
            Ok(e) => e,
            Err(why) => return usage(format!("--exclude {why}")),
        };
        Ok(InputConfig {
            inputs,
            fallback_run_id: None,
            strict: args.strict,
            exclude,
            verbose: args.verbose,
            progress: !args.quiet
                && std::io::stderr().is_terminal()
                && std::env::var_os("DAGLOG_NO_PROGRESS").is_none(),
        })
    }
}

/// Output format of `logs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogsFormat {
    Human { color: bool, full: bool },
    Json,
    Ndjson,
}

/// Which events `logs` prints (the run is chosen apart).
#[derive(Debug, Clone, Default)]
pub(crate) struct EventFilter {
    /// Upper-case, `PIPELINE_*` normalised to `RUN_*`.
    pub(crate) event_types: Vec<String>,
    pub(crate) step_keys: Vec<String>,
    pub(crate) min_level: Option<Level>,
    pub(crate) grep: Option<Regex>,
    pub(crate) since_ms: Option<i64>,
    pub(crate) until_ms: Option<i64>,
}

/// The checked `logs` configuration.
#[derive(Debug)]
pub(crate) struct LogsConfig {
    pub(crate) input: InputConfig,
    pub(crate) run_id: Option<String>,
    pub(crate) filter: EventFilter,
    pub(crate) limit: Option<usize>,
    /// Number of matching events to skip.
    pub(crate) offset: usize,
    pub(crate) format: LogsFormat,
    /// Count the matching events by this field instead of printing them.
    pub(crate) count_by: Option<CountField>,
}

fn parse_time(flag: &str, value: &str) -> Result<i64> {
    match time::parse(value) {
        Some(ms) => Ok(ms),
        None => usage(format!(
            "{flag} {value:?} is not a time: use ISO 8601 (2026-11-24T08:15:00Z), \
             epoch milliseconds (1795501783000) or epoch seconds (1795501783.5)"
        )),
    }
}

impl LogsConfig {
    pub(crate) fn from_args(args: &LogsArgs) -> Result<Self> {
        let input = InputConfig::from_args(&args.input)?.with_run_id(&args.run_id);
        let mut event_types = Vec::new();
        for item in &args.event_type {
            let item = item.trim();
            if item.is_empty() {
                return usage(
                    "--event-type has an empty item; give names like STEP_FAILURE,RUN_FAILURE",
                );
            }
            event_types.push(normalize_event_type(&item.to_ascii_uppercase()).into_owned());
        }
        let min_level = match &args.level {
            None => None,
            Some(l) => match Level::from_name(l) {
                Some(level) => Some(level),
                None => {
                    return usage(format!(
                        "--level {l:?} is not a level: use debug, info, warning, error or critical"
                    ));
                }
            },
        };
        let grep = match &args.grep {
            None => None,
            Some(pattern) => Some(
                RegexBuilder::new(pattern)
                    .case_insensitive(args.ignore_case)
                    .build()
                    .map_err(|e| {
                        UsageError(format!(
                            "--grep {pattern:?} is not a valid regular expression: {e}"
                        ))
                    })?,
            ),
        };
        let since_ms = args
            .since
            .as_deref()
            .map(|v| parse_time("--since", v))
            .transpose()?;
        let until_ms = args
            .until
            .as_deref()
            .map(|v| parse_time("--until", v))
            .transpose()?;
        if let (Some(s), Some(u)) = (since_ms, until_ms)
            && s >= u
        {
            return usage("--since must be earlier than --until");
        }
        if args.limit == Some(0) {
            return usage("--limit must be at least 1");
        }
        let offset = match &args.cursor {
            None => 0,
            Some(c) => match decode_cursor(c) {
                Some(v) if v >= 0 => usize::try_from(v).context("cursor out of range")?,
                _ => {
                    return usage(format!(
                        "--cursor {c:?} is not a daglog cursor: pass the \"cursor\" value of a previous --json page"
                    ));
                }
            },
        };
        let color = use_color(args.no_color);
        let format = if args.json {
            LogsFormat::Json
        } else if args.ndjson {
            LogsFormat::Ndjson
        } else {
            LogsFormat::Human {
                color,
                full: args.full,
            }
        };
        if args.run_id.as_deref().is_some_and(|r| r.trim().is_empty()) {
            bail!(UsageError("--run-id is empty".into()));
        }
        Ok(LogsConfig {
            input,
            run_id: args.run_id.clone(),
            filter: EventFilter {
                event_types,
                step_keys: args.step_key.clone(),
                min_level,
                grep,
                since_ms,
                until_ms,
            },
            limit: args.limit,
            offset,
            format,
            count_by: args.count_by.map(|c| match c {
                CountByArg::Type => CountField::Type,
                CountByArg::Level => CountField::Level,
                CountByArg::Step => CountField::Step,
                CountByArg::Run => CountField::Run,
            }),
        })
    }
}

/// Whether stdout gets colour: a terminal, no --no-color, no NO_COLOR.
fn use_color(no_color: bool) -> bool {
    !no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
}

impl OutputArgs {
    pub(crate) fn format(&self) -> Format {
        match (self.json, self.ndjson, self.format) {
            (true, _, _) | (_, _, FormatArg::Json) => Format::Json,
            (_, true, _) | (_, _, FormatArg::Ndjson) => Format::Ndjson,
            (_, _, FormatArg::Markdown) => Format::Markdown,
            (_, _, FormatArg::Html) => Format::Html,
            (_, _, FormatArg::Table) => Format::Table {
                color: use_color(self.no_color),
            },
        }
    }
}

fn check_run_id(run_id: &Option<String>) -> Result<Option<String>> {
    match run_id {
        Some(r) if r.trim().is_empty() => usage("--run-id is empty"),
        other => Ok(other.clone()),
    }
}

/// Reads `10s`, `500ms`, `2m`, `1h` or plain seconds as ms.
pub(crate) fn parse_duration_ms(flag: &str, value: &str) -> Result<i64> {
    let v = value.trim();
    let (number, unit_ms) = if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = v.strip_suffix('h') {
        (n, 3_600_000.0)
    } else {
        (v, 1000.0)
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok((n * unit_ms).round() as i64),
        _ => usage(format!(
            "{flag} {value:?} is not a duration: use 10s, 500ms, 2m, 1h or plain seconds"
        )),
    }
}

/// The checked configuration of `stats`, `info`, `timeline` and `gaps`.
#[derive(Debug)]
pub(crate) struct AnalysisConfig {
    pub(crate) input: InputConfig,
    pub(crate) run_id: Option<String>,
    pub(crate) format: Format,
    /// Silences to list, ms.
    pub(crate) gap_ms: i64,
    /// Silences per run (`gaps`).
    pub(crate) top: usize,
    /// Runs to list.
    pub(crate) limit: Option<usize>,
    /// `diagnose --all`.
    pub(crate) include_success: bool,
    /// `stats --steps`.
    pub(crate) step_rows: bool,
}

impl AnalysisConfig {
    fn new(input: &InputArgs, run_id: &Option<String>, output: &OutputArgs) -> Result<Self> {
        Ok(AnalysisConfig {
            input: InputConfig::from_args(input)?.with_run_id(run_id),
            run_id: check_run_id(run_id)?,
            format: output.format(),
            gap_ms: 10_000,
            top: 3,
            limit: None,
            include_success: false,
            step_rows: false,
        })
    }

    pub(crate) fn from_stats(args: &StatsArgs) -> Result<Self> {
        let mut cfg = Self::new(&args.input, &args.run_id, &args.output)?;
        cfg.step_rows = args.steps;
        Ok(cfg)
    }

    pub(crate) fn from_run(args: &RunArgs) -> Result<Self> {
        Self::new(&args.input, &args.run_id, &args.output)
    }

    pub(crate) fn from_timeline(args: &TimelineArgs) -> Result<Self> {
        let mut cfg = Self::from_run(&args.run)?;
        cfg.gap_ms = parse_duration_ms("--gap", &args.gap)?;
        Ok(cfg)
    }

    pub(crate) fn from_diagnose(args: &DiagnoseArgs) -> Result<Self> {
        let mut cfg = Self::new(&args.input, &args.run_id, &args.output)?;
        cfg.gap_ms = parse_duration_ms("--gap", &args.gap)?;
        cfg.include_success = args.all;
        Ok(cfg)
    }

    pub(crate) fn from_gaps(args: &GapsArgs) -> Result<Self> {
        let mut cfg = Self::new(&args.input, &args.run_id, &args.output)?;
        cfg.gap_ms = parse_duration_ms("--gap", &args.gap)?;
        if args.top == 0 {
            return usage("--top must be at least 1");
        }
        if args.limit == Some(0) {
            return usage("--limit must be at least 1");
        }
        cfg.top = args.top;
        cfg.limit = args.limit;
        Ok(cfg)
    }
}

/// Dagster's run statuses, for `runs --status`.
const RUN_STATUSES: &[&str] = &[
    "SUCCESS",
    "FAILURE",
    "CANCELED",
    "CANCELING",
    "QUEUED",
    "NOT_STARTED",
    "MANAGED",
    "STARTING",
    "STARTED",
];

/// The checked configuration of `runs`.
#[derive(Debug)]
pub(crate) struct RunsConfig {
    pub(crate) input: InputConfig,
    pub(crate) job_name: Option<String>,
    /// Upper-case.
    pub(crate) status: Option<String>,
    pub(crate) limit: Option<usize>,
    pub(crate) format: Format,
}

impl RunsConfig {
    pub(crate) fn from_args(args: &RunsArgs) -> Result<Self> {
        let status = match &args.status {
            None => None,
            Some(s) => {
                let upper = s.trim().to_ascii_uppercase();
                if !RUN_STATUSES.contains(&upper.as_str()) {
                    return usage(format!(
                        "--status {s:?} is not a run status: use one of {}",
                        RUN_STATUSES.join(", ").to_ascii_lowercase()
                    ));
                }
                Some(upper)
            }
        };
        if args.limit == Some(0) {
            return usage("--limit must be at least 1");
        }
        Ok(RunsConfig {
            input: InputConfig::from_args(&args.input)?,
            job_name: args.job_name.clone(),
            status,
            limit: args.limit,
            format: args.output.format(),
        })
    }
}

/// The checked configuration of `compare`.
#[derive(Debug)]
pub(crate) struct CompareConfig {
    pub(crate) input: InputConfig,
    pub(crate) run_a: String,
    pub(crate) run_b: String,
    pub(crate) format: Format,
}

impl CompareConfig {
    pub(crate) fn from_args(args: &CompareArgs) -> Result<Self> {
        let (a, b) = (args.run_a.trim(), args.run_b.trim());
        if a.is_empty() || b.is_empty() {
            return usage(
                "give two run ids (or unique prefixes): daglog compare RUN_A RUN_B ARCHIVE",
            );
        }
        if a == b {
            return usage(format!(
                "RUN_A and RUN_B are the same run ({a}); give two different runs"
            ));
        }
        if args.input.paths.is_empty() && std::io::stdin().is_terminal() {
            return usage(format!(
                "no input: give the archive after the two runs, e.g. `daglog compare {a} {b} exports/`"
            ));
        }
        Ok(CompareConfig {
            input: InputConfig::from_args(&args.input)?,
            run_a: a.to_string(),
            run_b: b.to_string(),
            format: args.output.format(),
        })
    }
}

/// The checked configuration of `report`.
#[derive(Debug)]
pub(crate) struct ReportConfig {
    pub(crate) input: InputConfig,
    pub(crate) run_id: Option<String>,
    pub(crate) gap_ms: i64,
    pub(crate) format: Format,
    pub(crate) output: Option<std::path::PathBuf>,
}

impl ReportConfig {
    pub(crate) fn from_args(args: &ReportArgs) -> Result<Self> {
        let from_extension = args.output.as_ref().and_then(|p| {
            match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
                "html" | "htm" => Some(Format::Html),
                "md" | "markdown" => Some(Format::Markdown),
                "json" => Some(Format::Json),
                _ => None,
            }
        });
        let format = match (args.format, from_extension) {
            (Some(ReportFormatArg::Html), _) => Format::Html,
            (Some(ReportFormatArg::Markdown), _) => Format::Markdown,
            (Some(ReportFormatArg::Json), _) => Format::Json,
            (None, Some(f)) => f,
            (None, None) if args.output.is_some() => Format::Html,
            (None, None) => Format::Markdown,
        };
        if let Some(path) = &args.output
            && path.is_dir()
        {
            return usage(format!(
                "-o {} is a folder; give a file name such as report.html",
                path.display()
            ));
        }
        Ok(ReportConfig {
            input: InputConfig::from_args(&args.input)?.with_run_id(&args.run_id),
            run_id: check_run_id(&args.run_id)?,
            gap_ms: parse_duration_ms("--gap", &args.gap)?,
            format,
            output: args.output.clone(),
        })
    }
}

/// The checked `output` configuration.
#[derive(Debug)]
pub(crate) struct CapturedConfig {
    pub(crate) input: InputConfig,
    pub(crate) run_id: Option<String>,
    pub(crate) step_key: Option<String>,
    pub(crate) stdout: bool,
    pub(crate) stderr: bool,
}

impl CapturedConfig {
    pub(crate) fn from_args(args: &CapturedArgs) -> Result<Self> {
        let both = !args.stdout && !args.stderr;
        Ok(CapturedConfig {
            input: InputConfig::from_args(&args.input)?.with_run_id(&args.run_id),
            run_id: args.run_id.clone(),
            step_key: args.step_key.clone(),
            stdout: args.stdout || both,
            stderr: args.stderr || both,
        })
    }
}
