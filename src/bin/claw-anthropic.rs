//! The `claw-anthropic` command-line tool. Exit codes: 0 success, 1 failure, 2 usage error.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "claw-anthropic",
    version,
    about = "Clawdbot-compatible Anthropic client"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Inspect and validate clawdbot.json.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Load and validate the config; print every problem with file:line:col and JSON path.
    Validate {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the sections this tool models.
    Schema,
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
    match cli.command {
        Command::Config { command } => match command {
            ConfigCommand::Validate { json } => match claw_anthropic::Config::load() {
                Ok(c) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"ok": true, "path": c.paths().config_path})
                        );
                    } else {
                        println!("{}: ok", c.paths().config_path.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(1)
                }
            },
            ConfigCommand::Schema => {
                let schema = schemars::schema_for!(claw_anthropic::config::ConfigDoc);
                println!(
                    "{}",
                    serde_json::to_string_pretty(&schema).unwrap_or_default()
                );
                ExitCode::SUCCESS
            }
        },
    }
}
