//! Streaming, `count_tokens`, `list_models` and response metadata, against the loopback mock.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::client::stream::{ContentDelta, StreamEvent};
use claw_anthropic::client::{RetryPolicy, Timeouts};
use claw_anthropic::mock::MockReply;
use claw_anthropic::request::messages::{ContentBlock, MessageParam, MessageRequest};
use claw_anthropic::{Error, FailureReason};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn events_then_final_message_with_usage() {
    let (h, _) = harness().await;
    h.server
        .enqueue(MockReply::text("Hello from a streamed reply."));
    let client = h.client();
    let mut s = client.stream(ping()).await.unwrap();
    assert_eq!(s.profile_id(), Some("anthropic:s"));
    assert!(
        s.meta()
            .request_id()
            .is_some_and(|i| i.starts_with("req_mock_"))
    );
    assert_eq!(s.meta().rate_limit().requests.limit, Some(4000));
    let mut names = Vec::new();
    let mut text = String::new();
    while let Some(ev) = s.next_event().await {
        let ev = ev.unwrap();
        if let StreamEvent::ContentBlockDelta {
            delta: ContentDelta::TextDelta { text: t },
            ..
        } = &ev
        {
            text.push_str(t);
        }
        names.push(match ev {
            StreamEvent::MessageStart { .. } => "message_start",
            StreamEvent::ContentBlockStart { .. } => "content_block_start",
            StreamEvent::ContentBlockDelta { .. } => "content_block_delta",
            StreamEvent::ContentBlockStop { .. } => "content_block_stop",
            StreamEvent::MessageDelta { .. } => "message_delta",
            StreamEvent::MessageStop => "message_stop",
            _ => "other",
        });
    }
    assert_eq!(text, "Hello from a streamed reply.");
    assert_eq!(names.first(), Some(&"message_start"));
    assert_eq!(names.last(), Some(&"message_stop"));
    assert!(!names.contains(&"other"), "ping is skipped: {names:?}");
    let m = s.final_message().await.unwrap();
    assert_eq!(m.text(), "Hello from a streamed reply.");
    assert_eq!(m.stop_reason.as_deref(), Some("end_turn"));
    assert_eq!(m.usage.output_tokens, 7, "message_delta usage overwrites");
    assert!(m.usage.input_tokens >= 1);
    assert_eq!(h.creds(MSGS).len(), 1);
    let body = h.server.requests()[0].json.clone().unwrap();
    assert_eq!(body["stream"], true);

    // Completion records the use.
    client.flush().await.unwrap();
    let store = h.read_store();
    assert_eq!(store["usageStats"]["anthropic:s"]["lastUsed"], NOW);
}

#[tokio::test]
async fn final_message_directly_and_next_text() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::text(long_text()));
    h.server.enqueue(MockReply::text(long_text()));
    let client = h.client();
    let m = client
        .stream(ping())
        .await
        .unwrap()
        .final_message()
        .await
        .unwrap();
    assert_eq!(m.text(), long_text());
    let mut s = client.stream(ping()).await.unwrap();
    let mut pieces = Vec::new();
    while let Some(t) = s.next_text().await {
        pieces.push(t.unwrap());
    }
    assert!(pieces.len() > 1);
    assert_eq!(pieces.concat(), long_text());
}

#[tokio::test]
async fn next_text_into_appends_the_text_after_events_already_taken_and_completes() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::text(long_text()));
    h.server.enqueue(MockReply::truncated("cut short"));
    let client = h.client();
    let mut s = client.stream(ping()).await.unwrap();
    // A few events through next_event first: the text of any delta among them is not lost.
    let mut text = String::new();
    for _ in 0..3 {
        if let StreamEvent::ContentBlockDelta {
            delta: ContentDelta::TextDelta { text: t },
            ..
        } = s.next_event().await.unwrap().unwrap()
        {
            text.push_str(&t);
        }
    }
    let mut calls = 0;
    while let Some(r) = s.next_text_into(&mut text).await {
        r.unwrap();
        calls += 1;
    }
    assert!(calls >= 1);
    assert_eq!(text, long_text());
    let m = s.final_message().await.unwrap();
    assert_eq!(m.text(), long_text());

    // A stream cut short: the text received, then the error, then the end.
    let mut s = client.stream(ping()).await.unwrap();
    let mut text = String::new();
    let err = loop {
        match s.next_text_into(&mut text).await {
            Some(Ok(())) => {}
            Some(Err(e)) => break e,
            None => panic!("a truncated stream must end in an error"),
        }
    };
    assert!(matches!(err, Error::Stream { .. }), "{err:?}");
    assert_eq!(text, "cut short");
    assert!(s.next_text_into(&mut text).await.is_none());
}

#[tokio::test]
async fn truncated_stream_is_an_error() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::truncated("cut short"));
    let client = h.client();
    let e = client
        .stream(ping())
        .await
        .unwrap()
        .final_message()
        .await
        .unwrap_err();
    let failure = stream_failure(&e);
    assert!(failure.message.contains("truncated"), "{}", failure.message);
    assert_eq!(failure.partial.as_deref(), Some("cut short"));

    // next_event reports it too, after the text.
    h.server.enqueue(MockReply::truncated("cut short"));
    let mut s = client.stream(ping()).await.unwrap();
    let mut last = None;
    while let Some(ev) = s.next_event().await {
        last = Some(ev);
    }
    assert!(matches!(last, Some(Err(Error::Stream { .. }))), "{last:?}");
    // A failed stream does not count as a success.
    client.flush().await.unwrap();
    let store = h.read_store();
    assert!(
        store["usageStats"]["anthropic:s"].get("lastUsed").is_none(),
        "{store}"
    );
}

#[tokio::test]
async fn stalled_stream_hits_the_idle_timeout() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::stalled("so far"));
    let mut b = h.builder(0.0);
    b.timeouts(Timeouts {
        stream_idle: Duration::from_millis(300),
        ..Timeouts::default()
    });
    let client = b.build().unwrap();
    let e = client
        .stream(ping())
        .await
        .unwrap()
        .final_message()
        .await
        .unwrap_err();
    let failure = stream_failure(&e);
    assert_eq!(failure.reason, FailureReason::Timeout);
    assert!(e.is_timeout());
    assert_eq!(failure.partial.as_deref(), Some("so far"));
    assert!(e.to_string().contains("idle"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arrive_before_the_idle_timeout_and_a_failure_marks_nothing_as_used() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::stalled("so far"));
    let mut b = h.builder(0.0);
    b.timeouts(Timeouts {
        stream_idle: Duration::from_millis(300),
        ..Timeouts::default()
    });
    let client = b.build().unwrap();
    let mut s = client.stream(ping()).await.unwrap();
    let mut text = String::new();
    let err = loop {
        match s.next_event().await {
            Some(Ok(StreamEvent::ContentBlockDelta {
                delta: ContentDelta::TextDelta { text: t },
                ..
            })) => text.push_str(&t),
            Some(Ok(_)) => {}
            Some(Err(e)) => break e,
            None => panic!("the stalled stream ended without an error"),
        }
    };
    assert_eq!(text, "so far");
    assert!(err.is_timeout(), "{err}");
    assert!(s.next_event().await.is_none());
    drop(s);
    client.flush().await.unwrap();
    let store = h.read_store();
    assert!(
        store["usageStats"]["anthropic:s"].get("lastUsed").is_none(),
        "{store}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_stream_read_ahead_by_the_pump_decodes_in_full() {
    let (h, _) = harness().await;
    // 5,000 deltas (~780 kB): many body chunks queued ahead of the decoder.
    h.server.enqueue(MockReply::text_stream(5_000, 40));
    let client = h.client();
    let m = client
        .stream(ping())
        .await
        .unwrap()
        .final_message()
        .await
        .unwrap();
    assert_eq!(m.text().len(), 5_000 * 40);
    // Read event by event, too (bounded slices of each chunk).
    h.server.enqueue(MockReply::text_stream(5_000, 40));
    let mut s = client.stream(ping()).await.unwrap();
    let mut deltas = 0;
    while let Some(ev) = s.next_event().await {
        if let StreamEvent::ContentBlockDelta { .. } = ev.unwrap() {
            deltas += 1;
        }
    }
    assert_eq!(deltas, 5_000);
    client.flush().await.unwrap();
    assert!(h.read_store()["usageStats"]["anthropic:s"]["lastUsed"].is_u64());
}

#[tokio::test]
async fn tool_use_stream_parses_the_input() {
    let (h, _) = harness().await;
    let input =
        json!({"city": "Paris", "days": [1, 2, 3], "units": "metric", "nested": {"a": "b\"c"}});
    h.server.enqueue(MockReply::tool_use(
        "toolu_01",
        "get_weather",
        input.clone(),
    ));
    let client = h.client();
    let mut s = client.stream(ping()).await.unwrap();
    let mut pieces = 0;
    while let Some(ev) = s.next_event().await {
        if let StreamEvent::ContentBlockDelta {
            delta: ContentDelta::InputJsonDelta { .. },
            ..
        } = ev.unwrap()
        {
            pieces += 1;
        }
    }
    assert!(pieces > 3, "the input arrives in pieces");
    let m = s.final_message().await.unwrap();
    assert_eq!(m.stop_reason.as_deref(), Some("tool_use"));
    let Some(ContentBlock::ToolUse(t)) = m.content.first() else {
        panic!("expected a tool_use block: {m:?}")
    };
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        ("toolu_01", "get_weather")
    );
    assert_eq!(t.input, input);
}

#[tokio::test]
async fn count_tokens_against_the_mock() {
    let (h, k) = harness().await;
    let client = h.client();
    let req = MessageRequest::new("opus-4.5", vec![MessageParam::user("x".repeat(400))]);
    let n = client.count_tokens(req.clone()).await.unwrap();
    assert!((100..=140).contains(&n), "about characters / 4: {n}");
    h.server.enqueue_for(
        "/v1/messages/count_tokens",
        MockReply::json(200, &json!({"input_tokens": 4242})),
    );
    assert_eq!(client.count_tokens(req).await.unwrap(), 4242);
    let reqs = h.server.requests();
    assert!(reqs.iter().all(|r| r.path == "/v1/messages/count_tokens"));
    assert_eq!(reqs[0].credential(), Some(k.as_str()));
    assert_eq!(reqs[0].json.as_ref().unwrap()["model"], "claude-opus-4-5");
}

#[tokio::test]
async fn list_models_follows_every_page() {
    let (h, _) = harness().await;
    let client = h.client();
    // The mock's own list, paged by hand.
    let page = client.list_models_page(None, Some(2)).await.unwrap();
    assert_eq!(page.data.len(), 2);
    assert!(page.has_more);
    let next = client
        .list_models_page(page.last_id.as_deref(), Some(2))
        .await
        .unwrap();
    assert_ne!(next.data[0].id, page.data[0].id);

    // Three scripted pages: list_models follows has_more / last_id.
    h.server.reset();
    let model = |id: &str| json!({"id": id, "type": "model", "display_name": id, "created_at": "2025-01-01T00:00:00Z"});
    h.server.enqueue_for(
        "/v1/models",
        MockReply::json(
            200,
            &json!({
        "data": [model("m1"), model("m2")], "has_more": true, "first_id": "m1", "last_id": "m2"}),
        ),
    );
    h.server.enqueue_for(
        "/v1/models",
        MockReply::json(
            200,
            &json!({
        "data": [model("m3"), model("m4")], "has_more": true, "first_id": "m3", "last_id": "m4"}),
        ),
    );
    h.server.enqueue_for(
        "/v1/models",
        MockReply::json(
            200,
            &json!({
        "data": [model("m5")], "has_more": false, "first_id": "m5", "last_id": "m5"}),
        ),
    );
    let all = client.list_models().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m1", "m2", "m3", "m4", "m5"]);
    let queries: Vec<String> = h
        .server
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(queries.len(), 3);
    assert!(!queries[0].contains("after_id"));
    assert!(queries[1].contains("after_id=m2"), "{queries:?}");
    assert!(queries[2].contains("after_id=m4"), "{queries:?}");

    // The mock's full default list, in one call.
    h.server.reset();
    let all = client.list_models().await.unwrap();
    assert!(all.len() >= 3);
}

#[tokio::test]
async fn api_errors_on_streams_carry_metadata_and_no_secret() {
    let (h, k) = harness().await;
    h.server.enqueue(
        MockReply::error(529, "overloaded_error", "Overloaded").header("x-should-retry", "false"),
    );
    let mut b = h.builder(0.0);
    b.retry_policy(RetryPolicy::none()).model_fallbacks(false);
    let client = b.build().unwrap();
    let e = client.stream(ping()).await.unwrap_err();
    let Error::Api(api) = &e else {
        panic!("expected Error::Api, got {e:?}")
    };
    assert_eq!(api.status, 529);
    assert!(api.meta.request_id().is_some());
    assert_eq!(api.meta.rate_limit().tokens.limit, Some(2_000_000));
    assert_eq!(api.meta.should_retry, Some(false));
    assert_no_secret(&e, &[&k]);
}
