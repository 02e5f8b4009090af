//! Diagnostics while loading: pending problems (positions resolved lazily), JSON paths and
//! "did you mean" suggestions.

use super::locate::{self, Pos};
use super::tree::Origin;
use crate::error::{ConfigDiagnostic, ConfigError};
use std::borrow::Cow;
use std::path::PathBuf;

/// Where a pending diagnostic points.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Loc {
    /// Nowhere in particular (file only, if known).
    None,
    /// An explicit position in `file`.
    At(Pos),
    /// The start of a value.
    Value(Origin),
    /// The key of an object member (falls back to the value).
    Key(Origin),
}

/// A problem whose line:column is computed only when the error is reported.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    /// Source file index (see [`Sources`]); derived from the origin for `Value`/`Key`.
    pub file: Option<u32>,
    pub loc: Loc,
    pub path: Option<String>,
    pub message: String,
    pub suggestion: Option<String>,
}

impl Pending {
    pub(super) fn at_value(origin: Origin, path: Option<String>, message: String) -> Self {
        Pending {
            file: (!origin.is_none()).then_some(origin.file),
            loc: Loc::Value(origin),
            path,
            message,
            suggestion: None,
        }
    }

    pub(super) fn at_key(origin: Origin, path: Option<String>, message: String) -> Self {
        Pending {
            loc: Loc::Key(origin),
            ..Pending::at_value(origin, path, message)
        }
    }

    pub(super) fn in_file(file: Option<u32>, pos: Option<Pos>, message: String) -> Self {
        Pending {
            file,
            loc: pos.map_or(Loc::None, Loc::At),
            path: None,
            message,
            suggestion: None,
        }
    }

    pub(super) fn with_suggestion(mut self, s: Option<String>) -> Self {
        self.suggestion = s;
        self
    }
}

/// One source file (or text) the document was assembled from.
#[derive(Debug)]
pub(crate) struct Source {
    pub path: Option<PathBuf>,
    pub text: String,
}

/// All sources of a load, indexed by [`Origin::file`].
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pub files: Vec<Source>,
}

impl Sources {
    pub(super) fn add(&mut self, path: Option<PathBuf>, text: String) -> u32 {
        self.files.push(Source { path, text });
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX - 1)
    }

    pub(super) fn path(&self, file: u32) -> Option<&std::path::Path> {
        self.files.get(file as usize)?.path.as_deref()
    }

    /// Resolves positions and orders the diagnostics (by file, then line and column).
    pub(super) fn resolve(&self, pending: Vec<Pending>) -> ConfigError {
        let mut scans: Vec<Option<Vec<locate::ValuePos>>> = vec![None; self.files.len()];
        let mut out: Vec<(u32, ConfigDiagnostic)> = Vec::with_capacity(pending.len());
        for p in pending {
            let file_idx = p.file.filter(|f| (*f as usize) < self.files.len());
            let pos = match (p.loc, file_idx) {
                (Loc::At(pos), _) => Some(pos),
                (Loc::Value(o) | Loc::Key(o), Some(f)) if !o.is_none() => {
                    let scan = scans[f as usize]
                        .get_or_insert_with(|| locate::scan(&self.files[f as usize].text));
                    scan.get(o.ordinal as usize).map(|vp| match p.loc {
                        Loc::Key(_) => vp.key.unwrap_or(vp.value),
                        _ => vp.value,
                    })
                }
                _ => None,
            };
            out.push((
                file_idx.unwrap_or(u32::MAX),
                ConfigDiagnostic {
                    file: file_idx.and_then(|f| self.path(f).map(PathBuf::from)),
                    line: pos.map(|p| p.line),
                    column: pos.map(|p| p.column),
                    path: p.path,
                    message: p.message,
                    suggestion: p.suggestion,
                },
            ));
        }
        out.sort_by_key(|(f, d)| {
            (
                *f,
                d.line.unwrap_or(usize::MAX),
                d.column.unwrap_or(usize::MAX),
            )
        });
        ConfigError {
            diagnostics: out.into_iter().map(|(_, d)| d).collect(),
        }
    }
}

/// A JSON path under construction (`agents.defaults.models["anthropic/x"].params`).
#[derive(Debug, Default)]
pub(crate) struct JsonPath {
    buf: String,
}

impl JsonPath {
    pub(super) fn push_key(&mut self, key: &str) {
        push_key(&mut self.buf, key);
    }
    pub(super) fn push_index(&mut self, i: usize) {
        use std::fmt::Write;
        let _ = write!(self.buf, "[{i}]");
    }
    /// The path, or `<root>` when empty.
    pub(super) fn render(&self) -> String {
        if self.buf.is_empty() {
            "<root>".to_owned()
        } else {
            self.buf.clone()
        }
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Appends `key` to a JSON path: `.key` for identifiers, `["key"]` otherwise.
pub(crate) fn push_key(buf: &mut String, key: &str) {
    if is_identifier(key) {
        if !buf.is_empty() {
            buf.push('.');
        }
        buf.push_str(key);
    } else {
        buf.push('[');
        if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            // Nothing to escape: the same text as serde_json's, without the copies.
            buf.push('"');
            buf.push_str(key);
            buf.push('"');
        } else {
            buf.push_str(&serde_json::Value::String(key.to_owned()).to_string());
        }
        buf.push(']');
    }
}

/// Levenshtein distance over Unicode scalar values, capped at `cap + 1`.
pub(crate) fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    // Lengths further apart than `cap` settle it before anything is copied.
    if a.chars().count().abs_diff(b.chars().count()) > cap {
        return cap + 1;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > cap {
            return cap + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(cap + 1)
}

/// `s` without `_`/`-`, lowercased (compared without being collected).
fn fold(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
}

/// `s` lowercased, borrowed when it is ASCII without uppercase letters.
fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// How far a near miss may be, by key length: short keys need an exact case-insensitive match,
/// otherwise 1 edit (up to 5 characters) or 2 edits.
fn allowed_distance(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        _ => 2,
    }
}

/// The candidate `key` is a near miss of: equal ignoring case and `_`/`-`, or within a small edit
/// distance (ignoring case). `None` when nothing is close.
pub(crate) fn near_miss<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(c) = candidates.iter().find(|c| fold(c).eq(fold(key))) {
        return Some(c);
    }
    let lk = key.to_lowercase();
    let lk_len = lk.chars().count();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let cap = allowed_distance(c.chars().count().min(key.chars().count()));
        // Lowercasing keeps an ASCII candidate's length: lengths further apart than `cap`
        // settle it without a copy (validation asks this for every unmodeled key).
        if cap == 0 || (c.is_ascii() && lk_len.abs_diff(c.len()) > cap) {
            continue;
        }
        let d = edit_distance(&lk, &lowercase(c), cap);
        if d <= cap && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The closest candidate for a suggestion after a definite error (looser than [`near_miss`]).
pub(crate) fn closest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(c) = near_miss(key, candidates) {
        return Some(c);
    }
    let lk = key.to_lowercase();
    let cap = (key.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (edit_distance(&lk, &lowercase(c), cap), *c))
        .filter(|(d, _)| *d <= cap)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("abc", "abc", 2), 0);
        assert_eq!(edit_distance("a", "abcdef", 2), 3);
    }

    #[test]
    fn near_misses() {
        let keys = ["cacheControlTtl", "temperature", "maxTokens"];
        assert_eq!(near_miss("cacheControlTTL", &keys), Some("cacheControlTtl"));
        assert_eq!(near_miss("max_tokens", &keys), Some("maxTokens"));
        assert_eq!(near_miss("temprature", &keys), Some("temperature"));
        assert_eq!(near_miss("topP", &keys), None);
        assert_eq!(near_miss("thinking", &keys), None);
        // Short keys need a case-insensitive match.
        assert_eq!(near_miss("ui", &["id"]), None);
        assert_eq!(near_miss("ID", &["id"]), Some("id"));
        assert_eq!(
            closest("provder", &["provider", "mode", "email"]),
            Some("provider")
        );
        assert_eq!(closest("zzzzzz", &["provider", "mode", "email"]), None);
    }

    #[test]
    fn paths() {
        let mut p = JsonPath::default();
        assert_eq!(p.render(), "<root>");
        p.push_key("agents");
        p.push_key("list");
        p.push_index(2);
        p.push_key("anthropic/x");
        p.push_key("params");
        assert_eq!(p.render(), "agents.list[2][\"anthropic/x\"].params");
        p.push_key("$a");
        assert_eq!(p.render(), "agents.list[2][\"anthropic/x\"].params.$a");
        for key in ["a\"b", "a\\b", "tab\there", "\u{1}", "é ü", "\u{7f}", ""] {
            let mut buf = String::new();
            push_key(&mut buf, key);
            let expected = format!("[{}]", serde_json::Value::String(key.to_owned()));
            assert_eq!(buf, expected);
        }
    }
}
