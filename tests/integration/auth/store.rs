//! The store file: lossless round trip, corrupt files left alone, permissions, atomic writes,
//! legacy `auth.json`, and the `proper-lockfile`-compatible lock.

use crate::support::*;
use claw_anthropic::auth::LockOptions;
use claw_anthropic::auth::store::{AuthStore, FileStore, StoreBackend};
use claw_anthropic::clock::FixedJitter;
use claw_anthropic::{Error, FailureReason};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const FIXTURE: &str = include_str!("../../fixtures/auth/clawdbot-store.json");

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn clawdbot_store_round_trips_with_unknown_fields() {
    let home = Home::new();
    let path = home.store_path("main");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, FIXTURE).unwrap();
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);

    let store = auth.load_store().unwrap();
    // File order kept; unknown type / missing provider skipped.
    assert_eq!(
        store.profiles.keys().collect::<Vec<_>>(),
        [
            "anthropic:claude-cli",
            "anthropic:manual",
            "anthropic:default",
            "google-gemini-cli:me@example.com"
        ]
    );
    assert_eq!(
        store.unrecognized_profiles.keys().collect::<Vec<_>>(),
        ["amazon-bedrock:default", "orphan:x"]
    );

    auth.mark_used("anthropic", "anthropic:claude-cli").unwrap();
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut expected: Value = serde_json::from_str(FIXTURE).unwrap();
    expected["usageStats"]["anthropic:claude-cli"] = json!({"lastUsed": NOW, "errorCount": 0});
    expected["lastGood"]["anthropic"] = json!("anthropic:claude-cli");
    assert_eq!(after, expected);
    // Profile key order is the file's.
    let ids: Vec<&String> = after["profiles"].as_object().unwrap().keys().collect();
    assert_eq!(
        ids[..4],
        [
            "anthropic:claude-cli",
            "anthropic:manual",
            "anthropic:default",
            "google-gemini-cli:me@example.com"
        ]
    );

    // Format: 2-space pretty JSON with a trailing newline, 0600.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
    assert!(text.starts_with("{\n  \"version\": 1,\n  \"profiles\": {\n    \""));
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn parsing_is_lenient_but_lossless() {
    let text = r#"{"version": 1, "profiles": {"anthropic:t": {"type": "token", "provider": "anthropic",
        "token": "t", "expires": "soon", "email": 7}},
        "usageStats": {"anthropic:t": {"lastUsed": 12.0, "errorCount": -1, "failureCounts": {"auth": "x"}}}}"#;
    let s = AuthStore::parse(text, Path::new("s.json")).unwrap();
    assert_eq!(s.profiles["anthropic:t"].credential.expires(), None);
    assert_eq!(s.usage_stats["anthropic:t"].last_used, Some(12));
    assert_eq!(s.usage_stats["anthropic:t"].error_count, None);
    let back = s.to_value();
    assert_eq!(back["profiles"]["anthropic:t"]["expires"], "soon");
    assert_eq!(back["profiles"]["anthropic:t"]["email"], 7);
    assert_eq!(back["usageStats"]["anthropic:t"]["errorCount"], -1);
    assert_eq!(
        back["usageStats"]["anthropic:t"]["failureCounts"],
        json!({"auth": "x"})
    );
}

#[test]
fn corrupt_store_is_never_overwritten() {
    let home = Home::new();
    let path = home.store_path("main");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let garbage = b"{ \"version\": 1, \"profiles\": { oops this is not json\n";
    std::fs::write(&path, garbage).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let config = home.config("{}", &[("ANTHROPIC_API_KEY", &key('E'))]);
    let (auth, _clock) = home.auth(config, "main", NOW);

    let e = auth.load_store().unwrap_err();
    assert!(matches!(e, Error::StoreCorrupt { .. }), "{e}");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    assert!(auth.mark_used("anthropic", "anthropic:default").is_err());
    assert!(
        auth.mark_failure("anthropic:default", FailureReason::Auth)
            .is_err()
    );
    assert!(
        claw_anthropic::auth::setup_token::upsert_api_key_profile(&auth, &key('N'), None).is_err()
    );
    // Resolution does not silently fall back to the environment over a broken store.
    assert!(matches!(
        auth.resolve("anthropic", None, None).unwrap_err(),
        Error::StoreCorrupt { .. }
    ));
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
    assert_eq!(mode(&path), 0o640);
    // No stray temp files or lock left behind.
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["auth-profiles.json"]);

    for bad in ["[]", "\"str\"", "", "{\"profiles\": 5}"] {
        std::fs::write(&path, bad).unwrap();
        assert!(
            matches!(auth.load_store().unwrap_err(), Error::StoreCorrupt { .. }),
            "{bad:?}"
        );
        assert!(auth.mark_used("anthropic", "x").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), bad);
    }
}

#[test]
fn loading_never_writes() {
    let home = Home::new();
    let path = home.write_store(
        "main",
        &json!({"version": 1, "profiles": {"anthropic:k": {"type": "api_key", "provider": "anthropic", "key": key('K')}}}),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    auth.load_store().unwrap();
    auth.resolve("anthropic", None, None).unwrap();
    auth.profile_order("anthropic", None).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(mode(&path), 0o644);
}

#[test]
fn legacy_auth_json_is_read_and_migrated_on_first_write() {
    let home = Home::new();
    let dir = home.store_path("main").parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("auth.json"),
        serde_json::to_string(&json!({"anthropic": {"type": "api_key", "key": key('L')}})).unwrap(),
    )
    .unwrap();
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    let r = auth.resolve("anthropic", None, None).unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:default"));
    assert!(!home.store_path("main").exists());
    auth.mark_used("anthropic", "anthropic:default").unwrap();
    let v = home.read_store("main");
    assert_eq!(v["profiles"]["anthropic:default"]["provider"], "anthropic");
    assert_eq!(v["usageStats"]["anthropic:default"]["errorCount"], 0);
}

#[test]
fn symlinked_store_is_written_through() {
    let home = Home::new();
    let real = home.path().join("real-store.json");
    std::fs::write(
        &real,
        serde_json::to_string(&json!({"version": 1, "profiles": {"anthropic:k": {"type": "api_key", "provider": "anthropic", "key": key('K')}}})).unwrap(),
    )
    .unwrap();
    let link = home.store_path("main");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    auth.mark_used("anthropic", "anthropic:k").unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    assert_eq!(v["usageStats"]["anthropic:k"]["lastUsed"], NOW);
}

/// Runs in a child process started with `umask 000` (see `files_are_private_even_with_umask_000`).
#[test]
fn umask_child() {
    let Ok(root) = std::env::var("CLAW_AUTH_UMASK_CHILD") else {
        return;
    };
    let root = Path::new(&root);
    std::fs::write(root.join("probe"), b"x").unwrap();
    let store = FileStore::new(root.join("state/agents/main/agent/auth-profiles.json"));
    store
        .update(&mut |s| {
            s.usage_stats.entry("p".into()).or_default().last_used = Some(1);
            Ok(())
        })
        .unwrap();
    claw_anthropic::auth::record_profile_in_config(
        &root.join("cfg/sub/clawdbot.json"),
        "anthropic:default",
        "anthropic",
        claw_anthropic::config::AuthMode::ApiKey,
    )
    .unwrap();
}

#[test]
fn files_are_private_even_with_umask_000() {
    let dir = tempfile::tempdir().unwrap();
    let root_mode = mode(dir.path());
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args([
            "--exact",
            &test_name(module_path!(), "umask_child"),
            "--test-threads=1",
            "--quiet",
        ])
        .env("CLAW_AUTH_UMASK_CHILD", dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let root = dir.path();
    assert_eq!(
        mode(&root.join("probe")),
        0o666,
        "the child really ran with umask 000"
    );
    assert_eq!(
        mode(&root.join("state/agents/main/agent/auth-profiles.json")),
        0o600
    );
    for d in [
        "state",
        "state/agents",
        "state/agents/main",
        "state/agents/main/agent",
        "cfg",
        "cfg/sub",
    ] {
        assert_eq!(mode(&root.join(d)), 0o700, "{d}");
    }
    assert_eq!(mode(&root.join("cfg/sub/clawdbot.json")), 0o600);
    // The pre-existing temp dir itself was not touched.
    assert_eq!(mode(root), root_mode);
}

fn fast_store(path: &Path) -> FileStore {
    FileStore::new(path).with_jitter(Arc::new(FixedJitter(0.0)))
}

#[test]
fn stale_lock_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let store = fast_store(&path).with_lock_options(LockOptions {
        retries: 0,
        ..LockOptions::default()
    });
    let lock = store.lock_path();
    assert_eq!(lock, dir.path().join("auth-profiles.json.lock"));
    std::fs::create_dir(&lock).unwrap();
    std::fs::File::open(&lock)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    // Even with zero retries the stale lock does not block.
    store
        .update(&mut |s| {
            s.last_good.insert("anthropic".into(), "x".into());
            Ok(())
        })
        .unwrap();
    assert!(!lock.exists(), "lock released after the update");
    assert_eq!(store.load().unwrap().unwrap().last_good["anthropic"], "x");
}

#[test]
fn fresh_lock_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let store = fast_store(&path);
    let lock = store.lock_path();
    std::fs::create_dir(&lock).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let holder = {
        let lock = lock.clone();
        std::thread::spawn(move || {
            // Release a little later, while the waiter is retrying.
            rx.recv().unwrap();
            std::thread::sleep(Duration::from_millis(250));
            std::fs::remove_dir(&lock).unwrap();
        })
    };
    let mut ran = false;
    tx.send(()).unwrap();
    store
        .update(&mut |s| {
            ran = true;
            s.last_good.insert("anthropic".into(), "y".into());
            Ok(())
        })
        .unwrap();
    holder.join().unwrap();
    assert!(ran);
    assert!(!lock.exists());
    assert_eq!(store.load().unwrap().unwrap().last_good["anthropic"], "y");
}

#[test]
fn held_lock_gives_a_clear_error_after_retries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let store = fast_store(&path).with_lock_options(LockOptions {
        retries: 2,
        min_timeout: Duration::from_millis(5),
        ..LockOptions::default()
    });
    std::fs::create_dir(store.lock_path()).unwrap();
    let e = store.update(&mut |_| Ok(())).unwrap_err();
    assert!(matches!(e, Error::Lock { .. }), "{e}");
    assert!(e.to_string().contains("auth-profiles.json.lock"), "{e}");
    assert!(
        store.lock_path().exists(),
        "someone else's lock is never removed"
    );
    assert!(!path.exists());
}

#[test]
fn failed_updater_writes_nothing_and_releases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let store = fast_store(&path);
    let e = store
        .update(&mut |s| {
            s.last_good.insert("a".into(), "b".into());
            Err(Error::InvalidArgument("nope".into()))
        })
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)));
    assert!(!path.exists());
    assert!(!store.lock_path().exists());
    // An update that changes nothing does not create the file either.
    store.update(&mut |_| Ok(())).unwrap();
    assert!(!path.exists());
}

#[test]
fn threads_of_one_process_do_not_lose_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = FileStore::new(&path);
            std::thread::spawn(move || {
                for _ in 0..50 {
                    store
                        .update(&mut |s| {
                            let e = s.usage_stats.entry(format!("t{t}")).or_default();
                            e.error_count = Some(e.error_count.unwrap_or(0) + 1);
                            Ok(())
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let s = FileStore::new(&path).load().unwrap().unwrap();
    for t in 0..4 {
        assert_eq!(s.usage_stats[&format!("t{t}")].error_count, Some(50));
    }
}

/// A key twice in one object (two `profiles` objects, or one profile id twice) would lose the
/// first on a rewrite: the store is refused, named with the key and its line, and left as it is.
#[test]
fn duplicate_keys_are_refused_never_rewritten() {
    let home = Home::new();
    let path = home.store_path("main");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let (a, b) = (key('A'), key('B'));
    let cases = [
        (
            format!(
                "{{\"version\": 1,\n\"profiles\": {{\"anthropic:a\": {{\"type\": \"api_key\", \"provider\": \"anthropic\", \"key\": \"{a}\"}}}},\n\"profiles\": {{\"anthropic:b\": {{\"type\": \"api_key\", \"provider\": \"anthropic\", \"key\": \"{b}\"}}}}}}\n"
            ),
            "\"profiles\"",
            3,
        ),
        (
            format!(
                "{{\"version\": 1, \"profiles\": {{\n\"anthropic:a\": {{\"type\": \"api_key\", \"provider\": \"anthropic\", \"key\": \"{a}\"}},\n\"anthropic:a\": {{\"type\": \"api_key\", \"provider\": \"anthropic\", \"key\": \"{b}\"}}}}}}\n"
            ),
            "\"anthropic:a\"",
            3,
        ),
    ];
    let config = home.config("{}", &[]);
    let (auth, _clock) = home.auth(config, "main", NOW);
    for (text, dup, line) in cases {
        std::fs::write(&path, &text).unwrap();
        let e = auth.load_store().unwrap_err();
        assert!(matches!(e, Error::StoreCorrupt { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains(&format!("duplicate key {dup}")), "{msg}");
        assert!(msg.contains(&format!("line {line}")), "{msg}");
        assert!(!msg.contains(&secret_core(&a)) && !msg.contains(&secret_core(&b)));
        assert!(auth.mark_used("anthropic", "anthropic:b").is_err());
        assert!(
            claw_anthropic::auth::setup_token::upsert_api_key_profile(&auth, &key('N'), None)
                .is_err()
        );
        assert!(auth.resolve("anthropic", None, None).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}

/// Captures what `tracing` logs on this thread while `f` runs.
fn logs_of<T>(f: impl FnOnce() -> T) -> (String, T) {
    #[derive(Clone, Default)]
    struct Buf(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    (text, out)
}

/// A lock its holder stopped refreshing (the holder was killed) is reported at once, and taken
/// over as soon as it turns stale, even when the retries would have run out before that.
#[test]
fn abandoned_lock_is_reported_at_once_and_taken_over_when_stale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let store = fast_store(&path).with_lock_options(LockOptions {
        retries: 0,
        stale: Duration::from_secs(2),
        update: Duration::from_millis(500),
        ..LockOptions::default()
    });
    let lock = store.lock_path();
    std::fs::create_dir(&lock).unwrap();
    std::fs::File::open(&lock)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_millis(1600))
        .unwrap();
    let (logs, result) = logs_of(|| {
        store.update(&mut |s| {
            s.last_good.insert("anthropic".into(), "z".into());
            Ok(())
        })
    });
    result.unwrap();
    assert!(logs.contains("waiting for the store lock"), "{logs}");
    assert!(logs.contains("has probably exited"), "{logs}");
    // The takeover itself shows in the outcome (the write went through, the lock is gone); its
    // log line is not asserted: tracing caches a callsite's interest process-wide, and another
    // test thread may register that callsite first without a subscriber.
    assert!(!lock.exists());
    assert_eq!(store.load().unwrap().unwrap().last_good["anthropic"], "z");
}

/// Temporary files that killed writers left next to the store (they hold secrets) are removed
/// by the next write: those of processes that are gone, and old ones; a live process's fresh
/// file is left alone.
#[test]
fn stale_temp_files_are_removed_by_the_next_write() {
    let home = Home::new();
    let path = home.write_store(
        "main",
        &json!({"version": 1, "profiles": {
            "anthropic:x": {"type": "api_key", "provider": "anthropic", "key": key('X')},
        }}),
    );
    let dir = path.parent().unwrap();
    let make = |name: &str, age: Duration| {
        let p = dir.join(name);
        std::fs::write(&p, format!("{{\"key\": \"{}\"}}", key('S'))).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(SystemTime::now() - age)
            .unwrap();
        p
    };
    // pid_max on Linux is at most 2^22: this process cannot exist.
    let dead = make(".auth-profiles.json.999999999.0badc0de.tmp", Duration::ZERO);
    let old_live = make(
        ".auth-profiles.json.1.00000001.tmp",
        Duration::from_secs(3600),
    );
    let fresh_live = make(".auth-profiles.json.1.00000002.tmp", Duration::ZERO);
    let own = make(
        &format!(".auth-profiles.json.{}.00000003.tmp", std::process::id()),
        Duration::ZERO,
    );
    let other_file = make(".clawdbot.json.999999999.0badc0de.tmp", Duration::ZERO);
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    auth.mark_used("anthropic", "anthropic:x").unwrap();
    assert_eq!(
        home.read_store("main")["usageStats"]["anthropic:x"]["lastUsed"],
        NOW
    );
    assert!(!dead.exists(), "a dead writer's file is removed");
    assert!(!old_live.exists(), "an old file is removed");
    assert!(fresh_live.exists(), "a live writer's fresh file is kept");
    assert!(own.exists(), "this process's fresh file is kept");
    assert!(
        other_file.exists(),
        "another file's temporaries are not touched"
    );
}
