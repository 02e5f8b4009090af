//! The `claw-anthropic` command-line tool (feature `cli`).
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (and `models status --check`: 1 expired/missing,
//! 2 expiring). Errors print the library's typed error message on stderr — never a secret.

use clap::{Args, Parser, Subcommand, ValueEnum};
use claw_anthropic::auth::AgentAuth;
use claw_anthropic::auth::setup_token::{
    parse_duration, upsert_api_key_profile_report, upsert_token_profile_report,
    validate_setup_token,
};
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages};
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::status::StatusReport;
use claw_anthropic::{AgentId, Client, Config, Error};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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

#[derive(Subcommand)]
enum AuthCommand {
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

#[derive(Subcommand)]
enum OrderCommand {
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

#[derive(Clone, Copy, ValueEnum)]
enum AuthChoice {
    /// An Anthropic Console API key.
    #[value(name = "apiKey", alias = "api-key")]
    ApiKey,
    /// A Claude setup-token (paste).
    #[value(name = "token", alias = "setup-token", alias = "paste-token")]
    Token,
}

#[derive(Args)]
struct OnboardArgs {
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

#[derive(Args)]
struct SendArgs {
    /// The user message.
    #[arg(long, short)]
    message: String,
    /// Model ref or alias (default: the configured default model).
    #[arg(long)]
    model: Option<String>,
    /// Use only this auth profile.
    #[arg(long, value_name = "ID")]
    profile: Option<String>,
    /// System prompt.
    #[arg(long)]
    system: Option<String>,
    /// Output token limit (default: the model's `params.maxTokens` or its default).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_tokens: Option<u32>,
    /// Wait for the whole reply instead of streaming it.
    #[arg(long)]
    no_stream: bool,
    /// Print the HTTP request (secrets masked) and exit without sending.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON (the final message plus the profile used; with --dry-run, compact JSON).
    #[arg(long)]
    json: bool,
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

/// A CLI failure: exit code and the message for stderr.
struct Failure {
    code: u8,
    message: String,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::InvalidArgument(_) => 2,
            _ => 1,
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn failure(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

type CliResult = Result<ExitCode, Failure>;

fn parse_agent(s: &str) -> Result<AgentId, String> {
    AgentId::parse(s).map_err(|e| e.to_string())
}

fn parse_dur(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
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
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// Warnings from the library go to stderr; `CLAW_LOG` / `RUST_LOG` select more.
fn init_tracing() {
    let filter = std::env::var("CLAW_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .try_init();
}

fn load_config() -> Result<Arc<Config>, Failure> {
    Config::load().map(Arc::new).map_err(Failure::from)
}

fn agent_auth(config: &Arc<Config>, agent: Option<&AgentId>) -> AgentAuth {
    let agent = agent
        .cloned()
        .unwrap_or_else(|| claw_anthropic::paths::default_agent_id(config));
    AgentAuth::new(config.clone(), agent)
}

fn run(cli: Cli) -> CliResult {
    let agent = cli.agent.as_ref();
    match cli.command {
        Command::Models { command } => match command {
            ModelsCommand::Status { json, plain, check } => {
                models_status(agent, json, plain, check)
            }
            ModelsCommand::Auth { command } => match command {
                AuthCommand::PasteToken {
                    provider,
                    profile_id,
                    expires_in,
                } => paste_token(agent, &provider, profile_id.as_deref(), expires_in),
                AuthCommand::SetupToken {
                    provider,
                    profile_id,
                    expires_in,
                } => setup_token(agent, &provider, profile_id.as_deref(), expires_in),
                AuthCommand::Order { command } => auth_order(agent, command),
            },
        },
        Command::Onboard(args) => onboard(agent, args),
        Command::Send(args) => send(agent, args),
        Command::Config { command } => match command {
            ConfigCommand::Validate { json } => Ok(config_validate(json)),
            ConfigCommand::Schema => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&claw_anthropic::config::schema::json_schema())
                        .unwrap_or_default()
                );
                Ok(ExitCode::SUCCESS)
            }
        },
        #[cfg(feature = "mock")]
        Command::MockServer { port, script } => mock_server(port, script),
    }
}

// ---------------------------------------------------------------------------------------------
// models status
// ---------------------------------------------------------------------------------------------

fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn models_status(agent: Option<&AgentId>, json: bool, plain: bool, check: bool) -> CliResult {
    let config = load_config()?;
    let report = StatusReport::build(&config, agent)?;
    if !json {
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    } else if let Some(w) = report
        .warnings
        .iter()
        .find(|w| w.contains("without provider"))
    {
        // The reference prints this one on stderr in every mode.
        eprintln!("{w}");
    }
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| failure(format!("could not render the report: {e}")))?;
        println!("{text}");
    } else if plain {
        println!("{}", report.resolved_default);
    } else {
        print!("{}", report.render_text(use_color()));
    }
    let code = if check { report.check_exit_code() } else { 0 };
    Ok(ExitCode::from(code as u8))
}

// ---------------------------------------------------------------------------------------------
// auth
// ---------------------------------------------------------------------------------------------

fn read_secret(prompt: &str) -> Result<String, Failure> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| failure(format!("could not read input: {e}")))
    } else {
        let mut s = String::new();
        std::io::stdin()
            .take(1024 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| failure(format!("could not read stdin: {e}")))?;
        Ok(s.trim().to_owned())
    }
}

fn store_token(
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

fn normalized_provider(p: &str) -> String {
    claw_anthropic::config::model_ref::normalize_provider(p).into_owned()
}

fn paste_token(
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
    println!("{id}");
    eprintln!(
        "Saved {id} for agent \"{}\" in {}",
        auth.agent(),
        config.paths().display(auth.store_path())
    );
    Ok(ExitCode::SUCCESS)
}

fn find_setup_token(output: &str) -> Option<String> {
    let start = output.find("sk-ant-oat01-")?;
    let tok: String = output[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(tok)
}

fn claude_on_path() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("claude"))
        .find(|p| p.is_file())
}

fn setup_token(
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

fn auth_order(agent: Option<&AgentId>, command: OrderCommand) -> CliResult {
    let config = load_config()?;
    let auth = agent_auth(&config, agent);
    match command {
        OrderCommand::Get { provider, json } => {
            let provider = normalized_provider(&provider);
            let store = auth.load_store()?;
            let stored = store.order.get(&provider).cloned();
            let effective = auth.profile_order(&provider, None)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"provider": provider, "stored": stored, "effective": effective})
                );
            } else {
                match &stored {
                    Some(ids) => println!("stored:    {}", ids.join(", ")),
                    None => println!("stored:    (none)"),
                }
                println!(
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
            let provider = normalized_provider(&provider);
            let ids: Vec<String> = ids.iter().map(|s| s.trim().to_owned()).collect();
            let store = auth.load_store()?;
            if let Some(missing) = ids
                .iter()
                .find(|id| !store.profiles.contains_key(id.as_str()))
            {
                return Err(failure(format!(
                    "No credentials found for profile \"{missing}\". Run `claw-anthropic models status` to list this agent's profiles."
                )));
            }
            auth.store().update(&mut |s| {
                s.order.insert(provider.clone(), ids.clone());
                Ok(())
            })?;
            println!("{}", ids.join(", "));
        }
        OrderCommand::Clear { provider } => {
            let provider = normalized_provider(&provider);
            auth.store().update(&mut |s| {
                s.order.shift_remove(&provider);
                Ok(())
            })?;
            println!("cleared");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn onboard(agent: Option<&AgentId>, args: OnboardArgs) -> CliResult {
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
    println!("{id}");
    eprintln!(
        "Saved {id} for agent \"{}\" in {}. Check it with `claw-anthropic models status{}`.",
        auth.agent(),
        config.paths().display(auth.store_path()),
        agent.map(|a| format!(" --agent {a}")).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// send
// ---------------------------------------------------------------------------------------------

fn send(agent: Option<&AgentId>, args: SendArgs) -> CliResult {
    let config = load_config()?;
    let model = match &args.model {
        Some(m) => m.clone(),
        None => config.default_model().ref_string(),
    };
    let mut req = MessageRequest::new(model, vec![MessageParam::user(args.message.clone())]);
    if let Some(s) = &args.system {
        req = req.with_system(s.clone());
    }
    req.max_tokens = args.max_tokens;
    req.stream = Some(!args.no_stream);
    if args.dry_run {
        if req.model.trim().is_empty() {
            // What a real send would use (failover starts from the default model).
            req.model = config.default_model().ref_string();
        }
        let auth = agent_auth(&config, agent);
        let provider = config
            .resolve_model_ref(&req.model)
            .map(|(r, _)| r.provider)
            .unwrap_or_else(|| "anthropic".into());
        let resolved = auth.resolve(&provider, args.profile.as_deref(), None)?;
        let built = build_messages(
            &config,
            AuthHeader::new(resolved.kind, &resolved.secret),
            req,
            &BuildOptions::default(),
        )?;
        for w in resolved.warnings.iter().chain(built.warnings.iter()) {
            eprintln!("warning: {w}");
        }
        let mut v = built.dry_run();
        if let Some(o) = v.as_object_mut() {
            o.insert("credentialSource".into(), resolved.label.clone().into());
        }
        if args.json {
            println!("{v}");
        } else {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failure(format!("could not start the async runtime: {e}")))?;
    rt.block_on(send_async(config, agent.cloned(), args, req))
}

async fn send_async(
    config: Arc<Config>,
    agent: Option<AgentId>,
    args: SendArgs,
    req: MessageRequest,
) -> CliResult {
    let client = Client::new(config, agent)?;
    let pin = match &args.profile {
        Some(p) => claw_anthropic::client::ProfilePin::Only(p.clone()),
        None => claw_anthropic::client::ProfilePin::Auto,
    };
    let (message, info) = if args.no_stream {
        let r = client.send_pinned(req, &pin).await?;
        if !args.json {
            println!("{}", r.value.text());
        }
        let info = summary(
            &r.profile_id,
            &r.credential_source,
            &r.model.to_string(),
            &r.warnings,
            &r.meta,
        );
        (r.value, info)
    } else {
        let mut s = client.stream_pinned(req, &pin).await?;
        let mut out = std::io::stdout().lock();
        while let Some(ev) = s.next_text().await {
            let text = ev?;
            if !args.json {
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
        let info = summary(
            &s.profile_id().map(str::to_owned),
            s.credential_source(),
            &s.model().to_string(),
            s.warnings(),
            s.meta(),
        );
        let m = s.final_message().await?;
        if !args.json {
            let _ = out.write_all(b"\n");
        }
        (m, info)
    };
    for w in info["warnings"].as_array().into_iter().flatten() {
        eprintln!("warning: {}", w.as_str().unwrap_or_default());
    }
    if args.json {
        let mut v = info;
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "message".into(),
                serde_json::to_value(&message).unwrap_or_default(),
            );
        }
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(
    profile: &Option<String>,
    source: &str,
    model: &str,
    warnings: &[String],
    meta: &claw_anthropic::client::ResponseMeta,
) -> serde_json::Value {
    serde_json::json!({
        "profileId": profile,
        "credentialSource": source,
        "model": model,
        "requestId": meta.request_id(),
        "warnings": warnings,
    })
}

// ---------------------------------------------------------------------------------------------
// config
// ---------------------------------------------------------------------------------------------

fn config_validate(json: bool) -> ExitCode {
    let paths = claw_anthropic::Paths::from_process_env();
    let config_path = paths.config_path.clone();
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
            Err(Error::Config(ce)) => {
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

// ---------------------------------------------------------------------------------------------
// mock-server
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "mock")]
fn mock_server(port: Option<u16>, script: Option<std::path::PathBuf>) -> CliResult {
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
    println!("{}", server.url());
    let _ = std::io::stdout().flush();
    eprintln!("mock Anthropic server listening; Ctrl-C to stop");
    loop {
        std::thread::park();
    }
}
