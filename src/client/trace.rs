//! Tracing spans: one per logical request (`chat`, target `claw_anthropic::request`) and one per
//! attempt (`attempt`, target `claw_anthropic::attempt`), with the OpenTelemetry GenAI
//! semantic-convention field names plus ours (`claw.*`).
//!
//! Request span: `gen_ai.operation.name` (`chat`), `gen_ai.provider.name` (`anthropic`),
//! `gen_ai.request.model` (the model id after alias resolution), `gen_ai.request.max_tokens`,
//! `gen_ai.response.id`, `gen_ai.response.model`, `gen_ai.response.finish_reasons` (a JSON
//! array text, e.g. `["end_turn"]`), `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
//! `gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`,
//! `claw.stream`, `claw.profile_id`, `claw.model` (`provider/model` that answered),
//! `claw.cache_ttl`, `claw.attempts` (how many), `claw.cost_usd` (when prices are configured),
//! `error.type` (the failure reason of a failed request).
//!
//! Attempt span: `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
//! `claw.attempt` (1-based number within the request), `claw.profile_id`,
//! `http.response.status_code`, `claw.request_id`, `claw.failure_reason`, `claw.transport`,
//! `claw.retry_delay_ms` (when the same profile is tried again), `error.type`. An attempt span
//! ends when its outcome is known: a retry's wait and the failover to another profile are
//! outside it.
//!
//! Never a secret: credentials are in no field. Nothing is formatted when no subscriber wants
//! the spans.

use crate::config::{Config, ModelRef};
use crate::cost::Cost;
use crate::error::{Attempt, Error};
use crate::request::messages::{Message, MessageRequest};
use std::time::Duration;
use tracing::Span;
use tracing::field::Empty;

/// Integers are recorded as `i64`: OpenTelemetry exporters keep those as integers (a `u64`
/// becomes a string).
fn int(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// `gen_ai.provider.name`.
pub(crate) const PROVIDER: &str = "anthropic";

/// The span of one logical request (all its attempts, failover included).
pub(crate) fn request_span(req: &MessageRequest, stream: bool) -> Span {
    tracing::info_span!(
        target: "claw_anthropic::request",
        "chat",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = PROVIDER,
        gen_ai.request.model = Empty,
        gen_ai.request.max_tokens = req.max_tokens.map(int),
        gen_ai.response.id = Empty,
        gen_ai.response.model = Empty,
        gen_ai.response.finish_reasons = Empty,
        gen_ai.usage.input_tokens = Empty,
        gen_ai.usage.output_tokens = Empty,
        gen_ai.usage.cache_read.input_tokens = Empty,
        gen_ai.usage.cache_creation.input_tokens = Empty,
        claw.stream = stream,
        claw.profile_id = Empty,
        claw.model = Empty,
        claw.cache_ttl = Empty,
        claw.attempts = Empty,
        claw.cost_usd = Empty,
        error.type = Empty,
    )
}

/// Records the requested model (the primary model id) and the `max_tokens` that will be sent
/// when the caller left it to the config.
pub(crate) fn record_request(span: &Span, config: &Config, req: &MessageRequest, model: &ModelRef) {
    if span.is_disabled() {
        return;
    }
    span.record("gen_ai.request.model", model.model.as_str());
    if req.max_tokens.is_none() {
        let max = config
            .model_params(model)
            .and_then(|p| p.max_tokens)
            .unwrap_or_else(|| crate::request::messages::models::default_max_tokens(&model.model));
        span.record("gen_ai.request.max_tokens", int(max));
    }
}

/// Records how the request was served: profile, model, cache TTL, number of attempts.
pub(crate) fn record_served(
    span: &Span,
    profile_id: Option<&str>,
    model: &ModelRef,
    cache_ttl: Option<&str>,
    attempts: usize,
) {
    if span.is_disabled() {
        return;
    }
    if let Some(p) = profile_id {
        span.record("claw.profile_id", p);
    }
    span.record("claw.model", tracing::field::display(model));
    if let Some(t) = cache_ttl {
        span.record("claw.cache_ttl", t);
    }
    span.record("claw.attempts", int(attempts));
}

/// Records the response: id, model, finish reason, usage, cost.
pub(crate) fn record_response(span: &Span, m: &Message, cost: Option<&Cost>) {
    if span.is_disabled() {
        return;
    }
    span.record("gen_ai.response.id", m.id.as_str());
    span.record("gen_ai.response.model", m.model.as_str());
    if let Some(r) = &m.stop_reason {
        let reasons = serde_json::to_string(&[r]).unwrap_or_default();
        span.record("gen_ai.response.finish_reasons", reasons.as_str());
    }
    let u = &m.usage;
    span.record("gen_ai.usage.input_tokens", int(u.input_tokens));
    span.record("gen_ai.usage.output_tokens", int(u.output_tokens));
    if let Some(n) = u.cache_read_input_tokens {
        span.record("gen_ai.usage.cache_read.input_tokens", int(n));
    }
    if let Some(n) = u.cache_creation_input_tokens {
        span.record("gen_ai.usage.cache_creation.input_tokens", int(n));
    }
    if let Some(c) = cost {
        span.record("claw.cost_usd", c.total);
    }
}

/// Records the failure of the whole request.
pub(crate) fn record_error(span: &Span, err: &Error) {
    if span.is_disabled() {
        return;
    }
    let kind = err.failure_reason().map_or("error", |r| r.as_str());
    span.record("error.type", kind);
}

/// The span of one try.
pub(crate) fn attempt_span(
    operation: &'static str,
    number: usize,
    model_id: &str,
    profile_id: Option<&str>,
) -> Span {
    tracing::info_span!(
        target: "claw_anthropic::attempt",
        "attempt",
        gen_ai.operation.name = operation,
        gen_ai.provider.name = PROVIDER,
        gen_ai.request.model = model_id,
        claw.attempt = int(number),
        claw.profile_id = profile_id,
        http.response.status_code = Empty,
        claw.request_id = Empty,
        claw.failure_reason = Empty,
        claw.transport = Empty,
        claw.retry_delay_ms = Empty,
        error.type = Empty,
    )
}

/// Records a try's outcome on its span.
pub(crate) fn record_attempt(span: &Span, a: &Attempt) {
    if span.is_disabled() {
        return;
    }
    if let Some(s) = a.status {
        span.record("http.response.status_code", i64::from(s));
    }
    if let Some(id) = &a.request_id {
        span.record("claw.request_id", id.as_str());
    }
    if let Some(r) = a.reason {
        span.record("claw.failure_reason", r.as_str());
        span.record("error.type", r.as_str());
    }
    if let Some(t) = a.transport {
        span.record("claw.transport", t.as_str());
    }
}

/// Records the wait before the next try on the same profile.
pub(crate) fn record_retry_delay(span: &Span, delay: Duration) {
    if !span.is_disabled() {
        span.record("claw.retry_delay_ms", int(delay.as_millis()));
    }
}
