//! Quickstart (provisional): loads a config and explains what it resolves to.
//! It becomes the full offline send-through-the-mock-server quickstart once the client lands.

fn main() -> claw_anthropic::Result<()> {
    let config = claw_anthropic::Config::from_json5(
        r#"{
  env: { ANTHROPIC_API_KEY: "sk-ant-api03-EXAMPLEEXAMPLEEXAMPLEEXAMPLE" },
  agents: { defaults: {
    model: { primary: "opus", fallbacks: ["anthropic/claude-sonnet-4-5"] },
    models: { "anthropic/claude-opus-4-5": { params: { cacheControlTtl: "1h" } } },
  } },
}"#,
    )?;
    let model = config.default_model();
    println!("default model: {model}");
    println!(
        "fallbacks:     {:?}",
        config
            .fallbacks()
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
    );
    let ttl = config
        .model_params(&model)
        .and_then(|p| p.cache_control_ttl);
    println!(
        "cache TTL:     {}",
        ttl.map(|t| t.as_str()).unwrap_or("provider default")
    );
    if let Some(v) = config.env().get("ANTHROPIC_API_KEY") {
        println!(
            "API key:       {} ({})",
            claw_anthropic::auth::mask(v.expose()),
            v.label()
        );
    }
    Ok(())
}
