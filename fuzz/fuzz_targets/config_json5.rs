//! The JSON5 config loader (parse, `${VAR}` substitution, validation, typed access).
#![no_main]

use claw_anthropic::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(c) = Config::from_json5(&text) {
        let _ = c.default_model();
        let _ = c.fallbacks();
        let _ = c.aliases();
        let _ = format!("{c:?}");
    }
});
