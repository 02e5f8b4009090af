//! Loading and typed access to `clawdbot.json` ([config file](crate::compatibility#config-file)).
//!
//! ```no_run
//! # fn main() -> claw_anthropic::Result<()> {
//! let config = claw_anthropic::Config::load()?; // ~/.clawdbot/clawdbot.json, or an empty config
//! println!("default model: {}", config.default_model().ref_string());
//! # Ok(()) }
//! ```

pub(crate) mod agents;
mod diag;
mod fast;
mod include;
mod load;
mod locate;
pub mod model_ref;
mod parsed;
pub mod schema;
mod subst;
mod tree;
mod typed;
pub mod types;
mod validate;

/// For the `config_fast_full` fuzz target only (`cargo fuzz` builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
#[doc(hidden)]
pub use load::{FastOutcome, compare_fast_and_full};
pub use model_ref::{ModelRef, ModelRefWarning};
pub use schema::json_schema;
pub use tree::MAX_DEPTH;
pub use types::*;

use crate::env::EnvView;
use crate::paths::Paths;
use std::path::{Path, PathBuf};

/// A loaded configuration: the typed modeled sections, the whole merged document, the paths and
/// the environment view it was resolved with. Immutable and cheap to share (`Arc` it).
/// `Debug` leaves out the raw document (it may hold secrets) and masks the modeled ones.
#[derive(Clone)]
pub struct Config {
    pub(crate) doc: ConfigDoc,
    pub(crate) raw: load::RawDoc,
    pub(crate) source_path: Option<PathBuf>,
    pub(crate) paths: Paths,
    pub(crate) env: EnvView,
    pub(crate) warnings: Vec<String>,
    /// Checked request URLs, filled by the request builder on first use.
    pub(crate) endpoints: EndpointCache,
}

/// Request URLs per (provider, path) with the outcome of their checks (an error message), so
/// the builder parses and checks a provider's `baseUrl` once per config, not once per request.
/// A clone of the config starts empty.
#[derive(Default)]
pub(crate) struct EndpointCache(std::sync::Mutex<Vec<CachedEndpoint>>);

type CachedEndpoint = (
    String,
    &'static str,
    std::result::Result<reqwest::Url, String>,
);

impl Clone for EndpointCache {
    fn clone(&self) -> Self {
        EndpointCache::default()
    }
}

impl EndpointCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<CachedEndpoint>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached outcome for `provider` and `path`, if any.
    pub(crate) fn get(
        &self,
        provider: &str,
        path: &str,
    ) -> Option<std::result::Result<reqwest::Url, String>> {
        self.entries()
            .iter()
            .find(|(p, q, _)| p == provider && *q == path)
            .map(|(_, _, r)| r.clone())
    }

    /// Remembers the outcome for `provider` and `path`.
    pub(crate) fn put(
        &self,
        provider: &str,
        path: &'static str,
        outcome: std::result::Result<reqwest::Url, String>,
    ) {
        let mut entries = self.entries();
        if !entries.iter().any(|(p, q, _)| p == provider && *q == path) {
            entries.push((provider.to_owned(), path, outcome));
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("doc", &self.doc)
            .field("source_path", &self.source_path)
            .field("paths", &self.paths)
            .field("env", &self.env)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The typed modeled sections.
    pub fn doc(&self) -> &ConfigDoc {
        &self.doc
    }
    /// The whole document after `$include` and `${VAR}` substitution (unmodeled sections included).
    /// Built on the first call (loading does not need it), then kept.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) if the document cannot be rebuilt from the text
    /// the config was loaded from. That would be a defect of the loader; the error says so.
    pub fn raw(&self) -> crate::error::Result<&serde_json::Value> {
        self.raw.get(&self.doc).map_err(|why| {
            crate::error::Error::Config(crate::error::ConfigError::message(
                self.source_path.clone(),
                why,
            ))
        })
    }
    /// The file this config was loaded from (`None` for [`Config::from_json5`] and for a missing file).
    pub fn source_path(&self) -> Option<&Path> {
        self.source_path.as_deref()
    }
    /// The paths (state dir, config path, …) this config resolves agent dirs with.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }
    /// The environment view: process env > `./.env` > `<state>/.env` > this config's `env` block.
    pub fn env(&self) -> &EnvView {
        &self.env
    }
    /// Non-fatal warnings found while loading.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}
