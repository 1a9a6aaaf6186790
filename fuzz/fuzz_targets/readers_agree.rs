//! The one-pass reader and simd-json's tape read any bytes the same: the
//! same events, runs and problems, or the same error; with daglog's stage 1
//! and with simd-json's. The one-pass reader may only give up a page to the
//! tape, never accept what the tape refuses.
#![no_main]

use daglog_ingest::fuzzing::{Reader, parse_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for simd_json_stage1 in [false, true] {
        let one_pass = format!("{:?}", parse_with(data, Reader::OnePass, simd_json_stage1));
        let tape = format!("{:?}", parse_with(data, Reader::Tape, simd_json_stage1));
        assert_eq!(one_pass, tape, "stage 1 of simd-json only: {simd_json_stage1}");
    }
});
