//! The client against the loopback mock server: the retry schedule, profile rotation and the
//! store afterwards (docs/compatibility.md), model fallback, profile pins and sessions.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::client::{ProfilePin, Response, RetryPolicy, Timeouts};
use claw_anthropic::mock::MockReply;
use claw_anthropic::{Client, Error, FailureReason, Message};
use serde_json::{Value, json};
use std::time::Duration;

fn two_profiles(h: &Harness) -> (String, String) {
    let (kx, ky) = (key('X'), key('Y'));
    h.write_store(
        &[("anthropic:x", &kx), ("anthropic:y", &ky)],
        json!({"anthropic:x": {"lastUsed": 5}, "anthropic:y": {"lastUsed": 9}}),
    );
    (kx, ky)
}

/// Two profiles, `x` answering `reply`: the send rotates to `y` and succeeds there. Returns both
/// keys, the client and the response.
async fn send_after_x_fails(
    h: &Harness,
    reply: MockReply,
) -> (String, String, Client, Response<Message>) {
    let (kx, ky) = two_profiles(h);
    h.server.on_credential(kx.clone(), reply);
    let client = h.client();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:y"));
    (kx, ky, client, r)
}

fn one_profile(h: &Harness) -> String {
    let kx = key('X');
    h.write_store(&[("anthropic:x", &kx)], json!({}));
    kx
}

/// A client that looks at the store file again only after `interval`.
fn checking_every(h: &Harness, interval: Duration) -> claw_anthropic::Client {
    h.builder(0.0)
        .store_check_interval(interval)
        .build()
        .unwrap()
}

fn stats<'a>(store: &'a Value, id: &str) -> &'a Value {
    &store["usageStats"][id]
}

fn as_u64(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

// ---------------------------------------------------------------------------------------------
// retry schedule (same profile)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn retry_after_on_429_is_slept_exactly_then_success() {
    let h = Harness::new("").await;
    one_profile(&h);
    h.server.enqueue(
        MockReply::error(
            429,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        )
        .header("retry-after", "2"),
    );
    h.server.enqueue(MockReply::text("after the wait"));
    let client = h.client();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.value.text(), "after the wait");
    assert_eq!(h.sleeper.delays(), vec![Duration::from_secs(2)]);
    assert_eq!(h.creds(MSGS).len(), 2);
    assert!(
        r.failed_attempts.is_empty(),
        "a retry is not a failed attempt"
    );
    client.flush().await.unwrap();
    let s = h.read_store();
    let x = stats(&s, "anthropic:x");
    assert_eq!(as_u64(&x["lastUsed"]), NOW);
    assert_eq!(x["errorCount"], 0);
    assert!(x.get("cooldownUntil").is_none(), "{x}");
}

#[tokio::test]
async fn overloaded_twice_uses_the_sdk_backoff_with_fixed_jitter() {
    let h = Harness::new("").await;
    one_profile(&h);
    h.server
        .enqueue(MockReply::error(529, "overloaded_error", "Overloaded"));
    h.server
        .enqueue(MockReply::error(529, "overloaded_error", "Overloaded"));
    let client = h.builder(0.5).build().unwrap();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.value.text(), "pong");
    // min(0.5 · 2ⁿ, 8) · (1 − 0.25 · 0.5) for n = 0, 1.
    assert_eq!(
        h.sleeper.delays(),
        vec![
            Duration::from_micros(437_500),
            Duration::from_micros(875_000)
        ]
    );
    assert_eq!(h.creds(MSGS).len(), 3);
}

#[tokio::test]
async fn x_should_retry_false_is_not_retried() {
    let h = Harness::new("").await;
    one_profile(&h);
    h.server.enqueue(
        MockReply::error(529, "overloaded_error", "Overloaded").header("x-should-retry", "false"),
    );
    let client = h.client();
    let e = client.send(ping()).await.unwrap_err();
    assert_eq!(e.status(), Some(529), "{e}");
    assert!(e.is_rate_limit());
    assert!(h.sleeper.delays().is_empty());
    assert_eq!(h.creds(MSGS).len(), 1);
}

#[tokio::test]
async fn bad_request_is_neither_retried_nor_a_cooldown() {
    let h = Harness::new("").await;
    let (kx, ky) = two_profiles(&h);
    h.server.enqueue(MockReply::error(
        400,
        "invalid_request_error",
        "messages: field required",
    ));
    let client = h.client();
    let e = client.send(ping()).await.unwrap_err();
    let Error::Api(api) = &e else {
        panic!("expected an API error, got {e:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.error_type.as_deref(), Some("invalid_request_error"));
    assert_eq!(api.profile_id.as_deref(), Some("anthropic:x"));
    // request-id and the typed rate-limit headers travel with the error.
    assert!(e.request_id().is_some_and(|id| id.starts_with("req_mock_")));
    assert_eq!(api.meta.rate_limit().requests.limit, Some(4000));
    assert!(api.meta.rate_limit().output_tokens.remaining.is_some());
    assert!(api.meta.rate_limit().tokens.reset.is_some());
    assert!(h.sleeper.delays().is_empty());
    assert_eq!(h.creds(MSGS), vec![kx.clone()], "no rotation on 400");
    client.flush().await.unwrap();
    drop(client);
    let s = h.read_store();
    assert_eq!(
        s["usageStats"],
        json!({"anthropic:x": {"lastUsed": 5}, "anthropic:y": {"lastUsed": 9}}),
        "a caller error leaves the store alone"
    );
    assert_no_secret(&e, &[&kx, &ky]);
}

#[tokio::test]
async fn server_error_then_success() {
    let h = Harness::new("").await;
    one_profile(&h);
    h.server
        .enqueue(MockReply::error(500, "api_error", "Internal server error"));
    let client = h.client();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.value.text(), "pong");
    assert_eq!(h.sleeper.delays(), vec![Duration::from_millis(500)]);
    assert!(
        r.meta
            .request_id()
            .is_some_and(|id| id.starts_with("req_mock_"))
    );
    assert_eq!(r.meta.status, 200);
    assert_eq!(r.meta.rate_limit().input_tokens.limit, Some(1_600_000));
}

#[tokio::test]
async fn connection_reset_before_the_response_is_retried() {
    let h = Harness::new("").await;
    one_profile(&h);
    h.server.enqueue(MockReply::reset());
    let client = h.client();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.value.text(), "pong");
    assert_eq!(h.sleeper.delays().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// rotation and the store afterwards (docs/compatibility.md, "Cooldowns")
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rotates_at_once_on_401_and_records_both_profiles() {
    let h = Harness::new("").await;
    let (kx, ky, client, r) = send_after_x_fails(
        &h,
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    )
    .await;
    assert_eq!(r.credential_source, "profile anthropic:y");
    assert_eq!(h.creds(MSGS), vec![kx.clone(), ky.clone()]);
    assert!(h.sleeper.delays().is_empty(), "401 is never retried");
    assert_eq!(r.failed_attempts.len(), 1);
    assert_eq!(r.failed_attempts[0].reason, Some(FailureReason::Auth));
    assert_eq!(r.failed_attempts[0].status, Some(401));
    assert_eq!(
        r.failed_attempts[0].profile_id.as_deref(),
        Some("anthropic:x")
    );
    for a in &r.failed_attempts {
        let m = a.message.as_deref().unwrap();
        assert!(!m.contains(&secret_core(&kx)), "{m}");
    }

    // The failure is on disk at once, before any flush.
    let s = h.read_store();
    assert_eq!(
        as_u64(&stats(&s, "anthropic:x")["cooldownUntil"]),
        NOW + MIN
    );

    // The success once flushed: v09-send-rotate-on-401 semantics.
    client.flush().await.unwrap();
    let s = h.read_store();
    let x = stats(&s, "anthropic:x");
    assert_eq!(
        as_u64(&x["cooldownUntil"]) - as_u64(&x["lastFailureAt"]),
        60_000
    );
    assert_eq!(as_u64(&x["lastFailureAt"]), NOW);
    assert_eq!(x["errorCount"], 1);
    assert_eq!(x["failureCounts"], json!({"auth": 1}));
    assert_eq!(x["lastUsed"], 5, "the failed profile's lastUsed is kept");
    let y = stats(&s, "anthropic:y");
    assert_eq!(as_u64(&y["lastUsed"]), NOW);
    assert_eq!(y["errorCount"], 0);
    assert!(y.get("cooldownUntil").is_none() && y.get("failureCounts").is_none());
    assert_eq!(s["lastGood"]["anthropic"], "anthropic:y");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(h.store_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn rotates_at_once_on_402_and_disables_for_five_hours() {
    let h = Harness::new("").await;
    let (kx, ky, client, _) = send_after_x_fails(
        &h,
        MockReply::error(
            402,
            "billing_error",
            "Your credit balance is too low to access the Anthropic API",
        ),
    )
    .await;
    assert_eq!(h.creds(MSGS), vec![kx, ky]);
    assert!(h.sleeper.delays().is_empty());
    client.flush().await.unwrap();
    let s = h.read_store();
    let x = stats(&s, "anthropic:x");
    assert_eq!(
        as_u64(&x["disabledUntil"]) - as_u64(&x["lastFailureAt"]),
        5 * HOUR
    );
    assert_eq!(x["disabledReason"], "billing");
    assert_eq!(x["failureCounts"], json!({"billing": 1}));
    assert_eq!(x["errorCount"], 1);
    assert!(x.get("cooldownUntil").is_none(), "{x}");
    assert_eq!(as_u64(&stats(&s, "anthropic:y")["lastUsed"]), NOW);
    assert_eq!(s["lastGood"]["anthropic"], "anthropic:y");
}

#[tokio::test]
async fn rotates_on_429_only_after_the_same_profile_retries() {
    let h = Harness::new("").await;
    let (kx, ky, client, r) = send_after_x_fails(
        &h,
        MockReply::error(
            429,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        ),
    )
    .await;
    assert_eq!(h.creds(MSGS), vec![kx.clone(), kx.clone(), kx, ky]);
    assert_eq!(
        h.sleeper.delays(),
        vec![Duration::from_millis(500), Duration::from_secs(1)]
    );
    assert_eq!(r.failed_attempts.len(), 1);
    assert_eq!(r.failed_attempts[0].reason, Some(FailureReason::RateLimit));
    client.flush().await.unwrap();
    let s = h.read_store();
    let x = stats(&s, "anthropic:x");
    assert_eq!(
        as_u64(&x["cooldownUntil"]) - as_u64(&x["lastFailureAt"]),
        60_000
    );
    assert_eq!(x["failureCounts"], json!({"rate_limit": 1}));
    assert_eq!(x["errorCount"], 1);
    assert_eq!(as_u64(&stats(&s, "anthropic:y")["lastUsed"]), NOW);
}

#[tokio::test]
async fn every_profile_in_cooldown_is_a_typed_error_without_a_request() {
    let h = Harness::new(
        "agents: { defaults: { model: { primary: 'anthropic/claude-opus-4-5', fallbacks: ['anthropic/claude-sonnet-4-5'] } } }",
    )
    .await;
    let (kx, ky) = (key('X'), key('Y'));
    h.write_store(
        &[("anthropic:x", &kx), ("anthropic:y", &ky)],
        json!({
            "anthropic:x": {"cooldownUntil": NOW + 10 * MIN, "errorCount": 1},
            "anthropic:y": {"disabledUntil": NOW + 5 * HOUR, "disabledReason": "billing", "errorCount": 1}
        }),
    );
    let client = h.client();
    let e = client.send(ping()).await.unwrap_err();
    match &e {
        Error::NoAvailableProfile {
            provider,
            soonest_profile,
            soonest_available_ms,
        } => {
            assert_eq!(provider, "anthropic");
            assert_eq!(soonest_profile.as_deref(), Some("anthropic:x"));
            assert_eq!(*soonest_available_ms, Some(NOW + 10 * MIN));
        }
        other => panic!("expected NoAvailableProfile, got {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("No available auth profile for anthropic (all in cooldown/unavailable).")
    );
    assert!(
        h.server.requests().is_empty(),
        "no HTTP request may be made"
    );
    assert_no_secret(&e, &[&kx, &ky]);
    // Streams too.
    let e = client.stream(ping()).await.unwrap_err();
    assert!(matches!(e, Error::NoAvailableProfile { .. }), "{e:?}");
    assert!(h.server.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// model fallback
// ---------------------------------------------------------------------------------------------

const BACKUP_KEY: &str = "sk-ant-api03-BACKUPBACKUPBACKUPBACKUPBACKUPBACKUPBACKUP";

fn fallback_config() -> String {
    format!(
        "agents: {{ defaults: {{ model: {{ primary: 'anthropic/claude-opus-4-5', fallbacks: ['haiku'] }},
           models: {{ 'backup/claude-haiku-4-5': {{ alias: 'haiku' }} }} }} }},
         models: {{ providers: {{ backup: {{ baseUrl: '@URL@', api: 'anthropic-messages', apiKey: '{BACKUP_KEY}', models: [] }} }} }}"
    )
}

/// The harness adds the anthropic provider; merge the backup provider into the same block.
async fn fallback_harness() -> Harness {
    let h = Harness::new("").await;
    let text = format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: '{url}', api: 'anthropic-messages', models: [] }},
             backup: {{ baseUrl: '{url}', api: 'anthropic-messages', apiKey: '{BACKUP_KEY}', models: [] }} }} }},
           agents: {{ defaults: {{ model: {{ primary: 'anthropic/claude-opus-4-5', fallbacks: ['haiku'] }},
             models: {{ 'backup/claude-haiku-4-5': {{ alias: 'haiku' }} }} }} }} }}",
        url = h.server.url()
    );
    let _ = fallback_config();
    let home = h.home.path().to_string_lossy().into_owned();
    let paths =
        claw_anthropic::Paths::from_vars(move |k| (k == "HOME").then(|| home.clone())).unwrap();
    let config =
        claw_anthropic::Config::from_json5_with(&text, paths, claw_anthropic::EnvView::empty())
            .unwrap();
    Harness {
        config: std::sync::Arc::new(config),
        ..h
    }
}

#[tokio::test]
async fn auth_failure_of_every_profile_falls_back_to_the_aliased_model() {
    let h = fallback_harness().await;
    let kx = one_profile(&h);
    h.server.on_credential(
        kx.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    let client = h.client();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.model.ref_string(), "backup/claude-haiku-4-5");
    assert_eq!(r.profile_id, None);
    assert_eq!(r.credential_source, "config models.providers.backup.apiKey");
    assert_eq!(h.models_sent(), vec!["claude-opus-4-5", "claude-haiku-4-5"]);
    assert_eq!(h.creds(MSGS), vec![kx, BACKUP_KEY.to_owned()]);
    assert_eq!(r.failed_attempts.len(), 1);
    assert_eq!(r.failed_attempts[0].model, "anthropic/claude-opus-4-5");
}

#[tokio::test]
async fn all_models_failed_lists_every_attempt() {
    let h = fallback_harness().await;
    let kx = one_profile(&h);
    h.server.on_credential(
        kx.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    h.server.on_credential(
        BACKUP_KEY,
        MockReply::error(402, "billing_error", "Your credit balance is too low"),
    );
    let client = h.client();
    let e = client.send(ping()).await.unwrap_err();
    let Error::AllModelsFailed { attempts } = &e else {
        panic!("expected AllModelsFailed, got {e:?}")
    };
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        (attempts[0].reason, attempts[1].reason),
        (Some(FailureReason::Auth), Some(FailureReason::Billing))
    );
    let msg = e.to_string();
    let expected = format!(
        "All models failed (2): anthropic/claude-opus-4-5: {} (auth) | backup/claude-haiku-4-5: {} (billing)",
        attempts[0].message.as_deref().unwrap(),
        attempts[1].message.as_deref().unwrap()
    );
    assert_eq!(msg, expected);
    assert!(
        attempts[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with("HTTP 401: the API key was rejected")
    );
    assert!(
        attempts[1]
            .message
            .as_deref()
            .unwrap()
            .starts_with("HTTP 402 billing_error: Your credit balance is too low")
    );
    assert_no_secret(&e, &[&kx, BACKUP_KEY]);
}

#[tokio::test]
async fn rate_limit_after_retries_falls_back() {
    let h = fallback_harness().await;
    let kx = one_profile(&h);
    h.server.on_credential(
        kx.clone(),
        MockReply::error(529, "overloaded_error", "Overloaded"),
    );
    let client = h.client();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.model.ref_string(), "backup/claude-haiku-4-5");
    assert_eq!(
        h.creds(MSGS),
        vec![kx.clone(), kx.clone(), kx, BACKUP_KEY.to_owned()]
    );
}

#[tokio::test]
async fn timeout_falls_back() {
    let h = fallback_harness().await;
    let kx = one_profile(&h);
    h.server.on_credential(
        kx.clone(),
        MockReply::default_reply().delay(Duration::from_secs(30)),
    );
    let mut b = h.builder(0.0);
    b.retry_policy(RetryPolicy::none()).timeouts(Timeouts {
        request: Duration::from_millis(300),
        ..Timeouts::default()
    });
    let client = b.build().unwrap();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.model.ref_string(), "backup/claude-haiku-4-5");
    assert_eq!(r.failed_attempts[0].reason, Some(FailureReason::Timeout));
    client.flush().await.unwrap();
    let s = h.read_store();
    assert_eq!(
        stats(&s, "anthropic:x")["failureCounts"],
        json!({"timeout": 1})
    );
}

#[tokio::test]
async fn unknown_failures_do_not_fall_back() {
    let h = fallback_harness().await;
    let kx = one_profile(&h);
    h.server.on_credential(
        kx.clone(),
        MockReply::error(500, "api_error", "Internal server error"),
    );
    let client = h.client();
    let e = client.send(ping()).await.unwrap_err();
    assert_eq!(e.status(), Some(500), "{e}");
    assert_eq!(h.models_sent(), vec!["claude-opus-4-5"; 3]);
}

#[tokio::test]
async fn bad_request_does_not_fall_back() {
    let h = fallback_harness().await;
    let kx = one_profile(&h);
    h.server.on_credential(
        kx,
        MockReply::error(400, "invalid_request_error", "max_tokens: too large"),
    );
    let e = h.client().send(ping()).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(h.models_sent().len(), 1);
}

#[tokio::test]
async fn a_user_pinned_profile_failing_goes_to_model_fallback_not_rotation() {
    let h = fallback_harness().await;
    let (kx, ky) = two_profiles(&h);
    h.server.on_credential(
        ky.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    let client = h.client();
    let r = client
        .send_pinned(ping(), &ProfilePin::Only("anthropic:y".into()))
        .await
        .unwrap();
    assert_eq!(r.model.ref_string(), "backup/claude-haiku-4-5");
    assert_eq!(h.creds(MSGS), vec![ky, BACKUP_KEY.to_owned()]);
    assert!(
        !h.creds(MSGS).contains(&kx),
        "the pin never moves to another profile"
    );
}

#[tokio::test]
async fn a_user_pin_on_another_providers_profile_is_an_error_and_sends_nothing() {
    // With a fallback model configured, too: no other account may be charged instead.
    let h = fallback_harness().await;
    let kx = key('X');
    let store = json!({"version": 1, "profiles": {
        "anthropic:x": {"type": "api_key", "provider": "anthropic", "key": kx},
        "openai:manual": {"type": "api_key", "provider": "openai", "key": "sk-openai-NOTANTHROPIC"},
    }});
    let path = h.store_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&store).unwrap()).unwrap();
    let client = h.client();

    let session = client.session();
    session.pin_profile("openai:manual");
    let e = session.send(ping()).await.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("openai:manual") && msg.contains("\"openai\""),
        "{msg}"
    );
    let Err(e) = client
        .stream_pinned(ping(), &ProfilePin::Only("openai:manual".into()))
        .await
    else {
        panic!("a stream pinned to another provider's profile must fail");
    };
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");

    for empty in ["", "  "] {
        let e = client
            .send_pinned(ping(), &ProfilePin::Only(empty.into()))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
        assert!(e.to_string().contains("empty"), "{e}");
    }
    assert!(h.creds(MSGS).is_empty(), "nothing may be sent");
}

// ---------------------------------------------------------------------------------------------
// order and sessions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn recorded_uses_steer_the_next_call_before_they_are_written() {
    let h = Harness::new("").await;
    let (kx, ky) = two_profiles(&h);
    let client = h.client();
    client.send(ping()).await.unwrap();
    client.send(ping()).await.unwrap();
    // Least recently used first: x (5), then y (9) because x was just used.
    assert_eq!(h.creds(MSGS), vec![kx, ky]);
    let seen = client.auth().load_store().unwrap();
    assert_eq!(seen.usage_stats["anthropic:x"].last_used, Some(NOW));
    assert_eq!(seen.usage_stats["anthropic:y"].last_used, Some(NOW));
}

#[tokio::test]
async fn a_session_keeps_its_automatic_pin_and_moves_only_when_unusable() {
    let h = Harness::new("").await;
    let (kx, ky) = two_profiles(&h);
    let client = h.client();
    let session = client.session();
    for _ in 0..3 {
        session.send(ping()).await.unwrap();
        h.clock.advance(Duration::from_secs(1));
    }
    assert_eq!(h.creds(MSGS), vec![kx.clone(); 3], "the pin keeps x warm");
    assert_eq!(session.pin(), ProfilePin::Prefer("anthropic:x".into()));

    // x becomes unusable: the session moves to y and stays there.
    h.server.on_credential(
        kx.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    session.send(ping()).await.unwrap();
    assert_eq!(session.pin(), ProfilePin::Prefer("anthropic:y".into()));
    h.server.reset();
    h.clock.advance(Duration::from_secs(120)); // x's cooldown is over, and x is least recently used
    session.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS), vec![ky.clone()], "the pin stays on y");
    // A plain call would have taken x.
    client.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS), vec![ky, kx]);
}

/// On a multi-thread runtime the drop writes before it returns (on a current-thread runtime it
/// writes on a thread of its own: `client::replies`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_last_clone_writes_recorded_uses() {
    let h = Harness::new("").await;
    one_profile(&h);
    let client = h.client();
    let other = client.clone();
    client.send(ping()).await.unwrap();
    drop(client);
    other.send(ping()).await.unwrap();
    drop(other);
    let s = h.read_store();
    assert_eq!(as_u64(&stats(&s, "anthropic:x")["lastUsed"]), NOW);
    assert_eq!(s["lastGood"]["anthropic"], "anthropic:x");
}

#[tokio::test]
async fn a_recorded_use_never_undoes_a_newer_failure_written_by_another_process() {
    let h = Harness::new("").await;
    one_profile(&h);
    let client = h.client();
    client.send(ping()).await.unwrap();
    // Another process records a failure after our success, before our flush.
    let other =
        claw_anthropic::auth::AgentAuth::new(h.config.clone(), claw_anthropic::AgentId::main())
            .with_clock(std::sync::Arc::new(
                claw_anthropic::clock::ManualClock::new(NOW + 1000),
            ));
    other
        .mark_failure("anthropic:x", FailureReason::RateLimit)
        .unwrap();
    client.flush().await.unwrap();
    let s = h.read_store();
    let x = stats(&s, "anthropic:x");
    assert_eq!(as_u64(&x["cooldownUntil"]), NOW + 1000 + MIN);
    assert_eq!(x["errorCount"], 1);
    assert_eq!(as_u64(&x["lastUsed"]), NOW);
}

#[tokio::test]
async fn client_debug_hides_secrets() {
    let h = fallback_harness().await;
    let kx = one_profile(&h);
    let client = h.client();
    client.send(ping()).await.unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains(&secret_core(&kx)));
    assert!(!shown.contains(&secret_core(BACKUP_KEY)));
}

// ---------------------------------------------------------------------------------------------
// how soon another process's store changes are seen (ClientBuilder::store_check_interval)
// ---------------------------------------------------------------------------------------------

/// Another process (here: a separate `AgentAuth` on the same files) puts `anthropic:y` — the
/// profile round-robin would take next — into a cooldown after `client` has read the store.
fn cool_down_y_elsewhere(h: &Harness) {
    claw_anthropic::auth::AgentAuth::new(h.config.clone(), claw_anthropic::AgentId::main())
        .with_clock(h.clock.clone())
        .mark_failure("anthropic:y", FailureReason::RateLimit)
        .unwrap();
}

#[tokio::test]
async fn store_check_interval_zero_sees_another_processes_change_at_once() {
    let h = Harness::new("").await;
    let (kx, _ky) = two_profiles(&h);
    let client = checking_every(&h, Duration::ZERO);
    client.send(ping()).await.unwrap();
    cool_down_y_elsewhere(&h);
    client.send(ping()).await.unwrap();
    // Without the cooldown, round-robin would have taken y.
    assert_eq!(h.creds(MSGS), vec![kx.clone(), kx]);
}

#[tokio::test]
async fn within_the_store_check_interval_the_read_copy_is_trusted_then_the_file_is_checked() {
    let h = Harness::new("").await;
    let (kx, ky) = two_profiles(&h);
    let interval = Duration::from_millis(300);
    let client = checking_every(&h, interval);
    client.send(ping()).await.unwrap();
    let checked = std::time::Instant::now();
    cool_down_y_elsewhere(&h);
    client.send(ping()).await.unwrap();
    if checked.elapsed() < interval {
        // Still inside the interval: the copy read by the first call is used (round-robin).
        assert_eq!(h.creds(MSGS), vec![kx.clone(), ky.clone()]);
    }
    tokio::time::sleep(interval).await;
    h.server.reset();
    client.send(ping()).await.unwrap();
    // x was used last, but y is now seen cooling down.
    assert_eq!(
        h.creds(MSGS),
        vec![kx],
        "the cooldown written elsewhere is seen"
    );
}

#[tokio::test]
async fn the_clients_own_failures_are_seen_at_once_whatever_the_interval() {
    let h = Harness::new("").await;
    let (kx, ky) = two_profiles(&h);
    let client = checking_every(&h, Duration::from_secs(3600));
    h.server.on_credential(
        kx.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    client.send(ping()).await.unwrap();
    h.server.reset();
    client.send(ping()).await.unwrap();
    client.send(ping()).await.unwrap();
    assert_eq!(
        h.creds(MSGS),
        vec![ky.clone(), ky],
        "x stays in its cooldown"
    );
}

// ---------------------------------------------------------------------------------------------
// the last resolution is reused only while nothing that decides it has changed
// ---------------------------------------------------------------------------------------------

/// Writes the main agent's store as given (profiles of any type, `order`, `usageStats`).
fn write_raw_store(h: &Harness, store: Value) {
    let path = h.store_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&store).unwrap()).unwrap();
}

/// A token profile `anthropic:t` expiring at `expires` and an API-key profile `anthropic:k`
/// (with `k_stats` as its usage stats); returns (token, key).
fn token_and_key(h: &Harness, expires: u64, k_stats: Value) -> (String, String) {
    let (token, kk) = ("sk-ant-oat01-".to_owned() + &"t".repeat(80), key('K'));
    write_raw_store(
        h,
        json!({
            "version": 1,
            "profiles": {
                "anthropic:t": {"type": "token", "provider": "anthropic", "token": token, "expires": expires},
                "anthropic:k": {"type": "api_key", "provider": "anthropic", "key": kk},
            },
            "usageStats": {"anthropic:k": k_stats},
        }),
    );
    (token, kk)
}

#[tokio::test]
async fn a_cooldown_ending_is_seen_by_the_next_call() {
    let h = Harness::new("").await;
    let (kx, ky) = (key('X'), key('Y'));
    h.write_store(
        &[("anthropic:x", &kx), ("anthropic:y", &ky)],
        json!({
            "anthropic:x": {"lastUsed": 5, "cooldownUntil": NOW + MIN},
            "anthropic:y": {"lastUsed": 9},
        }),
    );
    let client = checking_every(&h, Duration::from_secs(3600));
    client.send(ping()).await.unwrap();
    h.clock.advance(Duration::from_secs(1));
    client.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS), vec![ky.clone(), ky.clone()], "x cools down");
    h.server.reset();
    // Nothing was written, no other process changed the file: only time passed.
    h.clock.advance(Duration::from_secs(60));
    client.send(ping()).await.unwrap();
    assert_eq!(
        h.creds(MSGS),
        vec![kx],
        "x is usable again and least recently used"
    );
}

#[tokio::test]
async fn a_token_expiring_is_seen_by_the_next_call() {
    let h = Harness::new("").await;
    let (token, kk) = token_and_key(&h, NOW + 1000, json!({"cooldownUntil": NOW + 1500}));
    let client = checking_every(&h, Duration::from_secs(3600));
    client.send(ping()).await.unwrap();
    client.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS).len(), 2);
    assert!(
        h.creds(MSGS).iter().all(|c| c.contains(&token)),
        "{:?}",
        h.creds(MSGS)
    );
    h.server.reset();
    h.clock.advance(Duration::from_millis(1200)); // the token has expired; k still cools down
    let e = client.send(ping()).await.unwrap_err();
    assert!(matches!(e, Error::NoAvailableProfile { .. }), "{e:?}");
    assert!(h.creds(MSGS).is_empty(), "the expired token is not sent");
    h.clock.advance(Duration::from_millis(400)); // k's cooldown is over
    client.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS), vec![kk]);
}

#[tokio::test]
async fn an_explicit_order_is_kept_and_another_processes_cooldown_still_moves_it() {
    let h = Harness::new("").await;
    let (kx, ky) = (key('X'), key('Y'));
    write_raw_store(
        &h,
        json!({
            "version": 1,
            "profiles": {
                "anthropic:x": {"type": "api_key", "provider": "anthropic", "key": kx},
                "anthropic:y": {"type": "api_key", "provider": "anthropic", "key": ky},
            },
            "order": {"anthropic": ["anthropic:y", "anthropic:x"]},
        }),
    );
    let client = checking_every(&h, Duration::ZERO);
    for _ in 0..3 {
        client.send(ping()).await.unwrap();
        h.clock.advance(Duration::from_secs(1));
    }
    assert_eq!(
        h.creds(MSGS),
        vec![ky.clone(); 3],
        "the order, not round-robin"
    );
    h.server.reset();
    cool_down_y_elsewhere(&h);
    client.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS), vec![kx]);
}

#[tokio::test]
async fn round_robin_still_alternates_call_after_call() {
    let h = Harness::new("").await;
    let (kx, ky) = two_profiles(&h);
    let client = checking_every(&h, Duration::from_secs(3600));
    for _ in 0..4 {
        client.send(ping()).await.unwrap();
        h.clock.advance(Duration::from_secs(1));
    }
    assert_eq!(h.creds(MSGS), vec![kx.clone(), ky.clone(), kx, ky]);
}

// ---------------------------------------------------------------------------------------------
// what a response reports about the request that was sent
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn responses_report_the_betas_and_cache_ttl_that_were_sent() {
    let h = Harness::new(
        r#"agents: { defaults: { model: "anthropic/claude-opus-4-5", models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "1h" } } } } }"#,
    )
    .await;
    let token = "sk-ant-oat01-".to_owned() + &"t".repeat(80);
    let kk = key('K');
    write_raw_store(
        &h,
        json!({
            "version": 1,
            "profiles": {
                "anthropic:t": {"type": "token", "provider": "anthropic", "token": token},
                "anthropic:k": {"type": "api_key", "provider": "anthropic", "key": kk},
            },
            "order": {"anthropic": ["anthropic:k", "anthropic:t"]},
        }),
    );
    let client = h.client();
    // Twice each: the second request's headers come from the client's header cache.
    for _ in 0..2 {
        let r = client.send(ping()).await.unwrap();
        let sent = h.server.requests().last().unwrap().clone();
        let header: Vec<String> = sent
            .header("anthropic-beta")
            .unwrap_or("")
            .split(',')
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .collect();
        assert_eq!(r.betas, header);
        assert!(
            r.betas.iter().any(|b| b.starts_with("extended-cache-ttl")),
            "{:?}",
            r.betas
        );
        assert_eq!(r.cache_ttl.as_deref(), Some("1h"));
        assert_eq!(
            sent.json.unwrap()["messages"][0]["content"][0]["cache_control"]["ttl"],
            "1h"
        );
    }
    // A token: no TTL is sent (API-key auth only), the OAuth beta is.
    let pin = ProfilePin::Only("anthropic:t".into());
    for _ in 0..2 {
        let r = client.send_pinned(ping(), &pin).await.unwrap();
        let sent = h.server.requests().last().unwrap().clone();
        assert_eq!(
            r.betas.join(","),
            sent.header("anthropic-beta").unwrap().replace(' ', "")
        );
        assert!(
            r.betas.iter().any(|b| b.starts_with("oauth-")),
            "{:?}",
            r.betas
        );
        assert_eq!(r.cache_ttl, None);
        assert!(
            r.warnings.iter().any(|w| w.contains("cacheControlTtl")),
            "{:?}",
            r.warnings
        );
    }
}

#[tokio::test]
async fn a_clock_set_back_before_a_token_expired_is_seen_by_the_next_call() {
    let h = Harness::new("").await;
    let (token, kk) = token_and_key(&h, NOW + MIN, json!({}));
    let client = checking_every(&h, Duration::from_secs(3600));
    h.clock.set(NOW + 2 * MIN); // the token has expired: only k is usable
    client.send(ping()).await.unwrap();
    client.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS), vec![kk.clone(), kk]);
    h.server.reset();
    // The clock is set back to before the expiry: the token is valid again and comes first.
    h.clock.set(NOW + 1000);
    client.send(ping()).await.unwrap();
    let sent = h.creds(MSGS);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains(&token), "{sent:?}");
}

#[tokio::test]
async fn a_sessions_pinned_profile_cooled_down_elsewhere_is_left_at_the_next_check() {
    let h = Harness::new("").await;
    let (kx, ky) = two_profiles(&h);
    let client = checking_every(&h, Duration::ZERO);
    let session = client.session();
    for _ in 0..3 {
        session.send(ping()).await.unwrap();
        h.clock.advance(Duration::from_secs(1));
    }
    assert_eq!(h.creds(MSGS), vec![kx.clone(); 3], "the pin keeps x");
    h.server.reset();
    claw_anthropic::auth::AgentAuth::new(h.config.clone(), claw_anthropic::AgentId::main())
        .with_clock(h.clock.clone())
        .mark_failure("anthropic:x", FailureReason::RateLimit)
        .unwrap();
    session.send(ping()).await.unwrap();
    assert_eq!(h.creds(MSGS), vec![ky]);
}
