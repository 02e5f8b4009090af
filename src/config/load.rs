//! Reading `clawdbot.json` ([config file](crate::compatibility#config-file)): JSON5, `$include`,
//! the `env` block, `${VAR}` substitution
//! and validation.
//!
//! Pipeline: read (≤ 16 MiB, UTF-8) → parse JSON5 (≤ 128 levels) → resolve `$include`s → collect
//! the `env` block into the lowest layer of the environment view → substitute `${VAR}` → validate
//! the modeled sections → deserialize into [`ConfigDoc`]. Every problem found after parsing is
//! collected (not just the first) and reported with file, line:column and JSON path.
//!
//! The common case takes a fast path: the byte-level parser builds a [`Parsed`] document (no
//! origins, strings borrowed from the text), substitution and validation run on it, the typed
//! sections are moved out of it and [`Config::raw`] is rebuilt only when asked for. Anything unusual (syntax the fast parser leaves
//! to `json5`, `$include`, a missing variable) goes through the full pipeline above; an invalid
//! document is validated again on its tree with origins restored, for positioned diagnostics.

use super::diag::{Pending, Sources};
use super::include::{Includer, ReadError, read_source};
use super::locate::Pos;
use super::parsed::Parsed;
use super::tree::{self, MAX_DEPTH, Node, Tree, View};
use super::{Config, ConfigDoc, ModelRefWarning};
use crate::env::{EnvSource, EnvView};
use crate::error::{ConfigError, Error, Result};
use crate::paths::Paths;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

impl Config {
    /// Loads the config from the default location (`$CLAWDBOT_CONFIG_PATH`, else
    /// `~/.clawdbot/clawdbot.json`) with the standard environment view. A missing file gives an
    /// empty config.
    pub fn load() -> Result<Config> {
        let paths = Paths::from_process_env()?;
        let cwd = std::env::current_dir().ok();
        let env = EnvView::standard(cwd.as_deref(), &paths.state_dir);
        Config::load_with(paths, env)
    }

    /// Loads the config file at `path` (other paths from the process environment).
    pub fn load_from(path: impl AsRef<Path>) -> Result<Config> {
        let mut paths = Paths::from_process_env()?;
        paths.config_path = path.as_ref().to_path_buf();
        let cwd = std::env::current_dir().ok();
        let env = EnvView::standard(cwd.as_deref(), &paths.state_dir);
        Config::load_with(paths, env)
    }

    /// Loads `paths.config_path` resolving variables through `env` (the config's own `env` block
    /// is added below it). A missing file gives an empty config.
    pub fn load_with(paths: Paths, env: EnvView) -> Result<Config> {
        let path = paths.config_path.clone();
        match read_source(&path) {
            Ok(text) => build(text, Some(path), paths, env),
            Err(ReadError::NotFound(_)) => build(String::new(), None, paths, env),
            Err(ReadError::Io(e)) => Err(Error::io(path, e)),
            Err(e) => Err(Error::Config(ConfigError::message(
                Some(path),
                e.to_string(),
            ))),
        }
    }

    /// Parses config text (no file; `$include` paths resolve against the working directory).
    pub fn from_json5(text: &str) -> Result<Config> {
        Config::from_json5_with(text, Paths::from_process_env()?, EnvView::empty())
    }

    /// Parses config text with explicit paths and environment (`$include` paths resolve against
    /// the working directory).
    pub fn from_json5_with(text: &str, paths: Paths, env: EnvView) -> Result<Config> {
        if text.len() as u64 > super::include::MAX_FILE_BYTES {
            return Err(Error::Config(ConfigError::message(
                None,
                format!(
                    "config text is too large ({} bytes; the limit is {} bytes)",
                    text.len(),
                    super::include::MAX_FILE_BYTES
                ),
            )));
        }
        build(text.to_owned(), None, paths, env)
    }
}

/// Collects the `env` block's variables (Clawdbot's `collectConfigEnvVars`): non-empty string
/// entries of `env.vars`, then every other top-level non-blank string key except `shellEnv` and
/// `vars` (a later definition wins).
fn collect_env_block<T: Tree>(root: &T) -> Vec<(&str, &str)> {
    let Some(env) = root.get("env").filter(|e| matches!(e.view(), View::Object)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(vars) = env.get("vars") {
        for (k, v) in vars.members() {
            if let View::String(s) = v.view()
                && !s.is_empty()
            {
                out.push((k, s));
            }
        }
    }
    for (k, v) in env.members() {
        if k == "shellEnv" || k == "vars" {
            continue;
        }
        if let View::String(s) = v.view()
            && !s.trim().is_empty()
        {
            out.push((k, s));
        }
    }
    out
}

/// `env` with the config's `env` block as its lowest layer.
fn with_block(env: &EnvView, block: Vec<(&str, &str)>) -> EnvView {
    if block.is_empty() {
        env.clone()
    } else {
        env.with_layer(EnvSource::ConfigBlock, block)
    }
}

fn config_error(sources: &Sources, pending: Vec<Pending>) -> Error {
    Error::Config(sources.resolve(pending))
}

fn build(text: String, file: Option<PathBuf>, paths: Paths, env: EnvView) -> Result<Config> {
    match fast_resolve(&text, &env) {
        Fast::Done(root, lookup_env, env) => {
            let doc = typed_sections(root).map_err(|e| shape_error(&file, e))?;
            let raw = RawDoc::new(RawSource::Reparse {
                text,
                env: lookup_env,
            });
            Ok(finish(doc, raw, file, paths, env))
        }
        Fast::Invalid(root) => {
            // The full pipeline would reach this same tree (no include, no missing variable):
            // restore the origins and report what validation finds, with positions.
            let root = root.into_value();
            let mut sources = Sources::default();
            let idx = sources.add(file, text);
            let node = Node::from_value(root, idx);
            Err(config_error(&sources, super::validate::validate(&node)))
        }
        Fast::GiveUp => build_full(text, file, paths, env),
    }
}

/// How the fast path ended.
enum Fast<'a> {
    /// The document, the view it was substituted with and the view the config reports.
    Done(Parsed<'a>, EnvView, EnvView),
    /// Parsed and substituted, invalid; every value of the text is in the tree, in order.
    Invalid(Parsed<'a>),
    /// Anything else: the full pipeline decides.
    GiveUp,
}

/// The fast path for the common case: text the byte-level parser handles, no `$include`, no
/// missing variable. It parses straight into a [`Parsed`] document, substitutes and validates it, and
/// gives up at the first sign of anything else — [`build_full`] then does the whole work again
/// with positions, so every error (and every result) is the full pipeline's.
fn fast_resolve<'a>(text: &'a str, env: &EnvView) -> Fast<'a> {
    let Some((mut root, complete)) = super::fast::parse_checked::<Parsed>(text, 0, MAX_DEPTH)
    else {
        return Fast::GiveUp;
    };
    let lookup_env = with_block(env, collect_env_block(&root));
    let lookup = |name: &str| lookup_env.value(name);
    let mut env_changed = false;
    let Parsed::Object(members) = &mut root else {
        return Fast::GiveUp;
    };
    for (k, v) in members.iter_mut() {
        match super::subst::substitute_parsed(v, &lookup) {
            Some(changed) => env_changed |= changed && k == "env",
            None => return Fast::GiveUp,
        }
    }
    if !super::validate::validate(&root).is_empty() {
        return if complete {
            Fast::Invalid(root)
        } else {
            Fast::GiveUp
        };
    }
    // The view the config reports: the block's values after substitution.
    let env = if env_changed {
        with_block(env, collect_env_block(&root))
    } else {
        lookup_env.clone()
    };
    Fast::Done(root, lookup_env, env)
}

/// The full pipeline (any JSON5, `$include`, positioned diagnostics).
fn build_full(text: String, file: Option<PathBuf>, paths: Paths, env: EnvView) -> Result<Config> {
    build_full_with(tree::parse, text, file, paths, env)
}

/// How the full pipeline parses the root file: [`tree::parse`] (the byte-level parser where it
/// can, else the `json5` crate), or [`tree::parse_json5`] alone when comparing with the fast path.
type ParseRoot = fn(&str, u32, usize) -> std::result::Result<Node, tree::SyntaxError>;

fn build_full_with(
    parse_root: ParseRoot,
    text: String,
    file: Option<PathBuf>,
    paths: Paths,
    env: EnvView,
) -> Result<Config> {
    let mut sources = Sources::default();
    let blank = text.trim().is_empty();
    let root_idx = sources.add(file.clone(), text);
    let root = if blank {
        // A missing or empty file: all defaults.
        Node::empty_object(tree::Origin::NONE)
    } else {
        match parse_root(&sources.files[root_idx as usize].text, root_idx, MAX_DEPTH) {
            Ok(n) => n,
            Err(e) => {
                let pos = e
                    .line
                    .zip(e.column)
                    .map(|(line, column)| Pos { line, column });
                return Err(config_error(
                    &sources,
                    vec![Pending::in_file(Some(root_idx), pos, e.message)],
                ));
            }
        }
    };

    // $include
    let (base, base_is_file) = match &file {
        Some(p) => (p.clone(), true),
        None => (
            std::env::current_dir().unwrap_or_default().join("<config>"),
            false,
        ),
    };
    let (mut root, diags) = Includer::run(&mut sources, root, &base, base_is_file);
    if !diags.is_empty() {
        return Err(config_error(&sources, diags));
    }

    // env block (before substitution, so `${VAR}` can reference it), then ${VAR}.
    let lookup_env = with_block(&env, collect_env_block(&root));
    let mut diags = Vec::new();
    super::subst::substitute_tree(&mut root, &|name| lookup_env.value(name), &mut diags);
    drop(lookup_env);

    // Validation of the modeled sections.
    diags.extend(super::validate::validate(&root));
    if !diags.is_empty() {
        return Err(config_error(&sources, diags));
    }

    // The view the config reports: the block's values after substitution.
    let env = with_block(&env, collect_env_block(&root));
    let (doc, raw) = typed_doc_kept(root.into_value()).map_err(|e| shape_error(&file, e))?;
    Ok(finish(doc, raw, file, paths, env))
}

/// The error for a valid document the typed sections cannot be built from (not reached in
/// practice: validation checks every shape they use).
fn shape_error(file: &Option<PathBuf>, why: String) -> Error {
    Error::Config(ConfigError::message(
        file.clone(),
        format!("config does not match the expected shape: {why}"),
    ))
}

/// Builds the [`Config`] from the typed sections of the resolved, valid document.
fn finish(
    doc: ConfigDoc,
    raw: RawDoc,
    file: Option<PathBuf>,
    paths: Paths,
    env: EnvView,
) -> Config {
    let mut config = Config {
        doc,
        raw,
        source_path: file,
        paths,
        env,
        warnings: Vec::new(),
        endpoints: Default::default(),
    };
    config.warnings = compute_warnings(&config);
    config
}

/// The whole document, built on first use (most callers never ask for it), so a load builds it
/// only once, split between [`ConfigDoc`] (unmodeled sections, moved) and the typed sections.
/// Building it can fail only if the text no longer parses as it did when loaded; the failure is
/// kept and reported by [`Config::raw`], never replaced by a stand-in document.
#[derive(Clone)]
pub(crate) struct RawDoc {
    source: RawSource,
    cell: OnceLock<std::result::Result<Value, String>>,
}

#[derive(Clone)]
enum RawSource {
    /// Parse the text again and substitute with the same (immutable) environment view: the fast
    /// path is deterministic, so this gives the document the load saw.
    Reparse { text: String, env: EnvView },
    /// The modeled top-level sections kept as they were: (position among the `len` top-level
    /// keys, key, value); the other sections are in [`ConfigDoc::other`].
    Parts {
        modeled: Vec<(usize, String, Value)>,
        len: usize,
    },
    /// Built when loaded (the cell is already set).
    Done,
}

impl RawDoc {
    fn new(source: RawSource) -> Self {
        RawDoc {
            source,
            cell: OnceLock::new(),
        }
    }

    fn done(value: Value) -> Self {
        RawDoc {
            source: RawSource::Done,
            cell: OnceLock::from(Ok(value)),
        }
    }

    /// The document (built on first use), or why it could not be built.
    pub(crate) fn get(&self, doc: &ConfigDoc) -> std::result::Result<&Value, &str> {
        let built = self.cell.get_or_init(|| match &self.source {
            RawSource::Reparse { text, env } => reparse(text, env),
            RawSource::Parts { modeled, len } => {
                let mut map = Map::with_capacity(*len);
                let mut modeled = modeled.iter().peekable();
                let mut other = doc.other.iter();
                for i in 0..*len {
                    if let Some((_, k, v)) = modeled.next_if(|(p, _, _)| *p == i) {
                        map.insert(k.clone(), v.clone());
                    } else if let Some((k, v)) = other.next() {
                        map.insert(k.clone(), v.clone());
                    }
                }
                Ok(Value::Object(map))
            }
            RawSource::Done => Err("the config document was not kept".to_owned()),
        });
        built.as_ref().map_err(String::as_str)
    }
}

/// The fast path's parse and substitution again, on the text and environment view the load
/// used. Both succeeded then and both are deterministic, so an error here is a defect of the
/// loader, reported as such.
fn reparse(text: &str, lookup_env: &EnvView) -> std::result::Result<Value, String> {
    const DEFECT: &str = "could not rebuild the whole config document";
    let mut root: Parsed = super::fast::parse(text, 0, MAX_DEPTH).ok_or_else(|| {
        format!("{DEFECT}: its text no longer parses as it did when it was loaded")
    })?;
    let lookup = |name: &str| lookup_env.value(name);
    super::subst::substitute_parsed(&mut root, &lookup).ok_or_else(|| {
        format!("{DEFECT}: a variable it referred to when it was loaded is missing now")
    })?;
    Ok(root.into_value())
}

/// Builds the typed view section by section ([`super::typed`]), moving the document into it:
/// unmodeled sections go to [`ConfigDoc::other`]. [`Config::raw`] is then rebuilt from the text.
fn typed_sections(root: Parsed<'_>) -> std::result::Result<ConfigDoc, String> {
    let members = match root {
        Parsed::Object(members) => members,
        // Not reached (validation wants an object); kept total.
        other => return ConfigDoc::deserialize(&other.into_value()).map_err(|e| e.to_string()),
    };
    let mut doc = ConfigDoc::default();
    let unmodeled = members.iter().filter(|(k, _)| !is_modeled(k)).count();
    doc.other = Map::with_capacity(unmodeled);
    for (k, v) in members {
        if is_modeled(&k) {
            section(&mut doc, &k, v)?;
        } else {
            doc.other.insert(k.into_owned(), v.into_value());
        }
    }
    Ok(doc)
}

/// Whether a top-level key is a section with a typed view.
fn is_modeled(key: &str) -> bool {
    matches!(key, "env" | "auth" | "agents" | "models")
}

/// [`typed_sections`] for a document that cannot be rebuilt from text (the full pipeline): a
/// copy of the modeled sections is kept for [`Config::raw`].
fn typed_doc_kept(root: Value) -> std::result::Result<(ConfigDoc, RawDoc), String> {
    let map = match root {
        Value::Object(map) => map,
        other => {
            // Not reached (validation wants an object); kept total.
            let doc = ConfigDoc::deserialize(&other).map_err(|e| e.to_string())?;
            return Ok((doc, RawDoc::done(other)));
        }
    };
    let len = map.len();
    let mut modeled = Vec::new();
    let mut rest = Map::with_capacity(len);
    for (i, (k, v)) in map.into_iter().enumerate() {
        if is_modeled(&k) {
            modeled.push((i, k, v));
        } else {
            rest.insert(k, v);
        }
    }
    let mut doc = ConfigDoc {
        other: rest,
        ..ConfigDoc::default()
    };
    for (_, k, v) in &modeled {
        section(&mut doc, k, Parsed::from_value(v.clone()))?;
    }
    Ok((doc, RawDoc::new(RawSource::Parts { modeled, len })))
}

/// Converts one modeled top-level section into `doc` (`null` is the same as absent).
fn section(doc: &mut ConfigDoc, key: &str, v: Parsed<'_>) -> std::result::Result<(), String> {
    if v.is_null() {
        return Ok(());
    }
    match key {
        "env" => doc.env = Some(super::typed::env_block(v)?),
        "auth" => doc.auth = Some(super::typed::auth(v)?),
        "agents" => doc.agents = Some(super::typed::agents(v)?),
        "models" => doc.models = Some(super::typed::models(v)?),
        _ => {}
    }
    Ok(())
}

/// Non-fatal findings: a primary model without a provider (the reference's warning).
fn compute_warnings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(raw) = config.default_model_raw()
        && let Some((_, Some(w @ ModelRefWarning::NoProvider { .. }))) =
            config.resolve_model_ref(raw)
    {
        out.push(w.to_string());
    }
    out
}

/// How [`compare_fast_and_full`] found the fast path.
#[cfg(any(test, fuzzing))]
#[cfg_attr(not(fuzzing), allow(unreachable_pub))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FastOutcome {
    /// The fast path loaded the config, and the full pipeline loaded the same one.
    Loaded,
    /// The fast path found the config invalid, and the full pipeline reported the same errors.
    Invalid,
    /// The fast path declined the text; the load (the full pipeline, parsing with the byte-level
    /// parser where it can) gave the same result as the full pipeline parsing with `json5` alone.
    Declined,
}

/// Loads `text` through the fast path and through the full pipeline, parsing with the `json5`
/// crate (the reference for JSON5), and compares the results: the same typed sections (also the same as serde's derived decoding of the whole document),
/// the same whole document with the same key order, environment view and warnings — or the same
/// error. When the fast path declines the text, the load still parses with the byte-level parser
/// where it can, so its result is compared the same way. `Err` describes the first difference. Used by the property tests and by the
/// `config_fast_full` fuzz target (built with `--cfg fuzzing`).
#[cfg(any(test, fuzzing))]
#[cfg_attr(not(fuzzing), allow(unreachable_pub))]
pub fn compare_fast_and_full(
    text: &str,
    env: &EnvView,
) -> std::result::Result<FastOutcome, String> {
    let paths = Paths::with_state_dir("/nonexistent");
    let full = build_full_with(
        tree::parse_json5,
        text.to_owned(),
        None,
        paths.clone(),
        env.clone(),
    );
    let outcome = match fast_resolve(text, env) {
        Fast::GiveUp => FastOutcome::Declined,
        Fast::Done(..) => FastOutcome::Loaded,
        Fast::Invalid(_) => FastOutcome::Invalid,
    };
    let fast = build(text.to_owned(), None, paths, env.clone());
    match (fast, full) {
        (Ok(a), Ok(b)) if outcome != FastOutcome::Invalid => {
            same_config(&a, &b)?;
            Ok(outcome)
        }
        (Err(a), Err(b)) if outcome != FastOutcome::Loaded => {
            let (a, b) = (format!("{a:?}"), format!("{b:?}"));
            if a == b {
                Ok(outcome)
            } else {
                Err(format!("different errors:\n fast: {a}\n full: {b}"))
            }
        }
        (a, b) => Err(format!(
            "fast path {outcome:?} gave {:?}, the full pipeline {:?}",
            a.map(|_| "a config"),
            b.map(|_| "a config"),
        )),
    }
}

#[cfg(any(test, fuzzing))]
fn same_config(a: &Config, b: &Config) -> std::result::Result<(), String> {
    fn check<T: PartialEq + std::fmt::Debug>(
        what: &str,
        a: T,
        b: T,
    ) -> std::result::Result<(), String> {
        if a == b {
            Ok(())
        } else {
            Err(format!("different {what}:\n fast: {a:?}\n full: {b:?}"))
        }
    }
    check("typed sections", a.doc(), b.doc())?;
    let (raw_a, raw_b) = (
        a.raw().map_err(|e| e.to_string())?,
        b.raw().map_err(|e| e.to_string())?,
    );
    check("whole documents", raw_a, raw_b)?;
    check(
        "key order",
        serde_json::to_string(raw_a).map_err(|e| e.to_string())?,
        serde_json::to_string(raw_b).map_err(|e| e.to_string())?,
    )?;
    let derived =
        ConfigDoc::deserialize(raw_a).map_err(|e| format!("serde's decoding failed: {e}"))?;
    check("typed sections and serde's decoding", a.doc(), &derived)?;
    check("warnings", a.warnings(), b.warnings())?;
    check(
        "environment views",
        format!("{:?}", a.env()),
        format!("{:?}", b.env()),
    )?;
    for layer in ["config", "process"] {
        for name in b.env().names_from(layer) {
            let value = |c: &Config| {
                c.env()
                    .get(&name)
                    .map(|v| (v.expose().to_owned(), v.source))
            };
            check(&format!("values of {name}"), value(a), value(b))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> Paths {
        Paths {
            home: Some(dir.to_path_buf()),
            state_dir: dir.join(".clawdbot"),
            config_path: dir.join(".clawdbot/clawdbot.json"),
            main_agent_dir_override: None,
        }
    }

    fn diags(r: Result<Config>) -> Vec<crate::error::ConfigDiagnostic> {
        match r {
            Err(Error::Config(c)) => c.diagnostics,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn missing_and_blank_files_are_empty() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load_with(paths(dir.path()), EnvView::empty()).unwrap();
        assert!(c.source_path().is_none());
        assert_eq!(c.raw().unwrap(), &serde_json::json!({}));
        let c = Config::from_json5("  \n").unwrap();
        assert_eq!(c.default_model().ref_string(), "anthropic/claude-opus-4-5");
    }

    #[test]
    fn env_block_precedence_and_substitution() {
        let env = EnvView::empty().with_layer(EnvSource::Process, [("KEY", "from-process")]);
        let c = Config::from_json5_with(
            r#"{ env: { KEY: "from-config", OTHER: "o", vars: { V: "v", EMPTY: "" }, shellEnv: { enabled: false } },
                 models: { providers: { anthropic: { apiKey: "${KEY}", baseUrl: "${OTHER}/${V}" } } } }"#,
            Paths::with_state_dir("/nonexistent"),
            env,
        )
        .unwrap();
        let p = c.provider("anthropic").unwrap();
        assert_eq!(p.api_key.as_deref(), Some("from-process"));
        assert_eq!(p.base_url.as_deref(), Some("o/v"));
        assert_eq!(c.env().get("KEY").unwrap().source, EnvSource::Process);
        assert_eq!(c.env().get("OTHER").unwrap().source, EnvSource::ConfigBlock);
        assert_eq!(c.env().var("V").as_deref(), Some("v"));
        assert!(c.env().get("EMPTY").is_none());
    }

    #[test]
    fn env_block_values_are_substituted_in_the_view() {
        let env = EnvView::empty().with_layer(EnvSource::Process, [("BASE", "b")]);
        let c = Config::from_json5_with(
            r#"{ env: { DERIVED: "${BASE}-x" } }"#,
            Paths::with_state_dir("/nonexistent"),
            env,
        )
        .unwrap();
        assert_eq!(c.env().var("DERIVED").as_deref(), Some("b-x"));
    }

    #[test]
    fn all_problems_are_collected_in_order() {
        let d = diags(Config::from_json5(
            "{\n  auth: { bogus: 1 },\n  models: { providers: { a: { apiKey: '${NOPE_X}' } } },\n  agents: { defaults: { models: { 'a/b': { params: { cacheControlTTL: '1h' } } } } },\n}",
        ));
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!((d[0].line, d[0].column), (Some(2), Some(11)));
        assert_eq!(
            d[1].message,
            "Missing env var \"NOPE_X\" referenced at config path: models.providers.a.apiKey"
        );
        assert_eq!((d[1].line, d[1].column), (Some(3), Some(39)));
        assert_eq!(d[2].suggestion.as_deref(), Some("cacheControlTtl"));
        assert_eq!((d[2].line, d[2].column), (Some(4), Some(54)));
    }

    #[test]
    fn non_finite_numbers_are_named_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clawdbot.json");
        let cases = [
            ("NaN", "NaN"),
            ("1e400", "a number too large (1e400)"),
            ("-Infinity", "-Infinity"),
            ("+Infinity", "+Infinity"),
            ("-1e400", "a number out of range (-1e400)"),
        ];
        for (literal, shown) in cases {
            std::fs::write(
                &file,
                format!(
                    "{{\n  agents: {{ defaults: {{ models: {{ 'anthropic/x': {{ params: {{\n    maxTokens: {literal},\n  }} }} }} }} }},\n}}\n"
                ),
            )
            .unwrap();
            let mut p = paths(dir.path());
            p.config_path = file.clone();
            let d = diags(Config::load_with(p, EnvView::empty()));
            assert_eq!(d.len(), 1, "{literal}: {d:?}");
            assert_eq!(
                d[0].message,
                format!("expected a positive integer, found {shown}")
            );
            assert_eq!(d[0].file.as_deref(), Some(file.as_path()));
            assert_eq!((d[0].line, d[0].column), (Some(3), Some(16)), "{literal}");
            assert_eq!(
                d[0].path.as_deref(),
                Some("agents.defaults.models[\"anthropic/x\"].params.maxTokens")
            );
        }
        // A 400-digit integer is cut in the message.
        let long = format!("1{}", "0".repeat(400));
        let d = diags(Config::from_json5(&format!(
            "{{auth: {{cooldowns: {{billingMaxHours: {long}}}}}}}"
        )));
        assert_eq!(
            d[0].message,
            format!(
                "expected a positive number, found a number too large ({}…)",
                &long[..40]
            )
        );
        // In a section kept opaque it is the `null` JSON makes of it, as before.
        let c = Config::from_json5(
            "{channels: {x: [NaN, 1e400, -Infinity]}, agents: {defaults: {sandbox: {n: 1e999}}}}",
        )
        .unwrap();
        let raw = c.raw().unwrap();
        assert_eq!(raw["channels"]["x"], serde_json::json!([null, null, null]));
        assert_eq!(
            raw["agents"]["defaults"]["sandbox"]["n"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn warnings_for_primary_without_provider() {
        let c = Config::from_json5(r#"{agents:{defaults:{model:"claude-x"}}}"#).unwrap();
        assert_eq!(c.warnings().len(), 1);
        assert!(c.warnings()[0].contains("without provider"));
        let c = Config::from_json5(r#"{agents:{defaults:{model:"anthropic/claude-x"}}}"#).unwrap();
        assert!(c.warnings().is_empty());
    }

    /// The fast path and the full pipeline give the same result (see [`compare_fast_and_full`]).
    fn assert_same(text: &str, env: &EnvView) -> FastOutcome {
        compare_fast_and_full(text, env).unwrap_or_else(|d| panic!("{d}\ntext: {text}"))
    }

    const FRAGMENTS: &[&str] = &[
        "env: { A: 'x', vars: { B: '${A}-y', E: '' }, shellEnv: { enabled: true, timeoutMs: 5 } }",
        "env: { A: '${UNSET_Q}' }",
        "env: { C: '${P}', X: 1 }",
        "env: { vars: { P: 'from-config' }, D: '  ' }",
        "env: null",
        "auth: { profiles: { 'anthropic:a': { provider: 'anthropic', mode: 'token', email: 'e' } }, order: { anthropic: ['anthropic:a'] } }",
        "auth: { cooldowns: { billingBackoffHours: 2, billingBackoffHoursByProvider: { anthropic: 1.5 }, billingMaxHours: 3, failureWindowHours: 0.5 } }",
        "auth: { profiles: { b: { provider: 'x', mode: 'apikey' } } }",
        "auth: { profile: {} }",
        "agents: { defaults: { model: 'claude-x', workspace: '${P}/w', sandbox: { mode: 'off' } } }",
        "agents: { defaults: { model: { primary: 'anthropic/a', fallbacks: ['b', 'c/d'] }, imageModel: 'x/y', models: { 'anthropic/a': { alias: 'a', params: { cacheControlTtl: '1h', temperature: 1, maxTokens: 5, top_k: 3 } }, 'b/c': {} } } }",
        "agents: { list: [{ id: 'main', default: true, name: 'n', agentDir: '~/a', model: 'x/y', tools: { deny: [] } }, { id: 'w', identity: {} }], other: 1 }",
        "agents: { defaults: { models: { 'a/b': { params: { cacheControlTTL: '1h' } } } } }",
        "agents: { list: [{ name: 'no id' }] }",
        "models: { mode: 'merge', providers: { p: { baseUrl: 'https://x', apiKey: '${P}', api: 'anthropic-messages', headers: { 'x-a': 'b' }, models: [{ id: 'm' }], authHeader: true } } }",
        "models: { providers: { q: { headers: { a: 'x\\ny' } } } }",
        "models: { providers: { r: { apiKey: 'sk-ant-123456789012345678901234' } } }",
        "channels: { telegram: { botToken: '${P}', list: [1, 2.5, -3, null, true] } }",
        "channels: { x: '$${P} and ${lower}' }",
        "gateway: { port: 18789, auth: { token: '${MISSING_T}' } }",
        "somethingNew: { a: [] }",
        "modles: {}",
        "$include: 'does-not-exist.json5'",
        "meta: { $include: [] }",
        "'quoted key': 'v', \"dq\": 0x10",
        "messages: null, cron: { enabled: false }",
        "agents: { defaults: { models: { 'a/b': { params: { maxTokens: 1e400, temperature: NaN } } } } }",
        "auth: { cooldowns: { billingMaxHours: -Infinity } }",
        "channels: { n: [1e400, -1e400, +Infinity, NaN], m: 1e309 }",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        #[test]
        fn fast_path_agrees_with_full_pipeline(
            picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..7),
            with_process_env in proptest::bool::ANY,
            trailing_comma in proptest::bool::ANY,
        ) {
            let mut text = String::from("// generated\n{\n");
            for (i, p) in picks.iter().enumerate() {
                if i > 0 {
                    text.push_str(",\n");
                }
                text.push_str(FRAGMENTS[*p]);
            }
            if trailing_comma && !picks.is_empty() {
                text.push(',');
            }
            text.push_str("\n}\n");
            let env = if with_process_env {
                EnvView::empty().with_layer(EnvSource::Process, [("P", "from-process"), ("A", "pa")])
            } else {
                EnvView::empty()
            };
            assert_same(&text, &env);
        }
    }

    #[test]
    fn fast_path_agrees_on_fixtures() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
        let env = EnvView::empty().with_layer(EnvSource::Process, [("P", "p")]);
        let mut seen = 0;
        for dir in std::fs::read_dir(&root).unwrap() {
            for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let path = f.unwrap().path();
                if path.is_file() {
                    let text = std::fs::read_to_string(&path).unwrap();
                    compare_fast_and_full(&text, &env)
                        .unwrap_or_else(|d| panic!("{}: {d}", path.display()));
                    seen += 1;
                }
            }
        }
        assert!(seen >= 10, "{seen}");
        // The realistic fixture takes the fast path (the point of it).
        let realistic = std::fs::read_to_string(root.join("realistic/clawdbot.json")).unwrap();
        assert!(matches!(fast_resolve(&realistic, &env), Fast::Done(..)));
        let bad = realistic.replace("cacheControlTtl: \"1h\"", "cacheControlTTL: \"1h\"");
        assert!(matches!(fast_resolve(&bad, &env), Fast::Invalid(_)));
        assert_eq!(assert_same(&bad, &env), FastOutcome::Invalid);
        for text in [
            "",
            "  \n",
            "[1]",
            "{}",
            "{a: 1, a: {b: 2}}",
            "{env: {A: 'x'}, env: {B: '${A}'}}",
        ] {
            assert_same(text, &env);
        }
    }

    #[test]
    fn raw_is_built_on_demand_and_kept() {
        let c = Config::from_json5_with(
            "{ b: 1, env: { K: 'v' }, a: [1], models: { providers: { p: { apiKey: '${K}' } } } }",
            Paths::with_state_dir("/nonexistent"),
            EnvView::empty(),
        )
        .unwrap();
        let raw = c.raw().unwrap();
        assert_eq!(
            serde_json::to_string(raw).unwrap(),
            r#"{"b":1,"env":{"K":"v"},"a":[1],"models":{"providers":{"p":{"apiKey":"v"}}}}"#
        );
        assert!(std::ptr::eq(raw, c.raw().unwrap()));
        let cloned = c.clone();
        assert_eq!(cloned.raw().unwrap(), raw);
    }

    #[test]
    fn a_raw_document_that_cannot_be_rebuilt_is_an_error_not_null() {
        let mut c = Config::from_json5("{ a: 1 }").unwrap();
        for (text, why) in [
            ("{ a: '${GONE_V}' }", "a variable it referred to"),
            ("[", "no longer parses"),
        ] {
            c.raw = RawDoc {
                source: RawSource::Reparse {
                    text: text.to_owned(),
                    env: EnvView::empty(),
                },
                cell: OnceLock::new(),
            };
            let e = c.raw().expect_err("no stand-in document");
            assert!(e.is_config(), "{e:?}");
            let msg = e.to_string();
            assert!(
                msg.contains("could not rebuild the whole config document"),
                "{msg}"
            );
            assert!(msg.contains(why), "{msg}");
            // The failure is kept: asking again gives the same error.
            assert_eq!(c.raw().unwrap_err().to_string(), msg);
        }
    }

    /// A JSON5 value and the syntax choices to write it with, for
    /// `fast_path_agrees_on_generated_documents`.
    #[derive(Debug, Clone)]
    enum J {
        Null,
        Bool(bool),
        /// Number text as written (decimal, hex, signed, exponent, `Infinity`, …).
        Num(&'static str),
        Str(String),
        Arr(Vec<J>),
        Obj(Vec<(String, J)>),
    }

    /// Keys: the modeled ones (so some documents validate and some do not), unmodeled sections,
    /// and keys that need quotes or that only the `json5` crate reads unquoted.
    const KEYS: &[&str] = &[
        "env",
        "vars",
        "shellEnv",
        "enabled",
        "timeoutMs",
        "auth",
        "profiles",
        "order",
        "cooldowns",
        "billingBackoffHours",
        "failureWindowHours",
        "agents",
        "defaults",
        "model",
        "primary",
        "fallbacks",
        "imageModel",
        "models",
        "alias",
        "params",
        "cacheControlTtl",
        "temperature",
        "maxTokens",
        "list",
        "id",
        "default",
        "name",
        "agentDir",
        "providers",
        "baseUrl",
        "apiKey",
        "api",
        "headers",
        "mode",
        "provider",
        "email",
        "channels",
        "gateway",
        "meta",
        "x-a",
        "anthropic/claude-opus-4-5",
        "a b",
        "$x",
        "_y",
        "ключ",
        "P",
        "A",
        "",
        "$include",
    ];
    const STRINGS: &[&str] = &[
        "",
        "x",
        "1h",
        "5m",
        "anthropic/claude-opus-4-5",
        "opus",
        "claude-x",
        "${P}",
        "${A}-y",
        "${MISSING_Q}",
        "$${P}",
        "${lower}",
        "$P",
        "api_key",
        "token",
        "oauth",
        "anthropic",
        "anthropic-messages",
        "https://x",
        "é",
        "\u{1F600}",
        "a\"b",
        "a'b",
        "tab\t",
        "nl\n",
        "back\\slash",
        "nul\u{0}",
        "\u{2028}",
        "\u{7f}",
        "  ",
    ];
    const NUMBERS: &[&str] = &[
        "0",
        "1",
        "-3",
        "2.5",
        "+1",
        ".5",
        "5.",
        "0x10",
        "-0x1F",
        "1e3",
        "1E-2",
        "-0",
        "1.0",
        "Infinity",
        "-Infinity",
        "NaN",
        "+NaN",
        "-NaN",
        "+Infinity",
        "1e400",
        "-1e400",
        "12345678901234567890",
        "0.1",
        "3",
    ];

    fn arb_j() -> impl proptest::strategy::Strategy<Value = J> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            proptest::sample::select(NUMBERS).prop_map(J::Num),
            proptest::sample::select(STRINGS).prop_map(|s| J::Str(s.to_owned())),
        ];
        leaf.prop_recursive(5, 60, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(J::Arr),
                proptest::collection::vec(
                    (
                        proptest::sample::select(KEYS).prop_map(str::to_owned),
                        inner
                    ),
                    0..5
                )
                .prop_map(J::Obj),
            ]
        })
    }

    /// Writes `j` as JSON5, taking each syntax choice (quotes, escapes, comments, whitespace,
    /// trailing commas) from `style`, round-robin.
    struct Writer<'a> {
        out: String,
        style: &'a [u8],
        at: usize,
    }

    impl Writer<'_> {
        fn pick(&mut self, n: u8) -> u8 {
            let b = self
                .style
                .get(self.at % self.style.len().max(1))
                .copied()
                .unwrap_or(0);
            self.at += 1;
            b % n
        }

        fn gap(&mut self) {
            match self.pick(8) {
                0 => self.out.push(' '),
                1 => self.out.push('\n'),
                2 => self.out.push_str(" // note\n"),
                3 => self.out.push_str("/* c */"),
                4 => self.out.push_str("\r\n\t"),
                _ => {}
            }
        }

        fn string(&mut self, s: &str) {
            let q = if self.pick(2) == 0 { '"' } else { '\'' };
            self.out.push(q);
            for c in s.chars() {
                match c {
                    '\\' => self.out.push_str("\\\\"),
                    '\n' => {
                        let escape = if self.pick(2) == 0 { "\\n" } else { "\\u000a" };
                        self.out.push_str(escape);
                    }
                    c if c == q => {
                        self.out.push('\\');
                        self.out.push(c);
                    }
                    '\u{0}' => self.out.push_str("\\u0000"),
                    c if !c.is_ascii() && self.pick(3) == 0 => {
                        let mut units = [0u16; 2];
                        for u in c.encode_utf16(&mut units) {
                            self.out.push_str(&format!("\\u{u:04x}"));
                        }
                    }
                    'x' if self.pick(4) == 0 => self.out.push_str("\\x78"),
                    '/' if self.pick(2) == 0 => self.out.push_str("\\/"),
                    c => self.out.push(c),
                }
            }
            self.out.push(q);
        }

        fn key(&mut self, k: &str) {
            let plain = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                && !k.starts_with(|c: char| c.is_ascii_digit());
            if plain && self.pick(3) != 0 {
                self.out.push_str(k);
            } else {
                self.string(k);
            }
        }

        fn value(&mut self, j: &J) {
            match j {
                J::Null => self.out.push_str("null"),
                J::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
                J::Num(n) => self.out.push_str(n),
                J::Str(s) => self.string(s),
                J::Arr(items) => {
                    self.out.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.gap();
                        self.value(item);
                    }
                    if !items.is_empty() && self.pick(3) == 0 {
                        self.out.push(',');
                    }
                    self.gap();
                    self.out.push(']');
                }
                J::Obj(members) => {
                    self.out.push('{');
                    for (i, (k, v)) in members.iter().enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.gap();
                        self.key(k);
                        self.gap();
                        self.out.push(':');
                        self.gap();
                        self.value(v);
                    }
                    if !members.is_empty() && self.pick(3) == 0 {
                        self.out.push(',');
                    }
                    self.gap();
                    self.out.push('}');
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 1000, ..Default::default() })]

        /// Whole documents: random trees under modeled and unmodeled top-level keys, written with
        /// random JSON5 syntax. Wherever the fast path loads or rejects a document, the full
        /// pipeline gives the same config or the same errors.
        #[test]
        fn fast_path_agrees_on_generated_documents(
            sections in proptest::collection::vec(
                (proptest::sample::select(&KEYS[..KEYS.len() - 1]), arb_j()),
                0..6,
            ),
            style in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
            with_process_env in proptest::bool::ANY,
        ) {
            let mut w = Writer { out: String::new(), style: &style, at: 0 };
            let root = J::Obj(sections.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            w.gap();
            w.value(&root);
            w.gap();
            let env = if with_process_env {
                EnvView::empty().with_layer(EnvSource::Process, [("P", "from-process"), ("A", "pa")])
            } else {
                EnvView::empty()
            };
            assert_same(&w.out, &env);
        }
    }

    /// The generated documents reach every outcome of the fast path, so the property above
    /// compares loaded and rejected documents, not only declined ones.
    #[test]
    fn generated_documents_reach_every_fast_path_outcome() {
        use proptest::strategy::{Strategy, ValueTree};
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let sections = proptest::collection::vec(
            (proptest::sample::select(&KEYS[..KEYS.len() - 1]), arb_j()),
            0..6,
        );
        let style = proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64);
        let mut seen = std::collections::HashMap::new();
        for _ in 0..400 {
            let sections = sections.new_tree(&mut runner).unwrap().current();
            let style = style.new_tree(&mut runner).unwrap().current();
            let mut w = Writer {
                out: String::new(),
                style: &style,
                at: 0,
            };
            w.value(&J::Obj(
                sections
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            ));
            *seen
                .entry(assert_same(&w.out, &EnvView::empty()))
                .or_insert(0) += 1;
        }
        for outcome in [
            FastOutcome::Loaded,
            FastOutcome::Invalid,
            FastOutcome::Declined,
        ] {
            assert!(seen.get(&outcome).copied().unwrap_or(0) >= 5, "{seen:?}");
        }
    }

    #[test]
    fn syntax_error_has_position() {
        let d = diags(Config::from_json5("{\n  a: 1,\n  b: ]\n}"));
        assert_eq!((d[0].line, d[0].column), (Some(3), Some(6)));
        assert!(d[0].file.is_none());
    }
}
