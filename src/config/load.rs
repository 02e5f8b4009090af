//! Reading `clawdbot.json` (SPEC §2): JSON5, `$include`, the `env` block, `${VAR}` substitution
//! and validation.
//!
//! Pipeline: read (≤ 16 MiB, UTF-8) → parse JSON5 (≤ 128 levels) → resolve `$include`s → collect
//! the `env` block into the lowest layer of the environment view → substitute `${VAR}` → validate
//! the modeled sections → deserialize into [`ConfigDoc`]. Every problem found after parsing is
//! collected (not just the first) and reported with file, line:column and JSON path.

use super::diag::{Pending, Sources};
use super::include::{Includer, ReadError, read_source};
use super::locate::Pos;
use super::tree::{self, Kind, MAX_DEPTH, Node};
use super::{Config, ConfigDoc, ModelRefWarning};
use crate::env::{EnvSource, EnvView};
use crate::error::{ConfigError, Error, Result};
use crate::paths::Paths;
use serde::Deserialize;
use std::path::{Path, PathBuf};

impl Config {
    /// Loads the config from the default location (`$CLAWDBOT_CONFIG_PATH`, else
    /// `~/.clawdbot/clawdbot.json`) with the standard environment view. A missing file gives an
    /// empty config.
    pub fn load() -> Result<Config> {
        let paths = Paths::from_process_env();
        let cwd = std::env::current_dir().ok();
        let env = EnvView::standard(cwd.as_deref(), &paths.state_dir);
        Config::load_with(paths, env)
    }

    /// Loads the config file at `path` (other paths from the process environment).
    pub fn load_from(path: impl AsRef<Path>) -> Result<Config> {
        let mut paths = Paths::from_process_env();
        paths.config_path = path.as_ref().to_path_buf();
        let cwd = std::env::current_dir().ok();
        let env = EnvView::standard(cwd.as_deref(), &paths.state_dir);
        Config::load_with(paths, env)
    }

    /// Loads `paths.config_path` resolving variables through `env` (the config's own `env` block
    /// is added below it). A missing file gives an empty config.
    pub fn load_with(paths: Paths, env: EnvView) -> Result<Config> {
        let path = paths.config_path.clone();
        match read_source(&path) {
            Ok(text) => build(text, Some(path), paths, env),
            Err(ReadError::NotFound(_)) => build(String::new(), None, paths, env),
            Err(ReadError::Io(e)) => Err(Error::io(path, e)),
            Err(e) => Err(Error::Config(ConfigError::message(
                Some(path),
                e.to_string(),
            ))),
        }
    }

    /// Parses config text (no file; `$include` paths resolve against the working directory).
    pub fn from_json5(text: &str) -> Result<Config> {
        Config::from_json5_with(text, Paths::from_process_env(), EnvView::empty())
    }

    /// Parses config text with explicit paths and environment (`$include` paths resolve against
    /// the working directory).
    pub fn from_json5_with(text: &str, paths: Paths, env: EnvView) -> Result<Config> {
        if text.len() as u64 > super::include::MAX_FILE_BYTES {
            return Err(Error::Config(ConfigError::message(
                None,
                format!(
                    "config text is too large ({} bytes; the limit is {} bytes)",
                    text.len(),
                    super::include::MAX_FILE_BYTES
                ),
            )));
        }
        build(text.to_owned(), None, paths, env)
    }
}

/// Collects the `env` block's variables (Clawdbot's `collectConfigEnvVars`): non-empty string
/// entries of `env.vars`, then every other top-level non-blank string key except `shellEnv` and
/// `vars` (a later definition wins).
fn collect_env_block(root: &Node) -> Vec<(String, String)> {
    let Kind::Object(top) = &root.kind else {
        return Vec::new();
    };
    let Some(Node {
        kind: Kind::Object(env),
        ..
    }) = top.get("env")
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(Node {
        kind: Kind::Object(vars),
        ..
    }) = env.get("vars")
    {
        for (k, v) in vars {
            if let Kind::String(s) = &v.kind
                && !s.is_empty()
            {
                out.push((k.clone(), s.clone()));
            }
        }
    }
    for (k, v) in env {
        if k == "shellEnv" || k == "vars" {
            continue;
        }
        if let Kind::String(s) = &v.kind
            && !s.trim().is_empty()
        {
            out.push((k.clone(), s.clone()));
        }
    }
    out
}

fn config_error(sources: &Sources, pending: Vec<Pending>) -> Error {
    Error::Config(sources.resolve(pending))
}

fn build(text: String, file: Option<PathBuf>, paths: Paths, env: EnvView) -> Result<Config> {
    let mut sources = Sources::default();
    let blank = text.trim().is_empty();
    let root_idx = sources.add(file.clone(), text);
    let root = if blank {
        // A missing or empty file: all defaults.
        Node::empty_object(tree::Origin::NONE)
    } else {
        match tree::parse(&sources.files[root_idx as usize].text, root_idx, MAX_DEPTH) {
            Ok(n) => n,
            Err(e) => {
                let pos = e
                    .line
                    .zip(e.column)
                    .map(|(line, column)| Pos { line, column });
                return Err(config_error(
                    &sources,
                    vec![Pending::in_file(Some(root_idx), pos, e.message)],
                ));
            }
        }
    };

    // $include
    let (base, base_is_file) = match &file {
        Some(p) => (p.clone(), true),
        None => (
            std::env::current_dir().unwrap_or_default().join("<config>"),
            false,
        ),
    };
    let (mut root, diags) = Includer::run(&mut sources, root, &base, base_is_file);
    if !diags.is_empty() {
        return Err(config_error(&sources, diags));
    }

    // env block (before substitution, so `${VAR}` can reference it), then ${VAR}.
    let block = collect_env_block(&root);
    let lookup_env = if block.is_empty() {
        env.clone()
    } else {
        env.with_layer(EnvSource::ConfigBlock, block)
    };
    let mut diags = Vec::new();
    super::subst::substitute_tree(
        &mut root,
        &|name| lookup_env.get(name).map(|v| v.expose().to_owned()),
        &mut diags,
    );
    drop(lookup_env);

    // Validation of the modeled sections.
    diags.extend(super::validate::validate(&root));
    if !diags.is_empty() {
        return Err(config_error(&sources, diags));
    }

    // The view the config reports: the block's values after substitution.
    let block = collect_env_block(&root);
    let env = if block.is_empty() {
        env
    } else {
        env.with_layer(EnvSource::ConfigBlock, block)
    };

    let raw = root.into_value();
    let doc = typed_doc(&raw).map_err(|e| {
        Error::Config(ConfigError::message(
            file.clone(),
            format!("config does not match the expected shape: {e}"),
        ))
    })?;
    let mut config = Config {
        doc,
        raw,
        source_path: file,
        paths,
        env,
        warnings: Vec::new(),
    };
    config.warnings = compute_warnings(&config);
    Ok(config)
}

/// Builds the typed view section by section (cheaper than one `#[serde(flatten)]` pass over the
/// whole document, which would buffer every unmodeled section).
fn typed_doc(raw: &serde_json::Value) -> std::result::Result<ConfigDoc, serde_json::Error> {
    let mut doc = ConfigDoc::default();
    let serde_json::Value::Object(map) = raw else {
        return ConfigDoc::deserialize(raw);
    };
    for (k, v) in map {
        match k.as_str() {
            "env" => doc.env = Some(Deserialize::deserialize(v)?),
            "auth" => doc.auth = Some(Deserialize::deserialize(v)?),
            "agents" => doc.agents = Some(Deserialize::deserialize(v)?),
            "models" => doc.models = Some(Deserialize::deserialize(v)?),
            _ => {
                doc.other.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(doc)
}

/// Non-fatal findings: a primary model without a provider (the reference's warning).
fn compute_warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(raw) = config.default_model_raw()
        && let Some((_, Some(w @ ModelRefWarning::NoProvider { .. }))) =
            config.resolve_model_ref(raw)
    {
        out.push(w.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> Paths {
        Paths {
            home: Some(dir.to_path_buf()),
            state_dir: dir.join(".clawdbot"),
            config_path: dir.join(".clawdbot/clawdbot.json"),
            main_agent_dir_override: None,
        }
    }

    fn diags(r: Result<Config>) -> Vec<crate::error::ConfigDiagnostic> {
        match r {
            Err(Error::Config(c)) => c.diagnostics,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn missing_and_blank_files_are_empty() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load_with(paths(dir.path()), EnvView::empty()).unwrap();
        assert!(c.source_path().is_none());
        assert_eq!(c.raw(), &serde_json::json!({}));
        let c = Config::from_json5("  \n").unwrap();
        assert_eq!(c.default_model().ref_string(), "anthropic/claude-opus-4-5");
    }

    #[test]
    fn env_block_precedence_and_substitution() {
        let env = EnvView::empty().with_layer(EnvSource::Process, [("KEY", "from-process")]);
        let c = Config::from_json5_with(
            r#"{ env: { KEY: "from-config", OTHER: "o", vars: { V: "v", EMPTY: "" }, shellEnv: { enabled: false } },
                 models: { providers: { anthropic: { apiKey: "${KEY}", baseUrl: "${OTHER}/${V}" } } } }"#,
            Paths::with_state_dir("/nonexistent"),
            env,
        )
        .unwrap();
        let p = c.provider("anthropic").unwrap();
        assert_eq!(p.api_key.as_deref(), Some("from-process"));
        assert_eq!(p.base_url.as_deref(), Some("o/v"));
        assert_eq!(c.env().get("KEY").unwrap().source, EnvSource::Process);
        assert_eq!(c.env().get("OTHER").unwrap().source, EnvSource::ConfigBlock);
        assert_eq!(c.env().var("V").as_deref(), Some("v"));
        assert!(c.env().get("EMPTY").is_none());
    }

    #[test]
    fn env_block_values_are_substituted_in_the_view() {
        let env = EnvView::empty().with_layer(EnvSource::Process, [("BASE", "b")]);
        let c = Config::from_json5_with(
            r#"{ env: { DERIVED: "${BASE}-x" } }"#,
            Paths::with_state_dir("/nonexistent"),
            env,
        )
        .unwrap();
        assert_eq!(c.env().var("DERIVED").as_deref(), Some("b-x"));
    }

    #[test]
    fn all_problems_are_collected_in_order() {
        let d = diags(Config::from_json5(
            "{\n  auth: { bogus: 1 },\n  models: { providers: { a: { apiKey: '${NOPE_X}' } } },\n  agents: { defaults: { models: { 'a/b': { params: { cacheControlTTL: '1h' } } } } },\n}",
        ));
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!((d[0].line, d[0].column), (Some(2), Some(11)));
        assert_eq!(
            d[1].message,
            "Missing env var \"NOPE_X\" referenced at config path: models.providers.a.apiKey"
        );
        assert_eq!((d[1].line, d[1].column), (Some(3), Some(39)));
        assert_eq!(d[2].suggestion.as_deref(), Some("cacheControlTtl"));
        assert_eq!((d[2].line, d[2].column), (Some(4), Some(54)));
    }

    #[test]
    fn warnings_for_primary_without_provider() {
        let c = Config::from_json5(r#"{agents:{defaults:{model:"claude-x"}}}"#).unwrap();
        assert_eq!(c.warnings().len(), 1);
        assert!(c.warnings()[0].contains("without provider"));
        let c = Config::from_json5(r#"{agents:{defaults:{model:"anthropic/claude-x"}}}"#).unwrap();
        assert!(c.warnings().is_empty());
    }

    #[test]
    fn syntax_error_has_position() {
        let d = diags(Config::from_json5("{\n  a: 1,\n  b: ]\n}"));
        assert_eq!((d[0].line, d[0].column), (Some(3), Some(6)));
        assert!(d[0].file.is_none());
    }
}
