use super::*;
use crate::request::messages::MessageParam;

/// A request made of the parts the default policy touches: string or block `system`,
/// user/assistant turns with string or block content (some blocks already marked, some
/// not cacheable), preset `max_tokens`/`temperature`/`stream`.
fn shaped_request(
    system: u8,
    turns: &[(bool, u8)],
    preset: (bool, bool, Option<bool>),
) -> MessageRequest {
    let blocks = |n: u8| -> serde_json::Value {
        match n % 5 {
            0 => json!([{"type": "text", "text": "a"}]),
            1 => json!([{"type": "text", "text": "a"}, {"type": "text", "text": ""}]),
            2 => {
                json!([{"type": "text", "text": "a", "cache_control": {"type": "ephemeral", "ttl": "1h"}}])
            }
            3 => json!([{"type": "thinking", "thinking": "t", "signature": "s"}]),
            _ => {
                json!([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}}])
            }
        }
    };
    let content = |n: u8| -> serde_json::Value {
        match n % 4 {
            0 => json!("hello"),
            1 => json!(""),
            _ => blocks(n / 4),
        }
    };
    let mut v = json!({
        "model": "sonnet",
        "messages": turns.iter().map(|(user, c)| json!({
            "role": if *user { "user" } else { "assistant" },
            "content": content(*c),
        })).collect::<Vec<_>>(),
    });
    match system % 4 {
        0 => {}
        1 => v["system"] = json!("be brief"),
        2 => v["system"] = json!(""),
        _ => v["system"] = blocks(system / 4),
    }
    if preset.0 {
        v["max_tokens"] = json!(77);
    }
    if preset.1 {
        v["temperature"] = json!(0.5);
    }
    if let Some(s) = preset.2 {
        v["stream"] = json!(s);
    }
    serde_json::from_value(v).unwrap()
}

proptest::proptest! {
    #[test]
    fn prepared_bodies_equal_built_ones_and_the_body_is_put_back(
        system in 0u8..20,
        turns in proptest::collection::vec((proptest::bool::ANY, 0u8..20), 1..4),
        preset in (proptest::bool::ANY, proptest::bool::ANY, proptest::option::of(proptest::bool::ANY)),
        token in proptest::bool::ANY,
        manual in proptest::bool::ANY,
        stream in proptest::option::of(proptest::bool::ANY),
        alias in proptest::bool::ANY,
    ) {
        let config = Config::from_json5(
            r#"{ agents: { defaults: { models: { "anthropic/claude-sonnet-4-5": { alias: "sonnet", params: { cacheControlTtl: "1h", temperature: 0.2, maxTokens: 999 } } } } } }"#,
        ).unwrap();
        let secret = key();
        let kind = if token { CredentialKind::Token } else { CredentialKind::ApiKey };
        let auth = AuthHeader::new(kind, &secret);
        let model = ModelRef::new("anthropic", "claude-sonnet-4-5");
        let options = BuildOptions {
            cache_policy: if manual { CachePolicy::Manual } else { CachePolicy::Default },
            stream,
            ..BuildOptions::default()
        };
        let mut original = shaped_request(system, &turns, preset);
        if !alias {
            // Already the resolved id: the body's model is left as it is.
            original.model = "claude-sonnet-4-5".into();
        }
        let mut body = original.clone();
        let cache = HeaderCache::default();
        let built = build_messages_for(&config, auth, model.clone(), original.clone(), &options, Vec::new(), None);
        for _ in 0..2 {
            let prepared = prepare_messages(&config, auth, &model, &mut body, &options, Some(&cache));
            proptest::prop_assert_eq!(&body, &original, "the body is put back");
            match (&built, prepared) {
                (Ok(b), Ok(p)) => {
                    let bytes = b.body_bytes().unwrap();
                    proptest::prop_assert_eq!(p.body.as_ref(), bytes.as_slice());
                    proptest::prop_assert_eq!(&p.head.headers, &b.headers);
                    proptest::prop_assert_eq!(&p.warnings, &b.warnings);
                    proptest::prop_assert_eq!(&p.head.url, &b.url);
                    proptest::prop_assert_eq!(p.cache_ttl, crate::request::check::breakpoints(&b.body).unwrap().into_iter().find_map(|x| x.ttl));
                    proptest::prop_assert_eq!(&p.head.betas, &betas_of(&b.headers));
                }
                (Err(b), Err(p)) => proptest::prop_assert_eq!(b.to_string(), p.to_string()),
                (b, p) => proptest::prop_assert!(false, "built {:?} vs prepared {:?}", b.is_ok(), p.is_ok()),
            }
        }
    }
}

fn key() -> SecretString {
    SecretString::from("sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-zzzz")
}

#[test]
fn cached_headers_equal_fresh_ones_per_credential_with_their_warnings() {
    let config = Config::from_json5(
        r#"{ models: { providers: { anthropic: { headers: { "x-api-key": "other", "X-Team": "t1" } } } } }"#,
    )
    .unwrap();
    let cache = HeaderCache::default();
    let other = SecretString::from("sk-ant-oat01-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
    let build = |secret: &SecretString, kind, cache: Option<&HeaderCache>| {
        let req = MessageRequest::new("claude-sonnet-4-5", vec![MessageParam::user("x")]);
        let model = ModelRef::new("anthropic", "claude-sonnet-4-5");
        build_messages_for(
            &config,
            AuthHeader::new(kind, secret),
            model,
            req,
            &BuildOptions::default(),
            Vec::new(),
            cache,
        )
        .unwrap()
    };
    for (secret, kind) in [
        (key(), CredentialKind::ApiKey),
        (other.clone(), CredentialKind::Token),
        (key(), CredentialKind::ApiKey),
    ] {
        let fresh = build(&secret, kind, None);
        for _ in 0..2 {
            let cached = build(&secret, kind, Some(&cache));
            assert_eq!(cached.headers, fresh.headers);
            assert_eq!(cached.warnings, fresh.warnings);
            assert!(cached.warnings.iter().any(|w| w.contains("x-api-key")));
        }
    }
    assert_eq!(cache.0.lock().unwrap().len(), 2, "one entry per credential");
    // Call-specific headers bypass the cache.
    let req = MessageRequest::new("claude-sonnet-4-5", vec![MessageParam::user("x")]);
    let opts = BuildOptions {
        headers: vec![("x-call".into(), "1".into())],
        ..BuildOptions::default()
    };
    let k = key();
    let b = build_messages_for(
        &config,
        AuthHeader::new(CredentialKind::ApiKey, &k),
        ModelRef::new("anthropic", "claude-sonnet-4-5"),
        req,
        &opts,
        Vec::new(),
        Some(&cache),
    )
    .unwrap();
    assert_eq!(b.header("x-call").unwrap(), "1");
    assert_eq!(cache.0.lock().unwrap().len(), 2);
}

#[test]
fn betas_merge_and_dedupe() {
    let mut b = vec!["a".to_owned()];
    merge_betas(&mut b, [" b , a,,c", "b"]);
    assert_eq!(b, ["a", "b", "c"]);
}

#[test]
fn endpoint_urls_are_checked_once_per_config() {
    let c = Config::from_json5(
        r#"{models:{providers:{anthropic:{baseUrl:"http://127.0.0.1:9/"},plain:{api:"anthropic-messages",baseUrl:"http://example.com"}}}}"#,
    )
    .unwrap();
    assert!(c.endpoints.get("anthropic", "/v1/messages").is_none());
    let u = endpoint_url(&c, "anthropic", "/v1/messages").unwrap();
    assert_eq!(u.as_str(), "http://127.0.0.1:9/v1/messages");
    assert_eq!(
        c.endpoints.get("anthropic", "/v1/messages"),
        Some(Ok(u.clone()))
    );
    assert_eq!(endpoint_url(&c, "anthropic", "/v1/messages").unwrap(), u);
    let models = endpoint_url(&c, "anthropic", "/v1/models").unwrap();
    assert_eq!(models.as_str(), "http://127.0.0.1:9/v1/models");
    // A refused URL gives the same error every time, from the cache too.
    let first = endpoint_url(&c, "plain", "/v1/messages")
        .unwrap_err()
        .to_string();
    assert!(first.contains("models.providers.plain.baseUrl"), "{first}");
    assert!(first.contains("plain http"), "{first}");
    let again = endpoint_url(&c, "plain", "/v1/messages")
        .unwrap_err()
        .to_string();
    assert_eq!(first, again);
    // A clone starts with an empty cache.
    assert!(
        c.clone()
            .endpoints
            .get("anthropic", "/v1/messages")
            .is_none()
    );
}

#[test]
fn protected_headers_ignored_and_overrides_in_place() {
    let c = Config::from_json5(
        r#"{models:{providers:{anthropic:{headers:{"X-API-KEY":"other","User-Agent":"mine/1","X-Custom":"v"}}}}}"#,
    )
    .unwrap();
    let k = key();
    let mut w = Vec::new();
    let h = build_headers(
        &c,
        "anthropic",
        AuthHeader::new(CredentialKind::ApiKey, &k),
        "application/json",
        &[],
        &[],
        &mut w,
    )
    .unwrap();
    let get = |n: &str| h.get(n).cloned();
    assert_eq!(
        get("x-api-key").unwrap().as_bytes(),
        k.expose_secret().as_bytes()
    );
    assert!(get("x-api-key").unwrap().is_sensitive());
    assert_eq!(get("user-agent").unwrap(), "mine/1");
    // Overridden in place: still fourth.
    assert_eq!(h.keys().nth(3).unwrap(), "user-agent");
    assert_eq!(h.keys().last().unwrap(), "anthropic-beta");
    assert_eq!(get("x-custom").unwrap(), "v");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("X-API-KEY"));
}

#[test]
fn params_apply_unless_set() {
    let c = Config::from_json5(
        r#"{agents:{defaults:{models:{"anthropic/claude-opus-4-5":{params:{temperature:0.2,maxTokens:1234,foo:1}}}}}}"#,
    )
    .unwrap();
    let k = key();
    let auth = AuthHeader::new(CredentialKind::ApiKey, &k);
    let b = build_messages(
        &c,
        auth,
        MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(b.body.max_tokens, Some(1234));
    assert_eq!(b.body.temperature, Some(0.2));
    assert!(
        b.body.extra.is_empty(),
        "unknown params stay out of the body"
    );
    let mut r = MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]);
    r.max_tokens = Some(10);
    r.temperature = Some(0.9);
    let b = build_messages(&c, auth, r, &BuildOptions::default()).unwrap();
    assert_eq!(
        (b.body.max_tokens, b.body.temperature),
        (Some(10), Some(0.9))
    );
    // Unknown model, no params: the default table.
    let b = build_messages(
        &c,
        auth,
        MessageRequest::new("anthropic/new-model", vec![MessageParam::user("x")]),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(b.body.max_tokens, Some(4096));
    assert_eq!(b.body.temperature, None);
}

#[test]
fn stream_option_sets_accept() {
    let c = Config::from_json5("{}").unwrap();
    let k = key();
    let opts = BuildOptions {
        stream: Some(true),
        ..Default::default()
    };
    let b = build_messages(
        &c,
        AuthHeader::new(CredentialKind::ApiKey, &k),
        MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]),
        &opts,
    )
    .unwrap();
    assert_eq!(b.body.stream, Some(true));
    assert_eq!(b.header("accept").unwrap(), "text/event-stream");
}

#[test]
fn list_models_and_count_tokens_urls() {
    let c =
        Config::from_json5(r#"{models:{providers:{anthropic:{baseUrl:"http://127.0.0.1:9/"}}}}"#)
            .unwrap();
    let k = key();
    let auth = AuthHeader::new(CredentialKind::Token, &k);
    let b = build_list_models(&c, "Anthropic", auth, Some("m1"), Some(5)).unwrap();
    assert_eq!(
        b.url.as_str(),
        "http://127.0.0.1:9/v1/models?limit=5&after_id=m1"
    );
    assert_eq!(b.method, Method::GET);
    let b = build_list_models(&c, "anthropic", auth, None, None).unwrap();
    assert_eq!(b.url.as_str(), "http://127.0.0.1:9/v1/models");
    let b = build_count_tokens(
        &c,
        auth,
        MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")])
            .with_max_tokens(5),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(
        b.url.as_str(),
        "http://127.0.0.1:9/v1/messages/count_tokens"
    );
    let v = serde_json::to_value(&b.body).unwrap();
    assert!(v.get("max_tokens").is_none());
    assert_eq!(b.header("anthropic-beta").unwrap(), betas::OAUTH);
}

#[test]
fn foreign_provider_rejected() {
    let c = Config::from_json5(
        r#"{models:{providers:{openai:{api:"openai-responses"},proxy:{api:"anthropic-messages",baseUrl:"https://proxy.example"}}}}"#,
    )
    .unwrap();
    let k = key();
    let auth = AuthHeader::new(CredentialKind::ApiKey, &k);
    let e = build_messages(
        &c,
        auth,
        MessageRequest::new("openai/gpt-5", vec![MessageParam::user("x")]),
        &BuildOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::InvalidRequest { ref path, .. } if path == "model"),
        "{e}"
    );
    let b = build_messages(
        &c,
        auth,
        MessageRequest::new("proxy/claude-x", vec![MessageParam::user("x")]),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(b.url.as_str(), "https://proxy.example/v1/messages");
    assert_eq!(b.body.model, "claude-x");
}

#[test]
fn debug_never_shows_secret() {
    let c = Config::from_json5("{}").unwrap();
    let k = key();
    let auth = AuthHeader::new(CredentialKind::ApiKey, &k);
    assert!(!format!("{auth:?}").contains("AAAAAAAAAAAAAAAAAAAA"));
    let b = build_messages(
        &c,
        auth,
        MessageRequest::new("anthropic/claude-opus-4-5", vec![MessageParam::user("x")]),
        &BuildOptions::default(),
    )
    .unwrap();
    assert!(!format!("{b:?}").contains("AAAAAAAAAAAAAAAAAAAA"));
    assert!(!b.dry_run().to_string().contains("AAAAAAAAAAAAAAAAAAAA"));
}
