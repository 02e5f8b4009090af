//! `claw_mock_server`: the crate's Anthropic-compatible loopback server, for C and Python tests
//! (feature `mock`; without it every function returns `CLAW_ERR_NOT_SUPPORTED`).

use super::boundary::{arg_ref, check_out, guard, guard_value};
#[cfg(feature = "mock")]
use super::boundary::{arg_str, to_c_string, write_out};
#[cfg(not(feature = "mock"))]
use super::error::{CLAW_ERR_NOT_SUPPORTED, FfiError};
use super::error::{claw_error, claw_result};
use std::ffi::{CString, c_char};
use std::ptr;

/// A running mock server on `127.0.0.1` (random port) with its own background thread and runtime.
///
/// Answers `POST /v1/messages` (JSON or SSE), `count_tokens`, `GET /v1/models` and the OAuth
/// token endpoint realistically; replies and faults can be scripted with
/// `claw_mock_server_load_script`. Thread-safe. Stopped and freed by `claw_mock_server_free`.
pub struct claw_mock_server {
    #[cfg(feature = "mock")]
    server: claw::mock::MockServer,
    url: CString,
}

#[cfg(not(feature = "mock"))]
fn unsupported() -> FfiError {
    FfiError::new(
        CLAW_ERR_NOT_SUPPORTED,
        "the mock server is not built in: rebuild claw-anthropic with `--features mock`",
    )
}

/// Starts a mock server. On success `*out` receives it (free with `claw_mock_server_free`).
/// `CLAW_ERR_NOT_SUPPORTED` when the library was built without feature `mock`.
///
/// # Safety
/// `out` is valid for writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_mock_server_start(
    out: *mut *mut claw_mock_server,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            check_out(out, "out")?;
            #[cfg(feature = "mock")]
            {
                let server = claw::mock::MockServer::start_background()?;
                let url = CString::new(server.url()).unwrap_or_default();
                write_out(
                    out,
                    Box::into_raw(Box::new(claw_mock_server { server, url })),
                );
                Ok(())
            }
            #[cfg(not(feature = "mock"))]
            Err(unsupported())
        })
    }
}

/// The server's base URL (`http://127.0.0.1:PORT`), to use as `models.providers.anthropic.baseUrl`.
/// Owned by the server: valid until `claw_mock_server_free`. NULL for NULL.
///
/// # Safety
/// `server` is NULL or a live server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_mock_server_url(server: *const claw_mock_server) -> *const c_char {
    // SAFETY: the caller's contract.
    unsafe { server.as_ref() }.map_or(ptr::null(), |s| s.url.as_ptr())
}

/// Loads a JSON script: its `replies` are queued (FIFO, optionally per `path`), its `credentials`
/// rules answer every request made with a given secret. Format (see the Rust docs of
/// `claw_anthropic::mock::MockScript`):
/// `{"replies": [{"kind": "error", "status": 401, "error_type": "authentication_error",
/// "message": "invalid x-api-key"}, {"kind": "text", "text": "Hello!"}],
/// "credentials": [{"secret": "sk-ant-…", "reply": {…}}]}`.
/// Reply kinds: default, text, message, tool_use, error, huge_error, json, raw, sse, text_stream,
/// stream_error, truncated, stalled, reset; every reply also takes `path`, `status`, `headers`,
/// `delay_ms`, `drip`, `slow_headers`, `reset_after`, `close_after`, `stall_after`.
/// Errors: `CLAW_ERR_INVALID_ARGUMENT` (names the bad entry). Thread-safe.
///
/// # Safety
/// `server` is a live server; `script_json` is NUL-terminated; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_mock_server_load_script(
    server: *const claw_mock_server,
    script_json: *const c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let server = arg_ref(server, "server")?;
            #[cfg(feature = "mock")]
            {
                let text = arg_str(script_json, "script_json")?;
                let script = claw::mock::MockScript::from_json(text)?;
                server.server.load_script(script);
                Ok(())
            }
            #[cfg(not(feature = "mock"))]
            {
                let _ = (server, script_json);
                Err(unsupported())
            }
        })
    }
}

/// Every request the server received, as a JSON array of
/// `{"method", "path", "query", "headers": {name: value}, "body"}` (`body` is the parsed JSON, or
/// the text when not JSON). Credential headers (`x-api-key`, `authorization`) are masked
/// `first8...last8` like everywhere else. On success `*out_json` receives a string to free with
/// `claw_string_free`. Thread-safe.
///
/// # Safety
/// `server` is a live server; `out_json` is valid for writes; `err` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_mock_server_requests_json(
    server: *const claw_mock_server,
    out_json: *mut *mut c_char,
    err: *mut *mut claw_error,
) -> claw_result {
    // SAFETY: the caller's contract, checked where possible.
    unsafe {
        guard(err, || {
            let server = arg_ref(server, "server")?;
            check_out(out_json, "out_json")?;
            #[cfg(feature = "mock")]
            {
                let text = requests_json(&server.server);
                write_out(out_json, to_c_string(text)?);
                Ok(())
            }
            #[cfg(not(feature = "mock"))]
            {
                let _ = server;
                Err(unsupported())
            }
        })
    }
}

#[cfg(feature = "mock")]
fn requests_json(server: &claw::mock::MockServer) -> String {
    use serde_json::{Map, Value, json};
    let list: Vec<Value> = server
        .requests()
        .into_iter()
        .map(|r| {
            let mut headers = Map::new();
            for (name, value) in &r.headers {
                let shown = match name.as_str() {
                    "x-api-key" => claw::auth::mask(value),
                    "authorization" => match value.strip_prefix("Bearer ") {
                        Some(t) => format!("Bearer {}", claw::auth::mask(t)),
                        None => claw::auth::mask(value),
                    },
                    _ => value.clone(),
                };
                headers.insert(name.clone(), Value::String(shown));
            }
            let body = r
                .json
                .clone()
                .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&r.body).into_owned()));
            json!({
                "method": r.method,
                "path": r.path,
                "query": r.query,
                "headers": headers,
                "body": body,
            })
        })
        .collect();
    Value::Array(list).to_string()
}

/// Clears the queued replies, the credential rules and the recorded requests. NULL is ignored.
///
/// # Safety
/// `server` is NULL or a live server.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_mock_server_reset(server: *const claw_mock_server) {
    // SAFETY: the caller's contract.
    if let Some(_s) = unsafe { server.as_ref() } {
        #[cfg(feature = "mock")]
        guard_value((), || _s.server.reset());
    }
}

/// Stops the server (open connections are closed) and frees it. NULL does nothing.
///
/// # Safety
/// `server` is NULL or a live server that no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_mock_server_free(server: *mut claw_mock_server) {
    if !server.is_null() {
        // SAFETY: the caller hands back ownership of a `Box::into_raw` pointer.
        guard_value((), || drop(unsafe { Box::from_raw(server) }));
    }
}
