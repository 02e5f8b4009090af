//! Building + serializing a Clawdbot-sized request versus serializing the finished body alone.
//!
//! The request: a 40 KB system prompt, 23 tools with JSON schemas, 50 alternating messages with
//! tool_use / tool_result turns. `build_and_serialize` runs `build_messages` (model resolution,
//! params, breakpoints, headers, checks) and `body_bytes`; `serialize_floor` is
//! `serde_json::to_vec` of the already-built body. Target: build ≤ 1.5 × floor. In both, the
//! values are dropped outside the timed part (the input clone is made outside too).
//!
//! Run: `cargo bench --bench request`

use claw_anthropic::Config;
use claw_anthropic::auth::CredentialKind;
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages};
use claw_anthropic::request::messages::{ContentBlock, MessageParam, MessageRequest, Tool};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use serde_json::json;
use std::hint::black_box;

fn clawdbot_request() -> MessageRequest {
    let paragraph = "You are a personal assistant running inside Clawdbot. Follow the workspace rules, \
        use tools when they help, keep answers short on chat surfaces, and never reveal secrets. ";
    let mut system = String::with_capacity(41_000);
    while system.len() < 40 * 1024 {
        system.push_str(paragraph);
    }
    let tools: Vec<Tool> = (0..23)
        .map(|i| {
            Tool::custom(
                format!("tool_{i}"),
                format!("Tool number {i}: does something useful with files, the web or the shell."),
                json!({
                    "type": "object",
                    "properties": {
                        "path": {"type": "string", "description": "Absolute or workspace-relative path"},
                        "query": {"type": "string", "description": "What to look for"},
                        "limit": {"type": "integer", "minimum": 1, "maximum": 500},
                        "options": {"type": "object", "properties": {
                            "recursive": {"type": "boolean"},
                            "include": {"type": "array", "items": {"type": "string"}}
                        }}
                    },
                    "required": ["path"]
                }),
            )
        })
        .collect();
    let mut messages = Vec::with_capacity(50);
    for i in 0..25 {
        if i % 3 == 1 {
            messages.push(MessageParam::user(vec![ContentBlock::tool_result(
                format!("toolu_{:04}", i - 1),
                "file contents line\n".repeat(20),
            )]));
        } else {
            messages.push(MessageParam::user(format!(
                "Message {i}: please look at the project and tell me what changed since yesterday."
            )));
        }
        if i % 3 == 0 {
            messages.push(MessageParam::assistant(vec![
                ContentBlock::text("Let me check the repository."),
                ContentBlock::tool_use(
                    format!("toolu_{i:04}"),
                    "tool_3",
                    json!({"path": "src/main.rs", "query": "fn main", "limit": 20}),
                ),
            ]));
        } else {
            messages.push(MessageParam::assistant(
                "Here is a summary of the changes: a new module, two fixed bugs and updated docs.",
            ));
        }
    }
    let mut req = MessageRequest::new("opus", messages).with_system(system);
    req.tools = tools;
    req
}

fn bench(c: &mut Criterion) {
    let config = Config::from_json5(
        r#"{ agents: { defaults: { model: { primary: "opus" },
             models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "1h", maxTokens: 8192 } } } } } }"#,
    )
    .expect("config");
    let key = SecretString::from("sk-ant-api03-BENCHbenchBENCHbenchBENCHbench-0000");
    let auth = AuthHeader::new(CredentialKind::ApiKey, &key);
    let opts = BuildOptions::default();
    let request = clawdbot_request();
    let finished = build_messages(&config, auth, request.clone(), &opts).expect("builds");
    let size = finished.body_bytes().expect("serializes").len();
    eprintln!("body size: {size} bytes");

    let mut group = c.benchmark_group("request");
    group.bench_function("build_and_serialize", |b| {
        b.iter_batched(
            || request.clone(),
            |req| {
                let built = build_messages(&config, auth, req, &opts).expect("builds");
                let bytes = built.body_bytes().expect("serializes");
                // Returned, so dropping the body happens outside the timing, as in the floor.
                black_box((built, bytes))
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("serialize_floor", |b| {
        b.iter(|| black_box(serde_json::to_vec(black_box(&finished.body)).expect("serializes")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
