//! Failover (SPEC §6): rotate auth profiles on classified failures, then fall back to other
//! models; every success and failure is recorded in the auth store (SPEC §4).

use super::http::{Outgoing, Reply, send_json, send_with_retries};
use super::message_stream::MessageStream;
use super::{Inner, ProfilePin, Response};
use crate::auth::resolve::{CredentialSource, ResolvedAuth};
use crate::auth::usage::counts_against_profile;
use crate::config::ModelRef;
use crate::config::model_ref::normalize_provider;
use crate::error::{Attempt, Error, FailureReason, Result};
use crate::request::build::{
    AuthHeader, BuildOptions, BuiltRequest, build_count_tokens, build_list_models,
    build_messages_for,
};
use crate::request::messages::{CountTokensResponse, Message, MessageRequest, ModelList};
use bytes::Bytes;
use std::sync::Arc;

enum Mode {
    Json,
    Stream,
}

enum Outcome {
    Json(Box<Message>),
    Stream(reqwest::Response),
}

fn source_label(r: &ResolvedAuth) -> String {
    match &r.source {
        CredentialSource::Profile { id } => ["profile ", id].concat(),
        CredentialSource::Env { name, .. } => format!("env: {name}"),
        CredentialSource::ConfigApiKey { provider } => {
            format!("config models.providers.{provider}.apiKey")
        }
    }
}

/// The models to try: the requested one, then the configured fallbacks (deduplicated).
fn candidate_models(inner: &Inner, req: &MessageRequest) -> Result<(Vec<ModelRef>, Vec<String>)> {
    let mut warnings = Vec::new();
    let primary =
        if req.model.trim().is_empty() {
            inner.config.default_model()
        } else {
            let (r, w) = inner.config.resolve_model_ref(&req.model).ok_or_else(|| {
                Error::InvalidRequest {
                    path: "model".into(),
                    message: "model must not be empty".into(),
                }
            })?;
            if let Some(w) = w {
                warnings.push(w.message());
            }
            r
        };
    let mut models = vec![primary];
    if inner.model_fallbacks {
        for f in &inner.fallbacks {
            if !models.contains(f) {
                models.push(f.clone());
            }
        }
    }
    Ok((models, warnings))
}

/// Whether the pinned `profile` can serve `provider` (a pin on an Anthropic profile does not
/// apply to a fallback model of another provider).
fn pin_for<'a>(inner: &Inner, provider: &str, pin: &'a ProfilePin) -> &'a ProfilePin {
    let (ProfilePin::Only(id) | ProfilePin::Prefer(id)) = pin else {
        return pin;
    };
    let applies = match inner.auth.load_store_shared() {
        Ok(store) => store.profiles.get(id).is_none_or(|p| {
            normalize_provider(p.credential.provider()) == normalize_provider(provider)
        }),
        Err(_) => true,
    };
    if applies { pin } else { &ProfilePin::Auto }
}

async fn resolve_next(
    inner: &Inner,
    provider: &str,
    pin: &ProfilePin,
    tried: &[String],
) -> Result<ResolvedAuth> {
    let auth = &inner.auth;
    match pin {
        ProfilePin::Only(id) => auth.resolve_async(provider, Some(id), None).await,
        ProfilePin::Prefer(id) if tried.is_empty() => {
            auth.resolve_async(provider, None, Some(id)).await
        }
        _ if tried.is_empty() => auth.resolve_async(provider, None, None).await,
        _ => auth.resolve_excluding_async(provider, tried).await,
    }
}

/// The `anthropic-beta` flags a built request carries.
fn sent_betas(built: &BuiltRequest) -> Vec<String> {
    built
        .header("anthropic-beta")
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

/// The first `cache_control.ttl` in the body, if any.
fn sent_cache_ttl(built: &BuiltRequest) -> Option<String> {
    crate::request::check::first_ttl(&built.body)
}

/// Records a success (written to the store in the background, see [`Client::flush`](super::Client::flush)).
fn mark_used(inner: &Arc<Inner>, provider: &str, profile: Option<&str>) {
    if let Some(pid) = profile {
        inner.usage.record_use(provider, pid, inner.auth.now_ms());
    }
}

async fn mark_failure(inner: &Arc<Inner>, profile: &str, reason: FailureReason) {
    let (inner2, pid) = (inner.clone(), profile.to_owned());
    let res = tokio::task::spawn_blocking(move || inner2.auth.mark_failure(&pid, reason)).await;
    if let Ok(Err(e)) = res {
        tracing::warn!(error = %e, "could not record profile failure in the auth store");
    }
}

/// Whether an error is the caller's fault (returned as is, no cooldown, no failover).
fn is_caller_fault(e: &Error) -> bool {
    match e {
        Error::Api(a) => !counts_against_profile(a.status, a.error_type.as_deref(), &a.message),
        Error::InvalidRequest { .. } | Error::InvalidArgument(_) | Error::Config(_) => true,
        _ => false,
    }
}

async fn exchange(
    inner: &Inner,
    built: &BuiltRequest,
    r: &ResolvedAuth,
    mode: &Mode,
) -> Result<(Outcome, super::ResponseMeta)> {
    let body = Bytes::from(built.body_bytes()?);
    let out = Outgoing {
        method: reqwest::Method::POST,
        url: &built.url,
        headers: &built.headers,
        body: Some(body),
        profile_id: r.profile_id.as_deref(),
        token_auth: r.kind.is_bearer(),
    };
    match mode {
        Mode::Stream => match send_with_retries(inner, &out, false).await? {
            (Reply::Streaming(resp), meta) => Ok((Outcome::Stream(resp), meta)),
            (Reply::Body(_), _) => unreachable!("streams are not read here"),
        },
        Mode::Json => {
            let (m, meta): (Message, _) = send_json(inner, &out).await?;
            Ok((Outcome::Json(Box::new(m)), meta))
        }
    }
}

async fn run(
    inner: &Arc<Inner>,
    mut req: MessageRequest,
    pin: &ProfilePin,
    mode: Mode,
) -> Result<(Outcome, Response<()>)> {
    req.stream = Some(matches!(mode, Mode::Stream));
    let (models, mut warnings) = candidate_models(inner, &req)?;
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut errors: Vec<Error> = Vec::new();
    let mut resolution_only = true;
    for model in &models {
        let mut tried: Vec<String> = Vec::new();
        let mut last_reason = FailureReason::Unknown;
        let pin = pin_for(inner, &model.provider, pin);
        loop {
            let resolved = match resolve_next(inner, &model.provider, pin, &tried).await {
                Ok(r) => r,
                Err(e) => {
                    if tried.is_empty()
                        || !matches!(e, Error::NoAvailableProfile { .. } | Error::NoApiKey { .. })
                    {
                        attempts.push(Attempt {
                            model: model.ref_string(),
                            profile_id: None,
                            message: e.to_string(),
                            reason: FailureReason::Auth,
                            status: None,
                        });
                        errors.push(e);
                        last_reason = FailureReason::Auth;
                    }
                    break;
                }
            };
            warnings.extend(resolved.warnings.iter().cloned());
            let built = build_messages_for(
                &inner.config,
                AuthHeader::new(resolved.kind, &resolved.secret),
                model.clone(),
                req.clone(),
                &BuildOptions {
                    cache_policy: inner.cache_policy,
                    stream: Some(matches!(mode, Mode::Stream)),
                    ..BuildOptions::default()
                },
                Vec::new(),
                Some(&inner.header_cache),
            )?;
            match exchange(inner, &built, &resolved, &mode).await {
                Ok((outcome, meta)) => {
                    if matches!(mode, Mode::Json) {
                        mark_used(inner, &model.provider, resolved.profile_id.as_deref());
                    }
                    warnings.extend(built.warnings.iter().cloned());
                    let resp = Response {
                        value: (),
                        meta,
                        profile_id: resolved.profile_id.clone(),
                        credential_source: source_label(&resolved),
                        credential_kind: resolved.kind,
                        model: built.model.clone().unwrap_or_else(|| model.clone()),
                        betas: sent_betas(&built),
                        cache_ttl: sent_cache_ttl(&built),
                        failed_attempts: attempts,
                        warnings,
                    };
                    return Ok((outcome, resp));
                }
                Err(e) => {
                    if is_caller_fault(&e) {
                        return Err(e);
                    }
                    resolution_only = false;
                    let reason = e.failure_reason().unwrap_or(FailureReason::Unknown);
                    last_reason = reason;
                    if let Some(pid) = &resolved.profile_id {
                        mark_failure(inner, pid, reason).await;
                    }
                    tracing::info!(model = %model, profile = resolved.profile_id.as_deref().unwrap_or("-"), %reason, "attempt failed");
                    attempts.push(Attempt {
                        model: model.ref_string(),
                        profile_id: resolved.profile_id.clone(),
                        message: e.to_string(),
                        reason,
                        status: e.status(),
                    });
                    errors.push(e);
                    match (&resolved.profile_id, pin) {
                        (_, ProfilePin::Only(_)) | (None, _) => break,
                        (Some(pid), _) => tried.push(pid.clone()),
                    }
                }
            }
        }
        if !last_reason.triggers_model_fallback() {
            break;
        }
    }
    if errors.len() == 1 || (resolution_only && !errors.is_empty()) {
        return Err(errors.swap_remove(0));
    }
    if errors.is_empty() {
        return Err(Error::InvalidArgument("no model to try".into()));
    }
    Err(Error::AllModelsFailed { attempts })
}

pub(crate) async fn send(
    inner: &Arc<Inner>,
    req: MessageRequest,
    pin: &ProfilePin,
) -> Result<Response<Message>> {
    // Boxed: the failover state machine is several kB, and callers move this future around
    // (into spawned tasks, `select!`s); a pointer moves cheaply.
    let (outcome, r) = Box::pin(run(inner, req, pin, Mode::Json)).await?;
    let Outcome::Json(m) = outcome else {
        unreachable!("JSON mode yields a message")
    };
    Ok(Response {
        value: *m,
        meta: r.meta,
        profile_id: r.profile_id,
        credential_source: r.credential_source,
        credential_kind: r.credential_kind,
        model: r.model,
        betas: r.betas,
        cache_ttl: r.cache_ttl,
        failed_attempts: r.failed_attempts,
        warnings: r.warnings,
    })
}

pub(crate) async fn stream(
    inner: &Arc<Inner>,
    req: MessageRequest,
    pin: &ProfilePin,
) -> Result<MessageStream> {
    let (outcome, r) = Box::pin(run(inner, req, pin, Mode::Stream)).await?;
    let Outcome::Stream(resp) = outcome else {
        unreachable!("stream mode yields a response")
    };
    Ok(MessageStream::new(inner.clone(), resp, r))
}

/// The credential for a one-off call (no failover): the first usable one.
async fn one_credential(inner: &Inner, model_ref: &str) -> Result<(ModelRef, ResolvedAuth)> {
    let model = if model_ref.trim().is_empty() {
        inner.config.default_model()
    } else {
        inner
            .config
            .resolve_model_ref(model_ref)
            .map(|(m, _)| m)
            .unwrap_or_else(|| inner.config.default_model())
    };
    let r = inner
        .auth
        .resolve_async(&model.provider, None, None)
        .await?;
    Ok((model, r))
}

pub(crate) async fn count_tokens(inner: &Arc<Inner>, req: MessageRequest) -> Result<u64> {
    let (_, r) = one_credential(inner, &req.model).await?;
    let built = build_count_tokens(
        &inner.config,
        AuthHeader::new(r.kind, &r.secret),
        req,
        &BuildOptions::default(),
    )?;
    let out = Outgoing {
        method: reqwest::Method::POST,
        url: &built.url,
        headers: &built.headers,
        body: Some(Bytes::from(built.body_bytes()?)),
        profile_id: r.profile_id.as_deref(),
        token_auth: r.kind.is_bearer(),
    };
    let (v, _): (CountTokensResponse, _) = send_json(inner, &out).await?;
    Ok(v.input_tokens)
}

pub(crate) async fn list_models(
    inner: &Arc<Inner>,
    after_id: Option<&str>,
    limit: Option<u32>,
) -> Result<ModelList> {
    let (model, r) = one_credential(inner, "").await?;
    let built = build_list_models(
        &inner.config,
        &model.provider,
        AuthHeader::new(r.kind, &r.secret),
        after_id,
        limit,
    )?;
    let out = Outgoing {
        method: reqwest::Method::GET,
        url: &built.url,
        headers: &built.headers,
        body: None,
        profile_id: r.profile_id.as_deref(),
        token_auth: r.kind.is_bearer(),
    };
    Ok(send_json(inner, &out).await?.0)
}
