//! The Redis (or Valkey) backend of the shared store: atomic updates by Lua scripts, reads by one
//! `MGET`, a short timeout on every round trip, and an outage mode in which no request waits
//! for Redis at all.

use super::headroom::Headroom;
use super::merge::{FleetView, SharedEntry};
use super::{CONNECT_GRACE, SharedStateOptions, mask_url};
use crate::auth::store::UsageStats;
use crate::auth::usage::CooldownSettings;
use crate::error::{Error, FailureReason, Result};

/// Round-trip failures are only ever logged (once per outage): a message is enough.
type Trip<T> = std::result::Result<T, String>;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Records a failure with the [cooldown math](crate::compatibility#cooldowns) (`auth::usage::apply_failure`), in one
/// atomic step. KEYS[1]: the profile's record. ARGV: reason, now (ms), billing back-off base and
/// maximum (ms), failure window (ms), host id. Returns the new record.
const FAILURE_SCRIPT: &str = r#"
local raw = redis.call('GET', KEYS[1])
local s = {}
if raw then
  local ok, v = pcall(cjson.decode, raw)
  if ok and type(v) == 'table' then s = v end
end
local reason = ARGV[1]
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[5])
local fc = s.failureCounts
if type(fc) ~= 'table' then fc = {} end
local last = tonumber(s.lastFailureAt)
if last and last > 0 and now - last > window then
  s.errorCount = 0
  fc = {}
end
local errors = (tonumber(s.errorCount) or 0) + 1
s.errorCount = errors
local count = (tonumber(fc[reason]) or 0) + 1
fc[reason] = count
s.failureCounts = fc
s.lastFailureAt = now
local untilAt
if reason == 'billing' then
  local base = math.max(tonumber(ARGV[3]), 60000)
  local max = math.max(tonumber(ARGV[4]), base)
  local ms = math.min(base * 2 ^ math.min(count - 1, 10), max)
  s.disabledUntil = now + ms
  s.disabledReason = 'billing'
  untilAt = s.disabledUntil
else
  local ms = math.min(60000 * 5 ^ math.min(errors - 1, 3), 3600000)
  s.cooldownUntil = now + ms
  untilAt = s.cooldownUntil
end
s.host = ARGV[6]
local out = cjson.encode(s)
redis.call('SET', KEYS[1], out, 'PX', string.format('%d', untilAt - now + window))
return out
"#;

/// Records a success ([recording a success](crate::compatibility#cooldowns)), unless the record holds a later failure (then only
/// `lastUsed` advances). KEYS[1]: the profile's record, KEYS[2]: the provider's `lastGood`.
/// ARGV: time (ms), profile id, failure window (ms).
const USE_SCRIPT: &str = r#"
local raw = redis.call('GET', KEYS[1])
local s = {}
if raw then
  local ok, v = pcall(cjson.decode, raw)
  if ok and type(v) == 'table' then s = v end
end
local at = tonumber(ARGV[1])
local ttl = tonumber(redis.call('PTTL', KEYS[1]))
local window = tonumber(ARGV[3])
local failed = tonumber(s.lastFailureAt)
s.lastUsed = math.max(tonumber(s.lastUsed) or 0, at)
if not (failed and failed > at) then
  s.errorCount = 0
  s.cooldownUntil = nil
  s.disabledUntil = nil
  s.disabledReason = nil
  s.failureCounts = {}
  redis.call('SET', KEYS[2], ARGV[2], 'PX', string.format('%d', window))
end
if ttl < window then ttl = window end
redis.call('SET', KEYS[1], cjson.encode(s), 'PX', string.format('%d', ttl))
return 1
"#;

/// Records rate-limit readings (see [`super::headroom`] for the merge rule), in one atomic
/// step. KEYS[1]: the profile's headroom record. ARGV: the readings (the record's JSON form),
/// now (ms), time to live (ms: until the latest reset).
const HEADROOM_SCRIPT: &str = r#"
local raw = redis.call('GET', KEYS[1])
local s = {}
if raw then
  local ok, v = pcall(cjson.decode, raw)
  if ok and type(v) == 'table' then s = v end
end
local new = cjson.decode(ARGV[1])
local now = tonumber(ARGV[2])
for bucket, r in pairs(new) do
  local old = s[bucket]
  local take = true
  if type(old) == 'table' then
    local oreset = tonumber(old.resetAt) or 0
    local nreset = tonumber(r.resetAt) or 0
    local orem = tonumber(old.remaining) or 0
    local nrem = tonumber(r.remaining) or 0
    if oreset > now and (oreset > nreset or (oreset == nreset and orem <= nrem)) then
      take = false
    end
  end
  if take then s[bucket] = r end
end
local ttl = tonumber(ARGV[3])
local left = tonumber(redis.call('PTTL', KEYS[1]))
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], cjson.encode(s), 'PX', string.format('%d', ttl))
return 1
"#;

/// The shortest time to live of a headroom record (a reset already reached is not shared).
const HEADROOM_MIN_TTL_MS: u64 = 1_000;
/// The longest (a reset far away is not trusted beyond this).
const HEADROOM_MAX_TTL_MS: u64 = 24 * 3_600_000;

const HEALTH_UNKNOWN: u8 = 0;
const HEALTH_UP: u8 = 1;
const HEALTH_DOWN: u8 = 2;

/// A profile the host knows: its id and normalised provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    pub(crate) provider: String,
    pub(crate) profile: String,
}

/// Rate-limit readings of one profile to share.
#[derive(Debug, Clone)]
pub(crate) struct SharedHeadroom {
    pub(crate) target: Target,
    pub(crate) headroom: super::headroom::Headroom,
    /// When they were seen (ms since the epoch, the client's clock).
    pub(crate) at_ms: u64,
}

/// One recorded success to share.
#[derive(Debug, Clone)]
pub(crate) struct SharedUse {
    pub(crate) target: Target,
    pub(crate) at_ms: u64,
    /// The provider's failure window (the records' time to live).
    pub(crate) window_ms: u64,
}

struct ViewState {
    view: Arc<FleetView>,
    fetched: Option<Instant>,
}

/// A connection to the shared store (cheap to share; every method is bounded by the timeout).
pub(crate) struct RedisShared {
    client: redis::Client,
    manager: OnceLock<ConnectionManager>,
    described: String,
    prefix: String,
    host: String,
    timeout: Duration,
    interval: Duration,
    failure_script: redis::Script,
    health: AtomicU8,
    /// A background refresh is running.
    probing: AtomicBool,
    /// Bumped whenever the view changes.
    version: AtomicU64,
    state: Mutex<ViewState>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn num(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        _ => None,
    }
}

/// Reads a shared record (tolerant: a field of the wrong type is skipped).
fn parse_entry(text: &str) -> Option<SharedEntry> {
    let Value::Object(o) = serde_json::from_str::<Value>(text).ok()? else {
        return None;
    };
    let mut stats = UsageStats {
        last_used: num(o.get("lastUsed")),
        cooldown_until: num(o.get("cooldownUntil")),
        disabled_until: num(o.get("disabledUntil")),
        disabled_reason: o
            .get("disabledReason")
            .and_then(Value::as_str)
            .map(str::to_owned),
        error_count: num(o.get("errorCount")),
        last_failure_at: num(o.get("lastFailureAt")),
        ..UsageStats::default()
    };
    if let Some(Value::Object(fc)) = o.get("failureCounts") {
        for (k, v) in fc {
            if let Some(n) = num(Some(v)) {
                stats.failure_counts.insert(k.clone(), n);
            }
        }
    }
    Some(SharedEntry {
        stats,
        host: o.get("host").and_then(Value::as_str).map(str::to_owned),
    })
}

impl RedisShared {
    pub(crate) fn new(
        options: &SharedStateOptions,
        interval: Duration,
    ) -> Result<Arc<RedisShared>> {
        let described = mask_url(&options.url);
        let client = redis::Client::open(options.url.as_str()).map_err(|e| {
            Error::InvalidArgument(format!(
                "shared state URL {described}: {e} (expected redis://[user:password@]host:port/db or rediss://…)"
            ))
        })?;
        Ok(Arc::new(RedisShared {
            client,
            manager: OnceLock::new(),
            described,
            prefix: options.prefix.clone(),
            host: options.host_id.clone(),
            timeout: options.timeout,
            interval,
            failure_script: redis::Script::new(FAILURE_SCRIPT),
            health: AtomicU8::new(HEALTH_UNKNOWN),
            probing: AtomicBool::new(false),
            version: AtomicU64::new(0),
            state: Mutex::new(ViewState {
                view: Arc::new(FleetView::default()),
                fetched: None,
            }),
        }))
    }

    /// Whether the last round trip succeeded (`None` before the first).
    pub(crate) fn reachable(&self) -> Option<bool> {
        match self.health.load(Ordering::Acquire) {
            HEALTH_UP => Some(true),
            HEALTH_DOWN => Some(false),
            _ => None,
        }
    }

    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The last view read (empty before the first read or while the store is unreachable
    /// since start).
    pub(crate) fn view(&self) -> Arc<FleetView> {
        lock(&self.state).view.clone()
    }

    pub(crate) fn fresh(&self) -> bool {
        lock(&self.state)
            .fetched
            .is_some_and(|t| t.elapsed() < self.interval)
    }

    fn key(&self, t: &Target) -> String {
        format!("{}:usage:{}:{}", self.prefix, t.provider, t.profile)
    }

    fn headroom_key(&self, t: &Target) -> String {
        format!("{}:headroom:{}:{}", self.prefix, t.provider, t.profile)
    }

    fn last_good_key(&self, provider: &str) -> String {
        format!("{}:lastgood:{}", self.prefix, provider)
    }

    fn manager(&self) -> Trip<ConnectionManager> {
        if let Some(m) = self.manager.get() {
            return Ok(m.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout.max(CONNECT_GRACE)))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(200));
        let m = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| self.unreachable(&e.to_string()))?;
        Ok(self.manager.get_or_init(|| m).clone())
    }

    fn unreachable(&self, why: &str) -> String {
        format!("shared store {} unreachable: {why}", self.described)
    }

    /// Runs one round trip within the timeout, tracking outages: the first failure after a
    /// success (or at start) warns once, the first success after an outage says so.
    async fn round_trip<T, F>(&self, op: F) -> Trip<T>
    where
        F: std::future::Future<Output = redis::RedisResult<T>>,
    {
        // The first round trip also connects: it gets a longer bound, once.
        let bound = if self.health.load(Ordering::Acquire) == HEALTH_UNKNOWN {
            self.timeout.max(CONNECT_GRACE)
        } else {
            self.timeout
        };
        let r = match tokio::time::timeout(bound, op).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.unreachable(&e.to_string())),
            Err(_) => Err(self.unreachable(&format!("no answer within {} ms", bound.as_millis()))),
        };
        match &r {
            Ok(_) => {
                if self.health.swap(HEALTH_UP, Ordering::AcqRel) == HEALTH_DOWN {
                    tracing::warn!(store = %self.described, "shared store reachable again: sharing profile health with the fleet");
                }
            }
            Err(e) => {
                if self.health.swap(HEALTH_DOWN, Ordering::AcqRel) != HEALTH_DOWN {
                    tracing::warn!(store = %self.described, error = %e, "shared store unreachable: using the local auth store alone until it is back");
                }
            }
        }
        r
    }

    /// Whether the caller may wait for a round trip now: not during an outage (then the work
    /// is done in the background, one probe at a time).
    fn may_wait(&self) -> bool {
        self.health.load(Ordering::Acquire) != HEALTH_DOWN
    }

    /// Brings the view up to date when it is older than the check interval: one round trip
    /// (bounded by the timeout) while the store answers; during an outage a background probe
    /// (at most one at a time) and no wait.
    pub(crate) async fn refresh(self: &Arc<Self>, targets: Vec<Target>) {
        if self.fresh() {
            return;
        }
        if self.may_wait() {
            let _ = self.fetch(&targets).await;
            return;
        }
        self.probe(targets);
    }

    fn probe(self: &Arc<Self>, targets: Vec<Target>) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        // Also counts as a read attempt: the next probe comes after one check interval.
        lock(&self.state).fetched = Some(Instant::now());
        let me = self.clone();
        rt.spawn(async move {
            let _ = me.fetch(&targets).await;
            me.probing.store(false, Ordering::Release);
        });
    }

    /// Reads the records of `targets`, their providers' `lastGood` and the targets' headroom
    /// (one `MGET`).
    async fn fetch(&self, targets: &[Target]) -> Trip<()> {
        let mut providers: Vec<&str> = targets.iter().map(|t| t.provider.as_str()).collect();
        providers.sort_unstable();
        providers.dedup();
        let mut keys: Vec<String> = targets.iter().map(|t| self.key(t)).collect();
        keys.extend(providers.iter().map(|p| self.last_good_key(p)));
        keys.extend(targets.iter().map(|t| self.headroom_key(t)));
        let started = Instant::now();
        let values: Vec<Option<String>> = if keys.is_empty() {
            Vec::new()
        } else {
            let mut m = self.manager()?;
            self.round_trip(async move {
                redis::cmd("MGET")
                    .arg(&keys)
                    .query_async::<Vec<Option<String>>>(&mut m)
                    .await
            })
            .await?
        };
        let mut view = FleetView::default();
        for (t, v) in targets.iter().zip(&values) {
            if let Some(entry) = v.as_deref().and_then(parse_entry) {
                view.profiles.insert(t.profile.clone(), entry);
            }
        }
        for (p, v) in providers.iter().zip(values.iter().skip(targets.len())) {
            if let Some(id) = v {
                view.last_good.insert((*p).to_owned(), id.clone());
            }
        }
        let headroom = values.iter().skip(targets.len() + providers.len());
        for (t, v) in targets.iter().zip(headroom) {
            if let Some(h) = v.as_deref().and_then(Headroom::from_shared_json) {
                view.headroom.insert(t.profile.clone(), h);
            }
        }
        let mut st = lock(&self.state);
        st.fetched = Some(started);
        if *st.view != view {
            st.view = Arc::new(view);
            self.version.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Records a failure fleet-wide and puts the result into the view at once. During an
    /// outage it is tried in the background.
    pub(crate) async fn record_failure(
        self: &Arc<Self>,
        target: Target,
        reason: FailureReason,
        settings: CooldownSettings,
        now_ms: u64,
    ) {
        if !self.may_wait() {
            let Ok(rt) = tokio::runtime::Handle::try_current() else {
                return;
            };
            let me = self.clone();
            rt.spawn(async move {
                let _ = me.send_failure(&target, reason, settings, now_ms).await;
            });
            return;
        }
        let _ = self.send_failure(&target, reason, settings, now_ms).await;
    }

    async fn send_failure(
        &self,
        target: &Target,
        reason: FailureReason,
        settings: CooldownSettings,
        now_ms: u64,
    ) -> Trip<()> {
        let mut m = self.manager()?;
        let key = self.key(target);
        let mut inv = self.failure_script.key(&key);
        inv.arg(reason.as_str())
            .arg(now_ms)
            .arg(settings.billing_backoff_ms)
            .arg(settings.billing_max_ms)
            .arg(settings.failure_window_ms)
            .arg(&self.host);
        let out: String = self
            .round_trip(async move { inv.invoke_async(&mut m).await })
            .await?;
        if let Some(entry) = parse_entry(&out) {
            let mut st = lock(&self.state);
            if st.view.profiles.get(&target.profile) != Some(&entry) {
                Arc::make_mut(&mut st.view)
                    .profiles
                    .insert(target.profile.clone(), entry);
                self.version.fetch_add(1, Ordering::AcqRel);
            }
        }
        Ok(())
    }

    /// Records successes and rate-limit readings fleet-wide (one pipelined round trip). Not
    /// while the store is known to be unreachable: the next background probe finds out when
    /// it is back.
    pub(crate) async fn record_uses(
        &self,
        uses: &[SharedUse],
        headroom: &[SharedHeadroom],
    ) -> Trip<()> {
        if (uses.is_empty() && headroom.is_empty()) || !self.may_wait() {
            return Ok(());
        }
        let mut m = self.manager()?;
        let mut pipe = redis::pipe();
        let mut commands = uses.len();
        for h in headroom {
            let Some(ttl) = h
                .headroom
                .latest_reset()
                .and_then(|r| r.checked_sub(h.at_ms))
                .filter(|ttl| *ttl > 0)
            else {
                continue;
            };
            let ttl = ttl.clamp(HEADROOM_MIN_TTL_MS, HEADROOM_MAX_TTL_MS);
            pipe.cmd("EVAL")
                .arg(HEADROOM_SCRIPT)
                .arg(1)
                .arg(self.headroom_key(&h.target))
                .arg(h.headroom.to_shared_json(&self.host).to_string())
                .arg(h.at_ms)
                .arg(ttl)
                .ignore();
            commands += 1;
        }
        if commands == 0 {
            return Ok(());
        }
        for u in uses {
            // EVALSHA would fail on a server that has not seen the script yet: EVAL in a pipeline.
            pipe.cmd("EVAL")
                .arg(USE_SCRIPT)
                .arg(2)
                .arg(self.key(&u.target))
                .arg(self.last_good_key(&u.target.provider))
                .arg(u.at_ms)
                .arg(&u.target.profile)
                .arg(u.window_ms)
                .ignore();
        }
        self.round_trip(async move { pipe.query_async::<()>(&mut m).await })
            .await
    }
}

/// Reads the fleet's view of `targets` once, from synchronous code (`models status`): on a
/// thread of its own with its own runtime, so it works inside an async runtime too.
pub(crate) fn read_blocking(
    options: &SharedStateOptions,
    targets: Vec<Target>,
) -> std::result::Result<FleetView, String> {
    let options = options.clone();
    let run = move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("could not start a runtime: {e}"))?;
        rt.block_on(async move {
            let shared = RedisShared::new(&options, Duration::ZERO).map_err(|e| e.to_string())?;
            shared.fetch(&targets).await?;
            Ok(FleetView::clone(&shared.view()))
        })
    };
    std::thread::spawn(run)
        .join()
        .unwrap_or_else(|_| Err("the shared store reader panicked".to_owned()))
}

impl std::fmt::Debug for RedisShared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedState")
            .field("store", &self.described)
            .field("prefix", &self.prefix)
            .field("host", &self.host)
            .field("reachable", &self.reachable())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_tolerantly() {
        let e = parse_entry(
            r#"{"errorCount":2,"cooldownUntil":1.7e12,"failureCounts":{"rate_limit":2,"x":"y"},"host":"h","lastUsed":"no"}"#,
        )
        .unwrap();
        assert_eq!(e.stats.error_count, Some(2));
        assert_eq!(e.stats.cooldown_until, Some(1_700_000_000_000));
        assert_eq!(e.stats.failure_counts.len(), 1);
        assert_eq!(e.stats.last_used, None);
        assert_eq!(e.host.as_deref(), Some("h"));
        assert!(parse_entry("[1]").is_none());
    }
}
