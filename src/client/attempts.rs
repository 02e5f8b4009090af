//! The record of every attempt of one request ([`Attempt`]s, SDK-rule retries included) and
//! the span of each attempt.

use super::trace;
use crate::auth::resolve::ResolvedAuth;
use crate::config::ModelRef;
use crate::error::{Attempt, Error, FailureReason};
use crate::response_meta::ResponseMeta;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Span;

/// The attempts of one logical request, in order, and the one in flight.
pub(crate) struct AttemptLog {
    operation: &'static str,
    entries: Vec<Attempt>,
    /// The model of the attempts to come: `models[index]` (shared with the failover loop, so
    /// naming the target costs no copy).
    model: Option<(Arc<[ModelRef]>, usize)>,
    /// The credential of the attempts to come (its profile id).
    auth: Option<Arc<ResolvedAuth>>,
    /// The try in flight: when it started and its span.
    started: Option<Instant>,
    span: Span,
}

impl AttemptLog {
    /// An empty log for a request of `operation` (`chat`, `count_tokens`, `list_models`).
    pub(crate) fn new(operation: &'static str) -> Self {
        AttemptLog {
            operation,
            entries: Vec::new(),
            model: None,
            auth: None,
            started: None,
            span: Span::none(),
        }
    }

    /// The model (`models[index]`) and credential of the next tries.
    pub(crate) fn target(
        &mut self,
        models: &Arc<[ModelRef]>,
        index: usize,
        auth: &Arc<ResolvedAuth>,
    ) {
        self.model = Some((models.clone(), index));
        self.auth = Some(auth.clone());
    }

    fn model(&self) -> Option<&ModelRef> {
        self.model.as_ref().and_then(|(m, i)| m.get(*i))
    }

    fn profile_id(&self) -> Option<&str> {
        self.auth.as_ref().and_then(|a| a.profile_id.as_deref())
    }

    /// `provider/model` of the target, as an attempt records it.
    fn model_ref(&self) -> String {
        self.model().map(ModelRef::ref_string).unwrap_or_default()
    }

    /// Starts a try: its clock and its span (returned to instrument the exchange).
    pub(crate) fn begin(&mut self) -> Span {
        self.span = trace::attempt_span(
            self.operation,
            self.entries.len() + 1,
            self.model().map_or("", |m| m.model.as_str()),
            self.profile_id(),
        );
        self.started = Some(Instant::now());
        self.span.clone()
    }

    fn elapsed(&mut self) -> Duration {
        self.started.take().map(|s| s.elapsed()).unwrap_or_default()
    }

    /// The try in flight failed with `err`.
    pub(crate) fn failed(&mut self, err: &Error) {
        let duration = self.elapsed();
        let a = Attempt::failed(
            self.model_ref(),
            self.profile_id().map(str::to_owned),
            err,
            duration,
        );
        trace::record_attempt(&self.span, &a);
        self.entries.push(a);
    }

    /// The try in flight succeeded with a response described by `meta`.
    pub(crate) fn succeeded(&mut self, meta: &ResponseMeta) {
        let duration = self.elapsed();
        let a = Attempt {
            model: self.model_ref(),
            profile_id: self.profile_id().map(str::to_owned),
            message: None,
            reason: None,
            status: Some(meta.status),
            transport: None,
            retry_delay: None,
            request_id: meta.request_id().map(str::to_owned),
            duration,
        };
        trace::record_attempt(&self.span, &a);
        self.entries.push(a);
    }

    /// The last try, recorded as a success, failed after all (its body could not be decoded).
    pub(crate) fn fail_last(&mut self, err: &Error) {
        if let Some(a) = self.entries.last_mut() {
            a.message = Some(err.to_string());
            a.reason = Some(err.failure_reason().unwrap_or(FailureReason::Unknown));
            if let Error::Transport { kind, .. } = err {
                a.transport = Some(*kind);
            }
            trace::record_attempt(&self.span, a);
        }
    }

    /// The client waits `delay` and tries the same profile again. Closes the try's span: the
    /// wait is not part of it.
    pub(crate) fn retrying_after(&mut self, delay: Duration) {
        if let Some(a) = self.entries.last_mut() {
            a.retry_delay = Some(delay);
            trace::record_retry_delay(&self.span, delay);
        }
        self.close_span();
    }

    /// Closes the span of the try in flight (nothing more will be recorded on it): what
    /// follows (failover, store writes) is not part of the try.
    pub(crate) fn close_span(&mut self) {
        self.span = Span::none();
    }

    /// A credential for the model could not be resolved (no HTTP try): recorded as an
    /// [`FailureReason::Auth`] failure of that model.
    pub(crate) fn unresolved(&mut self, model: &ModelRef, err: &Error) -> Attempt {
        let mut a = Attempt::failed(model.ref_string(), None, err, Duration::ZERO);
        a.reason = Some(FailureReason::Auth);
        self.entries.push(a.clone());
        a
    }

    /// The last attempt recorded.
    pub(crate) fn last(&self) -> Option<&Attempt> {
        self.entries.last()
    }

    /// Every attempt, in order.
    pub(crate) fn into_vec(self) -> Vec<Attempt> {
        self.entries
    }

    /// Every attempt so far, in order, leaving the log empty.
    pub(crate) fn take(&mut self) -> Vec<Attempt> {
        std::mem::take(&mut self.entries)
    }
}
