//! [`StreamDecoder`]: the SSE parser and the accumulator together.

use super::*;

/// The common start of a typed sink's [`Sink::event`]: nothing once the stream is complete; a
/// compact delta the parser delivered goes to [`Sink::fast`]; any other event is parsed and
/// returned for the sink to apply (`None`: an event type this crate does not know).
fn typed_unless_fast(
    sink: &mut impl Sink,
    acc: &mut MessageAccumulator,
    ev: &SseEvent<'_>,
) -> Result<Option<StreamEvent>> {
    if acc.is_complete() {
        return Ok(None);
    }
    if ev.event == "content_block_delta"
        && acc.failed.is_none()
        && let Some((kind, index, from)) = acc.fast_delta_at(&ev.data)
    {
        sink.fast(acc, FastHit { kind, index, from }, ev.data.as_bytes());
        return Ok(None);
    }
    StreamEvent::from_sse(ev).map_err(|e| acc.with_partial(e))
}

/// What [`StreamDecoder::feed`] does with each event.
pub(super) trait Sink {
    /// A compact delta event the fast path already applied; `data` is its `data:` value.
    fn fast(&mut self, acc: &MessageAccumulator, hit: FastHit, data: &[u8]);
    /// Any other event, from the SSE parser: apply it (and hand it on).
    fn event(&mut self, acc: &mut MessageAccumulator, ev: &SseEvent<'_>) -> Result<()>;
}

/// The SSE parser and the accumulator together: push response body chunks, then
/// [`StreamDecoder::finish`] for the message. See the [module docs](super).
#[derive(Debug, Default)]
pub struct StreamDecoder {
    parser: SseParser,
    acc: MessageAccumulator,
}

impl StreamDecoder {
    /// A decoder with the default maximum event size.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder over a custom parser (e.g. another maximum event size).
    pub fn with_parser(parser: SseParser) -> Self {
        StreamDecoder {
            parser,
            acc: MessageAccumulator::new(),
        }
    }

    /// Feeds a body chunk. Errors (an `error` event, a malformed or oversized event, an
    /// inconsistent stream) are [`Error::Stream`] with the partial message; the stream should
    /// be abandoned then.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        struct Accumulate;
        impl Sink for Accumulate {
            fn fast(&mut self, _: &MessageAccumulator, _: FastHit, _: &[u8]) {}
            fn event(&mut self, acc: &mut MessageAccumulator, ev: &SseEvent<'_>) -> Result<()> {
                acc.push_sse(ev).map(drop)
            }
        }
        self.feed(chunk, &mut Accumulate)
    }

    /// Like [`StreamDecoder::push`], and hands every known event except `ping` to `on_event`
    /// as it is applied, by value (this path builds each typed event, so it allocates once per event).
    pub fn push_with(&mut self, chunk: &[u8], on_event: impl FnMut(StreamEvent)) -> Result<()> {
        struct Typed<F>(F);
        impl<F: FnMut(StreamEvent)> Sink for Typed<F> {
            fn fast(&mut self, acc: &MessageAccumulator, hit: FastHit, _: &[u8]) {
                if let Some(typed) = acc.fast_event(hit.kind, hit.index, hit.from) {
                    (self.0)(typed);
                }
            }
            fn event(&mut self, acc: &mut MessageAccumulator, ev: &SseEvent<'_>) -> Result<()> {
                let Some(typed) = typed_unless_fast(self, acc, ev)? else {
                    return Ok(());
                };
                // Apply first, then hand the event over by value (no clone per event); an
                // `error` event is still delivered before its error is returned.
                let applied = acc.push(&typed);
                if !matches!(typed, StreamEvent::Ping) {
                    (self.0)(typed);
                }
                applied
            }
        }
        self.feed(chunk, &mut Typed(on_event))
    }

    /// Like [`StreamDecoder::push`], and appends the text of every text delta to `out`, in
    /// order — what [`push_with`](Self::push_with) would hand over as `TextDelta`s, without an
    /// event value (or an allocation) per delta. Other events are applied and not handed on.
    pub fn push_text(&mut self, chunk: &[u8], out: &mut String) -> Result<()> {
        struct Text<'a>(&'a mut String);
        impl Sink for Text<'_> {
            fn fast(&mut self, acc: &MessageAccumulator, hit: FastHit, _: &[u8]) {
                if let Some(text) = acc.fast_text(hit.kind, hit.index, hit.from) {
                    self.0.push_str(text);
                }
            }
            fn event(&mut self, acc: &mut MessageAccumulator, ev: &SseEvent<'_>) -> Result<()> {
                let Some(typed) = typed_unless_fast(self, acc, ev)? else {
                    return Ok(());
                };
                let applied = acc.push(&typed);
                if let StreamEvent::ContentBlockDelta {
                    delta: ContentDelta::TextDelta { text },
                    ..
                } = &typed
                {
                    self.0.push_str(text);
                }
                applied
            }
        }
        self.feed(chunk, &mut Text(out))
    }

    /// Like [`StreamDecoder::push`], and hands every known event except `ping` to `on_event`
    /// as `(type, data JSON)` exactly as the server sent it — no allocation per event. Meant
    /// for bindings that pass each event on as JSON text (the C ABI).
    pub fn push_with_raw(&mut self, chunk: &[u8], on_event: impl FnMut(&str, &str)) -> Result<()> {
        struct Raw<F>(F);
        impl<F: FnMut(&str, &str)> Sink for Raw<F> {
            fn fast(&mut self, _: &MessageAccumulator, _: FastHit, data: &[u8]) {
                // Always UTF-8: the fast path checked every byte of it.
                if let Ok(data) = std::str::from_utf8(data) {
                    (self.0)("content_block_delta", data);
                }
            }
            fn event(&mut self, acc: &mut MessageAccumulator, ev: &SseEvent<'_>) -> Result<()> {
                if acc.is_complete() {
                    return Ok(());
                }
                if ev.event == "content_block_delta"
                    && acc.failed.is_none()
                    && acc.fast_delta(&ev.data)
                {
                    (self.0)("content_block_delta", &ev.data);
                    return Ok(());
                }
                let Some(typed) = StreamEvent::from_sse(ev).map_err(|e| acc.with_partial(e))?
                else {
                    return Ok(());
                };
                if !matches!(typed, StreamEvent::Ping) {
                    (self.0)(typed.type_name(), &ev.data);
                }
                acc.push(&typed)
            }
        }
        self.feed(chunk, &mut Raw(on_event))
    }

    /// The common loop of the `push*` methods. While the parser sits between events with
    /// nothing buffered, the API's compact text/JSON/thinking delta events are recognised
    /// straight in `chunk` (no copy into the parser, no line splitting, no UTF-8 pass over
    /// the whole event); anything else — and the event cut by the end of the chunk — goes
    /// through the SSE parser, at most up to the next blank line at a time so that the fast
    /// path resumes right after it.
    fn feed(&mut self, chunk: &[u8], sink: &mut impl Sink) -> Result<()> {
        let mut rest = chunk;
        loop {
            if self.parser.is_idle() {
                while let Some(n) = self.fast_event(rest, sink) {
                    rest = &rest[n..];
                }
            }
            if rest.is_empty() {
                return Ok(());
            }
            let take = memchr::memmem::find(rest, b"\n\n").map_or(rest.len(), |i| i + 2);
            self.parser.append(&rest[..take]);
            rest = &rest[take..];
            while let Some(ev) = self.parser.pending().next() {
                let ev = ev.map_err(|e| self.acc.with_partial(e))?;
                sink.event(&mut self.acc, &ev)?;
            }
        }
    }

    /// One whole compact delta event at the start of `bytes`, exactly
    /// `event: content_block_delta\ndata: {…}\n\n` (see `fast_data`): applied and handed to
    /// `sink`; returns its length. `None` (nothing changed) for anything else.
    fn fast_event(&mut self, bytes: &[u8], sink: &mut impl Sink) -> Option<usize> {
        const HEAD: &[u8] = b"event: content_block_delta\ndata: ";
        let acc = &mut self.acc;
        if acc.complete || acc.failed.is_some() {
            return None;
        }
        let data = bytes.strip_prefix(HEAD)?;
        let (kind, index, from, end) = acc.fast_data(data, |t| t.starts_with(b"}}\n\n"))?;
        let len = HEAD.len() + end + 4;
        // An event over the size limit goes through the parser, which reports it.
        if len > self.parser.max_event_size() {
            acc.truncate_fast(kind, index, from);
            return None;
        }
        sink.fast(acc, FastHit { kind, index, from }, &data[..end + 2]);
        Some(len)
    }

    /// The accumulator (partial message, completion).
    pub fn accumulator(&self) -> &MessageAccumulator {
        &self.acc
    }

    /// The message so far.
    pub fn partial(&self) -> Option<Message> {
        self.acc.partial()
    }

    /// Whether `message_stop` arrived.
    pub fn is_complete(&self) -> bool {
        self.acc.is_complete()
    }

    /// Ends the stream: the final message, or [`Error::Stream`] if it was cut short.
    pub fn finish(mut self) -> Result<Message> {
        let _ = self.parser.finish();
        self.acc.finish()
    }
}
