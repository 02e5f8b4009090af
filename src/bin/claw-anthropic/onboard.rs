//! `onboard`: set up Anthropic auth for an agent (API key or setup-token).

use crate::common::{
    CliResult, agent_auth, failure, load_config, normalized_provider, parse_dur, print_saved_id,
    read_secret, usage,
};
use clap::{Args, ValueEnum};
use claw_anthropic::AgentId;
use claw_anthropic::auth::setup_token::{
    upsert_api_key_profile_report, upsert_token_profile_report, validate_setup_token,
};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum AuthChoice {
    /// An Anthropic Console API key.
    #[value(name = "apiKey", alias = "api-key")]
    ApiKey,
    /// A Claude setup-token (paste).
    #[value(name = "token", alias = "setup-token", alias = "paste-token")]
    Token,
}

#[derive(Args)]
pub(crate) struct OnboardArgs {
    /// Never prompt; take everything from flags and the environment.
    #[arg(long)]
    non_interactive: bool,
    /// `apiKey` or `token` (setup-token).
    #[arg(long, value_enum)]
    auth_choice: Option<AuthChoice>,
    /// The API key (else `ANTHROPIC_API_KEY`).
    #[arg(long, value_name = "KEY")]
    anthropic_api_key: Option<String>,
    /// Provider of `--token` (`anthropic`).
    #[arg(long, value_name = "ID")]
    token_provider: Option<String>,
    /// The setup-token.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Profile id for the token (default `anthropic:default`).
    #[arg(long, value_name = "ID")]
    token_profile_id: Option<String>,
    /// Token expiry from now, e.g. `365d`.
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    token_expires_in: Option<Duration>,
}

pub(crate) fn onboard(agent: Option<&AgentId>, args: OnboardArgs) -> CliResult {
    let config = load_config()?;
    let auth = agent_auth(&config, agent);
    let interactive = !args.non_interactive && std::io::stdin().is_terminal();
    let choice = match args.auth_choice {
        Some(c) => c,
        None if args.token.is_some() => AuthChoice::Token,
        None if args.anthropic_api_key.is_some() || !interactive => AuthChoice::ApiKey,
        None => {
            eprintln!(
                "How should agent \"{}\" authenticate with Anthropic?",
                auth.agent()
            );
            eprintln!("  1) Anthropic API key (Console, usage-based billing)");
            eprintln!(
                "  2) Claude setup-token (your Claude subscription; from `claude setup-token`)"
            );
            eprint!("Choose 1 or 2: ");
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| failure(format!("could not read input: {e}")))?;
            match line.trim() {
                "1" => AuthChoice::ApiKey,
                "2" => AuthChoice::Token,
                other => return Err(usage(format!("unknown choice {other:?}: enter 1 or 2"))),
            }
        }
    };
    let (id, warning) = match choice {
        AuthChoice::ApiKey => {
            let key = match args.anthropic_api_key {
                Some(k) => k,
                None => match config.env().get("ANTHROPIC_API_KEY") {
                    Some(v) => v.expose().to_owned(),
                    None if interactive => read_secret("Anthropic API key: ")?,
                    None => {
                        return Err(usage(
                            "--auth-choice apiKey needs --anthropic-api-key KEY or ANTHROPIC_API_KEY in the environment",
                        ));
                    }
                },
            };
            if key.trim().is_empty() {
                return Err(usage("the API key is empty"));
            }
            let r = upsert_api_key_profile_report(&auth, &key, None)?;
            (r.profile_id, r.config.warning)
        }
        AuthChoice::Token => {
            let provider =
                normalized_provider(args.token_provider.as_deref().unwrap_or("anthropic"));
            if provider != "anthropic" {
                return Err(usage(format!(
                    "--token-provider must be \"anthropic\" (got \"{provider}\")"
                )));
            }
            let raw = match args.token {
                Some(t) => t,
                None if interactive => read_secret("Paste the setup-token: ")?,
                None => return Err(usage("--auth-choice token needs --token TOKEN")),
            };
            let token = validate_setup_token(&raw)?;
            let profile = args
                .token_profile_id
                .unwrap_or_else(|| "anthropic:default".to_owned());
            let r = upsert_token_profile_report(
                &auth,
                &provider,
                &token,
                Some(&profile),
                args.token_expires_in,
            )?;
            (r.profile_id, r.config.warning)
        }
    };
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    print_saved_id(&id)?;
    eprintln!(
        "Saved {id} for agent \"{}\" in {}. Check it with `claw-anthropic models status{}`.",
        auth.agent(),
        config.paths().display(auth.store_path()),
        agent.map(|a| format!(" --agent {a}")).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
