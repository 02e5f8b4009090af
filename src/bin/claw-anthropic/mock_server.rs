//! `mock-server`: the loopback mock Anthropic server in the foreground.

use crate::common::{CliResult, failure};
use std::io::Write;

pub(crate) fn mock_server(port: Option<u16>, script: Option<std::path::PathBuf>) -> CliResult {
    use claw_anthropic::mock::{MockScript, MockServer};
    let script = match &script {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| failure(format!("{}: {e}", p.display())))?;
            Some(
                MockScript::from_json(&text)
                    .map_err(|e| failure(format!("{}: {e}", p.display())))?,
            )
        }
        None => None,
    };
    let server = match port {
        Some(p) => MockServer::start_background_on(p)?,
        None => MockServer::start_background()?,
    };
    if let Some(s) = script {
        server.load_script(s);
    }
    outln!("{}", server.url());
    let _ = std::io::stdout().flush();
    eprintln!("mock Anthropic server listening; Ctrl-C to stop");
    loop {
        std::thread::park();
    }
}
