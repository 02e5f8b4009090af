//! Request building (docs/compatibility.md, "Requests"): golden dry-run files and behaviour checks.
//!
//! Golden files live in `tests/fixtures/request/`;
//! `UPDATE_GOLDEN=1 cargo test --all-features --test integration request::build` rewrites them. The `user-agent` value is normalised to `claw-anthropic/<version>` so a version
//! bump does not change the files.

use claw_anthropic::auth::CredentialKind;
use claw_anthropic::request::build::{
    AuthHeader, BuildOptions, CachePolicy, betas, build_messages,
};
use claw_anthropic::request::messages::{
    CacheControl, ContentBlock, MessageContent, MessageParam, MessageRequest, SystemPrompt,
    TextBlock, ThinkingConfig, Tool,
};
use claw_anthropic::{Config, Error};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::path::PathBuf;

const API_KEY: &str = "sk-ant-api03-TESTKEYtestkeyTESTKEYtestkeyTESTKEY-abcdEFGH";
const SETUP_TOKEN: &str =
    "sk-ant-oat01-TESTTOKENtesttokenTESTTOKENtesttokenTESTTOKENtesttokenTESTTOKEN-ijklMNOP";

fn config(text: &str) -> Config {
    Config::from_json5(text).expect("test config parses")
}

fn ttl_config(ttl: &str) -> Config {
    config(&format!(
        r#"{{ agents: {{ defaults: {{ models: {{ "anthropic/claude-opus-4-5": {{ alias: "big", params: {{ cacheControlTtl: "{ttl}" }} }} }} }} }} }}"#
    ))
}

/// A small conversation: string system prompt, a tool, a tool round trip, a final user turn.
fn conversation() -> MessageRequest {
    let mut req = MessageRequest::new(
        "anthropic/claude-opus-4-5",
        vec![
            MessageParam::user("What's the weather in Paris?"),
            MessageParam::assistant(vec![
                ContentBlock::text("Let me check."),
                ContentBlock::tool_use("toolu_01", "get_weather", json!({"location": "Paris"})),
            ]),
            MessageParam::user(vec![
                ContentBlock::tool_result("toolu_01", "18°C, cloudy"),
                ContentBlock::text("And tomorrow?"),
            ]),
        ],
    );
    req.system = Some(SystemPrompt::from("You are a weather bot."));
    req.tools.push(Tool::custom(
        "get_weather",
        "Current weather for a city",
        json!({"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}),
    ));
    req.max_tokens = Some(1024);
    req
}

fn outcome(result: claw_anthropic::Result<claw_anthropic::request::BuiltRequest>) -> Value {
    match result {
        Ok(built) => {
            let mut dry = built.dry_run();
            dry["headers"]["user-agent"] = json!("claw-anthropic/<version>");
            json!({ "dry_run": dry, "warnings": built.warnings })
        }
        Err(Error::InvalidRequest { path, message }) => {
            json!({ "error": { "kind": "InvalidRequest", "path": path, "message": message } })
        }
        Err(e) => json!({ "error": { "kind": "other", "message": e.to_string() } }),
    }
}

fn golden(name: &str, actual: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/request")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    let expected: Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(
        &expected,
        actual,
        "dry run differs from {} (UPDATE_GOLDEN=1 rewrites it)\nactual:\n{text}",
        path.display()
    );
}

fn api_key() -> SecretString {
    SecretString::from(API_KEY)
}
fn token() -> SecretString {
    SecretString::from(SETUP_TOKEN)
}

#[test]
fn golden_api_key_with_ttl_1h() {
    let key = api_key();
    let built = build_messages(
        &ttl_config("1h"),
        AuthHeader::new(CredentialKind::ApiKey, &key),
        conversation(),
        &BuildOptions::default(),
    );
    let out = outcome(built);
    // The facts the golden file must show.
    assert_eq!(
        out["dry_run"]["body"]["system"][0]["cache_control"],
        json!({"type": "ephemeral", "ttl": "1h"})
    );
    assert_eq!(
        out["dry_run"]["body"]["messages"][2]["content"][1]["cache_control"],
        json!({"type": "ephemeral", "ttl": "1h"})
    );
    assert_eq!(
        out["dry_run"]["headers"]["anthropic-beta"],
        betas::EXTENDED_CACHE_TTL
    );
    assert_eq!(
        out["dry_run"]["headers"]["x-api-key"],
        "sk-ant-a...abcdEFGH"
    );
    assert!(!out.to_string().contains("TESTKEYtestkey"));
    golden("api_key_ttl_1h", &out);
}

#[test]
fn golden_api_key_without_ttl() {
    let key = api_key();
    let out = outcome(build_messages(
        &config("{}"),
        AuthHeader::new(CredentialKind::ApiKey, &key),
        conversation(),
        &BuildOptions::default(),
    ));
    let body = &out["dry_run"]["body"];
    assert_eq!(
        body["system"][0]["cache_control"],
        json!({"type": "ephemeral"})
    );
    assert_eq!(
        body["messages"][2]["content"][1]["cache_control"],
        json!({"type": "ephemeral"})
    );
    assert!(!out.to_string().contains("\"ttl\""));
    golden("api_key_no_ttl", &out);
}

#[test]
fn golden_setup_token_ignores_ttl() {
    let tok = token();
    let out = outcome(build_messages(
        &ttl_config("1h"),
        AuthHeader::new(CredentialKind::Token, &tok),
        conversation(),
        &BuildOptions::default(),
    ));
    let headers = &out["dry_run"]["headers"];
    assert_eq!(headers["authorization"], "Bearer sk-ant-o...ijklMNOP");
    assert!(headers.get("x-api-key").is_none());
    assert_eq!(headers["anthropic-beta"], betas::OAUTH);
    assert!(!out["dry_run"].to_string().contains("\"ttl\""));
    assert!(!out.to_string().contains("TESTTOKENtest"));
    let warnings = out["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().contains("cacheControlTtl"));
    golden("setup_token_ttl_ignored", &out);
}

#[test]
fn golden_config_beta_header_is_merged() {
    let key = api_key();
    let cfg = config(
        r#"{ models: { providers: { anthropic: { baseUrl: "https://api.anthropic.com/", headers: {
            "Anthropic-Beta": "foo-2025-01-01, extended-cache-ttl-2025-04-11",
            "X-Team": "weather" } } } } }"#,
    );
    let out = outcome(build_messages(
        &cfg,
        AuthHeader::new(CredentialKind::ApiKey, &key),
        conversation(),
        &BuildOptions::default(),
    ));
    assert_eq!(
        out["dry_run"]["headers"]["anthropic-beta"],
        "extended-cache-ttl-2025-04-11,foo-2025-01-01"
    );
    assert_eq!(out["dry_run"]["headers"]["x-team"], "weather");
    assert_eq!(
        out["dry_run"]["url"],
        "https://api.anthropic.com/v1/messages"
    );
    golden("config_beta_merged", &out);

    // With a token the required flag is the OAuth one, still merged with the config's.
    let tok = token();
    let built = build_messages(
        &cfg,
        AuthHeader::new(CredentialKind::Token, &tok),
        conversation(),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(
        built.header("anthropic-beta").unwrap(),
        "oauth-2025-04-20,foo-2025-01-01,extended-cache-ttl-2025-04-11"
    );
}

#[test]
fn golden_string_system_and_content_become_blocks() {
    let key = api_key();
    let req = MessageRequest::new("big", vec![MessageParam::user("Hello")])
        .with_system("Be brief.")
        .with_max_tokens(64);
    let out = outcome(build_messages(
        &ttl_config("5m"),
        AuthHeader::new(CredentialKind::ApiKey, &key),
        req,
        &BuildOptions::default(),
    ));
    let body = &out["dry_run"]["body"];
    assert_eq!(body["model"], "claude-opus-4-5", "alias resolved");
    assert_eq!(
        body["system"],
        json!([{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral", "ttl": "5m"}}])
    );
    assert_eq!(
        body["messages"][0]["content"],
        json!([{"type": "text", "text": "Hello", "cache_control": {"type": "ephemeral", "ttl": "5m"}}])
    );
    golden("string_system_and_content", &out);
}

#[test]
fn golden_5m_before_1h_is_rejected() {
    let key = api_key();
    let mut req = conversation();
    req.system = Some(SystemPrompt::Blocks(vec![ContentBlock::Text(TextBlock {
        cache_control: Some(CacheControl::ephemeral()),
        ..TextBlock::new("You are a weather bot.")
    })]));
    let MessageContent::Blocks(blocks) = &mut req.messages[2].content else {
        unreachable!()
    };
    *blocks[1].cache_control_mut().unwrap() = Some(CacheControl::with_ttl("1h"));
    let out = outcome(build_messages(
        &config("{}"),
        AuthHeader::new(CredentialKind::ApiKey, &key),
        req,
        &BuildOptions {
            cache_policy: CachePolicy::Manual,
            ..Default::default()
        },
    ));
    assert_eq!(out["error"]["path"], "messages[2].content[1].cache_control");
    assert!(
        out["error"]["message"]
            .as_str()
            .unwrap()
            .contains("system[0].cache_control")
    );
    golden("ttl_order_error", &out);
}

#[test]
fn golden_five_breakpoints_are_rejected() {
    let key = api_key();
    let mut req = conversation();
    req.tools[0].cache_control = Some(CacheControl::ephemeral());
    for m in &mut req.messages {
        for b in m.content.make_blocks() {
            if let Some(slot) = b.cache_control_mut() {
                *slot = Some(CacheControl::ephemeral());
            }
        }
    }
    // tools[0], messages[0].content[0], messages[1].content[0..2], messages[2].content[0..2]: 6
    // caller breakpoints; the 5th is reported.
    let out = outcome(build_messages(
        &config("{}"),
        AuthHeader::new(CredentialKind::ApiKey, &key),
        req,
        &BuildOptions {
            cache_policy: CachePolicy::None,
            ..Default::default()
        },
    ));
    assert_eq!(out["error"]["path"], "messages[2].content[0].cache_control");
    golden("five_breakpoints_error", &out);
}

// ----------------------------------------------------------------------------------------------

fn build_with(
    cfg: &Config,
    req: MessageRequest,
    opts: BuildOptions,
) -> claw_anthropic::Result<claw_anthropic::request::BuiltRequest> {
    let key = api_key();
    build_messages(
        cfg,
        AuthHeader::new(CredentialKind::ApiKey, &key),
        req,
        &opts,
    )
}

fn invalid_path(e: Error) -> String {
    match e {
        Error::InvalidRequest { path, .. } => path,
        other => panic!("expected InvalidRequest, got {other}"),
    }
}

#[test]
fn request_checks_report_paths() {
    let cfg = config("{}");
    // No model: the configured default (here the built-in one).
    let built = build_with(
        &cfg,
        MessageRequest::new("", vec![MessageParam::user("x")]),
        BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(built.body.model, "claude-opus-4-5");
    let e = build_with(
        &cfg,
        MessageRequest::new("anthropic/claude-opus-4-5", vec![]),
        BuildOptions::default(),
    )
    .unwrap_err();
    assert_eq!(invalid_path(e), "messages");
    let e = build_with(
        &cfg,
        MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")])
            .with_max_tokens(0),
        BuildOptions::default(),
    )
    .unwrap_err();
    assert_eq!(invalid_path(e), "max_tokens");

    let mut req = MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")])
        .with_max_tokens(2000);
    req.thinking = Some(ThinkingConfig::enabled(1023));
    let e = build_with(&cfg, req.clone(), BuildOptions::default()).unwrap_err();
    assert_eq!(invalid_path(e), "thinking.budget_tokens");
    req.thinking = Some(ThinkingConfig::enabled(2000));
    let e = build_with(&cfg, req.clone(), BuildOptions::default()).unwrap_err();
    assert!(e.to_string().contains("less than max_tokens"), "{e}");
    req.thinking = Some(ThinkingConfig::enabled(1024));
    assert!(build_with(&cfg, req, BuildOptions::default()).is_ok());
}

#[test]
fn bad_ttl_value_and_nested_tool_result_breakpoints() {
    let cfg = config("{}");
    let mut req = MessageRequest::new(
        "anthropic/claude-opus-4-5",
        vec![MessageParam::user(vec![ContentBlock::ToolResult(
            claw_anthropic::request::messages::ToolResultBlock {
                tool_use_id: "t".into(),
                content: Some(MessageContent::Blocks(vec![ContentBlock::Text(
                    TextBlock {
                        cache_control: Some(CacheControl::with_ttl("2h")),
                        ..TextBlock::new("x")
                    },
                )])),
                ..Default::default()
            },
        )])],
    );
    req.max_tokens = Some(10);
    let e = build_with(
        &cfg,
        req,
        BuildOptions {
            cache_policy: CachePolicy::None,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        invalid_path(e),
        "messages[0].content[0].content[0].cache_control.ttl"
    );
}

#[test]
fn unknown_blocks_with_cache_control_are_counted() {
    let cfg = config("{}");
    let blocks: Vec<ContentBlock> = (0..5)
        .map(|i| {
            serde_json::from_value(json!({"type": "search_result", "source": format!("s{i}"), "cache_control": {"type": "ephemeral"}}))
                .unwrap()
        })
        .collect();
    let req = MessageRequest::new(
        "anthropic/claude-opus-4-5",
        vec![MessageParam::user(blocks)],
    );
    let e = build_with(&cfg, req, BuildOptions::default()).unwrap_err();
    assert_eq!(invalid_path(e), "messages[0].content[4].cache_control");
}

#[test]
fn cache_policies() {
    let cfg = ttl_config("1h");
    // None: nothing added.
    let b = build_with(
        &cfg,
        conversation(),
        BuildOptions {
            cache_policy: CachePolicy::None,
            ..Default::default()
        },
    )
    .unwrap();
    let body = serde_json::to_value(&b.body).unwrap();
    assert!(!body.to_string().contains("cache_control"));
    assert_eq!(
        body["system"], "You are a weather bot.",
        "None leaves a string system alone"
    );
    // Default keeps a caller's own breakpoint on the target block.
    let mut req = conversation();
    let MessageContent::Blocks(blocks) = &mut req.messages[2].content else {
        unreachable!()
    };
    *blocks[1].cache_control_mut().unwrap() = Some(CacheControl::with_ttl("1h"));
    let b = build_with(&cfg, req, BuildOptions::default()).unwrap();
    let body = serde_json::to_value(&b.body).unwrap();
    assert_eq!(
        body["messages"][2]["content"][1]["cache_control"],
        json!({"type":"ephemeral","ttl":"1h"})
    );
    assert_eq!(body.to_string().matches("cache_control").count(), 2);
    // The breakpoint goes to the last block that can carry one (a tool_result here, not a block
    // of a type this crate does not know), and never to an assistant message.
    let mut req = conversation();
    req.messages[2].content = MessageContent::Blocks(vec![
        ContentBlock::tool_result("toolu_01", "18°C"),
        ContentBlock::Unknown(json!({"type": "future_block", "data": "x"})),
    ]);
    let b = build_with(&cfg, req, BuildOptions::default()).unwrap();
    let body = serde_json::to_value(&b.body).unwrap();
    assert_eq!(
        body["messages"][2]["content"][0]["cache_control"]["ttl"],
        "1h"
    );
    assert!(
        body["messages"][2]["content"][1]
            .get("cache_control")
            .is_none()
    );
    assert!(!body["messages"][1].to_string().contains("cache_control"));
}

#[test]
fn header_and_url_safety() {
    // CR/LF in a config header value is refused when the config loads, naming the header.
    let e = Config::from_json5(
        r#"{ models: { providers: { anthropic: { headers: { "x-a": "ok\r\nx-evil: 1" } } } } }"#,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    assert!(e.to_string().contains("x-a"), "{e}");

    // A secret with a line break is rejected without echoing it.
    let bad = SecretString::from("sk-ant-api03-SECRETSECRETSECRET\nmore");
    let e = build_messages(
        &config("{}"),
        AuthHeader::new(CredentialKind::ApiKey, &bad),
        conversation(),
        &BuildOptions::default(),
    )
    .unwrap_err();
    assert!(!e.to_string().contains("SECRETSECRET"), "{e}");

    // Per-call headers follow the same rules.
    let e = build_with(
        &config("{}"),
        conversation(),
        BuildOptions {
            headers: vec![("x-b".into(), "a\0b".into())],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));

    // Plain http only to loopback.
    let cfg = config(
        r#"{ models: { providers: { anthropic: { baseUrl: "http://api.example.com" } } } }"#,
    );
    let e = build_with(&cfg, conversation(), BuildOptions::default()).unwrap_err();
    assert!(e.to_string().contains("plain http"), "{e}");
    for ok in [
        "http://127.0.0.1:8080/",
        "http://[::1]:9",
        "http://localhost:3000",
    ] {
        let cfg = config(&format!(
            r#"{{ models: {{ providers: {{ anthropic: {{ baseUrl: "{ok}" }} }} }} }}"#
        ));
        let b = build_with(&cfg, conversation(), BuildOptions::default()).unwrap();
        assert!(b.url.as_str().ends_with("/v1/messages"), "{}", b.url);
        assert!(!b.url.as_str().contains("//v1"), "{}", b.url);
    }
}

#[test]
fn config_headers_cannot_replace_credentials_and_warnings_for_bare_models() {
    let cfg = config(
        r#"{ models: { providers: { anthropic: { headers: { "Authorization": "Bearer other", "anthropic-version": "2099-01-01" } } } } }"#,
    );
    let req = MessageRequest::new("claude-sonnet-4-5", vec![MessageParam::user("x")]);
    let b = build_with(&cfg, req, BuildOptions::default()).unwrap();
    assert!(b.header("authorization").is_none());
    assert_eq!(
        b.header("x-api-key").unwrap().as_bytes(),
        API_KEY.as_bytes()
    );
    assert_eq!(b.header("anthropic-version").unwrap(), "2099-01-01");
    assert_eq!(b.body.max_tokens, Some(64_000));
    assert!(
        b.warnings.iter().any(|w| w.contains("without provider")),
        "{:?}",
        b.warnings
    );
    assert!(
        b.warnings.iter().any(|w| w.contains("Authorization")),
        "{:?}",
        b.warnings
    );
    let dry = b.dry_run();
    assert_eq!(dry["method"], "POST");
    assert_eq!(dry["headers"]["content-type"], "application/json");
    assert_eq!(
        dry["headers"]["user-agent"],
        format!("claw-anthropic/{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn body_bytes_equal_serialized_body() {
    let b = build_with(&config("{}"), conversation(), BuildOptions::default()).unwrap();
    let bytes = b.body_bytes().unwrap();
    let parsed: MessageRequest = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(parsed, b.body);
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes).unwrap(),
        b.dry_run()["body"]
    );
}
