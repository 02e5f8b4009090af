//! # claw-anthropic
//!
//! A Clawdbot-compatible Anthropic (Claude) client library: it reads `~/.clawdbot/clawdbot.json`
//! (JSON5), keeps per-agent auth profiles (API keys and Claude setup-tokens, with cooldowns after
//! failures), picks the right credential, builds a correct Messages API request (prompt-cache TTL
//! per model, beta flags, auth headers) and sends it — streaming, retrying, failing over.
//!
//! ## Map of the public API
//!
//! | you want to …                                   | start at                                             |
//! |-------------------------------------------------|------------------------------------------------------|
//! | read the config (file, `$include`, `${VAR}`)    | [`Config::load`], [`Config::from_json5`], [`config`] |
//! | send a message, stream one, count tokens        | [`Client`], [`ClientBuilder`], [`MessageStream`]     |
//! | keep one profile across calls (warm cache)      | [`Session`] (from [`Client::session`])               |
//! | write the request body                          | [`request::messages`] ([`MessageRequest`], [`MessageParam`], [`ContentBlock`]) |
//! | see the exact HTTP request without sending it   | [`request::build_messages`], [`request::BuiltRequest::dry_run`] |
//! | store or pick credentials, read cooldowns       | [`auth::AgentAuth`], [`auth::AuthStore`], [`auth::UsageStats`] |
//! | `models status` as a value                      | [`status::StatusReport`]                             |
//! | tell failures apart                             | [`Error`] and its `is_*` predicates, [`FailureReason`] |
//! | request id and rate-limit headers               | [`ResponseMeta`] (on every [`Response`])             |
//! | every attempt (retries, failover) and the cost  | [`Response::attempts`], [`Response::cost`]; of a failed request: the `*_recorded` calls ([`Client::send_recorded`], [`Session::send_recorded`], [`Client::count_tokens_recorded`], …) and [`RequestFailure`] |
//! | where files live, which agent                   | [`Paths`], [`AgentId`], [`EnvView`]                  |
//! | a loopback Anthropic server for tests (`mock`)  | `mock::MockServer`                                   |
//! | what is kept compatible with Clawdbot, and why  | [`compatibility`]                                    |
//!
//! Features: `cli` (the `claw-anthropic` binary), `mock` (the loopback server), `test-util`
//! (deterministic clock and sleeper hooks for tests). The C ABI is a separate crate in the same
//! repository (`capi/`, `libclaw_anthropic`).
//!
//! ```
//! # fn main() -> claw_anthropic::Result<()> {
//! use claw_anthropic::Config;
//! let config = Config::from_json5(r#"{
//!   agents: { defaults: { model: { primary: "opus" },
//!             models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "1h" } } } } },
//! }"#)?;
//! assert_eq!(config.default_model().to_string(), "anthropic/claude-opus-4-5");
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Stores and locks rely on Unix file modes, atomic `rename` over open files and process ids.
#[cfg(not(unix))]
compile_error!("claw-anthropic supports Linux and macOS");

pub mod auth;
pub mod client;
pub mod clock;
#[doc = include_str!("../docs/compatibility.md")]
pub mod compatibility {}
pub mod config;
pub mod cost;
pub mod env;
pub mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod paths;
mod redact;
pub mod request;
pub mod response_meta;
pub mod status;

pub use client::{
    Client, ClientBuilder, DEFAULT_STORE_CHECK_INTERVAL, MessageStream, RequestFailure, Response,
    Session,
};
pub use config::{Config, ModelRef};
pub use cost::Cost;
pub use env::EnvView;
pub use error::{Attempt, Error, FailureReason, Result};
pub use paths::{AgentId, Paths};
pub use request::{ContentBlock, Message, MessageParam, MessageRequest};
pub use response_meta::ResponseMeta;

/// The `User-Agent` sent with every request (`claw-anthropic/<version>`): the [`Client`]'s
/// HTTP client default and the header [`request::build`] puts in every header set.
pub const USER_AGENT: &str = concat!("claw-anthropic/", env!("CARGO_PKG_VERSION"));
