//! Faults injected by the loopback mock server, each with the expected outcome AND the auth
//! store afterwards showing exactly the failures docs/compatibility.md calls for — nothing else.
//!
//! Nothing sleeps for real between retries (`RecordingSleeper`); the timeout tests use short
//! real timeouts but assert nothing about durations.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::Error;
use claw_anthropic::FailureReason;
use claw_anthropic::client::RetryPolicy;
use claw_anthropic::error::TransportKind;
use claw_anthropic::mock::{MockReply, MockServer};
use std::time::Duration;

/// Guard so a regression shows up as a failure, not a hung test run.
async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the call hung (no timeout fired within 60 s)")
}

struct Fixture {
    server: MockServer,
    world: World,
    key_a: String,
    key_b: String,
}

async fn fixture() -> Fixture {
    let server = MockServer::start().await.unwrap();
    let key_a = canary_key('a');
    let key_b = canary_key('b');
    let world = World::new(
        &server.url(),
        &[("anthropic:a", &key_a), ("anthropic:b", &key_b)],
    );
    Fixture {
        server,
        world,
        key_a,
        key_b,
    }
}

fn statuses_by(f: &Fixture) -> (usize, usize) {
    let seen = credentials_seen(&f.server);
    (
        seen.iter().filter(|c| **c == f.key_a).count(),
        seen.iter().filter(|c| **c == f.key_b).count(),
    )
}

#[tokio::test]
async fn rate_limit_429_with_retry_after_is_retried_on_the_same_profile() {
    let f = fixture().await;
    f.server.enqueue(
        MockReply::error(
            429,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        )
        .header("retry-after", "7"),
    );
    let (client, sleeper) = f.world.default_client();
    let r = bounded(client.send(hello())).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(r.value.text(), "hello");
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
    assert_eq!(sleeper.delays(), [Duration::from_secs(7)]);
    assert_eq!(statuses_by(&f), (2, 0));
    // A 429 that a retry recovered from is not a profile failure.
    assert_used_clean(&f.world.stats("anthropic:a"));
    assert!(f.world.stats("anthropic:b").is_null());
    assert_eq!(f.world.store()["lastGood"]["anthropic"], "anthropic:a");
}

#[tokio::test]
async fn rate_limit_429_exhausting_retries_marks_rate_limit_and_rotates() {
    let f = fixture().await;
    for _ in 0..3 {
        f.server.enqueue(
            MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after", "2"),
        );
    }
    let (client, sleeper) = f.world.default_client();
    let r = bounded(client.send(hello())).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:b"));
    assert_eq!(r.failed_attempts.len(), 1);
    assert_eq!(r.failed_attempts[0].reason, Some(FailureReason::RateLimit));
    assert_eq!(r.failed_attempts[0].status, Some(429));
    assert_eq!(sleeper.delays(), [Duration::from_secs(2); 2]);
    assert_eq!(statuses_by(&f), (3, 1));
    let a = f.world.stats("anthropic:a");
    assert_failed(&a, "rate_limit", 1);
    assert_eq!(a["cooldownUntil"], NOW + MIN);
    assert!(a.get("lastUsed").is_none(), "{a}");
    assert_used_clean(&f.world.stats("anthropic:b"));
}

#[tokio::test]
async fn overloaded_529_twice_then_success() {
    let f = fixture().await;
    for _ in 0..2 {
        f.server
            .enqueue(MockReply::error(529, "overloaded_error", "Overloaded"));
    }
    let (client, sleeper) = f.world.default_client();
    let r = bounded(client.send(hello())).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
    assert!(r.failed_attempts.is_empty());
    // SDK back-off with jitter 0: 0.5 s, 1 s.
    assert_eq!(
        sleeper.delays(),
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
    assert_eq!(statuses_by(&f), (3, 0));
    assert_used_clean(&f.world.stats("anthropic:a"));
    assert!(f.world.stats("anthropic:b").is_null());
}

#[tokio::test]
async fn server_error_500_then_success() {
    let f = fixture().await;
    f.server
        .enqueue(MockReply::error(500, "api_error", "Internal server error"));
    let (client, sleeper) = f.world.default_client();
    let r = bounded(client.send(hello())).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
    assert_eq!(sleeper.delays().len(), 1);
    assert_eq!(statuses_by(&f), (2, 0));
    assert_used_clean(&f.world.stats("anthropic:a"));
}

#[tokio::test]
async fn overloaded_error_event_after_text_is_a_typed_stream_error_with_partial_text() {
    let f = fixture().await;
    f.server.enqueue(MockReply::stream_error(
        "The first half of ",
        "overloaded_error",
        "Overloaded",
    ));
    let (client, sleeper) = f.world.default_client();
    let mut s = bounded(client.stream(hello())).await.unwrap();
    let mut text = String::new();
    let err = loop {
        match bounded(s.next_text()).await {
            Some(Ok(t)) => text.push_str(&t),
            Some(Err(e)) => break e,
            None => panic!("the stream ended without the error event"),
        }
    };
    assert_eq!(text, "The first half of ");
    let failure = stream_failure(&err);
    assert_eq!(failure.reason, FailureReason::RateLimit);
    assert_eq!(failure.error_type, Some("overloaded_error"));
    assert_eq!(failure.partial.as_deref(), Some("The first half of "));
    assert!(err.is_rate_limit());
    // Never retried once started.
    assert!(sleeper.delays().is_empty());
    assert_eq!(statuses_by(&f), (1, 0));
    // A classified (rate_limit) failure is recorded against the profile; it was not "used".
    let a = f.world.stats("anthropic:a");
    assert_failed(&a, "rate_limit", 1);
    assert!(a.get("lastUsed").is_none(), "{a}");
}

#[tokio::test]
async fn overloaded_error_event_via_final_message_also_marks_the_profile() {
    let f = fixture().await;
    f.server.enqueue(MockReply::stream_error(
        "partial",
        "overloaded_error",
        "Overloaded",
    ));
    let (client, _) = f.world.default_client();
    let s = bounded(client.stream(hello())).await.unwrap();
    let err = bounded(s.final_message()).await.unwrap_err();
    assert!(err.is_rate_limit(), "{err:?}");
    assert_failed(&f.world.stats("anthropic:a"), "rate_limit", 1);
}

#[tokio::test]
async fn connection_reset_before_the_first_byte_is_retried() {
    let f = fixture().await;
    f.server.enqueue(MockReply::reset());
    let (client, sleeper) = f.world.default_client();
    let r = bounded(client.send(hello())).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(r.value.text(), "hello");
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
    assert_eq!(sleeper.delays().len(), 1);
    assert_eq!(statuses_by(&f), (2, 0));
    assert_used_clean(&f.world.stats("anthropic:a"));

    // The same for a stream: the reset happens before the response starts.
    f.server.enqueue(MockReply::reset());
    let s = bounded(client.stream(hello())).await.unwrap();
    assert_eq!(bounded(s.final_message()).await.unwrap().text(), "hello");
    assert_eq!(statuses_by(&f), (4, 0));
}

#[tokio::test]
async fn connection_reset_after_the_first_byte_is_not_retried_and_keeps_partial_text() {
    let f = fixture().await;
    let text = "abcdefghij".repeat(40);
    // Let message_start and a few deltas through (the body is chunked per 64 KiB, so the
    // client sees a prefix), then RST.
    f.server
        .enqueue(MockReply::text(text.clone()).reset_after(900));
    let (client, sleeper) = f.world.default_client();
    let mut s = bounded(client.stream(hello())).await.unwrap();
    let mut got = String::new();
    let err = loop {
        match bounded(s.next_text()).await {
            Some(Ok(t)) => got.push_str(&t),
            Some(Err(e)) => break e,
            None => panic!("a reset stream must not end cleanly"),
        }
    };
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    assert!(!got.is_empty(), "some text arrived before the reset");
    assert!(text.starts_with(&got));
    if let Error::Stream { partial, .. } = &err {
        let p = partial.as_ref().expect("partial message");
        assert_eq!(p.text(), got);
    }
    assert!(sleeper.delays().is_empty());
    assert_eq!(statuses_by(&f), (1, 0));
    // An unclassified transport failure mid-stream: neither a success nor a profile failure.
    let a = f.world.stats("anthropic:a");
    assert!(a.is_null(), "{a}");
}

#[tokio::test]
async fn truncated_stream_without_message_stop_is_an_error_with_partial_text() {
    let f = fixture().await;
    f.server.enqueue(MockReply::truncated("cut here"));
    let (client, sleeper) = f.world.default_client();
    let s = bounded(client.stream(hello())).await.unwrap();
    let err = bounded(s.final_message()).await.unwrap_err();
    let failure = stream_failure(&err);
    assert!(failure.message.contains("truncated"), "{}", failure.message);
    assert_eq!(failure.partial.as_deref(), Some("cut here"));
    assert!(sleeper.delays().is_empty());
    assert_eq!(statuses_by(&f), (1, 0));
    assert!(f.world.stats("anthropic:a").is_null());
}

#[tokio::test]
async fn stalled_stream_hits_the_idle_timeout() {
    let f = fixture().await;
    f.server.enqueue(MockReply::stalled("then nothing"));
    let (client, sleeper) = f.world.client(RetryPolicy::default(), short_timeouts());
    let mut s = bounded(client.stream(hello())).await.unwrap();
    let mut got = String::new();
    let err = loop {
        match bounded(s.next_text()).await {
            Some(Ok(t)) => got.push_str(&t),
            Some(Err(e)) => break e,
            None => panic!("a stalled stream must not end cleanly"),
        }
    };
    assert_eq!(got, "then nothing");
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().contains("idle"), "{err}");
    if let Error::Stream { partial, .. } = &err {
        assert_eq!(partial.as_ref().unwrap().text(), "then nothing");
    }
    assert!(sleeper.delays().is_empty());
    assert_eq!(statuses_by(&f), (1, 0));
    let a = f.world.stats("anthropic:a");
    assert_failed(&a, "timeout", 1);
}

#[tokio::test]
async fn non_json_error_body_gives_a_readable_error() {
    let f = fixture().await;
    // 502 is retried twice; three HTML pages exhaust profile a, b answers.
    for _ in 0..3 {
        f.server.enqueue(MockReply::raw(
            502,
            "text/html",
            "<html><body>502 Bad Gateway</body></html>",
        ));
    }
    let (client, _) = f.world.default_client();
    let r = bounded(client.send(hello())).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:b"));
    let a = &r.failed_attempts[0];
    assert_eq!(a.status, Some(502));
    let m = a.message.as_deref().unwrap();
    assert!(
        m.contains("non-JSON error body") && m.contains("502 Bad Gateway"),
        "{m}"
    );
    assert_failed(&f.world.stats("anthropic:a"), "unknown", 1);
    assert_used_clean(&f.world.stats("anthropic:b"));
}

#[tokio::test]
async fn ten_megabyte_error_body_is_read_bounded() {
    let f = fixture().await;
    f.server
        .enqueue(MockReply::huge_error(500, 10_000_000).header("x-should-retry", "false"));
    let world = World::new(&f.server.url(), &[("anthropic:a", &f.key_a)]);
    let (client, sleeper) = world.default_client();
    let err = bounded(client.send(hello())).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    let msg = err.to_string();
    assert!(msg.len() < 1024, "error message of {} bytes", msg.len());
    assert!(format!("{err:?}").len() < 4096);
    assert!(sleeper.delays().is_empty(), "x-should-retry: false");
    assert_failed(&world.stats("anthropic:a"), "unknown", 1);
}

/// Sends `hello()` through `client.send` or, with `stream`, `client.stream` (the stream is
/// dropped: these tests look at errors before any event).
async fn call(client: &claw_anthropic::Client, stream: bool) -> Result<(), Error> {
    if stream {
        bounded(client.stream(hello())).await.map(drop)
    } else {
        bounded(client.send(hello())).await.map(drop)
    }
}

/// Response heads that trickle in slower than the request timeout.
async fn slow_loris_headers(stream: bool) {
    let f = fixture().await;
    for _ in 0..3 {
        f.server
            .enqueue(MockReply::default_reply().slow_headers(1, Duration::from_millis(100)));
    }
    let world = World::new(&f.server.url(), &[("anthropic:a", &f.key_a)]);
    let (client, sleeper) = world.client(RetryPolicy::default(), short_timeouts());
    let err = call(&client, stream).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(
        err,
        Error::Transport {
            kind: TransportKind::Timeout,
            ..
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains("no response from") && text.contains("within 400ms"),
        "{text}"
    );
    // Timeouts are retried (twice) on the same profile, then recorded once.
    assert_eq!(sleeper.delays().len(), 2);
    assert_failed(&world.stats("anthropic:a"), "timeout", 1);
}

#[tokio::test]
async fn slow_loris_headers_hit_the_request_timeout() {
    slow_loris_headers(false).await;
}

#[tokio::test]
async fn slow_loris_headers_of_a_stream_hit_the_request_timeout() {
    slow_loris_headers(true).await;
}

/// Headers of a 500 arrive, then the body stops: reading the error body must time out, and
/// the error keeps the status.
async fn stalled_error_body(stream: bool) {
    let f = fixture().await;
    f.server.enqueue(
        MockReply::error(500, "api_error", "Internal server error")
            .header("x-should-retry", "false")
            .stall_after(10),
    );
    let world = World::new(&f.server.url(), &[("anthropic:a", &f.key_a)]);
    let (client, _) = world.client(RetryPolicy::default(), short_timeouts());
    let err = call(&client, stream).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert!(
        err.to_string().contains("error body did not arrive"),
        "{err}"
    );
    let s = world.stats("anthropic:a");
    assert_eq!(s["errorCount"], 1, "{s}");
}

#[tokio::test]
async fn stalled_error_body_hits_the_request_timeout() {
    stalled_error_body(false).await;
}

#[tokio::test]
async fn stalled_error_body_of_a_stream_hits_the_request_timeout() {
    stalled_error_body(true).await;
}

#[tokio::test]
async fn stalled_json_body_hits_the_request_timeout() {
    let f = fixture().await;
    for _ in 0..3 {
        f.server
            .enqueue(MockReply::text("never finished").stall_after(20));
    }
    let world = World::new(&f.server.url(), &[("anthropic:a", &f.key_a)]);
    let (client, _) = world.client(RetryPolicy::default(), short_timeouts());
    let err = bounded(client.send(hello())).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().contains("body was not read"), "{err}");
    // Not retried (the body had begun), and the response's metadata is kept.
    assert_eq!(credentials_seen(&f.server).len(), 1);
    let Error::Transport {
        meta: Some(meta), ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(meta.status, 200);
    assert_failed(&world.stats("anthropic:a"), "timeout", 1);
}

#[tokio::test]
async fn auth_401_is_not_retried_and_rotates_at_once() {
    let f = fixture().await;
    f.server.on_credential(
        f.key_a.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    let (client, sleeper) = f.world.default_client();
    let r = bounded(client.send(hello())).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:b"));
    assert!(sleeper.delays().is_empty());
    assert_eq!(statuses_by(&f), (1, 1));
    let a = f.world.stats("anthropic:a");
    assert_failed(&a, "auth", 1);
    assert_eq!(a["cooldownUntil"], NOW + MIN);
    assert_used_clean(&f.world.stats("anthropic:b"));
}

#[tokio::test]
async fn plain_400_is_the_callers_fault_and_marks_nothing() {
    let f = fixture().await;
    f.server.enqueue(MockReply::error(
        400,
        "invalid_request_error",
        "messages: roles must alternate",
    ));
    let (client, sleeper) = f.world.default_client();
    let err = bounded(client.send(hello())).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(sleeper.delays().is_empty());
    assert_eq!(statuses_by(&f), (1, 0));
    let store = f.world.store();
    assert!(
        store
            .get("usageStats")
            .is_none_or(|u| u.as_object().is_some_and(|o| o.is_empty())),
        "{store}"
    );
}

#[tokio::test]
async fn every_profile_failing_gives_all_attempts_and_marks_each_once() {
    let f = fixture().await;
    f.server.on_credential(
        f.key_a.clone(),
        MockReply::error(529, "overloaded_error", "Overloaded"),
    );
    f.server.on_credential(
        f.key_b.clone(),
        MockReply::error(402, "billing_error", "Your credit balance is too low"),
    );
    let (client, _) = f.world.default_client();
    let err = bounded(client.send(hello())).await.unwrap_err();
    let Error::AllModelsFailed { attempts } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(attempts.len(), 2);
    assert_eq!(statuses_by(&f), (3, 1));
    assert_failed(&f.world.stats("anthropic:a"), "rate_limit", 1);
    let b = f.world.stats("anthropic:b");
    assert_failed(&b, "billing", 1);
    assert_eq!(b["disabledReason"], "billing");
    assert_eq!(b["disabledUntil"], NOW + 5 * 60 * MIN);
    // A second call finds both profiles unusable: typed error, nothing sent, nothing marked.
    let before = f.server.requests().len();
    let err = bounded(client.send(hello())).await.unwrap_err();
    assert!(err.is_no_credentials(), "{err:?}");
    assert_eq!(f.server.requests().len(), before);
    assert_failed(&f.world.stats("anthropic:a"), "rate_limit", 1);
}
