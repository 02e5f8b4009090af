//! Transport safety: credentials never go over plain http to a non-loopback host, CR/LF can't
//! inject headers, and TLS is rustls only (no native-tls / OpenSSL in the dependency graph).
#![cfg(feature = "mock")]

use crate::support::*;
use claw_anthropic::Error;
use claw_anthropic::auth::credential::CredentialKind;
use claw_anthropic::client::RetryPolicy;
use claw_anthropic::clock::SharedClock;
use claw_anthropic::mock::MockServer;
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages};
use claw_anthropic::{AgentId, Client, Config};
use secrecy::SecretString;
use std::sync::Arc;

/// A client whose every connection goes through `proxy` (the loopback mock): had it tried to
/// reach a remote host, the mock would have recorded the attempt — and nothing leaves the box.
fn proxied_client(world: &World, proxy: &MockServer) -> Client {
    let clock: SharedClock = world.clock.clone();
    Client::builder(world.config.clone())
        .agent(AgentId::main())
        .retry_policy(RetryPolicy::none())
        .clock(clock)
        .sleeper(Arc::new(claw_anthropic::client::RecordingSleeper::new()))
        .http_client(
            reqwest::Client::builder()
                .proxy(reqwest::Proxy::all(proxy.url()).unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn credentials_are_refused_over_plain_http_to_remote_hosts() {
    let proxy = MockServer::start().await.unwrap();
    for url in [
        "http://example.com",
        "http://api.anthropic.com",
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example",
        "http://127.0.0.1@evil.example",
        "http://evil.example#@127.0.0.1",
        "http://10.1.2.3:8080",
        "ftp://127.0.0.1",
        "file:///etc/passwd",
        "ws://127.0.0.1",
    ] {
        let w = World::new(url, &[("anthropic:a", &canary_key('a'))]);
        let client = proxied_client(&w, &proxy);
        for streaming in [false, true] {
            let e = if streaming {
                client.stream(hello()).await.unwrap_err()
            } else {
                client.send(hello()).await.unwrap_err()
            };
            let msg = e.to_string();
            assert!(
                matches!(e, Error::InvalidArgument(_)),
                "{url}: expected a refusal, got {e:?}"
            );
            assert!(
                msg.contains("https://") && msg.contains("baseUrl"),
                "{url}: the message says what to do and where: {msg}"
            );
            assert!(!msg.contains(CANARY));
        }
        let e = client.count_tokens(hello()).await.unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{url}: {e:?}");
        let e = client.list_models().await.unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{url}: {e:?}");
        // A refusal is the config's fault, not the profile's.
        assert!(w.store()["usageStats"].is_null(), "{url}: {}", w.store());
    }
    assert!(
        proxy.requests().is_empty(),
        "something was sent: {:?}",
        proxy.requests()
    );
}

#[tokio::test]
async fn loopback_http_is_allowed() {
    let server = MockServer::start().await.unwrap();
    let port = server.addr().port();
    for url in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}/"),
        format!("http://LocalHost:{port}"),
    ] {
        let w = World::new(&url, &[("anthropic:a", &canary_key('a'))]);
        let (client, _) = w.default_client();
        let r = client.send(hello()).await.unwrap();
        assert_eq!(r.value.text(), "hello");
    }
}

fn build_with(config: &Config, kind: CredentialKind, secret: &str) -> claw_anthropic::Result<()> {
    let secret = SecretString::from(secret.to_owned());
    build_messages(
        config,
        AuthHeader::new(kind, &secret),
        hello(),
        &BuildOptions::default(),
    )
    .map(|_| ())
}

#[test]
fn header_injection_is_rejected_everywhere() {
    let ok = Config::from_json5("{}").unwrap();
    // In keys and tokens.
    for bad in [
        "sk-ant-api03-abc\r\nx-evil: 1",
        "sk-ant-api03-abc\nx-evil: 1",
        "sk-ant-api03-abc\rx",
        "sk-ant-api03-\u{0}abc",
    ] {
        for kind in [CredentialKind::ApiKey, CredentialKind::Token] {
            let e = build_with(&ok, kind, bad).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{bad:?}: {e:?}");
            assert!(
                !e.to_string().contains("abc"),
                "the secret is not echoed: {e}"
            );
        }
    }
    // In config header values and names.
    for cfg in [
        r#"{ models: { providers: { anthropic: { headers: { "x-a": "v\r\nx-evil: 1" } } } } }"#,
        r#"{ models: { providers: { anthropic: { headers: { "x-a": "v\nx-evil: 1" } } } } }"#,
        r#"{ models: { providers: { anthropic: { headers: { "anthropic-beta": "a\r\nx-evil: 1" } } } } }"#,
        r#"{ models: { providers: { anthropic: { headers: { "x-a\r\nx-evil": "v" } } } } }"#,
        r#"{ models: { providers: { anthropic: { headers: { "x-a: b": "v" } } } } }"#,
        r#"{ models: { providers: { anthropic: { headers: { "": "v" } } } } }"#,
    ] {
        match Config::from_json5(cfg) {
            Err(e) => assert!(e.is_config(), "{cfg}: {e}"),
            Ok(c) => {
                let e = build_with(&c, CredentialKind::ApiKey, "sk-ant-api03-fine").unwrap_err();
                assert!(matches!(e, Error::InvalidArgument(_)), "{cfg}: {e:?}");
            }
        }
    }
    // In per-call headers.
    for (name, value) in [
        ("x-a", "v\r\nx-evil: 1"),
        ("x-a\r\nx-evil", "v"),
        ("x a", "v"),
        ("anthropic-beta", "b\nx"),
    ] {
        let secret = SecretString::from("sk-ant-api03-fine".to_owned());
        let e = build_messages(
            &ok,
            AuthHeader::new(CredentialKind::ApiKey, &secret),
            hello(),
            &BuildOptions {
                headers: vec![(name.to_owned(), value.to_owned())],
                ..BuildOptions::default()
            },
        )
        .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{name:?}: {e:?}");
    }
}

#[tokio::test]
async fn a_stored_key_with_crlf_is_never_sent() {
    let server = MockServer::start().await.unwrap();
    let w = World::new(
        &server.url(),
        &[("anthropic:a", "sk-ant-api03-SECRETCANARY\r\nx-evil: 1")],
    );
    let (client, _) = w.default_client();
    let e = client.send(hello()).await.unwrap_err();
    assert!(!e.to_string().contains(CANARY), "{e}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn tls_is_rustls_only() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .expect("Cargo.lock is committed");
    let packages: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    // (schannel / security-framework may appear: rustls-platform-verifier reads the OS trust
    // store through them on Windows / macOS; they are not TLS stacks here.)
    assert!(packages.contains(&"rustls"), "rustls is the TLS stack");
    for banned in [
        "native-tls",
        "openssl",
        "openssl-sys",
        "hyper-tls",
        "tokio-native-tls",
    ] {
        assert!(
            !packages.contains(&banned),
            "{banned} is in Cargo.lock: reqwest must be built with rustls only"
        );
    }
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let reqwest_line = manifest.lines().find(|l| l.starts_with("reqwest")).unwrap();
    assert!(
        reqwest_line.contains("default-features = false") && reqwest_line.contains("rustls"),
        "{reqwest_line}"
    );
}

/// A redirect is an error, never followed: the request carries the credential, and `reqwest`
/// would send an `x-api-key` on to the host the redirect names (it strips only
/// `Authorization`). Not retried, not counted against the profile, and the message says what
/// to fix.
#[tokio::test]
async fn a_redirect_is_refused_and_the_credential_goes_nowhere_else() {
    let elsewhere = MockServer::start().await.unwrap();
    let api = MockServer::start().await.unwrap();
    let w = World::new(&api.url(), &[("anthropic:a", &canary_key('a'))]);
    let clock: SharedClock = w.clock.clone();
    // The client this crate builds (no `http_client` of the caller's).
    let client = Client::builder(w.config.clone())
        .agent(AgentId::main())
        .clock(clock)
        .sleeper(Arc::new(claw_anthropic::client::RecordingSleeper::new()))
        .build()
        .unwrap();
    let target = format!("{}/v1/messages", elsewhere.url());
    for (status, streaming) in [(307, false), (308, true), (302, false), (301, true)] {
        api.enqueue(
            claw_anthropic::mock::MockReply::raw(status, "text/plain", "")
                .header("location", target.as_str()),
        );
        let e = if streaming {
            client.stream(hello()).await.unwrap_err()
        } else {
            client.send(hello()).await.unwrap_err()
        };
        let msg = e.to_string();
        assert!(matches!(e, Error::InvalidArgument(_)), "{status}: {e:?}");
        assert!(
            msg.contains(&format!("HTTP {status}")) && msg.contains(&target),
            "{status}: the message names the answer and where it pointed: {msg}"
        );
        assert!(msg.contains("baseUrl"), "{status}: says what to fix: {msg}");
        assert!(!msg.contains(CANARY));
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect was followed: {:?}",
        elsewhere.requests()
    );
    assert_eq!(api.requests().len(), 4, "one try per request, no retry");
    assert!(w.store()["usageStats"].is_null(), "{}", w.store());
}
