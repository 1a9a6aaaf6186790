//! Reading plain pages in one pass after simd-json's stage 1, for loads that
//! keep no messages or details (`logs --json`, counts).
//!
//! simd-json parses in two stages. Stage 1 finds with SIMD where every
//! bracket, brace, colon, comma, string and scalar starts (its structural
//! indexes), and checks that the text is UTF-8 and that no string holds a raw
//! control character. Stage 2 builds the tape from those places: every string
//! copied and unescaped, every value written as a node. A load without
//! details reads six short fields of each event and a hash of its message,
//! so here stage 2 is replaced by one pass over the structural indexes that
//! checks what stage 2 checks (the grammar, numbers, literals, escapes) and
//! reads those fields on the way, the way simdjson's "On Demand" front end
//! does. Nothing is written but the events.
//!
//! The pass never writes to the document, so stage 1 can run on the buffer
//! the file was read into ([`Stage1::run_in_place`], called before the parse
//! when the buffer has room after the file): the copy simd-json's second
//! stage needs (it unescapes strings in place) is not made either.
//!
//! On CPUs with AVX-512 VBMI2, stage 1 is daglog's own
//! ([`crate::structural`]): simd-json's steps 64 bytes at a time, which also
//! finds the backslashes the pass needs. Elsewhere it is simd-json's, which
//! has no call for stage 1 alone: a parse with a depth limit of 0 stops at
//! the first bracket of stage 2 with `DepthLimitExceeded`, once stage 1 has
//! filled the structural indexes. [`Stage1`] makes that call, and a test
//! holds simd-json to it.
//!
//! This is a fast path, not the judge of bad input. Anything it is not sure
//! of (a number with a long exponent, a key with escapes, a field of an
//! unexpected type, nesting over [`MAX_DEPTH`]) makes it give up on the page,
//! which then goes the tape's way: that decides, and names any problem.

use crate::event::{RawEvent, RawTime};
use crate::scan::{is_ws, skip_ws};

/// Deeper nesting within one skipped value is left to the tape.
const MAX_DEPTH: u32 = 64;

/// simd-json's stage 1 and what the pass after it needs, kept from document
/// to document.
pub(crate) struct Stage1 {
    /// A padded copy of the document (simd-json reads past its end).
    input: Vec<u8>,
    buffers: simd_json::Buffers,
    /// Stays empty: stage 2 stops before writing to it.
    tape: Option<simd_json::Tape<'static>>,
    /// Where each backslash is, in order.
    backslashes: Vec<u32>,
    /// The structural indexes found with AVX-512 ([`crate::structural`]),
    /// where the CPU has it; else simd-json's, in `buffers`.
    structurals: Vec<u32>,
    /// An unescaped message.
    scratch: String,
    /// Where [`Stage1::run_in_place`] left the structural indexes of a
    /// document (its address and length), for the read that follows.
    ran_on: Option<(usize, usize)>,
}

impl Default for Stage1 {
    fn default() -> Self {
        Self {
            input: Vec::new(),
            buffers: simd_json::Buffers::with_max_depth(0, 0),
            tape: None,
            backslashes: Vec::new(),
            structurals: Vec::new(),
            scratch: String::new(),
            ran_on: None,
        }
    }
}

impl Stage1 {
    /// Runs simd-json's stage 1 on `padded[..len]` where it is, `padded`
    /// having [`simd_json::INPUT_PADDING`] bytes to spare after it:
    /// [`Stage1::read`] of those same bytes then copies nothing. Nothing is
    /// changed. With AVX-512 it does nothing: that stage 1 reads no padding,
    /// so the read runs it on the bytes where they are.
    pub(crate) fn run_in_place(&mut self, padded: &mut [u8], len: usize) {
        self.ran_on = None;
        if crate::structural::available()
            || u32::try_from(len).is_err()
            || padded.len() < len + simd_json::INPUT_PADDING
        {
            return;
        }
        if self.stage1(padded, len) {
            self.ran_on = Some((padded.as_ptr() as usize, len));
        }
    }

    /// Forgets a [`Stage1::run_in_place`] that no read took.
    pub(crate) fn forget(&mut self) {
        self.ran_on = None;
    }

    /// simd-json's stage 1 on `input[..len]`, and the backslashes;
    /// whether it accepted the text.
    fn stage1(&mut self, input: &mut [u8], len: usize) -> bool {
        let mut tape = self
            .tape
            .take()
            .unwrap_or_else(|| simd_json::Tape(Vec::new()));
        let stopped = simd_json::fill_tape_padded(input, len, &mut self.buffers, &mut tape);
        self.tape = Some(tape.reset());
        let accepted =
            matches!(stopped, Err(e) if *e.error() == simd_json::ErrorType::DepthLimitExceeded);
        if accepted {
            self.backslashes.clear();
            self.backslashes
                .extend(memchr::memchr_iter(b'\\', &input[..len]).map(|p| p as u32));
        }
        accepted
    }

    /// Runs stage 1 on `json` (unless [`Stage1::run_in_place`] just did)
    /// and hands `f` a reader at its first token; `None` when stage 1
    /// fails (not JSON, or not an object or array at the top) or `f` gives
    /// up.
    pub(crate) fn read<R>(
        &mut self,
        json: &[u8],
        f: impl FnOnce(&mut Reader<'_>) -> Option<R>,
    ) -> Option<R> {
        if self.ran_on.take() != Some((json.as_ptr() as usize, json.len())) {
            if u32::try_from(json.len()).is_err() {
                return None;
            }
            let accepted = if crate::structural::available() {
                // Reads nothing past the end: no padded copy.
                crate::structural::find(json, &mut self.structurals, &mut self.backslashes)
            } else {
                let mut input = std::mem::take(&mut self.input);
                input.clear();
                input.extend_from_slice(json);
                input.resize(json.len() + simd_json::INPUT_PADDING, b' ');
                let accepted = self.stage1(&mut input, json.len());
                self.input = input;
                accepted
            };
            if !accepted {
                return None;
            }
        }
        // simd-json's stage 1 checked the UTF-8 already (the AVX-512 one
        // does not), but only this makes it text in safe Rust: one pass
        // here costs less than one per string read.
        let text = simdutf8::basic::from_utf8(json).ok()?;
        let structurals = if crate::structural::available() {
            &self.structurals
        } else {
            self.buffers.structural_indexes()
        };
        let mut reader = Reader {
            bytes: json,
            text,
            structurals,
            backslashes: &self.backslashes,
            next_backslash: 0,
            k: 0,
            scratch: &mut self.scratch,
        };
        f(&mut reader)
    }
}

/// Whether `json` opens like an exported page, `{"events":`: what the pass
/// is for. Anything else (a GraphQL response, a run) would be checked in
/// full for nothing and read again from the tape.
pub(crate) fn opens_as_page(json: &[u8]) -> bool {
    let brace = skip_ws(json, 0);
    json.get(brace) == Some(&b'{') && json[skip_ws(json, brace + 1)..].starts_with(br#""events""#)
}

/// One pass over a document that stage 1 accepted; `k` is the structural
/// index of the next token. Every call checks what it passes over.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    /// The same bytes as text.
    text: &'a str,
    structurals: &'a [u32],
    backslashes: &'a [u32],
    /// The first backslash not passed yet: strings are met in order.
    next_backslash: usize,
    k: usize,
    scratch: &'a mut String,
}

/// What a page holds besides its events.
pub(crate) struct PageFields {
    pub(crate) cursor: Option<String>,
    pub(crate) has_more: Option<bool>,
}

/// A string's body in the document: `from..to`, and whether it has escapes.
#[derive(Clone, Copy)]
struct StrAt {
    from: usize,
    to: usize,
    escaped: bool,
}

/// Where the message an event is read with is.
enum Message {
    /// Null, or no message field.
    None,
    Plain(usize, usize),
    /// In the reader's scratch.
    Unescaped,
}

impl<'a> Reader<'a> {
    /// The structural indexes of the document.
    pub(crate) fn structurals(&self) -> &'a [u32] {
        self.structurals
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        let &p = self.structurals.get(self.k)?;
        Some(self.bytes[p as usize])
    }

    /// Takes the byte `b` as the next token.
    #[inline(always)]
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.k += 1)
    }

    /// Past the last byte of the token at structural `k`: the whitespace
    /// before the next token is not part of it.
    #[inline(always)]
    fn token_end(&self, k: usize) -> usize {
        let mut end = self
            .structurals
            .get(k + 1)
            .map_or(self.bytes.len(), |&p| p as usize);
        while end > 0 && is_ws(self.bytes[end - 1]) {
            end -= 1;
        }
        end
    }

    /// Takes the string that is the next token, checking its escapes.
    #[inline(always)]
    fn string(&mut self) -> Option<StrAt> {
        let &open = self.structurals.get(self.k)?;
        let from = open as usize + 1;
        if self.bytes[from - 1] != b'"' {
            return None;
        }
        // Stage 1 accepted the document: after the closing quote comes
        // only whitespace up to the next token.
        let end = self.token_end(self.k);
        if end <= from || self.bytes[end - 1] != b'"' {
            return None;
        }
        let to = end - 1;
        while self
            .backslashes
            .get(self.next_backslash)
            .is_some_and(|&b| (b as usize) < from)
        {
            self.next_backslash += 1;
        }
        let escaped = self
            .backslashes
            .get(self.next_backslash)
            .is_some_and(|&b| (b as usize) < to);
        if escaped && !self.escapes_are_valid(to) {
            return None;
        }
        self.k += 1;
        Some(StrAt { from, to, escaped })
    }

    /// Checks the escapes of a string body ending at `to`, from the
    /// backslash at `next_backslash`, and passes them: every backslash in
    /// the body starts an escape or is escaped itself.
    fn escapes_are_valid(&mut self, to: usize) -> bool {
        let mut done = 0;
        while let Some(&b) = self.backslashes.get(self.next_backslash) {
            let p = b as usize;
            if p >= to {
                break;
            }
            self.next_backslash += 1;
            if p < done {
                // The backslash escaped by the one before it.
                continue;
            }
            match escape(self.bytes, p) {
                Some((_, past)) if past <= to => done = past,
                _ => return false,
            }
        }
        true
    }

    /// Takes a key and its colon; keys with escapes are not compared.
    #[inline(always)]
    fn key(&mut self) -> Option<&'a [u8]> {
        let s = self.string()?;
        if s.escaped {
            return None;
        }
        self.expect(b':')?;
        Some(&self.bytes[s.from..s.to])
    }

    /// Takes a literal or a number.
    #[inline(always)]
    fn atom(&mut self) -> Option<&'a [u8]> {
        let &p = self.structurals.get(self.k)?;
        let token = &self.bytes[p as usize..self.token_end(self.k)];
        if !is_atom(token) {
            return None;
        }
        self.k += 1;
        Some(token)
    }

    /// Takes one value of any kind, checking all of it.
    fn skip(&mut self) -> Option<()> {
        // Open containers, innermost in bit 0: 1 for an object.
        let mut open = 0u64;
        let mut depth = 0u32;
        loop {
            // A value starts here.
            match self.peek()? {
                c @ (b'{' | b'[') => {
                    let (close, object) = if c == b'{' {
                        (b'}', true)
                    } else {
                        (b']', false)
                    };
                    self.k += 1;
                    if self.peek()? == close {
                        self.k += 1;
                    } else {
                        depth += 1;
                        if depth > MAX_DEPTH {
                            return None;
                        }
                        open = open << 1 | u64::from(object);
                        if object {
                            self.string()?;
                            self.expect(b':')?;
                        }
                        continue;
                    }
                }
                b'"' => {
                    self.string()?;
                }
                b'}' | b']' | b',' | b':' => return None,
                _ => {
                    self.atom()?;
                }
            }
            // A value ended: close what it ends, up to where the next starts.
            loop {
                if depth == 0 {
                    return Some(());
                }
                let object = open & 1 == 1;
                match (self.peek()?, object) {
                    (b',', true) => {
                        self.k += 1;
                        self.string()?;
                        self.expect(b':')?;
                        break;
                    }
                    (b',', false) => {
                        self.k += 1;
                        break;
                    }
                    (b'}', true) | (b']', false) => {
                        self.k += 1;
                        open >>= 1;
                        depth -= 1;
                    }
                    _ => return None,
                }
            }
        }
    }

    /// Takes the object that is the next value, calling `f` with each key
    /// (`f` takes the value); returns the number of members.
    #[inline(always)]
    fn members(&mut self, mut f: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<usize> {
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            self.k += 1;
            return Some(0);
        }
        let mut count = 0;
        loop {
            let key = self.key()?;
            f(self, key)?;
            count += 1;
            match self.peek()? {
                b',' => self.k += 1,
                b'}' => {
                    self.k += 1;
                    return Some(count);
                }
                _ => return None,
            }
        }
    }

    /// Takes the array that is the next value, calling `f` for each element
    /// (`f` takes it).
    #[inline(always)]
    fn elements(&mut self, mut f: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.peek()? == b']' {
            self.k += 1;
            return Some(());
        }
        loop {
            f(self)?;
            match self.peek()? {
                b',' => self.k += 1,
                b']' => {
                    self.k += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Takes `null`.
    #[inline(always)]
    fn null(&mut self) -> Option<()> {
        (self.atom()? == b"null").then_some(())
    }

    /// A string without escapes, or null.
    #[inline(always)]
    fn opt_str(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? != b'"' {
            return self.null().map(|()| None);
        }
        let s = self.string()?;
        if s.escaped {
            return None;
        }
        self.text.get(s.from..s.to).map(Some)
    }

    /// A string (any) or null, not read.
    #[inline(always)]
    fn check_opt_str(&mut self) -> Option<()> {
        if self.peek()? == b'"' {
            self.string().map(drop)
        } else {
            self.null()
        }
    }

    /// A string without escapes, an integer, or null: a time or a level.
    #[inline(always)]
    fn opt_time(&mut self) -> Option<Option<RawTime<'a>>> {
        match self.peek()? {
            b'"' => Some(self.opt_str()?.map(RawTime::Text)),
            b'n' => self.null().map(|()| None),
            _ => {
                let token = self.atom()?;
                // Read as simd-json reads an integer, then made a float; a
                // fraction or exponent is left to it.
                let text = std::str::from_utf8(token).ok()?;
                let n = text
                    .parse::<i64>()
                    .map(|n| n as f64)
                    .or_else(|_| text.parse::<u64>().map(|n| n as f64))
                    .ok()?;
                Some(Some(RawTime::Number(n)))
            }
        }
    }

    /// A string, a number, or null, not read.
    #[inline(always)]
    fn check_opt_time(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' | b'[' => None,
            _ => {
                let token = self.atom()?;
                (!matches!(token, b"true" | b"false")).then_some(())
            }
        }
    }

    /// A `PythonError` object or null, as the tape would read it.
    fn check_error(&mut self, depth: u32) -> Option<()> {
        if self.peek()? != b'{' {
            return self.null();
        }
        if depth > MAX_DEPTH {
            return None;
        }
        self.members(|r, key| match key {
            b"message" | b"className" => r.check_opt_str(),
            b"stack" => {
                if r.peek()? == b'[' {
                    r.elements(Self::check_opt_str)
                } else {
                    r.null()
                }
            }
            b"cause" => r.check_error(depth + 1),
            _ => r.skip(),
        })
        .map(drop)
    }

    /// A message: a string, kept as a place or unescaped into the scratch.
    #[inline(always)]
    fn message(&mut self) -> Option<Message> {
        if self.peek()? != b'"' {
            return self.null().map(|()| Message::None);
        }
        // The string's backslashes are among those `string` passes: from
        // here (any before the string are passed over below) to where it
        // leaves `next_backslash`.
        let first = self.next_backslash;
        let s = self.string()?;
        if !s.escaped {
            return Some(Message::Plain(s.from, s.to));
        }
        self.scratch.clear();
        let mut done = s.from;
        for &at in &self.backslashes[first..self.next_backslash] {
            let at = at as usize;
            if at < done {
                // Before the string, or escaped by the backslash before it.
                continue;
            }
            let (c, past) = escape(self.bytes, at)?;
            self.scratch.push_str(self.text.get(done..at)?);
            self.scratch.push(c);
            done = past;
        }
        self.scratch.push_str(self.text.get(done..s.to)?);
        Some(Message::Unescaped)
    }

    /// Takes the event object that is the next value and hands `f` what a
    /// load without details keeps of it, and where its JSON is.
    fn event(
        &mut self,
        f: &mut impl FnMut(&mut RawEvent<'_>, usize, usize) -> Option<()>,
    ) -> Option<()> {
        let start = *self.structurals.get(self.k)? as usize;
        let mut ev = RawEvent::default();
        let mut message = Message::None;
        // The fields kept count the first time a key is given, as on the tape.
        let mut seen = 0u16;
        let fields = self.members(|r, key| {
            let k = EventKey::of(key);
            if k.is_kept() {
                let bit = 1u16 << (k as u16);
                if seen & bit != 0 {
                    return r.skip();
                }
                seen |= bit;
            }
            match k {
                EventKey::Typename => ev.typename = r.opt_str()?,
                EventKey::RunId => ev.run_id = r.opt_str()?,
                EventKey::Message => message = r.message()?,
                EventKey::Timestamp => ev.timestamp = r.opt_time()?,
                EventKey::Level => ev.level = r.opt_time()?,
                EventKey::StepKey => ev.step_key = r.opt_str()?,
                EventKey::EventType => ev.event_type = r.opt_str()?,
                EventKey::Error => r.check_error(0)?,
                EventKey::Text => r.check_opt_str()?,
                EventKey::SecondsToWait => r.check_opt_time()?,
                EventKey::Other => r.skip()?,
            }
            Some(())
        })?;
        // The closing brace was the last token taken.
        let end = self.structurals[self.k - 1] as usize + 1;
        ev.field_count = u16::try_from(fields).unwrap_or(u16::MAX);
        ev.message = match message {
            Message::None => None,
            Message::Plain(from, to) => self.text.get(from..to),
            Message::Unescaped => Some(self.scratch.as_str()),
        };
        f(&mut ev, start, end)
    }

    /// Reads the page object that is the whole document, handing each event
    /// to `on_event` with where its JSON starts and ends; `None` when the
    /// document is not such a page or the pass gives up.
    pub(crate) fn page(
        &mut self,
        mut on_event: impl FnMut(&mut RawEvent<'_>, usize, usize) -> Option<()>,
    ) -> Option<PageFields> {
        let (mut cursor, mut has_more) = (None, None);
        // A key given twice counts the first time, as on the tape.
        let mut seen = [false; 3];
        let mut first = |i: usize| !std::mem::replace(&mut seen[i], true);
        self.members(|r, key| match key {
            b"events" if first(0) => r.elements(|r| {
                if r.peek()? != b'{' {
                    return None;
                }
                r.event(&mut on_event)
            }),
            b"cursor" if first(1) => {
                cursor = r.opt_str()?.map(str::to_string);
                Some(())
            }
            b"hasMore" if first(2) => {
                has_more = match r.atom()? {
                    b"true" => Some(true),
                    b"false" => Some(false),
                    b"null" => None,
                    _ => return None,
                };
                Some(())
            }
            _ => r.skip(),
        })?;
        // One value is the whole document.
        (self.k == self.structurals.len() && seen[0]).then_some(PageFields { cursor, has_more })
    }
}

/// The keys of an event that the pass reads or checks the type of, as the
/// tape reads them (`crate::tape::event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKey {
    Typename,
    RunId,
    Message,
    Timestamp,
    Level,
    StepKey,
    EventType,
    Error,
    /// A string or null: `errorSource`, markers, inputs, outputs, the job.
    Text,
    SecondsToWait,
    Other,
}

impl EventKey {
    /// Whether the pass keeps this key's value (the others are only checked).
    #[inline(always)]
    fn is_kept(self) -> bool {
        !matches!(
            self,
            EventKey::Error | EventKey::Text | EventKey::SecondsToWait | EventKey::Other
        )
    }

    /// Which key `key` is: the length and [`head`] of each known key are
    /// compared as numbers (a `match` on byte strings calls `memcmp` for
    /// every candidate of the same length), then the bytes after the first
    /// eight.
    #[inline(always)]
    fn of(key: &[u8]) -> EventKey {
        let h = head(key);
        macro_rules! known {
            ($($name:literal => $k:expr,)*) => {
                $(
                    if key.len() == $name.len()
                        && h == const { head($name) }
                        && key[$name.len().min(8)..] == $name[$name.len().min(8)..]
                    {
                        return $k;
                    }
                )*
            };
        }
        known! {
            b"__typename" => EventKey::Typename,
            b"runId" => EventKey::RunId,
            b"message" => EventKey::Message,
            b"timestamp" => EventKey::Timestamp,
            b"level" => EventKey::Level,
            b"stepKey" => EventKey::StepKey,
            b"eventType" => EventKey::EventType,
            b"error" => EventKey::Error,
            b"errorSource" => EventKey::Text,
            b"markerStart" => EventKey::Text,
            b"markerEnd" => EventKey::Text,
            b"inputName" => EventKey::Text,
            b"outputName" => EventKey::Text,
            b"upstreamStepKey" => EventKey::Text,
            b"upstreamOutputName" => EventKey::Text,
            b"pipelineName" => EventKey::Text,
            b"secondsToWait" => EventKey::SecondsToWait,
        }
        EventKey::Other
    }
}

/// A key's first eight bytes as a number; for a key of four to seven bytes,
/// its first four and last four (so every byte counts); 0 for a shorter key.
/// With the length, it tells apart keys that agree in their first eight bytes
/// only if their lengths differ.
#[inline(always)]
const fn head(key: &[u8]) -> u64 {
    const fn le(bytes: &[u8], at: usize, n: usize) -> u64 {
        let mut v = 0;
        let mut i = 0;
        while i < n {
            v |= (bytes[at + i] as u64) << (8 * i);
            i += 1;
        }
        v
    }
    let n = key.len();
    if n >= 8 {
        le(key, 0, 8)
    } else if n >= 4 {
        le(key, 0, 4) | le(key, n - 4, 4) << 32
    } else {
        0
    }
}

/// The character of the escape at `p` and where what follows it starts;
/// `None` when it is not valid, as simd-json decides: one of `"\/bfnrt`,
/// or `u` and four hex digits, a high surrogate only with a low one after it.
#[inline]
fn escape(bytes: &[u8], p: usize) -> Option<(char, usize)> {
    let c = match bytes.get(p + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => return unicode_escape(bytes, p),
        _ => return None,
    };
    Some((c, p + 2))
}

fn unicode_escape(bytes: &[u8], p: usize) -> Option<(char, usize)> {
    let hex = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0, |v, &d| Some(v * 16 + char::from(d).to_digit(16)?))
    };
    let unit = hex(p + 2)?;
    match unit {
        0xd800..0xdc00 => {
            if bytes.get(p + 6..p + 8)? != b"\\u" {
                return None;
            }
            let low = hex(p + 8).filter(|l| (0xdc00..0xe000).contains(l))?;
            let c = char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))?;
            Some((c, p + 12))
        }
        0xdc00..0xe000 => None,
        _ => Some((char::from_u32(unit)?, p + 6)),
    }
}

/// Whether `t` is `true`, `false`, `null` or a number simd-json surely
/// reads: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, with at most 18
/// digits before the point, 18 after it and 2 in the exponent.
fn is_atom(t: &[u8]) -> bool {
    matches!(t, b"true" | b"false" | b"null") || is_number(t)
}

fn is_number(t: &[u8]) -> bool {
    let digits = |i: &mut usize, max: usize| {
        let start = *i;
        while t.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        (1..=max).contains(&(*i - start))
    };
    let mut i = usize::from(t.first() == Some(&b'-'));
    match t.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            if !digits(&mut i, 18) {
                return false;
            }
        }
        _ => return false,
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i, 18) {
            return false;
        }
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i, 2) {
            return false;
        }
    }
    i == t.len()
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn events_of(json: &str) -> Option<Vec<(String, usize, usize)>> {
        let mut stage1 = Stage1::default();
        stage1.read(json.as_bytes(), |r| {
            let mut out = Vec::new();
            r.page(|ev, s, e| {
                out.push((format!("{:?}/{:?}", ev.run_id, ev.message), s, e));
                Some(())
            })?;
            Some(out)
        })
    }

    /// simd-json stops a parse with a depth limit of 0 at the first bracket,
    /// after stage 1: what [`Stage1::read`] is built on. Stage 1's own
    /// errors still come first.
    #[test]
    fn a_depth_limit_of_0_runs_stage_1_alone() {
        let mut buffers = simd_json::Buffers::with_max_depth(0, 0);
        let mut run = |json: &[u8]| {
            let mut input = json.to_vec();
            input.resize(json.len() + simd_json::INPUT_PADDING, b' ');
            let mut tape = simd_json::Tape(Vec::new());
            let error =
                simd_json::fill_tape_padded(&mut input, json.len(), &mut buffers, &mut tape)
                    .err()
                    .map(|e| format!("{:?}", e.error()));
            (error, buffers.structural_indexes().to_vec())
        };
        let stopped = |e: simd_json::ErrorType| Some(format!("{e:?}"));
        let (error, structurals) = run(br#"{"a": [1, "b"]}"#);
        assert_eq!(error, stopped(simd_json::ErrorType::DepthLimitExceeded));
        assert_eq!(structurals, [0, 1, 4, 6, 7, 8, 10, 13, 14]);
        assert_eq!(
            run(b"{\"a\xff\": 1}").0,
            stopped(simd_json::ErrorType::InvalidUtf8)
        );
        assert_eq!(
            run(b"{\"a\x01\": 1}").0,
            stopped(simd_json::ErrorType::Syntax)
        );
        assert_eq!(
            run(br#"{"a": "b}"#).0,
            stopped(simd_json::ErrorType::Syntax)
        );
    }

    #[test]
    fn reads_events_and_where_they_are() {
        let json = r#"{"events": [{"runId": "r", "message": "a \"b\"\n\u00e9", "x": [1, -2.5e10, {"y": null}]}, {"runId": null}], "cursor": "c", "hasMore": false}"#;
        let events = events_of(json).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].0, "Some(\"r\")/Some(\"a \\\"b\\\"\\né\")");
        assert_eq!(
            &json[events[0].1..events[0].2],
            &json[12..json.find("}]}, ").unwrap() + 3]
        );
        assert_eq!(&json[events[1].1..events[1].2], r#"{"runId": null}"#);
    }

    /// Each known key is told apart from every other key, and from keys
    /// that share its length and first bytes, or differ in one byte only.
    #[test]
    fn event_keys_are_told_apart_by_every_byte() {
        let known: &[(&[u8], EventKey)] = &[
            (b"__typename", EventKey::Typename),
            (b"runId", EventKey::RunId),
            (b"message", EventKey::Message),
            (b"timestamp", EventKey::Timestamp),
            (b"level", EventKey::Level),
            (b"stepKey", EventKey::StepKey),
            (b"eventType", EventKey::EventType),
            (b"error", EventKey::Error),
            (b"errorSource", EventKey::Text),
            (b"markerStart", EventKey::Text),
            (b"markerEnd", EventKey::Text),
            (b"inputName", EventKey::Text),
            (b"outputName", EventKey::Text),
            (b"upstreamStepKey", EventKey::Text),
            (b"upstreamOutputName", EventKey::Text),
            (b"pipelineName", EventKey::Text),
            (b"secondsToWait", EventKey::SecondsToWait),
        ];
        for &(key, expected) in known {
            assert_eq!(
                EventKey::of(key),
                expected,
                "{}",
                String::from_utf8_lossy(key)
            );
            for i in 0..key.len() {
                let mut changed = key.to_vec();
                changed[i] ^= 0x20;
                assert_eq!(EventKey::of(&changed), EventKey::Other, "{changed:?}");
            }
            for other in [&key[..key.len() - 1], &[key, b"s"].concat()] {
                assert_eq!(EventKey::of(other), EventKey::Other, "{other:?}");
            }
        }
        for other in [
            &b""[..],
            b"a",
            b"run",
            b"metadataEntries",
            b"stepKeys",
            b"label",
        ] {
            assert_eq!(EventKey::of(other), EventKey::Other);
        }
    }

    #[test]
    fn gives_up_on_what_stage_2_would_refuse_or_it_is_unsure_of() {
        for json in [
            r#"{"events": [{"a": tru}]}"#,
            r#"{"events": [{"a": 01}]}"#,
            r#"{"events": [{"a": 1.}]}"#,
            r#"{"events": [{"a": 1e400}]}"#,
            r#"{"events": [{"a": "\x"}]}"#,
            r#"{"events": [{"a": "\ud800"}]}"#,
            r#"{"events": [{"a": "\udc00"}]}"#,
            r#"{"events": [{"a" 1}]}"#,
            r#"{"events": [{"a": 1,}]}"#,
            r#"{"events": [{"a": [1 2]}]}"#,
            r#"{"events": [{"a": {"b": 1]}]}"#,
            r#"{"events": []} {}"#,
            r#"{"events": [{"run\u0049d": "r"}]}"#,
            r#"{"events": [{"runId": 5}]}"#,
            r#"{"events": [{"error": {"stack": [1]}}]}"#,
            r#"{"events": [{"secondsToWait": true}]}"#,
            r#"{"events": [1]}"#,
            r#"{"cursor": "c"}"#,
            r#"[{"events": []}]"#,
        ] {
            assert_eq!(events_of(json), None, "{json}");
        }
        assert_eq!(
            events_of(r#"{"events": [{"a": "\ud83d\ude00", "b": [[[]]], "c": {}}]}"#)
                .unwrap()
                .len(),
            1
        );
    }

    /// Every page of the real exports (`pages*` folders of the fixtures).
    fn real_pages() -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "json")
                    && path
                        .parent()
                        .and_then(Path::file_name)
                        .is_some_and(|d| d.to_string_lossy().starts_with("pages"))
                {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures"),
            &mut out,
        );
        out.sort();
        out
    }

    /// What a load without details makes of `data`, with the pass or
    /// with the tape only, as text to compare.
    fn parsed(data: &[u8], one_pass: bool) -> String {
        use crate::fuzzing::{Reader, parse_with};
        let reader = if one_pass {
            Reader::OnePass
        } else {
            Reader::Tape
        };
        let simd_json_only = crate::structural::SIMD_JSON_ONLY.get();
        format!("{:?}", parse_with(data, reader, simd_json_only))
    }

    /// Runs `test` with each stage 1 this CPU has: the AVX-512 one
    /// ([`crate::structural`]) where it can, and simd-json's.
    fn with_each_stage1(test: impl Fn()) {
        for simd_json_only in [false, true] {
            crate::structural::SIMD_JSON_ONLY.set(simd_json_only);
            test();
        }
        crate::structural::SIMD_JSON_ONLY.set(false);
    }

    #[test]
    fn every_real_page_is_read_in_one_pass_as_the_tape_reads_it() {
        with_each_stage1(every_real_page_reads_the_same);
    }

    fn every_real_page_reads_the_same() {
        let pages = real_pages();
        assert!(pages.len() > 40, "{} pages", pages.len());
        let mut stage1 = Stage1::default();
        for path in pages {
            let data = std::fs::read(&path).unwrap();
            assert!(opens_as_page(&data), "{}", path.display());
            let events = stage1.read(&data, |r| {
                let mut n = 0;
                r.page(|_, _, _| {
                    n += 1;
                    Some(())
                })?;
                Some(n)
            });
            assert!(events.is_some_and(|n| n > 0), "{}", path.display());
            assert_eq!(
                parsed(&data, true),
                parsed(&data, false),
                "{}",
                path.display()
            );
        }
    }

    /// Random damage to real pages, pretty and compact: with the pass or
    /// without it, a load gives the same events or the same error. The pass
    /// may only give up; it may never accept what the tape refuses.
    #[test]
    fn damaged_pages_read_the_same_with_and_without_the_pass() {
        with_each_stage1(damaged_pages_read_the_same);
    }

    fn damaged_pages_read_the_same() {
        const BYTES: &[u8] = b"{}[]:,\" \\\n0-.eE+tfnu19xl\x01\xc3\xff";
        let pages = real_pages();
        let picked: Vec<&PathBuf> = pages.iter().step_by(pages.len() / 4).take(4).collect();
        let mut random = crate::testing::random();
        let (mut accepted, mut total) = (0, 0);
        let mut stage1 = Stage1::default();
        for path in picked {
            let pretty = std::fs::read(path).unwrap();
            let mut compact = Vec::new();
            crate::compact::write_compact(&pretty, &mut compact);
            for page in [pretty, compact] {
                for _ in 0..150 {
                    let mut damaged = page.clone();
                    for _ in 0..1 + random(3) {
                        // Past `{"events":[`, so that the pass is tried.
                        let at = 12 + random(damaged.len() - 12);
                        match random(4) {
                            0 => {
                                damaged.remove(at);
                            }
                            1 => damaged.insert(at, BYTES[random(BYTES.len())]),
                            _ => damaged[at] = BYTES[random(BYTES.len())],
                        }
                    }
                    let one_pass = parsed(&damaged, true);
                    assert_eq!(one_pass, parsed(&damaged, false), "{}", path.display());
                    total += 1;
                    accepted += usize::from(
                        stage1
                            .read(&damaged, |r| r.page(|_, _, _| Some(())))
                            .is_some(),
                    );
                }
            }
        }
        // Some damage leaves valid JSON (inside a string), which the pass
        // reads; most does not.
        assert!(
            accepted > total / 20 && accepted < total / 2,
            "{accepted} of {total}"
        );
    }
}
