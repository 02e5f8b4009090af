//! Profile order (docs/compatibility.md, "Profile order"), table-driven.

use claw_anthropic::Config;
use claw_anthropic::auth::order::{is_usable_now, resolve_profile_order, unusable_until};
use claw_anthropic::auth::store::{AuthStore, UsageStats};
use serde_json::{Value, json};

use crate::support::NOW;

fn api(p: &str) -> Value {
    json!({"type": "api_key", "provider": p, "key": "sk-ant-api03-k"})
}
fn tok(expires: Option<u64>) -> Value {
    match expires {
        Some(e) => {
            json!({"type": "token", "provider": "anthropic", "token": "sk-ant-oat01-t", "expires": e})
        }
        None => json!({"type": "token", "provider": "anthropic", "token": "sk-ant-oat01-t"}),
    }
}
fn oauth() -> Value {
    json!({"type": "oauth", "provider": "anthropic", "access": "a", "refresh": "r", "expires": NOW + 1})
}

struct Case {
    name: &'static str,
    config: &'static str,
    store: Value,
    preferred: Option<&'static str>,
    expect: &'static [&'static str],
}

fn run(c: &Case) {
    let config = Config::from_json5(c.config).unwrap();
    let store = AuthStore::from_value(c.store.clone()).unwrap();
    let got = resolve_profile_order(&config, &store, "anthropic", c.preferred, NOW);
    assert_eq!(got, c.expect, "case {:?}", c.name);
}

#[test]
fn order_table() {
    let cases = vec![
        Case {
            name: "type preference oauth < token < api_key, then lastUsed",
            config: "{}",
            store: json!({"profiles": {
                "anthropic:k1": api("anthropic"), "anthropic:t": tok(None),
                "anthropic:o": oauth(), "anthropic:k2": api("anthropic")},
                "usageStats": {"anthropic:k1": {"lastUsed": 10}, "anthropic:k2": {"lastUsed": 5}}}),
            preferred: None,
            expect: &["anthropic:o", "anthropic:t", "anthropic:k2", "anthropic:k1"],
        },
        Case {
            name: "missing lastUsed counts as 0 (oldest first = round robin)",
            config: "{}",
            store: json!({"profiles": {"anthropic:a": api("anthropic"), "anthropic:b": api("anthropic")},
                "usageStats": {"anthropic:a": {"lastUsed": 1}}}),
            preferred: None,
            expect: &["anthropic:b", "anthropic:a"],
        },
        Case {
            name: "lastGood is not used",
            config: "{}",
            store: json!({"profiles": {"anthropic:a": api("anthropic"), "anthropic:b": api("anthropic")},
                "lastGood": {"anthropic": "anthropic:b"},
                "usageStats": {"anthropic:a": {"lastUsed": 1}, "anthropic:b": {"lastUsed": 2}}}),
            preferred: None,
            expect: &["anthropic:a", "anthropic:b"],
        },
        Case {
            name: "store order beats config order and is kept as written",
            config: r#"{auth: {order: {anthropic: ["anthropic:a", "anthropic:b"]}}}"#,
            store: json!({"profiles": {"anthropic:a": api("anthropic"), "anthropic:b": api("anthropic"), "anthropic:o": oauth()},
                "order": {"anthropic": ["anthropic:b", "anthropic:o", "anthropic:a"]}}),
            preferred: None,
            expect: &["anthropic:b", "anthropic:o", "anthropic:a"],
        },
        Case {
            name: "config order used when the store has none; unlisted profiles excluded",
            config: r#"{auth: {order: {Anthropic: ["anthropic:k", "anthropic:o"]}}}"#,
            store: json!({"profiles": {"anthropic:o": oauth(), "anthropic:k": api("anthropic"), "anthropic:x": api("anthropic")}}),
            preferred: None,
            expect: &["anthropic:k", "anthropic:o"],
        },
        Case {
            name: "store order keys compared normalised",
            config: "{}",
            store: json!({"profiles": {"anthropic:a": api("anthropic"), "anthropic:b": api("anthropic")},
                "order": {" ANTHROPIC ": ["anthropic:b", "anthropic:a"]}}),
            preferred: None,
            expect: &["anthropic:b", "anthropic:a"],
        },
        Case {
            name: "config auth.profiles is the base list without an explicit order",
            config: r#"{auth: {profiles: {"anthropic:k": {provider: "anthropic", mode: "api_key"}}}}"#,
            store: json!({"profiles": {"anthropic:o": oauth(), "anthropic:k": api("anthropic")}}),
            preferred: None,
            expect: &["anthropic:k"],
        },
        Case {
            name: "config mode mismatch dropped; config oauth accepts a stored token",
            config: r#"{auth: {profiles: {
                "anthropic:k": {provider: "anthropic", mode: "token"},
                "anthropic:t": {provider: "anthropic", mode: "oauth"},
                "anthropic:o": {provider: "anthropic", mode: "oauth"}}}}"#,
            store: json!({"profiles": {"anthropic:k": api("anthropic"), "anthropic:t": tok(None), "anthropic:o": oauth()}}),
            preferred: None,
            expect: &["anthropic:o", "anthropic:t"],
        },
        Case {
            name: "config entry for another provider dropped",
            config: r#"{auth: {order: {anthropic: ["anthropic:k"]}, profiles: {"anthropic:k": {provider: "openai", mode: "api_key"}}}}"#,
            store: json!({"profiles": {"anthropic:k": api("anthropic")}}),
            preferred: None,
            expect: &[],
        },
        Case {
            name: "blank secrets, expired tokens and empty oauth dropped",
            config: "{}",
            store: json!({"profiles": {
                "anthropic:blank-key": {"type": "api_key", "provider": "anthropic", "key": "  "},
                "anthropic:blank-tok": {"type": "token", "provider": "anthropic", "token": ""},
                "anthropic:expired": tok(Some(NOW - 1)),
                "anthropic:expires-now": tok(Some(NOW)),
                "anthropic:zero-expiry": tok(Some(0)),
                "anthropic:future": tok(Some(NOW + 1)),
                "anthropic:no-oauth": {"type": "oauth", "provider": "anthropic", "access": " ", "expires": NOW + 5},
                "anthropic:refresh-only": {"type": "oauth", "provider": "anthropic", "refresh": "r", "expires": 1},
                "anthropic:k": api("anthropic")}}),
            preferred: None,
            expect: &[
                "anthropic:refresh-only",
                "anthropic:zero-expiry",
                "anthropic:future",
                "anthropic:k",
            ],
        },
        Case {
            name: "ids missing from the store or of another provider dropped; duplicates removed",
            config: "{}",
            store: json!({"profiles": {"anthropic:a": api("anthropic"), "openai:x": api("openai")},
                "order": {"anthropic": ["anthropic:ghost", "anthropic:a", "openai:x", "anthropic:a"]}}),
            preferred: None,
            expect: &["anthropic:a"],
        },
        Case {
            name: "explicit order: unusable moved to the end, soonest first",
            config: r#"{auth: {order: {anthropic: ["anthropic:a", "anthropic:b", "anthropic:c", "anthropic:d"]}}}"#,
            store: json!({"profiles": {"anthropic:a": api("anthropic"), "anthropic:b": api("anthropic"),
                    "anthropic:c": api("anthropic"), "anthropic:d": api("anthropic")},
                "usageStats": {
                    "anthropic:a": {"cooldownUntil": NOW + 5 * 60_000},
                    "anthropic:b": {"disabledUntil": NOW + 60_000, "disabledReason": "billing"},
                    "anthropic:c": {"cooldownUntil": NOW - 1}}}),
            preferred: None,
            expect: &["anthropic:c", "anthropic:d", "anthropic:b", "anthropic:a"],
        },
        Case {
            name: "implicit order: unusable appended by max(cooldown, disabled)",
            config: "{}",
            store: json!({"profiles": {"anthropic:o": oauth(), "anthropic:t": tok(None), "anthropic:k": api("anthropic")},
                "usageStats": {
                    "anthropic:o": {"cooldownUntil": NOW + 10, "disabledUntil": NOW + 3_000},
                    "anthropic:t": {"cooldownUntil": NOW + 2_000}}}),
            preferred: None,
            expect: &["anthropic:k", "anthropic:t", "anthropic:o"],
        },
        Case {
            name: "preferred profile goes first (even when unusable)",
            config: "{}",
            store: json!({"profiles": {"anthropic:o": oauth(), "anthropic:k": api("anthropic"), "anthropic:c": api("anthropic")},
                "usageStats": {"anthropic:c": {"cooldownUntil": NOW + 10}}}),
            preferred: Some("anthropic:c"),
            expect: &["anthropic:c", "anthropic:o", "anthropic:k"],
        },
        Case {
            name: "preferred not in the list is ignored",
            config: "{}",
            store: json!({"profiles": {"anthropic:k": api("anthropic")}}),
            preferred: Some("anthropic:nope"),
            expect: &["anthropic:k"],
        },
        Case {
            name: "preferred first with an explicit order",
            config: "{}",
            store: json!({"profiles": {"anthropic:a": api("anthropic"), "anthropic:b": api("anthropic")},
                "order": {"anthropic": ["anthropic:a", "anthropic:b"]}}),
            preferred: Some("anthropic:b"),
            expect: &["anthropic:b", "anthropic:a"],
        },
        Case {
            name: "profile providers compared normalised",
            config: "{}",
            store: json!({"profiles": {"anthropic:a": api(" Anthropic ")}}),
            preferred: None,
            expect: &["anthropic:a"],
        },
        Case {
            name: "no profiles",
            config: "{}",
            store: json!({"profiles": {}}),
            preferred: None,
            expect: &[],
        },
    ];
    for c in &cases {
        run(c);
    }
}

#[test]
fn other_providers_and_aliases() {
    let config = Config::from_json5(r#"{auth: {order: {"z.ai": ["zai:b", "zai:a"]}}}"#).unwrap();
    let store = AuthStore::from_value(json!({"profiles": {
        "zai:a": {"type": "api_key", "provider": "zai", "key": "k"},
        "zai:b": {"type": "api_key", "provider": "z-ai", "key": "k"}}}))
    .unwrap();
    assert_eq!(
        resolve_profile_order(&config, &store, "Z.AI", None, NOW),
        ["zai:b", "zai:a"]
    );
}

#[test]
fn usable_now() {
    let s = UsageStats {
        cooldown_until: Some(NOW + 10),
        disabled_until: Some(NOW + 5),
        ..Default::default()
    };
    assert_eq!(unusable_until(Some(&s)), Some(NOW + 10));
    assert!(!is_usable_now(Some(&s), NOW + 9));
    assert!(is_usable_now(Some(&s), NOW + 10));
    assert!(is_usable_now(None, NOW));
    let zero = UsageStats {
        cooldown_until: Some(0),
        ..Default::default()
    };
    assert_eq!(unusable_until(Some(&zero)), None);
    assert!(is_usable_now(Some(&zero), 0));
}

/// `set_profile_order` refuses what Clawdbot would not use (nothing is written), and an order
/// that names none of the stored profiles is explained where it bites.
#[test]
fn set_order_refuses_bad_orders_and_an_order_excluding_all_is_explained() {
    use crate::support::{Home, key};
    use claw_anthropic::Error;
    let home = Home::new();
    home.write_store(
        "main",
        &json!({"version": 1, "profiles": {
            "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": key('A')},
            "openai:manual": {"type": "api_key", "provider": "openai", "key": key('O')},
        }}),
    );
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    let before = std::fs::read_to_string(home.store()).unwrap();
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let refused = [
        (
            "anthropic",
            ids(&["openai:manual"]),
            "belongs to provider \"openai\"",
        ),
        ("", ids(&["anthropic:default"]), "missing provider"),
        ("  ", ids(&["anthropic:default"]), "missing provider"),
        ("anthropic", ids(&["anthropic:nope"]), "anthropic:nope"),
        ("anthropic", ids(&["anthropic:default", " "]), "blank"),
    ];
    for (provider, order, needle) in refused {
        let e = auth.set_profile_order(provider, Some(&order)).unwrap_err();
        assert!(
            e.to_string().contains(needle),
            "{provider:?} {order:?}: {e}"
        );
        assert_eq!(std::fs::read_to_string(home.store()).unwrap(), before);
    }
    // Duplicates are dropped, as Clawdbot's `setAuthProfileOrder` drops them (the CLI refuses
    // them, to catch a typo).
    auth.set_profile_order(
        "Anthropic",
        Some(&ids(&["anthropic:default", "anthropic:default"])),
    )
    .unwrap();
    assert_eq!(
        home.read_store("main")["order"],
        json!({"anthropic": ["anthropic:default"]})
    );

    // Written by hand (or by an older version): an order naming only unknown ids.
    let mut store = home.read_store("main");
    store["order"] = json!({"anthropic": ["anthropic:gone"]});
    home.write_store("main", &store);
    let e = auth.resolve("anthropic", None, None).unwrap_err();
    assert!(matches!(e, Error::NoApiKey { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("profile order for anthropic (anthropic:gone)"),
        "{msg}"
    );
    assert!(
        msg.contains("names none of this agent's usable anthropic profiles (anthropic:default)"),
        "{msg}"
    );
    assert!(
        msg.contains("models auth order clear --provider anthropic"),
        "{msg}"
    );
    let report = claw_anthropic::status::StatusReport::build(auth.config(), None).unwrap();
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("names none of this agent's usable anthropic profiles")),
        "{:#?}",
        report.warnings
    );
}
