//! A store lock compatible with Clawdbot's `proper-lockfile`
//! ([locking](crate::compatibility#locking)).
//!
//! * The lock is the directory `<file>.lock`, created with `mkdir` (atomic on every local file
//!   system). It is always empty: `proper-lockfile` removes it with `rmdir`.
//! * A lock whose mtime is older than [`LockOptions::stale`] (30 s) is stale and is taken over
//!   (as `proper-lockfile` decides: by mtime alone; the lock records no owner). A waiter never
//!   sleeps past the moment the lock turns stale, and warns at once when the lock has missed
//!   a refresh (its holder has probably exited), or after a second of waiting otherwise.
//! * While held, a background thread touches the directory's mtime every
//!   [`LockOptions::update`] (10 s) so other processes do not consider it stale.
//! * Acquiring retries [`LockOptions::retries`] times (10) with exponential back-off (factor 2,
//!   100 ms → 10 s), each delay multiplied by `1 + jitter` as the `retry` package does.
//! * Release stops the toucher and removes the directory.
//!
//! Threads of one process first queue on an in-process lock per lock path, so they never spin on
//! the directory against each other.

use crate::clock::Jitter;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Timing of the store lock. The defaults are Clawdbot's `AUTH_STORE_LOCK_OPTIONS`.
#[derive(Debug, Clone, PartialEq)]
pub struct LockOptions {
    /// How many times to retry after the first failed attempt (10).
    pub retries: u32,
    /// Back-off factor (2).
    pub factor: f64,
    /// First back-off delay (100 ms).
    pub min_timeout: Duration,
    /// Largest back-off delay (10 s).
    pub max_timeout: Duration,
    /// Multiply each delay by `1 + jitter` (true).
    pub randomize: bool,
    /// A lock older than this is stale and taken over (30 s).
    pub stale: Duration,
    /// How often the holder refreshes the lock's mtime (10 s).
    pub update: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            retries: 10,
            factor: 2.0,
            min_timeout: Duration::from_millis(100),
            max_timeout: Duration::from_secs(10),
            randomize: true,
            stale: Duration::from_secs(30),
            update: Duration::from_secs(10),
        }
    }
}

impl LockOptions {
    /// The delay before retry number `attempt` (0-based), given a jitter value in `[0, 1)`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let random = if self.randomize {
            1.0 + jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        let ms = random
            * self.min_timeout.as_millis() as f64
            * self.factor.max(1.0).powi(attempt.min(64) as i32);
        let capped = ms.min(self.max_timeout.as_millis() as f64).max(0.0);
        Duration::from_millis(capped.round() as u64)
    }
}

/// The lock directory for a store file: `<file>.lock`, `<file>` resolved through symlinks when
/// it exists.
pub(super) fn lock_dir_for(file: &Path) -> PathBuf {
    let resolved = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let mut s = resolved.into_os_string();
    s.push(".lock");
    PathBuf::from(s)
}

// ---- in-process queue ------------------------------------------------------------------------

#[derive(Default)]
struct ProcLock {
    held: Mutex<bool>,
    cv: Condvar,
}

struct ProcGuard(Arc<ProcLock>);

impl Drop for ProcGuard {
    fn drop(&mut self) {
        let mut held = self.0.held.lock().unwrap_or_else(|e| e.into_inner());
        *held = false;
        self.0.cv.notify_one();
    }
}

fn proc_lock(key: &Path, timeout: Duration) -> Option<ProcGuard> {
    static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, Arc<ProcLock>>>> = OnceLock::new();
    let lock = {
        let mut reg = REGISTRY
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        reg.entry(key.to_path_buf()).or_default().clone()
    };
    let deadline = Instant::now() + timeout;
    let mut held = lock.held.lock().unwrap_or_else(|e| e.into_inner());
    while *held {
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        held = lock
            .cv
            .wait_timeout(held, deadline - now)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    *held = true;
    drop(held);
    Some(ProcGuard(lock))
}

// ---- the directory lock ----------------------------------------------------------------------

/// A held lock. Dropping it releases the lock (stops the mtime toucher, removes the directory).
#[derive(Debug)]
pub(super) struct LockGuard {
    dir: PathBuf,
    toucher: Option<(mpsc::Sender<()>, thread::JoinHandle<()>)>,
    proc: Option<ProcGuardHandle>,
}

struct ProcGuardHandle(#[allow(dead_code)] ProcGuard);

impl std::fmt::Debug for ProcGuardHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProcGuard")
    }
}

impl LockGuard {
    /// The lock directory.
    #[cfg(test)]
    fn lock_dir(&self) -> &Path {
        &self.dir
    }

    fn release_inner(&mut self) {
        if let Some((tx, handle)) = self.toucher.take() {
            drop(tx);
            let _ = handle.join();
        }
        match std::fs::remove_dir(&self.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(lock = %self.dir.display(), "store lock was removed by someone else while held");
            }
            Err(e) => {
                tracing::warn!(lock = %self.dir.display(), error = %e, "could not remove store lock");
            }
        }
        self.proc.take();
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.release_inner();
    }
}

fn touch(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.set_modified(SystemTime::now())
}

/// How long ago the lock directory was last refreshed (`None` if it is gone; zero if its
/// mtime is in the future).
fn lock_age(dir: &Path) -> Option<Duration> {
    let mtime = std::fs::metadata(dir).ok()?.modified().ok()?;
    Some(SystemTime::now().duration_since(mtime).unwrap_or_default())
}

/// After this much waiting for a lock whose holder still refreshes it, say so.
const WAIT_NOTICE_AFTER: Duration = Duration::from_secs(1);

/// Acquires the lock of store file `file` (see the module docs).
pub(super) fn acquire(
    file: &Path,
    options: &LockOptions,
    jitter: &dyn Jitter,
) -> Result<LockGuard> {
    let dir = lock_dir_for(file);
    // Upper bound of the whole retry schedule (at most 2x each delay), plus slack for a holder
    // doing network I/O (OAuth refresh) in this process.
    let budget: Duration = (0..options.retries)
        .map(|i| options.backoff(i, 1.0))
        .sum::<Duration>()
        + Duration::from_secs(60);
    let proc = proc_lock(&dir, budget).ok_or_else(|| Error::Lock {
        path: file.to_path_buf(),
        message: format!(
            "timed out after {}s waiting for another thread of this process holding {}",
            budget.as_secs(),
            dir.display()
        ),
    })?;
    let mut attempt = 0u32;
    let mut takeovers = 0u32;
    let mut early_wakeups = 0u32;
    let mut waiting_since: Option<Instant> = None;
    let mut said_waiting = false;
    loop {
        match std::fs::create_dir(&dir) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Vanished between mkdir and stat: try again at once.
                let Some(age) = lock_age(&dir) else { continue };
                if age > options.stale && takeovers < 16 {
                    takeovers += 1;
                    tracing::warn!(
                        lock = %dir.display(),
                        "taking over a stale store lock (not refreshed for {}s)",
                        age.as_secs()
                    );
                    match std::fs::remove_dir(&dir) {
                        Ok(()) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(_) => {} // not removable (not empty?): treat as held
                    }
                }
                let since = *waiting_since.get_or_insert_with(Instant::now);
                // A holder refreshes the lock every `update`: one that missed a refresh has
                // most likely exited without releasing it. Say so at once; otherwise once the
                // wait is longer than a normal write.
                let abandoned = age > options.update + Duration::from_secs(1);
                if !said_waiting && (abandoned || since.elapsed() >= WAIT_NOTICE_AFTER) {
                    said_waiting = true;
                    let left = options.stale.saturating_sub(age).as_secs() + 1;
                    if abandoned {
                        tracing::warn!(
                            lock = %dir.display(),
                            "waiting for the store lock: not refreshed for {}s, so the process \
                             that took it has probably exited; it is taken over when {}s old \
                             (in about {left}s)",
                            age.as_secs(),
                            options.stale.as_secs()
                        );
                    } else {
                        tracing::warn!(
                            lock = %dir.display(),
                            "waiting for the store lock held by another process (refreshed {}s \
                             ago; taken over if not refreshed for {}s)",
                            age.as_secs(),
                            options.stale.as_secs()
                        );
                    }
                }
                // Never sleep past the moment the lock turns stale: an abandoned lock is taken
                // over as soon as it may be (even when the retries are used up), not up to a
                // back-off step later.
                let backoff = options.backoff(attempt, jitter.next_f64());
                let until_stale = options.stale.saturating_sub(age) + Duration::from_millis(50);
                let retries_left = attempt < options.retries;
                if (until_stale < backoff || !retries_left)
                    && until_stale <= options.stale
                    && early_wakeups < 16
                    && age > options.update
                {
                    early_wakeups += 1;
                    // Spread the waiters (up to one refresh period): waking together, one could
                    // stat the old lock just before another replaced it, and remove the new one.
                    let spread = options.update.mul_f64(jitter.next_f64().clamp(0.0, 1.0));
                    thread::sleep(until_stale + spread);
                    continue;
                }
                if !retries_left {
                    return Err(Error::Lock {
                        path: file.to_path_buf(),
                        message: format!(
                            "{} is held by another process (gave up after {} retries); if no claw-anthropic or Clawdbot process is running, remove that directory",
                            dir.display(),
                            options.retries
                        ),
                    });
                }
                thread::sleep(backoff);
                attempt += 1;
            }
            Err(e) => {
                return Err(Error::Lock {
                    path: file.to_path_buf(),
                    message: format!("cannot create {}: {e}", dir.display()),
                });
            }
        }
    }
    let (tx, rx) = mpsc::channel::<()>();
    let touch_dir = dir.clone();
    let every = options.update.max(Duration::from_millis(10));
    let handle = thread::Builder::new()
        .name("claw-auth-lock".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
                if let Err(e) = touch(&touch_dir) {
                    tracing::warn!(lock = %touch_dir.display(), error = %e, "could not refresh store lock");
                }
            }
        });
    let toucher = match handle {
        Ok(h) => Some((tx, h)),
        Err(e) => {
            tracing::warn!(error = %e, "could not start the lock refresher thread");
            None
        }
    };
    Ok(LockGuard {
        dir,
        toucher,
        proc: Some(ProcGuardHandle(proc)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedJitter;

    #[test]
    fn backoff_schedule() {
        let o = LockOptions::default();
        let ms: Vec<u128> = (0..10).map(|i| o.backoff(i, 0.0).as_millis()).collect();
        assert_eq!(
            ms,
            [100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000]
        );
        assert_eq!(o.backoff(0, 0.5).as_millis(), 150);
        assert_eq!(o.backoff(9, 0.99).as_millis(), 10000);
    }

    #[test]
    fn acquire_release_and_fail_fast() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.json");
        let fast = LockOptions {
            retries: 0,
            ..LockOptions::default()
        };
        let g = acquire(&file, &fast, &FixedJitter(0.0)).unwrap();
        assert!(g.lock_dir().is_dir());
        let lock_dir = g.lock_dir().to_path_buf();
        drop(g);
        assert!(!lock_dir.exists());
        // Held by "another process": a fresh directory.
        std::fs::create_dir(&lock_dir).unwrap();
        let e = acquire(&file, &fast, &FixedJitter(0.0)).unwrap_err();
        assert!(matches!(e, Error::Lock { .. }), "{e}");
        std::fs::remove_dir(&lock_dir).unwrap();
    }

    #[test]
    fn toucher_refreshes_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.json");
        let opts = LockOptions {
            update: Duration::from_millis(20),
            ..LockOptions::default()
        };
        let g = acquire(&file, &opts, &FixedJitter(0.0)).unwrap();
        let old = SystemTime::now() - Duration::from_secs(120);
        std::fs::File::open(g.lock_dir())
            .unwrap()
            .set_modified(old)
            .unwrap();
        // Wait (bounded) until the toucher has moved the mtime forward again.
        let mut refreshed = false;
        for _ in 0..500 {
            thread::sleep(Duration::from_millis(10));
            let m = std::fs::metadata(g.lock_dir()).unwrap().modified().unwrap();
            if m > old + Duration::from_secs(60) {
                refreshed = true;
                break;
            }
        }
        assert!(refreshed, "lock mtime was never refreshed");
    }
}
