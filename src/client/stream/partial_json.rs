//! Recovering the object a cut-off `input_json_delta` stream was sending.

use serde_json::Value;

/// The JSON value that a prefix of a JSON document describes, as far as it is known: the text
/// is cut at the last point where what came before is certain — right after a complete value,
/// right after an opening `{` or `[`, or inside a string value (not inside an escape) — and
/// the open string, arrays and objects are closed. So a dangling key (with or without its
/// `:`), a partial `true`/`false`/`null` and a number that may still have been growing are
/// dropped, and a string value is kept as far as it arrived.
///
/// Every string of the result is a prefix of the corresponding string of the whole document,
/// and every array and object holds a prefix of its members. `None` when nothing is certain
/// (empty text, or text that is not the start of a JSON document).
///
/// ```
/// use claw_anthropic::client::stream::recover_partial_json;
/// use serde_json::json;
/// let cut = r#"{"path": "/tmp/notes.txt", "lines": [1, 2, 3], "content": "Dear Ali"#;
/// assert_eq!(
///     recover_partial_json(cut),
///     Some(json!({"path": "/tmp/notes.txt", "lines": [1, 2, 3], "content": "Dear Ali"}))
/// );
/// assert_eq!(recover_partial_json(r#"{"a": 1, "b": tr"#), Some(json!({"a": 1})));
/// assert_eq!(recover_partial_json(r#"{"a": 12"#), Some(json!({})));
/// ```
pub fn recover_partial_json(text: &str) -> Option<Value> {
    #[derive(Clone, Copy, PartialEq)]
    enum Frame {
        /// In an object; `true` while a key is expected (after `{` or `,`).
        Object(bool),
        Array,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    // The last certain cut: (byte offset, whether a string value is open there).
    let mut best: Option<(usize, bool)> = None;
    let mut i = 0;
    // Start of the scalar (number or literal) being read.
    let mut scalar: Option<usize> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if scalar.is_some() {
            if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                scalar = None;
                best = Some((i, false));
            } else {
                i += 1;
                continue;
            }
        }
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'{' => {
                stack.push(Frame::Object(true));
                best = Some((i + 1, false));
            }
            b'[' => {
                stack.push(Frame::Array);
                best = Some((i + 1, false));
            }
            b'}' | b']' => {
                stack.pop();
                best = Some((i + 1, false));
            }
            b',' => {
                if let Some(Frame::Object(k)) = stack.last_mut() {
                    *k = true;
                }
            }
            b':' => {
                if let Some(Frame::Object(k)) = stack.last_mut() {
                    *k = false;
                }
            }
            b'"' => {
                let is_key = matches!(stack.last(), Some(Frame::Object(true)));
                // Scan the string; inside a value, every point outside an escape is certain.
                let mut j = i + 1;
                if !is_key {
                    best = Some((j, true));
                }
                let mut pending_low = false;
                let mut closed = false;
                while j < bytes.len() {
                    match bytes[j] {
                        b'"' => {
                            closed = true;
                            break;
                        }
                        b'\\' => {
                            let len = if bytes.get(j + 1) == Some(&b'u') {
                                6
                            } else {
                                2
                            };
                            if j + len > bytes.len() {
                                break;
                            }
                            if len == 6 {
                                let hex = std::str::from_utf8(&bytes[j + 2..j + 6]).ok();
                                let unit = hex.and_then(|h| u16::from_str_radix(h, 16).ok())?;
                                pending_low = (0xD800..0xDC00).contains(&unit);
                            } else {
                                pending_low = false;
                            }
                            j += len;
                        }
                        _ => {
                            if pending_low {
                                // A lone high surrogate is not valid JSON: not certain here.
                                pending_low = false;
                            }
                            j += 1;
                        }
                    }
                    if !is_key && !pending_low && text.is_char_boundary(j) {
                        best = Some((j, true));
                    }
                }
                if !closed {
                    break;
                }
                if !is_key {
                    best = Some((j + 1, false));
                }
                i = j + 1;
                continue;
            }
            _ => scalar = Some(i),
        }
        i += 1;
    }
    if let Some(start) = scalar {
        // A literal at the very end is complete; a number might have gone on.
        if matches!(&text[start..], "true" | "false" | "null") {
            best = Some((text.len(), false));
        }
    }
    let (cut, open_string) = best?;
    let mut out = String::with_capacity(cut + stack.len() + 1);
    out.push_str(&text[..cut]);
    if open_string {
        out.push('"');
    }
    for f in stack.iter().rev() {
        out.push(match f {
            Frame::Object(_) => '}',
            Frame::Array => ']',
        });
    }
    serde_json::from_str(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn cut_points() {
        let cases: &[(&str, Value)] = &[
            ("{", json!({})),
            ("{\"pa", json!({})),
            ("{\"path\"", json!({})),
            ("{\"path\":", json!({})),
            ("{\"path\": \"/tm", json!({"path": "/tm"})),
            ("{\"path\": \"/tmp\", ", json!({"path": "/tmp"})),
            ("{\"n\": 12", json!({})),
            ("{\"n\": 12,", json!({"n": 12})),
            ("{\"ok\": tr", json!({})),
            ("{\"ok\": true", json!({"ok": true})),
            ("{\"ok\": null}", json!({"ok": null})),
            ("{\"xs\": [1, 2, [3", json!({"xs": [1, 2, []]})),
            ("{\"xs\": [\"a\", \"b", json!({"xs": ["a", "b"]})),
            (
                "{\"o\": {\"k\": {\"d\": \"v",
                json!({"o": {"k": {"d": "v"}}}),
            ),
            ("{\"s\": \"a\\", json!({"s": "a"})),
            ("{\"s\": \"a\\u00", json!({"s": "a"})),
            ("{\"s\": \"a\\u00e9b", json!({"s": "a\u{e9}b"})),
            ("{\"s\": \"\\ud83d", json!({"s": ""})),
            ("{\"s\": \"\\ud83d\\ude00", json!({"s": "\u{1F600}"})),
            ("{\"s\": \"h\u{e9}llo w", json!({"s": "h\u{e9}llo w"})),
        ];
        for (text, want) in cases {
            assert_eq!(recover_partial_json(text).as_ref(), Some(want), "{text}");
        }
        assert_eq!(recover_partial_json(""), None);
        assert_eq!(recover_partial_json("  "), None);
    }

    /// `part` is `whole` with strings cut to prefixes and arrays/objects cut to prefixes of
    /// their members (each kept member a prefix-subset itself).
    fn prefix_subset(part: &Value, whole: &Value) -> bool {
        match (part, whole) {
            (Value::String(p), Value::String(w)) => w.starts_with(p.as_str()),
            (Value::Array(p), Value::Array(w)) => {
                p.len() <= w.len() && p.iter().zip(w).all(|(a, b)| prefix_subset(a, b))
            }
            (Value::Object(p), Value::Object(w)) => {
                p.len() <= w.len()
                    && p.iter()
                        .zip(w)
                        .all(|((ka, va), (kb, vb))| ka == kb && prefix_subset(va, vb))
            }
            (p, w) => p == w,
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(("[a-z\"\\\\]{0,6}", inner), 0..5)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn object() -> impl Strategy<Value = Value> {
        prop::collection::vec(("[a-z_]{1,8}", value()), 0..6)
            .prop_map(|kv| Value::Object(kv.into_iter().collect()))
    }

    proptest! {
        #[test]
        fn any_prefix_recovers_to_a_prefix_subset(whole in object(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&whole).unwrap()
            } else {
                serde_json::to_string(&whole).unwrap()
            };
            // The document as read back (float parsing is not exact in the last digit).
            let whole: Value = serde_json::from_str(&text).unwrap();
            for cut in (1..=text.len()).filter(|&c| text.is_char_boundary(c)) {
                let got = recover_partial_json(&text[..cut]);
                let got = got.unwrap_or_else(|| panic!("nothing recovered from {:?}", &text[..cut]));
                prop_assert!(got.is_object(), "{got}");
                prop_assert!(prefix_subset(&got, &whole), "{:?} -> {got}", &text[..cut]);
            }
            prop_assert_eq!(recover_partial_json(&text), Some(whole));
        }
    }
}
