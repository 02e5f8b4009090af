//! The loopback mock server, exercised over real HTTP with reqwest.
#![cfg(feature = "mock")]

use std::time::Duration;

use claw_anthropic::client::sse::SseParser;
use claw_anthropic::mock::{MockReply, MockScript, MockServer};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KEY: &str = "sk-ant-api03-test-key-0123456789abcdef";

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn post(
    c: &reqwest::Client,
    server: &MockServer,
    path: &str,
    body: &Value,
) -> reqwest::RequestBuilder {
    c.post(format!("{}{path}", server.url()))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .json(body)
}

fn hello(stream: bool) -> Value {
    json!({"model": "claude-opus-4-5", "max_tokens": 64, "stream": stream,
           "messages": [{"role": "user", "content": "hello there"}]})
}

/// Posts `body` to `path` and parses the JSON reply.
async fn post_json(c: &reqwest::Client, server: &MockServer, path: &str, body: &Value) -> Value {
    post(c, server, path, body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Posts the streaming `hello` request and parses the whole reply into SSE events.
async fn post_events(c: &reqwest::Client, server: &MockServer) -> Vec<(String, Value)> {
    let body = post(c, server, "/v1/messages", &hello(true))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    events(&body)
}

/// Parses a whole SSE body into (event, data JSON) pairs.
fn events(body: &[u8]) -> Vec<(String, Value)> {
    let mut p = SseParser::new();
    let out = p
        .push(body)
        .map(|e| {
            let e = e.unwrap();
            (e.event.to_string(), serde_json::from_str(&e.data).unwrap())
        })
        .collect();
    p.finish().unwrap();
    out
}

fn names(evs: &[(String, Value)]) -> Vec<&str> {
    evs.iter().map(|(n, _)| n.as_str()).collect()
}

fn text_of(evs: &[(String, Value)]) -> String {
    evs.iter()
        .filter(|(n, _)| n == "content_block_delta")
        .filter_map(|(_, d)| d["delta"]["text"].as_str())
        .collect()
}

#[tokio::test]
async fn default_message_json_echoes_with_usage_and_headers() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    let resp = post(&c, &server, "/v1/messages", &hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["request-id"], "req_mock_1");
    assert_eq!(h["anthropic-ratelimit-requests-limit"], "4000");
    assert!(h.contains_key("anthropic-ratelimit-tokens-remaining"));
    assert!(
        h["anthropic-ratelimit-output-tokens-reset"]
            .to_str()
            .unwrap()
            .ends_with('Z')
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "message");
    assert_eq!(body["role"], "assistant");
    assert_eq!(body["model"], "claude-opus-4-5");
    assert_eq!(body["content"][0]["text"], "hello there");
    assert_eq!(body["stop_reason"], "end_turn");
    assert!(body["usage"]["input_tokens"].as_u64().unwrap() >= 1);
    assert!(body["usage"]["output_tokens"].as_u64().unwrap() >= 1);

    let ping = json!({"model": "m", "max_tokens": 5,
                      "messages": [{"role": "user", "content": [{"type": "text", "text": "ping"}]}]});
    let body = post_json(&c, &server, "/v1/messages", &ping).await;
    assert_eq!(body["content"][0]["text"], "pong");
}

#[tokio::test]
async fn default_message_stream_is_a_proper_event_sequence() {
    let server = MockServer::start().await.unwrap();
    let resp = post(&client(), &server, "/v1/messages", &hello(true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert_eq!(resp.headers()["request-id"], "req_mock_1");
    let evs = events(&resp.bytes().await.unwrap());
    let n = names(&evs);
    assert_eq!(n[..3], ["message_start", "ping", "content_block_start"]);
    assert_eq!(
        n[n.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );
    assert!(n.iter().filter(|e| **e == "content_block_delta").count() >= 1);
    assert_eq!(text_of(&evs), "hello there");
    assert_eq!(evs[0].1["message"]["model"], "claude-opus-4-5");
    let delta = &evs[evs.len() - 2].1;
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert!(delta["usage"]["output_tokens"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn api_headers_are_required() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    let url = format!("{}/v1/messages", server.url());
    let r = c
        .post(&url)
        .header("anthropic-version", "2023-06-01")
        .json(&hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["type"], "error");
    assert_eq!(b["error"]["type"], "authentication_error");
    let r = c
        .post(&url)
        .bearer_auth("sk-ant-oat01-x")
        .json(&hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(&url)
        .bearer_auth("sk-ant-oat01-x")
        .header("anthropic-version", "2023-06-01")
        .json(&hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(format!("{}/nope", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn count_tokens_estimates() {
    let server = MockServer::start().await.unwrap();
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "x".repeat(400)}]});
    let r = post_json(&client(), &server, "/v1/messages/count_tokens", &body).await;
    let n = r["input_tokens"].as_u64().unwrap();
    assert!((100..200).contains(&n), "{n}");
}

#[tokio::test]
async fn models_paging() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    let get = |q: String| {
        let c = c.clone();
        let url = format!("{}/v1/models{q}", server.url());
        async move {
            let r = c
                .get(url)
                .header("x-api-key", KEY)
                .header("anthropic-version", "2023-06-01")
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (_, all) = get(String::new()).await;
    assert_eq!(all["has_more"], false);
    let all_ids: Vec<String> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert!(all_ids.len() >= 5);
    assert_eq!(all["first_id"], all_ids[0].as_str());

    let mut seen = Vec::new();
    let mut q = "?limit=3".to_string();
    loop {
        let (status, page) = get(q).await;
        assert_eq!(status, 200);
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 3);
        seen.extend(data.iter().map(|m| m["id"].as_str().unwrap().to_string()));
        if page["has_more"] == false {
            break;
        }
        q = format!("?limit=3&after_id={}", page["last_id"].as_str().unwrap());
    }
    assert_eq!(seen, all_ids);

    let (_, before) = get(format!("?limit=2&before_id={}", all_ids[3])).await;
    assert_eq!(before["first_id"], all_ids[1].as_str());
    assert_eq!(before["last_id"], all_ids[2].as_str());
    assert_eq!(before["has_more"], true);
    let (status, _) = get("?limit=0".into()).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn oauth_refresh_grant() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    let url = format!("{}/v1/oauth/token", server.url());
    let r = c
        .post(&url)
        .json(&json!({"grant_type": "refresh_token", "client_id": "abc", "refresh_token": "rt-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let b: Value = r.json().await.unwrap();
    assert!(
        b["access_token"]
            .as_str()
            .unwrap()
            .starts_with("sk-ant-oat01-")
    );
    assert!(!b["refresh_token"].as_str().unwrap().is_empty());
    assert_eq!(b["expires_in"], 28800);
    let r = c
        .post(&url)
        .json(&json!({"grant_type": "refresh_token"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(&url)
        .json(&json!({"grant_type": "password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let rec = server.requests();
    assert_eq!(rec[0].json.as_ref().unwrap()["client_id"], "abc");
}

#[tokio::test]
async fn records_requests_including_chunked_bodies() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    post(&c, &server, "/v1/messages", &hello(false))
        .header("anthropic-beta", "a,b")
        .send()
        .await
        .unwrap();
    // A chunked request body (stream of unknown length).
    let body = hello(false).to_string().into_bytes();
    let parts: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(7).map(|c| Ok(c.to_vec())).collect();
    let r = c
        .post(format!("{}/v1/messages?beta=true", server.url()))
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            parts,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rec = server.requests();
    assert_eq!(rec.len(), 2);
    assert_eq!(rec[0].method, "POST");
    assert_eq!(rec[0].path, "/v1/messages");
    assert_eq!(rec[0].header("anthropic-beta"), Some("a,b"));
    assert_eq!(rec[0].header("X-Api-Key"), Some(KEY));
    assert_eq!(rec[0].credential(), Some(KEY));
    assert_eq!(rec[0].json.as_ref().unwrap()["model"], "claude-opus-4-5");
    assert_eq!(rec[1].header("transfer-encoding"), Some("chunked"));
    assert_eq!(rec[1].query.as_deref(), Some("beta=true"));
    assert_eq!(rec[1].body.as_ref(), body.as_slice());
    // Debug output never shows the key.
    let dbg = format!("{:?}", rec[0]);
    assert!(!dbg.contains(KEY), "{dbg}");
    server.reset();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn queue_is_fifo_per_path_and_credential_rules_win() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    server.enqueue_for(
        "/v1/messages/count_tokens",
        MockReply::json(200, &json!({"input_tokens": 7})),
    );
    server
        .enqueue(MockReply::error(429, "rate_limit_error", "slow down").header("retry-after", "3"));
    server.enqueue(MockReply::text("second"));
    server.on_credential(
        "sk-ant-revoked",
        MockReply::error(401, "authentication_error", "invalid x-api-key"),
    );
    assert_eq!(server.pending(), 3);

    let r = post(&c, &server, "/v1/messages", &hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    assert_eq!(r.headers()["request-id"], "req_mock_1");
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        b,
        json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
    );

    let revoked = c
        .post(format!("{}/v1/messages", server.url()))
        .header("x-api-key", "sk-ant-revoked")
        .json(&hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);

    let b = post_json(&c, &server, "/v1/messages", &hello(false)).await;
    assert_eq!(b["content"][0]["text"], "second");
    let b = post_json(&c, &server, "/v1/messages/count_tokens", &hello(false)).await;
    assert_eq!(b["input_tokens"], 7);
    assert_eq!(server.pending(), 0);
    // The rule stays.
    let again = c
        .post(format!("{}/v1/models", server.url()))
        .bearer_auth("sk-ant-revoked")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
}

#[tokio::test]
async fn scripted_message_as_json_and_sse() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    let reply = MockReply::tool_use(
        "toolu_1",
        "get_weather",
        json!({"city": "Paris", "units": "c"}),
    );
    server.enqueue(reply.clone());
    server.enqueue(reply);
    let b = post_json(&c, &server, "/v1/messages", &hello(false)).await;
    assert_eq!(b["stop_reason"], "tool_use");
    assert_eq!(b["content"][0]["input"]["city"], "Paris");
    let evs = post_events(&c, &server).await;
    let json: String = evs
        .iter()
        .filter_map(|(_, d)| d["delta"]["partial_json"].as_str())
        .collect();
    assert!(
        evs.iter()
            .filter(|(_, d)| d["delta"]["type"] == "input_json_delta")
            .count()
            > 2
    );
    assert_eq!(
        serde_json::from_str::<Value>(&json).unwrap(),
        json!({"city": "Paris", "units": "c"})
    );
}

#[tokio::test]
async fn stream_error_and_truncated_streams() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    server.enqueue(MockReply::stream_error(
        "partial ",
        "overloaded_error",
        "Overloaded",
    ));
    server.enqueue(MockReply::truncated("cut"));
    let evs = post_events(&c, &server).await;
    assert_eq!(text_of(&evs), "partial ");
    let (name, data) = evs.last().unwrap();
    assert_eq!(name, "error");
    assert_eq!(data["error"]["type"], "overloaded_error");
    let evs = post_events(&c, &server).await;
    assert_eq!(text_of(&evs), "cut");
    assert!(!names(&evs).contains(&"message_stop"));
    assert!(!names(&evs).contains(&"message_delta"));
}

#[tokio::test]
async fn text_stream_is_large_and_complete() {
    let server = MockServer::start().await.unwrap();
    server.enqueue(MockReply::text_stream(2000, 40));
    let evs = post_events(&client(), &server).await;
    assert_eq!(
        evs.iter()
            .filter(|(n, _)| n == "content_block_delta")
            .count(),
        2000
    );
    assert_eq!(text_of(&evs).len(), 2000 * 40);
    assert_eq!(evs.last().unwrap().0, "message_stop");
}

#[tokio::test]
async fn huge_error_body() {
    let server = MockServer::start().await.unwrap();
    server.enqueue(MockReply::huge_error(500, 5_000_000));
    let r = post(&client(), &server, "/v1/messages", &hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let b = r.bytes().await.unwrap();
    assert!(b.len() >= 4_900_000);
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["error"]["type"], "api_error");
}

#[tokio::test]
async fn reset_before_first_byte_is_a_request_error() {
    let server = MockServer::start().await.unwrap();
    server.enqueue(MockReply::reset());
    let err = post(&client(), &server, "/v1/messages", &hello(false))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
    // The server keeps serving.
    let r = post(&client(), &server, "/v1/messages", &hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Reads a streaming body until it ends; returns (bytes received, whether it ended in an error).
async fn drain(resp: reqwest::Response) -> (Vec<u8>, bool) {
    let mut s = resp.bytes_stream();
    let mut got = Vec::new();
    while let Some(chunk) = s.next().await {
        match chunk {
            Ok(c) => got.extend_from_slice(&c),
            Err(_) => return (got, true),
        }
    }
    (got, false)
}

#[tokio::test]
async fn reset_and_close_after_first_bytes_break_the_body() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    server.enqueue(MockReply::text_stream(100, 40).reset_after(300));
    server.enqueue(MockReply::text_stream(100, 40).close_after(1));
    for _ in 0..2 {
        let r = post(&c, &server, "/v1/messages", &hello(true))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (got, errored) = drain(r).await;
        assert!(errored, "the body must end in an error");
        assert!(got.len() <= 300);
    }
}

#[tokio::test]
async fn stalled_stream_sends_some_events_then_nothing() {
    let server = MockServer::start().await.unwrap();
    server.enqueue(MockReply::stalled("hello"));
    let r = post(&client(), &server, "/v1/messages", &hello(true))
        .send()
        .await
        .unwrap();
    let mut s = r.bytes_stream();
    let mut got = Vec::new();
    let mut p = SseParser::new();
    let mut names = Vec::new();
    // Read until the text arrived; then the next read must not complete (idle).
    while !names.iter().any(|n: &String| n == "content_block_delta") {
        let chunk = s.next().await.unwrap().unwrap();
        got.extend_from_slice(&chunk);
        names.extend(p.push(&chunk).map(|e| e.unwrap().event.to_string()));
    }
    let next = tokio::time::timeout(Duration::from_millis(300), s.next()).await;
    assert!(
        next.is_err(),
        "a stalled stream must not deliver more data or end"
    );
    drop(s);
    server.shutdown();
}

#[tokio::test]
async fn delay_and_slow_headers_and_drip() {
    let server = MockServer::start().await.unwrap();
    let c = client();
    // A delay longer than the client timeout is observable as a timeout.
    server.enqueue(MockReply::default_reply().delay(Duration::from_secs(30)));
    let err = post(&c, &server, "/v1/messages", &hello(false))
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // Slow headers and a dripped body still deliver a correct response.
    server.enqueue(
        MockReply::text("dripped text")
            .slow_headers(64, Duration::from_millis(1))
            .drip(40, Duration::from_millis(1)),
    );
    let r = post(&c, &server, "/v1/messages", &hello(true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (body, errored) = drain(r).await;
    assert!(!errored);
    assert_eq!(text_of(&events(&body)), "dripped text");
}

#[tokio::test]
async fn keep_alive_pipelining_and_bad_requests_over_raw_tcp() {
    let server = MockServer::start().await.unwrap();
    let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let req = "GET /v1/models?limit=1 HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\n\r\n";
    s.write_all(format!("{req}{req}").as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while String::from_utf8_lossy(&got).matches("has_more").count() < 2 {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2);
    assert!(text.contains("request-id: req_mock_1") && text.contains("request-id: req_mock_2"));

    let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(b"BROKEN\r\n\r\n").await.unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.unwrap();
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 400"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_streams() {
    let server = MockServer::start().await.unwrap();
    let c = reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .build()
        .unwrap();
    let url = format!("{}/v1/messages", server.url());
    let futs = (0..1000).map(|i| {
        let c = c.clone();
        let url = url.clone();
        async move {
            let body = json!({"model": "m", "max_tokens": 10, "stream": true,
                              "messages": [{"role": "user", "content": format!("n{i}")}]});
            let r = c
                .post(url)
                .header("x-api-key", KEY)
                .header("anthropic-version", "2023-06-01")
                .json(&body)
                .send()
                .await
                .unwrap();
            let evs = events(&r.bytes().await.unwrap());
            assert_eq!(text_of(&evs), format!("n{i}"));
            assert_eq!(evs.last().unwrap().0, "message_stop");
        }
    });
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(server.requests().len(), 1000);
}

#[test]
fn background_server_for_sync_callers_and_shutdown() {
    let server = MockServer::start_background().unwrap();
    let url = server.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = post(&client(), &server, "/v1/messages", &hello(false))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    drop(server);
    rt.block_on(async {
        let err = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{url}/v1/models"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect() || err.is_request(), "{err:?}");
    });
}

#[tokio::test]
async fn script_loading() {
    let script = MockScript::from_json(
        r#"{
          "replies": [
            {"kind": "error", "status": 529, "error_type": "overloaded_error", "message": "Overloaded",
             "headers": {"x-should-retry": "true"}},
            {"kind": "text", "text": "from script", "path": "/v1/messages"},
            {"kind": "sse", "events": [{"event": "message_stop", "data": {"type": "message_stop"}}]}
          ],
          "credentials": [{"secret": "sk-bad", "reply": {"kind": "error", "status": 403,
                           "error_type": "permission_error", "message": "nope"}}]
        }"#,
    )
    .unwrap();
    assert_eq!(script.replies.len(), 3);
    let server = MockServer::start().await.unwrap();
    server.load_script(script);
    let c = client();
    let r = post(&c, &server, "/v1/messages", &hello(false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 529);
    assert_eq!(r.headers()["x-should-retry"], "true");
    let b = post_json(&c, &server, "/v1/messages", &hello(false)).await;
    assert_eq!(b["content"][0]["text"], "from script");
    let evs = post_events(&c, &server).await;
    assert_eq!(names(&evs), ["message_stop"]);
    let r = c
        .post(format!("{}/v1/messages", server.url()))
        .header("x-api-key", "sk-bad")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let err = MockScript::from_json(r#"{"replies": [{"kind": "bogus"}]}"#).unwrap_err();
    assert!(err.to_string().contains("unknown kind \"bogus\""), "{err}");
    let err =
        MockScript::from_json(r#"{"replies": [{"kind": "error", "status": 500}]}"#).unwrap_err();
    assert!(err.to_string().contains("error_type"), "{err}");
    assert!(
        MockScript::from_json(r#"{"replies": [{"kind": "text", "text": "x", "typo": 1}]}"#)
            .is_err()
    );
}

#[tokio::test]
async fn the_request_log_keeps_the_newest_up_to_the_limit_and_counts_all() {
    let server = MockServer::start().await.unwrap();
    server.set_record_limit(3);
    let c = client();
    for i in 0..5 {
        let body = json!({"model": "claude-opus-4-5", "max_tokens": 8,
                          "messages": [{"role": "user", "content": format!("n{i}")}]});
        let r = post(&c, &server, "/v1/messages", &body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let kept: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            r.json.as_ref().unwrap()["messages"][0]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kept, ["n2", "n3", "n4"]);
    assert_eq!(server.request_count(), 5);
    // reset clears the log and the count, not the limit; 0 records nothing.
    server.reset();
    assert_eq!(server.request_count(), 0);
    server.set_record_limit(0);
    post(&c, &server, "/v1/messages", &hello(false))
        .send()
        .await
        .unwrap();
    assert!(server.requests().is_empty());
    assert_eq!(server.request_count(), 1);
    assert_eq!(claw_anthropic::mock::MAX_RECORDED, 10_000);
}

/// The listening socket queues `LISTEN_BACKLOG` connections (capped by the kernel's
/// `somaxconn`), not std's 128: a load test opening hundreds of streams at once must not lose
/// SYNs (those clients would retry a second later). Read back with `ss`, which reports a
/// listener's backlog as its send queue.
#[tokio::test]
async fn the_listener_queues_a_load_tests_worth_of_connections() {
    let server = MockServer::start().await.unwrap();
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let out = match std::process::Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        other => panic!("`ss` (iproute2) is needed for this test: {other:?}"),
    };
    let backlog: u32 = out
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("unexpected `ss` output: {out:?}"));
    let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(
        backlog,
        claw_anthropic::mock::LISTEN_BACKLOG.min(somaxconn),
        "{out}"
    );
}
