use std::collections::BTreeMap;
use std::io::Write;

use crate::common::*;

/// Every run of every real export, read from its whole folder (pages, raw,
/// minimal pages, debug bundle and run.json together), has exactly as many
/// events as the export says: the final cursor's storage id (SQLite counts
/// events from 1) and the number of events in its pages.
#[test]
fn each_run_counts_what_its_export_counts() {
    let mut checked = 0;
    for base in [modern(), fixtures().join("dagster-0.14")] {
        for dir in run_dirs(&base) {
            let (events, last) = page_events(&dir);
            let expected = cursor_value(last["cursor"].as_str().unwrap());
            assert_eq!(events.len() as i64, expected, "{}", dir.display());
            let out = run(&["logs", dir.to_str().unwrap(), "--ndjson"]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                dir.display(),
                stderr(&out)
            );
            let got = ndjson(&out);
            assert_eq!(got.len() as i64, expected, "{}", dir.display());
            assert_eq!(
                sorted_identities(&got),
                sorted_identities(&events),
                "{}",
                dir.display()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 23 + 5);
}

/// The whole archive at once: runs are put together by run id, the f1 run
/// exported while running (25 events) and after (32) counts 32.
#[test]
fn whole_archive_counts_per_run() {
    let out = run(&["logs", "fixtures/dagster-1.13", "--ndjson"]);
    // _edge/ holds GraphQL error responses on purpose: no events, passed
    // over in one line.
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        "daglog: read 146 files (5623 events), passed over 9 files that are not an export (-v lists them)\n"
    );
    let mut per_run: BTreeMap<String, usize> = BTreeMap::new();
    for e in ndjson(&out) {
        *per_run
            .entry(e["runId"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for dir in run_dirs(&modern()) {
        let (events, _) = page_events(&dir);
        let id = dir.file_name().unwrap().to_str().unwrap().to_string();
        let n = expected.entry(id).or_default();
        *n = (*n).max(events.len());
    }
    assert_eq!(per_run, expected);
    assert_eq!(per_run["166ed867-5a24-4afd-80fc-d7a42a0f6ed6"], 32);
    assert_eq!(per_run.values().sum::<usize>(), 5623);
}

const A1: &str =
    "fixtures/dagster-1.13/a1_success_ops_multiprocess/27a22958-e1b1-4e29-9219-816ec07f7759";

/// pages, raw responses, minimal pages and the debug bundle each hold the
/// run's 81 events; together they still count 81, and the richest copy wins.
#[test]
fn a_run_exported_five_ways_counts_each_event_once() {
    for part in ["pages", "raw", "pages-minimal", "raw-minimal", "debug.gzip"] {
        let out = run(&["logs", &format!("{A1}/{part}"), "--ndjson"]);
        assert_eq!(out.status.code(), Some(0), "{part}: {}", stderr(&out));
        assert_eq!(ndjson(&out).len(), 81, "{part}");
    }
    let out = run(&[
        "logs",
        &format!("{A1}/pages-minimal"),
        &format!("{A1}/debug.gzip"),
        &format!("{A1}/raw"),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 81);
    // The rich query's fields survive the merge.
    assert!(events.iter().all(|e| e.get("__typename").is_some()));
    assert!(events.iter().any(|e| e.get("metadataEntries").is_some()));
    let (pages, _) = page_events(&root().join(A1));
    assert_eq!(sorted_identities(events), sorted_identities(&pages));
}

/// A page fetched twice into one folder counts once; an exact repeat inside
/// one NDJSON export counts twice (within one source every event counts).
#[test]
fn refetched_pages_and_repeats_within_a_source() {
    let tmp = tempfile::tempdir().unwrap();
    let page = std::fs::read(root().join(A1).join("pages/page-0001.json")).unwrap();
    std::fs::write(tmp.path().join("page-0001.json"), &page).unwrap();
    std::fs::write(tmp.path().join("page-0001.refetched.json"), &page).unwrap();
    let out = run(&["logs", tmp.path().to_str().unwrap(), "--ndjson"]);
    assert_eq!(ndjson(&out).len(), 81);

    let v: serde_json::Value = serde_json::from_slice(&page).unwrap();
    let line = serde_json::to_string(&v["events"][10]).unwrap();
    let nd = tmp.path().join("repeat.ndjson");
    let mut f = std::fs::File::create(&nd).unwrap();
    writeln!(f, "{line}\n{line}").unwrap();
    let out = run(&["logs", nd.to_str().unwrap(), "--ndjson"]);
    assert_eq!(ndjson(&out).len(), 2);
}

/// Pages of one run in several files are stitched in cursor order, whatever
/// the file names; output is in time order.
#[test]
fn pages_are_stitched_by_cursor_and_sorted_by_time() {
    let run_dir = root()
        .join("fixtures/dagster-1.13/j1_fanout_300_success/4fb36135-36bc-41e9-b621-a73f55f84472");
    let tmp = tempfile::tempdir().unwrap();
    // Names that sort backwards: order must come from the cursors.
    for (i, name) in ["e", "d", "c", "b", "a"].iter().enumerate() {
        std::fs::copy(
            run_dir.join(format!("pages/page-000{}.json", i + 1)),
            tmp.path().join(format!("{name}.json")),
        )
        .unwrap();
    }
    let out = run(&["logs", tmp.path().to_str().unwrap(), "--ndjson"]);
    let got = ndjson(&out);
    assert_eq!(got.len(), 4526);
    let ts: Vec<i64> = got
        .iter()
        .map(|e| e["timestamp"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
}

/// An export that stops on `hasMore: true` is flagged, not silently short.
#[test]
fn a_truncated_export_is_flagged() {
    let run_dir = root()
        .join("fixtures/dagster-1.13/j3_fanout_20_medium/282de574-f87c-45a0-b24f-9b66ce9bc3bc");
    let tmp = tempfile::tempdir().unwrap();
    for i in 1..=2 {
        let name = format!("page-000{i}.json");
        std::fs::copy(run_dir.join("pages").join(&name), tmp.path().join(&name)).unwrap();
    }
    let out = run(&["logs", tmp.path().to_str().unwrap(), "--ndjson"]);
    assert_eq!(ndjson(&out).len(), 200);
    assert!(
        stderr(&out).contains("run 282de574-f87c-45a0-b24f-9b66ce9bc3bc is incomplete"),
        "{}",
        stderr(&out)
    );
}

/// Standard input and gzip are read like files, and print the same bytes:
/// their events' JSON is copied when read, a plain file's is read back.
#[test]
fn stdin_and_gzip() {
    let file = root().join(A1).join("pages/page-0001.json");
    let plain = run(&["logs", file.to_str().unwrap(), "--ndjson"]);
    let page = std::fs::read(&file).unwrap();
    let out = daglog()
        .args(["logs", "-", "--ndjson"])
        .write_stdin(page.clone())
        .output()
        .unwrap();
    assert_eq!(ndjson(&out).len(), 81);
    assert_eq!(out.stdout, plain.stdout);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&page).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("page-0001.json.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let out = run(&["logs", path.to_str().unwrap(), "--ndjson"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(ndjson(&out).len(), 81);
    assert_eq!(out.stdout, plain.stdout);
}
