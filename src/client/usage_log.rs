//! The client's view of the auth store: a parse cache keyed by the file's identity, and
//! coalesced "mark used" writes.
//!
//! Every call resolves its credential from the store, and every success records the profile as
//! used (SPEC §4). Done naively that is one file read + parse per call and one locked, fsync'd
//! rewrite per success — far more than the HTTP exchange itself costs. This wrapper keeps the
//! store semantics while avoiding both:
//!
//! * **Reads** are served from the last parsed copy while the file's identity (device, inode,
//!   size, mtime, ctime) is unchanged. A copy is only cached once its mtime is older than
//!   [`RACY_WINDOW`], so a same-size rewrite inside one timestamp tick can never be missed.
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

use crate::auth::store::{AuthStore, StoreBackend, StoreTxn, read_store_file};
use crate::auth::usage::apply_used;
use crate::config::model_ref::normalize_provider;
use crate::error::Result;
use indexmap::IndexMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// How long recorded successes may wait in memory before they are written.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(250);
/// A parsed copy is cached only when the file's mtime is at least this old (file timestamps
/// are coarse; a rewrite within the same tick with the same size would otherwise go unseen).
pub(crate) const RACY_WINDOW: Duration = Duration::from_millis(100);

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
        let stamp =
            SystemTime::UNIX_EPOCH + Duration::new(secs, u32::try_from(newest.1).unwrap_or(0));
        now.duration_since(stamp)
            .is_ok_and(|age| age >= RACY_WINDOW)
    }
}

struct Cached {
    key: FileKey,
    store: AuthStore,
}

#[derive(Default)]
struct State {
    /// Successes not yet written, by profile id, oldest first.
    pending: IndexMap<String, Use>,
}

pub(crate) struct Shared {
    backend: Arc<dyn StoreBackend>,
    /// The store file, when `backend` is the plain file store (enables the parse cache).
    file: Option<PathBuf>,
    cache: Mutex<Option<Cached>>,
    state: Mutex<State>,
    flush_scheduled: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data behind these locks is always consistent between statements: recover.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Applies recorded successes to a store (profiles that no longer exist are skipped).
fn overlay(store: &mut AuthStore, pending: &IndexMap<String, Use>) {
    for (profile, u) in pending {
        if !store.profiles.contains_key(profile) {
            continue;
        }
        let stats = store.usage_stats.entry(profile.clone()).or_default();
        if stats.last_failure_at.is_some_and(|f| f > u.at_ms) {
            // A newer failure wins; the success only counts as a use.
            stats.last_used = Some(stats.last_used.unwrap_or(0).max(u.at_ms));
            continue;
        }
        apply_used(stats, u.at_ms);
        store
            .last_good
            .insert(normalize_provider(&u.provider), profile.clone());
    }
}

impl Shared {
    pub(crate) fn new(backend: Arc<dyn StoreBackend>, file: Option<PathBuf>) -> Arc<Shared> {
        Arc::new(Shared {
            backend,
            file,
            cache: Mutex::new(None),
            state: Mutex::new(State::default()),
            flush_scheduled: AtomicBool::new(false),
        })
    }

    /// Whether successes are waiting to be written.
    pub(crate) fn has_pending(&self) -> bool {
        !lock(&self.state).pending.is_empty()
    }

    /// The store as on disk (parse cache applied), without pending successes.
    fn load_base(&self) -> Result<Option<AuthStore>> {
        let Some(path) = &self.file else {
            return self.backend.load();
        };
        let Ok(before) = std::fs::metadata(path) else {
            // Missing (maybe a legacy store) or unreadable: the backend reports it.
            *lock(&self.cache) = None;
            return self.backend.load();
        };
        let key = FileKey::of(&before);
        if let Some(c) = lock(&self.cache).as_ref()
            && c.key == key
        {
            return Ok(Some(c.store.clone()));
        }
        let Some(store) = read_store_file(path)? else {
            return self.backend.load();
        };
        // Cache only if the file did not change while it was read and is old enough.
        if let Ok(after) = std::fs::metadata(path)
            && FileKey::of(&after) == key
            && key.settled(SystemTime::now())
        {
            *lock(&self.cache) = Some(Cached {
                key,
                store: store.clone(),
            });
        }
        Ok(Some(store))
    }

    /// Records a success of `profile` at `at_ms` (written later).
    pub(crate) fn record_use(self: &Arc<Self>, provider: &str, profile: &str, at_ms: u64) {
        {
            let mut st = lock(&self.state);
            st.pending.shift_remove(profile);
            st.pending.insert(
                profile.to_owned(),
                Use {
                    provider: provider.to_owned(),
                    at_ms,
                },
            );
        }
        if self.flush_scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let me = Arc::clone(self);
                rt.spawn(async move {
                    tokio::time::sleep(FLUSH_INTERVAL).await;
                    me.flush_scheduled.store(false, Ordering::Release);
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
                *lock(&self.cache) = None;
            }
        }
        self.forget(&snapshot);
        Ok(())
    }

    /// Drops the pending entries that are in `written` (unless re-recorded since).
    fn forget(&self, written: &IndexMap<String, Use>) {
        let mut st = lock(&self.state);
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
        let mut store = self.0.load_base()?;
        if let Some(s) = store.as_mut() {
            let st = lock(&self.0.state);
            if !st.pending.is_empty() {
                overlay(s, &st.pending);
            }
        }
        Ok(store)
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
        *lock(&self.shared.cache) = None;
        let written = std::mem::take(&mut self.snapshot);
        self.shared.forget(&written);
        Ok(())
    }
}
