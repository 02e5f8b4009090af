//! OAuth refresh against a loopback token endpoint (docs/compatibility.md, "OAuth refresh").

use crate::support::*;
use claw_anthropic::Error;
use claw_anthropic::auth::{AgentAuth, CredentialKind};
use serde_json::{Value, json};
use std::time::Duration;

const OLD_REFRESH: &str = "sk-ant-ort01-OLDREFRESHOLDREFRESHOLDREFRESH";

fn oauth_store(expires: u64) -> Value {
    json!({"version": 1, "profiles": {"anthropic:me@x.io": {
        "type": "oauth", "provider": "anthropic",
        "access": "sk-ant-oat01-OLDACCESSOLDACCESSOLDACCESS", "refresh": OLD_REFRESH,
        "expires": expires, "email": "me@x.io", "accountId": "acct_1"}}})
}

fn ok_body() -> Value {
    json!({"access_token": "sk-ant-oat01-NEWACCESSNEWACCESSNEWACCESS", "refresh_token": "sk-ant-ort01-NEWREFRESH", "expires_in": 3600, "token_type": "Bearer"})
}

fn setup(home: &Home, server: &TokenServer, env: &[(&str, &str)]) -> AgentAuth {
    home.write_store("main", &oauth_store(NOW - 1));
    let (auth, _clock) = home.auth(home.config("{}", env), "main", NOW);
    auth.with_oauth_endpoint(server.url.clone(), "client-test")
}

fn assert_refreshed_store(home: &Home) {
    let v = home.read_store("main");
    let p = &v["profiles"]["anthropic:me@x.io"];
    assert_eq!(p["access"], "sk-ant-oat01-NEWACCESSNEWACCESSNEWACCESS");
    assert_eq!(p["refresh"], "sk-ant-ort01-NEWREFRESH");
    assert_eq!(p["expires"], NOW + 3_600_000 - 300_000);
    assert_eq!(
        p["accountId"], "acct_1",
        "unknown fields survive the refresh"
    );
    assert_eq!(p["email"], "me@x.io");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_success_rotates_tokens() {
    let server = TokenServer::start(200, ok_body(), Duration::ZERO);
    let home = Home::new();
    let auth = setup(&home, &server, &[]);
    let r = auth.resolve_async("anthropic", None, None).await.unwrap();
    assert_eq!(r.kind, CredentialKind::OAuth);
    assert_eq!(r.profile_id.as_deref(), Some("anthropic:me@x.io"));
    use secrecy::ExposeSecret;
    assert_eq!(
        r.secret.expose_secret(),
        "sk-ant-oat01-NEWACCESSNEWACCESSNEWACCESS"
    );
    assert_refreshed_store(&home);
    assert_eq!(server.hits(), 1);
    let sent: Value = serde_json::from_str(&server.bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(
        sent,
        json!({"grant_type": "refresh_token", "client_id": "client-test", "refresh_token": OLD_REFRESH})
    );
    // Now fresh: no second request.
    auth.resolve_async("anthropic", None, None).await.unwrap();
    assert_eq!(server.hits(), 1);
}

#[test]
fn sync_resolve_refreshes_too() {
    let server = TokenServer::start(200, ok_body(), Duration::ZERO);
    let home = Home::new();
    let auth = setup(&home, &server, &[]);
    let r = auth
        .resolve("anthropic", Some("anthropic:me@x.io"), None)
        .unwrap();
    assert_eq!(r.kind, CredentialKind::OAuth);
    assert_refreshed_store(&home);
    assert_eq!(server.hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_400_is_an_oauth_refresh_error() {
    let server = TokenServer::start(
        400,
        json!({"error": "invalid_grant", "error_description": "Refresh token not found or invalid"}),
        Duration::ZERO,
    );
    let home = Home::new();
    let auth = setup(&home, &server, &[]);
    let before = std::fs::read(home.store_path("main")).unwrap();
    for explicit in [Some("anthropic:me@x.io"), None] {
        let e = auth
            .resolve_async("anthropic", explicit, None)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::OAuthRefresh { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.starts_with("OAuth token refresh failed for anthropic: HTTP 400"),
            "{msg}"
        );
        assert!(msg.contains("invalid_grant"), "{msg}");
        assert!(msg.contains("setup-token"), "{msg}");
        assert!(
            !msg.contains(OLD_REFRESH) && !msg.contains("OLDACCESS"),
            "{msg}"
        );
    }
    assert_eq!(std::fs::read(home.store_path("main")).unwrap(), before);
    assert!(!home.store_path("main").with_extension("json.lock").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_refresh_falls_back_to_the_environment() {
    let server = TokenServer::start(500, json!({"error": "server_error"}), Duration::ZERO);
    let home = Home::new();
    let env_key = key('E');
    let auth = setup(&home, &server, &[("ANTHROPIC_API_KEY", &env_key)]);
    let r = auth.resolve_async("anthropic", None, None).await.unwrap();
    assert_eq!(r.label, "env: ANTHROPIC_API_KEY");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("OAuth token refresh failed")),
        "{:?}",
        r.warnings
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshers_post_once() {
    let server = TokenServer::start(200, ok_body(), Duration::from_millis(200));
    let home = Home::new();
    let a = setup(&home, &server, &[]);
    // A second, independent facade over the same store file.
    let (b, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    let b = b.with_oauth_endpoint(server.url.clone(), "client-test");
    let (ra, rb) = tokio::join!(
        a.resolve_async("anthropic", None, None),
        b.resolve_async("anthropic", None, None)
    );
    use secrecy::ExposeSecret;
    assert_eq!(
        ra.unwrap().secret.expose_secret(),
        rb.unwrap().secret.expose_secret()
    );
    assert_eq!(server.hits(), 1, "exactly one POST");
    assert_refreshed_store(&home);
}

#[test]
fn concurrent_sync_refreshers_in_threads_post_once() {
    let server = TokenServer::start(200, ok_body(), Duration::from_millis(200));
    let home = Home::new();
    let a = setup(&home, &server, &[]);
    let results: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|_| s.spawn(|| a.resolve("anthropic", None, None)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(server.hits(), 1);
}

#[test]
fn fresh_oauth_and_tokens_are_never_refreshed() {
    let server = TokenServer::start(200, ok_body(), Duration::ZERO);
    let home = Home::new();
    home.write_store("main", &oauth_store(NOW + 60_000));
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    let auth = auth.with_oauth_endpoint(server.url.clone(), "c");
    auth.resolve("anthropic", None, None).unwrap();
    // An expired setup-token is dropped, not refreshed.
    home.write_store(
        "main",
        &json!({"version": 1, "profiles": {"anthropic:t": {"type": "token", "provider": "anthropic",
            "token": setup_token('T'), "expires": NOW - 1}}}),
    );
    let e = auth.resolve("anthropic", None, None).unwrap_err();
    assert!(matches!(e, Error::NoApiKey { .. }), "{e}");
    assert_eq!(server.hits(), 0);
}

#[test]
fn credentials_only_go_to_https_or_loopback() {
    let home = Home::new();
    home.write_store("main", &oauth_store(NOW - 1));
    let (auth, _clock) = home.auth(home.config("{}", &[]), "main", NOW);
    let auth = auth.with_oauth_endpoint("http://example.com/v1/oauth/token", "c");
    let e = auth
        .resolve("anthropic", Some("anthropic:me@x.io"), None)
        .unwrap_err();
    assert!(matches!(e, Error::OAuthRefresh { .. }), "{e}");
    assert!(e.to_string().contains("https"), "{e}");
}

#[test]
fn malformed_token_response_is_an_error() {
    let server = TokenServer::start(200, json!({"token_type": "Bearer"}), Duration::ZERO);
    let home = Home::new();
    let auth = setup(&home, &server, &[]);
    let e = auth
        .resolve("anthropic", Some("anthropic:me@x.io"), None)
        .unwrap_err();
    assert!(e.to_string().contains("no access_token"), "{e}");
    assert_eq!(
        home.read_store("main")["profiles"]["anthropic:me@x.io"]["refresh"],
        OLD_REFRESH
    );
}
