//! Typed Messages API stream events and the accumulator that turns them into the final
//! [`Message`] (SPEC §6 "Streaming").
//!
//! * [`StreamEvent`] — one typed event (`message_start`, `content_block_start|delta|stop`,
//!   `message_delta`, `message_stop`, `ping`, `error`). It serializes back to the API's JSON
//!   shape, which is what the C ABI hands to its callback.
//! * [`MessageAccumulator`] — folds events into a [`Message`]: text joined, thinking and its
//!   signature, tool input JSON parsed at block stop (empty → `{}`), usage counters of
//!   `message_delta` overwriting (never adding to) those of `message_start`. The partial message
//!   is available at any time; an `error` event or a stream that ends without `message_stop`
//!   becomes [`Error::Stream`] carrying it.
//! * [`StreamDecoder`] — the SSE parser and the accumulator together: push body chunks, get the
//!   message. Its hot path does not allocate per event: `text_delta`, `input_json_delta` and
//!   `thinking_delta` events in the API's own compact form are decoded in place.
//!
//! ```
//! use claw_anthropic::client::stream::StreamDecoder;
//! # fn main() -> claw_anthropic::Result<()> {
//! let body = concat!(
//!     "event: message_start\n",
//!     "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",",
//!     "\"content\":[],\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n",
//!     "event: content_block_start\n",
//!     "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
//!     "event: content_block_delta\n",
//!     "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
//!     "event: content_block_stop\n",
//!     "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
//!     "event: message_delta\n",
//!     "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n",
//!     "event: message_stop\n",
//!     "data: {\"type\":\"message_stop\"}\n\n",
//! );
//! let mut decoder = StreamDecoder::new();
//! for chunk in body.as_bytes().chunks(7) {
//!     decoder.push(chunk)?;
//! }
//! let message = decoder.finish()?;
//! assert_eq!(message.text(), "Hi");
//! assert_eq!(message.usage.input_tokens, 12);
//! assert_eq!(message.usage.output_tokens, 5);
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::sse::{SseEvent, SseParser};
use crate::error::{Error, FailureReason, Result};
use crate::request::messages::{ContentBlock, Message, ServerToolUsage};

/// A `content_block_delta` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContentDelta {
    /// More text for a `text` block.
    TextDelta {
        /// The text piece.
        text: String,
    },
    /// A piece of a tool call's input JSON (the pieces concatenate to the JSON text).
    InputJsonDelta {
        /// The JSON piece (not valid JSON on its own).
        partial_json: String,
    },
    /// More reasoning text for a `thinking` block.
    ThinkingDelta {
        /// The text piece.
        thinking: String,
    },
    /// The signature of a `thinking` block.
    SignatureDelta {
        /// The signature.
        signature: String,
    },
    /// A citation for a `text` block.
    CitationsDelta {
        /// The citation (kept as JSON).
        citation: Value,
    },
    /// A delta type this crate does not know (ignored by the accumulator).
    #[serde(other)]
    Unknown,
}

/// The `delta` of a `message_delta` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageDeltaBody {
    /// Why generation stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// The stop sequence hit, if any.
    #[serde(default)]
    pub stop_sequence: Option<String>,
    /// Other fields, kept as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `usage` of a `message_delta` event: cumulative counters that replace those of
/// `message_start` (only the ones present).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeltaUsage {
    /// Input tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Input tokens written to the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Server tool counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_tool_use: Option<ServerToolUsage>,
}

/// The `error` of an `error` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamErrorBody {
    /// `overloaded_error`, `api_error`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

impl StreamErrorBody {
    /// How this failure is classified (`overloaded_error` → rate_limit, …).
    pub fn reason(&self) -> FailureReason {
        crate::error::FailureReason::from_status(0, Some(&self.kind), &self.message)
    }
}

/// One typed event of a Messages API stream. Serializes to the API's JSON (with `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StreamEvent {
    /// The message shell: id, model, usage so far, empty content.
    MessageStart {
        /// The message.
        message: Box<Message>,
    },
    /// A content block begins.
    ContentBlockStart {
        /// Its position in `content`.
        index: usize,
        /// The block as it starts (empty text, tool_use with `{}` input, …).
        content_block: ContentBlock,
    },
    /// More content for a block.
    ContentBlockDelta {
        /// The block's position.
        index: usize,
        /// The piece.
        delta: ContentDelta,
    },
    /// A content block is complete.
    ContentBlockStop {
        /// The block's position.
        index: usize,
    },
    /// Top-level changes: stop reason and cumulative usage.
    MessageDelta {
        /// Stop reason / sequence.
        #[serde(default)]
        delta: MessageDeltaBody,
        /// Usage counters (replace the earlier ones).
        #[serde(default)]
        usage: DeltaUsage,
    },
    /// The stream is complete.
    MessageStop,
    /// Keep-alive.
    Ping,
    /// The API failed mid-stream.
    Error {
        /// What failed.
        error: StreamErrorBody,
    },
}

fn malformed(name: &str, e: impl std::fmt::Display) -> Error {
    Error::Stream {
        reason: FailureReason::Format,
        error_type: None,
        message: format!("malformed `{name}` event in the response stream: {e}"),
        partial: None,
    }
}

impl StreamEvent {
    /// Parses one event from its SSE `event:` name and `data:` JSON. Returns `Ok(None)` for
    /// event types this crate does not know (they are to be ignored). When `name` is the
    /// default `message`, the JSON's `type` decides.
    pub fn parse(name: &str, data: &str) -> Result<Option<StreamEvent>> {
        let known = |n: &str| {
            matches!(
                n,
                "message_start"
                    | "content_block_start"
                    | "content_block_delta"
                    | "content_block_stop"
                    | "message_delta"
                    | "message_stop"
                    | "ping"
                    | "error"
            )
        };
        if name != "message" && !known(name) {
            return Ok(None);
        }
        // The API's data always carries the same `type` as the event name: parse directly.
        if known(name)
            && let Ok(ev) = serde_json::from_str::<StreamEvent>(data)
            && ev.type_name() == name
        {
            return Ok(Some(ev));
        }
        let v: Value = serde_json::from_str(data).map_err(|e| malformed(name, e))?;
        let ty = if known(name) {
            name.to_owned()
        } else {
            v.get("type")
                .and_then(Value::as_str)
                .unwrap_or(name)
                .to_owned()
        };
        let ty = ty.as_str();
        if !known(ty) {
            return Ok(None);
        }
        let mut obj = match v {
            Value::Object(m) => m,
            other => return Err(malformed(ty, format!("expected an object, got {other}"))),
        };
        obj.insert("type".into(), Value::String(ty.to_owned()));
        serde_json::from_value(Value::Object(obj))
            .map(Some)
            .map_err(|e| malformed(ty, e))
    }

    /// Parses an [`SseEvent`] (see [`StreamEvent::parse`]).
    pub fn from_sse(event: &SseEvent<'_>) -> Result<Option<StreamEvent>> {
        Self::parse(&event.event, &event.data)
    }

    /// The event's `type` string.
    pub fn type_name(&self) -> &'static str {
        match self {
            StreamEvent::MessageStart { .. } => "message_start",
            StreamEvent::ContentBlockStart { .. } => "content_block_start",
            StreamEvent::ContentBlockDelta { .. } => "content_block_delta",
            StreamEvent::ContentBlockStop { .. } => "content_block_stop",
            StreamEvent::MessageDelta { .. } => "message_delta",
            StreamEvent::MessageStop => "message_stop",
            StreamEvent::Ping => "ping",
            StreamEvent::Error { .. } => "error",
        }
    }
}

/// Folds stream events into the final [`Message`]. See the [module docs](self).
#[derive(Debug, Default, Clone)]
pub struct MessageAccumulator {
    message: Option<Message>,
    /// Concatenated `partial_json` per block index (empty for other blocks).
    json: Vec<String>,
    /// Which blocks have stopped.
    stopped_blocks: Vec<bool>,
    complete: bool,
    failed: Option<StreamErrorBody>,
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
    fn stream_error(
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

    fn error_event(&mut self, e: &StreamErrorBody) -> Error {
        self.failed = Some(e.clone());
        self.failed_error()
    }

    fn failed_error(&self) -> Error {
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

    fn format_error(&self, message: String) -> Error {
        self.stream_error(FailureReason::Format, None, message)
    }

    fn message_mut(&mut self, what: &str) -> Result<&mut Message> {
        if self.message.is_none() {
            return Err(self.format_error(format!(
                "`{what}` arrived before `message_start` in the response stream"
            )));
        }
        Ok(self.message.as_mut().expect("checked above"))
    }

    fn block_mut(&mut self, index: usize, what: &str) -> Result<&mut ContentBlock> {
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

    fn append_text(&mut self, index: usize, text: &str) -> Result<()> {
        match self.block_mut(index, "text_delta")? {
            ContentBlock::Text(t) => t.text.push_str(text),
            ContentBlock::Unknown(Value::Object(o)) => append_str_field(o, "text", text),
            _ => {}
        }
        Ok(())
    }

    fn append_thinking(&mut self, index: usize, text: &str) -> Result<()> {
        match self.block_mut(index, "thinking_delta")? {
            ContentBlock::Thinking(t) => t.thinking.push_str(text),
            ContentBlock::Unknown(Value::Object(o)) => append_str_field(o, "thinking", text),
            _ => {}
        }
        Ok(())
    }

    fn append_json(&mut self, index: usize, piece: &str) -> Result<()> {
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
    fn fast_delta(&mut self, data: &str) -> bool {
        self.fast_delta_at(data).is_some()
    }

    /// Like `fast_delta`; on success returns (kind, index, offset in the target where the
    /// appended piece starts).
    fn fast_delta_at(&mut self, data: &str) -> Option<(FastKind, usize, usize)> {
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
    fn fast_data(
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
    fn truncate_fast(&mut self, kind: FastKind, index: usize, from: usize) {
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
    fn fast_event(&self, kind: FastKind, index: usize, from: usize) -> Option<StreamEvent> {
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
enum FastKind {
    Text,
    Json,
    Thinking,
}

/// A delta the fast path applied: its kind, block index and where the piece starts in the
/// block's text (or tool JSON).
#[derive(Debug, Clone, Copy)]
struct FastHit {
    kind: FastKind,
    index: usize,
    from: usize,
}

/// What [`StreamDecoder::feed`] does with each event.
trait Sink {
    /// A compact delta event the fast path already applied; `data` is its `data:` value.
    fn fast(&mut self, acc: &MessageAccumulator, hit: FastHit, data: &[u8]);
    /// Any other event, from the SSE parser: apply it (and hand it on).
    fn event(&mut self, acc: &mut MessageAccumulator, ev: &SseEvent<'_>) -> Result<()>;
}

fn append_str_field(o: &mut Map<String, Value>, field: &str, piece: &str) {
    match o.get_mut(field) {
        Some(Value::String(s)) => s.push_str(piece),
        _ => {
            o.insert(field.into(), Value::String(piece.into()));
        }
    }
}

/// Sets a tool-use block's input from its concatenated JSON (empty → keeps the start value, or
/// `{}`). Other blocks are left alone.
fn set_tool_input(
    block: &mut ContentBlock,
    json: &str,
) -> std::result::Result<(), serde_json::Error> {
    let parse = |json: &str| -> std::result::Result<Option<Value>, serde_json::Error> {
        if json.trim().is_empty() {
            Ok(None)
        } else {
            serde_json::from_str(json).map(Some)
        }
    };
    match block {
        ContentBlock::ToolUse(t) => {
            match parse(json)? {
                Some(v) => t.input = v,
                None if t.input.is_null() => t.input = Value::Object(Map::new()),
                None => {}
            }
            Ok(())
        }
        ContentBlock::Unknown(Value::Object(o))
            if !json.trim().is_empty() || o.contains_key("input") =>
        {
            if let Some(v) = parse(json)? {
                o.insert("input".into(), v);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Decodes the JSON string body starting right after the opening quote into `out`; returns the
/// number of bytes consumed including the closing quote, or `None` for malformed input.
#[cfg(test)]
fn unescape_into(s: &str, out: &mut String) -> Option<usize> {
    unescape_bytes_into(s.as_bytes(), out)
}

/// [`unescape_into`] on bytes: the raw runs between escapes are checked to be UTF-8 as they
/// are copied (no separate validation pass over the whole event); invalid UTF-8 → `None`.
fn unescape_bytes_into(b: &[u8], out: &mut String) -> Option<usize> {
    let mut i = 0;
    loop {
        let j = string_run(b, i)?;
        if b[j] < 0x20 {
            // Raw control characters are not allowed in JSON strings.
            return None;
        }
        out.push_str(std::str::from_utf8(&b[i..j]).ok()?);
        if b[j] == b'"' {
            return Some(j + 1);
        }
        let esc = *b.get(j + 1)?;
        i = j + 2;
        let c = match esc {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(b.get(i..i + 4)?)?;
                i += 4;
                if (0xD800..0xDC00).contains(&hi) {
                    if b.get(i..i + 2)? != b"\\u" {
                        return None;
                    }
                    let lo = hex4(b.get(i + 2..i + 6)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                } else {
                    char::from_u32(hi)?
                }
            }
            _ => return None,
        };
        out.push(c);
    }
}

/// From `b[i..]`, the position of the first `"`, `\\` or control character (`None` when there
/// is none). Eight bytes at a time: on short strings (the usual few dozen bytes of a delta)
/// `memchr`'s setup would dominate.
fn string_run(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    while let Some(w) = b.get(i..i + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let x = u64::from_le_bytes(a);
        // The "has zero byte" trick on x ^ '"' and x ^ '\\', and "has byte less than" for
        // 0x20: each is exact in its lowest flagged byte (false positives only sit above a
        // true hit), so the lowest flag of the three together is the first special byte.
        let quote = x ^ (ONES * u64::from(b'"'));
        let bslash = x ^ (ONES * u64::from(b'\\'));
        let hits = ((quote.wrapping_sub(ONES) & !quote)
            | (bslash.wrapping_sub(ONES) & !bslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    Some(
        i + b[i..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?,
    )
}

fn hex4(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// The SSE parser and the accumulator together: push response body chunks, then
/// [`StreamDecoder::finish`] for the message. See the [module docs](self).
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
                if acc.is_complete() {
                    return Ok(());
                }
                if ev.event == "content_block_delta"
                    && acc.failed.is_none()
                    && let Some((kind, index, from)) = acc.fast_delta_at(&ev.data)
                {
                    self.fast(acc, FastHit { kind, index, from }, ev.data.as_bytes());
                    return Ok(());
                }
                let Some(typed) = StreamEvent::from_sse(ev).map_err(|e| acc.with_partial(e))?
                else {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn unescape(s: &str) -> Option<(String, usize)> {
        let mut out = String::new();
        unescape_into(s, &mut out).map(|n| (out, n))
    }

    #[test]
    fn unescape_matches_serde() {
        for raw in [
            r#"plain""#,
            r#"a\"b\\c\/d\n\t\r\b\f""#,
            r#"\u00e9\u4e2d\ud83d\ude00 x""#,
            r#"""#,
        ] {
            let (got, n) = unescape(raw).unwrap();
            assert_eq!(n, raw.len());
            let want: String = serde_json::from_str(&format!("\"{raw}")).unwrap();
            assert_eq!(got, want);
        }
        for bad in [r#"\x""#, r#"\ud83d""#, r#"\u12"#, "no end", "ctl\u{1}\""] {
            assert!(unescape(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn string_run_finds_the_first_special_byte() {
        let naive = |b: &[u8], i: usize| {
            b[i..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .map(|p| p + i)
        };
        // Every position of every special byte, among ASCII and non-ASCII neighbours and
        // bytes just above the thresholds (0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xFF).
        let fill = [b'a', 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF];
        for len in 0..40 {
            for &f in &fill {
                let mut b = vec![f; len];
                assert_eq!(string_run(&b, 0), naive(&b, 0));
                for at in 0..len {
                    for special in [b'"', b'\\', 0x00, 0x01, 0x1F] {
                        let keep = b[at];
                        b[at] = special;
                        for start in 0..=at.min(9) {
                            assert_eq!(string_run(&b, start), naive(&b, start), "{b:?} {start}");
                        }
                        // A second special byte after the first does not change the answer.
                        if at + 1 < len {
                            let k2 = b[len - 1];
                            b[len - 1] = b'"';
                            assert_eq!(string_run(&b, 0), naive(&b, 0));
                            b[len - 1] = k2;
                        }
                        b[at] = keep;
                    }
                }
            }
        }
    }

    #[test]
    fn fast_path_falls_back_without_side_effects() {
        let mut acc = MessageAccumulator::new();
        acc.push(
            &StreamEvent::parse(
                "message_start",
                r#"{"type":"message_start","message":{"id":"m"}}"#,
            )
            .unwrap()
            .unwrap(),
        )
        .unwrap();
        acc.push(&StreamEvent::parse("content_block_start", r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#).unwrap().unwrap()).unwrap();
        assert!(acc.fast_delta(r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb"}}"#));
        // Extra field after the text: not the fast shape; nothing appended.
        assert!(!acc.fast_delta(r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"zz","x":1}}"#));
        // Block 1 does not exist.
        assert!(!acc.fast_delta(
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"zz"}}"#
        ));
        assert_eq!(acc.partial().unwrap().text(), "a\nb");
    }
}
