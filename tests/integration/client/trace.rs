//! The request and attempt spans, seen by a subscriber that records every field of every span
//! and event: the GenAI semantic-convention fields with the right values, and never a secret.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::mock::{MockReply, MockServer};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

type Fields = BTreeMap<String, String>;

#[derive(Default)]
struct Captured {
    /// (span name, fields) by span id, in creation order.
    spans: Vec<(u64, String, Fields)>,
    events: Vec<Fields>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Captured>>);

struct V<'a>(&'a mut Fields);

impl Visit for V<'_> {
    fn record_debug(&mut self, f: &Field, v: &dyn std::fmt::Debug) {
        self.0.insert(f.name().into(), format!("{v:?}"));
    }
    fn record_str(&mut self, f: &Field, v: &str) {
        self.0.insert(f.name().into(), v.into());
    }
}

impl<S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut f = Fields::new();
        attrs.record(&mut V(&mut f));
        let name = attrs.metadata().name().to_owned();
        self.0.lock().unwrap().spans.push((id.into_u64(), name, f));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut c = self.0.lock().unwrap();
        if let Some((_, _, f)) = c.spans.iter_mut().rev().find(|s| s.0 == id.into_u64()) {
            values.record(&mut V(f));
        }
    }
    fn on_event(&self, e: &Event<'_>, _: Context<'_, S>) {
        let mut f = Fields::new();
        e.record(&mut V(&mut f));
        self.0.lock().unwrap().events.push(f);
    }
}

#[tokio::test]
async fn spans_carry_the_genai_fields_and_never_a_secret() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(capture.clone())
            .with(tracing_subscriber::filter::LevelFilter::TRACE),
    );
    let server = MockServer::start().await.unwrap();
    let (ka, kb) = (canary_key('a'), canary_key('b'));
    let world = World::with_config(
        &format!(
            r#"{{ models: {{ providers: {{ anthropic: {{ baseUrl: "{}", models: [
                {{ id: "claude-opus-4-5", cost: {{ input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }} }},
            ] }} }} }} }}"#,
            server.url()
        ),
        &[("anthropic:a", &ka), ("anthropic:b", &kb)],
    );
    for _ in 0..3 {
        server.enqueue(
            MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after", "2"),
        );
    }
    let (client, _) = world.default_client();
    let r = client.send(hello()).await.unwrap();
    drop(client);

    let c = capture.0.lock().unwrap();
    let chats: Vec<&Fields> = c
        .spans
        .iter()
        .filter(|s| s.1 == "chat")
        .map(|s| &s.2)
        .collect();
    assert_eq!(chats.len(), 1, "one span per logical request");
    let chat = chats[0];
    let usage = &r.value.usage;
    let want = [
        ("gen_ai.operation.name", "chat".to_owned()),
        ("gen_ai.provider.name", "anthropic".to_owned()),
        ("gen_ai.request.model", "claude-opus-4-5".to_owned()),
        ("gen_ai.request.max_tokens", "64000".to_owned()),
        ("gen_ai.response.id", r.value.id.clone()),
        ("gen_ai.response.model", r.value.model.clone()),
        (
            "gen_ai.response.finish_reasons",
            r#"["end_turn"]"#.to_owned(),
        ),
        ("gen_ai.usage.input_tokens", usage.input_tokens.to_string()),
        (
            "gen_ai.usage.output_tokens",
            usage.output_tokens.to_string(),
        ),
        ("gen_ai.usage.cache_read.input_tokens", "0".to_owned()),
        ("gen_ai.usage.cache_creation.input_tokens", "0".to_owned()),
        ("claw.stream", "false".to_owned()),
        ("claw.profile_id", "anthropic:b".to_owned()),
        ("claw.model", "anthropic/claude-opus-4-5".to_owned()),
        ("claw.attempts", "4".to_owned()),
        ("claw.cost_usd", format!("{:?}", r.cost().unwrap().total)),
    ];
    for (k, v) in &want {
        assert_eq!(chat.get(*k), Some(v), "{k} in {chat:#?}");
    }

    let attempts: Vec<&Fields> = c
        .spans
        .iter()
        .filter(|s| s.1 == "attempt")
        .map(|s| &s.2)
        .collect();
    assert_eq!(attempts.len(), 4, "one span per attempt: {attempts:#?}");
    for (i, a) in attempts.iter().enumerate() {
        let get = |k: &str| a.get(k).map(String::as_str);
        assert_eq!(get("claw.attempt"), Some((i + 1).to_string().as_str()));
        assert_eq!(get("gen_ai.operation.name"), Some("chat"));
        assert_eq!(get("gen_ai.provider.name"), Some("anthropic"));
        assert_eq!(get("gen_ai.request.model"), Some("claude-opus-4-5"));
        let (profile, status) = if i < 3 {
            ("anthropic:a", "429")
        } else {
            ("anthropic:b", "200")
        };
        assert_eq!(get("claw.profile_id"), Some(profile));
        assert_eq!(get("http.response.status_code"), Some(status));
        assert!(get("claw.request_id").unwrap().starts_with("req_mock_"));
        if i < 3 {
            assert_eq!(get("claw.failure_reason"), Some("rate_limit"));
            assert_eq!(get("error.type"), Some("rate_limit"));
        } else {
            assert_eq!(get("claw.failure_reason"), None);
        }
        let delay = (i < 2).then_some("2000");
        assert_eq!(get("claw.retry_delay_ms"), delay, "attempt {}", i + 1);
    }

    // Never a secret, in any field of any span or event.
    let all: Vec<&String> = c
        .spans
        .iter()
        .flat_map(|s| s.2.values())
        .chain(c.events.iter().flat_map(|e| e.values()))
        .collect();
    assert!(!all.is_empty());
    for v in all {
        for k in [&ka, &kb] {
            assert!(
                !v.contains(&secret_core(k)) && !v.contains(CANARY),
                "secret in {v}"
            );
        }
    }
}
