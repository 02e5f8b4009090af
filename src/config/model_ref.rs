//! Model references: `provider/model`, aliases and Anthropic shorthands ([model
//! refs](crate::compatibility#model-refs)).

use std::borrow::Cow;

use super::{
    AuthConfig, AuthProfileConfig, Config, CooldownConfig, ModelParams, ModelSelection,
    ProviderConfig,
};
use std::fmt;

/// The provider used for refs without one.
pub const DEFAULT_PROVIDER: &str = "anthropic";
/// The default model when nothing is configured.
pub const DEFAULT_MODEL: &str = "claude-opus-4-5";

/// A resolved `provider/model` pair. Model ids are open strings: new models parse fine.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelRef {
    /// Lowercased provider id (`anthropic`).
    pub provider: String,
    /// Model id (`claude-opus-4-5`).
    pub model: String,
}

/// Something worth telling the user about a ref that still resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelRefWarning {
    /// A ref without `/` that is not an alias fell back to the default provider.
    NoProvider {
        /// The ref as written.
        raw: String,
    },
}

impl ModelRefWarning {
    /// The warning's text (what `Display` prints), built without the formatting machinery:
    /// a request whose model is a bare id gets this warning on every call.
    pub fn message(&self) -> String {
        match self {
            ModelRefWarning::NoProvider { raw } => {
                // A key pasted into the model field must not be echoed back.
                let raw = crate::redact::mask_if_secret(raw);
                let raw = raw.as_ref();
                let parts: [&str; 7] = [
                    "Model \"",
                    raw,
                    "\" specified without provider. Falling back to \"anthropic/",
                    raw,
                    "\". Please use \"anthropic/",
                    raw,
                    "\" in your config.",
                ];
                parts.concat()
            }
        }
    }
}

impl fmt::Display for ModelRefWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Normalises a provider id (trim, lowercase, the reference's renames). Borrows when `p` is
/// already normal (the common case), so comparing ids allocates nothing.
pub fn normalize_provider(p: &str) -> Cow<'_, str> {
    if p == DEFAULT_PROVIDER {
        // By far the most frequent id; this runs several times per request.
        return Cow::Borrowed(p);
    }
    let t = p.trim();
    let renamed = |lower: &str| match lower {
        "z.ai" | "z-ai" => Some("zai"),
        "opencode-zen" => Some("opencode"),
        "qwen" => Some("qwen-portal"),
        _ => None,
    };
    if !t.bytes().any(|b| b.is_ascii_uppercase()) {
        return match renamed(t) {
            Some(r) => Cow::Borrowed(r),
            None => Cow::Borrowed(t),
        };
    }
    let lower = t.to_ascii_lowercase();
    match renamed(&lower) {
        Some(r) => Cow::Borrowed(r),
        None => Cow::Owned(lower),
    }
}

fn normalize_model(provider: &str, model: &str) -> String {
    let m = model.trim();
    if provider == "anthropic" {
        if m.eq_ignore_ascii_case("opus-4.5") {
            return "claude-opus-4-5".to_owned();
        }
        if m.eq_ignore_ascii_case("sonnet-4.5") {
            return "claude-sonnet-4-5".to_owned();
        }
    }
    m.to_owned()
}

impl ModelRef {
    /// A ref from parts (provider normalised, Anthropic shorthands expanded).
    pub fn new(provider: &str, model: &str) -> Self {
        let provider = normalize_provider(provider).into_owned();
        let model = normalize_model(&provider, model);
        ModelRef { provider, model }
    }

    /// Parses a ref without alias lookup: split on the first `/`; no `/` → default provider.
    /// `None` for an empty ref or an empty side.
    pub fn parse_plain(raw: &str) -> Option<Self> {
        let t = raw.trim();
        if t.is_empty() {
            return None;
        }
        match t.split_once('/') {
            None => Some(ModelRef::new(DEFAULT_PROVIDER, t)),
            Some((p, m)) => {
                let (p, m) = (p.trim(), m.trim());
                if p.is_empty() || m.is_empty() {
                    None
                } else {
                    Some(ModelRef::new(p, m))
                }
            }
        }
    }

    /// `provider/model`.
    pub fn ref_string(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }

    /// The default model (`anthropic/claude-opus-4-5`).
    pub fn default_model() -> Self {
        ModelRef::new(DEFAULT_PROVIDER, DEFAULT_MODEL)
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

impl Config {
    /// Aliases (lowercased key → (alias as written, ref)) from `agents.defaults.models`, including
    /// the built-in `opus`/`sonnet` for their models when listed without an alias.
    pub fn aliases(&self) -> Vec<(String, ModelRef)> {
        let mut out: Vec<(String, ModelRef)> = Vec::new();
        let Some(models) = self.doc.agents.as_ref().and_then(|a| a.defaults.as_ref()) else {
            return out;
        };
        for (key, entry) in &models.models {
            let Some(r) = ModelRef::parse_plain(key) else {
                continue;
            };
            let alias = match entry.alias.as_deref().map(str::trim) {
                Some(a) if !a.is_empty() => a.to_owned(),
                Some(_) => continue,
                None => match r.ref_string().as_str() {
                    "anthropic/claude-opus-4-5" => "opus".to_owned(),
                    "anthropic/claude-sonnet-4-5" => "sonnet".to_owned(),
                    _ => continue,
                },
            };
            out.retain(|(a, _)| !a.eq_ignore_ascii_case(&alias));
            out.push((alias, r));
        }
        out
    }

    /// What `name` is an alias of (case-insensitive), as [`aliases`](Self::aliases) would say,
    /// without building the whole list: the last entry that defines it wins.
    fn alias_target(&self, name: &str) -> Option<ModelRef> {
        let models = self.doc.agents.as_ref().and_then(|a| a.defaults.as_ref())?;
        for (key, entry) in models.models.iter().rev() {
            let matches = match entry.alias.as_deref().map(str::trim) {
                Some(a) => !a.is_empty() && a.eq_ignore_ascii_case(name),
                None => ["opus", "sonnet"]
                    .iter()
                    .any(|b| b.eq_ignore_ascii_case(name)),
            };
            if !matches {
                continue;
            }
            let Some(r) = ModelRef::parse_plain(key) else {
                continue;
            };
            if entry.alias.is_none() {
                let builtin = match (r.provider.as_str(), r.model.as_str()) {
                    ("anthropic", "claude-opus-4-5") => "opus",
                    ("anthropic", "claude-sonnet-4-5") => "sonnet",
                    _ => continue,
                };
                if !builtin.eq_ignore_ascii_case(name) {
                    continue;
                }
            }
            return Some(r);
        }
        None
    }

    /// Resolves a ref as written by a user: an alias (case-insensitive) when it has no `/`, else
    /// `provider/model`; a bare unknown name falls back to `anthropic/<name>` with a warning.
    pub fn resolve_model_ref(&self, raw: &str) -> Option<(ModelRef, Option<ModelRefWarning>)> {
        let t = raw.trim();
        if t.is_empty() {
            return None;
        }
        if !t.contains('/') {
            if let Some(r) = self.alias_target(t) {
                return Some((r, None));
            }
            return Some((
                ModelRef::new(DEFAULT_PROVIDER, t),
                Some(ModelRefWarning::NoProvider { raw: t.to_owned() }),
            ));
        }
        ModelRef::parse_plain(t).map(|r| (r, None))
    }

    /// The configured primary model as written (`agents.defaults.model`), if any.
    pub fn default_model_raw(&self) -> Option<&str> {
        self.doc
            .agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref())
            .and_then(|d| d.model.as_ref())
            .and_then(|m| m.primary())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The resolved default model (`anthropic/claude-opus-4-5` when nothing is configured).
    pub fn default_model(&self) -> ModelRef {
        self.default_model_raw()
            .and_then(|raw| self.resolve_model_ref(raw))
            .map(|(r, _)| r)
            .unwrap_or_else(ModelRef::default_model)
    }

    /// Fallback refs (as written) of the default model.
    pub fn fallbacks_raw(&self) -> Vec<String> {
        self.doc
            .agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref())
            .and_then(|d| d.model.as_ref())
            .map(|m| m.fallbacks().to_vec())
            .unwrap_or_default()
    }

    /// Resolved fallback models, in order (unresolvable entries skipped).
    pub fn fallbacks(&self) -> Vec<ModelRef> {
        self.fallbacks_raw()
            .iter()
            .filter_map(|f| self.resolve_model_ref(f).map(|(r, _)| r))
            .collect()
    }

    /// The image model selection, if configured.
    pub fn image_model(&self) -> Option<&ModelSelection> {
        self.doc
            .agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref())
            .and_then(|d| d.image_model.as_ref())
    }

    /// The model allowlist (`agents.defaults.models` keys as `provider/model`, file order).
    pub fn allowed_models(&self) -> Vec<ModelRef> {
        self.doc
            .agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref())
            .map(|d| {
                d.models
                    .keys()
                    .filter_map(|k| ModelRef::parse_plain(k))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `params` of a model, looked up by the exact key `provider/model`.
    pub fn model_params(&self, model: &ModelRef) -> Option<&ModelParams> {
        // Compared piecewise rather than looked up by `ref_string()`: this runs on every
        // request, and the list is short.
        let is_key = |k: &str| {
            k.strip_prefix(model.provider.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                == Some(model.model.as_str())
        };
        self.doc
            .agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref())
            .and_then(|d| d.models.iter().find(|(k, _)| is_key(k)))
            .and_then(|(_, e)| e.params.as_ref())
    }

    /// `models.providers.<id>` (id compared normalised).
    pub fn provider(&self, id: &str) -> Option<&ProviderConfig> {
        let want = normalize_provider(id);
        self.doc
            .models
            .as_ref()?
            .providers
            .iter()
            .find(|(k, _)| normalize_provider(k) == want)
            .map(|(_, v)| v)
    }
}

impl Config {
    /// The resolved primary image model (`agents.defaults.imageModel`), if configured.
    pub fn image_model_ref(&self) -> Option<ModelRef> {
        self.image_model()
            .and_then(|m| m.primary())
            .and_then(|raw| self.resolve_model_ref(raw))
            .map(|(r, _)| r)
    }

    /// Resolved image-model fallbacks, in order (unresolvable entries skipped).
    pub fn image_fallbacks(&self) -> Vec<ModelRef> {
        self.image_model()
            .map(|m| {
                m.fallbacks()
                    .iter()
                    .filter_map(|f| self.resolve_model_ref(f).map(|(r, _)| r))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `auth` section, if present.
    pub fn auth(&self) -> Option<&AuthConfig> {
        self.doc.auth.as_ref()
    }

    /// Configured auth profiles (`auth.profiles`), in file order.
    pub fn auth_profiles(&self) -> impl Iterator<Item = (&str, &AuthProfileConfig)> {
        self.auth()
            .into_iter()
            .flat_map(|a| a.profiles.iter().map(|(k, v)| (k.as_str(), v)))
    }

    /// `auth.order[provider]` (provider ids compared normalised), if configured.
    pub fn auth_order(&self, provider: &str) -> Option<&[String]> {
        let want = normalize_provider(provider);
        self.auth()?
            .order
            .iter()
            .find(|(k, _)| normalize_provider(k) == want)
            .map(|(_, v)| v.as_slice())
    }

    /// `auth.cooldowns` (all fields `None` when not configured).
    pub fn cooldowns(&self) -> CooldownConfig {
        self.auth()
            .and_then(|a| a.cooldowns.clone())
            .unwrap_or_default()
    }

    /// Every `models.providers.<id>`, in file order.
    pub fn providers(&self) -> impl Iterator<Item = (&str, &ProviderConfig)> {
        self.doc
            .models
            .iter()
            .flat_map(|m| m.providers.iter().map(|(k, v)| (k.as_str(), v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_provider_warning_is_the_references_text() {
        let w = ModelRefWarning::NoProvider {
            raw: "claude-x".into(),
        };
        let want = "Model \"claude-x\" specified without provider. Falling back to \"anthropic/claude-x\". Please use \"anthropic/claude-x\" in your config.";
        assert_eq!(w.message(), want);
        assert_eq!(w.to_string(), want);
    }

    #[test]
    fn provider_normalisation_borrows_normal_ids() {
        for (input, want, borrowed) in [
            ("anthropic", "anthropic", true),
            ("  anthropic ", "anthropic", true),
            ("Anthropic", "anthropic", false),
            ("z.ai", "zai", true),
            ("Z-AI", "zai", true),
            ("opencode-zen", "opencode", true),
            ("QWEN", "qwen-portal", true),
            ("", "", true),
        ] {
            let got = normalize_provider(input);
            assert_eq!(got, want, "{input:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), borrowed, "{input:?}");
        }
    }

    #[test]
    fn parse_rules() {
        assert_eq!(
            ModelRef::parse_plain(" Anthropic / claude-x/y ").unwrap(),
            ModelRef {
                provider: "anthropic".into(),
                model: "claude-x/y".into()
            }
        );
        assert_eq!(
            ModelRef::parse_plain("opus-4.5").unwrap().model,
            "claude-opus-4-5"
        );
        assert_eq!(
            ModelRef::parse_plain("anthropic/Sonnet-4.5").unwrap().model,
            "claude-sonnet-4-5"
        );
        assert!(ModelRef::parse_plain("/x").is_none());
        assert!(ModelRef::parse_plain("  ").is_none());
    }

    #[test]
    fn aliases_and_builtins() {
        let c = Config::from_json5(
            r#"{agents:{defaults:{model:{primary:"Sonnet",fallbacks:["big","x"]},models:{"anthropic/claude-sonnet-4-5":{},"anthropic/claude-opus-4-5":{alias:"big"}}}}}"#,
        )
        .unwrap();
        assert_eq!(
            c.default_model().ref_string(),
            "anthropic/claude-sonnet-4-5"
        );
        let fb = c.fallbacks();
        assert_eq!(fb[0].ref_string(), "anthropic/claude-opus-4-5");
        assert_eq!(fb[1].ref_string(), "anthropic/x");
        let (_, w) = c.resolve_model_ref("x").unwrap();
        assert!(w.unwrap().to_string().contains("without provider"));
        // `opus` is not built in here: its model has an explicit alias.
        assert!(c.resolve_model_ref("opus").unwrap().1.is_some());
        let empty = Config::from_json5("{}").unwrap();
        assert_eq!(
            empty.default_model().ref_string(),
            "anthropic/claude-opus-4-5"
        );
    }

    #[test]
    fn alias_lookup_agrees_with_the_alias_list() {
        let configs = [
            r#"{}"#,
            r#"{agents:{defaults:{models:{"anthropic/claude-sonnet-4-5":{},"anthropic/claude-opus-4-5":{alias:"big"}}}}}"#,
            r#"{agents:{defaults:{models:{"a/x":{alias:"Opus"},"anthropic/claude-opus-4-5":{}}}}}"#,
            r#"{agents:{defaults:{models:{"anthropic/claude-opus-4-5":{},"a/x":{alias:"opus"}}}}}"#,
            r#"{agents:{defaults:{models:{"a/x":{alias:"fast"},"b/y":{alias:"FAST"},"bad":{alias:"bad"},"c/z":{alias:""}}}}}"#,
            r#"{agents:{defaults:{models:{"anthropic/claude-sonnet-4-5":{alias:""},"anthropic/claude-opus-4-5":{alias:" sonnet "}}}}}"#,
        ];
        for text in configs {
            let c = Config::from_json5(text).unwrap();
            for name in [
                "opus", "OPUS", "sonnet", "big", "fast", "Fast", "bad", "", "x",
            ] {
                let from_list = c
                    .aliases()
                    .into_iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(name))
                    .map(|(_, r)| r);
                assert_eq!(c.alias_target(name), from_list, "{text} / {name:?}");
            }
        }
    }

    #[test]
    fn typed_access() {
        let c = Config::from_json5(
            r#"{
              auth: { profiles: { "anthropic:me": { provider: "anthropic", mode: "token" },
                                  "anthropic:key": { provider: "anthropic", mode: "api_key" } },
                      order: { Anthropic: ["anthropic:key", "anthropic:me"] },
                      cooldowns: { billingBackoffHours: 3 } },
              agents: { defaults: {
                imageModel: { primary: "sonnet", fallbacks: ["openai/gpt-x", "  "] },
                models: { "anthropic/claude-sonnet-4-5": { params: { cacheControlTtl: "5m", temperature: 0.5, maxTokens: 1024, topK: 3 } } } } },
              models: { providers: { anthropic: { baseUrl: "https://proxy.local/", headers: { "x-a": "1" } }, other: { api: "openai" } } },
            }"#,
        )
        .unwrap();
        assert_eq!(
            c.image_model_ref().unwrap().ref_string(),
            "anthropic/claude-sonnet-4-5"
        );
        let fb: Vec<String> = c.image_fallbacks().iter().map(|r| r.ref_string()).collect();
        assert_eq!(fb, vec!["openai/gpt-x"]);
        let ids: Vec<&str> = c.auth_profiles().map(|(k, _)| k).collect();
        assert_eq!(ids, vec!["anthropic:me", "anthropic:key"]);
        assert_eq!(
            c.auth_order("anthropic").unwrap(),
            &["anthropic:key".to_owned(), "anthropic:me".to_owned()]
        );
        assert_eq!(c.cooldowns().billing_backoff_hours, Some(3.0));
        let p = c
            .model_params(&ModelRef::new("anthropic", "claude-sonnet-4-5"))
            .unwrap();
        assert_eq!(
            p.cache_control_ttl,
            Some(crate::config::CacheTtl::FiveMinutes)
        );
        assert_eq!(p.temperature, Some(0.5));
        assert_eq!(p.max_tokens, Some(1024));
        assert_eq!(p.extra["topK"], 3);
        let names: Vec<&str> = c.providers().map(|(k, _)| k).collect();
        assert_eq!(names, vec!["anthropic", "other"]);
        assert_eq!(c.provider("ANTHROPIC").unwrap().headers["x-a"], "1");
        assert!(
            Config::from_json5("{}")
                .unwrap()
                .auth_order("anthropic")
                .is_none()
        );
    }
}
