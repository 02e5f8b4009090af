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

/// A loopback OAuth token endpoint answering every POST with one scripted reply.
pub struct TokenServer {
    pub url: String,
    pub hits: Arc<std::sync::atomic::AtomicUsize>,
    pub bodies: Arc<std::sync::Mutex<Vec<String>>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl TokenServer {
    pub fn start(status: u16, body: serde_json::Value, delay: std::time::Duration) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let url = format!(
            "http://{}/v1/oauth/token",
            std_listener.local_addr().unwrap()
        );
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
        let body = body.to_string();
        let (h, b) = (hits.clone(), bodies.clone());
        rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let (h, b, body) = (h.clone(), b.clone(), body.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let header_end = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buf.len() < header_end + len {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    b.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&buf[header_end..]).into_owned());
                    tokio::time::sleep(delay).await;
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        TokenServer {
            url,
            hits,
            bodies,
            rt: Some(rt),
        }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}
