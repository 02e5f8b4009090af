//! `models auth setup-token`: run `claude setup-token` and store the token it prints.

use crate::auth::store_token;
use crate::common::{
    CliResult, agent_auth, failure, load_config, normalized_provider, read_secret, usage,
};
use claw_anthropic::AgentId;
use std::process::ExitCode;
use std::time::Duration;

pub(crate) fn find_setup_token(output: &str) -> Option<String> {
    let start = output.find("sk-ant-oat01-")?;
    let tok: String = output[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(tok)
}

pub(crate) fn claude_on_path() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("claude"))
        .find(|p| p.is_file())
}

pub(crate) fn setup_token(
    agent: Option<&AgentId>,
    provider: &str,
    profile_id: Option<&str>,
    expires_in: Option<Duration>,
) -> CliResult {
    let provider = normalized_provider(provider);
    if provider != "anthropic" {
        return Err(usage(format!(
            "setup-tokens are issued for provider \"anthropic\" only (got \"{provider}\"); use `models auth paste-token --provider {provider}` for other tokens"
        )));
    }
    let config = load_config()?;
    let auth = agent_auth(&config, agent);
    let token = match claude_on_path() {
        Some(claude) => {
            eprintln!("Running `claude setup-token` (follow its instructions)…");
            let out = std::process::Command::new(claude)
                .arg("setup-token")
                .stdin(std::process::Stdio::inherit())
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| failure(format!("could not run `claude setup-token`: {e}")))?;
            let text = String::from_utf8_lossy(&out.stdout);
            match find_setup_token(&text) {
                Some(t) => t,
                None => {
                    eprintln!(
                        "`claude setup-token` printed no token; paste it instead (input is hidden)."
                    );
                    read_secret("Paste the setup-token: ")?
                }
            }
        }
        None => {
            eprintln!(
                "The Claude Code CLI (`claude`) is not on PATH. Run `claude setup-token` on any machine where it is installed, then paste the token here (input is hidden)."
            );
            read_secret("Paste the setup-token: ")?
        }
    };
    let id = store_token(&auth, &provider, &token, profile_id, expires_in)?;
    println!("{id}");
    Ok(ExitCode::SUCCESS)
}
