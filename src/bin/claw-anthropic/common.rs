//! Helpers shared by the commands: failures and exit codes, loading the config, reading secrets.

use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::setup_token::parse_duration;
use claw_anthropic::{AgentId, Config, Error};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// A CLI failure: exit code and the message for stderr (nothing is printed when it is empty).
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

/// Stdout was closed by its reader (`… | head`): stop quietly with status 0, as Unix filters do;
/// the reader has what it asked for.
pub(crate) fn closed_stdout() -> Failure {
    Failure {
        code: 0,
        message: String::new(),
    }
}

/// Maps an error writing stdout: a closed pipe is a quiet stop, anything else a failure.
pub(crate) fn stdout_error(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        closed_stdout()
    } else {
        failure(format!("could not write to stdout: {e}"))
    }
}

/// Writes to stdout (the `out!` / `outln!` macros).
pub(crate) fn write_out(args: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// Whether stderr gets ANSI colours: only on a terminal, and never with `NO_COLOR` set.
pub(crate) fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

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
    // Spans (one per request, one per attempt) are printed when they close, with their fields.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(stderr_color())
        .with_target(false)
        .without_time()
        .try_init();
}

pub(crate) fn load_config() -> Result<Arc<Config>, Failure> {
    Config::load().map(Arc::new).map_err(Failure::from)
}

pub(crate) fn agent_auth(config: &Arc<Config>, agent: Option<&AgentId>) -> AgentAuth {
    let agent = agent.cloned().unwrap_or_else(|| config.default_agent_id());
    AgentAuth::new(config.clone(), agent)
}

/// The most a secret read from stdin may hold (1 MiB).
pub(crate) const SECRET_INPUT_LIMIT: u64 = 1024 * 1024;

/// Reads a secret: a hidden prompt on a terminal, else all of stdin (at most
/// [`SECRET_INPUT_LIMIT`] bytes: longer input is refused, never cut).
pub(crate) fn read_secret(prompt: &str) -> Result<String, Failure> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| failure(format!("could not read input: {e}")))
    } else {
        let mut s = String::new();
        std::io::stdin()
            .take(SECRET_INPUT_LIMIT + 1)
            .read_to_string(&mut s)
            .map_err(|e| failure(format!("could not read stdin: {e}")))?;
        if s.len() as u64 > SECRET_INPUT_LIMIT {
            return Err(usage(format!(
                "stdin holds more than {SECRET_INPUT_LIMIT} bytes (1 MiB), the most accepted for a secret: nothing was saved. Pipe only the token or key."
            )));
        }
        Ok(s.trim().to_owned())
    }
}

/// Prints a saved profile id on stdout for scripts. On a terminal the "Saved …" line on stderr
/// names it already, so a person does not see it twice.
pub(crate) fn print_saved_id(id: &str) -> Result<(), Failure> {
    if std::io::stdout().is_terminal() {
        return Ok(());
    }
    write_out(format_args!("{id}\n"))
}

pub(crate) fn normalized_provider(p: &str) -> String {
    claw_anthropic::config::model_ref::normalize_provider(p).into_owned()
}
