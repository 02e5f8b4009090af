//! `claw-anthropic config validate|schema`, run as a real process with HOME and the state dir in a
//! temp dir.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::{Command, Output};

fn run(home: &Path, args: &[&str], extra_env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claw-anthropic"));
    cmd.args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("CLAWDBOT_STATE_DIR", home.join(".clawdbot"))
        .env_remove("CLAWDBOT_CONFIG_PATH")
        .env_remove("CLAWDBOT_AGENT_DIR")
        .env_remove("PI_CODING_AGENT_DIR");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().expect("run claw-anthropic")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write_config(home: &Path, text: &str) -> std::path::PathBuf {
    let dir = home.join(".clawdbot");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("clawdbot.json");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn validate_without_a_config_file_is_ok() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["config", "validate"], &[]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("ok"), "{}", stdout(&o));
}

#[test]
fn validate_realistic_config() {
    let home = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/realistic/clawdbot.json"),
    )
    .unwrap();
    let p = write_config(home.path(), &text);
    let o = run(home.path(), &["config", "validate"], &[]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(stdout(&o).trim(), format!("{}: ok", p.display()));

    let o = run(home.path(), &["config", "validate", "--json"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["path"], p.display().to_string());
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn validate_reports_every_problem() {
    let home = tempfile::tempdir().unwrap();
    let p = write_config(
        home.path(),
        "{\n  agents: { defaults: { models: {\n    'anthropic/claude-opus-4-5': { params: { cacheControlTTL: '1h' } },\n    'anthropic/claude-sonnet-4-5': { params: { cacheControlTtl: '2h' } },\n  } } },\n  channels: { anything: { goes: true } },\n}\n",
    );
    let o = run(home.path(), &["config", "validate"], &[]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[0],
        format!(
            "{}:3:46: agents.defaults.models[\"anthropic/claude-opus-4-5\"].params.cacheControlTTL: unknown key \"cacheControlTTL\" looks like a misspelling (did you mean `cacheControlTtl`?)",
            p.display()
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "{}:4:65: agents.defaults.models[\"anthropic/claude-sonnet-4-5\"].params.cacheControlTtl: invalid value \"2h\": expected one of \"5m\", \"1h\"",
            p.display()
        )
    );

    let o = run(home.path(), &["config", "validate", "--json"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let e = &v["errors"][0];
    assert_eq!(e["file"], p.display().to_string());
    assert_eq!(e["line"], 3);
    assert_eq!(e["column"], 46);
    assert_eq!(e["suggestion"], "cacheControlTtl");
    assert_eq!(
        e["path"],
        "agents.defaults.models[\"anthropic/claude-opus-4-5\"].params.cacheControlTTL"
    );
    assert_eq!(v["errors"][1]["suggestion"], serde_json::Value::Null);
}

#[test]
fn validate_respects_config_path_env() {
    let home = tempfile::tempdir().unwrap();
    let other = home.path().join("elsewhere.json5");
    std::fs::write(&other, "{ auth: { profiels: {} } }").unwrap();
    let o = run(
        home.path(),
        &["config", "validate"],
        &[("CLAWDBOT_CONFIG_PATH", &other)],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("{}:1:11: auth.profiels", other.display())),
        "{out}"
    );
    assert!(out.contains("(did you mean `profiles`?)"), "{out}");
}

#[test]
fn syntax_error_exit_1() {
    let home = tempfile::tempdir().unwrap();
    let p = write_config(home.path(), "{ a: 1,, }");
    let o = run(home.path(), &["config", "validate"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with(&format!("{}:1:", p.display())),
        "{}",
        stdout(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["config", "validate", "--bogus"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(home.path(), &["config"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn schema_prints_json_schema() {
    let home = tempfile::tempdir().unwrap();
    let o = run(home.path(), &["config", "schema"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["type"], "object");
    assert!(v["properties"]["agents"].is_object());
    assert!(v.get("additionalProperties").is_none());
}
