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

/// Which value of a rate-limit bucket a header carries.
enum Field {
    Limit,
    Remaining,
    Reset,
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
        let mut meta = ResponseMeta {
            status,
            ..ResponseMeta::default()
        };
        let (mut retry_after_ms, mut retry_after) = (None, None);
        // One pass over the headers (cheaper than a hashed lookup per name); names are matched
        // whole, after a one-byte filter that rejects the usual headers at once.
        for (name, value) in headers {
            let name = name.as_str();
            if !matches!(name.as_bytes().first(), Some(b'a' | b'r' | b'x')) {
                continue;
            }
            if let Some(rest) = name.strip_prefix("anthropic-ratelimit-") {
                let rl = &mut meta.rate_limit;
                let (b, field) = match rest {
                    "requests-limit" => (&mut rl.requests, Field::Limit),
                    "requests-remaining" => (&mut rl.requests, Field::Remaining),
                    "requests-reset" => (&mut rl.requests, Field::Reset),
                    "tokens-limit" => (&mut rl.tokens, Field::Limit),
                    "tokens-remaining" => (&mut rl.tokens, Field::Remaining),
                    "tokens-reset" => (&mut rl.tokens, Field::Reset),
                    "input-tokens-limit" => (&mut rl.input_tokens, Field::Limit),
                    "input-tokens-remaining" => (&mut rl.input_tokens, Field::Remaining),
                    "input-tokens-reset" => (&mut rl.input_tokens, Field::Reset),
                    "output-tokens-limit" => (&mut rl.output_tokens, Field::Limit),
                    "output-tokens-remaining" => (&mut rl.output_tokens, Field::Remaining),
                    "output-tokens-reset" => (&mut rl.output_tokens, Field::Reset),
                    _ => continue,
                };
                let Ok(v) = value.to_str() else { continue };
                match field {
                    Field::Limit if b.limit.is_none() => b.limit = v.trim().parse().ok(),
                    Field::Remaining if b.remaining.is_none() => {
                        b.remaining = v.trim().parse().ok();
                    }
                    Field::Reset if b.reset.is_none() => b.reset = Some(v.to_owned()),
                    _ => {}
                }
                continue;
            }
            let Ok(v) = value.to_str() else { continue };
            match name {
                "request-id" if meta.request_id.is_none() => meta.request_id = Some(v.to_owned()),
                "retry-after-ms" if retry_after_ms.is_none() => retry_after_ms = Some(v),
                "retry-after" if retry_after.is_none() => retry_after = Some(v),
                "x-should-retry" if meta.should_retry.is_none() => {
                    meta.should_retry = match v {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        meta.retry_after = parse_retry_after(retry_after_ms, retry_after, now);
        meta
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
    fn every_rate_limit_header_lands_in_its_field_and_the_first_value_wins() {
        let mut h = reqwest::header::HeaderMap::new();
        let mut n = 0u64;
        for bucket in ["requests", "tokens", "input-tokens", "output-tokens"] {
            for field in ["limit", "remaining", "reset"] {
                n += 1;
                let name = reqwest::header::HeaderName::from_bytes(
                    format!("anthropic-ratelimit-{bucket}-{field}").as_bytes(),
                )
                .unwrap();
                let first = if field == "reset" {
                    format!("2025-01-01T00:00:{n:02}Z")
                } else {
                    format!(" {n} ")
                };
                h.append(name.clone(), first.parse().unwrap());
                h.append(name, "999".parse().unwrap());
            }
        }
        let m = ResponseMeta::from_headers(200, &h, SystemTime::now()).rate_limit;
        let expect = |i: u64| RateLimitBucket {
            limit: Some(3 * i + 1),
            remaining: Some(3 * i + 2),
            reset: Some(format!("2025-01-01T00:00:{:02}Z", 3 * i + 3)),
        };
        assert_eq!(m.requests, expect(0));
        assert_eq!(m.tokens, expect(1));
        assert_eq!(m.input_tokens, expect(2));
        assert_eq!(m.output_tokens, expect(3));
    }

    #[test]
    fn headers_in_one_pass() {
        let mut h = reqwest::header::HeaderMap::new();
        for (n, v) in [
            ("request-id", "req_1"),
            ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-requests-remaining", "49"),
            ("anthropic-ratelimit-requests-reset", "2025-01-01T00:00:00Z"),
            ("anthropic-ratelimit-input-tokens-limit", "1000"),
            ("anthropic-ratelimit-output-tokens-remaining", "7"),
            ("anthropic-ratelimit-tokens-reset", "2025-01-01T00:01:00Z"),
            ("anthropic-ratelimit-bogus-limit", "1"),
            ("retry-after", "3"),
            ("x-should-retry", "false"),
        ] {
            h.insert(
                reqwest::header::HeaderName::from_static(n),
                reqwest::header::HeaderValue::from_static(v),
            );
        }
        let m = ResponseMeta::from_headers(429, &h, SystemTime::now());
        assert_eq!(m.status, 429);
        assert_eq!(m.request_id.as_deref(), Some("req_1"));
        assert_eq!(m.rate_limit.requests.limit, Some(50));
        assert_eq!(m.rate_limit.requests.remaining, Some(49));
        assert_eq!(
            m.rate_limit.requests.reset.as_deref(),
            Some("2025-01-01T00:00:00Z")
        );
        assert_eq!(m.rate_limit.input_tokens.limit, Some(1000));
        assert_eq!(m.rate_limit.output_tokens.remaining, Some(7));
        assert!(m.rate_limit.tokens.reset.is_some());
        assert_eq!(m.retry_after, Some(Duration::from_secs(3)));
        assert_eq!(m.should_retry, Some(false));
        assert!(
            ResponseMeta::from_headers(200, &Default::default(), SystemTime::now())
                .rate_limit
                .is_empty()
        );
    }

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
