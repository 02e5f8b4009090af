//! The committed C header equals a fresh cbindgen generation, and compiles as C11 and C++17 with
//! `-Wall -Wextra -Werror -pedantic`, also when included twice in one translation unit.
//!
//! `UPDATE_HEADER=1 cargo test -p claw-anthropic-capi --test header` rewrites `include/claw_anthropic.h`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the workspace holding this crate).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("capi/ has a parent")
        .to_path_buf()
}

fn generate() -> String {
    let root = root();
    let config =
        cbindgen::Config::from_file(root.join("capi/cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("capi/src/lib.rs"))
        .generate()
        .expect("cbindgen generation");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

#[test]
fn header_is_up_to_date() {
    let path = root().join("include/claw_anthropic.h");
    let fresh = generate();
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("write header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map(|i| i + 1)
            .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()) + 1);
        panic!(
            "include/claw_anthropic.h is stale (first difference at line {line}); \
             regenerate it with `UPDATE_HEADER=1 cargo test -p claw-anthropic-capi --test header`"
        );
    }
}

#[test]
fn header_declares_the_contract() {
    let h = generate();
    for name in [
        "typedef uint32_t claw_result;",
        "typedef struct claw_error claw_error;",
        "typedef struct claw_config claw_config;",
        "const char *claw_version(void);",
        "claw_config_load(",
        "claw_config_from_json5(",
        "void claw_config_free(claw_config *cfg);",
        "uint32_t claw_error_code(const claw_error *err);",
        "const char *claw_error_message(const claw_error *err);",
        "void claw_error_free(claw_error *err);",
        "void claw_string_free(char *s);",
        "#define CLAW_OK 0",
        "#ifndef CLAW_ANTHROPIC_H",
        "extern \"C\"",
    ] {
        assert!(h.contains(name), "header lacks `{name}`");
    }
}

fn compile(compiler: &str, std: &str, ext: &str, dir: &Path) {
    let src = dir.join(format!("twice.{ext}"));
    std::fs::write(
        &src,
        "#include \"claw_anthropic.h\"\n#include \"claw_anthropic.h\"\n\
         int main(void) {\n  const char *v = claw_version();\n  claw_result r = CLAW_OK;\n  \
         claw_error *e = 0;\n  claw_error_free(e);\n  return (v != 0 && r == CLAW_OK) ? 0 : 1;\n}\n",
    )
    .unwrap();
    let out = Command::new(compiler)
        .arg(format!("-std={std}"))
        .args([
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
            "-I",
        ])
        .arg(root().join("include"))
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(
        out.status.success(),
        "{compiler} -std={std} rejected the header:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn header_compiles_as_c11_and_cpp17_twice_included() {
    let dir = tempfile::tempdir().unwrap();
    compile("cc", "c11", "c", dir.path());
    compile("c++", "c++17", "cpp", dir.path());
}
