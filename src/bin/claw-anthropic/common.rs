//! Helpers shared by the commands: failures and exit codes, loading the config, reading secrets.

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::setup_token::parse_duration;
use claw_anthropic::{AgentId, Config, Error};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// A CLI failure: exit code and the message for stderr.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::InvalidArgument(_) => 2,
            _ => 1,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

pub(crate) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

pub(crate) fn failure(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

pub(crate) type CliResult = Result<ExitCode, Failure>;

pub(crate) fn parse_agent(s: &str) -> Result<AgentId, String> {
    AgentId::parse(s).map_err(|e| e.to_string())
}

pub(crate) fn parse_dur(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

/// Warnings from the library go to stderr; `CLAW_LOG` / `RUST_LOG` select more.
pub(crate) fn init_tracing() {
    let filter = std::env::var("CLAW_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}

pub(crate) fn load_config() -> Result<Arc<Config>, Failure> {
    Config::load().map(Arc::new).map_err(Failure::from)
}

pub(crate) fn agent_auth(config: &Arc<Config>, agent: Option<&AgentId>) -> AgentAuth {
    let agent = agent
        .cloned()
        .unwrap_or_else(|| claw_anthropic::paths::default_agent_id(config));
    AgentAuth::new(config.clone(), agent)
}

pub(crate) fn read_secret(prompt: &str) -> Result<String, Failure> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| failure(format!("could not read input: {e}")))
    } else {
        let mut s = String::new();
        std::io::stdin()
            .take(1024 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| failure(format!("could not read stdin: {e}")))?;
        Ok(s.trim().to_owned())
    }
}

pub(crate) fn normalized_provider(p: &str) -> String {
    claw_anthropic::config::model_ref::normalize_provider(p).into_owned()
}
