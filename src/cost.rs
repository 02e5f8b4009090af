//! What a response cost, in USD, from the model prices in the config (`models.providers.<id>.models[].cost`).
//!
//! Prices come from `models.providers.<id>.models[]` entries — the entry whose `id` is the
//! model id — and their `cost` object, in USD per million tokens, as Clawdbot and pi-ai write
//! them:
//!
//! ```json5
//! { models: { providers: { anthropic: { models: [
//!   { id: "claude-opus-4-5", cost: { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 } },
//! ] } } } }
//! ```
//!
//! The result has pi-ai's shape `{input, output, cacheRead, cacheWrite, total}`: `input` prices
//! `usage.input_tokens` (the uncached input), `cacheRead` prices `cache_read_input_tokens`,
//! `cacheWrite` prices `cache_creation_input_tokens`.
//!
//! **Cache writes by TTL.** Anthropic charges 1.25 × the input price for a 5-minute cache
//! write and 2 × the input price for a 1-hour write; the config has one `cacheWrite` figure,
//! which is the 5-minute price (the figure Anthropic lists as "cache writes" and the one pi-ai's
//! catalogue carries). So when the usage splits the writes by TTL (`usage.cache_creation`),
//! 5-minute writes are priced at `cacheWrite` and 1-hour writes at `2 × input`; writes the usage
//! does not split are priced at `cacheWrite`. pi-ai prices every write at `cacheWrite`, which
//! under-counts 1-hour writes by 37.5 %.
//!
//! No price → no cost: a model without a `cost` entry, or a usage with tokens of a kind whose
//! price is missing, has no cost at all (never a made-up zero).

use crate::config::{Config, ModelRef};
use crate::request::messages::Usage;
use serde::{Deserialize, Serialize};

/// Prices of one model, USD per million tokens (`models.providers.<id>.models[].cost`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelPrice {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Input tokens read from the cache (`None` when the config does not give it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    /// Input tokens written to the cache with the 5-minute TTL (`None` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
}

impl ModelPrice {
    /// The price of a `cost` object (`{input, output, cacheRead?, cacheWrite?}`); `None` when
    /// `input` or `output` is missing, or a given price is not a finite number ≥ 0.
    pub fn from_json(v: &serde_json::Value) -> Option<ModelPrice> {
        let num = |k: &str| -> Option<Option<f64>> {
            match v.get(k) {
                None | Some(serde_json::Value::Null) => Some(None),
                Some(x) => x.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(Some),
            }
        };
        Some(ModelPrice {
            input: num("input")??,
            output: num("output")??,
            cache_read: num("cacheRead")?,
            cache_write: num("cacheWrite")?,
        })
    }

    /// The cost of `usage` at these prices; `None` when the usage has cache tokens whose price
    /// is not configured.
    pub fn cost(&self, usage: &Usage) -> Option<Cost> {
        const PER: f64 = 1_000_000.0;
        let read_tokens = usage.cache_read_input_tokens.unwrap_or(0);
        let write_tokens = usage.cache_creation_input_tokens.unwrap_or(0);
        let (one_hour, rest) = match &usage.cache_creation {
            // The split by TTL; any remainder it does not account for is priced as 5-minute.
            Some(c) => {
                let one_hour = c.ephemeral_1h_input_tokens.min(write_tokens);
                (one_hour, write_tokens - one_hour)
            }
            None => (0, write_tokens),
        };
        let cache_read = match (read_tokens, self.cache_read) {
            (0, _) => 0.0,
            (n, Some(p)) => p * n as f64 / PER,
            (_, None) => return None,
        };
        let five_minute = match (rest, self.cache_write) {
            (0, _) => 0.0,
            (n, Some(p)) => p * n as f64 / PER,
            (_, None) => return None,
        };
        let cache_write = five_minute + 2.0 * self.input * one_hour as f64 / PER;
        let input = self.input * usage.input_tokens as f64 / PER;
        let output = self.output * usage.output_tokens as f64 / PER;
        Some(Cost {
            input,
            output,
            cache_read,
            cache_write,
            total: input + output + cache_read + cache_write,
        })
    }
}

/// What one response cost, in USD (pi-ai's shape).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Cache reads.
    pub cache_read: f64,
    /// Cache writes (5-minute and 1-hour).
    pub cache_write: f64,
    /// The sum.
    pub total: f64,
}

impl Config {
    /// The configured prices of `model` (`models.providers.<provider>.models[]` entry with
    /// `id` = the model id, its `cost`), if any.
    pub fn model_price(&self, model: &ModelRef) -> Option<ModelPrice> {
        let provider = self.provider(&model.provider)?;
        provider
            .models
            .as_deref()?
            .iter()
            .find(|m| m.get("id").and_then(|i| i.as_str()) == Some(model.model.as_str()))
            .and_then(|m| m.get("cost"))
            .and_then(ModelPrice::from_json)
    }

    /// The cost of `usage` for `model` at the configured prices; `None` without prices.
    pub fn cost_of(&self, model: &ModelRef, usage: &Usage) -> Option<Cost> {
        self.model_price(model)?.cost(usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::messages::CacheCreation;
    use serde_json::json;

    fn usage(input: u64, output: u64, read: Option<u64>, write: Option<u64>) -> Usage {
        Usage {
            input_tokens: input,
            output_tokens: output,
            cache_read_input_tokens: read,
            cache_creation_input_tokens: write,
            ..Usage::default()
        }
    }

    fn opus() -> ModelPrice {
        ModelPrice::from_json(
            &json!({"input": 5, "output": 25, "cacheRead": 0.5, "cacheWrite": 6.25}),
        )
        .unwrap()
    }

    #[test]
    fn prices_each_kind_per_million_tokens() {
        let c = opus()
            .cost(&usage(1_000, 2_000, Some(10_000), Some(4_000)))
            .unwrap();
        assert_eq!(c.input, 0.005);
        assert_eq!(c.output, 0.05);
        assert_eq!(c.cache_read, 0.005);
        assert_eq!(c.cache_write, 0.025);
        assert_eq!(c.total, 0.005 + 0.05 + 0.005 + 0.025);
        let v = serde_json::to_value(c).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            ["input", "output", "cacheRead", "cacheWrite", "total"]
        );
    }

    #[test]
    fn one_hour_writes_cost_twice_the_input_price() {
        let mut u = usage(0, 0, None, Some(3_000_000));
        u.cache_creation = Some(CacheCreation {
            ephemeral_5m_input_tokens: 1_000_000,
            ephemeral_1h_input_tokens: 2_000_000,
        });
        let c = opus().cost(&u).unwrap();
        // 1 M at 6.25 (5 m) + 2 M at 2 × 5 (1 h).
        assert_eq!(c.cache_write, 6.25 + 20.0);
        assert_eq!(c.total, 26.25);
    }

    #[test]
    fn missing_prices_mean_no_cost_not_zero() {
        assert_eq!(ModelPrice::from_json(&json!({"output": 25})), None);
        assert_eq!(
            ModelPrice::from_json(&json!({"input": "5", "output": 25})),
            None
        );
        assert_eq!(
            ModelPrice::from_json(&json!({"input": -1, "output": 25})),
            None
        );
        let p = ModelPrice::from_json(&json!({"input": 3, "output": 15})).unwrap();
        // No cache tokens: the cache prices are not needed.
        let c = p.cost(&usage(1_000_000, 1_000_000, Some(0), None)).unwrap();
        assert_eq!((c.input, c.output, c.total), (3.0, 15.0, 18.0));
        // Cache tokens without their price: no cost at all.
        assert_eq!(p.cost(&usage(10, 10, Some(5), None)), None);
        assert_eq!(p.cost(&usage(10, 10, None, Some(5))), None);
    }

    #[test]
    fn config_lookup_by_provider_and_model_id() {
        let config = Config::from_json5(
            r#"{ models: { providers: { anthropic: { models: [
                { id: "claude-haiku-4-5", cost: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 } },
                { id: "claude-opus-4-5" },
            ] } } } }"#,
        )
        .unwrap();
        let haiku = ModelRef::new("anthropic", "claude-haiku-4-5");
        let c = config
            .cost_of(&haiku, &usage(2_000_000, 100_000, None, None))
            .unwrap();
        assert_eq!(c.total, 2.5);
        assert_eq!(
            config.cost_of(
                &ModelRef::new("anthropic", "claude-opus-4-5"),
                &usage(1, 1, None, None)
            ),
            None
        );
        assert_eq!(
            config.cost_of(
                &ModelRef::new("anthropic", "claude-sonnet-4-5"),
                &usage(1, 1, None, None)
            ),
            None
        );
    }
}
