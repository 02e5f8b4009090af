//! Helpers shared by every integration test module, each defined once.
//!
//! * [`Home`]: a throw-away `$HOME` (paths, config, stores, `AgentAuth`, the CLI run against it).
//! * [`bytes_allocated_by`]: the allocation work of a call, counted by this binary's allocator.
//! * [`TokenServer`]: a loopback OAuth token endpoint.
//! * [`Harness`] (feature `mock`): a mock server with its own `$HOME` and deterministic clients.
//! * [`RedisServer`] (feature `redis`): a real `redis-server` on a free loopback port.
//! * [`World`] (feature `mock`): a `$HOME` pointing at a given server, with an ordered store of
//!   api-key profiles, deterministic clients and store assertions.
#![allow(dead_code, unused_imports)]

mod alloc;
#[cfg(feature = "mock")]
mod harness;
mod home;
#[cfg(feature = "redis")]
mod redis;
mod token_server;
#[cfg(feature = "mock")]
mod world;

pub use alloc::bytes_allocated_by;
#[cfg(feature = "mock")]
pub use harness::*;
pub use home::*;
#[cfg(feature = "redis")]
pub use redis::*;
pub use token_server::*;
#[cfg(feature = "mock")]
pub use world::*;

/// A fixed "now" for deterministic tests (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000_000;
pub const MIN: u64 = 60_000;
pub const HOUR: u64 = 3_600_000;

/// A well-formed fake api key: `sk-ant-api03-` and 40 × `fill`.
pub fn key(fill: char) -> String {
    format!("sk-ant-api03-{}", fill.to_string().repeat(40))
}

/// A well-formed fake setup-token: `sk-ant-oat01-` and 80 × `fill`.
pub fn setup_token(fill: char) -> String {
    format!("sk-ant-oat01-{}", fill.to_string().repeat(80))
}

/// The part of a fake key that must never appear in output (masking keeps 8 + 8 characters).
pub fn secret_core(key: &str) -> String {
    key[14..key.len() - 9].to_owned()
}

/// Recognisable fake secrets: none of them may ever show up in output.
pub const CANARY: &str = "SECRETCANARY";

/// A fake api key holding [`CANARY`], distinguished by `tag`.
pub fn canary_key(tag: char) -> String {
    format!(
        "sk-ant-api03-SECRETCANARY{}-{}-tail",
        tag.to_string().repeat(24),
        tag.to_string().repeat(8)
    )
}

/// A fake setup-token holding [`CANARY`], distinguished by `tag`.
pub fn canary_token(tag: char) -> String {
    format!(
        "sk-ant-oat01-SECRETCANARY{}-{}-tail",
        tag.to_string().repeat(60),
        tag.to_string().repeat(8)
    )
}

/// Process output as text (lossy).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The name libtest gives the test `f` of the module `module` (pass `module_path!()`): the
/// module path without the crate name. For a test that re-runs this binary with `--exact`.
pub fn test_name(module: &str, f: &str) -> String {
    match module.split_once("::") {
        Some((_, path)) => format!("{path}::{f}"),
        None => f.to_owned(),
    }
}

/// The credential of each request to `path` the server saw, in order ("" when none was sent).
#[cfg(feature = "mock")]
pub fn credentials_at(server: &claw_anthropic::mock::MockServer, path: &str) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.credential().unwrap_or_default().to_owned())
        .collect()
}
