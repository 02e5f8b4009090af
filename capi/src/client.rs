//! `claw_client`: sending and streaming Messages requests (blocking calls over an owned runtime).

use super::boundary::{
    arg_opt_str, arg_ref, arg_str, check_out, guard, guard_value, to_c_string, write_out,
};
use super::cancel::claw_cancel;
use super::config::claw_config;
use super::error::{
    CLAW_ERR_CANCELLED, CLAW_ERR_INTERNAL, CLAW_ERR_INVALID_ARGUMENT, CLAW_ERR_NOT_SUPPORTED,
    CLAW_ERR_STOPPED_BY_CALLBACK, CLAW_ERR_USED_AFTER_FORK, FfiError, attempts_json, claw_error,
    claw_result,
};
use super::request::parse_request;
use claw::auth::shared::{SHARED_STATE_ENV, SharedStateOptions};
use claw::client::{Client, ProfilePin};
use std::cell::RefCell;
use std::ffi::{CString, c_char, c_int, c_void};
use std::future::Future;
use std::mem::ManuallyDrop;

/// Receives one stream event as JSON (`{"type": "content_block_delta", …}`, exactly the API's
/// event objects; `ping` is skipped). `event_json` is valid only during the call. Called on the
/// thread that called `claw_client_stream*`, in order. Return 0 to continue, non-zero to stop the
/// stream: the call then returns `CLAW_ERR_STOPPED_BY_CALLBACK`. The callback must not call
/// `claw_client_send`/`claw_client_stream` itself (that returns `CLAW_ERR_NOT_SUPPORTED`).
pub type claw_event_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event_json: *const c_char) -> c_int>;

/// A client for one agent: resolves credentials from the agent's auth profiles, sends with
/// retries, rotates profiles and falls back to other models, as the Rust `Client` does.
///
/// Owns a multi-threaded tokio runtime (2 worker threads) and a connection pool. Thread-safe:
/// any number of threads may call `claw_client_send*` / `claw_client_stream*` at once; each call
/// blocks its calling thread. Created by `claw_client_new`, freed by `claw_client_free` once no
/// call is running. After `fork()`, the child must not use a client made by the parent: calls
/// return `CLAW_ERR_USED_AFTER_FORK` (and `claw_client_free` in the child leaks the client
/// instead of touching the parent's threads).
pub struct claw_client {
    runtime: ManuallyDrop<tokio::runtime::Runtime>,
    client: ManuallyDrop<Client>,
    pid: u32,
}

impl claw_client {
    /// Runs `fut` to completion on the client's runtime, racing it against `cancel`.
    fn run<T>(
        &self,
        cancel: Option<&claw_cancel>,
        fut: impl Future<Output = Result<T, FfiError>>,
    ) -> Result<T, FfiError> {
        if std::process::id() != self.pid {
            return Err(FfiError::new(
                CLAW_ERR_USED_AFTER_FORK,
                "this claw_client was created in another process (before fork()); create a new client in this process",
            ));
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(FfiError::new(
                CLAW_ERR_NOT_SUPPORTED,
                "claw_client calls cannot be made from inside a stream callback or an async runtime thread",
            ));
        }
        self.runtime.block_on(async {
            match cancel {
                None => fut.await,
                Some(c) => {
                    tokio::select! {
                        biased;
                        _ = c.cancelled() => Err(FfiError::new(
                            CLAW_ERR_CANCELLED,
                            "cancelled: claw_cancel_cancel was called on this call's cancel handle",
                        )),
                        r = fut => r,
                    }
                }
            }
        })
    }
}

/// What a send or stream writes to its `out` argument.
#[derive(Clone, Copy)]
enum Output {
    /// The message, with `"attempts"` (and `"cost"`) added to its object.
    Message,
    /// `{"message", "request_id", "profile_id", "model", "attempts", "cost"}`.
    Response,
}

/// The plain functions' output: the API's message object plus `"attempts"` and, with prices,
/// `"cost"` (keys the API's message does not have, so a reader of the message shape is
/// unaffected).
#[derive(serde::Serialize)]
struct MessageJson<'a> {
    #[serde(flatten)]
    message: &'a claw::request::messages::Message,
    attempts: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<&'a claw::Cost>,
}

/// The `*_response` functions' output.
#[derive(serde::Serialize)]
#[serde(rename_all = "snake_case")]
struct ResponseJson<'a> {
    message: &'a claw::request::messages::Message,
    request_id: Option<&'a str>,
    profile_id: Option<&'a str>,
    model: String,
    attempts: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<&'a claw::Cost>,
}

impl Output {
    fn render(
        self,
        r: &claw::Response<claw::request::messages::Message>,
    ) -> Result<String, FfiError> {
        match self {
            Output::Message => to_json(
                &MessageJson {
                    message: &r.value,
                    attempts: attempts_json(r.attempts()),
                    cost: r.cost(),
                },
                "the message",
            ),
            Output::Response => to_json(
                &ResponseJson {
                    message: &r.value,
                    request_id: r.meta.request_id(),
                    profile_id: r.profile_id.as_deref(),
                    model: r.model.to_string(),
                    attempts: attempts_json(r.attempts()),
                    cost: r.cost(),
                },
                "the response",
            ),
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T, what: &str) -> Result<String, FfiError> {
    serde_json::to_string(value).map_err(|e| {
        FfiError::new(
            CLAW_ERR_INTERNAL,
            format!("{what} could not be serialized: {e}"),
        )
    })
}

/// Creates a client for `agent_id` (NULL = the config's default agent). The client keeps its
/// own reference to the configuration: `cfg` may be freed afterwards.
///
/// On success `*out` receives the client (free with `claw_client_free`).
/// Errors: `CLAW_ERR_INVALID_ARGUMENT` (bad agent id), `CLAW_ERR_INTERNAL` (runtime could not
/// start). Credentials are resolved per call, not here.
///
/// # Safety
/// `cfg` is a live config; `agent_id` is NULL or NUL-terminated; `out` is valid for writes;
/// `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_new(
    cfg: *const claw_config,
    agent_id: *const c_char,
    out: *mut *mut claw_client,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract (the same as `claw_client_new_with_options` with NULL
    // options).
    unsafe { claw_client_new_with_options(cfg, agent_id, std::ptr::null(), out, err) }
}

/// Client settings accepted by `claw_client_new_with_options` (every key optional).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientOptions {
    max_retries: Option<u32>,
    connect_timeout_ms: Option<u64>,
    request_timeout_ms: Option<u64>,
    stream_idle_timeout_ms: Option<u64>,
    model_fallbacks: Option<bool>,
    store_check_interval_ms: Option<u64>,
    shared_state: Option<String>,
    shared_state_prefix: Option<String>,
    host_id: Option<String>,
}

fn client_options(json: &str) -> Result<ClientOptions, FfiError> {
    let o: ClientOptions = serde_json::from_str(json)
        .map_err(|e| FfiError::new(CLAW_ERR_INVALID_ARGUMENT, format!("options_json: {e}")))?;
    for (name, v) in [
        ("connect_timeout_ms", o.connect_timeout_ms),
        ("request_timeout_ms", o.request_timeout_ms),
        ("stream_idle_timeout_ms", o.stream_idle_timeout_ms),
    ] {
        if v == Some(0) {
            return Err(FfiError::new(
                CLAW_ERR_INVALID_ARGUMENT,
                format!("options_json: {name} must be greater than 0"),
            ));
        }
    }
    Ok(o)
}

/// `claw_client_new` with settings: `options_json` is NULL (all defaults) or a JSON object with
/// any of `max_retries` (default 2), `connect_timeout_ms` (10000), `request_timeout_ms` (600000),
/// `stream_idle_timeout_ms` (120000), `model_fallbacks` (true: fall back to
/// `agents.defaults.model.fallbacks`) and `store_check_interval_ms` (100: how long the client
/// trusts the auth store it last read; 0 looks at the file on every call — what the client
/// writes itself is always seen at once); fleet mode: `shared_state` (a `redis://` or
/// `rediss://` URL, default `$CLAW_ANTHROPIC_SHARED_STATE`; "" turns it off),
/// `shared_state_prefix` (key prefix, default `claw-anthropic`) and `host_id` (this host's name
/// in the shared store, default the hostname).
///
/// Errors: as `claw_client_new`, and `CLAW_ERR_INVALID_ARGUMENT` for options that are not such an
/// object (unknown keys, wrong types, a zero timeout), with the offending key in the message.
///
/// # Safety
/// As `claw_client_new`; `options_json` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_new_with_options(
    cfg: *const claw_config,
    agent_id: *const c_char,
    options_json: *const c_char,
    out: *mut *mut claw_client,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let cfg = arg_ref(cfg, "cfg")?;
            let agent = cfg.agent(arg_opt_str(agent_id, "agent_id")?)?;
            let options = match arg_opt_str(options_json, "options_json")? {
                Some(json) => Some(client_options(json)?),
                None => None,
            };
            check_out(out, "out")?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("claw-client")
                .enable_all()
                .build()
                .map_err(|e| {
                    FfiError::new(
                        CLAW_ERR_INTERNAL,
                        format!("could not start the client runtime: {e}"),
                    )
                })?;
            let client = {
                let _enter = runtime.enter();
                let mut b = Client::builder(cfg.inner.clone());
                b.agent(agent);
                if let Some(o) = options {
                    let ms = std::time::Duration::from_millis;
                    let mut retry = claw::client::RetryPolicy::default();
                    if let Some(n) = o.max_retries {
                        retry.max_retries = n;
                    }
                    let mut t = claw::client::Timeouts::default();
                    t.connect = o.connect_timeout_ms.map_or(t.connect, ms);
                    t.request = o.request_timeout_ms.map_or(t.request, ms);
                    t.stream_idle = o.stream_idle_timeout_ms.map_or(t.stream_idle, ms);
                    b.retry_policy(retry).timeouts(t);
                    if let Some(f) = o.model_fallbacks {
                        b.model_fallbacks(f);
                    }
                    if let Some(i) = o.store_check_interval_ms {
                        b.store_check_interval(ms(i));
                    }
                    let env = cfg.inner.env();
                    let url = o.shared_state.clone().or_else(|| {
                        (o.shared_state_prefix.is_some() || o.host_id.is_some())
                            .then(|| env.var(SHARED_STATE_ENV))
                            .flatten()
                    });
                    if let Some(url) = url {
                        if url.trim().is_empty() {
                            b.shared_state_options(None);
                        } else {
                            let mut s = SharedStateOptions::new(url, env);
                            if let Some(p) = o.shared_state_prefix {
                                s.prefix = p;
                            }
                            if let Some(h) = o.host_id {
                                s.host_id = h;
                            }
                            b.shared_state_options(Some(s));
                        }
                    }
                }
                b.build()?
            };
            let handle = claw_client {
                runtime: ManuallyDrop::new(runtime),
                client: ManuallyDrop::new(client),
                pid: std::process::id(),
            };
            write_out(out, Box::into_raw(Box::new(handle)));
            Ok(())
        })
    }
}

unsafe fn send_impl(
    client: *const claw_client,
    request_json: *const c_char,
    cancel: Option<*const claw_cancel>,
    output: Output,
    out_message_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let client = arg_ref(client, "client")?;
            let request = parse_request(arg_str(request_json, "request_json")?)?;
            let cancel = match cancel {
                Some(c) => Some(arg_ref(c, "cancel")?),
                None => None,
            };
            check_out(out_message_json, "out_message_json")?;
            let response = client.run(cancel, async {
                client
                    .client
                    .send_recorded(request, &ProfilePin::Auto)
                    .await
                    .map_err(FfiError::from)
            })?;
            let json = output.render(&response)?;
            write_out(out_message_json, to_c_string(json)?);
            Ok(())
        })
    }
}

/// Sends a request and waits for the whole response (retries, profile rotation and model
/// fallback included). `request_json` is a Messages API body where `model` may be an alias or
/// `provider/model` ref, or omitted for the configured default model, and `max_tokens` may be
/// omitted; `"stream"` is ignored.
///
/// On success `*out_message_json` receives the response message as JSON, to free with
/// `claw_string_free`: the API's `message` object with two keys added, `"attempts"` (every
/// attempt made, retries included, the successful one last, in the shape described at
/// `claw_client_send_response`) and `"cost"` (the USD cost at the configured prices; absent
/// without prices). `claw_client_send_response` also gives the request id, the profile and the
/// model that answered. Errors: `CLAW_ERR_NO_CREDENTIALS`,
/// `CLAW_ERR_AUTH_REJECTED`, `CLAW_ERR_RATE_LIMITED`, `CLAW_ERR_API`, `CLAW_ERR_NETWORK`, … (see the
/// codes); `claw_error_http_status` / `claw_error_request_id` give the HTTP details of the last
/// answer and `claw_error_attempts_json` every attempt made. Blocks; thread-safe.
///
/// # Safety
/// `client` is a live client; `request_json` is NUL-terminated; `out_message_json` is valid for
/// writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_send(
    client: *mut claw_client,
    request_json: *const c_char,
    out_message_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: forwarded contract.
    unsafe {
        send_impl(
            client,
            request_json,
            None,
            Output::Message,
            out_message_json,
            err,
        )
    }
}

/// `claw_client_send` that another thread can abort with `claw_cancel_cancel(cancel)`: the call
/// then returns `CLAW_ERR_CANCELLED` promptly (the request is dropped mid-flight).
///
/// # Safety
/// As `claw_client_send`; `cancel` is a live cancel handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_send_cancellable(
    client: *mut claw_client,
    request_json: *const c_char,
    cancel: *const claw_cancel,
    out_message_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: forwarded contract.
    unsafe {
        send_impl(
            client,
            request_json,
            Some(cancel),
            Output::Message,
            out_message_json,
            err,
        )
    }
}

/// `claw_client_send` (with an optional cancel handle) that also says how the answer was
/// obtained: `*out_response_json` receives `{"message": {…}, "request_id": "req_…" | null,
/// "profile_id": "anthropic:default" | null, "model": "anthropic/claude-…"}` — the message, the
/// `request-id` of the response, the auth profile that answered (null for a key from the
/// environment or config) and the model that answered (after fallbacks), plus `"attempts"`:
/// every attempt made, retries included, the successful one last (`[{"profileId", "model",
/// "status", "transport", "reason", "retryDelayMs", "requestId", "durationMs", "message"}, …]`,
/// absent values null), and `"cost"`: the USD cost at the prices configured in
/// `models.providers.<id>.models[].cost` (`{"input", "output", "cacheRead", "cacheWrite",
/// "total"}`; the key is absent without prices). Free it with `claw_string_free`.
///
/// # Safety
/// As `claw_client_send`; `cancel` is NULL or a live cancel handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_send_response(
    client: *mut claw_client,
    request_json: *const c_char,
    cancel: *const claw_cancel,
    out_response_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    let cancel = (!cancel.is_null()).then_some(cancel);
    // SAFETY: forwarded contract.
    unsafe {
        send_impl(
            client,
            request_json,
            cancel,
            Output::Response,
            out_response_json,
            err,
        )
    }
}

unsafe fn stream_impl(
    client: *const claw_client,
    request_json: *const c_char,
    cb: claw_event_cb,
    userdata: *mut c_void,
    (cancel, output): (Option<*const claw_cancel>, Output),
    out_message_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let client = arg_ref(client, "client")?;
            let request = parse_request(arg_str(request_json, "request_json")?)?;
            let cancel = match cancel {
                Some(c) => Some(arg_ref(c, "cancel")?),
                None => None,
            };
            // The attempts of the opened stream, for an error after it opened (also when the
            // call is cancelled, which drops the stream).
            let opened = RefCell::new(Vec::new());
            let message = client.run(cancel, async {
                let mut stream = client
                    .client
                    .stream_recorded(request, &ProfilePin::Auto)
                    .await?;
                opened.replace(stream.attempts().to_vec());
                while let Some(event) = stream.next_event().await {
                    let event = event?;
                    if let Some(cb) = cb {
                        let json = CString::new(to_json(&event, "a stream event")?)
                            .map_err(|_| FfiError::new(CLAW_ERR_INTERNAL, "event JSON has a NUL byte"))?;
                        // SAFETY: the caller vouches for `cb` and `userdata`.
                        if cb(userdata, json.as_ptr()) != 0 {
                            return Err(FfiError::new(
                                CLAW_ERR_STOPPED_BY_CALLBACK,
                                "the stream was stopped by the event callback (it returned non-zero)",
                            ));
                        }
                    }
                }
                Ok(stream.final_response().await?)
            });
            let message = message.map_err(|mut e| {
                if e.attempts.is_empty() {
                    e.attempts = opened.take();
                }
                e
            })?;
            let json = output.render(&message)?;
            if !out_message_json.is_null() {
                write_out(out_message_json, to_c_string(json)?);
            }
            Ok(())
        })
    }
}

/// Streams a request: each event is passed to `cb` (may be NULL) as JSON while it arrives, then
/// the accumulated final message is written to `*out_message_json` (if `out_message_json` is not
/// NULL; free with `claw_string_free`), with `"attempts"` (the attempts until the stream opened,
/// the successful one last) and `"cost"` added as for `claw_client_send`. `request_json` as for
/// `claw_client_send` (`"stream"` is set for you).
///
/// A stream that has started is never retried; a failure after the first event returns
/// `CLAW_ERR_STREAM` (or the classified code, e.g. `CLAW_ERR_RATE_LIMITED` for an
/// `overloaded_error` event). When `cb` returns non-zero the stream is dropped and the call
/// returns `CLAW_ERR_STOPPED_BY_CALLBACK` (no message is written). On failure
/// `claw_error_attempts_json` gives the attempts: those that failed to open the stream, or, when
/// it failed after it opened, those until it opened. Blocks; `cb` runs on the calling thread;
/// thread-safe.
///
/// # Safety
/// `client` is a live client; `request_json` is NUL-terminated; `cb` is NULL or a function safe
/// to call with `userdata`; `out_message_json` and `err` are NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_stream(
    client: *mut claw_client,
    request_json: *const c_char,
    cb: claw_event_cb,
    userdata: *mut c_void,
    out_message_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: forwarded contract.
    unsafe {
        stream_impl(
            client,
            request_json,
            cb,
            userdata,
            (None, Output::Message),
            out_message_json,
            err,
        )
    }
}

/// `claw_client_stream` that another thread can abort with `claw_cancel_cancel(cancel)`
/// (→ `CLAW_ERR_CANCELLED`), also while waiting for the next event.
///
/// # Safety
/// As `claw_client_stream`; `cancel` is a live cancel handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_stream_cancellable(
    client: *mut claw_client,
    request_json: *const c_char,
    cb: claw_event_cb,
    userdata: *mut c_void,
    cancel: *const claw_cancel,
    out_message_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: forwarded contract.
    unsafe {
        stream_impl(
            client,
            request_json,
            cb,
            userdata,
            (Some(cancel), Output::Message),
            out_message_json,
            err,
        )
    }
}

/// `claw_client_stream` (with an optional cancel handle) whose `*out_response_json` (if not
/// NULL) receives `{"message", "request_id", "profile_id", "model", "attempts", "cost"}` as for
/// `claw_client_send_response`.
///
/// # Safety
/// As `claw_client_stream`; `cancel` is NULL or a live cancel handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_stream_response(
    client: *mut claw_client,
    request_json: *const c_char,
    cb: claw_event_cb,
    userdata: *mut c_void,
    cancel: *const claw_cancel,
    out_response_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    let cancel = (!cancel.is_null()).then_some(cancel);
    // SAFETY: forwarded contract.
    unsafe {
        stream_impl(
            client,
            request_json,
            cb,
            userdata,
            (cancel, Output::Response),
            out_response_json,
            err,
        )
    }
}

/// Counts the input tokens of a request (`POST /v1/messages/count_tokens`): `request_json` as
/// for `claw_client_send` (`max_tokens` and sampling options are not sent). Uses the first
/// usable credential of the model's provider, with the client's retry policy but no profile
/// rotation or model fallback.
///
/// On success `*out_tokens` receives the count. Errors as for `claw_client_send`
/// (`claw_error_attempts_json` gives the tries: one unless retried). Blocks; thread-safe.
///
/// # Safety
/// `client` is a live client; `request_json` is NUL-terminated; `out_tokens` is valid for
/// writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_count_tokens(
    client: *mut claw_client,
    request_json: *const c_char,
    out_tokens: *mut u64,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let client = arg_ref(client, "client")?;
            let request = parse_request(arg_str(request_json, "request_json")?)?;
            check_out(out_tokens, "out_tokens")?;
            let n = client.run(None, async {
                client
                    .client
                    .count_tokens_recorded(request)
                    .await
                    .map_err(FfiError::from)
            })?;
            write_out(out_tokens, n.value);
            Ok(())
        })
    }
}

/// One page of the provider's models (`GET /v1/models`) for the default model's provider:
/// `after_id` NULL for the first page (else the `last_id` of the previous one), `limit` 0 for
/// the API's default page size (else 1–1000).
///
/// On success `*out_json` receives the page as the API returns it (`{"data": [...],
/// "has_more": …, "first_id": …, "last_id": …}`), to free with `claw_string_free`. Errors as
/// for `claw_client_send`. Blocks; thread-safe.
///
/// # Safety
/// `client` is a live client; `after_id` is NULL or NUL-terminated; `out_json` is valid for
/// writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_list_models(
    client: *mut claw_client,
    after_id: *const c_char,
    limit: u32,
    out_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let client = arg_ref(client, "client")?;
            let after_id = arg_opt_str(after_id, "after_id")?;
            check_out(out_json, "out_json")?;
            let page = client.run(None, async {
                client
                    .client
                    .list_models_page_recorded(after_id, (limit > 0).then_some(limit))
                    .await
                    .map_err(FfiError::from)
            })?;
            let json = to_json(&page.value, "the model list")?;
            write_out(out_json, to_c_string(json)?);
            Ok(())
        })
    }
}

/// Frees a client: stops its runtime (waiting for its worker threads) and closes its
/// connections. `claw_client_free(NULL)` does nothing. In a child process after `fork()` the
/// runtime's threads do not exist: there the client's memory is leaked on purpose (its threads
/// are never joined). Must not be called while a call on this client is running, nor from a
/// stream callback.
///
/// # Safety
/// `client` is NULL or a live client that no thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_client_free(client: *mut claw_client) {
    if client.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: `client` is a live client (the caller's contract).
        if std::process::id() != unsafe { (*client).pid } {
            // Forked child: the runtime's worker threads belong to the parent and joining them
            // would hang, so the whole client is leaked on purpose.
            return;
        }
        // SAFETY: the caller hands back ownership of a `Box::into_raw` pointer.
        let mut c = unsafe { Box::from_raw(client) };
        // SAFETY: each field is taken exactly once and never used again.
        let (runtime, inner) = unsafe {
            (
                ManuallyDrop::take(&mut c.runtime),
                ManuallyDrop::take(&mut c.client),
            )
        };
        {
            // The client's connection pool may hold runtime resources: drop it inside.
            let _enter = runtime.enter();
            drop(inner);
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            runtime.shutdown_background();
        } else {
            drop(runtime);
        }
    });
}
