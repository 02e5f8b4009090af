//! Building the report: models, providers, profiles and their health, the active credential.

use super::*;

pub(super) fn env_var_candidates(provider: &str) -> &'static [&'static str] {
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
pub(super) const ENV_PROBE_PROVIDERS: &[&str] = &[
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

pub(super) fn is_truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

pub(super) fn display_label(config: &Config, store: &AuthStore, id: &str) -> String {
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

pub(super) fn unusable_kind(stats: &UsageStats, now: u64) -> String {
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
        let mut warnings = Vec::new();
        for w in config.warnings() {
            push_warning(&mut warnings, w.clone());
        }

        let models = ModelsPart::collect(config, &mut warnings);
        let (providers, in_use) = known_providers(config, &store, &models);
        let provider_auth: Vec<ProviderAuth> = providers
            .iter()
            .map(|provider| {
                provider_overview(
                    config,
                    &store,
                    provider,
                    &store_path_display,
                    &agent_dir,
                    paths,
                    now,
                )
            })
            .filter(|e| e.profiles.count > 0 || e.env.is_some() || e.models_json.is_some())
            .collect();
        let missing_providers_in_use: Vec<String> = in_use
            .iter()
            .filter(|p| !provider_auth.iter().any(|e| &e.provider == *p))
            .cloned()
            .collect();
        let providers_with_oauth = providers_with_oauth(&provider_auth);
        let fleet = shared::read(config, &store);
        let unusable_profiles = match fleet.as_ref().and_then(|(_, v)| v.as_ref()) {
            Some(view) => {
                let mut merged = store.clone();
                crate::auth::shared::merge::merge_into(&mut merged, view);
                crate::auth::shared::headroom::mark_exhausted(&mut merged, [&view.headroom]);
                let mut u = unusable_profiles(&merged, now);
                shared::annotate(&mut u, view, now);
                u
            }
            None => unusable_profiles(&store, now),
        };
        for provider in &providers {
            if let Some(note) =
                crate::auth::order::order_excluding_every_profile(config, &store, provider, now)
            {
                push_warning(&mut warnings, note);
            }
        }
        let unsendable_profiles = unsendable_profiles(&store);
        for id in &unsendable_profiles {
            push_warning(
                &mut warnings,
                format!(
                    "profile {id}: the stored key contains spaces or control characters (such as \
                     a line break) and can never be sent, so it is skipped; store the key again"
                ),
            );
        }
        let oauth = auth_health(config, &store, &providers, now, opts.warn_after_ms);
        if let Some(w) = store_permission_warning(auth.store_path(), &store_path_display) {
            push_warning(&mut warnings, w);
        }
        let active = active_credential(&auth, &store, &models.resolved, now);

        Ok(StatusReport {
            config_path: paths.display(&paths.config_path),
            agent_dir: paths.display(&agent_dir),
            // A key pasted into the model field is shown masked, like in the warnings.
            default_model: crate::redact::scrub(&models.default_label).into_owned(),
            resolved_default: crate::redact::scrub(&models.resolved_label).into_owned(),
            fallbacks: models.fallbacks,
            image_model: models.image_model,
            image_fallbacks: models.image_fallbacks,
            aliases: models.aliases,
            allowed: models.allowed,
            auth: AuthSection {
                store_path: store_path_display,
                shell_env_fallback: shell_env_fallback(config),
                providers_with_oauth,
                missing_providers_in_use,
                providers: provider_auth,
                unusable_profiles,
                unsendable_profiles,
                oauth,
                shared_state: fleet.map(|(s, _)| s),
            },
            agent_id: agent.to_string(),
            active,
            warnings,
        })
    }
}

/// Adds `warning` unless the same text is already listed (the config loader reports a model
/// without provider too).
/// Anything in it that looks like a secret is masked.
fn push_warning(warnings: &mut Vec<String>, warning: String) {
    let warning = match crate::redact::scrub(&warning) {
        std::borrow::Cow::Borrowed(_) => warning,
        std::borrow::Cow::Owned(masked) => masked,
    };
    if !warnings.contains(&warning) {
        warnings.push(warning);
    }
}

/// The model part of the report: the default model (as configured and resolved), fallbacks,
/// image model, aliases and the allow-list.
struct ModelsPart {
    resolved: ModelRef,
    resolved_label: String,
    default_label: String,
    fallbacks: Vec<String>,
    image_model: Option<String>,
    image_fallbacks: Vec<String>,
    aliases: IndexMap<String, String>,
    allowed: Vec<String>,
}

impl ModelsPart {
    /// Reads the model settings; a default model ref that resolves with a warning adds it to
    /// `warnings`.
    fn collect(config: &Config, warnings: &mut Vec<String>) -> Self {
        let resolved = config.default_model();
        let resolved_label = resolved.ref_string();
        let raw_default = config.default_model_raw().map(str::to_owned);
        if let Some(raw) = &raw_default
            && let Some((_, Some(w))) = config.resolve_model_ref(raw)
        {
            push_warning(warnings, w.to_string());
        }
        let default_label = raw_default.unwrap_or_else(|| resolved_label.clone());
        let image = config.image_model();
        let image_model = image
            .and_then(|m| m.primary())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let image_fallbacks = image.map(|m| m.fallbacks().to_vec()).unwrap_or_default();
        let (aliases, allowed) = aliases_and_allowed(config);
        ModelsPart {
            resolved,
            resolved_label,
            default_label,
            fallbacks: config.fallbacks_raw(),
            image_model,
            image_fallbacks,
            aliases,
            allowed,
        }
    }

    /// Every model ref the agent uses: default, fallbacks, image model and its fallbacks.
    fn in_use_refs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.default_label.as_str())
            .chain(self.fallbacks.iter().map(String::as_str))
            .chain(self.image_model.as_deref())
            .chain(self.image_fallbacks.iter().map(String::as_str))
    }
}

/// `agents.defaults.models`: the aliases (configured, or `opus`/`sonnet` for the two known
/// models) and the allow-listed keys, in file order.
fn aliases_and_allowed(config: &Config) -> (IndexMap<String, String>, Vec<String>) {
    let mut aliases = IndexMap::new();
    let mut allowed = Vec::new();
    let defaults = config
        .doc()
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref());
    let Some(d) = defaults else {
        return (aliases, allowed);
    };
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
    (aliases, allowed)
}

/// The providers the report covers (from the store, `models.providers`, the models in use and
/// allowed, and the probed environment variables), sorted case-insensitively; and the subset
/// the agent's models use.
fn known_providers(
    config: &Config,
    store: &AuthStore,
    models: &ModelsPart,
) -> (Vec<String>, BTreeSet<String>) {
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
    let mut in_use: BTreeSet<String> = BTreeSet::new();
    for r in models.in_use_refs() {
        if let Some(p) = provider_of(r) {
            providers.insert(p.clone());
            in_use.insert(p);
        }
    }
    for k in &models.allowed {
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
    (providers, in_use)
}

/// `provider (n)` for each provider with OAuth or token credentials (profiles or environment).
fn providers_with_oauth(provider_auth: &[ProviderAuth]) -> Vec<String> {
    provider_auth
        .iter()
        .filter_map(|e| {
            let env_oauth = e.env.as_ref().is_some_and(|v| v.value == "OAuth (env)");
            let n = e.profiles.oauth + e.profiles.token + usize::from(env_oauth);
            (n > 0).then(|| format!("{} ({n})", e.provider))
        })
        .collect()
}

/// Profiles whose key or token could never be sent (see
/// [`secret_is_unsendable`](crate::auth::credential::secret_is_unsendable)).
fn unsendable_profiles(store: &AuthStore) -> Vec<String> {
    store
        .profiles
        .iter()
        .filter(|(_, p)| match &p.credential {
            Credential::ApiKey { key: s, .. } | Credential::Token { token: s, .. } => {
                crate::auth::credential::secret_is_unsendable(secrecy::ExposeSecret::expose_secret(
                    s,
                ))
            }
            _ => false,
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// Profiles in cooldown or disabled at `now`, soonest available first.
fn unusable_profiles(store: &AuthStore, now: u64) -> Vec<UnusableProfile> {
    let mut out = Vec::new();
    for (id, stats) in &store.usage_stats {
        let Some(until) = unusable_until(Some(stats)) else {
            continue;
        };
        if now >= until {
            continue;
        }
        let disabled = stats.disabled_until.is_some_and(|d| now < d);
        let failure_until = unusable_until(Some(&UsageStats {
            headroom_until: None,
            ..stats.clone()
        }));
        let headroom =
            stats.headroom_until == Some(until) && failure_until.is_none_or(|f| f < until);
        out.push(UnusableProfile {
            profile_id: id.clone(),
            provider: store
                .profiles
                .get(id)
                .map(|p| p.credential.provider().to_owned()),
            kind: if headroom {
                "headroom"
            } else if disabled {
                "disabled"
            } else {
                "cooldown"
            }
            .to_owned(),
            reason: stats.disabled_reason.clone(),
            until,
            remaining_ms: until - now,
            host: None,
        });
    }
    out.sort_by_key(|u| u.remaining_ms);
    out
}

/// A warning when the auth store is readable by other users.
fn store_permission_warning(path: &std::path::Path, display: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "auth store {display} is readable by other users (mode {:o}); run `chmod 600 {}`",
            mode & 0o777,
            path.display()
        )
    })
}

/// Whether the shell-environment fallback is on (`CLAWDBOT_LOAD_SHELL_ENV` or
/// `env.shellEnv.enabled`).
fn shell_env_fallback(config: &Config) -> ShellEnvFallback {
    ShellEnvFallback {
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
    }
}

pub(super) fn provider_overview(
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
                let key = secrecy::ExposeSecret::expose_secret(key);
                if crate::auth::credential::secret_is_unsendable(key) {
                    // Masking would still print its line breaks.
                    format!("{id}=invalid (spaces or control characters)")
                } else {
                    format!("{id}={}", mask(key))
                }
            }
            Credential::Token { token: t, .. }
                if crate::auth::credential::secret_is_unsendable(
                    secrecy::ExposeSecret::expose_secret(t),
                ) =>
            {
                token += 1;
                format!("{id}=token:invalid (spaces or control characters)")
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
                super::format_remaining_ms(until - now)
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

/// `until - now` in ms, saturated to the range of `i64`: an end beyond `i64::MAX` ms (the store
/// takes any whole number up to `u64::MAX`, as it does for a cooldown end) is a very long wait,
/// not a negative one.
pub(super) fn signed_remaining_ms(until: u64, now: u64) -> i64 {
    if until >= now {
        i64::try_from(until - now).unwrap_or(i64::MAX)
    } else {
        i64::try_from(now - until).map_or(i64::MIN, |d| -d)
    }
}

pub(super) fn expiry_status(expires: Option<u64>, now: u64, warn: u64) -> (String, Option<i64>) {
    match expires {
        None | Some(0) => ("missing".into(), None),
        Some(e) => {
            let remaining = signed_remaining_ms(e, now);
            let s = if remaining <= 0 {
                "expired"
            } else if remaining.unsigned_abs() <= warn {
                "expiring"
            } else {
                "ok"
            };
            (s.into(), Some(remaining))
        }
    }
}

pub(super) fn auth_health(
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
                h.remaining_ms = Some(signed_remaining_ms(min, now));
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

pub(super) fn active_credential(
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
    let fail = |provider: String, e: crate::error::Error| ActiveCredential {
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

pub(super) fn from_resolved(provider: String, r: &crate::auth::ResolvedAuth) -> ActiveCredential {
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
