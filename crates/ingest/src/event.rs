//! The event model: what daglog reads out of every exported event, whatever
//! the export's shape or Dagster version.

use crate::schema::Level;
use crate::time::{self, EpochMs};

/// One link of an error chain: the exception's class and message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorLink {
    /// Short class name (`ModuleNotFoundError`). Older Dagster versions leave
    /// it out of `cause`; it is then read from the message's `Class: text` prefix.
    #[serde(rename = "className")]
    pub class_name: Option<String>,
    /// The message without its trailing newline.
    pub message: String,
}

/// An event's error: the chain from Dagster's wrapper down to the root cause.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorInfo {
    /// Outermost error first; `chain.last()` is the root cause.
    pub chain: Vec<ErrorLink>,
    /// The outermost error's stack frames (mostly Dagster's own).
    pub stack: Vec<String>,
    /// The stack of the deepest cause that has one: where the user's code
    /// raised. Empty when no cause carries frames.
    #[serde(rename = "causeStack")]
    pub cause_stack: Vec<String>,
    /// `errorSource` when exported (`USER_CODE_ERROR`, `FRAMEWORK_ERROR`, `INTERRUPT`…).
    #[serde(rename = "errorSource")]
    pub error_source: Option<String>,
}

impl ErrorLink {
    /// The message without Dagster's `"<qualified class>: "` prefix (empty for
    /// a message-less exception, which prints as its class name alone).
    pub fn text(&self) -> &str {
        match &self.class_name {
            Some(c) => strip_class_prefix(&self.message, c),
            None => &self.message,
        }
    }
}

impl ErrorInfo {
    /// The chain as `Outer ← Inner: message of the root`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (i, link) in self.chain.iter().enumerate() {
            if i > 0 {
                out.push_str(" ← ");
            }
            let last = i + 1 == self.chain.len();
            match (&link.class_name, last) {
                (Some(c), false) => out.push_str(c),
                (Some(c), true) => {
                    out.push_str(c);
                    let text = link.text();
                    if !text.is_empty() {
                        out.push_str(": ");
                        out.push_str(text);
                    }
                }
                (None, _) => out.push_str(&link.message),
            }
        }
        out
    }

    /// The stack where the error was raised: the deepest cause's frames,
    /// else the outer error's.
    pub fn raised_stack(&self) -> &[String] {
        if self.cause_stack.is_empty() {
            &self.stack
        } else {
            &self.cause_stack
        }
    }

    /// The index in [`Self::raised_stack`] of the user's own frame: the
    /// deepest frame outside Python's library and installed packages, else
    /// the deepest one outside Dagster.
    pub fn user_frame(&self) -> Option<usize> {
        user_frame_of(self.raised_stack())
    }

    /// Every message of the chain, for `--grep`.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.chain.iter().flat_map(|l| {
            l.class_name
                .as_deref()
                .into_iter()
                .chain([l.message.as_str()])
        })
    }
}

/// The path of a Python traceback frame (`  File "/x.py", line 3, in f`).
fn frame_path(frame: &str) -> &str {
    frame
        .trim_start()
        .strip_prefix("File \"")
        .and_then(|rest| rest.split_once('"'))
        .map_or("", |(path, _)| path)
}

/// Which frame of a stack is the user's: the deepest one that is neither
/// Python's own library nor an installed package; failing that (a project
/// installed into `site-packages`), the deepest one outside Dagster.
fn user_frame_of(stack: &[String]) -> Option<usize> {
    let paths: Vec<String> = stack
        .iter()
        .map(|f| frame_path(f).replace('\\', "/"))
        .collect();
    let installed = |p: &str| p.contains("/site-packages/") || p.contains("/dist-packages/");
    let python = |p: &str| {
        p.is_empty() || p.starts_with('<') || p.contains("/lib/python") || p.contains("/Lib/")
    };
    let dagster = |p: &str| {
        p.split('/').any(|part| {
            part == "dagster" || part.starts_with("dagster_") || part.starts_with("dagster-")
        })
    };
    paths
        .iter()
        .rposition(|p| !installed(p) && !python(p))
        .or_else(|| paths.iter().rposition(|p| installed(p) && !dagster(p)))
}

/// Dagster messages are `"<qualified class>: <text>\n"`; returns `<text>`.
fn strip_class_prefix<'a>(message: &'a str, class: &str) -> &'a str {
    match message.split_once(": ") {
        Some((head, rest)) if head == class || head.ends_with(&format!(".{class}")) => rest,
        _ if message == class || message.ends_with(&format!(".{class}")) => "",
        _ => message,
    }
}

/// Reads the short class name from a message such as
/// `"ModuleNotFoundError: No module named 'x'"` or `"socket.gaierror: …"`.
pub(crate) fn class_from_message(message: &str) -> Option<String> {
    let head = message.split_once(": ").map_or(message, |(h, _)| h);
    let short = head.rsplit('.').next()?;
    let plausible = !short.is_empty()
        && short
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && short.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    plausible.then(|| short.to_string())
}

/// The type-specific fields that step and run analysis reads: resource and
/// worker markers, inputs with their upstream step, outputs, the job name of
/// run events, a retry's wait. Only events that carry one of them have it.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDetail<'a> {
    /// `markerStart` (`step_process_start`, `resources`…) of engine, worker and resource events.
    pub marker_start: Option<&'a str>,
    /// `markerEnd`.
    pub marker_end: Option<&'a str>,
    /// `inputName` of `LOADED_INPUT` and `STEP_INPUT` events.
    pub input_name: Option<&'a str>,
    /// `outputName` of `STEP_OUTPUT` and `HANDLED_OUTPUT` events.
    pub output_name: Option<&'a str>,
    /// `upstreamStepKey` of `LOADED_INPUT`: the step that produced the input.
    pub upstream_step_key: Option<&'a str>,
    /// `upstreamOutputName` of `LOADED_INPUT`.
    pub upstream_output_name: Option<&'a str>,
    /// `pipelineName` of run events: the job.
    pub pipeline_name: Option<&'a str>,
    /// `secondsToWait` of `STEP_UP_FOR_RETRY`.
    pub seconds_to_wait: Option<f64>,
}

impl<'a> EventDetail<'a> {
    /// `None` when no field is set, so most events store nothing.
    pub(crate) fn if_any(self) -> Option<Self> {
        (self != Self::default()).then_some(self)
    }

    /// The string fields, in declaration order.
    pub(crate) fn strings(&self) -> [Option<&'a str>; 7] {
        [
            self.marker_start,
            self.marker_end,
            self.input_name,
            self.output_name,
            self.upstream_step_key,
            self.upstream_output_name,
            self.pipeline_name,
        ]
    }

    /// The inverse of [`EventDetail::strings`].
    pub(crate) fn from_strings(s: [Option<&'a str>; 7], seconds_to_wait: Option<f64>) -> Self {
        let [
            marker_start,
            marker_end,
            input_name,
            output_name,
            upstream_step_key,
            upstream_output_name,
            pipeline_name,
        ] = s;
        EventDetail {
            marker_start,
            marker_end,
            input_name,
            output_name,
            upstream_step_key,
            upstream_output_name,
            pipeline_name,
            seconds_to_wait,
        }
    }
}

/// A timestamp as exported: a string (ms, seconds or ISO 8601) or a number.
#[derive(Debug)]
pub(crate) enum RawTime<'a> {
    Text(&'a str),
    Number(f64),
}

impl RawTime<'_> {
    pub(crate) fn epoch_ms(&self) -> Option<EpochMs> {
        match self {
            RawTime::Text(s) => time::parse(s),
            RawTime::Number(n) => time::from_number(*n),
        }
    }

    /// The value as a number (`secondsToWait`), from either form.
    pub(crate) fn number(&self) -> Option<f64> {
        match self {
            RawTime::Text(s) => s.parse().ok(),
            RawTime::Number(n) => Some(*n),
        }
    }

    /// A level as exported: a name (`"ERROR"`) or Python's number (40).
    pub(crate) fn level(&self) -> Option<Level> {
        match self {
            RawTime::Text(s) => Level::from_name(s),
            RawTime::Number(n) => Some(Level::from_number(*n)),
        }
    }
}

impl std::fmt::Display for RawTime<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawTime::Text(s) => write!(f, "{s:?}"),
            RawTime::Number(n) => write!(f, "{n}"),
        }
    }
}

/// A GraphQL `PythonError` (`message`, `className`, `stack`, `cause`).
#[derive(Debug, Default)]
pub(crate) struct RawError<'a> {
    pub(crate) message: Option<&'a str>,
    pub(crate) class_name: Option<&'a str>,
    pub(crate) stack: Vec<&'a str>,
    pub(crate) cause: Option<Box<RawError<'a>>>,
}

impl RawError<'_> {
    pub(crate) fn into_info(self, error_source: Option<&str>) -> ErrorInfo {
        let frames =
            |e: &RawError<'_>| -> Vec<String> { e.stack.iter().map(|f| f.to_string()).collect() };
        let stack = frames(&self);
        let mut chain = Vec::new();
        let mut cause_stack = Vec::new();
        let mut next = Some(self);
        let mut outer = true;
        while let Some(e) = next {
            chain.push(link(e.class_name, e.message));
            if !outer {
                let f = frames(&e);
                if !f.is_empty() {
                    cause_stack = f;
                }
            }
            outer = false;
            next = e.cause.map(|b| *b);
        }
        ErrorInfo {
            chain,
            stack,
            cause_stack,
            error_source: error_source.map(str::to_string),
        }
    }
}

/// Builds a chain link, filling a missing class name from the message.
pub(crate) fn link(class_name: Option<&str>, message: Option<&str>) -> ErrorLink {
    let message = message.unwrap_or("").trim_end_matches('\n').to_string();
    let class_name = class_name
        .map(str::to_string)
        .or_else(|| class_from_message(&message));
    ErrorLink {
        class_name,
        message,
    }
}

/// The fields daglog reads from one GraphQL event object (see
/// [`crate::tape::event`]). Everything else is kept, byte for byte, in the
/// event's original JSON.
#[derive(Debug, Default)]
pub(crate) struct RawEvent<'a> {
    pub(crate) typename: Option<&'a str>,
    pub(crate) run_id: Option<&'a str>,
    pub(crate) message: Option<&'a str>,
    pub(crate) timestamp: Option<RawTime<'a>>,
    pub(crate) level: Option<RawTime<'a>>,
    pub(crate) step_key: Option<&'a str>,
    pub(crate) event_type: Option<&'a str>,
    pub(crate) error: Option<RawError<'a>>,
    pub(crate) error_source: Option<&'a str>,
    /// Markers, inputs, outputs, job name, retry wait, as read.
    pub(crate) detail: EventDetail<'a>,
    /// How many top-level fields the object had: the richer copy of a
    /// duplicated event is the one with more.
    pub(crate) field_count: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_real_failure_event() {
        let mut json = br#"{"__typename":"ExecutionStepFailureEvent","runId":"r","message":"Execution of step \"b\" failed.","timestamp":"1795501883000","level":"ERROR","stepKey":"b","eventType":"STEP_FAILURE","error":{"message":"dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op \"b\":\n","className":"DagsterExecutionStepExecutionError","stack":["  File \"x.py\", line 1\n"],"cause":{"message":"ModuleNotFoundError: No module named 'snowflake'\n","className":"ModuleNotFoundError","stack":[],"cause":null}},"errorSource":"USER_CODE_ERROR","metadataEntries":[{"label":"x"}]}"#.to_vec();
        let tape = simd_json::to_tape(&mut json).unwrap();
        let ev = crate::tape::event(&tape.0, 0).unwrap();
        assert_eq!(ev.field_count, 10);
        assert_eq!(ev.message, Some("Execution of step \"b\" failed."));
        assert_eq!(ev.timestamp.unwrap().epoch_ms(), Some(1_795_501_883_000));
        let info = ev.error.unwrap().into_info(ev.error_source);
        assert_eq!(
            info.summary(),
            "DagsterExecutionStepExecutionError ← ModuleNotFoundError: No module named 'snowflake'"
        );
        assert_eq!(info.error_source.as_deref(), Some("USER_CODE_ERROR"));
    }

    #[test]
    fn old_causes_without_class_names_still_chain() {
        let l = link(None, Some("ModuleNotFoundError: No module named 'x'\n"));
        assert_eq!(l.class_name.as_deref(), Some("ModuleNotFoundError"));
        let l = link(
            None,
            Some("socket.gaierror: [Errno -2] Name or service not known\n"),
        );
        assert_eq!(l.class_name.as_deref(), Some("gaierror"));
        let l = link(None, Some("Something went wrong: badly"));
        assert_eq!(l.class_name, None);
    }

    #[test]
    fn message_less_exceptions_summarise_as_their_class() {
        let info = ErrorInfo {
            chain: vec![link(
                Some("DagsterExecutionInterruptedError"),
                Some("dagster._core.errors.DagsterExecutionInterruptedError\n"),
            )],
            stack: vec![],
            cause_stack: vec![],
            error_source: None,
        };
        assert_eq!(info.summary(), "DagsterExecutionInterruptedError");
    }

    fn frame(path: &str, function: &str) -> String {
        format!("  File \"{path}\", line 7, in {function}\n    x = 1\n")
    }

    #[test]
    fn the_user_frame_is_the_deepest_outside_libraries() {
        let dagster = frame(
            "/opt/venv/lib/python3.11/site-packages/dagster/_core/execution/plan/compute.py",
            "execute_core_compute",
        );
        let stdlib = frame("/usr/local/lib/python3.11/contextlib.py", "__exit__");
        let user = frame("/opt/pipelines/cases.py", "validate_schema");
        let pandas = frame(
            "/opt/venv/lib/python3.11/site-packages/pandas/core/frame.py",
            "__getitem__",
        );
        assert_eq!(
            user_frame_of(&[
                dagster.clone(),
                user.clone(),
                pandas.clone(),
                stdlib.clone()
            ]),
            Some(1),
            "the user's file, not pandas or Python below it"
        );
        // A project installed into site-packages: its frame, not Dagster's.
        let installed = frame(
            "/opt/venv/lib/python3.11/site-packages/my_project/assets.py",
            "orders",
        );
        assert_eq!(
            user_frame_of(&[dagster.clone(), installed, stdlib.clone()]),
            Some(1)
        );
        assert_eq!(user_frame_of(&[dagster.clone(), stdlib]), None);
        let windows = frame(r"C:\work\proj\defs.py", "load");
        assert_eq!(user_frame_of(&[dagster, windows]), Some(1));
        assert_eq!(
            user_frame_of(&["<frozen importlib._bootstrap>".into()]),
            None
        );
    }
}
