//! The loader's internal document tree: JSON values that remember where they came from.
//!
//! Every node carries an [`Origin`]: the index of the source file and the node's pre-order
//! ordinal inside that file. Positions (line:column) are only computed when a diagnostic needs
//! them, by re-scanning that file with [`super::locate`]; the fast path never does.
//!
//! Parsing goes through the `json5` crate with a stateful visitor that numbers values in document
//! order and refuses nesting deeper than a budget, so hostile input cannot overflow the stack.

use indexmap::IndexMap;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use std::cell::Cell;
use std::fmt;

/// Maximum nesting depth of a config document (objects and arrays), across includes.
pub const MAX_DEPTH: usize = 128;

/// Where a node came from: source file index and pre-order value ordinal in that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin {
    pub file: u32,
    pub ordinal: u32,
}

impl Origin {
    /// A node made up by the loader (no position).
    pub(super) const NONE: Origin = Origin {
        file: u32::MAX,
        ordinal: u32::MAX,
    };

    pub(super) fn is_none(self) -> bool {
        self.file == u32::MAX
    }
}

/// A JSON value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    pub origin: Origin,
}

/// The value part of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Node>),
    Object(IndexMap<String, Node>),
    /// A number JSON cannot hold (it becomes `null` in the loaded document).
    NonFinite(NonFinite),
}

/// A number JSON cannot hold: `NaN`, `Infinity` (JSON5 allows both, signed) or a literal beyond
/// the range of a 64-bit float such as `1e400`. Validation names it as written instead of
/// calling it `null`, which is what it becomes in the loaded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NonFinite {
    /// The literal as written in the source.
    pub literal: Box<str>,
}

impl NonFinite {
    /// The longest literal quoted in a message (a 400-digit number is cut).
    const SHOWN_CHARS: usize = 40;

    /// The literal `json5` stands for `value` (before the source text is known).
    pub(super) fn from_f64(value: f64) -> Self {
        let literal = if value.is_nan() {
            "NaN"
        } else if value > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        NonFinite {
            literal: literal.into(),
        }
    }

    /// How a message names it: `NaN`, `-Infinity`, `a number too large (1e400)`.
    pub(super) fn describe(&self) -> String {
        let lit = &*self.literal;
        let unsigned = lit.trim_start_matches(['+', '-']);
        if unsigned == "NaN" || unsigned == "Infinity" {
            return lit.to_owned();
        }
        let shown: String = lit.chars().take(Self::SHOWN_CHARS).collect();
        let ell = if shown.len() < lit.len() { "…" } else { "" };
        if lit.starts_with('-') {
            format!("a number out of range ({shown}{ell})")
        } else {
            format!("a number too large ({shown}{ell})")
        }
    }
}

impl Kind {
    /// "string", "number", … for messages.
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Number(_) | Kind::NonFinite(_) => "number",
            Kind::String(_) => "string",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
        }
    }
}

impl Node {
    pub(super) fn new(kind: Kind, origin: Origin) -> Self {
        Node { kind, origin }
    }

    /// An empty object without origin.
    pub(super) fn empty_object(origin: Origin) -> Self {
        Node::new(Kind::Object(IndexMap::new()), origin)
    }

    /// Builds the tree of a plain JSON value parsed from source file `file`, numbering values in
    /// pre-order — their ordinals, when the value holds every value of the text in order (see
    /// [`super::fast::parse_checked`]).
    pub(super) fn from_value(value: Value, file: u32) -> Node {
        fn build(value: Value, file: u32, next: &mut u32) -> Node {
            let origin = Origin {
                file,
                ordinal: *next,
            };
            *next = next.saturating_add(1);
            let kind = match value {
                Value::Null => Kind::Null,
                Value::Bool(b) => Kind::Bool(b),
                Value::Number(n) => Kind::Number(n),
                Value::String(s) => Kind::String(s),
                Value::Array(items) => {
                    Kind::Array(items.into_iter().map(|v| build(v, file, next)).collect())
                }
                Value::Object(map) => {
                    let mut out = IndexMap::with_capacity(map.len());
                    for (k, v) in map {
                        let v = build(v, file, next);
                        out.insert(k, v);
                    }
                    Kind::Object(out)
                }
            };
            Node::new(kind, origin)
        }
        build(value, file, &mut 0)
    }

    /// Converts into plain JSON (consumes the tree; iterative on the spine is not needed because
    /// depth is bounded by [`MAX_DEPTH`]).
    pub(super) fn into_value(self) -> Value {
        match self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(b),
            Kind::Number(n) => Value::Number(n),
            // No JSON representation: the loaded document holds `null` (what `JSON.stringify`
            // makes of it). Modeled keys never get here: validation refuses them.
            Kind::NonFinite(_) => Value::Null,
            Kind::String(s) => Value::String(s),
            Kind::Array(a) => Value::Array(a.into_iter().map(Node::into_value).collect()),
            Kind::Object(o) => {
                let mut m = serde_json::Map::with_capacity(o.len());
                for (k, v) in o {
                    m.insert(k, v.into_value());
                }
                Value::Object(m)
            }
        }
    }
}

/// A read-only view of a JSON value, shared by the loader's [`Node`] tree and plain
/// [`Value`]s (the loader's fast path), so validation and the `env` block read both the same way.
pub(crate) enum View<'a, T> {
    Null,
    Bool(bool),
    Number(&'a Number),
    /// Only in a [`Node`] tree (a [`Value`] holds `null` instead).
    NonFinite(&'a NonFinite),
    String(&'a str),
    Array(&'a [T]),
    Object,
}

impl<T> View<'_, T> {
    /// "string", "number", … for messages.
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            View::Null => "null",
            View::Bool(_) => "boolean",
            View::Number(_) | View::NonFinite(_) => "number",
            View::String(_) => "string",
            View::Array(_) => "array",
            View::Object => "object",
        }
    }
}

/// A JSON document the loader can read: a [`Node`] (with origins) or a [`Value`] (without).
pub(crate) trait Tree: Sized {
    /// Where the value came from ([`Origin::NONE`] when unknown).
    fn origin(&self) -> Origin;
    fn view(&self) -> View<'_, Self>;
    /// The members of an object in order (nothing for other values).
    fn members(&self) -> impl Iterator<Item = (&str, &Self)>;
    /// The member `key` of an object.
    fn get(&self, key: &str) -> Option<&Self>;
}

impl Tree for Node {
    fn origin(&self) -> Origin {
        self.origin
    }
    fn view(&self) -> View<'_, Self> {
        match &self.kind {
            Kind::Null => View::Null,
            Kind::Bool(b) => View::Bool(*b),
            Kind::Number(n) => View::Number(n),
            Kind::NonFinite(n) => View::NonFinite(n),
            Kind::String(s) => View::String(s),
            Kind::Array(a) => View::Array(a),
            Kind::Object(_) => View::Object,
        }
    }
    fn members(&self) -> impl Iterator<Item = (&str, &Self)> {
        let map = match &self.kind {
            Kind::Object(m) => Some(m),
            _ => None,
        };
        map.into_iter().flatten().map(|(k, v)| (k.as_str(), v))
    }
    fn get(&self, key: &str) -> Option<&Self> {
        match &self.kind {
            Kind::Object(m) => m.get(key),
            _ => None,
        }
    }
}

impl Tree for Value {
    fn origin(&self) -> Origin {
        Origin::NONE
    }
    fn view(&self) -> View<'_, Self> {
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Number(n),
            Value::String(s) => View::String(s),
            Value::Array(a) => View::Array(a),
            Value::Object(_) => View::Object,
        }
    }
    fn members(&self) -> impl Iterator<Item = (&str, &Self)> {
        self.as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v))
    }
    fn get(&self, key: &str) -> Option<&Self> {
        self.as_object()?.get(key)
    }
}

/// Deep merge (Clawdbot's `deepMerge`): objects merge recursively, arrays concatenate, anything
/// else: `source` wins.
pub(crate) fn deep_merge(target: Node, source: Node) -> Node {
    match (target.kind, source.kind) {
        (Kind::Object(mut t), Kind::Object(s)) => {
            for (k, v) in s {
                match t.get_mut(&k) {
                    Some(existing) => {
                        let old = std::mem::replace(existing, Node::empty_object(Origin::NONE));
                        *existing = deep_merge(old, v);
                    }
                    None => {
                        t.insert(k, v);
                    }
                }
            }
            Node::new(Kind::Object(t), target.origin)
        }
        (Kind::Array(mut t), Kind::Array(s)) => {
            t.extend(s);
            Node::new(Kind::Array(t), target.origin)
        }
        (_, kind) => Node::new(kind, source.origin),
    }
}

/// A JSON5 syntax (or limit) error with a 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

thread_local! {
    static PARSE_STATE: Cell<ParseState> = const { Cell::new(ParseState { file: 0, next: 0, depth: 0, budget: 0, non_finite: false }) };
}

#[derive(Clone, Copy)]
struct ParseState {
    file: u32,
    next: u32,
    depth: usize,
    budget: usize,
    /// Whether a non-finite number was seen (its literal is then looked up in the text).
    non_finite: bool,
}

/// Replaces the stand-in literals of the non-finite numbers in `root` (parsed from `text` by
/// `json5`, which hands over only the `f64`) with the text as written, found by ordinal.
fn name_non_finite(root: &mut Node, text: &str) {
    fn walk(node: &mut Node, text: &str, scan: &[super::locate::ValuePos]) {
        match &mut node.kind {
            Kind::NonFinite(n) => {
                if let Some(lit) = scan
                    .get(node.origin.ordinal as usize)
                    .and_then(|p| super::locate::bare_token(text, p.offset))
                {
                    n.literal = lit.into();
                }
            }
            Kind::Array(items) => items.iter_mut().for_each(|n| walk(n, text, scan)),
            Kind::Object(map) => map.values_mut().for_each(|n| walk(n, text, scan)),
            _ => {}
        }
    }
    walk(root, text, &super::locate::scan(text));
}

fn next_origin() -> Origin {
    PARSE_STATE.with(|s| {
        let mut st = s.get();
        let o = Origin {
            file: st.file,
            ordinal: st.next,
        };
        st.next = st.next.saturating_add(1);
        s.set(st);
        o
    })
}

fn enter<E: de::Error>() -> Result<(), E> {
    PARSE_STATE.with(|s| {
        let mut st = s.get();
        if st.depth >= st.budget {
            return Err(E::custom(format!(
                "nesting too deep (more than {MAX_DEPTH} levels of objects/arrays, includes counted)"
            )));
        }
        st.depth += 1;
        s.set(st);
        Ok(())
    })
}

fn leave() {
    PARSE_STATE.with(|s| {
        let mut st = s.get();
        st.depth = st.depth.saturating_sub(1);
        s.set(st);
    })
}

/// Parses JSON5 `text` of source file `file`, allowing at most `depth_budget` levels of nesting.
///
/// Tries the byte-level fast path first ([`super::fast`]); anything it does not handle — and every
/// error — goes through the `json5` crate.
pub(crate) fn parse(text: &str, file: u32, depth_budget: usize) -> Result<Node, SyntaxError> {
    if let Some(n) = super::fast::parse::<Node>(text, file, depth_budget) {
        return Ok(n);
    }
    parse_json5(text, file, depth_budget)
}

/// Parses with the `json5` crate (the reference behaviour, with positioned errors).
pub(crate) fn parse_json5(text: &str, file: u32, depth_budget: usize) -> Result<Node, SyntaxError> {
    PARSE_STATE.with(|s| {
        s.set(ParseState {
            file,
            next: 0,
            depth: 0,
            budget: depth_budget,
            non_finite: false,
        })
    });
    json5::from_str::<Root>(text)
        .map(|r| {
            let mut root = r.0;
            if PARSE_STATE.with(|s| s.get().non_finite) {
                name_non_finite(&mut root, text);
            }
            root
        })
        .map_err(|e| SyntaxError {
            message: match e.code() {
                Some(code) => format!("invalid JSON5: {code}"),
                None => {
                    // A custom error (ours, or serde's); its Display appends the position.
                    let full = e.to_string();
                    match e.position() {
                        Some(p) => full
                            .strip_suffix(&format!(" at {p}"))
                            .unwrap_or(&full)
                            .to_owned(),
                        None => full,
                    }
                }
            },
            line: e.position().map(|p| p.line + 1),
            column: e.position().map(|p| p.column + 1),
        })
}

struct Root(Node);

impl<'de> serde::Deserialize<'de> for Root {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        NodeSeed.deserialize(d).map(Root)
    }
}

struct NodeSeed;

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Node;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON5 value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::new(Kind::Null, next_origin()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.visit_unit()
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::new(Kind::Bool(v), next_origin()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::new(Kind::Number(v.into()), next_origin()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::new(Kind::Number(v.into()), next_origin()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        let kind = match Number::from_f64(v) {
            Some(n) => Kind::Number(n),
            None => {
                PARSE_STATE.with(|s| {
                    let mut st = s.get();
                    st.non_finite = true;
                    s.set(st);
                });
                Kind::NonFinite(NonFinite::from_f64(v))
            }
        };
        Ok(Node::new(kind, next_origin()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::new(Kind::String(v.to_owned()), next_origin()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::new(Kind::String(v), next_origin()))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node, E> {
        self.visit_str(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        enter::<A::Error>()?;
        let origin = next_origin();
        let mut out = Vec::new();
        let r = loop {
            match seq.next_element_seed(NodeSeed) {
                Ok(Some(n)) => out.push(n),
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        leave();
        r.map(|()| Node::new(Kind::Array(out), origin))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        enter::<A::Error>()?;
        let origin = next_origin();
        let mut out: IndexMap<String, Node> = IndexMap::new();
        let r = loop {
            match map.next_key::<String>() {
                Ok(Some(k)) => match map.next_value_seed(NodeSeed) {
                    Ok(v) => {
                        out.insert(k, v);
                    }
                    Err(e) => break Err(e),
                },
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        leave();
        r.map(|()| Node::new(Kind::Object(out), origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_are_preorder() {
        let n = parse("{a: 1, b: [true, 'x'], c: {d: null}}", 3, MAX_DEPTH).unwrap();
        assert_eq!(
            n.origin,
            Origin {
                file: 3,
                ordinal: 0
            }
        );
        let Kind::Object(o) = &n.kind else { panic!() };
        let ords: Vec<u32> = o.values().map(|v| v.origin.ordinal).collect();
        assert_eq!(ords, vec![1, 2, 5]);
        let Kind::Array(a) = &o["b"].kind else {
            panic!()
        };
        assert_eq!(a[1].origin.ordinal, 4);
    }

    #[test]
    fn depth_budget() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = parse(&deep, 0, MAX_DEPTH).unwrap_err();
        assert!(e.message.contains("nesting too deep"), "{e:?}");
        assert_eq!(e.line, Some(1));
        assert_eq!(e.column, Some(129));
        let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(parse(&ok, 0, MAX_DEPTH).is_ok());
    }

    #[test]
    fn syntax_error_position() {
        let e = parse("{\n  a: 1\n  b: 2\n}", 0, MAX_DEPTH).unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(3)));
        assert!(e.message.starts_with("invalid JSON5"), "{}", e.message);
        let e = parse("{} x", 0, MAX_DEPTH).unwrap_err();
        assert!(e.message.contains("trailing"), "{}", e.message);
    }

    #[test]
    fn merge_rules() {
        let a = parse("{x: {y: 1, z: [1]}, k: 'a'}", 0, MAX_DEPTH).unwrap();
        let b = parse("{x: {y: 2, z: [2], w: 3}, k: {o: 1}}", 1, MAX_DEPTH).unwrap();
        let m = deep_merge(a, b).into_value();
        assert_eq!(
            m,
            serde_json::json!({"x": {"y": 2, "z": [1, 2], "w": 3}, "k": {"o": 1}})
        );
    }
}
