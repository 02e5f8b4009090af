//! One HTTP exchange with the retry policy applied (same profile, same model).

use super::Inner;
use crate::error::{ApiError, Error, Result, TransportKind};
use crate::response_meta::ResponseMeta;
use bytes::Bytes;
use futures_util::StreamExt;
use std::pin::Pin;

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

/// Reads at most `limit` bytes of a body; the rest is dropped (bounded read of error bodies).
pub(crate) async fn read_bounded(resp: reqwest::Response, limit: usize) -> Result<(Bytes, bool)> {
    if resp
        .content_length()
        .is_some_and(|n| usize::try_from(n).is_ok_and(|n| n <= limit))
    {
        // A declared length within the limit: the transport delivers exactly that many bytes
        // (or fails), and a body that arrived in one piece is taken without a copy.
        let body = resp.bytes().await.map_err(|e| transport_error(&e, None))?;
        return Ok((body, false));
    }
    let mut out: Vec<u8> = Vec::new();
    let mut truncated = false;
    let mut s = resp.bytes_stream();
    while let Some(chunk) = s.next().await {
        let chunk = chunk.map_err(|e| transport_error(&e, None))?;
        let room = limit.saturating_sub(out.len());
        if chunk.len() > room {
            out.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        out.extend_from_slice(&chunk);
    }
    Ok((Bytes::from(out), truncated))
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

fn timeout_error(what: &str, limit: std::time::Duration, meta: Option<&ResponseMeta>) -> Error {
    Error::Transport {
        kind: TransportKind::Timeout,
        message: format!("{what} within {limit:?} (request timeout)"),
        meta: meta.map(|m| Box::new(m.clone())),
    }
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

/// Sends with the retry policy: retries 408/409/429/5xx and connection errors on the same
/// credential; never 401/402/403. With `read_body`, the successful body is read too, under the
/// same per-attempt request timeout (a failure while reading it is not retried).
pub(crate) async fn send_with_retries(
    inner: &Inner,
    out: &Outgoing<'_>,
    read_body: bool,
) -> Result<(Reply, ResponseMeta)> {
    let mut retries = 0u32;
    loop {
        let deadline = tokio::time::sleep(inner.timeouts.request);
        tokio::pin!(deadline);
        match attempt(inner, out, &mut deadline).await {
            Ok((resp, meta)) => {
                if !read_body {
                    return Ok((Reply::Streaming(resp), meta));
                }
                let (body, truncated) = tokio::select! {
                    biased;
                    r = read_bounded(resp, MAX_JSON_BODY) => r?,
                    () = deadline.as_mut() => return Err(timeout_error(
                        "the response body was not read",
                        inner.timeouts.request,
                        Some(&meta),
                    )),
                };
                if truncated {
                    return Err(Error::Transport {
                        kind: TransportKind::Protocol,
                        message: format!("response body larger than {MAX_JSON_BODY} bytes"),
                        meta: Some(Box::new(meta)),
                    });
                }
                return Ok((Reply::Body(body), meta));
            }
            Err(e) => {
                if !inner.retry.should_retry(&e, retries) {
                    return Err(e);
                }
                let delay = inner.retry.delay(&e, retries);
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

/// Sends with retries and decodes the whole successful body as JSON.
pub(crate) async fn send_json<T: serde::de::DeserializeOwned>(
    inner: &Inner,
    out: &Outgoing<'_>,
) -> Result<(T, ResponseMeta)> {
    let (reply, meta) = send_with_retries(inner, out, true).await?;
    let Reply::Body(body) = reply else {
        unreachable!("read_body yields the body")
    };
    match serde_json::from_slice(&body) {
        Ok(v) => Ok((v, meta)),
        Err(e) => Err(Error::Transport {
            kind: TransportKind::Protocol,
            message: format!("could not decode the response: {e}"),
            meta: Some(Box::new(meta)),
        }),
    }
}
