//! Shared by the capi integration tests: the C library they load, built for this test run.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The C library of this checkout (`target/<profile>/libclaw_anthropic.so`).
///
/// `cargo test` builds no cdylib for integration tests (they cannot link one), so this builds it
/// once per test binary with `cargo build -p claw-anthropic-capi`, into this run's target
/// directory and with the feature set of the README's test command, so that what the test run
/// already compiled is reused.
pub fn cdylib() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("current_exe");
            // target/<profile>/deps/<test exe>
            let profile_dir = exe.ancestors().nth(2).expect("profile dir").to_path_buf();
            let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
            let profile = profile_dir
                .file_name()
                .and_then(|n| n.to_str())
                .expect("profile name")
                .to_owned();
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.args([
                "build",
                "--quiet",
                "-p",
                "claw-anthropic-capi",
                "--all-features",
            ])
            .args(["--features", "claw/cli"])
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
            match profile.as_str() {
                "debug" => {}
                "release" => {
                    cmd.arg("--release");
                }
                other => {
                    cmd.args(["--profile", other]);
                }
            }
            let out = cmd.output().expect("run cargo build");
            assert!(
                out.status.success(),
                "cargo build -p claw-anthropic-capi failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let name = format!(
                "{}claw_anthropic{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            );
            let lib = profile_dir.join(name);
            assert!(lib.exists(), "{} was not built", lib.display());
            lib
        })
        .clone()
}
