//! What a successful status may carry: a body that is not a Message is an error (classified
//! like the API's own error types), a request without `model` uses the configured default, a
//! request with an empty message is refused before it is sent, and the client's last drop and
//! flush write the store without stalling a runtime.
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::auth::store::{AuthStore, FileStore, StoreBackend, StoreTxn};
use claw_anthropic::client::RetryPolicy;
use claw_anthropic::error::TransportKind;
use claw_anthropic::mock::{MockReply, MockServer};
use claw_anthropic::request::messages::{ContentBlock, MessageParam, MessageRequest, Role};
use claw_anthropic::{Client, Config, EnvView, Error};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn overloaded_body() -> serde_json::Value {
    json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
}

fn no_retry_client(h: &Harness) -> Client {
    let mut b = h.builder(0.0);
    b.retry_policy(RetryPolicy::none());
    b.build().unwrap()
}

#[tokio::test]
async fn an_error_object_with_status_200_is_a_classified_error_not_a_reply() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::json(200, &overloaded_body()));
    let client = no_retry_client(&h);
    let e = client.send(ping()).await.unwrap_err();
    assert!(e.is_rate_limit(), "{e}");
    assert_eq!(e.status(), Some(529), "{e}");
    let shown = e.to_string();
    assert!(shown.contains("overloaded_error"), "{shown}");
    assert!(shown.contains("HTTP 200"), "{shown}");
    client.flush().await.unwrap();
    // Recorded as a rate-limit failure; never as a success.
    let stats = &h.read_store()["usageStats"]["anthropic:s"];
    assert_eq!(stats["failureCounts"]["rate_limit"], 1, "{stats}");
    assert!(stats["lastUsed"].is_null(), "{stats}");
    assert!(stats["cooldownUntil"].is_u64(), "{stats}");
}

#[tokio::test]
async fn an_overloaded_error_object_with_status_200_is_retried_like_a_529() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::json(200, &overloaded_body()));
    h.server.enqueue(MockReply::text("after the retry"));
    let client = h.client();
    let r = client.send(ping()).await.unwrap();
    assert_eq!(r.value.text(), "after the retry");
    assert_eq!(h.sleeper.delays().len(), 1);
    assert_eq!(h.creds(MSGS).len(), 2);
}

#[tokio::test]
async fn an_invalid_request_error_object_with_status_200_is_the_callers_fault() {
    let (h, _) = harness().await;
    let body = json!({"type": "error", "error": {"type": "invalid_request_error", "message": "messages: bad"}});
    h.server.enqueue(MockReply::json(200, &body));
    let client = no_retry_client(&h);
    let e = client.send(ping()).await.unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
    client.flush().await.unwrap();
    let stats = &h.read_store()["usageStats"]["anthropic:s"];
    assert!(
        stats.is_null() || stats["failureCounts"].is_null(),
        "{stats}"
    );
    assert!(stats["lastUsed"].is_null(), "{stats}");
}

#[tokio::test]
async fn a_body_of_another_shape_is_a_clear_not_a_message_error() {
    for body in [
        json!({"type": "completion", "completion": "hi"}),
        json!({"choices": [{"text": "hi"}]}),
        json!({}),
    ] {
        let (h, _) = harness().await;
        h.server.enqueue(MockReply::json(200, &body));
        let client = no_retry_client(&h);
        let e = client.send(ping()).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Transport {
                    kind: TransportKind::Protocol,
                    ..
                }
            ),
            "{body}: {e:?}"
        );
        assert!(e.to_string().contains("is not a Message"), "{body}: {e}");
        client.flush().await.unwrap();
        let stats = &h.read_store()["usageStats"]["anthropic:s"];
        assert!(stats["lastUsed"].is_null(), "{body}: {stats}");
    }
}

#[tokio::test]
async fn a_stream_answered_with_an_error_object_is_that_error() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::json(200, &overloaded_body()));
    let client = no_retry_client(&h);
    let e = client.stream(ping()).await.unwrap_err();
    assert!(e.is_rate_limit(), "{e}");
    assert_eq!(e.status(), Some(529), "{e}");
    // Another JSON body is not an event stream.
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::json(200, &json!({"hello": 1})));
    let e = no_retry_client(&h).stream(ping()).await.unwrap_err();
    assert!(e.to_string().contains("not an event stream"), "{e}");
}

#[tokio::test]
async fn a_request_without_model_uses_the_configured_default_model_and_max_tokens() {
    let h = Harness::new(
        r#"agents: { defaults: {
             model: { primary: "anthropic/claude-haiku-4-5" },
             models: { "anthropic/claude-haiku-4-5": { params: { maxTokens: 321 } } },
           } }"#,
    )
    .await;
    h.write_store(&[("anthropic:s", &key('S'))], json!({}));
    let req: MessageRequest =
        serde_json::from_str(r#"{"messages":[{"role":"user","content":"hi"}]}"#).unwrap();
    assert_eq!(req.model, "");
    assert_eq!(req.max_tokens, None);
    // Building it (a dry run) resolves both.
    let built = claw_anthropic::request::build::build_messages(
        &h.config,
        claw_anthropic::request::build::AuthHeader::new(
            claw_anthropic::auth::credential::CredentialKind::ApiKey,
            &secrecy::SecretString::from(key('S')),
        ),
        req.clone(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(built.body.model, "claude-haiku-4-5");
    assert_eq!(built.body.max_tokens, Some(321));
    // And so does sending it.
    h.server.enqueue(MockReply::text("hi"));
    let r = h.client().send(req).await.unwrap();
    assert_eq!(r.model.to_string(), "anthropic/claude-haiku-4-5");
    let sent = h.server.requests();
    let body = sent.last().unwrap().json.clone().unwrap();
    assert_eq!(body["model"], "claude-haiku-4-5");
    assert_eq!(body["max_tokens"], 321);
}

/// A store backend whose first lock panics.
#[derive(Debug)]
struct PanicsOnce {
    file: FileStore,
    armed: AtomicBool,
}

impl StoreBackend for PanicsOnce {
    fn load(&self) -> claw_anthropic::Result<Option<AuthStore>> {
        self.file.load()
    }
    fn lock(&self) -> claw_anthropic::Result<Box<dyn StoreTxn>> {
        if self.armed.swap(false, Ordering::SeqCst) {
            panic!("the store lock exploded");
        }
        self.file.lock()
    }
    fn describe(&self) -> String {
        self.file.describe()
    }
}

#[tokio::test]
async fn a_panic_while_flushing_is_an_internal_error_naming_it() {
    let (h, _) = harness().await;
    h.server.enqueue(MockReply::text("hi"));
    let mut b = h.builder(0.0);
    b.store(Arc::new(PanicsOnce {
        file: FileStore::new(h.store_path()),
        armed: AtomicBool::new(true),
    }));
    let client = b.build().unwrap();
    client.send(ping()).await.unwrap();
    let e = client.flush().await.unwrap_err();
    match &e {
        Error::Internal(m) => assert!(m.contains("panicked: the store lock exploded"), "{m}"),
        other => panic!("expected an internal error, got {other:?}"),
    }
    // The next flush writes.
    client.flush().await.unwrap();
    assert!(h.read_store()["usageStats"]["anthropic:s"]["lastUsed"].is_u64());
}

#[test]
fn dropping_the_last_client_on_a_current_thread_runtime_does_not_wait_for_the_store_lock() {
    let server = MockServer::start_background().unwrap();
    server.enqueue(MockReply::text("hi"));
    let home = Home::new();
    let text = format!(
        "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{}\", api: \"anthropic-messages\" }} }} }} }}",
        server.url()
    );
    let config = Arc::new(Config::from_json5_with(&text, home.paths(), EnvView::empty()).unwrap());
    let store = home.write_store(
        "main",
        &json!({"version": 1, "profiles": {"anthropic:s": {"type": "api_key", "provider": "anthropic", "key": key('S')}}}),
    );
    // A success recorded on one runtime; that runtime (and the write it scheduled) is gone
    // before the client is dropped, so only the drop can write it.
    let client = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = Client::new(config, None).unwrap();
            client.send(ping()).await.unwrap();
            client
        })
    };
    // Someone else holds the store lock (a proper-lockfile lock directory).
    let lock_dir = {
        let mut s = std::fs::canonicalize(&store).unwrap().into_os_string();
        s.push(".lock");
        std::path::PathBuf::from(s)
    };
    std::fs::create_dir(&lock_dir).unwrap();
    // The holder frees the lock once the runtime has made progress after the drop, or after a
    // long wait (then the drop blocked the runtime).
    let (progress_tx, progress_rx) = std::sync::mpsc::channel::<()>();
    let holder = {
        let lock_dir = lock_dir.clone();
        std::thread::spawn(move || {
            let progressed = progress_rx.recv_timeout(Duration::from_secs(20)).is_ok();
            std::fs::remove_dir(&lock_dir).unwrap();
            progressed
        })
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let other = tokio::spawn(async move {
            let _ = progress_tx.send(());
        });
        drop(client);
        other.await.unwrap();
    });
    assert!(
        holder.join().unwrap(),
        "the runtime made no progress while the drop waited for the store lock"
    );
    // The write happens once the lock is free.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = home.read_store("main");
        if v["usageStats"]["anthropic:s"]["lastUsed"].is_u64() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the recorded success was never written: {v}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the API answers 400 for — a message without content, empty or blank text — is refused by
/// `send` and `stream` before anything is sent: no request reaches the server and no profile is
/// used.
#[tokio::test]
async fn an_empty_message_is_refused_before_sending() {
    let (h, _) = harness().await;
    let client = h.client();
    let user = |content: &str| MessageParam::user(content.to_owned());
    let blocks = |role: Role, blocks: Vec<ContentBlock>| MessageParam {
        role,
        content: blocks.into(),
    };
    let cases: Vec<(Vec<MessageParam>, &str, &str)> = vec![
        (
            vec![user("")],
            "messages[0].content",
            "the user message is empty",
        ),
        (
            vec![user(" \n\t")],
            "messages[0].content",
            "the user message is only whitespace",
        ),
        (
            vec![blocks(Role::User, vec![])],
            "messages[0].content",
            "the user message has no content blocks",
        ),
        (
            vec![blocks(
                Role::User,
                vec![ContentBlock::text("a"), ContentBlock::text("")],
            )],
            "messages[0].content[1].text",
            "a text block of the user message is empty",
        ),
        (
            vec![
                user("hi"),
                MessageParam::assistant(String::new()),
                user("again"),
            ],
            "messages[1].content",
            "the assistant message is empty",
        ),
        (
            vec![
                user("hi"),
                blocks(Role::Assistant, vec![ContentBlock::text("  ")]),
            ],
            "messages[1].content[0].text",
            "a text block of the assistant message is only whitespace",
        ),
    ];
    for (messages, want_path, want) in cases {
        for stream in [false, true] {
            let req = MessageRequest::new("", messages.clone());
            let e = if stream {
                client.stream(req).await.map(drop).unwrap_err()
            } else {
                client.send(req).await.map(drop).unwrap_err()
            };
            match &e {
                Error::InvalidRequest { path, message } => {
                    assert_eq!(path, want_path);
                    assert!(message.starts_with(want), "{message}");
                }
                other => panic!("expected InvalidRequest, got {other:?}"),
            }
        }
    }
    assert!(h.server.requests().is_empty(), "nothing was sent");
    client.flush().await.unwrap();
    assert!(h.read_store()["usageStats"].is_null() || h.read_store()["usageStats"] == json!({}));

    // A final assistant message may be empty (a prefill): that request is sent.
    h.server.enqueue(MockReply::text("continued"));
    let req = MessageRequest::new("", vec![user("hi"), MessageParam::assistant(String::new())]);
    assert_eq!(client.send(req).await.unwrap().value.text(), "continued");
    assert_eq!(h.server.requests().len(), 1);
}
