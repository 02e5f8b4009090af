//! The config loader's two parse paths agree: for any text, wherever the fast path loads the
//! config or rejects it, the full pipeline gives the same config (typed sections, whole document
//! and its key order, environment view, warnings) or the same errors. Where the fast path
//! declines the text, the full pipeline decides and there is nothing to compare.
//!
//! Needs `--cfg fuzzing` (set by `cargo fuzz`), which exposes the comparison.
#![no_main]

use claw_anthropic::EnvView;
use claw_anthropic::env::EnvSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The loader reads UTF-8 text only (anything else is refused before parsing).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Two variables in the process layer, so `${P}` and `${A}` substitute and others are missing.
    let env = EnvView::empty().with_layer(EnvSource::Process, [("P", "from-process"), ("A", "pa")]);
    if let Err(difference) = claw_anthropic::config::compare_fast_and_full(text, &env) {
        panic!("the fast path and the full pipeline disagree: {difference}");
    }
});
