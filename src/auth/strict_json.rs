//! JSON parsing that refuses duplicate object keys.
//!
//! `serde_json` keeps the last of two equal keys and drops the first without a word. For the
//! auth store that would lose a profile (and its secret) on the next write, so the store is
//! parsed with [`parse`], which fails on the first duplicate and names it with its line.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Parses `text` as JSON; a duplicate key in any object is an error naming the key, its line
/// and its column.
pub(crate) fn parse(text: &str) -> serde_json::Result<Value> {
    serde_json::from_str::<Strict>(text).map(|s| s.0)
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // One hash lookup per key: the vacant entry is where the value goes.
            match out.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    let Strict(v) = map.next_value()?;
                    slot.insert(v);
                }
                serde_json::map::Entry::Occupied(taken) => {
                    return Err(de::Error::custom(format_args!(
                        "duplicate key {:?}",
                        crate::redact::mask(taken.key())
                    )));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_as_serde_json_without_duplicates() {
        let text =
            r#"{"a":[1,-2,3.5,1e400000000,true,null,"x"],"b":{"c":{}},"d":18446744073709551615}"#;
        let lax: std::result::Result<Value, _> = serde_json::from_str(text);
        match lax {
            Ok(v) => assert_eq!(parse(text).unwrap(), v),
            Err(_) => assert!(parse(text).is_err()),
        }
        let text = r#"{"a":[1,-2,3.5,true,null,"x"],"b":{"c":{"d":"e"}},"n":18446744073709551615}"#;
        assert_eq!(
            parse(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn duplicate_key_named_with_its_line() {
        let e = parse("{\n \"profiles\": {},\n \"x\": 1,\n \"profiles\": {}\n}").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("duplicate key \"profiles\""), "{msg}");
        assert_eq!(e.line(), 4, "{msg}");
        let e = parse(r#"{"p":{"a":{"k":1},"a":{"k":2}}}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate key \"a\""), "{e}");
        // Equal keys in different objects are fine.
        assert!(parse(r#"{"a":{"k":1},"b":{"k":2}}"#).is_ok());
    }
}
