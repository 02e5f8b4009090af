//! `models auth order get|set|clear`.

use crate::common::{CliResult, agent_auth, failure, load_config, normalized_provider};
use clap::Subcommand;
use claw_anthropic::AgentId;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(crate) enum OrderCommand {
    /// Print the stored order and the effective order.
    Get {
        /// Provider id.
        #[arg(long, default_value = "anthropic")]
        provider: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace the stored order.
    Set {
        /// Provider id.
        #[arg(long, default_value = "anthropic")]
        provider: String,
        /// Profile ids, first preferred.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Remove the stored order (config `auth.order` or the automatic order applies again).
    Clear {
        /// Provider id.
        #[arg(long, default_value = "anthropic")]
        provider: String,
    },
}

pub(crate) fn auth_order(agent: Option<&AgentId>, command: OrderCommand) -> CliResult {
    let config = load_config()?;
    let auth = agent_auth(&config, agent);
    match command {
        OrderCommand::Get { provider, json } => {
            let provider = normalized_provider(&provider);
            let store = auth.load_store()?;
            let stored = store.order.get(&provider).cloned();
            let effective = auth.profile_order(&provider, None)?;
            if json {
                outln!(
                    "{}",
                    serde_json::json!({"provider": provider, "stored": stored, "effective": effective})
                );
            } else {
                match &stored {
                    Some(ids) => outln!("stored:    {}", ids.join(", ")),
                    None => outln!("stored:    (none)"),
                }
                outln!(
                    "effective: {}",
                    if effective.is_empty() {
                        "(no profiles)".to_owned()
                    } else {
                        effective.join(", ")
                    }
                );
            }
        }
        OrderCommand::Set { provider, ids } => {
            if ids.is_empty() {
                return Err(failure(
                    "Missing profile ids. Provide one or more profile ids.".to_owned(),
                ));
            }
            let trimmed: Vec<&str> = ids.iter().map(|s| s.trim()).collect();
            if let Some((_, dup)) = trimmed
                .iter()
                .enumerate()
                .find(|(i, id)| trimmed[..*i].contains(id))
            {
                return Err(failure(format!(
                    "Profile \"{dup}\" is listed more than once; give each profile id once, first preferred."
                )));
            }
            auth.set_profile_order(&provider, Some(&ids))?;
            println!("{}", trimmed.join(", "));
        }
        OrderCommand::Clear { provider } => {
            let provider = normalized_provider(&provider);
            auth.store().update(&mut |s| {
                s.order.shift_remove(&provider);
                Ok(())
            })?;
            outln!("cleared");
        }
    }
    Ok(ExitCode::SUCCESS)
}
