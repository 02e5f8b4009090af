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
mod recorded;
mod render;
mod reply;
mod respond;

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

pub use recorded::RecordedRequest;
pub use reply::{MockReply, MockScript};

use crate::error::{Error, Result};
use http::{ReadError, Request, Response};
use recorded::*;
use render::Ctx;
use reply::Kind;
use respond::*;

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
