//! Compiles the C example and the C tests (`capi/tests/c/*.c`) with `cc -std=c11 -Wall -Wextra -Werror
//! -pedantic` against the freshly built cdylib and runs them, each in its own scratch directory
//! (`HOME`, `CLAWDBOT_STATE_DIR`, working directory), with no `ANTHROPIC_*`/`CLAWDBOT_*` variables
//! inherited. Tests that talk HTTP use the crate's loopback mock server through
//! `claw_mock_server_*`, so they need feature `mock`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the workspace holding this crate).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("capi/ has a parent")
        .to_path_buf()
}

/// The directory holding the C library built for this test run.
fn lib_dir() -> PathBuf {
    support::cdylib()
        .parent()
        .expect("library dir")
        .to_path_buf()
}

/// A directory beside `out` holding the library under the names a C program links and loads it
/// by: `libclaw_anthropic.so` and, on Linux, its SONAME `libclaw_anthropic.so.<major>`.
fn link_dir(out: &Path) -> PathBuf {
    let dir = out.parent().expect("output dir").join("lib");
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!(
        "{}claw_anthropic{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let real = lib_dir().join(&name);
    let mut names = vec![name.clone()];
    if cfg!(target_os = "linux") {
        names.push(format!("{name}.{}", env!("CARGO_PKG_VERSION_MAJOR")));
    }
    for n in names {
        let link = dir.join(n);
        if !link.exists() {
            std::os::unix::fs::symlink(&real, &link).unwrap();
        }
    }
    dir
}

fn compile(sources: &[&Path], out: &Path) {
    let lib = link_dir(out);
    let output = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-D_POSIX_C_SOURCE=200809L")
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("capi/tests/c"))
        .args(sources)
        .arg("-o")
        .arg(out)
        .arg(format!("-L{}", lib.display()))
        .arg("-lclaw_anthropic")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-lpthread", "-ldl", "-lm"])
        .output()
        .expect("run cc");
    assert!(
        output.status.success(),
        "cc failed for {sources:?}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Builds `src` and runs it in a fresh scratch directory; returns its stdout.
fn build_and_run(src: &str, args: &[&str]) -> String {
    let scratch = tempfile::tempdir().unwrap();
    let exe = scratch.path().join("prog");
    compile(&[&root().join(src)], &exe);
    let state = scratch.path().join("state");
    let mut cmd = Command::new(&exe);
    cmd.args(args).current_dir(scratch.path());
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("ANTHROPIC_") || k.starts_with("CLAWDBOT_") || k == "PI_CODING_AGENT_DIR" {
            cmd.env_remove(&*k);
        }
    }
    // Only the library this test built (through the rpath), never one found on cargo's
    // LD_LIBRARY_PATH.
    cmd.env_remove("LD_LIBRARY_PATH");
    cmd.env("HOME", scratch.path())
        .env("CLAWDBOT_STATE_DIR", &state)
        .env("CLAW_TEST_DIR", scratch.path())
        .env("RUST_BACKTRACE", "1");
    let out = cmd.output().expect("run the C program");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{src} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn c_config_status_build_auth_and_arguments() {
    let out = build_and_run("capi/tests/c/test_config.c", &[]);
    assert!(out.contains("test_config: ok"), "{out}");
}

#[cfg(feature = "mock")]
#[test]
fn c_client_send_stream_rotation_cancel_fork_against_the_mock() {
    let out = build_and_run("capi/tests/c/test_client.c", &[]);
    assert!(out.contains("test_client: ok"), "{out}");
}

#[cfg(feature = "mock")]
#[cfg(feature = "mock")]
#[test]
fn c_log_callback_receives_the_library_events() {
    let out = build_and_run("capi/tests/c/test_log.c", &[]);
    assert!(out.contains("test_log: ok"), "{out}");
}

#[test]
fn c_quickstart_runs_against_the_mock() {
    let out = build_and_run("examples/c/quickstart.c", &["--mock"]);
    assert!(out.contains("dry run: {\"method\":\"POST\""), "{out}");
    assert!(out.contains("\"ttl\":\"1h\""), "{out}");
    assert!(out.contains("message: {"), "{out}");
    assert!(out.contains("pong"), "{out}");
    assert!(out.contains("final message: {"), "{out}");
    assert!(
        !out.contains("sk-ant-api03-quickstart-example-key-000000"),
        "{out}"
    );
}

#[test]
fn c_bench_program_compiles() {
    let scratch = tempfile::tempdir().unwrap();
    compile(
        &[&root().join("examples/c/bench_request_build.c")],
        &scratch.path().join("bench"),
    );
}
