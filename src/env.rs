//! An explicit environment *view* ([environment](crate::compatibility#environment)).
//!
//! Precedence, highest first: the process environment, `./.env` in the working directory,
//! `<state>/.env`, then the config file's `env` block. A lower layer never overrides a non-blank
//! value of a higher one. The library **never** calls `std::env::set_var`; every lookup goes
//! through an [`EnvView`], which remembers which layer supplied each value so `models status` can
//! say where a key came from.
//!
//! Values are held as [`secrecy::SecretString`]: the view's `Debug` never prints them.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where an environment value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvSource {
    /// The process environment.
    Process,
    /// A `.env` file (the working directory's or the state dir's).
    DotEnv(PathBuf),
    /// The config file's `env` block (`env.vars.NAME` or `env.NAME`).
    ConfigBlock,
}

impl EnvSource {
    /// Short machine-readable layer name: `process`, `dotenv`, `config`.
    pub fn layer(&self) -> &'static str {
        match self {
            EnvSource::Process => "process",
            EnvSource::DotEnv(_) => "dotenv",
            EnvSource::ConfigBlock => "config",
        }
    }
}

impl fmt::Display for EnvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvSource::Process => f.write_str("process environment"),
            EnvSource::DotEnv(p) => write!(f, "{}", p.display()),
            EnvSource::ConfigBlock => f.write_str("config env block"),
        }
    }
}

/// One value of the view, with its name and source.
#[derive(Clone)]
pub struct EnvValue {
    /// Variable name.
    pub name: String,
    /// The value (secret: may be an API key).
    pub value: SecretString,
    /// The layer that supplied it.
    pub source: EnvSource,
}

impl EnvValue {
    /// The value in clear text. Callers must not log it.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// The reference's status label, `env: NAME`.
    pub fn label(&self) -> String {
        format!("env: {}", self.name)
    }
}

impl fmt::Debug for EnvValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvValue")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .field("source", &self.source)
            .finish()
    }
}

#[derive(Clone)]
struct Layer {
    source: EnvSource,
    vars: Vec<(String, SecretString)>,
}

impl Layer {
    fn get(&self, name: &str) -> Option<&SecretString> {
        // Last definition wins inside one layer (as in a .env file read top to bottom).
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// A layered, read-only environment. Cheap to clone.
#[derive(Clone, Default)]
pub struct EnvView {
    layers: Arc<Vec<Layer>>,
}

impl fmt::Debug for EnvView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_list();
        for l in self.layers.iter() {
            let names: Vec<&str> = l.vars.iter().map(|(k, _)| k.as_str()).collect();
            d.entry(&(l.source.layer(), names));
        }
        d.finish()
    }
}

impl EnvView {
    /// An empty view (nothing set).
    pub fn empty() -> Self {
        EnvView::default()
    }

    /// A view of the process environment only (no `.env` files, no config block).
    pub fn process() -> Self {
        EnvView::empty().with_layer(
            EnvSource::Process,
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// The standard view: process env, then `<cwd>/.env`, then `<state_dir>/.env`.
    /// Missing `.env` files are skipped; an unreadable or malformed one is skipped with a warning.
    pub fn standard(cwd: Option<&Path>, state_dir: &Path) -> Self {
        let mut view = EnvView::process();
        if let Some(cwd) = cwd {
            view = view.with_dotenv_file(&cwd.join(".env"));
        }
        view.with_dotenv_file(&state_dir.join(".env"))
    }

    /// Adds a layer **below** the existing ones.
    pub fn with_layer<I, K, V>(&self, source: EnvSource, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut layers: Vec<Layer> = self.layers.as_ref().clone();
        layers.push(Layer {
            source,
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), SecretString::from(v.into())))
                .collect(),
        });
        EnvView {
            layers: Arc::new(layers),
        }
    }

    /// Adds a `.env` file as a layer below the existing ones (parsed with `dotenvy`, never applied
    /// to the process). A missing file adds nothing.
    pub fn with_dotenv_file(&self, path: &Path) -> Self {
        match dotenvy::from_path_iter(path) {
            Ok(iter) => {
                let mut vars = Vec::new();
                for item in iter {
                    match item {
                        Ok(kv) => vars.push(kv),
                        Err(e) => {
                            tracing::warn!(file = %path.display(), error = %DotenvErr(&e), "skipping malformed line in .env file");
                        }
                    }
                }
                self.with_layer(EnvSource::DotEnv(path.to_path_buf()), vars)
            }
            Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => self.clone(),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %DotenvErr(&e), "could not read .env file");
                self.clone()
            }
        }
    }

    /// The first non-blank value of `name`, highest layer first.
    pub fn get(&self, name: &str) -> Option<EnvValue> {
        self.find(name).map(|(l, v)| EnvValue {
            name: name.to_owned(),
            value: v.clone(),
            source: l.source.clone(),
        })
    }

    /// The value [`EnvView::get`] gives, borrowed (config substitution reads many variables and
    /// copies each value once, into the string it substitutes).
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.find(name).map(|(_, v)| v.expose_secret())
    }

    fn find(&self, name: &str) -> Option<(&Layer, &SecretString)> {
        self.layers.iter().find_map(|l| {
            l.get(name)
                .filter(|v| !v.expose_secret().trim().is_empty())
                .map(|v| (l, v))
        })
    }

    /// The value of `name` as a plain string (non-blank), for non-secret variables such as paths.
    pub fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.expose().to_owned())
    }

    /// Names of all variables defined by a given kind of layer (for diagnostics).
    pub fn names_from(&self, layer: &str) -> Vec<String> {
        let mut out = Vec::new();
        for l in self.layers.iter().filter(|l| l.source.layer() == layer) {
            for (k, _) in &l.vars {
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        out
    }
}

/// Displays a dotenvy error without echoing the line content (which may hold a secret).
struct DotenvErr<'a>(&'a dotenvy::Error);

impl fmt::Display for DotenvErr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            dotenvy::Error::LineParse(_, idx) => write!(f, "parse error at byte {idx}"),
            dotenvy::Error::Io(e) => write!(f, "{e}"),
            dotenvy::Error::EnvVar(e) => write!(f, "{e}"),
            _ => f.write_str("malformed .env file"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_blank() {
        let v = EnvView::empty()
            .with_layer(EnvSource::Process, [("A", "p"), ("B", "  ")])
            .with_layer(
                EnvSource::DotEnv("/x/.env".into()),
                [("A", "d"), ("B", "d"), ("C", "d")],
            )
            .with_layer(EnvSource::ConfigBlock, [("C", "c"), ("D", "c")]);
        assert_eq!(v.get("A").unwrap().expose(), "p");
        assert_eq!(v.get("A").unwrap().source, EnvSource::Process);
        assert_eq!(v.get("B").unwrap().expose(), "d");
        assert_eq!(
            v.get("C").unwrap().source,
            EnvSource::DotEnv("/x/.env".into())
        );
        assert_eq!(v.get("D").unwrap().source, EnvSource::ConfigBlock);
        assert_eq!(v.get("D").unwrap().label(), "env: D");
        assert!(v.get("E").is_none());
    }

    #[test]
    fn debug_hides_values() {
        let v = EnvView::empty().with_layer(EnvSource::Process, [("KEY", "sk-ant-secret-value")]);
        let s = format!("{v:?} {:?}", v.get("KEY").unwrap());
        assert!(!s.contains("sk-ant-secret"), "{s}");
        assert!(s.contains("KEY"));
    }

    #[test]
    fn dotenv_file_layer() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "X=1\n# c\nY=\"two words\"\n").unwrap();
        let v = EnvView::empty().with_dotenv_file(&dir.path().join(".env"));
        assert_eq!(v.var("X").as_deref(), Some("1"));
        assert_eq!(v.var("Y").as_deref(), Some("two words"));
        let missing = EnvView::empty().with_dotenv_file(&dir.path().join("nope"));
        assert!(missing.get("X").is_none());
    }
}
