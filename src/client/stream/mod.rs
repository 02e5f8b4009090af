//! Typed Messages API stream events and the accumulator that turns them into the final
//! [`Message`] ([streaming](crate::compatibility#streaming)).
//!
//! * [`StreamEvent`] — one typed event (`message_start`, `content_block_start|delta|stop`,
//!   `message_delta`, `message_stop`, `ping`, `error`). It serializes back to the API's JSON
//!   shape, which is what the C ABI hands to its callback.
//! * [`MessageAccumulator`] — folds events into a [`Message`]: text joined, thinking and its
//!   signature, tool input JSON parsed at block stop (empty → `{}`; cut off → the part received,
//!   see [`recover_partial_json`], with the raw text in `ToolUseBlock::partial_json`), usage counters of
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

mod accumulator;
mod decoder;
mod events;
mod partial_json;
mod scan;
#[cfg(test)]
mod tests;

pub use accumulator::MessageAccumulator;
pub use decoder::StreamDecoder;
pub use events::*;
pub use partial_json::recover_partial_json;

use accumulator::*;
use scan::*;
