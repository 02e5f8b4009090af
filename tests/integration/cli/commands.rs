//! The `claw-anthropic` binary end to end: every seed command against a throw-away `$HOME`, bad
//! input (one-line error, exit 1 or 2, nothing written), and `send` against the mock server.
#![cfg(all(feature = "cli", feature = "mock"))]

use claw_anthropic::mock::{MockReply, MockServer};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{Home, text};

const KEY: &str = "sk-ant-api03-CLITESTKEYcliTESTKEYcliTESTKEYcli-0001";

fn token() -> String {
    format!("sk-ant-oat01-{}", "T".repeat(90))
}

fn assert_no_secret(out: &Output, secret: &str) {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(secret), "secret leaked: {all}");
}

#[test]
fn onboard_api_key_then_status_and_dry_run() {
    let h = Home::new();
    h.write_config(
        "// my config\n{ agents: { defaults: { models: { \"anthropic/claude-opus-4-5\": { params: { cacheControlTtl: \"1h\" } } } } } }\n",
    );
    let out = h.run(&[
        "onboard",
        "--non-interactive",
        "--auth-choice",
        "apiKey",
        "--anthropic-api-key",
        KEY,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "anthropic:default");
    assert_no_secret(&out, KEY);
    let cfg = std::fs::read_to_string(h.state().join("clawdbot.json")).unwrap();
    assert!(cfg.contains("// my config"), "comment kept: {cfg}");
    assert!(cfg.contains("api_key"), "{cfg}");
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(h.store()).unwrap()).unwrap();
    assert_eq!(store["profiles"]["anthropic:default"]["key"], KEY);

    let out = h.run(&["models", "status", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["auth"]["providers"][0]["effective"]["kind"], "profiles");
    assert_eq!(v["active"]["profileId"], "anthropic:default");
    assert_no_secret(&out, KEY);

    let out = h.run(&["models", "status"]);
    let s = text(&out.stdout);
    assert!(
        s.contains("Active") && s.contains("anthropic:default"),
        "{s}"
    );
    assert!(!s.contains('\x1b'), "no colors when not a TTY: {s}");

    let out = h.run(&["send", "--dry-run", "--message", "hi"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["headers"]["x-api-key"], "sk-ant-a...cli-0001");
    assert!(
        v["headers"]["anthropic-beta"]
            .as_str()
            .unwrap()
            .contains("extended-cache-ttl-2025-04-11")
    );
    assert_eq!(
        v["body"]["messages"][0]["content"][0]["cache_control"]["ttl"],
        "1h"
    );
    assert_no_secret(&out, KEY);
}

#[test]
fn paste_token_from_stdin_and_order() {
    let h = Home::new();
    let out = h.run_stdin(
        &["models", "auth", "paste-token", "--provider", "anthropic"],
        &format!("{}\n", token()),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "anthropic:manual");
    assert_no_secret(&out, &token());
    let out = h.run(&[
        "onboard",
        "--non-interactive",
        "--auth-choice",
        "apiKey",
        "--anthropic-api-key",
        KEY,
    ]);
    assert!(out.status.success());

    let out = h.run(&[
        "models",
        "auth",
        "order",
        "set",
        "--provider",
        "anthropic",
        "anthropic:default",
        "anthropic:manual",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = h.run(&["models", "auth", "order", "get", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["stored"],
        serde_json::json!(["anthropic:default", "anthropic:manual"])
    );
    let out = h.run(&["models", "auth", "order", "clear"]);
    assert!(out.status.success());
    let out = h.run(&["models", "auth", "order", "get", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["stored"].is_null());
    // Without an explicit order, tokens come before API keys.
    assert_eq!(v["effective"][0], "anthropic:manual");

    let out = h.run(&["models", "auth", "order", "set", "anthropic:nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No credentials found for profile"));
}

#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let h = Home::new();
    // Conflicting flags.
    let out = h.run(&["models", "status", "--json", "--plain"]);
    assert_eq!(out.status.code(), Some(2));
    // Unknown provider for setup-token.
    let out = h.run(&["models", "auth", "setup-token", "--provider", "openai"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("anthropic"));
    // Malformed duration.
    let out = h.run(&[
        "models",
        "auth",
        "paste-token",
        "--provider",
        "anthropic",
        "--expires-in",
        "3 fortnights",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // A non-setup-token pasted.
    let out = h.run_stdin(
        &["models", "auth", "paste-token", "--provider", "anthropic"],
        "sk-ant-api03-notatoken\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: Expected token starting with sk-ant-oat01-"
    );
    let out = h.run_stdin(
        &["models", "auth", "paste-token", "--provider", "anthropic"],
        "sk-ant-oat01-short\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Token looks too short"));
    assert!(!h.store().exists(), "nothing written");
    assert!(!h.state().join("clawdbot.json").exists(), "nothing written");

    // An unreadable config: one error naming file and position, exit 1.
    h.write_config("{ agents: { defaults: { model: 42 } } }");
    let out = h.run(&["models", "status"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("clawdbot.json"), "{err}");
    let out = h.run(&["config", "validate"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn status_check_exit_codes() {
    let h = Home::new();
    // No auth at all: the default model's provider is missing → 1.
    let out = h.run(&["models", "status", "--check", "--plain"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).trim(), "anthropic/claude-opus-4-5");
    // A token expiring within 24 h → 2.
    let out = h.run_stdin(
        &[
            "models",
            "auth",
            "paste-token",
            "--provider",
            "anthropic",
            "--expires-in",
            "2h",
        ],
        &token(),
    );
    assert!(out.status.success());
    let out = h.run(&["models", "status", "--check", "--json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn send_against_the_mock_streams_and_records_usage() {
    let server = MockServer::start_background().unwrap();
    server.enqueue(MockReply::text("pong from the mock"));
    server.enqueue(MockReply::text("second"));
    let h = Home::new();
    h.write_config(&format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", api: \"anthropic-messages\" }} }} }} }}",
        server.url()
    ));
    let out = h.run(&[
        "onboard",
        "--non-interactive",
        "--auth-choice",
        "apiKey",
        "--anthropic-api-key",
        KEY,
    ]);
    assert!(out.status.success());

    let out = h.run(&["send", "--message", "ping"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "pong from the mock");
    assert_no_secret(&out, KEY);

    let out = h.run(&["send", "--message", "ping", "--no-stream", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profileId"], "anthropic:default");
    assert_eq!(v["message"]["content"][0]["text"], "second");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].header("x-api-key"), Some(KEY));
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(h.store()).unwrap()).unwrap();
    assert_eq!(
        store["usageStats"]["anthropic:default"]["errorCount"],
        serde_json::json!(0)
    );
    assert!(store["usageStats"]["anthropic:default"]["lastUsed"].is_u64());
}

#[test]
fn send_without_credentials_explains_per_agent_auth() {
    let h = Home::new();
    let out = h.run(&["send", "--agent", "work", "--message", "hi"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: No API key found for provider \"anthropic\"."),
        "{err}"
    );
    assert!(err.contains("--agent work"), "{err}");
}

/// The README's first command: `examples/quickstart.rs` runs the whole pipeline offline and ends
/// with the profile's `usageStats` written to the store. (`cargo test` builds the examples.)
#[test]
fn quickstart_example_runs_offline() {
    let exe = std::env::current_exe().unwrap();
    let debug_dir = exe.parent().unwrap().parent().unwrap();
    let quickstart = debug_dir.join("examples/quickstart");
    if !quickstart.exists() {
        eprintln!("skipped: {} not built", quickstart.display());
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(&quickstart)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("cache TTL:     1h"), "{stdout}");
    assert!(stdout.contains("extended-cache-ttl-2025-04-11"), "{stdout}");
    assert!(stdout.contains("\"lastUsed\":"), "{stdout}");
    assert!(stdout.contains("\"errorCount\":0"), "{stdout}");
    assert!(!stdout.contains("QUICKSTART-not-a-real-key"), "{stdout}");
}
