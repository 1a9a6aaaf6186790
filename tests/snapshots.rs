use crate::common::*;

#[test]
fn human_output() {
    snap!(
        "logs_human_module_not_found",
        ["logs", "fixtures/dagster-1.13/b_module_not_found"]
    );
    // Several runs: each line starts with the run id's first 8 characters.
    snap!(
        "logs_human_sample_failures",
        ["logs", "data/sample", "--event-type", "FAILURE"]
    );
    // Multi-line, tabs, unicode, a 10 KB message, an empty message.
    snap!(
        "logs_human_edge_cases",
        ["logs", "fixtures/dagster-1.13/o_log_message_edge_cases"]
    );
    // Dagster 0.14: PIPELINE_* run events, causes without className.
    snap!(
        "logs_human_dagster_0_14",
        [
            "logs",
            "fixtures/dagster-0.14/b_module_not_found_multiprocess/4c20f6b0-b51f-4a3b-a4f8-fdff673f902e/pages"
        ]
    );
}

#[test]
fn json_output() {
    snap!(
        "logs_json_config_diff_errors",
        [
            "logs",
            "fixtures/dagster-1.13/l_config_diff",
            "--run-id",
            "0f246d01",
            "--level",
            "error",
            "--json"
        ]
    );
    snap!(
        "logs_json_paged",
        [
            "logs",
            "data/sample",
            "--run-id",
            "c0f6",
            "--event-type",
            "STEP_",
            "--limit",
            "3",
            "--json"
        ]
    );
}

#[test]
fn count_by_output() {
    // The reference's "count events by type" recipe, as a table and as its JSON.
    snap!(
        "logs_count_by_type_sample",
        ["logs", "data/sample", "--count-by", "type"]
    );
    snap!(
        "logs_count_by_type_sample_json",
        ["logs", "data/sample", "--count-by", "type", "--json"]
    );
    snap!(
        "logs_count_by_step_failures_ndjson",
        [
            "logs",
            "data/sample",
            "--event-type",
            "FAILURE",
            "--count-by",
            "step",
            "--ndjson"
        ]
    );
    // Counting is not paging.
    snap!(
        "logs_count_by_with_limit",
        ["logs", "data/sample", "--count-by", "run", "--limit", "2"]
    );
}

#[test]
fn ndjson_output() {
    snap!(
        "logs_ndjson_retry_steps",
        [
            "logs",
            "fixtures/dagster-1.13/h1_retry_then_success",
            "--event-type",
            "STEP_UP_FOR_RETRY,STEP_RESTARTED",
            "--ndjson"
        ]
    );
}

#[test]
fn help() {
    snap!("help", ["--help"]);
    snap!("logs_help", ["logs", "--help"]);
}

/// Text from logs never reaches the terminal raw: no control character but
/// the newline ending each line.
#[test]
fn human_output_escapes_control_characters() {
    let out = run(&["logs", "fixtures/dagster-1.13"]);
    let text = stdout(&out);
    assert!(text.lines().count() > 5000);
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    assert!(text.contains("\\t"), "the edge-case run has a tab");
}
