//! Usage and failure bookkeeping (SPEC §4 "Cooldowns", "Failure reasons").

use crate::error::FailureReason;

/// Classifies a failed HTTP response (SPEC §4 "Failure reasons").
pub fn classify_status(status: u16, error_type: Option<&str>, message: &str) -> FailureReason {
    match status {
        401 | 403 => return FailureReason::Auth,
        402 => return FailureReason::Billing,
        429 | 529 => return FailureReason::RateLimit,
        408 => return FailureReason::Timeout,
        _ => {}
    }
    if error_type == Some("overloaded_error") || error_type == Some("rate_limit_error") {
        return FailureReason::RateLimit;
    }
    classify_message(message)
}

/// Classifies by message text alone.
pub fn classify_message(message: &str) -> FailureReason {
    let m = message.to_ascii_lowercase();
    let any = |pats: &[&str]| pats.iter().any(|p| m.contains(p));
    if any(&["credit balance", "insufficient credits", "payment required"]) {
        FailureReason::Billing
    } else if any(&["rate limit", "too many requests", "overloaded"]) {
        FailureReason::RateLimit
    } else if any(&[
        "invalid api key",
        "unauthorized",
        "expired",
        "invalid token",
    ]) {
        FailureReason::Auth
    } else {
        FailureReason::Unknown
    }
}
