//! `send` against the mock: a 200 whose body is not a Message fails, and without `--model` the
//! configured default model is sent.
#![cfg(all(feature = "cli", feature = "mock"))]

use crate::support::{Home, key, text};
use claw_anthropic::mock::{MockReply, MockServer};
use serde_json::{Value, json};

fn home_for(server: &MockServer, agents: &str) -> Home {
    let h = Home::new();
    h.write_config(&format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", api: \"anthropic-messages\" }} }} }}, {agents} }}",
        server.url()
    ));
    h.write_store(
        "main",
        &json!({"version": 1, "profiles": {"anthropic:default": {"type": "api_key", "provider": "anthropic", "key": key('C')}}}),
    );
    h
}

#[test]
fn send_fails_on_an_error_object_with_status_200_and_marks_no_success() {
    let server = MockServer::start_background().unwrap();
    let h = home_for(&server, "");
    let body =
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
    for _ in 0..3 {
        server.enqueue(MockReply::json(200, &body));
    }
    let out = h.run(&["send", "--message", "hi", "--no-stream", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("overloaded_error"), "{err}");
    // --json: the error and the three attempts as JSON on stdout.
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "RATE_LIMITED", "{v}");
    assert_eq!(v["error"]["reason"], "rate_limit", "{v}");
    // The library handles the error body as the status it stands for.
    assert_eq!(v["error"]["status"], 529, "{v}");
    assert_eq!(v["error"]["requestId"], "req_mock_3", "{v}");
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{v}");
    assert!(attempts.iter().all(|a| a["reason"] == "rate_limit"), "{v}");
    // Retried like a 529 (1 + 2 retries), then recorded as a rate-limit failure.
    assert_eq!(server.requests().len(), 3);
    let stats = &h.read_store("main")["usageStats"]["anthropic:default"];
    assert_eq!(stats["failureCounts"]["rate_limit"], 1, "{stats}");
    assert!(stats["lastUsed"].is_null(), "{stats}");
}

#[test]
fn send_without_model_sends_the_configured_default_model() {
    let server = MockServer::start_background().unwrap();
    let h = home_for(
        &server,
        r#"agents: { defaults: { model: { primary: "anthropic/claude-haiku-4-5" } } }"#,
    );
    let out = h.run(&["send", "--message", "hi", "--dry-run", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dry: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(dry["body"]["model"], "claude-haiku-4-5", "{dry}");
    assert_eq!(dry["body"]["max_tokens"], 64_000, "{dry}");

    server.enqueue(MockReply::text("pong"));
    let out = h.run(&["send", "--message", "hi", "--no-stream", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["model"], "anthropic/claude-haiku-4-5", "{v}");
    let sent = server.requests().last().unwrap().json.clone().unwrap();
    assert_eq!(sent["model"], "claude-haiku-4-5");
    assert_eq!(sent["max_tokens"], 64_000);
    // The success was written before the process exited.
    let stats = &h.read_store("main")["usageStats"]["anthropic:default"];
    assert!(stats["lastUsed"].is_u64(), "{stats}");
}
