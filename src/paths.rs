//! Where things live (SPEC §1): state dir, config file, agent dirs, auth stores, agent ids.

use crate::error::{Error, Result};
use std::fmt;
use std::path::{Path, PathBuf};

/// The id of the agent used when none is configured.
pub const DEFAULT_AGENT_ID: &str = "main";
/// File name of an agent's auth store.
pub const AUTH_STORE_FILE: &str = "auth-profiles.json";
/// File name of the config inside the state dir.
pub const CONFIG_FILE: &str = "clawdbot.json";

/// A validated, lowercased agent id (`[a-z0-9][a-z0-9_-]{0,63}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentId(String);

impl AgentId {
    /// Lowercases and validates `s`.
    pub fn parse(s: &str) -> Result<Self> {
        let id = s.trim().to_ascii_lowercase();
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().enumerate().all(|(i, b)| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || (i > 0 && (b == b'_' || b == b'-'))
            });
        if ok {
            Ok(AgentId(id))
        } else {
            Err(Error::InvalidArgument(format!(
                "invalid agent id {s:?}: use 1-64 characters [a-z0-9_-], starting with a letter or digit"
            )))
        }
    }

    /// The `main` agent.
    pub fn main() -> Self {
        AgentId(DEFAULT_AGENT_ID.to_owned())
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for AgentId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        AgentId::parse(s)
    }
}

/// The locations derived from the environment: home, state dir, config path and the
/// `main` agent's directory override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `$HOME`, used for `~` expansion and `~/…` display.
    pub home: Option<PathBuf>,
    /// `$CLAWDBOT_STATE_DIR` else `~/.clawdbot`.
    pub state_dir: PathBuf,
    /// `$CLAWDBOT_CONFIG_PATH` else `<state>/clawdbot.json`.
    pub config_path: PathBuf,
    /// `$CLAWDBOT_AGENT_DIR`, then `$PI_CODING_AGENT_DIR` (the `main` agent only).
    pub main_agent_dir_override: Option<PathBuf>,
}

impl Paths {
    /// Paths from the real process environment.
    pub fn from_process_env() -> Self {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Paths from any variable lookup (tests inject their own).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Self {
        let nonblank = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let home = nonblank("HOME").map(PathBuf::from);
        let expand = |v: String| expand_tilde(&v, home.as_deref());
        let state_dir = nonblank("CLAWDBOT_STATE_DIR")
            .map(expand)
            .unwrap_or_else(|| {
                home.clone()
                    .unwrap_or_else(|| PathBuf::from("."))
                    .join(".clawdbot")
            });
        let config_path = nonblank("CLAWDBOT_CONFIG_PATH")
            .map(expand)
            .unwrap_or_else(|| state_dir.join(CONFIG_FILE));
        let main_agent_dir_override = nonblank("CLAWDBOT_AGENT_DIR")
            .or_else(|| nonblank("PI_CODING_AGENT_DIR"))
            .map(expand);
        Paths {
            home,
            state_dir,
            config_path,
            main_agent_dir_override,
        }
    }

    /// Paths rooted at an explicit state dir (config at `<dir>/clawdbot.json`, no overrides).
    pub fn with_state_dir(dir: impl Into<PathBuf>) -> Self {
        let state_dir = dir.into();
        Paths {
            home: std::env::var_os("HOME").map(PathBuf::from),
            config_path: state_dir.join(CONFIG_FILE),
            state_dir,
            main_agent_dir_override: None,
        }
    }

    /// `path` with the home directory shown as `~` (as the reference prints paths).
    pub fn display(&self, path: &Path) -> String {
        if let Some(home) = &self.home
            && let Ok(rest) = path.strip_prefix(home)
        {
            if rest.as_os_str().is_empty() {
                return "~".to_owned();
            }
            return format!("~/{}", rest.display());
        }
        path.display().to_string()
    }
}

/// Expands a leading `~` or `~/` using `home`.
pub fn expand_tilde(p: &str, home: Option<&Path>) -> PathBuf {
    match (p, home) {
        ("~", Some(h)) => h.to_path_buf(),
        (p, Some(h)) if p.starts_with("~/") => h.join(&p[2..]),
        _ => PathBuf::from(p),
    }
}

/// The default agent and the listed agents, as free functions of a [`Config`](crate::Config):
/// see [`Config::default_agent_id`](crate::Config::default_agent_id) and
/// [`Config::agent_ids`](crate::Config::agent_ids).
pub use crate::config::agents::{agent_ids, default_agent_id};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn agent_ids_validate() {
        assert_eq!(AgentId::parse("Work").unwrap().as_str(), "work");
        assert!(AgentId::parse("a_b-9").is_ok());
        assert!(AgentId::parse("-x").is_err());
        assert!(AgentId::parse("").is_err());
        assert!(AgentId::parse("a/b").is_err());
        assert!(AgentId::parse(&"a".repeat(64)).is_ok());
        assert!(AgentId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn state_and_config_paths() {
        let p = Paths::from_vars(vars(&[("HOME", "/h")]));
        assert_eq!(p.state_dir, PathBuf::from("/h/.clawdbot"));
        assert_eq!(p.config_path, PathBuf::from("/h/.clawdbot/clawdbot.json"));
        let p = Paths::from_vars(vars(&[
            ("HOME", "/h"),
            ("CLAWDBOT_STATE_DIR", "~/st"),
            ("CLAWDBOT_CONFIG_PATH", "/etc/c.json"),
            ("PI_CODING_AGENT_DIR", "/pi"),
        ]));
        assert_eq!(p.state_dir, PathBuf::from("/h/st"));
        assert_eq!(p.config_path, PathBuf::from("/etc/c.json"));
        assert_eq!(p.main_agent_dir_override, Some(PathBuf::from("/pi")));
        assert_eq!(p.display(Path::new("/h/st/x")), "~/st/x");
        assert_eq!(p.display(Path::new("/other")), "/other");
    }
}
