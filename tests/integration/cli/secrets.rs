//! Secret hygiene: recognisable fake secrets (`…SECRETCANARY…`) never show up in the CLI's
//! stdout/stderr (with tracing at TRACE), the library's tracing output, error messages, `Debug`
//! output or panic messages — only their masked form. Files are created private even under a
//! permissive umask, and a world-readable store is reported.
#![cfg(all(feature = "cli", feature = "mock"))]

use crate::support::*;
use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::mask;
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages};
use claw_anthropic::status::StatusReport;
use claw_anthropic::{AgentId, Error};
use serde_json::{Value, json};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

const BIN: &str = env!("CARGO_BIN_EXE_claw-anthropic");

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "a secret leaked into {what}:\n{text}"
    );
}

/// Runs the CLI with a clean environment (`HOME` = the world's home, TRACE logging).
fn cli(home: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("HOME", home)
        .env("CLAW_LOG", "trace")
        .env("NO_COLOR", "1")
        .current_dir(home)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let label = format!("`claw-anthropic {}`", args.join(" "));
    assert_clean(
        &format!("stdout of {label}"),
        &String::from_utf8_lossy(&out.stdout),
    );
    assert_clean(
        &format!("stderr of {label}"),
        &String::from_utf8_lossy(&out.stderr),
    );
    out
}

/// A home with a config pointing at `server` and a store with an API key and a setup-token.
fn world(server: &MockServer) -> World {
    let w = World::new(&server.url(), &[]);
    w.write_store(&json!({
        "version": 1,
        "profiles": {
            "anthropic:key": {"type": "api_key", "provider": "anthropic", "key": canary_key('k')},
            "anthropic:tok": {"type": "token", "provider": "anthropic", "token": canary_token('t')},
        },
        "order": {"anthropic": ["anthropic:key", "anthropic:tok"]},
    }));
    std::fs::set_permissions(w.store_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = w.home().join(".clawdbot/clawdbot.json");
    std::fs::write(
        &cfg,
        format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\" }} }} }} }}",
            server.url()
        ),
    )
    .unwrap();
    w
}

#[test]
fn cli_status_and_dry_run_show_only_masked_secrets() {
    let server = MockServer::start_background().unwrap();
    let w = world(&server);
    let h = w.home();
    for args in [
        &["models", "status"][..],
        &["models", "status", "--json"],
        &["models", "status", "--check"],
        &["models", "auth", "order", "get", "--json"],
    ] {
        let out = cli(h, args, None, &[]);
        assert!(out.status.code().is_some(), "{args:?}");
    }
    let out = cli(h, &["models", "status", "--json"], None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let masked = mask(&canary_key('k'));
    assert!(report.to_string().contains(&masked), "{report}");

    for args in [
        &["send", "-m", "hi", "--dry-run"][..],
        &["send", "-m", "hi", "--dry-run", "--json"],
        &[
            "send",
            "-m",
            "hi",
            "--dry-run",
            "--profile",
            "anthropic:tok",
        ],
    ] {
        let out = cli(h, args, None, &[]);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let s = text(&out.stdout);
        assert!(
            s.contains(&masked) || s.contains(&mask(&canary_token('t'))),
            "masked form expected in the dry run: {s}"
        );
    }
    // Nothing was sent by a dry run or status.
    assert!(server.requests().is_empty());
}

#[test]
fn cli_send_success_and_errors() {
    let server = MockServer::start_background().unwrap();
    let w = world(&server);
    let h = w.home();
    // Success, streamed and not, with TRACE logs on stderr (hyper/reqwest included).
    let out = cli(h, &["send", "-m", "ping"], None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "pong");
    let out = cli(
        h,
        &["send", "-m", "ping", "--no-stream", "--json"],
        None,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // 401 on the key, 429 on the token: every attempt fails.
    server.on_credential(
        canary_key('k'),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    server.on_credential(
        canary_token('t'),
        MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after", "0"),
    );
    let out = cli(h, &["send", "-m", "hi", "--no-stream"], None, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("All models failed") || err.contains("HTTP"),
        "{err}"
    );
    // Both in cooldown now.
    let out = cli(h, &["send", "-m", "hi"], None, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No available auth profile"));
    let out = cli(h, &["models", "status"], None, &[]);
    assert!(out.status.success());
    // An explicit profile that 401s, streamed.
    server.reset();
    server.on_credential(
        canary_token('t'),
        MockReply::error(401, "authentication_error", "token revoked"),
    );
    let s = w.store();
    let mut s2 = s.clone();
    s2.as_object_mut().unwrap().remove("usageStats");
    w.write_store(&s2);
    let out = cli(
        h,
        &["send", "-m", "hi", "--profile", "anthropic:tok"],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("setup-token"),
        "{}",
        text(&out.stderr)
    );
    // Every request carried a real secret — and none of it reached any output above.
    assert!(server.requests().iter().all(|r| r.credential().is_some()));
}

#[test]
fn cli_bad_config_corrupt_store_and_env_secrets() {
    let server = MockServer::start_background().unwrap();
    let w = world(&server);
    let h = w.home();
    let cfg = h.join(".clawdbot/clawdbot.json");
    let key = canary_key('c');
    // A config holding a secret with a syntax error right after it.
    std::fs::write(
        &cfg,
        format!("{{ models: {{ providers: {{ anthropic: {{ apiKey: \"{key}\" ,, }} }} }} }}"),
    )
    .unwrap();
    for args in [
        &["models", "status"][..],
        &["config", "validate"],
        &["config", "validate", "--json"],
        &["send", "-m", "x", "--dry-run"],
    ] {
        let out = cli(h, args, None, &[]);
        assert!(!out.status.success(), "{args:?} accepted a broken config");
    }
    // Secrets in the wrong place or type: validation must not echo them.
    for bad in [
        format!("{{ models: {{ providers: {{ anthropic: {{ apiKey: [\"{key}\"] }} }} }} }}"),
        format!("{{ models: {{ providers: {{ anthropic: {{ apiKee: \"{key}\" }} }} }} }}"),
        format!(
            "{{ models: {{ providers: {{ anthropic: {{ headers: {{ \"x-api-key\": \"{key}\\r\\nx: y\" }} }} }} }} }}"
        ),
        format!(
            "{{ models: {{ providers: {{ anthropic: {{ headers: {{ \"{key}\\n\": \"v\" }} }} }} }} }}"
        ),
        format!(
            "{{ env: {{ vars: {{ ANTHROPIC_API_KEY: \"{key}\" }} }}, auth: {{ cooldowns: {{ billingBackoffHours: \"{key}\" }} }} }}"
        ),
    ] {
        std::fs::write(&cfg, &bad).unwrap();
        cli(h, &["config", "validate"], None, &[]);
        cli(h, &["config", "validate", "--json"], None, &[]);
        cli(h, &["models", "status", "--json"], None, &[]);
    }
    // Secrets from env and config that are valid: status shows masks only.
    std::fs::write(
        &cfg,
        format!(
            "{{ env: {{ vars: {{ ANTHROPIC_OAUTH_TOKEN: \"{}\" }} }}, models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", apiKey: \"{key}\" }} }} }} }}",
            canary_token('e'),
            server.url()
        ),
    )
    .unwrap();
    std::fs::remove_file(w.store_path()).unwrap();
    std::fs::write(
        h.join(".env"),
        format!("ANTHROPIC_API_KEY={}\n", canary_key('d')),
    )
    .unwrap();
    let env_key = canary_key('p');
    for args in [
        &["models", "status"][..],
        &["models", "status", "--json"],
        &["send", "-m", "x", "--dry-run"],
        &["send", "-m", "ping"],
    ] {
        let out = cli(h, args, None, &[("ANTHROPIC_API_KEY", &env_key)]);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
    // A corrupt store that contains a secret: the error names the file, not its content.
    std::fs::write(
        w.store_path(),
        format!("{{\"profiles\": {{\"anthropic:x\": {{\"type\": \"api_key\", \"key\": \"{key}\" "),
    )
    .unwrap();
    for args in [
        &["models", "status"][..],
        &["models", "status", "--json"],
        &["send", "-m", "x"],
        &[
            "onboard",
            "--non-interactive",
            "--anthropic-api-key",
            "sk-ant-api03-x",
        ],
    ] {
        let out = cli(h, args, None, &[]);
        assert!(!out.status.success(), "{args:?} accepted a corrupt store");
        assert!(
            text(&out.stderr).contains("auth-profiles.json"),
            "{}",
            text(&out.stderr)
        );
    }
    // The store was not rewritten.
    assert!(
        std::fs::read_to_string(w.store_path())
            .unwrap()
            .contains(&key)
    );
    // Valid JSON but the wrong shapes, with secrets inside.
    for bad in [
        json!({"profiles": [canary_key('s')]}),
        json!({"profiles": {"a:b": canary_key('s')}}),
        json!({"profiles": {"a:b": {"type": "api_key", "provider": "a", "key": 12}}, "usageStats": canary_key('s')}),
        json!({"profiles": {"a:b": {"type": "api_key", "provider": ["x"], "key": canary_key('s')}}}),
        json!({"profiles": {"a:b": {"type": canary_key('s'), "provider": "anthropic", "key": canary_key('s')}}}),
        json!({"version": canary_key('s'), "order": {"anthropic": canary_key('s')}, "lastGood": [canary_key('s')]}),
    ] {
        w.write_store(&bad);
        cli(h, &["models", "status"], None, &[]);
        cli(h, &["models", "status", "--json"], None, &[]);
        cli(h, &["send", "-m", "x", "--dry-run"], None, &[]);
    }
}

#[test]
fn cli_paste_token_and_onboard() {
    let server = MockServer::start_background().unwrap();
    let w = world(&server);
    let h = w.home();
    let short = "sk-ant-oat01-SECRETCANARY-short".to_string();
    let wrong_prefix = canary_key('w');
    for bad in [
        &short,
        &wrong_prefix,
        &format!("  {}\u{0}x", canary_token('n')),
    ] {
        let out = cli(
            h,
            &["models", "auth", "paste-token", "--provider", "anthropic"],
            Some(bad),
            &[],
        );
        assert!(!out.status.success(), "accepted {bad:?}");
    }
    let out = cli(
        h,
        &[
            "models",
            "auth",
            "paste-token",
            "--provider",
            "anthropic",
            "--profile-id",
            "anthropic:pasted",
        ],
        Some(&format!("{}\n", canary_token('g'))),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "anthropic:pasted");
    for args in [
        &[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "apiKey",
            "--anthropic-api-key",
        ][..],
        &[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "token",
            "--token",
        ],
    ] {
        let mut a: Vec<&str> = args.to_vec();
        let k = canary_key('o');
        let t = canary_token('o');
        a.push(if args.contains(&"apiKey") { &k } else { &t });
        let out = cli(h, &a, None, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    // Onboarding with a bad token, and with the key from the environment.
    let out = cli(
        h,
        &[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "token",
            "--token",
            &short,
        ],
        None,
        &[],
    );
    assert!(!out.status.success());
    let out = cli(
        h,
        &["onboard", "--non-interactive", "--auth-choice", "apiKey"],
        None,
        &[("ANTHROPIC_API_KEY", &canary_key('v'))],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // What was written has mode 0600.
    let mode = std::fs::metadata(w.store_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let out = cli(h, &["models", "status"], None, &[]);
    assert!(out.status.success());
}

#[test]
fn files_are_private_even_with_umask_zero() {
    let server = MockServer::start_background().unwrap();
    let w = World::new(&server.url(), &[]);
    let h = w.home();
    // No .clawdbot at all yet: onboarding creates every directory.
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg("umask 0; exec \"$0\" \"$@\"")
            .arg(BIN)
            .args(args)
            .env_clear()
            .env("HOME", h)
            .current_dir(h)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut c = cmd.spawn().unwrap();
        if let Some(s) = stdin {
            c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        drop(c.stdin.take());
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert_clean("stdout", &text(&out.stdout));
        assert_clean("stderr", &text(&out.stderr));
    };
    run(
        &[
            "onboard",
            "--non-interactive",
            "--anthropic-api-key",
            &canary_key('u'),
        ],
        None,
    );
    run(
        &[
            "--agent",
            "worker",
            "models",
            "auth",
            "paste-token",
            "--provider",
            "anthropic",
        ],
        Some(&canary_token('u')),
    );
    run(
        &["models", "auth", "order", "set", "anthropic:default"],
        None,
    );
    for agent in ["main", "worker"] {
        let store = h.join(format!(".clawdbot/agents/{agent}/agent/auth-profiles.json"));
        let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", store.display());
        let mut d = store.parent().unwrap();
        while d != h {
            let mode = std::fs::metadata(d).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", d.display());
            d = d.parent().unwrap();
        }
        // No temp files or lock directories left behind.
        let names: Vec<String> = std::fs::read_dir(store.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["auth-profiles.json"], "{agent}");
    }
}

#[test]
fn world_readable_store_is_reported_by_status() {
    let server = MockServer::start_background().unwrap();
    let w = world(&server);
    std::fs::set_permissions(w.store_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = cli(w.home(), &["models", "status"], None, &[]);
    assert!(out.status.success());
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(
        all.matches("readable by other users").count(),
        1,
        "the warning is shown exactly once:\n{all}"
    );
    assert!(
        text(&out.stdout).contains("chmod 600"),
        "{}",
        text(&out.stdout)
    );
    for args in [
        &["models", "status", "--check"][..],
        &["models", "status", "--plain"][..],
    ] {
        let out = cli(w.home(), args, None, &[]);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(
            all.matches("readable by other users").count(),
            1,
            "{args:?} shows the warning exactly once:\n{all}"
        );
    }
    let out = cli(w.home(), &["models", "status", "--json"], None, &[]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("readable by other users")),
        "{v}"
    );
    // Reading never "fixes" the mode behind the user's back; a write does.
    let mode = std::fs::metadata(w.store_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644);
    let out = cli(w.home(), &["models", "auth", "order", "clear"], None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mode = std::fs::metadata(w.store_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

// ---- the library, with a TRACE subscriber capturing everything ------------------------------

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn trace_buffer() -> &'static Buf {
    static BUF: OnceLock<Buf> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Buf::default();
        let writer = buf.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        buf
    })
}

fn check_debug_and_display(what: &str, e: &Error) {
    assert_clean(&format!("Display of {what}"), &e.to_string());
    assert_clean(&format!("Debug of {what}"), &format!("{e:?}"));
    assert_clean(&format!("alt Debug of {what}"), &format!("{e:#?}"));
    // A panic from `.unwrap()`/`.expect()` on this error prints exactly its Debug form.
    assert_clean(
        &format!("panic message of {what}"),
        &format!("called `Result::unwrap()` on an `Err` value: {e:?}"),
    );
}

/// The library at TRACE (this crate, reqwest, hyper), its errors and `Debug` output. The TRACE
/// subscriber is process-wide, so the check runs alone in a child process of this test binary:
/// the log then holds this test's events and no other test's.
#[test]
fn library_tracing_errors_and_debug_never_show_secrets() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &test_name(module_path!(), "library_tracing_child"),
            "--test-threads=1",
            "--nocapture",
        ])
        .env("CLAW_SECRETS_TRACE_CHILD", "1")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("library tracing check: done"),
        "the check did not run: {stdout}"
    );
}

/// Runs only in the child process started by `library_tracing_errors_and_debug_never_show_secrets`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn library_tracing_child() {
    if std::env::var_os("CLAW_SECRETS_TRACE_CHILD").is_none() {
        return;
    }
    let buf = trace_buffer();
    let server = MockServer::start().await.unwrap();
    let key = canary_key('l');
    let tok = canary_token('l');
    let w = World::with_config(
        &format!(
            "{{ env: {{ ANTHROPIC_API_KEY: \"{}\" }}, models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", apiKey: \"{}\", headers: {{ \"x-custom-token\": \"{}\" }} }} }} }} }}",
            canary_key('e'),
            server.url(),
            canary_key('f'),
            canary_key('h'),
        ),
        &[("anthropic:key", &key)],
    );
    let mut store = w.store();
    store["profiles"]["anthropic:tok"] =
        json!({"type": "token", "provider": "anthropic", "token": tok});
    store["order"]["anthropic"] = json!(["anthropic:key", "anthropic:tok"]);
    w.write_store(&store);
    let (client, _) = w.default_client();

    assert_clean("Debug of Config", &format!("{:?}", w.config));
    assert_clean("Debug of EnvView", &format!("{:?}", w.config.env()));
    assert_clean("Debug of Client", &format!("{client:?}"));
    let auth = AgentAuth::new(w.config.clone(), AgentId::main());
    let resolved = auth.resolve("anthropic", None, None).unwrap();
    assert_clean(
        "Debug of ResolvedAuth",
        &format!("{resolved:?} {resolved:#?}"),
    );
    assert_clean(
        "Debug of AuthStore",
        &format!("{:?}", auth.load_store().unwrap()),
    );

    // Dry run: masked secret.
    let built = build_messages(
        &w.config,
        AuthHeader::new(resolved.kind, &resolved.secret),
        hello(),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_clean("Debug of BuiltRequest", &format!("{built:?}"));
    let dry = built.dry_run().to_string();
    assert_clean("dry run", &dry);
    assert!(dry.contains(&mask(&key)), "{dry}");

    // Success, stream, then failures of every kind.
    let r = client.send(hello()).await.unwrap();
    assert_clean("Debug of Response", &format!("{r:?}"));
    let s = client.stream(hello()).await.unwrap();
    assert_clean("Debug of MessageStream", &format!("{s:?}"));
    s.final_message().await.unwrap();

    server.on_credential(
        key.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    server.on_credential(
        tok.clone(),
        MockReply::error(429, "rate_limit_error", "slow down").header("retry-after", "1"),
    );
    let e = client.send(hello()).await.unwrap_err();
    check_debug_and_display("AllModelsFailed", &e);
    // Both profiles now cool down: the chain goes on to the env key of the config block.
    let r = client.send(hello()).await.unwrap();
    assert_eq!(r.credential_source, "env: ANTHROPIC_API_KEY");
    assert_clean("Debug of Response via env", &format!("{r:?}"));
    let e = auth
        .resolve("anthropic", Some("anthropic:nope"), None)
        .unwrap_err();
    check_debug_and_display("NoCredentialsForProfile", &e);

    // Env / config credentials after the profiles are exhausted, 401 on each.
    server.reset();
    server.on_credential(
        canary_key('e'),
        MockReply::error(401, "authentication_error", "bad env key"),
    );
    let w2 = World::with_config(
        &format!(
            "{{ env: {{ ANTHROPIC_API_KEY: \"{}\" }}, models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\" }} }} }} }}",
            canary_key('e'),
            server.url()
        ),
        &[],
    );
    let (c2, _) = w2.default_client();
    let e = c2.send(hello()).await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    check_debug_and_display("401 from env key", &e);
    let e = c2.stream(hello()).await.unwrap_err();
    check_debug_and_display("401 stream", &e);

    // Mid-stream error and header-injection errors.
    server.reset();
    server.enqueue(MockReply::stream_error(
        "x",
        "overloaded_error",
        "Overloaded",
    ));
    let s = c2.stream(hello()).await.unwrap();
    let e = s.final_message().await.unwrap_err();
    check_debug_and_display("stream error", &e);
    let bad = claw_anthropic::Config::from_json5(&format!(
        "{{ models: {{ providers: {{ anthropic: {{ headers: {{ \"x-y\": \"{}\\r\\nx-api-key: z\" }} }} }} }} }}",
        canary_key('i')
    ));
    if let Err(e) = bad {
        check_debug_and_display("header injection config", &e);
    }
    let secret = secrecy::SecretString::from(format!("{}\r\nx-evil: 1", canary_key('j')));
    let e = build_messages(
        &w.config,
        AuthHeader::new(
            claw_anthropic::auth::credential::CredentialKind::ApiKey,
            &secret,
        ),
        hello(),
        &BuildOptions::default(),
    )
    .unwrap_err();
    check_debug_and_display("CR/LF in a key", &e);

    // Status report: JSON and text.
    let report = StatusReport::build(&w.config, None).unwrap();
    assert_clean("status JSON", &serde_json::to_string(&report).unwrap());
    assert_clean("status text", &report.render_text(false));
    assert_clean("Debug of StatusReport", &format!("{report:?}"));

    // The recorded requests did carry the secrets, so the above is not vacuous …
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.credential() == Some(canary_key('e').as_str()))
    );
    assert_clean(
        "Debug of RecordedRequest",
        &format!("{:?}", server.requests()),
    );
    // … and the TRACE log (this crate, reqwest, hyper) never saw them.
    let log = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    assert!(!log.is_empty(), "the subscriber captured nothing");
    assert_clean("TRACE output", &log);
    println!("library tracing check: done");
}
