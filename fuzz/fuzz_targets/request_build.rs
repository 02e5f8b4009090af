//! A Messages request from JSON, through every pre-send check and the dry-run rendering.
#![no_main]

use claw_anthropic::Config;
use claw_anthropic::auth::credential::CredentialKind;
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages};
use claw_anthropic::request::messages::MessageRequest;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        Config::from_json5(
            r#"{ agents: { defaults: { models: { "anthropic/claude-opus-4-5": { alias: "opus", params: { cacheControlTtl: "1h" } } } } } }"#,
        )
        .expect("fixed config")
    });
    let Ok(req) = serde_json::from_slice::<MessageRequest>(data) else {
        return;
    };
    let secret = secrecy::SecretString::from("sk-ant-api03-fuzz-key-0123456789".to_owned());
    for kind in [CredentialKind::ApiKey, CredentialKind::Token] {
        if let Ok(built) = build_messages(
            config,
            AuthHeader::new(kind, &secret),
            req.clone(),
            &BuildOptions::default(),
        ) {
            let _ = built.body_bytes();
            let dry = built.dry_run().to_string();
            assert!(!dry.contains("fuzz-key-0123456789"), "secret in the dry run");
        }
    }
});
