//! A streaming response: typed events as they arrive, then the accumulated final message.

use super::stream::{ContentDelta, StreamDecoder, StreamEvent};
use super::{Inner, Response, ResponseMeta};
use crate::auth::credential::CredentialKind;
use crate::config::ModelRef;
use crate::error::{Error, FailureReason, Result};
use crate::request::messages::Message;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

type Body = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Body chunks the pump task may read ahead of the consumer.
const PUMP_DEPTH: usize = 32;

/// Where the body chunks come from.
enum Source {
    /// Read from the response body by the consumer itself (no tokio runtime at hand to
    /// spawn the pump on).
    Direct(Body),
    /// Read by a pump task that drains the body into a bounded channel, so that hyper's
    /// connection keeps reading the socket while the consumer decodes (on another worker);
    /// the task is aborted — and the connection dropped — with the stream.
    Pumped {
        rx: tokio::sync::mpsc::Receiver<reqwest::Result<Bytes>>,
        _task: AbortOnDrop,
    },
}

impl Source {
    fn new(body: Body) -> Self {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return Source::Direct(body);
        };
        let (tx, rx) = tokio::sync::mpsc::channel(PUMP_DEPTH);
        let task = rt.spawn(pump(body, tx));
        Source::Pumped {
            rx,
            _task: AbortOnDrop(task),
        }
    }

    /// The next chunk, as the body stream yields it.
    async fn next(&mut self) -> Option<reqwest::Result<Bytes>> {
        match self {
            Source::Direct(body) => body.next().await,
            Source::Pumped { rx, .. } => rx.recv().await,
        }
    }
}

/// Moves the body's chunks into `tx` until the body ends, fails (the error is forwarded) or
/// the receiver is gone.
async fn pump(mut body: Body, tx: tokio::sync::mpsc::Sender<reqwest::Result<Bytes>>) {
    while let Some(item) = body.next().await {
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            return;
        }
    }
}

/// Aborts the task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Body bytes decoded at a time when events are read one by one: bounds the queue of decoded
/// events and the parser's buffer (a fast server can deliver a whole answer in one chunk).
const EVENT_SLICE: usize = 4 * 1024;
/// The same when draining to the final message: no events are kept and compact deltas never
/// enter the parser's buffer, so a whole chunk at a time.
const DRAIN_SLICE: usize = 1024 * 1024;

/// An in-flight streaming response (see [`Client::stream`](super::Client::stream)).
///
/// Read events with [`MessageStream::next_event`] (or just the text with
/// [`MessageStream::next_text`]), or skip to [`MessageStream::final_message`], which drains
/// the rest on a fast path. A stream is never retried once it has started: a failure is
/// [`Error::Stream`] carrying the partial message. The profile is marked used when the
/// stream completes.
///
/// The body is read by a small task spawned on the current tokio runtime, a bounded number
/// of chunks ahead of the decoding, so that reading the socket and decoding overlap; it is
/// aborted (and the connection dropped) when the stream is dropped. The idle timeout still
/// applies between chunks as they reach the consumer.
pub struct MessageStream {
    inner: Arc<Inner>,
    body: Source,
    decoder: Option<StreamDecoder>,
    queue: VecDeque<StreamEvent>,
    /// Received body bytes not decoded yet.
    pending: Bytes,
    info: Response<()>,
    /// The request's span: the response and its usage are recorded on it at the end.
    span: tracing::Span,
    done: bool,
    marked: bool,
    /// An error met while decoding a chunk whose earlier events are still queued: it is
    /// returned once they have been handed out.
    pending_error: Option<Error>,
}

impl fmt::Debug for MessageStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageStream")
            .field("model", &self.info.model)
            .field("profile_id", &self.info.profile_id)
            .field("request_id", &self.info.meta.request_id())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl MessageStream {
    pub(crate) fn new(
        inner: Arc<Inner>,
        resp: reqwest::Response,
        info: Response<()>,
        span: tracing::Span,
    ) -> Self {
        MessageStream {
            inner,
            body: Source::new(Box::pin(resp.bytes_stream())),
            decoder: Some(StreamDecoder::new()),
            queue: VecDeque::new(),
            pending: Bytes::new(),
            info,
            span,
            done: false,
            marked: false,
            pending_error: None,
        }
    }

    /// The profile the stream was opened with (`None` for env/config credentials).
    pub fn profile_id(&self) -> Option<&str> {
        self.info.profile_id.as_deref()
    }
    /// Human-readable credential source.
    pub fn credential_source(&self) -> &str {
        &self.info.credential_source
    }
    /// How the credential was sent.
    pub fn credential_kind(&self) -> CredentialKind {
        self.info.credential_kind
    }
    /// The model that answers.
    pub fn model(&self) -> &ModelRef {
        &self.info.model
    }
    /// Response metadata (`request-id`, rate limits).
    pub fn meta(&self) -> &ResponseMeta {
        &self.info.meta
    }
    /// Beta flags sent.
    pub fn betas(&self) -> &[String] {
        &self.info.betas
    }
    /// Prompt-cache TTL sent.
    pub fn cache_ttl(&self) -> Option<&str> {
        self.info.cache_ttl.as_deref()
    }
    /// Builder and resolver warnings.
    pub fn warnings(&self) -> &[String] {
        &self.info.warnings
    }
    /// Failed attempts before this stream opened.
    pub fn failed_attempts(&self) -> &[crate::error::Attempt] {
        &self.info.failed_attempts
    }
    /// Every attempt made before the stream opened, the successful one last (retries
    /// included; the successful attempt's duration ends at the response headers).
    pub fn attempts(&self) -> &[crate::error::Attempt] {
        &self.info.attempts
    }
    /// The message accumulated so far.
    pub fn partial(&self) -> Option<Message> {
        self.decoder.as_ref().and_then(|d| d.partial())
    }

    fn stream_error(&self, reason: FailureReason, message: String) -> Error {
        Error::Stream {
            reason,
            error_type: None,
            message,
            partial: self.partial().map(Box::new),
        }
    }

    /// Reads the next body chunk (with the idle timeout). `Ok(None)` at the end of the body.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        let idle = self.inner.timeouts.stream_idle;
        match tokio::time::timeout(idle, self.body.next()).await {
            Err(_) => Err(self.stream_error(
                FailureReason::Timeout,
                format!(
                    "no data from the server for {} s (stream idle timeout)",
                    idle.as_secs()
                ),
            )),
            Ok(None) => Ok(None),
            Ok(Some(Ok(b))) => Ok(Some(b)),
            Ok(Some(Err(e))) => {
                let reason = if e.is_timeout() {
                    FailureReason::Timeout
                } else {
                    FailureReason::Unknown
                };
                Err(self.stream_error(reason, format!("the connection failed mid-stream: {e}")))
            }
        }
    }

    /// The next at most `max` body bytes (received ones first). `Ok(None)` at the end.
    async fn next_piece(&mut self, max: usize) -> Result<Option<Bytes>> {
        if self.pending.is_empty() {
            match self.next_chunk().await? {
                None => return Ok(None),
                Some(b) => self.pending = b,
            }
        }
        let n = self.pending.len().min(max);
        Ok(Some(self.pending.split_to(n)))
    }

    fn mark_used(&mut self) {
        if self.marked {
            return;
        }
        self.marked = true;
        if let Some(pid) = &self.info.profile_id {
            let now = self.inner.auth.now_ms();
            self.inner
                .usage
                .record_use(&self.info.model.provider, pid, now);
        }
    }

    /// Records a mid-stream failure against the profile when it is a classified one (auth,
    /// rate_limit — e.g. an `overloaded_error` event —, billing, timeout), as the reference does
    /// for a failed streamed reply; unclassified breaks (reset, truncation) mark nothing.
    async fn mark_failed(&mut self, err: &Error) {
        if self.marked {
            return;
        }
        let Some(reason) = err.failure_reason() else {
            return;
        };
        if !reason.triggers_model_fallback() {
            return;
        }
        self.marked = true;
        if let Some(pid) = self.info.profile_id.clone() {
            let inner = self.inner.clone();
            let pid2 = pid.clone();
            let r =
                tokio::task::spawn_blocking(move || inner.auth.mark_failure(&pid2, reason)).await;
            if let Ok(Err(e)) = r {
                tracing::warn!(error = %e, "could not record profile failure in the auth store");
            }
            let inner = &self.inner;
            inner.usage.share_failure(&inner.auth, &pid, reason).await;
        }
    }

    /// The next event (`ping` is skipped; unknown events are ignored), or `None` when the stream
    /// is complete. After an error, the stream is finished.
    pub async fn next_event(&mut self) -> Option<Result<StreamEvent>> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                return Some(Ok(ev));
            }
            if let Err(e) = self.advance(None).await? {
                return Some(Err(e));
            }
        }
    }

    /// Waits for more text and appends it to `out`: the text deltas of the next piece of the
    /// body that holds any, without an event value (or an allocation) per delta — the cheap way
    /// to print a stream as it arrives. `Some(Ok(()))` when text was appended, `None` when the
    /// stream is complete; the events it skips are applied to the final message all the same.
    pub async fn next_text_into(&mut self, out: &mut String) -> Option<Result<()>> {
        let start = out.len();
        loop {
            // Events an earlier `next_event` decoded but did not hand out yet come first.
            while let Some(ev) = self.queue.pop_front() {
                if let StreamEvent::ContentBlockDelta {
                    delta: ContentDelta::TextDelta { text },
                    ..
                } = ev
                {
                    out.push_str(&text);
                }
            }
            if out.len() > start {
                return Some(Ok(()));
            }
            if let Err(e) = self.advance(Some(out)).await? {
                return Some(Err(e));
            }
        }
    }

    /// Decodes the next piece of the body: its events go to the queue, or only its text to
    /// `text`. `Some(Err)` once for a failure (after the events decoded before it), `None` when
    /// the stream is over.
    async fn advance(&mut self, text: Option<&mut String>) -> Option<Result<()>> {
        if let Some(e) = self.pending_error.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let complete = self.decoder.as_ref().is_some_and(|d| d.is_complete());
        if complete {
            self.done = true;
            self.mark_used();
            if !self.span.is_disabled()
                && let Some(m) = self.partial()
            {
                let cost = self.inner.config.cost_of(&self.info.model, &m.usage);
                super::trace::record_response(&self.span, &m, cost.as_ref());
            }
            return None;
        }
        match self.next_piece(EVENT_SLICE).await {
            Err(e) => {
                self.done = true;
                self.mark_failed(&e).await;
                Some(Err(e))
            }
            Ok(None) => {
                self.done = true;
                let d = self.decoder.take().unwrap_or_default();
                match d.finish() {
                    Ok(_) => None,
                    Err(e) => {
                        self.mark_failed(&e).await;
                        Some(Err(e))
                    }
                }
            }
            Ok(Some(chunk)) => {
                let d = self.decoder.as_mut()?;
                let pushed = match text {
                    Some(out) => d.push_text(&chunk, out),
                    None => {
                        let queue = &mut self.queue;
                        d.push_with(&chunk, |ev| queue.push_back(ev))
                    }
                };
                if let Err(e) = pushed {
                    self.done = true;
                    self.mark_failed(&e).await;
                    // What was decoded before the failure in this chunk comes first.
                    self.pending_error = Some(e);
                }
                Some(Ok(()))
            }
        }
    }

    /// The next piece of text (text deltas only), or `None` when the stream is complete.
    pub async fn next_text(&mut self) -> Option<Result<String>> {
        loop {
            match self.next_event().await? {
                Ok(StreamEvent::ContentBlockDelta {
                    delta: ContentDelta::TextDelta { text },
                    ..
                }) => return Some(Ok(text)),
                Ok(_) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Reads the rest of the stream and returns the final message (marks the profile used).
    pub async fn final_message(self) -> Result<Message> {
        self.final_response().await.map(|r| r.value)
    }

    /// [`final_message`](Self::final_message) with how it was obtained: profile, model,
    /// [`attempts`](Response::attempts), [`cost`](Response::cost) of the final usage, ….
    pub async fn final_response(mut self) -> Result<Response<Message>> {
        match self.drain().await {
            Ok(message) => {
                self.mark_used();
                let cost = self.inner.config.cost_of(&self.info.model, &message.usage);
                super::trace::record_response(&self.span, &message, cost.as_ref());
                let info = self.info;
                Ok(Response {
                    value: message,
                    meta: info.meta,
                    profile_id: info.profile_id,
                    credential_source: info.credential_source,
                    credential_kind: info.credential_kind,
                    model: info.model,
                    betas: info.betas,
                    cache_ttl: info.cache_ttl,
                    failed_attempts: info.failed_attempts,
                    attempts: info.attempts,
                    cost,
                    warnings: info.warnings,
                })
            }
            Err(e) => {
                self.mark_failed(&e).await;
                Err(e)
            }
        }
    }

    async fn drain(&mut self) -> Result<Message> {
        while !self.done {
            if self.decoder.as_ref().is_some_and(|d| d.is_complete()) {
                break;
            }
            match self.next_piece(DRAIN_SLICE).await? {
                None => break,
                Some(chunk) => {
                    if let Some(d) = self.decoder.as_mut() {
                        d.push(&chunk)?;
                    }
                }
            }
        }
        let decoder = self.decoder.take().unwrap_or_default();
        decoder.finish()
    }

    /// The events as a `futures::Stream`.
    pub fn into_stream(self) -> impl Stream<Item = Result<StreamEvent>> + Send {
        futures_util::stream::unfold(self, |mut s| async move {
            let item = s.next_event().await?;
            Some((item, s))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A body of `n` chunks (`None`: endless) that counts the chunks taken from it and
    /// reports on `dropped` when it is dropped.
    fn body(
        n: Option<usize>,
        pulled: Arc<AtomicUsize>,
        dropped: tokio::sync::oneshot::Sender<()>,
    ) -> Body {
        struct OnDrop(Option<tokio::sync::oneshot::Sender<()>>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                if let Some(tx) = self.0.take() {
                    let _ = tx.send(());
                }
            }
        }
        let guard = OnDrop(Some(dropped));
        Box::pin(futures_util::stream::unfold(
            (0usize, guard),
            move |(i, guard)| {
                let pulled = pulled.clone();
                async move {
                    if n.is_some_and(|n| i >= n) {
                        return None;
                    }
                    pulled.fetch_add(1, Ordering::SeqCst);
                    Some((Ok(Bytes::from(format!("chunk {i};"))), (i + 1, guard)))
                }
            },
        ))
    }

    async fn collect(mut s: Source) -> Vec<Bytes> {
        let mut out = Vec::new();
        while let Some(c) = s.next().await {
            out.push(c.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn pumped_and_direct_sources_yield_the_same_chunks_in_order() {
        let (tx, _rx) = tokio::sync::oneshot::channel();
        let pumped = Source::new(body(Some(100), Arc::default(), tx));
        assert!(matches!(pumped, Source::Pumped { .. }));
        let (tx, _rx) = tokio::sync::oneshot::channel();
        let direct = Source::Direct(body(Some(100), Arc::default(), tx));
        let want: Vec<Bytes> = (0..100)
            .map(|i| Bytes::from(format!("chunk {i};")))
            .collect();
        assert_eq!(collect(pumped).await, want);
        assert_eq!(collect(direct).await, want);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pump_reads_ahead_a_bounded_amount_and_stops_when_the_stream_is_dropped() {
        let pulled = Arc::new(AtomicUsize::new(0));
        let (tx, dropped) = tokio::sync::oneshot::channel();
        let mut s = Source::new(body(None, pulled.clone(), tx));
        assert_eq!(s.next().await.unwrap().unwrap(), "chunk 0;");
        // Nobody reads: the pump fills the channel and then waits.
        let filled = async {
            while pulled.load(Ordering::SeqCst) <= PUMP_DEPTH {
                tokio::task::yield_now().await;
            }
        };
        let bound = Duration::from_secs(30);
        tokio::time::timeout(bound, filled)
            .await
            .expect("the pump reads ahead");
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        // One taken, PUMP_DEPTH queued, at most one more held by the waiting pump.
        assert!(pulled.load(Ordering::SeqCst) <= PUMP_DEPTH + 2);
        // Dropping the stream aborts the pump, which drops the body (the connection).
        drop(s);
        tokio::time::timeout(bound, dropped)
            .await
            .expect("the body is dropped")
            .unwrap();
    }
}
