//! OAuth refresh of `oauth` profiles ([OAuth refresh](crate::compatibility#oauth-refresh)).
//! Setup-tokens are never refreshed.
//!
//! The refresh runs **under the store lock**: the store is re-read inside the lock, and when
//! another process has already refreshed the profile (its `expires` is in the future) that token
//! is used without a request. Otherwise the refresh token is POSTed as JSON
//! `{"grant_type":"refresh_token","client_id":…,"refresh_token":…}` to the token URL; the answer
//! `{access_token, refresh_token?, expires_in}` is stored with
//! `expires = now + expires_in·1000 − 5 min` and the rotated refresh token.
//!
//! [`refresh_oauth_profile`] is async (tokio + reqwest). [`refresh_oauth_profile_blocking`] runs it
//! on a helper thread with its own current-thread runtime, so it can be called from synchronous
//! code whether or not a runtime is running (it blocks the calling thread).

use super::credential::Credential;
use super::store::StoreBackend;
use crate::clock::SharedClock;
use crate::error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// Anthropic's OAuth token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://console.anthropic.com/v1/oauth/token";
/// The Claude OAuth client id.
pub const DEFAULT_CLIENT_ID: &str = "9d1c250a-e61b-44d9-88ed-5944d1962f5e";
/// Safety margin subtracted from `expires_in`.
pub const EXPIRY_MARGIN_MS: u64 = 5 * 60 * 1000;
/// Timeout of the refresh request.
pub const REFRESH_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom to refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthEndpoint {
    /// Token URL (`https://`, or `http://` on loopback only).
    pub token_url: String,
    /// OAuth client id.
    pub client_id: String,
}

impl Default for OAuthEndpoint {
    fn default() -> Self {
        OAuthEndpoint {
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
        }
    }
}

/// The outcome of a refresh.
#[derive(Debug, Clone)]
pub struct RefreshedToken {
    /// The access token to send.
    pub access: SecretString,
    /// Its expiry (ms since the epoch).
    pub expires: u64,
    /// `false` when another process had already refreshed it (no request was made).
    pub refreshed: bool,
}

/// Whether credentials may be sent to `url`: `https://`, or `http://` to a loopback host.
pub fn credentials_allowed(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    match u.scheme() {
        "https" => true,
        "http" => {
            let host = u
                .host_str()
                .unwrap_or("")
                .trim_start_matches('[')
                .trim_end_matches(']');
            host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

fn fail(provider: &str, cause: impl Into<String>) -> Error {
    Error::OAuthRefresh {
        provider: provider.to_owned(),
        cause: cause.into(),
    }
}

/// A short, secret-free description of an error body (`error` / `error_description` fields, or
/// the error type of an Anthropic error).
fn describe_error_body(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let pick = |v: &serde_json::Value| v.as_str().map(|s| s.chars().take(200).collect::<String>());
    let code = pick(&v["error"]).or_else(|| pick(&v["error"]["type"]));
    let desc = pick(&v["error_description"]).or_else(|| pick(&v["error"]["message"]));
    match (code, desc) {
        (Some(c), Some(d)) => Some(format!("{c}: {d}")),
        (Some(c), None) => Some(c),
        (None, Some(d)) => Some(d),
        (None, None) => None,
    }
}

/// Refreshes profile `profile_id` under the store lock (see the module docs).
pub async fn refresh_oauth_profile(
    store: Arc<dyn StoreBackend>,
    profile_id: &str,
    provider: &str,
    endpoint: &OAuthEndpoint,
    clock: &SharedClock,
) -> Result<RefreshedToken> {
    if !credentials_allowed(&endpoint.token_url) {
        return Err(fail(
            provider,
            "the token URL must use https:// (or http:// on loopback)",
        ));
    }
    let lock_store = store.clone();
    let mut txn = match tokio::runtime::Handle::try_current() {
        Ok(_) => tokio::task::spawn_blocking(move || lock_store.lock())
            .await
            .map_err(|e| fail(provider, format!("lock task failed: {e}")))??,
        Err(_) => lock_store.lock()?,
    };
    let mut current = txn.load()?.unwrap_or_default();
    let now = clock.now_ms();
    let refresh_token = {
        let Some(p) = current.profiles.get(profile_id) else {
            return Err(fail(
                provider,
                format!("profile {profile_id} no longer exists"),
            ));
        };
        let Credential::OAuth {
            access,
            refresh,
            expires,
            ..
        } = &p.credential
        else {
            return Err(fail(
                provider,
                format!("profile {profile_id} is not an oauth profile"),
            ));
        };
        if let (Some(a), Some(e)) = (access, expires)
            && now < *e
            && !a.expose_secret().trim().is_empty()
        {
            return Ok(RefreshedToken {
                access: a.clone(),
                expires: *e,
                refreshed: false,
            });
        }
        match refresh {
            Some(r) if !r.expose_secret().trim().is_empty() => r.clone(),
            _ => return Err(fail(provider, "the profile has no refresh token")),
        }
    };

    let http = reqwest::Client::builder()
        .timeout(REFRESH_TIMEOUT)
        .build()
        .map_err(|e| fail(provider, format!("HTTP client: {e}")))?;
    let body = serde_json::json!({
        "grant_type": "refresh_token",
        "client_id": endpoint.client_id,
        "refresh_token": refresh_token.expose_secret(),
    });
    let resp = http
        .post(&endpoint.token_url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else {
                "request failed"
            };
            fail(provider, format!("{kind} ({})", endpoint.token_url))
        })?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|_| fail(provider, "could not read the token response"))?;
    if !status.is_success() {
        let detail = describe_error_body(&bytes)
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        return Err(fail(provider, format!("HTTP {}{detail}", status.as_u16())));
    }
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| fail(provider, "the token response is not JSON"))?;
    let access = v["access_token"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| fail(provider, "the token response has no access_token"))?;
    let expires_in = v["expires_in"]
        .as_u64()
        .or_else(|| {
            v["expires_in"]
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        })
        .ok_or_else(|| fail(provider, "the token response has no expires_in"))?;
    let new_refresh = v["refresh_token"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map(|s| SecretString::from(s.to_owned()));
    let now = clock.now_ms();
    let expires = now
        .saturating_add(expires_in.saturating_mul(1000))
        .saturating_sub(EXPIRY_MARGIN_MS);
    let access = SecretString::from(access.to_owned());
    if let Some(p) = current.profiles.get_mut(profile_id)
        && let Credential::OAuth {
            access: a,
            refresh: r,
            expires: e,
            ..
        } = &mut p.credential
    {
        *a = Some(access.clone());
        if let Some(nr) = new_refresh {
            *r = Some(nr);
        }
        *e = Some(expires);
    }
    txn.save(&current)?;
    drop(txn);
    tracing::info!(profile = %profile_id, expires, "refreshed OAuth token");
    Ok(RefreshedToken {
        access,
        expires,
        refreshed: true,
    })
}

/// [`refresh_oauth_profile`] for synchronous callers: runs on a helper thread with its own
/// current-thread tokio runtime and blocks until it is done.
pub fn refresh_oauth_profile_blocking(
    store: Arc<dyn StoreBackend>,
    profile_id: &str,
    provider: &str,
    endpoint: &OAuthEndpoint,
    clock: &SharedClock,
) -> Result<RefreshedToken> {
    std::thread::scope(|s| {
        let handle = s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| fail(provider, format!("could not start a runtime: {e}")))?;
            rt.block_on(refresh_oauth_profile(
                store, profile_id, provider, endpoint, clock,
            ))
        });
        handle
            .join()
            .unwrap_or_else(|_| Err(fail(provider, "the refresh thread panicked")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback() {
        assert!(credentials_allowed(
            "https://console.anthropic.com/v1/oauth/token"
        ));
        assert!(credentials_allowed("http://127.0.0.1:9/x"));
        assert!(credentials_allowed("http://[::1]:9/x"));
        assert!(credentials_allowed("http://localhost:9/x"));
        assert!(!credentials_allowed("http://example.com/x"));
        assert!(!credentials_allowed("http://10.0.0.1/x"));
        assert!(!credentials_allowed("ftp://127.0.0.1/x"));
        assert!(!credentials_allowed("not a url"));
    }

    #[test]
    fn error_body_description() {
        assert_eq!(
            describe_error_body(
                br#"{"error":"invalid_grant","error_description":"Refresh token expired"}"#
            )
            .as_deref(),
            Some("invalid_grant: Refresh token expired")
        );
        assert_eq!(
            describe_error_body(
                br#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}"#
            )
            .as_deref(),
            Some("invalid_request_error: bad")
        );
        assert_eq!(describe_error_body(b"<html>"), None);
    }
}
