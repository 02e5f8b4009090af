//! Sending requests ([sending](crate::compatibility#sending)): one connection pool per [`Client`],
//! retries with the SDKs'
//! policy, streaming with an SSE accumulator, failover across auth profiles and model fallbacks.
//!
//! ```no_run
//! # async fn run() -> claw_anthropic::Result<()> {
//! use claw_anthropic::{Client, Config};
//! use claw_anthropic::request::messages::{MessageParam, MessageRequest};
//! let client = Client::new(std::sync::Arc::new(Config::load()?), None)?;
//! let reply = client
//!     .send(MessageRequest::new("opus", vec![MessageParam::user("Hello, Claude")]))
//!     .await?;
//! println!("{} (profile {:?})", reply.value.text(), reply.profile_id);
//! # Ok(()) }
//! ```

mod attempts;
mod failover;
mod fleet;
mod http;
mod message_stream;
mod retry;
pub mod sse;
pub mod stream;
mod trace;
mod usage_log;

pub use crate::response_meta::{RateLimit, RateLimitBucket, ResponseMeta};
pub use message_stream::MessageStream;
pub use retry::RetryPolicy;

use crate::auth::AgentAuth;
use crate::auth::credential::CredentialKind;
use crate::auth::shared::SharedStateOptions;
use crate::auth::store::{FileStore, StoreBackend};
use crate::clock::{SharedClock, system_clock};
use crate::config::{Config, ModelRef};
use crate::error::{Attempt, Error, Result};
use crate::paths::AgentId;
use crate::request::build::CachePolicy;
use crate::request::messages::{Message, MessageRequest, ModelInfo, ModelList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Default of [`ClientBuilder::store_check_interval`]: how long a client trusts the auth store
/// it last read before it looks at the file again.
pub const DEFAULT_STORE_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// Waits between retries. Injected so tests can record delays instead of sleeping.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Sleeps for `d`.
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// The real sleeper (`tokio::time::sleep`).
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// A sleeper that records every requested delay and returns at once (tests; feature
/// `test-util`).
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    slept: Mutex<Vec<Duration>>,
}

#[cfg(any(test, feature = "test-util"))]
impl RecordingSleeper {
    /// A new, empty recorder.
    pub fn new() -> Self {
        Self::default()
    }
    /// The delays requested so far.
    pub fn delays(&self) -> Vec<Duration> {
        self.slept.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Sleeper for RecordingSleeper {
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        if let Ok(mut v) = self.slept.lock() {
            v.push(d);
        }
        Box::pin(std::future::ready(()))
    }
}

/// A successful response and how it was obtained.
#[derive(Debug, Clone)]
pub struct Response<T> {
    /// The decoded body.
    pub value: T,
    /// `request-id`, rate-limit headers, … of the successful response.
    pub meta: ResponseMeta,
    /// The auth profile that succeeded (`None` for env/config credentials).
    pub profile_id: Option<String>,
    /// Human-readable credential source (`profile anthropic:default`, `env: ANTHROPIC_API_KEY`).
    pub credential_source: String,
    /// How the credential was sent.
    pub credential_kind: CredentialKind,
    /// The model that answered (after fallbacks).
    pub model: ModelRef,
    /// Beta flags sent.
    pub betas: Vec<String>,
    /// Prompt-cache TTL sent (`None` = provider default or no breakpoints).
    pub cache_ttl: Option<String>,
    /// Failed attempts before this success (profiles rotated, models fallen back): one per
    /// failed model × profile.
    pub failed_attempts: Vec<Attempt>,
    /// Every attempt made, in order, the successful one last: SDK-rule retries on the same
    /// profile are entries of their own (three 429s on one profile and a success on the next
    /// are four entries).
    pub attempts: Vec<Attempt>,
    /// What the response cost at the configured prices (see [`crate::cost`]); `None` without
    /// prices for the model (or for a response that is not a message).
    pub cost: Option<crate::cost::Cost>,
    /// Builder warnings (e.g. token auth ignores the cache TTL).
    pub warnings: Vec<String>,
}

impl<T> Response<T> {
    /// Every attempt made, in order, the successful one last (retries included).
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// What the response cost in USD at the configured prices, if they are configured.
    pub fn cost(&self) -> Option<&crate::cost::Cost> {
        self.cost.as_ref()
    }

    /// The same response with its value mapped by `f`.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            meta: self.meta,
            profile_id: self.profile_id,
            credential_source: self.credential_source,
            credential_kind: self.credential_kind,
            model: self.model,
            betas: self.betas,
            cache_ttl: self.cache_ttl,
            failed_attempts: self.failed_attempts,
            attempts: self.attempts,
            cost: self.cost,
            warnings: self.warnings,
        }
    }
}

/// A request that failed, with every attempt it made: what the `*_recorded` methods
/// ([`Client::send_recorded`], [`Client::stream_recorded`], [`Session::send_recorded`],
/// [`Session::stream_recorded`], [`Client::count_tokens_recorded`],
/// [`Client::list_models_page_recorded`]) return on failure.
///
/// `attempts` holds every try in order, SDK-rule retries included (three 429s on one profile
/// and a 401 on the next are four entries), also when the [`error`](Self::error) itself is a
/// single failure; it is empty when the request failed before any try (e.g. an invalid
/// request). Converts into its [`Error`] (`?` works in functions returning [`Result`]).
#[derive(Debug)]
pub struct RequestFailure {
    /// Why the request failed (what [`Client::send`] would have returned).
    pub error: Error,
    /// Every attempt made, in order.
    pub attempts: Vec<Attempt>,
}

impl fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for RequestFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<RequestFailure> for Error {
    fn from(f: RequestFailure) -> Error {
        f.error
    }
}

/// Timeouts of a client.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP/TLS connect (default 10 s).
    pub connect: Duration,
    /// A whole non-streaming request, or a stream until its response headers (default 600 s).
    pub request: Duration,
    /// Longest gap between two chunks of a stream (default 120 s).
    pub stream_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(600),
            stream_idle: Duration::from_secs(120),
        }
    }
}

/// Configures a [`Client`]. Non-consuming setters; [`ClientBuilder::build`] returns `Result`.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    config: Arc<Config>,
    agent: Option<AgentId>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    clock: SharedClock,
    sleeper: Arc<dyn Sleeper>,
    store: Option<Arc<dyn StoreBackend>>,
    model_fallbacks: bool,
    cache_policy: CachePolicy,
    http: Option<reqwest::Client>,
    store_check_interval: Duration,
    shared_state: Option<SharedStateOptions>,
}

impl ClientBuilder {
    /// The agent whose auth profiles are used (default: the config's default agent).
    pub fn agent(&mut self, agent: AgentId) -> &mut Self {
        self.agent = Some(agent);
        self
    }
    /// Retry policy (default: 2 retries, SDK back-off).
    pub fn retry_policy(&mut self, p: RetryPolicy) -> &mut Self {
        self.retry = p;
        self
    }
    /// Timeouts.
    pub fn timeouts(&mut self, t: Timeouts) -> &mut Self {
        self.timeouts = t;
        self
    }
    /// Clock for cooldown bookkeeping (tests; feature `test-util`).
    #[cfg(any(test, feature = "test-util"))]
    pub fn clock(&mut self, c: SharedClock) -> &mut Self {
        self.clock = c;
        self
    }
    /// Sleeper for retry delays (tests; feature `test-util`).
    #[cfg(any(test, feature = "test-util"))]
    pub fn sleeper(&mut self, s: Arc<dyn Sleeper>) -> &mut Self {
        self.sleeper = s;
        self
    }
    /// Another auth-store backend (default: the agent's `auth-profiles.json`).
    pub fn store(&mut self, s: Arc<dyn StoreBackend>) -> &mut Self {
        self.store = Some(s);
        self
    }
    /// Whether to fall back to `agents.defaults.model.fallbacks` (default true).
    pub fn model_fallbacks(&mut self, on: bool) -> &mut Self {
        self.model_fallbacks = on;
        self
    }
    /// Prompt-cache breakpoint policy (default: last system block + last user block).
    pub fn cache_policy(&mut self, p: CachePolicy) -> &mut Self {
        self.cache_policy = p;
        self
    }
    /// How long the client trusts the auth store it last read before it looks at the file
    /// again (default [`DEFAULT_STORE_CHECK_INTERVAL`]). Within the interval a request costs
    /// no file-system call at all; after it, one `stat` (and a read and parse only when the
    /// file changed). Changes this client makes (successes, failures, upserts) are seen at
    /// once whatever the interval; changes written by other processes (another client, the
    /// Clawdbot gateway, `models auth order`) are seen within it. `Duration::ZERO` checks the
    /// file on every request. Has no effect with a custom [`store`](Self::store) backend,
    /// which is read on every request.
    ///
    /// With the file store, the client also keeps its last credential resolution ([resolution
    /// chain](crate::compatibility#resolution-chain)) and
    /// reuses it while nothing that decides it has changed: the file (another process's
    /// write, seen at the next check), a failure or write of this client, a success that could
    /// change the round-robin order, or the clock reaching a cooldown's end or a token's expiry.
    /// The credential chosen is always the one a full resolution would choose.
    pub fn store_check_interval(&mut self, interval: Duration) -> &mut Self {
        self.store_check_interval = interval;
        self
    }
    /// Fleet mode (fleet mode; README "Several hosts"): share profile health (cooldowns, disables, error counts,
    /// `lastUsed`, `lastGood`; never credentials) with the other hosts using the Redis or
    /// Valkey store at `url` (`redis://[user:password@]host:port/db` or `rediss://…`). The
    /// default comes from `CLAW_ANTHROPIC_SHARED_STATE`; key prefix and host id from
    /// `CLAW_ANTHROPIC_SHARED_PREFIX` and `CLAW_ANTHROPIC_HOST_ID` (see
    /// [`shared_state_options`](Self::shared_state_options) to set them here). Needs the
    /// `redis` feature: without it [`build`](Self::build) fails with
    /// [`Error::InvalidArgument`].
    ///
    /// The fleet's view is read at most once per [store check interval](Self::store_check_interval)
    /// (one round trip of at most 100 ms); while the store is unreachable the client works from
    /// its file alone, warns once, and reconnects in the background.
    pub fn shared_state(&mut self, url: impl Into<String>) -> &mut Self {
        self.shared_state = Some(SharedStateOptions::new(url, self.config.env()));
        self
    }
    /// [`shared_state`](Self::shared_state) with every option given (`None`: no fleet mode,
    /// even when `CLAW_ANTHROPIC_SHARED_STATE` is set).
    pub fn shared_state_options(&mut self, options: Option<SharedStateOptions>) -> &mut Self {
        self.shared_state = Some(options.unwrap_or_else(|| SharedStateOptions {
            url: String::new(),
            ..SharedStateOptions::new("", self.config.env())
        }));
        self
    }
    /// Use this `reqwest::Client` (its pool) instead of building one.
    ///
    /// The client this crate builds follows no redirect (a request carries its credential,
    /// and `reqwest` would send an `x-api-key` on to another host); give yours
    /// `redirect(reqwest::redirect::Policy::none())` to keep that guarantee.
    pub fn http_client(&mut self, c: reqwest::Client) -> &mut Self {
        self.http = Some(c);
        self
    }

    /// Builds the client.
    pub fn build(&self) -> Result<Client> {
        let agent = self
            .agent
            .clone()
            .unwrap_or_else(|| self.config.default_agent_id());
        let auth = AgentAuth::new(self.config.clone(), agent).with_clock(self.clock.clone());
        let shared_state = match &self.shared_state {
            Some(o) => (!o.url.is_empty()).then(|| o.clone()),
            None => SharedStateOptions::from_env(self.config.env()),
        };
        let fleet = match shared_state {
            Some(o) => Some((
                fleet::open(&o, self.store_check_interval)?,
                self.config.clone(),
            )),
            None => None,
        };
        // The client reads and records through a caching, write-coalescing view of the store.
        let usage = match &self.store {
            Some(s) => usage_log::Shared::with_fleet(s.clone(), None, Duration::ZERO, fleet),
            None => {
                let path = auth.store_path().to_path_buf();
                usage_log::Shared::with_fleet(
                    Arc::new(FileStore::new(path.clone())),
                    Some(path),
                    self.store_check_interval,
                    fleet,
                )
            }
        };
        let auth = auth.with_store(Arc::new(usage_log::ClientStore(usage.clone())));
        let http = match &self.http {
            Some(c) => c.clone(),
            None => reqwest::Client::builder()
                .connect_timeout(self.timeouts.connect)
                .pool_idle_timeout(Duration::from_secs(90))
                .tcp_nodelay(true)
                // A redirect is an error, never followed: the request carries the credential
                // (and `reqwest` strips only `Authorization` when the host changes).
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(crate::USER_AGENT)
                .build()
                .map_err(|e| Error::Transport {
                    kind: crate::error::TransportKind::Other,
                    message: format!("could not build the HTTP client: {e}"),
                    meta: None,
                })?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                config: self.config.clone(),
                auth,
                http,
                retry: self.retry.clone(),
                timeouts: self.timeouts,
                sleeper: self.sleeper.clone(),
                model_fallbacks: self.model_fallbacks,
                cache_policy: self.cache_policy,
                fallbacks: self.config.fallbacks(),
                header_cache: Default::default(),
                last_models: Mutex::new(None),
                usage,
            }),
        })
    }
}

pub(crate) struct Inner {
    pub(crate) config: Arc<Config>,
    pub(crate) auth: AgentAuth,
    pub(crate) http: reqwest::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) model_fallbacks: bool,
    pub(crate) cache_policy: CachePolicy,
    pub(crate) usage: Arc<usage_log::Shared>,
    /// `agents.defaults.model.fallbacks`, resolved once (the config is immutable).
    pub(crate) fallbacks: Vec<ModelRef>,
    /// Header sets of recent requests (holds credentials; not in `Debug`).
    pub(crate) header_cache: crate::request::build::HeaderCache,
    /// The models of the last request's `model` (they depend only on it: the config and the
    /// fallbacks are fixed).
    pub(crate) last_models: Mutex<Option<failover::ModelPlan>>,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the config: it may hold provider API keys.
        f.debug_struct("Client")
            .field("agent", self.auth.agent())
            .field("store", &self.auth.store_path())
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("model_fallbacks", &self.model_fallbacks)
            .field("cache_policy", &self.cache_policy)
            .field("usage", &self.usage)
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    /// The last clone of the client (and of its streams) is gone: write recorded successes,
    /// and in fleet mode share what the fleet has not seen yet.
    ///
    /// The write takes the store lock (waiting for another holder up to the lock's retry
    /// budget) and fsyncs, so it never runs on a tokio runtime's thread: on a multi-thread
    /// runtime it runs in [`tokio::task::block_in_place`] (the runtime moves its other tasks to
    /// other workers), after the fleet update (one round trip bounded by the shared store's
    /// timeout, skipped during an outage), and both are done when `drop` returns; on a
    /// current-thread runtime, whose one thread must not wait, the write runs on a thread of
    /// its own and the fleet update in a task, and `drop` returns at once (a program about to
    /// exit calls [`Client::flush`] first). Outside a runtime the write runs on the dropping
    /// thread.
    fn drop(&mut self) {
        let share = self.usage.has_fleet_pending();
        if !share && !self.usage.has_pending() {
            return;
        }
        let usage = self.usage.clone();
        let write = move || {
            if let Err(e) = usage.flush() {
                tracing::warn!(error = %e, "could not record profile use in the auth store");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Err(_) => write(),
            Ok(rt) if rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                let usage = self.usage.clone();
                tokio::task::block_in_place(move || {
                    if share {
                        rt.block_on(usage.share_uses());
                    }
                    write();
                });
            }
            Ok(rt) => {
                if share {
                    let usage = self.usage.clone();
                    rt.spawn(async move { usage.share_uses().await });
                }
                let spawned = std::thread::Builder::new()
                    .name("claw-anthropic-store-write".into())
                    .spawn(write);
                if let Err(e) = spawned {
                    tracing::warn!(error = %e, "could not start a thread to record profile use in the auth store");
                }
            }
        }
    }
}

/// The error for a background task that did not finish: a panic is an internal error naming
/// it; a task cancelled by a runtime shutting down is [`Error::Cancelled`].
fn join_error(what: &str, e: tokio::task::JoinError) -> Error {
    if !e.is_panic() {
        return Error::Cancelled;
    }
    let payload = e.into_panic();
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    Error::Internal(format!("{what} panicked: {text}"))
}

/// An Anthropic client for one agent. Cheap to clone (one shared connection pool); safe to use
/// from many tasks at once.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// Which profile a call should use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProfilePin {
    /// The auth order decides (default).
    #[default]
    Auto,
    /// Prefer this profile while it is usable; rotate when it is not (a session's automatic pin).
    Prefer(String),
    /// Use only this profile; its failure goes to model fallback (a user pin). A profile of
    /// another provider than the requested model's, or an empty id, is an
    /// [`Error::InvalidArgument`] before anything is sent: another
    /// account is never charged instead.
    Only(String),
}

impl Client {
    /// A client for `agent` (default agent when `None`) with default settings.
    pub fn new(config: Arc<Config>, agent: Option<AgentId>) -> Result<Client> {
        let mut b = Client::builder(config);
        if let Some(a) = agent {
            b.agent(a);
        }
        b.build()
    }

    /// A builder.
    pub fn builder(config: Arc<Config>) -> ClientBuilder {
        ClientBuilder {
            config,
            agent: None,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            clock: system_clock(),
            sleeper: Arc::new(TokioSleeper),
            store: None,
            model_fallbacks: true,
            cache_policy: CachePolicy::default(),
            http: None,
            store_check_interval: DEFAULT_STORE_CHECK_INTERVAL,
            shared_state: None,
        }
    }

    /// The per-agent auth facade this client uses (status, manual marks).
    pub fn auth(&self) -> &AgentAuth {
        &self.inner.auth
    }

    /// The config.
    pub fn config(&self) -> &Arc<Config> {
        &self.inner.config
    }

    /// Writes the successes recorded so far to the auth store now.
    ///
    /// Successes (`lastUsed`, `errorCount: 0`, `lastGood`;
    /// [cooldowns](crate::compatibility#cooldowns)) are kept in memory and
    /// written together at most every 500 ms, and when the last clone of the client and of its
    /// streams is dropped; reads through this client see them at once. Failures are always
    /// written immediately. Call this before handing the store to another program, and before
    /// a program that drops its last client on a current-thread runtime exits (that drop
    /// writes on a thread of its own, which the exit does not wait for).
    ///
    /// A panic of the write is returned as [`Error::Internal`] naming it.
    pub async fn flush(&self) -> Result<()> {
        self.inner.usage.share_uses().await;
        let usage = self.inner.usage.clone();
        match tokio::task::spawn_blocking(move || usage.flush()).await {
            Ok(r) => r,
            Err(e) => Err(join_error(
                "writing recorded successes to the auth store",
                e,
            )),
        }
    }

    /// Records a failure of `profile_id` as a failed request of this client would: a
    /// cooldown or billing disable in the auth store ([cooldowns](crate::compatibility#cooldowns)),
    /// and in fleet mode in the shared store too (one round trip bounded by its timeout,
    /// not waited for during an outage). For failures seen outside this client. A profile the
    /// store does not hold is ignored.
    pub async fn record_failure(
        &self,
        profile_id: &str,
        reason: crate::error::FailureReason,
    ) -> Result<()> {
        let (inner, pid) = (self.inner.clone(), profile_id.to_owned());
        match tokio::task::spawn_blocking(move || inner.auth.mark_failure(&pid, reason)).await {
            Ok(r) => r?,
            Err(e) => return Err(join_error("recording a profile failure", e)),
        }
        self.inner
            .usage
            .share_failure(&self.inner.auth, profile_id, reason)
            .await;
        Ok(())
    }

    /// [`Client::flush`] for synchronous code (blocks on file I/O; not for async tasks).
    pub fn flush_blocking(&self) -> Result<()> {
        self.inner.usage.flush()
    }

    /// Sends a non-streaming request, with retries and failover.
    ///
    /// The future is small (the failover state lives in one heap block) and `Send`.
    pub fn send(
        &self,
        req: MessageRequest,
    ) -> impl Future<Output = Result<Response<Message>>> + Send + '_ {
        let f = failover::send(&self.inner, req, &ProfilePin::Auto);
        async move { f.await.map_err(Error::from) }
    }

    /// Sends with an explicit profile pin.
    pub fn send_pinned<'a>(
        &'a self,
        req: MessageRequest,
        pin: &'a ProfilePin,
    ) -> impl Future<Output = Result<Response<Message>>> + Send + 'a {
        let f = failover::send(&self.inner, req, pin);
        async move { f.await.map_err(Error::from) }
    }

    /// [`send_pinned`](Self::send_pinned) that keeps the attempts of a failed request too: on
    /// failure a [`RequestFailure`] carries the error and every try made (on success they are
    /// in [`Response::attempts`]).
    pub fn send_recorded<'a>(
        &'a self,
        req: MessageRequest,
        pin: &'a ProfilePin,
    ) -> impl Future<Output = std::result::Result<Response<Message>, RequestFailure>> + Send + 'a
    {
        failover::send(&self.inner, req, pin)
    }

    /// Starts a streaming request. Retries and failover apply until the response starts; after
    /// that, failures are [`Error::Stream`] with the partial message.
    pub fn stream(
        &self,
        req: MessageRequest,
    ) -> impl Future<Output = Result<MessageStream>> + Send + '_ {
        let f = failover::stream(&self.inner, req, &ProfilePin::Auto);
        async move { f.await.map_err(Error::from) }
    }

    /// Streams with an explicit profile pin.
    pub fn stream_pinned<'a>(
        &'a self,
        req: MessageRequest,
        pin: &'a ProfilePin,
    ) -> impl Future<Output = Result<MessageStream>> + Send + 'a {
        let f = failover::stream(&self.inner, req, pin);
        async move { f.await.map_err(Error::from) }
    }

    /// [`stream_pinned`](Self::stream_pinned) that keeps the attempts of a stream that could
    /// not be opened: a [`RequestFailure`] carries the error and every try made (once the
    /// stream is open they are in [`MessageStream::attempts`]).
    pub fn stream_recorded<'a>(
        &'a self,
        req: MessageRequest,
        pin: &'a ProfilePin,
    ) -> impl Future<Output = std::result::Result<MessageStream, RequestFailure>> + Send + 'a {
        failover::stream(&self.inner, req, pin)
    }

    /// `POST /v1/messages/count_tokens` for a request (its `model` may be an alias or ref).
    ///
    /// A one-off call: the first usable credential of the model's provider, the client's
    /// retry policy, no profile rotation or model fallback.
    pub async fn count_tokens(&self, req: MessageRequest) -> Result<u64> {
        match failover::count_tokens(&self.inner, req).await {
            Ok(r) => Ok(r.value),
            Err(f) => Err(f.error),
        }
    }

    /// [`count_tokens`](Self::count_tokens) with how the count was obtained: on success a
    /// [`Response`] whose `value` is the count (its [`attempts`](Response::attempts) hold every
    /// try, SDK-rule retries included, the successful one last); on failure a
    /// [`RequestFailure`] with the error and every try made. A credential that could not be
    /// resolved is one attempt (reason [`auth`](crate::FailureReason::Auth), no status), as
    /// for [`send_recorded`](Self::send_recorded); a request refused before any try has none.
    /// `cost` is always `None` (counting is not billed per token).
    pub async fn count_tokens_recorded(
        &self,
        req: MessageRequest,
    ) -> std::result::Result<Response<u64>, RequestFailure> {
        failover::count_tokens(&self.inner, req).await
    }

    /// One page of `GET /v1/models` for the default model's provider (a one-off call, as
    /// [`count_tokens`](Self::count_tokens)).
    pub async fn list_models_page(
        &self,
        after_id: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ModelList> {
        match failover::list_models(&self.inner, after_id, limit).await {
            Ok(r) => Ok(r.value),
            Err(f) => Err(f.error),
        }
    }

    /// [`list_models_page`](Self::list_models_page) with its attempts, in the shape of
    /// [`count_tokens_recorded`](Self::count_tokens_recorded): the page in a [`Response`] (its
    /// `model` is the default model, whose provider was asked), or a [`RequestFailure`].
    pub async fn list_models_page_recorded(
        &self,
        after_id: Option<&str>,
        limit: Option<u32>,
    ) -> std::result::Result<Response<ModelList>, RequestFailure> {
        failover::list_models(&self.inner, after_id, limit).await
    }

    /// Every model, following `has_more`/`last_id`.
    pub async fn list_models(&self) -> Result<Vec<ModelInfo>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.list_models_page(after.as_deref(), Some(1000)).await?;
            let more = page.has_more;
            let last = page.last_id.clone();
            out.extend(page.data);
            match (more, last) {
                (true, Some(l)) if Some(&l) != after.as_ref() => after = Some(l),
                _ => return Ok(out),
            }
        }
    }

    /// A session: pins the profile that first succeeds, for cache-friendly reuse.
    pub fn session(&self) -> Session {
        Session {
            client: self.clone(),
            pin: Arc::new(Mutex::new(ProfilePin::Auto)),
        }
    }
}

/// Reuses one auth profile across calls (keeps that account's prompt cache warm;
/// [sessions](crate::compatibility#sessions)).
///
/// An automatic pin follows the first profile that succeeds and moves only when that profile
/// becomes unusable; a user pin ([`Session::pin_profile`]) never moves — its failure goes to
/// model fallback instead.
#[derive(Debug, Clone)]
pub struct Session {
    client: Client,
    pin: Arc<Mutex<ProfilePin>>,
}

impl Session {
    /// Pins `profile_id` for good (a user pin).
    pub fn pin_profile(&self, profile_id: impl Into<String>) {
        if let Ok(mut p) = self.pin.lock() {
            *p = ProfilePin::Only(profile_id.into());
        }
    }
    /// Back to automatic.
    pub fn unpin(&self) {
        if let Ok(mut p) = self.pin.lock() {
            *p = ProfilePin::Auto;
        }
    }
    /// The current pin.
    pub fn pin(&self) -> ProfilePin {
        self.pin.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn learn(&self, profile_id: Option<&str>) {
        if let (Some(id), Ok(mut p)) = (profile_id, self.pin.lock())
            && !matches!(*p, ProfilePin::Only(_))
        {
            *p = ProfilePin::Prefer(id.to_owned());
        }
    }

    /// Sends through the session's pin.
    pub async fn send(&self, req: MessageRequest) -> Result<Response<Message>> {
        self.send_recorded(req).await.map_err(Error::from)
    }

    /// [`send`](Self::send) that keeps the attempts of a failed request too, as
    /// [`Client::send_recorded`]: on failure a [`RequestFailure`] carries the error and every
    /// try made. An automatic pin follows the profile that answered, as with `send`; a failure
    /// leaves the pin as it was.
    pub async fn send_recorded(
        &self,
        req: MessageRequest,
    ) -> std::result::Result<Response<Message>, RequestFailure> {
        let r = self.client.send_recorded(req, &self.pin()).await?;
        self.learn(r.profile_id.as_deref());
        Ok(r)
    }

    /// Streams through the session's pin.
    pub async fn stream(&self, req: MessageRequest) -> Result<MessageStream> {
        self.stream_recorded(req).await.map_err(Error::from)
    }

    /// [`stream`](Self::stream) that keeps the attempts of a stream that could not be opened,
    /// as [`Client::stream_recorded`]. An automatic pin follows the profile the stream opened
    /// with, as with `stream`.
    pub async fn stream_recorded(
        &self,
        req: MessageRequest,
    ) -> std::result::Result<MessageStream, RequestFailure> {
        let s = self.client.stream_recorded(req, &self.pin()).await?;
        self.learn(s.profile_id());
        Ok(s)
    }
}
