//! Reading events straight off simd-json's tape.
//!
//! The tape is the parsed document as a flat list of nodes, where a nested
//! value says how many nodes it spans; a field daglog does not read (metadata
//! entries, stack traces of fields it skips) is passed over in one step
//! instead of being visited node by node as serde's `IgnoredAny` does. On a
//! plain page that is most of the cost of extracting events after parsing.
//!
//! A value of the wrong type (a message that is a number, a timestamp that is
//! an object) is an error naming the field; the caller reports it with the
//! file and the place.

use simd_json::{Node, StaticNode};

use crate::event::{RawError, RawEvent, RawTime};

/// Why a value could not be read as an event (or a page).
pub(crate) type TapeResult<T> = Result<T, String>;

/// The index just past the value at `i`.
pub(crate) fn skip(nodes: &[Node<'_>], i: usize) -> usize {
    match nodes[i] {
        Node::Object { count, .. } | Node::Array { count, .. } => i + 1 + count,
        _ => i + 1,
    }
}

fn kind(node: &Node<'_>) -> &'static str {
    match node {
        Node::String(_) => "a string",
        Node::Object { .. } => "an object",
        Node::Array { .. } => "an array",
        Node::Static(StaticNode::Null) => "null",
        Node::Static(StaticNode::Bool(_)) => "a boolean",
        Node::Static(_) => "a number",
    }
}

fn wrong(key: &str, expected: &str, found: &Node<'_>) -> String {
    format!("field \"{key}\" is {}, expected {expected}", kind(found))
}

/// A string or null.
fn opt_str<'a>(nodes: &[Node<'a>], i: usize, key: &str) -> TapeResult<Option<&'a str>> {
    match nodes[i] {
        Node::String(s) => Ok(Some(s)),
        Node::Static(StaticNode::Null) => Ok(None),
        ref other => Err(wrong(key, "a string", other)),
    }
}

/// A string, a number or null: timestamps, levels, waits.
fn opt_time<'a>(nodes: &[Node<'a>], i: usize, key: &str) -> TapeResult<Option<RawTime<'a>>> {
    Ok(Some(match nodes[i] {
        Node::String(s) => RawTime::Text(s),
        Node::Static(StaticNode::F64(n)) => RawTime::Number(n),
        Node::Static(StaticNode::I64(n)) => RawTime::Number(n as f64),
        Node::Static(StaticNode::U64(n)) => RawTime::Number(n as f64),
        Node::Static(StaticNode::Null) => return Ok(None),
        ref other => return Err(wrong(key, "a string or a number", other)),
    }))
}

/// Calls `f(key, value index)` for each member of the object at `i`;
/// returns the number of members and the index past the object.
fn members<'a>(
    nodes: &[Node<'a>],
    i: usize,
    what: &str,
    mut f: impl FnMut(&'a str, usize) -> TapeResult<()>,
) -> TapeResult<(usize, usize)> {
    let Node::Object { len, .. } = nodes[i] else {
        return Err(format!("{what} is {}, expected an object", kind(&nodes[i])));
    };
    let mut at = i + 1;
    for _ in 0..len {
        let Node::String(key) = nodes[at] else {
            return Err(format!("{what} has a key that is not a string"));
        };
        f(key, at + 1)?;
        at = skip(nodes, at + 1);
    }
    Ok((len, at))
}

/// Whether the node at `i` is an object with members.
pub(crate) fn is_nonempty_object(nodes: &[Node<'_>], i: usize) -> bool {
    matches!(nodes[i], Node::Object { len, .. } if len > 0)
}

/// The elements of the array at `i`, as node indexes.
pub(crate) fn elements(nodes: &[Node<'_>], i: usize, what: &str) -> TapeResult<Vec<usize>> {
    let Node::Array { len, .. } = nodes[i] else {
        return Err(format!("{what} is {}, expected an array", kind(&nodes[i])));
    };
    let mut out = Vec::with_capacity(len);
    let mut at = i + 1;
    for _ in 0..len {
        out.push(at);
        at = skip(nodes, at);
    }
    Ok(out)
}

/// The event keys [`event`] keeps, each counted the first time it is given.
const EVENT_KEYS: [&str; 17] = [
    "__typename",
    "runId",
    "message",
    "timestamp",
    "level",
    "stepKey",
    "eventType",
    "error",
    "errorSource",
    "markerStart",
    "markerEnd",
    "inputName",
    "outputName",
    "upstreamStepKey",
    "upstreamOutputName",
    "pipelineName",
    "secondsToWait",
];

/// The event object at `i`.
pub(crate) fn event<'a>(nodes: &[Node<'a>], i: usize) -> TapeResult<RawEvent<'a>> {
    let mut ev = RawEvent::default();
    // A key given twice counts the first time, as a page's keys do (and as
    // the one-pass reader must: it hands events on as it meets them).
    let mut seen = 0u32;
    let (fields, _) = members(nodes, i, "the event", |key, v| {
        if let Some(bit) = EVENT_KEYS.iter().position(|k| *k == key) {
            if seen & (1 << bit) != 0 {
                return Ok(());
            }
            seen |= 1 << bit;
        }
        match key {
            "__typename" => ev.typename = opt_str(nodes, v, key)?,
            "runId" => ev.run_id = opt_str(nodes, v, key)?,
            "message" => ev.message = opt_str(nodes, v, key)?,
            "timestamp" => ev.timestamp = opt_time(nodes, v, key)?,
            "level" => ev.level = opt_time(nodes, v, key)?,
            "stepKey" => ev.step_key = opt_str(nodes, v, key)?,
            "eventType" => ev.event_type = opt_str(nodes, v, key)?,
            "error" => ev.error = error(nodes, v)?,
            "errorSource" => ev.error_source = opt_str(nodes, v, key)?,
            "markerStart" => ev.detail.marker_start = opt_str(nodes, v, key)?,
            "markerEnd" => ev.detail.marker_end = opt_str(nodes, v, key)?,
            "inputName" => ev.detail.input_name = opt_str(nodes, v, key)?,
            "outputName" => ev.detail.output_name = opt_str(nodes, v, key)?,
            "upstreamStepKey" => ev.detail.upstream_step_key = opt_str(nodes, v, key)?,
            "upstreamOutputName" => ev.detail.upstream_output_name = opt_str(nodes, v, key)?,
            "pipelineName" => ev.detail.pipeline_name = opt_str(nodes, v, key)?,
            "secondsToWait" => {
                ev.detail.seconds_to_wait = opt_time(nodes, v, key)?.and_then(|t| t.number())
            }
            _ => {}
        }
        Ok(())
    })?;
    ev.field_count = u16::try_from(fields).unwrap_or(u16::MAX);
    Ok(ev)
}

/// A `PythonError` object (or null) at `i`, with its chain of causes.
fn error<'a>(nodes: &[Node<'a>], i: usize) -> TapeResult<Option<RawError<'a>>> {
    if matches!(nodes[i], Node::Static(StaticNode::Null)) {
        return Ok(None);
    }
    let mut e = RawError::default();
    members(nodes, i, "field \"error\"", |key, v| {
        match key {
            "message" => e.message = opt_str(nodes, v, key)?,
            "className" => e.class_name = opt_str(nodes, v, key)?,
            "stack" if !matches!(nodes[v], Node::Static(StaticNode::Null)) => {
                let frames = elements(nodes, v, "field \"stack\"")?;
                e.stack = frames
                    .into_iter()
                    .map(|f| opt_str(nodes, f, key).map(Option::unwrap_or_default))
                    .collect::<TapeResult<_>>()?;
            }
            "cause" => e.cause = error(nodes, v)?.map(Box::new),
            _ => {}
        }
        Ok(())
    })?;
    Ok(Some(e))
}

/// What a page object (`{"events":[…],"cursor":…,"hasMore":…}`) holds
/// besides its events.
pub(crate) struct PageFields<'a> {
    /// Node index of the `events` array.
    pub(crate) events: usize,
    pub(crate) cursor: Option<&'a str>,
    pub(crate) has_more: Option<bool>,
}

/// The page object at node 0; `None` when it has no `events` array.
pub(crate) fn page<'a>(nodes: &[Node<'a>]) -> TapeResult<Option<PageFields<'a>>> {
    let (mut events, mut cursor, mut has_more) = (None, None, None);
    // A key given twice counts the first time, in the page as in its events.
    let mut seen = [false; 3];
    members(nodes, 0, "the page", |key, v| {
        let first = |i: usize, seen: &mut [bool; 3]| !std::mem::replace(&mut seen[i], true);
        match key {
            "events" if first(0, &mut seen) => events = Some(v),
            "cursor" if first(1, &mut seen) => cursor = opt_str(nodes, v, key)?,
            "hasMore" if first(2, &mut seen) => {
                has_more = match nodes[v] {
                    Node::Static(StaticNode::Bool(b)) => Some(b),
                    Node::Static(StaticNode::Null) => None,
                    ref other => return Err(wrong(key, "a boolean", other)),
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(events.map(|events| PageFields {
        events,
        cursor,
        has_more,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_tape<R>(json: &str, f: impl FnOnce(&[Node<'_>]) -> R) -> R {
        let mut bytes = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut bytes).expect("valid JSON");
        f(&tape.0)
    }

    #[test]
    fn nested_fields_daglog_does_not_read_are_passed_over() {
        let json = r#"{"metadataEntries":[{"label":"a","entries":[1,2,{"x":[]}]}],"runId":"r","timestamp":"1795501883000","level":"INFO","message":"m","stepKey":null,"eventType":"STEP_START"}"#;
        with_tape(json, |nodes| {
            let ev = event(nodes, 0).unwrap();
            assert_eq!(ev.field_count, 7);
            assert_eq!(ev.run_id, Some("r"));
            assert_eq!(ev.message, Some("m"));
            assert_eq!(ev.step_key, None);
            assert_eq!(ev.event_type, Some("STEP_START"));
        });
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_field() {
        with_tape(r#"{"runId":"r","timestamp":{"t":1}}"#, |nodes| {
            assert_eq!(
                event(nodes, 0).unwrap_err(),
                "field \"timestamp\" is an object, expected a string or a number"
            );
        });
        with_tape(r#"[1]"#, |nodes| {
            assert_eq!(
                event(nodes, 0).unwrap_err(),
                "the event is an array, expected an object"
            );
        });
    }

    #[test]
    fn an_event_key_given_twice_counts_the_first_time() {
        with_tape(
            r#"{"runId":"a","runId":"b","level":"INFO","timestamp":"1","timestamp":{},"message":"m"}"#,
            |nodes| {
                let ev = event(nodes, 0).unwrap();
                assert_eq!(ev.run_id, Some("a"));
                assert!(ev.timestamp.is_some());
            },
        );
    }

    #[test]
    fn pages_give_their_cursor_and_has_more() {
        with_tape(
            r#"{"cursor":"abc","events":[{},{}],"hasMore":false}"#,
            |nodes| {
                let p = page(nodes).unwrap().unwrap();
                assert_eq!(p.cursor, Some("abc"));
                assert_eq!(p.has_more, Some(false));
                assert_eq!(elements(nodes, p.events, "events").unwrap().len(), 2);
            },
        );
        with_tape(r#"{"cursor":"abc"}"#, |nodes| {
            assert!(page(nodes).unwrap().is_none());
        });
        // Twice the same key: the first counts, as in the careful path.
        with_tape(
            r#"{"events":[{}],"events":[],"hasMore":true,"hasMore":false}"#,
            |nodes| {
                let p = page(nodes).unwrap().unwrap();
                assert_eq!(elements(nodes, p.events, "events").unwrap().len(), 1);
                assert_eq!(p.has_more, Some(true));
            },
        );
    }
}
