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
            ConfigCommand::Validate { json } => config_validate(json),
            ConfigCommand::Schema => {
                let schema = claw_anthropic::Config::json_schema();
                match serde_json::to_string_pretty(&schema) {
                    Ok(s) => {
                        println!("{s}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: could not render the schema: {e}");
                        ExitCode::from(1)
                    }
                }
            }
        },
    }
}

/// `config validate [--json]`: exit 0 when valid, 1 when not.
fn config_validate(json: bool) -> ExitCode {
    let paths = claw_anthropic::Paths::from_process_env();
    let config_path = paths.config_path.clone();
    let result = claw_anthropic::Config::load();
    let (ok, errors, warnings): (bool, Vec<serde_json::Value>, Vec<String>) = match &result {
        Ok(c) => (true, Vec::new(), c.warnings().to_vec()),
        Err(claw_anthropic::Error::Config(ce)) => (
            false,
            ce.diagnostics
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "file": d.file.as_ref().map(|f| f.display().to_string()),
                        "line": d.line,
                        "column": d.column,
                        "path": d.path,
                        "message": d.message,
                        "suggestion": d.suggestion,
                    })
                })
                .collect(),
            Vec::new(),
        ),
        Err(e) => (
            false,
            vec![serde_json::json!({
                "file": config_path.display().to_string(),
                "line": null, "column": null, "path": null,
                "message": e.to_string(), "suggestion": null,
            })],
            Vec::new(),
        ),
    };
    if json {
        let out = serde_json::json!({
            "ok": ok,
            "path": config_path.display().to_string(),
            "exists": result.as_ref().is_ok_and(|c| c.source_path().is_some()),
            "errors": errors,
            "warnings": warnings,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        match &result {
            Ok(c) => {
                for w in c.warnings() {
                    eprintln!("warning: {w}");
                }
                if c.source_path().is_some() {
                    println!("{}: ok", config_path.display());
                } else {
                    println!(
                        "{}: ok (file not found; using defaults)",
                        config_path.display()
                    );
                }
            }
            Err(claw_anthropic::Error::Config(ce)) => {
                for d in &ce.diagnostics {
                    println!("{d}");
                }
                let n = ce.diagnostics.len();
                eprintln!(
                    "{}: invalid ({n} problem{})",
                    config_path.display(),
                    if n == 1 { "" } else { "s" }
                );
            }
            Err(e) => {
                println!("{}: {e}", config_path.display());
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
