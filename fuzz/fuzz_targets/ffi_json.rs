//! The C ABI's JSON entry points (`claw_config_from_json5`, `claw_request_build`), called
//! exactly as C does, with NUL-terminated copies of the input.
#![no_main]

use claw_anthropic::ffi::*;
use libfuzzer_sys::fuzz_target;
use std::ffi::CString;
use std::ptr::{null, null_mut};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = CString::new(data.to_vec()) else {
        return;
    };
    // SAFETY: valid NUL-terminated strings and out-pointers, as the header requires.
    unsafe {
        let mut cfg = null_mut();
        let mut err = null_mut();
        if claw_config_from_json5(text.as_ptr(), &mut cfg, &mut err) == CLAW_OK {
            claw_config_free(cfg);
        } else {
            assert_ne!(claw_error_code(err), CLAW_ERR_PANIC);
            claw_error_free(err);
        }
        let base = CString::new(
            r#"{ models: { providers: { anthropic: { apiKey: "sk-ant-api03-fuzz-0123456789abcdef" } } } }"#,
        )
        .unwrap();
        // A state dir that does not exist: no auth store, the config key is used.
        let state = CString::new("/nonexistent/claw-anthropic-fuzz-state").unwrap();
        let mut cfg = null_mut();
        assert_eq!(
            claw_config_from_json5_in(base.as_ptr(), state.as_ptr(), &mut cfg, null_mut()),
            CLAW_OK
        );
        let mut out = null_mut();
        let mut err = null_mut();
        if claw_request_build(cfg, null(), text.as_ptr(), &mut out, &mut err) == CLAW_OK {
            claw_string_free(out);
        } else {
            assert_ne!(claw_error_code(err), CLAW_ERR_PANIC);
            claw_error_free(err);
        }
        claw_config_free(cfg);
    }
});
