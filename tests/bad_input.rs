use std::path::Path;

use crate::common::*;

const A1_PAGE: &str = "fixtures/dagster-1.13/a1_success_ops_multiprocess/27a22958-e1b1-4e29-9219-816ec07f7759/pages/page-0001.json";
const L_PAGE: &str =
    "fixtures/dagster-1.13/l_config_diff/0f246d01-fd27-4aa7-a562-72470bff651d/pages/page-0001.json";

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap()
}

/// A folder with one good page and every kind of bad file, each made from a
/// real export: truncated, invalid UTF-8, a wrong shape, empty, GraphQL errors.
fn bad_archive(dir: &Path) {
    std::fs::create_dir_all(dir.join("good")).unwrap();
    std::fs::write(dir.join("good/page-0001.json"), read(A1_PAGE)).unwrap();
    let l = read(L_PAGE);
    std::fs::write(dir.join("truncated.json"), &l[..l.len() / 2]).unwrap();
    let mut bad_utf8 = l.clone();
    let at = bad_utf8.windows(8).position(|w| w == b"Fetching").unwrap();
    bad_utf8[at + 2] = 0xff;
    std::fs::write(dir.join("invalid-utf8.json"), bad_utf8).unwrap();
    std::fs::write(
        dir.join("wrong-shape.json"),
        read("fixtures/dagster-1.13/_edge/logsForRun_no_limit_summary.json"),
    )
    .unwrap();
    std::fs::write(dir.join("empty.json"), b"").unwrap();
    let edge: serde_json::Value = serde_json::from_slice(&read(
        "fixtures/dagster-1.13/_edge/logsForRun_unknown_runId.json",
    ))
    .unwrap();
    std::fs::write(
        dir.join("run-not-found.json"),
        serde_json::to_vec(&edge["response"]).unwrap(),
    )
    .unwrap();
    let edge: serde_json::Value = serde_json::from_slice(&read(
        "fixtures/dagster-1.13/_edge/logsForRun_garbage_cursor.json",
    ))
    .unwrap();
    std::fs::write(
        dir.join("python-error.json"),
        serde_json::to_vec(&edge["response"]).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "# notes about this archive\n").unwrap();
}

fn tidy(text: &str, tmp: &Path) -> String {
    text.replace(tmp.to_str().unwrap(), "[TMP]")
}

/// Each bad file gets one line naming it, the place and the reason; the good
/// page's 81 events are all still printed; exit status 1.
#[test]
fn every_bad_file_is_named_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    bad_archive(tmp.path());
    let out = run(&["logs", tmp.path().to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ndjson(&out).len(), 81);
    insta::assert_snapshot!(tidy(&stderr(&out), tmp.path()), @r#"
    daglog: error: [TMP]/empty.json is empty
    daglog: error: invalid UTF-8 in [TMP]/invalid-utf8.json at line 141, byte 4087
    daglog: error: [TMP]/python-error.json holds a GraphQL error, not events: PythonError: binascii.Error: Incorrect padding
    daglog: error: [TMP]/run-not-found.json holds a GraphQL error, not events: RunNotFoundError: Pipeline run 00000000-0000-0000-0000-000000000000 could not be found.
    daglog: error: invalid JSON in [TMP]/truncated.json at line 174, byte 6938: unexpected end of input inside a string
    daglog: error: [TMP]/wrong-shape.json is not a Dagster export: an object with keys runId, limit, events_returned, cursor, hasMore (expected events, data.logsForRun, logsForRun, runOrError, runsOrError, a debug bundle or `dg api … --json` output)
    daglog: read 1 file (81 events), skipped 6 files with errors, passed over 1 file that is not an export
    "#);
}

/// --strict stops at the first bad file, prints no events, exit status 1.
#[test]
fn strict_stops_at_the_first_bad_file() {
    let tmp = tempfile::tempdir().unwrap();
    bad_archive(tmp.path());
    let out = run(&["logs", tmp.path().to_str().unwrap(), "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        tidy(&stderr(&out), tmp.path()),
        "daglog: error: [TMP]/empty.json is empty (stopped: --strict)\n"
    );
}

/// A clean archive exits 0 and says nothing on stderr.
#[test]
fn clean_input_exits_zero_quietly() {
    let out = run(&["logs", "data/sample"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}

/// In NDJSON a bad line is named by its line number and the other lines are kept.
#[test]
fn a_bad_ndjson_line_is_named() {
    let page: serde_json::Value = serde_json::from_slice(&read(A1_PAGE)).unwrap();
    let lines: Vec<String> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.to_string())
        .collect();
    let mut text = lines[..5].join("\n");
    text.push('\n');
    text.push_str(&lines[5][..40]);
    text.push('\n');
    text.push_str(&lines[6..].join("\n"));
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("events.ndjson");
    std::fs::write(&path, text).unwrap();
    let out = run(&["logs", path.to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ndjson(&out).len(), 80);
    let err = tidy(&stderr(&out), tmp.path());
    assert!(
        err.starts_with("daglog: error: invalid JSON in [TMP]/events.ndjson at line 6,"),
        "{err}"
    );
    assert!(err.contains("skipped 1 bad line"), "{err}");
}

/// Garbage of every kind gives an error, never a panic (exit 101).
#[test]
fn garbage_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = "[".repeat(100_000);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("open-brace.json", b"{".to_vec()),
        ("open-bracket.json", b"[".to_vec()),
        ("quote.json", b"\"".to_vec()),
        ("events-number.json", br#"{"events": 5}"#.to_vec()),
        ("data-null.json", br#"{"data": null}"#.to_vec()),
        ("deep.json", deep.into_bytes()),
        ("bad.gz", vec![0x1f, 0x8b, 0, 1, 2, 3]),
        ("string-top.json", br#""hello""#.to_vec()),
        (
            "event-no-time.json",
            br#"[{"runId": "r", "level": "INFO"}]"#.to_vec(),
        ),
        (
            "bad-level.json",
            br#"[{"runId": "r", "timestamp": "1795501832511", "level": "LOUD"}]"#.to_vec(),
        ),
        ("nul.json", vec![0, 0, 0]),
    ];
    for (name, bytes) in &cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(&["logs", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(name), "{name}: {}", stderr(&out));
    }
}

#[test]
fn usage_errors_exit_two_and_say_what_to_do() {
    for (args, needle) in [
        (
            vec!["logs", "data/sample", "--level", "loud"],
            "use debug, info, warning, error or critical",
        ),
        (
            vec!["logs", "data/sample", "--since", "yesterday"],
            "is not a time",
        ),
        (
            vec!["logs", "data/sample", "--cursor", "abc"],
            "pass the \"cursor\" value of a previous --json page",
        ),
        (
            vec!["logs", "data/sample", "--grep", "("],
            "not a valid regular expression",
        ),
        (
            vec!["logs", "data/sample", "--run-id", "ffff"],
            "no run matches --run-id \"ffff\"; the archive has 5 runs",
        ),
        (
            vec![
                "logs",
                "fixtures/dagster-1.13/a1_success_ops_multiprocess",
                "fixtures/dagster-1.13/j3_fanout_20_medium",
                "--run-id",
                "2",
            ],
            "matches 2 runs",
        ),
        (
            vec!["logs", "data/sample", "--json", "--ndjson"],
            "cannot be used with",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}
