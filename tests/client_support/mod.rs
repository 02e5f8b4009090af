//! Shared helpers of the `client_*` integration tests: a temp `$HOME`, a config pointing the
//! providers at a loopback mock server, and a client with a manual clock, fixed jitter and a
//! recording sleeper.
#![allow(dead_code)]

use claw_anthropic::client::{ClientBuilder, RecordingSleeper, RetryPolicy, Timeouts};
use claw_anthropic::clock::{FixedJitter, ManualClock};
use claw_anthropic::mock::MockServer;
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{Client, Config, EnvView, Error, Paths};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

/// A fixed "now" (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000_000;
pub const MIN: u64 = 60_000;
pub const HOUR: u64 = 3_600_000;

pub fn key(fill: char) -> String {
    format!("sk-ant-api03-{}", fill.to_string().repeat(40))
}

/// The part of a fake key that must never appear in output (masking keeps 8 + 8 characters).
pub fn secret_core(key: &str) -> String {
    key[14..key.len() - 9].to_owned()
}

pub struct Harness {
    pub home: tempfile::TempDir,
    pub server: MockServer,
    pub clock: Arc<ManualClock>,
    pub sleeper: Arc<RecordingSleeper>,
    pub config: Arc<Config>,
}

impl Harness {
    /// A harness whose config is `extra` (JSON5 object text without braces, may be empty)
    /// plus the anthropic provider pointed at the mock server. `@URL@` in `extra` is replaced
    /// by the server's URL.
    pub async fn new(extra: &str) -> Harness {
        let server = MockServer::start().await.unwrap();
        let home = tempfile::tempdir().unwrap();
        let extra = extra.replace("@URL@", &server.url());
        let text = format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", api: \"anthropic-messages\", models: [] }} }} }}, {extra} }}",
            server.url()
        );
        let h = home.path().to_string_lossy().into_owned();
        let paths = Paths::from_vars(move |k| (k == "HOME").then(|| h.clone()));
        let config = Arc::new(Config::from_json5_with(&text, paths, EnvView::empty()).unwrap());
        Harness {
            home,
            server,
            clock: Arc::new(ManualClock::new(NOW)),
            sleeper: Arc::new(RecordingSleeper::new()),
            config,
        }
    }

    pub fn store_path(&self) -> PathBuf {
        self.home
            .path()
            .join(".clawdbot/agents/main/agent/auth-profiles.json")
    }

    /// Writes the main agent's store: api_key profiles `(id, key)` with `usageStats`.
    pub fn write_store(&self, profiles: &[(&str, &str)], usage: Value) {
        let mut p = serde_json::Map::new();
        for (id, k) in profiles {
            p.insert(
                id.to_string(),
                json!({"type": "api_key", "provider": "anthropic", "key": k}),
            );
        }
        let store = json!({"version": 1, "profiles": p, "usageStats": usage});
        let path = self.store_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(&store).unwrap()).unwrap();
    }

    pub fn read_store(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.store_path()).unwrap()).unwrap()
    }

    /// A builder with the manual clock, the recording sleeper and jitter fixed at `jitter`.
    pub fn builder(&self, jitter: f64) -> ClientBuilder {
        let mut b = Client::builder(self.config.clone());
        b.clock(self.clock.clone())
            .sleeper(self.sleeper.clone())
            .retry_policy(RetryPolicy {
                jitter: Arc::new(FixedJitter(jitter)),
                ..RetryPolicy::default()
            })
            .timeouts(Timeouts::default());
        b
    }

    pub fn client(&self) -> Client {
        self.builder(0.0).build().unwrap()
    }

    /// Credentials of the recorded requests to `path`, in order.
    pub fn creds(&self, path: &str) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.credential().unwrap_or("").to_owned())
            .collect()
    }

    /// `model` fields of the recorded `/v1/messages` bodies.
    pub fn models_sent(&self) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .filter(|r| r.path == "/v1/messages")
            .map(|r| {
                r.json.as_ref().unwrap()["model"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }
}

pub fn ping() -> MessageRequest {
    MessageRequest::new("", vec![MessageParam::user("ping")])
}

/// Asserts that neither `Display` nor `Debug` of `e` contains any of `keys` (or their cores).
pub fn assert_no_secret(e: &Error, keys: &[&str]) {
    let shown = format!("{e} || {e:?}");
    for k in keys {
        assert!(!shown.contains(k), "secret leaked: {shown}");
        assert!(!shown.contains(&secret_core(k)), "secret leaked: {shown}");
    }
}
