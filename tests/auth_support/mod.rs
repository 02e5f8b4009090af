//! Shared helpers of the `auth_*` integration tests.
#![allow(dead_code)]

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::clock::{ManualClock, SharedClock};
use claw_anthropic::env::EnvSource;
use claw_anthropic::{AgentId, Config, EnvView, Paths};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A fixed "now" for deterministic tests (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000_000;
pub const MIN: u64 = 60_000;
pub const HOUR: u64 = 3_600_000;

/// A throw-away `$HOME` with `.clawdbot` under it.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn paths(&self) -> Paths {
        let home = self.path().to_string_lossy().into_owned();
        Paths::from_vars(move |k| (k == "HOME").then(|| home.clone()))
    }
    pub fn config_path(&self) -> PathBuf {
        self.path().join(".clawdbot/clawdbot.json")
    }
    pub fn store_path(&self, agent: &str) -> PathBuf {
        self.path()
            .join(format!(".clawdbot/agents/{agent}/agent/auth-profiles.json"))
    }
    /// Writes a store for `agent` (pretty JSON).
    pub fn write_store(&self, agent: &str, store: &serde_json::Value) -> PathBuf {
        let p = self.store_path(agent);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, serde_json::to_string_pretty(store).unwrap()).unwrap();
        p
    }
    /// A config parsed from `json5` with `env` as the process layer.
    pub fn config(&self, json5: &str, env: &[(&str, &str)]) -> Arc<Config> {
        let view = EnvView::empty().with_layer(
            EnvSource::Process,
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        );
        Arc::new(Config::from_json5_with(json5, self.paths(), view).unwrap())
    }
    /// `AgentAuth` for `agent` with a manual clock at `now`.
    pub fn auth(
        &self,
        config: Arc<Config>,
        agent: &str,
        now: u64,
    ) -> (AgentAuth, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(now));
        let shared: SharedClock = clock.clone();
        let auth = AgentAuth::new(config, AgentId::parse(agent).unwrap()).with_clock(shared);
        (auth, clock)
    }
    /// Reads a store file as JSON.
    pub fn read_store(&self, agent: &str) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.store_path(agent)).unwrap()).unwrap()
    }
}

pub fn key(fill: char) -> String {
    format!("sk-ant-api03-{}", fill.to_string().repeat(40))
}

pub fn setup_token(fill: char) -> String {
    format!("sk-ant-oat01-{}", fill.to_string().repeat(80))
}
