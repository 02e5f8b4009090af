//! Response metadata kept on every response and error: `request-id`, the
//! `anthropic-ratelimit-*` headers and `retry-after` ([rate-limit
//! metadata](crate::compatibility#rate-limit-metadata)).

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
///
/// `request-id` and the twelve `anthropic-ratelimit-*` values are kept as sent, in one buffer,
/// and parsed when asked for ([`request_id`](Self::request_id),
/// [`rate_limit`](Self::rate_limit)): most callers never look at them, and every response
/// carries them. `Debug` and `Serialize` show the parsed form
/// (`{status, request_id, rate_limit, retry_after, should_retry}`, `retry_after` in ms).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ResponseMeta {
    /// HTTP status.
    pub status: u16,
    /// `retry-after-ms` / `retry-after` (seconds or HTTP date), as a duration from receipt.
    pub retry_after: Option<Duration>,
    /// `x-should-retry` header, when present.
    pub should_retry: Option<bool>,
    raw: RawValues,
}

/// The values of [`SLOTS`], one after the other in `text` (ASCII only, so each is text as it
/// is; read as `str` only when asked for): slot `i` holds `text[start..end]`
/// from `spans[i]` when bit `i` of `present` is set (an empty value is kept as empty; a slot
/// keeps the first value sent).
#[derive(Clone, Default, PartialEq, Eq)]
struct RawValues {
    text: Vec<u8>,
    spans: [(u16, u16); SLOTS.len()],
    present: u16,
}

/// The headers kept raw: `request-id`, then per bucket (`requests`, `tokens`, `input-tokens`,
/// `output-tokens`) its `-limit`, `-remaining` and `-reset`.
const SLOTS: [&str; 13] = [
    "request-id",
    "anthropic-ratelimit-requests-limit",
    "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-limit",
    "anthropic-ratelimit-tokens-remaining",
    "anthropic-ratelimit-tokens-reset",
    "anthropic-ratelimit-input-tokens-limit",
    "anthropic-ratelimit-input-tokens-remaining",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-limit",
    "anthropic-ratelimit-output-tokens-remaining",
    "anthropic-ratelimit-output-tokens-reset",
];

/// The slot of a rate-limit header, from its name after `anthropic-ratelimit-` (one string
/// match: the compiler dispatches on the length first).
fn rate_limit_slot(rest: &str) -> Option<usize> {
    Some(match rest {
        "requests-limit" => 1,
        "requests-remaining" => 2,
        "requests-reset" => 3,
        "tokens-limit" => 4,
        "tokens-remaining" => 5,
        "tokens-reset" => 6,
        "input-tokens-limit" => 7,
        "input-tokens-remaining" => 8,
        "input-tokens-reset" => 9,
        "output-tokens-limit" => 10,
        "output-tokens-remaining" => 11,
        "output-tokens-reset" => 12,
        _ => return None,
    })
}

/// Whether a count reads as zero, as `parse::<u64>() == Ok(0)` decides (`0`, `00`, `+0`,
/// surrounding whitespace), without parsing.
fn reads_as_zero(v: &[u8]) -> bool {
    let t = v.trim_ascii();
    let t = t.strip_prefix(b"+").unwrap_or(t);
    !t.is_empty() && t.iter().all(|&b| b == b'0')
}

impl RawValues {
    /// Keeps `value` in `slot` unless the slot already has one (the first value wins).
    fn keep(&mut self, slot: usize, value: &[u8]) {
        let bit = 1u16 << slot;
        if self.present & bit != 0 {
            return;
        }
        let start = self.text.len();
        let (Ok(s), Ok(e)) = (u16::try_from(start), u16::try_from(start + value.len())) else {
            return; // over 64 KiB of such headers: not metadata worth keeping
        };
        if self.text.capacity() == 0 {
            // One allocation for the usual set (13 values, mostly short).
            self.text.reserve(256);
        }
        self.text.extend_from_slice(value);
        self.spans[slot] = (s, e);
        self.present |= bit;
    }

    fn get(&self, slot: usize) -> Option<&str> {
        self.get_bytes(slot)
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    fn get_bytes(&self, slot: usize) -> Option<&[u8]> {
        if self.present & (1u16 << slot) == 0 {
            return None;
        }
        let (s, e) = self.spans[slot];
        self.text.get(usize::from(s)..usize::from(e))
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
            let slot = match name.strip_prefix("anthropic-ratelimit-") {
                Some(rest) => match rate_limit_slot(rest) {
                    Some(slot) => Some(slot),
                    None => continue,
                },
                None if name == "request-id" => Some(0),
                None => None,
            };
            // What `HeaderValue::to_str` accepts (a header value holds no control character but
            // tab, and no DEL, so its ASCII values are the visible ones), without its
            // byte-by-byte loop; kept values are read as text only when asked for.
            let v = value.as_bytes();
            if !v.is_ascii() {
                continue;
            }
            if let Some(slot) = slot {
                meta.raw.keep(slot, v);
                continue;
            }
            let Ok(v) = std::str::from_utf8(v) else {
                continue;
            };
            match name {
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

    /// The `request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.raw.get(0)
    }

    /// Whether some bucket's `anthropic-ratelimit-<bucket>-remaining` is 0 (no allocation).
    pub fn rate_limit_exhausted(&self) -> bool {
        (0..4).any(|b| self.raw.get_bytes(2 + 3 * b).is_some_and(reads_as_zero))
    }

    /// The `anthropic-ratelimit-*` headers, parsed (on each call): a limit or remaining count
    /// that is not a number is `None`; a reset is the RFC 3339 text as sent.
    pub fn rate_limit(&self) -> RateLimit {
        let bucket = |b: usize| {
            let slot = 1 + 3 * b;
            RateLimitBucket {
                limit: self.raw.get(slot).and_then(|v| v.trim().parse().ok()),
                remaining: self.raw.get(slot + 1).and_then(|v| v.trim().parse().ok()),
                reset: self.raw.get(slot + 2).map(str::to_owned),
            }
        };
        RateLimit {
            requests: bucket(0),
            tokens: bucket(1),
            input_tokens: bucket(2),
            output_tokens: bucket(3),
        }
    }
}

impl std::fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseMeta")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("rate_limit", &self.rate_limit())
            .field("retry_after", &self.retry_after)
            .field("should_retry", &self.should_retry)
            .finish()
    }
}

impl serde::Serialize for ResponseMeta {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ResponseMeta", 5)?;
        st.serialize_field("status", &self.status)?;
        st.serialize_field("request_id", &self.request_id())?;
        st.serialize_field("rate_limit", &self.rate_limit())?;
        st.serialize_field(
            "retry_after",
            &self.retry_after.map(|d| d.as_millis() as u64),
        )?;
        st.serialize_field("should_retry", &self.should_retry)?;
        st.end()
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
    fn each_rate_limit_name_maps_to_its_slot_and_no_other_name_does() {
        for (i, name) in SLOTS.iter().enumerate().skip(1) {
            let rest = name.strip_prefix("anthropic-ratelimit-").unwrap();
            assert_eq!(rate_limit_slot(rest), Some(i), "{name}");
        }
        for other in [
            "requests",
            "tokens-limits",
            "requests-limit ",
            "priority-limit",
            "",
        ] {
            assert_eq!(rate_limit_slot(other), None, "{other:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_value_is_kept_exactly_when_to_str_accepts_it(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..12)) {
            if let Ok(v) = reqwest::header::HeaderValue::from_bytes(&bytes) {
                let mut h = reqwest::header::HeaderMap::new();
                h.insert("request-id", v.clone());
                let meta = ResponseMeta::from_headers(200, &h, SystemTime::now());
                proptest::prop_assert_eq!(meta.request_id(), v.to_str().ok());
            }
        }

        #[test]
        fn reads_as_zero_agrees_with_parsing(v in "[ \t+0-9a-]{0,6}") {
            proptest::prop_assert_eq!(reads_as_zero(v.as_bytes()), v.trim().parse::<u64>() == Ok(0));
        }
    }

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
        let m = ResponseMeta::from_headers(200, &h, SystemTime::now()).rate_limit();
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
        assert_eq!(m.request_id(), Some("req_1"));
        assert_eq!(m.rate_limit().requests.limit, Some(50));
        assert_eq!(m.rate_limit().requests.remaining, Some(49));
        assert_eq!(
            m.rate_limit().requests.reset.as_deref(),
            Some("2025-01-01T00:00:00Z")
        );
        assert_eq!(m.rate_limit().input_tokens.limit, Some(1000));
        assert_eq!(m.rate_limit().output_tokens.remaining, Some(7));
        assert!(m.rate_limit().tokens.reset.is_some());
        assert_eq!(m.retry_after, Some(Duration::from_secs(3)));
        assert_eq!(m.should_retry, Some(false));
        assert!(
            ResponseMeta::from_headers(200, &Default::default(), SystemTime::now())
                .rate_limit()
                .is_empty()
        );
    }

    #[test]
    fn serialized_and_debug_forms_show_the_parsed_values() {
        let mut h = reqwest::header::HeaderMap::new();
        for (n, v) in [
            ("request-id", "req_9"),
            ("anthropic-ratelimit-tokens-limit", "100"),
            ("anthropic-ratelimit-tokens-remaining", "not a number"),
            ("anthropic-ratelimit-tokens-reset", ""),
            ("retry-after-ms", "250"),
        ] {
            h.insert(
                reqwest::header::HeaderName::from_static(n),
                reqwest::header::HeaderValue::from_static(v),
            );
        }
        // Not visible ASCII: skipped, as an unreadable value.
        h.insert(
            "anthropic-ratelimit-requests-limit",
            reqwest::header::HeaderValue::from_bytes(b"5\xff").unwrap(),
        );
        let m = ResponseMeta::from_headers(429, &h, SystemTime::now());
        let bucket = |limit: Option<u64>, remaining: Option<u64>, reset: Option<&str>| serde_json::json!({"limit": limit, "remaining": remaining, "reset": reset});
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::json!({
                "status": 429,
                "request_id": "req_9",
                "rate_limit": {
                    "requests": bucket(None, None, None),
                    "tokens": bucket(Some(100), None, Some("")),
                    "input_tokens": bucket(None, None, None),
                    "output_tokens": bucket(None, None, None),
                },
                "retry_after": 250,
                "should_retry": null,
            })
        );
        let d = format!("{m:?}");
        assert!(d.contains("request_id: Some(\"req_9\")"), "{d}");
        assert!(d.contains("limit: Some(100)"), "{d}");
        assert_eq!(m.clone(), m);
        assert_ne!(m, ResponseMeta::default());
    }

    #[test]
    fn values_over_64_kib_in_total_are_dropped_not_cut() {
        let mut h = reqwest::header::HeaderMap::new();
        let long = "x".repeat(70_000);
        h.insert("request-id", long.parse().unwrap());
        h.insert("anthropic-ratelimit-requests-limit", "7".parse().unwrap());
        let m = ResponseMeta::from_headers(200, &h, SystemTime::now());
        assert_eq!(m.request_id(), None);
        assert_eq!(m.rate_limit().requests.limit, Some(7));
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
