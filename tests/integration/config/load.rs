//! Integration tests of the config loader over fixture files (`tests/fixtures/config/`).

use claw_anthropic::config::CacheTtl;
use claw_anthropic::env::EnvSource;
use claw_anthropic::error::ConfigDiagnostic;
use claw_anthropic::{Config, EnvView, Error, Paths};
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(rel)
}

fn paths_for(config: &Path) -> Paths {
    Paths {
        home: Some(PathBuf::from("/nonexistent-home")),
        state_dir: PathBuf::from("/nonexistent-home/.clawdbot"),
        config_path: config.to_path_buf(),
        main_agent_dir_override: None,
    }
}

fn load(rel: &str, env: EnvView) -> claw_anthropic::Result<Config> {
    Config::load_with(paths_for(&fixture(rel)), env)
}

fn diagnostics(r: claw_anthropic::Result<Config>) -> Vec<ConfigDiagnostic> {
    match r {
        Err(Error::Config(e)) => e.diagnostics,
        Err(other) => panic!("expected a config error, got {other}"),
        Ok(_) => panic!("expected a config error, the config loaded"),
    }
}

#[test]
fn realistic_config_loads_with_typed_access() {
    let c = load("realistic/clawdbot.json", EnvView::empty()).unwrap();
    assert_eq!(
        c.source_path(),
        Some(fixture("realistic/clawdbot.json").as_path())
    );
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    assert_eq!(c.default_model().ref_string(), "anthropic/claude-opus-4-5");
    let fallbacks: Vec<String> = c.fallbacks().iter().map(|r| r.ref_string()).collect();
    assert_eq!(
        fallbacks,
        vec![
            "anthropic/claude-sonnet-4-5",
            "corp-proxy/claude-sonnet-4-5",
            "openrouter/google/gemini-2.5-pro"
        ]
    );
    assert_eq!(
        c.image_model_ref().unwrap().ref_string(),
        "anthropic/claude-sonnet-4-5"
    );
    let aliases: Vec<(String, String)> = c
        .aliases()
        .into_iter()
        .map(|(a, r)| (a, r.ref_string()))
        .collect();
    assert!(aliases.contains(&("opus".into(), "anthropic/claude-opus-4-5".into())));
    assert!(aliases.contains(&("sonnet".into(), "anthropic/claude-sonnet-4-5".into())));
    assert!(aliases.contains(&("corp".into(), "corp-proxy/claude-sonnet-4-5".into())));
    assert_eq!(c.allowed_models().len(), 4);

    let opus = c.model_params(&c.default_model()).unwrap();
    assert_eq!(opus.cache_control_ttl, Some(CacheTtl::OneHour));
    assert_eq!(opus.temperature, Some(0.7));
    assert_eq!(opus.max_tokens, Some(16384));
    let sonnet = c
        .model_params(&claw_anthropic::ModelRef::new(
            "anthropic",
            "claude-sonnet-4-5",
        ))
        .unwrap();
    assert_eq!(sonnet.extra["top_k"], 40);

    // Substituted from the env block.
    let proxy = c.provider("corp-proxy").unwrap();
    assert_eq!(proxy.api_key.as_deref(), Some("sk-proxy-1111111111111111"));
    assert_eq!(proxy.api.as_deref(), Some("anthropic-messages"));
    assert_eq!(proxy.extra["authHeader"], true);
    assert_eq!(
        c.provider("anthropic").unwrap().headers["anthropic-beta"],
        "context-1m-2025-08-07"
    );
    assert_eq!(
        c.raw().unwrap()["channels"]["telegram"]["botToken"],
        "123456789:AAFakeFakeFakeFakeFakeFakeFakeFake"
    );
    assert_eq!(
        c.env().get("PROXY_KEY").unwrap().source,
        EnvSource::ConfigBlock
    );
    assert!(c.env().get("OPENROUTER_API_KEY").is_some());
    assert!(c.env().get("shellEnv").is_none());

    // Auth metadata.
    let ids: Vec<&str> = c.auth_profiles().map(|(k, _)| k).collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[0], "anthropic:alex@example.com");
    assert_eq!(c.auth_order("anthropic").unwrap()[0], "anthropic:manual");
    let cd = c.cooldowns();
    assert_eq!(cd.billing_backoff_hours_by_provider["openrouter"], 1.5);

    // Unmodeled sections and extra keys kept as opaque JSON.
    let doc = c.doc();
    assert!(doc.other.contains_key("channels"));
    assert!(doc.other.contains_key("gateway"));
    let defaults = doc.agents.as_ref().unwrap().defaults.as_ref().unwrap();
    assert_eq!(defaults.extra["workspace"], "/home/alex/clawd/main");
    assert_eq!(defaults.extra["sandbox"]["mode"], "non-main");
    let list = &doc.agents.as_ref().unwrap().list;
    assert_eq!(
        list[1].agent_dir.as_deref(),
        Some("~/.clawdbot/agents/work/agent")
    );
    assert_eq!(list[1].extra["workspace"], "/home/alex/clawd/work");
    assert_eq!(c.default_agent_id().as_str(), "main");
}

#[test]
fn include_chain_merges_in_order() {
    let c = load("includes/main.json5", EnvView::empty()).unwrap();
    let raw = c.raw().unwrap();
    assert!(raw.get("$include").is_none());
    assert_eq!(raw["gateway"]["port"], 18789);
    assert_eq!(raw["channels"]["telegram"]["dmPolicy"], "pairing");
    // Siblings win over included content; included defaults win over base.
    assert_eq!(raw["agents"]["defaults"]["workspace"], "~/from-defaults");
    assert_eq!(c.default_model().ref_string(), "anthropic/claude-opus-4-5");
    assert_eq!(
        c.image_model_ref().unwrap().ref_string(),
        "anthropic/claude-sonnet-4-5"
    );
    // Arrays concatenate across an include array.
    let ids: Vec<&str> = c
        .doc()
        .agents
        .as_ref()
        .unwrap()
        .list
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(ids, vec!["main", "work"]);
    // ${VAR} in an included file resolves through the env block of another included file.
    assert_eq!(
        c.doc().agents.as_ref().unwrap().list[1]
            .agent_dir
            .as_deref(),
        Some("/srv/agents/work")
    );
    assert_eq!(
        c.model_params(&c.default_model())
            .unwrap()
            .cache_control_ttl,
        Some(CacheTtl::OneHour)
    );
}

#[test]
fn include_cycle_shows_the_chain() {
    let d = diagnostics(load("cycle/a.json5", EnvView::empty()));
    assert_eq!(d.len(), 1, "{d:?}");
    let a = fixture("cycle/a.json5");
    let b = fixture("cycle/b.json5");
    assert_eq!(
        d[0].message,
        format!(
            "Circular include detected: {} -> {} -> {}",
            a.display(),
            b.display(),
            a.display()
        )
    );
    // Reported where the offending `$include` is written: b.json5 line 2.
    assert_eq!(d[0].file.as_deref(), Some(b.as_path()));
    assert_eq!((d[0].line, d[0].column), (Some(2), Some(24)));
}

#[test]
fn missing_include_names_the_file() {
    let d = diagnostics(load("missing/main.json5", EnvView::empty()));
    assert_eq!(d.len(), 1);
    assert!(
        d[0].message
            .starts_with("Failed to read include file: ./nope.json5 (resolved: "),
        "{}",
        d[0].message
    );
    assert!(
        d[0].message
            .contains(&fixture("missing/nope.json5").display().to_string())
    );
    assert_eq!(
        d[0].file.as_deref(),
        Some(fixture("missing/main.json5").as_path())
    );
    assert_eq!((d[0].line, d[0].column), (Some(2), Some(24)));
}

#[test]
fn parse_error_in_included_file_points_into_it() {
    let d = diagnostics(load("parse-error/main.json5", EnvView::empty()));
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].file.as_deref(),
        Some(fixture("parse-error/broken.json5").as_path())
    );
    assert_eq!((d[0].line, d[0].column), (Some(4), Some(3)));
    assert!(d[0].message.contains("invalid JSON5"), "{}", d[0].message);
    assert!(d[0].message.contains("included from"), "{}", d[0].message);
    let shown = d[0].to_string();
    assert!(shown.contains("broken.json5:4:3: "), "{shown}");
}

#[test]
fn errors_carry_file_line_column_path_and_suggestion() {
    let d = diagnostics(load("errors/main.json5", EnvView::empty()));
    assert_eq!(d.len(), 2, "{d:?}");
    // Document order: the root file first, then the included one.
    let main = fixture("errors/main.json5");
    let agents = fixture("errors/agents.json5");
    assert_eq!(d[0].file.as_deref(), Some(main.as_path()));
    assert_eq!((d[0].line, d[0].column), (Some(5), Some(54)));
    assert_eq!(
        d[0].path.as_deref(),
        Some("auth.profiles[\"anthropic:me\"].mode")
    );
    assert_eq!(d[0].suggestion.as_deref(), Some("api_key"));
    assert_eq!(d[1].file.as_deref(), Some(agents.as_path()));
    assert_eq!((d[1].line, d[1].column), (Some(6), Some(21)));
    assert_eq!(
        d[1].path.as_deref(),
        Some("agents.defaults.models[\"anthropic/claude-opus-4-5\"].params.cacheControlTTL")
    );
    assert_eq!(d[1].suggestion.as_deref(), Some("cacheControlTtl"));
    assert_eq!(
        d[1].to_string(),
        format!(
            "{}:6:21: agents.defaults.models[\"anthropic/claude-opus-4-5\"].params.cacheControlTTL: unknown key \"cacheControlTTL\" looks like a misspelling (did you mean `cacheControlTtl`?)",
            agents.display()
        )
    );
}

#[test]
fn substitution_escapes_lowercase_and_block() {
    let c = load("subst/main.json5", EnvView::empty()).unwrap();
    let p = c.provider("p").unwrap();
    assert_eq!(p.api_key.as_deref(), Some("block"));
    assert_eq!(p.base_url.as_deref(), Some("https://block.example"));
    assert_eq!(p.headers["x-literal"], "${FROM_BLOCK}");
    assert_eq!(p.headers["x-lower"], "${lower}");
    assert_eq!(p.headers["x-dollar"], "$FROM_BLOCK");
    assert_eq!(
        c.raw().unwrap()["gateway"]["list"],
        serde_json::json!(["a", "block", {"deep": ["block"]}])
    );
}

#[test]
fn process_env_wins_over_config_block() {
    // An injected view; the real process environment is never touched.
    let env = EnvView::empty().with_layer(EnvSource::Process, [("SHADOWED", "process")]);
    let c = load("subst/main.json5", env).unwrap();
    assert_eq!(
        c.provider("p").unwrap().base_url.as_deref(),
        Some("https://process.example")
    );
    assert_eq!(c.env().get("SHADOWED").unwrap().source, EnvSource::Process);
    assert_eq!(
        c.env().get("FROM_BLOCK").unwrap().source,
        EnvSource::ConfigBlock
    );
    // A .env layer also beats the block.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "SHADOWED=dotenv\n").unwrap();
    let env = EnvView::empty().with_dotenv_file(&dir.path().join(".env"));
    let c = load("subst/main.json5", env).unwrap();
    assert_eq!(
        c.provider("p").unwrap().base_url.as_deref(),
        Some("https://dotenv.example")
    );
}

#[test]
fn empty_variable_counts_as_missing() {
    let env = EnvView::empty().with_layer(EnvSource::Process, [("EMPTY_VAR", "")]);
    let d = diagnostics(load("subst/empty-var.json5", env));
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].message,
        "Missing env var \"EMPTY_VAR\" referenced at config path: gateway.list[1]"
    );
    assert_eq!((d[0].line, d[0].column), (Some(2), Some(27)));
    let env = EnvView::empty().with_layer(EnvSource::Process, [("EMPTY_VAR", "set")]);
    let c = load("subst/empty-var.json5", env).unwrap();
    assert_eq!(c.raw().unwrap()["gateway"]["list"][1], "set");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn include_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    // f0 includes f1 … f10 includes f11: 11 nested includes, one too many.
    for i in 0..11 {
        write(
            dir.path(),
            &format!("f{i}.json5"),
            &format!("{{ $include: './f{}.json5', k{i}: {i} }}", i + 1),
        );
    }
    write(dir.path(), "f11.json5", "{ last: true }");
    let d = diagnostics(Config::load_with(
        paths_for(&dir.path().join("f0.json5")),
        EnvView::empty(),
    ));
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].message,
        "Maximum include depth (10) exceeded at: ./f11.json5"
    );
    assert_eq!(
        d[0].file.as_deref(),
        Some(dir.path().join("f10.json5").as_path())
    );
    // Ten levels are fine.
    write(dir.path(), "f10.json5", "{ k10: 10 }");
    let c = Config::load_with(paths_for(&dir.path().join("f0.json5")), EnvView::empty()).unwrap();
    assert_eq!(c.raw().unwrap()["k0"], 0);
    assert_eq!(c.raw().unwrap()["k10"], 10);
}

#[test]
fn include_forms_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "arr.json5", "[1, 2]");
    write(dir.path(), "obj.json5", "{ a: { x: 1 } }");
    let abs = dir.path().join("obj.json5");
    // No siblings: the included value replaces the object, whatever its type; absolute paths work.
    write(
        dir.path(),
        "main.json5",
        &format!(
            "{{ gateway: {{ list: {{ $include: 'arr.json5' }}, o: {{ $include: {} }} }} }}",
            serde_json::to_string(&abs.display().to_string()).unwrap()
        ),
    );
    let c = Config::load_with(paths_for(&dir.path().join("main.json5")), EnvView::empty()).unwrap();
    assert_eq!(
        c.raw().unwrap()["gateway"]["list"],
        serde_json::json!([1, 2])
    );
    assert_eq!(c.raw().unwrap()["gateway"]["o"]["a"]["x"], 1);

    // Siblings need an object; bad $include values are reported, all of them.
    write(
        dir.path(),
        "bad.json5",
        "{\n  a: { $include: 'arr.json5', k: 1 },\n  b: { $include: 42 },\n  c: { $include: ['obj.json5', true] },\n}",
    );
    let d = diagnostics(Config::load_with(
        paths_for(&dir.path().join("bad.json5")),
        EnvView::empty(),
    ));
    let msgs: Vec<String> = d
        .iter()
        .map(|d| format!("{}:{} {}", d.line.unwrap(), d.column.unwrap(), d.message))
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(
        msgs[0].starts_with(
            "2:18 $include: sibling keys require the included content to be an object"
        ),
        "{msgs:?}"
    );
    assert!(
        msgs[1].starts_with("3:18 invalid $include value"),
        "{msgs:?}"
    );
    assert!(
        msgs[2].starts_with("4:32 invalid $include array item"),
        "{msgs:?}"
    );
}

#[test]
fn input_limits() {
    let dir = tempfile::tempdir().unwrap();
    // 10,000 levels of nesting: a clear error, no stack overflow.
    let deep = format!("{{ a: {}{} }}", "[".repeat(10_000), "]".repeat(10_000));
    let p = write(dir.path(), "deep.json5", &deep);
    let d = diagnostics(Config::load_with(paths_for(&p), EnvView::empty()));
    assert!(
        d[0].message.contains("nesting too deep"),
        "{}",
        d[0].message
    );
    assert_eq!(d[0].line, Some(1));
    let d = diagnostics(Config::from_json5(&"{a:".repeat(10_000)));
    assert!(
        d[0].message.contains("nesting too deep"),
        "{}",
        d[0].message
    );

    // Nesting is counted across includes.
    write(
        dir.path(),
        "inner.json5",
        &format!("{}{}", "[".repeat(100), "]".repeat(100)),
    );
    let outer = format!(
        "{}{{ $include: 'inner.json5' }}{}",
        "[".repeat(50),
        "]".repeat(50)
    );
    let p = write(dir.path(), "outer.json5", &format!("{{ x: {outer} }}"));
    let d = diagnostics(Config::load_with(paths_for(&p), EnvView::empty()));
    assert!(
        d[0].message.contains("nesting too deep"),
        "{}",
        d[0].message
    );
    assert_eq!(
        d[0].file.as_deref(),
        Some(dir.path().join("inner.json5").as_path())
    );

    // Invalid UTF-8 names the file.
    let p = dir.path().join("latin1.json5");
    std::fs::write(&p, b"{ name: 'Jos\xe9' }").unwrap();
    let d = diagnostics(Config::load_with(paths_for(&p), EnvView::empty()));
    assert_eq!(d[0].file.as_deref(), Some(p.as_path()));
    assert!(d[0].message.contains("not valid UTF-8"), "{}", d[0].message);

    // Over 16 MiB is refused before parsing.
    let p = dir.path().join("huge.json5");
    std::fs::File::create(&p)
        .unwrap()
        .set_len(16 * 1024 * 1024 + 1)
        .unwrap();
    let d = diagnostics(Config::load_with(paths_for(&p), EnvView::empty()));
    assert!(d[0].message.contains("too large"), "{}", d[0].message);
    let e = Config::from_json5(&" ".repeat(16 * 1024 * 1024 + 1)).unwrap_err();
    assert!(e.to_string().contains("too large"), "{e}");
}

#[test]
fn json5_syntax_features() {
    let c = Config::from_json5(
        "// comment\n{\n  /* block */ unquoted: 'single', \"double\": \"q\", trailing: [1, 2,],\n  hex: 0x1F, lead: .5, plus: +1, inf: Infinity, multi: 'a\\\n b',\n}\n",
    )
    .unwrap();
    let raw = c.raw().unwrap();
    assert_eq!(raw["unquoted"], "single");
    assert_eq!(raw["trailing"], serde_json::json!([1, 2]));
    assert_eq!(raw["hex"], 31);
    assert_eq!(raw["lead"], 0.5);
    assert_eq!(raw["multi"], "a b");
}

#[test]
fn missing_config_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::load_with(paths_for(&dir.path().join("none.json")), EnvView::empty()).unwrap();
    assert!(c.source_path().is_none());
    assert_eq!(c.default_model().ref_string(), "anthropic/claude-opus-4-5");
    assert!(c.fallbacks().is_empty());
}

#[test]
fn json_schema_allows_unmodeled_sections() {
    let s = Config::json_schema();
    assert_eq!(s["type"], "object");
    assert!(s.get("additionalProperties").is_none());
    let ttl: Vec<&serde_json::Value> = s["$defs"]["CacheTtl"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["const"])
        .collect();
    assert_eq!(ttl, vec!["5m", "1h"]);
    assert_eq!(
        s["$defs"]["AuthProfileConfig"]["additionalProperties"],
        false
    );
}
