//! `claw_client_send_response` / `claw_client_stream_response`: the message with the request id,
//! the profile and the model that answered; the cancel handle may be NULL.

use super::hostile::{env_with_key, take_err, take_string};
use crate::*;
use std::ffi::{CString, c_char, c_int, c_void};
use std::ptr::{null, null_mut};

extern "C" fn count_events(userdata: *mut c_void, _event_json: *const c_char) -> c_int {
    // SAFETY: the test passes a live `usize`.
    unsafe { *userdata.cast::<usize>() += 1 };
    0
}

#[test]
fn responses_say_who_answered() {
    let e = env_with_key();
    let req = CString::new(
        r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"ping"}]}"#,
    )
    .unwrap();
    unsafe {
        let mut client = null_mut();
        assert_eq!(
            claw_client_new(e.cfg, null(), &mut client, null_mut()),
            CLAW_OK
        );

        let mut out = null_mut();
        let rc = claw_client_send_response(client, req.as_ptr(), null(), &mut out, null_mut());
        assert_eq!(rc, CLAW_OK);
        let v: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        assert_eq!(v["message"]["role"], "assistant");
        assert!(
            v["message"]["content"][0]["text"]
                .as_str()
                .unwrap()
                .contains("pong")
        );
        assert!(
            v["request_id"].as_str().unwrap().starts_with("req_mock_"),
            "{v}"
        );
        assert_eq!(v["profile_id"], "anthropic:default");
        assert_eq!(v["model"], "anthropic/claude-sonnet-4-5");
        // The attempts (one, successful); no prices configured, so no cost.
        let attempts = v["attempts"].as_array().unwrap();
        assert_eq!(attempts.len(), 1, "{v}");
        assert_eq!(attempts[0]["profileId"], "anthropic:default");
        assert_eq!(attempts[0]["status"], 200);
        assert!(attempts[0]["reason"].is_null());
        assert_eq!(attempts[0]["requestId"], v["request_id"]);
        assert!(v.get("cost").is_none(), "{v}");

        let cancel = claw_cancel_new();
        let mut events = 0usize;
        let mut out = null_mut();
        let rc = claw_client_stream_response(
            client,
            req.as_ptr(),
            Some(count_events),
            (&raw mut events).cast(),
            cancel,
            &mut out,
            null_mut(),
        );
        assert_eq!(rc, CLAW_OK);
        assert!(events >= 5, "{events}");
        let v: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        assert!(
            v["message"]["content"][0]["text"]
                .as_str()
                .unwrap()
                .contains("pong")
        );
        assert!(
            v["request_id"].as_str().unwrap().starts_with("req_mock_"),
            "{v}"
        );
        assert_eq!(v["profile_id"], "anthropic:default");
        assert_eq!(v["attempts"][0]["status"], 200, "{v}");

        // A cancelled handle still cancels; NULL arguments are still refused.
        claw_cancel_cancel(cancel);
        let mut err = null_mut();
        let rc = claw_client_send_response(client, req.as_ptr(), cancel, &mut out, &mut err);
        assert_eq!(rc, CLAW_ERR_CANCELLED);
        take_err(err);
        let mut err = null_mut();
        let rc = claw_client_send_response(null_mut(), req.as_ptr(), null(), &mut out, &mut err);
        assert_eq!(take_err(err).0, CLAW_ERR_NULL_ARGUMENT);
        assert_eq!(rc, CLAW_ERR_NULL_ARGUMENT);
        claw_cancel_free(cancel);
        claw_client_free(client);
    }
}
