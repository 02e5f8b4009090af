//! The `claw-anthropic` command-line tool (feature `cli`): argument parsing and dispatch; one module per
//! command.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (and `models status --check`: 1 expired/missing,
//! 2 expiring). Errors print the library's typed error message on stderr — never a secret;
//! `send --json` also prints a failed request as JSON on stdout (the error and its attempts).
//! When the reader of stdout goes away (`… | head`), the command stops quietly with status 0.

/// `print!` to stdout; a closed stdout ends the command quietly (see [`common::write_out`]).
macro_rules! out {
    ($($t:tt)*) => {
        $crate::common::write_out(format_args!($($t)*))?
    };
}

/// `println!` to stdout; a closed stdout ends the command quietly (see [`common::write_out`]).
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::common::write_out(format_args!("{}\n", format_args!($($t)*)))?
    };
}

mod auth;
mod common;
mod config;
#[cfg(feature = "mock")]
mod mock_server;
mod onboard;
mod order;
mod send;
mod setup_token;
mod status;

use auth::AuthCommand;
use clap::{CommandFactory, Parser, Subcommand};
use claw_anthropic::AgentId;
use common::{CliResult, init_tracing, parse_agent};
use config::ConfigCommand;
use onboard::OnboardArgs;
use send::SendArgs;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "claw-anthropic",
    version,
    about = "Clawdbot-compatible Anthropic (Claude) client: config, auth profiles, requests",
    long_about = None
)]
struct Cli {
    /// Agent whose auth profiles to use (default: the config's default agent, usually `main`).
    #[arg(long, global = true, value_name = "ID", value_parser = parse_agent)]
    agent: Option<AgentId>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Models and their auth: `models status`, `models auth …`.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Set up Anthropic auth for an agent (API key or setup-token).
    Onboard(OnboardArgs),
    /// Send one message and print the reply (streams by default).
    Send(SendArgs),
    /// Print a shell completion script: `claw-anthropic completions bash > …` (see README).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Inspect and validate clawdbot.json.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Run the loopback mock Anthropic server in the foreground (feature `mock`).
    #[cfg(feature = "mock")]
    MockServer {
        /// Port on 127.0.0.1 (default: a free one).
        #[arg(long)]
        port: Option<u16>,
        /// A JSON script of replies (see `claw_anthropic::mock::MockScript`).
        #[arg(long, value_name = "FILE")]
        script: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Show the default model, fallbacks, aliases and the auth overview.
    Status {
        /// Print JSON (same shape as `clawdbot models status --json`).
        #[arg(long, conflicts_with = "plain")]
        json: bool,
        /// Print only the resolved default model.
        #[arg(long)]
        plain: bool,
        /// Exit 1 when a token is expired/missing or a provider in use has no auth, 2 when one is expiring.
        #[arg(long)]
        check: bool,
    },
    /// Manage auth profiles.
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> CliResult {
    let agent = cli.agent.as_ref();
    match cli.command {
        Command::Models { command } => match command {
            ModelsCommand::Status { json, plain, check } => {
                status::models_status(agent, json, plain, check)
            }
            ModelsCommand::Auth { command } => match command {
                AuthCommand::PasteToken {
                    provider,
                    profile_id,
                    expires_in,
                } => auth::paste_token(agent, &provider, profile_id.as_deref(), expires_in),
                AuthCommand::SetupToken {
                    provider,
                    profile_id,
                    expires_in,
                } => setup_token::setup_token(agent, &provider, profile_id.as_deref(), expires_in),
                AuthCommand::Order { command } => order::auth_order(agent, command),
            },
        },
        Command::Onboard(args) => onboard::onboard(agent, args),
        Command::Send(args) => send::send(agent, args),
        Command::Config { command } => config::run(command),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "claw-anthropic", &mut out);
            out!("{}", String::from_utf8_lossy(&out));
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "mock")]
        Command::MockServer { port, script } => mock_server::mock_server(port, script),
    }
}
