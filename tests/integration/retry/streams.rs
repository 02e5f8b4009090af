//! Retry and rotation of streams: a stream is retried or rotated only before it starts; once
//! events have arrived, a failure ends it with the partial message and is never retried.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::client::stream::{ContentDelta, StreamEvent};
use claw_anthropic::mock::MockReply;
use claw_anthropic::{Error, FailureReason};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn mid_stream_overloaded_error_is_typed_with_partial_and_not_retried() {
    let (h, k) = harness().await;
    h.server.enqueue(MockReply::stream_error(
        "partial answer",
        "overloaded_error",
        "Overloaded",
    ));
    let client = h.client();
    let s = client.stream(ping()).await.unwrap();
    let e = s.final_message().await.unwrap_err();
    let failure = stream_failure(&e);
    assert_eq!(failure.reason, FailureReason::RateLimit);
    assert_eq!(failure.error_type, Some("overloaded_error"));
    assert_eq!(failure.partial.as_deref(), Some("partial answer"));
    assert!(e.is_rate_limit());
    assert_eq!(h.creds(MSGS).len(), 1, "a started stream is never retried");
    assert!(h.sleeper.delays().is_empty());
    assert_no_secret(&e, &[&k]);
    // A classified mid-stream failure puts the profile in cooldown (as the reference does for a
    // failed streamed reply); clear it for the second half.
    let stats = client.auth().load_store().unwrap();
    assert!(stats.usage_stats["anthropic:s"].cooldown_until.is_some());
    client.auth().clear_cooldown("anthropic:s").unwrap();

    // Through next_event too: the text arrives, then the typed error, then the end.
    h.server.enqueue(MockReply::stream_error(
        "partial answer",
        "overloaded_error",
        "Overloaded",
    ));
    let mut s = client.stream(ping()).await.unwrap();
    let mut text = String::new();
    let mut err = None;
    while let Some(ev) = s.next_event().await {
        match ev {
            Ok(StreamEvent::ContentBlockDelta {
                delta: ContentDelta::TextDelta { text: t },
                ..
            }) => text.push_str(&t),
            Ok(_) => {}
            Err(e) => err = Some(e),
        }
    }
    assert_eq!(text, "partial answer");
    assert!(matches!(
        err,
        Some(Error::Stream {
            reason: FailureReason::RateLimit,
            ..
        })
    ));
    assert_eq!(s.partial().unwrap().text(), "partial answer");
}

#[tokio::test]
async fn connection_reset_before_the_first_byte_is_retried() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::reset());
    h.server.enqueue(MockReply::text("second try"));
    let client = h.client();
    let m = client
        .stream(ping())
        .await
        .unwrap()
        .final_message()
        .await
        .unwrap();
    assert_eq!(m.text(), "second try");
    assert_eq!(h.creds(MSGS).len(), 2);
    assert_eq!(h.sleeper.delays(), vec![Duration::from_millis(500)]);
}

#[tokio::test]
async fn connection_reset_after_the_first_byte_is_not_retried() {
    let (h, k) = harness().await;
    // Enough bytes for message_start and a few deltas, then a TCP reset.
    h.server
        .enqueue(MockReply::text(long_text()).reset_after(700));
    let client = h.client();
    let s = client.stream(ping()).await.unwrap();
    let e = s.final_message().await.unwrap_err();
    let failure = stream_failure(&e);
    let partial = failure.partial.expect("the partial message is kept");
    assert!(long_text().starts_with(&partial));
    assert!(!partial.is_empty(), "{}", failure.message);
    assert_eq!(h.creds(MSGS).len(), 1);
    assert!(h.sleeper.delays().is_empty());
    assert_no_secret(&e, &[&k]);
}

#[tokio::test]
async fn stream_rotates_on_401_before_it_starts() {
    let h = Harness::new("").await;
    let (ka, kb) = (key('A'), key('B'));
    h.write_store(
        &[("anthropic:a", &ka), ("anthropic:b", &kb)],
        json!({"anthropic:a": {"lastUsed": 1}, "anthropic:b": {"lastUsed": 2}}),
    );
    h.server.on_credential(
        ka.clone(),
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    let client = h.client();
    let s = client.stream(ping()).await.unwrap();
    assert_eq!(s.profile_id(), Some("anthropic:b"));
    assert_eq!(s.failed_attempts().len(), 1);
    assert_eq!(s.final_message().await.unwrap().text(), "pong");
    assert_eq!(h.creds(MSGS), vec![ka, kb]);
}
