use super::*;
use serde_json::json;

/// The hand-written conversions of the common blocks give exactly what the derived
/// `Deserialize` gives: the same value, or an error with the same text.
fn same_as_derived<T: FromObject + fmt::Debug + PartialEq>(obj: &Value) {
    let Value::Object(m) = obj else {
        panic!("not an object: {obj}")
    };
    let fast = T::from_object(m.clone()).map_err(|e| e.to_string());
    let derived = serde_json::from_value::<T>(obj.clone()).map_err(|e| e.to_string());
    assert_eq!(fast, derived, "for {obj}");
}

fn block_field_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!("s"),
        json!(""),
        json!(7),
        json!(true),
        json!([]),
        json!([{"type": "char_location", "cited_text": "x"}]),
        json!({}),
        json!({"type": "ephemeral"}),
        json!({"type": "ephemeral", "ttl": "1h"}),
        json!({"ttl": "5m"}),
        json!({"type": 1}),
    ]
}

proptest::proptest! {
    #[test]
    fn block_fast_paths_match_the_derived_deserialize(
        fields in proptest::collection::vec(
            (proptest::sample::select(vec![
                "text", "citations", "cache_control", "id", "name", "input",
                "thinking", "signature", "extra_a", "zz",
            ]), 0usize..12),
            0..7,
        )
    ) {
        let values = block_field_values();
        let mut m = Map::new();
        for (k, i) in fields {
            m.insert(k.to_owned(), values[i].clone());
        }
        let obj = Value::Object(m);
        same_as_derived::<TextBlock>(&obj);
        same_as_derived::<ToolUseBlock>(&obj);
        same_as_derived::<ThinkingBlock>(&obj);
    }
}

/// `Usage` and `Message` as serde derives them (the decoders they had before the
/// key-by-key ones): the same attributes, `flatten` included.
#[derive(Deserialize, Default)]
struct DerivedUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation: Option<CacheCreation>,
    #[serde(default)]
    server_tool_use: Option<ServerToolUsage>,
    #[serde(default)]
    service_tier: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<DerivedUsage> for Usage {
    fn from(u: DerivedUsage) -> Usage {
        Usage {
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_creation_input_tokens: u.cache_creation_input_tokens,
            cache_read_input_tokens: u.cache_read_input_tokens,
            cache_creation: u.cache_creation,
            server_tool_use: u.server_tool_use,
            service_tier: u.service_tier,
            extra: u.extra,
        }
    }
}

#[derive(Deserialize)]
struct DerivedMessage {
    #[serde(default)]
    id: String,
    #[serde(rename = "type", default = "message_type")]
    kind: String,
    #[serde(default = "assistant_role")]
    role: Role,
    #[serde(default)]
    model: String,
    #[serde(default)]
    content: Vec<ContentBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    stop_sequence: Option<String>,
    #[serde(default)]
    usage: DerivedUsage,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<DerivedMessage> for Message {
    fn from(m: DerivedMessage) -> Message {
        Message {
            id: m.id,
            kind: m.kind,
            role: m.role,
            model: m.model,
            content: m.content,
            stop_reason: m.stop_reason,
            stop_sequence: m.stop_sequence,
            usage: m.usage.into(),
            extra: m.extra,
        }
    }
}

/// An error of the twins above, in the words of the real types.
fn derived_err(e: serde_json::Error) -> String {
    e.to_string()
        .replace("struct DerivedMessage", "struct Message")
        .replace("struct DerivedUsage", "struct Usage")
}

/// The same value, or the same error up to the position serde_json adds to errors raised
/// inside its own map visitor.
fn same_outcome<T: PartialEq + fmt::Debug>(
    new: std::result::Result<T, String>,
    old: std::result::Result<T, String>,
    text: &str,
) -> std::result::Result<(), proptest::test_runner::TestCaseError> {
    match (&new, &old) {
        (Err(n), Err(o)) => proptest::prop_assert!(
            n == o
                || n.strip_prefix(o.as_str())
                    .is_some_and(|rest| rest.starts_with(" at line 1 column ")),
            "{} vs {} for {}",
            n,
            o,
            text
        ),
        _ => proptest::prop_assert_eq!(&new, &old, "{}", text),
    }
    Ok(())
}

fn usage_values() -> Vec<&'static str> {
    vec![
        "null",
        "0",
        "7",
        "-1",
        "1.5",
        r#""x""#,
        "true",
        "[]",
        "{}",
        r#"{"ephemeral_5m_input_tokens":3}"#,
        r#"{"web_search_requests":2,"other":1}"#,
        r#"{"ephemeral_1h_input_tokens":"x"}"#,
    ]
}

proptest::proptest! {
    #[test]
    fn usage_decoder_matches_the_derived_one(
        entries in proptest::collection::vec(
            (proptest::sample::select(vec![
                "input_tokens", "output_tokens", "cache_creation_input_tokens",
                "cache_read_input_tokens", "cache_creation", "server_tool_use",
                "service_tier", "extra", "zz",
            ]), proptest::sample::select(usage_values())),
            0..8,
        ),
    ) {
        let parts: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let text = format!("{{{}}}", parts.join(","));
        let new = serde_json::from_str::<Usage>(&text).map_err(|e| e.to_string());
        let old = serde_json::from_str::<DerivedUsage>(&text)
            .map(Usage::from)
            .map_err(derived_err);
        same_outcome(new, old, &text)?;
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let new = serde_json::from_value::<Usage>(v.clone()).map_err(|e| e.to_string());
            let old = serde_json::from_value::<DerivedUsage>(v)
                .map(Usage::from)
                .map_err(derived_err);
            proptest::prop_assert_eq!(new, old, "{}", text);
        }
    }
}

proptest::proptest! {
    #[test]
    fn message_decoder_matches_the_derived_one(
        entries in proptest::collection::vec(
            (proptest::sample::select(vec![
                "id", "type", "role", "model", "content", "stop_reason", "stop_sequence",
                "usage", "container", "extra",
            ]), proptest::sample::select(vec![
                "null", "7", r#""msg_1""#, r#""assistant""#, r#""user""#, r#""robot""#, "[]",
                r#"[{"type":"text","text":"hi"}]"#, r#"[{"type":"text"}]"#, r#"[{"type":"x","y":1}]"#,
                "{}", r#"{"input_tokens":3,"output_tokens":4}"#, r#"{"input_tokens":"x"}"#,
            ])),
            0..9,
        ),
    ) {
        let parts: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let text = format!("{{{}}}", parts.join(","));
        let new = serde_json::from_str::<Message>(&text).map_err(|e| e.to_string());
        let old = serde_json::from_str::<DerivedMessage>(&text)
            .map(Message::from)
            .map_err(derived_err);
        same_outcome(new, old, &text)?;
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let new = serde_json::from_value::<Message>(v.clone()).map_err(|e| e.to_string());
            let old = serde_json::from_value::<DerivedMessage>(v)
                .map(Message::from)
                .map_err(derived_err);
            proptest::prop_assert_eq!(new, old, "{}", text);
        }
    }
}

#[test]
fn decoders_reject_non_objects_like_the_derived_ones() {
    for text in [r#""x""#, "7", "[]", "null"] {
        let new = serde_json::from_str::<Message>(text).map_err(|e| e.to_string());
        let old = serde_json::from_str::<DerivedMessage>(text)
            .map(Message::from)
            .map_err(derived_err);
        assert_eq!(new, old);
        let new = serde_json::from_str::<Usage>(text).map_err(|e| e.to_string());
        let old = serde_json::from_str::<DerivedUsage>(text)
            .map(Usage::from)
            .map_err(derived_err);
        assert_eq!(new, old);
    }
}

/// `ContentBlock`'s decoder as it was before the field-by-field `text` path: the whole value
/// first, then the dispatch.
fn block_via_value(text: &str) -> std::result::Result<ContentBlock, String> {
    struct Old(ContentBlock);
    impl<'de> Deserialize<'de> for Old {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            ContentBlock::from_tagged_value(Value::deserialize(d)?).map(Old)
        }
    }
    serde_json::from_str::<Old>(text)
        .map(|o| o.0)
        .map_err(|e| e.to_string())
}

proptest::proptest! {
    #[test]
    fn block_decoder_matches_the_whole_value_decoder(
        entries in proptest::collection::vec(
            (proptest::sample::select(vec![
                "type", "text", "citations", "cache_control", "id", "name", "input", "zz", "a",
            ]), proptest::sample::select(vec![
                r#""text""#, r#""tool_use""#, r#""thinking""#, r#""other""#, r#""hi \u00e9""#,
                "null", "7", "-1.5", "true", "[]", r#"[{"type":"char_location"}]"#, "{}",
                r#"{"type":"ephemeral"}"#, r#"{"type":"ephemeral","ttl":"1h"}"#, r#"{"ttl":1}"#,
            ])),
            0..7,
        ),
        type_first in proptest::bool::ANY,
    ) {
        let mut parts: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        if type_first {
            parts.insert(0, r#""type":"text""#.to_owned());
        }
        let text = format!("{{{}}}", parts.join(","));
        // The same value, or the same error; the new decoder's errors also say where
        // (serde_json adds the position to errors raised inside its map visitor).
        let new = serde_json::from_str::<ContentBlock>(&text).map_err(|e| e.to_string());
        let old = block_via_value(&text);
        match (&new, &old) {
            (Err(n), Err(o)) => proptest::prop_assert!(
                n == o || n.strip_prefix(o.as_str()).is_some_and(|rest| rest.starts_with(" at line 1 column ")),
                "{} vs {} for {}", n, o, text
            ),
            _ => proptest::prop_assert_eq!(&new, &old, "{}", text),
        }
        // Through a `Value` deserializer too (owned keys).
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let via_value = serde_json::from_value::<ContentBlock>(v.clone()).map_err(|e| e.to_string());
            let old = ContentBlock::from_tagged_value::<serde_json::Error>(v).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(via_value, old, "{}", text);
        }
    }
}

proptest::proptest! {
    #[test]
    fn text_block_serializes_as_the_derived_form(
        text in ".{0,12}",
        citations in proptest::option::of(proptest::collection::vec(0u8..3, 0..3)),
        ttl in proptest::option::of(proptest::sample::select(vec!["5m", "1h"])),
        cc in proptest::bool::ANY,
        extra in proptest::collection::vec(
            (proptest::sample::select(vec!["a", "z", "text", "type", "m"]), 0i64..5),
            0..4,
        ),
    ) {
        #[derive(Serialize)]
        #[serde(tag = "type")]
        enum Tagged<'a> {
            #[serde(rename = "text")]
            Text(&'a TextBlock),
        }
        let t = TextBlock {
            text,
            citations: citations.map(|c| c.into_iter().map(Value::from).collect()),
            cache_control: cc.then(|| CacheControl { kind: "ephemeral".into(), ttl: ttl.map(str::to_owned) }),
            extra: extra.into_iter().map(|(k, v)| (k.to_owned(), Value::from(v))).collect(),
        };
        let derived = serde_json::to_string(&Tagged::Text(&t)).unwrap();
        let by_hand = serde_json::to_string(&ContentBlock::Text(t)).unwrap();
        proptest::prop_assert_eq!(by_hand, derived);
    }
}

#[test]
fn block_decoder_keeps_non_objects_as_unknown() {
    for text in [
        "null",
        "7",
        "\"s\"",
        "[1,{\"type\":\"text\"}]",
        "true",
        "-2.5",
        "{}",
    ] {
        let b: ContentBlock = serde_json::from_str(text).unwrap();
        assert_eq!(Ok(b), block_via_value(text), "{text}");
    }
}

#[test]
fn block_fast_paths_keep_unknown_fields_in_order() {
    let v = json!({"type": "text", "z": 1, "text": "hi", "a": {"b": 2},
                   "cache_control": {"type": "ephemeral", "ttl": "1h"}, "m": null});
    let b: ContentBlock = serde_json::from_value(v.clone()).unwrap();
    let ContentBlock::Text(t) = &b else {
        panic!("{b:?}")
    };
    assert_eq!(t.text, "hi");
    assert_eq!(
        t.cache_control.as_ref().and_then(|c| c.ttl.as_deref()),
        Some("1h")
    );
    assert_eq!(t.extra.keys().collect::<Vec<_>>(), ["z", "a", "m"]);
    let back = serde_json::to_value(&b).unwrap();
    assert_eq!(back["a"], json!({"b": 2}));
    let tool = json!({"type": "tool_use", "id": "toolu_1", "name": "get", "input": {"q": 1}, "caller": "x"});
    let b: ContentBlock = serde_json::from_value(tool.clone()).unwrap();
    assert_eq!(serde_json::to_value(&b).unwrap(), tool);
}

#[test]
fn unknown_block_round_trips() {
    let v = json!({"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result","url":"https://x"}]});
    let b: ContentBlock = serde_json::from_value(v.clone()).unwrap();
    assert!(matches!(b, ContentBlock::Unknown(_)));
    assert_eq!(b.type_name(), Some("web_search_tool_result"));
    assert_eq!(serde_json::to_value(&b).unwrap(), v);
}

#[test]
fn known_block_missing_field_is_an_error() {
    let e = serde_json::from_value::<ContentBlock>(json!({"type":"text"})).unwrap_err();
    assert!(e.to_string().contains("text"), "{e}");
}

#[test]
fn extra_fields_kept_and_type_first() {
    let v = json!({"type":"text","text":"hi","future_field":1});
    let b: ContentBlock = serde_json::from_value(v.clone()).unwrap();
    let ContentBlock::Text(t) = &b else { panic!() };
    assert_eq!(t.extra.get("future_field"), Some(&json!(1)));
    assert!(!t.extra.contains_key("type"));
    assert_eq!(
        serde_json::to_string(&b).unwrap(),
        r#"{"type":"text","text":"hi","future_field":1}"#
    );
}

#[test]
fn default_max_tokens_table() {
    assert_eq!(
        models::default_max_tokens("claude-opus-4-5-20251101"),
        64_000
    );
    assert_eq!(models::default_max_tokens("claude-opus-4-1"), 32_000);
    assert_eq!(models::default_max_tokens("claude-opus-4-20250514"), 32_000);
    assert_eq!(models::default_max_tokens("claude-3-5-haiku-latest"), 8_192);
    assert_eq!(models::default_max_tokens("some-new-model"), 4_096);
}

#[test]
fn response_defaults_and_text() {
    let m: Message = serde_json::from_value(json!({
        "id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-5",
        "content":[{"type":"text","text":"Hel"},{"type":"text","text":"lo"}],
        "stop_reason":"end_turn","stop_sequence":null,
        "usage":{"input_tokens":3,"output_tokens":2,"cache_creation_input_tokens":null}
    }))
    .unwrap();
    assert_eq!(m.text(), "Hello");
    assert_eq!(m.stop_reason.as_deref(), Some(stop_reason::END_TURN));
    assert_eq!(m.usage.cache_creation_input_tokens, None);
    assert_eq!(Message::default().kind, "message");
}
