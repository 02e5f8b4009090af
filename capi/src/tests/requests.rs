//! Requests through the C functions: a body without `model` uses the configured default model
//! (and without `max_tokens`, that model's configured `params.maxTokens`).

use super::hostile::take_string;
use crate::*;
use std::ffi::{CStr, CString};
use std::ptr::{null, null_mut};

fn error_text(err: *mut claw_error) -> String {
    if err.is_null() {
        return "no error object".into();
    }
    unsafe {
        let msg = CStr::from_ptr(claw_error_message(err))
            .to_string_lossy()
            .into_owned();
        claw_error_free(err);
        msg
    }
}

#[test]
fn a_request_without_model_uses_the_configured_default_model() {
    let e = super::hostile::env_with_config(|url| {
        format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{url}\" }} }} }},
               agents: {{ defaults: {{
                 model: {{ primary: \"anthropic/claude-haiku-4-5\" }},
                 models: {{ \"anthropic/claude-haiku-4-5\": {{ params: {{ maxTokens: 777 }} }} }},
               }} }} }}"
        )
    });
    let (cfg, server) = (e.cfg, e.server);
    unsafe {
        let mut err = null_mut();
        let req = CString::new(r#"{"messages":[{"role":"user","content":"hi"}]}"#).unwrap();

        // The dry run renders the default model.
        let mut out = null_mut();
        let rc = claw_request_build(cfg, null(), req.as_ptr(), &mut out, &mut err);
        assert_eq!(rc, CLAW_OK, "{}", error_text(err));
        let dry: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        assert_eq!(dry["body"]["model"], "claude-haiku-4-5", "{dry}");
        assert_eq!(dry["body"]["max_tokens"], 777, "{dry}");

        // And a send sends it.
        let mut client = null_mut();
        let rc = claw_client_new(cfg, null(), &mut client, &mut err);
        assert_eq!(rc, CLAW_OK, "{}", error_text(err));
        let mut out = null_mut();
        let rc = claw_client_send(client, req.as_ptr(), &mut out, &mut err);
        assert_eq!(rc, CLAW_OK, "{}", error_text(err));
        let reply: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        assert_eq!(reply["type"], "message", "{reply}");

        let mut out = null_mut();
        let rc = claw_mock_server_requests_json(server, &mut out, &mut err);
        assert_eq!(rc, CLAW_OK, "{}", error_text(err));
        let reqs: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        let sent = &reqs.as_array().unwrap().last().unwrap()["body"];
        assert_eq!(sent["model"], "claude-haiku-4-5", "{reqs}");
        assert_eq!(sent["max_tokens"], 777, "{reqs}");

        claw_client_free(client);
    }
}
