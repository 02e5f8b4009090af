//! Credential resolution ([resolution chain](crate::compatibility#resolution-chain)): explicit
//! profile → ordered usable profiles
//! → `ANTHROPIC_OAUTH_TOKEN` → `ANTHROPIC_API_KEY` → `models.providers.<id>.apiKey` → error.
//!
//! The chain is first *planned* from a store snapshot (pure, no I/O); the plan is then walked by
//! [`crate::auth::AgentAuth`], which refreshes expired OAuth profiles as it meets them.

use super::credential::{Credential, CredentialKind};
use super::order::{explicit_order, ineligibility, is_usable_now, profile_order, unusable_until};
use super::store::AuthStore;
use crate::config::Config;
use crate::config::model_ref::normalize_provider;
use crate::env::EnvSource;
use crate::error::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::sync::Arc;

/// The prefix of Claude setup-tokens (and OAuth access tokens).
pub const TOKEN_PREFIX: &str = "sk-ant-oat";

/// Where a resolved credential came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// An auth profile of the agent's store.
    Profile {
        /// Profile id (`anthropic:default`).
        id: String,
    },
    /// An environment-view variable.
    Env {
        /// Variable name (`ANTHROPIC_API_KEY`).
        name: String,
        /// The layer that supplied it.
        source: EnvSource,
    },
    /// `models.providers.<provider>.apiKey` of the config.
    ConfigApiKey {
        /// Provider id.
        provider: String,
    },
}

/// A credential ready to be sent.
#[derive(Debug, Clone)]
pub struct ResolvedAuth {
    /// How it is sent (`x-api-key` or Bearer).
    pub kind: CredentialKind,
    /// The secret (never printed by `Debug`).
    pub secret: SecretString,
    /// The profile it came from, if any.
    pub profile_id: Option<String>,
    /// Where it came from.
    pub source: CredentialSource,
    /// Human-readable origin without the secret (`profile anthropic:default (api_key)`,
    /// `env: ANTHROPIC_API_KEY`, `models.providers.anthropic.apiKey`).
    pub label: String,
    /// Things the user should know (a token found in an API-key variable, profiles skipped, …).
    pub warnings: Vec<String>,
}

impl ResolvedAuth {
    /// Whether the credential came from an auth profile.
    pub fn is_profile(&self) -> bool {
        matches!(self.source, CredentialSource::Profile { .. })
    }
}

/// One step of a planned chain.
#[derive(Debug)]
pub(crate) enum Candidate {
    /// Usable as is (environment or config credentials).
    Ready(ResolvedAuth),
    /// A profile usable as is; its [`ResolvedAuth`] is only made when the walk reaches it
    /// ([`Plan::profile_auth`]), so a long profile list costs no copies of secrets.
    Profile { id: String, kind: CredentialKind },
    /// An `oauth` profile whose access token has expired (or has no expiry) and can be refreshed.
    Refresh {
        profile_id: String,
        provider: String,
    },
    /// The environment and config credentials (`ANTHROPIC_OAUTH_TOKEN`, `ANTHROPIC_API_KEY`,
    /// `models.providers.<id>.apiKey`), looked up only when the walk gets this far
    /// ([`env_or_config_candidates`]): a usable profile is the usual answer.
    EnvOrConfig,
}

/// The planned chain and what to report when it is exhausted.
#[derive(Debug)]
pub(crate) struct Plan {
    pub candidates: Vec<Candidate>,
    /// The candidate came from an explicit profile id (a refresh failure is final).
    pub explicit: bool,
    /// Profiles skipped because they are unusable now (id, usable again at).
    pub unusable: Vec<(String, u64)>,
    /// Whether the store has any eligible profile for the provider.
    pub had_profiles: bool,
    /// Warnings collected while planning.
    pub warnings: Vec<String>,
    /// The store snapshot the plan was made from.
    pub store: Arc<AuthStore>,
    /// Set when an explicit order names none of the provider's usable profiles.
    pub order_note: Option<String>,
}

impl Plan {
    /// The credential of a [`Candidate::Profile`] of this plan.
    pub(crate) fn profile_auth(&self, id: &str, kind: CredentialKind) -> Option<ResolvedAuth> {
        let secret = ready_secret(&self.store.profiles.get(id)?.credential)?;
        Some(ResolvedAuth {
            kind,
            secret: SecretString::from(secret.expose_secret().trim().to_owned()),
            profile_id: Some(id.to_owned()),
            source: CredentialSource::Profile { id: id.to_owned() },
            label: profile_label(id, kind),
            warnings: Vec::new(),
        })
    }
}

/// The secret a credential is sent with as is, if it has one (not blank).
fn ready_secret(c: &Credential) -> Option<&SecretString> {
    let s = match c {
        Credential::ApiKey { key, .. } => key,
        Credential::Token { token, .. } => token,
        Credential::OAuth { access, .. } => access.as_ref()?,
    };
    (!s.expose_secret().trim().is_empty()).then_some(s)
}

/// How long a resolution stays what it is, so that a client can reuse it meanwhile: until
/// time alone changes the plan, or a success of another profile changes the round-robin order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stability {
    /// A success of this profile leaves the resolution unchanged (it was the only usable
    /// profile, the preferred one, or first in an explicit order); a success of any other
    /// profile may change it.
    pub benign: Option<String>,
    /// When the plan was made (ms since the epoch): a clock set back before it may see a
    /// cooldown again.
    pub from_ms: u64,
    /// The first instant (ms since the epoch) at which time alone may change the plan: a
    /// cooldown or disable ends, a token or OAuth access token expires. `u64::MAX` if none.
    pub until_ms: u64,
}

impl Stability {
    /// Whether the plan still holds at `now_ms` as far as time goes.
    pub(crate) fn holds_at(&self, now_ms: u64) -> bool {
        (self.from_ms..self.until_ms).contains(&now_ms)
    }
}

/// What of [`Stability`] is known from the plan alone, before it is walked.
#[derive(Debug)]
pub(crate) struct PlanStability {
    /// Usable profiles in the plan (the walk takes the first).
    usable_profiles: usize,
    /// The order is explicit (store or config `order`): successes do not reorder it.
    explicit_order: bool,
    /// The profile asked to go first (it stays first whatever its successes).
    preferred: Option<String>,
    from_ms: u64,
    until_ms: u64,
}

impl PlanStability {
    /// `None` when the plan must not be reused: an explicit profile, or an OAuth refresh due
    /// (the refresh rewrites the store anyway).
    pub(crate) fn of(
        config: &Config,
        plan: &Plan,
        provider: &str,
        preferred: Option<&str>,
        now_ms: u64,
    ) -> Option<Self> {
        if plan.explicit
            || plan
                .candidates
                .iter()
                .any(|c| matches!(c, Candidate::Refresh { .. }))
        {
            return None;
        }
        let store = &plan.store;
        let mut until_ms = u64::MAX;
        let mut consider = |t: Option<u64>| {
            if let Some(t) = t.filter(|&t| t > now_ms) {
                until_ms = until_ms.min(t);
            }
        };
        for stats in store.usage_stats.values() {
            consider(stats.cooldown_until);
            consider(stats.disabled_until);
            consider(stats.headroom_until);
        }
        for p in store.profiles.values() {
            match &p.credential {
                Credential::Token { expires, .. } | Credential::OAuth { expires, .. } => {
                    consider(*expires);
                }
                Credential::ApiKey { .. } => {}
            }
        }
        Some(PlanStability {
            usable_profiles: plan
                .candidates
                .iter()
                .filter(|c| matches!(c, Candidate::Profile { .. }))
                .count(),
            explicit_order: explicit_order(config, store, provider).is_some_and(|o| !o.is_empty()),
            preferred: preferred.map(str::to_owned),
            from_ms: now_ms,
            until_ms,
        })
    }

    /// The stability of the credential the walk chose.
    pub(crate) fn finish(self, chosen: &ResolvedAuth) -> Stability {
        let benign = chosen
            .profile_id
            .as_ref()
            .filter(|id| {
                self.usable_profiles == 1
                    || self.explicit_order
                    || self.preferred.as_ref() == Some(*id)
            })
            .cloned();
        Stability {
            benign,
            from_ms: self.from_ms,
            until_ms: self.until_ms,
        }
    }
}

/// Inputs of the planner.
pub(crate) struct PlanInput<'a> {
    pub config: &'a Config,
    pub store: &'a Arc<AuthStore>,
    pub agent_id: &'a str,
    pub provider: &'a str,
    pub explicit_profile: Option<&'a str>,
    pub preferred: Option<&'a str>,
    /// `Some` = failover: only profiles, skipping these ids.
    pub exclude: Option<&'a [String]>,
    pub now_ms: u64,
}

fn profile_label(id: &str, kind: CredentialKind) -> String {
    // Not `format!`: this runs on every request, and a concatenation costs a fraction of it.
    ["profile ", id, " (", kind.as_str(), ")"].concat()
}

/// The resolved form of a profile, or `None` with the reason when it cannot be sent as is.
fn profile_candidate(
    store: &AuthStore,
    id: &str,
    now_ms: u64,
) -> std::result::Result<Candidate, String> {
    let Some(p) = store.profiles.get(id) else {
        return Err("not in the store".into());
    };
    // Checked here, read again by `Plan::profile_auth` from the same snapshot.
    let ready = |kind: CredentialKind, secret: &SecretString| {
        debug_assert!(ready_secret(&p.credential).is_some_and(|s| std::ptr::eq(s, secret)));
        Candidate::Profile {
            id: id.to_owned(),
            kind,
        }
    };
    let blank = |s: &SecretString| s.expose_secret().trim().is_empty();
    match &p.credential {
        Credential::ApiKey { key, .. } => {
            if blank(key) {
                Err("blank API key".into())
            } else {
                Ok(ready(CredentialKind::ApiKey, key))
            }
        }
        Credential::Token { token, expires, .. } => {
            if blank(token) {
                Err("blank token".into())
            } else if expires.is_some_and(|e| e > 0 && now_ms >= e) {
                Err("token expired".into())
            } else {
                Ok(ready(CredentialKind::Token, token))
            }
        }
        Credential::OAuth {
            provider,
            access,
            refresh,
            expires,
            ..
        } => {
            let access = access.as_ref().filter(|a| !blank(a));
            let has_refresh = refresh.as_ref().is_some_and(|r| !blank(r));
            let fresh = expires.is_some_and(|e| now_ms < e);
            match (access, fresh, has_refresh) {
                (Some(a), true, _) => Ok(ready(CredentialKind::OAuth, a)),
                (_, _, true) => Ok(Candidate::Refresh {
                    profile_id: id.to_owned(),
                    provider: provider.clone(),
                }),
                // No expiry recorded and nothing to refresh with: use the access token as is.
                (Some(a), false, false) if expires.is_none() => Ok(ready(CredentialKind::OAuth, a)),
                _ => Err("OAuth access token expired and no refresh token".into()),
            }
        }
    }
}

pub(crate) fn env_or_config_candidates(config: &Config, provider: &str) -> Vec<Candidate> {
    let key = normalize_provider(provider);
    let mut out = Vec::new();
    let token_warning = |what: &str| {
        format!(
            "{what} holds a setup-token ({TOKEN_PREFIX}…), not an API key: sending it as `Authorization: Bearer` (store it as a token profile with `models auth paste-token` to silence this)"
        )
    };
    if key == "anthropic" {
        for name in ["ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY"] {
            if let Some(v) = config.env().get(name) {
                let value = v.expose().trim().to_owned();
                let mut warnings = Vec::new();
                let kind = if name == "ANTHROPIC_OAUTH_TOKEN" {
                    CredentialKind::Token
                } else if value.starts_with(TOKEN_PREFIX) {
                    warnings.push(token_warning(name));
                    CredentialKind::Token
                } else {
                    CredentialKind::ApiKey
                };
                out.push(Candidate::Ready(ResolvedAuth {
                    kind,
                    secret: SecretString::from(value),
                    profile_id: None,
                    source: CredentialSource::Env {
                        name: name.to_owned(),
                        source: v.source.clone(),
                    },
                    label: v.label(),
                    warnings,
                }));
            }
        }
    }
    if let Some(api_key) = config
        .provider(&key)
        .and_then(|p| p.api_key.as_deref())
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let label = format!("models.providers.{key}.apiKey");
        let mut warnings = Vec::new();
        let kind = if api_key.starts_with(TOKEN_PREFIX) {
            warnings.push(token_warning(&label));
            CredentialKind::Token
        } else {
            CredentialKind::ApiKey
        };
        out.push(Candidate::Ready(ResolvedAuth {
            kind,
            secret: SecretString::from(api_key.to_owned()),
            profile_id: None,
            source: CredentialSource::ConfigApiKey {
                provider: key.to_string(),
            },
            label,
            warnings,
        }));
    }
    out
}

/// Plans the chain. Errors only for an explicit profile that cannot be used.
pub(crate) fn plan(input: &PlanInput<'_>) -> Result<Plan> {
    let PlanInput {
        config,
        store,
        agent_id,
        provider,
        explicit_profile,
        preferred,
        exclude,
        now_ms,
    } = *input;
    let mut plan = Plan {
        candidates: Vec::new(),
        explicit: false,
        unusable: Vec::new(),
        had_profiles: false,
        warnings: Vec::new(),
        store: Arc::clone(store),
        order_note: None,
    };
    if let Some(id) = explicit_profile.map(str::trim) {
        if id.is_empty() {
            return Err(Error::InvalidArgument(
                "the requested auth profile id is empty: name a profile (see `models status`) or omit it to let the auth order choose".into(),
            ));
        }
        let no_creds = || Error::NoCredentialsForProfile {
            profile_id: id.to_owned(),
            agent_id: agent_id.to_owned(),
        };
        let Some(p) = store.profiles.get(id) else {
            return Err(no_creds());
        };
        if normalize_provider(p.credential.provider()) != normalize_provider(provider) {
            return Err(Error::InvalidArgument(format!(
                "auth profile \"{id}\" belongs to provider \"{}\", not \"{provider}\"",
                p.credential.provider()
            )));
        }
        if ineligibility(config, store, provider, id, now_ms).is_some() {
            return Err(no_creds());
        }
        let c = profile_candidate(store, id, now_ms).map_err(|_| no_creds())?;
        plan.explicit = true;
        plan.had_profiles = true;
        plan.candidates.push(c);
        return Ok(plan);
    }

    let order = profile_order(config, store, provider, preferred, now_ms);
    plan.had_profiles = !order.is_empty();
    if order.is_empty() {
        plan.order_note =
            super::order::order_excluding_every_profile(config, store, provider, now_ms);
    }
    for id in order {
        if exclude.is_some_and(|ex| ex.iter().any(|e| e == id)) {
            continue;
        }
        let stats = store.usage_stats.get(id);
        if !is_usable_now(stats, now_ms) {
            plan.unusable
                .push((id.to_owned(), unusable_until(stats).unwrap_or(now_ms)));
            continue;
        }
        match profile_candidate(store, id, now_ms) {
            Ok(c) => plan.candidates.push(c),
            Err(why) => plan.warnings.push(format!("skipped profile {id}: {why}")),
        }
    }
    if exclude.is_none() {
        if !plan.unusable.is_empty() {
            let ids: Vec<&str> = plan.unusable.iter().map(|(id, _)| id.as_str()).collect();
            plan.warnings.push(format!(
                "skipped profiles in cooldown/disabled: {}",
                ids.join(", ")
            ));
        }
        plan.candidates.push(Candidate::EnvOrConfig);
    }
    Ok(plan)
}

/// The error for an exhausted chain.
pub(crate) fn exhausted_error(
    plan: &Plan,
    provider: &str,
    agent_id: &str,
    store_path: &Path,
    refresh_error: Option<Error>,
) -> Error {
    if let Some(e) = refresh_error {
        return e;
    }
    if let Some((id, until)) = plan.unusable.iter().min_by_key(|(_, until)| *until) {
        return Error::NoAvailableProfile {
            provider: provider.to_owned(),
            soonest_profile: Some(id.clone()),
            soonest_available_ms: Some(*until),
        };
    }
    if plan.had_profiles {
        return Error::NoAvailableProfile {
            provider: provider.to_owned(),
            soonest_profile: None,
            soonest_available_ms: None,
        };
    }
    Error::NoApiKey {
        provider: provider.to_owned(),
        agent_id: agent_id.to_owned(),
        store_path: store_path.to_path_buf(),
        order_note: plan.order_note.clone(),
    }
}
