//! A fast path for parsing the common subset of JSON5 that config files use.
//!
//! The `json5` crate is the authority on JSON5: this byte-level parser handles the everyday
//! subset (comments, both quote styles, common escapes, ASCII identifiers as keys, decimal
//! numbers, trailing commas) and gives up (`None`) on anything else — unusual syntax, anything
//! invalid, nesting over the budget — so the caller falls back to the `json5`-based parser, which
//! produces the exact result or the positioned error. On every document it accepts it must build
//! the same tree, ordinals included, as the fallback (checked by a differential property test).
//!
//! The parser is generic over what it builds ([`Build`]): the loader's [`Node`] tree, or the
//! [`Parsed`] values of the loader's fast path (which also gives up on `$include`).
//! Members and items are gathered on scratch stacks so every map and array is allocated once,
//! with its exact size.

use super::parsed::{Parsed, unique_members};
use super::tree::{Kind, Node, NonFinite, Origin};
use indexmap::IndexMap;
use serde_json::Number;
use std::borrow::Cow;

/// What the parser builds from text that outlives it (`'a`).
pub(crate) trait Build<'a>: Sized {
    /// Whether an object key `$include` makes the parse give up.
    const REJECT_INCLUDE: bool;
    fn null(origin: Origin) -> Self;
    fn bool(b: bool, origin: Origin) -> Self;
    fn number(n: Number, origin: Origin) -> Self;
    /// A number JSON cannot hold, as written (`1e400`).
    fn non_finite(literal: &str, origin: Origin) -> Self;
    /// A string, borrowed from the text when it has no escapes.
    fn string(s: Cow<'a, str>, origin: Origin) -> Self;
    fn array(items: std::vec::Drain<'_, Self>, origin: Origin) -> Self;
    /// Members in document order; a repeated key keeps its first position and its last value.
    fn object(members: std::vec::Drain<'_, (Cow<'a, str>, Self)>, origin: Origin) -> Self;
    /// The number of members of an object built by [`Build::object`].
    fn object_len(&self) -> usize;
}

impl Build<'_> for Node {
    const REJECT_INCLUDE: bool = false;
    fn null(origin: Origin) -> Self {
        Node::new(Kind::Null, origin)
    }
    fn bool(b: bool, origin: Origin) -> Self {
        Node::new(Kind::Bool(b), origin)
    }
    fn number(n: Number, origin: Origin) -> Self {
        Node::new(Kind::Number(n), origin)
    }
    fn non_finite(literal: &str, origin: Origin) -> Self {
        Node::new(
            Kind::NonFinite(NonFinite {
                literal: literal.into(),
            }),
            origin,
        )
    }
    fn string(s: Cow<'_, str>, origin: Origin) -> Self {
        Node::new(Kind::String(s.into_owned()), origin)
    }
    fn array(items: std::vec::Drain<'_, Self>, origin: Origin) -> Self {
        Node::new(Kind::Array(items.collect()), origin)
    }
    fn object(members: std::vec::Drain<'_, (Cow<'_, str>, Self)>, origin: Origin) -> Self {
        let mut map = IndexMap::with_capacity(members.len());
        for (k, v) in members {
            map.insert(k.into_owned(), v);
        }
        Node::new(Kind::Object(map), origin)
    }
    fn object_len(&self) -> usize {
        match &self.kind {
            Kind::Object(m) => m.len(),
            _ => 0,
        }
    }
}

impl<'a> Build<'a> for Parsed<'a> {
    const REJECT_INCLUDE: bool = true;
    fn null(_: Origin) -> Self {
        Parsed::Null
    }
    fn bool(b: bool, _: Origin) -> Self {
        Parsed::Bool(b)
    }
    fn number(n: Number, _: Origin) -> Self {
        Parsed::Number(n)
    }
    /// `null`: what the loaded document holds (see [`Kind::NonFinite`]).
    fn non_finite(_: &str, _: Origin) -> Self {
        Parsed::Null
    }
    fn string(s: Cow<'a, str>, _: Origin) -> Self {
        Parsed::String(s)
    }
    fn array(items: std::vec::Drain<'_, Self>, _: Origin) -> Self {
        Parsed::Array(items.collect())
    }
    fn object(members: std::vec::Drain<'_, (Cow<'a, str>, Self)>, _: Origin) -> Self {
        Parsed::Object(unique_members(members.collect()))
    }
    fn object_len(&self) -> usize {
        match self {
            Parsed::Object(m) => m.len(),
            _ => 0,
        }
    }
}

const IDENT_END: u8 = 0;
const IDENT_PART: u8 = 1;
const IDENT_DEFER: u8 = 2;

/// For each byte after the first of an unquoted key: part of it (`[A-Za-z0-9_$]`), the end of
/// it, or something only the `json5` crate decides (`\\` escapes, non-ASCII).
static IDENT: [u8; 256] = {
    let mut t = [IDENT_END; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' {
            IDENT_PART
        } else if b >= 0x80 || b == b'\\' {
            IDENT_DEFER
        } else {
            IDENT_END
        };
        c += 1;
    }
    t
};

struct P<'a, T> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    file: u32,
    next: u32,
    depth: usize,
    budget: usize,
    /// Members of the objects being parsed (innermost last).
    members: Vec<(Cow<'a, str>, T)>,
    /// Items of the arrays being parsed (innermost last).
    items: Vec<T>,
    /// Whether some value of the text is not in the tree as written: an object repeated a key
    /// (its earlier value is dropped, so the built tree has fewer values than the text), or a
    /// number is non-finite (a [`Parsed`] value holds `null` for it).
    lossy: bool,
}

/// Initial room of the scratch stacks: members and items of the objects and arrays open at once.
const SCRATCH_MEMBERS: usize = 64;
const SCRATCH_ITEMS: usize = 16;

/// Parses `text` or returns `None` when the fallback parser must decide.
pub(crate) fn parse<'a, T: Build<'a>>(text: &'a str, file: u32, budget: usize) -> Option<T> {
    parse_checked(text, file, budget).map(|(v, _)| v)
}

/// [`parse`], also telling whether the tree holds every value of the text in order and as
/// written (no object repeated a key, no number is non-finite): then a pre-order walk numbers
/// its values as their origins' ordinals, and [`Node::from_value`] rebuilds the tree exactly.
pub(crate) fn parse_checked<'a, T: Build<'a>>(
    text: &'a str,
    file: u32,
    budget: usize,
) -> Option<(T, bool)> {
    let mut p = P {
        s: text,
        b: text.as_bytes(),
        i: 0,
        file,
        next: 0,
        depth: 0,
        budget,
        // Room for the open objects and arrays of a typical config, so the stacks are allocated
        // once, not grown step by step (large reallocations are costly in glibc's allocator).
        members: Vec::with_capacity(SCRATCH_MEMBERS),
        items: Vec::with_capacity(SCRATCH_ITEMS),
        lossy: false,
    };
    p.ws()?;
    let v = p.value()?;
    p.ws()?;
    (p.i == p.b.len()).then_some((v, !p.lossy))
}

impl<'a, T: Build<'a>> P<'a, T> {
    fn origin(&mut self) -> Origin {
        let o = Origin {
            file: self.file,
            ordinal: self.next,
        };
        self.next = self.next.saturating_add(1);
        o
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace and comments.
    #[inline]
    fn ws(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        // Plain ASCII whitespace here; comments and anything unusual in `ws_rest`.
        while let Some(&c) = b.get(i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
                continue;
            }
            self.i = i;
            return if c == b'/' || c == 0x0B || c == 0x0C || c >= 0x80 {
                self.ws_rest()
            } else {
                Some(())
            };
        }
        self.i = i;
        Some(())
    }

    #[inline(never)]
    fn ws_rest(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        let r = loop {
            let Some(&c) = b.get(i) else {
                break Some(());
            };
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => i += 1,
                b'/' => match b.get(i + 1) {
                    Some(b'/') => {
                        let body = &b[i + 2..];
                        let end = memchr::memchr2(b'\n', b'\r', body).unwrap_or(body.len());
                        // U+2028 / U+2029 end a line comment in JSON5: leave it to json5.
                        let line = &body[..end];
                        if memchr::memchr_iter(0xE2, line).any(|p| {
                            line.get(p + 1) == Some(&0x80)
                                && matches!(line.get(p + 2), Some(0xA8 | 0xA9))
                        }) {
                            break None;
                        }
                        i += 2 + end;
                    }
                    Some(b'*') => match memchr::memmem::find(&b[i + 2..], b"*/") {
                        Some(end) => i += 2 + end + 2,
                        None => break None,
                    },
                    _ => break Some(()),
                },
                0x80.. => break None, // Unicode spaces, BOM, …
                _ => break Some(()),
            }
        };
        self.i = i;
        r
    }

    fn value(&mut self) -> Option<T> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            q @ (b'"' | b'\'') => {
                let s = self.string(q)?;
                Some(T::string(s, self.origin()))
            }
            b't' => self.literal("true").map(|o| T::bool(true, o)),
            b'f' => self.literal("false").map(|o| T::bool(false, o)),
            b'n' => self.literal("null").map(T::null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str) -> Option<Origin> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Some(self.origin())
        } else {
            None
        }
    }

    fn number(&mut self) -> Option<T> {
        let start = self.i;
        let neg = self.peek() == Some(b'-');
        if neg {
            self.i += 1;
        }
        let first = self.peek()?;
        self.i += 1;
        let decimal_run = match first {
            b'0' => match self.peek() {
                Some(b'.' | b'e' | b'E') => true,
                Some(b'0'..=b'9' | b'x' | b'X') => return None,
                _ => false,
            },
            b'1'..=b'9' => true,
            _ => return None,
        };
        if decimal_run {
            while matches!(
                self.peek(),
                Some(b'+' | b'-' | b'.' | b'e' | b'E' | b'0'..=b'9')
            ) {
                self.i += 1;
            }
        }
        let text = &self.s[start..self.i];
        // The same interpretation as `json5`: integer if it parses as one, else a float.
        let n = if !neg && let Ok(u) = text.parse::<u128>() {
            match u64::try_from(u) {
                Ok(u) => Some(u.into()),
                Err(_) => Number::from_f64(u as f64),
            }
        } else if neg && let Ok(i) = text.parse::<i128>() {
            match i64::try_from(i) {
                Ok(i) => Some(i.into()),
                Err(_) => Number::from_f64(i as f64),
            }
        } else {
            Number::from_f64(text.parse::<f64>().ok()?)
        };
        let origin = self.origin();
        Some(match n {
            Some(n) => T::number(n, origin),
            None => {
                // Beyond the range of f64 (`1e400`); `NaN` and `Infinity` are left to json5.
                self.lossy = true;
                T::non_finite(text, origin)
            }
        })
    }

    fn string(&mut self, quote: u8) -> Option<Cow<'a, str>> {
        self.i += 1;
        let start = self.i;
        // Fast scan for the plain case (no escape, no line break).
        let rest = &self.b[start..];
        if let Some(p) = memchr::memchr3(quote, b'\\', b'\n', rest)
            && rest[p] == quote
            && memchr::memchr(b'\r', &rest[..p]).is_none()
        {
            self.i = start + p + 1;
            return Some(Cow::Borrowed(&self.s[start..start + p]));
        }
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            if c == quote {
                self.i += 1;
                return Some(Cow::Owned(out));
            }
            match c {
                b'\n' | b'\r' => return None,
                b'\\' => {
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    let ch = match e {
                        b'b' => '\u{8}',
                        b't' => '\t',
                        b'n' => '\n',
                        b'v' => '\u{b}',
                        b'f' => '\u{c}',
                        b'r' => '\r',
                        b'0' => {
                            if self.peek().is_some_and(|d| d.is_ascii_digit()) {
                                return None;
                            }
                            '\0'
                        }
                        b'x' => {
                            let h = self.s.get(self.i..self.i + 2)?;
                            if !h.bytes().all(|d| d.is_ascii_hexdigit()) {
                                return None;
                            }
                            self.i += 2;
                            char::from_u32(u32::from_str_radix(h, 16).ok()?)?
                        }
                        b'u' => {
                            let h = self.s.get(self.i..self.i + 4)?;
                            if !h.bytes().all(|d| d.is_ascii_hexdigit()) {
                                return None;
                            }
                            self.i += 4;
                            // Surrogates (pairs) are left to json5.
                            char::from_u32(u32::from_str_radix(h, 16).ok()?)?
                        }
                        b'1'..=b'9' | b'\n' | b'\r' => return None,
                        c if c < 0x80 => c as char,
                        _ => return None,
                    };
                    out.push(ch);
                }
                _ => {
                    // Copy a run of ordinary bytes (UTF-8 sequences stay intact: the
                    // delimiters are ASCII).
                    let run_start = self.i;
                    while let Some(c) = self.peek() {
                        if c == quote || c == b'\\' || c == b'\n' || c == b'\r' {
                            break;
                        }
                        self.i += 1;
                    }
                    out.push_str(&self.s[run_start..self.i]);
                }
            }
        }
    }

    fn key(&mut self) -> Option<Cow<'a, str>> {
        match self.peek()? {
            q @ (b'"' | b'\'') => self.string(q),
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let start = self.i;
                let b = self.b;
                let mut i = start + 1;
                while let Some(&c) = b.get(i) {
                    match IDENT[c as usize] {
                        IDENT_PART => i += 1,
                        // Unicode identifiers and escapes: json5 decides.
                        IDENT_DEFER => return None,
                        _ => break,
                    }
                }
                self.i = i;
                Some(Cow::Borrowed(&self.s[start..i]))
            }
            _ => None,
        }
    }

    fn enter(&mut self) -> Option<()> {
        if self.depth >= self.budget {
            return None;
        }
        self.depth += 1;
        Some(())
    }

    fn object(&mut self) -> Option<T> {
        self.enter()?;
        self.i += 1;
        let origin = self.origin();
        let start = self.members.len();
        self.ws()?;
        if self.peek()? == b'}' {
            self.i += 1;
            self.depth -= 1;
            return Some(T::object(self.members.drain(start..), origin));
        }
        loop {
            let k = self.key()?;
            if T::REJECT_INCLUDE && k == super::include::INCLUDE_KEY {
                return None;
            }
            self.ws()?;
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws()?;
            let v = self.value()?;
            self.members.push((k, v));
            self.ws()?;
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws()?;
                    if self.peek()? == b'}' {
                        self.i += 1;
                        break;
                    }
                }
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        self.depth -= 1;
        let count = self.members.len() - start;
        let object = T::object(self.members.drain(start..), origin);
        self.lossy |= object.object_len() != count;
        Some(object)
    }

    fn array(&mut self) -> Option<T> {
        self.enter()?;
        self.i += 1;
        let origin = self.origin();
        let start = self.items.len();
        self.ws()?;
        if self.peek()? == b']' {
            self.i += 1;
            self.depth -= 1;
            return Some(T::array(self.items.drain(start..), origin));
        }
        loop {
            let v = self.value()?;
            self.items.push(v);
            self.ws()?;
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws()?;
                    if self.peek()? == b']' {
                        self.i += 1;
                        break;
                    }
                }
                b']' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        self.depth -= 1;
        Some(T::array(self.items.drain(start..), origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::{MAX_DEPTH, parse_json5};
    use proptest::prelude::*;

    fn same(text: &str) {
        let checked = parse_checked::<Parsed>(text, 0, MAX_DEPTH);
        if let Some((v, true)) = &checked {
            // Every value is in the tree: pre-order numbering restores the origins.
            let node = Node::from_value(v.clone().into_value(), 0);
            assert_eq!(
                Some(node),
                parse::<Node>(text, 0, MAX_DEPTH),
                "text: {text:?}"
            );
        }
        let value = checked.map(|(v, _)| v);
        if let Some(fast) = parse::<Node>(text, 0, MAX_DEPTH) {
            match parse_json5(text, 0, MAX_DEPTH) {
                Ok(slow) => assert_eq!(fast, slow, "text: {text:?}"),
                Err(e) => panic!("fast path accepted what json5 rejects ({e}): {text:?}"),
            }
            // The fast path's build is the same document, key order included (unless it gave up
            // on `$include`).
            match value {
                Some(v) => assert_eq!(v, Parsed::from_value(fast.into_value()), "text: {text:?}"),
                None => assert!(text.contains("$include"), "text: {text:?}"),
            }
        } else {
            assert!(value.is_none(), "text: {text:?}");
        }
    }

    #[test]
    fn accepts_common_config_syntax() {
        let text = "// c\n{ a: 'x\\n\\'y', \"b\": [1, -2, 3.5e2, 0, 0.5, 18446744073709551616, -9223372036854775809,], $c_1: {}, d: null, e: true, f: false, /* x */ g: \"\\u00e9\\x41\\0\", }";
        assert!(parse::<Node>(text, 0, MAX_DEPTH).is_some());
        same(text);
        let (_, complete) = parse_checked::<Parsed>("{a: {b: 1, b: [2]}}", 0, MAX_DEPTH).unwrap();
        assert!(!complete);
        same("{a: {b: 1, b: [2]}, c: 3}");
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/config/realistic/clawdbot.json"
        ))
        .unwrap();
        assert!(parse::<Parsed>(&text, 0, MAX_DEPTH).is_some());
        same(&text);
    }

    #[test]
    fn defers_unusual_or_invalid_syntax() {
        for t in [
            "{a: 0x1F}",
            "{a: +1}",
            "{a: .5}",
            "{a: Infinity}",
            "{\u{e9}: 1}",
            "{a: 'x\\\ny'}",
            "{a: '\\ud83d\\ude00'}",
            "\u{feff}{}",
            "{a: 1 b: 2}",
            "{a: 01}",
            "[1,,]",
            "{a: 'x\ny'}",
            "// x\u{2028}{}",
            "{}}",
        ] {
            assert!(parse::<Node>(t, 0, MAX_DEPTH).is_none(), "{t:?}");
            same(t);
        }
        let deep = "[".repeat(200);
        assert!(parse::<Node>(&deep, 0, MAX_DEPTH).is_none());
    }

    fn token() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            " ",
            "\n",
            "\r\n",
            "\t",
            "// c\n",
            "/* c */",
            "a",
            "$x",
            "$include",
            "'$include'",
            "_k9",
            "'s'",
            "\"d\"",
            "'\\n\\t\\\\'",
            "'\\x41'",
            "'\\u00e9'",
            "'\\0'",
            "'é'",
            "\"\\\"\"",
            "1",
            "-1",
            "0",
            "-0",
            "0.5",
            "1e3",
            "1E-2",
            "-2.5e+3",
            "12.",
            "1.2.3",
            "1e",
            "00",
            "0x10",
            "+1",
            ".5",
            "true",
            "false",
            "null",
            "Infinity",
            "-Infinity",
            "+Infinity",
            "NaN",
            "-NaN",
            "1e400",
            "-1e400",
            "1.5e309",
            "\u{a0}",
            "\u{2028}",
            "é",
            "99999999999999999999",
            "-99999999999999999999",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn differential_tokens(tokens in prop::collection::vec(token(), 0..40)) {
            same(&tokens.concat());
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn differential_structured(v in any::<Vec<(String, Option<f64>, i64, bool)>>()) {
            let doc: serde_json::Value = v
                .into_iter()
                .map(|(k, f, i, b)| (k, serde_json::json!([f, i, b, {"n": null}])))
                .collect::<serde_json::Map<_, _>>()
                .into();
            same(&doc.to_string());
            same(&serde_json::to_string_pretty(&doc).unwrap());
            if let Ok(j5) = json5::to_string(&doc) {
                same(&j5);
            }
        }
    }
}
