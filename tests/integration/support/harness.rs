//! A mock server with its own temp `$HOME`: a config pointing the anthropic provider at the
//! server, and clients with a manual clock, fixed jitter and a recording sleeper.

use claw_anthropic::client::{ClientBuilder, RecordingSleeper, RetryPolicy, Timeouts};
use claw_anthropic::clock::{FixedJitter, ManualClock};
use claw_anthropic::mock::MockServer;
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{Client, Config, EnvView, Error, FailureReason};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

use super::{Home, NOW, credentials_at, key, secret_core};

pub struct Harness {
    pub home: Home,
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
        let home = Home::new();
        let extra = extra.replace("@URL@", &server.url());
        let text = format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", api: \"anthropic-messages\", models: [] }} }} }}, {extra} }}",
            server.url()
        );
        let config =
            Arc::new(Config::from_json5_with(&text, home.paths(), EnvView::empty()).unwrap());
        Harness {
            home,
            server,
            clock: Arc::new(ManualClock::new(NOW)),
            sleeper: Arc::new(RecordingSleeper::new()),
            config,
        }
    }

    pub fn store_path(&self) -> PathBuf {
        self.home.store()
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
        self.home.write_store("main", &store);
    }

    pub fn read_store(&self) -> Value {
        self.home.read_store("main")
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
        credentials_at(&self.server, path)
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

/// The path of the Messages endpoint.
pub const MSGS: &str = "/v1/messages";

/// A harness whose store holds one api-key profile, `anthropic:s`; returns it and its key.
pub async fn harness() -> (Harness, String) {
    let h = Harness::new("").await;
    let k = key('S');
    h.write_store(&[("anthropic:s", &k)], json!({}));
    (h, k)
}

/// 40 words of text (`word0 word1 …`), long enough to arrive as many deltas.
pub fn long_text() -> String {
    (0..40).map(|i| format!("word{i} ")).collect()
}

/// A one-message request ("ping") for the agent's default model.
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

/// The fields of an [`Error::Stream`]: a stream that failed after it started.
pub struct StreamFailure<'a> {
    pub reason: FailureReason,
    pub error_type: Option<&'a str>,
    pub message: &'a str,
    /// The text received before the failure (`None`: no partial message).
    pub partial: Option<String>,
}

/// `e` as a stream failure; panics when it is another error.
pub fn stream_failure(e: &Error) -> StreamFailure<'_> {
    match e {
        Error::Stream {
            reason,
            error_type,
            message,
            partial,
        } => StreamFailure {
            reason: *reason,
            error_type: error_type.as_deref(),
            message,
            partial: partial.as_ref().map(|m| m.text()),
        },
        other => panic!("expected Error::Stream, got {other:?}"),
    }
}
