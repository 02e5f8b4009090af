//! `claw_status_json`: the `models status --json` report.

use super::boundary::{arg_opt_str, arg_ref, check_out, guard, to_c_string, write_out};
use super::config::claw_config;
use super::error::{CLAW_ERR_INTERNAL, FfiError, claw_error, claw_result};
use claw::paths::AgentId;
use claw::status::StatusReport;
use std::ffi::c_char;

/// The `models status --json` report for `agent_id` (NULL = the config's default agent): the
/// same JSON shape as `clawdbot models status --json` (plus this crate's own fields `agentId`,
/// `active`, `warnings`). Read-only: never writes the auth store. Secrets appear masked.
///
/// On success `*out_json` receives a string to free with `claw_string_free`.
/// Errors: `CLAW_ERR_INVALID_ARGUMENT` (bad agent id), `CLAW_ERR_STORE_CORRUPT`, `CLAW_ERR_IO`, …
/// Thread-safe.
///
/// # Safety
/// `cfg` is a live config; `agent_id` is NULL or a NUL-terminated string; `out_json` is valid for
/// writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_status_json(
    cfg: *const claw_config,
    agent_id: *const c_char,
    out_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let cfg = arg_ref(cfg, "cfg")?;
            let agent = arg_opt_str(agent_id, "agent_id")?
                .map(AgentId::parse)
                .transpose()?;
            check_out(out_json, "out_json")?;
            let report = StatusReport::build(&cfg.inner, agent.as_ref())?;
            let json = serde_json::to_string(&report)
                .map_err(|e| FfiError::new(CLAW_ERR_INTERNAL, format!("status report: {e}")))?;
            write_out(out_json, to_c_string(json)?);
            Ok(())
        })
    }
}
