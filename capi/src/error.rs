//! Result codes and the `claw_error` object.
//!
//! Codes are grouped by area in blocks of 100 starting at 1000 and are **never renumbered**; new
//! codes are only ever appended to a block. C callers compare against the `CLAW_ERR_*` macros;
//! `claw_error_code(err)` always equals the `claw_result` the call returned.

use claw::client::RequestFailure;
use claw::error::{Attempt, Error, ErrorCategory};
use std::ffi::{CString, c_char};
use std::ptr;

/// The result of a fallible call: `CLAW_OK` (0) on success, else one of the `CLAW_ERR_*` codes.
pub type claw_result = u32;

/// Success.
pub const CLAW_OK: claw_result = 0;

// --- 1000: arguments ---------------------------------------------------------------------------
/// A required pointer argument was NULL.
pub const CLAW_ERR_NULL_ARGUMENT: claw_result = 1000;
/// A string argument was not valid UTF-8.
pub const CLAW_ERR_INVALID_UTF8: claw_result = 1001;
/// A JSON argument could not be parsed or has the wrong shape.
pub const CLAW_ERR_INVALID_JSON: claw_result = 1002;
/// An argument has an invalid value (agent id, profile id, header value, …).
pub const CLAW_ERR_INVALID_ARGUMENT: claw_result = 1003;
/// A Messages request failed a check before sending (the message names the JSON path).
pub const CLAW_ERR_INVALID_REQUEST: claw_result = 1004;
/// A pasted setup-token is not valid (`Required`, `Expected token starting with sk-ant-oat01-`, …).
pub const CLAW_ERR_INVALID_SETUP_TOKEN: claw_result = 1005;

// --- 1100: configuration and files ------------------------------------------------------------
/// The configuration could not be read, parsed or validated (the message lists every problem).
pub const CLAW_ERR_CONFIG: claw_result = 1100;
/// A file could not be read or written.
pub const CLAW_ERR_IO: claw_result = 1101;

// --- 1200: credentials and the auth store ------------------------------------------------------
/// No API key found for the provider (no profile, no environment variable, no config key).
pub const CLAW_ERR_NO_CREDENTIALS: claw_result = 1200;
/// An explicitly requested auth profile does not exist or has no secret.
pub const CLAW_ERR_NO_PROFILE_CREDENTIALS: claw_result = 1201;
/// Every auth profile of the provider is in cooldown or disabled.
pub const CLAW_ERR_ALL_PROFILES_UNAVAILABLE: claw_result = 1202;
/// Refreshing an OAuth profile failed.
pub const CLAW_ERR_OAUTH_REFRESH: claw_result = 1203;
/// The auth store file is not valid; it was left untouched.
pub const CLAW_ERR_STORE_CORRUPT: claw_result = 1204;
/// The auth store lock could not be taken.
pub const CLAW_ERR_STORE_LOCK: claw_result = 1205;

// --- 1300: answers from the API ----------------------------------------------------------------
/// The API rejected the key or token (HTTP 401/403) on every profile tried.
pub const CLAW_ERR_AUTH_REJECTED: claw_result = 1300;
/// Rate limited or overloaded (HTTP 429/529) after retries and failover.
pub const CLAW_ERR_RATE_LIMITED: claw_result = 1301;
/// A billing problem (HTTP 402, credit balance too low).
pub const CLAW_ERR_BILLING: claw_result = 1302;
/// Any other error status from the API (e.g. 400 `invalid_request_error`).
pub const CLAW_ERR_API: claw_result = 1303;
/// Every model and profile failed for a reason not covered by a more specific code.
pub const CLAW_ERR_ALL_MODELS_FAILED: claw_result = 1304;

// --- 1400: transport ---------------------------------------------------------------------------
/// Could not connect, the connection broke, or the response was malformed.
pub const CLAW_ERR_NETWORK: claw_result = 1400;
/// A connect, request or stream-idle timeout.
pub const CLAW_ERR_TIMEOUT: claw_result = 1401;
/// A stream failed after it had started (streams are never retried once started).
pub const CLAW_ERR_STREAM: claw_result = 1402;

// --- 1500: control and the boundary itself -----------------------------------------------------
/// The call was cancelled through a `claw_cancel` handle.
pub const CLAW_ERR_CANCELLED: claw_result = 1500;
/// The stream callback returned non-zero; the stream was stopped.
pub const CLAW_ERR_STOPPED_BY_CALLBACK: claw_result = 1501;
/// The object was created in another process: a `claw_client` used in the child after `fork()`.
/// Create a new client in the child.
pub const CLAW_ERR_USED_AFTER_FORK: claw_result = 1502;
/// A panic (a bug in this library) was caught at the boundary; the message has its text.
pub const CLAW_ERR_PANIC: claw_result = 1503;
/// The function is not available in this build (e.g. the mock server without feature `mock`).
pub const CLAW_ERR_NOT_SUPPORTED: claw_result = 1504;
/// An internal error not covered by another code.
pub const CLAW_ERR_INTERNAL: claw_result = 1505;

/// An error returned through a `claw_error **err` out-argument: a code, a message, the HTTP
/// details of the last answer and, for a failed request, its attempts.
///
/// Owned by the caller, who frees it with `claw_error_free`. Immutable; may be read from any thread.
/// The message never contains a secret.
pub struct claw_error {
    pub(crate) code: claw_result,
    pub(crate) message: CString,
    pub(crate) http_status: u16,
    pub(crate) request_id: Option<CString>,
    /// The attempts as a JSON array (`[]` when none were made).
    pub(crate) attempts: CString,
}

/// An error on its way to C: the code, the message and optional HTTP details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FfiError {
    /// The `CLAW_ERR_*` code.
    pub code: claw_result,
    /// A human-readable message (never a secret).
    pub message: String,
    /// HTTP status, when the error came from a response.
    pub http_status: u16,
    /// `request-id` of that response.
    pub request_id: Option<String>,
    /// The attempts of the failed request, in order (empty when it made none, or when the
    /// error did not come from a request).
    pub attempts: Vec<Attempt>,
}

impl FfiError {
    /// An error with a code and a message.
    pub fn new(code: claw_result, message: impl Into<String>) -> Self {
        FfiError {
            code,
            message: message.into(),
            http_status: 0,
            request_id: None,
            attempts: Vec::new(),
        }
    }

    /// A NULL required argument.
    pub fn null(name: &str) -> Self {
        FfiError::new(
            CLAW_ERR_NULL_ARGUMENT,
            format!("argument `{name}` must not be NULL"),
        )
    }

    pub(crate) fn into_raw(self) -> *mut claw_error {
        let message = CString::new(self.message.replace('\0', "\\0")).unwrap_or_default();
        let request_id = self
            .request_id
            .and_then(|r| CString::new(r.replace('\0', "")).ok());
        // serde_json escapes NUL, so the text has none; "[]" is a fallback never expected.
        let attempts = serde_json::to_string(&attempts_json(&self.attempts))
            .ok()
            .and_then(|j| CString::new(j).ok())
            .unwrap_or_else(|| c"[]".to_owned());
        Box::into_raw(Box::new(claw_error {
            code: self.code,
            message,
            http_status: self.http_status,
            request_id,
            attempts,
        }))
    }
}

/// The attempts of a request in the C API's JSON shape (`[{"profileId", "model", "status",
/// "transport", "reason", "retryDelayMs", "requestId", "durationMs", "message"}, …]`): what a
/// success's `"attempts"` and `claw_error_attempts_json` hold.
pub(crate) fn attempts_json(attempts: &[Attempt]) -> Vec<serde_json::Value> {
    attempts.iter().map(Attempt::to_json).collect()
}

/// The `CLAW_ERR_*` code for a crate [`Error`], by its [`ErrorCategory`].
///
/// Exhaustive on purpose (no wildcard arm): `ErrorCategory` is not `#[non_exhaustive]`, and
/// `Error::category` matches every `Error` variant, so a new error variant or category does not
/// compile until it has a code here.
pub fn code_for(e: &Error) -> claw_result {
    match e.category() {
        ErrorCategory::Config => CLAW_ERR_CONFIG,
        ErrorCategory::Io => CLAW_ERR_IO,
        ErrorCategory::NoApiKey => CLAW_ERR_NO_CREDENTIALS,
        ErrorCategory::NoCredentialsForProfile => CLAW_ERR_NO_PROFILE_CREDENTIALS,
        ErrorCategory::NoAvailableProfile => CLAW_ERR_ALL_PROFILES_UNAVAILABLE,
        ErrorCategory::OAuthRefresh => CLAW_ERR_OAUTH_REFRESH,
        ErrorCategory::StoreCorrupt => CLAW_ERR_STORE_CORRUPT,
        ErrorCategory::Lock => CLAW_ERR_STORE_LOCK,
        ErrorCategory::InvalidSetupToken => CLAW_ERR_INVALID_SETUP_TOKEN,
        ErrorCategory::InvalidArgument => CLAW_ERR_INVALID_ARGUMENT,
        ErrorCategory::InvalidRequest => CLAW_ERR_INVALID_REQUEST,
        ErrorCategory::AuthRejected => CLAW_ERR_AUTH_REJECTED,
        ErrorCategory::RateLimited => CLAW_ERR_RATE_LIMITED,
        ErrorCategory::Billing => CLAW_ERR_BILLING,
        ErrorCategory::Timeout => CLAW_ERR_TIMEOUT,
        ErrorCategory::Api => CLAW_ERR_API,
        ErrorCategory::Network => CLAW_ERR_NETWORK,
        ErrorCategory::Stream => CLAW_ERR_STREAM,
        ErrorCategory::AllModelsFailed => CLAW_ERR_ALL_MODELS_FAILED,
        ErrorCategory::Cancelled => CLAW_ERR_CANCELLED,
        ErrorCategory::Internal => CLAW_ERR_INTERNAL,
    }
}

impl From<Error> for FfiError {
    /// The HTTP details are those of the last answer: for [`Error::AllModelsFailed`], the last
    /// attempt's status and `request-id`.
    fn from(e: Error) -> Self {
        FfiError {
            code: code_for(&e),
            http_status: e.last_status().unwrap_or(0),
            request_id: e.last_request_id().map(str::to_owned),
            message: e.to_string(),
            attempts: Vec::new(),
        }
    }
}

impl From<RequestFailure> for FfiError {
    fn from(f: RequestFailure) -> Self {
        FfiError {
            attempts: f.attempts,
            ..FfiError::from(f.error)
        }
    }
}

/// The error's code (equal to the `claw_result` the failing call returned); 0 for NULL.
///
/// # Safety
/// `err` is NULL or a live `claw_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_error_code(err: *const claw_error) -> u32 {
    // SAFETY: the caller passes NULL or a live error.
    match unsafe { err.as_ref() } {
        Some(e) => e.code,
        None => CLAW_OK,
    }
}

/// The error's message, a NUL-terminated UTF-8 string owned by `err`: valid until
/// `claw_error_free(err)`; do not free it. NULL for a NULL `err`.
///
/// # Safety
/// `err` is NULL or a live `claw_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_error_message(err: *const claw_error) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    match unsafe { err.as_ref() } {
        Some(e) => e.message.as_ptr(),
        None => ptr::null(),
    }
}

/// The HTTP status of the response the error came from (for a request that failed on several
/// profiles or models, the last answer's), or 0 when there was none.
///
/// # Safety
/// `err` is NULL or a live `claw_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_error_http_status(err: *const claw_error) -> u16 {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { err.as_ref() }.map_or(0, |e| e.http_status)
}

/// The `request-id` of the response the error came from (for a request that failed on several
/// profiles or models, the last answer's; owned by `err`, valid until `claw_error_free`), or
/// NULL when there was none.
///
/// # Safety
/// `err` is NULL or a live `claw_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_error_request_id(err: *const claw_error) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    unsafe { err.as_ref() }
        .and_then(|e| e.request_id.as_ref())
        .map_or(ptr::null(), |r| r.as_ptr())
}

/// The attempts of the failed request, a JSON array owned by `err` (valid until
/// `claw_error_free(err)`; do not free it): every try in order, SDK-rule retries included, in
/// the shape of a successful response's `"attempts"` (`[{"profileId", "model", "status",
/// "transport", "reason", "retryDelayMs", "requestId", "durationMs", "message"}, …]`, absent
/// values null; see `claw_client_send_response`). Three 429s on one profile and a 401 on the
/// next are four entries, the last one the 401. A credential that could not be resolved is an
/// entry with `"reason": "auth"` and no status.
///
/// `"[]"` when the request failed before any try (an invalid request or argument), for a call
/// cancelled before a response started (the tries cut short are not kept) and for errors of
/// calls that send no request. For a stream that failed after it opened (`CLAW_ERR_STREAM`, a
/// classified error event, `CLAW_ERR_STOPPED_BY_CALLBACK`, `CLAW_ERR_CANCELLED`), the attempts
/// until it opened, the last one being the stream's own. NULL for a NULL `err`.
///
/// # Safety
/// `err` is NULL or a live `claw_error` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_error_attempts_json(err: *const claw_error) -> *const c_char {
    // SAFETY: the caller passes NULL or a live error.
    match unsafe { err.as_ref() } {
        Some(e) => e.attempts.as_ptr(),
        None => ptr::null(),
    }
}

/// Frees an error. `claw_error_free(NULL)` does nothing.
///
/// # Safety
/// `err` is NULL or a `claw_error` from this library that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_error_free(err: *mut claw_error) {
    if !err.is_null() {
        // SAFETY: the caller hands back ownership of an error made by `Box::into_raw`.
        let _ = std::panic::catch_unwind(|| drop(unsafe { Box::from_raw(err) }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use claw::error::{ApiError, TransportKind};

    fn api(status: u16, ty: Option<&str>, msg: &str) -> Error {
        Error::Api(Box::new(ApiError {
            status,
            error_type: ty.map(str::to_owned),
            message: msg.to_owned(),
            meta: Default::default(),
            profile_id: None,
            token_auth: false,
        }))
    }

    #[test]
    fn codes_follow_predicates() {
        assert_eq!(code_for(&api(401, None, "x")), CLAW_ERR_AUTH_REJECTED);
        assert_eq!(code_for(&api(429, None, "x")), CLAW_ERR_RATE_LIMITED);
        assert_eq!(
            code_for(&api(529, Some("overloaded_error"), "x")),
            CLAW_ERR_RATE_LIMITED
        );
        assert_eq!(code_for(&api(402, None, "x")), CLAW_ERR_BILLING);
        assert_eq!(
            code_for(&api(400, Some("invalid_request_error"), "bad")),
            CLAW_ERR_API
        );
        let t = Error::Transport {
            kind: TransportKind::Timeout,
            message: "t".into(),
            meta: None,
        };
        assert_eq!(code_for(&t), CLAW_ERR_TIMEOUT);
        let c = Error::Transport {
            kind: TransportKind::Connect,
            message: "c".into(),
            meta: None,
        };
        assert_eq!(code_for(&c), CLAW_ERR_NETWORK);
        assert_eq!(code_for(&Error::Cancelled), CLAW_ERR_CANCELLED);
        let no_key = Error::NoApiKey {
            provider: "anthropic".into(),
            agent_id: "main".into(),
            store_path: "/x".into(),
            order_note: None,
        };
        assert_eq!(code_for(&no_key), CLAW_ERR_NO_CREDENTIALS);
        let internal = Error::Internal("the flush task panicked: boom".into());
        assert_eq!(code_for(&internal), CLAW_ERR_INTERNAL);
    }

    #[test]
    fn ffi_error_keeps_http_details() {
        let e = FfiError::from(api(401, None, "invalid x-api-key"));
        assert_eq!(e.http_status, 401);
        assert_eq!(e.code, CLAW_ERR_AUTH_REJECTED);
        assert!(e.message.contains("401"));
        let all = Error::AllModelsFailed {
            attempts: vec![claw::error::Attempt {
                model: "anthropic/claude-sonnet-4-5".into(),
                profile_id: Some("anthropic:b".into()),
                message: Some("HTTP 429".into()),
                reason: Some(claw::FailureReason::RateLimit),
                status: Some(429),
                transport: None,
                retry_delay: None,
                request_id: None,
                duration: std::time::Duration::from_millis(3),
            }],
        };
        let e = FfiError::from(all);
        assert_eq!((e.code, e.http_status), (CLAW_ERR_RATE_LIMITED, 429));
    }

    #[test]
    fn interior_nul_in_message_is_escaped() {
        let raw = FfiError::new(CLAW_ERR_INTERNAL, "a\0b").into_raw();
        // SAFETY: `raw` is a live error made just above; it is freed once.
        unsafe {
            let msg = std::ffi::CStr::from_ptr(claw_error_message(raw));
            assert_eq!(msg.to_str().unwrap(), "a\\0b");
            assert_eq!(claw_error_code(raw), CLAW_ERR_INTERNAL);
            claw_error_free(raw);
            claw_error_free(ptr::null_mut());
        }
    }
}
