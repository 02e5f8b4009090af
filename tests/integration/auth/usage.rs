//! Cooldown bookkeeping through `AgentAuth` (docs/compatibility.md, "Cooldowns"), with a manual
//! clock. The cooldown tables run with the file alone and with file + Redis (fleet mode), with
//! the same expectations.

use crate::support::*;
use claw_anthropic::FailureReason;
use claw_anthropic::auth::store::UsageStats;
use serde_json::json;
use std::time::Duration;

fn store_with(ids: &[&str]) -> serde_json::Value {
    let mut profiles = serde_json::Map::new();
    for id in ids {
        profiles.insert(
            id.to_string(),
            json!({"type": "api_key", "provider": "anthropic", "key": key('K')}),
        );
    }
    json!({"version": 1, "profiles": profiles})
}

fn stats(auth: &claw_anthropic::auth::AgentAuth, id: &str) -> UsageStats {
    auth.load_store().unwrap().usage_stats[id].clone()
}

/// Where a table's failures are recorded and read back from.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The auth store file alone, through `AgentAuth`.
    FileOnly,
    /// File + Redis: recorded by one host's client (its file and the shared store), read back
    /// by another host's client, whose `$HOME` holds the same profile ids and no usage at all:
    /// what it sees comes from the shared store.
    #[cfg(feature = "redis")]
    Fleet,
}

/// One table's world in one [`Mode`].
struct Subject {
    auth: claw_anthropic::auth::AgentAuth,
    clock: std::sync::Arc<claw_anthropic::clock::ManualClock>,
    #[cfg(feature = "redis")]
    fleet: Option<Fleet>,
    _home: Home,
}

#[cfg(feature = "redis")]
struct Fleet {
    rt: tokio::runtime::Runtime,
    writer: claw_anthropic::Client,
    reader: claw_anthropic::Client,
    _reader_home: Home,
    _redis: RedisServer,
}

/// Profiles `ids` with cooldown settings `config` (JSON5), the clock at `NOW`.
fn subject(mode: Mode, config: &str, ids: &[&str]) -> Subject {
    let home = Home::new();
    home.write_store("main", &store_with(ids));
    let config = home.config(config, &[]);
    let (auth, clock) = home.auth(config.clone(), "main", NOW);
    let s = Subject {
        auth,
        clock,
        #[cfg(feature = "redis")]
        fleet: None,
        _home: home,
    };
    match mode {
        Mode::FileOnly => s,
        #[cfg(feature = "redis")]
        Mode::Fleet => {
            use claw_anthropic::auth::shared::SharedStateOptions;
            use claw_anthropic::client::RetryPolicy;
            use claw_anthropic::{AgentId, Client, EnvView};
            let redis = RedisServer::start();
            let reader_home = Home::new();
            reader_home.write_store("main", &store_with(ids));
            let client = |config: std::sync::Arc<claw_anthropic::Config>, host: &str| {
                let mut options = SharedStateOptions::new(redis.url(), &EnvView::empty());
                options.host_id = host.to_owned();
                // The machine may be busy: a slow answer must not count as an outage here.
                options.timeout = Duration::from_secs(5);
                let clock: claw_anthropic::clock::SharedClock = s.clock.clone();
                Client::builder(config)
                    .agent(AgentId::main())
                    .retry_policy(RetryPolicy::none())
                    .clock(clock)
                    .store_check_interval(Duration::ZERO)
                    .shared_state_options(Some(options))
                    .build()
                    .unwrap()
            };
            let writer = client(config, "writer");
            // Nothing listens there: the reader never sends (every profile read is unusable),
            // and a request it did send would fail and show in the counts.
            let reader_config = reader_home.config(
                "{ models: { providers: { anthropic: { baseUrl: \"http://127.0.0.1:9\" } } } }",
                &[],
            );
            let reader = client(reader_config, "reader");
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            Subject {
                fleet: Some(Fleet {
                    rt,
                    writer,
                    reader,
                    _reader_home: reader_home,
                    _redis: redis,
                }),
                ..s
            }
        }
    }
}

impl Subject {
    fn fail(&self, id: &str, reason: FailureReason) {
        #[cfg(feature = "redis")]
        if let Some(f) = &self.fleet {
            f.rt.block_on(f.writer.record_failure(id, reason)).unwrap();
            return;
        }
        self.auth.mark_failure(id, reason).unwrap();
    }

    /// `usageStats[id]`: from the file, or in fleet mode from the reader's view.
    fn stats(&self, id: &str) -> UsageStats {
        #[cfg(feature = "redis")]
        if let Some(f) = &self.fleet {
            // A request makes the reader read the fleet's view (it fails before sending: the
            // profile is unusable).
            let e = f.rt.block_on(f.reader.send(hello())).unwrap_err();
            assert!(
                matches!(e, claw_anthropic::Error::NoAvailableProfile { .. }),
                "{e}"
            );
            return stats(f.reader.auth(), id);
        }
        stats(&self.auth, id)
    }
}

/// Runs a table once per [`Mode`] (the same expectations).
macro_rules! in_every_mode {
    ($(#[$doc:meta])* fn $name:ident($mode:ident) $body:block) => {
        $(#[$doc])*
        mod $name {
            use super::*;

            fn table($mode: Mode) $body

            #[test]
            fn file_only() {
                table(Mode::FileOnly)
            }

            #[cfg(feature = "redis")]
            #[test]
            fn file_and_redis() {
                table(Mode::Fleet)
            }
        }
    };
}

in_every_mode! {
    fn cooldown_ladder_1_5_25_60_minutes(mode) {
        let t = subject(mode, "{}", &["anthropic:a"]);
        let mut got = Vec::new();
        for _ in 0..6 {
            t.fail("anthropic:a", FailureReason::RateLimit);
            let s = t.stats("anthropic:a");
            let now = t.clock.now_ms_value();
            got.push(s.cooldown_until.unwrap() - now);
            assert_eq!(s.last_failure_at, Some(now));
            t.clock.advance(Duration::from_secs(1));
        }
        assert_eq!(got, [MIN, 5 * MIN, 25 * MIN, 60 * MIN, 60 * MIN, 60 * MIN]);
        let s = t.stats("anthropic:a");
        assert_eq!(s.error_count, Some(6));
        assert_eq!(s.failure_counts["rate_limit"], 6);
        assert_eq!(s.disabled_until, None);
    }
}

in_every_mode! {
    fn billing_ladder_5_10_20_24_hours_and_reasons_mix(mode) {
        let t = subject(mode, "{}", &["anthropic:a"]);
        let mut got = Vec::new();
        for _ in 0..5 {
            t.fail("anthropic:a", FailureReason::Billing);
            let s = t.stats("anthropic:a");
            got.push(s.disabled_until.unwrap() - t.clock.now_ms_value());
            assert_eq!(s.disabled_reason.as_deref(), Some("billing"));
            assert_eq!(s.cooldown_until, None, "billing never sets cooldownUntil");
            t.clock.advance(Duration::from_secs(60));
        }
        assert_eq!(got, [5 * HOUR, 10 * HOUR, 20 * HOUR, 24 * HOUR, 24 * HOUR]);
        // An auth failure now uses the overall error count (6) for the cooldown ladder.
        t.fail("anthropic:a", FailureReason::Auth);
        let s = t.stats("anthropic:a");
        assert_eq!(s.error_count, Some(6));
        assert_eq!(s.cooldown_until.unwrap() - t.clock.now_ms_value(), 60 * MIN);
        assert_eq!(s.failure_counts["billing"], 5);
        assert_eq!(s.failure_counts["auth"], 1);
    }
}

in_every_mode! {
    fn failure_window_resets_counters_after_24h(mode) {
        let t = subject(mode, "{}", &["anthropic:a"]);
        t.fail("anthropic:a", FailureReason::Auth);
        t.fail("anthropic:a", FailureReason::Auth);
        assert_eq!(t.stats("anthropic:a").error_count, Some(2));
        // Exactly 24 h later is still inside the window (strictly greater resets).
        t.clock.advance(Duration::from_millis(24 * HOUR));
        t.fail("anthropic:a", FailureReason::Timeout);
        let s = t.stats("anthropic:a");
        assert_eq!(s.error_count, Some(3));
        assert_eq!(s.cooldown_until.unwrap() - t.clock.now_ms_value(), 25 * MIN);
        t.clock.advance(Duration::from_millis(24 * HOUR + 1));
        t.fail("anthropic:a", FailureReason::RateLimit);
        let s = t.stats("anthropic:a");
        assert_eq!(s.error_count, Some(1));
        assert_eq!(s.failure_counts.len(), 1);
        assert_eq!(s.failure_counts["rate_limit"], 1);
        assert_eq!(s.cooldown_until.unwrap() - t.clock.now_ms_value(), MIN);
    }
}

in_every_mode! {
    fn billing_config_and_provider_override(mode) {
        let t = subject(
            mode,
            r#"{auth: {cooldowns: {billingBackoffHours: 2, billingMaxHours: 7, failureWindowHours: 1,
                billingBackoffHoursByProvider: {" Anthropic ": 3}}}}"#,
            &["anthropic:a"],
        );
        let mut got = Vec::new();
        for _ in 0..3 {
            t.fail("anthropic:a", FailureReason::Billing);
            got.push(t.stats("anthropic:a").disabled_until.unwrap() - t.clock.now_ms_value());
            t.clock.advance(Duration::from_secs(1));
        }
        assert_eq!(got, [3 * HOUR, 6 * HOUR, 7 * HOUR]);
        // Window is 1 h here.
        t.clock.advance(Duration::from_millis(HOUR + 1));
        t.fail("anthropic:a", FailureReason::Billing);
        let s = t.stats("anthropic:a");
        assert_eq!(s.failure_counts["billing"], 1);
        assert_eq!(s.disabled_until.unwrap() - t.clock.now_ms_value(), 3 * HOUR);

        // Without the override the global base applies.
        let t = subject(
            mode,
            r#"{auth: {cooldowns: {billingBackoffHours: 2, billingBackoffHoursByProvider: {openai: 9}}}}"#,
            &["anthropic:a"],
        );
        t.fail("anthropic:a", FailureReason::Billing);
        assert_eq!(
            t.stats("anthropic:a").disabled_until.unwrap() - t.clock.now_ms_value(),
            2 * HOUR
        );
    }
}

#[test]
fn mark_used_resets_and_sets_last_good() {
    let home = Home::new();
    home.write_store("main", &store_with(&["anthropic:a", "anthropic:b"]));
    let (auth, clock) = home.auth(home.config("{}", &[]), "main", NOW);
    auth.mark_failure("anthropic:a", FailureReason::Billing)
        .unwrap();
    auth.mark_failure("anthropic:a", FailureReason::Auth)
        .unwrap();
    let failed_at = clock.now_ms_value();
    clock.advance(Duration::from_secs(5));
    auth.mark_used("anthropic", "anthropic:a").unwrap();
    let raw = home.read_store("main");
    assert_eq!(
        raw["usageStats"]["anthropic:a"],
        json!({"lastUsed": NOW + 5000, "errorCount": 0, "lastFailureAt": failed_at})
    );
    assert_eq!(raw["lastGood"], json!({"anthropic": "anthropic:a"}));
    // Unknown profiles are ignored and nothing is written for them.
    auth.mark_used("anthropic", "anthropic:ghost").unwrap();
    auth.mark_failure("anthropic:ghost", FailureReason::Auth)
        .unwrap();
    let raw2 = home.read_store("main");
    assert_eq!(raw, raw2);
    assert!(raw2["usageStats"].get("anthropic:ghost").is_none());
}

#[test]
fn clear_cooldown_and_set_order() {
    let home = Home::new();
    home.write_store("main", &store_with(&["anthropic:a", "anthropic:b"]));
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    auth.mark_failure("anthropic:a", FailureReason::RateLimit)
        .unwrap();
    assert_eq!(
        auth.profile_order("anthropic", None).unwrap(),
        ["anthropic:b", "anthropic:a"]
    );
    auth.clear_cooldown("anthropic:a").unwrap();
    assert_eq!(
        auth.profile_order("anthropic", None).unwrap(),
        ["anthropic:a", "anthropic:b"]
    );
    auth.set_profile_order(
        "Anthropic",
        Some(&[
            " anthropic:b ".into(),
            "anthropic:b".into(),
            "anthropic:a".into(),
        ]),
    )
    .unwrap();
    assert_eq!(
        home.read_store("main")["order"],
        json!({"anthropic": ["anthropic:b", "anthropic:a"]})
    );
    assert_eq!(
        auth.profile_order("anthropic", None).unwrap(),
        ["anthropic:b", "anthropic:a"]
    );
    auth.set_profile_order("anthropic", None).unwrap();
    assert!(home.read_store("main").get("order").is_none());
}

/// Reads the manual clock (helper trait so tests read naturally).
trait NowValue {
    fn now_ms_value(&self) -> u64;
}
impl NowValue for std::sync::Arc<claw_anthropic::clock::ManualClock> {
    fn now_ms_value(&self) -> u64 {
        use claw_anthropic::clock::Clock;
        self.now_ms()
    }
}

/// `cooldownUntil` / `disabledUntil` are read as Clawdbot reads them: any finite number above
/// zero is an end time however far away; zero, negatives and strings are no end time. A
/// success clears whatever was there, readable or not.
#[test]
fn out_of_range_cooldowns_are_read_as_clawdbot_does_and_cleared_by_a_success() {
    use claw_anthropic::auth::is_usable_now;
    let cases: [(serde_json::Value, bool); 8] = [
        (json!(1e20), false),
        (json!(1e308), false),
        (json!(1e19), false),
        (json!(u64::MAX), false),
        (json!(-5), true),
        (json!(0), true),
        (json!("NaN"), true),
        (json!(true), true),
    ];
    for field in ["cooldownUntil", "disabledUntil"] {
        for (value, usable) in &cases {
            let home = Home::new();
            let mut store = store_with(&["anthropic:a"]);
            store["usageStats"] = json!({"anthropic:a": {field: value, "errorCount": 3}});
            home.write_store("main", &store);
            let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
            let s = auth.load_store().unwrap();
            assert_eq!(
                is_usable_now(s.stats("anthropic:a"), NOW),
                *usable,
                "{field}: {value}"
            );
            assert_eq!(
                auth.resolve("anthropic", None, None).is_ok(),
                *usable,
                "{field}: {value}"
            );
            auth.mark_used("anthropic", "anthropic:a").unwrap();
            let written = home.read_store("main");
            let st = &written["usageStats"]["anthropic:a"];
            assert_eq!(st["errorCount"], 0, "{st}");
            assert!(
                st.get(field).is_none(),
                "{field}: {value} written back: {st}"
            );
            assert_eq!(st["lastUsed"], NOW);
        }
    }
}

mod cooldown_numbers {
    use crate::support::NOW;
    use claw_anthropic::auth::{AuthStore, is_usable_now};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// For any JSON number, the profile is held back exactly when Clawdbot would hold it
        /// back: `Number.isFinite(v) && v > 0 && now < v`.
        #[test]
        fn any_number_is_judged_as_clawdbot_judges_it(
            v in prop_oneof![
                any::<f64>(),
                0.0f64..4e12,
                (NOW as f64 - 2.0)..(NOW as f64 + 2.0),
                any::<i64>().prop_map(|i| i as f64),
            ],
        ) {
            prop_assume!(v.is_finite());
            let text = format!(
                r#"{{"version":1,"profiles":{{}},"usageStats":{{"p":{{"cooldownUntil":{}}}}}}}"#,
                serde_json::to_string(&v).unwrap()
            );
            let store = AuthStore::parse(&text, std::path::Path::new("s")).unwrap();
            let held_back = v > 0.0 && (NOW as f64) < v;
            prop_assert_eq!(!is_usable_now(store.stats("p"), NOW), held_back, "{}", text);
        }
    }
}
