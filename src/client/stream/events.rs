//! The typed stream events and their parsing from one SSE event.

use super::*;

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

pub(super) fn malformed(name: &str, e: impl std::fmt::Display) -> Error {
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
