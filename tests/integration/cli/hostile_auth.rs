//! Hostile or unusual input around credentials, the store and the paths, through the binary:
//! keys with line breaks, a missing `$HOME`, odd agent ids, pasted keys in the model field.
#![cfg(feature = "cli")]

use crate::support::{Home, key, secret_core, text};
use serde_json::json;

/// A key with a CR/LF (or any control character or space) is refused when stored, and one
/// already in the store is flagged by `models status`, fails `--check` and is never chosen.
#[test]
fn keys_with_line_breaks_are_refused_and_flagged() {
    let h = Home::new();
    let evil = format!("{}\r\nX-Evil: 1", key('E'));
    let out = h.onboard_api_key(&evil);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("control characters"), "{err}");
    assert!(!err.contains(&secret_core(&key('E'))), "{err}");
    assert!(!h.store().exists());
    for bad in [format!("{}\tx", key('T')), format!("{}\u{7f}", key('T'))] {
        let out = h.onboard_api_key(&bad);
        assert!(!out.status.success());
        assert!(!h.store().exists());
    }

    // Written by something else: flagged, skipped, and `--check` fails.
    h.write_store(
        "main",
        &json!({"version": 1, "profiles": {
            "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": evil},
        }}),
    );
    let out = h.run(&["models", "status"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("control characters"), "{all}");
    assert!(!all.contains("X-Evil"), "{all}");
    assert!(!all.contains('\r'), "{all:?}");
    let out = h.run(&["models", "status", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let out = h.run(&["models", "status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["auth"]["unsendableProfiles"],
        json!(["anthropic:default"])
    );
    assert!(v["active"].get("profileId").is_none(), "{v}");
}

/// Without `$HOME` the account's home from the password database is used, never the working
/// directory.
#[test]
fn no_home_uses_the_account_home_never_the_working_directory() {
    let cwd = Home::new();
    let out = cwd
        .cmd(&["models", "status", "--json"])
        .env_remove("HOME")
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!cwd.path().join(".clawdbot").exists(), "{all}");
    assert!(!all.contains("./.clawdbot"), "{all}");
    if out.status.success() {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let store = v["auth"]["storePath"].as_str().unwrap();
        assert!(store.starts_with("~/.clawdbot/agents/"), "{store}");
    }
}

/// Agent ids are normalised as Clawdbot does: onboarding writes where the gateway reads.
#[test]
fn agent_ids_are_normalised_like_clawdbot() {
    for (id, dir) in [("My Agent", "my-agent"), ("work.bot", "work-bot")] {
        let h = Home::new();
        h.write_config(&format!(
            "{{agents:{{list:[{{id:\"{id}\",default:true}}]}}}}"
        ));
        let out = h.onboard_api_key(&key('A'));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(h.store_path(dir).exists(), "{id}");
        let out = h.run(&["models", "status", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["agentId"], dir, "{v}");
        assert_eq!(v["active"]["profileId"], "anthropic:default", "{v}");
        // An explicit `--agent` is normalised the same way.
        let out = h.run(&["models", "status", "--json", "--agent", id]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["agentId"], dir, "{v}");
    }
}

/// A key pasted into the model field is masked in every warning.
#[test]
fn a_key_in_the_model_field_is_masked() {
    let h = Home::new();
    let k = key('M');
    h.write_config(&format!("{{agents:{{defaults:{{model:\"{k}\"}}}}}}"));
    for args in [
        &["config", "validate"][..],
        &["config", "validate", "--json"],
        &["models", "status"],
        &["models", "status", "--json"],
    ] {
        let out = h.run(args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains("without provider"), "{args:?}: {all}");
        let warnings: String = all
            .lines()
            .filter(|l| l.contains("without provider"))
            .collect();
        assert!(!warnings.contains(&secret_core(&k)), "{args:?}: {warnings}");
        if args[0] == "models" {
            // Nowhere in the report either (the "Default:" line, `defaultModel`, …).
            assert!(!all.contains(&secret_core(&k)), "{args:?}: {all}");
        }
    }
}

/// A lock left by a killed writer: `send` prints its reply, says at once that it waits for the
/// lock (and why), takes the lock over when it turns stale and records the success.
#[cfg(feature = "mock")]
#[test]
fn send_after_a_killed_writer_says_it_waits_for_the_lock() {
    use claw_anthropic::mock::{MockReply, MockServer};
    use std::time::{Duration, SystemTime};
    let server = MockServer::start_background().unwrap();
    server.enqueue(MockReply::text("pong"));
    let h = Home::new();
    h.write_config(&format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", api: \"anthropic-messages\" }} }} }} }}",
        server.url()
    ));
    h.write_store(
        "main",
        &json!({"version": 1, "profiles": {
            "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": key('L')},
        }}),
    );
    // The lock of a writer killed 29 s ago: it missed its refreshes and turns stale at 30 s.
    let lock = h.store().with_file_name("auth-profiles.json.lock");
    std::fs::create_dir(&lock).unwrap();
    std::fs::File::open(&lock)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(29))
        .unwrap();
    let out = h.run(&["send", "--message", "ping"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "pong");
    let err = text(&out.stderr);
    assert!(err.contains("waiting for the store lock"), "{err}");
    assert!(err.contains("has probably exited"), "{err}");
    assert!(!lock.exists());
    let store = h.read_store("main");
    assert_eq!(store["usageStats"]["anthropic:default"]["errorCount"], 0);
}

/// `models auth order set` refuses another provider's profile, a blank provider and
/// duplicates, writing nothing.
#[test]
fn order_set_refuses_what_clawdbot_would_not_use() {
    let h = Home::new();
    h.write_store(
        "main",
        &json!({"version": 1, "profiles": {
            "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": key('A')},
            "openai:manual": {"type": "api_key", "provider": "openai", "key": key('O')},
        }}),
    );
    let before = std::fs::read_to_string(h.store()).unwrap();
    for args in [
        &["models", "auth", "order", "set", "openai:manual"][..],
        &[
            "models",
            "auth",
            "order",
            "set",
            "--provider",
            "",
            "anthropic:default",
        ],
        &[
            "models",
            "auth",
            "order",
            "set",
            "anthropic:default",
            "anthropic:default",
        ],
        &["models", "auth", "order", "set", "anthropic:unknown"],
    ] {
        let out = h.run(args);
        assert!(!out.status.success(), "{args:?}: {}", text(&out.stdout));
        assert!(!text(&out.stderr).trim().is_empty(), "{args:?}");
        assert_eq!(
            std::fs::read_to_string(h.store()).unwrap(),
            before,
            "{args:?}"
        );
    }
    let out = h.run(&["models", "auth", "order", "set", "anthropic:default"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        h.read_store("main")["order"],
        json!({"anthropic": ["anthropic:default"]})
    );
}
