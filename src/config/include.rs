//! Reading config files (size and encoding limits) and resolving `$include`
//! ([includes](crate::compatibility#includes)).
//!
//! Semantics follow Clawdbot's `includes.ts`: `$include` may appear in any object. A string
//! includes one file, an array includes several, deep-merged in order (later wins; arrays
//! concatenate). Without sibling keys the included value replaces the object; with siblings the
//! included value must be an object and the siblings are deep-merged over it. Paths are relative
//! to the including file; includes nest at most [`MAX_INCLUDE_DEPTH`] deep; cycles are errors
//! that show the chain.

use super::diag::{Pending, Sources};
use super::locate::Pos;
use super::tree::{self, Kind, MAX_DEPTH, Node, deep_merge};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The include directive key.
pub(super) const INCLUDE_KEY: &str = "$include";
/// Maximum nesting of included files.
pub(super) const MAX_INCLUDE_DEPTH: usize = 10;
/// Largest config (or included) file accepted.
pub(super) const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    NotFound(std::io::Error),
    Io(std::io::Error),
    TooLarge(u64),
    NotUtf8 { offset: usize },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound(e) | ReadError::Io(e) => write!(f, "{e}"),
            ReadError::TooLarge(n) => write!(
                f,
                "file is too large ({n} bytes; the limit is {MAX_FILE_BYTES} bytes)"
            ),
            ReadError::NotUtf8 { offset } => write!(
                f,
                "file is not valid UTF-8 (invalid byte sequence at byte offset {offset}); save it as UTF-8"
            ),
        }
    }
}

/// Reads a UTF-8 text file of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_source(path: &Path) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReadError::NotFound(e)
        } else {
            ReadError::Io(e)
        }
    })?;
    let len = file.metadata().map(|m| m.len()).ok();
    if let Some(len) = len
        && len > MAX_FILE_BYTES
    {
        return Err(ReadError::TooLarge(len));
    }
    // Sized from the metadata (one allocation for an ordinary file; it may still grow).
    let mut bytes = Vec::with_capacity(len.map_or(0, |l| l as usize + 1));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Lexical normalisation (`.` dropped, `..` pops), like Node's `path.normalize`.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where the node being processed lives.
struct Ctx<'a> {
    /// The file the node came from (relative includes resolve against its directory).
    base: &'a Path,
    /// Files on the current include chain (root first).
    chain: Vec<PathBuf>,
    /// Include nesting depth (root file = 0).
    depth: usize,
}

/// Resolves every `$include` in a parsed document.
pub(crate) struct Includer<'s> {
    pub sources: &'s mut Sources,
    pub diags: Vec<Pending>,
}

impl<'s> Includer<'s> {
    /// Processes `root`, read from `base` (a file path; for text without a file, a path inside the
    /// working directory). `base_is_file` says whether `base` belongs on the include chain.
    pub(super) fn run(
        sources: &'s mut Sources,
        root: Node,
        base: &Path,
        base_is_file: bool,
    ) -> (Node, Vec<Pending>) {
        let mut inc = Includer {
            sources,
            diags: Vec::new(),
        };
        let ctx = Ctx {
            base,
            chain: if base_is_file {
                vec![normalize(base)]
            } else {
                Vec::new()
            },
            depth: 0,
        };
        let mut root = root;
        inc.process(&mut root, &ctx, 0);
        (root, inc.diags)
    }

    /// Resolves includes in place. `nest`: how many containers enclose `node` in the final
    /// document.
    fn process(&mut self, node: &mut Node, ctx: &Ctx<'_>, nest: usize) {
        let (include, siblings) = match &mut node.kind {
            Kind::Array(items) => {
                for n in items {
                    self.process(n, ctx, nest + 1);
                }
                return;
            }
            Kind::Object(map) => {
                let Some(include) = map.shift_remove(INCLUDE_KEY) else {
                    for v in map.values_mut() {
                        self.process(v, ctx, nest + 1);
                    }
                    return;
                };
                (include, !map.is_empty())
            }
            _ => return,
        };
        let include_origin = include.origin;
        let included = self.resolve(include, ctx, nest);
        if !siblings {
            *node = included;
            return;
        }
        if let Kind::Object(map) = &mut node.kind {
            for v in map.values_mut() {
                self.process(v, ctx, nest + 1);
            }
        }
        if matches!(included.kind, Kind::Object(_)) {
            let rest = std::mem::replace(node, Node::empty_object(tree::Origin::NONE));
            *node = deep_merge(included, rest);
        } else {
            self.diags.push(Pending::at_value(
                include_origin,
                None,
                format!(
                    "{INCLUDE_KEY}: sibling keys require the included content to be an object (it is {})",
                    included.kind.type_name()
                ),
            ));
        }
    }

    fn resolve(&mut self, value: Node, ctx: &Ctx<'_>, nest: usize) -> Node {
        let origin = value.origin;
        match value.kind {
            Kind::String(p) => self
                .load(&p, value.origin, ctx, nest)
                .unwrap_or_else(|| Node::empty_object(origin)),
            Kind::Array(items) => {
                let mut merged = Node::empty_object(origin);
                for item in items {
                    match &item.kind {
                        Kind::String(p) => {
                            if let Some(n) = self.load(p, item.origin, ctx, nest) {
                                merged = deep_merge(merged, n);
                            }
                        }
                        other => self.diags.push(Pending::at_value(
                            item.origin,
                            None,
                            format!(
                                "invalid {INCLUDE_KEY} array item: expected a file path string, found {}",
                                other.type_name()
                            ),
                        )),
                    }
                }
                merged
            }
            other => {
                self.diags.push(Pending::at_value(
                    origin,
                    None,
                    format!(
                        "invalid {INCLUDE_KEY} value: expected a file path string or an array of them, found {}",
                        other.type_name()
                    ),
                ));
                Node::empty_object(origin)
            }
        }
    }

    fn load(
        &mut self,
        include: &str,
        at: tree::Origin,
        ctx: &Ctx<'_>,
        nest: usize,
    ) -> Option<Node> {
        let raw = Path::new(include);
        let resolved = if raw.is_absolute() {
            normalize(raw)
        } else {
            normalize(&ctx.base.parent().unwrap_or(Path::new("")).join(raw))
        };
        if ctx.chain.contains(&resolved) {
            let chain: Vec<String> = ctx
                .chain
                .iter()
                .chain(std::iter::once(&resolved))
                .map(|p| p.display().to_string())
                .collect();
            self.diags.push(Pending::at_value(
                at,
                None,
                format!("Circular include detected: {}", chain.join(" -> ")),
            ));
            return None;
        }
        if ctx.depth >= MAX_INCLUDE_DEPTH {
            self.diags.push(Pending::at_value(
                at,
                None,
                format!("Maximum include depth ({MAX_INCLUDE_DEPTH}) exceeded at: {include}"),
            ));
            return None;
        }
        let text = match read_source(&resolved) {
            Ok(t) => t,
            Err(e) => {
                self.diags.push(Pending::at_value(
                    at,
                    None,
                    format!(
                        "Failed to read include file: {include} (resolved: {}): {e}",
                        resolved.display()
                    ),
                ));
                return None;
            }
        };
        let including = self
            .sources
            .path(at.file)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<config>".to_owned());
        if text.trim().is_empty() {
            // An empty file includes nothing.
            return Some(Node::empty_object(at));
        }
        let idx = self.sources.add(Some(resolved.clone()), text);
        let parsed = tree::parse(
            &self.sources.files[idx as usize].text,
            idx,
            MAX_DEPTH.saturating_sub(nest),
        );
        let node = match parsed {
            Ok(n) => n,
            Err(e) => {
                let pos = e
                    .line
                    .zip(e.column)
                    .map(|(line, column)| Pos { line, column });
                self.diags.push(Pending::in_file(
                    Some(idx),
                    pos,
                    format!("{} (in a file included from {including})", e.message),
                ));
                return None;
            }
        };
        let mut chain = ctx.chain.clone();
        chain.push(resolved.clone());
        let nested = Ctx {
            base: &resolved,
            chain,
            depth: ctx.depth + 1,
        };
        let mut node = node;
        self.process(&mut node, &nested, nest);
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(
            normalize(Path::new("/a/./b/../c.json")),
            PathBuf::from("/a/c.json")
        );
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
    }

    #[test]
    fn read_limits() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json5");
        std::fs::write(&bad, b"{a: '\xff\xfe'}").unwrap();
        let e = read_source(&bad).unwrap_err();
        assert!(matches!(e, ReadError::NotUtf8 { offset: 5 }), "{e:?}");
        assert!(e.to_string().contains("not valid UTF-8"));
        let big = dir.path().join("big.json5");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(matches!(read_source(&big), Err(ReadError::TooLarge(_))));
        assert!(matches!(
            read_source(&dir.path().join("none")),
            Err(ReadError::NotFound(_))
        ));
    }
}
