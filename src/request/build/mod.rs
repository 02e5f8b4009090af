//! Building a Messages request: URL, headers, betas, model resolution, params and prompt-cache
//! breakpoints ([requests](crate::compatibility#requests)).
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
mod headers;
mod shape;
#[cfg(test)]
mod tests;

use headers::*;
pub(crate) use headers::{HeaderCache, RequestHead};
pub use headers::{base_url, build_headers, serves_provider};
pub use shape::apply_default_breakpoints;
use shape::*;

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
/// `user-agent` sent with every request (the crate's one [`crate::USER_AGENT`]).
pub use crate::USER_AGENT;

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
    /// Last system block + last block of the last user message ([cache
    /// breakpoints](crate::compatibility#cache-breakpoints)), with the model's TTL
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

/// Resolves `model` (alias, `provider/model`, bare id) and checks the provider is served.
/// The model a request's `model` value names; empty means the configured default model.
fn resolve_model(config: &Config, raw: &str, warnings: &mut Vec<String>) -> Result<ModelRef> {
    if raw.trim().is_empty() {
        let model = config.default_model();
        if !serves_provider(config, &model.provider) {
            return Err(unserved_provider(&model.provider));
        }
        return Ok(model);
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
pub(crate) fn betas_of(headers: &HeaderMap) -> Vec<String> {
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
    check::check_messages(&body.messages)?;
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
