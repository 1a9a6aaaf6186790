//! simd-json's stage 1 (where every token starts) 64 bytes at a time with
//! AVX-512, for the one-pass reader ([`crate::ondemand`]).
//!
//! simd-json's stage 1 works 32 bytes at a time and turns each bit of its
//! masks into an index one at a time; it was the largest single cost of a
//! load without details. Here the same steps (simd-json's own
//! classification table, quote and escape rules, and pseudo-structural
//! rule) run on 64-byte blocks, and the indexes of a block come out of one
//! `vpcompressb`. The backslashes the reader needs are found on the way,
//! so that it does not scan for them again.
//!
//! What it gives is what simd-json gives: the same indexes, and a refusal
//! where simd-json's stage 1 refuses (a string left open, a control
//! character in a string, no token at all) or the text does not start with
//! a bracket. UTF-8 is not checked here: the reader checks it for the whole
//! text anyway. The tests hold both to the same indexes on real pages and
//! on random text. CPUs without AVX-512 VBMI2 use simd-json.

#[cfg(any(test, feature = "fuzzing"))]
thread_local! {
    /// Makes [`available`] say no, so that tests and fuzz targets run
    /// simd-json's stage 1 too.
    pub(crate) static SIMD_JSON_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this CPU can run [`find`].
pub(crate) fn available() -> bool {
    #[cfg(any(test, feature = "fuzzing"))]
    if SIMD_JSON_ONLY.get() {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        avx512::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Fills `structurals` with where each token of `json` starts and
/// `backslashes` with where each backslash is; `false` when simd-json's
/// stage 1 would refuse the text or its first token is not `{` or `[`.
/// Only call it when [`available`] says so.
pub(crate) fn find(json: &[u8], structurals: &mut Vec<u32>, backslashes: &mut Vec<u32>) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx512::find(json, structurals, backslashes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (json, structurals, backslashes);
        unreachable!("stage 1 with AVX-512 runs only where it is available")
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    use std::arch::x86_64::*;

    use crate::compact::avx512::{escaped, prefix_xor};

    pub(super) fn available() -> bool {
        crate::compact::avx512::available()
    }

    pub(super) fn find(
        json: &[u8],
        structurals: &mut Vec<u32>,
        backslashes: &mut Vec<u32>,
    ) -> bool {
        assert!(available());
        if u32::try_from(json.len()).is_err() {
            return false;
        }
        // SAFETY: the features `find_blocks` is compiled for are present.
        let ok = unsafe { find_blocks(json, structurals, backslashes) };
        ok && structurals
            .first()
            .is_some_and(|&p| matches!(json[p as usize], b'{' | b'['))
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,pclmulqdq,popcnt")]
    fn find_blocks(json: &[u8], structurals: &mut Vec<u32>, backslashes: &mut Vec<u32>) -> bool {
        structurals.clear();
        backslashes.clear();
        // A block writes 16 indexes at a time past the ones kept, never
        // more than 64 past its own start: this much room covers them all.
        structurals.reserve(json.len() + 64);
        let out = structurals.spare_capacity_mut();
        let mut found_len = 0;
        // Carried from block to block: whether the next block starts with
        // an escaped byte; all ones when it starts inside a string; 1 when
        // the byte before it is whitespace or a structural character (the
        // text's start counts as one).
        let mut first_escaped = false;
        let mut in_string = 0u64;
        let mut after_pred = 1u64;
        let mut control_in_string = 0;

        // simd-json's table: a byte's low nibble and high nibble each look
        // up a set of classes, and it is in the classes both sets share
        // (1, 2, 4: structural characters; 8, 16: whitespace).
        let low_nibbles = _mm512_broadcast_i32x4(_mm_setr_epi8(
            16, 0, 0, 0, 0, 0, 0, 0, 0, 8, 12, 1, 2, 9, 0, 0,
        ));
        let high_nibbles = _mm512_broadcast_i32x4(_mm_setr_epi8(
            8, 0, 18, 4, 0, 1, 0, 1, 0, 0, 0, 3, 2, 1, 0, 0,
        ));
        let places: [u8; 64] = std::array::from_fn(|i| i as u8);
        // SAFETY: `places` is 64 readable bytes.
        let places = unsafe { _mm512_loadu_si512(places.as_ptr().cast()) };

        for (at, block) in (0u32..).step_by(64).zip(json.chunks(64)) {
            let v = if block.len() == 64 {
                // SAFETY: `block` is 64 readable bytes; the load is unaligned.
                unsafe { _mm512_loadu_si512(block.as_ptr().cast()) }
            } else {
                // Past the end is whitespace, as simd-json pads it.
                let valid = (1u64 << block.len()) - 1;
                // SAFETY: masked-out bytes are not read (AVX-512 masked
                // loads do not fault on them).
                unsafe {
                    _mm512_mask_loadu_epi8(
                        _mm512_set1_epi8(b' ' as i8),
                        valid,
                        block.as_ptr().cast(),
                    )
                }
            };
            let backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'\\' as i8));
            let escaped = if backslash == 0 && !first_escaped {
                0
            } else {
                let mut bits = backslash;
                while bits != 0 {
                    backslashes.push(at + bits.trailing_zeros());
                    bits &= bits - 1;
                }
                escaped(backslash, &mut first_escaped)
            };
            let quotes = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'"' as i8)) & !escaped;
            // From an opening quote up to its closing quote (not included).
            let inside = prefix_xor(quotes) ^ in_string;
            in_string = ((inside as i64) >> 63) as u64;
            control_in_string |= inside & _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1f));

            let low = _mm512_shuffle_epi8(low_nibbles, v);
            let high = _mm512_shuffle_epi8(
                high_nibbles,
                _mm512_and_si512(_mm512_srli_epi32(v, 4), _mm512_set1_epi8(0x7f)),
            );
            let classes = _mm512_and_si512(low, high);
            let operators = _mm512_test_epi8_mask(classes, _mm512_set1_epi8(0x7));
            let whitespace = _mm512_test_epi8_mask(classes, _mm512_set1_epi8(0x18));

            // simd-json's `finalize_structurals`: operators outside strings,
            // opening quotes, and the first byte of every other run of
            // non-whitespace outside strings (numbers, literals).
            let mut found = (operators & !inside) | quotes;
            let pred = found | whitespace;
            let follows_pred = (pred << 1) | after_pred;
            after_pred = pred >> 63;
            found |= follows_pred & !whitespace & !inside;
            found &= !(quotes & !inside);

            // The block's indexes: the places of its set bits, packed, then
            // widened 16 at a time.
            let packed = _mm512_maskz_compress_epi8(found, places);
            let base = _mm512_set1_epi32(at as i32);
            let count = found.count_ones() as usize;
            let to = &mut out[found_len..found_len + 64];
            let quarters = [
                _mm512_castsi512_si128(packed),
                _mm512_extracti32x4_epi32(packed, 1),
                _mm512_extracti32x4_epi32(packed, 2),
                _mm512_extracti32x4_epi32(packed, 3),
            ];
            for (i, quarter) in quarters.into_iter().enumerate().take(count.div_ceil(16)) {
                let indexes = _mm512_add_epi32(_mm512_cvtepu8_epi32(quarter), base);
                // SAFETY: `to` has room for 64 u32, and `16 * i` < 64.
                unsafe { _mm512_storeu_si512(to.as_mut_ptr().add(16 * i).cast(), indexes) };
            }
            found_len += count;
        }
        // SAFETY: the first `found_len` spare u32 were written above.
        unsafe { structurals.set_len(found_len) };
        in_string == 0 && control_in_string == 0 && found_len > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// simd-json's stage 1 on `json`: its indexes, or `None` when it refuses
    /// the text or the text does not start with a bracket (a depth limit of
    /// 0 stops the parse at that bracket, see `crate::ondemand`).
    fn simd_json_stage1(json: &[u8]) -> Option<Vec<u32>> {
        let mut buffers = simd_json::Buffers::with_max_depth(0, 0);
        let mut input = json.to_vec();
        input.resize(json.len() + simd_json::INPUT_PADDING, b' ');
        let mut tape = simd_json::Tape(Vec::new());
        let stopped = simd_json::fill_tape_padded(&mut input, json.len(), &mut buffers, &mut tape);
        matches!(stopped, Err(e) if *e.error() == simd_json::ErrorType::DepthLimitExceeded)
            .then(|| buffers.structural_indexes().to_vec())
    }

    /// [`find`] on `json`, as [`simd_json_stage1`] gives it, and its
    /// backslashes.
    fn found(json: &[u8]) -> (Option<Vec<u32>>, Vec<u32>) {
        let (mut structurals, mut backslashes) = (vec![7], vec![7]);
        let accepted = find(json, &mut structurals, &mut backslashes);
        (accepted.then_some(structurals), backslashes)
    }

    fn check(json: &[u8]) -> bool {
        let (structurals, backslashes) = found(json);
        let expected = simd_json_stage1(json);
        assert_eq!(
            structurals,
            expected,
            "structurals of {:?}",
            String::from_utf8_lossy(json)
        );
        if structurals.is_some() {
            let every: Vec<u32> = memchr::memchr_iter(b'\\', json).map(|p| p as u32).collect();
            assert_eq!(
                backslashes,
                every,
                "backslashes of {:?}",
                String::from_utf8_lossy(json)
            );
        }
        structurals.is_some()
    }

    #[test]
    fn real_exports_have_the_structurals_simd_json_finds() {
        if !available() {
            // simd-json's stage 1 is the only one on this CPU.
            return;
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut files = vec![dir];
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let mut compact = Vec::new();
            crate::compact::write_compact(&bytes, &mut compact);
            for json in [&bytes, &compact] {
                checked += usize::from(check(json));
            }
        }
        assert!(checked > 100, "{checked} files accepted");
    }

    /// Random text that is UTF-8 (simd-json's stage 1 checks it, this one
    /// leaves it to the reader), with every class of byte, of every length
    /// around the 64-byte blocks: the same indexes or the same refusal.
    #[test]
    fn random_text_has_the_structurals_simd_json_finds() {
        if !available() {
            // simd-json's stage 1 is the only one on this CPU.
            return;
        }
        // Non-ASCII text includes bytes simd-json's table counts as
        // structural (0xBB in "»", 0xBC in "¼").
        let pieces: &[&str] = &[
            "{", "}", "[", "]", ":", ",", "\"", "\"", "\\", " ", "0", "12", "-", ".", "e", "true",
            "null", "a", "é", "»", "¼", "€", "𝄞", "  ",
        ];
        // Rarer: one in a string makes stage 1 refuse the text.
        let controls = ["\n", "\t", "\r", "\u{1}", "\u{1f}"];
        let mut random = crate::testing::random();
        let (mut accepted, mut total) = (0, 0);
        for len in 0..400 {
            for _ in 0..8 {
                let mut text = String::from(["{", "[", " [", "x"][random(4)]);
                while text.len() < len {
                    text.push_str(match random(60) {
                        0 => controls[random(controls.len())],
                        _ => pieces[random(pieces.len())],
                    });
                }
                accepted += usize::from(check(text.as_bytes()));
                total += 1;
            }
        }
        assert!(
            accepted > total / 8 && accepted < total,
            "{accepted} of {total}"
        );
    }
}
