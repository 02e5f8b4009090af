//! SSE parsing, typed stream events and the message accumulator, on recorded streams
//! (`tests/fixtures/sse/`), with random chunking, and over real HTTP from the mock server.

use claw_anthropic::FailureReason;
use claw_anthropic::client::sse::SseParser;
use claw_anthropic::client::stream::{
    ContentDelta, MessageAccumulator, StreamDecoder, StreamEvent,
};
use claw_anthropic::error::Error;
use claw_anthropic::request::messages::{ContentBlock, Message};
use proptest::prelude::*;
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/sse/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn crlf(b: &[u8]) -> Vec<u8> {
    String::from_utf8(b.to_vec())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes()
}

fn cr(b: &[u8]) -> Vec<u8> {
    String::from_utf8(b.to_vec())
        .unwrap()
        .replace('\n', "\r")
        .into_bytes()
}

/// Decodes `body` pushed in the given chunks.
fn decode_chunks(chunks: &[&[u8]]) -> Result<Message, Error> {
    let mut d = StreamDecoder::new();
    for c in chunks {
        d.push(c)?;
    }
    d.finish()
}

fn decode(body: &[u8]) -> Result<Message, Error> {
    decode_chunks(&[body])
}

/// (event, data) pairs via the raw parser.
fn raw_events(chunks: &[&[u8]]) -> Vec<(String, String)> {
    let mut p = SseParser::new();
    let mut out = Vec::new();
    for c in chunks {
        for e in p.push(c) {
            let e = e.unwrap();
            out.push((e.event.into_owned(), e.data.into_owned()));
        }
    }
    out
}

fn split_at<'a>(body: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts {
        out.push(&body[prev..c]);
        prev = c;
    }
    out.push(&body[prev..]);
    out
}

#[test]
fn text_stream_accumulates() {
    let m = decode(&fixture("text.sse")).unwrap();
    assert_eq!(m.id, "msg_01XFDUDYJgAACzvnptvVoYEL");
    assert_eq!(m.model, "claude-sonnet-4-5-20250929");
    assert_eq!(
        m.text(),
        "Hello, w\u{f6}rld \u{1F600} \"quoted\"\nspaced form; multi-line data. \u{dc}n\u{ef}c\u{f6}d\u{e9}."
    );
    assert_eq!(m.stop_reason.as_deref(), Some("end_turn"));
    assert_eq!(m.usage.input_tokens, 25);
    assert_eq!(
        m.usage.output_tokens, 15,
        "message_delta overwrites, never adds"
    );
    assert_eq!(m.usage.cache_read_input_tokens, Some(1200));
    assert_eq!(m.usage.service_tier.as_deref(), Some("standard"));
}

#[test]
fn tool_use_input_is_parsed_at_block_stop() {
    let m = decode(&fixture("tool_use.sse")).unwrap();
    assert_eq!(m.content.len(), 3);
    assert_eq!(
        m.text(),
        "Okay, let's check the weather for San Francisco, CA:"
    );
    let tools: Vec<_> = m.tool_uses().collect();
    assert_eq!(tools[0].id, "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assert_eq!(tools[0].name, "get_weather");
    assert_eq!(
        tools[0].input,
        json!({"location": "San Francisco, CA", "unit": "fahrenheit"})
    );
    assert_eq!(tools[1].input, json!({}), "no input_json_delta → {{}}");
    assert_eq!(m.stop_reason.as_deref(), Some("tool_use"));
    assert_eq!(m.usage.input_tokens, 472);
    assert_eq!(m.usage.output_tokens, 89);
    assert_eq!(m.usage.cache_creation_input_tokens, Some(100));
    assert_eq!(m.usage.cache_read_input_tokens, Some(7));
}

#[test]
fn thinking_signature_citations_and_unknown_blocks() {
    let m = decode(&fixture("thinking.sse")).unwrap();
    let ContentBlock::Thinking(t) = &m.content[0] else {
        panic!("{:?}", m.content[0])
    };
    assert_eq!(
        t.thinking,
        "Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3"
    );
    assert_eq!(
        t.signature,
        "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
    );
    let ContentBlock::Text(text) = &m.content[1] else {
        panic!()
    };
    assert_eq!(text.text, "27 * 453 = 12,231");
    assert_eq!(text.citations.as_ref().unwrap()[0]["cited_text"], "453");
    let ContentBlock::Unknown(v) = &m.content[2] else {
        panic!()
    };
    assert_eq!(v["type"], "server_tool_use");
    assert_eq!(v["input"], json!({"query": "27*453"}));
    assert_eq!(m.usage.input_tokens, 11);
    assert_eq!(m.usage.output_tokens, 40);
    assert_eq!(
        m.usage
            .server_tool_use
            .as_ref()
            .unwrap()
            .web_search_requests,
        1
    );
}

#[test]
fn mid_stream_overloaded_error_is_a_rate_limit_stream_error_with_partial() {
    let err = decode(&fixture("overloaded.sse")).unwrap_err();
    let Error::Stream {
        reason,
        error_type,
        partial,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*reason, FailureReason::RateLimit);
    assert!(err.is_rate_limit());
    assert_eq!(error_type.as_deref(), Some("overloaded_error"));
    assert_eq!(partial.as_ref().unwrap().text(), "The answer starts");
    assert!(
        err.to_string().contains("overloaded_error: Overloaded"),
        "{err}"
    );
}

#[test]
fn truncated_stream_is_an_error_with_partial() {
    let err = decode(&fixture("truncated.sse")).unwrap_err();
    let Error::Stream {
        partial, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(message.contains("truncated"), "{message}");
    assert_eq!(partial.as_ref().unwrap().text(), "cut off mid");
    // Nothing at all.
    let err = decode(b"").unwrap_err();
    assert!(matches!(err, Error::Stream { partial: None, .. }));
}

#[test]
fn partial_is_visible_while_streaming() {
    let body = fixture("tool_use.sse");
    let text = String::from_utf8(body.clone()).unwrap();
    let cut = text.find("renheit").unwrap();
    let mut d = StreamDecoder::new();
    d.push(&body[..cut]).unwrap();
    let p = d.partial().unwrap();
    assert_eq!(
        p.text(),
        "Okay, let's check the weather for San Francisco, CA:"
    );
    assert_eq!(p.content.len(), 2);
    assert!(!d.is_complete());
    d.push(&body[cut..]).unwrap();
    assert!(d.is_complete());
    assert_eq!(d.finish().unwrap().content.len(), 3);
}

#[test]
fn typed_events_round_trip_as_json_and_callbacks_skip_ping() {
    let body = fixture("thinking.sse");
    let mut seen = Vec::new();
    let mut d = StreamDecoder::new();
    d.push_with(&body, |ev| seen.push(ev)).unwrap();
    let via_callback = d.finish().unwrap();
    assert_eq!(via_callback, decode(&body).unwrap());
    assert_eq!(seen.first().unwrap().type_name(), "message_start");
    assert_eq!(seen.last().unwrap(), &StreamEvent::MessageStop);
    assert!(seen.iter().all(|e| !matches!(e, StreamEvent::Ping)));
    for ev in &seen {
        let json = serde_json::to_string(ev).unwrap();
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["type"], ev.type_name());
        assert_eq!(
            &StreamEvent::parse(ev.type_name(), &json).unwrap().unwrap(),
            ev
        );
    }
    assert!(seen.iter().any(|e| matches!(
        e,
        StreamEvent::ContentBlockDelta {
            delta: ContentDelta::SignatureDelta { .. },
            ..
        }
    )));
}

#[test]
fn event_parsing_edge_cases() {
    assert_eq!(StreamEvent::parse("future", "{not json").unwrap(), None);
    assert_eq!(
        StreamEvent::parse("message", r#"{"type":"ping"}"#).unwrap(),
        Some(StreamEvent::Ping)
    );
    assert_eq!(
        StreamEvent::parse("message", r#"{"type":"new_thing"}"#).unwrap(),
        None
    );
    // `type` missing from the data: the event name decides.
    assert_eq!(
        StreamEvent::parse("content_block_stop", r#"{"index":3}"#).unwrap(),
        Some(StreamEvent::ContentBlockStop { index: 3 })
    );
    let unknown_delta = StreamEvent::parse(
        "content_block_delta",
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"future_delta","x":1}}"#,
    )
    .unwrap()
    .unwrap();
    assert!(matches!(
        unknown_delta,
        StreamEvent::ContentBlockDelta {
            delta: ContentDelta::Unknown,
            ..
        }
    ));
    let err = StreamEvent::parse("content_block_delta", "{").unwrap_err();
    assert_eq!(err.failure_reason(), Some(FailureReason::Format));
    assert!(err.to_string().contains("content_block_delta"), "{err}");
}

#[test]
fn inconsistent_streams_are_errors_not_panics() {
    let start = r#"{"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}"#;
    let mut acc = MessageAccumulator::new();
    let ev = |n: &str, d: &str| StreamEvent::parse(n, d).unwrap().unwrap();
    // Delta before message_start.
    assert!(
        acc.push(&ev("content_block_stop", r#"{"index":0}"#))
            .is_err()
    );
    acc.push(&ev("message_start", start)).unwrap();
    // Delta for a block that never started.
    let e = acc
        .push(&ev(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":4,"delta":{"type":"text_delta","text":"x"}}"#,
        ))
        .unwrap_err();
    assert_eq!(e.failure_reason(), Some(FailureReason::Format));
    // Invalid tool JSON at block stop (cut-off JSON is not invalid: what arrived is kept).
    acc.push(&ev(
        "content_block_start",
        r#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}"#,
    ))
    .unwrap();
    acc.push(&ev(
        "content_block_delta",
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\" 1"}}"#,
    ))
    .unwrap();
    let e = acc
        .push(&ev("content_block_stop", r#"{"index":0}"#))
        .unwrap_err();
    assert!(e.to_string().contains("input JSON"), "{e}");
    // A malformed known event through the decoder carries the partial message.
    let mut d = StreamDecoder::new();
    d.push(format!("event: message_start\ndata: {start}\n\n").as_bytes())
        .unwrap();
    let e = d
        .push(b"event: content_block_start\ndata: {oops\n\n")
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Stream {
                partial: Some(_),
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn oversized_event_is_a_stream_error() {
    let mut d = StreamDecoder::with_parser(SseParser::with_max_event_size(1024));
    let big = format!("event: content_block_delta\ndata: {}\n\n", "x".repeat(5000));
    let e = d.push(big.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("maximum event size"), "{e}");
}

#[test]
fn line_ending_variants_give_the_same_message() {
    for name in ["text.sse", "tool_use.sse", "thinking.sse"] {
        let lf = fixture(name);
        let want = decode(&lf).unwrap();
        assert_eq!(decode(&crlf(&lf)).unwrap(), want, "{name} CRLF");
        assert_eq!(decode(&cr(&lf)).unwrap(), want, "{name} CR");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(&lf);
        assert_eq!(decode(&bom).unwrap(), want, "{name} BOM");
    }
}

#[test]
fn every_single_split_point() {
    for name in ["text.sse", "tool_use.sse"] {
        let body = crlf(&fixture(name));
        let want = decode(&body).unwrap();
        let want_events = raw_events(&[&body]);
        for i in 0..=body.len() {
            assert_eq!(
                raw_events(&[&body[..i], &body[i..]]),
                want_events,
                "{name} @{i}"
            );
            assert_eq!(
                decode_chunks(&[&body[..i], &body[i..]]).unwrap(),
                want,
                "{name} @{i}"
            );
        }
    }
}

fn outcome(r: Result<Message, Error>) -> Result<Message, String> {
    r.map_err(|e| match e {
        Error::Stream {
            partial, message, ..
        } => format!("{message} / {:?}", partial.map(|p| p.text())),
        other => other.to_string(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_chunking_gives_identical_events_and_message(
        which in 0usize..5,
        line_ending in 0usize..3,
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
    ) {
        let name = ["text.sse", "tool_use.sse", "thinking.sse", "overloaded.sse", "truncated.sse"][which];
        let lf = fixture(name);
        let body = match line_ending { 0 => lf, 1 => crlf(&lf), _ => cr(&lf) };
        let chunks = split_at(&body, &cuts);
        prop_assert_eq!(raw_events(&chunks), raw_events(&[&body]));
        prop_assert_eq!(outcome(decode_chunks(&chunks)), outcome(decode(&body)));
        // The typed (callback) path agrees with the fast path.
        let mut d = StreamDecoder::new();
        let mut typed = Ok(());
        for c in &chunks {
            typed = d.push_with(c, |_| {});
            if typed.is_err() { break; }
        }
        let typed = typed.and_then(|_| d.finish());
        prop_assert_eq!(outcome(typed), outcome(decode(&body)));
    }
}

#[cfg(feature = "mock")]
mod over_http {
    use super::*;
    use claw_anthropic::mock::{MockReply, MockServer};
    use futures_util::StreamExt;

    async fn stream(server: &MockServer) -> Result<Message, Error> {
        let resp = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!("{}/v1/messages", server.url()))
            .header("x-api-key", "sk-ant-api03-abc")
            .header("anthropic-version", "2023-06-01")
            .json(
                &json!({"model": "claude-opus-4-5", "max_tokens": 100, "stream": true,
                          "messages": [{"role": "user", "content": "stream me"}]}),
            )
            .send()
            .await
            .unwrap();
        let mut body = resp.bytes_stream();
        let mut d = StreamDecoder::new();
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(c) => d.push(&c)?,
                Err(e) => {
                    return Err(d.accumulator().with_partial(Error::Stream {
                        reason: FailureReason::Unknown,
                        error_type: None,
                        message: e.to_string(),
                        partial: None,
                    }));
                }
            }
        }
        d.finish()
    }

    #[tokio::test]
    async fn mock_streams_decode() {
        let server = MockServer::start().await.unwrap();
        let m = stream(&server).await.unwrap();
        assert_eq!(m.text(), "stream me");
        assert_eq!(m.model, "claude-opus-4-5");
        assert!(m.usage.output_tokens >= 1);

        server.enqueue(MockReply::tool_use(
            "toolu_9",
            "lookup",
            json!({"q": "rust \"sse\"", "n": [1, 2]}),
        ));
        let m = stream(&server).await.unwrap();
        assert_eq!(
            m.tool_uses().next().unwrap().input,
            json!({"q": "rust \"sse\"", "n": [1, 2]})
        );
        assert_eq!(m.stop_reason.as_deref(), Some("tool_use"));

        server.enqueue(MockReply::text_stream(5000, 40).drip(4096, std::time::Duration::ZERO));
        let m = stream(&server).await.unwrap();
        assert_eq!(m.text().len(), 5000 * 40);

        server.enqueue(MockReply::stream_error(
            "so far",
            "overloaded_error",
            "Overloaded",
        ));
        let e = stream(&server).await.unwrap_err();
        assert!(e.is_rate_limit());
        let Error::Stream { partial, .. } = e else {
            panic!()
        };
        assert_eq!(partial.unwrap().text(), "so far");

        server.enqueue(MockReply::truncated("half"));
        let e = stream(&server).await.unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");

        // A FIN mid-body delivers everything sent: the text so far is kept.
        server.enqueue(MockReply::text_stream(1000, 40).close_after(20_000));
        let e = stream(&server).await.unwrap_err();
        let Error::Stream { partial, .. } = e else {
            panic!()
        };
        assert!(
            !partial.unwrap().text().is_empty(),
            "text before the cut is kept"
        );

        // A reset mid-body is an error too (what arrived before it may be lost).
        server.enqueue(MockReply::text_stream(1000, 40).reset_after(20_000));
        let e = stream(&server).await.unwrap_err();
        assert!(matches!(e, Error::Stream { .. }), "{e:?}");
    }
}

#[test]
fn callback_paths_agree_with_plain_parsing() {
    for name in ["text.sse", "tool_use.sse", "thinking.sse"] {
        let body = fixture(name);
        // Reference: every known non-ping event parsed on its own.
        let want: Vec<StreamEvent> = raw_events(&[&body])
            .iter()
            .filter_map(|(n, d)| StreamEvent::parse(n, d).unwrap())
            .filter(|e| !matches!(e, StreamEvent::Ping))
            .collect();
        let mut typed = Vec::new();
        let mut d = StreamDecoder::new();
        for c in body.chunks(5) {
            d.push_with(c, |e| typed.push(e)).unwrap();
        }
        assert_eq!(typed, want, "{name}");
        let m1 = d.finish().unwrap();

        let mut raw = Vec::new();
        let mut d = StreamDecoder::new();
        for c in body.chunks(5) {
            d.push_with_raw(c, |n, data| {
                raw.push(StreamEvent::parse(n, data).unwrap().unwrap())
            })
            .unwrap();
        }
        assert_eq!(raw, want, "{name}");
        assert_eq!(d.finish().unwrap(), m1);
    }
}

/// A stream that mixes the compact delta events the decoder recognises straight in the
/// received bytes with near-misses that must go through the SSE parser instead: escapes,
/// non-ASCII, invalid UTF-8, CRLF, trailing whitespace, an `id:` field, a comment, a missing
/// space after `data:`, an extra field, a delta for a block that is not text, thinking and
/// tool JSON deltas.
fn mixed_body() -> Vec<u8> {
    let start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n";
    let block = |i: usize, b: &str| {
        format!(
            "event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":{i},\"content_block\":{b}}}\n\n"
        )
    };
    let delta = |i: usize, kind: &str, field: &str, s: &str| {
        format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":{i},\"delta\":{{\"type\":\"{kind}\",\"{field}\":\"{s}\"}}}}\n\n"
        )
    };
    let text = |s: &str| delta(0, "text_delta", "text", s);
    let mut out: Vec<u8> = Vec::new();
    out.extend(start.as_bytes());
    out.extend(block(0, r#"{"type":"text","text":""}"#).as_bytes());
    for piece in [
        "plain ",
        r#"esc \"q\" \\ \n \u00e9 \ud83d\ude00 "#,
        "h\u{e9}llo \u{4e2d} ",
    ] {
        out.extend(text(piece).as_bytes());
    }
    // Invalid UTF-8 inside the string: the parser replaces it with U+FFFD.
    out.extend(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"bad\xFF \"}}\n\n");
    out.extend(text("crlf ").replace('\n', "\r\n").as_bytes());
    out.extend(text("lf-again ").as_bytes());
    out.extend(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"ws \"}}  \n\n");
    out.extend(b"id: 42\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"id \"}}\n\n");
    out.extend(b": keep-alive\n\n");
    out.extend(b"event: content_block_delta\ndata:{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"nospace \"}}\n\n");
    out.extend(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"extra \",\"x\":1}}\n\n");
    out.extend(text("end").as_bytes());
    out.extend(
        b"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    out.extend(block(1, r#"{"type":"thinking","thinking":""}"#).as_bytes());
    out.extend(delta(1, "thinking_delta", "thinking", "hmm ").as_bytes());
    // A text delta for the thinking block: not applied by the fast path.
    out.extend(delta(1, "text_delta", "text", "stray").as_bytes());
    out.extend(delta(1, "thinking_delta", "thinking", r#"\"ok\""#).as_bytes());
    out.extend(
        b"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
    );
    out.extend(block(2, r#"{"type":"tool_use","id":"t","name":"f","input":{}}"#).as_bytes());
    for piece in [r#"{\"a\": "#, r#"[1, \"\u00e9\"]"#, "}"] {
        out.extend(delta(2, "input_json_delta", "partial_json", piece).as_bytes());
    }
    out.extend(
        b"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
    );
    out.extend(b"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n");
    out.extend(b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out
}

/// The reference: the SSE parser, then each event parsed and applied on its own.
fn reference(body: &[u8]) -> (Vec<StreamEvent>, Result<Message, String>) {
    let mut acc = MessageAccumulator::new();
    let mut events = Vec::new();
    for (name, data) in raw_events(&[body]) {
        let Some(ev) = StreamEvent::parse(&name, &data).unwrap() else {
            continue;
        };
        acc.push(&ev).unwrap();
        if !matches!(ev, StreamEvent::Ping) {
            events.push(ev);
        }
    }
    (events, outcome(acc.finish()))
}

#[test]
fn direct_fast_path_and_fallbacks_agree_with_the_parser_at_every_split_point() {
    let body = mixed_body();
    let (want_events, want) = reference(&body);
    let m = want.clone().unwrap();
    assert!(m.text().contains("bad\u{FFFD} ") && m.text().contains("nospace extra "));
    assert!(
        m.text()
            .starts_with("plain esc \"q\" \\ \n \u{e9} \u{1F600} h\u{e9}llo")
    );
    for i in 0..=body.len() {
        let chunks = [&body[..i], &body[i..]];
        assert_eq!(outcome(decode_chunks(&chunks)), want, "push @{i}");
        let mut d = StreamDecoder::new();
        let mut typed = Vec::new();
        for c in chunks {
            d.push_with(c, |e| typed.push(e)).unwrap();
        }
        assert_eq!(typed, want_events, "push_with @{i}");
        assert_eq!(outcome(d.finish()), want, "push_with @{i}");
        let mut d = StreamDecoder::new();
        let mut raw = Vec::new();
        for c in chunks {
            d.push_with_raw(c, |n, data| {
                raw.push(StreamEvent::parse(n, data).unwrap().unwrap())
            })
            .unwrap();
        }
        assert_eq!(raw, want_events, "push_with_raw @{i}");
        assert_eq!(outcome(d.finish()), want, "push_with_raw @{i}");
    }
    // Byte by byte, too.
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(outcome(decode_chunks(&bytes)), want);
}

#[test]
fn raw_control_character_in_a_delta_is_a_format_error_with_partial() {
    let body = mixed_body();
    let cut = body.windows(4).position(|w| w == b"end\"").expect("marker")
        - "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"".len();
    let bad = b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"ctl\x01\"}}\n\n";
    let mut d = StreamDecoder::new();
    d.push(&body[..cut]).unwrap();
    match d.push(bad) {
        Err(Error::Stream {
            reason, partial, ..
        }) => {
            assert_eq!(reason, FailureReason::Format);
            let text = partial.unwrap().text();
            assert!(
                text.ends_with("nospace extra ") && !text.contains("ctl"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn compact_delta_over_the_event_size_limit_is_reported_not_applied() {
    let body = mixed_body();
    // Every event of the stream but the deltas fits in 260 bytes; a 400-byte delta does not.
    let big = format!(
        "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"{}\"}}}}\n\n",
        "x".repeat(300)
    );
    let cut = body
        .windows(4)
        .position(|w| w == b"lf-a")
        .expect("marker")
        - "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"".len();
    let mut d = StreamDecoder::with_parser(SseParser::with_max_event_size(260));
    d.push(&body[..cut]).unwrap();
    let before = d.partial().unwrap().text();
    let err = d.push(big.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("maximum event size"), "{err}");
    match err {
        Error::Stream { partial, .. } => assert_eq!(partial.unwrap().text(), before),
        other => panic!("{other:?}"),
    }
    assert!(!d.partial().unwrap().text().contains('x'));
}

#[test]
fn error_event_after_fast_deltas_keeps_them_in_the_partial() {
    let mut body = mixed_body();
    let at = body.windows(4).position(|w| w == b"end\"").expect("marker");
    let at = at + body[at..].windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    body.truncate(at);
    body.extend(b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
    body.extend(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"after\"}}\n\n");
    for i in [0, 1, body.len() / 2, body.len() - 60, body.len()] {
        match decode_chunks(&[&body[..i], &body[i..]]) {
            Err(Error::Stream {
                reason,
                error_type,
                partial,
                ..
            }) => {
                assert_eq!(reason, FailureReason::RateLimit, "@{i}");
                assert_eq!(error_type.as_deref(), Some("overloaded_error"));
                let text = partial.unwrap().text();
                assert!(
                    text.ends_with("end") && !text.contains("after"),
                    "@{i}: {text}"
                );
            }
            other => panic!("@{i}: {other:?}"),
        }
    }
}
