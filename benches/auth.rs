//! Auth hot paths with a 50-profile store (20 API keys, 20 setup tokens, 10 OAuth; 15 in
//! cooldown, 5 billing-disabled, `lastGood` set):
//!
//! * `auth/order/*` — profile order (docs/compatibility.md) on an already-parsed [`AuthStore`]
//!   (`resolve_profile_order`, what a client with the store cached in memory pays);
//! * `auth/store/parse` — parsing the 50-profile file text (what a re-read costs on top);
//! * `auth/resolve/*` — `AgentAuth::resolve` (the resolution chain) for a plain `AgentAuth`
//!   (re-reads and re-parses the file on every call) and for a `Client`'s (`client.auth()`, whose store
//!   backend caches the parsed file while its identity is unchanged): with the file unchanged,
//!   and right after the file was rewritten (a new inode with new content: the cache must
//!   re-read it);
//! * `auth/mark/*` — `mark_used` and the `mark_used` + `mark_failure` round trip through the
//!   locked store (lock directory, re-read, atomic write).
//!
//! Run: `cargo bench --bench auth`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::order::resolve_profile_order;
use claw_anthropic::auth::store::AuthStore;
use claw_anthropic::{AgentId, Client, Config, EnvView, FailureReason, Paths};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const PROFILES: usize = 50;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The store text: `anthropic:p00` … `anthropic:p49`. `last_good` varies the content so a
/// rewrite really changes the file.
fn store_text(now: u64, last_good: usize) -> String {
    let mut profiles = serde_json::Map::new();
    let mut stats = serde_json::Map::new();
    for i in 0..PROFILES {
        let id = format!("anthropic:p{i:02}");
        let profile = match i % 5 {
            0 | 1 => serde_json::json!({
                "type": "api_key", "provider": "anthropic",
                "key": format!("sk-ant-api03-{i:02}{}", "A".repeat(80)),
            }),
            2 | 3 => serde_json::json!({
                "type": "token", "provider": "anthropic",
                "token": format!("sk-ant-oat01-{i:02}{}", "T".repeat(90)),
                "expires": now + 30 * 86_400_000,
            }),
            _ => serde_json::json!({
                "type": "oauth", "provider": "anthropic",
                "access": format!("sk-ant-oat01-{i:02}{}", "O".repeat(90)),
                "refresh": format!("sk-ant-ort01-{i:02}{}", "R".repeat(90)),
                "expires": now + 86_400_000,
                "email": format!("user{i}@example.com"),
            }),
        };
        profiles.insert(id.clone(), profile);
        let s = if i < 15 {
            // In cooldown (rate limited).
            serde_json::json!({"lastUsed": now - 60_000 - i as u64, "errorCount": 2,
                "lastFailureAt": now - 1_000, "cooldownUntil": now + 300_000 + i as u64 * 1000,
                "failureCounts": {"rate_limit": 2}})
        } else if i < 20 {
            // Billing-disabled.
            serde_json::json!({"lastUsed": now - 120_000, "errorCount": 1,
                "lastFailureAt": now - 2_000, "disabledUntil": now + 18_000_000,
                "disabledReason": "billing", "failureCounts": {"billing": 1}})
        } else {
            serde_json::json!({"lastUsed": now - 10_000 * i as u64, "errorCount": 0})
        };
        stats.insert(id, s);
    }
    let doc = serde_json::json!({
        "version": 1,
        "profiles": profiles,
        "lastGood": {"anthropic": format!("anthropic:p{:02}", 20 + last_good % 30)},
        "usageStats": stats,
    });
    serde_json::to_string_pretty(&doc).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    config: Arc<Config>,
    store_path: std::path::PathBuf,
    auth: AgentAuth,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_state_dir(dir.path().join(".clawdbot"));
    let config = Arc::new(Config::from_json5_with("{}", paths, EnvView::empty()).unwrap());
    let auth = AgentAuth::new(config.clone(), AgentId::main());
    let store_path = auth.store_path().to_path_buf();
    std::fs::create_dir_all(store_path.parent().unwrap()).unwrap();
    write_store(&store_path, &store_text(now_ms(), 0));
    Fixture {
        _dir: dir,
        config,
        store_path,
        auth,
    }
}

fn write_store(path: &Path, text: &str) {
    // Write to a temporary file and rename, as the real writers do.
    let tmp = path.with_extension("bench-tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn bench_order(c: &mut Criterion) {
    let f = fixture();
    let text = std::fs::read_to_string(&f.store_path).unwrap();
    let store = AuthStore::parse(&text, &f.store_path).unwrap();
    assert_eq!(store.profiles.len(), PROFILES);
    let now = now_ms();
    let order = resolve_profile_order(&f.config, &store, "anthropic", None, now);
    assert_eq!(order.len(), PROFILES);

    let mut g = c.benchmark_group("auth");
    g.bench_function("order/cached_store", |b| {
        b.iter(|| {
            black_box(resolve_profile_order(
                &f.config,
                black_box(&store),
                "anthropic",
                None,
                now,
            ))
        })
    });
    g.bench_function("order/cached_store_preferred", |b| {
        b.iter(|| {
            black_box(resolve_profile_order(
                &f.config,
                black_box(&store),
                "anthropic",
                Some("anthropic:p33"),
                now,
            ))
        })
    });
    g.bench_function("store/parse", |b| {
        b.iter(|| black_box(AuthStore::parse(black_box(&text), &f.store_path).unwrap()))
    });
    g.finish();
}

fn bench_resolve(c: &mut Criterion) {
    let f = fixture();
    // `client_cached` looks at the file on every call (as before the check interval existed),
    // so `file_changed` measures a re-read; `client_default` trusts a checked copy for
    // DEFAULT_STORE_CHECK_INTERVAL (no file-system call at all).
    let client = Client::builder(f.config.clone())
        .store_check_interval(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let client_default = Client::new(f.config.clone(), None).unwrap();
    for auth in [&f.auth, client.auth(), client_default.auth()] {
        let first = auth.resolve("anthropic", None, None).unwrap();
        assert!(first.profile_id.is_some());
    }
    let now = now_ms();
    let texts: Vec<String> = (0..4).map(|k| store_text(now, k + 1)).collect();

    let mut g = c.benchmark_group("auth");
    for (name, auth) in [("agent_auth", &f.auth), ("client_cached", client.auth())] {
        g.bench_function(format!("resolve/{name}/file_unchanged"), |b| {
            b.iter(|| black_box(auth.resolve("anthropic", None, None).unwrap()))
        });
        // Every iteration follows a rewrite (not timed).
        let mut k = 0usize;
        g.bench_function(format!("resolve/{name}/file_changed"), |b| {
            b.iter_batched(
                || {
                    k += 1;
                    write_store(&f.store_path, &texts[k % texts.len()]);
                },
                |()| black_box(auth.resolve("anthropic", None, None).unwrap()),
                BatchSize::PerIteration,
            )
        });
        // Let the last rewrite age past the cache's racy window before the next round.
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    let auth = client_default.auth();
    g.bench_function("resolve/client_default/file_unchanged", |b| {
        b.iter(|| black_box(auth.resolve("anthropic", None, None).unwrap()))
    });
    g.finish();
}

fn bench_mark(c: &mut Criterion) {
    let f = fixture();
    // One round trip first: the store stays readable and gets the bookkeeping.
    f.auth.mark_used("anthropic", "anthropic:p30").unwrap();
    f.auth
        .mark_failure("anthropic:p30", FailureReason::RateLimit)
        .unwrap();
    let store = f.auth.load_store().unwrap();
    assert_eq!(store.profiles.len(), PROFILES);
    assert!(
        store
            .stats("anthropic:p30")
            .unwrap()
            .cooldown_until
            .is_some()
    );

    let mut g = c.benchmark_group("auth");
    g.sample_size(30);
    g.bench_function("mark/used", |b| {
        b.iter(|| f.auth.mark_used("anthropic", "anthropic:p25").unwrap())
    });
    g.bench_function("mark/used_then_failure", |b| {
        b.iter(|| {
            f.auth.mark_used("anthropic", "anthropic:p30").unwrap();
            f.auth
                .mark_failure("anthropic:p30", FailureReason::RateLimit)
                .unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench_order, bench_resolve, bench_mark);
criterion_main!(benches);
