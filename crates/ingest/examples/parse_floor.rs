//! The floor under any daglog command: read every page file of a corpus and
//! build simd-json's tape of it, on all cores, with nothing extracted.
//!
//!     cargo run --release -p daglog-ingest --example parse_floor -- data/generated/corpus
//!
//! Prints the time to read the files alone and to read and parse them, so a
//! speed target can be checked against what parsing alone allows.

// Printing the measurement is the point.
#![allow(clippy::print_stdout)]

use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

#[derive(Default)]
struct Scratch {
    file: Vec<u8>,
    input: Vec<u8>,
    buffers: simd_json::Buffers,
    tape: Option<simd_json::Tape<'static>>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn pages(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            pages(&path, out);
        } else if path.to_string_lossy().contains("/pages/page-") {
            out.push(path);
        }
    }
}

/// Reads every file (and parses it when `parse`); returns bytes and tape nodes.
fn pass(files: &[PathBuf], parse: bool) -> (usize, usize) {
    files
        .par_iter()
        .map(|path| {
            SCRATCH.with_borrow_mut(|s| {
                s.file.clear();
                let read = std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut s.file));
                if read.is_err() || !parse {
                    return (s.file.len(), 0);
                }
                s.input.clear();
                s.input.extend_from_slice(&s.file);
                let len = s.input.len();
                s.input.resize(len + simd_json::INPUT_PADDING, b' ');
                let mut tape = s.tape.take().unwrap_or(simd_json::Tape(Vec::new()));
                let nodes =
                    match simd_json::fill_tape_padded(&mut s.input, len, &mut s.buffers, &mut tape)
                    {
                        Ok(()) => tape.0.len(),
                        Err(_) => 0,
                    };
                s.tape = Some(tape.reset());
                (len, nodes)
            })
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/generated/corpus".into());
    let mut files = Vec::new();
    pages(Path::new(&root), &mut files);
    // Warm the page cache (and the thread-local buffers) first.
    pass(&files, true);
    for (what, parse) in [("read", false), ("read + simd-json tape", true)] {
        let t = Instant::now();
        let (bytes, nodes) = pass(&files, parse);
        let s = t.elapsed().as_secs_f64();
        println!(
            "{what}: {} files, {bytes} bytes, {nodes} tape nodes in {s:.3} s ({:.0} MB/s) on {} threads",
            files.len(),
            bytes as f64 / s / 1e6,
            rayon::current_num_threads()
        );
    }
}
