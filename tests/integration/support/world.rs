//! A throw-away `$HOME` whose config points at a given (mock) server, an auth store of api-key
//! profiles in an explicit order, and clients that never sleep; store assertions.

use claw_anthropic::client::{RecordingSleeper, RetryPolicy, Timeouts};
use claw_anthropic::clock::{FixedJitter, ManualClock, SharedClock};
use claw_anthropic::env::EnvSource;
use claw_anthropic::mock::MockServer;
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{AgentId, Client, Config, EnvView};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{Home, NOW, credentials_at};

/// A temp `$HOME` with a config pointing at a mock server and a store of api-key profiles.
pub struct World {
    pub home: Home,
    pub config: Arc<Config>,
    pub clock: Arc<ManualClock>,
    /// Clients made by [`World::client`]: their coalesced successes are flushed before the
    /// store is read.
    clients: std::sync::Mutex<Vec<Client>>,
}

impl World {
    /// `profiles`: (profile id, secret); they are api_key profiles, in this explicit order.
    pub fn new(base_url: &str, profiles: &[(&str, &str)]) -> World {
        Self::with_config(
            &format!(
                "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{base_url}\" }} }} }} }}"
            ),
            profiles,
        )
    }

    pub fn with_config(config_json5: &str, profiles: &[(&str, &str)]) -> World {
        let home = Home::new();
        let config = Arc::new(
            Config::from_json5_with(
                config_json5,
                home.paths(),
                EnvView::empty().with_layer(EnvSource::Process, Vec::<(String, String)>::new()),
            )
            .unwrap(),
        );
        let w = World {
            home,
            config,
            clock: Arc::new(ManualClock::new(NOW)),
            clients: std::sync::Mutex::new(Vec::new()),
        };
        if !profiles.is_empty() {
            let mut ps = serde_json::Map::new();
            for (id, secret) in profiles {
                ps.insert(
                    (*id).to_string(),
                    json!({"type": "api_key", "provider": "anthropic", "key": secret}),
                );
            }
            let ids: Vec<&str> = profiles.iter().map(|(id, _)| *id).collect();
            w.write_store(&json!({"version": 1, "profiles": ps, "order": {"anthropic": ids}}));
        }
        w
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn store_path(&self) -> PathBuf {
        self.home.store()
    }

    pub fn write_store(&self, v: &Value) {
        self.home.write_store("main", v);
    }

    pub fn store(&self) -> Value {
        // Successes are written coalesced: flush what this world's clients recorded first.
        for c in self.clients.lock().unwrap().iter() {
            c.flush_blocking().unwrap();
        }
        self.home.read_store("main")
    }

    /// `usageStats[id]` (Null when absent).
    pub fn stats(&self, id: &str) -> Value {
        self.store()["usageStats"][id].clone()
    }

    /// A client with a recording sleeper, fixed jitter and the manual clock.
    pub fn client(
        &self,
        retry: RetryPolicy,
        timeouts: Timeouts,
    ) -> (Client, Arc<RecordingSleeper>) {
        let sleeper = Arc::new(RecordingSleeper::new());
        let clock: SharedClock = self.clock.clone();
        let mut retry = retry;
        retry.jitter = Arc::new(FixedJitter(0.0));
        let client = Client::builder(self.config.clone())
            .agent(AgentId::main())
            .retry_policy(retry)
            .timeouts(timeouts)
            .clock(clock)
            .sleeper(sleeper.clone())
            .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
            .build()
            .unwrap();
        self.clients.lock().unwrap().push(client.clone());
        (client, sleeper)
    }

    pub fn default_client(&self) -> (Client, Arc<RecordingSleeper>) {
        self.client(RetryPolicy::default(), Timeouts::default())
    }
}

pub fn hello() -> MessageRequest {
    MessageRequest::new(
        "anthropic/claude-opus-4-5",
        vec![MessageParam::user("hello")],
    )
}

/// Short timeouts for fault tests (real time, but nothing is asserted about durations).
pub fn short_timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_millis(400),
        stream_idle: Duration::from_millis(300),
    }
}

/// The credential of each `/v1/messages` request the server saw, in order.
pub fn credentials_seen(server: &MockServer) -> Vec<String> {
    credentials_at(server, "/v1/messages")
}

/// Asserts a profile's stats show a successful use at NOW and nothing else.
pub fn assert_used_clean(s: &Value) {
    assert_eq!(s["lastUsed"], NOW, "{s}");
    assert_eq!(s["errorCount"], 0, "{s}");
    assert!(
        s.get("failureCounts")
            .is_none_or(|f| f.as_object().is_none_or(|o| o.is_empty())),
        "{s}"
    );
    assert!(s.get("cooldownUntil").is_none_or(Value::is_null), "{s}");
}

/// Asserts exactly `n` failures of `reason` (and no other) on a profile, at NOW.
pub fn assert_failed(s: &Value, reason: &str, n: u64) {
    assert_eq!(s["errorCount"], n, "{s}");
    let fc = s["failureCounts"]
        .as_object()
        .unwrap_or_else(|| panic!("no failureCounts: {s}"));
    assert_eq!(fc.len(), 1, "{s}");
    assert_eq!(fc[reason], n, "{s}");
    assert_eq!(s["lastFailureAt"], NOW, "{s}");
}
