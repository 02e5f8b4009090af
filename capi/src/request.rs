//! `claw_request_build`: dry-run rendering of a Messages request.

use super::boundary::{arg_opt_str, arg_ref, arg_str, check_out, guard, to_c_string, write_out};
use super::config::claw_config;
use super::error::{CLAW_ERR_INTERNAL, CLAW_ERR_INVALID_JSON, FfiError, claw_error, claw_result};
use claw::auth::AgentAuth;
use claw::config::Config;
use claw::error::{Error, Result};
use claw::paths::AgentId;
use claw::request::build::{AuthHeader, BuildOptions, build_messages};
use claw::request::messages::MessageRequest;
use std::ffi::c_char;
use std::sync::Arc;

/// Parses a Messages API body from C/Python (`model` may be an alias or ref, or omitted for the
/// configured default model; `max_tokens` may be omitted).
pub(crate) fn parse_request(text: &str) -> Result<MessageRequest, FfiError> {
    serde_json::from_str(text).map_err(|e| {
        FfiError::new(
            CLAW_ERR_INVALID_JSON,
            format!("request_json is not a valid Messages request: {e}"),
        )
    })
}

/// Resolves the credential the agent would use for the request's model and renders the request
/// as `{method, url, headers, body, warnings}` with secrets masked.
pub(crate) fn dry_run(
    config: &Arc<Config>,
    agent: AgentId,
    request: MessageRequest,
) -> Result<serde_json::Value> {
    let provider = match config.resolve_model_ref(&request.model) {
        Some((m, _)) => m.provider,
        // No model: the configured default model's (as a send would use).
        None if request.model.trim().is_empty() => config.default_model().provider,
        None => {
            return Err(Error::InvalidRequest {
                path: "model".into(),
                message: format!(
                    "{:?} is not a valid model ref; use provider/model or an alias",
                    request.model
                ),
            });
        }
    };
    let auth = AgentAuth::new(config.clone(), agent);
    let resolved = auth.resolve(&provider, None, None)?;
    let built = build_messages(
        config,
        AuthHeader::new(resolved.kind, &resolved.secret),
        request,
        &BuildOptions::default(),
    )?;
    let mut dry = built.dry_run();
    let mut warnings = resolved.warnings;
    warnings.extend(built.warnings);
    if let Some(obj) = dry.as_object_mut() {
        obj.insert("warnings".into(), warnings.into());
    }
    Ok(dry)
}

/// Builds the HTTP request a send would make, without sending it (a dry run).
///
/// `request_json` is a Messages API body where `model` may be an alias or `provider/model` ref
/// (or omitted: the configured default model) and `max_tokens` may be omitted (the model's `params.maxTokens`, else a per-model default).
/// The credential is resolved for `agent_id` (NULL = the default agent) exactly as a send would,
/// then the request is rendered as JSON
/// `{"method", "url", "headers", "body", "warnings"}` with the credential masked
/// (`first8...last8`); the prompt-cache TTL, beta flags and params are applied.
///
/// On success `*out_http_json` receives a string to free with `claw_string_free`.
/// Errors: `CLAW_ERR_INVALID_JSON`, `CLAW_ERR_INVALID_REQUEST` (names the JSON path),
/// `CLAW_ERR_NO_CREDENTIALS`, `CLAW_ERR_ALL_PROFILES_UNAVAILABLE`, … Thread-safe.
///
/// # Safety
/// `cfg` is a live config; string arguments are NULL (where allowed) or NUL-terminated;
/// `out_http_json` is valid for writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_request_build(
    cfg: *const claw_config,
    agent_id: *const c_char,
    request_json: *const c_char,
    out_http_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let cfg = arg_ref(cfg, "cfg")?;
            let agent = cfg.agent(arg_opt_str(agent_id, "agent_id")?)?;
            let request = parse_request(arg_str(request_json, "request_json")?)?;
            check_out(out_http_json, "out_http_json")?;
            let dry = dry_run(&cfg.inner, agent, request)?;
            let text = serde_json::to_string(&dry)
                .map_err(|e| FfiError::new(CLAW_ERR_INTERNAL, format!("dry run: {e}")))?;
            write_out(out_http_json, to_c_string(text)?);
            Ok(())
        })
    }
}
