//! The client's spans exported with OpenTelemetry: one `chat` span per request and one `attempt`
//! span per try, with the GenAI semantic-convention attributes (`gen_ai.*`) and ours (`claw.*`),
//! printed by the stdout exporter.
//!
//! ```sh
//! cargo run --example otel --features otel-example
//! ```
//!
//! Offline: the crate's mock server answers the first try with a 429 (retried on the same
//! profile, so two `attempt` spans), and the config prices the model, so the `chat` span has
//! `claw.cost_usd`.

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::setup_token::upsert_api_key_profile;
use claw_anthropic::env::EnvView;
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{AgentId, Client, Config, Paths};
use opentelemetry::trace::TracerProvider as _;
use std::sync::Arc;
use tracing_subscriber::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Spans → OpenTelemetry → stdout.
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let tracer = provider.tracer("claw-anthropic-example");
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .init();

    // A loopback server: one 429, then a reply.
    let server = MockServer::start().await?;
    server.enqueue(
        MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after-ms", "10"),
    );
    server.enqueue(MockReply::text("Hello from the mock, traced."));

    // A throw-away state dir with a priced model and one API-key profile.
    let state = tempfile::tempdir()?;
    let state_dir = state.path().join(".clawdbot");
    std::fs::create_dir_all(&state_dir)?;
    let paths = Paths::with_state_dir(&state_dir);
    std::fs::write(
        &paths.config_path,
        format!(
            r#"{{ models: {{ providers: {{ anthropic: {{ baseUrl: "{}", models: [
                {{ id: "claude-opus-4-5", cost: {{ input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }} }},
            ] }} }} }} }}"#,
            server.url()
        ),
    )?;
    let config = Arc::new(Config::load_with(paths, EnvView::empty())?);
    let auth = AgentAuth::new(config.clone(), AgentId::main());
    upsert_api_key_profile(
        &auth,
        "sk-ant-api03-OTEL-EXAMPLE-not-a-real-key-000000000000",
        None,
    )?;

    let client = Client::new(config, None)?;
    let reply = client
        .send(MessageRequest::new(
            "anthropic/claude-opus-4-5",
            vec![MessageParam::user("Hello")],
        ))
        .await?;
    eprintln!(
        "reply: {} ({} attempts, cost {:?})",
        reply.value.text(),
        reply.attempts().len(),
        reply.cost().map(|c| c.total)
    );
    drop(client);
    provider.shutdown()?;
    Ok(())
}
