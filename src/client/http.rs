//! One HTTP exchange with the retry policy applied (same profile, same model).

use super::Inner;
use super::attempts::AttemptLog;
use crate::error::{ApiError, Error, Result, TransportKind};
use crate::request::messages::Message;
use crate::response_meta::ResponseMeta;
use bytes::Bytes;
use std::pin::Pin;
use tracing::Instrument;

/// Longest error body read into memory; the rest is discarded.
pub(crate) const MAX_ERROR_BODY: usize = 1024 * 1024;
/// Longest successful JSON body accepted.
pub(crate) const MAX_JSON_BODY: usize = 256 * 1024 * 1024;

/// What to send.
pub(crate) struct Outgoing<'a> {
    pub method: reqwest::Method,
    pub url: &'a reqwest::Url,
    pub headers: &'a reqwest::header::HeaderMap,
    pub body: Option<Bytes>,
    pub profile_id: Option<&'a str>,
    pub token_auth: bool,
}

/// Maps a reqwest error without leaking anything but its kind and a description.
pub(crate) fn transport_error(e: &reqwest::Error, meta: Option<ResponseMeta>) -> Error {
    let kind = if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_connect() {
        TransportKind::Connect
    } else if e.is_request() || e.is_body() {
        TransportKind::Connection
    } else if e.is_decode() {
        TransportKind::Protocol
    } else {
        TransportKind::Other
    };
    // reqwest's Display includes the URL (never a secret: credentials are headers) and the cause chain.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    Error::Transport {
        kind,
        message: msg,
        meta: meta.map(Box::new),
    }
}

/// Reads a body, at most `limit` bytes: the bytes and whether the body went on past the
/// limit. A body that arrives in one piece (the usual small JSON reply) is taken without a
/// copy. A plain function returning the future (not an `async fn`, which would keep a second
/// copy of `resp` in its state).
pub(crate) fn read_bounded(
    mut resp: reqwest::Response,
    limit: usize,
) -> impl Future<Output = Result<(Bytes, bool)>> + Send {
    enum Body {
        Empty,
        One(Bytes),
        Many(Vec<u8>),
    }
    async move {
        let (mut body, mut len, mut truncated) = (Body::Empty, 0usize, false);
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&e, None))? {
            let take = chunk.len().min(limit - len);
            truncated = take < chunk.len();
            let chunk = if truncated {
                chunk.slice(..take)
            } else {
                chunk
            };
            len += take;
            body = match body {
                Body::Empty => Body::One(chunk),
                Body::One(first) => {
                    let mut all = Vec::with_capacity(first.len() + chunk.len());
                    all.extend_from_slice(&first);
                    all.extend_from_slice(&chunk);
                    Body::Many(all)
                }
                Body::Many(mut all) => {
                    all.extend_from_slice(&chunk);
                    Body::Many(all)
                }
            };
            if truncated {
                break;
            }
        }
        let bytes = match body {
            Body::Empty => Bytes::new(),
            Body::One(b) => b,
            Body::Many(all) => Bytes::from(all),
        };
        Ok((bytes, truncated))
    }
}

/// Turns an error response into [`Error::Api`].
pub(crate) async fn api_error(
    resp: reqwest::Response,
    meta: ResponseMeta,
    profile_id: Option<&str>,
    token_auth: bool,
) -> Error {
    let status = meta.status;
    let (body, truncated) = match read_bounded(resp, MAX_ERROR_BODY).await {
        Ok(b) => b,
        Err(_) => (Bytes::new(), false),
    };
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let error_type = err
        .and_then(|e| e.get("type"))
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    let message = match err.and_then(|e| e.get("message")).and_then(|m| m.as_str()) {
        Some(m) => m.to_owned(),
        None => {
            let text = String::from_utf8_lossy(&body);
            let mut excerpt: String = text.chars().take(200).collect();
            if text.chars().count() > 200 || truncated {
                excerpt.push('…');
            }
            if excerpt.trim().is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                format!("non-JSON error body: {}", excerpt.trim())
            }
        }
    };
    Error::Api(Box::new(ApiError {
        status,
        error_type,
        message,
        meta,
        profile_id: profile_id.map(str::to_owned),
        token_auth,
    }))
}

/// The HTTP status whose handling an `error.type` of the API gets when it arrives in a
/// successful response (a 2xx whose body is an error object): its documented status, 500
/// for a type this crate does not know.
fn status_for_error_type(error_type: &str) -> u16 {
    match error_type {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    }
}

/// The error of a successful response whose body is an API error object
/// (`{"type":"error","error":{"type":…,"message":…}}`): an [`Error::Api`] handled like the
/// status of its `error.type` (an `overloaded_error` is retried, classified and fails over
/// like a 529). `meta` keeps the real status.
pub(crate) fn error_object(
    error: Option<&serde_json::Value>,
    meta: ResponseMeta,
    profile_id: Option<&str>,
    token_auth: bool,
) -> Error {
    let error_type = error
        .and_then(|e| e.get("type"))
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    let status = status_for_error_type(error_type.as_deref().unwrap_or(""));
    let text = error
        .and_then(|e| e.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or("no message");
    let message = format!(
        "{text} (the API answered HTTP {} with this error as its body; handled as HTTP {status})",
        meta.status
    );
    Error::Api(Box::new(ApiError {
        status,
        error_type,
        message,
        meta,
        profile_id: profile_id.map(str::to_owned),
        token_auth,
    }))
}

/// A successful response whose body is not what the endpoint returns.
fn unexpected_body(what: &str, body: &[u8], meta: ResponseMeta) -> Error {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text.trim().chars().take(200).collect();
    if text.trim().chars().count() > 200 {
        excerpt.push('…');
    }
    Error::Transport {
        kind: TransportKind::Protocol,
        message: format!(
            "the API answered HTTP {} but the body is not {what}: {}",
            meta.status,
            if excerpt.is_empty() {
                "(empty)".to_owned()
            } else {
                excerpt
            }
        ),
        meta: Some(Box::new(meta)),
    }
}

/// The top-level `type` and `error` of a JSON body (other fields skipped unread).
#[derive(serde::Deserialize)]
struct Probe {
    #[serde(rename = "type")]
    kind: Option<String>,
    error: Option<serde_json::Value>,
}

/// The searcher for `"error"`, built once.
static ERROR_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"error\""));

/// When a successful body is an API error object, that error. Costs a search of the first
/// bytes for an `"error"` string; only a body that has one there is parsed (again).
fn error_in_body(body: &[u8], meta: &ResponseMeta, out: &Outgoing<'_>) -> Option<Error> {
    let head = &body[..body.len().min(256)];
    ERROR_KEY.find(head)?;
    let probe: Probe = serde_json::from_slice(body).ok()?;
    (probe.kind.as_deref() == Some("error")).then(|| {
        error_object(
            probe.error.as_ref(),
            meta.clone(),
            out.profile_id,
            out.token_auth,
        )
    })
}

/// Checks the head of a successful streaming response: a JSON body instead of an event stream
/// is read (bounded) and becomes the error it holds, or a protocol error.
async fn check_stream_head(
    resp: reqwest::Response,
    meta: &ResponseMeta,
    out: &Outgoing<'_>,
) -> Result<reqwest::Response> {
    let json = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.trim_start().to_ascii_lowercase();
            ct.starts_with("application/json") || ct.starts_with("application/problem+json")
        });
    if !json {
        return Ok(resp);
    }
    let (body, _) = read_bounded(resp, MAX_ERROR_BODY).await?;
    Err(error_in_body(&body, meta, out)
        .unwrap_or_else(|| unexpected_body("an event stream", &body, meta.clone())))
}

fn timeout_error(what: &str, limit: std::time::Duration, meta: Option<&ResponseMeta>) -> Error {
    Error::Transport {
        kind: TransportKind::Timeout,
        message: format!("{what} within {limit:?} (request timeout)"),
        meta: meta.map(|m| Box::new(m.clone())),
    }
}

/// A redirect answer: the caller's error (the base URL is not where the API answers, as for a
/// refused base URL), never followed, retried or counted against the profile. Following it would hand the credential
/// to whatever address the answer names.
#[cold]
fn redirect_error(url: &reqwest::Url, resp: &reqwest::Response) -> Error {
    let to = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map_or_else(
            || "an address it did not give".to_owned(),
            |l| format!("{l:?}"),
        );
    Error::InvalidArgument(format!(
        "{url} answered HTTP {} redirecting to {to}; redirects are not followed (the request \
         carries a credential): set the provider's `baseUrl` (models.providers.<id>.baseUrl) to \
         the address the API answers at",
        resp.status().as_u16()
    ))
}

/// Sends once; a non-2xx status becomes [`Error::Api`]. `deadline` bounds the exchange.
async fn attempt(
    inner: &Inner,
    out: &Outgoing<'_>,
    deadline: &mut Pin<&mut tokio::time::Sleep>,
) -> Result<(reqwest::Response, ResponseMeta)> {
    // The request directly (a builder would merge the headers into a fresh map once more).
    let mut req = reqwest::Request::new(out.method.clone(), out.url.clone());
    *req.headers_mut() = out.headers.clone();
    if let Some(b) = &out.body {
        *req.body_mut() = Some(b.clone().into());
    }
    let resp = tokio::select! {
        biased;
        r = inner.http.execute(req) => r.map_err(|e| transport_error(&e, None))?,
        () = deadline.as_mut() => {
            return Err(timeout_error(
                &format!("no response from {}", out.url),
                inner.timeouts.request,
                None,
            ));
        }
    };
    if resp.status().is_redirection() {
        return Err(redirect_error(out.url, &resp));
    }
    let meta = ResponseMeta::from_headers(
        resp.status().as_u16(),
        resp.headers(),
        std::time::SystemTime::now(),
    );
    if resp.status().is_success() {
        Ok((resp, meta))
    } else {
        // The error body is read under the same deadline; if it stalls, the error keeps the
        // status (it still classifies and retries as that status).
        let status = meta.status;
        let kept = meta.clone();
        // Boxed: the error path is rare; inline, its state would enlarge every request's future.
        let err = Box::pin(api_error(resp, meta, out.profile_id, out.token_auth));
        Err(tokio::select! {
            biased;
            e = err => e,
            () = deadline.as_mut() => Error::Api(Box::new(ApiError {
                status,
                error_type: None,
                message: format!(
                    "HTTP {status}; the error body did not arrive within {:?}",
                    inner.timeouts.request
                ),
                meta: kept,
                profile_id: out.profile_id.map(str::to_owned),
                token_auth: out.token_auth,
            })),
        })
    }
}

/// What a successful exchange yields.
pub(crate) enum Reply {
    /// The response, body unread (streams).
    Streaming(reqwest::Response),
    /// The whole body (bounded by [`MAX_JSON_BODY`]), read under the same request timeout.
    Body(Bytes),
}

/// Sends with the retry policy ([`RetryPolicy::should_retry`](super::RetryPolicy::should_retry)):
/// retries on the same credential 408/409/429/5xx and connection errors, and any status whose
/// response says `x-should-retry: true`; a response saying `x-should-retry: false` is never
/// retried; other statuses (400/401/402/403/404 …) without that header are not retried. With `read_body`, the successful body is read too, under the
/// same per-attempt request timeout (a failure while reading it is not retried).
///
/// Every try is recorded in `log` (and traced in its span).
pub(crate) async fn send_with_retries(
    inner: &Inner,
    out: &Outgoing<'_>,
    read_body: bool,
    log: &mut AttemptLog,
) -> Result<(Reply, ResponseMeta)> {
    let mut retries = 0u32;
    loop {
        let span = log.begin();
        let outcome = exchange_once(inner, out, read_body).instrument(span).await;
        match outcome {
            Ok(ok) => {
                log.succeeded(&ok.1);
                return Ok(ok);
            }
            Err((e, may_retry)) => {
                log.failed(&e);
                if !may_retry || !inner.retry.should_retry(&e, retries) {
                    log.close_span();
                    return Err(e);
                }
                let delay = inner.retry.delay(&e, retries);
                log.retrying_after(delay);
                tracing::debug!(
                    retry = retries + 1,
                    delay_ms = delay.as_millis() as u64,
                    status = e.status(),
                    "retrying request"
                );
                inner.sleeper.sleep(delay).await;
                retries += 1;
            }
        }
    }
}

/// One try: sends, and with `read_body` reads the successful body, under one deadline.
/// `Err((e, true))` for a failure the retry policy may retry (an error status, a stream whose
/// first event is an error, a 2xx body that is an API error object); a failure while reading the
/// body of a successful response is `Err((e, false))`: it is never retried.
async fn exchange_once(
    inner: &Inner,
    out: &Outgoing<'_>,
    read_body: bool,
) -> std::result::Result<(Reply, ResponseMeta), (Error, bool)> {
    let deadline = tokio::time::sleep(inner.timeouts.request);
    tokio::pin!(deadline);
    let (resp, meta) = attempt(inner, out, &mut deadline)
        .await
        .map_err(|e| (e, true))?;
    if !read_body {
        let checked = tokio::select! {
            biased;
            // Boxed: streams only, once per stream; inline, its state would enlarge every
            // request's future.
            r = Box::pin(check_stream_head(resp, &meta, out)) => r,
            () = deadline.as_mut() => Err(timeout_error(
                "the response body was not read",
                inner.timeouts.request,
                Some(&meta),
            )),
        };
        return checked
            .map(|resp| (Reply::Streaming(resp), meta))
            .map_err(|e| (e, true));
    }
    let (body, truncated) = tokio::select! {
        biased;
        r = read_bounded(resp, MAX_JSON_BODY) => r.map_err(|e| (e, false))?,
        () = deadline.as_mut() => return Err((timeout_error(
            "the response body was not read",
            inner.timeouts.request,
            Some(&meta),
        ), false)),
    };
    if truncated {
        return Err((
            Error::Transport {
                kind: TransportKind::Protocol,
                message: format!("response body larger than {MAX_JSON_BODY} bytes"),
                meta: Some(Box::new(meta)),
            },
            false,
        ));
    }
    match error_in_body(&body, &meta, out) {
        Some(e) => Err((e, true)),
        None => Ok((Reply::Body(body), meta)),
    }
}

/// Sends with retries and decodes the whole successful body as JSON.
pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(
    inner: &Inner,
    out: &Outgoing<'_>,
    log: &mut AttemptLog,
) -> Result<(T, ResponseMeta)> {
    let (reply, meta) = send_with_retries(inner, out, true, log).await?;
    let Reply::Body(body) = reply else {
        unreachable!("read_body yields the body")
    };
    match serde_json::from_slice(&body) {
        Ok(v) => Ok((v, meta)),
        Err(e) => {
            let err = Error::Transport {
                kind: TransportKind::Protocol,
                message: format!("could not decode the response: {e}"),
                meta: Some(Box::new(meta)),
            };
            log.fail_last(&err);
            Err(err)
        }
    }
}

/// Sends a Messages request with retries and decodes the successful body as a [`Message`].
///
/// A body that is not a Message is an error, never an empty success: an API error object is
/// the [`Error::Api`] it describes (see [`error_object`]; found before the retry decision, so
/// it is retried like its status); any other shape — a `type` other than `"message"`, or
/// neither a `type` nor an `id` — is a protocol error quoting the body.
pub(crate) async fn send_message(
    inner: &Inner,
    out: &Outgoing<'_>,
    log: &mut AttemptLog,
) -> Result<(Message, ResponseMeta)> {
    let (reply, meta) = send_with_retries(inner, out, true, log).await?;
    let r = decode_message(&body_of(reply), meta, out);
    if let Err(e) = &r {
        log.fail_last(e);
    }
    r
}

fn body_of(reply: Reply) -> Bytes {
    let Reply::Body(body) = reply else {
        unreachable!("read_body yields the body")
    };
    body
}

/// The successful body as a [`Message`], or the error it is.
fn decode_message(
    body: &Bytes,
    meta: ResponseMeta,
    out: &Outgoing<'_>,
) -> Result<(Message, ResponseMeta)> {
    let body: &[u8] = body;
    let m: Message = match serde_json::from_slice(body) {
        Ok(m) => m,
        Err(e) => {
            return Err(Error::Transport {
                kind: TransportKind::Protocol,
                message: format!("could not decode the response: {e}"),
                meta: Some(Box::new(meta)),
            });
        }
    };
    if m.kind == "message" && !m.id.is_empty() {
        return Ok((m, meta));
    }
    if m.kind == "error" {
        return Err(error_object(
            m.extra.get("error"),
            meta,
            out.profile_id,
            out.token_auth,
        ));
    }
    // `type` reads as "message" when absent: without an `id`, the body must say it.
    if m.kind == "message" && serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.kind.is_some())
    {
        return Ok((m, meta));
    }
    let what = if m.kind == "message" {
        "a Message (it has neither a \"type\" nor an \"id\")".to_owned()
    } else {
        format!("a Message (its \"type\" is {:?})", m.kind)
    };
    Err(unexpected_body(&what, body, meta))
}
