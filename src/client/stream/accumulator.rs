//! The accumulator: folds stream events into the final [`Message`], with the in-place fast
//! path for compact delta events.

use super::*;

/// Folds stream events into the final [`Message`]. See the [module docs](super).
#[derive(Debug, Default, Clone)]
pub struct MessageAccumulator {
    pub(super) message: Option<Message>,
    /// Concatenated `partial_json` per block index (empty for other blocks).
    pub(super) json: Vec<String>,
    /// Which blocks have stopped.
    pub(super) stopped_blocks: Vec<bool>,
    pub(super) complete: bool,
    pub(super) failed: Option<StreamErrorBody>,
}

impl MessageAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `message_stop` arrived.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Whether `message_start` arrived.
    pub fn has_started(&self) -> bool {
        self.message.is_some()
    }

    /// The message so far (`None` before `message_start`). Open tool-use blocks carry their
    /// input parsed from the JSON received so far when it is already complete JSON.
    pub fn partial(&self) -> Option<Message> {
        let mut m = self.message.clone()?;
        for (i, block) in m.content.iter_mut().enumerate() {
            if !self.stopped_blocks.get(i).copied().unwrap_or(true) {
                let _ = set_tool_input(block, self.json.get(i).map_or("", String::as_str));
            }
        }
        Some(m)
    }

    /// The stream error built from this accumulator's state.
    pub(super) fn stream_error(
        &self,
        reason: FailureReason,
        error_type: Option<String>,
        message: String,
    ) -> Error {
        Error::Stream {
            reason,
            error_type,
            message,
            partial: self.partial().map(Box::new),
        }
    }

    pub(super) fn error_event(&mut self, e: &StreamErrorBody) -> Error {
        self.failed = Some(e.clone());
        self.failed_error()
    }

    pub(super) fn failed_error(&self) -> Error {
        let e = self.failed.clone().unwrap_or_default();
        self.stream_error(
            e.reason(),
            Some(e.kind.clone()),
            format!("{}: {}", e.kind, e.message),
        )
    }

    /// Attaches the partial message to a stream error that lacks one.
    pub fn with_partial(&self, err: Error) -> Error {
        match err {
            Error::Stream {
                reason,
                error_type,
                message,
                partial: None,
            } => Error::Stream {
                reason,
                error_type,
                message,
                partial: self.partial().map(Box::new),
            },
            other => other,
        }
    }

    pub(super) fn format_error(&self, message: String) -> Error {
        self.stream_error(FailureReason::Format, None, message)
    }

    pub(super) fn message_mut(&mut self, what: &str) -> Result<&mut Message> {
        if self.message.is_none() {
            return Err(self.format_error(format!(
                "`{what}` arrived before `message_start` in the response stream"
            )));
        }
        Ok(self.message.as_mut().expect("checked above"))
    }

    pub(super) fn block_mut(&mut self, index: usize, what: &str) -> Result<&mut ContentBlock> {
        let len = self.message.as_ref().map_or(0, |m| m.content.len());
        if index >= len {
            return Err(self.format_error(format!(
                "`{what}` for content block {index}, which has not started"
            )));
        }
        Ok(&mut self.message_mut(what)?.content[index])
    }

    /// Applies one event. `ping` and unknown deltas are ignored, as is everything after
    /// `message_stop`. An `error` event returns [`Error::Stream`] (classified, with the partial
    /// message); so does an inconsistent stream (a delta for a block that never started).
    pub fn push(&mut self, event: &StreamEvent) -> Result<()> {
        if self.complete {
            return Ok(());
        }
        if self.failed.is_some() {
            return Err(self.failed_error());
        }
        match event {
            StreamEvent::MessageStart { message } => {
                let mut m = Message::clone(message);
                self.json = vec![String::new(); m.content.len()];
                self.stopped_blocks = vec![true; m.content.len()];
                m.content.shrink_to_fit();
                self.message = Some(m);
            }
            StreamEvent::ContentBlockStart {
                index,
                content_block,
            } => {
                let m = self.message_mut("content_block_start")?;
                let len = m.content.len();
                if *index > len {
                    return Err(self.format_error(format!(
                        "`content_block_start` for block {index} but only {len} blocks exist"
                    )));
                }
                if *index == len {
                    m.content.push(content_block.clone());
                    self.json.push(String::new());
                    self.stopped_blocks.push(false);
                } else {
                    m.content[*index] = content_block.clone();
                    self.json[*index].clear();
                    self.stopped_blocks[*index] = false;
                }
            }
            StreamEvent::ContentBlockDelta { index, delta } => match delta {
                ContentDelta::TextDelta { text } => self.append_text(*index, text)?,
                ContentDelta::InputJsonDelta { partial_json } => {
                    self.append_json(*index, partial_json)?
                }
                ContentDelta::ThinkingDelta { thinking } => {
                    self.append_thinking(*index, thinking)?
                }
                ContentDelta::SignatureDelta { signature } => {
                    match self.block_mut(*index, "signature_delta")? {
                        ContentBlock::Thinking(t) => t.signature.push_str(signature),
                        ContentBlock::Unknown(Value::Object(o)) => {
                            append_str_field(o, "signature", signature)
                        }
                        _ => {}
                    }
                }
                ContentDelta::CitationsDelta { citation } => {
                    match self.block_mut(*index, "citations_delta")? {
                        ContentBlock::Text(t) => t
                            .citations
                            .get_or_insert_with(Vec::new)
                            .push(citation.clone()),
                        ContentBlock::Unknown(Value::Object(o)) => {
                            let list = o
                                .entry("citations")
                                .or_insert_with(|| Value::Array(Vec::new()));
                            if let Value::Array(a) = list {
                                a.push(citation.clone());
                            }
                        }
                        _ => {}
                    }
                }
                ContentDelta::Unknown => {}
            },
            StreamEvent::ContentBlockStop { index } => {
                let json = std::mem::take(self.json.get_mut(*index).unwrap_or(&mut String::new()));
                let block = self.block_mut(*index, "content_block_stop")?;
                if let Err(e) = set_tool_input(block, &json) {
                    return Err(self.format_error(format!(
                        "the input JSON of tool-use block {index} is invalid: {e}"
                    )));
                }
                self.stopped_blocks[*index] = true;
            }
            StreamEvent::MessageDelta { delta, usage } => {
                let m = self.message_mut("message_delta")?;
                if delta.stop_reason.is_some() {
                    m.stop_reason = delta.stop_reason.clone();
                }
                if delta.stop_sequence.is_some() {
                    m.stop_sequence = delta.stop_sequence.clone();
                }
                for (k, v) in &delta.extra {
                    m.extra.insert(k.clone(), v.clone());
                }
                let u = &mut m.usage;
                if let Some(v) = usage.input_tokens {
                    u.input_tokens = v;
                }
                if let Some(v) = usage.output_tokens {
                    u.output_tokens = v;
                }
                if let Some(v) = usage.cache_creation_input_tokens {
                    u.cache_creation_input_tokens = Some(v);
                }
                if let Some(v) = usage.cache_read_input_tokens {
                    u.cache_read_input_tokens = Some(v);
                }
                if let Some(v) = &usage.server_tool_use {
                    u.server_tool_use = Some(v.clone());
                }
            }
            StreamEvent::MessageStop => {
                self.message_mut("message_stop")?;
                self.complete = true;
            }
            StreamEvent::Ping => {}
            StreamEvent::Error { error } => return Err(self.error_event(error)),
        }
        Ok(())
    }

    pub(super) fn append_text(&mut self, index: usize, text: &str) -> Result<()> {
        match self.block_mut(index, "text_delta")? {
            ContentBlock::Text(t) => t.text.push_str(text),
            ContentBlock::Unknown(Value::Object(o)) => append_str_field(o, "text", text),
            _ => {}
        }
        Ok(())
    }

    pub(super) fn append_thinking(&mut self, index: usize, text: &str) -> Result<()> {
        match self.block_mut(index, "thinking_delta")? {
            ContentBlock::Thinking(t) => t.thinking.push_str(text),
            ContentBlock::Unknown(Value::Object(o)) => append_str_field(o, "thinking", text),
            _ => {}
        }
        Ok(())
    }

    pub(super) fn append_json(&mut self, index: usize, piece: &str) -> Result<()> {
        self.block_mut(index, "input_json_delta")?;
        self.json[index].push_str(piece);
        Ok(())
    }

    /// Applies one SSE event, with a fast path for the API's compact `text_delta`,
    /// `input_json_delta` and `thinking_delta` events (decoded in place, no allocation);
    /// everything else goes through [`StreamEvent::parse`]. Returns the typed event when one
    /// was built (`None` on the fast path and for unknown events).
    pub fn push_sse(&mut self, event: &SseEvent<'_>) -> Result<Option<StreamEvent>> {
        if self.complete {
            return Ok(None);
        }
        if event.event == "content_block_delta"
            && self.failed.is_none()
            && self.fast_delta(&event.data)
        {
            return Ok(None);
        }
        let typed = StreamEvent::from_sse(event).map_err(|e| self.with_partial(e))?;
        if let Some(ev) = &typed {
            self.push(ev)?;
        }
        Ok(typed)
    }

    /// `{"type":"content_block_delta","index":N,"delta":{"type":"K","F":"…"}}` exactly;
    /// returns false (having changed nothing) for anything else.
    pub(super) fn fast_delta(&mut self, data: &str) -> bool {
        self.fast_delta_at(data).is_some()
    }

    /// Like `fast_delta`; on success returns (kind, index, offset in the target where the
    /// appended piece starts).
    pub(super) fn fast_delta_at(&mut self, data: &str) -> Option<(FastKind, usize, usize)> {
        self.fast_data(data.as_bytes(), |rest| {
            std::str::from_utf8(rest).is_ok_and(|r| r.trim_end() == "}}")
        })
        .map(|(kind, index, from, _)| (kind, index, from))
    }

    /// The fast path on the bytes of a `data:` value,
    /// `{"type":"content_block_delta","index":N,"delta":{"type":"K","F":"…"` followed by
    /// whatever `tail_ok` accepts (it sees the bytes after the string's closing quote).
    /// Applies the piece and returns (kind, index, offset in the target where the piece
    /// starts, offset in `data` right after the closing quote); returns `None`, having changed
    /// nothing, for anything else (invalid UTF-8 included).
    pub(super) fn fast_data(
        &mut self,
        data: &[u8],
        tail_ok: impl FnOnce(&[u8]) -> bool,
    ) -> Option<(FastKind, usize, usize, usize)> {
        const HEAD: &[u8] = br#"{"type":"content_block_delta","index":"#;
        let rest = data.strip_prefix(HEAD)?;
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let index = rest[..digits]
            .iter()
            .fold(0usize, |n, &c| n * 10 + usize::from(c - b'0'));
        let rest = rest[digits..].strip_prefix(br#","delta":{"type":""#)?;
        use FastKind as K;
        let (kind, rest) = if let Some(r) = rest.strip_prefix(br#"text_delta","text":""#) {
            (K::Text, r)
        } else if let Some(r) = rest.strip_prefix(br#"input_json_delta","partial_json":""#) {
            (K::Json, r)
        } else if let Some(r) = rest.strip_prefix(br#"thinking_delta","thinking":""#) {
            (K::Thinking, r)
        } else {
            return None;
        };
        let m = self.message.as_mut()?;
        let target: &mut String = match (kind, m.content.get_mut(index)) {
            (K::Text, Some(ContentBlock::Text(t))) => &mut t.text,
            (K::Thinking, Some(ContentBlock::Thinking(t))) => &mut t.thinking,
            (K::Json, Some(_)) => self.json.get_mut(index)?,
            _ => return None,
        };
        let before = target.len();
        match unescape_bytes_into(rest, target) {
            Some(consumed) if tail_ok(&rest[consumed..]) => {
                Some((kind, index, before, data.len() - rest.len() + consumed))
            }
            _ => {
                target.truncate(before);
                None
            }
        }
    }

    /// Undoes a delta the fast path just applied.
    pub(super) fn truncate_fast(&mut self, kind: FastKind, index: usize, from: usize) {
        let Some(m) = self.message.as_mut() else {
            return;
        };
        match (kind, m.content.get_mut(index)) {
            (FastKind::Text, Some(ContentBlock::Text(t))) => t.text.truncate(from),
            (FastKind::Thinking, Some(ContentBlock::Thinking(t))) => t.thinking.truncate(from),
            (FastKind::Json, _) => {
                if let Some(j) = self.json.get_mut(index) {
                    j.truncate(from);
                }
            }
            _ => {}
        }
    }

    /// The typed event for a delta the fast path just applied.
    /// The text a fast text delta appended to block `index` (from byte `from`), borrowed;
    /// `None` for other kinds of delta.
    pub(super) fn fast_text(&self, kind: FastKind, index: usize, from: usize) -> Option<&str> {
        match (kind, self.message.as_ref()?.content.get(index)?) {
            (FastKind::Text, ContentBlock::Text(t)) => t.text.get(from..),
            _ => None,
        }
    }

    pub(super) fn fast_event(
        &self,
        kind: FastKind,
        index: usize,
        from: usize,
    ) -> Option<StreamEvent> {
        let m = self.message.as_ref()?;
        let delta = match (kind, m.content.get(index)?) {
            (FastKind::Text, ContentBlock::Text(t)) => ContentDelta::TextDelta {
                text: t.text.get(from..)?.to_owned(),
            },
            (FastKind::Thinking, ContentBlock::Thinking(t)) => ContentDelta::ThinkingDelta {
                thinking: t.thinking.get(from..)?.to_owned(),
            },
            (FastKind::Json, _) => ContentDelta::InputJsonDelta {
                partial_json: self.json.get(index)?.get(from..)?.to_owned(),
            },
            _ => return None,
        };
        Some(StreamEvent::ContentBlockDelta { index, delta })
    }

    /// The final message. Errors when the stream failed (`error` event) or ended without
    /// `message_stop` (truncated) — both [`Error::Stream`] with the partial message.
    pub fn finish(self) -> Result<Message> {
        if self.failed.is_some() {
            return Err(self.failed_error());
        }
        if !self.complete {
            return Err(self.stream_error(
                FailureReason::Unknown,
                None,
                if self.message.is_some() {
                    "the response stream ended before `message_stop` (truncated)".into()
                } else {
                    "the response stream ended before `message_start` (no message received)".into()
                },
            ));
        }
        let mut m = self.message.expect("complete implies started");
        // Blocks never stopped (tolerated when message_stop came): parse what we have.
        for (i, block) in m.content.iter_mut().enumerate() {
            if !self.stopped_blocks.get(i).copied().unwrap_or(true) {
                let _ = set_tool_input(block, self.json.get(i).map_or("", String::as_str));
            }
        }
        Ok(m)
    }
}

/// The delta kinds the fast path decodes in place.
#[derive(Debug, Clone, Copy)]
pub(super) enum FastKind {
    Text,
    Json,
    Thinking,
}

/// A delta the fast path applied: its kind, block index and where the piece starts in the
/// block's text (or tool JSON).
#[derive(Debug, Clone, Copy)]
pub(super) struct FastHit {
    pub(super) kind: FastKind,
    pub(super) index: usize,
    pub(super) from: usize,
}

pub(super) fn append_str_field(o: &mut Map<String, Value>, field: &str, piece: &str) {
    match o.get_mut(field) {
        Some(Value::String(s)) => s.push_str(piece),
        _ => {
            o.insert(field.into(), Value::String(piece.into()));
        }
    }
}

/// A tool block's input from its concatenated JSON: `Ok(None)` when empty, the value when it
/// is complete, the recovered part (and `true`) when it was cut off; an error when it is
/// neither (not the start of a JSON document).
fn parse_tool_json(json: &str) -> std::result::Result<Option<(Value, bool)>, serde_json::Error> {
    if json.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str(json) {
        Ok(v) => Ok(Some((v, false))),
        Err(e) if e.is_eof() => match recover_partial_json(json) {
            Some(v) => Ok(Some((v, true))),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// Sets a tool-use block's input from its concatenated JSON (empty → keeps the start value, or
/// `{}`; cut off → the recovered part, the raw text in `partial_json`). Other blocks are left
/// alone.
pub(super) fn set_tool_input(
    block: &mut ContentBlock,
    json: &str,
) -> std::result::Result<(), serde_json::Error> {
    match block {
        ContentBlock::ToolUse(t) => {
            match parse_tool_json(json)? {
                Some((v, cut)) => {
                    t.input = v;
                    t.partial_json = cut.then(|| json.to_owned());
                }
                None if t.input.is_null() => t.input = Value::Object(Map::new()),
                None => {}
            }
            Ok(())
        }
        ContentBlock::Unknown(Value::Object(o))
            if !json.trim().is_empty() || o.contains_key("input") =>
        {
            if let Some((v, _)) = parse_tool_json(json)? {
                o.insert("input".into(), v);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
