//! Timestamps in the three forms Dagster exports carry.
//!
//! Real event `timestamp`s are strings of epoch milliseconds (`"1795501783182"`);
//! run-level times and debug bundles use float epoch seconds; hand-made or
//! older tooling writes ISO 8601. All become integer epoch milliseconds,
//! truncated toward negative infinity, which is how Dagster itself turns its
//! float seconds into the millisecond strings of its GraphQL API.

/// Milliseconds since the Unix epoch, UTC.
pub type EpochMs = i64;

/// Epoch milliseconds above this are read as milliseconds, below as seconds
/// (1e11 ms is 1973; 1e11 s is the year 5138).
const MS_THRESHOLD: f64 = 1e11;

/// Converts a JSON number (seconds or milliseconds) to epoch ms.
pub fn from_number(n: f64) -> Option<EpochMs> {
    if !n.is_finite() {
        return None;
    }
    let ms = if n.abs() >= MS_THRESHOLD {
        n
    } else {
        n * 1000.0
    };
    Some(ms.floor() as i64)
}

/// Parses a timestamp string: epoch ms or seconds (integer or decimal), or ISO 8601.
pub fn parse(s: &str) -> Option<EpochMs> {
    // The common case, Dagster's own: epoch milliseconds, digits only.
    if let Some(v) = digits(s.as_bytes()) {
        return Some(if v as f64 >= MS_THRESHOLD {
            v
        } else {
            v * 1000
        });
    }
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let numeric = s
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || b == b'.' || (i == 0 && b == b'-'));
    if numeric {
        if !s.contains('.') {
            let v: i64 = s.parse().ok()?;
            return Some(if (v as f64).abs() >= MS_THRESHOLD {
                v
            } else {
                v.checked_mul(1000)?
            });
        }
        return from_number(s.parse().ok()?);
    }
    parse_iso8601(s)
}

/// The value of 1 to 15 ASCII digits; `None` for anything else. Eight
/// digits at a time: every event's timestamp passes here.
fn digits(s: &[u8]) -> Option<i64> {
    let n = s.len();
    if !(1..=15).contains(&n) {
        return None;
    }
    let (Some(first), Some(last)) = (s.first_chunk::<8>(), s.last_chunk::<8>()) else {
        // Fewer than eight, shifted in from the top: last, after zeros.
        let lanes = s
            .iter()
            .fold(ZEROS, |v, &b| (v >> 8) | (u64::from(b) << 56));
        return eight_digits(lanes).map(|v| v as i64);
    };
    let low = eight_digits(u64::from_le_bytes(*last))?;
    let before = n - 8;
    if before == 0 {
        return Some(low as i64);
    }
    // The digits before the last eight: the first eight bytes moved up to
    // drop the ones after them, zeros below.
    let high = (u64::from_le_bytes(*first) << (8 * (8 - before))) | (ZEROS >> (8 * before));
    Some((eight_digits(high)? * 100_000_000 + low) as i64)
}

const NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
/// Eight ASCII zeros, one in each byte of a `u64`.
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// The value of eight ASCII digits, one in each byte of `v` (the first in
/// the lowest), with SWAR; `None` when one is not a digit.
fn eight_digits(v: u64) -> Option<u64> {
    // Every byte 0x30..=0x3f, and none past 0x39 (adding 6 carries it out
    // of the nibble; no carry crosses bytes once the first test holds).
    if v & NIBBLES != ZEROS || (v + 0x0606_0606_0606_0606) & NIBBLES != ZEROS {
        return None;
    }
    // Lemire's: pairs, then fours, then all eight (the first byte is the
    // most significant digit).
    let v = v - ZEROS;
    let v = (v * 10) + (v >> 8);
    let v = (v & 0x0000_00ff_0000_00ff)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((v >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some(v)
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff…]]` (or a space
/// instead of `T`) and `Z` or `±HH[:MM]`. No zone means UTC.
pub fn parse_iso8601(s: &str) -> Option<EpochMs> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    let mut i = 10;
    if i < b.len() && (b[i] == b'T' || b[i] == b't' || b[i] == b' ') {
        let (h, mi) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
        if b.get(i + 3) != Some(&b':') || h > 23 || mi > 59 {
            return None;
        }
        ms += (h * 3600 + mi * 60) * 1000;
        i += 6;
        if b.get(i) == Some(&b':') {
            let sec = num(i + 1..i + 3)?;
            if sec > 60 {
                return None;
            }
            ms += sec * 1000;
            i += 3;
            if matches!(b.get(i), Some(b'.' | b',')) {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                if end == start {
                    return None;
                }
                // Milliseconds: the first three fractional digits, truncated.
                let mut frac = 0;
                for k in 0..3 {
                    frac = frac * 10
                        + b.get(start + k)
                            .filter(|_| start + k < end)
                            .map_or(0, |c| i64::from(c - b'0'));
                }
                ms += frac;
                i = end;
            }
        }
    }
    match b.get(i) {
        None => Some(ms),
        Some(b'Z' | b'z') if i + 1 == b.len() => Some(ms),
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = match b.get(i + 3) {
                None => 0,
                Some(b':') => num(i + 4..i + 6)?,
                Some(_) => num(i + 3..i + 5)?,
            };
            let offset = (oh * 60 + om) * 60_000;
            Some(if sign == b'+' {
                ms - offset
            } else {
                ms + offset
            })
        }
        _ => None,
    }
}

/// Formats epoch ms as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_iso(ms: EpochMs) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digits eight at a time read as a fold byte by byte reads them, and
    /// anything with a byte that is not a digit (each byte next to the
    /// digits' range, in each place) is not read as digits.
    #[test]
    fn digits_read_as_one_at_a_time() {
        let by_fold = |s: &[u8]| {
            ((1..=15).contains(&s.len()) && s.iter().all(u8::is_ascii_digit))
                .then(|| s.iter().fold(0i64, |v, b| v * 10 + i64::from(b - b'0')))
        };
        let mut random = crate::testing::random();
        for len in 0..=17 {
            for _ in 0..200 {
                let mut s: Vec<u8> = (0..len).map(|_| b'0' + random(10) as u8).collect();
                assert_eq!(digits(&s), by_fold(&s), "{s:?}");
                if len > 0 {
                    let at = random(len);
                    for bad in [b'/', b':', b'?', b' ', 0x30 + 0x80, b'-', b'.'] {
                        let digit = std::mem::replace(&mut s[at], bad);
                        assert_eq!(digits(&s), None, "{s:?}");
                        s[at] = digit;
                    }
                }
            }
        }
        assert_eq!(digits(b"999999999999999"), Some(999_999_999_999_999));
        assert_eq!(digits(b"000000000000001"), Some(1));
    }

    #[test]
    fn the_three_forms_agree() {
        // Same instant from a real export: ms string, float seconds, ISO.
        assert_eq!(parse("1795501832511"), Some(1_795_501_832_511));
        assert_eq!(from_number(1_795_501_832.511_9), Some(1_795_501_832_511));
        assert_eq!(parse("1795501832.5119"), Some(1_795_501_832_511));
        // Whole seconds as a digit string, and digits around spaces.
        assert_eq!(parse("1795501832"), Some(1_795_501_832_000));
        assert_eq!(parse(" 1795501832511 "), Some(1_795_501_832_511));
        assert_eq!(parse("-1795501832511"), Some(-1_795_501_832_511));
        assert_eq!(
            parse(&format_iso(1_795_501_832_511)),
            Some(1_795_501_832_511)
        );
    }

    #[test]
    fn iso_variants() {
        assert_eq!(parse("2023-10-27T10:00:05Z"), Some(1_698_400_805_000));
        assert_eq!(parse("2023-10-27T12:00:05+02:00"), Some(1_698_400_805_000));
        assert_eq!(parse("2023-10-27 10:00:05.1234"), Some(1_698_400_805_123));
        assert_eq!(parse("2023-10-27"), Some(1_698_364_800_000));
        assert_eq!(parse("2023-13-27"), None);
        assert_eq!(parse("yesterday"), None);
    }

    #[test]
    fn formats_utc_with_millis() {
        assert_eq!(format_iso(1_698_400_805_123), "2023-10-27T10:00:05.123Z");
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000Z");
    }
}
