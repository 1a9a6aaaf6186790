use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub(crate) fn fixtures() -> PathBuf {
    root().join("fixtures")
}

pub(crate) fn modern() -> PathBuf {
    fixtures().join("dagster-1.13")
}

pub(crate) fn daglog() -> Command {
    let mut cmd = Command::cargo_bin("daglog").unwrap();
    cmd.env_remove("NO_COLOR")
        .env("DAGLOG_NO_PROGRESS", "1")
        .current_dir(root());
    cmd
}

pub(crate) fn run(args: &[&str]) -> Output {
    daglog().args(args).output().unwrap()
}

/// Exit status, stdout and stderr, as one snapshot.
pub(crate) fn render(o: &Output) -> String {
    format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        o.status.code().unwrap_or(-1),
        stdout(o),
        stderr(o)
    )
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// NDJSON output, parsed.
pub(crate) fn ndjson(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every `<case>/<runId>/` folder holding `pages/`, under `base`.
pub(crate) fn run_dirs(base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for case in std::fs::read_dir(base).unwrap() {
        let case = case.unwrap().path();
        if !case.is_dir() {
            continue;
        }
        for run in std::fs::read_dir(&case).unwrap() {
            let run = run.unwrap().path();
            if run.join("pages").is_dir() {
                out.push(run);
            }
        }
    }
    out.sort();
    out
}

/// The events of a run's `pages/` folder, read with serde_json in page order,
/// and the final page's `{cursor, hasMore}`.
pub(crate) fn page_events(run_dir: &Path) -> (Vec<Value>, Value) {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(run_dir.join("pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    let mut events = Vec::new();
    let mut last = Value::Null;
    for p in pages {
        let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        events.extend(v["events"].as_array().unwrap().iter().cloned());
        last = v;
    }
    (events, last)
}

/// Decodes Dagster's cursor `{"type": "STORAGE_ID", "value": N}`.
pub(crate) fn cursor_value(cursor: &str) -> i64 {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cursor)
        .unwrap();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    v["value"].as_i64().unwrap()
}

/// runId, timestamp, eventType, stepKey, message.
pub(crate) type Identity = (String, String, Option<String>, Option<String>, String);

/// The identity of an event, as compared across tools.
pub(crate) fn identity(e: &Value) -> Identity {
    (
        e["runId"].as_str().unwrap().to_string(),
        e["timestamp"].as_str().unwrap().to_string(),
        e["eventType"].as_str().map(str::to_string),
        e["stepKey"].as_str().map(str::to_string),
        e["message"].as_str().unwrap_or("").to_string(),
    )
}

pub(crate) fn sorted_identities<'a>(events: impl IntoIterator<Item = &'a Value>) -> Vec<Identity> {
    let mut v: Vec<_> = events.into_iter().map(identity).collect();
    v.sort();
    v
}

/// The 1.13 fixture archive without `_edge/` (its files are bad on purpose),
/// as paths relative to the repository root, for whole-archive commands.
pub(crate) fn clean_archive() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(modern())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "_edge" && !name.ends_with(".md"))
        .map(|name| format!("fixtures/dagster-1.13/{name}"))
        .collect();
    out.sort();
    out
}

/// `run` with the clean archive's paths after `command` and before `args`.
pub(crate) fn run_on_archive(command: &str, args: &[&str]) -> Output {
    let paths = clean_archive();
    let mut all: Vec<&str> = vec![command];
    all.extend(paths.iter().map(String::as_str));
    all.extend_from_slice(args);
    run(&all)
}
