//! The request head: URL, headers (overrides, protected names, sensitive values) and beta
//! flags, with the per-client cache of built heads.

use super::*;

/// Header names whose values are masked and marked sensitive (besides the credential headers).
pub(super) fn is_sensitive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "x-api-key" | "proxy-authorization" | "cookie"
    ) || n.contains("key")
        || n.contains("token")
        || n.contains("secret")
        || n.contains("auth")
}

pub(super) const H_ANTHROPIC_VERSION: HeaderName = HeaderName::from_static("anthropic-version");
pub(super) const H_ANTHROPIC_BETA: HeaderName = HeaderName::from_static("anthropic-beta");
pub(super) const H_X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

pub(super) const PROTECTED: &[&str] = &[
    "x-api-key",
    "authorization",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
];

pub(super) fn header_value(name: &str, value: &str, sensitive: bool) -> Result<HeaderValue> {
    check::check_header_value(name, value, sensitive)?;
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::InvalidArgument(format!(
            "the value of header `{name}` is not a valid header value"
        ))
    })?;
    v.set_sensitive(sensitive);
    Ok(v)
}

/// Splits comma-separated beta lists and appends new names (trimmed, de-duplicated).
pub(super) fn merge_betas<'a>(into: &mut Vec<String>, values: impl IntoIterator<Item = &'a str>) {
    for v in values {
        for b in v.split(',') {
            let b = b.trim();
            if !b.is_empty() && !into.iter().any(|x| x == b) {
                into.push(b.to_owned());
            }
        }
    }
}

/// Whether this crate serves `provider` (anthropic, or `api: "anthropic-messages"`).
pub fn serves_provider(config: &Config, provider: &str) -> bool {
    provider == "anthropic"
        || config
            .provider(provider)
            .and_then(|p| p.api.as_deref())
            .is_some_and(|a| a.trim() == "anthropic-messages")
}

/// `<baseUrl>` of a provider (trailing `/` trimmed) checked for credential safety.
pub fn base_url(config: &Config, provider: &str) -> Result<String> {
    let (raw, origin) = match config
        .provider(provider)
        .and_then(|p| p.base_url.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(u) => (u, format!("models.providers.{provider}.baseUrl")),
        None => (DEFAULT_BASE_URL, "the default base URL".to_owned()),
    };
    let trimmed = raw.trim_end_matches('/');
    check::check_credential_url(trimmed, &origin)?;
    Ok(trimmed.to_owned())
}

/// `<baseUrl><path>` for `provider`, checked like [`base_url`]; the outcome is cached in the
/// config (which is immutable), so this parses the URL once per provider and path.
pub(super) fn endpoint_url(config: &Config, provider: &str, path: &'static str) -> Result<Url> {
    if let Some(hit) = config.endpoints.get(provider, path) {
        return hit.map_err(Error::InvalidArgument);
    }
    let outcome = base_url(config, provider).and_then(|b| parse_url(&format!("{b}{path}")));
    match &outcome {
        Ok(u) => config.endpoints.put(provider, path, Ok(u.clone())),
        Err(Error::InvalidArgument(m)) => config.endpoints.put(provider, path, Err(m.clone())),
        Err(_) => {}
    }
    outcome
}

/// The headers of any API request to `provider`: version, content type, accept, user agent, the
/// credential, betas, then the provider's config headers and `extra` (see the module docs for
/// the override rules). Warnings are appended to `warnings`.
pub fn build_headers(
    config: &Config,
    provider: &str,
    auth: AuthHeader<'_>,
    accept: &str,
    extra: &[(String, String)],
    extra_betas: &[String],
    warnings: &mut Vec<String>,
) -> Result<HeaderMap> {
    let secret = auth.secret.expose_secret().trim();
    if secret.is_empty() {
        return Err(Error::InvalidArgument(
            "the credential is empty; set an API key or paste a setup-token".to_owned(),
        ));
    }
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(
        H_ANTHROPIC_VERSION,
        HeaderValue::from_static(ANTHROPIC_VERSION),
    );
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let accept = match accept {
        "application/json" => HeaderValue::from_static("application/json"),
        "text/event-stream" => HeaderValue::from_static("text/event-stream"),
        other => header_value("accept", other, false)?,
    };
    headers.insert(header::ACCEPT, accept);
    headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    // The usual case (no config or call betas) needs no list.
    let mut betas: Vec<String> = Vec::new();
    let builtin_beta = if auth.kind.is_bearer() {
        headers.insert(
            header::AUTHORIZATION,
            header_value("authorization", &format!("Bearer {secret}"), true)?,
        );
        betas::OAUTH
    } else {
        headers.insert(H_X_API_KEY, header_value("x-api-key", secret, true)?);
        betas::EXTENDED_CACHE_TTL
    };

    let overrides = config
        .provider(provider)
        .into_iter()
        .flat_map(|p| {
            p.headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str(), true))
        })
        .chain(extra.iter().map(|(k, v)| (k.as_str(), v.as_str(), false)));
    for (name, value, from_config) in overrides {
        let name = name.trim();
        check::check_header_name(name)?;
        let lower = name.to_ascii_lowercase();
        if lower == "anthropic-beta" {
            check::check_header_value(name, value, false)?;
            if betas.is_empty() {
                betas.push(builtin_beta.to_owned());
            }
            merge_betas(&mut betas, [value]);
            continue;
        }
        if PROTECTED.contains(&lower.as_str()) {
            let origin = if from_config {
                format!("models.providers.{provider}.headers")
            } else {
                "the call's headers".to_owned()
            };
            warnings.push(format!(
                "ignored header `{name}` from {origin}: it is set by this crate and cannot be overridden"
            ));
            continue;
        }
        let v = header_value(&lower, value, is_sensitive_name(&lower))?;
        let n = HeaderName::from_bytes(lower.as_bytes())
            .map_err(|_| Error::InvalidArgument(format!("`{name}` is not a valid header name")))?;
        // An existing name keeps its place; a new one goes last.
        headers.insert(n, v);
    }
    if !extra_betas.is_empty() && betas.is_empty() {
        betas.push(builtin_beta.to_owned());
    }
    merge_betas(&mut betas, extra_betas.iter().map(String::as_str));
    let beta = if betas.is_empty() {
        HeaderValue::from_static(builtin_beta)
    } else {
        header_value("anthropic-beta", &betas.join(","), false)?
    };
    headers.insert(H_ANTHROPIC_BETA, beta);
    Ok(headers)
}

/// Request heads (URL, header set, beta flags) a client built recently, reused while the
/// provider, the credential and `accept` are the same (the config is immutable for a client): a
/// request then shares the head instead of building, checking and hashing every header. Holds
/// at most [`HeaderCache::CAPACITY`] heads (one per credential in use); never printed.
#[derive(Default)]
pub(crate) struct HeaderCache(pub(super) std::sync::Mutex<Vec<CachedHeaders>>);

/// The URL, headers and beta flags of messages requests to one provider with one credential
/// (what does not depend on the body).
#[derive(Debug)]
pub(crate) struct RequestHead {
    pub url: Url,
    pub headers: HeaderMap,
    /// The `anthropic-beta` flags of `headers`.
    pub betas: Vec<String>,
    /// Warnings of building the headers.
    pub warnings: Vec<String>,
}

pub(super) struct CachedHeaders {
    provider: String,
    kind: CredentialKind,
    secret: SecretString,
    accept: &'static str,
    head: Arc<RequestHead>,
}

impl HeaderCache {
    /// Credentials kept at once (a client rotating over more profiles rebuilds some).
    const CAPACITY: usize = 4;

    /// The cached head for these inputs, or `build()`'s result (then cached).
    fn get_or_build(
        &self,
        provider: &str,
        auth: &AuthHeader<'_>,
        accept: &'static str,
        build: impl FnOnce() -> Result<RequestHead>,
    ) -> Result<Arc<RequestHead>> {
        let matches = |c: &CachedHeaders| {
            c.kind == auth.kind
                && c.accept == accept
                && c.provider == provider
                && c.secret.expose_secret() == auth.secret.expose_secret()
        };
        {
            let cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = cache.iter().find(|c| matches(c)) {
                return Ok(c.head.clone());
            }
        }
        let head = Arc::new(build()?);
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !cache.iter().any(matches) {
            if cache.len() == Self::CAPACITY {
                cache.remove(0);
            }
            cache.push(CachedHeaders {
                provider: provider.to_owned(),
                kind: auth.kind,
                secret: auth.secret.clone(),
                accept,
                head: head.clone(),
            });
        }
        Ok(head)
    }
}

/// The URL, headers and beta flags of a messages request (from the cache when one is given and
/// the call adds no headers or betas of its own).
pub(super) fn request_head(
    config: &Config,
    auth: AuthHeader<'_>,
    model: &ModelRef,
    body: &MessageRequest,
    options: &BuildOptions,
    header_cache: Option<&HeaderCache>,
) -> Result<Arc<RequestHead>> {
    let streaming = body.stream == Some(true);
    let accept = if streaming {
        "text/event-stream"
    } else {
        "application/json"
    };
    let build = || {
        let url = endpoint_url(config, &model.provider, "/v1/messages")?;
        let mut warnings = Vec::new();
        let headers = build_headers(
            config,
            &model.provider,
            auth,
            accept,
            &options.headers,
            &options.betas,
            &mut warnings,
        )?;
        Ok(RequestHead {
            url,
            betas: betas_of(&headers),
            headers,
            warnings,
        })
    };
    match header_cache {
        // Call-specific headers or betas are not cached.
        Some(cache) if options.headers.is_empty() && options.betas.is_empty() => {
            cache.get_or_build(&model.provider, &auth, accept, build)
        }
        _ => build().map(Arc::new),
    }
}

pub(super) fn parse_url(u: &str) -> Result<Url> {
    Url::parse(u).map_err(|e| Error::InvalidArgument(format!("invalid URL {u:?}: {e}")))
}
