//! The HTML report in a real browser: the reports of a real failing run and
//! of a many-run archive are rendered by headless Chromium, which must paint
//! their timelines (the Gantt charts) and keep every bar in its DOM; and log
//! text made of markup and terminal escapes must come out as text.
//!
//! Chromium is required, not optional: without it this test fails and says
//! how to install it (`apt-get install -y chromium` on Debian, or point
//! `$CHROMIUM` at a binary).

mod common;

use std::io::Read;
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
    run_chromium_at(exe, profile, page, args, "1200,900")
}

/// [`run_chromium`] in a window of `size` (`width,height`).
fn run_chromium_at(exe: &Path, profile: &Path, page: &Path, args: &[String], size: &str) -> Output {
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--hide-scrollbars",
            "--disable-background-networking",
        ])
        .arg(format!("--window-size={size}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    // A page's DOM can be more than a pipe holds: read both pipes while waiting.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish in 90s: {}",
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = Output {
        status: child.wait().unwrap(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
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

/// Marks in the page where a table cell breaks a word (a run of text
/// without spaces) across lines, measured by Chromium at 1400 px: the
/// page's own policy forbids scripts, so a copy allows the one that
/// measures, which writes what it found into the DOM.
fn words_broken_in_cells(html: &str) -> Vec<String> {
    const MEASURE: &str = r#"<script>
const broken = [];
for (const cell of document.querySelectorAll('td, th')) {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const re = /\S+/g;
    let m;
    while ((m = re.exec(node.textContent))) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(m[0]);
    }
  }
}
const out = document.createElement('pre');
out.id = 'broken-words';
out.textContent = JSON.stringify(broken);
document.body.appendChild(out);
</script>"#;
    let policy = "style-src 'unsafe-inline';";
    assert!(html.contains(policy));
    let measured = html
        .replace(
            policy,
            "style-src 'unsafe-inline'; script-src 'unsafe-inline';",
        )
        .replace("</body>", &format!("{MEASURE}</body>"));
    let exe = chromium();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, measured).unwrap();
    let dom = run_chromium_at(
        &exe,
        &dir.path().join("profile"),
        &page,
        &["--dump-dom".to_string()],
        "1400,1000",
    )
    .stdout;
    let dom = String::from_utf8(dom).unwrap();
    let start = dom
        .find("<pre id=\"broken-words\">")
        .unwrap_or_else(|| panic!("the measuring script did not run: {dom}"))
        + "<pre id=\"broken-words\">".len();
    let json = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    serde_json::from_str(
        &json
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">"),
    )
    .unwrap()
}

/// At 1400 px no table cell breaks a word: not a status (`FAILU|RE`), a run
/// id, a time or a path, in the reports of a whole archive, of a failing
/// run and of a 300-step fan-out (whose mapped steps are one Gantt row).
#[test]
fn no_table_cell_breaks_a_word_at_1400_px() {
    for case in [
        "fixtures/dagster-1.13",
        "fixtures/dagster-1.13/f1_hang_terminated_multiprocess",
        "fixtures/dagster-1.13/o_log_message_edge_cases",
        "fixtures/dagster-1.13/j1_fanout_300_success",
    ] {
        let (html, _) = report_html(&root().join(case));
        let broken = words_broken_in_cells(&html);
        assert!(broken.is_empty(), "{case}: {broken:?}");
    }
    let (html, _) = report_html(&root().join("fixtures/dagster-1.13/j1_fanout_300_success"));
    let chart = first_chart(&html);
    assert!(
        chart.contains("process_chunk[*] ×300") || chart.contains("×300"),
        "{chart}"
    );
    assert!(
        html.matches("<text class=\"label\"").count() < 20,
        "mapped steps are one row"
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
