//! Failover ([failover](crate::compatibility#failover)): rotate auth profiles on classified
//! failures, then fall back to other
//! models; every success and failure is recorded in the auth store
//! ([cooldowns](crate::compatibility#cooldowns)).

use super::attempts::AttemptLog;
use super::http::{Outgoing, Reply, send_json, send_message, send_with_retries};
use super::message_stream::MessageStream;
use super::{Inner, ProfilePin, RequestFailure, Response, trace};
use crate::auth::resolve::{CredentialSource, ResolvedAuth};
use crate::auth::usage::counts_against_profile;
use crate::config::ModelRef;
use crate::config::model_ref::normalize_provider;
use crate::error::{Attempt, Error, FailureReason, Result};
use crate::request::build::{
    AuthHeader, BuildOptions, BuiltRequest, Prepared, betas_of, build_count_tokens,
    build_list_models, prepare_messages,
};
use crate::request::messages::{CountTokensResponse, Message, MessageRequest, ModelList};
use bytes::Bytes;
use std::future::Future;
use std::sync::Arc;
use tracing::Instrument;

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

/// The models to try for one `model` value: the requested one, then the configured fallbacks
/// (deduplicated), and the warnings of resolving it.
pub(crate) struct ModelPlan {
    raw: String,
    models: Arc<[ModelRef]>,
    warnings: Vec<String>,
}

/// [`ModelPlan`] of `req.model`: the last one again when the request names the same model
/// (the usual case: a client talks to one model).
fn candidate_models(inner: &Inner, req: &MessageRequest) -> Result<(Arc<[ModelRef]>, Vec<String>)> {
    {
        let last = inner.last_models.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = last.as_ref().filter(|p| p.raw == req.model) {
            return Ok((p.models.clone(), p.warnings.clone()));
        }
    }
    let mut warnings = Vec::new();
    let primary =
        if req.model.trim().is_empty() {
            inner.config.default_model()
        } else {
            let (r, w) = inner.config.resolve_model_ref(&req.model).ok_or_else(|| {
                Error::InvalidRequest {
                    path: "model".into(),
                    message: format!(
                        "{:?} is not a valid model ref; use provider/model or an alias",
                        req.model
                    ),
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
    let models: Arc<[ModelRef]> = models.into();
    *inner.last_models.lock().unwrap_or_else(|e| e.into_inner()) = Some(ModelPlan {
        raw: req.model.clone(),
        models: models.clone(),
        warnings: warnings.clone(),
    });
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

/// A user pin ([`ProfilePin::Only`]) that cannot serve the requested model is the caller's
/// error, before anything is sent: an empty id, or a profile of another provider. Using another
/// profile instead would charge an account the caller did not choose.
fn check_user_pin(inner: &Inner, provider: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::InvalidArgument(
            "the pinned auth profile id is empty: name a profile (see `models status`) or do not pin one".into(),
        ));
    }
    let store = inner.auth.load_store_shared()?;
    if let Some(p) = store.profiles.get(id.trim())
        && normalize_provider(p.credential.provider()) != normalize_provider(provider)
    {
        return Err(Error::InvalidArgument(format!(
            "auth profile \"{}\" belongs to provider \"{}\", not \"{provider}\" (the provider of the requested model); pin a profile of provider \"{provider}\"",
            id.trim(),
            p.credential.provider()
        )));
    }
    Ok(())
}

async fn resolve_next(
    inner: &Inner,
    provider: &str,
    pin: &ProfilePin,
    tried: &[String],
) -> Result<Arc<ResolvedAuth>> {
    let auth = &inner.auth;
    match pin {
        ProfilePin::Only(id) => auth
            .resolve_async(provider, Some(id), None)
            .await
            .map(Arc::new),
        ProfilePin::Prefer(id) if tried.is_empty() => {
            inner.usage.resolve_first(auth, provider, Some(id)).await
        }
        _ if tried.is_empty() => inner.usage.resolve_first(auth, provider, None).await,
        _ => auth
            .resolve_excluding_async(provider, tried)
            .await
            .map(Arc::new),
    }
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
    inner
        .usage
        .share_failure(&inner.auth, profile, reason)
        .await;
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
    prepared: &Prepared,
    r: &ResolvedAuth,
    mode: &Mode,
    log: &mut AttemptLog,
) -> Result<(Outcome, super::ResponseMeta)> {
    let out = Outgoing {
        method: reqwest::Method::POST,
        url: &prepared.head.url,
        headers: &prepared.head.headers,
        body: Some(prepared.body.clone()),
        profile_id: r.profile_id.as_deref(),
        token_auth: r.kind.is_bearer(),
    };
    match mode {
        Mode::Stream => match send_with_retries(inner, &out, false, log).await? {
            (Reply::Streaming(resp), meta) => Ok((Outcome::Stream(resp), meta)),
            (Reply::Body(_), _) => unreachable!("streams are not read here"),
        },
        Mode::Json => {
            let (m, meta) = send_message(inner, &out, log).await?;
            Ok((Outcome::Json(Box::new(m)), meta))
        }
    }
}

/// The failover loop with its attempts record: on failure the error comes with every attempt.
#[allow(clippy::manual_async_fn)]
fn run<'a>(
    inner: &'a Arc<Inner>,
    mut req: MessageRequest,
    pin: &'a ProfilePin,
    mode: Mode,
) -> impl Future<Output = std::result::Result<(Outcome, Response<()>), RequestFailure>> + Send + 'a
{
    async move {
        let mut log = AttemptLog::new("chat");
        let result = fail_over(inner, &mut req, pin, mode, &mut log).await;
        result.map_err(|error| RequestFailure {
            error,
            attempts: log.into_vec(),
        })
    }
}

/// The failover loop. It borrows the request from [`run`], whose state holds it once (taken
/// by value, it would be stored in both futures' states).
#[allow(clippy::manual_async_fn)]
fn fail_over<'a>(
    inner: &'a Arc<Inner>,
    req: &'a mut MessageRequest,
    pin: &'a ProfilePin,
    mode: Mode,
    log: &'a mut AttemptLog,
) -> impl Future<Output = Result<(Outcome, Response<()>)>> + Send + 'a {
    async move {
        req.stream = Some(matches!(mode, Mode::Stream));
        // Refused before a profile is chosen: no request, nothing recorded in the store.
        crate::request::check::check_messages(&req.messages)?;
        let (models, mut warnings) = candidate_models(inner, req)?;
        if let Some(primary) = models.first() {
            trace::record_request(&tracing::Span::current(), &inner.config, req, primary);
        }
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut errors: Vec<Error> = Vec::new();
        let mut resolution_only = true;
        if let (ProfilePin::Only(id), Some(primary)) = (pin, models.first()) {
            check_user_pin(inner, &primary.provider, id)?;
        }
        for (index, model) in models.iter().enumerate() {
            let mut tried: Vec<String> = Vec::new();
            let mut last_reason = FailureReason::Unknown;
            let pin = pin_for(inner, &model.provider, pin);
            loop {
                let resolved = match resolve_next(inner, &model.provider, pin, &tried).await {
                    Ok(r) => r,
                    Err(e) => {
                        if tried.is_empty()
                            || !matches!(
                                e,
                                Error::NoAvailableProfile { .. } | Error::NoApiKey { .. }
                            )
                        {
                            attempts.push(log.unresolved(model, &e));
                            errors.push(e);
                            last_reason = FailureReason::Auth;
                        }
                        break;
                    }
                };
                warnings.extend(resolved.warnings.iter().cloned());
                let prepared = prepare_messages(
                    &inner.config,
                    AuthHeader::new(resolved.kind, &resolved.secret),
                    model,
                    req,
                    &BuildOptions {
                        cache_policy: inner.cache_policy,
                        stream: Some(matches!(mode, Mode::Stream)),
                        ..BuildOptions::default()
                    },
                    Some(&inner.header_cache),
                )?;
                log.target(&models, index, &resolved);
                match exchange(inner, &prepared, &resolved, &mode, log).await {
                    Ok((outcome, meta)) => {
                        if let Some(pid) = &resolved.profile_id {
                            inner
                                .usage
                                .observe_headroom(pid, &meta, inner.auth.now_ms());
                        }
                        if matches!(mode, Mode::Json) {
                            mark_used(inner, &model.provider, resolved.profile_id.as_deref());
                        }
                        let Prepared {
                            model: sent_model,
                            cache_ttl,
                            head,
                            warnings: built_warnings,
                            ..
                        } = prepared;
                        let betas = head.betas.clone();
                        warnings.extend(built_warnings);
                        let attempts_made = log.take();
                        trace::record_served(
                            &tracing::Span::current(),
                            resolved.profile_id.as_deref(),
                            &sent_model,
                            cache_ttl.as_deref(),
                            attempts_made.len(),
                        );
                        let resp = Response {
                            value: (),
                            meta,
                            profile_id: resolved.profile_id.clone(),
                            credential_source: source_label(&resolved),
                            credential_kind: resolved.kind,
                            model: sent_model,
                            betas,
                            cache_ttl,
                            failed_attempts: attempts,
                            attempts: attempts_made,
                            cost: None,
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
                            if let Some(meta) = e.response_meta() {
                                inner.usage.observe_headroom(pid, meta, inner.auth.now_ms());
                            }
                            mark_failure(inner, pid, reason).await;
                        }
                        tracing::info!(model = %model, profile = resolved.profile_id.as_deref().unwrap_or("-"), %reason, "attempt failed");
                        let mut failed = log.last().cloned().unwrap_or_else(|| {
                            Attempt::failed(
                                model.ref_string(),
                                resolved.profile_id.clone(),
                                &e,
                                std::time::Duration::ZERO,
                            )
                        });
                        failed.reason = Some(reason);
                        failed.message = Some(e.to_string());
                        attempts.push(failed);
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
}

/// The response of a non-streaming request. The failover state machine is boxed at once (it
/// is several kB, and callers move this future around: into spawned tasks, `select!`s); the
/// returned future holds only that box.
pub(crate) fn send<'a>(
    inner: &'a Arc<Inner>,
    req: MessageRequest,
    pin: &'a ProfilePin,
) -> impl Future<Output = std::result::Result<Response<Message>, RequestFailure>> + Send + 'a {
    let span = trace::request_span(&req, false);
    let run = Box::pin(run(inner, req, pin, Mode::Json).instrument(span.clone()));
    async move {
        let (outcome, r) = run
            .await
            .inspect_err(|f| trace::record_error(&span, &f.error))?;
        let Outcome::Json(m) = outcome else {
            unreachable!("JSON mode yields a message")
        };
        let cost = inner.config.cost_of(&r.model, &m.usage);
        trace::record_response(&span, &m, cost.as_ref());
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
            attempts: r.attempts,
            cost,
            warnings: r.warnings,
        })
    }
}

/// A started stream (see [`send`] for the boxing).
pub(crate) fn stream<'a>(
    inner: &'a Arc<Inner>,
    req: MessageRequest,
    pin: &'a ProfilePin,
) -> impl Future<Output = std::result::Result<MessageStream, RequestFailure>> + Send + 'a {
    let span = trace::request_span(&req, true);
    let run = Box::pin(run(inner, req, pin, Mode::Stream).instrument(span.clone()));
    async move {
        let (outcome, r) = run
            .await
            .inspect_err(|f| trace::record_error(&span, &f.error))?;
        let Outcome::Stream(resp) = outcome else {
            unreachable!("stream mode yields a response")
        };
        Ok(MessageStream::new(inner.clone(), resp, r, span))
    }
}

/// The model of a one-off call: `model_ref` resolved, else the default model.
fn one_off_model(inner: &Inner, model_ref: &str) -> ModelRef {
    if model_ref.trim().is_empty() {
        return inner.config.default_model();
    }
    inner
        .config
        .resolve_model_ref(model_ref)
        .map(|(m, _)| m)
        .unwrap_or_else(|| inner.config.default_model())
}

/// A one-off call (no failover) for `model`: the first usable credential of its provider, the
/// request `build` makes with it, sent with the client's retry policy and its body decoded as
/// `T`. On failure the error comes with every attempt; a credential that could not be resolved
/// is recorded as one, as in the failover loop.
async fn one_off<T, B>(
    inner: &Arc<Inner>,
    operation: &'static str,
    model: ModelRef,
    build: impl FnOnce(AuthHeader<'_>) -> Result<BuiltRequest<B>>,
) -> std::result::Result<Response<T>, RequestFailure>
where
    T: serde::de::DeserializeOwned,
    B: serde::Serialize,
{
    let mut log = AttemptLog::new(operation);
    let result = async {
        let r = match inner
            .usage
            .resolve_first(&inner.auth, &model.provider, None)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                log.unresolved(&model, &e);
                return Err(e);
            }
        };
        let built = build(AuthHeader::new(r.kind, &r.secret))?;
        let body = if built.method == reqwest::Method::GET {
            None
        } else {
            Some(Bytes::from(built.body_bytes()?))
        };
        let out = Outgoing {
            method: built.method.clone(),
            url: &built.url,
            headers: &built.headers,
            body,
            profile_id: r.profile_id.as_deref(),
            token_auth: r.kind.is_bearer(),
        };
        let target: Arc<[ModelRef]> = Arc::new([model.clone()]);
        log.target(&target, 0, &r);
        let (value, meta) = send_json(inner, &out, &mut log).await?;
        let betas = betas_of(&built.headers);
        let mut warnings = r.warnings.clone();
        warnings.extend(built.warnings);
        Ok(Response {
            value,
            meta,
            profile_id: r.profile_id.clone(),
            credential_source: source_label(&r),
            credential_kind: r.kind,
            model,
            betas,
            cache_ttl: None,
            failed_attempts: Vec::new(),
            attempts: log.take(),
            cost: None,
            warnings,
        })
    }
    .await;
    result.map_err(|error| RequestFailure {
        error,
        attempts: log.into_vec(),
    })
}

pub(crate) async fn count_tokens(
    inner: &Arc<Inner>,
    req: MessageRequest,
) -> std::result::Result<Response<u64>, RequestFailure> {
    let model = one_off_model(inner, &req.model);
    let r = one_off(inner, "count_tokens", model, |auth| {
        build_count_tokens(&inner.config, auth, req, &BuildOptions::default())
    })
    .await?;
    Ok(r.map(|v: CountTokensResponse| v.input_tokens))
}

pub(crate) async fn list_models(
    inner: &Arc<Inner>,
    after_id: Option<&str>,
    limit: Option<u32>,
) -> std::result::Result<Response<ModelList>, RequestFailure> {
    let model = one_off_model(inner, "");
    let provider = model.provider.clone();
    one_off(inner, "list_models", model, |auth| {
        build_list_models(&inner.config, &provider, auth, after_id, limit)
    })
    .await
}
