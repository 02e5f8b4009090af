//! Hostile input: the JSON5 config loader, the SSE parser / stream decoder, the auth-store
//! reader and the request JSON entry point get random bytes, 10,000-deep nesting, 100 MB
//! strings, invalid UTF-8 and NUL bytes. None may panic or hang; each failure is a typed error
//! with a clear message (or the input is handled in bounded memory).

use claw_anthropic::auth::AuthStore;
use claw_anthropic::auth::store::read_store_file;
use claw_anthropic::client::sse::SseParser;
use claw_anthropic::client::stream::StreamDecoder;
use claw_anthropic::request::messages::MessageRequest;
use claw_anthropic::{Config, Error};
use proptest::prelude::*;
use std::path::Path;
use std::time::Duration;

use crate::support::bytes_allocated_by;

const DEEP: usize = 10_000;
const HUGE: usize = 100 * 1024 * 1024;

fn deep_object(n: usize) -> String {
    let mut s = String::with_capacity(n * 6 + 8);
    for _ in 0..n {
        s.push_str("{\"a\":");
    }
    s.push('1');
    for _ in 0..n {
        s.push('}');
    }
    s
}

fn deep_array(n: usize) -> String {
    format!("{}{}", "[".repeat(n), "]".repeat(n))
}

/// Runs `f` on a thread with a small stack (512 KiB, a quarter of a Rust thread's default;
/// `REL_STACK_KB` overrides): recursion on attacker-controlled depth
/// would overflow it (an abort, which fails the test run) long before 10,000 levels.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(
            std::env::var("REL_STACK_KB")
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(512)
                * 1024,
        )
        .spawn(f)
        .unwrap()
        .join()
        .expect("the call panicked")
}

/// Not a timing assertion: a guard against a hang (an infinite loop shows up as a failure
/// after a generous bound instead of a stuck CI run).
fn no_hang<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(300))
        .unwrap_or_else(|_| panic!("{what} did not return within 300 s"))
}

fn config_err(r: claw_anthropic::Result<Config>) -> String {
    match r {
        Err(Error::Config(e)) => {
            assert!(!e.diagnostics.is_empty());
            e.to_string()
        }
        Err(other) => panic!("expected a config error, got {other}"),
        Ok(_) => panic!("hostile config accepted"),
    }
}

// ---- config -----------------------------------------------------------------------------------

#[test]
fn config_deep_nesting_is_refused_without_recursion() {
    for text in [
        deep_object(DEEP),
        deep_array(DEEP),
        format!("{{ other: {} }}", deep_array(DEEP)),
        format!(
            "{{ agents: {{ defaults: {{ models: {} }} }} }}",
            deep_object(DEEP)
        ),
        // Unclosed.
        "[".repeat(DEEP),
        "{a:".repeat(DEEP),
    ] {
        let msg = small_stack(move || config_err(Config::from_json5(&text)));
        assert!(msg.len() < 2000, "{msg}");
    }
}

#[test]
fn config_huge_text_is_refused_with_a_clear_error() {
    let text = format!("{{ other: \"{}\" }}", "x".repeat(HUGE));
    let msg = config_err(Config::from_json5(&text));
    assert!(msg.contains("too large"), "{msg}");
    assert!(msg.len() < 500);
    // The same from a file.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("clawdbot.json");
    std::fs::write(&p, &text).unwrap();
    let msg = config_err(Config::load_from(&p));
    assert!(msg.contains("clawdbot.json"), "{msg}");
}

#[test]
fn config_long_but_allowed_string_is_handled() {
    // 15 MB in one string, under the 16 MiB limit: parsed, kept, no quadratic blow-up.
    let text = format!("{{ channels: {{ note: \"{}\" }} }}", "y".repeat(15_000_000));
    let c = no_hang("a 15 MB config string", move || {
        Config::from_json5(&text).unwrap()
    });
    assert_eq!(
        c.raw().unwrap()["channels"]["note"].as_str().unwrap().len(),
        15_000_000
    );
}

#[test]
fn config_invalid_utf8_and_nul_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("clawdbot.json");
    for bytes in [
        b"{ a: \"\xff\xfe\" }".to_vec(),
        b"\xef\xbb\xbf{}\xc3".to_vec(),
        b"{ \x00 }".to_vec(),
        b"\x00\x00\x00\x00".to_vec(),
        b"{ agents: { defaults: { model: \"a\x00b\" } } }".to_vec(),
    ] {
        std::fs::write(&p, &bytes).unwrap();
        let r = Config::load_from(&p);
        if let Err(e) = &r {
            assert!(e.is_config(), "{e}");
            assert!(e.to_string().contains("clawdbot.json"), "{e}");
        }
    }
    // NUL inside a JSON string is legal JSON5 text; it must not crash model resolution.
    let c = Config::from_json5("{ agents: { defaults: { model: \"anthropic/x\\u0000y\" } } }");
    if let Ok(c) = c {
        let _ = c.default_model();
    }
    // A NUL in a header value is refused: the config loads (header values are checked when a
    // request is built), and building a request names the header — it could never be sent.
    let c = Config::from_json5(
        "{ models: { providers: { anthropic: { headers: { \"x-a\": \"v\\u0000w\" } } } } }",
    )
    .expect("a NUL inside a JSON5 string is valid config text");
    let secret = secrecy::SecretString::from("sk-ant-api03-test".to_owned());
    let e = claw_anthropic::request::build::build_messages(
        &c,
        claw_anthropic::request::build::AuthHeader::new(
            claw_anthropic::auth::credential::CredentialKind::ApiKey,
            &secret,
        ),
        MessageRequest::new(
            "anthropic/claude-opus-4-5",
            vec![claw_anthropic::request::messages::MessageParam::user("x")],
        ),
        &claw_anthropic::request::build::BuildOptions::default(),
    )
    .expect_err("a header value holding NUL must not be built");
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("`x-a`") && msg.contains("NUL"), "{msg}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn config_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = Config::from_json5(&text);
    }

    #[test]
    fn config_random_nesting_never_panics(open in proptest::collection::vec(prop_oneof![Just('{'), Just('['), Just('"'), Just(':'), Just(',')], 0..400)) {
        let text: String = open.into_iter().collect();
        let _ = Config::from_json5(&text);
    }
}

// ---- SSE parser and stream decoder -----------------------------------------------------------

fn decode_all(body: &[u8], chunk: usize) -> claw_anthropic::Result<()> {
    let mut d = StreamDecoder::new();
    for c in body.chunks(chunk.max(1)) {
        d.push(c)?;
    }
    d.finish().map(|_| ())
}

#[test]
fn sse_deeply_nested_data_is_an_error_not_a_crash() {
    let obj = deep_object(DEEP);
    let arr = deep_array(DEEP);
    let start = r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}"#;
    for body in [
        format!("event: message_start\ndata: {obj}\n\n"),
        format!(
            "event: message_start\ndata: {start}\n\nevent: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{arr}}}}}\n\n"
        ),
        format!(
            "event: message_start\ndata: {start}\n\nevent: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{{}}}}}}\n\nevent: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}}}\n\nevent: content_block_stop\ndata: {{\"type\":\"content_block_stop\",\"index\":0}}\n\n",
            arr
        ),
        format!("event: error\ndata: {obj}\n\n"),
        format!("data: {arr}\n\n"),
    ] {
        let r = small_stack(move || decode_all(body.as_bytes(), 4096));
        let e = r.expect_err("deep nesting must be refused");
        assert!(matches!(e, Error::Stream { .. }), "{e:?}");
        assert!(e.to_string().len() < 2000);
    }
}

#[test]
fn sse_hundred_megabyte_event_is_refused_in_bounded_memory() {
    // One event of 100 MB arriving in 64 KiB chunks: refused once it passes the 16 MiB cap,
    // and the parser does not keep buffering the rest.
    let mut p = SseParser::new();
    let mut errors = 0;
    let mut max_buffered = 0;
    p.push(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"");
    let chunk = vec![b'z'; 64 * 1024];
    for _ in 0..(HUGE / chunk.len()) {
        for e in p.push(&chunk) {
            assert!(e.is_err());
            errors += 1;
        }
        max_buffered = max_buffered.max(p.buffered());
    }
    for e in p.push(b"\"}}\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n") {
        match e {
            Ok(ev) => assert_eq!(ev.event, "ping"),
            Err(_) => errors += 1,
        }
    }
    assert_eq!(errors, 1, "exactly one oversized-event error");
    assert!(
        max_buffered <= claw_anthropic::client::sse::DEFAULT_MAX_EVENT_SIZE + 64 * 1024,
        "buffered {max_buffered} bytes"
    );
    p.finish().unwrap();

    // The decoder turns it into a typed error.
    let mut d = StreamDecoder::new();
    let mut failed = false;
    d.push(b"event: content_block_delta\ndata: \"").unwrap();
    for _ in 0..(20 * 1024 * 1024 / chunk.len()) {
        if d.push(&chunk).is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "an oversized event must fail the stream");
}

#[test]
fn sse_one_line_without_newline_does_not_grow_forever() {
    let mut p = SseParser::new();
    let chunk = vec![b'd'; 1024 * 1024];
    let mut errs = 0;
    for _ in 0..40 {
        errs += p.push(&chunk).filter(Result::is_err).count();
        assert!(p.buffered() <= claw_anthropic::client::sse::DEFAULT_MAX_EVENT_SIZE + chunk.len());
    }
    assert_eq!(errs, 1);
}

#[test]
fn sse_invalid_utf8_and_nul_bytes() {
    // (body, the (event, data) pairs the parser yields, whether the stream ends cleanly).
    // Invalid UTF-8 becomes U+FFFD wherever the chunk boundaries fall; NUL bytes are data.
    type Case = (&'static [u8], &'static [(&'static str, &'static str)], bool);
    let cases: [Case; 5] = [
        (
            b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":\"\xff\"}\n\n",
            &[(
                "message_start",
                "{\"type\":\"message_start\",\"message\":\"\u{FFFD}\"}",
            )],
            true,
        ),
        (b"event: \xc3\x28\ndata: {}\n\n", &[("\u{FFFD}(", "{}")], true),
        (b"data: \x00\x00\x00\n\n", &[("message", "\0\0\0")], true),
        (
            // A UTF-16 surrogate encoded as UTF-8: three invalid bytes, three replacements.
            b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"\xed\xa0\x80\"}}\n\n",
            &[(
                "content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"\u{FFFD}\u{FFFD}\u{FFFD}\"}}",
            )],
            true,
        ),
        // Only the first BOM is skipped; the rest is an unknown field, blank lines, and a
        // NUL byte that never ends its line.
        (b"\xef\xbb\xbf\xef\xbb\xbf:comment\r\r\n\n\x00", &[], false),
    ];
    for (body, expected, clean_end) in cases {
        for chunk in [1, 3, 7, 1000] {
            let _ = decode_all(body, chunk);
            let mut p = SseParser::new();
            let mut got = Vec::new();
            for c in body.chunks(chunk) {
                for e in p.push(c) {
                    let e = e.expect("no event of these bodies is refused");
                    got.push((e.event.into_owned(), e.data.into_owned()));
                }
            }
            let want: Vec<(String, String)> = expected
                .iter()
                .map(|(e, d)| ((*e).to_owned(), (*d).to_owned()))
                .collect();
            assert_eq!(got, want, "chunks of {chunk}: {}", body.escape_ascii());
            assert_eq!(p.finish().is_ok(), clean_end, "{}", body.escape_ascii());
        }
    }

    // The stream decoder keeps the replacement in the text it accumulates.
    let start = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    );
    let mut body = start.as_bytes().to_vec();
    body.extend_from_slice(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\xffb\\u0000c\xc3\"}}\n\n");
    body.extend_from_slice(b"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    for chunk in [1, 3, 7, 1000, body.len()] {
        let mut d = StreamDecoder::new();
        for c in body.chunks(chunk) {
            d.push(c).unwrap();
        }
        let m = d.finish().unwrap();
        assert_eq!(m.text(), "a\u{FFFD}b\0c\u{FFFD}", "chunks of {chunk}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sse_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), chunk in 1usize..64) {
        let _ = decode_all(&bytes, chunk);
    }

    #[test]
    fn sse_random_events_never_panic(
        events in proptest::collection::vec((
            prop_oneof![Just("message_start"), Just("content_block_start"), Just("content_block_delta"),
                        Just("content_block_stop"), Just("message_delta"), Just("message_stop"),
                        Just("error"), Just("ping"), Just("zzz")],
            prop_oneof![
                Just("{}".to_owned()),
                Just("{\"type\":\"content_block_delta\",\"index\":18446744073709551615,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}".to_owned()),
                Just("{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\"}}".to_owned()),
                Just("{\"type\":\"content_block_start\",\"index\":5,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}".to_owned()),
                Just("{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}".to_owned()),
                Just("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},\"usage\":{\"output_tokens\":-1}}".to_owned()),
                "[ -~]{0,40}",
            ],
        ), 0..24),
        chunk in 1usize..200,
    ) {
        let mut body = String::new();
        for (name, data) in events {
            body.push_str(&format!("event: {name}\ndata: {data}\n\n"));
        }
        let _ = decode_all(body.as_bytes(), chunk);
    }
}

// ---- auth store reader ------------------------------------------------------------------------

fn store_err(text: &str) -> String {
    match AuthStore::parse(text, Path::new("/x/auth-profiles.json")) {
        Err(e @ Error::StoreCorrupt { .. }) => e.to_string(),
        Err(other) => panic!("expected StoreCorrupt, got {other}"),
        Ok(_) => panic!("hostile store accepted"),
    }
}

#[test]
fn store_deep_nesting_is_an_error_not_a_crash() {
    for text in [
        deep_object(DEEP),
        deep_array(DEEP),
        format!("{{\"profiles\": {}}}", deep_object(DEEP)),
    ] {
        let msg = small_stack(move || store_err(&text));
        assert!(msg.contains("auth-profiles.json"), "{msg}");
    }
    // Deep but under serde_json's limit inside an unknown field: kept, not fatal.
    let ok = format!("{{\"profiles\": {{}}, \"future\": {}}}", deep_array(100));
    small_stack(move || AuthStore::parse(&ok, Path::new("x")).map(|_| ()).unwrap());
}

#[test]
fn store_huge_file_is_refused_or_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("auth-profiles.json");
    let text = format!(
        "{{\"version\":1,\"profiles\":{{\"anthropic:a\":{{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"{}\"}}}}}}",
        "k".repeat(HUGE)
    );
    std::fs::write(&p, &text).unwrap();
    drop(text);
    let before = std::fs::read(&p).unwrap().len();
    let r = no_hang("reading a 100 MB store", {
        let p = p.clone();
        move || read_store_file(&p).map(|s| s.map(|s| s.profiles.len()))
    });
    let e = r.expect_err("a 100 MB store is refused");
    assert!(matches!(e, Error::StoreCorrupt { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("auth-profiles.json") && msg.contains("large"),
        "{msg}"
    );
    assert!(msg.len() < 1000);
    // Never rewritten.
    assert_eq!(std::fs::read(&p).unwrap().len(), before);
}

#[test]
fn store_invalid_utf8_and_nul_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("auth-profiles.json");
    for bytes in [
        b"{\"profiles\":{\"a\":{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"\xff\"}}}".to_vec(),
        b"\x00".to_vec(),
        b"{\"profiles\":{\"a\x00b\":{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"k\"}}}".to_vec(),
    ] {
        std::fs::write(&p, &bytes).unwrap();
        let e = read_store_file(&p).unwrap_err();
        assert!(matches!(e, Error::StoreCorrupt { .. }), "{e}");
    }
    // Escaped NUL inside strings is valid JSON: loads, and the secret never reaches a header.
    let s = AuthStore::parse(
        "{\"profiles\":{\"anthropic:a\":{\"type\":\"api_key\",\"provider\":\"anthropic\",\"key\":\"sk-ant-\\u0000x\"}}}",
        Path::new("x"),
    )
    .unwrap();
    assert_eq!(s.profiles.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn store_random_text_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = AuthStore::parse(&text, Path::new("x"));
    }

    #[test]
    fn store_random_shapes_never_panic(v in arb_json()) {
        let text = v.to_string();
        if let Ok(s) = AuthStore::parse(&text, Path::new("x")) {
            // Whatever loads writes back as valid JSON.
            let back: serde_json::Value = serde_json::from_str(&s.to_json_pretty()).unwrap();
            prop_assert!(back.is_object());
        }
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("api_key".to_owned()),
            Just("token".to_owned()),
            Just("oauth".to_owned()),
            Just("anthropic".to_owned()),
            Just("profiles".to_owned()),
            "[a-z:_]{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("version".to_owned()),
                    Just("profiles".to_owned()),
                    Just("order".to_owned()),
                    Just("lastGood".to_owned()),
                    Just("usageStats".to_owned()),
                    Just("type".to_owned()),
                    Just("provider".to_owned()),
                    Just("key".to_owned()),
                    Just("token".to_owned()),
                    Just("expires".to_owned()),
                    Just("access".to_owned()),
                    Just("refresh".to_owned()),
                    Just("errorCount".to_owned()),
                    Just("failureCounts".to_owned()),
                    Just("cooldownUntil".to_owned()),
                    Just("anthropic:a".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---- request JSON (what the C ABI's claw_request_build parses) -------------------------------

#[test]
fn request_json_deep_nesting_and_huge_strings() {
    let deep = format!(
        "{{\"model\":\"claude-opus-4-5\",\"max_tokens\":10,\"messages\":[{{\"role\":\"user\",\"content\":\"x\"}}],\"metadata\":{}}}",
        deep_object(DEEP)
    );
    let r = small_stack(move || serde_json::from_str::<MessageRequest>(&deep).map(|_| ()));
    assert!(r.is_err(), "serde_json's recursion limit refuses it");
    // A 100 MB user message builds and serializes with bounded allocation work: the text is
    // moved, not copied, into the request, and the body is written once into a growing buffer
    // (3 bytes requested per byte of text today: the buffer's final reallocations). Work that
    // grows faster than the input, such as re-copying the body while it grows, breaks the
    // bound and allocates more per byte at 100 MB than at 50 MB.
    let half = build_allocation_per_byte(HUGE / 2);
    let full = build_allocation_per_byte(HUGE);
    eprintln!("bytes allocated per byte of text: {half:.3} at 50 MB, {full:.3} at 100 MB");
    assert!(full <= 4.0, "{full:.3} bytes allocated per byte of text");
    assert!(
        full <= half * 1.1,
        "allocation per byte grows with the input: {half:.3} at 50 MB, {full:.3} at 100 MB"
    );
}

/// Builds and serializes a request whose user message is `n` bytes; returns the bytes
/// allocated per byte of text (the text itself is made before counting starts).
fn build_allocation_per_byte(n: usize) -> f64 {
    let req = MessageRequest::new(
        "anthropic/claude-opus-4-5",
        vec![claw_anthropic::request::messages::MessageParam::user(
            "m".repeat(n),
        )],
    );
    let cfg = Config::from_json5("{}").unwrap();
    let secret = secrecy::SecretString::from("sk-ant-api03-test".to_owned());
    let (allocated, body_len) = bytes_allocated_by(|| {
        let built = claw_anthropic::request::build::build_messages(
            &cfg,
            claw_anthropic::request::build::AuthHeader::new(
                claw_anthropic::auth::credential::CredentialKind::ApiKey,
                &secret,
            ),
            req,
            &claw_anthropic::request::build::BuildOptions::default(),
        )
        .unwrap();
        built.body_bytes().unwrap().len()
    });
    // The body is the text plus a bounded envelope.
    assert!(body_len > n && body_len < n + 4096, "{body_len}");
    allocated as f64 / n as f64
}
