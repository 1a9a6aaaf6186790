//! Any bytes, and the same bytes gzipped, as a file daglog is given: it
//! never panics, and never loops (libFuzzer's timeout), whatever the reader.
#![no_main]

use std::io::Write;

use daglog_ingest::fuzzing::{Reader, parse_with, parse_with_details};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_with(data, Reader::OnePass, false);
    let _ = parse_with_details(data);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    let gz = gz.finish().unwrap();
    let _ = parse_with(&gz, Reader::OnePass, false);
    let _ = parse_with_details(&gz);
    // A gzip cut short: the decoder's error, named, never a panic.
    let _ = parse_with_details(&gz[..gz.len() / 2]);
});
