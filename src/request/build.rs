//! Building a Messages request: URL, headers, betas, model resolution, params and prompt-cache
//! breakpoints (SPEC §5).
//!
//! ```
//! # fn main() -> claw_anthropic::Result<()> {
//! use claw_anthropic::auth::CredentialKind;
//! use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages};
//! use claw_anthropic::request::messages::{MessageParam, MessageRequest};
//! use secrecy::SecretString;
//!
//! let config = claw_anthropic::Config::from_json5(
//!     r#"{ agents: { defaults: { models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "1h" } } } } } }"#,
//! )?;
//! let key = SecretString::from("sk-ant-api03-0123456789abcdef0123456789");
//! let req = MessageRequest::new("opus", vec![MessageParam::user("Hello")]);
//! let built = build_messages(&config, AuthHeader::new(CredentialKind::ApiKey, &key), req, &BuildOptions::default())?;
//! assert_eq!(built.url.as_str(), "https://api.anthropic.com/v1/messages");
//! assert_eq!(built.body.model, "claude-opus-4-5");
//! let dry = built.dry_run();
//! assert_eq!(dry["headers"]["x-api-key"], "sk-ant-a...23456789");
//! assert_eq!(dry["body"]["messages"][0]["content"][0]["cache_control"]["ttl"], "1h");
//! # Ok(()) }
//! ```
//!
//! Decisions this module makes (documented here because the reference leaves them open):
//! * **Header overrides.** `models.providers.<id>.headers` (then [`BuildOptions::headers`])
//!   replace ordinary headers by case-insensitive name, in place; new names are appended in the
//!   order given. `anthropic-beta` is merged (union, required flags first). The credential headers
//!   (`x-api-key`, `authorization`) and the framing headers (`content-type`, `content-length`,
//!   `host`, `transfer-encoding`) cannot be overridden: such entries are ignored with a warning,
//!   because the credential comes from auth-profile resolution (rotation would otherwise be
//!   meaningless) and the body is always JSON. `anthropic-version`, `user-agent` and `accept` may
//!   be overridden.
//! * **Unknown params.** `params` keys other than `cacheControlTtl`, `temperature` and `maxTokens`
//!   are request *options* in the reference, not body fields: they are never put into the body.
//! * **Temperature with thinking.** The API only accepts the default temperature with extended
//!   thinking, so `params.temperature` is not applied when thinking is enabled (a warning says so).
//! * **Where the default policy puts breakpoints.** The last system block, and the last block of
//!   the last user message that can carry `cache_control` (text, image, document, tool_use,
//!   tool_result — walking back past thinking and unknown blocks and empty texts). A block that
//!   already has a `cache_control` is left alone.
//! * **Providers.** Only `anthropic` and providers whose `api` is `anthropic-messages` are served;
//!   any other provider is an error at `model`.

use crate::auth::CredentialKind;
use crate::config::{Config, ModelRef};
use crate::error::{Error, Result};
use crate::redact::mask;
use crate::request::check;
use crate::request::messages::{
    CacheControl, ContentBlock, MessageContent, MessageRequest, Role, SystemPrompt, ThinkingConfig,
    models,
};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// `anthropic-version` sent with every request.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// Base URL when `models.providers.<id>.baseUrl` is not set.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// `user-agent` sent with every request.
pub const USER_AGENT: &str = concat!("claw-anthropic/", env!("CARGO_PKG_VERSION"));

/// Beta flag names (open strings; these are the ones this crate adds itself).
pub mod betas {
    /// Extended prompt-cache TTL (`"ttl": "1h"`); always sent with API-key auth.
    pub const EXTENDED_CACHE_TTL: &str = "extended-cache-ttl-2025-04-11";
    /// OAuth / setup-token auth; always sent with bearer auth.
    pub const OAUTH: &str = "oauth-2025-04-20";
}

/// Where prompt-cache breakpoints go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CachePolicy {
    /// Last system block + last block of the last user message (SPEC §5), with the model's TTL
    /// for API-key auth.
    #[default]
    Default,
    /// Add no breakpoints (the caller's own placements are kept).
    None,
    /// Leave the caller's placements exactly as they are (same effect as `None` on the body;
    /// states intent).
    Manual,
}

/// Per-call options of [`build_messages`].
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Breakpoint placement.
    pub cache_policy: CachePolicy,
    /// `Some(true)` streams (sets `"stream": true` and `accept: text/event-stream`),
    /// `Some(false)` forces a plain response; `None` keeps the body's `stream`.
    pub stream: Option<bool>,
    /// Extra headers, applied after the provider's config headers with the same rules.
    pub headers: Vec<(String, String)>,
    /// Extra beta flags, merged after the required and configured ones.
    pub betas: Vec<String>,
}

/// The credential to send: its kind (header form) and the secret.
#[derive(Clone, Copy)]
pub struct AuthHeader<'a> {
    /// API key (`x-api-key`) or token (`authorization: Bearer`).
    pub kind: CredentialKind,
    /// The key or token.
    pub secret: &'a SecretString,
}

impl<'a> AuthHeader<'a> {
    /// An auth header of this kind with this secret.
    pub fn new(kind: CredentialKind, secret: &'a SecretString) -> Self {
        AuthHeader { kind, secret }
    }
}

impl std::fmt::Debug for AuthHeader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthHeader")
            .field("kind", &self.kind)
            .field("secret", &mask(self.secret.expose_secret()))
            .finish()
    }
}

/// A request ready to send: method, URL, headers (lowercase names, in sending order; secret values
/// are marked sensitive) and the body.
#[derive(Debug, Clone)]
pub struct BuiltRequest<B = MessageRequest> {
    /// `POST` (messages, count_tokens) or `GET` (models).
    pub method: Method,
    /// Full URL.
    pub url: Url,
    /// Headers, in sending order (a `HeaderMap` iterates in insertion order); the credential
    /// and other secret values are marked sensitive.
    pub headers: HeaderMap,
    /// The resolved model (for messages and count_tokens).
    pub model: Option<ModelRef>,
    /// The credential kind the headers carry.
    pub credential_kind: CredentialKind,
    /// The body (resolved model id, `max_tokens`, params and breakpoints applied).
    pub body: B,
    /// Things worth telling the user (never printed by the library).
    pub warnings: Vec<String>,
}

impl<B: Serialize> BuiltRequest<B> {
    /// The body as JSON bytes.
    pub fn body_bytes(&self) -> Result<Vec<u8>> {
        to_json(&self.body)
    }

    /// The value of a header (first match, case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.get(name)
    }

    /// `{method, url, headers, body}` with every sensitive header value masked
    /// (`first8...last8`; `Bearer ` is kept) — what `send --dry-run` and the C ABI print.
    pub fn dry_run(&self) -> Value {
        let mut headers = Map::new();
        for (name, value) in &self.headers {
            let text = String::from_utf8_lossy(value.as_bytes());
            let shown = if value.is_sensitive() {
                match text.strip_prefix("Bearer ") {
                    Some(tok) => format!("Bearer {}", mask(tok)),
                    None => mask(&text),
                }
            } else {
                text.into_owned()
            };
            headers.insert(name.as_str().to_owned(), Value::String(shown));
        }
        let body = serde_json::to_value(&self.body).unwrap_or(Value::Null);
        json!({
            "method": self.method.as_str(),
            "url": self.url.as_str(),
            "headers": headers,
            "body": body,
        })
    }
}

/// Header names whose values are masked and marked sensitive (besides the credential headers).
fn is_sensitive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "x-api-key" | "proxy-authorization" | "cookie"
    ) || n.contains("key")
        || n.contains("token")
        || n.contains("secret")
        || n.contains("auth")
}

const H_ANTHROPIC_VERSION: HeaderName = HeaderName::from_static("anthropic-version");
const H_ANTHROPIC_BETA: HeaderName = HeaderName::from_static("anthropic-beta");
const H_X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

const PROTECTED: &[&str] = &[
    "x-api-key",
    "authorization",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
];

fn header_value(name: &str, value: &str, sensitive: bool) -> Result<HeaderValue> {
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
fn merge_betas<'a>(into: &mut Vec<String>, values: impl IntoIterator<Item = &'a str>) {
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
fn endpoint_url(config: &Config, provider: &str, path: &'static str) -> Result<Url> {
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
pub(crate) struct HeaderCache(std::sync::Mutex<Vec<CachedHeaders>>);

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

struct CachedHeaders {
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

/// Resolves `model` (alias, `provider/model`, bare id) and checks the provider is served.
fn resolve_model(config: &Config, raw: &str, warnings: &mut Vec<String>) -> Result<ModelRef> {
    if raw.trim().is_empty() {
        return Err(Error::InvalidRequest {
            path: "model".to_owned(),
            message: "model must not be empty".to_owned(),
        });
    }
    let (model, warning) = config
        .resolve_model_ref(raw)
        .ok_or_else(|| Error::InvalidRequest {
            path: "model".to_owned(),
            message: format!("{raw:?} is not a valid model ref; use provider/model or an alias"),
        })?;
    if let Some(w) = warning {
        warnings.push(w.to_string());
    }
    if !serves_provider(config, &model.provider) {
        return Err(unserved_provider(&model.provider));
    }
    Ok(model)
}

fn unserved_provider(provider: &str) -> Error {
    Error::InvalidRequest {
        path: "model".to_owned(),
        message: format!(
            "provider \"{provider}\" is not an Anthropic Messages provider; this crate serves \"anthropic\" and providers with api \"anthropic-messages\" in models.providers"
        ),
    }
}

/// Builds `POST <baseUrl>/v1/messages` from a caller's request (taken by value: no copy of the
/// body is made). Runs every check of [`check::check_request`].
pub fn build_messages(
    config: &Config,
    auth: AuthHeader<'_>,
    body: MessageRequest,
    options: &BuildOptions,
) -> Result<BuiltRequest> {
    let mut warnings = Vec::new();
    let model = resolve_model(config, &body.model, &mut warnings)?;
    build_messages_for(config, auth, model, body, options, warnings, None)
}

/// What the client sends for one attempt: a built request with its body serialized (the
/// typed body is not kept).
pub(crate) struct Prepared {
    /// URL, headers and beta flags (shared with the client's header cache).
    pub head: Arc<RequestHead>,
    pub body: bytes::Bytes,
    pub model: ModelRef,
    /// The first `cache_control.ttl` of the body, if any.
    pub cache_ttl: Option<String>,
    pub warnings: Vec<String>,
}

/// A request body as JSON bytes.
fn to_json<B: Serialize + ?Sized>(body: &B) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| Error::InvalidRequest {
        path: String::new(),
        message: format!("the body could not be serialized: {e}"),
    })
}

/// The `anthropic-beta` header's name, made once.
const ANTHROPIC_BETA: HeaderName = HeaderName::from_static("anthropic-beta");

/// The beta flags of a header set (the `anthropic-beta` value, split).
fn betas_of(headers: &HeaderMap) -> Vec<String> {
    headers
        .get(&ANTHROPIC_BETA)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// [`build_messages_for`] on the caller's body in place, serialized, then put back exactly as
/// it was (the client builds one request per attempt from the same body without copying it);
/// the first cache TTL comes from the check's walk.
pub(crate) fn prepare_messages(
    config: &Config,
    auth: AuthHeader<'_>,
    model: &ModelRef,
    body: &mut MessageRequest,
    options: &BuildOptions,
    header_cache: Option<&HeaderCache>,
) -> Result<Prepared> {
    let mut warnings = Vec::new();
    // An error here leaves the body untouched.
    let undo = shape_body(config, auth.kind, model, body, options, &mut warnings)?;
    let finish = || -> Result<_> {
        let head = request_head(config, auth, model, body, options, header_cache)?;
        let cache_ttl = check::check_request_first_ttl(body)?.map(str::to_owned);
        let bytes = to_json(&*body)?;
        Ok((head, cache_ttl, bytes))
    };
    let out = finish();
    undo.restore(body);
    let (head, cache_ttl, bytes) = out?;
    warnings.extend(head.warnings.iter().cloned());
    Ok(Prepared {
        head,
        body: bytes::Bytes::from(bytes),
        model: model.clone(),
        cache_ttl,
        warnings,
    })
}

/// [`build_messages`] for a model the caller already resolved (`body.model` is ignored): the
/// client resolves the model once for failover and builds one request per attempt.
pub(crate) fn build_messages_for(
    config: &Config,
    auth: AuthHeader<'_>,
    model: ModelRef,
    mut body: MessageRequest,
    options: &BuildOptions,
    mut warnings: Vec<String>,
    header_cache: Option<&HeaderCache>,
) -> Result<BuiltRequest> {
    // The built request keeps the shaped body: nothing to undo.
    let _shaped = shape_body(config, auth.kind, &model, &mut body, options, &mut warnings)?;
    let head = request_head(config, auth, &model, &body, options, header_cache)?;
    warnings.extend(head.warnings.iter().cloned());
    let (url, headers) = match Arc::try_unwrap(head) {
        Ok(h) => (h.url, h.headers),
        Err(shared) => (shared.url.clone(), shared.headers.clone()),
    };
    check::check_request(&body)?;
    Ok(BuiltRequest {
        method: Method::POST,
        url,
        headers,
        model: Some(model),
        credential_kind: auth.kind,
        body,
        warnings,
    })
}

/// What [`shape_body`] changed, to put the body back as it was.
#[derive(Debug)]
#[must_use]
pub(crate) struct ShapeUndo {
    /// The caller's model value, when the resolved id differs from it.
    model: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<f64>,
    stream: Option<bool>,
    breakpoints: BreakpointUndo,
}

impl ShapeUndo {
    /// Puts `body` back as it was before [`shape_body`].
    pub(crate) fn restore(self, body: &mut MessageRequest) {
        if let Some(m) = self.model {
            body.model = m;
        }
        body.max_tokens = self.max_tokens;
        body.temperature = self.temperature;
        body.stream = self.stream;
        self.breakpoints.restore(body);
    }
}

/// The resolved model id, `max_tokens` and `temperature` from params, the stream flag and the
/// default cache breakpoints, applied to `body` in place.
fn shape_body(
    config: &Config,
    kind: CredentialKind,
    model: &ModelRef,
    body: &mut MessageRequest,
    options: &BuildOptions,
    warnings: &mut Vec<String>,
) -> Result<ShapeUndo> {
    if !serves_provider(config, &model.provider) {
        return Err(unserved_provider(&model.provider));
    }
    let params = config.model_params(model);
    let mut undo = ShapeUndo {
        model: (body.model != model.model)
            .then(|| std::mem::replace(&mut body.model, model.model.clone())),
        max_tokens: body.max_tokens,
        temperature: body.temperature,
        stream: body.stream,
        breakpoints: BreakpointUndo::default(),
    };

    // max_tokens and temperature from params.
    if body.max_tokens.is_none() {
        body.max_tokens = Some(
            params
                .and_then(|p| p.max_tokens)
                .unwrap_or_else(|| models::default_max_tokens(&model.model)),
        );
    }
    if body.temperature.is_none()
        && let Some(t) = params.and_then(|p| p.temperature)
    {
        if body.thinking.as_ref().is_some_and(ThinkingConfig::is_on) {
            warnings.push(format!(
                "params.temperature ({t}) of {model} was not applied: extended thinking requires the default temperature"
            ));
        } else {
            body.temperature = Some(t);
        }
    }
    if let Some(s) = options.stream {
        body.stream = s.then_some(true);
    }

    // Cache breakpoints.
    if options.cache_policy == CachePolicy::Default {
        let ttl = params.and_then(|p| p.cache_control_ttl);
        let ttl = match (ttl, kind) {
            (Some(t), CredentialKind::ApiKey) => Some(t.as_str().to_owned()),
            (Some(t), kind) => {
                warnings.push(format!(
                    "params.cacheControlTtl ({}) of {model} ignored: prompt-cache TTL applies only to API-key auth, this request uses a {kind} credential",
                    t.as_str()
                ));
                None
            }
            (None, _) => None,
        };
        let cc = CacheControl {
            kind: "ephemeral".to_owned(),
            ttl,
        };
        undo.breakpoints = apply_breakpoints_tracked(body, &cc);
    }
    Ok(undo)
}

/// The URL, headers and beta flags of a messages request (from the cache when one is given and
/// the call adds no headers or betas of its own).
fn request_head(
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

fn parse_url(u: &str) -> Result<Url> {
    Url::parse(u).map_err(|e| Error::InvalidArgument(format!("invalid URL {u:?}: {e}")))
}

fn cacheable(b: &ContentBlock) -> bool {
    match b {
        ContentBlock::Text(t) => !t.text.is_empty(),
        ContentBlock::Image(_)
        | ContentBlock::Document(_)
        | ContentBlock::ToolUse(_)
        | ContentBlock::ToolResult(_) => true,
        _ => false,
    }
}

/// Sets `cc` on the last cacheable block that has no `cache_control` yet; returns its index.
fn mark_last(blocks: &mut [ContentBlock], cc: &CacheControl) -> Option<usize> {
    let i = blocks.iter().rposition(cacheable)?;
    let slot = blocks[i].cache_control_mut()?;
    if slot.is_some() {
        return None;
    }
    *slot = Some(cc.clone());
    Some(i)
}

/// One breakpoint placed by the default policy: the block marked, and whether a string was
/// turned into a text block to carry it.
#[derive(Debug, Clone, Copy)]
struct Placed {
    converted: bool,
    block: Option<usize>,
}

/// What the default policy changed in a body.
#[derive(Debug, Default)]
struct BreakpointUndo {
    system: Option<Placed>,
    /// The message index and what was placed in it.
    user: Option<(usize, Placed)>,
}

impl BreakpointUndo {
    fn restore(self, body: &mut MessageRequest) {
        if let (Some(p), Some(system)) = (self.system, body.system.as_mut())
            && let SystemPrompt::Blocks(blocks) = system
            && let Some(text) = unplace(blocks, p)
        {
            *system = SystemPrompt::Text(text);
        }
        if let Some((i, p)) = self.user
            && let Some(MessageContent::Blocks(blocks)) =
                body.messages.get_mut(i).map(|m| &mut m.content)
            && let Some(text) = unplace(blocks, p)
        {
            body.messages[i].content = MessageContent::Text(text);
        }
    }
}

/// Removes a placed breakpoint; returns the text when the blocks were made from a string.
fn unplace(blocks: &mut Vec<ContentBlock>, p: Placed) -> Option<String> {
    if let Some(slot) = p
        .block
        .and_then(|i| blocks.get_mut(i))
        .and_then(ContentBlock::cache_control_mut)
    {
        *slot = None;
    }
    if !p.converted {
        return None;
    }
    match blocks.pop() {
        Some(ContentBlock::Text(t)) => Some(t.text),
        _ => unreachable!("a converted string is one text block"),
    }
}

/// The default policy: last system block and last cacheable block of the last user message.
/// Non-empty string `system`/content become one text block to carry the breakpoint.
pub fn apply_default_breakpoints(body: &mut MessageRequest, cc: &CacheControl) {
    let _ = apply_breakpoints_tracked(body, cc);
}

/// [`apply_default_breakpoints`], recording what it changed.
fn apply_breakpoints_tracked(body: &mut MessageRequest, cc: &CacheControl) -> BreakpointUndo {
    let mut undo = BreakpointUndo::default();
    if let Some(system) = &mut body.system {
        let non_empty = !matches!(system, SystemPrompt::Text(s) if s.is_empty());
        if non_empty {
            let converted = matches!(system, SystemPrompt::Text(_));
            let block = mark_last(system.make_blocks(), cc);
            undo.system = Some(Placed { converted, block });
        }
    }
    if let Some((i, last_user)) = body
        .messages
        .iter_mut()
        .enumerate()
        .rev()
        .find(|(_, m)| m.role == Role::User)
    {
        let non_empty = !matches!(&last_user.content, MessageContent::Text(s) if s.is_empty());
        if non_empty {
            let converted = matches!(last_user.content, MessageContent::Text(_));
            let block = mark_last(last_user.content.make_blocks(), cc);
            undo.user = Some((i, Placed { converted, block }));
        }
    }
    undo
}

/// Builds `POST <baseUrl>/v1/messages/count_tokens` for a request (model resolved; no
/// breakpoints, `max_tokens` or sampling options — `count_tokens` does not take them).
pub fn build_count_tokens(
    config: &Config,
    auth: AuthHeader<'_>,
    request: MessageRequest,
    options: &BuildOptions,
) -> Result<BuiltRequest<crate::request::messages::CountTokensRequest>> {
    let mut warnings = Vec::new();
    let model = resolve_model(config, &request.model, &mut warnings)?;
    let mut body = crate::request::messages::CountTokensRequest::from(request);
    body.model.clone_from(&model.model);
    if body.messages.is_empty() {
        return Err(Error::InvalidRequest {
            path: "messages".to_owned(),
            message: "messages must not be empty: add at least one user message".to_owned(),
        });
    }
    let url = endpoint_url(config, &model.provider, "/v1/messages/count_tokens")?;
    let headers = build_headers(
        config,
        &model.provider,
        auth,
        "application/json",
        &options.headers,
        &options.betas,
        &mut warnings,
    )?;
    Ok(BuiltRequest {
        method: Method::POST,
        url,
        headers,
        model: Some(model),
        credential_kind: auth.kind,
        body,
        warnings,
    })
}

/// Builds `GET <baseUrl>/v1/models[?limit=…&after_id=…]` for `provider`.
pub fn build_list_models(
    config: &Config,
    provider: &str,
    auth: AuthHeader<'_>,
    after_id: Option<&str>,
    limit: Option<u32>,
) -> Result<BuiltRequest<()>> {
    let provider = crate::config::model_ref::normalize_provider(provider);
    if !serves_provider(config, &provider) {
        return Err(Error::InvalidArgument(format!(
            "provider \"{provider}\" is not an Anthropic Messages provider"
        )));
    }
    let mut warnings = Vec::new();
    let mut url = endpoint_url(config, &provider, "/v1/models")?;
    {
        let mut q = url.query_pairs_mut();
        if let Some(l) = limit {
            q.append_pair("limit", &l.to_string());
        }
        if let Some(a) = after_id {
            q.append_pair("after_id", a);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    let headers = build_headers(
        config,
        &provider,
        auth,
        "application/json",
        &[],
        &[],
        &mut warnings,
    )?;
    Ok(BuiltRequest {
        method: Method::GET,
        url,
        headers,
        model: None,
        credential_kind: auth.kind,
        body: (),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::messages::MessageParam;

    /// A request made of the parts the default policy touches: string or block `system`,
    /// user/assistant turns with string or block content (some blocks already marked, some
    /// not cacheable), preset `max_tokens`/`temperature`/`stream`.
    fn shaped_request(
        system: u8,
        turns: &[(bool, u8)],
        preset: (bool, bool, Option<bool>),
    ) -> MessageRequest {
        let blocks = |n: u8| -> serde_json::Value {
            match n % 5 {
                0 => json!([{"type": "text", "text": "a"}]),
                1 => json!([{"type": "text", "text": "a"}, {"type": "text", "text": ""}]),
                2 => {
                    json!([{"type": "text", "text": "a", "cache_control": {"type": "ephemeral", "ttl": "1h"}}])
                }
                3 => json!([{"type": "thinking", "thinking": "t", "signature": "s"}]),
                _ => {
                    json!([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}])
                }
            }
        };
        let content = |n: u8| -> serde_json::Value {
            match n % 4 {
                0 => json!("hello"),
                1 => json!(""),
                _ => blocks(n / 4),
            }
        };
        let mut v = json!({
            "model": "sonnet",
            "messages": turns.iter().map(|(user, c)| json!({
                "role": if *user { "user" } else { "assistant" },
                "content": content(*c),
            })).collect::<Vec<_>>(),
        });
        match system % 4 {
            0 => {}
            1 => v["system"] = json!("be brief"),
            2 => v["system"] = json!(""),
            _ => v["system"] = blocks(system / 4),
        }
        if preset.0 {
            v["max_tokens"] = json!(77);
        }
        if preset.1 {
            v["temperature"] = json!(0.5);
        }
        if let Some(s) = preset.2 {
            v["stream"] = json!(s);
        }
        serde_json::from_value(v).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn prepared_bodies_equal_built_ones_and_the_body_is_put_back(
            system in 0u8..20,
            turns in proptest::collection::vec((proptest::bool::ANY, 0u8..20), 1..4),
            preset in (proptest::bool::ANY, proptest::bool::ANY, proptest::option::of(proptest::bool::ANY)),
            token in proptest::bool::ANY,
            manual in proptest::bool::ANY,
            stream in proptest::option::of(proptest::bool::ANY),
            alias in proptest::bool::ANY,
        ) {
            let config = Config::from_json5(
                r#"{ agents: { defaults: { models: { "anthropic/claude-sonnet-4-5": { alias: "sonnet", params: { cacheControlTtl: "1h", temperature: 0.2, maxTokens: 999 } } } } } }"#,
            ).unwrap();
            let secret = key();
            let kind = if token { CredentialKind::Token } else { CredentialKind::ApiKey };
            let auth = AuthHeader::new(kind, &secret);
            let model = ModelRef::new("anthropic", "claude-sonnet-4-5");
            let options = BuildOptions {
                cache_policy: if manual { CachePolicy::Manual } else { CachePolicy::Default },
                stream,
                ..BuildOptions::default()
            };
            let mut original = shaped_request(system, &turns, preset);
            if !alias {
                // Already the resolved id: the body's model is left as it is.
                original.model = "claude-sonnet-4-5".into();
            }
            let mut body = original.clone();
            let cache = HeaderCache::default();
            let built = build_messages_for(&config, auth, model.clone(), original.clone(), &options, Vec::new(), None);
            for _ in 0..2 {
                let prepared = prepare_messages(&config, auth, &model, &mut body, &options, Some(&cache));
                proptest::prop_assert_eq!(&body, &original, "the body is put back");
                match (&built, prepared) {
                    (Ok(b), Ok(p)) => {
                        let bytes = b.body_bytes().unwrap();
                        proptest::prop_assert_eq!(p.body.as_ref(), bytes.as_slice());
                        proptest::prop_assert_eq!(&p.head.headers, &b.headers);
                        proptest::prop_assert_eq!(&p.warnings, &b.warnings);
                        proptest::prop_assert_eq!(&p.head.url, &b.url);
                        proptest::prop_assert_eq!(p.cache_ttl, crate::request::check::breakpoints(&b.body).unwrap().into_iter().find_map(|x| x.ttl));
                        proptest::prop_assert_eq!(&p.head.betas, &betas_of(&b.headers));
                    }
                    (Err(b), Err(p)) => proptest::prop_assert_eq!(b.to_string(), p.to_string()),
                    (b, p) => proptest::prop_assert!(false, "built {:?} vs prepared {:?}", b.is_ok(), p.is_ok()),
                }
            }
        }
    }

    fn key() -> SecretString {
        SecretString::from("sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-zzzz")
    }

    #[test]
    fn cached_headers_equal_fresh_ones_per_credential_with_their_warnings() {
        let config = Config::from_json5(
            r#"{ models: { providers: { anthropic: { headers: { "x-api-key": "other", "X-Team": "t1" } } } } }"#,
        )
        .unwrap();
        let cache = HeaderCache::default();
        let other = SecretString::from("sk-ant-oat01-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
        let build = |secret: &SecretString, kind, cache: Option<&HeaderCache>| {
            let req = MessageRequest::new("claude-sonnet-4-5", vec![MessageParam::user("x")]);
            let model = ModelRef::new("anthropic", "claude-sonnet-4-5");
            build_messages_for(
                &config,
                AuthHeader::new(kind, secret),
                model,
                req,
                &BuildOptions::default(),
                Vec::new(),
                cache,
            )
            .unwrap()
        };
        for (secret, kind) in [
            (key(), CredentialKind::ApiKey),
            (other.clone(), CredentialKind::Token),
            (key(), CredentialKind::ApiKey),
        ] {
            let fresh = build(&secret, kind, None);
            for _ in 0..2 {
                let cached = build(&secret, kind, Some(&cache));
                assert_eq!(cached.headers, fresh.headers);
                assert_eq!(cached.warnings, fresh.warnings);
                assert!(cached.warnings.iter().any(|w| w.contains("x-api-key")));
            }
        }
        assert_eq!(cache.0.lock().unwrap().len(), 2, "one entry per credential");
        // Call-specific headers bypass the cache.
        let req = MessageRequest::new("claude-sonnet-4-5", vec![MessageParam::user("x")]);
        let opts = BuildOptions {
            headers: vec![("x-call".into(), "1".into())],
            ..BuildOptions::default()
        };
        let k = key();
        let b = build_messages_for(
            &config,
            AuthHeader::new(CredentialKind::ApiKey, &k),
            ModelRef::new("anthropic", "claude-sonnet-4-5"),
            req,
            &opts,
            Vec::new(),
            Some(&cache),
        )
        .unwrap();
        assert_eq!(b.header("x-call").unwrap(), "1");
        assert_eq!(cache.0.lock().unwrap().len(), 2);
    }

    #[test]
    fn betas_merge_and_dedupe() {
        let mut b = vec!["a".to_owned()];
        merge_betas(&mut b, [" b , a,,c", "b"]);
        assert_eq!(b, ["a", "b", "c"]);
    }

    #[test]
    fn endpoint_urls_are_checked_once_per_config() {
        let c = Config::from_json5(
            r#"{models:{providers:{anthropic:{baseUrl:"http://127.0.0.1:9/"},plain:{api:"anthropic-messages",baseUrl:"http://example.com"}}}}"#,
        )
        .unwrap();
        assert!(c.endpoints.get("anthropic", "/v1/messages").is_none());
        let u = endpoint_url(&c, "anthropic", "/v1/messages").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/v1/messages");
        assert_eq!(
            c.endpoints.get("anthropic", "/v1/messages"),
            Some(Ok(u.clone()))
        );
        assert_eq!(endpoint_url(&c, "anthropic", "/v1/messages").unwrap(), u);
        let models = endpoint_url(&c, "anthropic", "/v1/models").unwrap();
        assert_eq!(models.as_str(), "http://127.0.0.1:9/v1/models");
        // A refused URL gives the same error every time, from the cache too.
        let first = endpoint_url(&c, "plain", "/v1/messages")
            .unwrap_err()
            .to_string();
        assert!(first.contains("models.providers.plain.baseUrl"), "{first}");
        assert!(first.contains("plain http"), "{first}");
        let again = endpoint_url(&c, "plain", "/v1/messages")
            .unwrap_err()
            .to_string();
        assert_eq!(first, again);
        // A clone starts with an empty cache.
        assert!(
            c.clone()
                .endpoints
                .get("anthropic", "/v1/messages")
                .is_none()
        );
    }

    #[test]
    fn protected_headers_ignored_and_overrides_in_place() {
        let c = Config::from_json5(
            r#"{models:{providers:{anthropic:{headers:{"X-API-KEY":"other","User-Agent":"mine/1","X-Custom":"v"}}}}}"#,
        )
        .unwrap();
        let k = key();
        let mut w = Vec::new();
        let h = build_headers(
            &c,
            "anthropic",
            AuthHeader::new(CredentialKind::ApiKey, &k),
            "application/json",
            &[],
            &[],
            &mut w,
        )
        .unwrap();
        let get = |n: &str| h.get(n).cloned();
        assert_eq!(
            get("x-api-key").unwrap().as_bytes(),
            k.expose_secret().as_bytes()
        );
        assert!(get("x-api-key").unwrap().is_sensitive());
        assert_eq!(get("user-agent").unwrap(), "mine/1");
        // Overridden in place: still fourth.
        assert_eq!(h.keys().nth(3).unwrap(), "user-agent");
        assert_eq!(h.keys().last().unwrap(), "anthropic-beta");
        assert_eq!(get("x-custom").unwrap(), "v");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("X-API-KEY"));
    }

    #[test]
    fn params_apply_unless_set() {
        let c = Config::from_json5(
            r#"{agents:{defaults:{models:{"anthropic/claude-opus-4-5":{params:{temperature:0.2,maxTokens:1234,foo:1}}}}}}"#,
        )
        .unwrap();
        let k = key();
        let auth = AuthHeader::new(CredentialKind::ApiKey, &k);
        let b = build_messages(
            &c,
            auth,
            MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]),
            &BuildOptions::default(),
        )
        .unwrap();
        assert_eq!(b.body.max_tokens, Some(1234));
        assert_eq!(b.body.temperature, Some(0.2));
        assert!(
            b.body.extra.is_empty(),
            "unknown params stay out of the body"
        );
        let mut r = MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]);
        r.max_tokens = Some(10);
        r.temperature = Some(0.9);
        let b = build_messages(&c, auth, r, &BuildOptions::default()).unwrap();
        assert_eq!(
            (b.body.max_tokens, b.body.temperature),
            (Some(10), Some(0.9))
        );
        // Unknown model, no params: the default table.
        let b = build_messages(
            &c,
            auth,
            MessageRequest::new("anthropic/new-model", vec![MessageParam::user("x")]),
            &BuildOptions::default(),
        )
        .unwrap();
        assert_eq!(b.body.max_tokens, Some(4096));
        assert_eq!(b.body.temperature, None);
    }

    #[test]
    fn stream_option_sets_accept() {
        let c = Config::from_json5("{}").unwrap();
        let k = key();
        let opts = BuildOptions {
            stream: Some(true),
            ..Default::default()
        };
        let b = build_messages(
            &c,
            AuthHeader::new(CredentialKind::ApiKey, &k),
            MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]),
            &opts,
        )
        .unwrap();
        assert_eq!(b.body.stream, Some(true));
        assert_eq!(b.header("accept").unwrap(), "text/event-stream");
    }

    #[test]
    fn list_models_and_count_tokens_urls() {
        let c = Config::from_json5(
            r#"{models:{providers:{anthropic:{baseUrl:"http://127.0.0.1:9/"}}}}"#,
        )
        .unwrap();
        let k = key();
        let auth = AuthHeader::new(CredentialKind::Token, &k);
        let b = build_list_models(&c, "Anthropic", auth, Some("m1"), Some(5)).unwrap();
        assert_eq!(
            b.url.as_str(),
            "http://127.0.0.1:9/v1/models?limit=5&after_id=m1"
        );
        assert_eq!(b.method, Method::GET);
        let b = build_list_models(&c, "anthropic", auth, None, None).unwrap();
        assert_eq!(b.url.as_str(), "http://127.0.0.1:9/v1/models");
        let b = build_count_tokens(
            &c,
            auth,
            MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")])
                .with_max_tokens(5),
            &BuildOptions::default(),
        )
        .unwrap();
        assert_eq!(
            b.url.as_str(),
            "http://127.0.0.1:9/v1/messages/count_tokens"
        );
        let v = serde_json::to_value(&b.body).unwrap();
        assert!(v.get("max_tokens").is_none());
        assert_eq!(b.header("anthropic-beta").unwrap(), betas::OAUTH);
    }

    #[test]
    fn foreign_provider_rejected() {
        let c = Config::from_json5(
            r#"{models:{providers:{openai:{api:"openai-responses"},proxy:{api:"anthropic-messages",baseUrl:"https://proxy.example"}}}}"#,
        )
        .unwrap();
        let k = key();
        let auth = AuthHeader::new(CredentialKind::ApiKey, &k);
        let e = build_messages(
            &c,
            auth,
            MessageRequest::new("openai/gpt-5", vec![MessageParam::user("x")]),
            &BuildOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::InvalidRequest { ref path, .. } if path == "model"),
            "{e}"
        );
        let b = build_messages(
            &c,
            auth,
            MessageRequest::new("proxy/claude-x", vec![MessageParam::user("x")]),
            &BuildOptions::default(),
        )
        .unwrap();
        assert_eq!(b.url.as_str(), "https://proxy.example/v1/messages");
        assert_eq!(b.body.model, "claude-x");
    }

    #[test]
    fn debug_never_shows_secret() {
        let c = Config::from_json5("{}").unwrap();
        let k = key();
        let auth = AuthHeader::new(CredentialKind::ApiKey, &k);
        assert!(!format!("{auth:?}").contains("AAAAAAAAAAAAAAAAAAAA"));
        let b = build_messages(
            &c,
            auth,
            MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]),
            &BuildOptions::default(),
        )
        .unwrap();
        assert!(!format!("{b:?}").contains("AAAAAAAAAAAAAAAAAAAA"));
        assert!(!b.dry_run().to_string().contains("AAAAAAAAAAAAAAAAAAAA"));
    }
}
