//! The retry policy ([retries](crate::compatibility#retries), the same as Anthropic's SDKs).
//!
//! At most [`RetryPolicy::max_retries`] (default 2) retries on the same profile. Which failures
//! are retried, in this order (the first rule that applies wins):
//!
//! 1. the retry budget: after `max_retries` retries, nothing is retried;
//! 2. the server's `x-should-retry` header: `true` retries and `false` does not, whatever the
//!    status (so a 400, 401, 402 or 403 carrying `x-should-retry: true` **is** retried, as
//!    Anthropic's SDKs do);
//! 3. without that header: 408, 409, 429, ≥ 500 and connection errors (connect, timeout, broken
//!    connection) are retried; every other status — 400, 401, 402, 403, 404, … — is not.
//!
//! A status that is not retried goes to failover at once (401/402/403 rotate to the next
//! profile). The delay is the server's `retry-after-ms`/`retry-after` when 0 < d ≤ 60 s, else
//! `min(0.5 s · 2ⁿ, 8 s) · (1 − 0.25 · jitter)` for the n-th retry (n from 0).

use crate::clock::{RandomJitter, SharedJitter};
use crate::error::{Error, TransportKind};
use std::sync::Arc;
use std::time::Duration;

/// Retry settings.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// First back-off (default 0.5 s).
    pub initial_delay: Duration,
    /// Back-off cap (default 8 s).
    pub max_delay: Duration,
    /// Longest server-requested delay honoured (default 60 s); longer hints fall back to back-off.
    pub max_retry_after: Duration,
    /// Jitter source (tests inject a fixed one).
    pub jitter: SharedJitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: Arc::new(RandomJitter),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Whether a status code is retryable when the response has no `x-should-retry` header.
    pub fn retryable_status(status: u16) -> bool {
        matches!(status, 408 | 409 | 429) || status >= 500
    }

    /// Whether `err` (from attempt number `retries_so_far + 1`) should be retried on the same
    /// profile: never beyond the budget; else as the response's `x-should-retry` says when it
    /// has one (also for 400/401/402/403); else [`RetryPolicy::retryable_status`] or a
    /// connection error (the first rule that applies wins).
    pub fn should_retry(&self, err: &Error, retries_so_far: u32) -> bool {
        if retries_so_far >= self.max_retries {
            return false;
        }
        match err {
            Error::Api(e) => match e.meta.should_retry {
                Some(v) => v,
                None => Self::retryable_status(e.status),
            },
            Error::Transport { kind, meta, .. } => {
                if let Some(v) = meta.as_ref().and_then(|m| m.should_retry) {
                    return v;
                }
                matches!(
                    kind,
                    TransportKind::Connect | TransportKind::Timeout | TransportKind::Connection
                )
            }
            _ => false,
        }
    }

    /// The delay before retry number `retries_so_far` (0 = first retry).
    pub fn delay(&self, err: &Error, retries_so_far: u32) -> Duration {
        if let Some(d) = err.retry_after()
            && d > Duration::ZERO
            && d <= self.max_retry_after
        {
            return d;
        }
        self.backoff(retries_so_far)
    }

    /// Exponential back-off with jitter for retry number `n` (0-based).
    pub fn backoff(&self, n: u32) -> Duration {
        let base = self.initial_delay.as_secs_f64() * 2f64.powi(n.min(30) as i32);
        let capped = base.min(self.max_delay.as_secs_f64());
        let jitter = 1.0 - 0.25 * self.jitter.next_f64().clamp(0.0, 1.0);
        Duration::from_secs_f64(capped * jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedJitter;
    use crate::error::ApiError;
    use crate::response_meta::ResponseMeta;

    fn api(status: u16, retry_after: Option<Duration>, should: Option<bool>) -> Error {
        let mut meta = ResponseMeta::default();
        meta.status = status;
        meta.retry_after = retry_after;
        meta.should_retry = should;
        Error::Api(Box::new(ApiError {
            status,
            error_type: None,
            message: "x".into(),
            meta,
            profile_id: None,
            token_auth: false,
        }))
    }

    fn policy(j: f64) -> RetryPolicy {
        RetryPolicy {
            jitter: Arc::new(FixedJitter(j)),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn which_statuses_retry() {
        let p = policy(0.0);
        for s in [408, 409, 429, 500, 502, 529] {
            assert!(p.should_retry(&api(s, None, None), 0), "{s}");
        }
        for s in [400, 401, 402, 403, 404] {
            assert!(!p.should_retry(&api(s, None, None), 0), "{s}");
        }
        assert!(!p.should_retry(&api(429, None, None), 2));
        assert!(!p.should_retry(&api(529, None, Some(false)), 0));
        // The header wins over the status, both ways; the budget wins over the header.
        for s in [400, 401, 402, 403, 404] {
            assert!(p.should_retry(&api(s, None, Some(true)), 0), "{s}");
        }
        assert!(!p.should_retry(&api(400, None, Some(true)), 2));
        assert!(!p.should_retry(&api(500, None, Some(false)), 0));
    }

    #[test]
    fn delays() {
        let p = policy(0.0);
        assert_eq!(
            p.delay(&api(429, None, None), 0),
            Duration::from_millis(500)
        );
        assert_eq!(p.delay(&api(429, None, None), 1), Duration::from_secs(1));
        assert_eq!(p.backoff(10), Duration::from_secs(8));
        let p = policy(1.0);
        assert_eq!(p.backoff(0), Duration::from_millis(375));
        let e = api(429, Some(Duration::from_secs(2)), None);
        assert_eq!(p.delay(&e, 0), Duration::from_secs(2));
        // Hints above 60 s are ignored.
        let e = api(429, Some(Duration::from_secs(120)), None);
        assert_eq!(p.delay(&e, 0), Duration::from_millis(375));
    }
}
