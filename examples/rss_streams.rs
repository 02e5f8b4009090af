//! 1,000 concurrent streaming requests in one client process against the mock server, then
//! the client's peak resident set size (`VmHWM` from /proc/self/status).
//!
//! `cargo run --release --features mock --example rss_streams [-- STREAMS DELTAS [--in-process]]`
//! (defaults: 1000 streams of 1,000 `text_delta` events of 40 bytes, about 155 kB each, sent as
//! fast as loopback allows; `--drip=BYTES:MILLIS` sends them at a model's pace instead).
//!
//! By default the mock server runs in a child process (this binary with `--serve`), so the figure
//! is the client's alone; `--in-process` runs it inside this process (both in one figure).

use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{Client, Config, EnvView, Paths};
use std::sync::Arc;
use std::time::Instant;

const KEY: &str = "sk-ant-api03-RSSRSSRSSRSSRSSRSSRSSRSSRSSRSSRSSRSSRSSRSS00";

fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The scripted stream: `deltas` text deltas, optionally dripped (`--drip=BYTES:MILLIS`: that
/// many body bytes per interval, as a model generating tokens sends them).
fn reply(deltas: usize, drip: Option<(usize, u64)>) -> MockReply {
    let r = MockReply::text_stream(deltas, 40);
    match drip {
        Some((bytes, ms)) => r.drip(bytes, std::time::Duration::from_millis(ms)),
        None => r,
    }
}

fn parse_drip(flags: &[&String]) -> Result<Option<(usize, u64)>, Box<dyn std::error::Error>> {
    let Some(v) = flags.iter().find_map(|f| f.strip_prefix("--drip=")) else {
        return Ok(None);
    };
    let (b, ms) = v.split_once(':').ok_or("--drip=BYTES:MILLIS")?;
    Ok(Some((b.parse()?, ms.parse()?)))
}

/// Child mode: serve the mock until stdin closes; print its URL first.
fn serve(deltas: usize, drip: Option<(usize, u64)>) -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::start_background()?;
    server.on_credential(KEY, reply(deltas, drip));
    println!("{}", server.url());
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink)? > 0 {}
    eprintln!(
        "mock server process: VmHWM {:.1} MiB",
        status_kib("VmHWM:").unwrap_or(0) as f64 / 1024.0
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let flags: Vec<&String> = all.iter().filter(|a| a.starts_with("--")).collect();
    let mut args = all.iter().filter(|a| !a.starts_with("--"));
    let streams: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let deltas: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1000);
    let drip = parse_drip(&flags)?;
    if flags.iter().any(|f| *f == "--serve") {
        return serve(deltas, drip);
    }
    let in_process = flags.iter().any(|f| *f == "--in-process");
    // The mock: a child process, or inside this one.
    let mut child = None;
    let mut local = None;
    let url = if in_process {
        let server = MockServer::start_background()?;
        server.on_credential(KEY, reply(deltas, drip));
        let url = server.url();
        local = Some(server);
        url
    } else {
        let mut c = std::process::Command::new(std::env::current_exe()?)
            .args(["--serve".to_owned(), "0".to_owned(), deltas.to_string()])
            .args(
                flags
                    .iter()
                    .filter(|f| f.starts_with("--drip="))
                    .map(|f| f.as_str()),
            )
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(c.stdout.take().ok_or("no stdout")?),
            &mut line,
        )?;
        child = Some(c);
        line.trim().to_owned()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let home = tempfile::tempdir()?;
        let store = home
            .path()
            .join(".clawdbot/agents/main/agent/auth-profiles.json");
        std::fs::create_dir_all(store.parent().ok_or("no parent")?)?;
        std::fs::write(
            &store,
            serde_json::json!({"version": 1, "profiles": {
                "anthropic:rss": {"type": "api_key", "provider": "anthropic", "key": KEY}}})
            .to_string(),
        )?;
        let text = format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: '{}', api: 'anthropic-messages', models: [] }} }} }} }}",
            url
        );
        let h = home.path().to_string_lossy().into_owned();
        let paths = Paths::from_vars(move |k| (k == "HOME").then(|| h.clone())).unwrap();
        let config = Arc::new(Config::from_json5_with(&text, paths, EnvView::empty())?);
        let client = Client::new(config, None)?;
        let before = status_kib("VmHWM:").unwrap_or(0);

        let t = Instant::now();
        let barrier = Arc::new(tokio::sync::Barrier::new(streams));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..streams {
            let (client, barrier) = (client.clone(), barrier.clone());
            tasks.spawn(async move {
                let req = MessageRequest::new("", vec![MessageParam::user("stream")]);
                let mut s = client.stream(req).await?;
                // Every stream is open (headers received) before any is read to the end.
                barrier.wait().await;
                let mut chars = 0usize;
                while let Some(piece) = s.next_text().await {
                    chars += piece?.len();
                }
                let m = s.final_message().await?;
                Ok::<_, claw_anthropic::Error>((chars, m.usage.output_tokens))
            });
        }
        let (mut ok, mut chars) = (0usize, 0usize);
        while let Some(r) = tasks.join_next().await {
            let (c, _) = r??;
            ok += 1;
            chars += c;
        }
        let elapsed = t.elapsed();
        client.flush().await?;
        println!(
            "{ok} of {streams} concurrent streams completed in {:.2} s ({} text bytes received)",
            elapsed.as_secs_f64(),
            chars
        );
        println!(
            "VmHWM (peak RSS): {} KiB = {:.1} MiB (before the streams: {:.1} MiB); VmRSS now: {:.1} MiB",
            status_kib("VmHWM:").unwrap_or(0),
            status_kib("VmHWM:").unwrap_or(0) as f64 / 1024.0,
            before as f64 / 1024.0,
            status_kib("VmRSS:").unwrap_or(0) as f64 / 1024.0
        );
        println!(
            "(mock server {})",
            if in_process {
                "in this process: included"
            } else {
                "in a child process: not included"
            }
        );
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    drop(local);
    if let Some(mut c) = child {
        drop(c.stdin.take());
        c.wait()?;
    }
    Ok(())
}
