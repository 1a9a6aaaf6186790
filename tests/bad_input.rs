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
/// page's 81 events are all still printed; exit status 1. Files that hold no
/// events and never meant to (GraphQL error responses, JSON of another kind)
/// are passed over in the summary line, `-v` lists them, and each is an
/// error when named.
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
    daglog: error: invalid JSON in [TMP]/truncated.json at line 174, byte 6938: unexpected end of input inside a string
    daglog: read 1 file (81 events), skipped 3 files with errors, passed over 4 files that are not an export (-v lists them)
    "#);
    let out = run(&["logs", tmp.path().to_str().unwrap(), "--ndjson", "-v"]);
    let listed = tidy(&stderr(&out), tmp.path());
    for line in [
        "daglog: passed over [TMP]/python-error.json: holds a GraphQL error, not events: PythonError: binascii.Error: Incorrect padding\n",
        "daglog: passed over [TMP]/wrong-shape.json: is not a Dagster export: an object with keys runId, limit",
        "daglog: passed over [TMP]/README.md: a .md file, never an export\n",
    ] {
        assert!(listed.contains(line), "{line} in {listed}");
    }
    let named = tmp.path().join("run-not-found.json");
    let out = run(&["logs", named.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!(
            "daglog: error: {} holds a GraphQL error, not events: RunNotFoundError",
            named.display()
        )),
        "{}",
        stderr(&out)
    );
}

/// `--exclude` keeps walked files and folders out by name or path; a bad
/// glob is a usage error.
#[test]
fn exclude_keeps_files_and_folders_out() {
    let out = run(&[
        "logs",
        "fixtures/dagster-1.13",
        "--count-by",
        "run",
        "--exclude",
        "_edge",
        "--exclude",
        "*/queries/*",
        "--exclude",
        "README.md",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let all = run(&["logs", "fixtures/dagster-1.13", "--count-by", "run"]);
    assert_eq!(stdout(&out), stdout(&all), "_edge holds no events");
    let out = run(&[
        "logs",
        "fixtures/dagster-1.13",
        "--exclude",
        "j1_*",
        "--count-by",
        "run",
    ]);
    assert!(!stdout(&out).contains("4fb36135"), "{}", stdout(&out));
    let out = run(&["logs", "fixtures/dagster-1.13", "--exclude", "[a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--exclude \"[a\" is not a glob"),
        "{}",
        stderr(&out)
    );
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
    assert!(err.contains("skipped 1 bad event"), "{err}");
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

/// The `l_config_diff` page with event `index` (0-based) changed by `edit`.
fn page_with_bad_event(edit: impl FnOnce(&mut serde_json::Value)) -> (Vec<u8>, usize) {
    let mut page: serde_json::Value = serde_json::from_slice(&read(L_PAGE)).unwrap();
    let events = page["events"].as_array_mut().unwrap();
    let n = events.len();
    edit(&mut events[3]);
    (serde_json::to_vec_pretty(&page).unwrap(), n)
}

/// A wrong-typed field costs its event only: the event is named (file,
/// place, index, reason), the page's other events are read, exit status 1.
#[test]
fn one_bad_event_costs_that_event_not_its_page() {
    let cases: [(&str, serde_json::Value); 5] = [
        ("timestamp", serde_json::json!({"a": 1})),
        ("level", serde_json::json!("NOPE")),
        ("stepKey", serde_json::json!(["a"])),
        ("message", serde_json::json!(5)),
        ("runId", serde_json::json!("")),
    ];
    for (field, value) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let (bytes, n) = page_with_bad_event(|e| e[field] = value.clone());
        let file = tmp.path().join("page-0001.json");
        std::fs::write(&file, bytes).unwrap();
        let out = run(&["logs", file.to_str().unwrap(), "--ndjson"]);
        assert_eq!(out.status.code(), Some(1), "{field}");
        assert_eq!(ndjson(&out).len(), n - 1, "{field}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("bad event in {}", file.display()))
                && err.contains(&format!("event 4 of {n}")),
            "{field}: {err}"
        );
    }
}

/// A number no integer type holds (simd-json refuses the whole document).
#[test]
fn a_number_out_of_range_costs_its_event_only() {
    let tmp = tempfile::tempdir().unwrap();
    let (bytes, n) = page_with_bad_event(|e| e["timestamp"] = serde_json::json!("PLACEHOLDER"));
    let text = String::from_utf8(bytes)
        .unwrap()
        .replace("\"PLACEHOLDER\"", "18446744073709551616");
    let file = tmp.path().join("page.json");
    std::fs::write(&file, text).unwrap();
    let out = run(&["stats", file.to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ndjson(&out)[0]["eventCount"], (n - 1) as u64);
}

/// A debug bundle entry without a readable timestamp costs that entry only.
#[test]
fn one_bad_bundle_entry_costs_that_entry() {
    use std::io::{Read, Write};
    let bundle = "fixtures/dagster-1.13/f1_hang_terminated_multiprocess/166ed867-5a24-4afd-80fc-d7a42a0f6ed6/debug.gzip";
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&read(bundle)[..])
        .read_to_end(&mut json)
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let list = v["event_list"].as_array_mut().unwrap();
    let n = list.len();
    list[2]["timestamp"] = serde_json::json!("abc");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("debug.gzip");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&serde_json::to_vec(&v).unwrap()).unwrap();
    std::fs::write(&file, gz.finish().unwrap()).unwrap();
    let out = run(&["stats", file.to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("event_list entry 3 of {n}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(ndjson(&out)[0]["eventCount"], (n - 1) as u64);
}

/// A FIFO named on the command line would block forever: refused at once.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_not_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = daglog()
        .args(["logs", fifo.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("a FIFO (named pipe), not a regular file"),
        "{}",
        stderr(&out)
    );
}

/// A file name with control characters reaches the terminal escaped.
#[test]
fn control_characters_in_file_names_are_escaped_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("evil\u{1b}[31mred\u{7}.json");
    std::fs::write(&file, b"{\"events\": [").unwrap();
    let out = run(&["logs", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("evil\\u{1b}[31mred\\u{7}.json"), "{err}");
}

/// A stray byte before the JSON and a gzip file cut after one byte are
/// named with their place.
#[test]
fn a_stray_first_byte_has_a_place_and_a_true_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let stray = tmp.path().join("stray.json");
    let mut bytes = vec![0xff];
    bytes.extend(read(L_PAGE));
    std::fs::write(&stray, bytes).unwrap();
    let cut = tmp.path().join("cut.json.gz");
    std::fs::write(&cut, [0x1f]).unwrap();
    let out = run(&["logs", stray.to_str().unwrap(), cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = tidy(&stderr(&out), tmp.path());
    assert!(err.contains("invalid JSON in [TMP]/stray.json at line 1, byte 0: the top-level value starts with byte 0xff"), "{err}");
    assert!(err.contains("invalid JSON in [TMP]/cut.json.gz at line 1, byte 0: a gzip file cut short after its first byte"), "{err}");
}

/// A snapshot taken while the run went on and the final export, saved in
/// the same folder, are two exports: shared events count once.
#[test]
fn a_snapshot_and_the_final_export_in_one_folder_count_shared_events_once() {
    let snapshot = "fixtures/dagster-1.13/f1_hang_in_progress_snapshot_multiprocess/166ed867-5a24-4afd-80fc-d7a42a0f6ed6/pages/page-0001.json";
    let last = "fixtures/dagster-1.13/f1_hang_terminated_multiprocess/166ed867-5a24-4afd-80fc-d7a42a0f6ed6/pages/page-0001.json";
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("page-0001.json"), read(snapshot)).unwrap();
    std::fs::write(tmp.path().join("page-0001-final.json"), read(last)).unwrap();
    let together = run(&["stats", tmp.path().to_str().unwrap(), "--ndjson"]);
    let alone = run(&["stats", last, "--ndjson"]);
    assert_eq!(together.status.code(), Some(0), "{}", stderr(&together));
    assert_eq!(
        ndjson(&together)[0]["eventCount"],
        ndjson(&alone)[0]["eventCount"]
    );
}

/// A gzip bomb is refused once it has decompressed far more than any export
/// would, with the file named; memory stays bounded.
#[test]
fn a_gzip_bomb_is_refused_by_name() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let bomb = tmp.path().join("bomb.json.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"[").unwrap();
    gz.write_all(&vec![b' '; 100 << 20]).unwrap();
    gz.write_all(b"]").unwrap();
    std::fs::write(&bomb, gz.finish().unwrap()).unwrap();
    let out = run(&["logs", bomb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = tidy(&stderr(&out), tmp.path());
    assert!(
        err.contains("failed to decompress [TMP]/bomb.json.gz: it decompresses to more than 64 MB"),
        "{err}"
    );
}

/// A page missing from the middle of an export is reported, not passed over.
#[test]
fn a_missing_middle_page_is_reported() {
    let run_dir =
        "fixtures/dagster-1.13/j3_fanout_20_medium/282de574-f87c-45a0-b24f-9b66ce9bc3bc/pages";
    let pages: Vec<_> = {
        let mut p: Vec<_> = std::fs::read_dir(root().join(run_dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        p.sort();
        p
    };
    assert!(pages.len() >= 3, "{pages:?}");
    let tmp = tempfile::tempdir().unwrap();
    for (i, page) in pages.iter().enumerate() {
        if i != 1 {
            std::fs::copy(page, tmp.path().join(page.file_name().unwrap())).unwrap();
        }
    }
    let out = run(&["stats", tmp.path().to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(1));
    let err = tidy(&stderr(&out), tmp.path());
    assert!(
        err.contains("pages seem missing from the export of run 282de574-f87c-45a0-b24f-9b66ce9bc3bc: [TMP]/page-0001.json says hasMore: true, and the next page is [TMP]/page-0003.json"),
        "{err}"
    );
    assert!(err.contains("found 1 gap between pages"), "{err}");
}

/// Events that lack `runId`, `level` or `eventType` get them from what the
/// rest of the file says (the UI's own recordings carry only `__typename`),
/// each inference said once per file; the figures are those of the export.
#[test]
fn missing_fields_are_inferred_and_said_once() {
    let dir = "fixtures/dagster-1.13/b_module_not_found";
    let run_dir = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("pages").is_dir())
        .unwrap();
    let page = run_dir.join("pages/page-0001.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&page).unwrap()).unwrap();
    let events = v["events"].as_array_mut().unwrap();
    for (i, e) in events.iter_mut().enumerate() {
        let e = e.as_object_mut().unwrap();
        e.remove("level");
        e.remove("eventType");
        // One event in three keeps its runId: the others take it from them.
        if i % 3 != 0 {
            e.remove("runId");
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("stripped.json");
    std::fs::write(&file, serde_json::to_vec(&v).unwrap()).unwrap();
    let out = run(&["stats", file.to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = tidy(&stderr(&out), tmp.path());
    assert_eq!(err.matches("daglog: note: ").count(), 3, "{err}");
    assert!(err.contains("events without a runId are taken as run a0e9d44b-f53b-46ee-92b7-5e1c1c268a53, from the file's other events"), "{err}");
    assert!(
        err.contains("events without an eventType are typed from their __typename"),
        "{err}"
    );
    let ours = &ndjson(&out)[0];
    let original = &ndjson(&run(&["stats", page.to_str().unwrap(), "--ndjson"]))[0];
    for key in [
        "status",
        "eventCount",
        "stepsFailed",
        "stepsSucceeded",
        "startTime",
        "endTime",
        "durationMs",
    ] {
        assert_eq!(ours[key], original[key], "{key}");
    }
}

/// Python's `json` writes float('nan') metadata as a bare `NaN` in debug
/// bundles: the bundle is read, every event of it.
#[test]
fn nan_in_a_debug_bundle_is_read() {
    use std::io::{Read, Write};
    let bundle = "fixtures/dagster-1.13/f1_hang_terminated_multiprocess/166ed867-5a24-4afd-80fc-d7a42a0f6ed6/debug.gzip";
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&read(bundle)[..])
        .read_to_end(&mut json)
        .unwrap();
    let text = String::from_utf8(json).unwrap().replacen(
        "\"event_list\": [",
        "\"nan_metadata\": NaN, \"event_list\": [",
        1,
    );
    assert!(text.contains("NaN"));
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("debug.gzip");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(&file, gz.finish().unwrap()).unwrap();
    let out = run(&["stats", file.to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let original = run(&["stats", bundle, "--ndjson"]);
    assert_eq!(
        ndjson(&out)[0]["eventCount"],
        ndjson(&original)[0]["eventCount"]
    );
}

/// A file named on the command line that is not an export is said to be
/// what it looks like, not "invalid JSON at byte 0".
#[test]
fn an_explicit_non_export_is_named_for_what_it_is() {
    let home = "fixtures/dagster-1.13-home";
    let cases = [
        (
            format!(
                "{home}/storage/a0e9d44b-f53b-46ee-92b7-5e1c1c268a53/compute_logs/xbplpcfx.err"
            ),
            "a Dagster compute log",
        ),
        (
            format!("{home}/storage/raw_orders"),
            "a pickled Python object",
        ),
        (
            format!("{home}/dagster.yaml"),
            "YAML (Dagster's dagster.yaml or workspace.yaml?)",
        ),
    ];
    for (file, what) in cases {
        let out = run(&["logs", &file]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{file} is not a Dagster export: {what}")),
            "{err}"
        );
    }
}

/// A key given twice counts the first time, in the page and in its events,
/// whichever reader takes the file (the one-pass reader of `logs`, the
/// careful one of `stats`).
#[test]
fn a_key_given_twice_counts_the_first_time() {
    let page = String::from_utf8(read(L_PAGE)).unwrap();
    let page: serde_json::Value = serde_json::from_str(&page).unwrap();
    let events = page["events"].as_array().unwrap();
    let first = serde_json::to_string(&events[..2]).unwrap();
    let second = serde_json::to_string(&events[2..]).unwrap();
    // `events` twice; in the first event, `stepKey` twice.
    let one = serde_json::to_string(&events[0]).unwrap();
    let doubled = one.replacen("\"stepKey\":", "\"stepKey\":\"first_key\",\"stepKey\":", 1);
    let first = first.replacen(&one, &doubled, 1);
    let text = format!(r#"{{"events":{first},"cursor":"x","hasMore":false,"events":{second}}}"#);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("page.json");
    std::fs::write(&file, text).unwrap();
    let f = file.to_str().unwrap();
    let logs = ndjson(&run(&["logs", f, "--ndjson"]));
    assert_eq!(logs.len(), 2);
    let stats = ndjson(&run(&["stats", f, "--ndjson"]));
    assert_eq!(stats[0]["eventCount"], 2);
    let counted = stdout(&run(&["logs", f, "--count-by", "step", "--json"]));
    assert!(counted.contains("first_key"), "{counted}");
}

/// An empty or wrong folder is not "all is well": every command says that
/// nothing was read, and how many files were passed over, with status 1.
#[test]
fn a_folder_with_nothing_to_read_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "not an export\n").unwrap();
    for command in ["diagnose", "logs", "stats", "runs", "report"] {
        let out = run(&[command, tmp.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(out.stdout.is_empty(), "{command}");
        let err = stderr(&out);
        assert!(
            err.contains("nothing was read: the inputs hold no Dagster events or run records (0 files read, 1 passed over as not exports, 0 skipped with errors)"),
            "{command}: {err}"
        );
    }
}

/// Events without `runId` in a file nothing else names a run for take the
/// whole run id given with `--run-id`, said once; without it they are bad
/// events, said once for the file.
#[test]
fn run_id_given_on_the_command_line_names_events_without_one() {
    let mut v: serde_json::Value = serde_json::from_slice(&read(L_PAGE)).unwrap();
    for e in v["events"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("runId");
    }
    let n = v["events"].as_array().unwrap().len();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("page.json");
    std::fs::write(&file, serde_json::to_vec(&v).unwrap()).unwrap();
    let f = file.to_str().unwrap();
    let id = "0f246d01-fd27-4aa7-a562-72470bff651d";
    let out = run(&["stats", f, "--run-id", id, "--ndjson"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ndjson(&out)[0]["eventCount"], n as u64);
    assert!(
        stderr(&out).contains(&format!("taken as run {id}, from --run-id")),
        "{}",
        stderr(&out)
    );
    let out = run(&["stats", f]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.matches("has no runId").count(), 1, "{err}");
    assert!(
        err.contains(&format!("(and {} more events of this file alike)", n - 1)),
        "{err}"
    );
}

/// Invalid UTF-8 where daglog reads nothing (the `__typename` of a GraphQL
/// envelope, which is only scanned) still makes the file an error naming
/// its place: the fuzz target `invalid_json_is_said` found it read in
/// silence.
#[test]
fn invalid_utf8_in_an_envelope_is_named() {
    let raw = "fixtures/dagster-1.13/l_config_diff/0f246d01-fd27-4aa7-a562-72470bff651d/raw/page-0001.json";
    let mut bytes = read(raw);
    let at = bytes
        .windows(15)
        .position(|w| w == b"EventConnection")
        .unwrap();
    bytes[at + 1] = 0xb2;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("page-0001.json");
    std::fs::write(&path, &bytes).unwrap();
    let out = run(&["logs", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        tidy(&stderr(&out), tmp.path()).starts_with(&format!(
            "daglog: error: invalid UTF-8 in [TMP]/page-0001.json at line {}, byte {}\n",
            bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1,
            at + 1
        )),
        "{}",
        stderr(&out)
    );
}

/// Parts of a GraphQL envelope that nothing reads are still held to JSON's
/// grammar: each damage is an error at its place, never a file read in
/// silence (both found by the fuzz target `invalid_json_is_said`).
#[test]
fn broken_bytes_nothing_reads_are_named() {
    let raw = "fixtures/dagster-1.13/_edge/logsForRun_afterCursor_equals_final_cursor.json";
    let text = String::from_utf8(read(raw)).unwrap();
    for (from, to, error) in [
        (
            "\"http_status\": 200",
            "\"http_status\": 018",
            "at line 2, byte 20: expected ',' or '}' in an object",
        ),
        (
            "\"variables\"",
            "\"vari\u{1a}ables\"",
            "at line 3, byte 31: a control character inside a string",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("page-0001.json");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let out = run(&["logs", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            tidy(&stderr(&out), tmp.path()).starts_with(&format!(
                "daglog: error: invalid JSON in [TMP]/page-0001.json {error}\n"
            )),
            "{to}: {}",
            stderr(&out)
        );
    }
}
