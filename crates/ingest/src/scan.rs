//! Finding values in the original bytes.
//!
//! simd-json parses in place and rewrites its buffer, and its tape keeps no byte
//! offsets. Two things need the original bytes: `--json` output, which writes
//! each event with every field it was exported with, and error messages, which
//! name the byte where a file goes wrong. For a plain page, simd-json's own
//! structural indexes give each event's extent ([`event_spans`]). Otherwise a
//! scanner walks the document's structure without building values (string
//! bodies are skipped with `memchr`), so the top-level shape can be recognised
//! and every event's span found cheaply.

use std::ops::Range;

use memchr::memchr2;

/// Where and why the scanner stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    pub(crate) offset: usize,
    pub(crate) reason: &'static str,
}

pub(crate) type ScanResult<T> = Result<T, ScanError>;

fn err<T>(offset: usize, reason: &'static str) -> ScanResult<T> {
    Err(ScanError { offset, reason })
}

/// JSON's whitespace between tokens.
pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// Byte offset of the first non-whitespace byte at or after `pos`.
pub(crate) fn skip_ws(buf: &[u8], mut pos: usize) -> usize {
    while pos < buf.len() && is_ws(buf[pos]) {
        pos += 1;
    }
    pos
}

/// End (exclusive) of the string whose opening quote is at `pos`.
pub(crate) fn skip_string(buf: &[u8], pos: usize) -> ScanResult<usize> {
    let mut i = pos + 1;
    loop {
        match memchr2(b'"', b'\\', &buf[i..]) {
            None => return err(buf.len(), "unexpected end of input inside a string"),
            Some(k) => {
                i += k;
                if buf[i] == b'"' {
                    return Ok(i + 1);
                }
                // A backslash escapes exactly the next byte for structural purposes.
                i += 2;
                if i > buf.len() {
                    return err(buf.len(), "unexpected end of input inside a string");
                }
            }
        }
    }
}

/// End (exclusive) of the JSON value that starts at `pos` (no leading whitespace).
///
/// Containers are walked iteratively so that deeply nested input cannot
/// overflow the stack. Scalars are only delimited here; simd-json validates them.
pub(crate) fn skip_value(buf: &[u8], pos: usize) -> ScanResult<usize> {
    if pos >= buf.len() {
        return err(pos, "unexpected end of input, expected a value");
    }
    match buf[pos] {
        b'"' => skip_string(buf, pos),
        b'{' | b'[' => skip_container(buf, pos),
        b'}' | b']' | b',' | b':' => err(pos, "expected a value"),
        _ => {
            let mut i = pos;
            while i < buf.len()
                && !matches!(buf[i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                i += 1;
            }
            Ok(i)
        }
    }
}

/// End (exclusive) of the JSON value at `pos`, like [`skip_value`], but
/// checking it against JSON's grammar on the way: for the members of an
/// envelope that nothing else reads, so that no broken byte in a file goes
/// unsaid. Python's `NaN`, `Infinity` and `-Infinity`, which bundles and
/// storage hold, are numbers here as everywhere in daglog. Iterative, like
/// [`skip_value`].
pub(crate) fn check_value(buf: &[u8], pos: usize) -> ScanResult<usize> {
    // What each open container expects next.
    #[derive(Clone, Copy, PartialEq)]
    enum Next {
        /// A value, or the end of an empty array.
        FirstElement,
        /// `,` or `]`.
        ElementEnd,
        /// A key, or the end of an empty object.
        FirstKey,
        /// `,` or `}`.
        MemberEnd,
    }
    let mut stack: Vec<Next> = Vec::new();
    let mut i = pos;
    loop {
        // A value is expected at `i`.
        i = skip_ws(buf, i);
        match buf.get(i) {
            None => return err(i, "unexpected end of input, expected a value"),
            Some(b'"') => i = check_string(buf, i)?,
            Some(b'{') => {
                i = skip_ws(buf, i + 1);
                if buf.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    stack.push(Next::FirstKey);
                    i = check_key(buf, i)?;
                    continue;
                }
            }
            Some(b'[') => {
                i = skip_ws(buf, i + 1);
                if buf.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    stack.push(Next::FirstElement);
                    continue;
                }
            }
            Some(_) => i = check_scalar(buf, i)?,
        }
        // A value ended at `i`: close what it ends, or go on to the next one.
        loop {
            let Some(top) = stack.last_mut() else {
                return Ok(i);
            };
            i = skip_ws(buf, i);
            let in_array = matches!(*top, Next::FirstElement | Next::ElementEnd);
            match (buf.get(i), in_array) {
                (Some(b','), true) => {
                    *top = Next::ElementEnd;
                    i += 1;
                    break;
                }
                (Some(b','), false) => {
                    *top = Next::MemberEnd;
                    i = check_key(buf, skip_ws(buf, i + 1))?;
                    break;
                }
                (Some(b']'), true) | (Some(b'}'), false) => {
                    stack.pop();
                    i += 1;
                }
                (None, _) => return err(i, "unexpected end of input, the JSON is truncated"),
                (Some(_), true) => return err(i, "expected ',' or ']' in an array"),
                (Some(_), false) => return err(i, "expected ',' or '}' in an object"),
            }
        }
    }
}

/// A key and its `:` at `pos`; returns where the value starts.
fn check_key(buf: &[u8], pos: usize) -> ScanResult<usize> {
    if buf.get(pos) != Some(&b'"') {
        return err(pos, "expected an object key");
    }
    let i = skip_ws(buf, check_string(buf, pos)?);
    if buf.get(i) != Some(&b':') {
        return err(i, "expected ':' after an object key");
    }
    Ok(i + 1)
}

/// A string at `pos` in valid UTF-8, with valid escapes and no raw control
/// character.
fn check_string(buf: &[u8], pos: usize) -> ScanResult<usize> {
    let mut i = pos + 1;
    while let Some(&b) = buf.get(i) {
        match b {
            b'"' => {
                // Past the bad byte, so that the caller names it as invalid UTF-8.
                if let Err(e) = simdutf8::compat::from_utf8(&buf[pos + 1..i]) {
                    return err(pos + 2 + e.valid_up_to(), "invalid UTF-8 in a string");
                }
                return Ok(i + 1);
            }
            b'\\' => match buf.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u')
                    if buf
                        .get(i + 2..i + 6)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                {
                    i += 6
                }
                _ => return err(i, "invalid escape in a string"),
            },
            0..=0x1f => return err(i, "a control character inside a string"),
            _ => i += 1,
        }
    }
    err(buf.len(), "unexpected end of input inside a string")
}

/// A number, `true`, `false`, `null`, or Python's `NaN`/`Infinity`/`-Infinity`.
fn check_scalar(buf: &[u8], pos: usize) -> ScanResult<usize> {
    for word in [
        &b"true"[..],
        b"false",
        b"null",
        b"NaN",
        b"Infinity",
        b"-Infinity",
    ] {
        if buf[pos..].starts_with(word) {
            return Ok(pos + word.len());
        }
    }
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    let digits = |mut i: usize| {
        let from = i;
        while buf.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let mut i = pos + usize::from(buf[pos] == b'-');
    i = match buf.get(i) {
        Some(b'0') => i + 1,
        Some(b'1'..=b'9') => digits(i).unwrap_or(i),
        _ => return err(pos, "expected a value"),
    };
    if buf.get(i) == Some(&b'.') {
        i = digits(i + 1).ok_or(ScanError {
            offset: i,
            reason: "expected a digit after '.'",
        })?;
    }
    if matches!(buf.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(buf.get(i + 1), Some(b'+' | b'-')));
        i = digits(i + 1 + sign).ok_or(ScanError {
            offset: i,
            reason: "expected a digit in an exponent",
        })?;
    }
    Ok(i)
}

fn skip_container(buf: &[u8], pos: usize) -> ScanResult<usize> {
    let mut stack: Vec<u8> = Vec::with_capacity(16);
    let mut i = pos;
    while i < buf.len() {
        match buf[i] {
            b'"' => {
                i = skip_string(buf, i)?;
                continue;
            }
            b'{' => stack.push(b'}'),
            b'[' => stack.push(b']'),
            c @ (b'}' | b']') => {
                if stack.pop() != Some(c) {
                    return err(i, "mismatched closing bracket");
                }
                if stack.is_empty() {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    err(buf.len(), "unexpected end of input, the JSON is truncated")
}

/// Calls `f(key, value_start)` for each member of the object at `pos`; `f`
/// reads the value itself (with [`skip_value`] when it does not care) and
/// returns its end, so a value of interest is scanned only once. Keys are the
/// raw bytes between the quotes. Returns the end of the object.
pub(crate) fn for_each_member_consuming<'a>(
    buf: &'a [u8],
    pos: usize,
    mut f: impl FnMut(&'a [u8], usize) -> ScanResult<usize>,
) -> ScanResult<usize> {
    if buf.get(pos) != Some(&b'{') {
        return err(pos, "expected an object");
    }
    let mut i = skip_ws(buf, pos + 1);
    if buf.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    loop {
        if buf.get(i) != Some(&b'"') {
            return if i >= buf.len() {
                err(i, "unexpected end of input, the JSON is truncated")
            } else {
                err(i, "expected an object key")
            };
        }
        // Keys are checked, not only skipped: no one reads most of them
        // (found by fuzz/invalid_json_is_said: control bytes in a key).
        let key_end = check_string(buf, i)?;
        let key = &buf[i + 1..key_end - 1];
        i = skip_ws(buf, key_end);
        if buf.get(i) != Some(&b':') {
            return err(i, "expected ':' after an object key");
        }
        let start = skip_ws(buf, i + 1);
        if start >= buf.len() {
            return err(start, "unexpected end of input, expected a value");
        }
        let end = f(key, start)?;
        i = skip_ws(buf, end);
        match buf.get(i) {
            Some(b',') => i = skip_ws(buf, i + 1),
            Some(b'}') => return Ok(i + 1),
            None => return err(i, "unexpected end of input, the JSON is truncated"),
            Some(_) => return err(i, "expected ',' or '}' in an object"),
        }
    }
}

/// Calls `f(start, end)` for each element of the array at `pos`, and returns
/// the end of the array.
pub(crate) fn for_each_element(
    buf: &[u8],
    pos: usize,
    mut f: impl FnMut(usize, usize) -> ScanResult<()>,
) -> ScanResult<usize> {
    if buf.get(pos) != Some(&b'[') {
        return err(pos, "expected an array");
    }
    let mut i = skip_ws(buf, pos + 1);
    if buf.get(i) == Some(&b']') {
        return Ok(i + 1);
    }
    loop {
        let end = skip_value(buf, i)?;
        f(i, end)?;
        i = skip_ws(buf, end);
        match buf.get(i) {
            Some(b',') => i = skip_ws(buf, i + 1),
            Some(b']') => return Ok(i + 1),
            None => return err(i, "unexpected end of input, the JSON is truncated"),
            Some(_) => return err(i, "expected ',' or ']' in an array"),
        }
    }
}

/// The spans of the elements of the array at `pos`, and the array's end.
pub(crate) fn element_spans(buf: &[u8], pos: usize) -> ScanResult<(Vec<(usize, usize)>, usize)> {
    let mut spans = Vec::new();
    let end = for_each_element(buf, pos, |a, b| {
        spans.push((a, b));
        Ok(())
    })?;
    Ok((spans, end))
}

/// Appends `json`: as it is when it is `compact`, else through
/// [`crate::compact::write_compact`].
pub(crate) fn write_json(json: &[u8], compact: bool, out: &mut Vec<u8>) {
    if compact {
        out.extend_from_slice(json);
    } else {
        crate::compact::write_compact(json, out);
    }
}

/// The events of a page's `"events"` array, found from simd-json's
/// structural indexes of the page (stage 1 marks every bracket, brace, colon
/// and comma, and the first byte of every string and scalar), so no second
/// pass over the bytes is needed: for each event, its byte range from its
/// `{` to its `}`. `None` when the page is not `{…"events":[{…},…]…}`.
pub(crate) fn event_spans(buf: &[u8], structurals: &[u32]) -> Option<Vec<Range<usize>>> {
    let at = |k: usize| structurals[k] as usize;
    let mut depth = 0usize;
    for i in 0..structurals.len() {
        let p = at(i);
        match buf[p] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.checked_sub(1)?,
            b'"' if depth == 1
                && buf[p..].starts_with(b"\"events\"")
                && i > 0
                && matches!(buf[at(i - 1)], b'{' | b',') =>
            {
                if structurals.get(i + 2).is_none()
                    || buf[at(i + 1)] != b':'
                    || buf[at(i + 2)] != b'['
                {
                    return None;
                }
                let tokens = element_tokens(buf, structurals, i + 3)?;
                return Some(
                    tokens
                        .into_iter()
                        .map(|t| at(t.start)..at(t.end - 1) + 1)
                        .collect(),
                );
            }
            _ => {}
        }
    }
    None
}

/// The byte range of each event of a page whose events' first keys are
/// known to start at byte offsets `first_keys` (their opening quotes, in
/// order), from the structural indexes alone: in a document simd-json has
/// accepted, the structural before an object's first key is its `{`, and
/// the three before the next event's first key are `}`, `,` and `{`. Only
/// the last event's tokens are walked. The bytes are not looked at again
/// (by then the tape has pushed them out of the cache) except those at the
/// last event's structurals. `None` when the indexes are not laid out that way.
pub(crate) fn event_spans_from_keys(
    buf: &[u8],
    structurals: &[u32],
    first_keys: &[usize],
) -> Option<Vec<Range<usize>>> {
    // Where each event's `{` is among the structurals.
    let mut opens = Vec::with_capacity(first_keys.len());
    let mut from = 0;
    for &key in first_keys {
        let key = u32::try_from(key).ok()?;
        let at = first_at_or_after(structurals, from, key);
        if at == 0 || structurals.get(at) != Some(&key) {
            return None;
        }
        opens.push(at - 1);
        from = at + 1;
    }
    let mut spans = Vec::with_capacity(opens.len());
    for (i, &open) in opens.iter().enumerate() {
        let end = match opens.get(i + 1) {
            // `{` key … `}` `,` `{`: at least four structurals apart.
            Some(&next) if next >= open + 4 => structurals[next - 2] as usize + 1,
            Some(_) => return None,
            None => {
                let mut k = open;
                let mut depth = 0usize;
                loop {
                    match buf[*structurals.get(k)? as usize] {
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth = depth.checked_sub(1)?,
                        _ => {}
                    }
                    if depth == 0 {
                        break structurals[k] as usize + 1;
                    }
                    k += 1;
                }
            }
        };
        spans.push(structurals[open] as usize..end);
    }
    Some(spans)
}

/// The first index at or after `from` whose structural is at or after byte
/// `key`. The next event's key is a few cache lines on: galloping touches
/// those lines in order, where a binary search of the whole rest would miss
/// the cache at every probe.
fn first_at_or_after(structurals: &[u32], from: usize, key: u32) -> usize {
    let (mut lo, mut step) = (from, 1);
    let mut hi = from;
    while hi < structurals.len() && structurals[hi] < key {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    let hi = hi.min(structurals.len());
    lo + structurals[lo..hi].partition_point(|&s| s < key)
}

/// The objects of an array whose first structural after its `[` is `from`.
fn element_tokens(buf: &[u8], structurals: &[u32], from: usize) -> Option<Vec<Range<usize>>> {
    let mut elements = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (k, &p) in structurals.iter().enumerate().skip(from) {
        match (buf[p as usize], depth) {
            (b']', 0) => return Some(elements),
            (b'{' | b'[', 0) => {
                start = k;
                depth = 1;
            }
            (b'{' | b'[', _) => depth += 1,
            (b'}' | b']', _) => {
                depth -= 1;
                if depth == 0 {
                    elements.push(start..k + 1);
                }
            }
            (b',', 0) => {}
            // A scalar element: not an events array daglog can read this way.
            (_, 0) => return None,
            _ => {}
        }
    }
    None
}

/// Whether the value whose structural indexes are `tokens` has no
/// whitespace between its tokens: nothing for [`crate::compact::write_compact`] to take out.
pub(crate) fn tokens_are_compact(buf: &[u8], tokens: &[u32]) -> bool {
    tokens.iter().skip(1).all(|&t| !is_ws(buf[t as usize - 1]))
}

/// 1-based line number of byte `offset`, for messages about NDJSON and pretty files.
pub(crate) fn line_of(buf: &[u8], offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &buf[..offset.min(buf.len())]).count() + 1
}

#[cfg(test)]
mod tests {

    #[test]
    fn check_value_holds_values_to_json_grammar() {
        for ok in [
            r#"{"a": [1, -0.5e+3, true, null, "x\u00e9\n"], "b": {}}"#,
            "[]",
            "NaN",
            "-Infinity",
            r#"{"x": [NaN, Infinity]}"#,
            "0",
        ] {
            assert_eq!(check_value(ok.as_bytes(), 0), Ok(ok.len()), "{ok}");
        }
        // The end of the value, not of the text: what follows is the caller's.
        assert_eq!(check_value(b"018", 0), Ok(1));
        for bad in [
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            "[1 2]",
            "[1,]",
            r#""\x""#,
            "\"a\u{1}\"",
            "\"tab\there\"",
            "-",
            "1.",
            "1e",
            "tru",
            r#"{"a": [1}"#,
            r#"{"a":"#,
        ] {
            assert!(check_value(bad.as_bytes(), 0).is_err(), "{bad}");
        }
    }
    use super::*;

    #[test]
    fn skips_nested_values_and_escaped_quotes() {
        let doc = br#"{"a": "x\"}y", "b": [1, {"c": "]"}], "d": null} tail"#;
        assert_eq!(skip_value(doc, 0), Ok(doc.len() - 5));
    }

    #[test]
    fn members_and_elements_give_spans() {
        let doc = br#"{"events": [ {"x":1} , {"y":"}"} ], "hasMore": false}"#;
        let mut seen = Vec::new();
        for_each_member_consuming(doc, 0, |k, s| {
            let e = skip_value(doc, s)?;
            seen.push((String::from_utf8_lossy(k).into_owned(), s, e));
            Ok(e)
        })
        .unwrap();
        assert_eq!(seen[0].0, "events");
        assert_eq!(seen[1].0, "hasMore");
        let (_, s, e) = seen[0];
        let (found, _) = element_spans(doc, s).unwrap();
        let spans: Vec<String> = found
            .iter()
            .map(|&(a, b)| String::from_utf8_lossy(&doc[a..b]).into_owned())
            .collect();
        assert_eq!(e, s + r#"[ {"x":1} , {"y":"}"} ]"#.len());
        assert_eq!(spans, vec![r#"{"x":1}"#, r#"{"y":"}"}"#]);
    }

    #[test]
    fn truncation_is_reported_at_the_end() {
        let doc = br#"{"events": [{"x": 1}, {"y": "ab"#;
        let e = for_each_member_consuming(doc, 0, |_, s| skip_value(doc, s)).unwrap_err();
        assert_eq!(e.offset, doc.len());
        assert!(e.reason.contains("end of input"));
    }

    #[test]
    fn mismatched_brackets_are_errors() {
        assert!(skip_value(b"[1, 2}", 0).is_err());
        assert!(skip_value(br#""abc\"#, 0).is_err());
    }
}
