//! Response metadata kept on every response and error: `request-id`, the
//! `anthropic-ratelimit-*` headers and `retry-after` (SPEC §6).

use std::time::Duration;

/// One rate-limit bucket (`requests`, `tokens`, `input-tokens`, `output-tokens`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RateLimitBucket {
    /// `anthropic-ratelimit-<bucket>-limit`.
    pub limit: Option<u64>,
    /// `anthropic-ratelimit-<bucket>-remaining`.
    pub remaining: Option<u64>,
    /// `anthropic-ratelimit-<bucket>-reset` (RFC 3339 text, as sent).
    pub reset: Option<String>,
}

impl RateLimitBucket {
    fn is_empty(&self) -> bool {
        self.limit.is_none() && self.remaining.is_none() && self.reset.is_none()
    }
}

/// The parsed `anthropic-ratelimit-*` headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RateLimit {
    /// Requests per minute.
    pub requests: RateLimitBucket,
    /// Tokens (input + output).
    pub tokens: RateLimitBucket,
    /// Input tokens.
    pub input_tokens: RateLimitBucket,
    /// Output tokens.
    pub output_tokens: RateLimitBucket,
}

impl RateLimit {
    /// Whether no rate-limit header was present.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
            && self.tokens.is_empty()
            && self.input_tokens.is_empty()
            && self.output_tokens.is_empty()
    }
}

/// Metadata of one HTTP response.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ResponseMeta {
    /// HTTP status.
    pub status: u16,
    /// `request-id` header.
    pub request_id: Option<String>,
    /// Parsed rate-limit headers.
    pub rate_limit: RateLimit,
    /// `retry-after-ms` / `retry-after` (seconds or HTTP date), as a duration from receipt.
    #[serde(serialize_with = "ser_opt_duration_ms")]
    pub retry_after: Option<Duration>,
    /// `x-should-retry` header, when present.
    pub should_retry: Option<bool>,
}

fn ser_opt_duration_ms<S: serde::Serializer>(
    d: &Option<Duration>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&(d.as_millis() as u64)),
        None => s.serialize_none(),
    }
}

impl ResponseMeta {
    /// Reads the metadata from response headers. `now` is used to turn an HTTP-date
    /// `retry-after` into a duration.
    pub fn from_headers(
        status: u16,
        headers: &reqwest::header::HeaderMap,
        now: std::time::SystemTime,
    ) -> Self {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let num = |name: &str| get(name).and_then(|v| v.trim().parse::<u64>().ok());
        let bucket = |b: &str| RateLimitBucket {
            limit: num(&format!("anthropic-ratelimit-{b}-limit")),
            remaining: num(&format!("anthropic-ratelimit-{b}-remaining")),
            reset: get(&format!("anthropic-ratelimit-{b}-reset")).map(str::to_owned),
        };
        let retry_after = parse_retry_after(get("retry-after-ms"), get("retry-after"), now);
        let should_retry = match get("x-should-retry") {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        ResponseMeta {
            status,
            request_id: get("request-id").map(str::to_owned),
            rate_limit: RateLimit {
                requests: bucket("requests"),
                tokens: bucket("tokens"),
                input_tokens: bucket("input-tokens"),
                output_tokens: bucket("output-tokens"),
            },
            retry_after,
            should_retry,
        }
    }
}

/// `retry-after-ms` (float milliseconds) wins; else `retry-after` as seconds (float) or an HTTP date.
/// Negative or unparsable values are ignored.
pub fn parse_retry_after(
    ms: Option<&str>,
    secs_or_date: Option<&str>,
    now: std::time::SystemTime,
) -> Option<Duration> {
    if let Some(ms) = ms.and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let v = secs_or_date?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
        return None;
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(Some("1500"), Some("9"), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(None, Some("2"), now),
            Some(Duration::from_secs(2))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(None, Some(&date), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after(None, Some("soon"), now), None);
        assert_eq!(parse_retry_after(None, Some("-1"), now), None);
        let _ = SystemTime::now();
    }
}
