//! `${VAR}` substitution in config strings ([variable
//! substitution](crate::compatibility#variable-substitution), Clawdbot's `env-substitution.ts`).
//!
//! Only names matching `[A-Z_][A-Z0-9_]*` are substituted; a missing or empty variable is an
//! error (`Missing env var "VAR" referenced at config path: a.b[1]`); `$${VAR}` yields the literal
//! `${VAR}`; anything else (`${lower}`, `$VAR`, a lone `$`) is left as written.

use super::diag::Pending;
use super::parsed::Parsed;
use super::tree::{Kind, Node};
use std::borrow::Cow;
use std::fmt::Write;

/// Whether `name` is a substitutable variable name (`[A-Z_][A-Z0-9_]*`).
pub(super) fn is_var_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_uppercase() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

/// The value of a variable (`None` when unset).
pub(crate) type Lookup<'e> = dyn Fn(&str) -> Option<&'e str> + 'e;

/// Substitutes `${VAR}` references in `s` using `lookup`. Returns `Ok(None)` when `s` needs no
/// change, `Err(names)` with every missing (unset or empty) variable, in order.
pub(super) fn substitute_str(s: &str, lookup: &Lookup<'_>) -> Result<Option<String>, Vec<String>> {
    if !s.contains('$') {
        return Ok(None);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut missing = Vec::new();
    let mut last = 0; // start of the not-yet-copied run
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        // `$${NAME}` → literal `${NAME}`.
        if b.get(i + 1) == Some(&b'$')
            && b.get(i + 2) == Some(&b'{')
            && let Some(end) = s[i + 3..].find('}').map(|e| e + i + 3)
            && is_var_name(&s[i + 3..end])
        {
            out.push_str(&s[last..i]);
            out.push_str(&s[i + 1..=end]);
            i = end + 1;
            last = i;
            continue;
        }
        // `${NAME}` → value.
        if b.get(i + 1) == Some(&b'{')
            && let Some(end) = s[i + 2..].find('}').map(|e| e + i + 2)
            && is_var_name(&s[i + 2..end])
        {
            out.push_str(&s[last..i]);
            match lookup(&s[i + 2..end]).filter(|v| !v.is_empty()) {
                Some(v) => out.push_str(v),
                None => missing.push(s[i + 2..end].to_owned()),
            }
            i = end + 1;
            last = i;
            continue;
        }
        i += 1;
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    if last == 0 {
        return Ok(None);
    }
    out.push_str(&s[last..]);
    Ok(Some(out))
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Link<'a> {
    parent: Option<&'a Link<'a>>,
    seg: Seg<'a>,
}

/// Renders a path the way Clawdbot does (keys joined with `.`, indices as `[i]`), or with
/// non-identifier keys quoted (`models.providers["my-llm"]`) when `quoted`.
fn render(link: Option<&Link<'_>>, quoted: bool) -> String {
    let mut segs = Vec::new();
    let mut cur = link;
    while let Some(l) = cur {
        segs.push(&l.seg);
        cur = l.parent;
    }
    let mut out = String::new();
    for seg in segs.into_iter().rev() {
        match seg {
            Seg::Key(k) if quoted => super::diag::push_key(&mut out, k),
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// Substitutes every string of a fast-path document in place. Returns whether anything changed,
/// or `None` at the first missing variable (the full pipeline then reports it with its path and
/// position).
pub(crate) fn substitute_parsed(value: &mut Parsed<'_>, lookup: &Lookup<'_>) -> Option<bool> {
    match value {
        Parsed::String(s) => match substitute_str(s, lookup) {
            Ok(Some(new)) => {
                *s = Cow::Owned(new);
                Some(true)
            }
            Ok(None) => Some(false),
            Err(_) => None,
        },
        Parsed::Array(items) => {
            let mut changed = false;
            for v in items {
                changed |= substitute_parsed(v, lookup)?;
            }
            Some(changed)
        }
        Parsed::Object(members) => {
            let mut changed = false;
            for (_, v) in members {
                changed |= substitute_parsed(v, lookup)?;
            }
            Some(changed)
        }
        Parsed::Null | Parsed::Bool(_) | Parsed::Number(_) => Some(false),
    }
}

/// Substitutes every string of `node` in place; problems go to `diags`.
pub(crate) fn substitute_tree(node: &mut Node, lookup: &Lookup<'_>, diags: &mut Vec<Pending>) {
    walk(node, None, lookup, diags);
}

fn walk(node: &mut Node, link: Option<&Link<'_>>, lookup: &Lookup<'_>, diags: &mut Vec<Pending>) {
    let origin = node.origin;
    match &mut node.kind {
        Kind::String(s) => match substitute_str(s, lookup) {
            Ok(Some(new)) => *s = new,
            Ok(None) => {}
            Err(names) => {
                let path = render(link, false);
                let nice = render(link, true);
                for name in names {
                    diags.push(Pending::at_value(
                        origin,
                        Some(nice.clone()),
                        format!("Missing env var \"{name}\" referenced at config path: {path}"),
                    ));
                }
            }
        },
        Kind::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let l = Link {
                    parent: link,
                    seg: Seg::Index(i),
                };
                walk(item, Some(&l), lookup, diags);
            }
        }
        Kind::Object(map) => {
            for (k, v) in map.iter_mut() {
                let l = Link {
                    parent: link,
                    seg: Seg::Key(k),
                };
                walk(v, Some(&l), lookup, diags);
            }
        }
        Kind::Null | Kind::Bool(_) | Kind::Number(_) | Kind::NonFinite(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::{MAX_DEPTH, parse};

    fn env(name: &str) -> Option<&'static str> {
        match name {
            "A" => Some("1"),
            "B_2" => Some("two"),
            "EMPTY" => Some(""),
            _ => None,
        }
    }

    fn sub(s: &str) -> Result<String, Vec<String>> {
        substitute_str(s, &env).map(|o| o.unwrap_or_else(|| s.to_owned()))
    }

    #[test]
    fn rules() {
        assert_eq!(sub("x${A}y${B_2}z").unwrap(), "x1ytwoz");
        assert_eq!(sub("$${A}").unwrap(), "${A}");
        assert_eq!(sub("$$${A}").unwrap(), "$${A}");
        assert_eq!(
            sub("${lower} $A ${A-B} $ {A} ${").unwrap(),
            "${lower} $A ${A-B} $ {A} ${"
        );
        assert_eq!(sub("$${lower}").unwrap(), "$${lower}");
        assert_eq!(sub("${9A}").unwrap(), "${9A}");
        assert_eq!(sub("héllo ${A} ü").unwrap(), "héllo 1 ü");
        assert_eq!(
            sub("${MISSING}${EMPTY}").unwrap_err(),
            vec!["MISSING", "EMPTY"]
        );
        assert!(substitute_str("plain", &env).unwrap().is_none());
        assert!(substitute_str("$lonely", &env).unwrap().is_none());
    }

    #[test]
    fn tree_paths() {
        let mut n = parse(
            "{a: {b: ['ok', '${NOPE}']}, 'x/y': {k: '${A}'}}",
            0,
            MAX_DEPTH,
        )
        .unwrap();
        let mut d = Vec::new();
        substitute_tree(&mut n, &env, &mut d);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].message,
            "Missing env var \"NOPE\" referenced at config path: a.b[1]"
        );
        assert_eq!(n.into_value()["x/y"]["k"], "1");
    }
}
