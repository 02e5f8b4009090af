//! Typed view of the sections of `clawdbot.json` this crate models ([modeled
//! sections](crate::compatibility#modeled-sections)).
//!
//! Sections the crate does not model (`channels`, `gateway`, `messages`, …) are kept as opaque
//! JSON in [`ConfigDoc::other`]. Objects that Clawdbot defines with more keys than this crate
//! uses (`agents.defaults`, `agents.list[i]`, `models`) keep the extra keys in `extra`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// An ordered string map (keeps the file's key order).
pub type OrderedMap<V> = indexmap::IndexMap<String, V>;

/// The modeled document (after `$include` merging and `${VAR}` substitution).
///
/// `Debug` shows only the keys of the opaque sections (they may hold other products' secrets).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigDoc {
    /// `env`: variables for the environment view (lowest precedence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvBlock>,
    /// `auth`: profile metadata, order and cooldown tuning (never secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthConfig>,
    /// `agents`: defaults and the agent list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents: Option<AgentsConfig>,
    /// `models`: custom providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<ModelsConfig>,
    /// Every other top-level section, kept as is.
    #[serde(flatten)]
    #[schemars(skip)]
    pub other: Map<String, Value>,
}

/// The `env` block. `Debug` shows the variable names, never their values.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvBlock {
    /// `env.vars`: explicit variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    /// `env.shellEnv`: import from a login shell (reported, not executed by this crate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell_env: Option<ShellEnv>,
    /// Every other top-level string key of `env` is a variable too.
    #[serde(flatten)]
    pub inline: BTreeMap<String, String>,
}

impl EnvBlock {
    /// All variables of the block, as Clawdbot collects them: non-empty `env.vars` entries first,
    /// then non-blank inline keys. A name defined both ways resolves to the inline value (the
    /// later definition wins in an [`crate::EnvView`] layer).
    pub fn variables(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .vars
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.extend(
            self.inline
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        out
    }
}

/// `env.shellEnv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShellEnv {
    /// Whether the login-shell import is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Timeout of the shell import in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// The mode of a configured auth profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// `api_key`.
    ApiKey,
    /// `oauth` (also accepts a stored `token`).
    #[serde(rename = "oauth")]
    OAuth,
    /// `token` (setup-token).
    Token,
}

impl AuthMode {
    /// The config string (`api_key`, `oauth`, `token`).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::ApiKey => "api_key",
            AuthMode::OAuth => "oauth",
            AuthMode::Token => "token",
        }
    }
}

/// `auth.profiles.<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthProfileConfig {
    /// Provider id (`anthropic`).
    pub provider: String,
    /// Credential type the store entry must have.
    pub mode: AuthMode,
    /// Account e-mail (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `auth.cooldowns`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CooldownConfig {
    /// Base billing back-off in hours (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub billing_backoff_hours: Option<f64>,
    /// Per-provider base billing back-off in hours (provider ids normalised).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub billing_backoff_hours_by_provider: BTreeMap<String, f64>,
    /// Maximum billing back-off in hours (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub billing_max_hours: Option<f64>,
    /// Failure window in hours after which counters reset (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub failure_window_hours: Option<f64>,
}

/// `auth`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthConfig {
    /// Profile metadata by id, in file order.
    #[serde(default, skip_serializing_if = "OrderedMap::is_empty")]
    pub profiles: OrderedMap<AuthProfileConfig>,
    /// Profile order per provider.
    #[serde(default, skip_serializing_if = "OrderedMap::is_empty")]
    pub order: OrderedMap<Vec<String>>,
    /// Cooldown tuning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldowns: Option<CooldownConfig>,
}

/// A model selection: a string (`"anthropic/claude-opus-4-5"`) or `{primary, fallbacks}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ModelSelection {
    /// Just the primary model.
    Ref(String),
    /// Primary and fallbacks.
    Detailed(ModelSelectionDetail),
}

impl ModelSelection {
    /// The primary ref, if any.
    pub fn primary(&self) -> Option<&str> {
        match self {
            ModelSelection::Ref(s) => Some(s.as_str()),
            ModelSelection::Detailed(d) => d.primary.as_deref(),
        }
    }
    /// The fallback refs.
    pub fn fallbacks(&self) -> &[String] {
        match self {
            ModelSelection::Ref(_) => &[],
            ModelSelection::Detailed(d) => &d.fallbacks,
        }
    }
}

/// `{primary?, fallbacks?}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelSelectionDetail {
    /// Primary model ref.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Fallback model refs, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<String>,
}

/// Prompt-cache TTL of a model (`params.cacheControlTtl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum CacheTtl {
    /// `"5m"`.
    #[serde(rename = "5m")]
    FiveMinutes,
    /// `"1h"`.
    #[serde(rename = "1h")]
    OneHour,
}

impl CacheTtl {
    /// The wire string (`"5m"`, `"1h"`).
    pub fn as_str(self) -> &'static str {
        match self {
            CacheTtl::FiveMinutes => "5m",
            CacheTtl::OneHour => "1h",
        }
    }
}

/// `agents.defaults.models["provider/model"].params`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelParams {
    /// Prompt-cache TTL (API-key auth only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control_ttl: Option<CacheTtl>,
    /// Default temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Default `max_tokens` (positive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_tokens: Option<u32>,
    /// Every other key, passed through untouched.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// `agents.defaults.models["provider/model"]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModelEntry {
    /// Alias for this model (`/model big`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Per-model request parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<ModelParams>,
}

/// `agents.defaults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentDefaults {
    /// Default model selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSelection>,
    /// Image model selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_model: Option<ModelSelection>,
    /// Model catalog / allowlist with aliases and params, in file order.
    #[serde(default, skip_serializing_if = "OrderedMap::is_empty")]
    pub models: OrderedMap<ModelEntry>,
    /// Other keys Clawdbot defines here (workspace, sandbox, …), kept as is.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// `agents.list[i]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentEntry {
    /// Agent id.
    pub id: String,
    /// Whether this is the default agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Agent directory (holds `auth-profiles.json`); `~` is expanded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_dir: Option<String>,
    /// Per-agent model selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSelection>,
    /// Other keys, kept as is.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// `agents`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentsConfig {
    /// `agents.defaults`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<AgentDefaults>,
    /// `agents.list`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list: Vec<AgentEntry>,
    /// Other keys, kept as is.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// `models.providers.<id>`. `Debug` masks the API key and shows only header names and the
/// keys of `extra`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    /// Base URL (`https://api.anthropic.com`); a trailing `/` is trimmed when used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// API key (secret; masked in every output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Wire API (`anthropic-messages` is served by this crate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// Extra request headers; `anthropic-beta` is merged with the required flags.
    #[serde(default, skip_serializing_if = "OrderedMap::is_empty")]
    pub headers: OrderedMap<String>,
    /// Model definitions (opaque to this crate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Vec<Value>>,
    /// Other keys (`auth`, `authHeader`, …), kept as is.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// `models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelsConfig {
    /// Custom providers by id, in file order.
    #[serde(default, skip_serializing_if = "OrderedMap::is_empty")]
    pub providers: OrderedMap<ProviderConfig>,
    /// Other keys (`mode`, …), kept as is.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

// ---- Debug without secrets (no secret ever appears in `Debug` output) ----------------

fn keys_of<'a, V: 'a>(it: impl IntoIterator<Item = (&'a String, V)>) -> Vec<&'a str> {
    it.into_iter().map(|(k, _)| k.as_str()).collect()
}

impl std::fmt::Debug for ConfigDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigDoc")
            .field("env", &self.env)
            .field("auth", &self.auth)
            .field("agents", &self.agents)
            .field("models", &self.models)
            .field("other_sections", &keys_of(&self.other))
            .finish()
    }
}

impl std::fmt::Debug for EnvBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvBlock")
            .field("vars", &keys_of(&self.vars))
            .field("shell_env", &self.shell_env)
            .field("inline", &keys_of(&self.inline))
            .finish()
    }
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_deref().map(crate::redact::mask))
            .field("api", &self.api)
            .field("headers", &keys_of(&self.headers))
            .field("models", &self.models.as_ref().map(Vec::len))
            .field("extra", &keys_of(&self.extra))
            .finish()
    }
}
