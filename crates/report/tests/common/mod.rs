//! Helpers shared by the printer tests: real fixtures in, checks on output.

// Each test binary uses some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use daglog_ingest::{Archive, Input, LoadOptions, NoProgress};

/// `fixtures/dagster-1.13/<case>`.
pub(crate) fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/dagster-1.13")
        .join(name)
}

/// The archive of these paths, which must read without a problem.
pub(crate) fn load_paths(paths: &[PathBuf]) -> Archive {
    let inputs: Vec<Input> = paths
        .iter()
        .map(|p| Input::from_arg(p.to_str().unwrap()))
        .collect();
    let archive = Archive::load(&inputs, LoadOptions::default(), &NoProgress).unwrap();
    assert!(archive.problems.is_empty(), "{:?}", archive.problems);
    archive
}

/// Every Markdown table row has as many cell separators as its header.
pub(crate) fn assert_tables_hold(md: &str) {
    let mut columns = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let bars = line
            .match_indices('|')
            .filter(|(i, _)| !line[..*i].ends_with('\\'))
            .count();
        let want = *columns.get_or_insert(bars);
        assert_eq!(bars, want, "a cell broke its table: {line}");
    }
}
