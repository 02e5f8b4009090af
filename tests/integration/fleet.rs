//! Fleet mode against a real `redis-server`: hosts (separate `$HOME`s holding the same profile
//! ids) share cooldowns and counts; credentials never reach Redis; a stopped Redis fails no
//! request.

use crate::support::*;
use claw_anthropic::auth::shared::SharedStateOptions;
use claw_anthropic::client::{RetryPolicy, Timeouts};
use claw_anthropic::clock::{FixedJitter, SharedClock};
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::{AgentId, Client, EnvView};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

const A: &str = "anthropic:a";
const B: &str = "anthropic:b";

/// One host: its own `$HOME` with profiles `a` and `b` (the same keys on every host).
fn host(server: &MockServer) -> World {
    World::new(&server.url(), &[(A, &key('a')), (B, &key('b'))])
}

/// A client of `world` in fleet mode against `redis`, named `host_id`.
fn fleet_client(world: &World, url: &str, host_id: &str, interval: Duration) -> Client {
    let mut retry = RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    };
    retry.jitter = Arc::new(FixedJitter(0.0));
    let clock: SharedClock = world.clock.clone();
    let mut options = SharedStateOptions::new(url, &EnvView::empty());
    options.host_id = host_id.to_owned();
    options.prefix = "fleet-test".to_owned();
    // The machine may be busy: a slow answer must not count as an outage here.
    options.timeout = Duration::from_secs(5);
    Client::builder(world.config.clone())
        .agent(AgentId::main())
        .retry_policy(retry)
        .timeouts(Timeouts::default())
        .clock(clock)
        .store_check_interval(interval)
        .shared_state_options(Some(options))
        .http_client(reqwest::Client::builder().no_proxy().build().unwrap())
        .build()
        .unwrap()
}

fn record(redis: &RedisServer, profile: &str) -> Value {
    let raw = redis
        .get(&format!("fleet-test:usage:anthropic:{profile}"))
        .unwrap_or_else(|| panic!("no shared record of {profile}: {}", redis.dump()));
    serde_json::from_str(&raw).unwrap()
}

/// Waits (bounded) until `cond` holds; what it waits for is asserted by the caller.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_cooldown_recorded_on_one_host_is_seen_by_another() {
    let redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    server.on_credential(
        key('a'),
        MockReply::error(429, "rate_limit_error", "slow down"),
    );
    let (one, two) = (host(&server), host(&server));
    let rt = rt();
    rt.block_on(async {
        let c1 = fleet_client(&one, &redis.url(), "host-1", Duration::from_millis(100));
        // Host 1: `a` answers 429, the request fails over to `b`.
        let r = c1.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(B));
        c1.flush().await.unwrap();
        let shared = record(&redis, A);
        assert_eq!(shared["errorCount"], 1, "{shared}");
        assert_eq!(shared["failureCounts"]["rate_limit"], 1, "{shared}");
        assert_eq!(shared["cooldownUntil"], NOW + MIN, "{shared}");
        assert_eq!(shared["host"], "host-1", "{shared}");

        // Host 2 has never seen `a` fail: it goes to `b` straight away.
        let before = credentials_seen(&server).len();
        let c2 = fleet_client(&two, &redis.url(), "host-2", Duration::from_millis(100));
        let r = c2.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(B));
        assert_eq!(credentials_seen(&server)[before..], [key('b')]);
        c2.flush().await.unwrap();
    });
    // Host 2's file gets the fleet's cooldown too (for other programs reading it).
    assert!(
        eventually(|| two.home.read_store("main")["usageStats"][A]["cooldownUntil"] == NOW + MIN),
        "{}",
        two.home.read_store("main")
    );
    // Credentials never reach Redis; every key expires.
    let dump = redis.dump();
    for k in [key('a'), key('b')] {
        assert!(!dump.contains(&k), "{dump}");
        assert!(!dump.contains(&secret_core(&k)), "{dump}");
    }
    for k in redis.keys() {
        assert!(redis.pttl(&k) > 0, "{k} has no TTL: {dump}");
    }
}

#[test]
fn failures_on_several_hosts_count_once_each() {
    let redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    let (one, two) = (host(&server), host(&server));
    let rt = rt();
    rt.block_on(async {
        // Both hosts read the fleet's view (all healthy) and keep it for an hour.
        let hour = Duration::from_secs(3600);
        let c1 = fleet_client(&one, &redis.url(), "host-1", hour);
        let c2 = fleet_client(&two, &redis.url(), "host-2", hour);
        for c in [&c1, &c2] {
            assert_eq!(
                c.send(hello()).await.unwrap().profile_id.as_deref(),
                Some(A)
            );
            c.flush().await.unwrap();
        }
        one.clock.advance(Duration::from_secs(1));
        two.clock.advance(Duration::from_secs(1));
        // Now `a` rate-limits; each host still believes it healthy and finds out itself.
        server.on_credential(
            key('a'),
            MockReply::error(429, "rate_limit_error", "slow down"),
        );
        for c in [&c1, &c2] {
            assert_eq!(
                c.send(hello()).await.unwrap().profile_id.as_deref(),
                Some(B)
            );
        }
        let shared = record(&redis, A);
        assert_eq!(shared["errorCount"], 2, "{shared}");
        assert_eq!(shared["failureCounts"]["rate_limit"], 2, "{shared}");
        // The second failure in the window: 5 minutes.
        assert_eq!(shared["cooldownUntil"], NOW + 1000 + 5 * MIN, "{shared}");
        assert_eq!(shared["host"], "host-2", "{shared}");

        // A new client on host 1 sees the fleet's count, not just its own.
        let c3 = fleet_client(&one, &redis.url(), "host-1", Duration::from_millis(100));
        assert_eq!(
            c3.send(hello()).await.unwrap().profile_id.as_deref(),
            Some(B)
        );
        for c in [&c1, &c2, &c3] {
            c.flush().await.unwrap();
        }
    });
    assert!(
        eventually(|| one.home.read_store("main")["usageStats"][A]["errorCount"] == 2),
        "{}",
        one.home.read_store("main")
    );
}

/// `NOW` + 2 minutes in RFC 3339 (`NOW` is 2023-11-14T22:13:20Z).
const RESET_IN_2_MIN: &str = "2023-11-14T22:15:20Z";

/// A success of `a` that leaves no request in its window until the reset two minutes away.
fn last_request_of_the_window() -> MockReply {
    MockReply::default_reply()
        .header("anthropic-ratelimit-requests-remaining", "0")
        .header("anthropic-ratelimit-requests-reset", RESET_IN_2_MIN)
}

#[test]
fn a_profile_out_of_headroom_on_one_host_is_skipped_by_the_others_until_the_reset() {
    use claw_anthropic::clock::ManualClock;
    use claw_anthropic::status::{StatusOptions, StatusReport};
    let redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    server.on_credential(key('a'), last_request_of_the_window());
    let (one, two) = (host(&server), host(&server));
    rt().block_on(async {
        // Host 1: `a` answers, with no request left until the reset.
        let c1 = fleet_client(&one, &redis.url(), "host-1", Duration::from_millis(100));
        let r = c1.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(A));
        // Host 1 itself does not send to `a` again before the reset.
        let before = credentials_seen(&server).len();
        let r = c1.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(B));
        assert_eq!(credentials_seen(&server)[before..], [key('b')]);
        c1.flush().await.unwrap();
    });
    let shared: Value = serde_json::from_str(
        &redis
            .get("fleet-test:headroom:anthropic:anthropic:a")
            .unwrap_or_else(|| panic!("no headroom record: {}", redis.dump())),
    )
    .unwrap();
    assert_eq!(shared["requests"]["remaining"], 0, "{shared}");
    assert_eq!(shared["requests"]["resetAt"], NOW + 2 * MIN, "{shared}");
    assert_eq!(shared["requests"]["host"], "host-1", "{shared}");
    assert!(redis.pttl("fleet-test:headroom:anthropic:anthropic:a") > 0);

    let rt2 = rt();
    // Host 2 never saw `a` run out: it goes to `b` without sending to `a`.
    let c2 = fleet_client(&two, &redis.url(), "host-2", Duration::from_millis(100));
    rt2.block_on(async {
        let before = credentials_seen(&server).len();
        for _ in 0..3 {
            let r = c2.send(hello()).await.unwrap();
            assert_eq!(r.profile_id.as_deref(), Some(B));
        }
        assert_eq!(
            credentials_seen(&server)[before..],
            [key('b'), key('b'), key('b')]
        );
    });

    // `models status` on a third host shows it, with its reset and who saw it.
    let other = host(&server);
    let url = redis.url();
    let config = other.home.config(
        "{}",
        &[
            ("CLAW_ANTHROPIC_SHARED_STATE", url.as_str()),
            ("CLAW_ANTHROPIC_SHARED_PREFIX", "fleet-test"),
            ("CLAW_ANTHROPIC_HOST_ID", "host-3"),
        ],
    );
    let opts = StatusOptions {
        clock: Arc::new(ManualClock::new(NOW + MIN)),
        ..StatusOptions::default()
    };
    let report = StatusReport::build_with(&config, &opts).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let unusable = &json["auth"]["unusableProfiles"];
    assert_eq!(unusable.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(unusable[0]["profileId"], A);
    assert_eq!(unusable[0]["kind"], "headroom");
    assert_eq!(unusable[0]["reason"], "requests");
    assert_eq!(unusable[0]["until"], NOW + 2 * MIN);
    assert_eq!(unusable[0]["remainingMs"], MIN);
    assert_eq!(unusable[0]["host"], "host-1");
    let text = report.render_text(false);
    assert!(
        text.contains("anthropic:a out of headroom (requests), available again in 1m, at 22:15:20 UTC (seen by host-1)"),
        "{text}"
    );
    // After the reset nothing is shown.
    let opts = StatusOptions {
        clock: Arc::new(ManualClock::new(NOW + 2 * MIN)),
        ..StatusOptions::default()
    };
    let report = StatusReport::build_with(&config, &opts).unwrap();
    assert_eq!(
        serde_json::to_value(&report).unwrap()["auth"]["unusableProfiles"],
        serde_json::json!([])
    );
    rt2.block_on(async {
        // Once the reset has passed, `a` is used again (it is first in the order).
        server.reset();
        two.clock.advance(Duration::from_millis(2 * MIN));
        let r = c2.send(hello()).await.unwrap();
        assert_eq!(r.profile_id.as_deref(), Some(A));
        assert_eq!(credentials_seen(&server), [key('a')]);
        c2.flush().await.unwrap();
    });
    // The headroom is not a failure: nothing of it reaches either host's file.
    for h in [&one, &two] {
        let stats = h.stats(A);
        assert!(stats.get("cooldownUntil").is_none(), "{stats}");
        assert!(stats.get("headroomUntil").is_none(), "{stats}");
    }
}

#[test]
fn a_stopped_redis_fails_no_request() {
    let mut redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    let world = host(&server);
    let rt = rt();
    rt.block_on(async {
        let c = fleet_client(&world, &redis.url(), "host-1", Duration::ZERO);
        for _ in 0..10 {
            c.send(hello()).await.unwrap();
        }
        c.flush().await.unwrap();
        assert_eq!(record(&redis, A)["lastUsed"], NOW);
        redis.stop();
        // Down: every request still succeeds, from the file alone.
        server.on_credential(
            key('a'),
            MockReply::error(429, "rate_limit_error", "slow down"),
        );
        for _ in 0..20 {
            assert_eq!(
                c.send(hello()).await.unwrap().profile_id.as_deref(),
                Some(B)
            );
        }
        c.flush().await.unwrap();
        // Back (empty): the client reconnects in the background and shares again.
        redis.restart();
        world.clock.advance(2 * Duration::from_secs(60));
        server.reset();
        server.on_credential(
            key('a'),
            MockReply::error(429, "rate_limit_error", "slow down"),
        );
        let mut shared = false;
        for _ in 0..500 {
            c.send(hello()).await.unwrap();
            c.flush().await.unwrap();
            if redis
                .get("fleet-test:usage:anthropic:anthropic:a")
                .is_some()
            {
                shared = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(shared, "no record after the restart: {}", redis.dump());
    });
    // The file kept every failure while Redis was down.
    let stats = world.stats(A);
    assert!(stats["errorCount"].as_u64().unwrap() >= 1, "{stats}");
}

/// The warnings a test's own code logs (a subscriber for this thread only; the runtime that
/// runs the client is a current-thread one on this thread, so its tasks log here too).
#[derive(Clone, Default)]
struct Logged(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logged {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logged {
    fn lines_with(&self, needle: &str) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn an_outage_warns_once_naming_the_shared_store() {
    let mut redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    let world = host(&server);
    let logged = Logged::default();
    let writer = logged.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    let _scope = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = redis.url();
    let down = "shared store unreachable";
    rt.block_on(async {
        let c = fleet_client(&world, &url, "host-1", Duration::ZERO);
        let many = |n: usize| {
            let c = c.clone();
            async move {
                for _ in 0..n {
                    c.send(hello()).await.unwrap();
                    c.flush().await.unwrap();
                }
            }
        };
        many(5).await;
        assert_eq!(logged.lines_with(down), Vec::<String>::new());

        redis.stop();
        many(40).await;
        let warned = logged.lines_with(down);
        assert_eq!(warned.len(), 1, "{warned:#?}");
        assert!(warned[0].contains(&url), "{}", warned[0]);

        // Back (empty): a background probe finds it, and successes are shared again.
        redis.restart();
        let mut back = false;
        for _ in 0..500 {
            many(1).await;
            if redis
                .get("fleet-test:usage:anthropic:anthropic:a")
                .is_some()
            {
                back = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(back, "no record after the restart: {}", redis.dump());
        assert_eq!(logged.lines_with(down).len(), 1);
        redis.stop();
        many(40).await;
        let warned = logged.lines_with(down);
        assert_eq!(warned.len(), 2, "{warned:#?}");
        assert!(warned[1].contains(&url), "{}", warned[1]);
    });
}

/// A program that drops its last client without [`Client::flush`] still shares that client's
/// successes before the drop returns (multi-thread runtime), even if the runtime then stops at
/// once: with Redis holding writes for a while, the record is there right after the drop.
#[test]
fn dropping_the_last_client_shares_its_successes() {
    let redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    let world = host(&server);
    let rt = rt();
    rt.block_on(async {
        let c = fleet_client(&world, &redis.url(), "host-1", Duration::from_secs(3600));
        assert_eq!(
            c.send(hello()).await.unwrap().profile_id.as_deref(),
            Some(A)
        );
        redis.pause_writes(400);
        drop(c);
    });
    rt.shutdown_background();
    assert_eq!(record(&redis, A)["lastUsed"], NOW);
    assert_eq!(
        redis.get("fleet-test:lastgood:anthropic").as_deref(),
        Some(A)
    );
    assert_eq!(world.stats(A)["lastUsed"], NOW);
}

#[test]
fn models_status_shows_the_shared_store_and_fleet_cooldowns() {
    use claw_anthropic::clock::ManualClock;
    use claw_anthropic::status::{StatusOptions, StatusReport};
    let redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    server.on_credential(
        key('a'),
        MockReply::error(429, "rate_limit_error", "slow down"),
    );
    let one = host(&server);
    rt().block_on(async {
        let c = fleet_client(&one, &redis.url(), "host-1", Duration::from_millis(100));
        c.send(hello()).await.unwrap();
        c.flush().await.unwrap();
    });
    // Another host that has never sent anything: its file knows of no cooldown.
    let other = host(&server);
    let url = redis.url();
    let config = other.home.config(
        &format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\" }} }} }} }}",
            server.url()
        ),
        &[
            ("CLAW_ANTHROPIC_SHARED_STATE", url.as_str()),
            ("CLAW_ANTHROPIC_SHARED_PREFIX", "fleet-test"),
            ("CLAW_ANTHROPIC_HOST_ID", "host-2"),
        ],
    );
    let opts = StatusOptions {
        clock: Arc::new(ManualClock::new(NOW)),
        ..StatusOptions::default()
    };
    let report = StatusReport::build_with(&config, &opts).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let shared = &json["auth"]["sharedState"];
    assert_eq!(shared["store"], redis.url(), "{json}");
    assert_eq!(shared["hostId"], "host-2");
    assert_eq!(shared["reachable"], true);
    let unusable = &json["auth"]["unusableProfiles"];
    assert_eq!(unusable.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(unusable[0]["profileId"], A);
    assert_eq!(unusable[0]["until"], NOW + MIN);
    assert_eq!(unusable[0]["host"], "host-1");
    let text = report.render_text(false);
    assert!(text.contains("recorded by host-1"), "{text}");
    assert!(text.contains("Shared store"), "{text}");
    // Status is read-only: the file still knows of no cooldown.
    assert!(other.home.read_store("main")["usageStats"].is_null());

    // An unreachable store is reported (password masked), and the file alone is shown.
    let mut redis = redis;
    redis.stop();
    let config = other.home.config(
        "{}",
        &[(
            "CLAW_ANTHROPIC_SHARED_STATE",
            format!("redis://user:hunter2@127.0.0.1:{}/0", redis.port).as_str(),
        )],
    );
    let report = StatusReport::build_with(&config, &opts).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let shared = &json["auth"]["sharedState"];
    assert_eq!(
        shared["store"],
        format!("redis://user:***@127.0.0.1:{}/0", redis.port)
    );
    assert_eq!(shared["reachable"], false);
    assert!(shared["error"].as_str().is_some(), "{json}");
    assert_eq!(json["auth"]["unusableProfiles"], serde_json::json!([]));
    let text = report.render_text(false);
    assert!(text.contains("unreachable"), "{text}");
    assert!(!text.contains("hunter2") && !json.to_string().contains("hunter2"));
}

/// A host for the command-line tool: its own `$HOME` with profiles `a` then `b` (explicit
/// order), the provider pointed at `server`.
#[cfg(feature = "cli")]
fn cli_home(server: &MockServer) -> Home {
    let h = Home::new();
    h.write_config(&format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\" }} }} }} }}",
        server.url()
    ));
    h.write_store(
        "main",
        &serde_json::json!({
            "version": 1,
            "profiles": {
                A: {"type": "api_key", "provider": "anthropic", "key": key('a')},
                B: {"type": "api_key", "provider": "anthropic", "key": key('b')},
            },
            "order": {"anthropic": [A, B]},
        }),
    );
    h
}

/// `claw-anthropic send` on `home` in fleet mode against `url`, as `host`.
#[cfg(feature = "cli")]
fn cli_send(home: &Home, url: &str, host: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["send", "--message", "ping"];
    args.extend_from_slice(extra);
    home.cmd(&args)
        .env("CLAW_ANTHROPIC_SHARED_STATE", url)
        .env("CLAW_ANTHROPIC_SHARED_PREFIX", "fleet-test")
        .env("CLAW_ANTHROPIC_HOST_ID", host)
        .env("CLAW_ANTHROPIC_SHARED_TIMEOUT_MS", "5000")
        .output()
        .unwrap()
}

/// A short-lived `send` process shares its success (`lastUsed`, `lastGood`) before it exits,
/// streaming or not.
#[cfg(feature = "cli")]
#[test]
fn a_cli_send_shares_its_success_before_exiting() {
    let server = MockServer::start_background().unwrap();
    for extra in [&["--no-stream", "--json"][..], &[][..]] {
        let redis = RedisServer::start();
        let home = cli_home(&server);
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let out = cli_send(&home, &redis.url(), "host-1", extra);
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        let shared = record(&redis, A);
        assert!(
            shared["lastUsed"].as_u64().is_some_and(|t| t >= before),
            "{extra:?}: {shared}"
        );
        assert_eq!(shared["errorCount"], 0, "{extra:?}: {shared}");
        assert_eq!(
            redis.get("fleet-test:lastgood:anthropic").as_deref(),
            Some(A),
            "{extra:?}: {}",
            redis.dump()
        );
    }
}

/// N `claw-anthropic send` processes at once, each a host with its own `$HOME` and the same
/// profile ids, M requests each; `a` always answers 429. Every 429 is counted exactly once in
/// the shared record (no update lost to a concurrent one), and afterwards every host's file
/// holds the fleet's cooldown and count.
#[cfg(feature = "cli")]
#[test]
fn processes_as_hosts_share_every_cooldown_and_count() {
    const N: usize = 4;
    const M: usize = 3;
    let redis = RedisServer::start();
    let server = MockServer::start_background().unwrap();
    server.on_credential(
        key('a'),
        MockReply::error(429, "rate_limit_error", "slow down").header("x-should-retry", "false"),
    );
    let homes: Vec<Home> = (0..N).map(|_| cli_home(&server)).collect();
    let url = redis.url();
    let send = |i: usize| {
        let out = cli_send(
            &homes[i],
            &url,
            &format!("host-{i}"),
            &["--no-stream", "--json"],
        );
        assert!(out.status.success(), "host {i}: {}", text(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["profileId"], B, "host {i}: {v}");
    };
    std::thread::scope(|s| {
        for i in 0..N {
            s.spawn(move || {
                for _ in 0..M {
                    send(i);
                }
            });
        }
    });
    let seen = credentials_seen(&server);
    let hits_a = seen.iter().filter(|k| **k == key('a')).count() as u64;
    assert!(hits_a >= 1);
    assert_eq!(seen.len() as u64, (N * M) as u64 + hits_a);
    let shared = record(&redis, A);
    assert_eq!(shared["errorCount"], hits_a, "{shared}");
    assert_eq!(shared["failureCounts"]["rate_limit"], hits_a, "{shared}");
    // One more request per host, one after the other: each reads the fleet's view and copies it
    // into its file; none sends to `a` again.
    for i in 0..N {
        send(i);
    }
    assert_eq!(
        credentials_seen(&server)
            .iter()
            .filter(|k| **k == key('a'))
            .count() as u64,
        hits_a
    );
    for (i, h) in homes.iter().enumerate() {
        let stats = &h.read_store("main")["usageStats"][A];
        assert_eq!(stats["errorCount"], hits_a, "host {i}: {stats}");
        assert_eq!(
            stats["cooldownUntil"], shared["cooldownUntil"],
            "host {i}: {stats}"
        );
    }
    let dump = redis.dump();
    assert!(!dump.contains(&secret_core(&key('a'))) && !dump.contains(&secret_core(&key('b'))));
}
