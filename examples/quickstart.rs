//! Quickstart: the whole pipeline, offline.
//!
//! ```sh
//! cargo run --example quickstart --features mock          # offline, against the loopback mock
//! cargo run --example quickstart --features mock -- --live # your ~/.clawdbot and Anthropic's API
//! ```
//!
//! Offline it starts the crate's mock Anthropic server on 127.0.0.1, writes a throw-away state
//! dir (a `clawdbot.json` with `cacheControlTtl: "1h"` and an API-key auth profile), streams a
//! reply through config → auth → request → client, and prints the streamed text, the profile
//! used, the cache TTL and betas sent, the usage and the profile's `usageStats` afterwards.

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::setup_token::upsert_api_key_profile;
use claw_anthropic::env::EnvView;
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{AgentId, Client, Config, Paths};
use std::io::Write;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let live = std::env::args().any(|a| a == "--live");
    let result = if live {
        run_live().await
    } else {
        run_offline().await
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run_offline() -> claw_anthropic::Result<()> {
    // 1. A loopback Anthropic-compatible server.
    let server = MockServer::start().await?;
    println!("mock server:   {}", server.url());
    server.enqueue(MockReply::text(
        "Hello, claw-anthropic: config, auth, request, stream — all in one pass.",
    ));

    // 2. A throw-away state dir: config + one API-key profile for the `main` agent.
    let state = tempfile::tempdir().map_err(|e| claw_anthropic::Error::io("tempdir", e))?;
    let state_dir = state.path().join(".clawdbot");
    std::fs::create_dir_all(&state_dir).map_err(|e| claw_anthropic::Error::io(&state_dir, e))?;
    let config_text = format!(
        r#"// written by the quickstart
{{
  agents: {{ defaults: {{
    model: {{ primary: "opus" }},
    models: {{ "anthropic/claude-opus-4-5": {{ params: {{ cacheControlTtl: "1h" }} }} }},
  }} }},
  models: {{ providers: {{ anthropic: {{ baseUrl: "{}", api: "anthropic-messages" }} }} }},
}}
"#,
        server.url()
    );
    let paths = Paths::with_state_dir(&state_dir);
    std::fs::write(&paths.config_path, config_text)
        .map_err(|e| claw_anthropic::Error::io(&paths.config_path, e))?;
    // An empty environment view: the quickstart must not pick up a real ANTHROPIC_API_KEY.
    let config = Arc::new(Config::load_with(paths.clone(), EnvView::empty())?);
    let auth = AgentAuth::new(config.clone(), AgentId::main());
    let profile = upsert_api_key_profile(
        &auth,
        "sk-ant-api03-QUICKSTART-not-a-real-key-0000000000000000",
        None,
    )?;
    println!("state dir:     {}", state_dir.display());
    println!(
        "auth profile:  {profile} (in {})",
        auth.store_path().display()
    );

    // 3. Stream a reply through the whole pipeline.
    let client = Client::new(config.clone(), None)?;
    let request = MessageRequest::new(
        "opus",
        vec![MessageParam::user(
            "Say hello to claw-anthropic in five words.",
        )],
    )
    .with_system("You are a terse assistant.");
    let mut stream = client.stream(request).await?;
    print!("reply:         ");
    let _ = std::io::stdout().flush();
    while let Some(piece) = stream.next_text().await {
        print!("{}", piece?);
        let _ = std::io::stdout().flush();
    }
    println!();
    println!(
        "profile used:  {} ({}, {})",
        stream.profile_id().unwrap_or("-"),
        stream.credential_source(),
        stream.credential_kind()
    );
    println!("model:         {}", stream.model());
    println!(
        "cache TTL:     {}",
        stream.cache_ttl().unwrap_or("provider default")
    );
    println!("betas sent:    {}", stream.betas().join(","));
    println!(
        "request-id:    {}",
        stream.meta().request_id().unwrap_or("-")
    );
    let message = stream.final_message().await?;
    let u = &message.usage;
    println!(
        "usage:         input {} / output {} / cache write {} / cache read {}",
        u.input_tokens,
        u.output_tokens,
        u.cache_creation_input_tokens.unwrap_or(0),
        u.cache_read_input_tokens.unwrap_or(0)
    );

    // 4. What the server saw, and the store afterwards.
    if let Some(req) = server.requests().last() {
        println!(
            "server saw:    x-api-key {}, anthropic-beta {}",
            req.header("x-api-key")
                .map(claw_anthropic::auth::mask)
                .unwrap_or_default(),
            req.header("anthropic-beta").unwrap_or("-")
        );
    }
    // Successes are recorded in memory and written coalesced; flush before reading the file.
    client.flush().await?;
    let store = auth.load_store()?;
    // The store's JSON for this profile, exactly as written to auth-profiles.json.
    let stats = store.to_value()["usageStats"][&profile].to_string();
    println!("usageStats:    {profile} {stats}");
    Ok(())
}

async fn run_live() -> claw_anthropic::Result<()> {
    let config = Arc::new(Config::load()?);
    let paths = config.paths();
    println!("config:        {}", paths.display(&paths.config_path));
    let client = Client::new(config.clone(), None)?;
    let model = config.default_model();
    // Resolve first, so a missing credential is explained before anything is sent.
    let resolved = client.auth().resolve(&model.provider, None, None)?;
    println!("credential:    {}", resolved.label);
    let mut stream = client
        .stream(MessageRequest::new(
            "",
            vec![MessageParam::user("Say hello in five words.")],
        ))
        .await?;
    print!("reply:         ");
    while let Some(piece) = stream.next_text().await {
        print!("{}", piece?);
        let _ = std::io::stdout().flush();
    }
    println!();
    println!(
        "profile used:  {}  model: {}  cache TTL: {}  betas: {}",
        stream.profile_id().unwrap_or(stream.credential_source()),
        stream.model(),
        stream.cache_ttl().unwrap_or("provider default"),
        stream.betas().join(",")
    );
    let message = stream.final_message().await?;
    println!(
        "usage:         input {} / output {}",
        message.usage.input_tokens, message.usage.output_tokens
    );
    Ok(())
}
