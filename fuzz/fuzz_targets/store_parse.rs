//! The auth-store reader: whatever loads must write back as valid JSON.
#![no_main]

use claw_anthropic::auth::AuthStore;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(store) = AuthStore::parse(text, Path::new("auth-profiles.json")) {
        let out = store.to_json_pretty();
        let back: serde_json::Value = serde_json::from_str(&out).expect("written store is JSON");
        assert!(back.is_object());
        let _ = format!("{store:?}");
    }
});
