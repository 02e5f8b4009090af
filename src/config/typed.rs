//! The typed sections built straight from a validated document, moving its strings and opaque
//! values (no serde `#[serde(flatten)]`/`untagged` buffering, no copies).
//!
//! Validation ([`super::validate`]) has already checked every shape used here, so the `Err` arms
//! are not reached in practice; they keep the conversion total. It must give exactly what
//! `serde::Deserialize` gives for the same document (checked by a property test in
//! [`super::load`]).

use super::types::{
    AgentDefaults, AgentEntry, AgentsConfig, AuthConfig, AuthMode, AuthProfileConfig, CacheTtl,
    CooldownConfig, EnvBlock, ModelEntry, ModelParams, ModelSelection, ModelSelectionDetail,
    ModelsConfig, OrderedMap, ProviderConfig, ShellEnv,
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

type R<T> = Result<T, String>;

fn mismatch<T>(key: &str, expected: &str, found: &Value) -> R<T> {
    let found = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Err(format!("`{key}`: expected {expected}, found {found}"))
}

fn object(key: &str, v: Value) -> R<Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m),
        other => mismatch(key, "an object", &other),
    }
}

fn string(key: &str, v: Value) -> R<String> {
    match v {
        Value::String(s) => Ok(s),
        other => mismatch(key, "a string", &other),
    }
}

fn opt_string(key: &str, v: Value) -> R<Option<String>> {
    match v {
        Value::Null => Ok(None),
        v => string(key, v).map(Some),
    }
}

fn opt_bool(key: &str, v: Value) -> R<Option<bool>> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        other => mismatch(key, "a boolean", &other),
    }
}

fn f64_of(key: &str, v: &Value) -> R<f64> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) => Ok(f),
            None => mismatch(key, "a number", v),
        },
        other => mismatch(key, "a number", other),
    }
}

fn opt_f64(key: &str, v: Value) -> R<Option<f64>> {
    match v {
        Value::Null => Ok(None),
        v => f64_of(key, &v).map(Some),
    }
}

fn opt_u64(key: &str, v: Value) -> R<Option<u64>> {
    match &v {
        Value::Null => Ok(None),
        Value::Number(n) if n.as_u64().is_some() => Ok(n.as_u64()),
        other => mismatch(key, "a non-negative integer", other),
    }
}

fn strings(key: &str, v: Value) -> R<Vec<String>> {
    match v {
        Value::Array(items) => items.into_iter().map(|s| string(key, s)).collect(),
        other => mismatch(key, "an array", &other),
    }
}

fn unknown<T>(key: &str, section: &str) -> R<T> {
    Err(format!("unknown field `{key}` in {section}"))
}

fn required<T>(v: Option<T>, key: &str, section: &str) -> R<T> {
    v.ok_or_else(|| format!("missing field `{key}` in {section}"))
}

/// `env`.
pub(crate) fn env_block(v: Value) -> R<EnvBlock> {
    let mut out = EnvBlock::default();
    for (k, v) in object("env", v)? {
        match k.as_str() {
            "vars" => {
                if !v.is_null() {
                    for (name, value) in object("vars", v)? {
                        let value = string(&name, value)?;
                        out.vars.insert(name, value);
                    }
                }
            }
            "shellEnv" => out.shell_env = shell_env(v)?,
            _ => {
                let value = string(&k, v)?;
                out.inline.insert(k, value);
            }
        }
    }
    Ok(out)
}

fn shell_env(v: Value) -> R<Option<ShellEnv>> {
    if v.is_null() {
        return Ok(None);
    }
    let mut out = ShellEnv::default();
    for (k, v) in object("shellEnv", v)? {
        match k.as_str() {
            "enabled" => out.enabled = opt_bool(&k, v)?,
            "timeoutMs" => out.timeout_ms = opt_u64(&k, v)?,
            _ => return unknown(&k, "shellEnv"),
        }
    }
    Ok(Some(out))
}

/// `auth`.
pub(crate) fn auth(v: Value) -> R<AuthConfig> {
    let mut out = AuthConfig::default();
    for (k, v) in object("auth", v)? {
        match k.as_str() {
            "profiles" => {
                let m = object(&k, v)?;
                out.profiles = OrderedMap::with_capacity(m.len());
                for (id, p) in m {
                    let p = auth_profile(p)?;
                    out.profiles.insert(id, p);
                }
            }
            "order" => {
                let m = object(&k, v)?;
                out.order = OrderedMap::with_capacity(m.len());
                for (provider, ids) in m {
                    let ids = strings(&provider, ids)?;
                    out.order.insert(provider, ids);
                }
            }
            "cooldowns" => out.cooldowns = cooldowns(v)?,
            _ => return unknown(&k, "auth"),
        }
    }
    Ok(out)
}

fn auth_profile(v: Value) -> R<AuthProfileConfig> {
    let (mut provider, mut mode, mut email) = (None, None, None);
    for (k, v) in object("profile", v)? {
        match k.as_str() {
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

fn cooldowns(v: Value) -> R<Option<CooldownConfig>> {
    if v.is_null() {
        return Ok(None);
    }
    let mut out = CooldownConfig::default();
    for (k, v) in object("cooldowns", v)? {
        match k.as_str() {
            "billingBackoffHours" => out.billing_backoff_hours = opt_f64(&k, v)?,
            "billingBackoffHoursByProvider" => {
                let mut m = BTreeMap::new();
                for (p, h) in object(&k, v)? {
                    let h = f64_of(&p, &h)?;
                    m.insert(p, h);
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

fn model_selection(key: &str, v: Value) -> R<Option<ModelSelection>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(ModelSelection::Ref(s))),
        Value::Object(m) => {
            let mut d = ModelSelectionDetail::default();
            for (k, v) in m {
                match k.as_str() {
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
pub(crate) fn agents(v: Value) -> R<AgentsConfig> {
    let mut out = AgentsConfig::default();
    for (k, v) in object("agents", v)? {
        match k.as_str() {
            "defaults" => {
                if !v.is_null() {
                    out.defaults = Some(agent_defaults(v)?);
                }
            }
            "list" => match v {
                Value::Array(items) => {
                    out.list = items.into_iter().map(agent_entry).collect::<R<Vec<_>>>()?;
                }
                other => return mismatch(&k, "an array", &other),
            },
            _ => {
                out.extra.insert(k, v);
            }
        }
    }
    Ok(out)
}

fn agent_defaults(v: Value) -> R<AgentDefaults> {
    let mut out = AgentDefaults::default();
    for (k, v) in object("agents.defaults", v)? {
        match k.as_str() {
            "model" => out.model = model_selection(&k, v)?,
            "imageModel" => out.image_model = model_selection(&k, v)?,
            "models" => {
                let m = object(&k, v)?;
                out.models = OrderedMap::with_capacity(m.len());
                for (id, e) in m {
                    let e = model_entry(e)?;
                    out.models.insert(id, e);
                }
            }
            _ => {
                out.extra.insert(k, v);
            }
        }
    }
    Ok(out)
}

fn model_entry(v: Value) -> R<ModelEntry> {
    let mut out = ModelEntry::default();
    for (k, v) in object("model entry", v)? {
        match k.as_str() {
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

fn model_params(v: Value) -> R<ModelParams> {
    let mut out = ModelParams::default();
    for (k, v) in object("params", v)? {
        match k.as_str() {
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
                out.extra.insert(k, v);
            }
        }
    }
    Ok(out)
}

fn agent_entry(v: Value) -> R<AgentEntry> {
    let mut id = None;
    let mut out = AgentEntry::default();
    for (k, v) in object("agents.list item", v)? {
        match k.as_str() {
            "id" => id = Some(string(&k, v)?),
            "default" => out.default = opt_bool(&k, v)?,
            "name" => out.name = opt_string(&k, v)?,
            "agentDir" => out.agent_dir = opt_string(&k, v)?,
            "model" => out.model = model_selection(&k, v)?,
            _ => {
                out.extra.insert(k, v);
            }
        }
    }
    out.id = required(id, "id", "an agents.list item")?;
    Ok(out)
}

/// `models`.
pub(crate) fn models(v: Value) -> R<ModelsConfig> {
    let mut out = ModelsConfig::default();
    for (k, v) in object("models", v)? {
        match k.as_str() {
            "providers" => {
                let m = object(&k, v)?;
                out.providers = OrderedMap::with_capacity(m.len());
                for (id, p) in m {
                    let p = provider(p)?;
                    out.providers.insert(id, p);
                }
            }
            _ => {
                out.extra.insert(k, v);
            }
        }
    }
    Ok(out)
}

fn provider(v: Value) -> R<ProviderConfig> {
    let mut out = ProviderConfig::default();
    for (k, v) in object("provider", v)? {
        match k.as_str() {
            "baseUrl" => out.base_url = opt_string(&k, v)?,
            "apiKey" => out.api_key = opt_string(&k, v)?,
            "api" => out.api = opt_string(&k, v)?,
            "headers" => {
                let m = object(&k, v)?;
                out.headers = OrderedMap::with_capacity(m.len());
                for (name, value) in m {
                    let value = string(&name, value)?;
                    out.headers.insert(name, value);
                }
            }
            "models" => {
                out.models = match v {
                    Value::Null => None,
                    Value::Array(items) => Some(items),
                    other => return mismatch(&k, "an array", &other),
                }
            }
            _ => {
                out.extra.insert(k, v);
            }
        }
    }
    Ok(out)
}
