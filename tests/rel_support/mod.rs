//! Shared helpers of the `rel_*` reliability tests: a throw-away `$HOME`, a loopback mock
//! server, an auth store with recognisable fake secrets, and clients that never sleep.
#![allow(dead_code)]

use claw_anthropic::client::{RecordingSleeper, RetryPolicy, Timeouts};
use claw_anthropic::clock::{FixedJitter, ManualClock, SharedClock};
use claw_anthropic::env::EnvSource;
use claw_anthropic::mock::MockServer;
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{AgentId, Client, Config, EnvView, Paths};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A fixed "now" (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000_000;
pub const MIN: u64 = 60_000;

/// Recognisable fake secrets: none of them may ever show up in output.
pub const CANARY: &str = "SECRETCANARY";
pub fn canary_key(tag: char) -> String {
    format!(
        "sk-ant-api03-SECRETCANARY{}-{}-tail",
        tag.to_string().repeat(24),
        tag.to_string().repeat(8)
    )
}
pub fn canary_token(tag: char) -> String {
    format!(
        "sk-ant-oat01-SECRETCANARY{}-{}-tail",
        tag.to_string().repeat(60),
        tag.to_string().repeat(8)
    )
}

/// A temp `$HOME` with a config pointing at a mock server and a store of api-key profiles.
pub struct World {
    pub home: tempfile::TempDir,
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
        let home = tempfile::tempdir().unwrap();
        let world_home = home.path().to_string_lossy().into_owned();
        let paths = Paths::from_vars(move |k| (k == "HOME").then(|| world_home.clone()));
        let config = Arc::new(
            Config::from_json5_with(
                config_json5,
                paths,
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
        self.home()
            .join(".clawdbot/agents/main/agent/auth-profiles.json")
    }

    pub fn write_store(&self, v: &Value) {
        let p = self.store_path();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    }

    pub fn store(&self) -> Value {
        // Successes are written coalesced: flush what this world's clients recorded first.
        for c in self.clients.lock().unwrap().iter() {
            c.flush_blocking().unwrap();
        }
        serde_json::from_str(&std::fs::read_to_string(self.store_path()).unwrap()).unwrap()
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

/// Statuses of the `/v1/messages` requests the server saw, per credential.
pub fn credentials_seen(server: &MockServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/messages")
        .map(|r| r.credential().unwrap_or_default().to_string())
        .collect()
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
