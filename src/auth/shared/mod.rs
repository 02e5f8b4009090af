//! Fleet mode (fleet mode; README "Several hosts"): hosts that hold the same profiles share their health — cooldowns,
//! billing disables, error and failure counts, `lastUsed`, `lastGood` — through Redis (or
//! Valkey). Credentials are never shared: they stay in each host's `auth-profiles.json`, which
//! keeps being written as well.
//!
//! Turned on by `CLAW_ANTHROPIC_SHARED_STATE=redis://[user:password@]host:port/db` (or
//! `rediss://`), by [`ClientBuilder::shared_state`](crate::client::ClientBuilder::shared_state),
//! or the C / Python option `shared_state`; the engine needs the `redis` feature. The merge of
//! the fleet's view with the file is in [`merge`]; the consistency promise is bounded
//! staleness (the client's store check interval) and "the later failure wins".

pub mod headroom;
pub mod merge;
#[cfg(feature = "redis")]
pub(crate) mod redis;

use crate::env::EnvView;
use std::fmt;
use std::time::Duration;

/// The environment variable that turns fleet mode on (a `redis://` or `rediss://` URL).
pub const SHARED_STATE_ENV: &str = "CLAW_ANTHROPIC_SHARED_STATE";
/// The environment variable that sets the key prefix (default [`DEFAULT_PREFIX`]).
pub const SHARED_PREFIX_ENV: &str = "CLAW_ANTHROPIC_SHARED_PREFIX";
/// The environment variable that names this host in the shared store (default: the hostname).
pub const HOST_ID_ENV: &str = "CLAW_ANTHROPIC_HOST_ID";
/// The environment variable that sets the round-trip timeout in ms (default 100).
pub const SHARED_TIMEOUT_ENV: &str = "CLAW_ANTHROPIC_SHARED_TIMEOUT_MS";
/// Keys are `<prefix>:usage:<provider>:<profile id>` and `<prefix>:lastgood:<provider>`.
pub const DEFAULT_PREFIX: &str = "claw-anthropic";
/// Every round trip to the shared store gives up after this long (the request goes on with the
/// local file alone). The first one of a client, which also connects, may take up to
/// [`CONNECT_GRACE`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);

/// How long the first round trip of a client (connecting included) may take.
pub const CONNECT_GRACE: Duration = Duration::from_secs(1);

/// Where and how to share profile health.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedStateOptions {
    /// `redis://[user:password@]host:port/db` or `rediss://…` (may hold a password: never
    /// printed as is, see [`mask_url`]).
    pub url: String,
    /// Key prefix.
    pub prefix: String,
    /// This host's id, recorded with each failure it shares.
    pub host_id: String,
    /// Bound on each round trip.
    pub timeout: Duration,
}

impl fmt::Debug for SharedStateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedStateOptions")
            .field("url", &mask_url(&self.url))
            .field("prefix", &self.prefix)
            .field("host_id", &self.host_id)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SharedStateOptions {
    /// Options for `url` with the prefix and host id from the environment (or their defaults).
    pub fn new(url: impl Into<String>, env: &EnvView) -> SharedStateOptions {
        let nonempty = |name: &str| env.var(name).filter(|v| !v.trim().is_empty());
        SharedStateOptions {
            url: url.into().trim().to_owned(),
            prefix: nonempty(SHARED_PREFIX_ENV).unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
            host_id: nonempty(HOST_ID_ENV).unwrap_or_else(default_host_id),
            timeout: nonempty(SHARED_TIMEOUT_ENV)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|ms| *ms > 0)
                .map_or(DEFAULT_TIMEOUT, Duration::from_millis),
        }
    }

    /// From `CLAW_ANTHROPIC_SHARED_STATE` (`None` when unset or empty).
    pub fn from_env(env: &EnvView) -> Option<SharedStateOptions> {
        let url = env.var(SHARED_STATE_ENV)?;
        (!url.trim().is_empty()).then(|| SharedStateOptions::new(url, env))
    }
}

/// This machine's hostname (`/proc/sys/kernel/hostname`, `$HOSTNAME`), or `unknown-host`.
pub fn default_host_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// The URL with the password (and a user-less secret) replaced by `***`:
/// `redis://app:s3cret@cache:6379/0` → `redis://app:***@cache:6379/0`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return if url.contains('@') {
            "***".to_owned()
        } else {
            url.to_owned()
        };
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let (userinfo, host) = authority.split_at(at);
    let masked = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => "***".to_owned(),
    };
    format!("{scheme}://{masked}{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_masked() {
        assert_eq!(
            mask_url("redis://app:s3cret@cache:6379/0"),
            "redis://app:***@cache:6379/0"
        );
        assert_eq!(mask_url("rediss://:pw@h/1"), "rediss://:***@h/1");
        assert_eq!(mask_url("redis://tok@h:1"), "redis://***@h:1");
        assert_eq!(mask_url("redis://h:1/0"), "redis://h:1/0");
        assert_eq!(mask_url("a:b@c"), "***");
        let o = SharedStateOptions::new("redis://u:hunter2@h/0", &EnvView::empty());
        assert!(!format!("{o:?}").contains("hunter2"));
        assert_eq!(o.prefix, DEFAULT_PREFIX);
    }
}
