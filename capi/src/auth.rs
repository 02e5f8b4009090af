//! Storing credentials: API keys and pasted setup-tokens.

use super::boundary::{arg_opt_str, arg_ref, arg_str, guard, to_c_string, write_out};
use super::config::claw_config;
use super::error::{claw_error, claw_result};
use claw::auth::AgentAuth;
use claw::auth::setup_token::{upsert_api_key_profile, upsert_token_profile, validate_setup_token};
use std::ffi::c_char;

/// Stores an Anthropic API key as an `api_key` profile in the agent's auth store (created with
/// mode 0600 if missing; written atomically under the store lock) and records
/// `auth.profiles.<id> = {provider: "anthropic", mode: "api_key"}` in the config file.
///
/// `agent_id`: NULL = the config's default agent. `profile_id`: NULL = `"anthropic:default"`.
/// An existing profile with that id is replaced.
/// On success `*out_profile_id` (if `out_profile_id` is not NULL) receives the profile id written,
/// to free with `claw_string_free`. The key never appears in an error message.
/// Thread-safe; several processes may write the same store at once.
///
/// # Safety
/// `cfg` is a live config; string arguments are NULL (where allowed) or NUL-terminated;
/// `out_profile_id` and `err` are NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_auth_set_api_key(
    cfg: *const claw_config,
    agent_id: *const c_char,
    key: *const c_char,
    profile_id: *const c_char,
    out_profile_id: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let cfg = arg_ref(cfg, "cfg")?;
            let agent = cfg.agent(arg_opt_str(agent_id, "agent_id")?)?;
            let key = arg_str(key, "key")?;
            let profile_id = arg_opt_str(profile_id, "profile_id")?;
            let auth = AgentAuth::new(cfg.inner.clone(), agent);
            let id = upsert_api_key_profile(&auth, key, profile_id)?;
            if !out_profile_id.is_null() {
                write_out(out_profile_id, to_c_string(id)?);
            }
            Ok(())
        })
    }
}

/// Stores a pasted token as a `token` profile of `provider` (as `models auth paste-token`) in the
/// agent's auth store and records `{provider, mode: "token"}` in the config file.
///
/// For `provider` `"anthropic"` the token must be a Claude setup-token: trimmed, starting with
/// `sk-ant-oat01-`, at least 80 characters; otherwise `CLAW_ERR_INVALID_SETUP_TOKEN` with the
/// reference's message (`Required`, `Expected token starting with sk-ant-oat01-`,
/// `Token looks too short; paste the full setup-token`). Other providers only need a non-blank token.
///
/// `agent_id`: NULL = the default agent. `profile_id`: NULL = `"<provider>:manual"`.
/// On success `*out_profile_id` (if not NULL) receives the id written (free with
/// `claw_string_free`). Thread-safe.
///
/// # Safety
/// `cfg` is a live config; string arguments are NULL (where allowed) or NUL-terminated;
/// `out_profile_id` and `err` are NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_auth_paste_token(
    cfg: *const claw_config,
    agent_id: *const c_char,
    provider: *const c_char,
    token: *const c_char,
    profile_id: *const c_char,
    out_profile_id: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let cfg = arg_ref(cfg, "cfg")?;
            let agent = cfg.agent(arg_opt_str(agent_id, "agent_id")?)?;
            let provider = arg_str(provider, "provider")?;
            let token = arg_str(token, "token")?;
            let profile_id = arg_opt_str(profile_id, "profile_id")?;
            let token = if provider.trim().eq_ignore_ascii_case("anthropic") {
                validate_setup_token(token)?
            } else {
                token.to_owned()
            };
            let auth = AgentAuth::new(cfg.inner.clone(), agent);
            let id = upsert_token_profile(&auth, provider, &token, profile_id, None)?;
            if !out_profile_id.is_null() {
                write_out(out_profile_id, to_c_string(id)?);
            }
            Ok(())
        })
    }
}
