//! `send`: one message, streamed (default) or whole, or printed as a dry run.

use crate::common::{CliResult, agent_auth, failure, load_config, stdout_error, usage};
use clap::Args;
use claw_anthropic::request::build::{AuthHeader, BuildOptions, build_messages, serves_provider};
use claw_anthropic::request::check::check_messages;
use claw_anthropic::request::messages::{MessageParam, MessageRequest};
use claw_anthropic::{AgentId, Client, Config};
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
    /// Print JSON (the final message plus the profile used, the attempts and the cost; with
    /// --dry-run, compact JSON).
    #[arg(long)]
    json: bool,
    /// Print every attempt (profile, model, status, retry delay, request id, duration) to stderr.
    #[arg(long, short = 'v')]
    verbose: bool,
}

pub(crate) fn send(agent: Option<&AgentId>, args: SendArgs) -> CliResult {
    let user = vec![MessageParam::user(args.message.clone())];
    // The library's check, before the config is read: a usage error naming the option.
    if let Err(e) = check_messages(&user) {
        return Err(usage(format!("--message: {e}")));
    }
    let config = load_config()?;
    let model = match &args.model {
        Some(m) => m.clone(),
        None => config.default_model().ref_string(),
    };
    if let Some((r, _)) = config.resolve_model_ref(&model)
        && !serves_provider(&config, &r.provider)
    {
        return Err(usage(format!(
            "model \"{}\" belongs to provider \"{}\", which this tool does not support: it talks only to Anthropic's Messages API (provider \"anthropic\", or a provider configured with `api: \"anthropic-messages\"`)",
            model.trim(),
            r.provider
        )));
    }
    let mut req = MessageRequest::new(model, user);
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
            outln!("{v}");
        } else {
            outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failure(format!("could not start the async runtime: {e}")))?;
    rt.block_on(send_async(config, agent.cloned(), args, req))
}

pub(crate) async fn send_async(
    config: Arc<Config>,
    agent: Option<AgentId>,
    args: SendArgs,
    req: MessageRequest,
) -> CliResult {
    let client = Client::new(config, agent)?;
    let result = send_reply(&client, args, req).await;
    // Dropping the last client on this current-thread runtime would write recorded successes
    // on a thread of its own, which the exit does not wait for: write them now.
    if let Err(e) = client.flush().await {
        eprintln!("warning: could not record profile use in the auth store: {e}");
    }
    result
}

async fn send_reply(client: &Client, args: SendArgs, req: MessageRequest) -> CliResult {
    let pin = match &args.profile {
        Some(p) => claw_anthropic::client::ProfilePin::Only(p.clone()),
        None => claw_anthropic::client::ProfilePin::Auto,
    };
    // --verbose: a failed request prints its attempts too, before the error.
    let failed = |attempts: &[claw_anthropic::Attempt], e: claw_anthropic::Error| {
        if args.verbose {
            print_attempts(attempts, true);
        }
        e
    };
    let r = if args.no_stream {
        let r = match client.send_recorded(req, &pin).await {
            Ok(r) => r,
            Err(f) => return Err(failed(&f.attempts, f.error).into()),
        };
        if !args.json {
            outln!("{}", r.value.text());
        }
        r
    } else {
        let mut s = match client.stream_recorded(req, &pin).await {
            Ok(s) => s,
            Err(f) => return Err(failed(&f.attempts, f.error).into()),
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
                            out.flush().map_err(stdout_error)?;
                        }
                        next.await
                    }
                }
            };
            let Some(ev) = ev else { break };
            ev.map_err(|e| failed(s.attempts(), e))?;
            if !args.json {
                out.write_all(text.as_bytes()).map_err(stdout_error)?;
            }
        }
        let attempts = if args.verbose {
            s.attempts().to_vec()
        } else {
            Vec::new()
        };
        let r = s.final_response().await.map_err(|e| failed(&attempts, e))?;
        if !args.json {
            out.write_all(b"\n")
                .and_then(|()| out.flush())
                .map_err(stdout_error)?;
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
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
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
        "attempts": r.attempts().iter().map(claw_anthropic::Attempt::to_json).collect::<Vec<_>>(),
    });
    // No configured price → no cost field (never a made-up zero).
    if let (Some(c), Some(o)) = (r.cost(), v.as_object_mut()) {
        o.insert("cost".into(), serde_json::to_value(c).unwrap_or_default());
    }
    v
}

/// The attempts of a request, one line each on stderr; `failed`: the request failed in the end
/// (its last failed attempt says so instead of "moving on").
fn print_attempts(attempts: &[claw_anthropic::Attempt], failed: bool) {
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
fn describe_attempt(n: usize, a: &claw_anthropic::Attempt, final_failure: bool) -> String {
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
