//! Usage and failure bookkeeping ([cooldowns](crate::compatibility#cooldowns), [failure
//! reasons](crate::compatibility#failure-reasons)).
//!
//! ```
//! use claw_anthropic::auth::usage::{CooldownSettings, apply_failure, cooldown_ms};
//! use claw_anthropic::auth::store::UsageStats;
//! use claw_anthropic::FailureReason;
//! assert_eq!(cooldown_ms(1), 60_000);
//! let mut stats = UsageStats::default();
//! apply_failure(&mut stats, FailureReason::RateLimit, 1_000, &CooldownSettings::default());
//! assert_eq!(stats.cooldown_until, Some(61_000));
//! ```

use super::store::UsageStats;
use crate::config::Config;
use crate::config::model_ref::normalize_provider;
use crate::error::FailureReason;

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: f64 = 3_600_000.0;

/// Classifies a failed HTTP response: see [`FailureReason::from_status`].
///
/// Use [`failure_for_response`] to learn whether the failure should be recorded against the
/// profile at all (a plain 400 is the caller's fault).
pub fn classify_status(status: u16, error_type: Option<&str>, message: &str) -> FailureReason {
    FailureReason::from_status(status, error_type, message)
}

/// Classifies by message text alone: see [`FailureReason::from_message`].
pub fn classify_message(message: &str) -> FailureReason {
    FailureReason::from_message(message)
}

/// The reason to record against the profile for an HTTP error, or `None` when the request itself
/// was at fault (a 400/404/413/422 such as `invalid_request_error` whose message names no
/// auth/billing/rate-limit problem): such errors are returned to the caller as they are and put
/// no profile in cooldown **(differs from Clawdbot)**.
pub fn failure_for_response(
    status: u16,
    error_type: Option<&str>,
    message: &str,
) -> Option<FailureReason> {
    let reason = classify_status(status, error_type, message);
    let callers_fault = matches!(status, 400 | 404 | 413 | 422)
        && matches!(reason, FailureReason::Unknown | FailureReason::Format);
    (!callers_fault).then_some(reason)
}

/// Whether an HTTP error counts against the profile that sent it (see [`failure_for_response`]).
pub fn counts_against_profile(status: u16, error_type: Option<&str>, message: &str) -> bool {
    failure_for_response(status, error_type, message).is_some()
}

/// Cooldown after the `error_count`-th failure in a window: 1 m, 5 m, 25 m, then 60 m.
pub fn cooldown_ms(error_count: u64) -> u64 {
    let n = error_count.max(1);
    let exp = (n - 1).min(3) as u32;
    (MINUTE_MS * 5u64.pow(exp)).min(60 * MINUTE_MS)
}

/// Billing disable time after the `billing_count`-th billing failure:
/// `min(max, base · 2^min(k−1, 10))` with `base ≥ 1 min` and `max ≥ base`.
pub fn billing_disable_ms(billing_count: u64, base_ms: u64, max_ms: u64) -> u64 {
    let k = billing_count.max(1);
    let base = base_ms.max(MINUTE_MS);
    let max = max_ms.max(base);
    let exp = (k - 1).min(10) as u32;
    base.saturating_mul(1u64 << exp).min(max)
}

/// The cooldown tuning for one provider (config `auth.cooldowns`), in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CooldownSettings {
    /// Base billing back-off (default 5 h; per-provider override).
    pub billing_backoff_ms: u64,
    /// Largest billing back-off (default 24 h).
    pub billing_max_ms: u64,
    /// Failure window after which counters reset (default 24 h).
    pub failure_window_ms: u64,
}

impl Default for CooldownSettings {
    fn default() -> Self {
        CooldownSettings {
            billing_backoff_ms: 5 * 3_600_000,
            billing_max_ms: 24 * 3_600_000,
            failure_window_ms: 24 * 3_600_000,
        }
    }
}

impl CooldownSettings {
    /// Settings for `provider` from `config.auth.cooldowns`: `billingBackoffHoursByProvider`
    /// (keys compared normalised) over `billingBackoffHours`; non-positive or non-finite values
    /// fall back to the defaults.
    pub fn resolve(config: &Config, provider: &str) -> Self {
        let d = CooldownSettings::default();
        let Some(c) = config
            .doc()
            .auth
            .as_ref()
            .and_then(|a| a.cooldowns.as_ref())
        else {
            return d;
        };
        let key = normalize_provider(provider);
        let by_provider = c
            .billing_backoff_hours_by_provider
            .iter()
            .find(|(k, _)| normalize_provider(k) == key)
            .map(|(_, v)| *v);
        let hours = |v: Option<f64>, fallback: u64| match v {
            Some(h) if h.is_finite() && h > 0.0 => {
                (h * HOUR_MS).round().min(u64::MAX as f64) as u64
            }
            _ => fallback,
        };
        CooldownSettings {
            billing_backoff_ms: hours(
                by_provider
                    .filter(|h| h.is_finite() && *h > 0.0)
                    .or(c.billing_backoff_hours),
                d.billing_backoff_ms,
            ),
            billing_max_ms: hours(c.billing_max_hours, d.billing_max_ms),
            failure_window_ms: hours(c.failure_window_hours, d.failure_window_ms),
        }
    }
}

/// Records a failure ([recording a failure](crate::compatibility#cooldowns)): resets the counters
/// when the last failure is older
/// than the window, then counts this one and sets `cooldownUntil` (or, for billing,
/// `disabledUntil` + `disabledReason`).
pub fn apply_failure(
    stats: &mut UsageStats,
    reason: FailureReason,
    now_ms: u64,
    settings: &CooldownSettings,
) {
    let window_expired = stats
        .last_failure_at
        .is_some_and(|t| t > 0 && now_ms.saturating_sub(t) > settings.failure_window_ms);
    if window_expired {
        stats.error_count = Some(0);
        stats.failure_counts.clear();
    }
    let errors = stats.error_count.unwrap_or(0).saturating_add(1);
    stats.error_count = Some(errors);
    let count = stats
        .failure_counts
        .entry(reason.as_str().to_owned())
        .or_insert(0);
    *count = count.saturating_add(1);
    let reason_count = *count;
    stats.last_failure_at = Some(now_ms);
    if reason == FailureReason::Billing {
        let ms = billing_disable_ms(
            reason_count,
            settings.billing_backoff_ms,
            settings.billing_max_ms,
        );
        stats.disabled_until = Some(now_ms.saturating_add(ms));
        stats.disabled_reason = Some(FailureReason::Billing.as_str().to_owned());
    } else {
        stats.cooldown_until = Some(now_ms.saturating_add(cooldown_ms(errors)));
    }
}

/// The fields a success or a manual clear resets: any value of theirs the store held that this
/// crate could not read (a negative `cooldownUntil`, `"NaN"`) goes too, never written back.
const RESET_FIELDS: [&str; 5] = [
    "errorCount",
    "cooldownUntil",
    "disabledUntil",
    "disabledReason",
    "failureCounts",
];

fn drop_unreadable(stats: &mut UsageStats, fields: &[&str]) {
    for f in fields {
        stats.extra.shift_remove(*f);
    }
}

/// Records a success ([recording a success](crate::compatibility#cooldowns)): `lastUsed = now`,
/// `errorCount = 0`, cooldown,
/// disable and failure counts cleared; `lastFailureAt` kept.
pub fn apply_used(stats: &mut UsageStats, now_ms: u64) {
    drop_unreadable(stats, &RESET_FIELDS);
    stats.extra.shift_remove("lastUsed");
    stats.last_used = Some(now_ms);
    stats.error_count = Some(0);
    stats.cooldown_until = None;
    stats.disabled_until = None;
    stats.disabled_reason = None;
    stats.failure_counts.clear();
}

/// Clears a cooldown by hand (`errorCount = 0`, no `cooldownUntil`), as Clawdbot's
/// `clearAuthProfileCooldown`; a billing disable is also lifted.
pub fn apply_clear_cooldown(stats: &mut UsageStats) {
    drop_unreadable(stats, &RESET_FIELDS[..4]);
    stats.error_count = Some(0);
    stats.cooldown_until = None;
    stats.disabled_until = None;
    stats.disabled_reason = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify() {
        assert_eq!(classify_status(401, None, ""), FailureReason::Auth);
        assert_eq!(classify_status(403, None, ""), FailureReason::Auth);
        assert_eq!(classify_status(402, None, ""), FailureReason::Billing);
        assert_eq!(classify_status(429, None, ""), FailureReason::RateLimit);
        assert_eq!(classify_status(529, None, ""), FailureReason::RateLimit);
        assert_eq!(classify_status(408, None, ""), FailureReason::Timeout);
        assert_eq!(
            classify_status(500, Some("overloaded_error"), "x"),
            FailureReason::RateLimit
        );
        assert_eq!(
            classify_status(
                400,
                Some("invalid_request_error"),
                "Your credit balance is too low to access the Anthropic API."
            ),
            FailureReason::Billing
        );
        assert_eq!(
            classify_message("Too Many Requests"),
            FailureReason::RateLimit
        );
        assert_eq!(classify_message("invalid x-api-key"), FailureReason::Auth);
        assert_eq!(classify_message("token has expired"), FailureReason::Auth);
        assert_eq!(
            classify_message("request timed out"),
            FailureReason::Timeout
        );
        assert_eq!(classify_message("boom"), FailureReason::Unknown);
    }

    #[test]
    fn plain_400_is_callers_fault() {
        assert!(!counts_against_profile(
            400,
            Some("invalid_request_error"),
            "max_tokens: must be >= 1"
        ));
        assert!(!counts_against_profile(
            404,
            Some("not_found_error"),
            "model: x"
        ));
        assert!(counts_against_profile(
            400,
            Some("invalid_request_error"),
            "Your credit balance is too low"
        ));
        assert!(counts_against_profile(500, Some("api_error"), "Internal"));
        assert_eq!(
            failure_for_response(401, Some("authentication_error"), "invalid x-api-key"),
            Some(FailureReason::Auth)
        );
    }

    #[test]
    fn ladders() {
        let m = 60_000;
        assert_eq!(
            (1..=6).map(cooldown_ms).collect::<Vec<_>>(),
            [m, 5 * m, 25 * m, 60 * m, 60 * m, 60 * m]
        );
        assert_eq!(cooldown_ms(0), m);
        let h = 3_600_000;
        let d = CooldownSettings::default();
        assert_eq!(
            (1..=5)
                .map(|k| billing_disable_ms(k, d.billing_backoff_ms, d.billing_max_ms))
                .collect::<Vec<_>>(),
            [5 * h, 10 * h, 20 * h, 24 * h, 24 * h]
        );
        assert_eq!(billing_disable_ms(1, 1, 1), m);
        assert_eq!(billing_disable_ms(100, h, u64::MAX), h << 10);
    }
}
