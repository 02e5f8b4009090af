//! Loading the realistic ~350-line `clawdbot.json` fixture from disk (read, JSON5 parse,
//! `$include`, env block, `${VAR}` substitution, validation, typed deserialization).
//!
//! Run: `cargo bench --bench config`. Target: < 100 µs median.
//!
//! For a stable instruction count (no criterion), set `CONFIG_BENCH_LOADS=N`: the binary then
//! just loads the fixture N times and exits, e.g.
//! `CONFIG_BENCH_LOADS=100 valgrind --tool=callgrind target/release/deps/config-<hash> --bench`.

use claw_anthropic::{Config, EnvView, Paths};
use criterion::{Criterion, criterion_group};
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/realistic/clawdbot.json")
}

fn bench_load(c: &mut Criterion) {
    let path = fixture();
    let paths = Paths {
        home: None,
        state_dir: PathBuf::from("/nonexistent/.clawdbot"),
        config_path: path.clone(),
        main_agent_dir_override: None,
    };
    let env = EnvView::empty();
    // Sanity: the fixture loads.
    Config::load_with(paths.clone(), env.clone()).expect("fixture loads");

    c.bench_function("config/load_realistic_from_disk", |b| {
        b.iter(|| {
            let cfg = Config::load_with(black_box(paths.clone()), env.clone()).unwrap();
            black_box(cfg.default_model());
        })
    });

    let text = std::fs::read_to_string(&path).unwrap();
    c.bench_function("config/parse_realistic_text", |b| {
        b.iter(|| {
            let cfg =
                Config::from_json5_with(black_box(&text), paths.clone(), env.clone()).unwrap();
            black_box(cfg);
        })
    });

    let bad = text.replace("cacheControlTtl: \"1h\"", "cacheControlTTL: \"1h\"");
    c.bench_function("config/report_error_with_position", |b| {
        b.iter(|| {
            let e =
                Config::from_json5_with(black_box(&bad), paths.clone(), env.clone()).unwrap_err();
            black_box(e);
        })
    });
}

/// Loads the fixture `n` times without criterion (for callgrind / perf).
fn plain_loads(n: usize) {
    let path = fixture();
    let paths = Paths {
        home: None,
        state_dir: PathBuf::from("/nonexistent/.clawdbot"),
        config_path: path,
        main_agent_dir_override: None,
    };
    let env = EnvView::empty();
    for _ in 0..n {
        let cfg = Config::load_with(black_box(paths.clone()), env.clone()).unwrap();
        black_box(cfg.default_model());
    }
}

criterion_group!(benches, bench_load);

fn main() {
    if let Some(n) = std::env::var("CONFIG_BENCH_LOADS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        plain_loads(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
