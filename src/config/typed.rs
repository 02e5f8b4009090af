//! The typed sections built straight from a validated [`Parsed`] document: strings are moved (or
//! copied once, out of the text they borrow from) and only the values the config keeps as opaque
//! JSON become `serde_json` values (no serde `#[serde(flatten)]`/`untagged` buffering).
//!
//! Validation ([`super::validate`]) has already checked every shape used here, so the `Err` arms
//! are not reached in practice; they keep the conversion total. It must give exactly what
//! `serde::Deserialize` gives for the same document (checked by a property test in
//! [`super::load`]).

use super::parsed::{Member, Parsed};
use super::types::{
    AgentDefaults, AgentEntry, AgentsConfig, AuthConfig, AuthMode, AuthProfileConfig, CacheTtl,
    CooldownConfig, EnvBlock, ModelEntry, ModelParams, ModelSelection, ModelSelectionDetail,
    ModelsConfig, OrderedMap, ProviderConfig, ShellEnv,
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

type R<T> = Result<T, String>;

fn mismatch<T>(key: &str, expected: &str, found: &Parsed<'_>) -> R<T> {
    let found = match found {
        Parsed::Null => "null",
        Parsed::Bool(_) => "a boolean",
        Parsed::Number(_) => "a number",
        Parsed::String(_) => "a string",
        Parsed::Array(_) => "an array",
        Parsed::Object(_) => "an object",
    };
    Err(format!("`{key}`: expected {expected}, found {found}"))
}

fn object<'a>(key: &str, v: Parsed<'a>) -> R<Vec<Member<'a>>> {
    match v {
        Parsed::Object(m) => Ok(m),
        other => mismatch(key, "an object", &other),
    }
}

fn string(key: &str, v: Parsed<'_>) -> R<String> {
    match v {
        Parsed::String(s) => Ok(s.into_owned()),
        other => mismatch(key, "a string", &other),
    }
}

fn opt_string(key: &str, v: Parsed<'_>) -> R<Option<String>> {
    match v {
        Parsed::Null => Ok(None),
        v => string(key, v).map(Some),
    }
}

fn opt_bool(key: &str, v: Parsed<'_>) -> R<Option<bool>> {
    match v {
        Parsed::Null => Ok(None),
        Parsed::Bool(b) => Ok(Some(b)),
        other => mismatch(key, "a boolean", &other),
    }
}

fn f64_of(key: &str, v: &Parsed<'_>) -> R<f64> {
    match v {
        Parsed::Number(n) => match n.as_f64() {
            Some(f) => Ok(f),
            None => mismatch(key, "a number", v),
        },
        other => mismatch(key, "a number", other),
    }
}

fn opt_f64(key: &str, v: Parsed<'_>) -> R<Option<f64>> {
    match v {
        Parsed::Null => Ok(None),
        v => f64_of(key, &v).map(Some),
    }
}

fn opt_u64(key: &str, v: Parsed<'_>) -> R<Option<u64>> {
    match &v {
        Parsed::Null => Ok(None),
        Parsed::Number(n) if n.as_u64().is_some() => Ok(n.as_u64()),
        other => mismatch(key, "a non-negative integer", other),
    }
}

fn strings(key: &str, v: Parsed<'_>) -> R<Vec<String>> {
    match v {
        Parsed::Array(items) => items.into_iter().map(|s| string(key, s)).collect(),
        other => mismatch(key, "an array", &other),
    }
}

/// An empty map with room for the members of an object whose keys are not in `modeled` (the
/// keys the typed struct has fields for, as its conversion matches them): its `extra` keys, so
/// the map is allocated once.
fn extra_map(members: &[Member<'_>], modeled: &[&str]) -> Map<String, Value> {
    Map::with_capacity(
        members
            .iter()
            .filter(|(k, _)| !modeled.contains(&&**k))
            .count(),
    )
}

fn unknown<T>(key: &str, section: &str) -> R<T> {
    Err(format!("unknown field `{key}` in {section}"))
}

fn required<T>(v: Option<T>, key: &str, section: &str) -> R<T> {
    v.ok_or_else(|| format!("missing field `{key}` in {section}"))
}

/// `env`.
pub(crate) fn env_block(v: Parsed<'_>) -> R<EnvBlock> {
    let mut out = EnvBlock::default();
    for (k, v) in object("env", v)? {
        match &*k {
            "vars" => {
                if !v.is_null() {
                    for (name, value) in object("vars", v)? {
                        let value = string(&name, value)?;
                        out.vars.insert(name.into_owned(), value);
                    }
                }
            }
            "shellEnv" => out.shell_env = shell_env(v)?,
            _ => {
                let value = string(&k, v)?;
                out.inline.insert(k.into_owned(), value);
            }
        }
    }
    Ok(out)
}

fn shell_env(v: Parsed<'_>) -> R<Option<ShellEnv>> {
    if v.is_null() {
        return Ok(None);
    }
    let mut out = ShellEnv::default();
    for (k, v) in object("shellEnv", v)? {
        match &*k {
            "enabled" => out.enabled = opt_bool(&k, v)?,
            "timeoutMs" => out.timeout_ms = opt_u64(&k, v)?,
            _ => return unknown(&k, "shellEnv"),
        }
    }
    Ok(Some(out))
}

/// `auth`.
pub(crate) fn auth(v: Parsed<'_>) -> R<AuthConfig> {
    let mut out = AuthConfig::default();
    for (k, v) in object("auth", v)? {
        match &*k {
            "profiles" => {
                let m = object(&k, v)?;
                out.profiles = OrderedMap::with_capacity(m.len());
                for (id, p) in m {
                    let p = auth_profile(p)?;
                    out.profiles.insert(id.into_owned(), p);
                }
            }
            "order" => {
                let m = object(&k, v)?;
                out.order = OrderedMap::with_capacity(m.len());
                for (provider, ids) in m {
                    let ids = strings(&provider, ids)?;
                    out.order.insert(provider.into_owned(), ids);
                }
            }
            "cooldowns" => out.cooldowns = cooldowns(v)?,
            _ => return unknown(&k, "auth"),
        }
    }
    Ok(out)
}

fn auth_profile(v: Parsed<'_>) -> R<AuthProfileConfig> {
    let (mut provider, mut mode, mut email) = (None, None, None);
    for (k, v) in object("profile", v)? {
        match &*k {
            "provider" => provider = Some(string(&k, v)?),
            "mode" => {
                mode = Some(match string(&k, v)?.as_str() {
                    "api_key" => AuthMode::ApiKey,
                    "oauth" => AuthMode::OAuth,
                    "token" => AuthMode::Token,
                    other => return Err(format!("unknown variant `{other}`")),
                })
            }
            "email" => email = opt_string(&k, v)?,
            _ => return unknown(&k, "an auth profile"),
        }
    }
    Ok(AuthProfileConfig {
        provider: required(provider, "provider", "an auth profile")?,
        mode: required(mode, "mode", "an auth profile")?,
        email,
    })
}

fn cooldowns(v: Parsed<'_>) -> R<Option<CooldownConfig>> {
    if v.is_null() {
        return Ok(None);
    }
    let mut out = CooldownConfig::default();
    for (k, v) in object("cooldowns", v)? {
        match &*k {
            "billingBackoffHours" => out.billing_backoff_hours = opt_f64(&k, v)?,
            "billingBackoffHoursByProvider" => {
                let mut m = BTreeMap::new();
                for (p, h) in object(&k, v)? {
                    let h = f64_of(&p, &h)?;
                    m.insert(p.into_owned(), h);
                }
                out.billing_backoff_hours_by_provider = m;
            }
            "billingMaxHours" => out.billing_max_hours = opt_f64(&k, v)?,
            "failureWindowHours" => out.failure_window_hours = opt_f64(&k, v)?,
            _ => return unknown(&k, "auth.cooldowns"),
        }
    }
    Ok(Some(out))
}

fn model_selection(key: &str, v: Parsed<'_>) -> R<Option<ModelSelection>> {
    match v {
        Parsed::Null => Ok(None),
        Parsed::String(s) => Ok(Some(ModelSelection::Ref(s.into_owned()))),
        Parsed::Object(m) => {
            let mut d = ModelSelectionDetail::default();
            for (k, v) in m {
                match &*k {
                    "primary" => d.primary = opt_string(&k, v)?,
                    "fallbacks" => d.fallbacks = strings(&k, v)?,
                    _ => return unknown(&k, "a model selection"),
                }
            }
            Ok(Some(ModelSelection::Detailed(d)))
        }
        other => mismatch(key, "a model ref or { primary, fallbacks }", &other),
    }
}

/// `agents`.
pub(crate) fn agents(v: Parsed<'_>) -> R<AgentsConfig> {
    let members = object("agents", v)?;
    let mut out = AgentsConfig {
        extra: extra_map(&members, &["defaults", "list"]),
        ..AgentsConfig::default()
    };
    for (k, v) in members {
        match &*k {
            "defaults" => {
                if !v.is_null() {
                    out.defaults = Some(agent_defaults(v)?);
                }
            }
            "list" => match v {
                Parsed::Array(items) => {
                    out.list = items.into_iter().map(agent_entry).collect::<R<Vec<_>>>()?;
                }
                other => return mismatch(&k, "an array", &other),
            },
            _ => {
                out.extra.insert(k.into_owned(), v.into_value());
            }
        }
    }
    Ok(out)
}

fn agent_defaults(v: Parsed<'_>) -> R<AgentDefaults> {
    let members = object("agents.defaults", v)?;
    let mut out = AgentDefaults {
        extra: extra_map(&members, &["model", "imageModel", "models"]),
        ..AgentDefaults::default()
    };
    for (k, v) in members {
        match &*k {
            "model" => out.model = model_selection(&k, v)?,
            "imageModel" => out.image_model = model_selection(&k, v)?,
            "models" => {
                let m = object(&k, v)?;
                out.models = OrderedMap::with_capacity(m.len());
                for (id, e) in m {
                    let e = model_entry(e)?;
                    out.models.insert(id.into_owned(), e);
                }
            }
            _ => {
                out.extra.insert(k.into_owned(), v.into_value());
            }
        }
    }
    Ok(out)
}

fn model_entry(v: Parsed<'_>) -> R<ModelEntry> {
    let mut out = ModelEntry::default();
    for (k, v) in object("model entry", v)? {
        match &*k {
            "alias" => out.alias = opt_string(&k, v)?,
            "params" => {
                if !v.is_null() {
                    out.params = Some(model_params(v)?);
                }
            }
            _ => return unknown(&k, "a model entry"),
        }
    }
    Ok(out)
}

fn model_params(v: Parsed<'_>) -> R<ModelParams> {
    let members = object("params", v)?;
    let mut out = ModelParams {
        extra: extra_map(&members, &["cacheControlTtl", "temperature", "maxTokens"]),
        ..ModelParams::default()
    };
    for (k, v) in members {
        match &*k {
            "cacheControlTtl" => {
                out.cache_control_ttl = match opt_string(&k, v)?.as_deref() {
                    None => None,
                    Some("5m") => Some(CacheTtl::FiveMinutes),
                    Some("1h") => Some(CacheTtl::OneHour),
                    Some(other) => return Err(format!("unknown variant `{other}`")),
                }
            }
            "temperature" => out.temperature = opt_f64(&k, v)?,
            "maxTokens" => {
                out.max_tokens = match opt_u64(&k, v)? {
                    None => None,
                    Some(n) => {
                        Some(u32::try_from(n).map_err(|_| format!("`{k}`: {n} is out of range"))?)
                    }
                }
            }
            _ => {
                out.extra.insert(k.into_owned(), v.into_value());
            }
        }
    }
    Ok(out)
}

fn agent_entry(v: Parsed<'_>) -> R<AgentEntry> {
    let mut id = None;
    let members = object("agents.list item", v)?;
    let mut out = AgentEntry {
        extra: extra_map(&members, &["id", "default", "name", "agentDir", "model"]),
        ..AgentEntry::default()
    };
    for (k, v) in members {
        match &*k {
            "id" => id = Some(string(&k, v)?),
            "default" => out.default = opt_bool(&k, v)?,
            "name" => out.name = opt_string(&k, v)?,
            "agentDir" => out.agent_dir = opt_string(&k, v)?,
            "model" => out.model = model_selection(&k, v)?,
            _ => {
                out.extra.insert(k.into_owned(), v.into_value());
            }
        }
    }
    out.id = required(id, "id", "an agents.list item")?;
    Ok(out)
}

/// `models`.
pub(crate) fn models(v: Parsed<'_>) -> R<ModelsConfig> {
    let members = object("models", v)?;
    let mut out = ModelsConfig {
        extra: extra_map(&members, &["providers"]),
        ..ModelsConfig::default()
    };
    for (k, v) in members {
        match &*k {
            "providers" => {
                let m = object(&k, v)?;
                out.providers = OrderedMap::with_capacity(m.len());
                for (id, p) in m {
                    let p = provider(p)?;
                    out.providers.insert(id.into_owned(), p);
                }
            }
            _ => {
                out.extra.insert(k.into_owned(), v.into_value());
            }
        }
    }
    Ok(out)
}

fn provider(v: Parsed<'_>) -> R<ProviderConfig> {
    let members = object("provider", v)?;
    let mut out = ProviderConfig {
        extra: extra_map(&members, &["baseUrl", "apiKey", "api", "headers", "models"]),
        ..ProviderConfig::default()
    };
    for (k, v) in members {
        match &*k {
            "baseUrl" => out.base_url = opt_string(&k, v)?,
            "apiKey" => out.api_key = opt_string(&k, v)?,
            "api" => out.api = opt_string(&k, v)?,
            "headers" => {
                let m = object(&k, v)?;
                out.headers = OrderedMap::with_capacity(m.len());
                for (name, value) in m {
                    let value = string(&name, value)?;
                    out.headers.insert(name.into_owned(), value);
                }
            }
            "models" => {
                out.models = match v {
                    Parsed::Null => None,
                    Parsed::Array(items) => {
                        Some(items.into_iter().map(Parsed::into_value).collect())
                    }
                    other => return mismatch(&k, "an array", &other),
                }
            }
            _ => {
                out.extra.insert(k.into_owned(), v.into_value());
            }
        }
    }
    Ok(out)
}
