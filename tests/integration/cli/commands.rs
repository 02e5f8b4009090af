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
    let out = h.onboard_api_key(KEY);
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
    let out = h.onboard_api_key(KEY);
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
    let out = h.onboard_api_key(KEY);
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

// ---------------------------------------------------------------------------------------------
// completions, pinned profiles, input limits, closed pipes, messages a person reads
// ---------------------------------------------------------------------------------------------

#[test]
fn completions_for_each_shell_name_the_subcommands() {
    let h = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = h.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        for sub in [
            "models",
            "onboard",
            "send",
            "config",
            "paste-token",
            "setup-token",
        ] {
            assert!(script.contains(sub), "{shell}: no {sub} in\n{script}");
        }
    }
    let out = h.run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A mock-backed home with `anthropic:default` (an API key) and `openai:manual` in the store.
fn home_with_two_providers(server: &MockServer) -> Home {
    let h = Home::new();
    h.write_config(&format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", api: \"anthropic-messages\" }} }} }} }}",
        server.url()
    ));
    let store = serde_json::json!({"version": 1, "profiles": {
        "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": KEY},
        "openai:manual": {"type": "api_key", "provider": "openai", "key": "sk-openai-NOTANTHROPIC"},
    }});
    std::fs::create_dir_all(h.store().parent().unwrap()).unwrap();
    std::fs::write(h.store(), store.to_string()).unwrap();
    h
}

#[test]
fn send_pinned_to_an_unusable_profile_is_an_error_and_sends_nothing() {
    let server = MockServer::start_background().unwrap();
    server.enqueue(MockReply::text("must not be used"));
    let h = home_with_two_providers(&server);
    for args in [
        &[
            "send",
            "--message",
            "hi",
            "--profile",
            "openai:manual",
            "--json",
        ][..],
        &[
            "send",
            "--message",
            "hi",
            "--profile",
            "openai:manual",
            "--no-stream",
        ],
        &["send", "--message", "hi", "--profile", ""],
        &["send", "--message", "hi", "--profile", "", "--dry-run"],
    ] {
        let out = h.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            err.contains("belongs to provider \"openai\"") || err.contains("empty"),
            "{args:?}: {err}"
        );
        if args.contains(&"--json") {
            // --json: the error as JSON on stdout, with no attempt.
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["error"]["code"], "INVALID_ARGUMENT", "{v}");
            assert_eq!(
                v["error"]["message"].as_str(),
                err.trim_end().strip_prefix("error: "),
                "{v}"
            );
            assert_eq!(v["attempts"], serde_json::json!([]), "{v}");
        } else {
            assert!(text(&out.stdout).is_empty(), "{args:?}");
        }
    }
    assert!(server.requests().is_empty(), "nothing may be sent");
}

#[test]
fn paste_token_refuses_input_over_one_mebibyte_and_saves_nothing() {
    let h = Home::new();
    let long = format!("{}{}", token(), "T".repeat(1024 * 1024));
    let out = h.run_stdin(
        &["models", "auth", "paste-token", "--provider", "anthropic"],
        &long,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("1048576 bytes (1 MiB)"), "{err}");
    assert!(!h.store().exists(), "nothing may be saved");
}

/// Runs `args` with stdout a pipe whose reader takes 10 bytes and goes away.
fn run_into_closed_pipe(h: &Home, args: &[&str]) -> Output {
    use std::io::Read;
    let mut child = h
        .cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The read end is closed here; the rest (over a pipe buffer) cannot be written.
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let h = Home::new();
    let out = h.onboard_api_key(KEY);
    assert!(out.status.success());
    let big = "a".repeat(100 * 1024);
    let out = run_into_closed_pipe(&h, &["send", "--dry-run", "--message", &big]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));

    // A store large enough that `models status --json` exceeds a pipe buffer.
    let mut profiles = serde_json::Map::new();
    for i in 0..3000 {
        profiles.insert(
            format!("anthropic:p{i:05}"),
            serde_json::json!({"type": "api_key", "provider": "anthropic", "key": format!("{KEY}{i}")}),
        );
    }
    let store = serde_json::json!({"version": 1, "profiles": profiles});
    std::fs::write(h.store(), store.to_string()).unwrap();
    let out = run_into_closed_pipe(&h, &["models", "status", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unusable_profile_is_reported_once_with_file_and_id_without_colour_in_a_file() {
    let h = Home::new();
    let store = serde_json::json!({"version": 1, "profiles": {
        "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": KEY},
        "anthropic:num": {"type": "api_key", "provider": "anthropic", "key": 12345},
    }});
    std::fs::create_dir_all(h.store().parent().unwrap()).unwrap();
    std::fs::write(h.store(), store.to_string()).unwrap();
    for args in [
        &["models", "status"][..],
        &["send", "--dry-run", "--message", "hi"],
    ] {
        // No NO_COLOR: stderr is a pipe, so no colour anyway.
        let out = h.cmd(args).env_remove("NO_COLOR").output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("anthropic:num"))
            .collect();
        assert_eq!(lines.len(), 1, "{args:?}: once:\n{err}");
        assert!(lines[0].contains(&h.store().display().to_string()), "{err}");
        assert!(
            lines[0].contains("`key` must be a string, found a number"),
            "{err}"
        );
        assert!(
            !err.contains('\u{1b}'),
            "no ANSI escapes in a file: {err:?}"
        );
    }
}

#[test]
fn send_refuses_an_empty_message_and_another_providers_model_up_front() {
    let server = MockServer::start_background().unwrap();
    let h = home_with_two_providers(&server);
    // The library's rule and message (the same for `Client::send`, C and Python).
    for (empty, what) in [("", "is empty"), ("  \n", "is only whitespace")] {
        let out = h.run(&["send", "--message", empty]);
        assert_eq!(out.status.code(), Some(2));
        let expected =
            format!("--message: invalid request at messages[0].content: the user message {what}");
        assert!(
            text(&out.stderr).contains(&expected),
            "{}",
            text(&out.stderr)
        );
    }
    for args in [
        &["send", "--message", "hi", "--model", "openai/gpt-x"][..],
        &[
            "send",
            "--message",
            "hi",
            "--model",
            "openai/gpt-x",
            "--dry-run",
        ],
    ] {
        let out = h.run(args);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains("provider \"openai\""), "{err}");
        assert!(err.contains("talks only to Anthropic"), "{err}");
        assert!(!err.contains("ANTHROPIC_API_KEY"), "{err}");
    }
    assert!(server.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// interactive commands under a pseudo-terminal
// ---------------------------------------------------------------------------------------------

fn python3() -> Option<&'static str> {
    Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "python3")
}

/// Runs the binary on a pseudo-terminal (python3's `pty`), typing each step's text once the
/// preceding text was shown. Returns everything shown and the exit status.
fn run_on_pty(
    h: &Home,
    path_prefix: Option<&Path>,
    steps: &[(&str, &str)],
    args: &[&str],
) -> Option<(String, Option<i32>)> {
    let python = python3()?;
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pty_drive.py");
    let steps: Vec<[&str; 2]> = steps.iter().map(|(a, b)| [*a, *b]).collect();
    let mut path = std::ffi::OsString::new();
    if let Some(p) = path_prefix {
        path.push(p);
        path.push(":");
    }
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let out = Command::new(python)
        .arg(driver)
        .arg(serde_json::to_string(&steps).unwrap())
        .arg(env!("CARGO_BIN_EXE_claw-anthropic"))
        .args(args)
        .env_clear()
        .env("HOME", h.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .current_dir(h.path())
        .output()
        .unwrap();
    Some((text(&out.stdout), out.status.code()))
}

#[test]
fn interactive_onboard_shows_no_stray_profile_id_after_the_hidden_prompt() {
    let h = Home::new();
    let Some((shown, code)) = run_on_pty(
        &h,
        None,
        &[("Anthropic API key: ", &format!("{KEY}\r"))],
        &["onboard", "--auth-choice", "apiKey"],
    ) else {
        eprintln!("skipped: python3 is not installed");
        return;
    };
    assert_eq!(code, Some(0), "{shown}");
    let after = &shown[shown.find("Anthropic API key: ").expect(&shown)..];
    let saved = after.find("Saved anthropic:default").expect(&shown);
    assert!(
        !after[..saved].contains("anthropic:default"),
        "a stray line between the prompt and \"Saved\":\n{shown:?}"
    );
    let store = std::fs::read_to_string(h.store()).unwrap();
    assert!(store.contains(KEY));
}

#[test]
fn setup_token_shows_claudes_sign_in_on_the_terminal_and_stores_its_token() {
    let h = Home::new();
    let bin = h.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let claude = bin.join("claude");
    let tok = token();
    std::fs::write(
        &claude,
        format!(
            "#!/bin/sh\n\
             echo 'Open https://claude.ai/oauth/authorize?code=STANDIN to sign in'\n\
             printf 'Paste code here: '\n\
             read code\n\
             echo \"code $code accepted\"\n\
             echo 'Your token: {tok}'\n"
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let Some((shown, code)) = run_on_pty(
        &h,
        Some(&bin),
        &[("Paste code here: ", "abc123\r")],
        &["models", "auth", "setup-token"],
    ) else {
        eprintln!("skipped: python3 is not installed");
        return;
    };
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("https://claude.ai/oauth/authorize?code=STANDIN"),
        "the sign-in URL must reach the screen: {shown}"
    );
    assert!(
        shown.contains("code abc123 accepted"),
        "typed input reaches claude: {shown}"
    );
    assert!(shown.contains("Saved anthropic:manual"), "{shown}");
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(h.store()).unwrap()).unwrap();
    assert_eq!(store["profiles"]["anthropic:manual"]["token"], tok.as_str());
}
