//! The HTML report in a real browser: the reports of a real failing run and
//! of a many-run archive are rendered by headless Chromium, which must paint
//! their timelines (the Gantt charts) and keep every bar in its DOM; and log
//! text made of markup and terminal escapes must come out as text.
//!
//! Chromium is required, not optional: without it this test fails and says
//! how to install it (`apt-get install -y chromium` on Debian, or point
//! `$CHROMIUM` at a binary).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use daglog_analysis::Analysis;
use daglog_ingest::Archive;
use daglog_report::{Format, write_archive_report, write_run_report};
use serde_json::Value;

use common::load_paths;

const EVIL: &str =
    "<script>alert(1)</script>\"><img src=x onerror=alert(1)> \x1b[31mred\x1b[0m\nline";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(path: &Path) -> Archive {
    load_paths(&[path.to_path_buf()])
}

/// The HTML report of the archive at `path` (one run: the run report) and
/// the number of bars its timeline must have.
fn report_html(path: &Path) -> (String, usize) {
    let archive = load(path);
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    let mut html = Vec::new();
    let bars = if archive.runs.len() == 1 {
        let report = analysis.run_reports(stats, 10_000).unwrap().remove(0);
        write_run_report(&mut html, &report, Format::Html).unwrap();
        report
            .run
            .steps
            .iter()
            .map(|s| {
                s.attempts
                    .iter()
                    .filter(|a| a.start_time.is_some())
                    .count()
                    .max(usize::from(s.status.as_str() != "NOT_EXECUTED"))
            })
            .sum()
    } else {
        let report = analysis.archive_report(&stats, 10_000).unwrap();
        write_archive_report(&mut html, &report, Format::Html).unwrap();
        report.timeline.len()
    };
    (String::from_utf8(html).unwrap(), bars)
}

/// `$CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return path.into();
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let exe = dir.join(name);
            if exe.is_file() {
                return exe;
            }
        }
    }
    panic!(
        "this test needs headless Chromium, and found neither `chromium` nor \
         `chromium-browser` on the PATH: install it (Debian: `apt-get install -y chromium`) \
         or set CHROMIUM=/path/to/chromium"
    );
}

/// Runs Chromium headless on `page` with `args`, killed if it hangs.
fn run_chromium(exe: &Path, profile: &Path, page: &Path, args: &[String]) -> Output {
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    // Its output is small (one page's DOM), so the pipes cannot fill while we wait.
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "chromium did not finish in 90s: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "chromium failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Pixels of `png` within a small distance of `rgb`.
fn pixels_near(rgba: &[u8], channels: usize, rgb: [u8; 3]) -> usize {
    rgba.chunks_exact(channels)
        .filter(|p| (0..3).all(|i| p[i].abs_diff(rgb[i]) <= 8))
        .count()
}

/// The DOM and the decoded screenshot of `html` as Chromium renders it.
fn render(html: &str) -> (String, Vec<u8>, usize) {
    let exe = chromium();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).unwrap();
    let shot = dir.path().join("out.png");
    let profile = dir.path().join("profile");
    run_chromium(
        &exe,
        &profile,
        &page,
        &[format!("--screenshot={}", shot.display())],
    );
    let dom = run_chromium(&exe, &profile, &page, &["--dump-dom".to_string()]).stdout;
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let mut reader = png::Decoder::new(std::io::Cursor::new(&png))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1200, 900));
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let channels = info.color_type.samples();
    pixels.truncate(info.buffer_size());
    (String::from_utf8(dom).unwrap(), pixels, channels)
}

/// The first chart of the DOM and its bars.
fn first_chart(dom: &str) -> &str {
    let start = dom
        .find("<svg id=\"gantt\"")
        .unwrap_or_else(|| panic!("no timeline: {dom}"));
    let chart = &dom[start..];
    &chart[..chart.find("</svg>").unwrap()]
}

#[test]
fn chromium_draws_the_timeline_of_a_failing_run() {
    // f1: a step that hung for 5.5 minutes (red, the cancel failed it) after one that succeeded (green).
    let (html, bars) =
        report_html(&root().join("fixtures/dagster-1.13/f1_hang_terminated_multiprocess"));
    assert!(bars >= 2);
    let (dom, pixels, channels) = render(&html);
    let chart = first_chart(&dom);
    assert_eq!(chart.matches("<rect class=\"bar ").count(), bars, "{chart}");
    assert!(chart.matches("<title>").count() >= bars);
    let total = pixels.len() / channels;
    let ink = total - pixels_near(&pixels, channels, [255, 255, 255]);
    assert!(
        ink > total / 100,
        "the page looks blank: {ink} of {total} pixels"
    );
    assert!(
        pixels_near(&pixels, channels, [0xcf, 0x22, 0x2e]) > 200,
        "no red bar"
    );
    assert!(dom.contains("timeout_hang"));
    assert!(!dom.contains("<script"));
}

#[test]
fn chromium_draws_the_timeline_of_a_many_run_archive() {
    let (html, bars) = report_html(&root().join("data/sample"));
    assert_eq!(bars, 5);
    let (dom, pixels, channels) = render(&html);
    let chart = first_chart(&dom);
    assert_eq!(chart.matches("<rect class=\"bar ").count(), bars, "{chart}");
    assert!(
        pixels_near(&pixels, channels, [0x1a, 0x7f, 0x37]) > 100,
        "no green bar"
    );
    assert!(
        pixels_near(&pixels, channels, [0xcf, 0x22, 0x2e]) > 100,
        "no red bar"
    );
    for section in ["Error fingerprints", "Flaky steps", "Hang candidates"] {
        assert!(dom.contains(section), "{section}");
    }
}

#[test]
fn log_text_made_of_markup_and_escapes_stays_text() {
    // A real page of h1 with a user log line, a step key and an error
    // message replaced by hostile text.
    let case = root().join("fixtures/dagster-1.13/h1_retry_then_success/c0f61630-cf1c-4e21-ba0c-c7d51307251e/pages/page-0001.json");
    let mut page: Value = serde_json::from_slice(&std::fs::read(case).unwrap()).unwrap();
    for ev in page["events"].as_array_mut().unwrap() {
        if ev["stepKey"] == "store_api_result" {
            ev["stepKey"] = EVIL.into();
        }
        if ev["eventType"].is_null() {
            ev["message"] = EVIL.into();
        }
        if ev["eventType"] == "STEP_UP_FOR_RETRY" {
            ev["error"]["cause"]["message"] = format!("ConnectionResetError: {EVIL}").into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = dir
        .path()
        .join("c0f61630-cf1c-4e21-ba0c-c7d51307251e/pages");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("page-0001.json"),
        serde_json::to_vec(&page).unwrap(),
    )
    .unwrap();
    let (html, _) = report_html(dir.path());
    assert!(!html.contains('\x1b'), "a raw escape byte");
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "a script element"
    );
    assert!(!html.contains("<img"), "an img element");
    let (dom, _, _) = render(&html);
    assert!(!dom.contains("<script") && !dom.contains("<img"), "{dom}");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // And in Markdown, for a ticket: no raw markup either.
    let archive = load(dir.path());
    let analysis = Analysis::new(&archive, archive.runs.iter().collect()).unwrap();
    let stats = analysis.run_stats().unwrap();
    let report = analysis.run_reports(stats, 10_000).unwrap().remove(0);
    let mut md = Vec::new();
    write_run_report(&mut md, &report, Format::Markdown).unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(!md.contains('\x1b'));
    // Inside a code fence (error bodies, charts) text is shown as is, inert;
    // everywhere else it must be escaped.
    let outside = outside_fences(&md);
    assert!(
        !outside.contains("<script>") && !outside.contains("<img src"),
        "{outside}"
    );
}

/// The lines of a Markdown text that are not inside a ``` or ~~~ fence.
fn outside_fences(md: &str) -> String {
    let mut fence: Option<String> = None;
    let mut out = String::new();
    for line in md.lines() {
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|c| *c == '`' || *c == '~').collect();
        match &fence {
            Some(open) if t.starts_with(open.as_str()) && t.trim() == open.as_str() => fence = None,
            Some(_) => {}
            None if marker.len() >= 3 => fence = Some(marker),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}
