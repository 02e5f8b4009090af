//! The `models status` report (SPEC §7): a read-only view of config + auth for one agent.
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
use std::collections::BTreeSet;
use std::sync::Arc;

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
    /// Expiry health of every profile.
    pub oauth: OAuthHealth,
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
    /// `cooldown` or `disabled`.
    pub kind: String,
    /// `disabledReason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Until (ms since the epoch).
    pub until: u64,
    /// Remaining ms.
    pub remaining_ms: u64,
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

fn env_var_candidates(provider: &str) -> &'static [&'static str] {
    match provider {
        "anthropic" => &["ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY"],
        "github-copilot" => &["COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"],
        "chutes" => &["CHUTES_OAUTH_TOKEN", "CHUTES_API_KEY"],
        "zai" => &["ZAI_API_KEY", "Z_AI_API_KEY"],
        "opencode" => &["OPENCODE_API_KEY", "OPENCODE_ZEN_API_KEY"],
        "qwen-portal" => &["QWEN_OAUTH_TOKEN", "QWEN_PORTAL_API_KEY"],
        "openai" => &["OPENAI_API_KEY"],
        "google" => &["GEMINI_API_KEY"],
        "groq" => &["GROQ_API_KEY"],
        "deepgram" => &["DEEPGRAM_API_KEY"],
        "cerebras" => &["CEREBRAS_API_KEY"],
        "xai" => &["XAI_API_KEY"],
        "openrouter" => &["OPENROUTER_API_KEY"],
        "vercel-ai-gateway" => &["AI_GATEWAY_API_KEY"],
        "moonshot" => &["MOONSHOT_API_KEY"],
        "kimi-code" => &["KIMICODE_API_KEY"],
        "minimax" => &["MINIMAX_API_KEY"],
        "synthetic" => &["SYNTHETIC_API_KEY"],
        "venice" => &["VENICE_API_KEY"],
        "mistral" => &["MISTRAL_API_KEY"],
        _ => &[],
    }
}

/// Providers whose environment variables are probed even when no model uses them.
const ENV_PROBE_PROVIDERS: &[&str] = &[
    "anthropic",
    "github-copilot",
    "openai",
    "google",
    "groq",
    "cerebras",
    "xai",
    "openrouter",
    "zai",
    "mistral",
    "synthetic",
];

fn is_truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// The reference's short remaining-time format (`5m`, `3h`, `2d`).
pub fn format_remaining_short(ms: i64) -> String {
    if ms <= 0 {
        return "0m".to_owned();
    }
    let minutes = ((ms as f64 / 60_000.0).round() as i64).max(1);
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = (minutes as f64 / 60.0).round() as i64;
    if hours < 48 {
        return format!("{hours}h");
    }
    format!("{}d", (hours as f64 / 24.0).round() as i64)
}

fn display_label(config: &Config, store: &AuthStore, id: &str) -> String {
    let cfg_email = config
        .doc()
        .auth
        .as_ref()
        .and_then(|a| a.profiles.get(id))
        .and_then(|p| p.email.as_deref())
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let email = cfg_email.or_else(|| {
        store
            .profiles
            .get(id)
            .and_then(|p| p.credential.email())
            .map(str::trim)
            .filter(|e| !e.is_empty())
    });
    match email {
        Some(e) => format!("{id} ({e})"),
        None => id.to_owned(),
    }
}

fn unusable_kind(stats: &UsageStats, now: u64) -> String {
    match stats.disabled_until {
        Some(d) if now < d => match &stats.disabled_reason {
            Some(r) => format!("disabled:{r}"),
            None => "disabled".to_owned(),
        },
        _ => "cooldown".to_owned(),
    }
}

impl StatusReport {
    /// Builds the report for `agent` (the default agent when `None`) with the real clock.
    pub fn build(config: &Arc<Config>, agent: Option<&AgentId>) -> Result<StatusReport> {
        StatusReport::build_with(
            config,
            &StatusOptions {
                agent: agent.cloned(),
                ..StatusOptions::default()
            },
        )
    }

    /// Builds the report with explicit options. Read-only: never writes the store.
    pub fn build_with(config: &Arc<Config>, opts: &StatusOptions) -> Result<StatusReport> {
        let now = opts.clock.now_ms();
        let paths = config.paths();
        let agent = opts
            .agent
            .clone()
            .unwrap_or_else(|| config.default_agent_id());
        let auth = AgentAuth::new(config.clone(), agent.clone()).with_clock(opts.clock.clone());
        let store = auth.load_store()?;
        let agent_dir = config.agent_dir(&agent);
        let store_path_display = paths.display(auth.store_path());
        let mut warnings: Vec<String> = config.warnings().to_vec();

        // Models.
        let resolved = config.default_model();
        let resolved_label = resolved.ref_string();
        let raw_default = config.default_model_raw().map(str::to_owned);
        if let Some(raw) = &raw_default
            && let Some((_, Some(w))) = config.resolve_model_ref(raw)
        {
            warnings.push(w.to_string());
        }
        let default_label = raw_default
            .clone()
            .unwrap_or_else(|| resolved_label.clone());
        let fallbacks = config.fallbacks_raw();
        let image = config.image_model();
        let image_model = image
            .and_then(|m| m.primary())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let image_fallbacks = image.map(|m| m.fallbacks().to_vec()).unwrap_or_default();
        let defaults = config
            .doc()
            .agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref());
        let mut aliases = IndexMap::new();
        let mut allowed = Vec::new();
        if let Some(d) = defaults {
            for (key, entry) in &d.models {
                allowed.push(key.clone());
                let alias = match entry.alias.as_deref().map(str::trim) {
                    Some(a) if !a.is_empty() => Some(a.to_owned()),
                    Some(_) => None,
                    None => match ModelRef::parse_plain(key)
                        .map(|r| r.ref_string())
                        .as_deref()
                    {
                        Some("anthropic/claude-opus-4-5") => Some("opus".to_owned()),
                        Some("anthropic/claude-sonnet-4-5") => Some("sonnet".to_owned()),
                        _ => None,
                    },
                };
                if let Some(a) = alias {
                    aliases.insert(a, key.clone());
                }
            }
        }

        // Providers.
        let provider_of = |raw: &str| ModelRef::parse_plain(raw).map(|r| r.provider);
        let mut providers: BTreeSet<String> = BTreeSet::new();
        for p in store.profiles.values() {
            let prov = p.credential.provider().trim();
            if !prov.is_empty() {
                providers.insert(prov.to_owned());
            }
        }
        if let Some(m) = &config.doc().models {
            for k in m.providers.keys() {
                if !k.trim().is_empty() {
                    providers.insert(k.trim().to_owned());
                }
            }
        }
        let in_use_refs: Vec<&str> = std::iter::once(default_label.as_str())
            .chain(fallbacks.iter().map(String::as_str))
            .chain(image_model.as_deref())
            .chain(image_fallbacks.iter().map(String::as_str))
            .collect();
        let mut in_use: BTreeSet<String> = BTreeSet::new();
        for r in &in_use_refs {
            if let Some(p) = provider_of(r) {
                providers.insert(p.clone());
                in_use.insert(p);
            }
        }
        for k in &allowed {
            if let Some(p) = provider_of(k) {
                providers.insert(p);
            }
        }
        for p in ENV_PROBE_PROVIDERS {
            if env_var_candidates(p)
                .iter()
                .any(|n| config.env().get(n).is_some())
            {
                providers.insert((*p).to_owned());
            }
        }
        let mut providers: Vec<String> = providers.into_iter().collect();
        providers.sort_by_key(|p| p.to_lowercase());

        let mut provider_auth = Vec::new();
        for provider in &providers {
            let entry = provider_overview(
                config,
                &store,
                provider,
                &store_path_display,
                &agent_dir,
                paths,
                now,
            );
            if entry.profiles.count > 0 || entry.env.is_some() || entry.models_json.is_some() {
                provider_auth.push(entry);
            }
        }
        let missing_providers_in_use: Vec<String> = in_use
            .iter()
            .filter(|p| !provider_auth.iter().any(|e| &e.provider == *p))
            .cloned()
            .collect();
        let providers_with_oauth = provider_auth
            .iter()
            .filter_map(|e| {
                let env_oauth = e.env.as_ref().is_some_and(|v| v.value == "OAuth (env)");
                let n = e.profiles.oauth + e.profiles.token + usize::from(env_oauth);
                (n > 0).then(|| format!("{} ({n})", e.provider))
            })
            .collect();

        // Unusable profiles.
        let mut unusable_profiles = Vec::new();
        for (id, stats) in &store.usage_stats {
            let Some(until) = unusable_until(Some(stats)) else {
                continue;
            };
            if now >= until {
                continue;
            }
            let disabled = stats.disabled_until.is_some_and(|d| now < d);
            unusable_profiles.push(UnusableProfile {
                profile_id: id.clone(),
                provider: store
                    .profiles
                    .get(id)
                    .map(|p| p.credential.provider().to_owned()),
                kind: if disabled { "disabled" } else { "cooldown" }.to_owned(),
                reason: stats.disabled_reason.clone(),
                until,
                remaining_ms: until - now,
            });
        }
        unusable_profiles.sort_by_key(|u| u.remaining_ms);

        let oauth = auth_health(config, &store, &providers, now, opts.warn_after_ms);

        // Store permissions (SPEC: a world-readable store is a warning).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(md) = std::fs::metadata(auth.store_path())
                && md.permissions().mode() & 0o077 != 0
            {
                warnings.push(format!(
                    "auth store {} is readable by other users (mode {:o}); run `chmod 600 {}`",
                    store_path_display,
                    md.permissions().mode() & 0o777,
                    auth.store_path().display()
                ));
            }
        }

        let active = active_credential(&auth, &store, &resolved, now);

        Ok(StatusReport {
            config_path: paths.display(&paths.config_path),
            agent_dir: paths.display(&agent_dir),
            default_model: default_label,
            resolved_default: resolved_label,
            fallbacks,
            image_model,
            image_fallbacks,
            aliases,
            allowed,
            auth: AuthSection {
                store_path: store_path_display,
                shell_env_fallback: ShellEnvFallback {
                    enabled: config
                        .env()
                        .var("CLAWDBOT_LOAD_SHELL_ENV")
                        .is_some_and(|v| is_truthy(&v))
                        || config
                            .doc()
                            .env
                            .as_ref()
                            .and_then(|e| e.shell_env.as_ref())
                            .and_then(|s| s.enabled)
                            == Some(true),
                    applied_keys: Vec::new(),
                },
                providers_with_oauth,
                missing_providers_in_use,
                providers: provider_auth,
                unusable_profiles,
                oauth,
            },
            agent_id: agent.to_string(),
            active,
            warnings,
        })
    }

    /// The `--check` exit code: 1 when a token/OAuth profile is expired or has no expiry status
    /// (`missing`) or a provider in use has no auth; 2 when one is expiring; else 0.
    pub fn check_exit_code(&self) -> i32 {
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

    /// The report for people. `color` adds ANSI colors (callers decide: TTY and no `NO_COLOR`).
    pub fn render_text(&self, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_owned()
            }
        };
        let mut out = String::new();
        let mut line = |label: &str, value: String| {
            out.push_str(&format!(
                "{}: {}\n",
                paint("36", &format!("{label:<22}")),
                value
            ));
        };
        line("Config", self.config_path.clone());
        line("Agent", format!("{} ({})", self.agent_id, self.agent_dir));
        let default = if self.default_model != self.resolved_default {
            format!("{} (from {})", self.resolved_default, self.default_model)
        } else {
            self.resolved_default.clone()
        };
        line("Default", paint("32", &default));
        let list = |v: &[String], empty: &str| {
            if v.is_empty() {
                empty.to_owned()
            } else {
                v.join(", ")
            }
        };
        line(
            &format!("Fallbacks ({})", self.fallbacks.len()),
            list(&self.fallbacks, "-"),
        );
        line(
            "Image model",
            self.image_model.clone().unwrap_or_else(|| "-".into()),
        );
        line(
            &format!("Image fallbacks ({})", self.image_fallbacks.len()),
            list(&self.image_fallbacks, "-"),
        );
        let aliases: Vec<String> = self
            .aliases
            .iter()
            .map(|(a, t)| format!("{a} -> {t}"))
            .collect();
        line(&format!("Aliases ({})", aliases.len()), list(&aliases, "-"));
        line(
            &format!("Configured models ({})", self.allowed.len()),
            list(&self.allowed, "all"),
        );
        out.push('\n');
        out.push_str(&paint("1", "Auth overview"));
        out.push('\n');
        let mut line = |label: &str, value: String| {
            out.push_str(&format!(
                "{}: {}\n",
                paint("36", &format!("{label:<22}")),
                value
            ));
        };
        line("Auth store", self.auth.store_path.clone());
        line(
            "Shell env",
            if self.auth.shell_env_fallback.enabled {
                "on"
            } else {
                "off"
            }
            .to_owned(),
        );
        match &self.active {
            Some(a) if a.error.is_none() => line(
                "Active",
                paint(
                    "32",
                    &format!(
                        "{} {} {} ({}) — {}",
                        a.provider,
                        a.profile_id.as_deref().unwrap_or(&a.source),
                        a.masked,
                        a.kind,
                        a.reason
                    ),
                ),
            ),
            Some(a) => line("Active", paint("31", a.error.as_deref().unwrap_or("none"))),
            None => line("Active", "-".into()),
        }
        for e in &self.auth.providers {
            let mut bits = vec![format!(
                "effective={}:{}",
                e.effective.kind, e.effective.detail
            )];
            if e.profiles.count > 0 {
                bits.push(format!(
                    "profiles={} (oauth={}, token={}, api_key={})",
                    e.profiles.count, e.profiles.oauth, e.profiles.token, e.profiles.api_key
                ));
                bits.push(e.profiles.labels.join(", "));
            }
            if let Some(env) = &e.env {
                let layer = match &env.file {
                    Some(f) => format!("{} {}", env.layer, f),
                    None => env.layer.clone(),
                };
                bits.push(format!(
                    "env={} | source={} ({layer})",
                    env.value, env.source
                ));
            }
            if let Some(m) = &e.models_json {
                bits.push(format!("models.json={} | source={}", m.value, m.source));
            }
            out.push_str(&format!(
                "- {} {}\n",
                paint("1", &e.provider),
                bits.join(" | ")
            ));
        }
        if !self.auth.unusable_profiles.is_empty() {
            out.push('\n');
            out.push_str(&paint("1", "Unavailable profiles"));
            out.push('\n');
            for u in &self.auth.unusable_profiles {
                let kind = match &u.reason {
                    Some(r) if u.kind == "disabled" => format!("disabled:{r}"),
                    _ => u.kind.clone(),
                };
                out.push_str(&format!(
                    "- {} {} for {}\n",
                    u.profile_id,
                    paint("33", &kind),
                    format_remaining_short(u.remaining_ms as i64)
                ));
            }
        }
        if !self.auth.missing_providers_in_use.is_empty() {
            out.push('\n');
            out.push_str(&paint("1", "Missing auth"));
            out.push('\n');
            for p in &self.auth.missing_providers_in_use {
                let hint = if p == "anthropic" {
                    format!(
                        "Run `claude setup-token`, then `claw-anthropic models auth paste-token --provider anthropic --agent {a}`, or `claw-anthropic onboard --agent {a}` with an API key.",
                        a = self.agent_id
                    )
                } else {
                    "Set an API key for it (this tool builds requests for Anthropic only)."
                        .to_owned()
                };
                out.push_str(&format!("- {} {hint}\n", paint("1", p)));
            }
        }
        out.push('\n');
        out.push_str(&paint("1", "OAuth/token status"));
        out.push('\n');
        let tokenish: Vec<&ProfileHealth> = self
            .auth
            .oauth
            .profiles
            .iter()
            .filter(|p| p.kind == "oauth" || p.kind == "token")
            .collect();
        if tokenish.is_empty() {
            out.push_str("- none\n");
        } else {
            let mut last = "";
            for p in tokenish {
                if p.provider != last {
                    out.push_str(&format!("- {}\n", paint("1", &p.provider)));
                    last = &p.provider;
                }
                let status = match p.status.as_str() {
                    "ok" => paint("32", "ok"),
                    "static" => "static".to_owned(),
                    "expiring" => paint("33", "expiring"),
                    "missing" => paint("33", "unknown"),
                    _ => paint("31", "expired"),
                };
                let expiry = match (p.status.as_str(), p.remaining_ms) {
                    ("static", _) => String::new(),
                    ("expired", _) => " (expired)".to_owned(),
                    (_, Some(ms)) => format!(" expires in {}", format_remaining_short(ms)),
                    _ => " expires unknown".to_owned(),
                };
                out.push_str(&format!("  - {} {status}{expiry}\n", p.label));
            }
        }
        if !self.warnings.is_empty() {
            out.push('\n');
            for w in &self.warnings {
                out.push_str(&format!("{} {w}\n", paint("33", "warning:")));
            }
        }
        out
    }
}

fn provider_overview(
    config: &Config,
    store: &AuthStore,
    provider: &str,
    store_path_display: &str,
    agent_dir: &std::path::Path,
    paths: &crate::paths::Paths,
    now: u64,
) -> ProviderAuth {
    let norm = normalize_provider(provider);
    let ids: Vec<&String> = store
        .profiles
        .iter()
        .filter(|(_, p)| normalize_provider(p.credential.provider()) == norm)
        .map(|(id, _)| id)
        .collect();
    let (mut oauth, mut token, mut api_key) = (0, 0, 0);
    let mut labels = Vec::new();
    for id in &ids {
        let p = &store.profiles[id.as_str()];
        let base = match &p.credential {
            Credential::ApiKey { key, .. } => {
                api_key += 1;
                format!("{id}={}", mask(secrecy::ExposeSecret::expose_secret(key)))
            }
            Credential::Token { token: t, .. } => {
                token += 1;
                format!(
                    "{id}=token:{}",
                    mask(secrecy::ExposeSecret::expose_secret(t))
                )
            }
            _ => {
                oauth += 1;
                let display = display_label(config, store, id);
                let suffix = if display == **id {
                    String::new()
                } else if let Some(rest) = display.strip_prefix(id.as_str()) {
                    rest.trim().to_owned()
                } else {
                    format!("({display})")
                };
                if suffix.is_empty() {
                    format!("{id}=OAuth")
                } else {
                    format!("{id}=OAuth {suffix}")
                }
            }
        };
        let stats = store.usage_stats.get(id.as_str());
        let label = match unusable_until(stats) {
            Some(until) if now < until => format!(
                "{base} [{} {}]",
                unusable_kind(stats.expect("stats present when unusable"), now),
                format_remaining_short((until - now) as i64)
            ),
            _ => base,
        };
        labels.push(label);
    }

    let env = env_var_candidates(&norm)
        .iter()
        .find_map(|n| config.env().get(n));
    let env = env.map(|v| {
        let oauth_env = v.name.contains("OAUTH_TOKEN");
        EnvCredential {
            value: if oauth_env {
                "OAuth (env)".to_owned()
            } else {
                mask(v.expose())
            },
            source: v.label(),
            layer: v.source.layer().to_owned(),
            file: match &v.source {
                EnvSource::DotEnv(p) => Some(paths.display(p)),
                _ => None,
            },
        }
    });
    let custom_key = config
        .provider(&norm)
        .and_then(|p| p.api_key.as_deref())
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let models_json = custom_key.map(|k| ValueSource {
        value: mask(k),
        source: format!(
            "models.json: {}",
            paths.display(&agent_dir.join("models.json"))
        ),
    });
    let effective = if !ids.is_empty() {
        Effective {
            kind: "profiles".into(),
            detail: store_path_display.to_owned(),
        }
    } else if let Some(e) = &env {
        Effective {
            kind: "env".into(),
            detail: e.value.clone(),
        }
    } else if let Some(m) = &models_json {
        Effective {
            kind: "models.json".into(),
            detail: m.value.clone(),
        }
    } else {
        Effective {
            kind: "missing".into(),
            detail: "missing".into(),
        }
    };
    ProviderAuth {
        provider: provider.to_owned(),
        effective,
        profiles: ProfileCounts {
            count: ids.len(),
            oauth,
            token,
            api_key,
            labels,
        },
        env,
        models_json,
    }
}

fn expiry_status(expires: Option<u64>, now: u64, warn: u64) -> (String, Option<i64>) {
    match expires {
        None | Some(0) => ("missing".into(), None),
        Some(e) => {
            let remaining = e as i64 - now as i64;
            let s = if remaining <= 0 {
                "expired"
            } else if remaining as u64 <= warn {
                "expiring"
            } else {
                "ok"
            };
            (s.into(), Some(remaining))
        }
    }
}

fn auth_health(
    config: &Config,
    store: &AuthStore,
    providers: &[String],
    now: u64,
    warn: u64,
) -> OAuthHealth {
    let mut profiles: Vec<ProfileHealth> = store
        .profiles
        .iter()
        .filter(|(_, p)| providers.iter().any(|x| x == p.credential.provider()))
        .map(|(id, p)| {
            let c = &p.credential;
            let (status, expires_at, remaining_ms) = match c {
                Credential::ApiKey { .. } => ("static".to_owned(), None, None),
                Credential::Token { expires, .. } => match expires {
                    None | Some(0) => ("static".to_owned(), None, None),
                    Some(e) => {
                        let (s, r) = expiry_status(Some(*e), now, warn);
                        (s, Some(*e), r)
                    }
                },
                _ => {
                    let (s, r) = expiry_status(c.expires(), now, warn);
                    (s, c.expires(), r)
                }
            };
            ProfileHealth {
                profile_id: id.clone(),
                provider: c.provider().to_owned(),
                kind: c.kind().as_str().to_owned(),
                status,
                expires_at,
                remaining_ms,
                source: "store".into(),
                label: display_label(config, store, id),
            }
        })
        .collect();
    profiles.sort_by(|a, b| {
        (a.provider.to_lowercase(), a.profile_id.to_lowercase())
            .cmp(&(b.provider.to_lowercase(), b.profile_id.to_lowercase()))
    });
    let mut out: Vec<ProviderHealth> = Vec::new();
    for provider in providers {
        let mine: Vec<ProfileHealth> = profiles
            .iter()
            .filter(|p| &p.provider == provider)
            .cloned()
            .collect();
        let mut h = ProviderHealth {
            provider: provider.clone(),
            status: "missing".into(),
            expires_at: None,
            remaining_ms: None,
            profiles: mine,
        };
        let expirable: Vec<&ProfileHealth> = h
            .profiles
            .iter()
            .filter(|p| p.kind == "oauth" || p.kind == "token")
            .collect();
        if h.profiles.is_empty() {
            h.status = "missing".into();
        } else if expirable.is_empty() {
            h.status = "static".into();
        } else {
            if let Some(min) = expirable.iter().filter_map(|p| p.expires_at).min() {
                h.expires_at = Some(min);
                h.remaining_ms = Some(min as i64 - now as i64);
            }
            let has = |s: &str| expirable.iter().any(|p| p.status == s);
            h.status = if has("expired") || has("missing") {
                "expired"
            } else if has("expiring") {
                "expiring"
            } else {
                "ok"
            }
            .into();
        }
        out.push(h);
    }
    // Providers that only appear in the store (not in `providers`) are not reported, like the reference.
    OAuthHealth {
        warn_after_ms: warn,
        profiles,
        providers: out,
    }
}

fn active_credential(
    auth: &AgentAuth,
    store: &AuthStore,
    model: &ModelRef,
    now: u64,
) -> Option<ActiveCredential> {
    let provider = if model.provider.is_empty() {
        DEFAULT_PROVIDER.to_owned()
    } else {
        model.provider.clone()
    };
    let fail = |provider: String, e: crate::Error| ActiveCredential {
        provider,
        profile_id: None,
        kind: "none".into(),
        masked: String::new(),
        source: String::new(),
        reason: String::new(),
        error: Some(e.to_string()),
    };
    // Read-only: pick the first usable profile of the order without resolving (resolving could
    // refresh an OAuth token and write the store).
    let order = match auth.profile_order(&provider, None) {
        Ok(o) => o,
        Err(e) => return Some(fail(provider, e)),
    };
    if let Some(id) = order
        .iter()
        .find(|id| is_usable_now(store.usage_stats.get(id.as_str()), now))
        && let Some(p) = store.profiles.get(id.as_str())
    {
        let c = &p.credential;
        let expired_oauth =
            matches!(c, Credential::OAuth { .. }) && c.expires().is_some_and(|e| e <= now);
        return Some(ActiveCredential {
            provider,
            profile_id: Some(id.clone()),
            kind: c.kind().as_str().to_owned(),
            masked: c
                .secret()
                .map(|s| mask(secrecy::ExposeSecret::expose_secret(s)))
                .unwrap_or_else(|| "missing".into()),
            source: format!("profile {id}"),
            reason: if expired_oauth {
                "first usable profile in auth order (OAuth token expired: refreshed on first use)"
                    .into()
            } else if order.first() == Some(id) {
                "first profile in auth order".into()
            } else {
                "first usable profile in auth order (earlier ones in cooldown)".into()
            },
            error: None,
        });
    }
    // No usable profile: the environment/config key, or the error saying which profile frees up
    // first (no OAuth refresh can happen here: only usable profiles would be refreshed).
    Some(match auth.resolve(&provider, None, None) {
        Ok(r) => from_resolved(provider, &r),
        Err(e) => fail(provider, e),
    })
}

fn from_resolved(provider: String, r: &crate::auth::ResolvedAuth) -> ActiveCredential {
    let (source, reason) = match &r.source {
        CredentialSource::Profile { id } => (
            format!("profile {id}"),
            "first usable profile in auth order".to_owned(),
        ),
        CredentialSource::Env { name, source } => (
            format!("env: {name}"),
            format!("no auth profile; found in the {source}"),
        ),
        CredentialSource::ConfigApiKey { provider } => (
            format!("config models.providers.{provider}.apiKey"),
            "no auth profile or environment variable".to_owned(),
        ),
    };
    ActiveCredential {
        provider,
        profile_id: r.profile_id.clone(),
        kind: r.kind.as_str().to_owned(),
        masked: mask(secrecy::ExposeSecret::expose_secret(&r.secret)),
        source,
        reason,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_format() {
        assert_eq!(format_remaining_short(0), "0m");
        assert_eq!(format_remaining_short(30_000), "1m");
        assert_eq!(format_remaining_short(59 * 60_000), "59m");
        assert_eq!(format_remaining_short(5 * 3_600_000), "5h");
        assert_eq!(format_remaining_short(72 * 3_600_000), "3d");
    }
}
