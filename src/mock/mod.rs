//! An Anthropic-compatible HTTP/1.1 server on 127.0.0.1 with scripted replies and faults — for
//! this crate's tests, for demos, and for your own tests (feature `mock`).
//!
//! Endpoints, answered realistically when nothing is scripted:
//!
//! * `POST /v1/messages` — a message echoing the last user text (`"ping"` gets `"pong"`), as JSON
//!   or, with `"stream": true`, as the SSE sequence `message_start`, `ping`,
//!   `content_block_start`, `content_block_delta`…, `content_block_stop`, `message_delta`,
//!   `message_stop`. Requests without `x-api-key` / `Authorization` get 401, without
//!   `anthropic-version` 400, as the real API does.
//! * `POST /v1/messages/count_tokens` — `{"input_tokens": N}` (about characters / 4).
//! * `GET /v1/models` — a fixed model list with paging (`limit`, `after_id`, `before_id`) →
//!   `{data, has_more, first_id, last_id}`.
//! * `POST /v1/oauth/token` — the refresh grant → `{access_token, refresh_token, expires_in}`.
//!
//! Every response carries `request-id: req_mock_<n>` and `anthropic-ratelimit-*` headers.
//! Every request is recorded ([`MockServer::requests`]; the newest [`MAX_RECORDED`] are kept,
//! so a long-running `claw-anthropic mock-server` does not grow without bound). Replies can be
//! scripted with [`MockServer::enqueue`] (a FIFO, optionally per path) and per credential with
//! [`MockServer::on_credential`]; see [`MockReply`] for the fault kinds and [`MockScript`] for
//! the JSON script format.
//!
//! ```
//! use claw_anthropic::mock::{MockReply, MockServer};
//! # fn main() -> claw_anthropic::Result<()> {
//! let server = MockServer::start_background()?;
//! server.enqueue(MockReply::error(529, "overloaded_error", "Overloaded"));
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! // … point a client at server.url() …
//! assert!(server.requests().is_empty());
//! # Ok(()) }
//! ```

mod http;
mod render;
mod reply;

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub use reply::{MockReply, MockScript};

use crate::error::{Error, Result};
use http::{ReadError, Request, Response};
use render::Ctx;
use reply::Kind;

/// One request the server received.
#[derive(Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query (`/v1/messages`).
    pub path: String,
    /// The raw query string (without `?`), if any.
    pub query: Option<String>,
    /// Header (lower-cased name, value) pairs in the order received.
    pub headers: Vec<(String, String)>,
    /// The body bytes (chunked bodies decoded).
    pub body: Bytes,
    /// The body parsed as JSON, if it is JSON.
    pub json: Option<Value>,
}

impl RecordedRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The credential sent (`x-api-key`, else the `Authorization: Bearer` token).
    pub fn credential(&self) -> Option<&str> {
        credential_of(&self.headers)
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials are masked even here: Debug output ends up in test logs.
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let v = match n.as_str() {
                    "x-api-key" => crate::redact::mask(v),
                    "authorization" => match v.strip_prefix("Bearer ") {
                        Some(t) => format!("Bearer {}", crate::redact::mask(t)),
                        None => crate::redact::mask(v),
                    },
                    _ => v.clone(),
                };
                (n.as_str(), v)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn credential_of(headers: &[(String, String)]) -> Option<&str> {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    get("x-api-key").or_else(|| {
        get("authorization").and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    })
}

/// How many recorded requests a [`MockServer`] keeps by default (the oldest are dropped
/// first; see [`MockServer::set_record_limit`]); [`MockServer::request_count`] still counts
/// every request.
pub const MAX_RECORDED: usize = 10_000;

#[derive(Default)]
struct Inner {
    queue: VecDeque<(Option<String>, MockReply)>,
    rules: Vec<(SecretString, MockReply)>,
    requests: VecDeque<RecordedRequest>,
    /// Requests received since the start or the last [`MockServer::reset`].
    received: u64,
    /// At most this many are kept in `requests` (`None`: [`MAX_RECORDED`]).
    limit: Option<usize>,
}

struct Shared {
    inner: Mutex<Inner>,
    counter: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave Inner inconsistent: recover.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The running mock server. It stops when dropped (or on [`MockServer::shutdown`]).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown_tx: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn bind_error(port: u16, e: std::io::Error) -> Error {
    Error::Transport {
        kind: crate::error::TransportKind::Connect,
        message: format!("mock server: could not listen on 127.0.0.1:{port}: {e}"),
        meta: None,
    }
}

/// Pending connections the listening socket queues before the server accepts them. The
/// default of `std`/tokio (128) is too few for a load test that opens hundreds of connections
/// at once: the kernel drops the excess SYNs and those clients retry a second later.
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listener on 127.0.0.1:`port` with [`LISTEN_BACKLOG`] (the kernel caps it at
/// `net.core.somaxconn`).
fn listen(port: u16) -> std::io::Result<TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    // As std's listeners do on Unix: a port in TIME_WAIT can be listened on again at once.
    socket.set_reuseaddr(true)?;
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(LISTEN_BACKLOG)
}

impl MockServer {
    /// Starts on a random port, on the current tokio runtime.
    pub async fn start() -> Result<MockServer> {
        Self::start_on(0).await
    }

    /// Starts on `port` (0 = random), on the current tokio runtime.
    pub async fn start_on(port: u16) -> Result<MockServer> {
        let listener = listen(port).map_err(|e| bind_error(port, e))?;
        let addr = listener.local_addr().map_err(|e| bind_error(port, e))?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            counter: AtomicU64::new(0),
        });
        let (tx, rx) = watch::channel(false);
        tokio::spawn(accept_loop(listener, shared.clone(), rx));
        Ok(MockServer {
            addr,
            shared,
            shutdown_tx: tx,
            thread: None,
        })
    }

    /// Starts on a random port with its own runtime on a background thread — for synchronous
    /// code, the CLI, and C/Python tests.
    pub fn start_background() -> Result<MockServer> {
        Self::start_background_on(0)
    }

    /// Like [`MockServer::start_background`] on `port` (0 = random).
    pub fn start_background_on(port: u16) -> Result<MockServer> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("claw-mock-server".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("claw-mock-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(bind_error(port, e)));
                        return;
                    }
                };
                let server = rt.block_on(Self::start_on(port));
                let mut rx = match server {
                    Ok(server) => {
                        let rx = server.shutdown_tx.subscribe();
                        let _ = ready_tx.send(Ok(server));
                        rx
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(http::shutdown_signal(&mut rx));
                rt.shutdown_timeout(std::time::Duration::from_secs(1));
            })
            .map_err(|e| bind_error(port, e))?;
        let mut server = ready_rx.recv().map_err(|_| {
            bind_error(
                port,
                std::io::Error::other("the server thread ended before it was ready"),
            )
        })??;
        server.thread = Some(thread);
        Ok(server)
    }

    /// `http://127.0.0.1:PORT` — use as the provider `baseUrl`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a reply for the next request (any path).
    pub fn enqueue(&self, reply: MockReply) {
        self.shared.lock().queue.push_back((None, reply));
    }

    /// Queues a reply for the next request to `path` (e.g. `/v1/messages`); requests to other
    /// paths pass it by.
    pub fn enqueue_for(&self, path: impl Into<String>, reply: MockReply) {
        self.shared
            .lock()
            .queue
            .push_back((Some(path.into()), reply));
    }

    /// Every request made with `secret` (as `x-api-key` or `Authorization: Bearer`) gets
    /// `reply`, before the queue is consulted. The rule stays until [`MockServer::reset`].
    pub fn on_credential(&self, secret: impl Into<String>, reply: MockReply) {
        self.shared
            .lock()
            .rules
            .push((SecretString::from(secret.into()), reply));
    }

    /// Loads a script: its replies are queued, its credential rules added.
    pub fn load_script(&self, script: MockScript) {
        let mut inner = self.shared.lock();
        inner.queue.extend(script.replies);
        inner.rules.extend(script.credentials);
    }

    /// Replies still queued.
    pub fn pending(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// The requests received so far, in order of arrival (the newest [`MAX_RECORDED`]).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.iter().cloned().collect()
    }

    /// Keeps at most the newest `limit` recorded requests from now on (default
    /// [`MAX_RECORDED`]; survives [`reset`](Self::reset)). `0` records none.
    pub fn set_record_limit(&self, limit: usize) {
        let mut inner = self.shared.lock();
        inner.limit = Some(limit);
        while inner.requests.len() > limit {
            inner.requests.pop_front();
        }
    }

    /// How many requests were received (since the start or the last [`reset`](Self::reset)),
    /// including those no longer kept by [`requests`](Self::requests).
    pub fn request_count(&self) -> u64 {
        self.shared.lock().received
    }

    /// Clears the queue, the credential rules and the recorded requests.
    pub fn reset(&self) {
        let mut inner = self.shared.lock();
        *inner = Inner {
            limit: inner.limit,
            ..Inner::default()
        };
    }

    /// Stops accepting and ends every open connection (also done on drop).
    pub fn shutdown(&self) {
        let _ = self.shutdown_tx.send(true);
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut rx: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, shared.clone(), rx.clone()));
                }
                Err(e) => {
                    tracing::warn!("mock server: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
            _ = http::shutdown_signal(&mut rx) => return,
        }
    }
}

async fn connection(mut stream: TcpStream, shared: Arc<Shared>, mut rx: watch::Receiver<bool>) {
    let mut buf = BytesMut::with_capacity(8192);
    loop {
        let read = tokio::select! {
            r = http::read_request(&mut stream, &mut buf) => r,
            _ = http::shutdown_signal(&mut rx) => return,
        };
        let req = match read {
            Ok(Some(req)) => req,
            Ok(None) | Err(ReadError::Gone) => return,
            Err(ReadError::Bad(status, message)) => {
                http::write_bad_request(stream, status, message).await;
                return;
            }
        };
        let keep_alive = req.keep_alive();
        let resp = respond(&shared, req);
        match http::write_response(stream, resp, keep_alive, &mut rx).await {
            Some(s) => stream = s,
            None => return,
        }
    }
}

fn split_target(target: &str) -> (String, Option<String>) {
    match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    }
}

/// Records the request, picks the reply and renders it.
fn respond(shared: &Shared, req: Request) -> Response {
    let n = shared.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let (path, query) = split_target(&req.target);
    let json: Option<Value> = if req.body.is_empty() {
        None
    } else {
        serde_json::from_slice(&req.body).ok()
    };
    let recorded = RecordedRequest {
        method: req.method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers: req.headers.clone(),
        body: req.body.clone(),
        json,
    };
    let scripted = {
        let mut inner = shared.lock();
        let by_credential = credential_of(&req.headers).and_then(|c| {
            inner
                .rules
                .iter()
                .find(|(s, _)| s.expose_secret() == c)
                .map(|(_, r)| r.clone())
        });
        let reply = by_credential.or_else(|| {
            let i = inner
                .queue
                .iter()
                .position(|(p, _)| p.as_deref().is_none_or(|p| p == path))?;
            inner.queue.remove(i).map(|(_, r)| r)
        });
        let limit = inner.limit.unwrap_or(MAX_RECORDED);
        while inner.requests.len() >= limit.max(1) {
            inner.requests.pop_front();
        }
        if limit > 0 {
            inner.requests.push_back(recorded.clone());
        }
        inner.received += 1;
        reply
    };
    let reply = scripted.unwrap_or_else(MockReply::default_reply);
    render_response(&recorded, reply, n)
}

fn rate_limit_headers(n: u64) -> Vec<(String, String)> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let reset = render::rfc3339(now + 60);
    let mut h = Vec::new();
    for (bucket, limit) in [
        ("requests", 4000u64),
        ("tokens", 2_000_000),
        ("input-tokens", 1_600_000),
        ("output-tokens", 400_000),
    ] {
        let used = if bucket == "requests" { n } else { n * 10 };
        h.push((
            format!("anthropic-ratelimit-{bucket}-limit"),
            limit.to_string(),
        ));
        h.push((
            format!("anthropic-ratelimit-{bucket}-remaining"),
            limit.saturating_sub(used % limit).to_string(),
        ));
        h.push((format!("anthropic-ratelimit-{bucket}-reset"), reset.clone()));
    }
    h
}

/// Input-token estimate of a messages / count_tokens body.
fn input_estimate(body: Option<&Value>) -> u64 {
    let chars: usize = ["system", "messages", "tools"]
        .iter()
        .filter_map(|k| body.and_then(|b| b.get(*k)))
        .map(|v| match v {
            Value::String(s) => s.len(),
            v => v.to_string().len(),
        })
        .sum();
    render::estimate_tokens(chars)
}

/// Text of the last user message (string content or its text blocks).
fn last_user_text(body: &Value) -> Option<String> {
    let msgs = body.get("messages")?.as_array()?;
    let last = msgs
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))?;
    match last.get("content")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(blocks) => {
            let texts: Vec<&str> = blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    }
}

fn json_response(status: u16, body: &Value) -> (u16, String, Bytes) {
    (
        status,
        "application/json".into(),
        Bytes::from(body.to_string()),
    )
}

fn api_error(status: u16, ty: &str, message: &str) -> (u16, String, Bytes) {
    json_response(status, &render::error_body(ty, message))
}

const MODELS: [(&str, &str, &str); 8] = [
    (
        "claude-opus-4-5-20251101",
        "Claude Opus 4.5",
        "2025-11-24T00:00:00Z",
    ),
    (
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        "2025-10-15T00:00:00Z",
    ),
    (
        "claude-sonnet-4-5-20250929",
        "Claude Sonnet 4.5",
        "2025-09-29T00:00:00Z",
    ),
    (
        "claude-opus-4-1-20250805",
        "Claude Opus 4.1",
        "2025-08-05T00:00:00Z",
    ),
    (
        "claude-opus-4-20250514",
        "Claude Opus 4",
        "2025-05-22T00:00:00Z",
    ),
    (
        "claude-sonnet-4-20250514",
        "Claude Sonnet 4",
        "2025-05-22T00:00:00Z",
    ),
    (
        "claude-3-7-sonnet-20250219",
        "Claude Sonnet 3.7",
        "2025-02-24T00:00:00Z",
    ),
    (
        "claude-3-5-haiku-20241022",
        "Claude Haiku 3.5",
        "2024-10-22T00:00:00Z",
    ),
];

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3]).map(|h| u8::from_str_radix(h, 16)) {
                    Ok(Ok(v)) => {
                        out.push(v);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn models_page(query: Option<&str>) -> (u16, String, Bytes) {
    let limit = match query_param(query, "limit") {
        None => 20,
        Some(l) => match l.parse::<usize>() {
            Ok(l) if (1..=1000).contains(&l) => l,
            _ => {
                return api_error(
                    400,
                    "invalid_request_error",
                    "limit: Input should be between 1 and 1000",
                );
            }
        },
    };
    let index_of = |id: &str| MODELS.iter().position(|m| m.0 == id);
    let (start, end) = if let Some(after) = query_param(query, "after_id") {
        let Some(i) = index_of(&after) else {
            return api_error(404, "not_found_error", &format!("model: {after}"));
        };
        let s = i + 1;
        (s, (s + limit).min(MODELS.len()))
    } else if let Some(before) = query_param(query, "before_id") {
        let Some(i) = index_of(&before) else {
            return api_error(404, "not_found_error", &format!("model: {before}"));
        };
        (i.saturating_sub(limit), i)
    } else {
        (0, limit.min(MODELS.len()))
    };
    let page = &MODELS[start..end];
    let has_more = if query_param(query, "before_id").is_some() {
        start > 0
    } else {
        end < MODELS.len()
    };
    let data: Vec<Value> = page
        .iter()
        .map(|(id, name, created)| {
            json!({"type": "model", "id": id, "display_name": name, "created_at": created})
        })
        .collect();
    json_response(
        200,
        &json!({
            "data": data,
            "has_more": has_more,
            "first_id": page.first().map(|m| m.0),
            "last_id": page.last().map(|m| m.0),
        }),
    )
}

fn oauth_token(body: Option<&Value>, n: u64) -> (u16, String, Bytes) {
    let grant = body
        .and_then(|b| b.get("grant_type"))
        .and_then(Value::as_str);
    let refresh = body
        .and_then(|b| b.get("refresh_token"))
        .and_then(Value::as_str);
    match (grant, refresh) {
        (Some("refresh_token"), Some(r)) if !r.is_empty() => json_response(
            200,
            &json!({
                "token_type": "Bearer",
                "access_token": format!("sk-ant-oat01-mock-access-token-{n:08}"),
                "refresh_token": format!("sk-ant-ort01-mock-refresh-token-{n:08}"),
                "expires_in": 28800,
                "scope": "user:inference",
            }),
        ),
        (Some("refresh_token"), _) => json_response(
            400,
            &json!({"error": "invalid_request", "error_description": "refresh_token is required"}),
        ),
        _ => json_response(
            400,
            &json!({"error": "unsupported_grant_type", "error_description": "only the refresh_token grant is supported"}),
        ),
    }
}

/// Checks the headers the real API insists on.
fn api_headers_error(req: &RecordedRequest) -> Option<(u16, String, Bytes)> {
    if req.credential().is_none() {
        return Some(api_error(
            401,
            "authentication_error",
            "x-api-key header is required",
        ));
    }
    if req.header("anthropic-version").is_none() {
        return Some(api_error(
            400,
            "invalid_request_error",
            "anthropic-version: header is required",
        ));
    }
    None
}

fn render_response(req: &RecordedRequest, reply: MockReply, n: u64) -> Response {
    let body_json = req.json.as_ref();
    let stream_requested = body_json
        .and_then(|b| b.get("stream"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let model = body_json
        .and_then(|b| b.get("model"))
        .and_then(Value::as_str)
        .unwrap_or("claude-mock");
    let ctx = Ctx {
        n,
        model,
        input_tokens: input_estimate(body_json),
    };
    let mut sse = false;
    let (status, content_type, body) = match reply.render_body(&ctx, stream_requested) {
        Some((ct, body)) => {
            sse = ct.starts_with("text/event-stream");
            (reply.status, ct, body)
        }
        None => match (req.method.as_str(), req.path.as_str()) {
            _ if matches!(reply.kind, Kind::ResetBeforeResponse) => {
                (0, String::new(), Bytes::new())
            }
            ("POST", "/v1/oauth/token") => oauth_token(body_json, n),
            ("POST", "/v1/messages") => {
                if let Some(e) = api_headers_error(req) {
                    e
                } else if body_json.is_none() {
                    api_error(
                        400,
                        "invalid_request_error",
                        "request body must be a JSON object",
                    )
                } else if body_json.and_then(|b| b.get("model")).is_none() {
                    api_error(400, "invalid_request_error", "model: Field required")
                } else {
                    let text = match last_user_text(body_json.unwrap_or(&Value::Null)) {
                        Some(t) if t.trim().eq_ignore_ascii_case("ping") => "pong".to_string(),
                        Some(t) if !t.is_empty() => t,
                        _ => "pong".to_string(),
                    };
                    let blocks = [json!({"type": "text", "text": text})];
                    if stream_requested {
                        sse = true;
                        (
                            200,
                            "text/event-stream; charset=utf-8".into(),
                            render::message_sse(&ctx, &blocks),
                        )
                    } else {
                        json_response(200, &render::message_json(&ctx, &blocks))
                    }
                }
            }
            ("POST", "/v1/messages/count_tokens") => match api_headers_error(req) {
                Some(e) => e,
                None if body_json.is_none() => api_error(
                    400,
                    "invalid_request_error",
                    "request body must be a JSON object",
                ),
                None => json_response(200, &json!({"input_tokens": ctx.input_tokens})),
            },
            ("GET", "/v1/models") => match api_headers_error(req) {
                Some(e) => e,
                None => models_page(req.query.as_deref()),
            },
            (
                _,
                "/v1/messages" | "/v1/messages/count_tokens" | "/v1/models" | "/v1/oauth/token",
            ) => api_error(
                405,
                "invalid_request_error",
                &format!("method {} not allowed", req.method),
            ),
            (_, path) => api_error(404, "not_found_error", &format!("no route for {path}")),
        },
    };
    let mut headers: Vec<(String, String)> = vec![
        ("content-type".into(), content_type),
        ("request-id".into(), format!("req_mock_{n}")),
    ];
    if req.path != "/v1/oauth/token" {
        headers.extend(rate_limit_headers(n));
    }
    if sse {
        headers.push(("cache-control".into(), "no-cache".into()));
    }
    for (name, value) in &reply.headers {
        headers.retain(|(n, _)| n != name);
        headers.push((name.clone(), value.clone()));
    }
    Response {
        status,
        headers,
        body,
        chunked: sse,
        delay: reply.delay,
        header_drip: reply.header_drip,
        drip: reply.drip,
        cut: reply.cut,
        reset_now: matches!(reply.kind, Kind::ResetBeforeResponse),
    }
}
