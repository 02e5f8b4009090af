use super::*;

fn unescape(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    unescape_into(s, &mut out).map(|n| (out, n))
}

#[test]
fn unescape_matches_serde() {
    for raw in [
        r#"plain""#,
        r#"a\"b\\c\/d\n\t\r\b\f""#,
        r#"\u00e9\u4e2d\ud83d\ude00 x""#,
        r#"""#,
    ] {
        let (got, n) = unescape(raw).unwrap();
        assert_eq!(n, raw.len());
        let want: String = serde_json::from_str(&format!("\"{raw}")).unwrap();
        assert_eq!(got, want);
    }
    for bad in [r#"\x""#, r#"\ud83d""#, r#"\u12"#, "no end", "ctl\u{1}\""] {
        assert!(unescape(bad).is_none(), "{bad}");
    }
}

#[test]
fn string_run_finds_the_first_special_byte() {
    let naive = |b: &[u8], i: usize| {
        b[i..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .map(|p| p + i)
    };
    // Every position of every special byte, among ASCII and non-ASCII neighbours and
    // bytes just above the thresholds (0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xFF).
    let fill = [b'a', 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF];
    for len in 0..40 {
        for &f in &fill {
            let mut b = vec![f; len];
            assert_eq!(string_run(&b, 0), naive(&b, 0));
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x01, 0x1F] {
                    let keep = b[at];
                    b[at] = special;
                    for start in 0..=at.min(9) {
                        assert_eq!(string_run(&b, start), naive(&b, start), "{b:?} {start}");
                    }
                    // A second special byte after the first does not change the answer.
                    if at + 1 < len {
                        let k2 = b[len - 1];
                        b[len - 1] = b'"';
                        assert_eq!(string_run(&b, 0), naive(&b, 0));
                        b[len - 1] = k2;
                    }
                    b[at] = keep;
                }
            }
        }
    }
}

#[test]
fn fast_path_falls_back_without_side_effects() {
    let mut acc = MessageAccumulator::new();
    acc.push(
        &StreamEvent::parse(
            "message_start",
            r#"{"type":"message_start","message":{"id":"m"}}"#,
        )
        .unwrap()
        .unwrap(),
    )
    .unwrap();
    acc.push(
        &StreamEvent::parse(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        )
        .unwrap()
        .unwrap(),
    )
    .unwrap();
    assert!(acc.fast_delta(
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\nb"}}"#
    ));
    // Extra field after the text: not the fast shape; nothing appended.
    assert!(!acc.fast_delta(r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"zz","x":1}}"#));
    // Block 1 does not exist.
    assert!(!acc.fast_delta(
        r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"zz"}}"#
    ));
    assert_eq!(acc.partial().unwrap().text(), "a\nb");
}

/// A stream whose tool input JSON stops at `cut` (pieces of the given size), then
/// `content_block_stop` when `stopped`, then `max_tokens`.
fn cut_tool_stream(block: &str, cut: &str, piece: usize, stopped: bool) -> String {
    let mut s = String::new();
    let mut ev = |name: &str, data: serde_json::Value| {
        s.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    };
    ev(
        "message_start",
        serde_json::json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
            "role": "assistant", "model": "m", "content": [], "usage": {"input_tokens": 1, "output_tokens": 1}}}),
    );
    ev(
        "content_block_start",
        serde_json::json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": block, "id": "toolu_1", "name": "write", "input": {}}}),
    );
    let chars: Vec<char> = cut.chars().collect();
    for p in chars.chunks(piece) {
        let p: String = p.iter().collect();
        ev(
            "content_block_delta",
            serde_json::json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": p}}),
        );
    }
    if stopped {
        ev(
            "content_block_stop",
            serde_json::json!({"type": "content_block_stop", "index": 0}),
        );
    }
    ev(
        "message_delta",
        serde_json::json!({"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 9}}),
    );
    ev("message_stop", serde_json::json!({"type": "message_stop"}));
    s
}

#[test]
fn a_cut_off_tool_input_keeps_what_arrived_and_the_raw_json() {
    let cut = r#"{"path": "/tmp/a.txt", "lines": [1, 2], "content": "Dear Al"#;
    for (stopped, piece) in [(true, 5), (false, 3), (true, 1000)] {
        let mut d = StreamDecoder::new();
        d.push(cut_tool_stream("tool_use", cut, piece, stopped).as_bytes())
            .unwrap();
        let m = d.finish().unwrap();
        assert_eq!(m.stop_reason.as_deref(), Some("max_tokens"));
        let t = m.tool_uses().next().unwrap();
        assert_eq!(
            t.input,
            serde_json::json!({"path": "/tmp/a.txt", "lines": [1, 2], "content": "Dear Al"})
        );
        assert_eq!(t.partial_json.as_deref(), Some(cut));
        assert!(!t.is_input_complete());
        // Never sent back: the raw text is not part of the block's JSON.
        let v = serde_json::to_value(&m.content[0]).unwrap();
        assert!(v.get("partial_json").is_none(), "{v}");
    }
    // A complete input is marked complete.
    let whole = r#"{"path": "/tmp/a.txt"}"#;
    let mut d = StreamDecoder::new();
    d.push(cut_tool_stream("tool_use", whole, 4, true).as_bytes())
        .unwrap();
    let m = d.finish().unwrap();
    let t = m.tool_uses().next().unwrap();
    assert_eq!(t.input, serde_json::json!({"path": "/tmp/a.txt"}));
    assert!(t.is_input_complete());
}

#[test]
fn a_cut_off_server_tool_input_keeps_what_arrived() {
    let cut = r#"{"query": "weather in Par"#;
    let mut d = StreamDecoder::new();
    d.push(cut_tool_stream("server_tool_use", cut, 4, true).as_bytes())
        .unwrap();
    let m = d.finish().unwrap();
    let v = serde_json::to_value(&m.content[0]).unwrap();
    assert_eq!(v["input"], serde_json::json!({"query": "weather in Par"}));
}

#[test]
fn tool_input_that_is_not_json_is_still_an_error() {
    let mut d = StreamDecoder::new();
    let r = d.push(cut_tool_stream("tool_use", r#"{"a": 1}}"#, 100, true).as_bytes());
    let e = r.err().or_else(|| d.finish().err()).expect("an error");
    assert!(e.to_string().contains("invalid"), "{e}");
}

/// A stream mixing compact text deltas (the fast path), deltas the parser has to read (extra
/// spaces, a CRLF event), escapes, a thinking block and a tool block whose deltas are not text.
fn mixed_stream() -> String {
    let mut s = String::from(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":0}}}\n\n\
         event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n\
         event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}\n\n\
         event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
         event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    );
    for (i, piece) in ["Hel", "lo \\\"w\\u00f6rld\\\"", "\\n", "\\ud83d\\ude00!"]
        .iter()
        .enumerate()
    {
        if i % 2 == 0 {
            s.push_str(&format!(
                "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{{\"type\":\"text_delta\",\"text\":\"{piece}\"}}}}\n\n"
            ));
        } else {
            s.push_str(&format!(
                "event: content_block_delta\r\ndata: {{ \"type\": \"content_block_delta\", \"index\": 1, \"delta\": {{ \"type\": \"text_delta\", \"text\": \"{piece}\" }} }}\r\n\r\n"
            ));
        }
    }
    s.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n\
         event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{}}}\n\n\
         event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":1}\"}}\n\n\
         event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n\
         event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n\
         event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    s
}

#[test]
fn push_text_appends_exactly_the_text_deltas_push_with_hands_over() {
    let body = mixed_stream();
    let bytes = body.as_bytes();
    // The reference: every TextDelta push_with hands over, in order, in one chunk.
    let mut reference = String::new();
    let mut d = StreamDecoder::new();
    d.push_with(bytes, |ev| {
        if let StreamEvent::ContentBlockDelta {
            delta: ContentDelta::TextDelta { text },
            ..
        } = ev
        {
            reference.push_str(&text);
        }
    })
    .unwrap();
    let want = d.finish().unwrap();
    assert_eq!(reference, "Hello \"wörld\"\n😀!");
    // push_text, the body cut at every byte: the same text and the same final message.
    for cut in 0..=bytes.len() {
        let mut d = StreamDecoder::new();
        let mut text = String::new();
        d.push_text(&bytes[..cut], &mut text).unwrap();
        d.push_text(&bytes[cut..], &mut text).unwrap();
        assert_eq!(text, reference, "cut at {cut}");
        assert_eq!(d.finish().unwrap(), want, "cut at {cut}");
    }
}

#[test]
fn push_text_keeps_the_text_before_an_error_event() {
    let mut body = mixed_stream();
    let stop = body
        .find("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}")
        .unwrap();
    body.truncate(stop);
    body.push_str("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
    let mut d = StreamDecoder::new();
    let mut text = String::new();
    let err = d.push_text(body.as_bytes(), &mut text).unwrap_err();
    assert_eq!(text, "Hello \"wörld\"\n😀!");
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
}
