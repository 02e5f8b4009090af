//! The resolution chain (docs/compatibility.md), per-agent isolation, failover, setup-token
//! upserts.

use crate::support::*;
use claw_anthropic::auth::setup_token::{
    upsert_api_key_profile, upsert_token_profile, upsert_token_profile_report,
};
use claw_anthropic::auth::{CredentialKind, CredentialSource};
use claw_anthropic::env::EnvSource;
use claw_anthropic::{AgentId, Error, FailureReason};
use secrecy::ExposeSecret;
use serde_json::json;
use std::time::Duration;

fn two_keys() -> serde_json::Value {
    json!({"version": 1, "profiles": {
        "anthropic:a": {"type": "api_key", "provider": "anthropic", "key": key('A')},
        "anthropic:b": {"type": "api_key", "provider": "anthropic", "key": key('B')}},
        "usageStats": {"anthropic:a": {"lastUsed": 1}, "anthropic:b": {"lastUsed": 2}}})
}

#[test]
fn profiles_come_first_then_env_then_config() {
    let home = Home::new();
    home.write_store("main", &two_keys());
    let cfg_key = key('C');
    let config = home.config(
        &format!(r#"{{models: {{providers: {{anthropic: {{apiKey: "{cfg_key}"}}}}}}}}"#),
        &[
            ("ANTHROPIC_API_KEY", &key('E')),
            ("ANTHROPIC_OAUTH_TOKEN", &setup_token('O')),
        ],
    );
    let (auth, _clock) = home.auth(config.clone(), "main", NOW);
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
    assert_eq!(r.kind, CredentialKind::ApiKey);
    assert_eq!(r.secret.expose_secret(), key('A'));
    assert_eq!(r.label, "profile anthropic:a (api_key)");

    // Both in cooldown → ANTHROPIC_OAUTH_TOKEN (a token, no warning).
    auth.mark_failure("anthropic:a", FailureReason::RateLimit)
        .unwrap();
    auth.mark_failure("anthropic:b", FailureReason::Auth)
        .unwrap();
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(r.label, "env: ANTHROPIC_OAUTH_TOKEN");
    assert_eq!(r.kind, CredentialKind::Token);
    assert_eq!(
        r.source,
        CredentialSource::Env {
            name: "ANTHROPIC_OAUTH_TOKEN".into(),
            source: EnvSource::Process
        }
    );
    assert!(
        r.warnings.iter().any(|w| w.contains("cooldown")),
        "{:?}",
        r.warnings
    );

    // Without the OAuth variable → ANTHROPIC_API_KEY.
    let config = home.config(
        &format!(r#"{{models: {{providers: {{anthropic: {{apiKey: "{cfg_key}"}}}}}}}}"#),
        &[("ANTHROPIC_API_KEY", &key('E'))],
    );
    let (auth, _clock) = home.auth(config, "main", NOW);
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(r.label, "env: ANTHROPIC_API_KEY");
    assert_eq!(r.kind, CredentialKind::ApiKey);
    assert_eq!(r.secret.expose_secret(), key('E'));

    // Without env → models.providers.anthropic.apiKey.
    let config = home.config(
        &format!(r#"{{models: {{providers: {{anthropic: {{apiKey: " {cfg_key} "}}}}}}}}"#),
        &[],
    );
    let (auth, _clock) = home.auth(config, "main", NOW);
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(
        r.source,
        CredentialSource::ConfigApiKey {
            provider: "anthropic".into()
        }
    );
    assert_eq!(r.secret.expose_secret(), cfg_key);
    assert_eq!(r.label, "models.providers.anthropic.apiKey");
}

#[test]
fn env_block_and_token_sniffing() {
    let home = Home::new();
    let tok = setup_token('S');
    let config = home.config(&format!(r#"{{env: {{ANTHROPIC_API_KEY: "{tok}"}}}}"#), &[]);
    let (auth, _clock) = home.auth(config, "main", NOW);
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(r.kind, CredentialKind::Token);
    assert_eq!(r.label, "env: ANTHROPIC_API_KEY");
    assert!(matches!(
        r.source,
        CredentialSource::Env {
            source: EnvSource::ConfigBlock,
            ..
        }
    ));
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("setup-token"));
    assert!(!r.warnings[0].contains(&tok[12..]), "no secret in warnings");
    // A token stored as api_key stays api_key: the kind comes from the profile type.
    home.write_store(
        "main",
        &json!({"version": 1, "profiles": {"anthropic:k": {"type": "api_key", "provider": "anthropic", "key": tok}}}),
    );
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(r.kind, CredentialKind::ApiKey);
}

#[test]
fn explicit_profile_and_errors() {
    let home = Home::new();
    home.write_store("main", &two_keys());
    let (auth, _clock) = home.auth(
        home.config("{}", &[("ANTHROPIC_API_KEY", &key('E'))]),
        "main",
        NOW,
    );
    // Explicit wins over the order, even in cooldown.
    auth.mark_failure("anthropic:b", FailureReason::RateLimit)
        .unwrap();
    let r = auth
        .resolve("anthropic", Some("anthropic:b"), None)
        .unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:b"));
    // Missing explicit profile: no fallback to anything else.
    let e = auth
        .resolve("anthropic", Some("anthropic:nope"), None)
        .unwrap_err();
    assert!(matches!(e, Error::NoCredentialsForProfile { .. }));
    assert!(
        e.to_string()
            .starts_with("No credentials found for profile \"anthropic:nope\"."),
        "{e}"
    );
    assert!(e.to_string().contains("models status"), "{e}");
    // Preferred (session pin) goes first.
    let r = auth
        .resolve("anthropic", None, Some("anthropic:a"))
        .unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
    // A preferred profile in cooldown is skipped.
    let r = auth
        .resolve("anthropic", None, Some("anthropic:b"))
        .unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
}

#[test]
fn no_credentials_at_all() {
    let home = Home::new();
    let (auth, _clock) = home.auth(home.config("{}", &[]), "work", NOW);
    let e = auth.resolve("anthropic", None, None).unwrap_err();
    assert!(matches!(e, Error::NoApiKey { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("No API key found for provider \"anthropic\"."),
        "{msg}"
    );
    assert!(msg.contains("agent \"work\""), "{msg}");
    assert!(
        msg.contains(&home.store_path("work").display().to_string()),
        "{msg}"
    );
}

#[test]
fn all_unusable_names_the_soonest() {
    let home = Home::new();
    home.write_store("main", &two_keys());
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    auth.mark_failure("anthropic:a", FailureReason::Billing)
        .unwrap(); // 5 h
    auth.mark_failure("anthropic:b", FailureReason::RateLimit)
        .unwrap(); // 1 min
    let e = auth.resolve("anthropic", None, None).unwrap_err();
    match &e {
        Error::NoAvailableProfile {
            soonest_profile,
            soonest_available_ms,
            ..
        } => {
            assert_eq!(soonest_profile.as_deref(), Some("anthropic:b"));
            assert_eq!(*soonest_available_ms, Some(NOW + MIN));
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .starts_with("No available auth profile for anthropic (all in cooldown/unavailable)."),
        "{e}"
    );
    assert!(e.to_string().contains("unusableProfiles"), "{e}");
}

#[test]
fn cooldown_expiry_makes_a_profile_usable_again() {
    let home = Home::new();
    home.write_store("main", &two_keys());
    let (auth, clock) = home.auth(home.config("{}", &[]), "main", NOW);
    auth.mark_failure("anthropic:a", FailureReason::RateLimit)
        .unwrap();
    assert_eq!(
        auth.resolve("anthropic", None, None)
            .unwrap()
            .profile_id
            .as_deref(),
        Some("anthropic:b")
    );
    clock.advance(Duration::from_millis(MIN));
    assert_eq!(
        auth.resolve("anthropic", None, None)
            .unwrap()
            .profile_id
            .as_deref(),
        Some("anthropic:a")
    );
}

#[test]
fn failover_walks_profiles_only() {
    let home = Home::new();
    home.write_store("main", &two_keys());
    let (auth, _clock) = home.auth(
        home.config("{}", &[("ANTHROPIC_API_KEY", &key('E'))]),
        "main",
        NOW,
    );
    let first = auth.resolve("anthropic", None, None).unwrap();
    let mut tried = vec![first.profile_id.clone().unwrap()];
    auth.mark_failure(&tried[0], FailureReason::Auth).unwrap();
    let next = auth.resolve_excluding("anthropic", &tried).unwrap();
    assert_eq!(next.profile_id.as_deref(), Some("anthropic:b"));
    tried.push("anthropic:b".into());
    let e = auth.resolve_excluding("anthropic", &tried).unwrap_err();
    assert!(matches!(e, Error::NoAvailableProfile { .. }), "{e}");
}

#[test]
fn auth_is_per_agent_and_copy_is_explicit() {
    let home = Home::new();
    home.write_store("main", &two_keys());
    let config = home.config("{}", &[]);
    let (work, _clock) = home.auth(config.clone(), "work", NOW);
    assert!(matches!(
        work.resolve("anthropic", None, None).unwrap_err(),
        Error::NoApiKey { .. }
    ));
    assert!(
        !home.store_path("work").exists(),
        "no clone of main's store"
    );
    let copied = work.copy_profiles_from(&AgentId::main()).unwrap();
    assert_eq!(copied, ["anthropic:a", "anthropic:b"]);
    let r = work.resolve("anthropic", None, None).unwrap();
    assert!(r.is_profile());
    // Usage statistics are not copied.
    assert!(home.read_store("work").get("usageStats").is_none());
    assert!(matches!(
        work.copy_profiles_from(&AgentId::parse("work").unwrap()),
        Err(Error::InvalidArgument(_))
    ));
    // An agent dir from config is honoured.
    let custom = home.path().join("custom-agent");
    let config = home.config(
        &format!(
            r#"{{agents: {{list: [{{id: "ops", agentDir: "{}"}}]}}}}"#,
            custom.display()
        ),
        &[],
    );
    let (ops, _clock) = home.auth(config, "ops", NOW);
    assert_eq!(ops.store_path(), custom.join("auth-profiles.json"));
}

#[test]
fn secrets_never_in_errors_or_debug() {
    let home = Home::new();
    home.write_store("main", &two_keys());
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    let r = auth.resolve("anthropic", None, None).unwrap();
    let dbg = format!("{r:?} {auth:?} {:?}", auth.load_store().unwrap());
    assert!(
        !dbg.contains(&key('A')) && !dbg.contains(&key('B')),
        "{dbg}"
    );
    auth.mark_failure("anthropic:a", FailureReason::Auth)
        .unwrap();
    auth.mark_failure("anthropic:b", FailureReason::Auth)
        .unwrap();
    let e = auth.resolve("anthropic", None, None).unwrap_err();
    assert!(!format!("{e} {e:?}").contains("AAAAAAAA"));
}

#[test]
fn upserts_write_store_and_config_metadata() {
    let home = Home::new();
    std::fs::create_dir_all(home.config_path().parent().unwrap()).unwrap();
    let original =
        "// keep me\n{\n  agents: { defaults: { model: \"anthropic/claude-opus-4-5\" } },\n}\n";
    std::fs::write(home.config_path(), original).unwrap();
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);

    let tok = setup_token('P');
    let id = upsert_token_profile(
        &auth,
        "Anthropic",
        &format!("  {tok}\n"),
        None,
        Some(Duration::from_secs(86_400)),
    )
    .unwrap();
    assert_eq!(id, "anthropic:manual");
    let id2 = upsert_api_key_profile(&auth, &key('K'), None).unwrap();
    assert_eq!(id2, "anthropic:default");
    let store = home.read_store("main");
    assert_eq!(
        store["profiles"]["anthropic:manual"],
        json!({"type": "token", "provider": "anthropic", "token": tok, "expires": NOW + 86_400_000})
    );
    assert_eq!(
        store["profiles"]["anthropic:default"],
        json!({"type": "api_key", "provider": "anthropic", "key": key('K')})
    );
    let text = std::fs::read_to_string(home.config_path()).unwrap();
    assert!(text.starts_with("// keep me\n"), "{text}");
    let v: serde_json::Value = json5::from_str(&text).unwrap();
    assert_eq!(
        v["auth"]["profiles"],
        json!({"anthropic:manual": {"provider": "anthropic", "mode": "token"},
               "anthropic:default": {"provider": "anthropic", "mode": "api_key"}})
    );
    assert_eq!(
        v["agents"]["defaults"]["model"],
        "anthropic/claude-opus-4-5"
    );

    // The reloaded config + store resolve the token first (token < api_key).
    let config = std::sync::Arc::new(
        claw_anthropic::Config::load_with(home.paths(), claw_anthropic::EnvView::empty()).unwrap(),
    );
    let (auth, _clock) = home.auth(config, "main", NOW);
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:manual"));
    assert_eq!(r.kind, CredentialKind::Token);

    // Blank input is rejected before anything is written.
    assert!(upsert_api_key_profile(&auth, "  ", None).is_err());
    assert!(matches!(
        upsert_token_profile(&auth, "anthropic", " ", None, None),
        Err(Error::InvalidSetupToken(m)) if m == "Required"
    ));
}

#[test]
fn unparseable_config_is_left_alone_on_upsert() {
    let home = Home::new();
    std::fs::create_dir_all(home.config_path().parent().unwrap()).unwrap();
    let broken = "{ agents: [[[ \n";
    std::fs::write(home.config_path(), broken).unwrap();
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    let report = upsert_token_profile_report(
        &auth,
        "anthropic",
        &setup_token('Q'),
        Some("anthropic:work"),
        None,
    )
    .unwrap();
    assert_eq!(report.profile_id, "anthropic:work");
    assert!(!report.config.changed);
    assert!(report.config.warning.unwrap().contains("did not update"));
    assert_eq!(std::fs::read_to_string(home.config_path()).unwrap(), broken);
    assert!(home.read_store("main")["profiles"]["anthropic:work"].is_object());
}
