//! `models auth …`: the subcommands, storing a token, `paste-token`.

use crate::common::{
    CliResult, Failure, agent_auth, load_config, normalized_provider, parse_dur, print_saved_id,
    read_secret, usage,
};
use crate::order::OrderCommand;
use clap::Subcommand;
use claw_anthropic::AgentId;
use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::setup_token::{upsert_token_profile_report, validate_setup_token};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Subcommand)]
pub(crate) enum AuthCommand {
    /// Store a token (e.g. a Claude setup-token) as a profile. Reads stdin when it is not a TTY.
    PasteToken {
        /// Provider id (`anthropic`).
        #[arg(long)]
        provider: String,
        /// Profile id (default `<provider>:manual`).
        #[arg(long, value_name = "ID")]
        profile_id: Option<String>,
        /// Expiry from now, e.g. `365d`, `12h`, `30m`.
        #[arg(long, value_name = "DUR", value_parser = parse_dur)]
        expires_in: Option<Duration>,
    },
    /// Run `claude setup-token` (when the Claude CLI is installed) and store the token.
    SetupToken {
        /// Provider id (only `anthropic` issues setup-tokens).
        #[arg(long, default_value = "anthropic")]
        provider: String,
        /// Profile id (default `anthropic:manual`).
        #[arg(long, value_name = "ID")]
        profile_id: Option<String>,
        /// Expiry from now, e.g. `365d`.
        #[arg(long, value_name = "DUR", value_parser = parse_dur)]
        expires_in: Option<Duration>,
    },
    /// The agent's profile order (stored in its auth store; wins over config `auth.order`).
    Order {
        #[command(subcommand)]
        command: OrderCommand,
    },
}

pub(crate) fn store_token(
    auth: &AgentAuth,
    provider: &str,
    raw: &str,
    profile_id: Option<&str>,
    expires_in: Option<Duration>,
) -> Result<String, Failure> {
    let token = if provider == "anthropic" {
        validate_setup_token(raw)?
    } else {
        raw.trim().to_owned()
    };
    let report = upsert_token_profile_report(auth, provider, &token, profile_id, expires_in)?;
    if let Some(w) = &report.config.warning {
        eprintln!("warning: {w}");
    }
    Ok(report.profile_id)
}

pub(crate) fn paste_token(
    agent: Option<&AgentId>,
    provider: &str,
    profile_id: Option<&str>,
    expires_in: Option<Duration>,
) -> CliResult {
    let provider = normalized_provider(provider);
    if provider.is_empty() {
        return Err(usage("--provider must not be empty"));
    }
    let config = load_config()?;
    let auth = agent_auth(&config, agent);
    let raw = read_secret(&format!("Paste the {provider} token: "))?;
    let id = store_token(&auth, &provider, &raw, profile_id, expires_in)?;
    print_saved_id(&id)?;
    eprintln!(
        "Saved {id} for agent \"{}\" in {}",
        auth.agent(),
        config.paths().display(auth.store_path())
    );
    Ok(ExitCode::SUCCESS)
}
