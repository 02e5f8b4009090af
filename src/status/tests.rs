use super::*;

#[test]
fn remaining_format() {
    assert_eq!(format_remaining_short(0), "0m");
    assert_eq!(format_remaining_short(30_000), "1m");
    assert_eq!(format_remaining_short(59 * 60_000), "59m");
    assert_eq!(format_remaining_short(5 * 3_600_000), "5h");
    assert_eq!(format_remaining_short(72 * 3_600_000), "3d");
}

/// Each warning appears once in the report, though the config loader and the report both
/// notice a model without provider.
#[test]
fn warnings_are_listed_once() {
    use crate::env::EnvView;
    use crate::paths::Paths;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_state_dir(dir.path().join(".clawdbot"));
    let config = Config::from_json5_with(
        r#"{agents:{defaults:{model:"claude-x"}}}"#,
        paths,
        EnvView::empty(),
    )
    .unwrap();
    let config = Arc::new(config);
    let store = config.auth_store_path(&AgentId::main());
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    std::fs::write(&store, r#"{"version":1,"profiles":{}}"#).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
    let report = StatusReport::build(&config, None).unwrap();
    let count = |needle: &str| {
        report
            .warnings
            .iter()
            .filter(|w| w.contains(needle))
            .count()
    };
    assert_eq!(count("without provider"), 1, "{:#?}", report.warnings);
    assert_eq!(
        count("readable by other users"),
        1,
        "{:#?}",
        report.warnings
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["warnings"].as_array().unwrap().len(), 2, "{json}");
}

/// 2026-12-05 18:35:42 UTC.
const NOW: u64 = 1_796_495_742_000;

/// The report at [`NOW`] for a config loaded from `config_text` whose main agent's store holds
/// `store_text`; the config is returned too.
fn report_at_now(config_text: &str, store_text: &str) -> (StatusReport, Arc<Config>) {
    use crate::clock::ManualClock;
    use crate::env::EnvView;
    use crate::paths::Paths;
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_state_dir(dir.path().join(".clawdbot"));
    let config = Arc::new(Config::from_json5_with(config_text, paths, EnvView::empty()).unwrap());
    let store = config.auth_store_path(&AgentId::main());
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    std::fs::write(&store, store_text).unwrap();
    let opts = StatusOptions {
        clock: Arc::new(ManualClock::new(NOW)),
        ..StatusOptions::default()
    };
    (StatusReport::build_with(&config, &opts).unwrap(), config)
}

/// A cooldown end reads as a time in the text report, not as a number.
#[test]
fn cooldown_end_in_text() {
    // The cooldown ends ten minutes after NOW.
    let now = NOW;
    let body = serde_json::json!({
        "version": 1,
        "profiles": {"anthropic:x": {
            "type": "api_key", "provider": "anthropic",
            "key": "sk-ant-api03-0123456789abcdef0123456789"
        }},
        "usageStats": {"anthropic:x": {"cooldownUntil": now + 600_000, "errorCount": 1}}
    });
    let (report, _) = report_at_now("{}", &body.to_string());
    let text = report.render_text(false);
    assert!(
        text.contains("- anthropic:x cooldown, available again in 10m, at 18:45:42 UTC\n"),
        "{text}"
    );
    assert_eq!(report.auth.unusable_profiles[0].until, now + 600_000);
}

/// A cooldown end beyond `i64::MAX` ms is shown as the long wait it is, not as `0m`; a model
/// field holding a key is masked in the warning.
#[test]
fn far_cooldown_and_secret_model_are_shown_truthfully() {
    let pasted = "sk-ant-api03-PASTEDPASTEDPASTEDPASTED-tail";
    let body = r#"{"version":1,"profiles":{"anthropic:x":{"type":"api_key","provider":"anthropic",
            "key":"sk-ant-api03-0123456789abcdef0123456789"}},
            "usageStats":{"anthropic:x":{"cooldownUntil":1e19}}}"#;
    let (report, config) = report_at_now(
        &format!(r#"{{agents:{{defaults:{{model:"{pasted}"}}}}}}"#),
        body,
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("[cooldown 0m]"), "{json}");
    assert!(json.contains("[cooldown 115740719948d]"), "{json}");
    assert_eq!(
        report.auth.unusable_profiles[0].until,
        10_000_000_000_000_000_000
    );
    let warnings = report.warnings.join("\n");
    assert!(warnings.contains("without provider"), "{warnings}");
    assert!(!warnings.contains("PASTEDPASTED"), "{warnings}");
    assert!(!config.warnings().join("\n").contains("PASTEDPASTED"));
}

/// A token expiry beyond `i64::MAX` ms is a long way off ("ok"), not a negative remaining time
/// that reads as expired.
#[test]
fn far_token_expiry_is_ok_not_expired() {
    let token = |n: char| format!("sk-ant-oat01-{}", n.to_string().repeat(80));
    let body = format!(
        r#"{{"version":1,"profiles":{{
            "anthropic:a":{{"type":"token","provider":"anthropic","token":"{}","expires":1e19}},
            "anthropic:b":{{"type":"token","provider":"anthropic","token":"{}","expires":18446744073709551615}}}}}}"#,
        token('a'),
        token('b')
    );
    let (report, _) = report_at_now("{}", &body);
    let health = &report.auth.oauth;
    assert_eq!(health.profiles.len(), 2, "{health:#?}");
    for p in &health.profiles {
        assert_eq!(p.status, "ok", "{p:#?}");
        assert_eq!(p.remaining_ms, Some(i64::MAX), "{p:#?}");
    }
    assert_eq!(health.profiles[1].expires_at, Some(u64::MAX));
    let provider = &health.providers[0];
    assert_eq!(provider.status, "ok", "{provider:#?}");
    assert_eq!(provider.remaining_ms, Some(i64::MAX));
    assert_eq!(report.check_exit_code(), 0);
    assert!(!report.render_text(false).contains("expired"));
    assert_eq!(build::signed_remaining_ms(5, 7), -2);
    assert_eq!(build::signed_remaining_ms(0, u64::MAX), i64::MIN);
}
