//! Client throughput over loopback HTTP against the mock server (feature `mock`).
//!
//! * `client_stream/final_message_50k_deltas`: one 50,000 `text_delta` SSE stream (about
//!   7.7 MB) served by the mock, parsed and accumulated by `Client::stream(..).final_message()`;
//!   throughput in body bytes per second. `client_stream/decode_only` is the same body pushed
//!   through `StreamDecoder` from memory, for comparison.
//! * `client_overhead/*`: 2,000 small non-streaming requests at concurrency 64, this client
//!   (`Client::send`: credential resolution, request building, retries/failover bookkeeping,
//!   JSON decoding into `Message`) against plain reqwest posting the same body bytes with the same
//!   headers and decoding the same `Message`. Each request is its own tokio task on a
//!   2-worker runtime; the mock runs on its own 2-worker runtime in the same process.
//!
//! `cargo bench --features mock --bench client`

use claw_anthropic::client::stream::StreamDecoder;
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::request::messages::{Message, MessageParam, MessageRequest};
use claw_anthropic::{Client, Config, EnvView, Paths};
use criterion::{Criterion, Throughput, criterion_group};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "sk-ant-api03-BENCHBENCHBENCHBENCHBENCHBENCHBENCHBENCH0000";
const N_REQUESTS: usize = 2_000;
const CONCURRENCY: usize = 64;
const PAIRED_ROUNDS: usize = 21;

struct Setup {
    _home: tempfile::TempDir,
    server: MockServer,
    client: Client,
}

fn setup() -> Setup {
    let server = MockServer::start_background().expect("mock server");
    let home = tempfile::tempdir().expect("tempdir");
    let store = home
        .path()
        .join(".clawdbot/agents/main/agent/auth-profiles.json");
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    std::fs::write(
        &store,
        serde_json::json!({"version": 1, "profiles": {
            "anthropic:bench": {"type": "api_key", "provider": "anthropic", "key": KEY}}})
        .to_string(),
    )
    .unwrap();
    let text = format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: '{}', api: 'anthropic-messages', models: [] }} }} }} }}",
        server.url()
    );
    let h = home.path().to_string_lossy().into_owned();
    let paths = Paths::from_vars(move |k| (k == "HOME").then(|| h.clone())).unwrap();
    let config = Arc::new(Config::from_json5_with(&text, paths, EnvView::empty()).unwrap());
    let client = Client::new(config, None).unwrap();
    Setup {
        _home: home,
        server,
        client,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn request(text: &str) -> MessageRequest {
    let mut r = MessageRequest::new("", vec![MessageParam::user(text)]);
    r.max_tokens = Some(256);
    r
}

fn streaming(c: &mut Criterion) {
    let rt = runtime();
    let s = setup();
    let reply = MockReply::text_stream(50_000, 40);
    s.server.on_credential(KEY, reply.clone());
    let req = request("stream a long answer");

    // The body size, and the body itself for the decode-only comparison.
    let body =
        rt.block_on(async {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            http.post(format!("{}/v1/messages", s.server.url()))
            .header("x-api-key", KEY)
            .header("anthropic-version", "2023-06-01")
            .json(&serde_json::json!({"model": "claude-opus-4-5", "max_tokens": 256, "stream": true,
                "messages": [{"role": "user", "content": "x"}]}))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
        });
    eprintln!(
        "stream body: {} bytes, 50,000 text_delta events",
        body.len()
    );

    let mut g = c.benchmark_group("client_stream");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("final_message_50k_deltas", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let m = rt.block_on(async {
                    s.client
                        .stream(req.clone())
                        .await
                        .unwrap()
                        .final_message()
                        .await
                        .unwrap()
                });
                total += t.elapsed();
                assert!(m.text().len() >= 50_000 * 40 - 50_000);
                // Keep the mock's request log small.
                s.server.reset();
                s.server.on_credential(KEY, reply.clone());
            }
            total
        })
    });
    g.bench_function("decode_only", |b| {
        b.iter(|| {
            let mut d = StreamDecoder::new();
            for chunk in body.chunks(16 * 1024) {
                d.push(chunk).unwrap();
            }
            d.finish().unwrap()
        })
    });
    g.finish();
}

/// 2,000 requests, at most 64 in flight, each its own task (as a server would run them).
async fn run_client(client: &Client, req: &MessageRequest) {
    futures_util::stream::iter(0..N_REQUESTS)
        .map(|_| {
            let (client, req) = (client.clone(), req.clone());
            tokio::spawn(async move {
                let r = client.send(req).await.unwrap();
                assert_eq!(r.value.text(), "pong");
            })
        })
        .buffer_unordered(CONCURRENCY)
        .for_each(|r| async { r.unwrap() })
        .await;
}

async fn run_reqwest(
    http: &reqwest::Client,
    url: &str,
    headers: &reqwest::header::HeaderMap,
    body: &bytes::Bytes,
) {
    futures_util::stream::iter(0..N_REQUESTS)
        .map(|_| {
            let req = http.post(url).headers(headers.clone()).body(body.clone());
            tokio::spawn(async move {
                let m: Message = req
                    .send()
                    .await
                    .unwrap()
                    .error_for_status()
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(m.text(), "pong");
            })
        })
        .buffer_unordered(CONCURRENCY)
        .for_each(|r| async { r.unwrap() })
        .await;
}

/// What plain reqwest sends in the overhead comparison: the client's exact body and headers,
/// copied from one call through the client.
struct Baseline {
    http: reqwest::Client,
    url: String,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

fn baseline(rt: &tokio::runtime::Runtime, s: &Setup, req: &MessageRequest) -> Baseline {
    rt.block_on(s.client.send(req.clone())).unwrap();
    let sent = s.server.requests().pop().unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    for (n, v) in &sent.headers {
        if matches!(
            n.as_str(),
            "x-api-key" | "anthropic-version" | "anthropic-beta" | "content-type"
        ) {
            headers.insert(
                reqwest::header::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                reqwest::header::HeaderValue::from_str(v).unwrap(),
            );
        }
    }
    Baseline {
        http: reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .build()
            .unwrap(),
        url: format!("{}/v1/messages", s.server.url()),
        headers,
        body: sent.body,
    }
}

fn overhead(c: &mut Criterion) {
    let rt = runtime();
    let s = setup();
    let req = request("ping");
    let Baseline {
        http,
        url,
        headers,
        body,
    } = baseline(&rt, &s, &req);
    s.server.reset();

    let mut g = c.benchmark_group("client_overhead");
    g.throughput(Throughput::Elements(N_REQUESTS as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("claw_client_2000x64", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                rt.block_on(run_client(&s.client, &req));
                total += t.elapsed();
                s.server.reset();
            }
            total
        })
    });
    g.bench_function("plain_reqwest_2000x64", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                rt.block_on(run_reqwest(&http, &url, &headers, &body));
                total += t.elapsed();
                s.server.reset();
            }
            total
        })
    });
    g.finish();

    // Paired A/B rounds (alternating, so both see the same machine load): medians and ratio.
    let mut ours = Vec::new();
    let mut plain = Vec::new();
    let rounds = std::env::var("CLAW_BENCH_PAIRED_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PAIRED_ROUNDS);
    if rounds == 0 {
        return;
    }
    for _ in 0..rounds {
        let t = Instant::now();
        rt.block_on(run_client(&s.client, &req));
        ours.push(t.elapsed());
        s.server.reset();
        let t = Instant::now();
        rt.block_on(run_reqwest(&http, &url, &headers, &body));
        plain.push(t.elapsed());
        s.server.reset();
    }
    ours.sort();
    plain.sort();
    let (a, b) = (ours[ours.len() / 2], plain[plain.len() / 2]);
    let rps = |d: Duration| N_REQUESTS as f64 / d.as_secs_f64();
    eprintln!(
        "paired {rounds} rounds of {N_REQUESTS} requests at concurrency {CONCURRENCY}: \
         claw client median {:.1} ms ({:.0} req/s), plain reqwest median {:.1} ms ({:.0} req/s): \
         client throughput = {:.1} % of reqwest",
        a.as_secs_f64() * 1e3,
        rps(a),
        b.as_secs_f64() * 1e3,
        rps(b),
        100.0 * rps(a) / rps(b)
    );
    rt.block_on(s.client.flush()).unwrap();
}

/// `CLAW_BENCH_PROFILE=client|reqwest CLAW_BENCH_ROUNDS=n`: only run `n` rounds of one side of
/// the overhead comparison (for `perf record` / `perf stat`), then exit.
fn profile_mode(side: &str) {
    let rounds: usize = std::env::var("CLAW_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let rt = runtime();
    let s = setup();
    let req = request("ping");
    let Baseline {
        http,
        url,
        headers,
        body,
    } = baseline(&rt, &s, &req);
    let t = Instant::now();
    for _ in 0..rounds {
        match side {
            "client" => rt.block_on(run_client(&s.client, &req)),
            _ => rt.block_on(run_reqwest(&http, &url, &headers, &body)),
        }
        s.server.reset();
    }
    eprintln!(
        "{side}: {rounds} rounds of {N_REQUESTS} in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}

criterion_group!(benches, streaming, overhead);

fn main() {
    if let Ok(side) = std::env::var("CLAW_BENCH_PROFILE") {
        profile_mode(&side);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
