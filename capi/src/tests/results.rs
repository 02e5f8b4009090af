//! Every entry point that returns a message carries the attempts record (and the cost when
//! prices are configured): the plain `claw_client_send*` / `claw_client_stream*` add
//! `"attempts"` and `"cost"` to the message object, the `*_response` ones have them beside it.

use super::hostile::take_string;
use crate::*;
use std::ffi::{CString, c_char};
use std::ptr::{null, null_mut};

const OVERLOADED_ONCE: &str = r#"{"replies":[{"kind":"error","status":529,"error_type":"overloaded_error","message":"Overloaded","headers":{"retry-after-ms":"1"}}]}"#;

struct Priced {
    client: *mut claw_client,
    // Dropped after the client.
    env: super::hostile::Env,
}

impl Drop for Priced {
    fn drop(&mut self) {
        unsafe { claw_client_free(self.client) };
    }
}

/// A mock server, a config pricing claude-sonnet-4-5 (3 / 15 USD per million input / output
/// tokens), one API key profile and a client.
fn priced() -> Priced {
    let env = super::hostile::env_with_config(|url| {
        format!(
            "{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{url}\", models: [
                {{ id: \"claude-sonnet-4-5\", cost: {{ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }} }},
            ] }} }} }} }}"
        )
    });
    let mut client = null_mut();
    assert_eq!(
        unsafe { claw_client_new(env.cfg, null(), &mut client, null_mut()) },
        CLAW_OK
    );
    Priced { client, env }
}

/// Checks the attempts (a 529 retried after 1 ms, then a 200) and the cost of `message`.
fn check(
    what: &str,
    message: &serde_json::Value,
    attempts: &serde_json::Value,
    cost: &serde_json::Value,
) {
    let attempts = attempts
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no attempts"));
    assert_eq!(attempts.len(), 2, "{what}: {attempts:?}");
    let (first, ok) = (&attempts[0], &attempts[1]);
    assert_eq!(first["profileId"], "anthropic:default", "{what}");
    assert_eq!(first["model"], "anthropic/claude-sonnet-4-5", "{what}");
    assert_eq!(first["status"], 529, "{what}");
    assert_eq!(first["reason"], "rate_limit", "{what}");
    assert_eq!(first["retryDelayMs"], 1, "{what}");
    assert!(
        first["requestId"]
            .as_str()
            .unwrap()
            .starts_with("req_mock_"),
        "{what}"
    );
    assert!(first["durationMs"].is_u64(), "{what}");
    assert_eq!(ok["status"], 200, "{what}");
    assert!(ok["reason"].is_null() && ok["message"].is_null(), "{what}");
    assert!(ok["retryDelayMs"].is_null(), "{what}");
    let usage = &message["usage"];
    let input = usage["input_tokens"].as_f64().unwrap() * 3.0 / 1e6;
    let output = usage["output_tokens"].as_f64().unwrap() * 15.0 / 1e6;
    assert_eq!(cost["input"].as_f64(), Some(input), "{what}: {cost}");
    assert_eq!(cost["output"].as_f64(), Some(output), "{what}: {cost}");
    assert_eq!(
        cost["total"].as_f64(),
        Some(input + output),
        "{what}: {cost}"
    );
    // The message itself keeps the API's shape.
    assert_eq!(message["type"], "message", "{what}");
    assert_eq!(message["role"], "assistant", "{what}");
    assert!(
        message["id"].as_str().unwrap().starts_with("msg_mock_"),
        "{what}"
    );
    assert!(
        message["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("pong"),
        "{what}: {message}"
    );
}

type Entry = dyn Fn(&Priced, &CString, *mut *mut c_char) -> u32;

#[test]
fn every_message_result_carries_the_attempts_and_the_cost() {
    let e = priced();
    let req = CString::new(
        r#"{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"ping"}]}"#,
    )
    .unwrap();
    let script = CString::new(OVERLOADED_ONCE).unwrap();
    let cancel = claw_cancel_new();
    // (name, whether the output is the `{"message", …}` wrapper, the call)
    let entries: Vec<(&str, bool, Box<Entry>)> = vec![
        (
            "claw_client_send",
            false,
            Box::new(move |e, r, out| unsafe {
                claw_client_send(e.client, r.as_ptr(), out, null_mut())
            }),
        ),
        (
            "claw_client_send_cancellable",
            false,
            Box::new(move |e, r, out| unsafe {
                claw_client_send_cancellable(e.client, r.as_ptr(), cancel, out, null_mut())
            }),
        ),
        (
            "claw_client_send_response",
            true,
            Box::new(move |e, r, out| unsafe {
                claw_client_send_response(e.client, r.as_ptr(), null(), out, null_mut())
            }),
        ),
        (
            "claw_client_stream",
            false,
            Box::new(move |e, r, out| unsafe {
                claw_client_stream(e.client, r.as_ptr(), None, null_mut(), out, null_mut())
            }),
        ),
        (
            "claw_client_stream_cancellable",
            false,
            Box::new(move |e, r, out| unsafe {
                claw_client_stream_cancellable(
                    e.client,
                    r.as_ptr(),
                    None,
                    null_mut(),
                    cancel,
                    out,
                    null_mut(),
                )
            }),
        ),
        (
            "claw_client_stream_response",
            true,
            Box::new(move |e, r, out| unsafe {
                claw_client_stream_response(
                    e.client,
                    r.as_ptr(),
                    None,
                    null_mut(),
                    null(),
                    out,
                    null_mut(),
                )
            }),
        ),
    ];
    for (name, wrapped, call) in &entries {
        unsafe {
            claw_mock_server_reset(e.env.server);
            assert_eq!(
                claw_mock_server_load_script(e.env.server, script.as_ptr(), null_mut()),
                CLAW_OK
            );
        }
        let mut out = null_mut();
        assert_eq!(call(&e, &req, &mut out), CLAW_OK, "{name}");
        let v: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        if *wrapped {
            assert!(v["message"].get("attempts").is_none(), "{name}: {v}");
            check(name, &v["message"], &v["attempts"], &v["cost"]);
        } else {
            check(name, &v, &v["attempts"], &v["cost"]);
            // Still a valid message for a reader of the API's shape.
            let m: claw::request::messages::Message = serde_json::from_value(v.clone()).unwrap();
            assert!(m.text().contains("pong"), "{name}");
        }
    }
    unsafe { claw_cancel_free(cancel) };
}

#[test]
fn without_prices_there_is_no_cost_key() {
    let e = super::hostile::env_with_key();
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
        assert_eq!(
            claw_client_send(client, req.as_ptr(), &mut out, null_mut()),
            CLAW_OK
        );
        let v: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        assert_eq!(v["attempts"].as_array().unwrap().len(), 1, "{v}");
        assert!(v.get("cost").is_none(), "{v}");
        let mut out = null_mut();
        assert_eq!(
            claw_client_stream(client, req.as_ptr(), None, null_mut(), &mut out, null_mut()),
            CLAW_OK
        );
        let v: serde_json::Value = serde_json::from_str(&take_string(out)).unwrap();
        assert_eq!(v["attempts"][0]["status"], 200, "{v}");
        assert!(v.get("cost").is_none(), "{v}");
        claw_client_free(client);
    }
}
