//! Property tests: the loader never panics, whatever it is fed, and every failure is a config
//! error with at least one diagnostic.

use claw_anthropic::env::EnvSource;
use claw_anthropic::{Config, EnvView, Error, Paths};
use proptest::prelude::*;
use std::path::Path;

fn paths_for(config: &Path) -> Paths {
    Paths {
        home: Some(config.parent().unwrap().to_path_buf()),
        state_dir: config.parent().unwrap().join(".clawdbot"),
        config_path: config.to_path_buf(),
        main_agent_dir_override: None,
    }
}

fn env() -> EnvView {
    EnvView::empty().with_layer(EnvSource::Process, [("SET_VAR", "value"), ("EMPTY", "")])
}

fn check(result: claw_anthropic::Result<Config>) {
    match result {
        Ok(c) => {
            // Typed access never panics either.
            let _ = c.default_model();
            let _ = c.fallbacks();
            let _ = c.aliases();
            let _ = c.allowed_models();
            let _ = c.image_model_ref();
            let _ = c.warnings();
        }
        Err(Error::Config(e)) => {
            assert!(!e.diagnostics.is_empty());
            for d in &e.diagnostics {
                assert!(d.line.is_none_or(|l| l >= 1));
                assert!(d.column.is_none_or(|c| c >= 1));
                let _ = d.to_string();
                // Validation must catch everything the typed model would reject.
                assert!(
                    !d.message.contains("does not match the expected shape"),
                    "validator gap: {d}"
                );
            }
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

/// JSON5-ish tokens, including the loader's special syntax.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(":".to_owned()),
        Just(",".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        Just("// c\n".to_owned()),
        Just("/* c */".to_owned()),
        Just("$include".to_owned()),
        Just("'self.json5'".to_owned()),
        Just("'other.json5'".to_owned()),
        Just("'missing.json5'".to_owned()),
        Just("env".to_owned()),
        Just("vars".to_owned()),
        Just("auth".to_owned()),
        Just("profiles".to_owned()),
        Just("agents".to_owned()),
        Just("defaults".to_owned()),
        Just("models".to_owned()),
        Just("model".to_owned()),
        Just("params".to_owned()),
        Just("cacheControlTtl".to_owned()),
        Just("'5m'".to_owned()),
        Just("list".to_owned()),
        Just("id".to_owned()),
        Just("providers".to_owned()),
        Just("'${SET_VAR}'".to_owned()),
        Just("'${MISSING}'".to_owned()),
        Just("'$${X}'".to_owned()),
        Just("\"${EMPTY}\"".to_owned()),
        Just("'a/b'".to_owned()),
        Just("1".to_owned()),
        Just("-0.5".to_owned()),
        Just("0x1F".to_owned()),
        Just("Infinity".to_owned()),
        Just("NaN".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        Just("'\\u00e9\\n'".to_owned()),
        Just("\"unterminated".to_owned()),
        "[a-zA-Z_$][a-zA-Z0-9_]{0,8}",
        "\\PC{0,4}",
    ]
}

/// Structurally valid JSON documents with keys from the modeled vocabulary.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("env".to_owned()),
        Just("auth".to_owned()),
        Just("agents".to_owned()),
        Just("defaults".to_owned()),
        Just("models".to_owned()),
        Just("model".to_owned()),
        Just("primary".to_owned()),
        Just("fallbacks".to_owned()),
        Just("params".to_owned()),
        Just("maxTokens".to_owned()),
        Just("temperature".to_owned()),
        Just("providers".to_owned()),
        Just("headers".to_owned()),
        Just("list".to_owned()),
        Just("id".to_owned()),
        Just("mode".to_owned()),
        Just("cooldowns".to_owned()),
        Just("shellEnv".to_owned()),
        "[a-zA-Z/:_-]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-z0-9/$ {}_-]{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("${SET_VAR}")),
        Just(serde_json::Value::from("5m")),
        Just(serde_json::Value::from("api_key")),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("self.json5");
        std::fs::write(&p, &bytes).unwrap();
        check(Config::load_with(paths_for(&p), env()));
        check(Config::from_json5_with(&String::from_utf8_lossy(&bytes), paths_for(&p), env()));
    }

    #[test]
    fn random_json5ish_never_panics(tokens in prop::collection::vec(token(), 0..60), other in prop::collection::vec(token(), 0..20)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("self.json5");
        std::fs::write(&p, tokens.concat()).unwrap();
        std::fs::write(dir.path().join("other.json5"), other.concat()).unwrap();
        check(Config::load_with(paths_for(&p), env()));
    }

    #[test]
    fn random_documents_never_panic(v in json_value(), wrap in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("self.json5");
        let text = if wrap {
            serde_json::json!({ "agents": { "defaults": v } }).to_string()
        } else {
            v.to_string()
        };
        std::fs::write(&p, &text).unwrap();
        check(Config::load_with(paths_for(&p), env()));
    }
}
