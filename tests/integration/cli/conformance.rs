//! Replays the recorded Clawdbot scenarios (`tests/fixtures/conformance/`) against the built
//! `claw-anthropic` binary with the recording's own harness (`harness.py ours`), which compares
//! exit codes, `models status --json` output, the credential that finally succeeded and the
//! store bookkeeping with what the reference printed and wrote.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::Command;

#[test]
fn conformance_scenarios_match_the_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance");
    let out = Command::new("python3")
        .arg(root.join("harness.py"))
        .arg("ours")
        .arg(root.join("scenarios"))
        .arg(root.join("expected"))
        .env("OURS_BIN", env!("CARGO_BIN_EXE_claw-anthropic"))
        .output()
        .expect("python3 must be installed to run the conformance harness");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "conformance failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
