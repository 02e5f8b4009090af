//! Where things live ([paths](crate::compatibility#paths)): state dir, config file, agent dirs,
//! auth stores, agent ids.

use crate::error::{ConfigError, Error, Result};
use std::fmt;
use std::path::{Path, PathBuf};

/// The id of the agent used when none is configured.
pub const DEFAULT_AGENT_ID: &str = "main";
/// File name of an agent's auth store.
pub const AUTH_STORE_FILE: &str = "auth-profiles.json";
/// File name of the config inside the state dir.
pub const CONFIG_FILE: &str = "clawdbot.json";

/// An agent id in Clawdbot's normal form: 1-64 characters `[a-z0-9_-]`, starting with a letter
/// or digit.
///
/// Clawdbot normalises every agent id it reads (config `agents.list[].id`, `--agent`) before
/// using it as a directory name, and so does this crate: trimmed and lowercased; anything else
/// than `[a-z0-9_-]` becomes `-` (a run of them one `-`); leading and trailing `-` dropped; at
/// most 64 characters. `"My Agent"` is `my-agent`, `"work.bot"` is `work-bot`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentId(String);

impl AgentId {
    /// Normalises `s` as Clawdbot does. Unlike [`AgentId::normalize`], an id that is blank or
    /// has nothing usable in it (`"///"`) is an error rather than `main`: an explicit id that
    /// names no agent is a mistake.
    pub fn parse(s: &str) -> Result<Self> {
        match normalize_agent_id(s) {
            Some(id) => Ok(AgentId(id)),
            None => Err(Error::InvalidArgument(format!(
                "invalid agent id {s:?}: use 1-64 characters [a-z0-9_-], starting with a letter or digit"
            ))),
        }
    }

    /// Normalises `s` exactly as Clawdbot does, including its fallback: an id that is blank or
    /// normalises to nothing is `main`. Used for ids read from the config.
    pub fn normalize(s: &str) -> Self {
        normalize_agent_id(s).map_or_else(AgentId::main, AgentId)
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

/// Clawdbot's agent-id normal form; `None` where Clawdbot would fall back to `main`.
fn normalize_agent_id(s: &str) -> Option<String> {
    let trimmed = s.trim();
    let valid = |t: &str| {
        let b = t.as_bytes();
        !b.is_empty()
            && b.len() <= 64
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    };
    if valid(trimmed) {
        return Some(trimmed.to_ascii_lowercase());
    }
    // Lowercase (Unicode, as JavaScript's `toLowerCase`), collapse each run of other
    // characters to one `-`, trim dashes at both ends, keep 64 characters.
    let mut out = String::with_capacity(trimmed.len());
    let mut in_run = false;
    for c in trimmed.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    let out: String = out.trim_matches('-').chars().take(64).collect();
    (!out.is_empty()).then_some(out)
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
    /// `$HOME` (else the account's home from the password database), used for `~` expansion
    /// and `~/…` display.
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
    ///
    /// The home directory is `$HOME`, else the account's home from the password database (as
    /// Node's `os.homedir()` finds it). Without either, the default state dir `~/.clawdbot`
    /// (and any `~/…` in the variables) cannot be placed: that is an error, unless
    /// `$CLAWDBOT_STATE_DIR` names the state dir. Secrets are never written relative to the
    /// working directory by default.
    pub fn from_process_env() -> Result<Self> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Paths from any variable lookup (tests inject their own); without `HOME` the password
    /// database is asked, as in [`Paths::from_process_env`].
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::from_vars_and_account(get, account_home)
    }

    fn from_vars_and_account(
        get: impl Fn(&str) -> Option<String>,
        account_home: impl FnOnce() -> Option<PathBuf>,
    ) -> Result<Self> {
        let nonblank = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let home = nonblank("HOME")
            .map(PathBuf::from)
            .filter(|h| h.is_absolute())
            .or_else(account_home)
            .filter(|h| h.is_absolute());
        let no_home = |what: &str| {
            Error::Config(ConfigError::message(
                None,
                format!(
                    "cannot place the {what}: HOME is not set and the password database has no \
                     home directory for this account. Set HOME, or CLAWDBOT_STATE_DIR to an \
                     absolute path"
                ),
            ))
        };
        // `~` cannot be expanded without a home: an error, never a directory named `~`.
        let expand = |k: &str, v: String| {
            if home.is_none() && (v == "~" || v.starts_with("~/")) {
                return Err(no_home(&format!("{k} ({v})")));
            }
            Ok(expand_tilde(&v, home.as_deref()))
        };
        let state_dir = match (nonblank("CLAWDBOT_STATE_DIR"), &home) {
            (Some(dir), _) => expand("CLAWDBOT_STATE_DIR", dir)?,
            (None, Some(home)) => home.join(".clawdbot"),
            (None, None) => return Err(no_home("state directory (~/.clawdbot)")),
        };
        let config_path = match nonblank("CLAWDBOT_CONFIG_PATH") {
            Some(p) => expand("CLAWDBOT_CONFIG_PATH", p)?,
            None => state_dir.join(CONFIG_FILE),
        };
        let main_agent_dir_override = match nonblank("CLAWDBOT_AGENT_DIR")
            .map(|v| ("CLAWDBOT_AGENT_DIR", v))
            .or_else(|| nonblank("PI_CODING_AGENT_DIR").map(|v| ("PI_CODING_AGENT_DIR", v)))
        {
            Some((k, v)) => Some(expand(k, v)?),
            None => None,
        };
        Ok(Paths {
            home,
            state_dir,
            config_path,
            main_agent_dir_override,
        })
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

/// The home directory of the process's account in the password database (`getpwuid_r`).
fn account_home() -> Option<PathBuf> {
    let user = nix::unistd::User::from_uid(nix::unistd::getuid()).ok()??;
    (!user.dir.as_os_str().is_empty()).then_some(user.dir)
}

/// Expands a leading `~` or `~/` using `home`.
pub fn expand_tilde(p: &str, home: Option<&Path>) -> PathBuf {
    match (p, home) {
        ("~", Some(h)) => h.to_path_buf(),
        (p, Some(h)) if p.starts_with("~/") => h.join(&p[2..]),
        _ => PathBuf::from(p),
    }
}

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
    fn agent_ids_are_normalised_as_clawdbot_does() {
        let parse = |s: &str| AgentId::parse(s).map(|a| a.as_str().to_owned()).ok();
        assert_eq!(parse("Work").as_deref(), Some("work"));
        assert_eq!(parse("a_b-9").as_deref(), Some("a_b-9"));
        assert_eq!(parse("My Agent").as_deref(), Some("my-agent"));
        assert_eq!(parse("work.bot").as_deref(), Some("work-bot"));
        assert_eq!(parse("  --Team / Ops!! ").as_deref(), Some("team-ops"));
        assert_eq!(parse("-x").as_deref(), Some("x"));
        assert_eq!(parse("a/b").as_deref(), Some("a-b"));
        assert_eq!(parse("Ünïcode").as_deref(), Some("n-code"));
        assert_eq!(parse(&"a".repeat(64)), Some("a".repeat(64)));
        assert_eq!(parse(&"a".repeat(65)), Some("a".repeat(64)));
        assert_eq!(
            parse(&format!("{} x", "a".repeat(63))),
            Some(format!("{}-", "a".repeat(63)))
        );
        assert_eq!(parse(""), None);
        assert_eq!(parse("///"), None);
        assert_eq!(AgentId::normalize("///").as_str(), "main");
        assert_eq!(AgentId::normalize(" ").as_str(), "main");
        assert_eq!(AgentId::normalize("My Agent").as_str(), "my-agent");
    }

    #[test]
    fn home_from_the_password_database_never_the_working_directory() {
        let from = |pairs: &[(&str, &str)], account: Option<&str>| {
            let account = account.map(PathBuf::from);
            Paths::from_vars_and_account(vars(pairs), move || account)
        };
        let p = from(&[], Some("/acct")).unwrap();
        assert_eq!(p.home, Some(PathBuf::from("/acct")));
        assert_eq!(p.state_dir, PathBuf::from("/acct/.clawdbot"));
        let p = from(&[("HOME", " ")], Some("/acct")).unwrap();
        assert_eq!(p.state_dir, PathBuf::from("/acct/.clawdbot"));
        let p = from(&[("HOME", "/h")], Some("/acct")).unwrap();
        assert_eq!(p.state_dir, PathBuf::from("/h/.clawdbot"));
        let e = from(&[], None).unwrap_err().to_string();
        assert!(e.contains("HOME is not set"), "{e}");
        assert!(from(&[("HOME", "relative")], None).is_err());
        assert!(from(&[("CLAWDBOT_STATE_DIR", "~/st")], None).is_err());
        assert!(
            from(
                &[
                    ("CLAWDBOT_STATE_DIR", "/st"),
                    ("CLAWDBOT_CONFIG_PATH", "~/c.json")
                ],
                None
            )
            .is_err()
        );
        let p = from(&[("CLAWDBOT_STATE_DIR", "/st")], None).unwrap();
        assert_eq!(p.state_dir, PathBuf::from("/st"));
        assert_eq!(p.home, None);
    }

    #[test]
    fn state_and_config_paths() {
        let p = Paths::from_vars(vars(&[("HOME", "/h")])).unwrap();
        assert_eq!(p.state_dir, PathBuf::from("/h/.clawdbot"));
        assert_eq!(p.config_path, PathBuf::from("/h/.clawdbot/clawdbot.json"));
        let p = Paths::from_vars(vars(&[
            ("HOME", "/h"),
            ("CLAWDBOT_STATE_DIR", "~/st"),
            ("CLAWDBOT_CONFIG_PATH", "/etc/c.json"),
            ("PI_CODING_AGENT_DIR", "/pi"),
        ]))
        .unwrap();
        assert_eq!(p.state_dir, PathBuf::from("/h/st"));
        assert_eq!(p.config_path, PathBuf::from("/etc/c.json"));
        assert_eq!(p.main_agent_dir_override, Some(PathBuf::from("/pi")));
        assert_eq!(p.display(Path::new("/h/st/x")), "~/st/x");
        assert_eq!(p.display(Path::new("/other")), "/other");
    }
}
