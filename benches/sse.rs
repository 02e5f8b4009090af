//! SSE parsing + accumulation throughput on a 7.7 MB / 50,000 `text_delta` stream:
//! from memory, and (feature `mock`) end to end from the mock server over loopback.
//!
//! `cargo bench --bench sse --features mock`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use claw_anthropic::client::sse::SseParser;
use claw_anthropic::client::stream::StreamDecoder;

const DELTAS: usize = 50_000;
const DELTA_LEN: usize = 40;
const CHUNK: usize = 16 * 1024;

/// The same shape the API (and the mock's `text_stream`) sends.
fn big_stream() -> Vec<u8> {
    let words = [
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dogs ",
    ];
    let mut out = String::with_capacity(DELTAS * 160);
    out.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n");
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    let mut w = 0;
    for i in 0..DELTAS {
        let mut piece = String::new();
        while piece.len() < DELTA_LEN {
            piece.push_str(words[w % words.len()]);
            w += 1;
        }
        piece.truncate(DELTA_LEN);
        if i % 10 == 9 {
            piece.pop();
            piece.push('\n');
        }
        out.push_str("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":");
        out.push_str(&serde_json::to_string(&piece).unwrap());
        out.push_str("}}\n\n");
    }
    out.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    out.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":500000}}\n\n");
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

fn in_memory(c: &mut Criterion) {
    let body = big_stream();
    let mut g = c.benchmark_group("sse_7.7MB");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.sample_size(20);
    g.bench_function("parse_only", |b| {
        b.iter(|| {
            let mut p = SseParser::new();
            let mut n = 0usize;
            for chunk in body.chunks(CHUNK) {
                for e in p.push(chunk) {
                    n += e.unwrap().data.len();
                }
            }
            black_box(n)
        })
    });
    g.bench_function("parse_and_accumulate", |b| {
        b.iter(|| {
            let mut d = StreamDecoder::new();
            for chunk in body.chunks(CHUNK) {
                d.push(chunk).unwrap();
            }
            black_box(d.finish().unwrap().content.len())
        })
    });
    g.bench_function("typed_events_callback", |b| {
        b.iter(|| {
            let mut d = StreamDecoder::new();
            let mut n = 0usize;
            for chunk in body.chunks(CHUNK) {
                d.push_with(chunk, |_| n += 1).unwrap();
            }
            black_box((n, d.finish().unwrap().content.len()))
        })
    });
    g.bench_function("raw_events_callback", |b| {
        b.iter(|| {
            let mut d = StreamDecoder::new();
            let mut n = 0usize;
            for chunk in body.chunks(CHUNK) {
                d.push_with_raw(chunk, |_, data| n += data.len()).unwrap();
            }
            black_box((n, d.finish().unwrap().content.len()))
        })
    });
    g.finish();
}

#[cfg(feature = "mock")]
fn loopback(c: &mut Criterion) {
    use claw_anthropic::mock::{MockReply, MockServer};
    use futures_util::StreamExt;

    let server = MockServer::start_background().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/v1/messages", server.url());
    let reply = MockReply::text_stream(DELTAS, DELTA_LEN);
    let run = || {
        server.enqueue(reply.clone());
        rt.block_on(async {
            let resp = client
                .post(&url)
                .header("x-api-key", "sk-ant-api03-bench")
                .header("anthropic-version", "2023-06-01")
                .body(r#"{"model":"claude-sonnet-4-5","max_tokens":1,"stream":true,"messages":[{"role":"user","content":"go"}]}"#)
                .send()
                .await
                .unwrap();
            let mut body = resp.bytes_stream();
            let mut d = StreamDecoder::new();
            let mut bytes = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.unwrap();
                bytes += chunk.len() as u64;
                d.push(&chunk).unwrap();
            }
            (bytes, d.finish().unwrap())
        })
    };
    let (len, _) = run();
    let mut g = c.benchmark_group("sse_7.7MB");
    g.throughput(Throughput::Bytes(len));
    g.sample_size(20);
    g.bench_function("loopback_mock_reqwest", |b| b.iter(|| black_box(run().0)));
    g.finish();
}

#[cfg(not(feature = "mock"))]
fn loopback(_: &mut Criterion) {}

criterion_group!(benches, in_memory, loopback);
criterion_main!(benches);
