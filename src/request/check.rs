//! Checks run on a request before it is sent ([request
//! checks](crate::compatibility#request-checks)).
//!
//! Every failure is an [`Error::InvalidRequest`] whose `path` is the JSON path of the offending
//! value (`messages[3].content[0].cache_control`), or an [`Error::InvalidArgument`] for header
//! values and URLs. Secrets are never echoed.

use crate::error::{Error, Result};
use crate::request::messages::{
    CacheControl, ContentBlock, MessageContent, MessageParam, MessageRequest, Role, SystemPrompt,
    ThinkingConfig,
};
use reqwest::Url;
use std::net::IpAddr;

/// The API's limit on `cache_control` breakpoints per request.
pub const MAX_CACHE_BREAKPOINTS: usize = 4;
/// The API's minimum `thinking.budget_tokens`.
pub const MIN_THINKING_BUDGET: u32 = 1024;

fn invalid(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidRequest {
        path: path.into(),
        message: message.into(),
    }
}

/// Checks a finished body (model resolved, `max_tokens` set): non-empty model and messages,
/// no empty message or text ([`check_messages`]), `max_tokens` ≥ 1, the thinking budget, and the
/// cache breakpoints ([`check_cache_breakpoints`]).
pub fn check_request(body: &MessageRequest) -> Result<()> {
    check_request_first_ttl(body).map(drop)
}

/// [`check_request`], and the first TTL set on a breakpoint (in the order of [`breakpoints`]),
/// from the same walk.
pub(crate) fn check_request_first_ttl(body: &MessageRequest) -> Result<Option<&str>> {
    if body.model.trim().is_empty() {
        return Err(invalid("model", "model must not be empty"));
    }
    if body.messages.is_empty() {
        return Err(invalid(
            "messages",
            "messages must not be empty: add at least one user message",
        ));
    }
    check_messages(&body.messages)?;
    let max_tokens = match body.max_tokens {
        None => return Err(invalid("max_tokens", "max_tokens is required")),
        Some(0) => return Err(invalid("max_tokens", "max_tokens must be at least 1")),
        Some(n) => n,
    };
    if let Some(budget_tokens) = body
        .thinking
        .as_ref()
        .and_then(ThinkingConfig::budget_tokens)
    {
        if budget_tokens < MIN_THINKING_BUDGET {
            return Err(invalid(
                "thinking.budget_tokens",
                format!(
                    "thinking.budget_tokens is {budget_tokens}; it must be at least {MIN_THINKING_BUDGET}"
                ),
            ));
        }
        if budget_tokens >= max_tokens {
            return Err(invalid(
                "thinking.budget_tokens",
                format!(
                    "thinking.budget_tokens ({budget_tokens}) must be less than max_tokens ({max_tokens}); raise max_tokens or lower the budget"
                ),
            ));
        }
    }
    check_breakpoints(body)
}

/// Checks what the API answers 400 for in the messages themselves: every message has content
/// (a string other than `""`, or at least one block) except a final assistant message, which may
/// be empty (a prefill to be continued); and no text — string content or a `text` block — is empty
/// or only whitespace (the API wants non-whitespace text, and a final assistant message that ends
/// in whitespace is refused too).
pub fn check_messages(messages: &[MessageParam]) -> Result<()> {
    let last = messages.len().saturating_sub(1);
    for (i, m) in messages.iter().enumerate() {
        let may_be_empty = i == last && m.role == Role::Assistant;
        let role = m.role.as_str();
        match &m.content {
            MessageContent::Text(t) if t.is_empty() && may_be_empty => {}
            MessageContent::Blocks(b) if b.is_empty() && may_be_empty => {}
            MessageContent::Text(t) if t.is_empty() => {
                return Err(invalid(
                    format!("messages[{i}].content"),
                    format!(
                        "the {role} message is empty: give it some text (the API refuses a message without content, except a final assistant message)"
                    ),
                ));
            }
            MessageContent::Blocks(b) if b.is_empty() => {
                return Err(invalid(
                    format!("messages[{i}].content"),
                    format!(
                        "the {role} message has no content blocks: add at least one (the API refuses a message without content, except a final assistant message)"
                    ),
                ));
            }
            MessageContent::Text(t) => {
                if t.trim().is_empty() {
                    return Err(invalid(
                        format!("messages[{i}].content"),
                        format!(
                            "the {role} message is only whitespace: give it some text (the API refuses text without a non-whitespace character)"
                        ),
                    ));
                }
            }
            MessageContent::Blocks(blocks) => {
                for (j, b) in blocks.iter().enumerate() {
                    if let ContentBlock::Text(t) = b
                        && t.text.trim().is_empty()
                    {
                        let what = if t.text.is_empty() {
                            "empty"
                        } else {
                            "only whitespace"
                        };
                        return Err(invalid(
                            format!("messages[{i}].content[{j}].text"),
                            format!(
                                "a text block of the {role} message is {what}: give it some text or remove the block (the API refuses text blocks without a non-whitespace character)"
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// One `cache_control` found in a request, in API processing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakpoint {
    /// JSON path of the `cache_control` value.
    pub path: String,
    /// Its TTL (`None` = the API default, 5 minutes).
    pub ttl: Option<String>,
}

/// Where a breakpoint is, without allocating; formatted into a JSON path only when needed.
#[derive(Debug, Clone, Copy)]
enum Loc {
    Tool(usize),
    System(usize),
    /// `messages[i].content[j]`, and `.content[k]` inside a tool result.
    Message(usize, usize, Option<usize>),
}

impl Loc {
    fn path(self) -> String {
        match self {
            Loc::Tool(i) => format!("tools[{i}].cache_control"),
            Loc::System(j) => format!("system[{j}].cache_control"),
            Loc::Message(i, j, None) => format!("messages[{i}].content[{j}].cache_control"),
            Loc::Message(i, j, Some(k)) => {
                format!("messages[{i}].content[{j}].content[{k}].cache_control")
            }
        }
    }
}

/// The TTL of a block's `cache_control` (`Ok(None)` when it has none; `Ok(Some(None))` for a
/// default-TTL breakpoint); an error for an unknown block whose `cache_control` is not an object.
fn block_ttl(b: &ContentBlock, loc: Loc) -> Result<Option<Option<&str>>> {
    if let ContentBlock::Unknown(v) = b {
        return match v.get("cache_control") {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Object(cc))
                if cc.get("type").is_some_and(|t| t.is_string()) =>
            {
                match cc.get("ttl") {
                    None | Some(serde_json::Value::Null) => Ok(Some(None)),
                    Some(serde_json::Value::String(t)) => Ok(Some(Some(t.as_str()))),
                    Some(_) => Err(invalid(
                        format!("{}.ttl", loc.path()),
                        "cache_control ttl must be \"5m\" or \"1h\"",
                    )),
                }
            }
            Some(_) => Err(invalid(
                loc.path(),
                "cache_control must be an object like {\"type\":\"ephemeral\"}",
            )),
        };
    }
    Ok(b.cache_control_ref()
        .map(|cc: &CacheControl| cc.ttl.as_deref()))
}

/// Calls `f` for every `cache_control` in API processing order: tools, system, messages
/// (including blocks nested in `tool_result` content).
fn visit<'a>(
    body: &'a MessageRequest,
    mut f: impl FnMut(Loc, Option<&'a str>) -> Result<()>,
) -> Result<()> {
    for (i, tool) in body.tools.iter().enumerate() {
        if let Some(cc) = &tool.cache_control {
            f(Loc::Tool(i), cc.ttl.as_deref())?;
        }
    }
    if let Some(SystemPrompt::Blocks(blocks)) = &body.system {
        for (j, b) in blocks.iter().enumerate() {
            if let Some(ttl) = block_ttl(b, Loc::System(j))? {
                f(Loc::System(j), ttl)?;
            }
        }
    }
    for (i, m) in body.messages.iter().enumerate() {
        let MessageContent::Blocks(blocks) = &m.content else {
            continue;
        };
        for (j, b) in blocks.iter().enumerate() {
            let loc = Loc::Message(i, j, None);
            if let Some(ttl) = block_ttl(b, loc)? {
                f(loc, ttl)?;
            }
            if let ContentBlock::ToolResult(tr) = b
                && let Some(MessageContent::Blocks(inner)) = &tr.content
            {
                for (k, nb) in inner.iter().enumerate() {
                    let loc = Loc::Message(i, j, Some(k));
                    if let Some(ttl) = block_ttl(nb, loc)? {
                        f(loc, ttl)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Every `cache_control` of a request in the order the API reads them: tools, then system, then
/// messages (including blocks nested in `tool_result` content). A `cache_control` that is not a
/// valid object is reported as an error.
pub fn breakpoints(body: &MessageRequest) -> Result<Vec<Breakpoint>> {
    let mut out = Vec::new();
    visit(body, |loc, ttl| {
        out.push(Breakpoint {
            path: loc.path(),
            ttl: ttl.map(str::to_owned),
        });
        Ok(())
    })?;
    Ok(out)
}

/// At most [`MAX_CACHE_BREAKPOINTS`] breakpoints; TTLs are `"5m"` or `"1h"`; and, in the order
/// tools → system → messages, no `1h` breakpoint after a `5m`/default one.
pub fn check_cache_breakpoints(body: &MessageRequest) -> Result<()> {
    check_breakpoints(body).map(drop)
}

/// [`check_cache_breakpoints`], returning the first TTL set on a breakpoint.
fn check_breakpoints(body: &MessageRequest) -> Result<Option<&str>> {
    let mut seen = 0usize;
    let mut first_ttl: Option<&str> = None;
    let mut first_short: Option<Loc> = None;
    let mut too_many: Option<Loc> = None;
    visit(body, |loc, ttl| {
        if seen == MAX_CACHE_BREAKPOINTS && too_many.is_none() {
            too_many = Some(loc);
        }
        seen += 1;
        first_ttl = first_ttl.or(ttl);
        match ttl {
            None | Some("5m") => {
                first_short.get_or_insert(loc);
                Ok(())
            }
            Some("1h") => match first_short {
                Some(s) if too_many.is_none() => Err(invalid(
                    loc.path(),
                    format!(
                        "a 1h cache_control breakpoint may not come after a 5m one (at {}): in the order tools, system, messages, longer TTLs must come first",
                        s.path()
                    ),
                )),
                _ => Ok(()),
            },
            Some(other) if too_many.is_none() => Err(invalid(
                format!("{}.ttl", loc.path()),
                format!("cache_control ttl must be \"5m\" or \"1h\", not {other:?}"),
            )),
            Some(_) => Ok(()),
        }
    })?;
    if let Some(loc) = too_many {
        // The error path walks again for the locations (the usual walk keeps none).
        let mut first: Vec<String> = Vec::with_capacity(MAX_CACHE_BREAKPOINTS);
        let _ = visit(body, |l, _| {
            if first.len() < MAX_CACHE_BREAKPOINTS {
                first.push(l.path());
            }
            Ok(())
        });
        return Err(invalid(
            loc.path(),
            format!(
                "too many cache_control breakpoints: {seen} found, at most {MAX_CACHE_BREAKPOINTS} are allowed (the first {MAX_CACHE_BREAKPOINTS} are at {})",
                first.join(", ")
            ),
        ));
    }
    Ok(first_ttl)
}

/// Checks a header value: no CR, LF or NUL (and nothing else HTTP forbids). The value is named
/// by its header only when `sensitive` is false — a secret is never echoed.
pub fn check_header_value(name: &str, value: &str, sensitive: bool) -> Result<()> {
    if let Some(bad) = value.chars().find(|c| matches!(c, '\r' | '\n' | '\0')) {
        let what = match bad {
            '\r' => "a carriage return (CR)",
            '\n' => "a line feed (LF)",
            _ => "a NUL byte",
        };
        return Err(Error::InvalidArgument(if sensitive {
            format!(
                "the value of header `{name}` (a credential) contains {what}; re-enter the key/token without line breaks"
            )
        } else {
            format!("the value of header `{name}` contains {what}, which is not allowed")
        }));
    }
    if reqwest::header::HeaderValue::from_str(value).is_err() {
        return Err(Error::InvalidArgument(format!(
            "the value of header `{name}` contains a control character, which is not allowed"
        )));
    }
    Ok(())
}

/// Checks a header name (an HTTP token).
pub fn check_header_name(name: &str) -> Result<()> {
    if name.is_empty() || reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(Error::InvalidArgument(format!(
            "invalid header name {name:?}: use letters, digits and '-'"
        )));
    }
    Ok(())
}

/// Whether a URL's host is loopback (`127.0.0.0/8`, `::1`, `localhost`).
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    let d = host.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

/// Parses a URL credentials will be sent to: `https://`, or `http://` to a loopback host only.
/// `origin` names where the URL came from (e.g. `models.providers.anthropic.baseUrl`).
pub fn check_credential_url(url: &str, origin: &str) -> Result<Url> {
    let parsed = Url::parse(url)
        .map_err(|e| Error::InvalidArgument(format!("{origin}: invalid URL {url:?}: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Error::InvalidArgument(format!(
            "{origin}: refusing to send credentials over plain http to {url:?}; use https:// (plain http is allowed only for 127.0.0.1, ::1 and localhost)"
        ))),
        scheme => Err(Error::InvalidArgument(format!(
            "{origin}: unsupported URL scheme {scheme:?} in {url:?}; use https://"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_ttl_is_the_first_set_ttl_of_the_breakpoints() {
        for body in [
            r#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#,
            r#"{"model":"m","max_tokens":5,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],
                "messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":{"type":"ephemeral","ttl":"5m"}}]}]}"#,
            r#"{"model":"m","max_tokens":5,"tools":[{"name":"t","input_schema":{},"cache_control":{"type":"ephemeral","ttl":"1h"}}],
                "system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral","ttl":"5m"}}],
                "messages":[{"role":"user","content":"hi"}]}"#,
            r#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
                {"type":"tool_result","tool_use_id":"x","content":[{"type":"text","text":"r","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}]}"#,
        ] {
            let req: MessageRequest = serde_json::from_str(body).unwrap();
            let expected = breakpoints(&req).unwrap().into_iter().find_map(|b| b.ttl);
            let got = check_request_first_ttl(&req).unwrap().map(str::to_owned);
            assert_eq!(got, expected, "{body}");
        }
    }

    #[test]
    fn too_many_breakpoints_names_the_first_four() {
        let block = r#"{"type":"text","text":"a","cache_control":{"type":"ephemeral"}}"#;
        let blocks = [block; 5].join(",");
        let body = format!(
            r#"{{"model":"m","max_tokens":5,"messages":[{{"role":"user","content":[{blocks}]}}]}}"#
        );
        let req: MessageRequest = serde_json::from_str(&body).unwrap();
        let err = check_request(&req).unwrap_err().to_string();
        assert!(err.contains("5 found"), "{err}");
        assert!(
            err.contains("messages[0].content[0].cache_control, messages[0].content[1].cache_control, messages[0].content[2].cache_control, messages[0].content[3].cache_control)"),
            "{err}"
        );
        assert!(
            err.contains("messages[0].content[4].cache_control"),
            "{err}"
        );
    }

    #[test]
    fn loopback_rules() {
        for ok in [
            "https://api.anthropic.com",
            "http://127.0.0.1:8080",
            "http://127.3.2.1",
            "http://[::1]:9",
            "http://localhost:1",
            "http://LOCALHOST",
        ] {
            assert!(check_credential_url(ok, "x").is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "ftp://x",
            "not a url",
            "http://localhost.evil.com",
        ] {
            assert!(check_credential_url(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn header_values() {
        assert!(check_header_value("a", "ok value", false).is_ok());
        let e = check_header_value("x-api-key", "sk-ant-SECRET\r\nX: y", true).unwrap_err();
        assert!(!e.to_string().contains("SECRET"));
        assert!(e.to_string().contains("CR"));
        assert!(check_header_value("a", "x\0", false).is_err());
        assert!(check_header_value("a", "x\n", false).is_err());
        assert!(check_header_name("bad name").is_err());
        assert!(check_header_name("x-ok").is_ok());
    }
}
