//! # claw-anthropic
//!
//! A Clawdbot-compatible Anthropic (Claude) client library: it reads `~/.clawdbot/clawdbot.json`
//! (JSON5), keeps per-agent auth profiles (API keys and Claude setup-tokens, with cooldowns after
//! failures), picks the right credential, builds a correct Messages API request (prompt-cache TTL
//! per model, beta flags, auth headers) and sends it — streaming, retrying, failing over.
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

pub mod auth;
pub mod client;
pub mod clock;
pub mod config;
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
    Client, ClientBuilder, DEFAULT_STORE_CHECK_INTERVAL, MessageStream, Response, Session,
};
pub use config::{Config, ModelRef};
pub use env::EnvView;
pub use error::{Error, FailureReason, Result};
pub use paths::{AgentId, Paths};

/// The `User-Agent` the [`Client`] sends (`claw-anthropic/<version>`).
pub const USER_AGENT: &str = concat!("claw-anthropic/", env!("CARGO_PKG_VERSION"));
