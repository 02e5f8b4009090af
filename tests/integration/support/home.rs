//! A throw-away `$HOME` with `.clawdbot` under it: paths, config, stores, `AgentAuth`, and (with
//! the `cli` feature) the `claw-anthropic` binary run against it.

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::clock::{ManualClock, SharedClock};
use claw_anthropic::env::EnvSource;
use claw_anthropic::{AgentId, Config, EnvView, Paths};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Paths resolved with `HOME` set to this directory and nothing else.
    pub fn paths(&self) -> Paths {
        let home = self.path().to_string_lossy().into_owned();
        Paths::from_vars(move |k| (k == "HOME").then(|| home.clone())).unwrap()
    }
    /// `$HOME/.clawdbot`.
    pub fn state(&self) -> PathBuf {
        self.path().join(".clawdbot")
    }
    pub fn config_path(&self) -> PathBuf {
        self.state().join("clawdbot.json")
    }
    /// Writes `$HOME/.clawdbot/clawdbot.json`.
    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.state()).unwrap();
        std::fs::write(self.config_path(), text).unwrap();
    }
    pub fn store_path(&self, agent: &str) -> PathBuf {
        self.state()
            .join(format!("agents/{agent}/agent/auth-profiles.json"))
    }
    /// The main agent's store path.
    pub fn store(&self) -> PathBuf {
        self.store_path("main")
    }
    /// Writes a store for `agent` (pretty JSON).
    pub fn write_store(&self, agent: &str, store: &serde_json::Value) -> PathBuf {
        let p = self.store_path(agent);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, serde_json::to_string_pretty(store).unwrap()).unwrap();
        p
    }
    /// Reads a store file as JSON.
    pub fn read_store(&self, agent: &str) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.store_path(agent)).unwrap()).unwrap()
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
}

/// The `claw-anthropic` binary with this `$HOME`, a clean environment (only `PATH` and
/// `NO_COLOR=1`), run in this directory with stdin closed unless given.
#[cfg(feature = "cli")]
impl Home {
    pub fn cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_claw-anthropic"));
        c.args(args)
            .env_clear()
            .env("HOME", self.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .current_dir(self.path())
            .stdin(std::process::Stdio::null());
        c
    }
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.cmd(args).output().unwrap()
    }
    /// `onboard --non-interactive --auth-choice apiKey --anthropic-api-key <key>`.
    pub fn onboard_api_key(&self, key: &str) -> std::process::Output {
        self.run(&[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "apiKey",
            "--anthropic-api-key",
            key,
        ])
    }
    pub fn run_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}
