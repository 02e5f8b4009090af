//! Load and crash safety.
//!
//! * 1,000 concurrent requests across 4 profiles with 10 % injected 429s: every call completes
//!   (or fails with a typed error), nothing deadlocks, and the store records exactly the
//!   failures and successes the server produced, with no update lost.
//! * 8 writer processes doing locked store updates while the parent `kill -9`s some of them at
//!   random: the file always parses and every acknowledged update is present.
//! * A crash between the temp-file write and the rename leaves the previous file intact.
//!
//! Counts are scaled to this 2-core machine (see RELIABILITY.md): each locked write fsyncs.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::auth::LockOptions;
use claw_anthropic::auth::store::{AuthStore, FileStore, StoreBackend, StoreTxn};
use claw_anthropic::client::{ProfilePin, RecordingSleeper, RetryPolicy};
use claw_anthropic::clock::{Clock, SharedClock};
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::{AgentId, Client, Error};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ---- 1,000 concurrent requests ---------------------------------------------------------------

const REQUESTS: usize = 1000;
const PROFILES: usize = 4;

/// Every reading moves time on by one second: cooldowns (≥ 60 s) expire after a while, and
/// every recorded use or failure has its own timestamp.
#[derive(Debug)]
struct TickingClock(AtomicU64);

impl Clock for TickingClock {
    fn now_ms(&self) -> u64 {
        NOW + self.0.fetch_add(1, Ordering::SeqCst) * 1000
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Used,
    Failed(String),
}

/// The file store, plus a log of what each locked update changed (in lock order).
#[derive(Debug)]
struct LoggingStore {
    inner: FileStore,
    log: Arc<Mutex<Vec<(String, u64, Event)>>>,
}

impl StoreBackend for LoggingStore {
    fn load(&self) -> claw_anthropic::Result<Option<AuthStore>> {
        self.inner.load()
    }
    // Every locked write (failures at once, coalesced successes on flush) goes through a
    // transaction; `update` is the trait's default, built on `lock`.
    fn lock(&self) -> claw_anthropic::Result<Box<dyn StoreTxn>> {
        Ok(Box::new(LoggingTxn {
            inner: self.inner.lock()?,
            before: None,
            log: self.log.clone(),
        }))
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// Records, for each save, which profiles got a new failure or a new use, with the time of each.
struct LoggingTxn {
    inner: Box<dyn StoreTxn>,
    before: Option<AuthStore>,
    log: Arc<Mutex<Vec<(String, u64, Event)>>>,
}

impl StoreTxn for LoggingTxn {
    fn load(&mut self) -> claw_anthropic::Result<Option<AuthStore>> {
        let s = self.inner.load()?;
        self.before = s.clone();
        Ok(s)
    }
    fn save(&mut self, s: &AuthStore) -> claw_anthropic::Result<()> {
        self.inner.save(s)?;
        let before = self
            .before
            .as_ref()
            .map(|b| b.usage_stats.clone())
            .unwrap_or_default();
        let mut log = self.log.lock().unwrap();
        for (id, after) in &s.usage_stats {
            let old = before.get(id).cloned().unwrap_or_default();
            if after.last_failure_at != old.last_failure_at {
                let reason = after
                    .failure_counts
                    .iter()
                    .find(|(k, v)| old.failure_counts.get(*k).copied().unwrap_or(0) < **v)
                    // A coalesced success applied in the same save resets the counters first.
                    .or_else(|| after.failure_counts.iter().find(|(_, v)| **v > 0))
                    .map(|(k, _)| k.clone())
                    .unwrap_or_else(|| "?".into());
                log.push((
                    id.clone(),
                    after.last_failure_at.unwrap_or(0),
                    Event::Failed(reason),
                ));
            }
            if after.last_used != old.last_used {
                log.push((id.clone(), after.last_used.unwrap_or(0), Event::Used));
            }
        }
        Ok(())
    }
}

/// A small deterministic generator (positions of the injected 429s).
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_requests_with_injected_429s() {
    let server = MockServer::start().await.unwrap();
    let keys: Vec<String> = (0..PROFILES)
        .map(|i| canary_key((b'a' + i as u8) as char))
        .collect();
    let ids: Vec<String> = (0..PROFILES).map(|i| format!("anthropic:p{i}")).collect();
    let w = World::new(&server.url(), &[]);
    let mut profiles = serde_json::Map::new();
    for (id, key) in ids.iter().zip(&keys) {
        profiles.insert(
            id.clone(),
            json!({"type": "api_key", "provider": "anthropic", "key": key}),
        );
    }
    w.write_store(&json!({"version": 1, "profiles": profiles}));

    // 10 % of the first 1,000 replies are 429s, at seeded positions.
    let mut seed = 0x5eed_u64;
    let mut injected = BTreeSet::new();
    while injected.len() < REQUESTS / 10 {
        injected.insert((lcg(&mut seed) % REQUESTS as u64) as usize);
    }
    for i in 0..REQUESTS {
        server.enqueue_for(
            "/v1/messages",
            if injected.contains(&i) {
                MockReply::error(
                    429,
                    "rate_limit_error",
                    "Number of requests has exceeded your rate limit",
                )
                .header("retry-after", "1")
            } else {
                MockReply::default_reply()
            },
        );
    }

    let log = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::new(LoggingStore {
        inner: FileStore::new(w.store_path()),
        log: log.clone(),
    });
    let clock: SharedClock = Arc::new(TickingClock(AtomicU64::new(0)));
    let client = Client::builder(w.config.clone())
        .agent(AgentId::main())
        // No same-profile retries: each 429 is one recorded failure and a rotation.
        .retry_policy(RetryPolicy::none())
        .clock(clock)
        .sleeper(Arc::new(RecordingSleeper::new()))
        .store(store)
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap();

    let run = async {
        let mut tasks = Vec::with_capacity(REQUESTS);
        for i in 0..REQUESTS {
            let client = client.clone();
            let pin = ProfilePin::Prefer(ids[i % PROFILES].clone());
            tasks.push(tokio::spawn(async move {
                client
                    .send_pinned(
                        claw_anthropic::request::messages::MessageRequest::new(
                            "anthropic/claude-opus-4-5",
                            vec![claw_anthropic::request::messages::MessageParam::user(
                                format!("request {i}"),
                            )],
                        ),
                        &pin,
                    )
                    .await
            }));
        }
        let mut results = Vec::with_capacity(REQUESTS);
        for t in tasks {
            results.push(t.await.expect("no task panicked"));
        }
        results
    };
    let results = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("1,000 requests did not finish within 120 s (deadlock?)");

    // Every call completed: Ok with its own echo, or a typed error.
    let mut ok = 0;
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(resp) => {
                ok += 1;
                assert_eq!(resp.value.text(), format!("request {i}"));
                assert!(resp.profile_id.is_some());
            }
            Err(e) => assert!(
                e.is_rate_limit() || e.is_no_credentials(),
                "request {i}: untyped failure {e:?}"
            ),
        }
    }

    // What the server did, per credential (the i-th /v1/messages request got the i-th reply).
    let seen: Vec<String> = credentials_seen(&server);
    assert!(seen.len() >= REQUESTS, "{} requests", seen.len());
    let mut server_429: HashMap<&str, u64> = HashMap::new();
    let mut server_200: HashMap<&str, u64> = HashMap::new();
    for (i, cred) in seen.iter().enumerate() {
        let slot = if injected.contains(&i) {
            &mut server_429
        } else {
            &mut server_200
        };
        *slot.entry(cred.as_str()).or_default() += 1;
    }
    assert_eq!(server_429.values().sum::<u64>(), (REQUESTS / 10) as u64);
    assert_eq!(server_200.values().sum::<u64>(), ok as u64);
    eprintln!(
        "{REQUESTS} calls: {ok} ok, {} typed errors; server: {} requests, 429s per key {:?}",
        REQUESTS - ok,
        seen.len(),
        server_429.values().collect::<Vec<_>>()
    );

    // Write the coalesced successes now (a scheduled background flush is then a no-op).
    client.flush().await.unwrap();

    // The store was told exactly that — per profile, nothing lost, nothing extra.
    let log = log.lock().unwrap().clone();
    let final_store = w.store();
    for (id, key) in ids.iter().zip(&keys) {
        // Successes are written coalesced (several uses may land as one `lastUsed` change, and
        // after a newer failure): replay the events in time order, as the store applies them.
        let mut timed: Vec<&(String, u64, Event)> =
            log.iter().filter(|(p, _, _)| p == id).collect();
        timed.sort_by_key(|(_, t, _)| *t);
        let events: Vec<&Event> = timed.iter().map(|(_, _, e)| e).collect();
        let failures = events
            .iter()
            .filter(|e| matches!(e, Event::Failed(_)))
            .count() as u64;
        let uses = events.iter().filter(|e| **e == &Event::Used).count() as u64;
        assert_eq!(
            failures,
            server_429.get(key.as_str()).copied().unwrap_or(0),
            "{id} failures"
        );
        let served = server_200.get(key.as_str()).copied().unwrap_or(0);
        assert!(
            uses <= served && (served == 0) == (uses == 0),
            "{id}: {uses} recorded uses for {served} successes"
        );
        assert!(
            events
                .iter()
                .all(|e| matches!(e, Event::Used) || **e == Event::Failed("rate_limit".into())),
            "{id}: {events:?}"
        );
        // The file's final state is consistent with those events: the counters since the last
        // success never exceed the failures recorded, and agree with each other. (Successes are
        // written coalesced, so the exact interleaving is not reconstructed here.)
        let s = &final_store["usageStats"][id];
        let error_count = s["errorCount"].as_u64().unwrap_or(0);
        assert!(error_count <= failures, "{id}: {s}");
        assert_eq!(
            s["failureCounts"]["rate_limit"].as_u64().unwrap_or(0),
            error_count,
            "{id}: {s}"
        );
        if uses > 0 {
            assert!(s["lastUsed"].is_u64(), "{id}: {s}");
        }
    }
    // No lock directory or temp file left behind.
    // (A flush scheduled before ours may still be taking and releasing the lock with nothing
    // left to write: wait for it to let go, up to 10 s.)
    let dir = w.store_path().parent().unwrap().to_path_buf();
    drop(client);
    let list = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    for _ in 0..200 {
        if list() == ["auth-profiles.json"] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(list(), ["auth-profiles.json"]);
}

// ---- writer processes killed at random ---------------------------------------------------------

const WRITERS: usize = 8;
const UPDATES: u64 = 200;

fn writer_lock_options() -> LockOptions {
    // The default protocol, with a short staleness so a lock left by a killed writer is taken
    // over in ~2 s instead of 30 s, and more patience for 8 busy writers.
    LockOptions {
        retries: 400,
        max_timeout: Duration::from_millis(200),
        stale: Duration::from_secs(2),
        update: Duration::from_millis(500),
        ..LockOptions::default()
    }
}

/// The writer process: `UPDATES` locked updates, printing `ACK <n>` after each commit.
#[test]
fn store_writer_child() {
    let (Ok(path), Ok(id)) = (
        std::env::var("CLAW_REL_WRITER_STORE"),
        std::env::var("CLAW_REL_WRITER_ID"),
    ) else {
        return;
    };
    let store = FileStore::new(&path).with_lock_options(writer_lock_options());
    for n in 1..=UPDATES {
        store
            .update(&mut |s| {
                let own = s.usage_stats.entry(format!("writer:{id}")).or_default();
                own.error_count = Some(own.error_count.unwrap_or(0) + 1);
                let total = s.extra.entry("total").or_insert(Value::from(0u64));
                *total = Value::from(total.as_u64().unwrap_or(0) + 1);
                Ok(())
            })
            .unwrap();
        println!("ACK {n}");
    }
}

fn spawn_writer(path: &Path, id: usize) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &test_name(module_path!(), "store_writer_child"),
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CLAW_REL_WRITER_STORE", path)
        .env("CLAW_REL_WRITER_ID", id.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn killed_writers_never_corrupt_the_store_or_lose_acknowledged_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent/auth-profiles.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        include_str!("../../fixtures/auth/clawdbot-store.json"),
    )
    .unwrap();

    let mut seed = 0xc0ffee_u64 ^ std::process::id() as u64;
    // Writers 0..3 are killed after a random number of acknowledged updates.
    let kill_after: BTreeMap<usize, u64> = (0..3)
        .map(|i| (i, 5 + lcg(&mut seed) % (UPDATES - 10)))
        .collect();
    let acks: Arc<Mutex<BTreeMap<usize, u64>>> = Arc::default();
    let mut handles = Vec::new();
    let mut killed = Vec::new();
    for id in 0..WRITERS {
        let mut child = spawn_writer(&path, id);
        let pid = child.id();
        let stdout = child.stdout.take().unwrap();
        let acks = acks.clone();
        let limit = kill_after.get(&id).copied();
        if limit.is_some() {
            killed.push(pid);
        }
        handles.push(std::thread::spawn(move || {
            let mut child = child;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ACK ") {
                    let n: u64 = n.trim().parse().unwrap();
                    acks.lock().unwrap().insert(id, n);
                    if limit == Some(n) {
                        // SIGKILL: the writer is somewhere in its next update. It may have
                        // acknowledged more before the signal lands: keep reading what it wrote.
                        child.kill().unwrap();
                    }
                }
            }
            let status = child.wait().unwrap();
            (id, status)
        }));
    }
    for h in handles {
        let (id, status) = h.join().unwrap();
        if !kill_after.contains_key(&id) {
            assert!(status.success(), "writer {id} failed: {status}");
        }
    }

    // The file parses, unknown fields survived, and every acknowledged update is there.
    let text = std::fs::read_to_string(&path).unwrap();
    let raw: Value = serde_json::from_str(&text).expect("the store parses after the kills");
    assert_eq!(raw["syncedFromCli"]["claude-cli"], 1_767_000_000_000u64);
    let store = FileStore::new(&path).load().unwrap().unwrap();
    let acks = acks.lock().unwrap().clone();
    let mut total = 0;
    for id in 0..WRITERS {
        let have = store
            .usage_stats
            .get(&format!("writer:{id}"))
            .and_then(|s| s.error_count)
            .unwrap_or(0);
        let acked = acks.get(&id).copied().unwrap_or(0);
        if kill_after.contains_key(&id) {
            // Killed after the ack of `acked`: its next update may or may not have committed.
            assert!(
                have == acked || have == acked + 1,
                "writer {id}: {have} vs acked {acked}"
            );
        } else {
            assert_eq!(have, UPDATES, "writer {id}");
            assert_eq!(acked, UPDATES);
        }
        total += have;
    }
    assert_eq!(raw["total"], total, "no update lost between writers");
    eprintln!("writers: acked {acks:?}, killed after {kill_after:?}, total {total}");
    // Leftovers can only be temp files of killed writers (never the store itself half-written).
    let lock = path.with_file_name("auth-profiles.json.lock");
    let _ = std::fs::remove_dir(&lock);
    for e in std::fs::read_dir(path.parent().unwrap()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name == "auth-profiles.json" {
            continue;
        }
        assert!(
            name.ends_with(".tmp")
                && killed
                    .iter()
                    .any(|pid| name.starts_with(&format!(".auth-profiles.json.{pid}."))),
            "unexpected leftover {name}"
        );
    }
    // The store is still writable (a stale lock from a killed writer is taken over).
    FileStore::new(&path)
        .with_lock_options(writer_lock_options())
        .update(&mut |s| {
            s.extra.insert("after".into(), Value::from(true));
            Ok(())
        })
        .unwrap();
}

// ---- crash between temp write and rename -----------------------------------------------------

fn store_text(v: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).unwrap())
}

#[test]
fn stray_temp_files_and_partial_writes_leave_the_store_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("auth-profiles.json");
    let old = json!({"version": 1, "profiles": {"anthropic:a": {"type": "api_key", "provider": "anthropic", "key": "sk-ant-api03-old"}}});
    std::fs::write(&path, store_text(&old)).unwrap();
    // What a writer killed after writing (part of) its temp file and before the rename leaves.
    for (name, content) in [
        (
            ".auth-profiles.json.4242.deadbeef.tmp",
            "{\"version\": 1, \"profi",
        ),
        (".auth-profiles.json.4243.00000000.tmp", ""),
    ] {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    // A lock directory left by the killed writer, old enough to be stale.
    let lock = dir.path().join("auth-profiles.json.lock");
    std::fs::create_dir(&lock).unwrap();
    std::fs::File::open(&lock)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(120))
        .unwrap();

    let fs = FileStore::new(&path);
    let loaded = fs.load().unwrap().unwrap();
    assert_eq!(loaded.profiles.len(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(&std::fs::read_to_string(&path).unwrap()).unwrap(),
        old
    );
    // The next writer takes the stale lock over and writes a complete new file.
    fs.update(&mut |s| {
        s.extra.insert("next".into(), Value::from(1));
        Ok(())
    })
    .unwrap();
    let now: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(now["next"], 1);
    assert_eq!(now["profiles"], old["profiles"]);
    assert!(!lock.exists());
}

/// The big-store writer process: rewrites a ~4 MB store in a loop until killed.
#[test]
fn big_store_writer_child() {
    let Ok(path) = std::env::var("CLAW_REL_BIG_WRITER") else {
        return;
    };
    let store = FileStore::new(&path).with_lock_options(writer_lock_options());
    let pad = "p".repeat(4 * 1024 * 1024);
    for n in 0u64.. {
        store
            .update(&mut |s| {
                s.extra.insert("generation".into(), Value::from(n));
                s.extra.insert("pad".into(), Value::from(pad.clone()));
                Ok(())
            })
            .unwrap();
        println!("ACK {n}");
    }
}

#[test]
fn kill_during_a_large_write_leaves_old_or_new_never_partial() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    std::fs::write(&path, store_text(&json!({"version": 1, "profiles": {}}))).unwrap();
    let mut seed = 0xbadc0de_u64;
    for round in 0..4 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                &test_name(module_path!(), "big_store_writer_child"),
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CLAW_REL_BIG_WRITER", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let target = 1 + lcg(&mut seed) % 3;
        let stdout = child.stdout.take().unwrap();
        let mut last = None;
        for line in std::io::BufReader::new(stdout).lines() {
            let n: u64 = line
                .unwrap()
                .strip_prefix("ACK ")
                .map_or(u64::MAX, |n| n.parse().unwrap());
            if n == u64::MAX {
                continue;
            }
            last = Some(n);
            if n >= target {
                break;
            }
        }
        // Mid-way through writing generation target+1 (a 4 MB fsync-ed write).
        std::thread::sleep(Duration::from_millis(lcg(&mut seed) % 40));
        child.kill().unwrap();
        child.wait().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("round {round}: store corrupt after kill: {e}"));
        let g = v["generation"].as_u64().unwrap();
        let acked = last.unwrap();
        assert!(
            g == acked || g == acked + 1,
            "round {round}: generation {g}, acked {acked}"
        );
        // Leave the stale lock (if any) for the next round's takeover; clear temp files.
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "tmp") {
                std::fs::remove_file(p).unwrap();
            }
        }
    }
}

#[test]
fn an_error_inside_an_update_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let original = store_text(&json!({"version": 1, "profiles": {}, "keep": [1, 2]}));
    std::fs::write(&path, &original).unwrap();
    let fs = FileStore::new(&path);
    let e = fs
        .update(&mut |s| {
            s.extra.insert("half".into(), Value::from(1));
            Err(Error::InvalidArgument("abort".into()))
        })
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}
