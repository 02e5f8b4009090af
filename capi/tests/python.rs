//! Runs the Python package's unittest suite (`python/tests`) against the freshly built cdylib
//! (`CLAW_ANTHROPIC_LIB`), in a scratch `HOME`/working directory with no `ANTHROPIC_*` /
//! `CLAWDBOT_*` variables inherited.

mod support;

use std::path::PathBuf;
use std::process::Command;

/// The repository root (the workspace holding this crate).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("capi/ has a parent")
        .to_path_buf()
}

fn cdylib() -> PathBuf {
    support::cdylib()
}

#[test]
fn python_unittest_suite() {
    let scratch = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(root().join("python/tests"))
        .arg("-t")
        .arg(root().join("python"))
        .current_dir(scratch.path());
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("ANTHROPIC_") || k.starts_with("CLAWDBOT_") || k == "PI_CODING_AGENT_DIR" {
            cmd.env_remove(&*k);
        }
    }
    cmd.env("CLAW_ANTHROPIC_LIB", cdylib())
        .env("HOME", scratch.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("RUST_BACKTRACE", "1");
    let out = cmd
        .output()
        .expect("python3 is needed for this test (CI installs it)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python unittest failed ({}):\n{}\n{stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    // unittest reports on stderr: make sure tests actually ran.
    assert!(stderr.contains("\nOK"), "{stderr}");
    assert!(!stderr.contains("Ran 0 tests"), "{stderr}");
}
