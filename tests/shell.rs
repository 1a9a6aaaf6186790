//! `daglog completions` and `daglog man`: what a shell and `man` get.

use crate::common::*;

/// The bash script completes commands and flags in a real bash; zsh and
/// fish scripts name every command.
#[test]
fn completions_complete_in_bash() {
    let out = run(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("daglog.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let complete = |words: &str, cword: usize, cur: &str, prev: &str| -> String {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _daglog daglog {cur} {prev}; echo \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(complete("daglog dia", 1, "dia", "daglog"), "diagnose");
    assert_eq!(
        complete("daglog logs --event-t", 2, "--event-t", "logs"),
        "--event-type"
    );
    for shell in ["zsh", "fish"] {
        let out = stdout(&run(&["completions", shell]));
        for command in ["logs", "diagnose", "report", "output", "man"] {
            assert!(out.contains(command), "{shell} lacks {command}");
        }
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("possible values: bash"),
        "{}",
        stderr(&out)
    );
}

/// `daglog man` is daglog(1) listing every command; `daglog man logs` is
/// daglog-logs(1) with its flags; an unknown command is a usage error.
#[test]
fn man_pages_for_daglog_and_each_command() {
    let page = stdout(&run(&["man"]));
    assert!(page.contains(".TH daglog 1"), "{page}");
    for command in [
        "logs", "stats", "info", "runs", "diagnose", "compare", "report",
    ] {
        assert!(
            page.contains(&format!("daglog\\-{command}(1)"))
                || page.contains(&format!("\\fB{command}\\fR")),
            "{command} in {page}"
        );
    }
    let logs = stdout(&run(&["man", "logs"]));
    assert!(logs.contains(".TH daglog-logs 1"), "{logs}");
    assert!(logs.contains("\\-\\-event\\-type"), "{logs}");
    assert!(
        logs.contains("get_run_logs.py of the Dagster debug reference"),
        "{logs}"
    );
    // It renders: groff, where the machine has it, reads it without a
    // warning (with preconv, as `man` runs it, for the UTF-8 in the text).
    if std::path::Path::new("/usr/bin/groff").exists() {
        let mut groff = std::process::Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(logs.as_bytes())
            .unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        assert!(String::from_utf8_lossy(&out.stdout).contains("event-type"));
    }
    let out = run(&["man", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "daglog: error: no command \"nope\"; `daglog --help` lists them\n"
    );
}
