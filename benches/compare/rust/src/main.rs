//! Comparison driver for `benches/compare/run.sh`: this crate and plain reqwest against the
//! crate's mock server on loopback. Prints one JSON line per measurement:
//! `{"tool", "scenario", "secs": [per run], "check": …}`.
//!
//! ```text
//! claw-compare crate-stream   --state DIR --runs R
//! claw-compare reqwest-stream --url URL --key KEY --runs R        (raw bytes, no parsing)
//! claw-compare crate-small    --state DIR --n N --conc C --runs R
//! claw-compare reqwest-small  --url URL --key KEY --n N --conc C --runs R [--timeout-ms T]
//! ```
//! `--timeout-ms` gives each plain reqwest request a timeout (`RequestBuilder::timeout`), as
//! this crate's requests always have one (`Timeouts::request`, 600 s by default).
//! `--rt current` uses a current-thread tokio runtime instead of the default multi-thread one.
//! `--state DIR` is a Clawdbot state dir (`clawdbot.json` with the mock's `baseUrl`, and
//! `agents/main/agent/auth-profiles.json` with the key the mock answers).

use std::sync::Arc;
use std::time::Instant;

use claw_anthropic::request::messages::{MessageParam, MessageRequest};
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
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(a)
}

fn client_for(state: &str) -> Result<Client, String> {
    let paths = Paths::with_state_dir(state);
    let config = Config::load_with(paths, EnvView::empty()).map_err(|e| e.to_string())?;
    Client::new(Arc::new(config), None).map_err(|e| e.to_string())
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
            let (secs, check) = timed(a.runs, || {
                fan_out(a.n, a.conc, || {
                    let client = client.clone();
                    async move {
                        let r = client
                            .send(request(false))
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok(r.value.text().len())
                    }
                })
            })
            .await?;
            emit("crate", &format!("small_c{}", a.conc), &secs, check);
        }
        "reqwest-small" => {
            let url = Arc::new(format!("{}/v1/messages", need(&a.url, "url")?));
            let key = Arc::new(need(&a.key, "key")?);
            let http = reqwest::Client::builder()
                .tcp_nodelay(true)
                .build()
                .map_err(|e| e.to_string())?;
            let body = Arc::new(body_json(false));
            let (secs, check) = timed(a.runs, || {
                fan_out(a.n, a.conc, || {
                    let mut req = http
                        .post(url.as_str())
                        .header("x-api-key", key.as_str())
                        .header("anthropic-version", "2023-06-01")
                        .header("content-type", "application/json")
                        .body(body.as_str().to_owned());
                    if let Some(ms) = a.timeout_ms {
                        req = req.timeout(std::time::Duration::from_millis(ms));
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
            })
            .await?;
            let tool = if a.timeout_ms.is_some() {
                "reqwest_timeout"
            } else {
                "reqwest"
            };
            emit(tool, &format!("small_c{}", a.conc), &secs, check);
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
