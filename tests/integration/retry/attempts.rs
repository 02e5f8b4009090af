//! The attempts record on every result (SDK-rule retries included) and the cost of a response
//! at the configured prices (SPEC §9).
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::client::{ProfilePin, RetryPolicy};
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::{Attempt, Error, FailureReason};
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

/// `(profile, status)` of each attempt.
fn tries(a: &[Attempt]) -> Vec<(Option<&str>, Option<u16>)> {
    a.iter()
        .map(|t| (t.profile_id.as_deref(), t.status))
        .collect()
}

/// Three 429s (the first profile, retried twice) then a 401 (the next profile).
fn enqueue_three_429s_then_401(server: &MockServer) {
    for _ in 0..3 {
        server.enqueue(
            MockReply::error(429, "rate_limit_error", "rate limited").header("retry-after", "2"),
        );
    }
    server.enqueue(MockReply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
}

fn other(id: &str) -> &'static str {
    if id == "anthropic:a" {
        "anthropic:b"
    } else {
        "anthropic:a"
    }
}

#[tokio::test]
async fn a_session_keeps_the_attempts_of_a_failure_and_learns_its_pin_from_successes() {
    let server = MockServer::start().await.unwrap();
    let world = World::new(
        &server.url(),
        &[
            ("anthropic:a", &canary_key('a')),
            ("anthropic:b", &canary_key('b')),
        ],
    );
    let (client, _) = world.default_client();
    let session = client.session();

    // A success pins the profile that answered.
    let r = session.send_recorded(hello()).await.unwrap();
    let pinned = r.profile_id.clone().unwrap();
    assert_eq!(r.attempts().len(), 1);
    assert_eq!(session.pin(), ProfilePin::Prefer(pinned.clone()));

    // Three 429s on the pinned profile, a 401 on the other: four attempts; the pin stays.
    enqueue_three_429s_then_401(&server);
    let f = session.send_recorded(hello()).await.unwrap_err();
    let (p, q) = (Some(pinned.as_str()), Some(other(&pinned)));
    assert_eq!(
        tries(&f.attempts),
        vec![
            (p, Some(429)),
            (p, Some(429)),
            (p, Some(429)),
            (q, Some(401))
        ]
    );
    assert_eq!(f.attempts[3].reason, Some(FailureReason::Auth));
    assert!(matches!(f.error, Error::AllModelsFailed { .. }), "{f:?}");
    assert_eq!(session.pin(), ProfilePin::Prefer(pinned.clone()));

    // The same for a stream that could not be opened.
    world.clock.advance(Duration::from_secs(3 * 3600)); // past both cooldowns
    enqueue_three_429s_then_401(&server);
    let Err(f) = session.stream_recorded(hello()).await else {
        panic!("the stream must fail to open");
    };
    assert_eq!(
        tries(&f.attempts),
        vec![
            (p, Some(429)),
            (p, Some(429)),
            (p, Some(429)),
            (q, Some(401))
        ]
    );
    assert_eq!(session.pin(), ProfilePin::Prefer(pinned.clone()));

    // A stream that opens on the other profile moves the automatic pin there.
    world.clock.advance(Duration::from_secs(3 * 3600));
    for _ in 0..3 {
        server.enqueue(MockReply::error(529, "overloaded_error", "Overloaded"));
    }
    let s = session.stream_recorded(hello()).await.unwrap();
    assert_eq!(
        tries(s.attempts()),
        vec![
            (p, Some(529)),
            (p, Some(529)),
            (p, Some(529)),
            (q, Some(200))
        ]
    );
    assert_eq!(s.final_message().await.unwrap().text(), "hello");
    assert_eq!(session.pin(), ProfilePin::Prefer(other(&pinned).to_owned()));

    // `send` and `stream` are the recorded calls without the attempts of a failure.
    world.clock.advance(Duration::from_secs(3 * 3600));
    enqueue_three_429s_then_401(&server);
    let e = session.send(hello()).await.unwrap_err();
    assert!(matches!(e, Error::AllModelsFailed { .. }), "{e:?}");
    assert_eq!(session.pin(), ProfilePin::Prefer(other(&pinned).to_owned()));
}

#[tokio::test]
async fn count_tokens_and_list_models_keep_their_attempts() {
    let server = MockServer::start().await.unwrap();
    let world = World::new(&server.url(), &[("anthropic:a", &canary_key('a'))]);
    let (client, _) = world.default_client();
    let a = Some("anthropic:a");

    // A success after a retry: both tries, the count.
    server.enqueue(MockReply::error(529, "overloaded_error", "Overloaded"));
    let r = client.count_tokens_recorded(hello()).await.unwrap();
    assert!(r.value > 0);
    assert_eq!(tries(r.attempts()), vec![(a, Some(529)), (a, Some(200))]);
    assert_eq!(
        r.attempts()[0].retry_delay,
        Some(Duration::from_millis(500))
    );
    assert_eq!(r.attempts()[1].request_id.as_deref(), r.meta.request_id());
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:a"));
    assert_eq!(r.model.to_string(), "anthropic/claude-opus-4-5");
    assert_eq!(r.cost(), None);
    assert_eq!(client.count_tokens(hello()).await.unwrap(), r.value);

    // A failure after the retries: every try.
    for _ in 0..3 {
        server.enqueue(MockReply::error(429, "rate_limit_error", "rate limited"));
    }
    let f = client.count_tokens_recorded(hello()).await.unwrap_err();
    assert!(f.error.is_rate_limit(), "{f:?}");
    assert_eq!(tries(&f.attempts), vec![(a, Some(429)); 3]);
    assert!(
        f.attempts
            .iter()
            .all(|t| t.reason == Some(FailureReason::RateLimit))
    );

    // list_models: the same record.
    server.enqueue(MockReply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
    let f = client
        .list_models_page_recorded(None, None)
        .await
        .unwrap_err();
    assert_eq!(tries(&f.attempts), vec![(a, Some(401))]);
    assert_eq!(f.attempts[0].reason, Some(FailureReason::Auth));
    let page = client
        .list_models_page_recorded(None, Some(2))
        .await
        .unwrap();
    assert!(!page.value.data.is_empty());
    assert_eq!(tries(page.attempts()), vec![(a, Some(200))]);
    assert_eq!(page.model.to_string(), "anthropic/claude-opus-4-5");

    // A request refused before any try has none.
    let mut empty = hello();
    empty.messages.clear();
    let f = client.count_tokens_recorded(empty).await.unwrap_err();
    assert!(matches!(f.error, Error::InvalidRequest { .. }), "{f:?}");
    assert!(f.attempts.is_empty(), "{f:?}");
}

#[tokio::test]
async fn a_one_off_call_without_a_credential_records_it_as_an_attempt() {
    let server = MockServer::start().await.unwrap();
    let world = World::new(&server.url(), &[]);
    let (client, _) = world.default_client();
    let f = client.count_tokens_recorded(hello()).await.unwrap_err();
    assert!(matches!(f.error, Error::NoApiKey { .. }), "{f:?}");
    assert_eq!(f.attempts.len(), 1, "{f:?}");
    let t = &f.attempts[0];
    assert_eq!(t.model, "anthropic/claude-opus-4-5");
    assert_eq!((t.profile_id.as_deref(), t.status), (None, None));
    assert_eq!(t.reason, Some(FailureReason::Auth));
    // As the failover loop records it for a send.
    let g = client
        .send_recorded(hello(), &ProfilePin::Auto)
        .await
        .unwrap_err();
    assert_eq!(g.attempts.len(), 1, "{g:?}");
    assert_eq!(
        (g.attempts[0].reason, g.attempts[0].status),
        (t.reason, t.status)
    );
    let f = client
        .list_models_page_recorded(None, None)
        .await
        .unwrap_err();
    assert_eq!(f.attempts.len(), 1, "{f:?}");
    assert!(server.requests().is_empty(), "nothing was sent");
}
