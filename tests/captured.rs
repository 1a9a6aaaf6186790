//! `daglog output`: a run's captured stdout/stderr from the compute logs of
//! the real DAGSTER_HOME in `fixtures/dagster-1.13-home`.

use crate::common::{render, run, stderr, stdout};

const HOME: &str = "fixtures/dagster-1.13-home";

#[test]
fn the_failing_steps_stderr_holds_its_traceback() {
    let out = run(&[
        "output",
        HOME,
        "--run-id",
        "a0e9d44b",
        "--step-key",
        "load_warehouse_client",
        "--stderr",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // One file: no header, the text as captured.
    assert!(!text.contains("==>"), "{text}");
    assert!(
        text.contains("ModuleNotFoundError: No module named 'snowflake'"),
        "{text}"
    );
    let expected = std::fs::read_to_string(
        crate::common::root()
            .join(HOME)
            .join("storage/a0e9d44b-f53b-46ee-92b7-5e1c1c268a53/compute_logs/xbplpcfx.err"),
    )
    .unwrap();
    assert_eq!(text, expected);
}

#[test]
fn every_process_of_a_run_with_headers_and_attempts() {
    let out = run(&["output", HOME, "--run-id", "c0f61630", "--stderr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let headers: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with("==> "))
        .map(|l| l.rsplit_once('(').unwrap().1.to_string())
        .collect();
    assert_eq!(
        headers,
        [
            "stderr, step flaky_api_call, attempt 1) <==",
            "stderr, step flaky_api_call, attempt 2) <==",
            "stderr, step flaky_api_call, attempt 3) <==",
            "stderr, step store_api_result) <==",
        ]
    );
}

#[test]
fn output_snapshots() {
    insta::assert_snapshot!(
        "output_stdout_one_step",
        render(&run(&[
            "output",
            HOME,
            "--run-id",
            "27a22958",
            "--step",
            "extract_orders",
            "--stdout"
        ]))
    );
    insta::assert_snapshot!(
        "output_unknown_step",
        render(&run(&[
            "output",
            HOME,
            "--run-id",
            "a0e9d44b",
            "--step-key",
            "load_warehouse"
        ]))
    );
    insta::assert_snapshot!(
        "output_without_a_home",
        render(&run(&[
            "output",
            "fixtures/dagster-1.13/b_module_not_found"
        ]))
    );
}

#[test]
fn exports_beside_the_storage_folder_find_the_captures() {
    let out = run(&[
        "output",
        "fixtures/dagster-1.13/b_module_not_found",
        &format!("{HOME}/storage"),
        "--step-key",
        "load_warehouse_client",
        "--stderr",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("No module named 'snowflake'"));
}

/// `diagnose` and the one-run report show the end of the root step's stderr
/// when the archive has the compute logs; exports alone have none.
#[test]
fn diagnose_and_report_show_the_root_steps_stderr_tail() {
    let out = run(&["diagnose", HOME, "--run-id", "a0e9d44b", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tail = &v["runs"][0]["capturedStderr"];
    assert!(
        tail["path"]
            .as_str()
            .unwrap()
            .ends_with("compute_logs/xbplpcfx.err"),
        "{tail}"
    );
    assert_eq!(tail["stepKey"], "load_warehouse_client");
    assert_eq!(tail["lines"].as_array().unwrap().len(), 20);
    let text = stdout(&run(&["diagnose", HOME, "--run-id", "a0e9d44b"]));
    assert!(
        text.contains("Captured stderr of load_warehouse_client"),
        "{text}"
    );
    let report = stdout(&run(&[
        "report", HOME, "--run-id", "a0e9d44b", "--format", "markdown",
    ]));
    assert!(
        report.contains("Captured stderr of load_warehouse_client"),
        "{report}"
    );
    let exports = run(&[
        "diagnose",
        "fixtures/dagster-1.13/b_module_not_found",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&exports.stdout).unwrap();
    assert!(v["runs"][0].get("capturedStderr").is_none());
}
