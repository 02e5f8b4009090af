//! `models status`.

use crate::common::{CliResult, failure, load_config};
use claw_anthropic::AgentId;
use claw_anthropic::status::StatusReport;
use std::io::IsTerminal;
use std::process::ExitCode;

pub(crate) fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub(crate) fn models_status(
    agent: Option<&AgentId>,
    json: bool,
    plain: bool,
    check: bool,
) -> CliResult {
    let config = load_config()?;
    let report = StatusReport::build(&config, agent)?;
    if plain {
        // The one-line output has no room for warnings: they go to stderr. (The full text report
        // lists them itself.)
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    } else if let Some(w) = report
        .warnings
        .iter()
        .find(|w| w.contains("without provider"))
    {
        // The reference prints this one on stderr in every mode (the text report lists it too).
        eprintln!("{w}");
    }
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| failure(format!("could not render the report: {e}")))?;
        outln!("{text}");
    } else if plain {
        outln!("{}", report.resolved_default);
    } else {
        out!("{}", report.render_text(use_color()));
    }
    let code = if check { report.check_exit_code() } else { 0 };
    Ok(ExitCode::from(code as u8))
}
