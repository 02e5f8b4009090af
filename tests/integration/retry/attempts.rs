//! The attempts record on every result (SDK-rule retries included) and the cost of a response
//! at the configured prices (SPEC §9).
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::FailureReason;
use claw_anthropic::client::RetryPolicy;
use claw_anthropic::mock::{MockReply, MockServer};
use serde_json::json;
use std::time::Duration;

fn priced_world(base_url: &str, key: &str) -> World {
    World::with_config(
        &format!(
            r#"{{ models: {{ providers: {{ anthropic: {{ baseUrl: "{base_url}", models: [
                {{ id: "claude-opus-4-5", cost: {{ input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }} }},
            ] }} }} }} }}"#
        ),
        &[("anthropic:a", key)],
    )
}

fn priced_reply() -> MockReply {
    MockReply::json(
        200,
        &json!({
            "id": "msg_priced", "type": "message", "role": "assistant",
            "model": "claude-opus-4-5",
            "content": [{"type": "text", "text": "hi"}],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": {
                "input_tokens": 1000, "output_tokens": 2000,
                "cache_read_input_tokens": 10000, "cache_creation_input_tokens": 4000,
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 4000}
            }
        }),
    )
}

#[tokio::test]
async fn three_429s_on_one_profile_then_a_success_on_the_next_are_four_attempts() {
    let server = MockServer::start().await.unwrap();
    let world = World::new(
        &server.url(),
        &[
            ("anthropic:a", &canary_key('a')),
            ("anthropic:b", &canary_key('b')),
        ],
    );
    for _ in 0..3 {
        server.enqueue(
            MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after", "2"),
        );
    }
    let (client, _) = world.default_client();
    let r = client.send(hello()).await.unwrap();
    let a = r.attempts();
    assert_eq!(a.len(), 4, "{a:#?}");
    for (i, t) in a[..3].iter().enumerate() {
        assert_eq!(t.profile_id.as_deref(), Some("anthropic:a"));
        assert_eq!(t.model, "anthropic/claude-opus-4-5");
        assert_eq!(t.status, Some(429));
        assert_eq!(t.reason, Some(FailureReason::RateLimit));
        assert_eq!(t.transport, None);
        assert!(t.message.as_deref().unwrap().contains("rate limited"));
        assert!(!t.succeeded());
        // The SDK rule: two retries on the same profile after the server's 2 s, then rotation.
        let want = (i < 2).then_some(Duration::from_secs(2));
        assert_eq!(t.retry_delay, want, "attempt {i}");
    }
    let ok = &a[3];
    assert_eq!(ok.profile_id.as_deref(), Some("anthropic:b"));
    assert_eq!(ok.status, Some(200));
    assert_eq!((ok.reason, ok.message.as_deref()), (None, None));
    assert!(ok.succeeded());
    assert_eq!(ok.retry_delay, None);
    assert_eq!(ok.request_id.as_deref(), r.meta.request_id());
    // Every response had its own request id.
    let mut ids: Vec<&str> = a.iter().map(|t| t.request_id.as_deref().unwrap()).collect();
    assert!(ids.iter().all(|id| id.starts_with("req_mock_")), "{ids:?}");
    ids.dedup();
    assert_eq!(ids.len(), 4);
    // The failover summary keeps one entry per failed profile: the last try's.
    assert_eq!(r.failed_attempts, vec![a[2].clone()]);
    // The JSON shape of `send --json` and the C ABI.
    let v = a[0].to_json();
    assert_eq!(v["profileId"], "anthropic:a");
    assert_eq!(v["model"], "anthropic/claude-opus-4-5");
    assert_eq!(v["status"], 429);
    assert_eq!(v["reason"], "rate_limit");
    assert_eq!(v["retryDelayMs"], 2000);
    assert!(v["requestId"].as_str().unwrap().starts_with("req_mock_"));
    assert!(v["durationMs"].is_u64());
    assert_eq!(a[2].to_json()["retryDelayMs"], serde_json::Value::Null);
    assert_eq!(a[3].to_json()["reason"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_transport_failure_is_an_attempt_with_its_kind_and_no_status() {
    let server = MockServer::start().await.unwrap();
    let world = World::new(
        &server.url(),
        &[
            ("anthropic:a", &canary_key('a')),
            ("anthropic:b", &canary_key('b')),
        ],
    );
    server.enqueue(MockReply::reset());
    let (client, _) = world.client(RetryPolicy::none(), short_timeouts());
    let r = client.send(hello()).await.unwrap();
    let a = r.attempts();
    assert_eq!(a.len(), 2, "{a:#?}");
    assert_eq!(a[0].status, None);
    assert!(a[0].transport.is_some(), "{:?}", a[0]);
    assert_eq!(a[0].request_id, None);
    assert_eq!(
        a[0].to_json()["transport"],
        a[0].transport.unwrap().as_str()
    );
    assert!(a[1].succeeded());
    assert_eq!(a[1].profile_id.as_deref(), Some("anthropic:b"));
}

#[tokio::test]
async fn a_stream_final_response_carries_attempts_and_cost() {
    let server = MockServer::start().await.unwrap();
    let world = priced_world(&server.url(), &canary_key('a'));
    server.enqueue(MockReply::error(529, "overloaded_error", "Overloaded"));
    let (client, _) = world.default_client();
    let s = client.stream(hello()).await.unwrap();
    assert_eq!(s.attempts().len(), 2);
    let r = s.final_response().await.unwrap();
    assert_eq!(r.value.text(), "hello");
    let a = r.attempts();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].status, a[0].retry_delay),
        (Some(529), Some(Duration::from_millis(500)))
    );
    assert!(a[1].succeeded());
    // The mock's streamed usage, at the configured prices.
    let u = &r.value.usage;
    let c = r.cost().expect("prices are configured");
    assert_eq!(c.input, 5.0 * u.input_tokens as f64 / 1e6);
    assert_eq!(c.output, 25.0 * u.output_tokens as f64 / 1e6);
    assert_eq!(c.total, c.input + c.output);
}

#[tokio::test]
async fn cost_of_a_response_at_the_configured_prices() {
    let server = MockServer::start().await.unwrap();
    let world = priced_world(&server.url(), &canary_key('a'));
    server.enqueue(priced_reply());
    let (client, _) = world.default_client();
    let r = client.send(hello()).await.unwrap();
    let c = r.cost().expect("prices are configured");
    assert_eq!(c.input, 0.005);
    assert_eq!(c.output, 0.05);
    assert_eq!(c.cache_read, 0.005);
    // 4000 one-hour writes at 2 × the input price (10 USD / M).
    assert_eq!(c.cache_write, 0.04);
    assert_eq!(c.total, 0.005 + 0.05 + 0.005 + 0.04);
}

#[tokio::test]
async fn no_prices_no_cost() {
    let server = MockServer::start().await.unwrap();
    let world = World::new(&server.url(), &[("anthropic:a", &canary_key('a'))]);
    server.enqueue(priced_reply());
    let (client, _) = world.default_client();
    let r = client.send(hello()).await.unwrap();
    assert_eq!(r.cost(), None);
}
