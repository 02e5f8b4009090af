//! The loader's fast-path document: plain JSON values whose strings borrow from the config text
//! wherever they need no unescaping, and whose objects are member lists, not hash maps.
//!
//! The fast path parses into it, substitutes `${VAR}` and validates on it, then moves it into the
//! typed sections ([`super::typed`]) and builds `serde_json` values only for what the config keeps
//! as opaque JSON. So a key or string is copied once, into the result, and a modeled object is
//! never built (and hashed) as a map only to be taken apart again.

use super::tree::{Origin, Tree, View};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::HashSet;

/// A JSON value parsed from text that outlives it (`'a`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Parsed<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Parsed<'a>>),
    /// Members in document order, each key once (see [`unique_members`]).
    Object(Vec<Member<'a>>),
}

/// A key and its value.
pub(crate) type Member<'a> = (Cow<'a, str>, Parsed<'a>);

/// Up to this many members, repeated keys are looked for pairwise (cheaper than hashing them).
const PAIRWISE_MAX: usize = 32;

/// `members` with each key once: a repeated key keeps its first position and its last value,
/// as inserting them one by one into a map does (and as the full pipeline's tree has them).
pub(crate) fn unique_members(members: Vec<Member<'_>>) -> Vec<Member<'_>> {
    if !has_repeated_key(&members) {
        return members;
    }
    let mut map = indexmap::IndexMap::with_capacity(members.len());
    for (k, v) in members {
        map.insert(k, v);
    }
    map.into_iter().collect()
}

fn has_repeated_key(members: &[Member<'_>]) -> bool {
    if members.len() <= PAIRWISE_MAX {
        members
            .iter()
            .enumerate()
            .any(|(i, (k, _))| members[..i].iter().any(|(q, _)| q == k))
    } else {
        let mut seen = HashSet::with_capacity(members.len());
        !members.iter().all(|(k, _)| seen.insert(&**k))
    }
}

impl Parsed<'_> {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Parsed::Null)
    }

    /// The same value as `serde_json` (copies what is borrowed).
    pub(crate) fn into_value(self) -> Value {
        match self {
            Parsed::Null => Value::Null,
            Parsed::Bool(b) => Value::Bool(b),
            Parsed::Number(n) => Value::Number(n),
            Parsed::String(s) => Value::String(s.into_owned()),
            Parsed::Array(items) => {
                Value::Array(items.into_iter().map(Parsed::into_value).collect())
            }
            Parsed::Object(members) => {
                let mut map = Map::with_capacity(members.len());
                for (k, v) in members {
                    map.insert(k.into_owned(), v.into_value());
                }
                Value::Object(map)
            }
        }
    }
}

impl Parsed<'static> {
    /// The same document as a [`Parsed`] value (for the full pipeline, whose tree is plain JSON
    /// by then).
    pub(crate) fn from_value(value: Value) -> Self {
        match value {
            Value::Null => Parsed::Null,
            Value::Bool(b) => Parsed::Bool(b),
            Value::Number(n) => Parsed::Number(n),
            Value::String(s) => Parsed::String(Cow::Owned(s)),
            Value::Array(items) => {
                Parsed::Array(items.into_iter().map(Parsed::from_value).collect())
            }
            Value::Object(map) => Parsed::Object(
                map.into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Parsed::from_value(v)))
                    .collect(),
            ),
        }
    }
}

impl Tree for Parsed<'_> {
    fn origin(&self) -> Origin {
        Origin::NONE
    }
    fn view(&self) -> View<'_, Self> {
        match self {
            Parsed::Null => View::Null,
            Parsed::Bool(b) => View::Bool(*b),
            Parsed::Number(n) => View::Number(n),
            Parsed::String(s) => View::String(s),
            Parsed::Array(a) => View::Array(a),
            Parsed::Object(_) => View::Object,
        }
    }
    fn members(&self) -> impl Iterator<Item = (&str, &Self)> {
        let members = match self {
            Parsed::Object(m) => m.as_slice(),
            _ => &[],
        };
        members.iter().map(|(k, v)| (&**k, v))
    }
    fn get(&self, key: &str) -> Option<&Self> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(k: &'static str, n: u64) -> Member<'static> {
        (Cow::Borrowed(k), Parsed::Number(n.into()))
    }

    #[test]
    fn repeated_keys_keep_first_position_and_last_value() {
        for len in [3, PAIRWISE_MAX + 5] {
            let keys: Vec<String> = (0..len).map(|i| format!("k{i}")).collect();
            let mut members: Vec<Member<'_>> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| (Cow::Borrowed(k.as_str()), Parsed::Number((i as u64).into())))
                .collect();
            assert_eq!(unique_members(members.clone()), members, "{len}");
            members.push(member("k1", 99));
            members.push(member("k0", 98));
            let out = unique_members(members);
            assert_eq!(out.len(), len, "{len}");
            assert_eq!(out[0], member("k0", 98));
            assert_eq!(out[1], member("k1", 99));
            assert_eq!(out[2].0, "k2");
        }
    }
}
