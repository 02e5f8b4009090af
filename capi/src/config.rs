//! `claw_config`: a loaded, immutable configuration.

use super::boundary::{arg_opt_str, arg_ref, arg_str, check_out, guard, guard_value, write_out};
use super::error::{FfiError, claw_error, claw_result};
use claw::config::Config;
use claw::env::EnvView;
use claw::paths::{AgentId, Paths};
use std::ffi::c_char;
use std::sync::Arc;

/// A loaded configuration (`clawdbot.json` plus the environment view it was resolved with).
///
/// Immutable: it may be shared by any number of threads and clients at once. Created by
/// `claw_config_load*` / `claw_config_from_json5`, freed by `claw_config_free` once no call is
/// using it (clients keep their own reference, so a config may be freed while clients live).
pub struct claw_config {
    pub(crate) inner: Arc<Config>,
}

impl claw_config {
    /// The agent `agent_id` names, or the config's default agent for `None`.
    pub(crate) fn agent(&self, agent_id: Option<&str>) -> Result<AgentId, FfiError> {
        match agent_id {
            Some(a) => Ok(AgentId::parse(a)?),
            None => Ok(self.inner.default_agent_id()),
        }
    }
}

/// The body of a `claw_config_*` constructor: reads the arguments (`args`), checks `out`, loads
/// the config (`load`) and hands it to `*out`, every failure going to `err`.
///
/// # Safety
/// `out` is NULL or valid for writes; `err` is NULL or valid for writes.
unsafe fn new_config<A>(
    out: *mut *mut claw_config,
    err: *mut *mut claw_error,
    args: impl FnOnce() -> Result<A, FfiError>,
    load: impl FnOnce(A) -> claw::Result<Config>,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let args = args()?;
            check_out(out, "out")?;
            let raw = Box::into_raw(Box::new(claw_config {
                inner: Arc::new(load(args)?),
            }));
            write_out(out, raw);
            Ok(())
        })
    }
}

/// Loads a configuration file.
///
/// `path`: the `clawdbot.json` to read, or NULL for the default location (`$CLAWDBOT_CONFIG_PATH`,
/// else `$CLAWDBOT_STATE_DIR/clawdbot.json`, else `~/.clawdbot/clawdbot.json`). A missing file gives
/// an empty configuration. The state dir, agent dirs and the environment view (process environment
/// > `./.env` > `<state>/.env` > the config's `env` block) come from the process environment.
///
/// On success `*out` receives a new config (free it with `claw_config_free`).
/// Errors: `CLAW_ERR_CONFIG` (every problem, with file:line:column), `CLAW_ERR_IO`,
/// `CLAW_ERR_NULL_ARGUMENT`, `CLAW_ERR_INVALID_UTF8`.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is valid for writes; `err` is NULL or valid
/// for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_config_load(
    path: *const c_char,
    out: *mut *mut claw_config,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract.
    unsafe {
        new_config(
            out,
            err,
            || arg_opt_str(path, "path"),
            |path| match path {
                Some(p) => Config::load_from(p),
                None => Config::load(),
            },
        )
    }
}

/// Loads `<state_dir>/clawdbot.json` with `state_dir` as the state directory (agent dirs and auth
/// stores live under it unless the config says otherwise), ignoring `$CLAWDBOT_STATE_DIR`,
/// `$CLAWDBOT_CONFIG_PATH` and `$CLAWDBOT_AGENT_DIR`. The environment view is the process
/// environment > `./.env` > `<state_dir>/.env` > the config's `env` block.
///
/// On success `*out` receives a new config (free it with `claw_config_free`).
///
/// # Safety
/// `state_dir` is a NUL-terminated string; `out` is valid for writes; `err` is NULL or valid for
/// writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_config_load_state_dir(
    state_dir: *const c_char,
    out: *mut *mut claw_config,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract.
    unsafe {
        new_config(
            out,
            err,
            || arg_str(state_dir, "state_dir"),
            |dir| {
                let paths = Paths::with_state_dir(dir);
                let cwd = std::env::current_dir().ok();
                let env = EnvView::standard(cwd.as_deref(), &paths.state_dir);
                Config::load_with(paths, env)
            },
        )
    }
}

/// Parses configuration text (JSON5) without reading a file. Paths (state dir, agent dirs) come
/// from the process environment; the environment view is **only** the text's own `env` block
/// (the process environment is not consulted), which makes it deterministic for tests.
///
/// On success `*out` receives a new config (free it with `claw_config_free`).
/// Errors: `CLAW_ERR_CONFIG`, `CLAW_ERR_NULL_ARGUMENT`, `CLAW_ERR_INVALID_UTF8`.
///
/// # Safety
/// `text` is a NUL-terminated string; `out` is valid for writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_config_from_json5(
    text: *const c_char,
    out: *mut *mut claw_config,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract.
    unsafe { new_config(out, err, || arg_str(text, "text"), Config::from_json5) }
}

/// Like `claw_config_from_json5`, with `state_dir` as the state directory (agent dirs and auth
/// stores live under it) instead of the one from the process environment.
///
/// # Safety
/// `text` and `state_dir` are NUL-terminated strings; `out` is valid for writes; `err` is NULL or
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_config_from_json5_in(
    text: *const c_char,
    state_dir: *const c_char,
    out: *mut *mut claw_config,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract.
    unsafe {
        new_config(
            out,
            err,
            || Ok((arg_str(text, "text")?, arg_str(state_dir, "state_dir")?)),
            |(text, dir)| {
                Config::from_json5_with(text, Paths::with_state_dir(dir), EnvView::empty())
            },
        )
    }
}

/// The id of the agent used when `agent_id` is NULL (the first `agents.list` entry with
/// `default: true`, else the first entry, else `"main"`). On success `*out_agent_id` receives a
/// string to free with `claw_string_free`.
///
/// # Safety
/// `cfg` is a live config; `out_agent_id` is valid for writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_config_default_agent(
    cfg: *const claw_config,
    out_agent_id: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let cfg = arg_ref(cfg, "cfg")?;
            check_out(out_agent_id, "out_agent_id")?;
            let s = super::boundary::to_c_string(cfg.agent(None)?.to_string())?;
            write_out(out_agent_id, s);
            Ok(())
        })
    }
}

/// Frees a config. `claw_config_free(NULL)` does nothing. Clients created from it stay valid.
///
/// # Safety
/// `cfg` is NULL or a config from this library that has not been freed yet, and no other thread
/// is using it in a call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_config_free(cfg: *mut claw_config) {
    if !cfg.is_null() {
        // SAFETY: the caller hands back ownership of a `Box::into_raw` pointer.
        guard_value((), || drop(unsafe { Box::from_raw(cfg) }));
    }
}
