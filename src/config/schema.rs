//! JSON Schema of the modeled sections of `clawdbot.json` (generated with `schemars`).
//!
//! The schema describes `env`, `auth`, `agents` and `models`; every other top-level section is
//! allowed as is (`additionalProperties` is not restricted at the top level), and the partly
//! modeled objects (`agents.defaults`, `agents.list[i]`, `models.providers.*`, `params`, …) allow
//! extra keys too. The loader's own validation is stricter about near-miss keys than the schema.

use super::{Config, ConfigDoc};
use serde_json::Value;

/// The JSON Schema (draft 2020-12) of [`ConfigDoc`].
pub fn json_schema() -> Value {
    let schema = schemars::schema_for!(ConfigDoc);
    let mut v = serde_json::to_value(&schema).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert(
            "title".to_owned(),
            Value::String("clawdbot.json (sections modeled by claw-anthropic)".to_owned()),
        );
        m.insert(
            "description".to_owned(),
            Value::String(
                "Clawdbot configuration. Sections other than env, auth, agents and models are accepted as is."
                    .to_owned(),
            ),
        );
        // Sections this crate does not model are allowed.
        m.remove("additionalProperties");
    }
    strip_null(&mut v);
    v
}

/// Optional keys may be omitted but not `null` (as in Clawdbot's schema): drops the `null`
/// alternatives schemars adds for `Option` fields.
fn strip_null(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(types)) = m.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    m.insert("type".to_owned(), only);
                }
            }
            if let Some(Value::Array(alts)) = m.get_mut("anyOf") {
                alts.retain(|a| a.get("type").is_none_or(|t| t != "null"));
                if alts.len() == 1 {
                    let only = alts.remove(0);
                    m.remove("anyOf");
                    if let Value::Object(inner) = only {
                        for (k, val) in inner {
                            m.entry(k).or_insert(val);
                        }
                    }
                }
            }
            for val in m.values_mut() {
                strip_null(val);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_null),
        _ => {}
    }
}

impl Config {
    /// The JSON Schema of the modeled sections (see [`json_schema`]).
    pub fn json_schema() -> Value {
        json_schema()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_shape() {
        let s = json_schema();
        assert_eq!(s["type"], "object");
        assert!(s.get("additionalProperties").is_none_or(|v| v != false));
        let props = &s["properties"];
        for k in ["env", "auth", "agents", "models"] {
            assert!(props.get(k).is_some(), "missing {k}: {s}");
        }
        let text = s.to_string();
        assert!(text.contains("cacheControlTtl"), "{text}");
        assert!(text.contains("\"5m\""));
        assert!(text.contains("api_key"));
        assert!(!text.contains("\"null\""), "{text}");
        let ttl = &s["$defs"]["ModelParams"]["properties"]["maxTokens"];
        assert_eq!(ttl["minimum"], 1, "{ttl}");
    }
}
