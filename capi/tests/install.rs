//! `make install PREFIX=<tmp>` installs what a C user needs, and a C program builds against it with
//! nothing but `pkg-config` (no path into `target/`), dynamically and statically; `make uninstall`
//! removes exactly what was installed.
//!
//! The library is built by the Makefile with the debug profile and the test run's features into
//! this test run's own target directory, so it reuses what cargo already built.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the workspace holding this crate).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("capi/ has a parent")
        .to_path_buf()
}

/// `target/` of this test run (`target/<profile>/deps/<test exe>` → `target`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.ancestors().nth(3).expect("target dir").to_path_buf()
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn make(target: &str, prefix: &Path) -> Output {
    run(Command::new("make")
        .arg("-C")
        .arg(root())
        .arg(target)
        .arg(format!("PREFIX={}", prefix.display()))
        .arg("PROFILE=debug")
        // The feature set of the README's test command (`cargo test --all-features` over the
        // workspace), so the library the tests already built is reused rather than rebuilt.
        .arg("CARGO_FLAGS=--all-features --features claw/cli")
        .env("CARGO_TARGET_DIR", target_dir()))
}

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = run(Command::new("pkg-config")
        .args(args)
        .arg("claw_anthropic")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .env_remove("PKG_CONFIG_LIBDIR"));
    stdout(&out).split_whitespace().map(str::to_owned).collect()
}

/// Dynamic section entries of an ELF file (`readelf -d`), e.g. `SONAME` or `NEEDED`.
fn dynamic(path: &Path, tag: &str) -> Vec<String> {
    let out = run(Command::new("readelf").arg("-d").arg(path));
    stdout(&out)
        .lines()
        .filter(|l| l.contains(&format!("({tag})")))
        .filter_map(|l| {
            l.split('[')
                .nth(1)
                .map(|s| s.trim_end_matches(']').to_owned())
        })
        .collect()
}

fn section_names(path: &Path) -> String {
    stdout(&run(Command::new("readelf").arg("-S").arg("-W").arg(path)))
}

fn build_quickstart(out: &Path, flags: &[String]) {
    run(Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-D_POSIX_C_SOURCE=200809L")
        .arg(root().join("examples/c/quickstart.c"))
        .arg("-o")
        .arg(out)
        .args(flags));
}

fn run_quickstart(exe: &Path, scratch: &Path, lib_path: Option<&Path>) -> String {
    let mut cmd = Command::new(exe);
    cmd.arg("--mock").current_dir(scratch);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("ANTHROPIC_") || k.starts_with("CLAWDBOT_") || k == "PI_CODING_AGENT_DIR" {
            cmd.env_remove(&*k);
        }
    }
    cmd.env_remove("LD_LIBRARY_PATH")
        .env("HOME", scratch)
        .env("CLAWDBOT_STATE_DIR", scratch.join("state"));
    if let Some(dir) = lib_path {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    stdout(&run(&mut cmd))
}

#[test]
fn make_install_then_pkg_config_dynamic_and_static_then_uninstall() {
    let scratch = tempfile::tempdir().unwrap();
    let prefix = scratch.path().join("prefix");
    make("install", &prefix);

    let version = env!("CARGO_PKG_VERSION");
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let lib = prefix.join("lib");
    let installed = [
        format!("lib/libclaw_anthropic.so.{version}"),
        format!("lib/libclaw_anthropic.so.{major}"),
        "lib/libclaw_anthropic.so".to_owned(),
        "lib/libclaw_anthropic.a".to_owned(),
        "include/claw_anthropic.h".to_owned(),
        "lib/pkgconfig/claw_anthropic.pc".to_owned(),
    ];
    for rel in &installed {
        assert!(
            prefix.join(rel).exists(),
            "{rel} was not installed under {}",
            prefix.display()
        );
    }
    assert_eq!(
        std::fs::read_link(lib.join(format!("libclaw_anthropic.so.{major}"))).unwrap(),
        PathBuf::from(format!("libclaw_anthropic.so.{version}"))
    );
    assert_eq!(
        std::fs::read_link(lib.join("libclaw_anthropic.so")).unwrap(),
        PathBuf::from(format!("libclaw_anthropic.so.{major}"))
    );
    let so = lib.join(format!("libclaw_anthropic.so.{version}"));
    assert_eq!(
        dynamic(&so, "SONAME"),
        [format!("libclaw_anthropic.so.{major}")]
    );
    // Stripped: no symbol table and no DWARF (the dynamic symbols stay).
    let sections = section_names(&so);
    for name in [".symtab", ".debug_info", ".debug_line"] {
        assert!(
            !sections.contains(name),
            "{name} in the shared library:\n{sections}"
        );
    }
    let archive = section_names(&lib.join("libclaw_anthropic.a"));
    for name in [".debug_info", ".debug_line"] {
        assert!(!archive.contains(name), "{name} in the static library");
    }

    // The pkg-config file: flags into the prefix only; Libs.private from rustc.
    let cflags = pkg_config(&prefix, &["--cflags"]);
    let libs = pkg_config(&prefix, &["--libs"]);
    let static_libs = pkg_config(&prefix, &["--static", "--libs"]);
    let all = [&cflags[..], &libs[..], &static_libs[..]].concat();
    assert!(
        all.iter().all(|f| !f.contains("target/")),
        "pkg-config points into target/: {all:?}"
    );
    assert_eq!(cflags, [format!("-I{}", prefix.join("include").display())]);
    assert!(libs.contains(&"-lclaw_anthropic".to_owned()), "{libs:?}");
    assert!(
        static_libs.len() > libs.len(),
        "no Libs.private: {static_libs:?}"
    );
    assert!(
        static_libs.contains(&"-lpthread".to_owned()),
        "{static_libs:?}"
    );

    // Dynamic link with only pkg-config's flags; the loader finds the library by its SONAME in the
    // prefix.
    let dynamic_exe = scratch.path().join("quickstart");
    build_quickstart(&dynamic_exe, &[cflags.clone(), libs].concat());
    assert_eq!(
        dynamic(&dynamic_exe, "NEEDED")
            .iter()
            .filter(|n| n.starts_with("libclaw_anthropic"))
            .collect::<Vec<_>>(),
        [&format!("libclaw_anthropic.so.{major}")]
    );
    let out = run_quickstart(&dynamic_exe, scratch.path(), Some(&lib));
    assert!(out.contains("mock server: http://127.0.0.1:"), "{out}");
    assert!(out.contains("final message: "), "{out}");

    // Static link: `pkg-config --static`, asking for the archive by file name (with both in one
    // directory the linker would otherwise prefer the shared library).
    let static_flags: Vec<String> = static_libs
        .into_iter()
        .map(|f| {
            if f == "-lclaw_anthropic" {
                "-l:libclaw_anthropic.a".to_owned()
            } else {
                f
            }
        })
        .collect();
    let static_exe = scratch.path().join("quickstart-static");
    build_quickstart(&static_exe, &[cflags, static_flags].concat());
    assert!(
        dynamic(&static_exe, "NEEDED")
            .iter()
            .all(|n| !n.starts_with("libclaw_anthropic")),
        "the static build still needs the shared library"
    );
    let out = run_quickstart(&static_exe, scratch.path(), None);
    assert!(out.contains("mock server: http://127.0.0.1:"), "{out}");

    // Uninstall removes exactly the installed files.
    make("uninstall", &prefix);
    for rel in &installed {
        assert!(
            std::fs::symlink_metadata(prefix.join(rel)).is_err(),
            "{rel} is still there after make uninstall"
        );
    }
}
