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

use crate::auth::store::{AuthStore, StoreBackend, StoreTxn};
use crate::auth::usage::apply_used;
use crate::config::model_ref::normalize_provider;
use crate::error::{Error, Result};
use indexmap::IndexMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

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
        let Ok(meta) = std::fs::metadata(path) else {
            // Missing (maybe a legacy store) or unreadable: the backend reports it.
            *lock(&self.cache) = None;
            return self.backend.load();
        };
        let key = FileKey::of(&meta);
        if key.settled(SystemTime::now())
            && let Some(c) = lock(&self.cache).as_ref()
            && c.key == key
        {
            return Ok(Some(c.store.clone()));
        }
        // Changed, or too recent to trust its identity: read it and compare the bytes.
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(_) => return self.backend.load(),
        };
        let key = file.metadata().map(|m| FileKey::of(&m)).unwrap_or(key);
        let mut bytes = Vec::with_capacity(usize::try_from(key.len).unwrap_or(0) + 1);
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(|e| Error::io(path, e))?;
        let mut cache = lock(&self.cache);
        if let Some(c) = cache.as_mut()
            && c.bytes == bytes
        {
            c.key = key;
            return Ok(Some(c.store.clone()));
        }
        drop(cache);
        let text = String::from_utf8(bytes).map_err(|_| Error::StoreCorrupt {
            path: path.clone(),
            message: "the file is not UTF-8 text".to_owned(),
        })?;
        let store = AuthStore::parse(&text, path)?;
        *lock(&self.cache) = Some(Cached {
            key,
            bytes: text.into_bytes(),
            store: store.clone(),
        });
        Ok(Some(store))
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
        *lock(&self.cache) = Some(Cached {
            key: FileKey::of(&meta),
            bytes: store.to_json_pretty().into_bytes(),
            store: store.clone(),
        });
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
                self.wrote(&store);
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
        self.shared.wrote(store);
        let written = std::mem::take(&mut self.snapshot);
        self.shared.forget(&written);
        Ok(())
    }
}
