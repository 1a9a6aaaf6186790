//! Where output goes: a pipe on standard output is widened, so that a whole
//! archive's JSON takes fewer switches between daglog and the reader.

#[cfg(target_os = "linux")]
#[test]
fn a_pipe_on_standard_output_is_widened() {
    use std::io::Read;
    use std::process::{Command, Stdio};

    use assert_cmd::cargo::CommandCargoExt;

    let mut child = Command::cargo_bin("daglog")
        .unwrap()
        .args(["logs", "--ndjson"])
        .arg(crate::common::modern().join("j1_fanout_300_success"))
        .env("DAGLOG_NO_PROGRESS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut text = String::new();
    out.read_to_string(&mut text).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(
        text.lines().count() > 1000,
        "the fixtures' events were written"
    );
    // 1 MiB unless the system allows less.
    let max: usize = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1 << 20);
    let size = rustix::pipe::fcntl_getpipe_size(&out).unwrap();
    assert_eq!(size, max.min(1 << 20));
}
