//! Reading `clawdbot.json`: JSON5, `$include`, the `env` block and `${VAR}` substitution.
//!
//! PROVISIONAL minimal loader (no `$include`, no substitution, no positions) — replaced by the
//! full implementation of SPEC §2.

use super::{Config, ConfigDoc};
use crate::env::{EnvSource, EnvView};
use crate::error::{ConfigError, Error, Result};
use crate::paths::Paths;
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
    /// is added below it).
    pub fn load_with(paths: Paths, env: EnvView) -> Result<Config> {
        let path = paths.config_path.clone();
        match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text, Some(path), paths, env),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => parse("{}", None, paths, env),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Parses config text (no file; `$include` paths resolve against the working directory).
    pub fn from_json5(text: &str) -> Result<Config> {
        Config::from_json5_with(text, Paths::from_process_env(), EnvView::empty())
    }

    /// Parses config text with explicit paths and environment.
    pub fn from_json5_with(text: &str, paths: Paths, env: EnvView) -> Result<Config> {
        parse(text, None, paths, env)
    }
}

fn parse(text: &str, file: Option<PathBuf>, paths: Paths, env: EnvView) -> Result<Config> {
    let raw: serde_json::Value = json5::from_str(text)
        .map_err(|e| Error::Config(ConfigError::message(file.clone(), e.to_string())))?;
    let doc: ConfigDoc = serde_json::from_value(raw.clone())
        .map_err(|e| Error::Config(ConfigError::message(file.clone(), e.to_string())))?;
    let env = match &doc.env {
        Some(block) => env.with_layer(EnvSource::ConfigBlock, block.variables()),
        None => env,
    };
    Ok(Config {
        doc,
        raw,
        source_path: file,
        paths,
        env,
        warnings: Vec::new(),
    })
}
