//! Differential against serde_json: bytes that are not a sequence of JSON
//! values (serde_json's stream reader stops with an error) are never read
//! in silence. daglog refuses the file, or reads it with a problem or a bad
//! event named. Python's `NaN`/`Infinity`, which daglog reads on purpose,
//! are left out; a leading byte order mark is skipped by both.
#![no_main]

use daglog_ingest::fuzzing::{Reader, parse_with, parse_with_details};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let json = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    if json.starts_with(&[0x1f, 0x8b])
        || json.windows(3).any(|w| w == b"NaN" || w == b"Inf")
    {
        return;
    }
    let serde_ok = serde_json::Deserializer::from_slice(json)
        .into_iter::<serde_json::Value>()
        .all(|v| v.is_ok());
    if serde_ok {
        return;
    }
    for parsed in [
        parse_with(data, Reader::OnePass, false),
        parse_with(data, Reader::Tape, false),
        parse_with_details(data),
    ] {
        if let Ok(f) = parsed {
            assert!(
                !f.problems.is_empty() || f.bad_events > 0,
                "invalid JSON read in silence: {} events, kind {:?}",
                f.batch.len(),
                f.kind
            );
        }
    }
});
