//! Hooks for the fuzz targets in `fuzz/` (feature `fuzzing`, never in a
//! release build) and the unit tests: the same parse through each of the
//! readers, so that they can be held to agree.

use std::path::Path;

use crate::error::Error;
use crate::parse::{KeepRaw, ParseOptions, ParsedFile, parse_bytes};

/// Which reader a page is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The one-pass reader (`logs`' path), where a page allows it.
    OnePass,
    /// simd-json's tape only.
    Tape,
}

/// `data` parsed as a load without details reads it, with `reader`, and
/// with daglog's own stage 1 (AVX-512, where the CPU has it) or simd-json's.
pub fn parse_with(
    data: &[u8],
    reader: Reader,
    simd_json_stage1: bool,
) -> Result<ParsedFile, Error> {
    let one_pass = crate::parse::ONDEMAND.replace(reader == Reader::OnePass);
    let simd_json_only = crate::structural::SIMD_JSON_ONLY.replace(simd_json_stage1);
    let opts = ParseOptions {
        keep_raw: KeepRaw::All,
        details: false,
        fallback_run_id: None,
    };
    let parsed = parse_bytes(Path::new("fuzz.json"), data, &opts);
    crate::parse::ONDEMAND.set(one_pass);
    crate::structural::SIMD_JSON_ONLY.set(simd_json_only);
    parsed
}

/// `data` parsed as the analysis commands read it: messages, errors and
/// details, from the tape.
pub fn parse_with_details(data: &[u8]) -> Result<ParsedFile, Error> {
    let opts = ParseOptions {
        keep_raw: KeepRaw::None,
        details: true,
        fallback_run_id: None,
    };
    parse_bytes(Path::new("fuzz.json"), data, &opts)
}
