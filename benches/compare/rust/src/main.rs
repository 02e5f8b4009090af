//! Comparison driver for `benches/compare/run.sh`: this crate and plain reqwest against the
//! crate's mock server on loopback. Prints one JSON line per measurement:
//! `{"tool", "scenario", "secs": [per run], "check": …}`.
//!
//! ```text
//! claw-compare crate-stream   --state DIR --runs R
//! claw-compare reqwest-stream --url URL --key KEY --runs R        (raw bytes, no parsing)
//! claw-compare crate-small    --state DIR --n N --conc C --runs R
//! claw-compare reqwest-small  --url URL --key KEY --n N --conc C --runs R [--timeout-ms T]
//!                             [--state DIR]
//! claw-compare ab-small       --state DIR --key KEY --n N --conc C --runs R [--timeout-ms T]
//!                             [--plain same|minimal --url URL]
//! ```
//! `ab-small` runs both in one process: after a warm-up batch each, R rounds of one batch of
//! N requests per client (which goes first alternates), printing both clients' batch times.
//! With `--state` (and without `--plain minimal`), plain reqwest sends the very request this crate sends for the same call
//! (built once with `build_messages` from that state dir's config: the same URL, headers,
//! `User-Agent` and body bytes, prompt-cache breakpoint included), so the server does the same
//! work for both; without it, a minimal hand-written request (fewer headers, no breakpoint).
//! `--timeout-ms` gives each plain reqwest request a timeout (`RequestBuilder::timeout`), as
//! this crate's requests always have one (`Timeouts::request`, 600 s by default).
//! `--rt current` uses a current-thread tokio runtime instead of the default multi-thread one.
//! `--state DIR` is a Clawdbot state dir (`clawdbot.json` with the mock's `baseUrl`, and
//! `agents/main/agent/auth-profiles.json` with the key the mock answers).

use std::sync::Arc;
use std::time::Instant;

use claw_anthropic::auth::CredentialKind;
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::request::{AuthHeader, BuildOptions, build_messages};
use claw_anthropic::{Client, Config, EnvView, Paths};
use futures_util::StreamExt;
use tokio::sync::Semaphore;

const MODEL: &str = "claude-sonnet-4-5";

struct Args {
    cmd: String,
    state: Option<String>,
    url: Option<String>,
    key: Option<String>,
    n: usize,
    conc: usize,
    runs: usize,
    current_thread: bool,
    timeout_ms: Option<u64>,
    minimal: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().ok_or("missing subcommand")?;
    let mut a = Args {
        cmd,
        state: None,
        url: None,
        key: None,
        n: 2000,
        conc: 1,
        runs: 7,
        current_thread: false,
        timeout_ms: None,
        minimal: false,
    };
    while let Some(flag) = it.next() {
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--state" => a.state = Some(v.clone()),
            "--url" => a.url = Some(v.clone()),
            "--key" => a.key = Some(v.clone()),
            "--n" => a.n = num()?,
            "--conc" => a.conc = num()?.max(1),
            "--runs" => a.runs = num()?.max(1),
            "--rt" => a.current_thread = v == "current",
            "--timeout-ms" => a.timeout_ms = Some(num()? as u64),
            "--plain" => a.minimal = v == "minimal",
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(a)
}

fn client_for(state: &str) -> Result<Client, String> {
    Client::new(Arc::new(load_config(state)?), None).map_err(|e| e.to_string())
}

fn load_config(state: &str) -> Result<Config, String> {
    Config::load_with(Paths::with_state_dir(state), EnvView::empty()).map_err(|e| e.to_string())
}

/// The URL, headers (without `User-Agent`, which the client adds) and body this crate sends
/// for `request(false)` with an API key.
fn same_request(
    state: &str,
    key: &str,
) -> Result<(String, reqwest::header::HeaderMap, String), String> {
    let config = load_config(state)?;
    let secret = secrecy::SecretString::from(key.to_owned());
    let built = build_messages(
        &config,
        AuthHeader::new(CredentialKind::ApiKey, &secret),
        request(false),
        &BuildOptions {
            stream: Some(false),
            ..BuildOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let body = String::from_utf8(built.body_bytes().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok((built.url.to_string(), built.headers, body))
}

fn request(stream: bool) -> MessageRequest {
    let r = MessageRequest::new(MODEL, vec![MessageParam::user("ping")]);
    if stream {
        r.with_max_tokens(64_000)
    } else {
        r.with_max_tokens(64)
    }
}

fn body_json(stream: bool) -> String {
    serde_json::json!({
        "model": MODEL,
        "max_tokens": if stream { 64_000 } else { 64 },
        "stream": stream,
        "messages": [{"role": "user", "content": "ping"}],
    })
    .to_string()
}

fn emit(tool: &str, scenario: &str, secs: &[f64], check: serde_json::Value) {
    println!(
        "{}",
        serde_json::json!({"tool": tool, "scenario": scenario, "secs": secs, "check": check})
    );
}

/// Runs `f` once to warm up, then `runs` timed times.
async fn timed<F, Fut>(runs: usize, mut f: F) -> Result<(Vec<f64>, serde_json::Value), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, String>>,
{
    let mut check = f().await?;
    let mut secs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        check = f().await?;
        secs.push(t.elapsed().as_secs_f64());
    }
    Ok((secs, check))
}

/// `n` calls of `one`, at most `conc` in flight, each on its own task.
async fn fan_out<F, Fut>(n: usize, conc: usize, one: F) -> Result<serde_json::Value, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<usize, String>> + Send + 'static,
{
    let sem = Arc::new(Semaphore::new(conc));
    let mut set = tokio::task::JoinSet::new();
    let mut total = 0usize;
    for _ in 0..n {
        let permit = sem
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let fut = one();
        set.spawn(async move {
            let r = fut.await;
            drop(permit);
            r
        });
        // Finished tasks are reaped as they come (as an application awaiting its requests
        // would): keeping all `n` until the end grows the heap by `n` task cells per run.
        while let Some(r) = set.try_join_next() {
            total += r.map_err(|e| e.to_string())??;
        }
    }
    while let Some(r) = set.join_next().await {
        total += r.map_err(|e| e.to_string())??;
    }
    Ok(serde_json::json!({"requests": n, "text_bytes": total}))
}

/// `n` non-streaming requests through this crate's client, `conc` at a time.
async fn crate_batch(client: &Client, n: usize, conc: usize) -> Result<serde_json::Value, String> {
    fan_out(n, conc, || {
        let client = client.clone();
        async move {
            let r = client
                .send(request(false))
                .await
                .map_err(|e| e.to_string())?;
            Ok(r.value.text().len())
        }
    })
    .await
}

/// Plain reqwest: one client, and the request it sends each time.
struct Plain {
    http: reqwest::Client,
    url: String,
    headers: reqwest::header::HeaderMap,
    body: String,
    timeout: Option<std::time::Duration>,
    tool: &'static str,
}

impl Plain {
    /// With `--state`, the very request this crate sends (see the module doc); else the
    /// minimal one.
    fn new(a: &Args) -> Result<Plain, String> {
        let key = a.key.clone().ok_or("--key is required")?;
        let mut http = reqwest::Client::builder().tcp_nodelay(true);
        let same = a.state.as_ref().filter(|_| !a.minimal);
        let (url, headers, body) = match same {
            Some(state) => {
                http = http.user_agent(claw_anthropic::USER_AGENT);
                same_request(state, &key)?
            }
            None => {
                let mut h = reqwest::header::HeaderMap::new();
                for (n, v) in [
                    ("x-api-key", key.as_str()),
                    ("anthropic-version", "2023-06-01"),
                    ("content-type", "application/json"),
                ] {
                    h.insert(n, v.parse().map_err(|_| format!("bad header {n}"))?);
                }
                let base = a.url.clone().ok_or("--url is required without --state")?;
                (format!("{base}/v1/messages"), h, body_json(false))
            }
        };
        let tool = match (same.is_some(), a.timeout_ms.is_some()) {
            (true, false) => "reqwest_same",
            (true, true) => "reqwest_same_timeout",
            (false, false) => "reqwest",
            (false, true) => "reqwest_timeout",
        };
        Ok(Plain {
            http: http.build().map_err(|e| e.to_string())?,
            url,
            headers,
            body,
            timeout: a.timeout_ms.map(std::time::Duration::from_millis),
            tool,
        })
    }

    /// `n` requests, `conc` at a time; each response decoded as a `serde_json::Value`.
    async fn batch(&self, n: usize, conc: usize) -> Result<serde_json::Value, String> {
        fan_out(n, conc, || {
            let mut req = self.http.post(self.url.as_str());
            for (name, value) in &self.headers {
                req = req.header(name, value);
            }
            let mut req = req.body(self.body.clone());
            if let Some(t) = self.timeout {
                req = req.timeout(t);
            }
            async move {
                let resp = req.send().await.map_err(|e| e.to_string())?;
                if !resp.status().is_success() {
                    return Err(format!("HTTP {}", resp.status()));
                }
                let v: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
                let text = v["content"][0]["text"].as_str().unwrap_or_default();
                Ok(text.len())
            }
        })
        .await
    }
}

async fn run(a: Args) -> Result<(), String> {
    let need = |v: &Option<String>, name: &str| v.clone().ok_or(format!("--{name} is required"));
    match a.cmd.as_str() {
        "crate-stream" => {
            let client = client_for(&need(&a.state, "state")?)?;
            let (secs, check) = timed(a.runs, || {
                let client = client.clone();
                async move {
                    let s = client
                        .stream(request(true))
                        .await
                        .map_err(|e| e.to_string())?;
                    let m = s.final_message().await.map_err(|e| e.to_string())?;
                    Ok(serde_json::json!({"text_bytes": m.text().len()}))
                }
            })
            .await?;
            emit("crate", "stream", &secs, check);
        }
        "reqwest-stream" => {
            let url = format!("{}/v1/messages", need(&a.url, "url")?);
            let key = need(&a.key, "key")?;
            let http = reqwest::Client::builder()
                .tcp_nodelay(true)
                .build()
                .map_err(|e| e.to_string())?;
            let body = body_json(true);
            let (secs, check) = timed(a.runs, || {
                let req = http
                    .post(&url)
                    .header("x-api-key", &key)
                    .header("anthropic-version", "2023-06-01")
                    .header("content-type", "application/json")
                    .body(body.clone());
                async move {
                    let resp = req.send().await.map_err(|e| e.to_string())?;
                    let mut s = resp.bytes_stream();
                    let mut n = 0usize;
                    while let Some(c) = s.next().await {
                        n += c.map_err(|e| e.to_string())?.len();
                    }
                    Ok(serde_json::json!({"body_bytes": n}))
                }
            })
            .await?;
            emit("reqwest_raw", "stream", &secs, check);
        }
        "crate-small" => {
            let client = client_for(&need(&a.state, "state")?)?;
            let (secs, check) = timed(a.runs, || crate_batch(&client, a.n, a.conc)).await?;
            emit("crate", &format!("small_c{}", a.conc), &secs, check);
        }
        "reqwest-small" => {
            let plain = Plain::new(&a)?;
            let (secs, check) = timed(a.runs, || plain.batch(a.n, a.conc)).await?;
            emit(plain.tool, &format!("small_c{}", a.conc), &secs, check);
        }
        "ab-small" => {
            // Both clients in one process, batches interleaved (the first of each round
            // alternates), so both see the same moment of a noisy machine.
            let client = client_for(&need(&a.state, "state")?)?;
            let plain = Plain::new(&a)?;
            crate_batch(&client, a.n, a.conc).await?;
            plain.batch(a.n, a.conc).await?;
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            let (mut c1, mut c2) = (serde_json::Value::Null, serde_json::Value::Null);
            for round in 0..a.runs {
                for first in [round % 2 == 0, round % 2 == 1] {
                    let t = Instant::now();
                    if first {
                        c1 = crate_batch(&client, a.n, a.conc).await?;
                        ours.push(t.elapsed().as_secs_f64());
                    } else {
                        c2 = plain.batch(a.n, a.conc).await?;
                        theirs.push(t.elapsed().as_secs_f64());
                    }
                }
            }
            let scenario = format!("ab_small_c{}", a.conc);
            emit("crate", &scenario, &ours, c1);
            emit(plain.tool, &scenario, &theirs, c2);
        }
        other => return Err(format!("unknown subcommand {other}")),
    }
    Ok(())
}

fn main() {
    let result = parse_args().and_then(|a| {
        let mut rt = if a.current_thread {
            tokio::runtime::Builder::new_current_thread()
        } else {
            tokio::runtime::Builder::new_multi_thread()
        };
        rt.enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(run(a))
    });
    if let Err(e) = result {
        eprintln!("claw-compare: {e}");
        std::process::exit(1);
    }
}
