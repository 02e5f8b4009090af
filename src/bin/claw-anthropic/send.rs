//! `send`: one message, streamed (default) or whole, or printed as a dry run.

use crate::common::{CliResult, Failure, agent_auth, failure, stdout_error, usage, write_out};
use clap::Args;
use claw_anthropic::error::ErrorCategory;
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages, serves_provider};
use claw_anthropic::request::check::check_messages;
use claw_anthropic::request::messages::{Message, MessageParam, MessageRequest};
use claw_anthropic::{AgentId, Attempt, Client, Config, Error, FailureReason};
use std::future::Future;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::Poll;

#[derive(Args)]
pub(crate) struct SendArgs {
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
    /// Print JSON: the final message plus the profile used, the attempts and the cost. A failed
    /// request prints {"error": {"code", "reason", "message", "status", "requestId"},
    /// "attempts": [...]} instead (plus "message", the text received so far, when a stream broke
    /// after it started); the exit status and the error on stderr are unchanged. With --dry-run,
    /// the request as compact JSON.
    #[arg(long)]
    json: bool,
    /// Print every attempt (profile, model, status, retry delay, request id, duration) to stderr.
    #[arg(long, short = 'v')]
    verbose: bool,
}

pub(crate) fn send(agent: Option<&AgentId>, args: SendArgs) -> CliResult {
    // A dry run's output is the request: its failures are reported on stderr only.
    let report = args.json && !args.dry_run;
    let Err(f) = run_send(agent, args) else {
        return Ok(ExitCode::SUCCESS);
    };
    if report && let Some(v) = f.report() {
        // A failure writing this report changes nothing: the error follows on stderr and the
        // exit status is the request's.
        let _ = write_out(format_args!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    }
    Err(f.failure)
}

fn run_send(agent: Option<&AgentId>, args: SendArgs) -> Result<(), Failed> {
    let user = vec![MessageParam::user(args.message.clone())];
    // The library's check, before the config is read: a usage error naming the option.
    if let Err(e) = check_messages(&user) {
        return Err(Failed::usage(e.category(), format!("--message: {e}")));
    }
    let config = Config::load().map(Arc::new)?;
    let model = match &args.model {
        Some(m) => m.clone(),
        None => config.default_model().ref_string(),
    };
    if let Some((r, _)) = config.resolve_model_ref(&model)
        && !serves_provider(&config, &r.provider)
    {
        return Err(Failed::usage(
            ErrorCategory::InvalidRequest,
            format!(
                "model \"{}\" belongs to provider \"{}\", which this tool does not support: it talks only to Anthropic's Messages API (provider \"anthropic\", or a provider configured with `api: \"anthropic-messages\"`)",
                model.trim(),
                r.provider
            ),
        ));
    }
    let mut req = MessageRequest::new(model, user);
    if let Some(s) = &args.system {
        req = req.with_system(s.clone());
    }
    req.max_tokens = args.max_tokens;
    req.stream = Some(!args.no_stream);
    if args.dry_run {
        return dry_run(&config, agent, &args, req).map_err(Failed::plain);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failed {
            failure: failure(format!("could not start the async runtime: {e}")),
            report: Some(Box::new(Report::new(ErrorCategory::Internal))),
        })?;
    rt.block_on(send_async(config, agent.cloned(), args, req))
}

/// `--dry-run`: the HTTP request with its secrets masked.
fn dry_run(
    config: &Arc<Config>,
    agent: Option<&AgentId>,
    args: &SendArgs,
    mut req: MessageRequest,
) -> Result<(), Failure> {
    if req.model.trim().is_empty() {
        // What a real send would use (failover starts from the default model).
        req.model = config.default_model().ref_string();
    }
    let auth = agent_auth(config, agent);
    let provider = config
        .resolve_model_ref(&req.model)
        .map(|(r, _)| r.provider)
        .unwrap_or_else(|| "anthropic".into());
    let resolved = auth.resolve(&provider, args.profile.as_deref(), None)?;
    let built = build_messages(
        config,
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
        outln!("{v}");
    } else {
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    Ok(())
}

async fn send_async(
    config: Arc<Config>,
    agent: Option<AgentId>,
    args: SendArgs,
    req: MessageRequest,
) -> Result<(), Failed> {
    let client = Client::new(config, agent)?;
    let result = send_reply(&client, args, req).await;
    // Dropping the last client on this current-thread runtime would write recorded successes
    // on a thread of its own, which the exit does not wait for: write them now.
    if let Err(e) = client.flush().await {
        eprintln!("warning: could not record profile use in the auth store: {e}");
    }
    result
}

async fn send_reply(client: &Client, args: SendArgs, req: MessageRequest) -> Result<(), Failed> {
    let pin = match &args.profile {
        Some(p) => claw_anthropic::client::ProfilePin::Only(p.clone()),
        None => claw_anthropic::client::ProfilePin::Auto,
    };
    // --verbose: a failed request prints its attempts too, before the error.
    let failed = |attempts: Vec<Attempt>, e: Error| {
        if args.verbose {
            print_attempts(&attempts, true);
        }
        Failed::request(e, attempts)
    };
    let out_err = |e: std::io::Error| Failed::plain(stdout_error(e));
    let r = if args.no_stream {
        let r = match client.send_recorded(req, &pin).await {
            Ok(r) => r,
            Err(f) => return Err(failed(f.attempts, f.error)),
        };
        if !args.json {
            write_out(format_args!("{}\n", r.value.text())).map_err(Failed::plain)?;
        }
        r
    } else {
        let mut s = match client.stream_recorded(req, &pin).await {
            Ok(s) => s,
            Err(f) => return Err(failed(f.attempts, f.error)),
        };
        // Buffered: the text is flushed only when no further event is ready at once, so a person
        // sees each delta as it arrives while a fast stream is written in large blocks.
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        // One text buffer for the whole stream: the deltas of each piece of the body are
        // appended to it, with no value per delta.
        let mut text = String::new();
        loop {
            text.clear();
            let ev = {
                let mut next = std::pin::pin!(s.next_text_into(&mut text));
                match std::future::poll_fn(|cx| Poll::Ready(next.as_mut().poll(cx))).await {
                    Poll::Ready(ev) => ev,
                    Poll::Pending => {
                        if !args.json {
                            out.flush().map_err(out_err)?;
                        }
                        next.await
                    }
                }
            };
            let Some(ev) = ev else { break };
            if let Err(e) = ev {
                // Broken after it opened: the error, from the body, has no request id; the
                // stream's response has one.
                let f = failed(s.attempts().to_vec(), e);
                return Err(f.with_request_id(s.meta().request_id()));
            }
            if !args.json {
                out.write_all(text.as_bytes()).map_err(out_err)?;
            }
        }
        // `final_response` consumes the stream: what a failure reports is taken first.
        let (attempts, request_id) = if args.verbose || args.json {
            (
                s.attempts().to_vec(),
                s.meta().request_id().map(str::to_owned),
            )
        } else {
            (Vec::new(), None)
        };
        let r = match s.final_response().await {
            Ok(r) => r,
            Err(e) => return Err(failed(attempts, e).with_request_id(request_id.as_deref())),
        };
        if !args.json {
            out.write_all(b"\n")
                .and_then(|()| out.flush())
                .map_err(out_err)?;
        }
        drop(out);
        r
    };
    if args.verbose {
        print_attempts(r.attempts(), false);
    }
    let info = summary(&r);
    let message = r.value;
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
        write_out(format_args!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ))
        .map_err(Failed::plain)?;
    }
    Ok(())
}

/// A failed `send`: the exit status and message for stderr, and what `--json` prints on stdout.
struct Failed {
    failure: Failure,
    /// `None` when stdout itself failed, or for a dry run: nothing is printed there then.
    report: Option<Box<Report>>,
}

/// A failed request as `send --json` prints it (see [`Failed::report`]).
struct Report {
    category: ErrorCategory,
    reason: Option<FailureReason>,
    status: Option<u16>,
    request_id: Option<String>,
    attempts: Vec<Attempt>,
    /// The message a stream had received when it broke.
    partial: Option<Message>,
}

impl Report {
    fn new(category: ErrorCategory) -> Self {
        Report {
            category,
            reason: None,
            status: None,
            request_id: None,
            attempts: Vec::new(),
            partial: None,
        }
    }
}

impl Failed {
    /// A failure with nothing for stdout.
    fn plain(failure: Failure) -> Self {
        Failed {
            failure,
            report: None,
        }
    }

    /// A usage error (exit status 2), refused before anything was tried.
    fn usage(category: ErrorCategory, message: String) -> Self {
        Failed {
            failure: usage(message),
            report: Some(Box::new(Report::new(category))),
        }
    }

    /// A request that failed with `error` after `attempts`. The HTTP status and request id are
    /// those of the answer the error came from; for a request that failed on every profile or
    /// model, the last answer's.
    fn request(error: Error, attempts: Vec<Attempt>) -> Self {
        let report = Report {
            category: error.category(),
            reason: error.failure_reason(),
            status: error.last_status(),
            request_id: error.last_request_id().map(str::to_owned),
            attempts,
            partial: match &error {
                Error::Stream {
                    partial: Some(m), ..
                } => Some((**m).clone()),
                _ => None,
            },
        };
        Failed {
            failure: Failure::from(error),
            report: Some(Box::new(report)),
        }
    }

    /// Sets the request id when the error has none (a stream that broke after it opened).
    fn with_request_id(mut self, id: Option<&str>) -> Self {
        if let Some(r) = &mut self.report
            && r.request_id.is_none()
        {
            r.request_id = id.map(str::to_owned);
        }
        self
    }

    /// `{"error": {"code", "reason", "message", "status", "requestId"}, "attempts": […]}`, plus
    /// `"message"` (the partial message) for a stream that broke after it started. `code` is the
    /// name of the C API's result code (`CLAW_ERR_<code>`, Python's `e.name`), `reason` the
    /// failure reason as in the attempts, `message` the text printed on stderr.
    fn report(&self) -> Option<serde_json::Value> {
        let r = self.report.as_ref()?;
        let mut v = serde_json::json!({
            "error": {
                "code": code_name(r.category),
                "reason": r.reason.map(FailureReason::as_str),
                "message": self.failure.message,
                "status": r.status,
                "requestId": r.request_id,
            },
            "attempts": r.attempts.iter().map(Attempt::to_json).collect::<Vec<_>>(),
        });
        if let (Some(m), Some(o)) = (&r.partial, v.as_object_mut()) {
            o.insert(
                "message".into(),
                serde_json::to_value(m).unwrap_or_default(),
            );
        }
        Some(v)
    }
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::request(e, Vec::new())
    }
}

/// The name of the C API's result code for an error category (`CLAW_ERR_<name>`; the Python
/// package's `AnthropicError.name`).
fn code_name(c: ErrorCategory) -> &'static str {
    // No wildcard: a new category must be named here (as the C API must give it a code).
    match c {
        ErrorCategory::Config => "CONFIG",
        ErrorCategory::Io => "IO",
        ErrorCategory::NoApiKey => "NO_CREDENTIALS",
        ErrorCategory::NoCredentialsForProfile => "NO_PROFILE_CREDENTIALS",
        ErrorCategory::NoAvailableProfile => "ALL_PROFILES_UNAVAILABLE",
        ErrorCategory::OAuthRefresh => "OAUTH_REFRESH",
        ErrorCategory::StoreCorrupt => "STORE_CORRUPT",
        ErrorCategory::Lock => "STORE_LOCK",
        ErrorCategory::InvalidSetupToken => "INVALID_SETUP_TOKEN",
        ErrorCategory::InvalidArgument => "INVALID_ARGUMENT",
        ErrorCategory::InvalidRequest => "INVALID_REQUEST",
        ErrorCategory::AuthRejected => "AUTH_REJECTED",
        ErrorCategory::RateLimited => "RATE_LIMITED",
        ErrorCategory::Billing => "BILLING",
        ErrorCategory::Timeout => "TIMEOUT",
        ErrorCategory::Api => "API",
        ErrorCategory::Network => "NETWORK",
        ErrorCategory::Stream => "STREAM",
        ErrorCategory::AllModelsFailed => "ALL_MODELS_FAILED",
        ErrorCategory::Cancelled => "CANCELLED",
        ErrorCategory::Internal => "INTERNAL",
    }
}

fn summary(
    r: &claw_anthropic::Response<claw_anthropic::request::messages::Message>,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "profileId": r.profile_id,
        "credentialSource": r.credential_source,
        "model": r.model.to_string(),
        "requestId": r.meta.request_id(),
        "warnings": r.warnings,
        "attempts": r.attempts().iter().map(Attempt::to_json).collect::<Vec<_>>(),
    });
    // No configured price → no cost field (never a made-up zero).
    if let (Some(c), Some(o)) = (r.cost(), v.as_object_mut()) {
        o.insert("cost".into(), serde_json::to_value(c).unwrap_or_default());
    }
    v
}

/// The attempts of a request, one line each on stderr; `failed`: the request failed in the end
/// (its last failed attempt says so instead of "moving on").
fn print_attempts(attempts: &[Attempt], failed: bool) {
    if attempts.is_empty() && failed {
        eprintln!("no attempt was made");
    }
    for (i, a) in attempts.iter().enumerate() {
        let last = i + 1 == attempts.len();
        eprintln!("{}", describe_attempt(i + 1, a, failed && last));
    }
}

/// One attempt for a person: `attempt 2: anthropic:b anthropic/claude-opus-4-5 → HTTP 429
/// rate_limit (request-id req_1, 312 ms), retrying in 2.0 s`; `final_failure`: the last
/// attempt of a request that failed (`giving up` instead of `moving on`).
fn describe_attempt(n: usize, a: &Attempt, final_failure: bool) -> String {
    let mut line = format!(
        "attempt {n}: {} {} → ",
        a.profile_id.as_deref().unwrap_or("(no profile)"),
        a.model
    );
    match (a.status, a.transport) {
        (Some(s), _) => line.push_str(&format!("HTTP {s}")),
        (None, Some(t)) => line.push_str(&format!("{t} error")),
        (None, None) => line.push_str("not sent"),
    }
    match a.reason {
        Some(r) => line.push_str(&format!(" {r}")),
        None => line.push_str(" ok"),
    }
    let mut details = Vec::new();
    if let Some(id) = &a.request_id {
        details.push(format!("request-id {id}"));
    }
    details.push(format!("{} ms", a.duration.as_millis()));
    line.push_str(&format!(" ({})", details.join(", ")));
    if let Some(d) = a.retry_delay {
        line.push_str(&format!(", retrying in {:.1} s", d.as_secs_f64()));
    } else if a.reason.is_some() {
        line.push_str(if final_failure {
            ", giving up"
        } else {
            ", moving on"
        });
    }
    line
}
