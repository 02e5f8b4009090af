//! An incremental Server-Sent Events parser (the `text/event-stream` format of the WHATWG HTML
//! standard), byte-oriented and allocation-free on the common path.
//!
//! Feed it the response body in whatever chunks the network delivers — an event, a line, a CRLF
//! pair or a UTF-8 character may be split at any byte — and iterate the complete events each
//! [`SseParser::push`] returns. Events borrow from the parser's buffer: field values are only
//! copied when an event carries several `data:` lines (they must be joined with `\n`) or invalid
//! UTF-8 (replaced with U+FFFD).
//!
//! Handled: `event:`, `data:`, `id:` and `retry:` fields (one optional space after the colon is
//! dropped), comments (lines starting with `:`), LF / CRLF / CR line endings, a UTF-8 BOM at the
//! start of the stream, and a maximum event size (default 16 MiB) past which the event is reported
//! as an error and skipped instead of growing the buffer without bound.
//!
//! ```
//! use claw_anthropic::client::sse::SseParser;
//! # fn main() -> claw_anthropic::Result<()> {
//! let mut parser = SseParser::new();
//! let mut names = Vec::new();
//! for chunk in [&b"event: ping\r\ndata: {\"type\""[..], b":\"ping\"}\r", b"\n\r\n"] {
//!     for event in parser.push(chunk) {
//!         let event = event?;
//!         names.push((event.event.to_string(), event.data.to_string()));
//!     }
//! }
//! parser.finish()?;
//! assert_eq!(names, [("ping".to_string(), r#"{"type":"ping"}"#.to_string())]);
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::ops::Range;

use crate::error::{Error, FailureReason, Result};

/// The default [`SseParser::max_event_size`]: 16 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event. Values borrow from the parser; see [`SseEvent::into_owned`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent<'a> {
    /// The `event:` field, or `"message"` when the event had none (as the standard says).
    pub event: Cow<'a, str>,
    /// The `data:` lines joined with `\n`.
    pub data: Cow<'a, str>,
    /// The `id:` field, if this event carried one (see also [`SseParser::last_event_id`]).
    pub id: Option<Cow<'a, str>>,
    /// The `retry:` field in milliseconds, if this event carried a valid one.
    pub retry: Option<u64>,
}

impl SseEvent<'_> {
    /// A copy that owns its strings.
    pub fn into_owned(self) -> SseEvent<'static> {
        SseEvent {
            event: Cow::Owned(self.event.into_owned()),
            data: Cow::Owned(self.data.into_owned()),
            id: self.id.map(|s| Cow::Owned(s.into_owned())),
            retry: self.retry,
        }
    }
}

/// `data:` lines of the event being read.
#[derive(Debug, Default)]
enum Data {
    #[default]
    None,
    /// One line so far: a range of the buffer.
    One(Range<usize>),
    /// Several lines, joined.
    Many(String),
}

/// Everything but the byte buffer, so that events can borrow the buffer while the state moves.
#[derive(Debug)]
struct State {
    /// Start of the event being read (everything before it may be dropped).
    start: usize,
    /// Start of the next line to look at.
    scan: usize,
    /// The last line ended in CR at the very end of the buffer: skip one LF at `scan`.
    pending_cr: bool,
    /// The BOM check at the start of the stream is done.
    bom_done: bool,
    /// Skipping the rest of an oversized event, until a blank line.
    discarding: bool,
    /// While discarding: the bytes already dropped belong to a line not yet ended.
    discard_mid_line: bool,
    max_event_size: usize,
    event: Option<Range<usize>>,
    data: Data,
    id: Option<Range<usize>>,
    retry: Option<u64>,
    last_event_id: String,
}

impl State {
    fn reset_fields(&mut self) {
        self.event = None;
        self.data = Data::None;
        self.id = None;
        self.retry = None;
    }

    fn shift(&mut self, by: usize) {
        let sh = |r: &mut Range<usize>| {
            r.start -= by;
            r.end -= by;
        };
        self.start -= by;
        self.scan -= by;
        if let Some(r) = &mut self.event {
            sh(r);
        }
        if let Some(r) = &mut self.id {
            sh(r);
        }
        if let Data::One(r) = &mut self.data {
            sh(r);
        }
    }
}

/// An incremental SSE parser. See the [module docs](self).
#[derive(Debug)]
pub struct SseParser {
    buf: Vec<u8>,
    st: State,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    /// A parser with the default maximum event size ([`DEFAULT_MAX_EVENT_SIZE`]).
    pub fn new() -> Self {
        Self::with_max_event_size(DEFAULT_MAX_EVENT_SIZE)
    }

    /// A parser that rejects (and skips) events larger than `max` bytes of raw stream text.
    pub fn with_max_event_size(max: usize) -> Self {
        SseParser {
            buf: Vec::new(),
            st: State {
                start: 0,
                scan: 0,
                pending_cr: false,
                bom_done: false,
                discarding: false,
                discard_mid_line: false,
                max_event_size: max.max(1),
                event: None,
                data: Data::None,
                id: None,
                retry: None,
                last_event_id: String::new(),
            },
        }
    }

    /// The maximum event size in bytes.
    pub fn max_event_size(&self) -> usize {
        self.st.max_event_size
    }

    /// The last `id:` seen (persists across events, as in the standard).
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.st.last_event_id.is_empty()).then_some(self.st.last_event_id.as_str())
    }

    /// Bytes buffered for the event not yet complete.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.st.start
    }

    /// Appends `chunk` and returns an iterator over every event completed so far.
    ///
    /// Events not taken from the iterator (because it was dropped early) are returned by the
    /// next `push` or [`SseParser::events`]. An `Err` item reports an oversized event; the
    /// parser skips that event and goes on with the next one.
    pub fn push(&mut self, chunk: &[u8]) -> Events<'_> {
        self.append(chunk);
        self.pending()
    }

    /// Appends `chunk` without parsing it yet (see [`SseParser::pending`]).
    pub(crate) fn append(&mut self, chunk: &[u8]) {
        // Drop everything before the event in progress; only that tail moves.
        let start = self.st.start;
        if start == self.buf.len() {
            self.buf.clear();
            self.st.shift(start);
        } else if start > 0 {
            self.buf.drain(..start);
            self.st.shift(start);
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The events completed by the bytes appended so far (no compaction of the buffer, so
    /// taking one event at a time costs nothing extra).
    pub(crate) fn pending(&mut self) -> Events<'_> {
        Events {
            buf: &self.buf,
            st: &mut self.st,
        }
    }

    /// Whether the parser sits between two events with nothing buffered: the next bytes of
    /// the stream start a new event, so a caller may recognise and consume whole events
    /// itself without feeding them here (the parser's state would not change for them as
    /// long as they carry no `id:` or `retry:` field).
    pub(crate) fn is_idle(&self) -> bool {
        let st = &self.st;
        st.bom_done
            && !st.pending_cr
            && !st.discarding
            && st.start == self.buf.len()
            && st.scan == st.start
            && matches!(st.data, Data::None)
            && st.event.is_none()
            && st.id.is_none()
            && st.retry.is_none()
    }

    /// The events still pending, without adding bytes.
    pub fn events(&mut self) -> Events<'_> {
        self.push(&[])
    }

    /// Ends the stream. Per the standard an event without its closing blank line is not
    /// dispatched; this returns an error if such an incomplete event (fields or a partial line)
    /// was pending, so callers can tell a cut stream from a clean end. The parser is reset
    /// for reuse either way.
    pub fn finish(&mut self) -> Result<()> {
        let mut partial_line = self.buf.len() - self.st.scan.min(self.buf.len());
        if !self.st.bom_done && self.buf[self.st.scan..] == BOM[..partial_line.min(3)] {
            partial_line = 0;
        }
        let has_fields = !matches!(self.st.data, Data::None) || self.st.event.is_some();
        let pending = self.buf.len() - self.st.start;
        let self_discarding = self.st.discarding;
        let max = self.st.max_event_size;
        *self = Self::with_max_event_size(max);
        if (partial_line > 0 || has_fields) && !self_discarding {
            return Err(Error::Stream {
                reason: FailureReason::Unknown,
                error_type: None,
                message: format!(
                    "the event stream ended in the middle of an event ({pending} bytes not terminated by a blank line)"
                ),
                partial: None,
            });
        }
        Ok(())
    }
}

/// Iterator over the events completed by one [`SseParser::push`].
#[derive(Debug)]
pub struct Events<'a> {
    buf: &'a [u8],
    st: &'a mut State,
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
    }
}

fn too_large(max: usize) -> Error {
    Error::Stream {
        reason: FailureReason::Format,
        error_type: None,
        message: format!(
            "an event in the event stream exceeds the maximum event size of {max} bytes; it was skipped"
        ),
        partial: None,
    }
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<SseEvent<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let buf = self.buf;
        let st = &mut *self.st;
        if !st.bom_done {
            let avail = &buf[st.scan..];
            if avail.len() < 3 && BOM.starts_with(avail) {
                return None;
            }
            st.bom_done = true;
            if avail.starts_with(BOM) {
                st.scan += 3;
                st.start = st.scan;
            }
        }
        loop {
            if st.pending_cr {
                if st.scan >= buf.len() {
                    return None;
                }
                if buf[st.scan] == b'\n' {
                    st.scan += 1;
                    if st.discarding {
                        st.start = st.scan;
                    }
                }
                st.pending_cr = false;
            }
            let rest = &buf[st.scan..];
            let Some(i) = memchr::memchr2(b'\n', b'\r', rest) else {
                if st.discarding {
                    // Drop the partial line; remember we are inside it.
                    if !rest.is_empty() {
                        st.discard_mid_line = true;
                    }
                    st.scan = buf.len();
                    st.start = buf.len();
                } else if buf.len() - st.start > st.max_event_size {
                    st.discarding = true;
                    st.discard_mid_line = !rest.is_empty();
                    st.reset_fields();
                    st.scan = buf.len();
                    st.start = buf.len();
                    return Some(Err(too_large(st.max_event_size)));
                }
                return None;
            };
            let line = st.scan..st.scan + i;
            let mut next = st.scan + i + 1;
            if rest[i] == b'\r' {
                if next < buf.len() {
                    if buf[next] == b'\n' {
                        next += 1;
                    }
                } else {
                    st.pending_cr = true;
                }
            }
            st.scan = next;

            if st.discarding {
                let blank = line.is_empty() && !st.discard_mid_line;
                st.discard_mid_line = false;
                st.start = st.scan;
                if blank {
                    st.discarding = false;
                }
                continue;
            }

            if line.is_empty() {
                // Dispatch.
                let data = std::mem::take(&mut st.data);
                let event = st.event.take();
                let id = st.id.take();
                let retry = st.retry.take();
                st.start = st.scan;
                let data = match data {
                    Data::None => continue,
                    Data::One(r) => text(&buf[r]),
                    Data::Many(s) => Cow::Owned(s),
                };
                let event = match event {
                    Some(r) if !r.is_empty() => text(&buf[r]),
                    _ => Cow::Borrowed("message"),
                };
                return Some(Ok(SseEvent {
                    event,
                    data,
                    id: id.map(|r| text(&buf[r])),
                    retry,
                }));
            }

            if st.scan - st.start > st.max_event_size {
                st.discarding = true;
                st.discard_mid_line = false;
                st.reset_fields();
                st.start = st.scan;
                return Some(Err(too_large(st.max_event_size)));
            }

            let l = &buf[line.clone()];
            if l[0] == b':' {
                continue; // comment
            }
            let (name, value) = match memchr::memchr(b':', l) {
                Some(c) => {
                    let v = if l.get(c + 1) == Some(&b' ') {
                        c + 2
                    } else {
                        c + 1
                    };
                    (&l[..c], line.start + v..line.end)
                }
                None => (l, line.end..line.end),
            };
            match name {
                b"data" => {
                    st.data = match std::mem::take(&mut st.data) {
                        Data::None => Data::One(value),
                        Data::One(prev) => {
                            let mut s = String::with_capacity(prev.len() + value.len() + 1);
                            s.push_str(&text(&buf[prev]));
                            s.push('\n');
                            s.push_str(&text(&buf[value]));
                            Data::Many(s)
                        }
                        Data::Many(mut s) => {
                            s.push('\n');
                            s.push_str(&text(&buf[value]));
                            Data::Many(s)
                        }
                    };
                }
                b"event" => st.event = Some(value),
                b"id" => {
                    let v = &buf[value.clone()];
                    if !v.contains(&0) {
                        st.last_event_id.clear();
                        st.last_event_id.push_str(&text(v));
                        st.id = Some(value);
                    }
                }
                b"retry" => {
                    let v = &buf[value];
                    if !v.is_empty() && v.iter().all(u8::is_ascii_digit) {
                        st.retry = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok());
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<(String, String)> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            for e in p.push(c) {
                let e = e.unwrap();
                out.push((e.event.into_owned(), e.data.into_owned()));
            }
        }
        out
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_string(), b.to_string())
    }

    #[test]
    fn basic_and_defaults() {
        assert_eq!(
            all(&[b"data: x\n\nevent: e\ndata:y\n\n"]),
            [pair("message", "x"), pair("e", "y")]
        );
    }

    #[test]
    fn multi_line_data_and_comments() {
        assert_eq!(
            all(&[b": hello\nevent: a\ndata: 1\n: mid\ndata: 2\ndata\ndata:  3\n\n"]),
            [pair("a", "1\n2\n\n 3")]
        );
    }

    #[test]
    fn line_endings() {
        let want = [pair("a", "1"), pair("b", "2"), pair("c", "3")];
        assert_eq!(
            all(&[b"event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n\n"]),
            want
        );
    }

    #[test]
    fn cr_lf_split_across_chunks() {
        let got = all(&[b"data: 1\r", b"\n", b"\r", b"\ndata: 2\r", b"\r"]);
        assert_eq!(got, [pair("message", "1"), pair("message", "2")]);
    }

    #[test]
    fn bom_only_at_start_and_split() {
        assert_eq!(
            all(&[b"\xEF", b"\xBB", b"\xBFdata: a\n\n"]),
            [pair("message", "a")]
        );
        // A BOM later is part of the data.
        assert_eq!(
            all(&[b"data: a\n\n\xEF\xBB\xBFdata: b\n\n"]),
            [pair("message", "a")]
        );
    }

    #[test]
    fn utf8_split_inside_char() {
        let s = "data: h\u{e9}llo \u{1F600}\n\n".as_bytes();
        for cut in 0..s.len() {
            assert_eq!(
                all(&[&s[..cut], &s[cut..]]),
                [pair("message", "h\u{e9}llo \u{1F600}")]
            );
        }
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(all(&[b"data: a\xFFb\n\n"]), [pair("message", "a\u{FFFD}b")]);
    }

    #[test]
    fn id_and_retry() {
        let mut p = SseParser::new();
        let evs: Vec<_> = p
            .push(b"id: 7\nretry: 1500\ndata: x\n\nretry: nope\ndata: y\n\n")
            .map(|e| e.unwrap().into_owned())
            .collect();
        assert_eq!(evs[0].id.as_deref(), Some("7"));
        assert_eq!(evs[0].retry, Some(1500));
        assert_eq!(evs[1].id, None);
        assert_eq!(evs[1].retry, None);
        assert_eq!(p.last_event_id(), Some("7"));
    }

    #[test]
    fn no_data_no_dispatch() {
        assert_eq!(
            all(&[b"event: a\n\n\n\ndata: z\n\n"]),
            [pair("message", "z")]
        );
    }

    #[test]
    fn oversized_event_is_skipped_without_growth() {
        let mut p = SseParser::with_max_event_size(64);
        let mut errs = 0;
        let mut got = Vec::new();
        let big = vec![b'x'; 50];
        let mut feed = |p: &mut SseParser, c: &[u8]| {
            for e in p.push(c) {
                match e {
                    Ok(e) => got.push(e.data.into_owned()),
                    Err(e) => {
                        assert!(e.to_string().contains("maximum event size"));
                        errs += 1
                    }
                }
            }
            assert!(p.buffered() <= 64 + 50);
        };
        feed(&mut p, b"data: ");
        for _ in 0..100 {
            feed(&mut p, &big);
        }
        feed(&mut p, b"\n\ndata: ok\n\n");
        // Many short lines also hit the limit.
        for _ in 0..20 {
            feed(&mut p, b"data: 0123456789\n");
        }
        feed(&mut p, b"\ndata: ok2\n\n");
        assert_eq!(errs, 2);
        assert_eq!(got, ["ok", "ok2"]);
    }

    #[test]
    fn dropped_iterator_keeps_events() {
        let mut p = SseParser::new();
        let first = p.push(b"data: 1\n\ndata: 2\n\n").next().unwrap().unwrap();
        assert_eq!(first.data, "1");
        let rest: Vec<_> = p.events().map(|e| e.unwrap().data.into_owned()).collect();
        assert_eq!(rest, ["2"]);
    }

    #[test]
    fn finish_reports_incomplete() {
        let mut p = SseParser::new();
        assert_eq!(p.push(b"data: 1\n\n").count(), 1);
        p.finish().unwrap();
        assert_eq!(p.push(b"data: 1\n").count(), 0);
        assert!(p.finish().is_err());
        assert_eq!(p.push(b"data: 1").count(), 0);
        assert!(p.finish().is_err());
        assert_eq!(p.push(b":comment\n").count(), 0);
        p.finish().unwrap();
    }

    #[test]
    fn borrows_when_possible() {
        let mut p = SseParser::new();
        let e = p.push(b"event: x\ndata: {}\n\n").next().unwrap().unwrap();
        assert!(matches!(e.data, Cow::Borrowed(_)));
        assert!(matches!(e.event, Cow::Borrowed(_)));
    }
}
