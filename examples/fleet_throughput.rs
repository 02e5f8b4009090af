//! Request rate with and without fleet mode: 2,000 small non-streaming requests at concurrency
//! 64 against the loopback mock server, file-only vs shared through Redis vs Redis stopped.
//!
//! ```text
//! redis-server --port 6390 --save '' --appendonly no &
//! cargo run --release --example fleet_throughput --features mock,redis -- redis://127.0.0.1:6390/0
//! ```
//!
//! The "stopped" run points at a loopback port nothing listens on. Prints the median of several
//! rounds per mode (requests per second).

use claw_anthropic::mock::MockServer;
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{Client, Config, EnvView, Paths};
use std::sync::Arc;
use std::time::Instant;

const KEY: &str = "sk-ant-api03-FLEETFLEETFLEETFLEETFLEETFLEETFLEETFLEET0000";
const N_REQUESTS: usize = 2_000;
const CONCURRENCY: usize = 64;
const ROUNDS: usize = 7;

fn client(server: &MockServer, home: &std::path::Path, shared: Option<&str>) -> Client {
    let text = format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: '{}', api: 'anthropic-messages', models: [] }} }} }} }}",
        server.url()
    );
    let h = home.to_string_lossy().into_owned();
    let paths = Paths::from_vars(move |k| (k == "HOME").then(|| h.clone())).expect("HOME is set");
    let config = Arc::new(Config::from_json5_with(&text, paths, EnvView::empty()).unwrap());
    let mut b = Client::builder(config);
    if let Some(url) = shared {
        b.shared_state(url);
    }
    b.build().unwrap()
}

async fn round(client: &Client) -> f64 {
    let req = MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("hi")]);
    let start = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (c, r, next) = (client.clone(), req.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < N_REQUESTS {
                c.send(r.clone()).await.expect("request failed");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    N_REQUESTS as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let redis_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "redis://127.0.0.1:6379/0".to_owned());
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("redis://127.0.0.1:{}/0", l.local_addr().unwrap().port())
    };
    let server = MockServer::start_background().expect("mock server");
    let home = tempfile::tempdir().unwrap();
    let store = home
        .path()
        .join(".clawdbot/agents/main/agent/auth-profiles.json");
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    std::fs::write(
        &store,
        serde_json::json!({"version": 1, "profiles": {
            "anthropic:fleet": {"type": "api_key", "provider": "anthropic", "key": KEY}}})
        .to_string(),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let modes: [(&str, Option<&str>); 3] = [
        ("file only", None),
        ("shared (Redis up)", Some(&redis_url)),
        ("shared (Redis stopped)", Some(&dead)),
    ];
    let clients: Vec<Client> = {
        let _g = rt.enter();
        modes
            .iter()
            .map(|(_, url)| client(&server, home.path(), *url))
            .collect()
    };
    let mut rates = vec![Vec::new(); modes.len()];
    rt.block_on(async {
        for c in &clients {
            round(c).await; // warm-up
        }
        // Interleaved rounds, so that a busy machine affects every mode alike.
        for _ in 0..ROUNDS {
            for (i, c) in clients.iter().enumerate() {
                rates[i].push(round(c).await);
            }
        }
    });
    for ((name, _), r) in modes.iter().zip(&mut rates) {
        r.sort_by(f64::total_cmp);
        println!(
            "{name:<24} median {:>8.0} req/s  (min {:.0}, max {:.0}, {ROUNDS} rounds)",
            r[r.len() / 2],
            r[0],
            r[r.len() - 1]
        );
    }
}
