//! C ABI misuse and hostile input, driven from Rust through the same `extern "C"` functions C
//! calls: NULL in every pointer argument, NULL frees, invalid UTF-8, deep nesting, huge JSON,
//! callbacks that fail or call back into the library. Fork-then-use is covered by the C driver
//! (`capi/tests/c/test_client.c`, run by `capi/tests/c_programs.rs`).

use crate::*;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr::{null, null_mut};

pub(super) fn take_err(err: *mut claw_error) -> (u32, String) {
    assert!(!err.is_null(), "an error object was expected");
    unsafe {
        let code = claw_error_code(err);
        let msg = CStr::from_ptr(claw_error_message(err))
            .to_string_lossy()
            .into_owned();
        claw_error_free(err);
        (code, msg)
    }
}

pub(super) fn take_string(s: *mut c_char) -> String {
    assert!(!s.is_null());
    unsafe {
        let out = CStr::from_ptr(s).to_string_lossy().into_owned();
        claw_string_free(s);
        out
    }
}

pub(super) struct Env {
    _dir: tempfile::TempDir,
    pub(super) server: *mut claw_mock_server,
    pub(super) cfg: *mut claw_config,
}

impl Drop for Env {
    fn drop(&mut self) {
        unsafe {
            claw_config_free(self.cfg);
            claw_mock_server_free(self.server);
        }
    }
}

pub(super) fn env_with_key() -> Env {
    env_with_config(|url| {
        format!("{{ models: {{ providers: {{ anthropic: {{ baseUrl: \"{url}\" }} }} }} }}")
    })
}

/// A mock server, a config whose JSON5 text `config` makes from the server's URL (in a
/// temporary state dir), and one API key profile.
pub(super) fn env_with_config(config: impl Fn(&str) -> String) -> Env {
    unsafe {
        let mut server = null_mut();
        assert_eq!(claw_mock_server_start(&mut server, null_mut()), CLAW_OK);
        let url = CStr::from_ptr(claw_mock_server_url(server))
            .to_string_lossy()
            .into_owned();
        let dir = tempfile::tempdir().unwrap();
        let text = CString::new(config(&url)).unwrap();
        let state = CString::new(dir.path().to_str().unwrap()).unwrap();
        let mut cfg = null_mut();
        let mut err = null_mut();
        let rc = claw_config_from_json5_in(text.as_ptr(), state.as_ptr(), &mut cfg, &mut err);
        if rc != CLAW_OK {
            panic!("{:?}", take_err(err));
        }
        let key = CString::new("sk-ant-api03-ffi-misuse-key-0123456789").unwrap();
        let rc = claw_auth_set_api_key(cfg, null(), key.as_ptr(), null(), null_mut(), &mut err);
        assert_eq!(rc, CLAW_OK);
        Env {
            _dir: dir,
            server,
            cfg,
        }
    }
}

/// One misuse: a call taking the `err` out-argument.
type Call<'a> = dyn Fn(*mut *mut claw_error) -> u32 + 'a;

#[test]
fn null_everywhere_is_an_error_or_a_no_op() {
    let e = env_with_key();
    let s = CString::new("{}").unwrap();
    let req =
        CString::new(r#"{"model":"opus","messages":[{"role":"user","content":"hi"}]}"#).unwrap();
    unsafe {
        // Frees and accessors of NULL.
        claw_error_free(null_mut());
        claw_string_free(null_mut());
        claw_config_free(null_mut());
        claw_client_free(null_mut());
        claw_cancel_free(null_mut());
        claw_mock_server_free(null_mut());
        claw_mock_server_reset(null());
        claw_cancel_cancel(null());
        claw_cancel_reset(null());
        assert!(!claw_cancel_is_cancelled(null()));
        assert!(claw_error_message(null()).is_null());
        assert!(claw_error_request_id(null()).is_null());
        assert_eq!(claw_error_http_status(null()), 0);
        assert_eq!(claw_error_code(null()), CLAW_OK, "documented: 0 for NULL");
        assert!(claw_mock_server_url(null()).is_null());
        assert!(!claw_version().is_null());

        let mut out_cfg = null_mut();
        let mut out_s: *mut c_char = null_mut();
        let mut err = null_mut();
        let cases: Vec<(&str, Box<Call>)> = vec![
            // (A NULL path means the default location: not a misuse.)
            (
                "config_load(NULL out)",
                Box::new(|err| claw_config_load(s.as_ptr(), null_mut(), err)),
            ),
            (
                "config_from_json5(NULL text)",
                Box::new(|err| {
                    let mut c = null_mut();
                    claw_config_from_json5(null(), &mut c, err)
                }),
            ),
            (
                "config_from_json5(NULL out)",
                Box::new(|err| claw_config_from_json5(s.as_ptr(), null_mut(), err)),
            ),
            (
                "config_from_json5_in(NULL dir)",
                Box::new(|err| {
                    let mut c = null_mut();
                    claw_config_from_json5_in(s.as_ptr(), null(), &mut c, err)
                }),
            ),
            (
                "config_load_state_dir(NULL)",
                Box::new(|err| {
                    let mut c = null_mut();
                    claw_config_load_state_dir(null(), &mut c, err)
                }),
            ),
            (
                "config_default_agent(NULL cfg)",
                Box::new(|err| {
                    let mut o = null_mut();
                    claw_config_default_agent(null(), &mut o, err)
                }),
            ),
            (
                "config_default_agent(NULL out)",
                Box::new(|err| claw_config_default_agent(e.cfg, null_mut(), err)),
            ),
            (
                "client_new(NULL cfg)",
                Box::new(|err| {
                    let mut c = null_mut();
                    claw_client_new(null(), null(), &mut c, err)
                }),
            ),
            (
                "client_new(NULL out)",
                Box::new(|err| claw_client_new(e.cfg, null(), null_mut(), err)),
            ),
            (
                "client_send(NULL client)",
                Box::new(|err| {
                    let mut o = null_mut();
                    claw_client_send(null_mut(), req.as_ptr(), &mut o, err)
                }),
            ),
            (
                "client_stream(NULL client)",
                Box::new(|err| {
                    claw_client_stream(null_mut(), req.as_ptr(), None, null_mut(), null_mut(), err)
                }),
            ),
            (
                "client_send_cancellable(NULL cancel)",
                Box::new(|err| {
                    let mut c = null_mut();
                    assert_eq!(claw_client_new(e.cfg, null(), &mut c, null_mut()), CLAW_OK);
                    let mut o = null_mut();
                    let rc = claw_client_send_cancellable(c, req.as_ptr(), null(), &mut o, err);
                    claw_client_free(c);
                    rc
                }),
            ),
            (
                "request_build(NULL cfg)",
                Box::new(|err| {
                    let mut o = null_mut();
                    claw_request_build(null(), null(), req.as_ptr(), &mut o, err)
                }),
            ),
            (
                "request_build(NULL json)",
                Box::new(|err| {
                    let mut o = null_mut();
                    claw_request_build(e.cfg, null(), null(), &mut o, err)
                }),
            ),
            (
                "request_build(NULL out)",
                Box::new(|err| claw_request_build(e.cfg, null(), req.as_ptr(), null_mut(), err)),
            ),
            (
                "status_json(NULL cfg)",
                Box::new(|err| {
                    let mut o = null_mut();
                    claw_status_json(null(), null(), &mut o, err)
                }),
            ),
            (
                "status_json(NULL out)",
                Box::new(|err| claw_status_json(e.cfg, null(), null_mut(), err)),
            ),
            (
                "auth_set_api_key(NULL key)",
                Box::new(|err| {
                    claw_auth_set_api_key(e.cfg, null(), null(), null(), null_mut(), err)
                }),
            ),
            (
                "auth_set_api_key(NULL cfg)",
                Box::new(|err| {
                    claw_auth_set_api_key(null(), null(), s.as_ptr(), null(), null_mut(), err)
                }),
            ),
            (
                "auth_paste_token(NULL token)",
                Box::new(|err| {
                    let p = CString::new("anthropic").unwrap();
                    claw_auth_paste_token(
                        e.cfg,
                        null(),
                        p.as_ptr(),
                        null(),
                        null(),
                        null_mut(),
                        err,
                    )
                }),
            ),
            (
                "auth_paste_token(NULL provider)",
                Box::new(|err| {
                    claw_auth_paste_token(
                        e.cfg,
                        null(),
                        null(),
                        s.as_ptr(),
                        null(),
                        null_mut(),
                        err,
                    )
                }),
            ),
            (
                "mock_server_start(NULL out)",
                Box::new(|err| claw_mock_server_start(null_mut(), err)),
            ),
            (
                "mock_server_load_script(NULL)",
                Box::new(|err| claw_mock_server_load_script(null(), s.as_ptr(), err)),
            ),
            (
                "mock_server_load_script(NULL json)",
                Box::new(|err| claw_mock_server_load_script(e.server, null(), err)),
            ),
            (
                "mock_server_requests_json(NULL)",
                Box::new(|err| {
                    let mut o = null_mut();
                    claw_mock_server_requests_json(null(), &mut o, err)
                }),
            ),
        ];
        for (what, call) in &cases {
            // With an error out-argument …
            let mut err = null_mut();
            let rc = call(&mut err);
            assert_ne!(rc, CLAW_OK, "{what}");
            assert_ne!(rc, CLAW_ERR_PANIC, "{what}");
            let (code, msg) = take_err(err);
            assert_eq!(code, rc, "{what}");
            assert!(!msg.is_empty(), "{what}");
            // … and with NULL for it.
            let rc2 = call(null_mut());
            assert_eq!(rc, rc2, "{what}");
        }
        // Outputs are untouched on failure.
        let rc = claw_config_from_json5(null(), &mut out_cfg, &mut err);
        assert_eq!(rc, CLAW_ERR_NULL_ARGUMENT);
        assert!(out_cfg.is_null());
        take_err(err);
        let mut err = null_mut();
        let rc = claw_request_build(e.cfg, null(), null(), &mut out_s, &mut err);
        assert_ne!(rc, CLAW_OK);
        assert!(out_s.is_null());
        take_err(err);
    }
}

fn build(cfg: *const claw_config, json: &CStr) -> Result<String, (u32, String)> {
    unsafe {
        let mut out = null_mut();
        let mut err = null_mut();
        match claw_request_build(cfg, null(), json.as_ptr(), &mut out, &mut err) {
            CLAW_OK => Ok(take_string(out)),
            _ => Err(take_err(err)),
        }
    }
}

fn config_from(text: &CStr) -> Result<(), (u32, String)> {
    unsafe {
        let mut cfg = null_mut();
        let mut err = null_mut();
        match claw_config_from_json5(text.as_ptr(), &mut cfg, &mut err) {
            CLAW_OK => {
                claw_config_free(cfg);
                Ok(())
            }
            _ => Err(take_err(err)),
        }
    }
}

#[test]
fn hostile_json_into_request_build_and_config() {
    let e = env_with_key();
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let deep_arr = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cfg = e.cfg as usize;
    // On a small stack, as a C caller's thread might have.
    let results = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let cfg = cfg as *const claw_config;
            let mut out = Vec::new();
            for text in [
                deep_obj.clone(),
                deep_arr.clone(),
                format!("{{\"model\":\"opus\",\"messages\":[{{\"role\":\"user\",\"content\":{deep_arr}}}]}}"),
                "".into(),
                "null".into(),
                "[]".into(),
                "{\"model\":\"opus\"}".into(),
                "{\"model\":\"opus\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-1}".into(),
                "{\"model\":\"opus\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1e400}".into(),
                "{\"model\":\"\\u0000\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".into(),
                "{\"model\":\"opus\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}".into(),
            ] {
                let c = CString::new(text).unwrap();
                out.push(("build", build(cfg, &c).err()));
                out.push(("config", config_from(&c).err()));
            }
            out
        })
        .unwrap()
        .join()
        .expect("no panic, no stack overflow");
    for (what, r) in results {
        if let Some((code, msg)) = r {
            assert_ne!(code, CLAW_ERR_PANIC, "{what}: {msg}");
            assert!(!msg.is_empty() && msg.len() < 4096, "{what}: {msg}");
        }
    }
    // Invalid UTF-8 in every string argument is a typed error.
    let bad = CString::new(vec![b'{', 0xff, 0xfe, b'}']).unwrap();
    assert_eq!(build(e.cfg, &bad).unwrap_err().0, CLAW_ERR_INVALID_UTF8);
    assert_eq!(config_from(&bad).unwrap_err().0, CLAW_ERR_INVALID_UTF8);
    unsafe {
        let mut o = null_mut();
        let mut err = null_mut();
        let rc = claw_status_json(e.cfg, bad.as_ptr(), &mut o, &mut err);
        assert_eq!(rc, CLAW_ERR_INVALID_UTF8);
        take_err(err);
        let mut err = null_mut();
        let rc = claw_auth_set_api_key(e.cfg, null(), bad.as_ptr(), null(), null_mut(), &mut err);
        assert_eq!(rc, CLAW_ERR_INVALID_UTF8);
        take_err(err);
    }
    // A 100 MB request: built (or refused) without a panic; the output is freed.
    let huge = CString::new(format!(
        "{{\"model\":\"opus\",\"messages\":[{{\"role\":\"user\",\"content\":\"{}\"}}]}}",
        "h".repeat(100 * 1024 * 1024)
    ))
    .unwrap();
    match build(e.cfg, &huge) {
        Ok(s) => assert!(s.len() > 100 * 1024 * 1024),
        Err((code, msg)) => assert_ne!(code, CLAW_ERR_PANIC, "{msg}"),
    }
    // 100 MB of config: refused with a clear error.
    let huge_cfg = CString::new(format!(
        "{{ other: \"{}\" }}",
        "c".repeat(100 * 1024 * 1024)
    ))
    .unwrap();
    let (code, msg) = config_from(&huge_cfg).unwrap_err();
    assert_eq!(code, CLAW_ERR_CONFIG);
    assert!(msg.contains("too large"), "{msg}");
}

// ---- callbacks ----------------------------------------------------------------------------------

struct CbState {
    client: *mut claw_client,
    cfg: *const claw_config,
    events: usize,
    stop_after: usize,
    reentrant_send: Option<u32>,
    reentrant_build: Option<u32>,
}

extern "C" fn stopping_cb(userdata: *mut c_void, event_json: *const c_char) -> c_int {
    let st = unsafe { &mut *(userdata as *mut CbState) };
    assert!(!event_json.is_null());
    st.events += 1;
    if st.events >= st.stop_after { 7 } else { 0 }
}

extern "C" fn reentrant_cb(userdata: *mut c_void, _event_json: *const c_char) -> c_int {
    let st = unsafe { &mut *(userdata as *mut CbState) };
    st.events += 1;
    if st.reentrant_send.is_none() {
        let req =
            CString::new(r#"{"model":"opus","messages":[{"role":"user","content":"inner"}]}"#)
                .unwrap();
        unsafe {
            let mut out = null_mut();
            let mut err = null_mut();
            let rc = claw_client_send(st.client, req.as_ptr(), &mut out, &mut err);
            if rc == CLAW_OK {
                claw_string_free(out);
            } else {
                claw_error_free(err);
            }
            st.reentrant_send = Some(rc);
            // Building (no I/O on the client's runtime) is fine from a callback.
            let mut out = null_mut();
            let mut err = null_mut();
            let rc = claw_request_build(st.cfg, null(), req.as_ptr(), &mut out, &mut err);
            if rc == CLAW_OK {
                claw_string_free(out);
            } else {
                claw_error_free(err);
            }
            st.reentrant_build = Some(rc);
        }
    }
    0
}

extern "C" fn panicking_cb(_userdata: *mut c_void, _event_json: *const c_char) -> c_int {
    // A callback that returns garbage codes (any non-zero stops the stream).
    -1
}

#[test]
fn callbacks_that_fail_or_reenter() {
    let e = env_with_key();
    let req = CString::new(
        r#"{"model":"opus","messages":[{"role":"user","content":"a b c d e f g h"}]}"#,
    )
    .unwrap();
    unsafe {
        let mut client = null_mut();
        assert_eq!(
            claw_client_new(e.cfg, null(), &mut client, null_mut()),
            CLAW_OK
        );
        let mut st = CbState {
            client,
            cfg: e.cfg,
            events: 0,
            stop_after: 2,
            reentrant_send: None,
            reentrant_build: None,
        };
        // A callback asking to stop: typed error, the output untouched.
        let mut out: *mut c_char = null_mut();
        let mut err = null_mut();
        let rc = claw_client_stream(
            client,
            req.as_ptr(),
            Some(stopping_cb),
            &mut st as *mut CbState as *mut c_void,
            &mut out,
            &mut err,
        );
        assert_eq!(rc, CLAW_ERR_STOPPED_BY_CALLBACK);
        assert_eq!(st.events, 2);
        assert!(out.is_null());
        take_err(err);
        let mut err = null_mut();
        let rc = claw_client_stream(
            client,
            req.as_ptr(),
            Some(panicking_cb),
            null_mut(),
            &mut out,
            &mut err,
        );
        assert_eq!(rc, CLAW_ERR_STOPPED_BY_CALLBACK);
        take_err(err);

        // A callback calling back into the library.
        st.events = 0;
        let mut err = null_mut();
        let rc = claw_client_stream(
            client,
            req.as_ptr(),
            Some(reentrant_cb),
            &mut st as *mut CbState as *mut c_void,
            &mut out,
            &mut err,
        );
        assert_eq!(rc, CLAW_OK, "the outer stream completes");
        take_string(out);
        assert_eq!(st.reentrant_send, Some(CLAW_ERR_NOT_SUPPORTED));
        assert_eq!(st.reentrant_build, Some(CLAW_OK));
        assert!(st.events > 2);

        // The client is still healthy afterwards.
        let mut out = null_mut();
        assert_eq!(
            claw_client_send(client, req.as_ptr(), &mut out, null_mut()),
            CLAW_OK
        );
        take_string(out);
        claw_client_free(client);
    }
}

#[test]
fn free_with_calls_from_other_threads_done_and_cancel_reuse() {
    let e = env_with_key();
    let req =
        CString::new(r#"{"model":"opus","messages":[{"role":"user","content":"x"}]}"#).unwrap();
    unsafe {
        let mut client = null_mut();
        assert_eq!(
            claw_client_new(e.cfg, null(), &mut client, null_mut()),
            CLAW_OK
        );
        // A config may be freed while clients live (they keep their own reference).
        let mut cfg2 = null_mut();
        let text = CString::new("{}").unwrap();
        assert_eq!(
            claw_config_from_json5(text.as_ptr(), &mut cfg2, null_mut()),
            CLAW_OK
        );
        let mut c2 = null_mut();
        assert_eq!(claw_client_new(cfg2, null(), &mut c2, null_mut()), CLAW_OK);
        claw_config_free(cfg2);
        claw_client_free(c2);
        // Many threads on one client.
        let addr = client as usize;
        let req_addr = req.as_ptr() as usize;
        let handles: Vec<_> = (0..8)
            .map(|_| {
                std::thread::spawn(move || {
                    let mut out = null_mut();
                    let rc = claw_client_send(
                        addr as *mut claw_client,
                        req_addr as *const c_char,
                        &mut out,
                        null_mut(),
                    );
                    if rc == CLAW_OK {
                        claw_string_free(out);
                    }
                    rc
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), CLAW_OK);
        }
        // A cancelled handle fails fast until reset, then works.
        let cancel = claw_cancel_new();
        claw_cancel_cancel(cancel);
        claw_cancel_cancel(cancel);
        let mut out = null_mut();
        assert_eq!(
            claw_client_send_cancellable(client, req.as_ptr(), cancel, &mut out, null_mut()),
            CLAW_ERR_CANCELLED
        );
        claw_cancel_reset(cancel);
        assert_eq!(
            claw_client_send_cancellable(client, req.as_ptr(), cancel, &mut out, null_mut()),
            CLAW_OK
        );
        take_string(out);
        claw_cancel_free(cancel);
        claw_client_free(client);
    }
}
