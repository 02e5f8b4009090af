//! Maps values back to line:column in their source text.
//!
//! A small JSON5-aware scanner (comments, both quote styles, escapes, identifiers, bare literals)
//! walks a document that already parsed and records, for every value in pre-order — the same
//! order in which `super::tree` numbers nodes — where the value starts and where its key starts
//! (for object members). It never recurses, so it is safe on any input, and it is lenient: on
//! text that is not valid JSON5 it simply records what it can.

use json5::char::{is_json5_line_terminator, is_json5_whitespace};

/// 1-based line and column (columns count Unicode scalar values, like `json5`'s errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Where a value (and its key, for object members) starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ValuePos {
    /// Start of the value.
    pub value: Pos,
    /// Start of the member's key, if the value is an object member.
    pub key: Option<Pos>,
    /// Byte offset of the start of the value.
    pub offset: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// Inside an object, expecting a key next.
    ObjectKey,
    /// Inside an object, after a key (and `:`), expecting a value.
    ObjectValue,
    /// Inside an array.
    Array,
}

struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    column: usize,
    /// Byte offset of the next character.
    offset: usize,
}

impl Cursor<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        self.offset += c.len_utf8();
        if is_json5_line_terminator(c) {
            if c == '\r' && self.chars.peek() == Some(&'\n') {
                self.chars.next();
                self.offset += 1;
            }
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) {
        while let Some(c) = self.peek() {
            if is_json5_whitespace(c) || is_json5_line_terminator(c) {
                self.bump();
            } else if c == '/' {
                let mut ahead = self.chars.clone();
                ahead.next();
                match ahead.next() {
                    Some('/') => {
                        while let Some(c) = self.peek() {
                            if is_json5_line_terminator(c) {
                                break;
                            }
                            self.bump();
                        }
                    }
                    Some('*') => {
                        self.bump();
                        self.bump();
                        let mut prev = '\0';
                        while let Some(c) = self.bump() {
                            if prev == '*' && c == '/' {
                                break;
                            }
                            prev = c;
                        }
                    }
                    _ => return,
                }
            } else {
                return;
            }
        }
    }

    fn skip_string(&mut self, quote: char) {
        self.bump();
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == quote {
                return;
            }
        }
    }

    /// Skips a bare token (identifier, number, `true`, `Infinity`, …).
    fn skip_bare(&mut self) {
        let mut any = false;
        while let Some(c) = self.peek() {
            if ends_bare(c) {
                break;
            }
            self.bump();
            any = true;
        }
        if !any {
            // An unexpected character: consume it so the scan always progresses.
            self.bump();
        }
    }
}

/// Whether `c` ends a bare token.
fn ends_bare(c: char) -> bool {
    matches!(c, '{' | '}' | '[' | ']' | ':' | ',' | '"' | '\'' | '/')
        || is_json5_whitespace(c)
        || is_json5_line_terminator(c)
}

/// The bare token (number, `NaN`, `-Infinity`, …) starting at byte `offset` of `text`, as the
/// scanner delimits it; `None` if there is none there.
pub(super) fn bare_token(text: &str, offset: usize) -> Option<&str> {
    let rest = text.get(offset..)?;
    let end = rest.find(ends_bare).unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// Scans `text` and returns the position of every value, indexed by pre-order ordinal.
pub(super) fn scan(text: &str) -> Vec<ValuePos> {
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut cur = Cursor {
        chars: text.chars().peekable(),
        line: 1,
        column: 1,
        offset: 0,
    };
    let mut pending_key: Option<Pos> = None;
    loop {
        cur.skip_trivia();
        let Some(c) = cur.peek() else { break };
        let here = cur.pos();
        match (stack.last().copied(), c) {
            (_, ',') => {
                cur.bump();
                if let Some(f @ Frame::ObjectValue) = stack.last_mut() {
                    *f = Frame::ObjectKey;
                }
            }
            (_, ':') => {
                cur.bump();
            }
            (_, '}' | ']') => {
                cur.bump();
                stack.pop();
                pending_key = None;
                if let Some(f @ Frame::ObjectValue) = stack.last_mut() {
                    *f = Frame::ObjectKey;
                }
            }
            (Some(Frame::ObjectKey), _) => {
                // A key: quoted or bare.
                if c == '"' || c == '\'' {
                    cur.skip_string(c);
                } else {
                    cur.skip_bare();
                }
                pending_key = Some(here);
                if let Some(f) = stack.last_mut() {
                    *f = Frame::ObjectValue;
                }
            }
            (_, _) => {
                out.push(ValuePos {
                    value: here,
                    key: pending_key.take(),
                    offset: cur.offset,
                });
                match c {
                    '{' => {
                        cur.bump();
                        stack.push(Frame::ObjectKey);
                    }
                    '[' => {
                        cur.bump();
                        stack.push(Frame::Array);
                    }
                    '"' | '\'' => cur.skip_string(c),
                    _ => cur.skip_bare(),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn positions_in_preorder() {
        let text = "// head\n{\n  a: 1, /* c */ 'b': [true, \"x,}\"],\n  c: {d: null},\n}\n";
        let v = scan(text);
        assert_eq!(v.len(), 7);
        assert_eq!(v[0].value, p(2, 1));
        assert_eq!(v[1].key, Some(p(3, 3)));
        assert_eq!(v[1].value, p(3, 6));
        assert_eq!(v[2].key, Some(p(3, 17)));
        assert_eq!(v[2].value, p(3, 22));
        assert_eq!(v[3].value, p(3, 23));
        assert_eq!(v[3].key, None);
        assert_eq!(v[4].value, p(3, 29));
        assert_eq!(v[5].key, Some(p(4, 3)));
        assert_eq!(v[6].key, Some(p(4, 7)));
        assert_eq!(v[6].value, p(4, 10));
    }

    #[test]
    fn crlf_and_escapes() {
        let text = "{\r\n  \"a\\\"b\": 'it\\'s',\r\n  k: -Infinity }";
        let v = scan(text);
        assert_eq!(v[1].key, Some(p(2, 3)));
        assert_eq!(v[1].value, p(2, 11));
        assert_eq!(v[2].value, p(3, 6));
        assert_eq!(bare_token(text, v[2].offset), Some("-Infinity"));
        let text = "[é, 1e400,\r\n+NaN]";
        let v = scan(text);
        assert_eq!(bare_token(text, v[2].offset), Some("1e400"));
        assert_eq!(bare_token(text, v[3].offset), Some("+NaN"));
        assert_eq!(bare_token(text, v[0].offset), None);
        assert_eq!(bare_token(text, v[1].offset), Some("é"));
        assert_eq!(bare_token(text, text.len()), None);
    }

    #[test]
    fn garbage_does_not_hang() {
        for t in [
            "{{{",
            "]]]",
            "{a:",
            "'unterminated",
            "/* x",
            "{a b c: d}",
            "@#!",
        ] {
            let _ = scan(t);
        }
    }
}
