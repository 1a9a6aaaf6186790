//! Taking the whitespace between tokens out of JSON, so that events from
//! pretty pages are written compact (one line each, as `--ndjson` needs).
//!
//! More than half of a real archive's bytes can be pretty pages, and every
//! `--json` or `--ndjson` output passes them through here, so on CPUs with
//! AVX-512 VBMI2 whole 64-byte blocks are compacted at once, with
//! simdjson's bit tricks for escapes and strings (the last partial block is
//! a masked load). Elsewhere the same rules run byte by byte; both give the
//! same bytes, which the tests check on real pages and on random bytes.
//!
//! The input is JSON that simd-json has already accepted: the only question
//! asked of a byte is whether it is whitespace outside a string.

use crate::scan::skip_string;

/// Appends `json` to `out` without the whitespace between its tokens.
pub(crate) fn write_compact(json: &[u8], out: &mut Vec<u8>) {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        avx512::write_compact(json, out);
        return;
    }
    write_compact_bytewise(json, out);
}

/// What carries from one 64-byte block to the next: whether it starts
/// inside a string, and whether its first byte is escaped.
#[derive(Clone, Copy, Default)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Strings {
    inside: bool,
    escaped: bool,
}

impl Strings {
    /// Whether `c` is kept, moving the state past it: the rules byte by
    /// byte, which the tests hold both ways of compacting to. A backslash escapes
    /// the byte after it wherever it is (outside a string that is not JSON,
    /// but the 64-byte path reads it so, and the two must agree).
    #[cfg(test)]
    fn keep(&mut self, c: u8) -> bool {
        if self.escaped {
            self.escaped = false;
        } else if c == b'\\' {
            self.escaped = true;
        } else if c == b'"' {
            self.inside = !self.inside;
        } else if !self.inside && crate::scan::is_ws(c) {
            return false;
        }
        true
    }
}

/// [`write_compact`] without SIMD: strings are copied whole (found with
/// `memchr`), and the bytes between them are looked at one by one.
fn write_compact_bytewise(json: &[u8], out: &mut Vec<u8>) {
    out.reserve(json.len());
    let mut i = 0;
    while i < json.len() {
        let c = json[i];
        match c {
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b'"' => {
                let end = skip_string(json, i).unwrap_or(json.len());
                out.extend_from_slice(&json[i..end]);
                i = end;
            }
            b'\\' => {
                let end = (i + 2).min(json.len());
                out.extend_from_slice(&json[i..end]);
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub(crate) mod avx512 {
    use std::arch::x86_64::*;

    use super::Strings;

    pub(crate) fn available() -> bool {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vbmi2")
            && is_x86_feature_detected!("pclmulqdq")
    }

    /// [`super::write_compact`] a 64-byte block at a time; only call it when
    /// [`available`] says the CPU has the features it is compiled for.
    pub(super) fn write_compact(json: &[u8], out: &mut Vec<u8>) {
        assert!(available());
        // SAFETY: the features `compact` is compiled for are present.
        unsafe { compact(json, out) }
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,pclmulqdq")]
    fn compact(json: &[u8], out: &mut Vec<u8>) {
        // Output never outgrows the input read so far, so 64 bytes more than
        // `json.len()` cover every write, each a full 64-byte store.
        out.reserve(json.len() + 64);
        let base = out.len();
        let mut written = 0;
        let spare = &mut out.spare_capacity_mut()[..json.len() + 64];
        let mut strings = Strings::default();
        let mut blocks = json.chunks_exact(64);
        for block in &mut blocks {
            // SAFETY: `block` is 64 readable bytes; the load is unaligned.
            let v = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
            let keep = block_keep(v, !0, &mut strings);
            store(spare, &mut written, keep, v);
        }
        // The last bytes (an event's last 32 on average) are a block too:
        // a masked load reads only them.
        let tail = blocks.remainder();
        if !tail.is_empty() {
            let valid = (1u64 << tail.len()) - 1;
            // SAFETY: the masked-out bytes are not read (AVX-512 masked
            // loads do not fault on them).
            let v = unsafe { _mm512_maskz_loadu_epi8(valid, tail.as_ptr().cast()) };
            let keep = block_keep(v, valid, &mut strings);
            store(spare, &mut written, keep, v);
        }
        // SAFETY: the first `written` spare bytes were written above.
        unsafe { out.set_len(base + written) };
    }

    /// Which of the block's `valid` bytes are kept, moving `strings` past them.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,pclmulqdq")]
    fn block_keep(v: __m512i, valid: u64, strings: &mut Strings) -> u64 {
        let backslashes = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\\' as i8)) & valid;
        // Most blocks have no backslash, and none carried into them.
        let escaped = if backslashes == 0 && !strings.escaped {
            0
        } else {
            escaped(backslashes, &mut strings.escaped)
        };
        // Bit i of `inside` is set from an opening quote up to (not
        // including) its closing quote: a prefix XOR of the quote bits.
        let quotes = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'"' as i8)) & !escaped & valid;
        let carry = if strings.inside { !0 } else { 0 };
        let inside = prefix_xor(quotes) ^ carry;
        strings.inside = inside >> 63 == 1;
        let ws = [b' ', b'\n', b'\r', b'\t']
            .map(|c| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8)))
            .into_iter()
            .fold(0, |all, m| all | m);
        !(ws & !inside & !escaped) & valid
    }

    /// Writes the kept bytes of `v` at `written` in `spare` (a full 64-byte store).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2")]
    fn store(spare: &mut [std::mem::MaybeUninit<u8>], written: &mut usize, keep: u64, v: __m512i) {
        let packed = _mm512_maskz_compress_epi8(keep, v);
        let to = &mut spare[*written..*written + 64];
        // SAFETY: `to` is 64 writable bytes (see the reserve in `compact`).
        unsafe { _mm512_storeu_si512(to.as_mut_ptr().cast(), packed) };
        *written += keep.count_ones() as usize;
    }

    /// The bytes escaped by a backslash, given the block's backslashes and
    /// whether its first byte is escaped (updated for the next block): in a
    /// run of backslashes every other one escapes the next byte. This is
    /// simdjson's branchless odd-run trick (`find_escaped_branchless`).
    pub(crate) fn escaped(backslash: u64, first_escaped: &mut bool) -> u64 {
        const EVEN_BITS: u64 = 0x5555_5555_5555_5555;
        let carry = u64::from(*first_escaped);
        let backslash = backslash & !carry;
        let follows_escape = (backslash << 1) | carry;
        let odd_starts = backslash & !EVEN_BITS & !follows_escape;
        let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
        *first_escaped = overflow;
        (EVEN_BITS ^ (even_starts << 1)) & follows_escape
    }

    /// Bit i of the result is the XOR of bits 0..=i of `bits`.
    #[target_feature(enable = "pclmulqdq")]
    pub(crate) fn prefix_xor(bits: u64) -> u64 {
        let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, bits as i64), _mm_set1_epi8(-1), 0);
        _mm_cvtsi128_si64(product) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways, and the byte loop alone, must give `expected`.
    fn check(json: &[u8], expected: &[u8]) {
        let mut bytewise = Vec::new();
        write_compact_bytewise(json, &mut bytewise);
        assert_eq!(
            bytewise,
            expected,
            "bytewise of {:?}",
            String::from_utf8_lossy(json)
        );
        let mut state = Strings::default();
        let stepped: Vec<u8> = json.iter().copied().filter(|&c| state.keep(c)).collect();
        assert_eq!(
            stepped,
            expected,
            "state machine of {:?}",
            String::from_utf8_lossy(json)
        );
        let mut out = b"kept".to_vec();
        write_compact(json, &mut out);
        assert_eq!(&out[..4], b"kept");
        assert_eq!(
            &out[4..],
            expected,
            "write_compact of {:?}",
            String::from_utf8_lossy(json)
        );
    }

    #[test]
    fn whitespace_inside_strings_is_kept() {
        check(
            b"{\n  \"a b\": [ 1,\t2 ],\n \"c\": \"x\\\" y\"\n}",
            br#"{"a b":[1,2],"c":"x\" y"}"#,
        );
    }

    #[test]
    fn strings_and_escapes_across_block_edges() {
        // Shifting the document one byte at a time puts every quote, escape
        // and run of spaces on each side of a 64-byte block edge.
        for shift in 0..130 {
            let pad = " ".repeat(shift % 67);
            let json = format!(
                "{}{{ \"k\" :\n\t\"{pad}a \\\\ b \\\" \\n c\" , \"e\\\\\" : [ 1 , \"  \" ] }}\r\n{}",
                " ".repeat(shift),
                "\n".repeat(70 - shift % 70),
            );
            let expected = format!(r#"{{"k":"{pad}a \\ b \" \n c","e\\":[1,"  "]}}"#);
            check(json.as_bytes(), expected.as_bytes());
        }
    }

    #[test]
    fn any_bytes_compact_the_same_both_ways() {
        // Not JSON, so the state machine is all that says what is right.
        // Backslashes rare, as in real pages, and in runs.
        let alphabet = b"  \n\t\"\"ab{}:,[]";
        let mut random = crate::testing::random();
        for (len, rare) in (0..600).flat_map(|len| [(len, 200), (len, 3)]) {
            let json: Vec<u8> = (0..len)
                .map(|_| match random(rare) {
                    0 => b'\\',
                    r => alphabet[r % alphabet.len()],
                })
                .collect();
            let mut state = Strings::default();
            let expected: Vec<u8> = json.iter().copied().filter(|&c| state.keep(c)).collect();
            check(&json, &expected);
        }
    }

    #[test]
    fn real_pretty_pages_compact_to_the_same_json() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut checked = 0;
        for entry in walk(&dir) {
            let bytes = std::fs::read(&entry).unwrap();
            if !bytes.starts_with(b"{\n") {
                continue;
            }
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                continue;
            };
            let mut out = Vec::new();
            write_compact_bytewise(&bytes, &mut out);
            check(&bytes, &out);
            assert!(out.len() < bytes.len() && !out.contains(&b'\n'));
            let compacted: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(compacted, value, "{}", entry.display());
            checked += 1;
        }
        assert!(checked >= 5, "only {checked} pretty fixtures found");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
        files
    }
}
