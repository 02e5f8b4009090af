//! The Rust side of the C ABI's `claw_request_build`: resolve the agent's credential, build the
//! Messages request (alias, max_tokens, cache TTL, betas), render the masked dry run.
//!
//! * `rust_typed`: typed `MessageRequest` in, `serde_json::Value` out (what a Rust caller does).
//! * `rust_json`: JSON text in, JSON text out — exactly the work of the C function.
//!
//! `examples/c/bench_request_build.c` (`make -C examples/c bench`) times the same call through the
//! C library from a C program; target: within 2× of `rust_typed`.
//! Run: `cargo bench --bench request_json`

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages};
use claw_anthropic::request::messages::MessageRequest;
use claw_anthropic::{AgentId, Config, EnvView, Paths};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;

const CONFIG: &str = "{ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-bench-0123456789abcdefghijklmnopqrstuvwxyz' },\
  agents: { defaults: { model: { primary: 'opus' },\
    models: { 'anthropic/claude-opus-4-5': { alias: 'opus', params: { cacheControlTtl: '1h' } } } } } }";

const REQUEST: &str = r#"{"model":"opus","system":"You are terse.","messages":[{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi! How can I help?"},{"role":"user","content":[{"type":"text","text":"Summarise the plot of Hamlet in one line."}]}]}"#;

fn rust_dry_run(config: &Arc<Config>, request: MessageRequest) -> serde_json::Value {
    let auth = AgentAuth::new(config.clone(), AgentId::main());
    let resolved = auth.resolve("anthropic", None, None).expect("credential");
    let built = build_messages(
        config,
        AuthHeader::new(resolved.kind, &resolved.secret),
        request,
        &BuildOptions::default(),
    )
    .expect("build");
    built.dry_run()
}

fn bench(c: &mut Criterion) {
    let state = tempfile::tempdir().unwrap();
    let config = Arc::new(
        Config::from_json5_with(
            CONFIG,
            Paths::with_state_dir(state.path()),
            EnvView::empty(),
        )
        .unwrap(),
    );
    let typed: MessageRequest = serde_json::from_str(REQUEST).unwrap();

    let mut group = c.benchmark_group("request_build");
    group.bench_function("rust_typed", |b| {
        b.iter_batched(
            || typed.clone(),
            |req| black_box(rust_dry_run(&config, req)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("rust_json", |b| {
        b.iter(|| {
            let req: MessageRequest = serde_json::from_str(black_box(REQUEST)).unwrap();
            black_box(serde_json::to_string(&rust_dry_run(&config, req)).unwrap())
        })
    });

    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
