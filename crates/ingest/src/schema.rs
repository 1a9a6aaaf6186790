//! Dagster's log levels and event types, mirrored from `LogLevel` and
//! `DagsterEventType` in Dagster's GraphQL schema.

use std::fmt;

/// A Dagster log level, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// `DEBUG` (10).
    #[default]
    Debug,
    /// `INFO` (20).
    Info,
    /// `WARNING` (30).
    Warning,
    /// `ERROR` (40).
    Error,
    /// `CRITICAL` (50).
    Critical,
}

impl Level {
    /// All levels, least severe first.
    pub const ALL: [Level; 5] = [
        Level::Debug,
        Level::Info,
        Level::Warning,
        Level::Error,
        Level::Critical,
    ];

    /// The name Dagster's GraphQL API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// Parses a level name case-insensitively (`WARN` and `FATAL` are accepted too).
    pub fn from_name(name: &str) -> Option<Level> {
        const NAMES: [(&str, Level); 7] = [
            ("DEBUG", Level::Debug),
            ("INFO", Level::Info),
            ("WARNING", Level::Warning),
            ("WARN", Level::Warning),
            ("ERROR", Level::Error),
            ("CRITICAL", Level::Critical),
            ("FATAL", Level::Critical),
        ];
        // Exports spell them in capitals; other spellings are accepted too,
        // without an allocation per event.
        NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .or_else(|| NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .map(|&(_, level)| level)
    }

    /// Maps Python's numeric levels (10..50, as in `dagster debug export` bundles);
    /// values between the named ones round down, as `logging` does.
    pub fn from_number(n: f64) -> Level {
        match n {
            n if n >= 50.0 => Level::Critical,
            n if n >= 40.0 => Level::Error,
            n if n >= 30.0 => Level::Warning,
            n if n >= 20.0 => Level::Info,
            _ => Level::Debug,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rewrites the old `PIPELINE_*` spelling of run events to `RUN_*`; both
/// spellings mean the same event and coexist in archives that span versions.
pub fn normalize_event_type(name: &str) -> std::borrow::Cow<'_, str> {
    match name.strip_prefix("PIPELINE_") {
        Some(rest) => std::borrow::Cow::Owned(format!("RUN_{rest}")),
        None => std::borrow::Cow::Borrowed(name),
    }
}

/// Event types this version of daglog knows. Anything else is kept as it was
/// exported and counted as unknown, never rejected: new Dagster versions add types.
pub const KNOWN_EVENT_TYPES: &[&str] = &[
    "STEP_OUTPUT",
    "STEP_INPUT",
    "STEP_FAILURE",
    "STEP_START",
    "STEP_SUCCESS",
    "STEP_SKIPPED",
    "STEP_WORKER_STARTING",
    "STEP_WORKER_STARTED",
    "RESOURCE_INIT_STARTED",
    "RESOURCE_INIT_SUCCESS",
    "RESOURCE_INIT_FAILURE",
    "STEP_UP_FOR_RETRY",
    "STEP_RESTARTED",
    "ASSET_MATERIALIZATION",
    "ASSET_MATERIALIZATION_PLANNED",
    "ASSET_FAILED_TO_MATERIALIZE",
    "ASSET_OBSERVATION",
    "STEP_EXPECTATION_RESULT",
    "ASSET_CHECK_EVALUATION_PLANNED",
    "ASSET_CHECK_EVALUATION",
    "ASSET_HEALTH_CHANGED",
    "ASSET_WIPED",
    "RUN_ENQUEUED",
    "RUN_DEQUEUED",
    "RUN_STARTING",
    "RUN_START",
    "RUN_SUCCESS",
    "RUN_FAILURE",
    "RUN_CANCELING",
    "RUN_CANCELED",
    "RUN_SUSPENDED",
    "RUN_RESUMED",
    "OBJECT_STORE_OPERATION",
    "ASSET_STORE_OPERATION",
    "LOADED_INPUT",
    "HANDLED_OUTPUT",
    "ENGINE_EVENT",
    "HOOK_COMPLETED",
    "HOOK_ERRORED",
    "HOOK_SKIPPED",
    "ALERT_START",
    "ALERT_SUCCESS",
    "ALERT_FAILURE",
    "LOGS_CAPTURED",
    "FRESHNESS_STATE_EVALUATION",
    "FRESHNESS_STATE_CHANGE",
    "CODE_LOCATION_UPDATED",
];

/// Whether `event_type` (already normalised) is one daglog knows.
pub fn is_known_event_type(event_type: &str) -> bool {
    KNOWN_EVENT_TYPES.contains(&event_type)
}

/// The GraphQL `__typename` Dagster uses for an event type, for events that
/// arrive without one (debug bundles). Taken from real 1.13 exports.
pub fn typename_for(event_type: Option<&str>) -> &'static str {
    let Some(t) = event_type else {
        return "LogMessageEvent";
    };
    match t {
        "ASSET_CHECK_EVALUATION" => "AssetCheckEvaluationEvent",
        "ASSET_CHECK_EVALUATION_PLANNED" => "AssetCheckEvaluationPlannedEvent",
        "ASSET_MATERIALIZATION" => "MaterializationEvent",
        "ASSET_MATERIALIZATION_PLANNED" => "AssetMaterializationPlannedEvent",
        "ASSET_FAILED_TO_MATERIALIZE" => "FailedToMaterializeEvent",
        "ASSET_OBSERVATION" => "ObservationEvent",
        "ASSET_HEALTH_CHANGED" => "HealthChangedEvent",
        "ENGINE_EVENT" => "EngineEvent",
        "HANDLED_OUTPUT" => "HandledOutputEvent",
        "HOOK_COMPLETED" => "HookCompletedEvent",
        "HOOK_ERRORED" => "HookErroredEvent",
        "HOOK_SKIPPED" => "HookSkippedEvent",
        "LOADED_INPUT" => "LoadedInputEvent",
        "LOGS_CAPTURED" => "LogsCapturedEvent",
        "OBJECT_STORE_OPERATION" => "ObjectStoreOperationEvent",
        "RESOURCE_INIT_FAILURE" => "ResourceInitFailureEvent",
        "RESOURCE_INIT_STARTED" => "ResourceInitStartedEvent",
        "RESOURCE_INIT_SUCCESS" => "ResourceInitSuccessEvent",
        "RUN_CANCELED" => "RunCanceledEvent",
        "RUN_CANCELING" => "RunCancelingEvent",
        "RUN_DEQUEUED" => "RunDequeuedEvent",
        "RUN_ENQUEUED" => "RunEnqueuedEvent",
        "RUN_FAILURE" => "RunFailureEvent",
        "RUN_START" => "RunStartEvent",
        "RUN_STARTING" => "RunStartingEvent",
        "RUN_SUCCESS" => "RunSuccessEvent",
        "RUN_SUSPENDED" => "RunSuspendedEvent",
        "RUN_RESUMED" => "RunResumedEvent",
        "STEP_EXPECTATION_RESULT" => "StepExpectationResultEvent",
        "STEP_FAILURE" => "ExecutionStepFailureEvent",
        "STEP_INPUT" => "ExecutionStepInputEvent",
        "STEP_OUTPUT" => "ExecutionStepOutputEvent",
        "STEP_RESTARTED" => "ExecutionStepRestartEvent",
        "STEP_SKIPPED" => "ExecutionStepSkippedEvent",
        "STEP_START" => "ExecutionStepStartEvent",
        "STEP_SUCCESS" => "ExecutionStepSuccessEvent",
        "STEP_UP_FOR_RETRY" => "ExecutionStepUpForRetryEvent",
        "STEP_WORKER_STARTED" => "StepWorkerStartedEvent",
        "STEP_WORKER_STARTING" => "StepWorkerStartingEvent",
        "ALERT_START" => "AlertStartEvent",
        "ALERT_SUCCESS" => "AlertSuccessEvent",
        "ALERT_FAILURE" => "AlertFailureEvent",
        _ => "UnknownEvent",
    }
}

/// The event type a GraphQL `__typename` stands for, for events exported
/// without `eventType` (the UI's own recordings): the inverse of
/// [`typename_for`], plus the `Pipeline*` names of older schemas. `None` for
/// `LogMessageEvent` (a user's log line) and names it does not know.
pub fn event_type_for(typename: &str) -> Option<&'static str> {
    let legacy = match typename {
        "PipelineStartEvent" => Some("RUN_START"),
        "PipelineStartingEvent" => Some("RUN_STARTING"),
        "PipelineSuccessEvent" => Some("RUN_SUCCESS"),
        "PipelineFailureEvent" | "PipelineInitFailureEvent" => Some("RUN_FAILURE"),
        "PipelineEnqueuedEvent" => Some("RUN_ENQUEUED"),
        "PipelineDequeuedEvent" => Some("RUN_DEQUEUED"),
        "PipelineCancelingEvent" => Some("RUN_CANCELING"),
        "PipelineCanceledEvent" => Some("RUN_CANCELED"),
        "StepMaterializationEvent" => Some("ASSET_MATERIALIZATION"),
        _ => None,
    };
    legacy.or_else(|| {
        KNOWN_EVENT_TYPES
            .iter()
            .copied()
            .find(|t| typename != "UnknownEvent" && typename_for(Some(t)) == typename)
    })
}

/// The level Dagster gives events of a type, for events exported without
/// `level`: as in every real export here, failures are ERROR, the run's
/// queueing and start-up INFO, everything else DEBUG; a user's log line
/// (no type) is taken as INFO.
pub fn default_level(event_type: Option<&str>) -> Level {
    match event_type {
        None => Level::Info,
        Some(t) if t.ends_with("_FAILURE") || t == "HOOK_ERRORED" || t == "RUN_CANCELED" => {
            Level::Error
        }
        Some("RUN_STARTING" | "RUN_ENQUEUED" | "RUN_DEQUEUED" | "RUN_CANCELING") => Level::Info,
        Some(_) => Level::Debug,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typenames_give_back_their_event_types() {
        for t in KNOWN_EVENT_TYPES {
            if typename_for(Some(t)) != "UnknownEvent" {
                assert_eq!(event_type_for(typename_for(Some(t))), Some(*t));
            }
        }
        assert_eq!(event_type_for("LogMessageEvent"), None);
        assert_eq!(event_type_for("PipelineFailureEvent"), Some("RUN_FAILURE"));
        assert_eq!(default_level(Some("STEP_FAILURE")), Level::Error);
        assert_eq!(default_level(Some("STEP_START")), Level::Debug);
    }

    #[test]
    fn pipeline_names_become_run_names() {
        assert_eq!(normalize_event_type("PIPELINE_FAILURE"), "RUN_FAILURE");
        assert_eq!(normalize_event_type("STEP_FAILURE"), "STEP_FAILURE");
    }

    #[test]
    fn levels_parse_by_name_and_number() {
        assert_eq!(Level::from_name("warn"), Some(Level::Warning));
        assert_eq!(Level::from_name("nope"), None);
        assert_eq!(Level::from_number(40.0), Level::Error);
        assert_eq!(Level::from_number(25.0), Level::Info);
        assert!(Level::Error > Level::Warning);
    }
}
