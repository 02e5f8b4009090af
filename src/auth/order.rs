//! Profile order for a provider ([profile order](crate::compatibility#profile-order), Clawdbot's
//! `resolveAuthProfileOrder`).
//!
//! ```
//! # fn main() -> claw_anthropic::Result<()> {
//! use claw_anthropic::auth::order::resolve_profile_order;
//! use claw_anthropic::auth::store::AuthStore;
//! let store = AuthStore::parse(r#"{"version":1,"profiles":{
//!   "anthropic:key":{"type":"api_key","provider":"anthropic","key":"k"},
//!   "anthropic:tok":{"type":"token","provider":"anthropic","token":"t"}}}"#,
//!   std::path::Path::new("auth-profiles.json"))?;
//! let config = claw_anthropic::Config::from_json5("{}")?;
//! // tokens sort before API keys
//! assert_eq!(resolve_profile_order(&config, &store, "anthropic", None, 0),
//!            ["anthropic:tok", "anthropic:key"]);
//! # Ok(()) }
//! ```

use super::credential::Credential;
use super::store::{AuthStore, UsageStats};
use crate::config::model_ref::normalize_provider;
use crate::config::{AuthMode, Config};
use secrecy::ExposeSecret;

/// When a profile becomes usable again: `max(cooldownUntil, disabledUntil)` over the values that
/// are set and positive; `None` if neither is. (This crate: the client's view also holds the
/// rate-limit reset of a profile out of headroom, [`UsageStats::headroom_until`].)
pub fn unusable_until(stats: Option<&UsageStats>) -> Option<u64> {
    let s = stats?;
    [s.cooldown_until, s.disabled_until, s.headroom_until]
        .into_iter()
        .flatten()
        .filter(|v| *v > 0)
        .max()
}

/// Whether a profile is usable at `now_ms` (not in cooldown, not disabled).
pub fn is_usable_now(stats: Option<&UsageStats>, now_ms: u64) -> bool {
    unusable_until(stats).is_none_or(|until| now_ms >= until)
}

/// Why a stored profile is not eligible for a provider (rule 3 of the order), if it is not.
pub fn ineligibility(
    config: &Config,
    store: &AuthStore,
    provider: &str,
    profile_id: &str,
    now_ms: u64,
) -> Option<&'static str> {
    let key = normalize_provider(provider);
    let Some(profile) = store.profiles.get(profile_id) else {
        return Some("not in the store");
    };
    let cred = &profile.credential;
    if normalize_provider(cred.provider()) != key {
        return Some("belongs to another provider");
    }
    if let Some(pc) = config
        .doc()
        .auth
        .as_ref()
        .and_then(|a| a.profiles.get(profile_id))
    {
        if normalize_provider(&pc.provider) != key {
            return Some("configured for another provider");
        }
        let compatible = pc.mode.as_str() == cred.kind().as_str()
            || (pc.mode == AuthMode::OAuth && matches!(cred, Credential::Token { .. }));
        if !compatible {
            return Some("config mode does not match the stored type");
        }
    }
    let blank = |s: &secrecy::SecretString| s.expose_secret().trim().is_empty();
    let unsendable =
        |s: &secrecy::SecretString| super::credential::secret_is_unsendable(s.expose_secret());
    match cred {
        Credential::ApiKey { key, .. } if blank(key) => Some("blank API key"),
        Credential::Token { token, .. } if blank(token) => Some("blank token"),
        Credential::ApiKey { key, .. } if unsendable(key) => {
            Some("API key contains spaces or control characters")
        }
        Credential::Token { token, .. } if unsendable(token) => {
            Some("token contains spaces or control characters")
        }
        Credential::Token {
            expires: Some(exp), ..
        } if *exp > 0 && now_ms >= *exp => Some("token expired"),
        Credential::OAuth {
            access, refresh, ..
        } if access.as_ref().is_none_or(blank) && refresh.as_ref().is_none_or(blank) => {
            Some("OAuth profile has neither access nor refresh token")
        }
        _ => None,
    }
}

/// The explicit order for a provider: store `order[provider]`, else config `auth.order[provider]`
/// (keys compared normalised).
pub fn explicit_order<'a>(
    config: &'a Config,
    store: &'a AuthStore,
    provider: &str,
) -> Option<&'a [String]> {
    let key = normalize_provider(provider);
    store
        .order
        .iter()
        .find(|(k, _)| normalize_provider(k) == key)
        .map(|(_, v)| v.as_slice())
        .or_else(|| {
            config
                .doc()
                .auth
                .as_ref()?
                .order
                .iter()
                .find(|(k, _)| normalize_provider(k) == key)
                .map(|(_, v)| v.as_slice())
        })
}

/// When an explicit order for `provider` (store `order`, else config `auth.order`) names none
/// of the store's eligible profiles of that provider, the sentence explaining it (those
/// profiles are then not used at all, as in Clawdbot); else `None`.
pub fn order_excluding_every_profile(
    config: &Config,
    store: &AuthStore,
    provider: &str,
    now_ms: u64,
) -> Option<String> {
    let key = normalize_provider(provider);
    let order = explicit_order(config, store, provider)?;
    let eligible: Vec<&str> = store
        .profiles
        .keys()
        .filter(|id| ineligibility(config, store, &key, id, now_ms).is_none())
        .map(String::as_str)
        .collect();
    if eligible.is_empty() || order.iter().any(|id| eligible.contains(&id.as_str())) {
        return None;
    }
    let from_store = store.order.keys().any(|k| normalize_provider(k) == key);
    let (source, fix) = if from_store {
        (
            "The auth store's profile order",
            format!(
                "run `claw-anthropic models auth order clear --provider {key}` or set it again"
            ),
        )
    } else {
        (
            "The config's auth.order",
            format!("edit auth.order.{key} in the config"),
        )
    };
    Some(format!(
        "{source} for {key} ({}) names none of this agent's usable {key} profiles ({}), so none \
         of them is used: {fix}.",
        order.join(", "),
        eligible.join(", ")
    ))
}

/// The ordered candidate profile ids for `provider` (the six rules of [profile
/// order](crate::compatibility#profile-order)). Unusable profiles are
/// included, at the end, soonest-available first; callers skip them.
pub fn resolve_profile_order(
    config: &Config,
    store: &AuthStore,
    provider: &str,
    preferred: Option<&str>,
    now_ms: u64,
) -> Vec<String> {
    profile_order(config, store, provider, preferred, now_ms)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// [`resolve_profile_order`] with borrowed ids (what the resolver uses on every request).
pub(crate) fn profile_order<'a>(
    config: &'a Config,
    store: &'a AuthStore,
    provider: &str,
    preferred: Option<&str>,
    now_ms: u64,
) -> Vec<&'a str> {
    let key = normalize_provider(provider);
    let explicit = explicit_order(config, store, provider);
    let base: Vec<&'a str> = match explicit {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => {
            let configured: Vec<&'a str> = config
                .doc()
                .auth
                .as_ref()
                .map(|a| {
                    a.profiles
                        .iter()
                        .filter(|(_, p)| normalize_provider(&p.provider) == key)
                        .map(|(id, _)| id.as_str())
                        .collect()
                })
                .unwrap_or_default();
            if configured.is_empty() {
                store
                    .profiles
                    .iter()
                    .filter(|(_, p)| normalize_provider(p.credential.provider()) == key)
                    .map(|(id, _)| id.as_str())
                    .collect()
            } else {
                configured
            }
        }
    };
    let mut eligible: Vec<&'a str> = Vec::with_capacity(base.len());
    // Duplicates are dropped; a short list (the usual case) is searched rather than hashed.
    let mut seen: Option<std::collections::HashSet<&str>> =
        (base.len() > 16).then(std::collections::HashSet::new);
    for &id in &base {
        if ineligibility(config, store, &key, id, now_ms).is_some() {
            continue;
        }
        let first = match seen.as_mut() {
            Some(set) => set.insert(id),
            None => !eligible.contains(&id),
        };
        if first {
            eligible.push(id);
        }
    }

    let (mut available, mut unusable): (Vec<&'a str>, Vec<(&'a str, u64)>) =
        (Vec::with_capacity(eligible.len()), Vec::new());
    for id in eligible {
        let stats = store.usage_stats.get(id);
        if is_usable_now(stats, now_ms) {
            available.push(id);
        } else {
            let until = unusable_until(stats).unwrap_or(now_ms);
            unusable.push((id, until));
        }
    }
    if explicit.is_none_or(|e| e.is_empty()) {
        let type_score = |id: &str| match store.profiles.get(id).map(|p| &p.credential) {
            Some(Credential::OAuth { .. }) => 0,
            Some(Credential::Token { .. }) => 1,
            Some(Credential::ApiKey { .. }) => 2,
            None => 3,
        };
        let last_used = |id: &str| {
            store
                .usage_stats
                .get(id)
                .and_then(|s| s.last_used)
                .unwrap_or(0)
        };
        if available.len() > 1 {
            // Keys computed once per id (two map lookups each), not per comparison; stable.
            available.sort_by_cached_key(|id| (type_score(id), last_used(id)));
        }
    }
    unusable.sort_by_key(|(_, until)| *until);
    let mut ordered = available;
    ordered.extend(unusable.into_iter().map(|(id, _)| id));
    if let Some(p) = preferred
        && let Some(pos) = ordered.iter().position(|id| *id == p)
    {
        let id = ordered.remove(pos);
        ordered.insert(0, id);
    }
    ordered
}
