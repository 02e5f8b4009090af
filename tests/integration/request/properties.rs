//! Property tests: any request serializes and parses back equal; building never panics and a
//! built body always passes the checks it was built under.

use claw_anthropic::Config;
use claw_anthropic::auth::CredentialKind;
use claw_anthropic::request::build::{AuthHeader, BuildOptions, CachePolicy, build_messages};
use claw_anthropic::request::check;
use claw_anthropic::request::messages::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::{Map, Value, json};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-zA-Z0-9 .,!?\n\"\\\\é🦀]{1,24}",]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        text().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(Value::Array),
            vec(("[a-z]{1,5}", inner), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Extra fields never collide with modeled ones (they start with `x_`).
fn extra() -> impl Strategy<Value = Map<String, Value>> {
    vec(("x_[a-z]{1,5}", scalar()), 0..2).prop_map(|kv| kv.into_iter().collect())
}

fn cache_control() -> impl Strategy<Value = Option<CacheControl>> {
    option::of(prop_oneof![
        Just(CacheControl::ephemeral()),
        Just(CacheControl::with_ttl("5m")),
        Just(CacheControl::with_ttl("1h")),
    ])
}

fn leaf_block() -> impl Strategy<Value = ContentBlock> {
    prop_oneof![
        (
            text(),
            option::of(vec(json_value(), 0..2)),
            cache_control(),
            extra()
        )
            .prop_map(
                |(text, citations, cache_control, extra)| ContentBlock::Text(TextBlock {
                    text,
                    citations,
                    cache_control,
                    extra
                })
            ),
        ("image/(png|jpeg)", "[A-Za-z0-9+/=]{0,16}", cache_control()).prop_map(|(m, d, cc)| {
            ContentBlock::Image(ImageBlock {
                source: ImageSource::Base64(Base64Source {
                    media_type: m,
                    data: d,
                }),
                cache_control: cc,
                extra: Map::new(),
            })
        }),
        (
            "https://[a-z]{1,8}\\.example/[a-z]{0,6}",
            option::of(text()),
            option::of(text()),
            option::of(any::<bool>())
        )
            .prop_map(|(url, title, context, cit)| {
                ContentBlock::Document(DocumentBlock {
                    source: DocumentSource::Url(UrlSource { url }),
                    title,
                    context,
                    citations: cit.map(|enabled| CitationsConfig { enabled }),
                    cache_control: None,
                    extra: Map::new(),
                })
            }),
        (text(), text()).prop_map(|(data, mt)| ContentBlock::Document(DocumentBlock {
            source: DocumentSource::Text(PlainTextSource {
                media_type: mt,
                data
            }),
            title: None,
            context: None,
            citations: None,
            cache_control: None,
            extra: Map::new(),
        })),
        (
            "toolu_[a-z0-9]{1,8}",
            "[a-z_]{1,10}",
            json_value(),
            cache_control()
        )
            .prop_map(|(id, name, input, cc)| {
                ContentBlock::ToolUse(ToolUseBlock {
                    id,
                    name,
                    input,
                    cache_control: cc,
                    partial_json: None,
                    extra: Map::new(),
                })
            }),
        (text(), text(), extra()).prop_map(|(thinking, signature, extra)| ContentBlock::Thinking(
            ThinkingBlock {
                thinking,
                signature,
                extra
            }
        )),
        text().prop_map(
            |data| ContentBlock::RedactedThinking(RedactedThinkingBlock {
                data,
                extra: Map::new()
            })
        ),
        ("future_[a-z]{1,6}", vec(("[a-z]{1,5}", json_value()), 0..3)).prop_map(|(t, kv)| {
            let mut m: Map<String, Value> = kv.into_iter().filter(|(k, _)| k != "type").collect();
            m.insert("type".into(), Value::String(t));
            ContentBlock::Unknown(Value::Object(m))
        }),
    ]
}

fn block() -> impl Strategy<Value = ContentBlock> {
    prop_oneof![
        4 => leaf_block(),
        1 => ("toolu_[a-z0-9]{1,8}", option::of(prop_oneof![
                text().prop_map(MessageContent::Text),
                vec(leaf_block(), 0..3).prop_map(MessageContent::Blocks),
            ]), option::of(any::<bool>()), cache_control())
            .prop_map(|(id, content, is_error, cc)| ContentBlock::ToolResult(ToolResultBlock {
                tool_use_id: id, content, is_error, cache_control: cc, extra: Map::new(),
            })),
    ]
}

fn content() -> impl Strategy<Value = MessageContent> {
    prop_oneof![
        text().prop_map(MessageContent::Text),
        vec(block(), 0..4).prop_map(MessageContent::Blocks),
    ]
}

fn message() -> impl Strategy<Value = MessageParam> {
    (any::<bool>(), content()).prop_map(|(user, content)| MessageParam {
        role: if user { Role::User } else { Role::Assistant },
        content,
    })
}

fn tool() -> impl Strategy<Value = Tool> {
    (
        "[a-z_]{1,10}",
        option::of(text()),
        // A schema is an object (`Some(null)` is not a valid request and reads back as `None`).
        option::of(
            vec(("[a-z]{1,5}", json_value()), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ),
        cache_control(),
        option::of("[a-z_0-9]{1,12}"),
        extra(),
    )
        .prop_map(
            |(name, description, input_schema, cache_control, kind, extra)| Tool {
                kind,
                name,
                description,
                input_schema,
                cache_control,
                extra,
            },
        )
}

fn tool_choice() -> impl Strategy<Value = ToolChoice> {
    prop_oneof![
        option::of(any::<bool>()).prop_map(|d| ToolChoice::Auto(ToolChoiceOptions {
            disable_parallel_tool_use: d,
            extra: Map::new()
        })),
        option::of(any::<bool>()).prop_map(|d| ToolChoice::Any(ToolChoiceOptions {
            disable_parallel_tool_use: d,
            extra: Map::new()
        })),
        ("[a-z_]{1,8}", option::of(any::<bool>())).prop_map(|(name, d)| ToolChoice::Tool(
            ToolChoiceTool {
                name,
                disable_parallel_tool_use: d,
                extra: Map::new()
            }
        )),
        Just(ToolChoice::None(ToolChoiceOptions::default())),
    ]
}

fn thinking() -> impl Strategy<Value = ThinkingConfig> {
    prop_oneof![
        any::<u32>().prop_map(ThinkingConfig::enabled),
        Just(ThinkingConfig::Disabled(ThinkingDisabled::default())),
        Just(ThinkingConfig::Unknown(json!({"type": "adaptive"}))),
    ]
}

fn request() -> impl Strategy<Value = MessageRequest> {
    (
        (
            "[a-z0-9/.-]{0,20}",
            option::of(any::<u32>()),
            vec(message(), 0..5),
        ),
        option::of(prop_oneof![
            text().prop_map(SystemPrompt::Text),
            vec(leaf_block(), 0..3).prop_map(SystemPrompt::Blocks),
        ]),
        vec(tool(), 0..3),
        (option::of(tool_choice()), option::of(thinking())),
        option::of(
            (option::of("[a-z0-9-]{1,12}"), extra())
                .prop_map(|(user_id, extra)| Metadata { user_id, extra }),
        ),
        vec(text(), 0..3),
        // Floats that print and parse back exactly.
        (
            option::of((0u32..=16).prop_map(|k| f64::from(k) / 16.0)),
            option::of((0u32..=16).prop_map(|k| f64::from(k) / 16.0)),
            option::of(any::<u32>()),
            option::of(any::<bool>()),
        ),
        extra(),
    )
        .prop_map(
            |(
                (model, max_tokens, messages),
                system,
                tools,
                (tool_choice, thinking),
                metadata,
                stop_sequences,
                (temperature, top_p, top_k, stream),
                extra,
            )| {
                MessageRequest {
                    model,
                    max_tokens,
                    messages,
                    system,
                    tools,
                    tool_choice,
                    thinking,
                    metadata,
                    stop_sequences,
                    temperature,
                    top_p,
                    top_k,
                    stream,
                    extra,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn request_round_trips(req in request()) {
        let bytes = serde_json::to_vec(&req).unwrap();
        let back: MessageRequest = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(&back, &req);
        // Also through serde_json::Value (the path the C ABI's JSON takes).
        let v = serde_json::to_value(&req).unwrap();
        let back2: MessageRequest = serde_json::from_value(v).unwrap();
        prop_assert_eq!(back2, req);
    }

    #[test]
    fn building_never_panics_and_built_bodies_pass_checks(req in request(), policy in 0u8..3, bearer in any::<bool>()) {
        let config = Config::from_json5(r#"{ agents: { defaults: { models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "1h" } } } } } }"#).unwrap();
        let secret = SecretString::from("sk-ant-api03-PROPTESTproptestPROPTESTproptest");
        let kind = if bearer { CredentialKind::Token } else { CredentialKind::ApiKey };
        let opts = BuildOptions {
            cache_policy: [CachePolicy::Default, CachePolicy::None, CachePolicy::Manual][usize::from(policy)],
            ..Default::default()
        };
        match build_messages(&config, AuthHeader::new(kind, &secret), req, &opts) {
            Ok(built) => {
                check::check_request(&built.body).unwrap();
                prop_assert!(check::breakpoints(&built.body).unwrap().len() <= check::MAX_CACHE_BREAKPOINTS);
                let bytes = built.body_bytes().unwrap();
                let back: MessageRequest = serde_json::from_slice(&bytes).unwrap();
                prop_assert_eq!(&back, &built.body);
                prop_assert!(!built.dry_run().to_string().contains("PROPTESTproptestPROPTEST"));
            }
            Err(e) => {
                prop_assert!(!e.to_string().contains("PROPTESTproptestPROPTEST"));
            }
        }
    }
}
