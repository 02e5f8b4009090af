//! The client's view of the auth store: a parse cache keyed by the file's identity, and
//! coalesced "mark used" writes.
//!
//! Every call resolves its credential from the store, and every success records the profile as
//! used ([cooldowns](crate::compatibility#cooldowns)). Done naively that is one file read + parse
//! per call and one locked, fsync'd
//! rewrite per success — far more than the HTTP exchange itself costs. This wrapper keeps the
//! store semantics while avoiding both:
//!
//! * **Reads** are served from the last parsed copy while the file's identity (device, inode,
//!   size, mtime, ctime) is unchanged. A copy is only trusted by identity once its timestamps
//!   are older than [`RACY_WINDOW`]; a younger one is re-read and compared byte for byte, so a
//!   same-size rewrite inside one timestamp tick can never be missed. The copy is shared
//!   (`Arc`), and so is the view with pending successes applied: that view is updated in place
//!   as successes are recorded, so a request costs at most one `stat` and no copy of the store.
//!   Once checked, the copy is trusted for the client's store check interval
//!   ([`ClientBuilder::store_check_interval`](super::ClientBuilder::store_check_interval),
//!   default [`DEFAULT_STORE_CHECK_INTERVAL`](super::DEFAULT_STORE_CHECK_INTERVAL)) without
//!   looking at the file: a `stat` costs more than the rest of the credential lookup. What
//!   this client writes itself is seen at once; what other processes write, within that
//!   interval.
//! * **Successes** are recorded in memory and written in one locked read-modify-write at most
//!   every [`FLUSH_INTERVAL`], by [`Client::flush`](super::Client::flush), and when the last
//!   clone of the client (and of its streams) is dropped. Until then every read through this
//!   wrapper sees them applied, so profile order and cooldowns behave exactly as if they had
//!   been written at once.
//! * **Failures** and every other locked update go to the file immediately; pending successes
//!   are applied first, inside the same lock, so the file sees the events in order.
//!
//! A pending success never undoes a failure that is newer than it (e.g. written meanwhile by
//! another process): then only `lastUsed` is advanced.
//!
//! In fleet mode (a shared store, [`crate::auth::shared`]) the file's copy is merged with the
//! fleet's view before the pending successes are applied; the merged copy is cached under its
//! own generation, made anew when either the file or the fleet's view changes.

use crate::auth::AgentAuth;
use crate::auth::resolve::{ResolvedAuth, Stability};
use crate::auth::shared::headroom::{Headroom, mark_exhausted};
use crate::auth::shared::merge::merge_into;
use crate::auth::store::{AuthStore, StoreBackend, StoreTxn};
use crate::auth::usage::{CooldownSettings, apply_used};
use crate::client::fleet::{self, Fleet};
use crate::config::Config;
use crate::config::model_ref::normalize_provider;
use crate::error::FailureReason;
use crate::error::{Error, Result};
use crate::response_meta::ResponseMeta;
use indexmap::IndexMap;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// How long recorded successes may wait in memory before they are written.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(500);
/// A file version is trusted by its identity alone only when its timestamps are at least this
/// old: timestamps are coarse (one kernel tick), so a same-size rewrite within the same tick
/// would otherwise go unseen. Younger versions are verified by content.
pub(crate) const RACY_WINDOW: Duration = Duration::from_millis(50);
/// The same for filesystems whose timestamps have whole seconds only (FAT has 2 s).
pub(crate) const RACY_WINDOW_COARSE: Duration = Duration::from_millis(2100);

/// One recorded success.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Use {
    provider: String,
    at_ms: u64,
}

/// The identity of a file version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileKey {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileKey {
    fn of(m: &std::fs::Metadata) -> FileKey {
        use std::os::unix::fs::MetadataExt;
        FileKey {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }

    /// Whether the version is old enough to be trusted by identity alone.
    fn settled(&self, now: SystemTime) -> bool {
        let newest = self.mtime.max(self.ctime);
        let Ok(secs) = u64::try_from(newest.0) else {
            return false;
        };
        let window = if newest.1 == 0 {
            RACY_WINDOW_COARSE
        } else {
            RACY_WINDOW
        };
        let stamp =
            SystemTime::UNIX_EPOCH + Duration::new(secs, u32::try_from(newest.1).unwrap_or(0));
        now.duration_since(stamp).is_ok_and(|age| age >= window)
    }
}

/// The last version of the file seen: its identity, its bytes and their parse.
struct Cached {
    key: FileKey,
    bytes: Vec<u8>,
    store: Arc<AuthStore>,
    /// Changes whenever another version is cached (identifies the base of a [`View`]).
    generation: u64,
    /// When the file was last found to be this version.
    checked: Instant,
}

/// The file's copy merged with the fleet's view (fleet mode) and the rate-limit headroom.
struct Merged {
    file_generation: u64,
    fleet_version: u64,
    headroom_version: u64,
    store: Arc<AuthStore>,
    generation: u64,
}

/// The cached store with the pending successes applied.
struct View {
    base_generation: u64,
    store: Arc<AuthStore>,
}

/// A credential resolution kept while what it was made from is unchanged.
struct Memo {
    provider: String,
    preferred: Option<String>,
    /// The cached file version it was resolved from (its pending successes: see
    /// [`State::memo`]).
    generation: u64,
    stability: Stability,
    auth: Arc<ResolvedAuth>,
}

/// Proof that nothing changed between the start of a resolution and its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoTicket {
    generation: u64,
    version: u64,
}

#[derive(Default)]
struct State {
    /// Successes not yet written, by profile id, oldest first.
    pending: IndexMap<String, Use>,
    /// `pending` applied to the cached version `base_generation`; successes recorded since it
    /// was brought up to date are applied when it is next read (see `view_stale`).
    view: Option<View>,
    /// Whether `pending` changed since `view` was last brought up to date (a success is a few
    /// writes to `pending`; the view is updated once, when it is read).
    view_stale: bool,
    /// Bumped whenever `pending` changes.
    version: u64,
    /// The last resolution. Dropped when `pending` changes, except by a success of
    /// `stability.benign`, which leaves the resolution as it is.
    memo: Option<Memo>,
}

pub(crate) struct Shared {
    backend: Arc<dyn StoreBackend>,
    /// The store file, when `backend` is the plain file store (enables the parse cache).
    file: Option<PathBuf>,
    /// How long `cache` is trusted after a check without looking at the file.
    check_interval: Duration,
    cache: Mutex<Option<Cached>>,
    next_generation: AtomicU64,
    /// `cache` and `state` are never held at the same time.
    state: Mutex<State>,
    flush_scheduled: AtomicBool,
    /// The shared store (fleet mode).
    fleet: Option<Arc<Fleet>>,
    /// The last merge of the cached file with the fleet's view.
    merged: Mutex<Option<Merged>>,
    /// Successes not yet shared with the fleet, by profile id.
    fleet_pending: Mutex<IndexMap<String, fleet::SharedUse>>,
    /// The fleet view version last written into the file.
    synced_version: AtomicU64,
    /// For the cooldown settings of shared successes (fleet mode).
    config: Option<Arc<Config>>,
    /// Rate-limit readings this client saw of profiles that ran out of headroom, by profile id.
    headroom: Mutex<HashMap<String, Headroom>>,
    /// Bumped whenever a profile's end of headroom in `headroom` changes (0: never any).
    headroom_version: AtomicU64,
    /// Rate-limit readings not yet shared with the fleet, by profile id.
    headroom_pending: Mutex<IndexMap<String, fleet::SharedHeadroom>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data behind these locks is always consistent between statements: recover.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Applies recorded successes to a store (profiles that no longer exist are skipped).
fn overlay(store: &mut AuthStore, pending: &IndexMap<String, Use>) {
    for (profile, u) in pending {
        overlay_one(store, profile, u);
    }
}

/// Applies one recorded success. Applying a newer success of the same profile on top gives
/// the same store as applying only the newer one.
fn overlay_one(store: &mut AuthStore, profile: &str, u: &Use) {
    if !store.profiles.contains_key(profile) {
        return;
    }
    let stats = match store.usage_stats.get_mut(profile) {
        Some(s) => s,
        None => store.usage_stats.entry(profile.to_owned()).or_default(),
    };
    if stats.last_failure_at.is_some_and(|f| f > u.at_ms) {
        // A newer failure wins; the success only counts as a use.
        stats.last_used = Some(stats.last_used.unwrap_or(0).max(u.at_ms));
        return;
    }
    apply_used(stats, u.at_ms);
    let provider = normalize_provider(&u.provider);
    if store.last_good.get(provider.as_ref()).map(String::as_str) != Some(profile) {
        store
            .last_good
            .insert(provider.into_owned(), profile.to_owned());
    }
}

impl Shared {
    #[cfg(test)]
    pub(crate) fn new(
        backend: Arc<dyn StoreBackend>,
        file: Option<PathBuf>,
        check_interval: Duration,
    ) -> Arc<Shared> {
        Shared::with_fleet(backend, file, check_interval, None)
    }

    /// [`Shared::new`] in fleet mode when `fleet` is given.
    pub(crate) fn with_fleet(
        backend: Arc<dyn StoreBackend>,
        file: Option<PathBuf>,
        check_interval: Duration,
        fleet: Option<(Arc<Fleet>, Arc<Config>)>,
    ) -> Arc<Shared> {
        let (fleet, config) = fleet.unzip();
        Arc::new(Shared {
            backend,
            file,
            check_interval,
            cache: Mutex::new(None),
            next_generation: AtomicU64::new(1),
            state: Mutex::new(State::default()),
            flush_scheduled: AtomicBool::new(false),
            fleet,
            merged: Mutex::new(None),
            fleet_pending: Mutex::new(IndexMap::new()),
            synced_version: AtomicU64::new(0),
            config,
            headroom: Mutex::new(HashMap::new()),
            headroom_version: AtomicU64::new(0),
            headroom_pending: Mutex::new(IndexMap::new()),
        })
    }

    /// Whether successes are waiting to be written.
    pub(crate) fn has_pending(&self) -> bool {
        !lock(&self.state).pending.is_empty()
    }

    /// Installs a newly seen version in the cache.
    fn install(&self, key: FileKey, bytes: Vec<u8>, store: Arc<AuthStore>) -> u64 {
        let generation = self.next_generation.fetch_add(1, Ordering::Relaxed);
        *lock(&self.cache) = Some(Cached {
            key,
            bytes,
            store,
            generation,
            checked: Instant::now(),
        });
        generation
    }

    /// The versions a merged copy is made from: the fleet's view and the local headroom
    /// readings (`None`: nothing to merge, the file's copy is the base).
    fn merge_versions(&self) -> Option<(u64, u64)> {
        let headroom_version = self.headroom_version.load(Ordering::Acquire);
        if self.fleet.is_none() && headroom_version == 0 {
            return None;
        }
        let fleet_version = self.fleet.as_ref().map_or(0, |f| f.version());
        Some((fleet_version, headroom_version))
    }

    /// The store as on disk merged with the fleet's view (fleet mode) and with the rate-limit
    /// headroom seen (by this client, and by the fleet), without pending successes, and its
    /// generation (`None` when it is not cached: another backend, or no file).
    fn load_base(&self) -> Result<Option<(Arc<AuthStore>, Option<u64>)>> {
        let base = self.load_file()?;
        let Some((fleet_version, headroom_version)) = self.merge_versions() else {
            return Ok(base);
        };
        let Some((file, file_generation)) = base else {
            return Ok(None);
        };
        if let Some(g) = file_generation
            && let Some(m) = lock(&self.merged).as_ref()
            && m.file_generation == g
            && m.fleet_version == fleet_version
            && m.headroom_version == headroom_version
        {
            return Ok(Some((m.store.clone(), Some(m.generation))));
        }
        let mut store = AuthStore::clone(&file);
        let view = self.fleet.as_ref().map(|f| f.view());
        if let Some(view) = &view {
            merge_into(&mut store, view);
        }
        {
            let local = lock(&self.headroom);
            let maps = std::iter::once(&*local).chain(view.as_ref().map(|v| &v.headroom));
            mark_exhausted(&mut store, maps);
        }
        let store = Arc::new(store);
        let generation = file_generation.map(|g| {
            let generation = self.next_generation.fetch_add(1, Ordering::Relaxed);
            *lock(&self.merged) = Some(Merged {
                file_generation: g,
                fleet_version,
                headroom_version,
                store: store.clone(),
                generation,
            });
            generation
        });
        Ok(Some((store, generation)))
    }

    /// The generation [`Shared::load_base`] would return for the cached file version `g`
    /// without merging again (`None`: the merge is out of date).
    fn merged_generation(&self, g: u64) -> Option<u64> {
        let Some((fleet_version, headroom_version)) = self.merge_versions() else {
            return Some(g);
        };
        let m = lock(&self.merged);
        let m = m.as_ref()?;
        (m.file_generation == g
            && m.fleet_version == fleet_version
            && m.headroom_version == headroom_version)
            .then_some(m.generation)
    }

    /// The store as on disk (parse cache applied), without pending successes, and the cached
    /// version's generation (`None` when it is not cached: another backend, or no file).
    fn load_file(&self) -> Result<Option<(Arc<AuthStore>, Option<u64>)>> {
        let uncached = |r: Result<Option<AuthStore>>| r.map(|o| o.map(|s| (Arc::new(s), None)));
        let Some(path) = &self.file else {
            return uncached(self.backend.load());
        };
        if !self.check_interval.is_zero()
            && let Some(c) = lock(&self.cache).as_ref()
            && c.checked.elapsed() < self.check_interval
        {
            return Ok(Some((c.store.clone(), Some(c.generation))));
        }
        let checked = Instant::now();
        let Ok(meta) = std::fs::metadata(path) else {
            // Missing (maybe a legacy store) or unreadable: the backend reports it.
            *lock(&self.cache) = None;
            return uncached(self.backend.load());
        };
        let key = FileKey::of(&meta);
        if key.settled(SystemTime::now())
            && let Some(c) = lock(&self.cache).as_mut()
            && c.key == key
        {
            c.checked = checked;
            return Ok(Some((c.store.clone(), Some(c.generation))));
        }
        // Changed, or too recent to trust its identity: read it and compare the bytes.
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(_) => return uncached(self.backend.load()),
        };
        let key = file.metadata().map(|m| FileKey::of(&m)).unwrap_or(key);
        let mut bytes = Vec::with_capacity(usize::try_from(key.len).unwrap_or(0) + 1);
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| Error::io(path, e))?;
        let mut cache = lock(&self.cache);
        if let Some(c) = cache.as_mut()
            && c.bytes == bytes
        {
            c.key = key;
            c.checked = checked;
            return Ok(Some((c.store.clone(), Some(c.generation))));
        }
        drop(cache);
        let text = String::from_utf8(bytes).map_err(|_| Error::StoreCorrupt {
            path: path.clone(),
            message: "the file is not UTF-8 text".to_owned(),
        })?;
        let store = Arc::new(AuthStore::parse(&text, path)?);
        let generation = self.install(key, text.into_bytes(), store.clone());
        Ok(Some((store, Some(generation))))
    }

    /// The store with pending successes applied (shared; no copy when nothing changed).
    fn load_view(&self) -> Result<Option<Arc<AuthStore>>> {
        let Some((base, generation)) = self.load_base()? else {
            return Ok(None);
        };
        let mut st = lock(&self.state);
        if st.pending.is_empty() {
            return Ok(Some(base));
        }
        let State {
            pending,
            view,
            view_stale,
            ..
        } = &mut *st;
        if let (Some(g), Some(v)) = (generation, view.as_mut())
            && v.base_generation == g
        {
            if *view_stale {
                // In place unless a caller still holds the previous snapshot. Applying every
                // pending success again is the same as applying the new ones (see
                // `overlay_one`), and `pending` is in recording order.
                overlay(Arc::make_mut(&mut v.store), pending);
                *view_stale = false;
            }
            return Ok(Some(v.store.clone()));
        }
        let mut store = AuthStore::clone(&base);
        overlay(&mut store, pending);
        let store = Arc::new(store);
        *view = generation.map(|g| View {
            base_generation: g,
            store: store.clone(),
        });
        *view_stale = false;
        Ok(Some(store))
    }

    /// The generation of the cached version while it is within the check interval (no file
    /// access, no copy of the store); `None` when it must be checked or is not cached.
    fn fresh_generation(&self) -> Option<u64> {
        if self.file.is_none() || self.check_interval.is_zero() {
            return None;
        }
        let g = {
            let cache = lock(&self.cache);
            let c = cache.as_ref()?;
            (c.checked.elapsed() < self.check_interval).then_some(c.generation)?
        };
        self.merged_generation(g)
    }

    /// The memoized resolution for `provider` (and `preferred`), if the store it came from is
    /// unchanged and the clock is within its [`Stability`] (not past `until_ms`, not set back
    /// before `from_ms`); else where the store stands, to make a new one from (`None`: not a
    /// cached file store).
    fn memo_get(
        &self,
        provider: &str,
        preferred: Option<&str>,
        now_ms: u64,
    ) -> Result<std::result::Result<Arc<ResolvedAuth>, Option<MemoTicket>>> {
        let generation = match self.fresh_generation() {
            Some(g) => g,
            None => match self.load_base()? {
                Some((_, Some(g))) => g,
                _ => return Ok(Err(None)),
            },
        };
        let st = lock(&self.state);
        let hit = st.memo.as_ref().filter(|m| {
            m.generation == generation
                && m.stability.holds_at(now_ms)
                && m.provider == provider
                && m.preferred.as_deref() == preferred
        });
        Ok(match hit {
            Some(m) => Ok(m.auth.clone()),
            None => Err(Some(MemoTicket {
                generation,
                version: st.version,
            })),
        })
    }

    /// Keeps a resolution made since `ticket`, unless the store changed meanwhile.
    fn memo_put(
        &self,
        ticket: MemoTicket,
        provider: &str,
        preferred: Option<&str>,
        auth: &Arc<ResolvedAuth>,
        stability: Stability,
    ) {
        // `cache` and `state` are never held together: read the generation first (a version
        // installed after this read makes the memo stale, never wrong).
        let generation = lock(&self.cache).as_ref().map(|c| c.generation);
        let generation = generation.and_then(|g| self.merged_generation(g));
        let mut st = lock(&self.state);
        if generation == Some(ticket.generation) && st.version == ticket.version {
            st.memo = Some(Memo {
                provider: provider.to_owned(),
                preferred: preferred.map(str::to_owned),
                generation: ticket.generation,
                stability,
                auth: auth.clone(),
            });
        }
    }

    /// The credential for the first attempt at `provider` (`preferred` profile first, if it is
    /// usable): the last resolution while the store it came from is unchanged (no other
    /// process wrote it, this client recorded no failure and no success that could change the
    /// round-robin order) and no cooldown or token expiry has been reached since; else a full
    /// resolution ([resolution chain](crate::compatibility#resolution-chain)).
    pub(crate) async fn resolve_first(
        self: &Arc<Self>,
        auth: &AgentAuth,
        provider: &str,
        preferred: Option<&str>,
    ) -> Result<Arc<ResolvedAuth>> {
        if let Some(f) = &self.fleet
            && !f.fresh()
        {
            self.refresh_fleet(f).await;
        }
        let ticket = match self.memo_get(provider, preferred, auth.now_ms())? {
            Ok(hit) => return Ok(hit),
            Err(ticket) => ticket,
        };
        let (resolved, stability) = auth.resolve_async_stable(provider, preferred).await?;
        let resolved = Arc::new(resolved);
        if let (Some(ticket), Some(stability)) = (ticket, stability) {
            self.memo_put(ticket, provider, preferred, &resolved, stability);
        }
        Ok(resolved)
    }

    /// Brings the fleet's view up to date (at most one round trip, none during an outage) and,
    /// when it brought news, writes them into the file in the background, so that other
    /// programs reading the file (a Clawdbot gateway on this host) see the fleet's cooldowns.
    async fn refresh_fleet(self: &Arc<Self>, f: &Arc<Fleet>) {
        let Ok(Some((file, _))) = self.load_file() else {
            return;
        };
        f.refresh(fleet::targets(&file)).await;
        let version = f.version();
        if self.synced_version.swap(version, Ordering::AcqRel) == version {
            return;
        }
        let view = f.view();
        let mut probe = AuthStore::clone(&file);
        if !merge_into(&mut probe, &view) {
            return;
        }
        let me = self.clone();
        let write = move || {
            let r = me.backend.update(&mut |s| {
                merge_into(s, &view);
                Ok(())
            });
            match r {
                Ok(store) => me.wrote(&store),
                Err(e) => {
                    tracing::warn!(error = %e, "could not write the fleet's profile health to the auth store");
                }
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => drop(rt.spawn_blocking(write)),
            Err(_) => write(),
        }
    }

    /// Shares a failure already recorded in the file with the fleet (fleet mode; bounded by
    /// the shared store's timeout, not waited for during an outage).
    pub(crate) async fn share_failure(
        self: &Arc<Self>,
        auth: &AgentAuth,
        profile: &str,
        reason: FailureReason,
    ) {
        let Some(f) = &self.fleet else {
            return;
        };
        let Ok(Some((file, _))) = self.load_file() else {
            return;
        };
        let Some((target, settings)) = fleet::target_of(auth, &file, profile) else {
            return;
        };
        f.record_failure(target, reason, settings, auth.now_ms())
            .await;
    }

    /// Shares the successes and rate-limit readings recorded since the last call with the
    /// fleet (one round trip, bounded by the shared store's timeout).
    pub(crate) async fn share_uses(&self) {
        let Some(f) = &self.fleet else {
            return;
        };
        let uses: Vec<fleet::SharedUse> = std::mem::take(&mut *lock(&self.fleet_pending))
            .into_values()
            .collect();
        let headroom: Vec<fleet::SharedHeadroom> =
            std::mem::take(&mut *lock(&self.headroom_pending))
                .into_values()
                .collect();
        if uses.is_empty() && headroom.is_empty() {
            return;
        }
        let _ = f.record_uses(&uses, &headroom).await;
    }

    /// Whether successes or rate-limit readings wait to be shared with the fleet.
    pub(crate) fn has_fleet_pending(&self) -> bool {
        self.fleet.is_some()
            && (!lock(&self.fleet_pending).is_empty() || !lock(&self.headroom_pending).is_empty())
    }

    /// Notes the `anthropic-ratelimit-*` headers of a response to `profile` (success or
    /// failure): a profile whose remaining count reached 0 is skipped until the reset (see
    /// [`crate::auth::shared::headroom`]); in fleet mode the readings are shared with the next
    /// batched write (every reading of an exhausted bucket, and per batch the first reading of
    /// a profile with headroom left).
    pub(crate) fn observe_headroom(
        self: &Arc<Self>,
        profile: &str,
        meta: &ResponseMeta,
        now_ms: u64,
    ) {
        let exhausted = meta.rate_limit_exhausted();
        if !exhausted && !self.watching(profile) {
            // The usual case: nothing to parse without a shared store; with one, a reading
            // with headroom left is shared once per batch (the first of the batch), a reading
            // without any every time.
            if self.fleet.is_none() || lock(&self.headroom_pending).contains_key(profile) {
                return;
            }
        }
        let Some(reading) = Headroom::from_meta(meta) else {
            return;
        };
        {
            let mut map = lock(&self.headroom);
            let before = map.get(profile).and_then(Headroom::exhausted_until);
            match map.get_mut(profile) {
                Some(h) => {
                    h.observe(&reading, now_ms);
                }
                None if reading.exhausted(now_ms).is_some() => {
                    map.insert(profile.to_owned(), reading.clone());
                }
                None => {}
            }
            if map.get(profile).and_then(Headroom::exhausted_until) != before {
                self.headroom_version.fetch_add(1, Ordering::AcqRel);
            }
        }
        if self.fleet.is_none() {
            return;
        }
        let Ok(Some((file, _))) = self.load_file() else {
            return;
        };
        let Some(p) = file.profiles.get(profile) else {
            return;
        };
        {
            let mut pending = lock(&self.headroom_pending);
            match pending.get_mut(profile) {
                Some(h) => {
                    h.headroom.observe(&reading, now_ms);
                    h.at_ms = now_ms;
                }
                None => {
                    pending.insert(
                        profile.to_owned(),
                        fleet::SharedHeadroom {
                            target: fleet::Target {
                                provider: normalize_provider(p.credential.provider()).into_owned(),
                                profile: profile.to_owned(),
                            },
                            headroom: reading,
                            at_ms: now_ms,
                        },
                    );
                }
            }
        }
        self.schedule_flush();
    }

    /// Whether this client holds readings of `profile` (then every reading of it is noted).
    fn watching(&self, profile: &str) -> bool {
        self.headroom_version.load(Ordering::Acquire) != 0
            && lock(&self.headroom).contains_key(profile)
    }

    /// After this client wrote `store` (inside the lock): remember its bytes, so the next read
    /// does not parse it again.
    fn wrote(&self, store: &AuthStore) {
        let Some(path) = &self.file else {
            return;
        };
        let Ok(meta) = std::fs::metadata(path) else {
            *lock(&self.cache) = None;
            return;
        };
        self.install(
            FileKey::of(&meta),
            store.to_json_pretty().into_bytes(),
            Arc::new(store.clone()),
        );
    }

    /// Records a success of `profile` at `at_ms` (written later).
    pub(crate) fn record_use(self: &Arc<Self>, provider: &str, profile: &str, at_ms: u64) {
        if self.fleet.is_some() {
            self.pend_fleet_use(provider, profile, at_ms);
        }
        {
            let mut st = lock(&self.state);
            st.version += 1;
            if st
                .memo
                .as_ref()
                .is_some_and(|m| m.stability.benign.as_deref() != Some(profile))
            {
                st.memo = None;
            }
            st.view_stale = true;
            match st.pending.last_mut() {
                // The same profile again (the usual case): updated in place.
                Some((last, u)) if last == profile => {
                    if u.provider != provider {
                        u.provider = provider.to_owned();
                    }
                    u.at_ms = at_ms;
                }
                // Else it moves to the end (the order successes are applied in).
                _ => {
                    st.pending.shift_remove(profile);
                    st.pending.insert(
                        profile.to_owned(),
                        Use {
                            provider: provider.to_owned(),
                            at_ms,
                        },
                    );
                }
            }
        }
        self.schedule_flush();
    }

    /// Writes pending successes (and shares pending fleet updates) after [`FLUSH_INTERVAL`],
    /// unless that is already scheduled; at once outside a runtime.
    fn schedule_flush(self: &Arc<Self>) {
        // Read first: once a flush is scheduled, later successes write nothing shared here.
        if self.flush_scheduled.load(Ordering::Acquire)
            || self.flush_scheduled.swap(true, Ordering::AcqRel)
        {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let me = Arc::clone(self);
                rt.spawn(async move {
                    tokio::time::sleep(FLUSH_INTERVAL).await;
                    me.flush_scheduled.store(false, Ordering::Release);
                    me.share_uses().await;
                    let me2 = me.clone();
                    let r = tokio::task::spawn_blocking(move || me2.flush()).await;
                    if let Ok(Err(e)) = r {
                        tracing::warn!(error = %e, "could not record profile use in the auth store");
                    }
                });
            }
            Err(_) => {
                self.flush_scheduled.store(false, Ordering::Release);
                if let Err(e) = self.flush() {
                    tracing::warn!(error = %e, "could not record profile use in the auth store");
                }
            }
        }
    }

    fn pend_fleet_use(&self, provider: &str, profile: &str, at_ms: u64) {
        // The usual case, the same profile again within a batch: no allocation.
        if let Some(u) = lock(&self.fleet_pending).get_mut(profile) {
            u.at_ms = u.at_ms.max(at_ms);
            return;
        }
        let Ok(Some((file, _))) = self.load_file() else {
            return;
        };
        let Some(p) = file.profiles.get(profile) else {
            return;
        };
        let Some(config) = &self.config else {
            return;
        };
        let window_ms = CooldownSettings::resolve(config, provider).failure_window_ms;
        lock(&self.fleet_pending).insert(
            profile.to_owned(),
            fleet::SharedUse {
                target: fleet::Target {
                    provider: normalize_provider(p.credential.provider()).into_owned(),
                    profile: profile.to_owned(),
                },
                at_ms,
                window_ms,
            },
        );
    }

    /// Writes pending successes now (one locked read-modify-write). Blocking.
    pub(crate) fn flush(&self) -> Result<()> {
        if !self.has_pending() {
            return Ok(());
        }
        let mut txn = self.backend.lock()?;
        let snapshot = lock(&self.state).pending.clone();
        if snapshot.is_empty() {
            return Ok(());
        }
        if let Some(before) = txn.load()? {
            let mut store = before.clone();
            overlay(&mut store, &snapshot);
            if store.to_value() != before.to_value() {
                txn.save(&store)?;
                self.wrote(&store);
            }
        }
        self.forget(&snapshot);
        Ok(())
    }

    /// Drops the pending entries that are in `written` (unless re-recorded since).
    fn forget(&self, written: &IndexMap<String, Use>) {
        let mut st = lock(&self.state);
        st.version += 1;
        st.memo = None;
        for (profile, u) in written {
            if st.pending.get(profile) == Some(u) {
                st.pending.shift_remove(profile);
            }
        }
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsageLog")
            .field("store", &self.backend.describe())
            .field("pending", &lock(&self.state).pending.len())
            .finish_non_exhaustive()
    }
}

/// The [`StoreBackend`] the client's [`AgentAuth`](crate::auth::AgentAuth) uses.
pub(crate) struct ClientStore(pub(crate) Arc<Shared>);

impl fmt::Debug for ClientStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientStore")
            .field("backend", &self.0.backend)
            .field("cached", &self.0.file.is_some())
            .finish_non_exhaustive()
    }
}

impl StoreBackend for ClientStore {
    fn load(&self) -> Result<Option<AuthStore>> {
        Ok(self.0.load_view()?.map(Arc::unwrap_or_clone))
    }

    fn load_shared(&self) -> Result<Option<Arc<AuthStore>>> {
        self.0.load_view()
    }

    fn lock(&self) -> Result<Box<dyn StoreTxn>> {
        let txn = self.0.backend.lock()?;
        Ok(Box::new(ClientTxn {
            txn,
            shared: self.0.clone(),
            snapshot: IndexMap::new(),
        }))
    }

    fn describe(&self) -> String {
        self.0.backend.describe()
    }
}

/// A locked transaction that includes the pending successes: what it saves contains them.
struct ClientTxn {
    txn: Box<dyn StoreTxn>,
    shared: Arc<Shared>,
    snapshot: IndexMap<String, Use>,
}

impl StoreTxn for ClientTxn {
    fn load(&mut self) -> Result<Option<AuthStore>> {
        let mut store = self.txn.load()?;
        self.snapshot = lock(&self.shared.state).pending.clone();
        if let Some(s) = store.as_mut() {
            overlay(s, &self.snapshot);
        }
        Ok(store)
    }

    fn save(&mut self, store: &AuthStore) -> Result<()> {
        self.txn.save(store)?;
        self.shared.wrote(store);
        let written = std::mem::take(&mut self.snapshot);
        self.shared.forget(&written);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::FileStore;

    const STORE: &str = r#"{
  "version": 1,
  "profiles": {
    "anthropic:a": { "type": "api_key", "provider": "anthropic", "key": "sk-ant-api03-aaaaaaaaaaaaaaaaaaaa" },
    "anthropic:b": { "type": "api_key", "provider": "anthropic", "key": "sk-ant-api03-bbbbbbbbbbbbbbbbbbbb" }
  },
  "usageStats": { "anthropic:b": { "errorCount": 2, "lastFailureAt": 5000 } }
}
"#;

    fn setup() -> (tempfile::TempDir, PathBuf, ClientStore) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth-profiles.json");
        std::fs::write(&path, STORE).unwrap();
        let shared = Shared::new(
            Arc::new(FileStore::new(&path)),
            Some(path.clone()),
            Duration::ZERO,
        );
        (dir, path, ClientStore(shared))
    }

    /// Makes the file's timestamps old enough to be trusted by identity alone.
    fn settle(path: &std::path::Path) {
        let old = SystemTime::now() - Duration::from_secs(10);
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_times(
            std::fs::FileTimes::new()
                .set_modified(old)
                .set_accessed(old),
        )
        .unwrap();
        // ctime cannot be set back: wait out the racy window instead.
        std::thread::sleep(RACY_WINDOW + Duration::from_millis(20));
    }

    // In a runtime, so that successes wait for the (never reached) coalesced flush; without one
    // `record_use` writes at once.
    #[tokio::test]
    async fn snapshots_are_shared_until_something_changes() {
        let (_dir, path, cs) = setup();
        settle(&path);
        let a = cs.load_shared().unwrap().unwrap();
        let b = cs.load_shared().unwrap().unwrap();
        assert!(Arc::ptr_eq(&a, &b), "an unchanged file is not copied");

        // A success: visible at once, in a view that later loads share.
        cs.0.record_use("anthropic", "anthropic:a", 7000);
        let c = cs.load_shared().unwrap().unwrap();
        assert_eq!(c.usage_stats["anthropic:a"].last_used, Some(7000));
        assert_eq!(c.last_good["anthropic"], "anthropic:a");
        let d = cs.load_shared().unwrap().unwrap();
        assert!(Arc::ptr_eq(&c, &d));
        // The earlier snapshot did not change under its holder.
        assert!(!a.usage_stats.contains_key("anthropic:a"));

        // A second success is applied to the view in place (no holder now) ...
        drop((c, d));
        cs.0.record_use("anthropic", "anthropic:b", 8000);
        cs.0.record_use("anthropic", "anthropic:a", 9000);
        let e = cs.load_shared().unwrap().unwrap();
        assert_eq!(e.usage_stats["anthropic:a"].last_used, Some(9000));
        assert_eq!(e.usage_stats["anthropic:b"].last_used, Some(8000));
        assert_eq!(e.usage_stats["anthropic:b"].error_count, Some(0));
        assert_eq!(e.last_good["anthropic"], "anthropic:a");
        // ... and equals what applying the pending list from scratch gives.
        let mut from_scratch = AuthStore::clone(&a);
        overlay(&mut from_scratch, &lock(&cs.0.state).pending);
        assert_eq!(from_scratch.to_value(), e.to_value());
        // The file itself is untouched until a flush.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), STORE);
    }

    #[tokio::test]
    async fn another_writer_invalidates_the_view() {
        let (_dir, path, cs) = setup();
        settle(&path);
        cs.0.record_use("anthropic", "anthropic:a", 7000);
        let before = cs.load_shared().unwrap().unwrap();
        assert_eq!(before.usage_stats["anthropic:a"].last_used, Some(7000));

        // Another process records a newer failure of `a` and drops `b`.
        let other = FileStore::new(&path);
        other
            .update(&mut |s| {
                s.profiles.shift_remove("anthropic:b");
                s.usage_stats.shift_remove("anthropic:b");
                let st = s.usage_stats.entry("anthropic:a".into()).or_default();
                st.error_count = Some(1);
                st.last_failure_at = Some(8000);
                Ok(())
            })
            .unwrap();
        let after = cs.load_shared().unwrap().unwrap();
        assert!(!after.profiles.contains_key("anthropic:b"));
        let a = &after.usage_stats["anthropic:a"];
        // The newer failure wins over the pending success, which still counts as a use.
        assert_eq!(a.error_count, Some(1));
        assert_eq!(a.last_used, Some(7000));
    }

    #[tokio::test]
    async fn flush_writes_the_view_and_keeps_serving_it() {
        let (_dir, path, cs) = setup();
        cs.0.record_use("anthropic", "anthropic:b", 9000);
        assert!(cs.0.has_pending());
        let view = cs.load_shared().unwrap().unwrap();
        cs.0.flush().unwrap();
        assert!(!cs.0.has_pending());
        let on_disk = FileStore::new(&path).load().unwrap().unwrap();
        assert_eq!(on_disk.to_value(), view.to_value());
        let again = cs.load_shared().unwrap().unwrap();
        assert_eq!(again.to_value(), view.to_value());
    }
}
