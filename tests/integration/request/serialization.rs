//! Round trips of every content block and of whole requests/responses, using the JSON shapes of
//! Anthropic's API reference and SDK fixtures (`anthropics/anthropic-sdk-python`: the
//! "create with all params" request of `tests/api_resources/test_messages.py`, the streamed
//! `message_start`/tool_use shapes of `tests/lib/streaming/fixtures/`), plus the documented block
//! examples (images, documents, tool results, thinking).

use claw_anthropic::request::messages::{
    ContentBlock, CountTokensRequest, CountTokensResponse, DocumentSource, ImageSource, Message,
    MessageContent, MessageRequest, ModelList, ThinkingConfig, ToolChoice, stop_reason,
};
use serde_json::{Value, json};

/// Parses `v` as `T`, serializes it back and compares with the original JSON.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(v: Value) -> T {
    let parsed: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}\n{v:#}"));
    let back = serde_json::to_value(&parsed).unwrap();
    assert_eq!(back, v, "round trip changed the JSON");
    parsed
}

#[test]
fn text_block_with_citations_and_cache_control() {
    let b: ContentBlock = round_trip(json!({
        "type": "text",
        "text": "Today's date is 2024-06-01.",
        "citations": [{"type": "char_location", "cited_text": "cited_text", "document_index": 0,
                       "document_title": "x", "start_char_index": 0, "end_char_index": 0}],
        "cache_control": {"type": "ephemeral", "ttl": "5m"}
    }));
    assert_eq!(b.as_text(), Some("Today's date is 2024-06-01."));
    assert_eq!(b.cache_control().unwrap().ttl.as_deref(), Some("5m"));
}

#[test]
fn image_blocks() {
    let b: ContentBlock = round_trip(json!({
        "type": "image",
        "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRg=="}
    }));
    let ContentBlock::Image(img) = b else {
        panic!("not an image")
    };
    assert!(matches!(img.source, ImageSource::Base64(ref s) if s.media_type == "image/jpeg"));
    let b: ContentBlock = round_trip(json!({
        "type": "image",
        "source": {"type": "url", "url": "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg"},
        "cache_control": {"type": "ephemeral"}
    }));
    assert!(matches!(b, ContentBlock::Image(ref i) if matches!(i.source, ImageSource::Url(_))));
    // A source type this crate does not know is kept.
    let b: ContentBlock =
        round_trip(json!({"type": "image", "source": {"type": "future", "ref": 1}}));
    assert!(matches!(b, ContentBlock::Image(ref i) if matches!(i.source, ImageSource::Unknown(_))));
}

#[test]
fn document_blocks() {
    let cases = [
        json!({"type": "document",
               "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjcK"},
               "title": "Report", "context": "Q3 figures", "citations": {"enabled": true},
               "cache_control": {"type": "ephemeral"}}),
        json!({"type": "document",
               "source": {"type": "text", "media_type": "text/plain", "data": "The grass is green. The sky is blue."},
               "title": "My Document", "context": "This is a trustworthy document.", "citations": {"enabled": true}}),
        json!({"type": "document",
               "source": {"type": "url", "url": "https://assets.anthropic.com/m/1cd9d098ac3e6467/original/Claude-3-Model-Card-October-Addendum.pdf"}}),
        json!({"type": "document",
               "source": {"type": "content", "content": [{"type": "text", "text": "First chunk"}, {"type": "text", "text": "Second chunk"}]},
               "title": "Document Title", "citations": {"enabled": true}}),
        json!({"type": "document", "source": {"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}}),
    ];
    let kinds: Vec<&str> = cases
        .into_iter()
        .map(|c| {
            let b: ContentBlock = round_trip(c);
            let ContentBlock::Document(d) = b else {
                panic!("not a document")
            };
            match d.source {
                DocumentSource::Base64(_) => "base64",
                DocumentSource::Text(_) => "text",
                DocumentSource::Url(_) => "url",
                DocumentSource::Content(_) => "content",
                DocumentSource::File(_) => "file",
                _ => "unknown",
            }
        })
        .collect();
    assert_eq!(kinds, ["base64", "text", "url", "content", "file"]);
}

#[test]
fn tool_use_and_tool_result_blocks() {
    // As streamed by the API (with a `caller` field this crate does not model).
    let b: ContentBlock = round_trip(json!({
        "type": "tool_use", "id": "toolu_01NRLabsLyVHZPKxbKvkfSMn", "name": "get_weather",
        "caller": {"type": "direct"}, "input": {"location": "Paris"}
    }));
    let ContentBlock::ToolUse(t) = b else {
        panic!()
    };
    assert_eq!(t.input["location"], "Paris");
    assert!(t.extra.contains_key("caller"));

    let b: ContentBlock = round_trip(json!({
        "type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9", "content": "15 degrees"
    }));
    assert!(
        matches!(b, ContentBlock::ToolResult(ref r) if r.content == Some(MessageContent::Text("15 degrees".into())))
    );
    let b: ContentBlock = round_trip(json!({
        "type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
        "content": [
            {"type": "text", "text": "15 degrees"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRg=="}}
        ],
        "is_error": false,
        "cache_control": {"type": "ephemeral", "ttl": "1h"}
    }));
    let ContentBlock::ToolResult(r) = b else {
        panic!()
    };
    assert_eq!(
        r.content.as_ref().and_then(|c| c.blocks()).map(<[_]>::len),
        Some(2)
    );
    round_trip::<ContentBlock>(json!({
        "type": "tool_result", "tool_use_id": "toolu_x", "content": "ConnectionError: the weather service API is not available (HTTP 500)", "is_error": true
    }));
    // No content at all is valid too.
    round_trip::<ContentBlock>(json!({"type": "tool_result", "tool_use_id": "toolu_y"}));
}

#[test]
fn thinking_blocks() {
    let b: ContentBlock = round_trip(json!({
        "type": "thinking",
        "thinking": "Let me analyze this step by step...",
        "signature": "WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL...."
    }));
    assert!(matches!(b, ContentBlock::Thinking(_)));
    let b: ContentBlock = round_trip(json!({
        "type": "redacted_thinking",
        "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB9URj2pLmN3kF8/dW5hR7xJ0aP1oLs9yTcMnKVf2wRpEGjH9XZaBt4UvDcPrQ..."
    }));
    assert!(matches!(b, ContentBlock::RedactedThinking(_)));
}

#[test]
fn server_tool_blocks_are_kept_as_unknown() {
    let b: ContentBlock = round_trip(json!({
        "type": "server_tool_use", "id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB", "name": "web_search",
        "input": {"query": "weather NYC today"}
    }));
    assert_eq!(b.type_name(), Some("server_tool_use"));
    round_trip::<ContentBlock>(json!({
        "type": "web_search_tool_result", "tool_use_id": "srvtoolu_014hJH82Qum7Td6UV8gDXThB",
        "content": [{"type": "web_search_result", "title": "Weather", "url": "https://weather.com",
                     "encrypted_content": "Ev0DCioIAxgCIiQ3NmU4ZmI4OC1k", "page_age": null}]
    }));
}

#[test]
fn create_request_with_all_params() {
    // The SDK's "create with all params" request: new fields (top-level cache_control, container,
    // inference_geo, output_config, service_tier, adaptive thinking, tool extras) must survive.
    let v = json!({
        "max_tokens": 1024,
        "messages": [{"content": "Hello, world", "role": "user"}],
        "model": "claude-opus-4-6",
        "cache_control": {"type": "ephemeral", "ttl": "5m"},
        "container": "container",
        "inference_geo": "inference_geo",
        "metadata": {"user_id": "13803d75-b4b5-4c3e-b2a2-6f21399b021b"},
        "output_config": {"effort": "low", "format": {"schema": {"foo": "bar"}, "type": "json_schema"}},
        "service_tier": "auto",
        "stop_sequences": ["string"],
        "stream": false,
        "system": [{
            "text": "Today's date is 2024-06-01.", "type": "text",
            "cache_control": {"type": "ephemeral", "ttl": "5m"},
            "citations": [{"cited_text": "cited_text", "document_index": 0, "document_title": "x",
                           "end_char_index": 0, "start_char_index": 0, "type": "char_location"}]
        }],
        "temperature": 1.0,
        "thinking": {"type": "adaptive", "display": "summarized"},
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": true},
        "tools": [{
            "input_schema": {"type": "object", "properties": {"location": "bar", "unit": "bar"}, "required": ["location"]},
            "name": "name",
            "allowed_callers": ["direct"],
            "cache_control": {"type": "ephemeral", "ttl": "5m"},
            "defer_loading": true,
            "description": "Get the current weather in a given location",
            "eager_input_streaming": true,
            "input_examples": [{"foo": "bar"}],
            "strict": true,
            "type": "custom"
        }],
        "top_k": 5,
        "top_p": 0.7
    });
    let req: MessageRequest = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(req.max_tokens, Some(1024));
    assert_eq!(
        req.metadata.as_ref().unwrap().user_id.as_deref(),
        Some("13803d75-b4b5-4c3e-b2a2-6f21399b021b")
    );
    assert!(matches!(req.thinking, Some(ThinkingConfig::Unknown(_))));
    assert!(
        matches!(req.tool_choice, Some(ToolChoice::Auto(ref o)) if o.disable_parallel_tool_use == Some(true))
    );
    assert_eq!(req.tools[0].kind.as_deref(), Some("custom"));
    assert!(req.tools[0].extra.contains_key("strict"));
    assert!(req.extra.contains_key("output_config") && req.extra.contains_key("cache_control"));
    // Key order differs (struct order); compare as values.
    assert_eq!(serde_json::to_value(&req).unwrap(), v);
}

#[test]
fn tool_choice_and_thinking_kinds() {
    for v in [
        json!({"type": "auto"}),
        json!({"type": "any", "disable_parallel_tool_use": false}),
        json!({"type": "tool", "name": "get_weather"}),
        json!({"type": "none"}),
    ] {
        round_trip::<ToolChoice>(v);
    }
    let t: ThinkingConfig = round_trip(json!({"type": "enabled", "budget_tokens": 10000}));
    assert_eq!(t.budget_tokens(), Some(10000));
    let t: ThinkingConfig = round_trip(json!({"type": "disabled"}));
    assert!(!t.is_on());
}

#[test]
fn server_tools_pass_through() {
    let req: MessageRequest = round_trip(json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "What's the weather in NYC?"}],
        "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5,
                   "allowed_domains": ["weather.com"]}]
    }));
    assert_eq!(req.tools[0].kind.as_deref(), Some("web_search_20250305"));
    assert_eq!(req.tools[0].extra["max_uses"], 5);
    assert!(req.tools[0].input_schema.is_none());
}

#[test]
fn response_message_round_trips() {
    let m: Message = round_trip(json!({
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-20250514",
        "content": [
            {"type": "thinking", "thinking": "The user wants weather.", "signature": "sig=="},
            {"type": "text", "text": "I'll check the current weather in Paris for you."},
            {"type": "tool_use", "id": "toolu_01NRLabsLyVHZPKxbKvkfSMn", "name": "get_weather", "input": {"location": "Paris"}}
        ],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": {
            "input_tokens": 377, "output_tokens": 65,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "server_tool_use": {"web_search_requests": 0},
            "service_tier": "standard"
        }
    }));
    assert_eq!(m.stop_reason.as_deref(), Some(stop_reason::TOOL_USE));
    assert_eq!(m.text(), "I'll check the current weather in Paris for you.");
    assert_eq!(m.tool_uses().count(), 1);
    assert_eq!(m.usage.service_tier.as_deref(), Some("standard"));
    // A streamed message_start payload (content empty, stop_reason null) parses too.
    let start: Message = serde_json::from_value(json!({
        "id": "msg_019Q1hrJbZG26Fb9BQhrkHEr", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-20250514", "content": [], "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": 377, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                  "output_tokens": 1, "service_tier": "standard"}
    }))
    .unwrap();
    assert_eq!(start.usage.input_tokens, 377);
    // The assistant turn can go straight back into the conversation.
    let param = claw_anthropic::request::messages::MessageParam::from(m);
    assert_eq!(param.content.blocks().map(<[_]>::len), Some(3));
}

#[test]
fn count_tokens_and_models() {
    let r: CountTokensResponse = round_trip(json!({"input_tokens": 2095}));
    assert_eq!(r.input_tokens, 2095);
    let req: MessageRequest = serde_json::from_value(json!({
        "model": "claude-opus-4-5", "max_tokens": 5, "temperature": 0.5,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "What is a quaternion?"}]}]
    }))
    .unwrap();
    let ct = CountTokensRequest::from(req);
    assert_eq!(
        serde_json::to_value(&ct).unwrap(),
        json!({"model": "claude-opus-4-5", "messages": [{"role": "user", "content": [{"type": "text", "text": "What is a quaternion?"}]}]})
    );
    let list: ModelList = round_trip(json!({
        "data": [{"type": "model", "id": "claude-sonnet-4-20250514", "display_name": "Claude Sonnet 4",
                  "created_at": "2025-02-19T00:00:00Z"}],
        "has_more": true, "first_id": "claude-sonnet-4-20250514", "last_id": "claude-sonnet-4-20250514"
    }));
    assert!(list.has_more);
    assert_eq!(list.data[0].display_name, "Claude Sonnet 4");
}

#[test]
fn malformed_known_blocks_are_errors_not_unknown() {
    for bad in [
        json!({"type": "text", "text": 5}),
        json!({"type": "tool_use", "name": "x"}),
        json!({"type": "image"}),
    ] {
        assert!(
            serde_json::from_value::<ContentBlock>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    assert!(serde_json::from_value::<MessageContent>(json!(5)).is_err());
}
