//! Typed Messages API bodies and responses (`POST /v1/messages`, `count_tokens`, `GET /v1/models`).
//!
//! The request type [`MessageRequest`] is both what a caller passes in and what goes on the wire:
//! the caller may leave `max_tokens` unset and use an alias or a `provider/model` ref in `model`;
//! [`crate::request::build`] resolves both before sending.
//!
//! Everything here is open to API growth:
//! * model ids, stop reasons and beta names are strings (with constants for the known values);
//! * content blocks, image and document sources of an unknown `type` parse into an `Unknown`
//!   variant holding the JSON as it was, and serialize back unchanged;
//! * unknown fields of the request, of each known block and of tools are kept in `extra` maps and
//!   written back untouched.
//!
//! `None` options and empty lists are never serialized.
//!
//! ```
//! use claw_anthropic::request::messages::{MessageParam, MessageRequest, models};
//! let mut req = MessageRequest::new(models::CLAUDE_SONNET_4_5, vec![MessageParam::user("Hello")]);
//! req.system = Some("You are terse.".into());
//! req.max_tokens = Some(256);
//! let json = serde_json::to_value(&req).unwrap();
//! assert_eq!(json["messages"][0]["content"], "Hello");
//! assert_eq!(json["max_tokens"], 256);
//! ```

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

#[macro_use]
mod wire;
mod content;
mod params;
mod response;
#[cfg(test)]
mod tests;

pub use content::*;
pub use params::*;
pub use response::*;
use wire::*;

/// Known model ids (strings: any other id works too).
pub mod models {
    /// Claude Opus 4.5 (alias).
    pub const CLAUDE_OPUS_4_5: &str = "claude-opus-4-5";
    /// Claude Opus 4.5 snapshot.
    pub const CLAUDE_OPUS_4_5_20251101: &str = "claude-opus-4-5-20251101";
    /// Claude Sonnet 4.5 (alias).
    pub const CLAUDE_SONNET_4_5: &str = "claude-sonnet-4-5";
    /// Claude Sonnet 4.5 snapshot.
    pub const CLAUDE_SONNET_4_5_20250929: &str = "claude-sonnet-4-5-20250929";
    /// Claude Haiku 4.5 (alias).
    pub const CLAUDE_HAIKU_4_5: &str = "claude-haiku-4-5";
    /// Claude Haiku 4.5 snapshot.
    pub const CLAUDE_HAIKU_4_5_20251001: &str = "claude-haiku-4-5-20251001";
    /// Claude Opus 4.1 (alias).
    pub const CLAUDE_OPUS_4_1: &str = "claude-opus-4-1";
    /// Claude Opus 4.1 snapshot.
    pub const CLAUDE_OPUS_4_1_20250805: &str = "claude-opus-4-1-20250805";
    /// Claude Opus 4 (alias).
    pub const CLAUDE_OPUS_4_0: &str = "claude-opus-4-0";
    /// Claude Opus 4 snapshot.
    pub const CLAUDE_OPUS_4_20250514: &str = "claude-opus-4-20250514";
    /// Claude Sonnet 4 (alias).
    pub const CLAUDE_SONNET_4_0: &str = "claude-sonnet-4-0";
    /// Claude Sonnet 4 snapshot.
    pub const CLAUDE_SONNET_4_20250514: &str = "claude-sonnet-4-20250514";
    /// Claude Sonnet 3.7 (alias).
    pub const CLAUDE_3_7_SONNET_LATEST: &str = "claude-3-7-sonnet-latest";
    /// Claude Haiku 3.5 (alias).
    pub const CLAUDE_3_5_HAIKU_LATEST: &str = "claude-3-5-haiku-latest";
    /// Claude Haiku 3.
    pub const CLAUDE_3_HAIKU_20240307: &str = "claude-3-haiku-20240307";

    /// `max_tokens` used when neither the call nor the model's `params.maxTokens` sets one.
    ///
    /// The values are the maximum output sizes in Anthropic's "Models overview" table
    /// (docs.anthropic.com, models overview, "Max output"): 64 000 for the 4.5 family, Sonnet 4
    /// and Sonnet 3.7; 32 000 for Opus 4 / 4.1; 8 192 for Haiku 3.5; 4 096 for Haiku 3 and for
    /// any id this table does not know. Snapshot ids (`claude-opus-4-5-20251101`) match their
    /// family by prefix.
    pub fn default_max_tokens(model: &str) -> u32 {
        let m = model.trim().to_ascii_lowercase();
        const TABLE: &[(&str, u32)] = &[
            ("claude-opus-4-5", 64_000),
            ("claude-sonnet-4-5", 64_000),
            ("claude-haiku-4-5", 64_000),
            ("claude-opus-4-1", 32_000),
            ("claude-opus-4", 32_000),
            ("claude-sonnet-4", 64_000),
            ("claude-3-7-sonnet", 64_000),
            ("claude-3-5-haiku", 8_192),
            ("claude-3-haiku", 4_096),
        ];
        TABLE
            .iter()
            .find(|(prefix, _)| m.starts_with(prefix))
            .map(|&(_, n)| n)
            .unwrap_or(4_096)
    }
}

/// Known `stop_reason` values (the field is an open string).
pub mod stop_reason {
    /// The model finished its turn.
    pub const END_TURN: &str = "end_turn";
    /// `max_tokens` was reached.
    pub const MAX_TOKENS: &str = "max_tokens";
    /// One of `stop_sequences` was produced.
    pub const STOP_SEQUENCE: &str = "stop_sequence";
    /// The model wants to call a tool.
    pub const TOOL_USE: &str = "tool_use";
    /// A long-running server tool turn was paused.
    pub const PAUSE_TURN: &str = "pause_turn";
    /// The model refused.
    pub const REFUSAL: &str = "refusal";
    /// The context window was exceeded.
    pub const MODEL_CONTEXT_WINDOW_EXCEEDED: &str = "model_context_window_exceeded";
}

// ---------------------------------------------------------------------------------------------
// Small shared pieces.
// ---------------------------------------------------------------------------------------------

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The user (and tool results).
    #[default]
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// `"user"` / `"assistant"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// A prompt-cache breakpoint: `{"type":"ephemeral"}` plus an optional `ttl` (`"5m"`, `"1h"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CacheControl {
    /// Always `"ephemeral"` today.
    #[serde(rename = "type")]
    pub kind: String,
    /// `"5m"` (the API's default) or `"1h"`; omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

impl Default for CacheControl {
    fn default() -> Self {
        CacheControl::ephemeral()
    }
}

impl CacheControl {
    /// `{"type":"ephemeral"}`.
    pub fn ephemeral() -> Self {
        CacheControl {
            kind: "ephemeral".to_owned(),
            ttl: None,
        }
    }
    /// `{"type":"ephemeral","ttl":ttl}`.
    pub fn with_ttl(ttl: impl Into<String>) -> Self {
        CacheControl {
            kind: "ephemeral".to_owned(),
            ttl: Some(ttl.into()),
        }
    }
    /// Whether this is a one-hour breakpoint (`ttl == "1h"`).
    pub fn is_one_hour(&self) -> bool {
        self.ttl.as_deref() == Some("1h")
    }
}
