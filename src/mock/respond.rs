//! Answering one request: the scripted reply if any, else the built-in endpoints (messages,
//! count_tokens, models, OAuth refresh), with request-id and rate-limit headers.

use super::*;

pub(super) fn split_target(target: &str) -> (String, Option<String>) {
    match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    }
}

/// Records the request, picks the reply and renders it.
pub(super) fn respond(shared: &Shared, req: Request) -> Response {
    let n = shared.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let (path, query) = split_target(&req.target);
    let json: Option<Value> = if req.body.is_empty() {
        None
    } else {
        serde_json::from_slice(&req.body).ok()
    };
    let recorded = RecordedRequest {
        method: req.method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers: req.headers.clone(),
        body: req.body.clone(),
        json,
    };
    let scripted = {
        let mut inner = shared.lock();
        let by_credential = credential_of(&req.headers).and_then(|c| {
            inner
                .rules
                .iter()
                .find(|(s, _)| s.expose_secret() == c)
                .map(|(_, r)| r.clone())
        });
        let reply = by_credential.or_else(|| {
            let i = inner
                .queue
                .iter()
                .position(|(p, _)| p.as_deref().is_none_or(|p| p == path))?;
            inner.queue.remove(i).map(|(_, r)| r)
        });
        let limit = inner.limit.unwrap_or(MAX_RECORDED);
        while inner.requests.len() >= limit.max(1) {
            inner.requests.pop_front();
        }
        if limit > 0 {
            inner.requests.push_back(recorded.clone());
        }
        inner.received += 1;
        reply
    };
    let reply = scripted.unwrap_or_else(MockReply::default_reply);
    render_response(&recorded, reply, n)
}

pub(super) fn rate_limit_headers(n: u64) -> Vec<(String, String)> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let reset = render::rfc3339(now + 60);
    let mut h = Vec::new();
    for (bucket, limit) in [
        ("requests", 4000u64),
        ("tokens", 2_000_000),
        ("input-tokens", 1_600_000),
        ("output-tokens", 400_000),
    ] {
        let used = if bucket == "requests" { n } else { n * 10 };
        h.push((
            format!("anthropic-ratelimit-{bucket}-limit"),
            limit.to_string(),
        ));
        h.push((
            format!("anthropic-ratelimit-{bucket}-remaining"),
            limit.saturating_sub(used % limit).to_string(),
        ));
        h.push((format!("anthropic-ratelimit-{bucket}-reset"), reset.clone()));
    }
    h
}

/// Input-token estimate of a messages / count_tokens body.
pub(super) fn input_estimate(body: Option<&Value>) -> u64 {
    let chars: usize = ["system", "messages", "tools"]
        .iter()
        .filter_map(|k| body.and_then(|b| b.get(*k)))
        .map(|v| match v {
            Value::String(s) => s.len(),
            v => v.to_string().len(),
        })
        .sum();
    render::estimate_tokens(chars)
}

/// Text of the last user message (string content or its text blocks).
pub(super) fn last_user_text(body: &Value) -> Option<String> {
    let msgs = body.get("messages")?.as_array()?;
    let last = msgs
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))?;
    match last.get("content")? {
        Value::String(s) => Some(s.clone()),
        Value::Array(blocks) => {
            let texts: Vec<&str> = blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    }
}

pub(super) fn json_response(status: u16, body: &Value) -> (u16, String, Bytes) {
    (
        status,
        "application/json".into(),
        Bytes::from(body.to_string()),
    )
}

pub(super) fn api_error(status: u16, ty: &str, message: &str) -> (u16, String, Bytes) {
    json_response(status, &render::error_body(ty, message))
}

pub(super) const MODELS: [(&str, &str, &str); 8] = [
    (
        "claude-opus-4-5-20251101",
        "Claude Opus 4.5",
        "2025-11-24T00:00:00Z",
    ),
    (
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        "2025-10-15T00:00:00Z",
    ),
    (
        "claude-sonnet-4-5-20250929",
        "Claude Sonnet 4.5",
        "2025-09-29T00:00:00Z",
    ),
    (
        "claude-opus-4-1-20250805",
        "Claude Opus 4.1",
        "2025-08-05T00:00:00Z",
    ),
    (
        "claude-opus-4-20250514",
        "Claude Opus 4",
        "2025-05-22T00:00:00Z",
    ),
    (
        "claude-sonnet-4-20250514",
        "Claude Sonnet 4",
        "2025-05-22T00:00:00Z",
    ),
    (
        "claude-3-7-sonnet-20250219",
        "Claude Sonnet 3.7",
        "2025-02-24T00:00:00Z",
    ),
    (
        "claude-3-5-haiku-20241022",
        "Claude Haiku 3.5",
        "2024-10-22T00:00:00Z",
    ),
];

pub(super) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3]).map(|h| u8::from_str_radix(h, 16)) {
                    Ok(Ok(v)) => {
                        out.push(v);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

pub(super) fn models_page(query: Option<&str>) -> (u16, String, Bytes) {
    let limit = match query_param(query, "limit") {
        None => 20,
        Some(l) => match l.parse::<usize>() {
            Ok(l) if (1..=1000).contains(&l) => l,
            _ => {
                return api_error(
                    400,
                    "invalid_request_error",
                    "limit: Input should be between 1 and 1000",
                );
            }
        },
    };
    let index_of = |id: &str| MODELS.iter().position(|m| m.0 == id);
    let (start, end) = if let Some(after) = query_param(query, "after_id") {
        let Some(i) = index_of(&after) else {
            return api_error(404, "not_found_error", &format!("model: {after}"));
        };
        let s = i + 1;
        (s, (s + limit).min(MODELS.len()))
    } else if let Some(before) = query_param(query, "before_id") {
        let Some(i) = index_of(&before) else {
            return api_error(404, "not_found_error", &format!("model: {before}"));
        };
        (i.saturating_sub(limit), i)
    } else {
        (0, limit.min(MODELS.len()))
    };
    let page = &MODELS[start..end];
    let has_more = if query_param(query, "before_id").is_some() {
        start > 0
    } else {
        end < MODELS.len()
    };
    let data: Vec<Value> = page
        .iter()
        .map(|(id, name, created)| {
            json!({"type": "model", "id": id, "display_name": name, "created_at": created})
        })
        .collect();
    json_response(
        200,
        &json!({
            "data": data,
            "has_more": has_more,
            "first_id": page.first().map(|m| m.0),
            "last_id": page.last().map(|m| m.0),
        }),
    )
}

pub(super) fn oauth_token(body: Option<&Value>, n: u64) -> (u16, String, Bytes) {
    let grant = body
        .and_then(|b| b.get("grant_type"))
        .and_then(Value::as_str);
    let refresh = body
        .and_then(|b| b.get("refresh_token"))
        .and_then(Value::as_str);
    match (grant, refresh) {
        (Some("refresh_token"), Some(r)) if !r.is_empty() => json_response(
            200,
            &json!({
                "token_type": "Bearer",
                "access_token": format!("sk-ant-oat01-mock-access-token-{n:08}"),
                "refresh_token": format!("sk-ant-ort01-mock-refresh-token-{n:08}"),
                "expires_in": 28800,
                "scope": "user:inference",
            }),
        ),
        (Some("refresh_token"), _) => json_response(
            400,
            &json!({"error": "invalid_request", "error_description": "refresh_token is required"}),
        ),
        _ => json_response(
            400,
            &json!({"error": "unsupported_grant_type", "error_description": "only the refresh_token grant is supported"}),
        ),
    }
}

/// Checks the headers the real API insists on.
pub(super) fn api_headers_error(req: &RecordedRequest) -> Option<(u16, String, Bytes)> {
    if req.credential().is_none() {
        return Some(api_error(
            401,
            "authentication_error",
            "x-api-key header is required",
        ));
    }
    if req.header("anthropic-version").is_none() {
        return Some(api_error(
            400,
            "invalid_request_error",
            "anthropic-version: header is required",
        ));
    }
    None
}

pub(super) fn render_response(req: &RecordedRequest, reply: MockReply, n: u64) -> Response {
    let body_json = req.json.as_ref();
    let stream_requested = body_json
        .and_then(|b| b.get("stream"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let model = body_json
        .and_then(|b| b.get("model"))
        .and_then(Value::as_str)
        .unwrap_or("claude-mock");
    let ctx = Ctx {
        n,
        model,
        input_tokens: input_estimate(body_json),
    };
    let mut sse = false;
    let (status, content_type, body) = match reply.render_body(&ctx, stream_requested) {
        Some((ct, body)) => {
            sse = ct.starts_with("text/event-stream");
            (reply.status, ct, body)
        }
        None => match (req.method.as_str(), req.path.as_str()) {
            _ if matches!(reply.kind, Kind::ResetBeforeResponse) => {
                (0, String::new(), Bytes::new())
            }
            ("POST", "/v1/oauth/token") => oauth_token(body_json, n),
            ("POST", "/v1/messages") => {
                if let Some(e) = api_headers_error(req) {
                    e
                } else if body_json.is_none() {
                    api_error(
                        400,
                        "invalid_request_error",
                        "request body must be a JSON object",
                    )
                } else if body_json.and_then(|b| b.get("model")).is_none() {
                    api_error(400, "invalid_request_error", "model: Field required")
                } else {
                    let text = match last_user_text(body_json.unwrap_or(&Value::Null)) {
                        Some(t) if t.trim().eq_ignore_ascii_case("ping") => "pong".to_string(),
                        Some(t) if !t.is_empty() => t,
                        _ => "pong".to_string(),
                    };
                    let blocks = [json!({"type": "text", "text": text})];
                    if stream_requested {
                        sse = true;
                        (
                            200,
                            "text/event-stream; charset=utf-8".into(),
                            render::message_sse(&ctx, &blocks),
                        )
                    } else {
                        json_response(200, &render::message_json(&ctx, &blocks))
                    }
                }
            }
            ("POST", "/v1/messages/count_tokens") => match api_headers_error(req) {
                Some(e) => e,
                None if body_json.is_none() => api_error(
                    400,
                    "invalid_request_error",
                    "request body must be a JSON object",
                ),
                None => json_response(200, &json!({"input_tokens": ctx.input_tokens})),
            },
            ("GET", "/v1/models") => match api_headers_error(req) {
                Some(e) => e,
                None => models_page(req.query.as_deref()),
            },
            (
                _,
                "/v1/messages" | "/v1/messages/count_tokens" | "/v1/models" | "/v1/oauth/token",
            ) => api_error(
                405,
                "invalid_request_error",
                &format!("method {} not allowed", req.method),
            ),
            (_, path) => api_error(404, "not_found_error", &format!("no route for {path}")),
        },
    };
    let mut headers: Vec<(String, String)> = vec![
        ("content-type".into(), content_type),
        ("request-id".into(), format!("req_mock_{n}")),
    ];
    if req.path != "/v1/oauth/token" {
        headers.extend(rate_limit_headers(n));
    }
    if sse {
        headers.push(("cache-control".into(), "no-cache".into()));
    }
    for (name, value) in &reply.headers {
        headers.retain(|(n, _)| n != name);
        headers.push((name.clone(), value.clone()));
    }
    Response {
        status,
        headers,
        body,
        chunked: sse,
        delay: reply.delay,
        header_drip: reply.header_drip,
        drip: reply.drip,
        cut: reply.cut,
        reset_now: matches!(reply.kind, Kind::ResetBeforeResponse),
    }
}
