//! `config validate` and `config schema`.

use crate::common::CliResult;
use clap::Subcommand;
use claw_anthropic::{Config, Error};
use std::process::ExitCode;

#[derive(Subcommand)]
pub(crate) enum ConfigCommand {
    /// Load and validate the config; print every problem with file:line:col and JSON path.
    Validate {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the sections this tool models.
    Schema,
}

pub(crate) fn run(command: ConfigCommand) -> CliResult {
    match command {
        ConfigCommand::Validate { json } => config_validate(json),
        ConfigCommand::Schema => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&claw_anthropic::config::schema::json_schema())
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn config_validate(json: bool) -> CliResult {
    // Without a home the load below fails and says why; the nominal location is shown.
    let config_path = claw_anthropic::Paths::from_process_env()
        .map(|p| p.config_path)
        .unwrap_or_else(|_| std::path::PathBuf::from("~/.clawdbot/clawdbot.json"));
    let result = Config::load();
    let (ok, errors, warnings): (bool, Vec<serde_json::Value>, Vec<String>) = match &result {
        Ok(c) => (true, Vec::new(), c.warnings().to_vec()),
        Err(Error::Config(ce)) => (
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
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        match &result {
            Ok(c) => {
                for w in c.warnings() {
                    eprintln!("warning: {w}");
                }
                if c.source_path().is_some() {
                    outln!("{}: ok", config_path.display());
                } else {
                    outln!(
                        "{}: ok (file not found; using defaults)",
                        config_path.display()
                    );
                }
            }
            Err(Error::Config(ce)) => {
                for d in &ce.diagnostics {
                    outln!("{d}");
                }
                let n = ce.diagnostics.len();
                eprintln!(
                    "{}: invalid ({n} problem{})",
                    config_path.display(),
                    if n == 1 { "" } else { "s" }
                );
            }
            Err(e) => {
                outln!("{}: {e}", config_path.display());
            }
        }
    }
    if ok {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}
