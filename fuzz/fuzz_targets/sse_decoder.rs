//! The SSE parser and stream decoder, fed the input in chunks whose sizes come from the input.
#![no_main]

use claw_anthropic::client::stream::StreamDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&split, body)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(split).max(1);
    let mut d = StreamDecoder::new();
    for c in body.chunks(chunk) {
        if d.push(c).is_err() {
            return;
        }
        let _ = d.partial();
    }
    let _ = d.finish();
});
