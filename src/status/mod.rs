//! The `models status` report ([models status](crate::compatibility#models-status)): a read-only
//! view of config + auth for one agent.
//!
//! [`StatusReport`] serializes to the same JSON shape as `clawdbot models status --json` (field
//! names, types and values of the reference are kept; this crate adds a few fields of its own:
//! `agentId`, `active`, `warnings`, and `layer` on environment entries). [`StatusReport::render_text`]
//! prints the same facts for people. Building a report never writes the auth store.
//!
//! ```no_run
//! # fn main() -> claw_anthropic::Result<()> {
//! let config = std::sync::Arc::new(claw_anthropic::Config::load()?);
//! let report = claw_anthropic::status::StatusReport::build(&config, None)?;
//! println!("{}", serde_json::to_string_pretty(&report).unwrap());
//! std::process::exit(report.check_exit_code());
//! # }
//! ```

use crate::auth::AgentAuth;
use crate::auth::credential::Credential;
use crate::auth::order::{is_usable_now, unusable_until};
use crate::auth::resolve::CredentialSource;
use crate::auth::store::{AuthStore, UsageStats};
use crate::clock::{SharedClock, system_clock};
use crate::config::model_ref::{DEFAULT_PROVIDER, normalize_provider};
use crate::config::{Config, ModelRef};
use crate::env::EnvSource;
use crate::error::Result;
use crate::paths::AgentId;
use crate::redact::mask;
use indexmap::IndexMap;
use serde::Serialize;
pub use shared::SharedStateStatus;
use std::collections::BTreeSet;
use std::sync::Arc;

mod build;
mod shared;
#[cfg(test)]
mod tests;
mod text;

/// Profiles expiring within this window are `expiring` (24 h, the reference's default).
pub const DEFAULT_WARN_AFTER_MS: u64 = 24 * 60 * 60 * 1000;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// Config file path (`~/…`).
    pub config_path: String,
    /// Agent dir (`~/…`).
    pub agent_dir: String,
    /// The primary model as written (or the resolved default when none is configured).
    pub default_model: String,
    /// The primary model resolved to `provider/model`.
    pub resolved_default: String,
    /// Fallback refs as written.
    pub fallbacks: Vec<String>,
    /// Image model as written, or `null`.
    pub image_model: Option<String>,
    /// Image fallbacks as written.
    pub image_fallbacks: Vec<String>,
    /// Alias → model key.
    pub aliases: IndexMap<String, String>,
    /// Allowlisted model keys (`agents.defaults.models`).
    pub allowed: Vec<String>,
    /// The auth overview.
    pub auth: AuthSection,
    /// (this crate) The agent the report is for.
    pub agent_id: String,
    /// (this crate) The credential a request to the default model's provider would use now.
    pub active: Option<ActiveCredential>,
    /// (this crate) Warnings (model without provider, loose store permissions, …).
    pub warnings: Vec<String>,
}

/// `auth`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthSection {
    /// Auth store path (`~/…`).
    pub store_path: String,
    /// Login-shell env import (never executed by this crate; reported for parity).
    pub shell_env_fallback: ShellEnvFallback,
    /// `provider (n)` for providers with token/OAuth credentials.
    #[serde(rename = "providersWithOAuth")]
    pub providers_with_oauth: Vec<String>,
    /// Providers used by a configured model that have no credential at all.
    pub missing_providers_in_use: Vec<String>,
    /// Per-provider overview.
    pub providers: Vec<ProviderAuth>,
    /// Profiles in cooldown or disabled now, soonest first.
    pub unusable_profiles: Vec<UnusableProfile>,
    /// (this crate) Profiles whose stored key or token holds whitespace or control characters:
    /// they can never be sent and are skipped. Left out of the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsendable_profiles: Vec<String>,
    /// Expiry health of every profile.
    pub oauth: OAuthHealth,
    /// (this crate) Fleet mode: the shared store in use (its view is merged into
    /// `unusableProfiles`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_state: Option<SharedStateStatus>,
}

/// `auth.shellEnvFallback`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShellEnvFallback {
    /// `CLAWDBOT_LOAD_SHELL_ENV` truthy or `env.shellEnv.enabled`.
    pub enabled: bool,
    /// Keys imported from the shell (always empty: this crate never runs a shell).
    pub applied_keys: Vec<String>,
}

/// `auth.providers[]`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderAuth {
    /// Provider id.
    pub provider: String,
    /// Which source wins.
    pub effective: Effective,
    /// Profile counts and labels.
    pub profiles: ProfileCounts,
    /// The environment credential, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvCredential>,
    /// The config `models.providers.<id>.apiKey`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models_json: Option<ValueSource>,
}

/// `effective`.
#[derive(Debug, Clone, Serialize)]
pub struct Effective {
    /// `profiles`, `env`, `models.json` or `missing`.
    pub kind: String,
    /// Store path, masked key, `OAuth (env)` or `missing`.
    pub detail: String,
}

/// `profiles`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCounts {
    /// Number of profiles.
    pub count: usize,
    /// OAuth profiles.
    pub oauth: usize,
    /// Token profiles.
    pub token: usize,
    /// API-key profiles.
    pub api_key: usize,
    /// `id=masked [cooldown 5m]` labels in store order.
    pub labels: Vec<String>,
}

/// `env`.
#[derive(Debug, Clone, Serialize)]
pub struct EnvCredential {
    /// Masked value, or `OAuth (env)`.
    pub value: String,
    /// `env: NAME`.
    pub source: String,
    /// (this crate) `process`, `dotenv` or `config`.
    pub layer: String,
    /// (this crate) The `.env` file, for the `dotenv` layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A masked value and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct ValueSource {
    /// Masked value.
    pub value: String,
    /// Where it came from.
    pub source: String,
}

/// `auth.unusableProfiles[]`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnusableProfile {
    /// Profile id.
    pub profile_id: String,
    /// Provider, when the profile exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `cooldown` or `disabled`; (this crate, fleet mode) `headroom`: out of rate-limit
    /// headroom until the reset a host saw (the reason names the exhausted buckets).
    pub kind: String,
    /// `disabledReason`; for `headroom` the exhausted buckets (`requests`, `tokens`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Until (ms since the epoch).
    pub until: u64,
    /// Remaining ms.
    pub remaining_ms: u64,
    /// (this crate) Fleet mode: the host that recorded the failure, when the fleet's record
    /// decides the state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// `auth.oauth`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthHealth {
    /// The expiring window.
    pub warn_after_ms: u64,
    /// Every profile's health, sorted by provider then id.
    pub profiles: Vec<ProfileHealth>,
    /// Per-provider health.
    pub providers: Vec<ProviderHealth>,
}

/// One profile's health.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileHealth {
    /// Profile id.
    pub profile_id: String,
    /// Provider.
    pub provider: String,
    /// `oauth`, `token`, `api_key`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `ok`, `expiring`, `expired`, `missing`, `static`.
    pub status: String,
    /// Expiry (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Remaining ms (negative when expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_ms: Option<i64>,
    /// Always `store`.
    pub source: String,
    /// `id` or `id (email)`.
    pub label: String,
}

/// One provider's health.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderHealth {
    /// Provider.
    pub provider: String,
    /// `ok`, `expiring`, `expired`, `missing`, `static`.
    pub status: String,
    /// Soonest expiry among its token/OAuth profiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Remaining ms to that expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_ms: Option<i64>,
    /// Its profiles.
    pub profiles: Vec<ProfileHealth>,
}

/// (this crate) The credential that would be used now, and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveCredential {
    /// Provider.
    pub provider: String,
    /// Profile id, when from a profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// `api_key`, `token`, `oauth`.
    pub kind: String,
    /// Masked secret.
    pub masked: String,
    /// Human-readable source.
    pub source: String,
    /// Why this one was chosen.
    pub reason: String,
    /// Or why none could be chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Options for [`StatusReport::build_with`].
#[derive(Debug, Clone)]
pub struct StatusOptions {
    /// The agent (default agent when `None`).
    pub agent: Option<AgentId>,
    /// Clock (tests).
    pub clock: SharedClock,
    /// Expiring window.
    pub warn_after_ms: u64,
}

impl Default for StatusOptions {
    fn default() -> Self {
        StatusOptions {
            agent: None,
            clock: system_clock(),
            warn_after_ms: DEFAULT_WARN_AFTER_MS,
        }
    }
}

/// The reference's short remaining-time format (`5m`, `3h`, `2d`).
pub fn format_remaining_short(ms: i64) -> String {
    format_remaining_ms(u64::try_from(ms).unwrap_or(0))
}

/// [`format_remaining_short`] for any wait a `u64` holds (a cooldown can end far beyond
/// `i64::MAX` ms).
pub(crate) fn format_remaining_ms(ms: u64) -> String {
    if ms == 0 {
        return "0m".to_owned();
    }
    let minutes = ((ms as f64 / 60_000.0).round() as u64).max(1);
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = (minutes as f64 / 60.0).round() as u64;
    if hours < 48 {
        return format!("{hours}h");
    }
    format!("{}d", (hours as f64 / 24.0).round() as u64)
}

impl StatusReport {
    /// The `--check` exit code: 1 when a token/OAuth profile is expired or has no expiry status
    /// (`missing`), a provider in use has no auth, or a stored key can never be sent
    /// ([`AuthSection::unsendable_profiles`]); 2 when one is expiring; else 0.
    pub fn check_exit_code(&self) -> i32 {
        if !self.auth.unsendable_profiles.is_empty() {
            return 1;
        }
        let tokenish = self
            .auth
            .oauth
            .profiles
            .iter()
            .filter(|p| p.kind == "oauth" || p.kind == "token");
        let mut expiring = false;
        for p in tokenish {
            match p.status.as_str() {
                "expired" | "missing" => return 1,
                "expiring" => expiring = true,
                _ => {}
            }
        }
        if !self.auth.missing_providers_in_use.is_empty() {
            return 1;
        }
        if expiring { 2 } else { 0 }
    }
}
