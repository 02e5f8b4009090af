//! `send --json` attempts and cost, the JSON report of a failed `send --json`, `send --verbose`
//! lines, `CLAW_LOG=debug` spans.
#![cfg(all(feature = "cli", feature = "mock"))]

use crate::support::{Home, canary_key, secret_core, text};
use claw_anthropic::mock::{MockReply, MockServer};
use serde_json::json;

fn home(server: &MockServer, key_a: &str, key_b: &str) -> Home {
    let h = Home::new();
    h.write_config(&format!(
        r#"{{ models: {{ providers: {{ anthropic: {{ baseUrl: "{}", models: [
            {{ id: "claude-opus-4-5", cost: {{ input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }} }},
        ] }} }} }} }}"#,
        server.url()
    ));
    h.write_store(
        "main",
        &json!({"version": 1, "profiles": {
            "anthropic:a": {"type": "api_key", "provider": "anthropic", "key": key_a},
            "anthropic:b": {"type": "api_key", "provider": "anthropic", "key": key_b},
        }, "order": {"anthropic": ["anthropic:a", "anthropic:b"]}}),
    );
    h
}

fn three_429s(server: &MockServer) {
    for _ in 0..3 {
        server.enqueue(
            MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after-ms", "1"),
        );
    }
}

/// `send … <flag>` (streamed or not) in a fresh state where profile a answers three 429s and
/// profile b a 401; the output and the server.
fn send_after_three_429s_then_a_401(
    ka: &str,
    kb: &str,
    stream: bool,
    flag: &str,
) -> (std::process::Output, MockServer) {
    let server = MockServer::start_background().unwrap();
    let h = home(&server, ka, kb);
    three_429s(&server);
    server.enqueue(MockReply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
    let mut a = vec![
        "send",
        "-m",
        "ping",
        "--model",
        "anthropic/claude-opus-4-5",
        flag,
    ];
    if !stream {
        a.push("--no-stream");
    }
    (h.run(&a), server)
}

#[test]
fn send_json_lists_every_attempt_and_the_cost() {
    let server = MockServer::start_background().unwrap();
    let (ka, kb) = (canary_key('a'), canary_key('b'));
    let h = home(&server, &ka, &kb);
    three_429s(&server);
    let args = ["send", "-m", "ping", "--model", "anthropic/claude-opus-4-5"];
    for stream in [false, true] {
        let mut a = args.to_vec();
        a.extend(["--json", "--verbose"]);
        if !stream {
            a.push("--no-stream");
        }
        let out = h.run(&a);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let attempts = v["attempts"].as_array().unwrap();
        let want = if stream { 1 } else { 4 };
        assert_eq!(attempts.len(), want, "{v}");
        if !stream {
            for t in &attempts[..3] {
                assert_eq!(t["profileId"], "anthropic:a");
                assert_eq!(t["model"], "anthropic/claude-opus-4-5");
                assert_eq!(t["status"], 429);
                assert_eq!(t["reason"], "rate_limit");
                assert!(t["requestId"].as_str().unwrap().starts_with("req_mock_"));
                assert!(t["durationMs"].is_u64());
            }
            assert_eq!(attempts[0]["retryDelayMs"], 1);
            assert_eq!(attempts[1]["retryDelayMs"], 1);
            assert!(attempts[2]["retryDelayMs"].is_null());
        }
        let ok = attempts.last().unwrap();
        assert_eq!(ok["profileId"], "anthropic:b");
        assert_eq!(ok["status"], 200);
        assert!(ok["reason"].is_null());
        assert_eq!(ok["requestId"], v["requestId"]);
        // Cost from the configured prices and the message's usage.
        let usage = &v["message"]["usage"];
        let input = usage["input_tokens"].as_f64().unwrap() * 5.0 / 1e6;
        let output = usage["output_tokens"].as_f64().unwrap() * 25.0 / 1e6;
        assert_eq!(v["cost"]["input"].as_f64().unwrap(), input);
        assert_eq!(v["cost"]["output"].as_f64().unwrap(), output);
        assert_eq!(v["cost"]["total"].as_f64().unwrap(), input + output);
        // --verbose: one line per attempt on stderr.
        let err = text(&out.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("attempt ")).collect();
        assert_eq!(lines.len(), want, "{err}");
        if !stream {
            assert!(
                lines[0].starts_with("attempt 1: anthropic:a anthropic/claude-opus-4-5 → HTTP 429 rate_limit (request-id req_mock_"),
                "{}",
                lines[0]
            );
            assert!(lines[0].ends_with(", retrying in 0.0 s"), "{}", lines[0]);
            assert!(lines[2].ends_with(", moving on"), "{}", lines[2]);
        }
        assert!(
            lines[want - 1].starts_with("attempt ")
                && lines[want - 1].contains("anthropic:b")
                && lines[want - 1].contains("HTTP 200 ok"),
            "{err}"
        );
        let all = format!("{}{err}", text(&out.stdout));
        assert!(!all.contains(&secret_core(&ka)) && !all.contains(&secret_core(&kb)));
    }
}

#[test]
fn send_json_has_no_cost_without_prices() {
    let server = MockServer::start_background().unwrap();
    let h = Home::new();
    h.write_config(&format!(
        r#"{{ models: {{ providers: {{ anthropic: {{ baseUrl: "{}" }} }} }} }}"#,
        server.url()
    ));
    h.write_store(
        "main",
        &json!({"version": 1, "profiles": {
            "anthropic:a": {"type": "api_key", "provider": "anthropic", "key": canary_key('a')},
        }}),
    );
    let out = h.run(&["send", "-m", "ping", "--no-stream", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("cost").is_none(), "{v}");
    assert_eq!(v["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn claw_log_debug_shows_the_request_and_attempt_spans() {
    let server = MockServer::start_background().unwrap();
    let (ka, kb) = (canary_key('a'), canary_key('b'));
    let h = home(&server, &ka, &kb);
    server.enqueue(
        MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after-ms", "1"),
    );
    let out = h
        .cmd(&[
            "send",
            "-m",
            "ping",
            "--no-stream",
            "--model",
            "anthropic/claude-opus-4-5",
        ])
        .env("CLAW_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let closes: Vec<&str> = err.lines().filter(|l| l.contains("close")).collect();
    let attempt_closes: Vec<&&str> = closes.iter().filter(|l| l.contains("attempt{")).collect();
    assert_eq!(attempt_closes.len(), 2, "{err}");
    assert!(
        attempt_closes[0].contains("http.response.status_code=429"),
        "{err}"
    );
    assert!(attempt_closes[0].contains("claw.retry_delay_ms=1"), "{err}");
    assert!(
        attempt_closes[1].contains("http.response.status_code=200"),
        "{err}"
    );
    let chat: Vec<&&str> = closes.iter().filter(|l| !l.contains("attempt{")).collect();
    assert_eq!(chat.len(), 1, "{err}");
    for f in [
        "gen_ai.operation.name=\"chat\"",
        "gen_ai.provider.name=\"anthropic\"",
        "gen_ai.request.model=\"claude-opus-4-5\"",
        "gen_ai.response.id=\"msg_mock_",
        "gen_ai.usage.input_tokens=",
        "claw.profile_id=\"anthropic:a\"",
        "claw.attempts=2",
        "gen_ai.response.finish_reasons=\"[\\\"end_turn\\\"]\"",
        "claw.cost_usd=",
    ] {
        assert!(chat[0].contains(f), "{f} missing: {err}");
    }
    assert!(!err.contains(&secret_core(&ka)) && !err.contains(&secret_core(&kb)));
}

#[test]
fn send_verbose_lists_the_attempts_of_a_failed_request_then_the_error() {
    let (ka, kb) = (canary_key('a'), canary_key('b'));
    for stream in [false, true] {
        let (out, _) = send_after_three_429s_then_a_401(&ka, &kb, stream, "--verbose");
        assert!(!out.status.success(), "stream {stream}");
        let err = text(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        let attempts: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| l.starts_with("attempt "))
            .collect();
        assert_eq!(attempts.len(), 4, "stream {stream}: {err}");
        for (i, l) in attempts[..3].iter().enumerate() {
            let head = format!(
                "attempt {}: anthropic:a anthropic/claude-opus-4-5 → HTTP 429 rate_limit (request-id req_mock_",
                i + 1
            );
            assert!(l.starts_with(&head), "{l}");
            assert!(l.contains(" ms)"), "{l}");
        }
        assert!(attempts[0].ends_with(", retrying in 0.0 s"), "{err}");
        assert!(attempts[1].ends_with(", retrying in 0.0 s"), "{err}");
        assert!(attempts[2].ends_with(", moving on"), "{err}");
        assert!(
            attempts[3].starts_with(
                "attempt 4: anthropic:b anthropic/claude-opus-4-5 → HTTP 401 auth (request-id req_mock_"
            ),
            "{err}"
        );
        assert!(attempts[3].ends_with(", giving up"), "{err}");
        // Then the error, after the attempts.
        let last_attempt = lines
            .iter()
            .rposition(|l| l.starts_with("attempt "))
            .unwrap();
        let error = lines
            .iter()
            .position(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("no error line: {err}"));
        assert!(error > last_attempt, "{err}");
        assert!(lines[error].contains("All models failed (2)"), "{err}");
        let all = format!("{}{err}", text(&out.stdout));
        assert!(!all.contains(&secret_core(&ka)) && !all.contains(&secret_core(&kb)));
    }
}

#[test]
fn send_verbose_shows_a_credential_that_could_not_be_resolved() {
    let server = MockServer::start_background().unwrap();
    let h = home(&server, &canary_key('a'), &canary_key('b'));
    let out = h.run(&[
        "send",
        "-m",
        "ping",
        "--model",
        "anthropic/claude-opus-4-5",
        "--profile",
        "anthropic:missing",
        "--verbose",
        "--no-stream",
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.first(),
        Some(
            &"attempt 1: (no profile) anthropic/claude-opus-4-5 → not sent auth (0 ms), giving up"
        ),
        "{err}"
    );
    assert!(
        lines[1..]
            .iter()
            .any(|l| l.starts_with("error: ") && l.contains("anthropic:missing")),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

/// The `error: …` line of a failed command, without the prefix.
fn error_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| panic!("no error line: {stderr}"))
}

/// Stdout of a failed `send --json`: one JSON object.
fn report(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}\n--- stderr\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

#[test]
fn send_json_reports_a_failed_request_with_its_attempts() {
    let (ka, kb) = (canary_key('a'), canary_key('b'));
    for stream in [false, true] {
        let (out, server) = send_after_three_429s_then_a_401(&ka, &kb, stream, "--json");
        assert_eq!(out.status.code(), Some(1), "stream {stream}");
        let v = report(&out);
        let err = text(&out.stderr);
        // The human message on stderr, the same text in the report.
        assert!(
            error_line(&err).starts_with("All models failed (2)"),
            "{err}"
        );
        assert_eq!(v["error"]["message"], error_line(&err), "{v}");
        assert_eq!(v["error"]["code"], "AUTH_REJECTED", "{v}");
        assert_eq!(v["error"]["reason"], "auth", "{v}");
        assert_eq!(v["error"]["status"], 401, "{v}");
        let attempts = v["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 4, "stream {stream}: {v}");
        for t in &attempts[..3] {
            assert_eq!(t["profileId"], "anthropic:a");
            assert_eq!(t["model"], "anthropic/claude-opus-4-5");
            assert_eq!(t["status"], 429);
            assert_eq!(t["reason"], "rate_limit");
            assert!(t["requestId"].as_str().unwrap().starts_with("req_mock_"));
            assert!(t["durationMs"].is_u64());
        }
        assert_eq!(attempts[0]["retryDelayMs"], 1);
        assert!(attempts[2]["retryDelayMs"].is_null());
        let last = &attempts[3];
        assert_eq!(last["profileId"], "anthropic:b");
        assert_eq!(last["status"], 401);
        assert_eq!(last["reason"], "auth");
        assert!(last["requestId"].as_str().unwrap().starts_with("req_mock_"));
        assert_eq!(v["error"]["requestId"], last["requestId"], "{v}");
        // No partial message: nothing was received.
        assert!(v.get("message").is_none(), "{v}");
        let all = format!("{}{err}", text(&out.stdout));
        assert!(!all.contains(&secret_core(&ka)) && !all.contains(&secret_core(&kb)));
        assert_eq!(server.requests().len(), 4);
    }
}

#[test]
fn send_json_reports_a_failure_before_any_try() {
    let server = MockServer::start_background().unwrap();
    let h = home(&server, &canary_key('a'), &canary_key('b'));
    // An empty message: refused before anything is read or sent (usage error, exit 2).
    for stream in [false, true] {
        let mut a = vec!["send", "-m", "", "--json"];
        if !stream {
            a.push("--no-stream");
        }
        let out = h.run(&a);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let v = report(&out);
        let err = text(&out.stderr);
        assert!(error_line(&err).starts_with("--message: "), "{err}");
        assert_eq!(
            v,
            json!({
                "error": {
                    "code": "INVALID_REQUEST",
                    "reason": null,
                    "message": error_line(&err),
                    "status": null,
                    "requestId": null,
                },
                "attempts": [],
            })
        );
    }
    // A credential that could not be resolved: the attempt the library records for it.
    let out = h.run(&[
        "send",
        "-m",
        "ping",
        "--model",
        "anthropic/claude-opus-4-5",
        "--profile",
        "anthropic:missing",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = report(&out);
    let err = text(&out.stderr);
    assert_eq!(v["error"]["message"], error_line(&err), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("anthropic:missing"),
        "{v}"
    );
    assert_eq!(v["error"]["code"], "NO_PROFILE_CREDENTIALS", "{v}");
    assert!(v["error"]["status"].is_null(), "{v}");
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{v}");
    assert!(attempts[0]["profileId"].is_null(), "{v}");
    assert!(attempts[0]["status"].is_null(), "{v}");
    assert_eq!(attempts[0]["reason"], "auth", "{v}");
    // A dry run is unchanged: its failure is on stderr only.
    let out = h.run(&[
        "send",
        "-m",
        "ping",
        "--profile",
        "anthropic:missing",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
    assert!(error_line(&text(&out.stderr)).contains("anthropic:missing"));
    assert!(server.requests().is_empty());
}

#[test]
fn send_json_reports_a_stream_cut_after_some_text_with_the_partial_message() {
    let (ka, kb) = (canary_key('a'), canary_key('b'));
    // Cut off (the body ends early), and broken by an `overloaded_error` event.
    let cases = [
        (MockReply::truncated("Hello, wor"), "STREAM"),
        (
            MockReply::stream_error("Hello, wor", "overloaded_error", "Overloaded"),
            "RATE_LIMITED",
        ),
    ];
    for (reply, code) in cases {
        let server = MockServer::start_background().unwrap();
        let h = home(&server, &ka, &kb);
        server.enqueue(reply);
        let out = h.run(&[
            "send",
            "-m",
            "ping",
            "--model",
            "anthropic/claude-opus-4-5",
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        // Only the report on stdout: the text received is in its partial message.
        let v = report(&out);
        let err = text(&out.stderr);
        assert_eq!(v["error"]["message"], error_line(&err), "{v}");
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(v["error"]["status"].is_null(), "{v}");
        assert_eq!(v["message"]["role"], "assistant", "{v}");
        assert_eq!(v["message"]["content"][0]["text"], "Hello, wor", "{v}");
        // The attempt that opened the stream, with the stream's request id.
        let attempts = v["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 1, "{v}");
        assert_eq!(attempts[0]["profileId"], "anthropic:a");
        assert_eq!(attempts[0]["status"], 200);
        assert!(
            attempts[0]["requestId"]
                .as_str()
                .unwrap()
                .starts_with("req_mock_")
        );
        assert_eq!(v["error"]["requestId"], attempts[0]["requestId"], "{v}");
        let all = format!("{}{err}", text(&out.stdout));
        assert!(!all.contains(&secret_core(&ka)) && !all.contains(&secret_core(&kb)));
        // Without --json the text is printed as it arrives, then the error.
        server.enqueue(MockReply::truncated("Hello, wor"));
        let out = h.run(&["send", "-m", "ping", "--model", "anthropic/claude-opus-4-5"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(text(&out.stdout), "Hello, wor");
    }
}
