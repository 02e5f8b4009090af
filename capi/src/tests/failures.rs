//! A failed request's `claw_error` carries its attempts (`claw_error_attempts_json`), from every
//! request entry point: send, stream, count_tokens, list_models.

use super::hostile::{Env, env_with_key};
use crate::*;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr::{null, null_mut};

const REQUEST: &str =
    r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"ping"}]}"#;

/// Three 429s (each with `retry-after-ms: 1`) then a 401.
const THREE_429S_THEN_401: &str = r#"{"replies":[
    {"kind":"error","status":429,"error_type":"rate_limit_error","message":"rate limited","headers":{"retry-after-ms":"1"}},
    {"kind":"error","status":429,"error_type":"rate_limit_error","message":"rate limited","headers":{"retry-after-ms":"1"}},
    {"kind":"error","status":429,"error_type":"rate_limit_error","message":"rate limited","headers":{"retry-after-ms":"1"}},
    {"kind":"error","status":401,"error_type":"authentication_error","message":"invalid x-api-key"}
]}"#;

struct Setup {
    client: *mut claw_client,
    // Dropped after the client.
    env: Env,
}

impl Drop for Setup {
    fn drop(&mut self) {
        unsafe { claw_client_free(self.client) };
    }
}

/// The mock server and config of [`env_with_key`] with a second API key profile
/// (`anthropic:b`), and a client.
fn two_profiles() -> Setup {
    let env = env_with_key();
    let key = CString::new("sk-ant-api03-ffi-second-key-9876543210").unwrap();
    let id = CString::new("anthropic:b").unwrap();
    let mut client = null_mut();
    unsafe {
        let mut pid = null_mut();
        let rc = claw_auth_set_api_key(
            env.cfg,
            null(),
            key.as_ptr(),
            id.as_ptr(),
            &mut pid,
            null_mut(),
        );
        assert_eq!(rc, CLAW_OK);
        claw_string_free(pid);
        assert_eq!(
            claw_client_new(env.cfg, null(), &mut client, null_mut()),
            CLAW_OK
        );
    }
    Setup { client, env }
}

fn script(env: &Env, json: &str) {
    let s = CString::new(json).unwrap();
    let rc = unsafe { claw_mock_server_load_script(env.server, s.as_ptr(), null_mut()) };
    assert_eq!(rc, CLAW_OK);
}

/// The error's code and attempts (parsed), freeing the error.
fn take_attempts(err: *mut claw_error) -> (u32, Vec<serde_json::Value>) {
    assert!(!err.is_null(), "an error object was expected");
    unsafe {
        let code = claw_error_code(err);
        let text = CStr::from_ptr(claw_error_attempts_json(err))
            .to_str()
            .unwrap()
            .to_owned();
        claw_error_free(err);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        (code, v.as_array().expect("a JSON array").clone())
    }
}

/// Checks the four attempts of [`THREE_429S_THEN_401`]: three on one profile, retried after
/// 1 ms twice, then the 401 on the other.
fn check_three_429s_then_401(what: &str, attempts: &[serde_json::Value]) {
    assert_eq!(attempts.len(), 4, "{what}: {attempts:#?}");
    let first = attempts[0]["profileId"].as_str().unwrap();
    for (i, a) in attempts[..3].iter().enumerate() {
        assert_eq!(a["profileId"], first, "{what} {i}");
        assert_eq!(a["model"], "anthropic/claude-sonnet-4-5", "{what} {i}");
        assert_eq!(a["status"], 429, "{what} {i}");
        assert_eq!(a["reason"], "rate_limit", "{what} {i}");
        assert!(
            a["message"].as_str().unwrap().contains("rate limited"),
            "{what} {i}"
        );
        assert!(
            a["requestId"].as_str().unwrap().starts_with("req_mock_"),
            "{what} {i}"
        );
        assert!(a["durationMs"].is_u64(), "{what} {i}");
        let delay = if i < 2 {
            serde_json::json!(1)
        } else {
            serde_json::Value::Null
        };
        assert_eq!(a["retryDelayMs"], delay, "{what} {i}");
    }
    let last = &attempts[3];
    assert_ne!(last["profileId"], first, "{what}: the next profile");
    assert!(
        ["anthropic:default", "anthropic:b"].contains(&last["profileId"].as_str().unwrap()),
        "{what}: {last}"
    );
    assert_eq!(last["status"], 401, "{what}");
    assert_eq!(last["reason"], "auth", "{what}");
    assert!(last["retryDelayMs"].is_null(), "{what}");
}

#[test]
fn a_failed_send_carries_every_attempt() {
    let req = CString::new(REQUEST).unwrap();
    let cancel = claw_cancel_new();
    for (what, cancellable) in [("send", false), ("send_cancellable", true)] {
        // A fresh store each time: the failures put both profiles in cooldown.
        let s = two_profiles();
        script(&s.env, THREE_429S_THEN_401);
        let mut out = null_mut();
        let mut err = null_mut();
        let rc = unsafe {
            if cancellable {
                claw_client_send_cancellable(s.client, req.as_ptr(), cancel, &mut out, &mut err)
            } else {
                claw_client_send(s.client, req.as_ptr(), &mut out, &mut err)
            }
        };
        assert!(out.is_null());
        assert_ne!(rc, CLAW_OK);
        // The HTTP details are the last answer's, that of the last attempt.
        let (status, request_id) = unsafe {
            let rid = claw_error_request_id(err);
            assert!(!rid.is_null(), "{what}: the last answer's request id");
            (
                claw_error_http_status(err),
                CStr::from_ptr(rid).to_str().unwrap().to_owned(),
            )
        };
        let (code, attempts) = take_attempts(err);
        assert_eq!(code, rc);
        check_three_429s_then_401(what, &attempts);
        assert_eq!(status, 401, "{what}");
        assert_eq!(attempts[3]["requestId"], request_id.as_str(), "{what}");
    }
    unsafe { claw_cancel_free(cancel) };
}

#[test]
fn a_stream_that_could_not_open_carries_every_attempt() {
    let req = CString::new(REQUEST).unwrap();
    let cancel = claw_cancel_new();
    for (what, cancellable) in [("stream", false), ("stream_cancellable", true)] {
        let s = two_profiles();
        script(&s.env, THREE_429S_THEN_401);
        let mut err = null_mut();
        let rc = unsafe {
            if cancellable {
                claw_client_stream_cancellable(
                    s.client,
                    req.as_ptr(),
                    None,
                    null_mut(),
                    cancel,
                    null_mut(),
                    &mut err,
                )
            } else {
                claw_client_stream(
                    s.client,
                    req.as_ptr(),
                    None,
                    null_mut(),
                    null_mut(),
                    &mut err,
                )
            }
        };
        assert_ne!(rc, CLAW_OK);
        let (_, attempts) = take_attempts(err);
        check_three_429s_then_401(what, &attempts);
    }
    unsafe { claw_cancel_free(cancel) };
}

extern "C" fn stop_at_once(_userdata: *mut c_void, _event_json: *const c_char) -> c_int {
    1
}

#[test]
fn a_stream_that_failed_after_it_opened_carries_the_attempts_until_then() {
    let s = two_profiles();
    let req = CString::new(REQUEST).unwrap();
    // An error event after some text.
    script(
        &s.env,
        r#"{"replies":[{"kind":"stream_error","text":"partial","error_type":"api_error","message":"Internal server error"}]}"#,
    );
    let mut err = null_mut();
    let rc = unsafe {
        claw_client_stream(
            s.client,
            req.as_ptr(),
            None,
            null_mut(),
            null_mut(),
            &mut err,
        )
    };
    assert_ne!(rc, CLAW_OK);
    let (_, attempts) = take_attempts(err);
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0]["status"], 200);
    assert!(
        attempts[0]["requestId"]
            .as_str()
            .unwrap()
            .starts_with("req_mock_")
    );

    // Stopped by the callback: the stream had opened.
    let mut err = null_mut();
    let rc = unsafe {
        claw_client_stream(
            s.client,
            req.as_ptr(),
            Some(stop_at_once),
            null_mut(),
            null_mut(),
            &mut err,
        )
    };
    assert_eq!(rc, CLAW_ERR_STOPPED_BY_CALLBACK);
    let (_, attempts) = take_attempts(err);
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0]["status"], 200);
}

#[test]
fn failed_one_off_calls_carry_their_attempts() {
    let s = two_profiles();
    let req = CString::new(REQUEST).unwrap();
    // count_tokens uses one profile: three 429s, then it gives up.
    script(&s.env, THREE_429S_THEN_401);
    let mut n = 0u64;
    let mut err = null_mut();
    let rc = unsafe { claw_client_count_tokens(s.client, req.as_ptr(), &mut n, &mut err) };
    assert_eq!(rc, CLAW_ERR_RATE_LIMITED);
    let (_, attempts) = take_attempts(err);
    assert_eq!(attempts.len(), 3, "{attempts:#?}");
    assert!(attempts.iter().all(|a| a["status"] == 429), "{attempts:#?}");
    assert_eq!(attempts[0]["retryDelayMs"], 1);
    assert!(attempts[2]["retryDelayMs"].is_null());

    // The 401 left in the queue answers list_models.
    let mut out = null_mut();
    let mut err = null_mut();
    let rc = unsafe { claw_client_list_models(s.client, null(), 0, &mut out, &mut err) };
    assert_eq!(rc, CLAW_ERR_AUTH_REJECTED);
    assert!(out.is_null());
    let (_, attempts) = take_attempts(err);
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0]["status"], 401);
    assert_eq!(attempts[0]["reason"], "auth");
}

#[test]
fn a_failure_before_any_try_has_no_attempts() {
    let s = two_profiles();
    let invalid =
        CString::new(r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":""}]}"#)
            .unwrap();
    let not_json = CString::new("{").unwrap();
    for (what, req) in [("invalid request", &invalid), ("not JSON", &not_json)] {
        let mut out = null_mut();
        let mut err = null_mut();
        let rc = unsafe { claw_client_send(s.client, req.as_ptr(), &mut out, &mut err) };
        assert_ne!(rc, CLAW_OK, "{what}");
        let (code, attempts) = take_attempts(err);
        assert!(
            [CLAW_ERR_INVALID_REQUEST, CLAW_ERR_INVALID_JSON].contains(&code),
            "{what}: {code}"
        );
        assert!(attempts.is_empty(), "{what}: {attempts:#?}");
        let mut err = null_mut();
        let rc = unsafe {
            claw_client_stream(
                s.client,
                req.as_ptr(),
                None,
                null_mut(),
                null_mut(),
                &mut err,
            )
        };
        assert_ne!(rc, CLAW_OK, "{what}");
        let (_, attempts) = take_attempts(err);
        assert!(attempts.is_empty(), "{what}: {attempts:#?}");
    }
    // Nothing was sent.
    let mut out = null_mut();
    let rc = unsafe { claw_mock_server_requests_json(s.env.server, &mut out, null_mut()) };
    assert_eq!(rc, CLAW_OK);
    let sent: serde_json::Value = serde_json::from_str(&super::hostile::take_string(out)).unwrap();
    assert_eq!(sent, serde_json::json!([]));
    // The errors of calls that send nothing have none either; NULL has no attempts at all.
    let mut cfg = null_mut();
    let mut err = null_mut();
    let bad = CString::new("{ nope").unwrap();
    let rc = unsafe { claw_config_from_json5(bad.as_ptr(), &mut cfg, &mut err) };
    assert_eq!(rc, CLAW_ERR_CONFIG);
    assert!(take_attempts(err).1.is_empty());
    assert!(unsafe { claw_error_attempts_json(null()) }.is_null());
}
