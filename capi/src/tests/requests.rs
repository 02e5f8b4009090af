//! Requests through the C functions: a body without `model` uses the configured default model
//! (and without `max_tokens`, that model's configured `params.maxTokens`).

use crate::*;
use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

fn take_string(s: *mut c_char) -> String {
    assert!(!s.is_null());
    unsafe {
        let out = CStr::from_ptr(s).to_string_lossy().into_owned();
        claw_string_free(s);
        out
    }
}

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
    unsafe {
        let mut server = null_mut();
        assert_eq!(claw_mock_server_start(&mut server, null_mut()), CLAW_OK);
        let url = CStr::from_ptr(claw_mock_server_url(server))
            .to_string_lossy()
            .into_owned();
        let dir = tempfile::tempdir().unwrap();
        let text = CString::new(format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{url}\" }} }} }},
               agents: {{ defaults: {{
                 model: {{ primary: \"anthropic/claude-haiku-4-5\" }},
                 models: {{ \"anthropic/claude-haiku-4-5\": {{ params: {{ maxTokens: 777 }} }} }},
               }} }} }}"
        ))
        .unwrap();
        let state = CString::new(dir.path().to_str().unwrap()).unwrap();
        let (mut cfg, mut err) = (null_mut(), null_mut());
        let rc = claw_config_from_json5_in(text.as_ptr(), state.as_ptr(), &mut cfg, &mut err);
        assert_eq!(rc, CLAW_OK, "{}", error_text(err));
        let key = CString::new("sk-ant-api03-default-model-key-0123456789").unwrap();
        let rc = claw_auth_set_api_key(cfg, null(), key.as_ptr(), null(), null_mut(), &mut err);
        assert_eq!(rc, CLAW_OK, "{}", error_text(err));

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
        claw_config_free(cfg);
        claw_mock_server_free(server);
    }
}
