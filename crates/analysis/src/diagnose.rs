//! `daglog diagnose`: why a run did not succeed, in the reference's terms.
//!
//! The verdict comes from the event sequence (which event failed first, in
//! which phase of its step, what followed), the error's class chain once
//! Dagster's wrappers are looked through, `errorSource`, and Dagster's
//! `dagster/failure_reason` tag — not from keywords in messages alone.
//! Messages are read only for the specifics of the advice (the module, the
//! resource, the path, the input).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use daglog_ingest::{Archive, ErrorInfo, ErrorLink, EventView, Level, Run};
use regex::Regex;
use serde::Serialize;

use crate::model::{EventSummary, RunGaps, RunStats, RunStatus, StepStatus, headline, seconds};

/// The reference's six patterns, and what else stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// A module or name could not be imported.
    ImportError,
    /// A resource failed to initialise.
    ResourceInit,
    /// Data did not have the shape, type or values the code expected.
    DataValidation,
    /// An IO manager failed to store an output or load an input.
    IoManager,
    /// A step ran (or waited) far too long: no end, or a cancel after a long silence.
    TimeoutHang,
    /// A step's input from upstream was missing.
    UpstreamDependency,
    /// A step's process was killed (signal 9, out of memory) or crashed.
    ProcessCrash,
    /// Canceled without signs of a hang (e.g. while queued).
    Canceled,
    /// The run was still going when it was exported: no end, no long silence.
    StillRunning,
    /// Only a hook failed.
    HookError,
    /// An exception in user code that is none of the above.
    UserCodeError,
    /// Nothing in the events says why.
    Unknown,
}

impl Pattern {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::ImportError => "import_error",
            Pattern::ResourceInit => "resource_init",
            Pattern::DataValidation => "data_validation",
            Pattern::IoManager => "io_manager",
            Pattern::TimeoutHang => "timeout_hang",
            Pattern::UpstreamDependency => "upstream_dependency",
            Pattern::ProcessCrash => "process_crash",
            Pattern::Canceled => "canceled",
            Pattern::StillRunning => "still_running",
            Pattern::HookError => "hook_error",
            Pattern::UserCodeError => "user_code_error",
            Pattern::Unknown => "unknown",
        }
    }
}

/// The error that started it, unwrapped.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RootError {
    /// The real exception's class (`ModuleNotFoundError`).
    pub class_name: Option<String>,
    /// Its message, without the class prefix.
    pub message: String,
    /// The whole chain, outermost first, wrappers included.
    pub chain: Vec<ErrorLink>,
    /// `errorSource` when exported.
    pub error_source: Option<String>,
    /// The stack where it was raised: the deepest cause's frames, else the
    /// outer error's.
    pub stack: Vec<String>,
    /// The index in `stack` of the user's own frame: the deepest frame
    /// outside Python's library and installed packages, else the deepest one
    /// outside Dagster.
    pub user_frame: Option<usize>,
}

/// A step that failed, was skipped or never ran because of the root.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CascadeStep {
    /// The step.
    pub step_key: String,
    /// Its status.
    pub status: StepStatus,
    /// The upstream steps Dagster named as the reason.
    pub because_of: Vec<String>,
}

/// A failure that is not a consequence of another one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RootFailure {
    /// The step (`None` for a run-level failure).
    pub step_key: Option<String>,
    /// Its pattern.
    pub pattern: Pattern,
    /// Its error.
    pub root_error: Option<RootError>,
    /// Float epoch seconds of the failure.
    pub time: f64,
    /// What it brought down.
    pub cascade: Vec<CascadeStep>,
}

/// A step that was retried.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetriedStep {
    /// The step.
    pub step_key: String,
    /// Its attempts.
    pub attempts: usize,
    /// The errors that caused retries, as `Class: message`, distinct.
    pub errors: Vec<String>,
}

/// Why a run did not succeed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// The run id.
    pub run_id: String,
    /// The job.
    pub job_name: Option<String>,
    /// Status from the events.
    pub status: RunStatus,
    /// The verdict; `None` for a run that succeeded (listed with `--all`).
    pub pattern: Option<Pattern>,
    /// One sentence.
    pub summary: String,
    /// The step where it started; `None` when the failure is run-level.
    pub root_step: Option<String>,
    /// The error that started it.
    pub root_error: Option<RootError>,
    /// What failed, was skipped or never ran because of it.
    pub cascade: Vec<CascadeStep>,
    /// Other failures that are not consequences of the root.
    pub other_failures: Vec<RootFailure>,
    /// Steps that failed, were retried and then succeeded.
    pub flaky_steps: Vec<RetriedStep>,
    /// Steps that failed after using up their retries.
    pub retries_exhausted: Vec<RetriedStep>,
    /// Things worth knowing that did not decide the verdict.
    pub warnings: Vec<String>,
    /// Dagster's `dagster/failure_reason` tag, when the archive has run metadata.
    pub failure_reason: Option<String>,
    /// The events the verdict rests on, in time order.
    pub evidence: Vec<EventSummary>,
    /// What to look at next, specific to this run.
    pub next_steps: Vec<String>,
    /// The end of what the root step's process wrote to stderr, when the
    /// archive has Dagster's compute logs (see [`attach_captured_stderr`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured_stderr: Option<CapturedTail>,
}

/// The last lines of a captured output file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapturedTail {
    /// The file.
    pub path: String,
    /// The step whose process wrote it.
    pub step_key: Option<String>,
    /// Its last lines, as captured.
    pub lines: Vec<String>,
    /// How many lines came before them.
    pub earlier_lines: usize,
}

/// How many lines of the root step's stderr a diagnosis shows.
const STDERR_TAIL_LINES: usize = 20;

/// Adds the tail of the root step's captured stderr to each diagnosis whose
/// run left compute logs where `inputs` lead (the last capture of that step:
/// its failing attempt; a run's only capture when it ran in process).
pub fn attach_captured_stderr(
    archive: &daglog_ingest::Archive,
    inputs: &[daglog_ingest::Input],
    diagnoses: &mut [Diagnosis],
) {
    for d in diagnoses.iter_mut().filter(|d| d.pattern.is_some()) {
        let Some(run) = archive.runs.iter().find(|r| r.run_id == d.run_id) else {
            continue;
        };
        let Ok(captured) = archive.captured_output(run, inputs) else {
            continue;
        };
        let log = match &d.root_step {
            Some(step) => captured
                .logs
                .iter()
                .rev()
                .find(|l| l.step_keys.contains(step)),
            None => None,
        }
        .or_else(|| captured.logs.iter().rev().find(|l| l.step_keys.len() > 1));
        let Some((log, path)) = log.and_then(|l| Some((l, l.stderr.as_ref()?))) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(STDERR_TAIL_LINES);
        d.captured_stderr = Some(CapturedTail {
            path: path.display().to_string(),
            step_key: d.root_step.clone().filter(|s| log.step_keys.contains(s)),
            lines: lines[from..].iter().map(|l| l.to_string()).collect(),
            earlier_lines: from,
        });
    }
}

/// Dagster's wrappers around the exception that really happened.
const WRAPPERS: &[&str] = &[
    "DagsterExecutionStepExecutionError",
    "DagsterExecutionLoadInputError",
    "DagsterExecutionHandleOutputError",
    "DagsterExecutionResourceError",
    "RetryRequestedFromPolicy",
    "RetryRequested",
    "DagsterResourceFunctionError",
    "DagsterUserCodeExecutionError",
    "DagsterUserCodeProcessError",
    "DagsterSubprocessError",
];

const DATA_CLASSES: &[&str] = &[
    "ValueError",
    "TypeError",
    "KeyError",
    "ValidationError",
    "SchemaError",
    "SchemaErrors",
    "DagsterTypeCheckDidNotPass",
    "DagsterTypeCheckError",
    "JSONDecodeError",
    "ParserError",
    "UnicodeDecodeError",
];

const STORAGE_CLASSES: &[&str] = &[
    "PermissionError",
    "FileNotFoundError",
    "IsADirectoryError",
    "NotADirectoryError",
    "NoCredentialsError",
    "ClientError",
    "S3UploadFailedError",
];

fn is_wrapper(class: Option<&str>) -> bool {
    class.is_some_and(|c| WRAPPERS.contains(&c))
}

fn classes(info: &ErrorInfo) -> impl Iterator<Item = &str> {
    info.chain.iter().filter_map(|l| l.class_name.as_deref())
}

fn has_class(info: &ErrorInfo, names: &[&str]) -> bool {
    classes(info).any(|c| names.contains(&c))
}

/// The error that really happened, looked up through Dagster's wrappers.
pub(crate) fn root_error(info: &ErrorInfo) -> RootError {
    let real = real_link(info);
    RootError {
        class_name: real.and_then(|l| l.class_name.clone()),
        message: real.map_or_else(String::new, |l| l.text().trim_end().to_string()),
        chain: info.chain.clone(),
        error_source: info.error_source.clone(),
        stack: info.raised_stack().to_vec(),
        user_frame: info.user_frame(),
    }
}

/// The chain's first link that is not one of Dagster's wrappers (else its
/// last): the exception that really happened.
pub(crate) fn real_link(info: &ErrorInfo) -> Option<&ErrorLink> {
    info.chain
        .iter()
        .find(|l| !is_wrapper(l.class_name.as_deref()))
        .or(info.chain.last())
}

static DEPENDENCIES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:Dependencies for step (\S+) (?:failed|were not executed)|Skipping step (\S+) due to skipped dependencies): \[([^\]]*)\]",
    )
    .expect("valid regex")
});
static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"'([^']*)'").expect("valid regex"));
static MODULE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"No module named '([^']+)'|cannot import name '([^']+)' from '([^']+)'")
        .expect("valid regex")
});
static RESOURCES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[Ii]nitialization of resources \[([^\]]*)\] failed").expect("valid regex")
});
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"((?:s3|gs|abfss?|hdfs)://[^\s'"]+|'/[^']+'|"/[^"]+")"#).expect("valid regex")
});
static INPUT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"input "([^"]+)""#).expect("valid regex"));
static OUTPUT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"output "([^"]+)""#).expect("valid regex"));
static CRASH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)unexpectedly exited|exit(?:ed)? (?:with )?code -?(?:9|137)\b|signal 9|sigkill|out of memory|oom[- ]?kill")
        .expect("valid regex")
});

/// The steps a "Dependencies for step X failed: [...]" or "Skipping step X
/// due to skipped dependencies: [...]" line names: X and its upstream steps.
fn dependency_notice(message: &str) -> Option<(String, Vec<String>)> {
    let caps = DEPENDENCIES.captures(message)?;
    let step = caps.get(1).or(caps.get(2))?.as_str().to_string();
    let deps = QUOTED
        .captures_iter(&caps[3])
        .map(|c| c[1].to_string())
        .collect();
    Some((step, deps))
}

/// What happened to one step, read from its events.
#[derive(Default)]
struct StepStory<'a> {
    failure: Option<EventView<'a>>,
    resource_failure: Option<EventView<'a>>,
    retries: Vec<EventView<'a>>,
    /// The last LOADED_INPUT/STEP_OUTPUT/HANDLED_OUTPUT/STEP_INPUT before the failure.
    context: Option<EventView<'a>>,
    /// Outputs yielded and not handled before the failure.
    unhandled_output: bool,
    hook_errors: Vec<EventView<'a>>,
}

struct Reading<'a> {
    steps: BTreeMap<String, StepStory<'a>>,
    run_failure: Option<EventView<'a>>,
    run_level_errors: Vec<EventView<'a>>,
    dependency_notices: Vec<(EventView<'a>, String, Vec<String>)>,
    cancel: Option<EventView<'a>>,
    terminal: Option<EventView<'a>>,
    crash_notices: Vec<EventView<'a>>,
    error_logs: usize,
}

fn read<'a>(archive: &'a Archive, run: &Run) -> Reading<'a> {
    let mut r = Reading {
        steps: BTreeMap::new(),
        run_failure: None,
        run_level_errors: Vec::new(),
        dependency_notices: Vec::new(),
        cancel: None,
        terminal: None,
        crash_notices: Vec::new(),
        error_logs: 0,
    };
    for &e in &run.events {
        let ev = archive.event(e);
        let t = ev.event_type.unwrap_or("");
        if ev.event_type.is_none() {
            if let Some((step, deps)) = dependency_notice(ev.message) {
                r.dependency_notices.push((ev, step, deps));
                continue;
            }
            if ev.level >= daglog_ingest::Level::Error {
                r.error_logs += 1;
            }
        }
        if CRASH.is_match(ev.message) && matches!(t, "ENGINE_EVENT" | "STEP_FAILURE" | "") {
            r.crash_notices.push(ev);
        }
        match (t, ev.step_key) {
            ("RUN_FAILURE", _) => r.run_failure = Some(ev),
            ("RUN_CANCELING" | "RUN_CANCELED", _) => {
                r.cancel.get_or_insert(ev);
            }
            ("STEP_FAILURE", Some(s)) => {
                let story = r.steps.entry(s.to_string()).or_default();
                story.failure.get_or_insert(ev);
            }
            ("RESOURCE_INIT_FAILURE", Some(s)) => {
                r.steps.entry(s.to_string()).or_default().resource_failure = Some(ev);
            }
            ("STEP_UP_FOR_RETRY", Some(s)) => {
                r.steps.entry(s.to_string()).or_default().retries.push(ev);
            }
            ("HOOK_ERRORED", Some(s)) => {
                r.steps
                    .entry(s.to_string())
                    .or_default()
                    .hook_errors
                    .push(ev);
            }
            ("LOADED_INPUT" | "STEP_INPUT" | "STEP_OUTPUT" | "HANDLED_OUTPUT", Some(s)) => {
                let story = r.steps.entry(s.to_string()).or_default();
                if story.failure.is_none() {
                    story.unhandled_output = t == "STEP_OUTPUT";
                    story.context = Some(ev);
                }
            }
            // Dagster 0.14 and in-process executors report resource init
            // failures as engine events with an error.
            ("ENGINE_EVENT" | "RESOURCE_INIT_FAILURE", step) if ev.error.is_some() => {
                let resource = RESOURCES.is_match(ev.message) || t == "RESOURCE_INIT_FAILURE";
                match step {
                    Some(s) if resource => {
                        r.steps.entry(s.to_string()).or_default().resource_failure = Some(ev);
                    }
                    _ => r.run_level_errors.push(ev),
                }
            }
            _ => {}
        }
        if matches!(t, "RUN_SUCCESS" | "RUN_FAILURE" | "RUN_CANCELED") {
            r.terminal.get_or_insert(ev);
        }
    }
    r
}

/// A step's pattern from its failure, its resource failure and its phase.
fn classify_step(story: &StepStory<'_>) -> Pattern {
    if story.resource_failure.is_some() {
        return Pattern::ResourceInit;
    }
    let Some(failure) = &story.failure else {
        return Pattern::Unknown;
    };
    let Some(err) = failure.error else {
        return Pattern::Unknown;
    };
    classify_error(err, story.unhandled_output)
}

fn classify_error(err: &ErrorInfo, during_output: bool) -> Pattern {
    let texts = || err.chain.iter().map(|l| l.message.as_str());
    if has_class(
        err,
        &["ModuleNotFoundError", "ImportError", "DagsterImportError"],
    ) || texts().any(|m| MODULE.is_match(m))
    {
        return Pattern::ImportError;
    }
    if has_class(
        err,
        &[
            "DagsterResourceFunctionError",
            "DagsterExecutionResourceError",
        ],
    ) {
        return Pattern::ResourceInit;
    }
    if has_class(err, &["ChildProcessCrashException", "MemoryError"])
        || texts().any(|m| CRASH.is_match(m))
    {
        return Pattern::ProcessCrash;
    }
    if has_class(err, &["DagsterExecutionInterruptedError"]) {
        return Pattern::Canceled;
    }
    if has_class(err, &["DagsterExecutionHandleOutputError"]) {
        return Pattern::IoManager;
    }
    if has_class(err, &["DagsterExecutionLoadInputError"]) {
        // The input is not there: its upstream did not produce it (this run
        // or the run it re-executes); anything else is the IO manager's.
        let missing = has_class(
            err,
            &["FileNotFoundError", "DagsterInvariantViolationError"],
        ) || texts().any(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("no materialization")
                || m.contains("no such file")
                || m.contains("not found")
        });
        return if missing {
            Pattern::UpstreamDependency
        } else {
            Pattern::IoManager
        };
    }
    let real = root_error(err);
    let class = real.class_name.as_deref().unwrap_or("");
    if DATA_CLASSES.contains(&class) {
        return Pattern::DataValidation;
    }
    if STORAGE_CLASSES.contains(&class) && during_output {
        return Pattern::IoManager;
    }
    Pattern::UserCodeError
}

fn retried(story: &StepStory<'_>, key: &str, attempts: usize) -> RetriedStep {
    let mut errors = BTreeSet::new();
    for ev in &story.retries {
        if let Some(err) = ev.error {
            let r = root_error(err);
            errors.insert(match r.class_name {
                Some(c) => format!("{c}: {}", r.message),
                None => r.message,
            });
        }
    }
    RetriedStep {
        step_key: key.to_string(),
        attempts,
        errors: errors.into_iter().collect(),
    }
}

/// `Asset check 'c' on 'a' did not pass.`: Dagster's message of a failed
/// check, for exports that keep no evaluation fields (storage rows).
static CHECK_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Asset check '([^']+)' on '([^']+)' did not pass").expect("valid regex")
});

/// A run's failed asset checks and, when it `succeeded`, its ERROR (or
/// CRITICAL) log lines, each with a warning in words. A check's verdict
/// comes from its evaluation fields when the export has them (their JSON
/// kept by the load), else from its message.
pub(crate) fn quiet_problems_of<'a>(
    archive: &'a Archive,
    run: &Run,
    succeeded: bool,
) -> Vec<(EventView<'a>, String)> {
    let mut checks = Vec::new();
    let mut out = Vec::new();
    for &r in &run.events {
        let ev = archive.event(r);
        match ev.event_type {
            Some("ASSET_CHECK_EVALUATION") => checks.push(r),
            // Dagster's own "Dependencies for step … failed" lines are the
            // cascade, said apart; in a failed run, its error lines are part
            // of the failure's story.
            None if succeeded
                && ev.level >= Level::Error
                && dependency_notice(ev.message).is_none() =>
            {
                let step = ev
                    .step_key
                    .map_or(String::new(), |s| format!(" in step {s}"));
                out.push((
                    ev,
                    format!(
                        "{} log line{step}: {}",
                        ev.level.as_str(),
                        headline(ev.message)
                    ),
                ));
            }
            _ => {}
        }
    }
    let facts: std::collections::HashMap<_, _> = archive
        .asset_facts(&checks)
        .unwrap_or_default()
        .into_iter()
        .collect();
    for r in checks {
        let ev = archive.event(r);
        let check = facts.get(&r);
        let verdict = check.and_then(|f| f.check.as_ref()).and_then(|c| c.success);
        let from_message = CHECK_FAILED.captures(ev.message);
        let failed = verdict.map_or(from_message.is_some(), |ok| !ok);
        if !failed {
            continue;
        }
        let name = check
            .and_then(|f| f.check.as_ref())
            .map(|c| c.name.clone())
            .or_else(|| from_message.as_ref().map(|m| m[1].to_string()))
            .unwrap_or_else(|| "?".into());
        let asset = check
            .and_then(|f| f.asset_key.clone())
            .or_else(|| from_message.as_ref().map(|m| m[2].to_string()));
        let mut w = format!("asset check {name}");
        if let Some(a) = asset {
            w.push_str(&format!(" on {a}"));
        }
        w.push_str(" did not pass");
        if let Some(sev) = check
            .and_then(|f| f.check.as_ref())
            .and_then(|c| c.severity.as_deref())
        {
            w.push_str(&format!(
                " (severity {sev}{})",
                if sev == "ERROR" {
                    ": a blocking check stops the assets downstream"
                } else {
                    ""
                }
            ));
        }
        if let Some(f) = check.filter(|f| !f.metadata.is_empty()) {
            let entries: Vec<String> = f
                .metadata
                .iter()
                .map(|(k, v)| format!("{k}: {}", headline(v)))
                .collect();
            w.push_str(&format!("; {}", entries.join(", ")));
        }
        out.push((ev, w));
    }
    out.sort_by_key(|(ev, _)| ev.timestamp_ms);
    out
}

/// Steps brought down by `roots`, following Dagster's dependency notices.
fn cascade_of(
    roots: &BTreeSet<String>,
    notices: &[(EventView<'_>, String, Vec<String>)],
    stats: &RunStats,
    run_level: bool,
) -> Vec<CascadeStep> {
    let mut down: BTreeSet<String> = roots.clone();
    let mut out: Vec<CascadeStep> = Vec::new();
    loop {
        let before = out.len();
        for (_, step, deps) in notices {
            if down.contains(step) {
                continue;
            }
            let hit = run_level || deps.iter().any(|d| down.contains(d));
            if hit {
                down.insert(step.clone());
                out.push(CascadeStep {
                    step_key: step.clone(),
                    status: stats
                        .steps
                        .iter()
                        .find(|s| &s.step_key == step)
                        .map_or(StepStatus::NotExecuted, |s| s.status),
                    because_of: deps.clone(),
                });
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Where commands in the advice name the inputs: the command line puts the
/// paths the user gave in its place (see [`Diagnosis::name_inputs`]).
pub(crate) const ARCHIVE: &str = "ARCHIVE";

impl Diagnosis {
    /// Puts `inputs` (the paths daglog was given, ready for a shell) in place
    /// of [`ARCHIVE`] in the commands of the next steps.
    pub fn name_inputs(&mut self, inputs: &str) {
        for step in &mut self.next_steps {
            *step = step.replace(ARCHIVE, inputs);
        }
    }
}

/// Advice for a pattern, made specific with what the events name.
fn next_steps(
    pattern: Pattern,
    run: &RunStats,
    root_step: Option<&str>,
    err: Option<&RootError>,
    story: Option<&StepStory<'_>>,
    resource_message: Option<&str>,
    compare_with: Option<&str>,
) -> Vec<String> {
    let step = root_step.unwrap_or("(run level)");
    let run_id = &run.run_id[..run.run_id.len().min(8)];
    let texts: Vec<&str> = err
        .map(|e| e.chain.iter().map(|l| l.message.as_str()).collect())
        .unwrap_or_default();
    let find = |re: &Regex| {
        texts.iter().find_map(|t| {
            re.captures(t)
                .map(|c| c.get(0).map_or("", |m| m.as_str()).to_string())
        })
    };
    let logs = match root_step {
        Some(step) => format!("daglog logs {ARCHIVE} --run-id {run_id} --step-key {step}"),
        None => format!("daglog logs {ARCHIVE} --run-id {run_id} --level error"),
    };
    let mut out = Vec::new();
    match pattern {
        Pattern::ImportError => {
            let module = texts.iter().find_map(|t| {
                MODULE.captures(t).map(|c| {
                    c.get(1)
                        .or(c.get(3))
                        .map_or(String::new(), |m| m.as_str().to_string())
                })
            });
            let module = module.unwrap_or_else(|| "the missing module".into());
            out.push(format!(
                "Check that `{module}` is installed in the Python environment that runs step {step} \
                 (`python -c 'import {module}'` in the code location's image or venv)"
            ));
            out.push("Verify PYTHONPATH and the code location's working directory".into());
            out.push("Review the Docker image or deployment configuration: was a dependency dropped from requirements?".into());
            out.push(format!("Check for circular imports involving `{module}`"));
        }
        Pattern::ResourceInit => {
            let names = resource_message
                .and_then(|m| RESOURCES.captures(m))
                .map(|c| c[1].to_string())
                .unwrap_or_else(|| "the step's resources".into());
            out.push(format!(
                "Check the configuration of resources [{names}] in the run config (`resources:` section) and their definitions"
            ));
            if let Some(e) = err {
                out.push(format!(
                    "Verify credentials and connection strings: initialisation failed with {}: {}",
                    e.class_name.as_deref().unwrap_or("an error"),
                    e.message
                ));
            }
            out.push(
                "Test that the external service is reachable from where the run worker runs".into(),
            );
            out.push(format!(
                "daglog logs {ARCHIVE} --run-id {run_id} --event-type RESOURCE_INIT"
            ));
        }
        Pattern::DataValidation => {
            let input = story
                .and_then(|s| s.context.as_ref())
                .and_then(|c| c.detail)
                .and_then(|d| d.input_name.map(str::to_string))
                .or_else(|| {
                    texts
                        .iter()
                        .find_map(|t| INPUT.captures(t).map(|c| c[1].to_string()))
                });
            let upstream = run
                .steps
                .iter()
                .find(|s| Some(s.step_key.as_str()) == root_step)
                .map(|s| s.upstream.clone())
                .unwrap_or_default();
            if upstream.is_empty() {
                out.push(format!("Check the data step {step} reads from its sources"));
            } else {
                out.push(format!(
                    "Check the outputs of upstream step{} {} that step {step} loads",
                    if upstream.len() == 1 { "" } else { "s" },
                    upstream.join(", ")
                ));
            }
            if let Some(e) = err {
                out.push(format!(
                    "Verify the schema/type expectation that failed: {}: {}",
                    e.class_name.as_deref().unwrap_or("error"),
                    e.message
                ));
            }
            if let Some(i) = input {
                out.push(format!("Review a sample of input `{i}` of step {step}"));
            }
            out.push(format!(
                "{logs} --event-type LOADED_INPUT,STEP_FAILURE,STEP_OUTPUT"
            ));
        }
        Pattern::IoManager => {
            let path = find(&PATH);
            let output = texts
                .iter()
                .find_map(|t| OUTPUT.captures(t).map(|c| c[1].to_string()));
            out.push(format!(
                "Check the IO manager configuration for {} of step {step}",
                output.map_or("the outputs".into(), |o| format!("output `{o}`"))
            ));
            match path {
                Some(p) => out.push(format!(
                    "Verify permissions on {p} for the user the step runs as (and that its parent exists)"
                )),
                None => out.push("Verify permissions on the storage (filesystem, S3, database)".into()),
            }
            out.push("Check disk space or quota limits of the storage".into());
            out.push(format!(
                "{logs} --event-type HANDLED_OUTPUT,LOADED_INPUT,STEP_OUTPUT"
            ));
        }
        Pattern::TimeoutHang => {
            out.push(format!(
                "Look at what step {step} was doing before it went silent: {logs}"
            ));
            out.push("Check its blocking operations (network calls, locks, waits on files or queues) for a missing timeout".into());
            out.push("Set a limit so a hang fails fast: the `dagster/max_runtime` run tag, or a timeout inside the op".into());
            out.push(format!(
                "daglog timeline {ARCHIVE} --run-id {run_id} --gap 10s"
            ));
        }
        Pattern::UpstreamDependency => {
            out.push(format!("Check the status of the steps upstream of {step}: daglog stats {ARCHIVE} --run-id {run_id}"));
            out.push("Check that the upstream outputs exist in the IO manager's storage (a re-execution reads them from the parent run)".into());
            out.push(format!("{logs} --event-type LOADED_INPUT,STEP_FAILURE"));
        }
        Pattern::ProcessCrash => {
            out.push(format!(
                "The process of step {step} was killed or crashed: check the memory limit of its container or host (signal 9 is usually the OOM killer)"
            ));
            out.push("Check the host's kernel log / the orchestrator's events for OOM kills at that time".into());
            out.push(format!(
                "daglog logs {ARCHIVE} --run-id {run_id} --event-type ENGINE_EVENT,STEP_FAILURE"
            ));
        }
        Pattern::Canceled => {
            out.push("The run was canceled by a termination request, not by an error: check who or what canceled it (UI, sensor, run monitoring)".into());
            out.push(format!("daglog logs {ARCHIVE} --run-id {run_id} --event-type RUN_CANCELING,RUN_CANCELED,ENGINE_EVENT"));
        }
        Pattern::StillRunning => {
            out.push("The run was still going when it was exported: export it again once it has ended (or look at its status in the UI) before calling it a hang".into());
            out.push(format!("What step {step} was doing last: {logs}"));
        }
        Pattern::HookError => {
            out.push(format!(
                "Fix the failing hook of step {step}; the step's own work is not affected"
            ));
            out.push(format!(
                "{logs} --event-type HOOK_ERRORED,HOOK_COMPLETED,HOOK_SKIPPED"
            ));
        }
        Pattern::UserCodeError | Pattern::Unknown => {
            if let Some(e) = err {
                out.push(format!(
                    "Fix the error in step {step}: {}{}",
                    e.class_name
                        .as_deref()
                        .map_or(String::new(), |c| format!("{c}: ")),
                    headline(&e.message)
                ));
            }
            out.push(format!(
                "Read the step's events with the whole error and its stack: {logs} --full"
            ));
        }
    }
    if let Some(ok) = compare_with {
        out.push(format!(
            "Compare with the successful run {} of the same job: daglog compare {} {run_id} {ARCHIVE}",
            &ok[..ok.len().min(8)],
            &ok[..ok.len().min(8)]
        ));
    }
    out
}

/// Diagnoses one run. `gaps` are the run's silences and hang signs;
/// `failure_reason` is Dagster's `dagster/failure_reason` tag if known;
/// `successful_sibling` a successful run of the same job, to compare with.
pub fn diagnose(
    archive: &Archive,
    run: &Run,
    stats: &RunStats,
    gaps: &RunGaps,
    failure_reason: Option<String>,
    successful_sibling: Option<&str>,
    record_status: Option<RunStatus>,
) -> Diagnosis {
    let reading = read(archive, run);
    let mut warnings = Vec::new();
    // An export cut short (its last page says hasMore: true) lacks the run's
    // end: its status comes from the run record, and its silence is no hang.
    let status = match record_status {
        Some(r) if run.truncated && r.is_terminal() => r,
        _ => stats.status,
    };
    if run.truncated {
        warnings.push(format!(
            "the export of this run is incomplete: it ends on a page with hasMore: true, so its later events are missing{}",
            if status != stats.status {
                format!("; its status, {}, comes from its run record", status.as_str())
            } else {
                String::new()
            }
        ));
    }

    // Retries: flaky (retried, then succeeded) and exhausted.
    let mut flaky_steps = Vec::new();
    let mut retries_exhausted = Vec::new();
    for s in &stats.steps {
        let Some(story) = reading.steps.get(&s.step_key) else {
            continue;
        };
        if story.retries.is_empty() {
            continue;
        }
        let r = retried(story, &s.step_key, s.attempts.len());
        match s.status {
            StepStatus::Success => flaky_steps.push(r),
            StepStatus::Failure => retries_exhausted.push(r),
            _ => {}
        }
    }
    for r in &flaky_steps {
        warnings.push(format!(
            "step {} is flaky: it succeeded on attempt {} after {}",
            r.step_key,
            r.attempts,
            r.errors.join("; ")
        ));
    }
    for (key, story) in &reading.steps {
        for h in &story.hook_errors {
            warnings.push(format!(
                "a hook of step {key} failed: {}",
                h.error
                    .map_or_else(|| h.message.to_string(), ErrorInfo::summary)
            ));
        }
    }
    if stats.truncated {
        warnings.push(
            "the export is incomplete (its last page says hasMore: true): later events are missing"
                .into(),
        );
    }
    // What a run that succeeded can still hide: failed asset checks and
    // ERROR log lines. Said for every run, with the events as evidence.
    let mut quiet_problems = Vec::new();
    for (ev, warning) in quiet_problems_of(archive, run, status == RunStatus::Success) {
        warnings.push(warning);
        quiet_problems.push(EventSummary::of(&ev));
    }

    // Independent failures: failed steps not brought down by another failed step.
    let notices = &reading.dependency_notices;
    let mut failed: Vec<(&String, &StepStory<'_>)> = reading
        .steps
        .iter()
        .filter(|(_, s)| s.failure.is_some() || s.resource_failure.is_some())
        .collect();
    failed.sort_by_key(|(_, s)| {
        s.resource_failure
            .as_ref()
            .or(s.failure.as_ref())
            .map_or(i64::MAX, |e| e.timestamp_ms)
    });
    let mut roots: Vec<RootFailure> = Vec::new();
    for (key, story) in &failed {
        let mut pattern = classify_step(story);
        let event = story.resource_failure.as_ref().or(story.failure.as_ref());
        let err = story
            .resource_failure
            .as_ref()
            .and_then(|e| e.error)
            .or(story.failure.as_ref().and_then(|e| e.error));
        if pattern == Pattern::Canceled
            && !matches!(stats.status, RunStatus::Canceled | RunStatus::Canceling)
        {
            // Interrupted without a cancel: the run was stopped from outside (run monitoring, a timeout).
            pattern = Pattern::TimeoutHang;
        }
        let one: BTreeSet<String> = [(*key).clone()].into();
        roots.push(RootFailure {
            step_key: Some((*key).clone()),
            pattern,
            root_error: err.map(root_error),
            time: event.map_or(0.0, |e| seconds(e.timestamp_ms)),
            cascade: cascade_of(&one, notices, stats, false),
        });
    }
    // Run-level errors (resource init in the run process, a crash of the run
    // worker) come before any step could fail.
    let run_level = reading
        .run_level_errors
        .first()
        .or(if roots.is_empty() {
            reading.run_failure.as_ref()
        } else {
            None
        })
        .filter(|e| e.error.is_some());
    if let Some(ev) = run_level {
        let err = ev.error.expect("filtered on error");
        let pattern = if RESOURCES.is_match(ev.message) {
            Pattern::ResourceInit
        } else {
            classify_error(err, false)
        };
        if roots.is_empty() || pattern == Pattern::ResourceInit {
            roots.insert(
                0,
                RootFailure {
                    step_key: None,
                    pattern,
                    root_error: Some(root_error(err)),
                    time: seconds(ev.timestamp_ms),
                    cascade: cascade_of(&BTreeSet::new(), notices, stats, true),
                },
            );
        }
    }
    // Steps brought down by an earlier root are consequences, not roots.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    roots.retain(|r| {
        let consequence = r.step_key.as_ref().is_some_and(|k| seen.contains(k));
        seen.extend(r.cascade.iter().map(|c| c.step_key.clone()));
        !consequence
    });

    // Hangs and cancels decide before errors: the interrupt is the symptom.
    // A run with no end is a hang only when a long silence shows it; else it
    // was still going when exported (a snapshot). An incomplete export
    // shows neither.
    let canceled = matches!(status, RunStatus::Canceled | RunStatus::Canceling);
    let open = !gaps.open_steps.is_empty();
    let long_silence = !gaps.gaps.is_empty();
    let unfinished =
        (open && !status.is_terminal()) || (gaps.no_terminal_event && gaps.hang_candidate);
    let hang = !run.truncated && (gaps.canceled_after_silence || (unfinished && long_silence));
    let still_running = !run.truncated && !hang && unfinished && !canceled && !status.is_terminal();
    let mut evidence: Vec<EventSummary> = Vec::new();
    let (pattern, root) = if status == RunStatus::Success {
        (None, None)
    } else if still_running {
        let step = gaps.open_steps.first().cloned();
        if let Some(&last) = run.events.last() {
            evidence.push(EventSummary::with_error(&archive.event(last)));
        }
        let root = RootFailure {
            step_key: step,
            pattern: Pattern::StillRunning,
            root_error: None,
            time: gaps.last_event_time,
            cascade: Vec::new(),
        };
        (Some(Pattern::StillRunning), Some(root))
    } else if hang {
        let step = gaps
            .gaps
            .iter()
            .find(|g| !g.open_steps.is_empty())
            .and_then(|g| g.open_steps.first().cloned())
            .or_else(|| gaps.open_steps.first().cloned());
        if let Some(g) = gaps.gaps.first() {
            evidence.push(g.before.clone());
            evidence.push(g.after.clone());
        }
        // The open step's start and the last thing the run said.
        if let Some(start) = step.as_ref().and_then(|k| {
            run.events
                .iter()
                .map(|&e| archive.event(e))
                .find(|ev| ev.step_key == Some(k.as_str()) && ev.event_type == Some("STEP_START"))
        }) {
            evidence.push(EventSummary::with_error(&start));
        }
        if let Some(&last) = run.events.last() {
            evidence.push(EventSummary::with_error(&archive.event(last)));
        }
        let root = roots
            .iter()
            .find(|r| r.step_key.is_some() && r.step_key == step)
            .cloned()
            .unwrap_or(RootFailure {
                step_key: step,
                pattern: Pattern::TimeoutHang,
                root_error: None,
                time: gaps.last_event_time,
                cascade: Vec::new(),
            });
        (Some(Pattern::TimeoutHang), Some(root))
    } else if let Some(first) = roots.first() {
        (Some(first.pattern), Some(first.clone()))
    } else if canceled {
        (Some(Pattern::Canceled), None)
    } else if reading.steps.values().any(|s| !s.hook_errors.is_empty()) {
        (Some(Pattern::HookError), None)
    } else {
        (Some(Pattern::Unknown), None)
    };
    let root_step = root.as_ref().and_then(|r| r.step_key.clone());
    let other_failures: Vec<RootFailure> = roots
        .iter()
        .filter(|r| {
            root.as_ref()
                .is_none_or(|x| x.step_key != r.step_key || x.time != r.time)
        })
        .cloned()
        .collect();
    let mut cascade = root.as_ref().map(|r| r.cascade.clone()).unwrap_or_default();
    if cascade.is_empty()
        && let Some(step) = &root_step
    {
        cascade = cascade_of(&[step.clone()].into(), notices, stats, false);
    }

    // Evidence: the root's own events, what it brought down, how the run ended.
    let story = root_step.as_ref().and_then(|k| reading.steps.get(k));
    if let Some(s) = story {
        for ev in s.retries.iter().take(3) {
            evidence.push(EventSummary::with_error(ev));
        }
        if let Some(c) = &s.context {
            evidence.push(EventSummary::with_error(c));
        }
        if let Some(r) = &s.resource_failure {
            evidence.push(EventSummary::with_error(r));
        }
        if let Some(f) = &s.failure {
            evidence.push(EventSummary::with_error(f));
        }
    } else if let Some(ev) = reading.run_level_errors.first() {
        evidence.push(EventSummary::with_error(ev));
    }
    for c in &cascade {
        if let Some((ev, _, _)) = notices.iter().find(|(_, s, _)| s == &c.step_key) {
            evidence.push(EventSummary::with_error(ev));
        }
    }
    for ev in &reading.crash_notices {
        evidence.push(EventSummary::with_error(ev));
    }
    if let Some(ev) = reading.cancel.as_ref().or(reading.terminal.as_ref()) {
        evidence.push(EventSummary::with_error(ev));
    }
    evidence.extend(quiet_problems);
    evidence.sort_by(|a, b| a.timestamp.total_cmp(&b.timestamp));
    evidence.dedup_by(|a, b| a.timestamp == b.timestamp && a.message == b.message);

    let root_error = root.as_ref().and_then(|r| r.root_error.clone());
    let resource_message = story
        .and_then(|s| s.resource_failure.as_ref())
        .or(reading.run_level_errors.first())
        .map(|e| e.message);
    let next_steps = match pattern {
        Some(p) => next_steps(
            p,
            stats,
            root_step.as_deref(),
            root_error.as_ref(),
            story,
            resource_message,
            successful_sibling,
        ),
        None => Vec::new(),
    };
    let mut summary = summarise(
        pattern,
        stats,
        root_step.as_deref(),
        root_error.as_ref(),
        &cascade,
        gaps,
        &other_failures,
    );
    if run.truncated && pattern == Some(Pattern::Unknown) && root_error.is_none() {
        summary = "the export is incomplete (it ends on hasMore: true) and what it holds shows no \
                   failure: export the rest of the run's events (or its run.json) to know how it ended"
            .into();
    }
    if let Some(r) = retries_exhausted
        .iter()
        .find(|r| Some(&r.step_key) == root_step.as_ref())
    {
        summary.push_str(&format!(
            "; step {} failed after {} attempts (retries exhausted)",
            r.step_key, r.attempts
        ));
    }
    Diagnosis {
        run_id: stats.run_id.clone(),
        job_name: stats.job_name.clone(),
        status,
        pattern,
        summary,
        root_step,
        root_error,
        cascade,
        other_failures,
        flaky_steps,
        retries_exhausted,
        warnings,
        failure_reason,
        evidence,
        next_steps,
        captured_stderr: None,
    }
}

/// A run known only from its record: what the record says, and that its
/// events are not in the archive.
pub(crate) fn record_only(m: &daglog_ingest::RunMeta, status: RunStatus) -> Diagnosis {
    let failure_reason = crate::meta::failure_reason(m);
    let reason = failure_reason
        .as_deref()
        .map_or(String::new(), |r| format!(", dagster/failure_reason {r}"));
    let short = &m.run_id[..m.run_id.len().min(8)];
    Diagnosis {
        run_id: m.run_id.clone(),
        job_name: m.job_name.clone(),
        status,
        pattern: (status != RunStatus::Success).then_some(Pattern::Unknown),
        summary: format!(
            "known only from its run record ({}{reason}): no events of it in the archive",
            status.as_str()
        ),
        root_step: None,
        root_error: None,
        cascade: Vec::new(),
        other_failures: Vec::new(),
        flaky_steps: Vec::new(),
        retries_exhausted: Vec::new(),
        warnings: Vec::new(),
        failure_reason,
        evidence: Vec::new(),
        next_steps: vec![format!(
            "Export its events to diagnose it: logsForRun over GraphQL (the reference's get_run_logs.py --run-id {short}), `dagster debug export {} debug.gzip`, or the instance's storage",
            m.run_id
        )],
        captured_stderr: None,
    }
}

fn summarise(
    pattern: Option<Pattern>,
    stats: &RunStats,
    root_step: Option<&str>,
    err: Option<&RootError>,
    cascade: &[CascadeStep],
    gaps: &RunGaps,
    others: &[RootFailure],
) -> String {
    let Some(pattern) = pattern else {
        return "the run succeeded".into();
    };
    let at = root_step.map_or("at run level".to_string(), |s| format!("in step {s}"));
    let error = err.map_or(String::new(), |e| {
        format!(
            ": {}{}",
            e.class_name
                .as_deref()
                .map_or(String::new(), |c| format!("{c}: ")),
            headline(&e.message)
        )
    });
    let mut s = match pattern {
        Pattern::TimeoutHang => {
            let silence = gaps.largest_gap_ms as f64 / 1000.0;
            if gaps.canceled_after_silence {
                format!("hang {at}: {silence:.0}s without an event, then the run was canceled")
            } else {
                format!(
                    "hang {at}: the run has no end and the step never finished (longest silence {silence:.0}s)"
                )
            }
        }
        Pattern::Canceled => format!("canceled {at}, with no sign of a hang"),
        Pattern::StillRunning => format!(
            "still running when exported, {at}: no end yet, and no long silence between its events shows a hang"
        ),
        Pattern::Unknown if err.is_none() => match stats.status {
            RunStatus::Queued => "the run is still queued: it never started".into(),
            RunStatus::Starting => "the run never started executing".into(),
            _ => "the events do not say why the run did not succeed".into(),
        },
        p => format!("{} {at}{error}", p.as_str()),
    };
    if !cascade.is_empty() {
        s.push_str(&format!(
            "; {} downstream step{} not run because of it",
            cascade.len(),
            if cascade.len() == 1 { "" } else { "s" }
        ));
    }
    if !others.is_empty() {
        s.push_str(&format!(
            "; {} other independent failure{}",
            others.len(),
            if others.len() == 1 { "" } else { "s" }
        ));
    }
    s
}
