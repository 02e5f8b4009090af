//! Several OS processes updating one store at once lose nothing (docs/compatibility.md, "Locking").
//!
//! The test re-invokes its own binary: with `CLAW_AUTH_HAMMER` set, `hammer_worker` performs the
//! updates of one worker process.

use claw_anthropic::auth::LockOptions;
use claw_anthropic::auth::store::{FileStore, StoreBackend};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::test_name;

const WORKERS: usize = 8;
const UPDATES: u64 = 200;

/// One worker: `UPDATES` locked updates, each bumping its own counter and a shared one.
#[test]
fn hammer_worker() {
    let Ok(path) = std::env::var("CLAW_AUTH_HAMMER") else {
        return;
    };
    let id: usize = std::env::var("CLAW_AUTH_HAMMER_ID")
        .unwrap()
        .parse()
        .unwrap();
    // The lock protocol is the default one (mkdir, stale 30 s, mtime refresh); only the patience
    // is raised: 1 600 back-to-back fsync-ed updates keep the lock busy for tens of seconds, far
    // beyond the default schedule's ~45 s budget that is sized for occasional bookkeeping
    // writes. A shorter max back-off keeps the idle gaps between holders small.
    let store = FileStore::new(&path).with_lock_options(LockOptions {
        retries: 200,
        max_timeout: Duration::from_millis(500),
        ..LockOptions::default()
    });
    for _ in 0..UPDATES {
        store
            .update(&mut |s| {
                let own = s.usage_stats.entry(format!("worker:{id}")).or_default();
                own.error_count = Some(own.error_count.unwrap_or(0) + 1);
                let shared = s.extra.entry("hammerTotal").or_insert(Value::from(0u64));
                *shared = Value::from(shared.as_u64().unwrap_or(0) + 1);
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn eight_processes_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agents/main/agent/auth-profiles.json");
    // Start from a Clawdbot-written store so unknown fields must survive the storm too.
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        include_str!("../../fixtures/auth/clawdbot-store.json"),
    )
    .unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WORKERS)
        .map(|i| {
            Command::new(&exe)
                .args([
                    "--exact",
                    &test_name(module_path!(), "hammer_worker"),
                    "--test-threads=1",
                    "--quiet",
                ])
                .env("CLAW_AUTH_HAMMER", &path)
                .env("CLAW_AUTH_HAMMER_ID", i.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "worker {i} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    check(&path);
}

fn check(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let raw: Value = serde_json::from_str(&text).expect("the store still parses");
    let store = FileStore::new(path).load().unwrap().unwrap();
    for i in 0..WORKERS {
        assert_eq!(
            store.usage_stats[&format!("worker:{i}")].error_count,
            Some(UPDATES),
            "worker {i}"
        );
    }
    assert_eq!(raw["hammerTotal"], WORKERS as u64 * UPDATES);
    assert_eq!(raw["syncedFromCli"]["claude-cli"], 1_767_000_000_000u64);
    assert_eq!(raw["profiles"]["amazon-bedrock:default"]["profile"], "work");
    assert!(!path.with_file_name("auth-profiles.json.lock").exists());
    let leftovers: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "auth-profiles.json")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
