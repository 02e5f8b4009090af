//! Rendering of Messages API replies: the JSON message and its SSE event sequence.

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Value, json};

/// Appends one SSE event (`event:` + one `data:` line + blank line).
pub(crate) fn push_event(out: &mut BytesMut, name: &str, data: &str) {
    out.reserve(name.len() + data.len() + 16);
    out.put_slice(b"event: ");
    out.put_slice(name.as_bytes());
    out.put_slice(b"\ndata: ");
    out.put_slice(data.as_bytes());
    out.put_slice(b"\n\n");
}

/// Appends one SSE event whose data is `value` serialised on one line.
pub(crate) fn push_json_event(out: &mut BytesMut, name: &str, value: &Value) {
    // serde_json never emits raw newlines in compact output.
    let data = value.to_string();
    push_event(out, name, &data);
}

/// Rough token estimate: characters / 4, at least 1.
pub(crate) fn estimate_tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4).max(1)
}

/// The context a reply is rendered in.
pub(crate) struct Ctx<'a> {
    /// Request counter (1-based) — used for ids.
    pub n: u64,
    /// Model from the request body.
    pub model: &'a str,
    /// Input token estimate.
    pub input_tokens: u64,
}

fn text_len(blocks: &[Value]) -> usize {
    blocks
        .iter()
        .map(|b| match b.get("type").and_then(Value::as_str) {
            Some("text") => b.get("text").and_then(Value::as_str).map_or(0, str::len),
            Some("thinking") => b
                .get("thinking")
                .and_then(Value::as_str)
                .map_or(0, str::len),
            Some("tool_use") => b.get("input").map_or(0, |v| v.to_string().len()),
            _ => 0,
        })
        .sum()
}

fn stop_reason(blocks: &[Value]) -> &'static str {
    if blocks
        .iter()
        .any(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
    {
        "tool_use"
    } else {
        "end_turn"
    }
}

/// The full (non-streaming) message JSON for `blocks`.
pub(crate) fn message_json(ctx: &Ctx<'_>, blocks: &[Value]) -> Value {
    json!({
        "id": format!("msg_mock_{}", ctx.n),
        "type": "message",
        "role": "assistant",
        "model": ctx.model,
        "content": blocks,
        "stop_reason": stop_reason(blocks),
        "stop_sequence": null,
        "usage": {
            "input_tokens": ctx.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": estimate_tokens(text_len(blocks)),
        }
    })
}

/// Splits `s` into pieces of at most `max` bytes at char boundaries (never empty pieces).
pub(crate) fn pieces(s: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let mut end = max.min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

/// `message_start` (+ `ping`) of a streamed message.
pub(crate) fn push_stream_head(out: &mut BytesMut, ctx: &Ctx<'_>) {
    push_json_event(
        out,
        "message_start",
        &json!({"type": "message_start", "message": {
            "id": format!("msg_mock_{}", ctx.n),
            "type": "message",
            "role": "assistant",
            "model": ctx.model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": {
                "input_tokens": ctx.input_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 1,
            }
        }}),
    );
    push_event(out, "ping", r#"{"type": "ping"}"#);
}

/// The start / delta… / stop events of one content block.
pub(crate) fn push_block(out: &mut BytesMut, index: usize, block: &Value) {
    let ty = block.get("type").and_then(Value::as_str).unwrap_or("text");
    let start_block = match ty {
        "text" => json!({"type": "text", "text": ""}),
        "thinking" => json!({"type": "thinking", "thinking": ""}),
        "tool_use" | "server_tool_use" => json!({
            "type": ty,
            "id": block.get("id").cloned().unwrap_or(Value::Null),
            "name": block.get("name").cloned().unwrap_or(Value::Null),
            "input": {},
        }),
        _ => block.clone(),
    };
    push_json_event(
        out,
        "content_block_start",
        &json!({"type": "content_block_start", "index": index, "content_block": start_block}),
    );
    let delta = |out: &mut BytesMut, d: Value| {
        push_json_event(
            out,
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": index, "delta": d}),
        );
    };
    match ty {
        "text" => {
            let text = block.get("text").and_then(Value::as_str).unwrap_or("");
            for p in pieces(text, 16) {
                delta(out, json!({"type": "text_delta", "text": p}));
            }
        }
        "thinking" => {
            let text = block.get("thinking").and_then(Value::as_str).unwrap_or("");
            for p in pieces(text, 16) {
                delta(out, json!({"type": "thinking_delta", "thinking": p}));
            }
            if let Some(sig) = block.get("signature").and_then(Value::as_str) {
                delta(out, json!({"type": "signature_delta", "signature": sig}));
            }
        }
        "tool_use" | "server_tool_use" => {
            let input = block.get("input").cloned().unwrap_or_else(|| json!({}));
            let text = input.to_string();
            delta(out, json!({"type": "input_json_delta", "partial_json": ""}));
            for p in pieces(&text, 7) {
                delta(out, json!({"type": "input_json_delta", "partial_json": p}));
            }
        }
        _ => {}
    }
    push_json_event(
        out,
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": index}),
    );
}

/// `message_delta` + `message_stop`.
pub(crate) fn push_stream_tail(out: &mut BytesMut, stop_reason: &str, output_tokens: u64) {
    push_json_event(
        out,
        "message_delta",
        &json!({"type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                "usage": {"output_tokens": output_tokens}}),
    );
    push_event(out, "message_stop", r#"{"type":"message_stop"}"#);
}

/// The whole SSE event sequence of a message with `blocks`.
pub(crate) fn message_sse(ctx: &Ctx<'_>, blocks: &[Value]) -> Bytes {
    let mut out = BytesMut::with_capacity(1024);
    push_stream_head(&mut out, ctx);
    for (i, b) in blocks.iter().enumerate() {
        push_block(&mut out, i, b);
    }
    push_stream_tail(
        &mut out,
        stop_reason(blocks),
        estimate_tokens(text_len(blocks)),
    );
    out.freeze()
}

/// A long text stream: `n_deltas` `text_delta` events of `delta_len` bytes each (pseudo-words,
/// with an escaped newline or quote now and then, as real text has).
pub(crate) fn text_stream(ctx: &Ctx<'_>, n_deltas: usize, delta_len: usize) -> Bytes {
    const WORDS: [&str; 12] = [
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dogs ", "while ",
        "claude ", "streams ", "tokens ",
    ];
    let per_event = 90 + delta_len + delta_len / 4;
    let mut out = BytesMut::with_capacity(n_deltas * per_event + 2048);
    push_stream_head(&mut out, ctx);
    push_event(
        &mut out,
        "content_block_start",
        r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
    );
    let mut w = 0usize;
    let mut piece = String::with_capacity(delta_len + 8);
    let mut data = String::with_capacity(delta_len * 2 + 96);
    let mut total_chars = 0usize;
    for i in 0..n_deltas {
        piece.clear();
        while piece.len() < delta_len {
            piece.push_str(WORDS[w % WORDS.len()]);
            w += 1;
        }
        piece.truncate(delta_len);
        if delta_len >= 2 && i % 10 == 9 {
            piece.pop();
            piece.push('\n');
        }
        if delta_len >= 2 && i % 25 == 24 {
            piece.replace_range(0..1, "\"");
        }
        total_chars += piece.len();
        data.clear();
        data.push_str(
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"#,
        );
        // JSON string encoding of the piece.
        data.push_str(&serde_json::to_string(&piece).unwrap_or_default());
        data.push_str("}}");
        push_event(&mut out, "content_block_delta", &data);
    }
    push_event(
        &mut out,
        "content_block_stop",
        r#"{"type":"content_block_stop","index":0}"#,
    );
    push_stream_tail(&mut out, "end_turn", estimate_tokens(total_chars));
    out.freeze()
}

/// The SSE events of a stream that fails: some text, then an `error` event.
pub(crate) fn stream_error(ctx: &Ctx<'_>, text: &str, error_type: &str, message: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(1024);
    push_stream_head(&mut out, ctx);
    let block = json!({"type": "text", "text": text});
    push_block_without_stop(&mut out, 0, &block);
    push_json_event(
        &mut out,
        "error",
        &json!({"type": "error", "error": {"type": error_type, "message": message}}),
    );
    out.freeze()
}

/// The SSE events of a stream cut short: message_start and some text, no stop events.
pub(crate) fn truncated(ctx: &Ctx<'_>, text: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(1024);
    push_stream_head(&mut out, ctx);
    push_block_without_stop(&mut out, 0, &json!({"type": "text", "text": text}));
    out.freeze()
}

fn push_block_without_stop(out: &mut BytesMut, index: usize, block: &Value) {
    let mut tmp = BytesMut::new();
    push_block(&mut tmp, index, block);
    // Remove the trailing content_block_stop event.
    let stop = format!(
        "event: content_block_stop\ndata: {}\n\n",
        json!({"type": "content_block_stop", "index": index})
    );
    let len = tmp.len() - stop.len();
    out.put_slice(&tmp[..len]);
}

/// An Anthropic error body.
pub(crate) fn error_body(error_type: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": error_type, "message": message}})
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time in seconds.
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn pieces_respect_char_boundaries() {
        let p = pieces("h\u{e9}\u{e9}\u{e9}llo", 2);
        assert_eq!(p.concat(), "h\u{e9}\u{e9}\u{e9}llo");
        assert!(p.iter().all(|s| !s.is_empty()));
    }

    #[test]
    fn text_stream_size() {
        let ctx = Ctx {
            n: 1,
            model: "claude-mock",
            input_tokens: 3,
        };
        let b = text_stream(&ctx, 50_000, 48);
        assert!(b.len() > 7_000_000 && b.len() < 8_500_000, "{}", b.len());
    }
}
