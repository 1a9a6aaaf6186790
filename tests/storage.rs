//! Dagster's own SQLite storage (`fixtures/dagster-1.13-home`, the real home
//! of the runs exported in `fixtures/dagster-1.13`): the same figures as the
//! exports, each event once, nothing written, bad rows named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{fixtures, modern, ndjson, render, run, stderr};

fn home() -> PathBuf {
    fixtures().join("dagster-1.13-home")
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Each run's `stats` record, by run id.
fn stats_by_run(inputs: &[&str]) -> BTreeMap<String, Value> {
    let mut args = vec!["stats", "--ndjson"];
    args.extend_from_slice(inputs);
    ndjson(&run(&args))
        .into_iter()
        .map(|r| (r["runId"].as_str().unwrap().to_string(), r))
        .collect()
}

/// Rows of each run in the per-run shards, counted by SQLite itself.
fn rows_per_run(history: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(history.join("runs")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        if name == "index.db" || !name.ends_with(".db") {
            continue;
        }
        // Immutable: a read-only open of a WAL database would leave -shm
        // and -wal files beside the fixture.
        let conn = rusqlite::Connection::open_with_flags(
            format!("file:{}?immutable=1", path.display()),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )
        .unwrap();
        let mut stmt = conn
            .prepare("SELECT run_id, count(*) FROM event_logs GROUP BY run_id")
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .unwrap();
        for row in rows {
            let (run_id, n) = row.unwrap();
            *out.entry(run_id).or_default() += n;
        }
    }
    out
}

#[test]
fn every_run_of_the_home_has_the_figures_of_its_exports() {
    let from_storage = stats_by_run(&[arg(&home())]);
    let from_exports = stats_by_run(&[arg(&modern())]);
    assert_eq!(from_storage.len(), 22);
    let mut compared = 0;
    for (id, exported) in &from_exports {
        let stored = &from_storage[id];
        assert_eq!(stored, exported, "run {id}");
        compared += 1;
    }
    assert!(compared >= 20, "{compared}");
}

#[test]
fn steps_from_storage_equal_dagsters_step_stats() {
    let steps = ndjson(&run(&["stats", "--steps", "--ndjson", arg(&home())]));
    let mut checked = 0;
    for case in std::fs::read_dir(modern()).unwrap() {
        for run_dir in std::fs::read_dir(case.unwrap().path())
            .into_iter()
            .flatten()
        {
            let run_json = run_dir.unwrap().path().join("run.json");
            let Ok(text) = std::fs::read_to_string(&run_json) else {
                continue;
            };
            let dagster: Value = serde_json::from_str(&text).unwrap();
            let run = &dagster["data"]["runOrError"];
            let id = run["runId"].as_str().unwrap();
            // A snapshot taken while the run was going: storage has its end.
            if !["SUCCESS", "FAILURE", "CANCELED"].contains(&run["status"].as_str().unwrap()) {
                continue;
            }
            for t in run["stepStats"].as_array().unwrap() {
                let key = t["stepKey"].as_str().unwrap();
                let ours = steps
                    .iter()
                    .find(|s| s["runId"] == id && s["stepKey"] == key)
                    .unwrap_or_else(|| panic!("{id} {key} missing"));
                assert_eq!(ours["status"], t["status"], "{id} {key}");
                if let (Some(s), Some(e)) = (t["startTime"].as_f64(), t["endTime"].as_f64()) {
                    let ms = ours["durationMs"].as_i64().unwrap();
                    assert!((ms as f64 - (e - s) * 1000.0).abs() <= 1.0, "{id} {key}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 100, "{checked}");
}

#[test]
fn runs_lists_every_stored_run_with_its_event_rows() {
    let out = run(&["runs", "--json", arg(&home())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = listed["runsOrError"]["results"].as_array().unwrap();
    let rows = rows_per_run(&home().join("history"));
    // The shard named `.db` holds the events of no run.
    let runless = rows.get("").copied().unwrap_or(0);
    assert_eq!(runless, 7);
    assert_eq!(listed.len(), rows.len() - 1);
    for r in listed {
        let id = r["runId"].as_str().unwrap();
        assert_eq!(r["eventCount"].as_u64(), Some(rows[id]), "{id}");
        assert_eq!(r["source"], "storage", "{id}");
    }
    let err = stderr(&out);
    assert!(
        err.contains("left aside 7 storage events that belong to no run"),
        "{err}"
    );
    // Compute logs, pickled outputs, schedules.db, YAML: passed over, not errors.
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn run_records_from_storage_equal_run_json() {
    let stored = ndjson(&run(&["runs", "--ndjson", arg(&home())]));
    let exported = ndjson(&run(&["runs", "--ndjson", arg(&modern())]));
    let mut compared = 0;
    for e in exported.iter().filter(|e| e["source"] == "run.json") {
        let s = stored.iter().find(|s| s["runId"] == e["runId"]).unwrap();
        for key in [
            "status",
            "jobName",
            "startTime",
            "endTime",
            "creationTime",
            "updateTime",
            "rootRunId",
            "parentRunId",
            "tags",
            "runConfigYaml",
            "eventCount",
        ] {
            assert_eq!(s[key], e[key], "{} {key}", e["runId"]);
        }
        compared += 1;
    }
    assert!(compared >= 20, "{compared}");
}

#[test]
fn storage_and_exports_together_count_each_event_once() {
    let together = stats_by_run(&[arg(&home()), arg(&modern())]);
    let exports = stats_by_run(&[arg(&modern())]);
    let storage = stats_by_run(&[arg(&home())]);
    for (id, s) in &storage {
        let expected = exports.get(id).unwrap_or(s);
        assert_eq!(&together[id], expected, "run {id}");
    }
}

/// Every file under `dir` with its bytes.
fn snapshot_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn set_read_only(dir: &Path, read_only: bool) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            set_read_only(&path, read_only);
        }
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(read_only);
        std::fs::set_permissions(&path, perms).unwrap();
    }
}

#[test]
fn reading_storage_changes_nothing_and_works_read_only() {
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history");
    copy_tree(&home().join("history"), &history);
    let before = snapshot_tree(tmp.path());
    // Writable: still not a byte changed, no -wal or -shm left beside.
    let out = run(&["stats", "--ndjson", arg(&history)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(snapshot_tree(tmp.path()), before);
    // Read-only folder and files (root may write anyway; the point is that
    // nothing needs to be).
    set_read_only(tmp.path(), true);
    let ro = run(&["stats", "--ndjson", arg(&history)]);
    set_read_only(tmp.path(), false);
    assert_eq!(ro.status.code(), Some(0), "{}", stderr(&ro));
    assert_eq!(ro.stdout, out.stdout);
    assert_eq!(snapshot_tree(tmp.path()), before);
}

const SHARD: &str = "0f246d01-fd27-4aa7-a562-72470bff651d.db";

#[test]
fn committed_rows_still_in_the_wal_are_read_and_the_originals_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = tmp.path().join(SHARD);
    std::fs::copy(home().join("history/runs").join(SHARD), &shard).unwrap();
    let base = ndjson(&run(&["stats", "--ndjson", arg(&shard)]));
    let conn = rusqlite::Connection::open(&shard).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    // A user log line one ms after the run's last event, as Dagster writes it.
    let last: String = conn
        .query_row(
            "SELECT event FROM event_logs ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut entry: Value = serde_json::from_str(&last).unwrap();
    entry["dagster_event"] = Value::Null;
    entry["user_message"] = "written after the last checkpoint".into();
    entry["timestamp"] = (entry["timestamp"].as_f64().unwrap() + 0.001).into();
    conn.execute(
        "INSERT INTO event_logs (run_id, event, timestamp) VALUES (?1, ?2, '2026-11-24 06:32:30')",
        (entry["run_id"].as_str().unwrap(), entry.to_string()),
    )
    .unwrap();
    let wal = tmp.path().join(format!("{SHARD}-wal"));
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    let before = snapshot_tree(tmp.path());
    let out = run(&["logs", "--ndjson", arg(&shard)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events = ndjson(&out);
    assert_eq!(
        events.len() as u64,
        base[0]["eventCount"].as_u64().unwrap() + 1
    );
    assert_eq!(
        events.last().unwrap()["message"],
        "written after the last checkpoint"
    );
    assert_eq!(snapshot_tree(tmp.path()), before);
    drop(conn);
}

#[test]
fn a_bad_row_costs_that_row_and_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = tmp.path().join(SHARD);
    std::fs::copy(home().join("history/runs").join(SHARD), &shard).unwrap();
    let conn = rusqlite::Connection::open(&shard).unwrap();
    conn.execute(
        "UPDATE event_logs SET event = '{\"__class__\": \"EventLogEntry\", \"run_id\"' WHERE id = 3",
        [],
    )
    .unwrap();
    drop(conn);
    let out = run(&["stats", "--ndjson", arg(&shard)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "bad row in {}, table event_logs, id 3: its event is not JSON",
            shard.display()
        )),
        "{err}"
    );
    assert_eq!(ndjson(&out)[0]["eventCount"], 13);
}

#[test]
fn a_sqlite_file_that_is_not_run_storage_is_named_or_passed_over() {
    let schedules = home().join("schedules/schedules.db");
    let out = run(&["runs", arg(&schedules)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("is not a Dagster export: a SQLite database without Dagster's event_logs or runs tables (tables: "),
        "{err}"
    );
    // Walked as part of the home, it is passed over quietly.
    let walked = run(&["runs", arg(&home())]);
    assert_eq!(walked.status.code(), Some(0), "{}", stderr(&walked));
}

#[test]
fn python_nan_in_a_stored_event_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let shard = tmp.path().join(SHARD);
    std::fs::copy(home().join("history/runs").join(SHARD), &shard).unwrap();
    let conn = rusqlite::Connection::open(&shard).unwrap();
    // Python's json writes float('nan') metadata as a bare NaN.
    let changed = conn
        .execute(
            "UPDATE event_logs SET event = replace(event, '\"__class__\": \"EventLogEntry\"', \
             '\"__class__\": \"EventLogEntry\", \"extra\": NaN') WHERE id = 2",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let out = run(&["stats", "--ndjson", arg(&shard)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(ndjson(&out)[0]["eventCount"], 14);
}

#[test]
fn storage_output_snapshots() {
    let home = "fixtures/dagster-1.13-home";
    snap!("storage_runs_table", ["runs", home, "--limit", "5"]);
    snap!("storage_info_table", ["info", home, "--run-id", "0f246d01"]);
    snap!(
        "storage_info_json",
        ["info", home, "--run-id", "0f246d01", "--json"]
    );
    snap!(
        "storage_runs_markdown",
        ["runs", home, "--status", "FAILURE", "--format", "markdown"]
    );
}

/// The committed home holds no SQLite side files: nothing (daglog or a
/// test) may leave `-wal` or `-shm` files beside its databases.
#[test]
fn the_fixture_home_is_left_as_committed() {
    let out = run(&["stats", "--ndjson", arg(&home())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut side_files = Vec::new();
    let mut stack = vec![home()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy().to_string();
            if path.is_dir() {
                stack.push(path);
            } else if ["-wal", "-shm", "-journal"]
                .iter()
                .any(|s| name.ends_with(s))
            {
                side_files.push(name);
            }
        }
    }
    assert!(side_files.is_empty(), "{side_files:?}");
}
