//! Rate-limit headroom: the `anthropic-ratelimit-<bucket>-remaining` / `-reset` values last seen
//! for a profile (README "Several hosts").
//!
//! A profile whose `requests`, `tokens`, `input-tokens` or `output-tokens` remaining count was
//! 0 is skipped by profile selection until that bucket's reset, as if it were cooling down
//! (including when every profile is: then the request fails with
//! [`Error::NoAvailableProfile`](crate::Error::NoAvailableProfile) naming the soonest reset,
//! as cooldowns do). Readings are kept in memory only (never in `auth-profiles.json`): by the
//! client that saw them, and in fleet mode in the shared store, so that every host skips the
//! profile instead of discovering the 429 itself.
//!
//! Two readings of a bucket are merged by their reset time: the later reset wins (a new
//! window); for the same reset the lower remaining count wins (counts only go down within a
//! window). A reading whose reset has passed loses to any other. So the merge does not depend
//! on the order in which readings arrive, nor on the hosts' clocks agreeing.

use crate::auth::store::AuthStore;
use crate::response_meta::ResponseMeta;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The rate-limit buckets, as named in the headers.
pub const BUCKETS: [&str; 4] = ["requests", "tokens", "input-tokens", "output-tokens"];

/// One bucket's last reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketReading {
    /// `-remaining`.
    pub remaining: u64,
    /// `-reset`, in ms since the epoch.
    pub reset_ms: u64,
    /// The host that saw it (fleet mode; `None` for this client's own readings).
    pub host: Option<String>,
}

impl BucketReading {
    /// Whether this reading should replace `old` (see the module docs); `now_ms` tells
    /// whether `old` is still current.
    fn supersedes(&self, old: &BucketReading, now_ms: u64) -> bool {
        old.reset_ms <= now_ms
            || self.reset_ms > old.reset_ms
            || (self.reset_ms == old.reset_ms && self.remaining < old.remaining)
    }
}

/// A profile's rate-limit headroom: the last reading of each bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headroom {
    /// By bucket name ([`BUCKETS`]).
    pub buckets: BTreeMap<String, BucketReading>,
}

/// When a profile is out of headroom: until when, which buckets, and who saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exhausted {
    /// The latest reset among the exhausted buckets (ms since the epoch).
    pub until: u64,
    /// The exhausted buckets.
    pub buckets: Vec<String>,
    /// The host that saw the bucket that decides `until` (fleet mode).
    pub host: Option<String>,
}

impl Headroom {
    /// The readings of a response's `anthropic-ratelimit-*` headers (buckets with a numeric
    /// remaining count and an RFC 3339 reset; `None` when there are none).
    pub fn from_meta(meta: &ResponseMeta) -> Option<Headroom> {
        let rl = meta.rate_limit();
        let mut h = Headroom::default();
        for (name, b) in BUCKETS.iter().zip([
            &rl.requests,
            &rl.tokens,
            &rl.input_tokens,
            &rl.output_tokens,
        ]) {
            let (Some(remaining), Some(reset_ms)) = (
                b.remaining,
                b.reset.as_deref().and_then(crate::clock::parse_rfc3339_ms),
            ) else {
                continue;
            };
            h.buckets.insert(
                (*name).to_owned(),
                BucketReading {
                    remaining,
                    reset_ms,
                    host: None,
                },
            );
        }
        (!h.buckets.is_empty()).then_some(h)
    }

    /// Merges `newer` into this one (see the module docs). Returns whether anything changed.
    pub fn observe(&mut self, newer: &Headroom, now_ms: u64) -> bool {
        let mut changed = false;
        for (name, r) in &newer.buckets {
            match self.buckets.get_mut(name) {
                Some(old) if !r.supersedes(old, now_ms) => {}
                Some(old) => {
                    if old != r {
                        *old = r.clone();
                        changed = true;
                    }
                }
                None => {
                    self.buckets.insert(name.clone(), r.clone());
                    changed = true;
                }
            }
        }
        changed
    }

    /// Whether some bucket is at 0 with its reset after `now_ms`, and until when.
    pub fn exhausted(&self, now_ms: u64) -> Option<Exhausted> {
        let mut out: Option<Exhausted> = None;
        for (name, r) in &self.buckets {
            if r.remaining > 0 || r.reset_ms <= now_ms {
                continue;
            }
            let e = out.get_or_insert_with(|| Exhausted {
                until: r.reset_ms,
                buckets: Vec::new(),
                host: r.host.clone(),
            });
            if r.reset_ms > e.until {
                e.until = r.reset_ms;
                e.host = r.host.clone();
            }
            e.buckets.push(name.clone());
        }
        out
    }

    /// The latest reset of an exhausted bucket, current or past (what profile selection
    /// compares with its clock).
    pub fn exhausted_until(&self) -> Option<u64> {
        self.buckets
            .values()
            .filter(|r| r.remaining == 0)
            .map(|r| r.reset_ms)
            .max()
    }

    /// The latest reset of any bucket (how long the reading is worth keeping).
    pub fn latest_reset(&self) -> Option<u64> {
        self.buckets.values().map(|r| r.reset_ms).max()
    }

    /// The shared store's form: `{"<bucket>": {"remaining", "resetAt", "host"}}`, every reading
    /// marked as seen by `host`.
    pub fn to_shared_json(&self, host: &str) -> Value {
        let mut m = Map::new();
        for (name, r) in &self.buckets {
            let mut b = Map::new();
            b.insert("remaining".into(), Value::from(r.remaining));
            b.insert("resetAt".into(), Value::from(r.reset_ms));
            b.insert(
                "host".into(),
                Value::from(r.host.as_deref().unwrap_or(host)),
            );
            m.insert(name.clone(), Value::Object(b));
        }
        Value::Object(m)
    }

    /// Reads the shared store's form (tolerant: a bucket with a field of the wrong type is
    /// skipped).
    pub fn from_shared_json(text: &str) -> Option<Headroom> {
        let Value::Object(o) = serde_json::from_str::<Value>(text).ok()? else {
            return None;
        };
        let num = |v: Option<&Value>| match v? {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .map(|f| f as u64)
            }),
            _ => None,
        };
        let mut h = Headroom::default();
        for (name, b) in &o {
            if !BUCKETS.contains(&name.as_str()) {
                continue;
            }
            let Value::Object(b) = b else { continue };
            let (Some(remaining), Some(reset_ms)) =
                (num(b.get("remaining")), num(b.get("resetAt")))
            else {
                continue;
            };
            h.buckets.insert(
                name.clone(),
                BucketReading {
                    remaining,
                    reset_ms,
                    host: b.get("host").and_then(Value::as_str).map(str::to_owned),
                },
            );
        }
        Some(h)
    }
}

/// Marks the profiles of `store` that are out of headroom by any of `readings` (each by profile
/// id: this client's, the fleet's) with the latest reset that ends it
/// ([`UsageStats::headroom_until`](crate::auth::store::UsageStats::headroom_until)).
pub fn mark_exhausted<'a>(
    store: &mut AuthStore,
    readings: impl IntoIterator<Item = &'a HashMap<String, Headroom>>,
) {
    for map in readings {
        for (id, h) in map {
            let Some(until) = h.exhausted_until() else {
                continue;
            };
            if !store.profiles.contains_key(id) {
                continue;
            }
            let stats = match store.usage_stats.get_mut(id) {
                Some(s) => s,
                None => store.usage_stats.entry(id.clone()).or_default(),
            };
            stats.headroom_until = Some(stats.headroom_until.map_or(until, |u| u.max(until)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(remaining: u64, reset_ms: u64) -> Headroom {
        let mut h = Headroom::default();
        h.buckets.insert(
            "requests".into(),
            BucketReading {
                remaining,
                reset_ms,
                host: None,
            },
        );
        h
    }

    #[test]
    fn later_reset_wins_then_lower_count() {
        let mut h = reading(5, 2_000);
        // An older window's reading arriving late changes nothing.
        assert!(!h.observe(&reading(0, 1_000), 500));
        assert_eq!(h.buckets["requests"].remaining, 5);
        // Same window, lower count: taken; higher count: not.
        assert!(h.observe(&reading(0, 2_000), 500));
        assert!(!h.observe(&reading(3, 2_000), 500));
        assert_eq!(h.exhausted(500).unwrap().until, 2_000);
        assert_eq!(h.exhausted(2_000), None);
        // A new window.
        assert!(h.observe(&reading(40, 62_000), 2_500));
        assert_eq!(h.exhausted(2_500), None);
        assert_eq!(h.exhausted_until(), None);
        // A reading whose reset has passed loses to any other.
        let mut stale = reading(0, 1_000);
        assert!(stale.observe(&reading(9, 900), 1_500));
    }

    #[test]
    fn read_from_headers_and_the_shared_form() {
        let mut hm = reqwest::header::HeaderMap::new();
        hm.insert(
            "anthropic-ratelimit-requests-remaining",
            "0".parse().unwrap(),
        );
        hm.insert(
            "anthropic-ratelimit-requests-reset",
            "2023-11-14T22:15:20Z".parse().unwrap(),
        );
        hm.insert(
            "anthropic-ratelimit-tokens-remaining",
            "1000".parse().unwrap(),
        );
        hm.insert(
            "anthropic-ratelimit-tokens-reset",
            "2023-11-14T22:14:20.5Z".parse().unwrap(),
        );
        hm.insert(
            "anthropic-ratelimit-output-tokens-remaining",
            "x".parse().unwrap(),
        );
        let meta = ResponseMeta::from_headers(429, &hm, std::time::SystemTime::now());
        let h = Headroom::from_meta(&meta).unwrap();
        assert_eq!(h.buckets.len(), 2);
        let e = h.exhausted(1_700_000_000_000).unwrap();
        assert_eq!(e.until, 1_700_000_120_000);
        assert_eq!(e.buckets, ["requests"]);
        assert_eq!(h.buckets["tokens"].reset_ms, 1_700_000_060_500);
        let json = h.to_shared_json("host-1").to_string();
        let back = Headroom::from_shared_json(&json).unwrap();
        assert_eq!(back.buckets["requests"].host.as_deref(), Some("host-1"));
        assert_eq!(back.exhausted_until(), Some(1_700_000_120_000));
        assert!(Headroom::from_meta(&ResponseMeta::default()).is_none());
    }
}
