//! Scripted replies ([`MockReply`]) and their JSON script form ([`MockScript`]).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use serde::Deserialize;
use serde_json::Value;

use super::render::{self, Ctx};
use crate::error::{Error, Result};

/// Bytes per interval, for slow replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Drip {
    pub bytes: usize,
    pub interval: Duration,
}

/// What happens after the first `after` body bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// Reset the connection (RST via `SO_LINGER` 0).
    Reset,
    /// Send nothing more, keep the connection open (until the server shuts down or the
    /// client goes away).
    Stall,
    /// Close the connection (FIN) without finishing the body.
    Close,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// The endpoint's built-in behaviour.
    Default,
    /// A message with these content blocks, as JSON or SSE depending on the request's
    /// `"stream"` flag.
    Message(Vec<Value>),
    /// A fixed body.
    Body { content_type: String, body: Bytes },
    /// A pre-rendered SSE body.
    Sse(Bytes),
    /// SSE rendered per request: a text stream of `n` deltas of `len` bytes (pre-rendered once
    /// it is first needed; the cache is shared by clones).
    TextStream {
        n: usize,
        len: usize,
        cache: std::sync::Arc<std::sync::OnceLock<Bytes>>,
    },
    /// Some text then an `error` event.
    StreamError {
        text: String,
        error_type: String,
        message: String,
    },
    /// `message_start` and some text, then the body ends cleanly (no `message_stop`).
    Truncated(String),
    /// Reset the connection before sending anything.
    ResetBeforeResponse,
}

/// One scripted reply. Build one with a constructor ([`MockReply::text`],
/// [`MockReply::error`], [`MockReply::sse`], …) and refine it with the modifiers
/// ([`MockReply::delay`], [`MockReply::drip`], [`MockReply::reset_after`], …).
///
/// ```
/// use std::time::Duration;
/// use claw_anthropic::mock::MockReply;
/// let reply = MockReply::error(529, "overloaded_error", "Overloaded")
///     .header("retry-after", "1")
///     .delay(Duration::from_millis(5));
/// # let _ = reply;
/// ```
#[derive(Debug, Clone)]
pub struct MockReply {
    pub(crate) kind: Kind,
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) delay: Option<Duration>,
    pub(crate) header_drip: Option<Drip>,
    pub(crate) drip: Option<Drip>,
    pub(crate) cut: Option<(usize, Cut)>,
}

impl MockReply {
    fn of(kind: Kind, status: u16) -> Self {
        MockReply {
            kind,
            status,
            headers: Vec::new(),
            delay: None,
            header_drip: None,
            drip: None,
            cut: None,
        }
    }

    /// The endpoint's built-in reply (what the server sends when nothing is scripted). Useful
    /// with the modifiers, e.g. `MockReply::default_reply().delay(..)`.
    pub fn default_reply() -> Self {
        Self::of(Kind::Default, 200)
    }

    /// A successful message whose only content is `text` — JSON, or the SSE event sequence
    /// when the request asked for `"stream": true`.
    pub fn text(text: impl Into<String>) -> Self {
        Self::message(vec![
            serde_json::json!({"type": "text", "text": text.into()}),
        ])
    }

    /// A successful message with these content blocks (`text`, `thinking` with `signature`,
    /// `tool_use` with `id`/`name`/`input`, …) — JSON or SSE as the request asks. Streamed
    /// text is split into `text_delta`s, tool input into `input_json_delta` pieces.
    pub fn message(blocks: Vec<Value>) -> Self {
        Self::of(Kind::Message(blocks), 200)
    }

    /// A message that calls the tool `name` with `input` (stop reason `tool_use`).
    pub fn tool_use(id: impl Into<String>, name: impl Into<String>, input: Value) -> Self {
        Self::message(vec![serde_json::json!({
            "type": "tool_use", "id": id.into(), "name": name.into(), "input": input
        })])
    }

    /// A JSON body with `status`.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::of(
            Kind::Body {
                content_type: "application/json".into(),
                body: Bytes::from(body.to_string()),
            },
            status,
        )
    }

    /// Any body with `status` and `content_type`.
    pub fn raw(status: u16, content_type: impl Into<String>, body: impl Into<Bytes>) -> Self {
        Self::of(
            Kind::Body {
                content_type: content_type.into(),
                body: body.into(),
            },
            status,
        )
    }

    /// An Anthropic error: `{"type":"error","error":{"type":error_type,"message":message}}`.
    pub fn error(status: u16, error_type: &str, message: &str) -> Self {
        Self::json(status, &render::error_body(error_type, message))
    }

    /// An Anthropic error body padded to about `size` bytes (its message is long).
    pub fn huge_error(status: u16, size: usize) -> Self {
        let message = "x".repeat(size.saturating_sub(60));
        Self::error(status, "api_error", &message)
    }

    /// An SSE stream of exactly these events (`(event name, data JSON)`), status 200.
    pub fn sse<I, S>(events: I) -> Self
    where
        I: IntoIterator<Item = (S, Value)>,
        S: AsRef<str>,
    {
        let mut out = BytesMut::new();
        for (name, data) in events {
            render::push_json_event(&mut out, name.as_ref(), &data);
        }
        Self::of(Kind::Sse(out.freeze()), 200)
    }

    /// An SSE stream with this exact body text (for malformed or hand-made streams).
    pub fn sse_raw(body: impl Into<Bytes>) -> Self {
        Self::of(Kind::Sse(body.into()), 200)
    }

    /// A long streamed text answer: `n_deltas` `text_delta` events of `delta_len` bytes each
    /// (50,000 × 40 ≈ 7.7 MB). The body is rendered once and shared by clones, so the server
    /// is not the bottleneck.
    pub fn text_stream(n_deltas: usize, delta_len: usize) -> Self {
        Self::of(
            Kind::TextStream {
                n: n_deltas,
                len: delta_len,
                cache: Default::default(),
            },
            200,
        )
    }

    /// A stream that sends `text` and then an `error` event (e.g. `overloaded_error`), then ends.
    pub fn stream_error(text: impl Into<String>, error_type: &str, message: &str) -> Self {
        Self::of(
            Kind::StreamError {
                text: text.into(),
                error_type: error_type.into(),
                message: message.into(),
            },
            200,
        )
    }

    /// A stream that sends `message_start` and `text`, then ends the body cleanly without
    /// `content_block_stop`, `message_delta` or `message_stop`.
    pub fn truncated(text: impl Into<String>) -> Self {
        Self::of(Kind::Truncated(text.into()), 200)
    }

    /// Resets the connection after reading the request, before any response byte.
    pub fn reset() -> Self {
        Self::of(Kind::ResetBeforeResponse, 200)
    }

    /// A stream that sends `text` (after `message_start`) and then stalls: headers and those
    /// events arrive, then nothing, with the connection held open.
    pub fn stalled(text: impl Into<String>) -> Self {
        let mut r = Self::truncated(text);
        r.cut = Some((usize::MAX, Cut::Stall));
        r
    }

    /// Sets the status code.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Adds (or replaces) a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into().to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.into()));
        self
    }

    /// Waits this long before sending the response headers.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sends the body `bytes` at a time, waiting `interval` between pieces.
    pub fn drip(mut self, bytes: usize, interval: Duration) -> Self {
        self.drip = Some(Drip {
            bytes: bytes.max(1),
            interval,
        });
        self
    }

    /// Sends the status line and headers `bytes` at a time, waiting `interval` between
    /// pieces (slow-loris headers).
    pub fn slow_headers(mut self, bytes: usize, interval: Duration) -> Self {
        self.header_drip = Some(Drip {
            bytes: bytes.max(1),
            interval,
        });
        self
    }

    /// Resets the connection (TCP RST) after the headers and the first `bytes` body bytes.
    pub fn reset_after(mut self, bytes: usize) -> Self {
        self.cut = Some((bytes, Cut::Reset));
        self
    }

    /// Closes the connection (FIN) after the headers and the first `bytes` body bytes,
    /// leaving the body incomplete.
    pub fn close_after(mut self, bytes: usize) -> Self {
        self.cut = Some((bytes, Cut::Close));
        self
    }

    /// Stops sending after the headers and the first `bytes` body bytes and holds the
    /// connection open.
    pub fn stall_after(mut self, bytes: usize) -> Self {
        self.cut = Some((bytes, Cut::Stall));
        self
    }

    /// Renders the body of a non-default reply (`None` for [`Kind::Default`] and resets).
    pub(crate) fn render_body(&self, ctx: &Ctx<'_>, stream: bool) -> Option<(String, Bytes)> {
        const SSE: &str = "text/event-stream; charset=utf-8";
        Some(match &self.kind {
            Kind::Default | Kind::ResetBeforeResponse => return None,
            Kind::Message(blocks) if stream => (SSE.into(), render::message_sse(ctx, blocks)),
            Kind::Message(blocks) => (
                "application/json".into(),
                Bytes::from(render::message_json(ctx, blocks).to_string()),
            ),
            Kind::Body { content_type, body } => (content_type.clone(), body.clone()),
            Kind::Sse(b) => (SSE.into(), b.clone()),
            Kind::TextStream { n, len, cache } => (
                SSE.into(),
                cache
                    .get_or_init(|| {
                        let ctx = Ctx {
                            n: 0,
                            model: "claude-mock",
                            input_tokens: ctx.input_tokens,
                        };
                        render::text_stream(&ctx, *n, *len)
                    })
                    .clone(),
            ),
            Kind::StreamError {
                text,
                error_type,
                message,
            } => (
                SSE.into(),
                render::stream_error(ctx, text, error_type, message),
            ),
            Kind::Truncated(text) => (SSE.into(), render::truncated(ctx, text)),
        })
    }
}

/// A JSON script of replies, for `claw-anthropic mock-server --script FILE` and for tests.
///
/// The document is an object with `replies` (consumed in order, one per matching request)
/// and `credentials` (standing rules: every request made with that secret — `x-api-key` or
/// `Authorization: Bearer` — gets that reply; they are checked before the queue):
///
/// ```json
/// {
///   "replies": [
///     {"kind": "error", "status": 429, "error_type": "rate_limit_error",
///      "message": "Number of requests has exceeded your rate limit",
///      "headers": {"retry-after": "1"}},
///     {"kind": "text", "text": "Hello!", "path": "/v1/messages"},
///     {"kind": "text_stream", "deltas": 1000, "delta_len": 40, "drip": {"bytes": 512, "interval_ms": 5}},
///     {"kind": "stream_error", "text": "partial answer", "error_type": "overloaded_error",
///      "message": "Overloaded"},
///     {"kind": "sse", "events": [{"event": "message_start", "data": {"type": "message_start", "message": {}}}]},
///     {"kind": "json", "status": 200, "body": {"input_tokens": 3}},
///     {"kind": "raw", "status": 502, "content_type": "text/html", "body": "<html>bad gateway</html>"},
///     {"kind": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
///     {"kind": "truncated", "text": "cut here"},
///     {"kind": "stalled", "text": "then nothing"},
///     {"kind": "huge_error", "status": 500, "size": 10000000},
///     {"kind": "reset"},
///     {"kind": "default", "delay_ms": 2000}
///   ],
///   "credentials": [
///     {"secret": "sk-ant-api03-revoked", "reply": {"kind": "error", "status": 401,
///      "error_type": "authentication_error", "message": "invalid x-api-key"}}
///   ]
/// }
/// ```
///
/// Every reply also takes these optional fields: `path` (only requests to that path consume
/// it), `status` (overrides), `headers` (object), `delay_ms` (before the headers), `drip`
/// (`{"bytes", "interval_ms"}` for the body), `slow_headers` (same, for the head),
/// `reset_after` / `close_after` / `stall_after` (a body byte count). Unknown fields are
/// errors.
#[derive(Debug, Clone, Default)]
pub struct MockScript {
    /// Replies in order, each with the path it is limited to (if any).
    pub replies: Vec<(Option<String>, MockReply)>,
    /// Standing per-credential rules (secret, reply).
    pub credentials: Vec<(secrecy::SecretString, MockReply)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptDoc {
    #[serde(default)]
    replies: Vec<ReplyDoc>,
    #[serde(default)]
    credentials: Vec<CredentialDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialDoc {
    secret: String,
    reply: ReplyDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DripDoc {
    bytes: usize,
    interval_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyDoc {
    kind: String,
    path: Option<String>,
    status: Option<u16>,
    #[serde(default)]
    headers: indexmap::IndexMap<String, String>,
    delay_ms: Option<u64>,
    drip: Option<DripDoc>,
    slow_headers: Option<DripDoc>,
    reset_after: Option<usize>,
    close_after: Option<usize>,
    stall_after: Option<usize>,
    // kind-specific
    text: Option<String>,
    error_type: Option<String>,
    message: Option<String>,
    events: Option<Vec<EventDoc>>,
    deltas: Option<usize>,
    delta_len: Option<usize>,
    body: Option<Value>,
    content_type: Option<String>,
    blocks: Option<Vec<Value>>,
    id: Option<String>,
    name: Option<String>,
    input: Option<Value>,
    size: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventDoc {
    event: String,
    data: Value,
}

fn script_err(msg: impl Into<String>) -> Error {
    Error::InvalidArgument(format!("mock script: {}", msg.into()))
}

impl ReplyDoc {
    fn into_reply(self, at: &str) -> Result<(Option<String>, MockReply)> {
        let need = |v: Option<String>, field: &str| {
            v.ok_or_else(|| script_err(format!("{at}: kind \"{}\" needs \"{field}\"", self.kind)))
        };
        let status = self.status;
        let mut r = match self.kind.as_str() {
            "default" => MockReply::default_reply(),
            "text" => MockReply::text(need(self.text.clone(), "text")?),
            "message" => {
                MockReply::message(self.blocks.clone().ok_or_else(|| {
                    script_err(format!("{at}: kind \"message\" needs \"blocks\""))
                })?)
            }
            "tool_use" => MockReply::tool_use(
                need(self.id.clone(), "id")?,
                need(self.name.clone(), "name")?,
                self.input.clone().unwrap_or_else(|| serde_json::json!({})),
            ),
            "error" => MockReply::error(
                status.unwrap_or(500),
                &need(self.error_type.clone(), "error_type")?,
                &need(self.message.clone(), "message")?,
            ),
            "huge_error" => {
                MockReply::huge_error(status.unwrap_or(500), self.size.unwrap_or(1 << 20))
            }
            "json" => MockReply::json(
                status.unwrap_or(200),
                self.body
                    .as_ref()
                    .ok_or_else(|| script_err(format!("{at}: kind \"json\" needs \"body\"")))?,
            ),
            "raw" => {
                let body = match &self.body {
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                MockReply::raw(
                    status.unwrap_or(200),
                    self.content_type
                        .clone()
                        .unwrap_or_else(|| "text/plain".into()),
                    body,
                )
            }
            "sse" => MockReply::sse(
                self.events
                    .ok_or_else(|| script_err(format!("{at}: kind \"sse\" needs \"events\"")))?
                    .into_iter()
                    .map(|e| (e.event, e.data)),
            ),
            "text_stream" => {
                MockReply::text_stream(self.deltas.unwrap_or(100), self.delta_len.unwrap_or(40))
            }
            "stream_error" => MockReply::stream_error(
                self.text.clone().unwrap_or_default(),
                self.error_type.as_deref().unwrap_or("overloaded_error"),
                self.message.as_deref().unwrap_or("Overloaded"),
            ),
            "truncated" => MockReply::truncated(self.text.clone().unwrap_or_default()),
            "stalled" => MockReply::stalled(self.text.clone().unwrap_or_default()),
            "reset" => MockReply::reset(),
            other => {
                return Err(script_err(format!(
                    "{at}: unknown kind \"{other}\" (expected default, text, message, tool_use, error, huge_error, json, raw, sse, text_stream, stream_error, truncated, stalled or reset)"
                )));
            }
        };
        if let Some(s) = status {
            r = r.status(s);
        }
        for (k, v) in self.headers {
            r = r.header(k, v);
        }
        if let Some(ms) = self.delay_ms {
            r = r.delay(Duration::from_millis(ms));
        }
        if let Some(d) = self.drip {
            r = r.drip(d.bytes, Duration::from_millis(d.interval_ms));
        }
        if let Some(d) = self.slow_headers {
            r = r.slow_headers(d.bytes, Duration::from_millis(d.interval_ms));
        }
        if let Some(n) = self.reset_after {
            r = r.reset_after(n);
        }
        if let Some(n) = self.close_after {
            r = r.close_after(n);
        }
        if let Some(n) = self.stall_after {
            r = r.stall_after(n);
        }
        Ok((self.path, r))
    }
}

impl MockScript {
    /// Parses a script (format in the [type docs](MockScript)).
    pub fn from_json(text: &str) -> Result<Self> {
        let doc: ScriptDoc =
            serde_json::from_str(text).map_err(|e| script_err(format!("invalid JSON: {e}")))?;
        let mut script = MockScript::default();
        for (i, r) in doc.replies.into_iter().enumerate() {
            script.replies.push(r.into_reply(&format!("replies[{i}]"))?);
        }
        for (i, c) in doc.credentials.into_iter().enumerate() {
            let (_, reply) = c.reply.into_reply(&format!("credentials[{i}].reply"))?;
            script.credentials.push((c.secret.into(), reply));
        }
        Ok(script)
    }
}
