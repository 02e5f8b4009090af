//! Validation of the sections this crate models ([validation](crate::compatibility#validation)).
//!
//! The rules are a small static schema. Three kinds of objects:
//! * **strict** (`auth`, `auth.profiles.*`, `auth.cooldowns`, `env.shellEnv`, model selections
//!   `{primary, fallbacks}`, `agents.defaults.models.*`): an unknown key is an error, with the
//!   closest valid key as a suggestion;
//! * **partly modeled** (the root, `agents`, `agents.defaults`, `agents.list[i]`, `models`,
//!   `models.providers.*`, `params`): keys this crate does not model are kept as opaque JSON, except
//!   a key that looks like a misspelling of a modeled key (same ignoring case and `_`/`-`, or a
//!   small edit distance) and is not a key Clawdbot itself defines — that is an error;
//! * **catch-all** (`env`): any other key must hold a string.
//!
//! Every problem is collected (not just the first), with the JSON path and the node it concerns.

use super::diag::{JsonPath, Pending, closest, near_miss};

/// One step of the JSON path being validated (rendered only for a diagnostic).
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}
use super::tree::{Tree, View};

/// The expected type of a value.
#[derive(Debug)]
pub(crate) enum Ty {
    /// Anything (kept as is).
    Any,
    /// A string.
    Str,
    /// A string usable as an HTTP header value (no CR/LF).
    HeaderValue,
    /// `true` / `false`.
    Bool,
    /// Any number.
    Num,
    /// A number > 0.
    PosNum,
    /// An integer in `1..=u32::MAX`.
    PosU32,
    /// An integer ≥ 0.
    NonNegInt,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// An array of these.
    Array(&'static Ty),
    /// An object with arbitrary keys, each value of this type.
    Map(&'static Ty),
    /// An object of this shape.
    Obj(&'static ObjSpec),
    /// A string, or an object of this shape (model selections).
    StrOr(&'static ObjSpec),
}

/// A modeled key of an object.
#[derive(Debug)]
pub(crate) struct Field {
    pub key: &'static str,
    pub ty: Ty,
    pub required: bool,
}

/// What to do with keys an object spec does not list.
#[derive(Debug)]
pub(crate) enum Rest {
    /// Error (strict object).
    Deny,
    /// Keep as opaque JSON, unless the key is a near miss of a modeled key and not one of these
    /// keys Clawdbot defines.
    Opaque(&'static [&'static str]),
    /// Every other key must have this type.
    Each(&'static Ty),
}

/// The shape of an object.
#[derive(Debug)]
pub(crate) struct ObjSpec {
    pub fields: &'static [Field],
    pub rest: Rest,
}

const fn opt(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: false,
    }
}

const fn req(key: &'static str, ty: Ty) -> Field {
    Field {
        key,
        ty,
        required: true,
    }
}

/// Allowed `params.cacheControlTtl` values.
pub(super) const CACHE_TTL_VALUES: &[&str] = &["5m", "1h"];
/// Allowed `auth.profiles.*.mode` values.
pub(super) const AUTH_MODE_VALUES: &[&str] = &["api_key", "oauth", "token"];

/// Top-level sections Clawdbot defines (current and legacy) besides the modeled ones.
const ROOT_KNOWN: &[&str] = &[
    "meta",
    "wizard",
    "diagnostics",
    "logging",
    "update",
    "browser",
    "ui",
    "nodeHost",
    "tools",
    "bindings",
    "broadcast",
    "audio",
    "media",
    "messages",
    "commands",
    "approvals",
    "session",
    "cron",
    "hooks",
    "web",
    "channels",
    "discovery",
    "canvasHost",
    "talk",
    "gateway",
    "skills",
    "plugins",
    "agent",
    "routing",
    "identity",
    "whatsapp",
    "telegram",
    "discord",
    "slack",
    "signal",
    "imessage",
    "msteams",
    "$schema",
];

/// Keys of `agents.defaults` that Clawdbot defines and this crate keeps opaque.
const DEFAULTS_KNOWN: &[&str] = &[
    "workspace",
    "repoRoot",
    "skipBootstrap",
    "bootstrapMaxChars",
    "userTimezone",
    "timeFormat",
    "envelopeTimezone",
    "envelopeTimestamp",
    "envelopeElapsed",
    "contextTokens",
    "cliBackends",
    "memorySearch",
    "contextPruning",
    "compaction",
    "thinkingDefault",
    "verboseDefault",
    "elevatedDefault",
    "blockStreamingDefault",
    "blockStreamingBreak",
    "blockStreamingChunk",
    "blockStreamingCoalesce",
    "humanDelay",
    "timeoutSeconds",
    "mediaMaxMb",
    "typingIntervalSeconds",
    "typingMode",
    "heartbeat",
    "maxConcurrent",
    "subagents",
    "sandbox",
];

/// Keys of `agents.list[i]` that Clawdbot defines and this crate keeps opaque.
const AGENT_ENTRY_KNOWN: &[&str] = &[
    "workspace",
    "memorySearch",
    "humanDelay",
    "heartbeat",
    "identity",
    "groupChat",
    "subagents",
    "sandbox",
    "tools",
];

static MODEL_SELECTION: ObjSpec = ObjSpec {
    fields: &[
        opt("primary", Ty::Str),
        opt("fallbacks", Ty::Array(&Ty::Str)),
    ],
    rest: Rest::Deny,
};

static PARAMS: ObjSpec = ObjSpec {
    fields: &[
        opt("cacheControlTtl", Ty::Enum(CACHE_TTL_VALUES)),
        opt("temperature", Ty::Num),
        opt("maxTokens", Ty::PosU32),
    ],
    rest: Rest::Opaque(&[]),
};

static MODEL_ENTRY: ObjSpec = ObjSpec {
    fields: &[opt("alias", Ty::Str), opt("params", Ty::Obj(&PARAMS))],
    rest: Rest::Deny,
};

static DEFAULTS: ObjSpec = ObjSpec {
    fields: &[
        opt("model", Ty::StrOr(&MODEL_SELECTION)),
        opt("imageModel", Ty::StrOr(&MODEL_SELECTION)),
        opt("models", Ty::Map(&Ty::Obj(&MODEL_ENTRY))),
    ],
    rest: Rest::Opaque(DEFAULTS_KNOWN),
};

static AGENT_ENTRY: ObjSpec = ObjSpec {
    fields: &[
        req("id", Ty::Str),
        opt("default", Ty::Bool),
        opt("name", Ty::Str),
        opt("agentDir", Ty::Str),
        opt("model", Ty::StrOr(&MODEL_SELECTION)),
    ],
    rest: Rest::Opaque(AGENT_ENTRY_KNOWN),
};

static AGENTS: ObjSpec = ObjSpec {
    fields: &[
        opt("defaults", Ty::Obj(&DEFAULTS)),
        opt("list", Ty::Array(&Ty::Obj(&AGENT_ENTRY))),
    ],
    rest: Rest::Opaque(&[]),
};

static PROVIDER: ObjSpec = ObjSpec {
    fields: &[
        opt("baseUrl", Ty::Str),
        opt("apiKey", Ty::Str),
        opt("api", Ty::Str),
        opt("headers", Ty::Map(&Ty::HeaderValue)),
        opt("models", Ty::Array(&Ty::Any)),
    ],
    rest: Rest::Opaque(&["auth", "authHeader"]),
};

static MODELS: ObjSpec = ObjSpec {
    fields: &[opt("providers", Ty::Map(&Ty::Obj(&PROVIDER)))],
    rest: Rest::Opaque(&["mode", "bedrockDiscovery"]),
};

static AUTH_PROFILE: ObjSpec = ObjSpec {
    fields: &[
        req("provider", Ty::Str),
        req("mode", Ty::Enum(AUTH_MODE_VALUES)),
        opt("email", Ty::Str),
    ],
    rest: Rest::Deny,
};

static COOLDOWNS: ObjSpec = ObjSpec {
    fields: &[
        opt("billingBackoffHours", Ty::PosNum),
        opt("billingBackoffHoursByProvider", Ty::Map(&Ty::PosNum)),
        opt("billingMaxHours", Ty::PosNum),
        opt("failureWindowHours", Ty::PosNum),
    ],
    rest: Rest::Deny,
};

static AUTH: ObjSpec = ObjSpec {
    fields: &[
        opt("profiles", Ty::Map(&Ty::Obj(&AUTH_PROFILE))),
        opt("order", Ty::Map(&Ty::Array(&Ty::Str))),
        opt("cooldowns", Ty::Obj(&COOLDOWNS)),
    ],
    rest: Rest::Deny,
};

static SHELL_ENV: ObjSpec = ObjSpec {
    fields: &[opt("enabled", Ty::Bool), opt("timeoutMs", Ty::NonNegInt)],
    rest: Rest::Deny,
};

static ENV: ObjSpec = ObjSpec {
    fields: &[
        opt("vars", Ty::Map(&Ty::Str)),
        opt("shellEnv", Ty::Obj(&SHELL_ENV)),
    ],
    rest: Rest::Each(&Ty::Str),
};

/// The whole document.
pub(crate) static ROOT: ObjSpec = ObjSpec {
    fields: &[
        opt("env", Ty::Obj(&ENV)),
        opt("auth", Ty::Obj(&AUTH)),
        opt("agents", Ty::Obj(&AGENTS)),
        opt("models", Ty::Obj(&MODELS)),
    ],
    rest: Rest::Opaque(ROOT_KNOWN),
};

/// Validates a merged, substituted document against [`ROOT`]. On a [`serde_json::Value`] the
/// diagnostics have no positions (the loader's fast path only asks whether there are any).
pub(crate) fn validate<T: Tree>(root: &T) -> Vec<Pending> {
    let mut v = Validator {
        diags: Vec::new(),
        path: Vec::new(),
    };
    match root.view() {
        View::Object => v.check_obj(root, &ROOT),
        other => v.diags.push(Pending::at_value(
            root.origin(),
            None,
            format!(
                "the config must be a JSON5 object ({{ … }}), found {}",
                other.type_name()
            ),
        )),
    }
    v.diags
}

struct Validator<'a> {
    diags: Vec<Pending>,
    path: Vec<Seg<'a>>,
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Any => "any value".to_owned(),
        Ty::Str | Ty::HeaderValue => "a string".to_owned(),
        Ty::Bool => "a boolean (true or false)".to_owned(),
        Ty::Num => "a number".to_owned(),
        Ty::PosNum => "a positive number".to_owned(),
        Ty::PosU32 => "a positive integer".to_owned(),
        Ty::NonNegInt => "a non-negative integer".to_owned(),
        Ty::Enum(values) => format!("one of {}", list(values)),
        Ty::Array(_) => "an array".to_owned(),
        Ty::Map(_) | Ty::Obj(_) => "an object".to_owned(),
        Ty::StrOr(_) => "a model ref string or an object { primary, fallbacks }".to_owned(),
    }
}

fn list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show<T: Tree>(node: &T) -> String {
    match node.view() {
        // A key pasted into the wrong field must not be echoed back: no error shows a secret.
        View::String(s) if s.trim_start().starts_with("sk-") => {
            format!("a secret-looking string \"{}\"", crate::redact::mask(s))
        }
        View::String(s) => {
            let short: String = s.chars().take(40).collect();
            let ell = if short.len() < s.len() { "…" } else { "" };
            format!("string \"{short}{ell}\"")
        }
        View::Number(n) => format!("number {n}"),
        View::NonFinite(n) => n.describe(),
        View::Bool(b) => format!("boolean {b}"),
        other => other.type_name().to_owned(),
    }
}

impl<'a> Validator<'a> {
    /// The current JSON path (`agents.defaults.models["a/b"]`, or `<root>`).
    fn path(&self) -> String {
        let mut p = JsonPath::default();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => p.push_key(k),
                Seg::Index(i) => p.push_index(*i),
            }
        }
        p.render()
    }

    fn type_error<T: Tree>(&mut self, node: &'a T, ty: &Ty) {
        self.diags.push(Pending::at_value(
            node.origin(),
            Some(self.path()),
            format!("expected {}, found {}", describe(ty), show(node)),
        ));
    }

    /// Checks `node` against `ty`; false when a problem was recorded.
    fn check<T: Tree>(&mut self, node: &'a T, ty: &Ty) -> bool {
        let before = self.diags.len();
        match (ty, node.view()) {
            (Ty::Any, _) | (Ty::Str, View::String(_)) | (Ty::Bool, View::Bool(_)) => {}
            (Ty::HeaderValue, View::String(s)) => {
                if s.contains(['\r', '\n']) {
                    self.diags.push(Pending::at_value(
                        node.origin(),
                        Some(self.path()),
                        "header value must not contain CR or LF characters".to_owned(),
                    ));
                }
            }
            (Ty::Num, View::Number(_)) => {}
            (Ty::PosNum, View::Number(n)) if n.as_f64().is_some_and(|f| f > 0.0) => {}
            (Ty::PosU32, View::Number(n))
                if n.as_u64()
                    .is_some_and(|u| u >= 1 && u <= u64::from(u32::MAX)) => {}
            (Ty::NonNegInt, View::Number(n)) if n.as_u64().is_some() => {}
            (Ty::Enum(values), View::String(s)) => {
                if !values.contains(&s) {
                    let p = Pending::at_value(
                        node.origin(),
                        Some(self.path()),
                        format!("invalid value \"{s}\": expected one of {}", list(values)),
                    )
                    .with_suggestion(near_miss(s, values).map(str::to_owned));
                    self.diags.push(p);
                }
            }
            (Ty::Array(item), View::Array(items)) => {
                for (i, n) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.check(n, item);
                    self.path.pop();
                }
            }
            (Ty::Map(value), View::Object) => {
                for (k, n) in node.members() {
                    self.path.push(Seg::Key(k));
                    self.check(n, value);
                    self.path.pop();
                }
            }
            (Ty::Obj(spec), View::Object) | (Ty::StrOr(spec), View::Object) => {
                self.check_obj(node, spec);
            }
            (Ty::StrOr(_), View::String(_)) => {}
            _ => self.type_error(node, ty),
        }
        self.diags.len() == before
    }

    fn check_obj<T: Tree>(&mut self, node: &'a T, spec: &ObjSpec) {
        if !matches!(node.view(), View::Object) {
            return;
        }
        for (k, v) in node.members() {
            self.path.push(Seg::Key(k));
            if let Some(field) = spec.fields.iter().find(|f| f.key == k) {
                self.check(v, &field.ty);
            } else {
                let keys = || {
                    spec.fields
                        .iter()
                        .map(|f| f.key)
                        .collect::<Vec<&'static str>>()
                };
                match &spec.rest {
                    Rest::Deny => {
                        let keys = keys();
                        let suggestion = closest(k, &keys);
                        let message = if suggestion.is_some() {
                            format!("unknown key \"{k}\"")
                        } else {
                            format!("unknown key \"{k}\" (allowed: {})", keys.join(", "))
                        };
                        self.diags.push(
                            Pending::at_key(v.origin(), Some(self.path()), message)
                                .with_suggestion(suggestion.map(str::to_owned)),
                        );
                    }
                    Rest::Opaque(known) => {
                        if !known.contains(&k)
                            && let Some(s) = near_miss(k, &keys())
                        {
                            self.diags.push(
                                Pending::at_key(
                                    v.origin(),
                                    Some(self.path()),
                                    format!("unknown key \"{k}\" looks like a misspelling"),
                                )
                                .with_suggestion(Some(s.to_owned())),
                            );
                        }
                    }
                    Rest::Each(ty) => {
                        let before = self.diags.len();
                        if !self.check(v, ty)
                            && let Some(s) = closest(k, &keys())
                            && let Some(last) = self.diags.get_mut(before)
                        {
                            last.suggestion = Some(s.to_owned());
                        }
                    }
                }
            }
            self.path.pop();
        }
        for f in spec.fields.iter().filter(|f| f.required) {
            if node.get(f.key).is_none() {
                self.diags.push(Pending::at_value(
                    node.origin(),
                    Some(self.path()),
                    format!("missing required key \"{}\"", f.key),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tree::{MAX_DEPTH, parse};

    fn run(text: &str) -> Vec<(String, String, Option<String>)> {
        let n = parse(text, 0, MAX_DEPTH).unwrap();
        validate(&n)
            .into_iter()
            .map(|p| (p.path.unwrap_or_default(), p.message, p.suggestion))
            .collect()
    }

    #[test]
    fn valid_document_has_no_diagnostics() {
        let d = run(r#"{
          env: { vars: { A: "1" }, shellEnv: { enabled: true, timeoutMs: 0 }, B: "2" },
          auth: { profiles: { "anthropic:me": { provider: "anthropic", mode: "token", email: "a@b" } },
                  order: { anthropic: ["anthropic:me"] },
                  cooldowns: { billingBackoffHours: 2.5, billingBackoffHoursByProvider: { anthropic: 1 } } },
          agents: { defaults: { model: "anthropic/claude-opus-4-5", imageModel: { primary: "x/y", fallbacks: [] },
                                models: { "anthropic/claude-opus-4-5": { alias: "o", params: { cacheControlTtl: "1h", temperature: 0.2, maxTokens: 8192, topK: 5 } } },
                                workspace: "~/w", sandbox: { mode: "off" } },
                    list: [{ id: "main", default: true, tools: {} }] },
          models: { mode: "merge", providers: { p: { baseUrl: "https://x", headers: { "x-a": "b" }, models: [{}], auth: "api-key" } } },
          channels: { whatsapp: {} }, gateway: { port: 1 }, somethingNew: 1,
        }"#);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn strict_unknown_keys_and_suggestions() {
        let d = run(r#"{ auth: { profile: {}, cooldowns: { billingMaxHour: 2, zzz: 1 } } }"#);
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(d[0].0, "auth.profile");
        assert_eq!(d[0].2.as_deref(), Some("profiles"));
        assert_eq!(d[1].0, "auth.cooldowns.billingMaxHour");
        assert_eq!(d[1].2.as_deref(), Some("billingMaxHours"));
        assert!(
            d[2].1.contains("allowed: billingBackoffHours"),
            "{}",
            d[2].1
        );
    }

    #[test]
    fn near_miss_in_partly_modeled() {
        let d = run(
            r#"{ agents: { defaults: { imagemodel: "x", workspace: "w", models: { "a/b": { params: { cacheControlTTL: "1h", max_tokens: 5, top_p: 1 } } } } } }"#,
        );
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(d[0].0, "agents.defaults.imagemodel");
        assert_eq!(d[0].2.as_deref(), Some("imageModel"));
        assert_eq!(
            d[1].0,
            "agents.defaults.models[\"a/b\"].params.cacheControlTTL"
        );
        assert_eq!(d[1].2.as_deref(), Some("cacheControlTtl"));
        assert_eq!(d[2].2.as_deref(), Some("maxTokens"));
    }

    #[test]
    fn type_and_value_errors() {
        let d = run(
            r#"{ auth: { profiles: { a: { provider: 1, mode: "apikey" }, b: { mode: "oauth" } } },
                 agents: { defaults: { model: 5, models: { "a/b": { params: { cacheControlTtl: "2h", temperature: "hot", maxTokens: 0 } } } },
                           list: [{ name: "x" }] },
                 models: { providers: { p: { headers: { a: 1, b: "x\ny" } } } },
                 env: { X: 1, shellENV: { enabled: true } } }"#,
        );
        let msgs: Vec<String> = d.iter().map(|(p, m, _)| format!("{p}: {m}")).collect();
        let expect = [
            "auth.profiles.a.provider: expected a string, found number 1",
            "auth.profiles.a.mode: invalid value \"apikey\": expected one of \"api_key\", \"oauth\", \"token\"",
            "auth.profiles.b: missing required key \"provider\"",
            "agents.defaults.model: expected a model ref string or an object { primary, fallbacks }, found number 5",
            "agents.defaults.models[\"a/b\"].params.cacheControlTtl: invalid value \"2h\": expected one of \"5m\", \"1h\"",
            "agents.defaults.models[\"a/b\"].params.temperature: expected a number, found string \"hot\"",
            "agents.defaults.models[\"a/b\"].params.maxTokens: expected a positive integer, found number 0",
            "agents.list[0]: missing required key \"id\"",
            "models.providers.p.headers.a: expected a string, found number 1",
            "models.providers.p.headers.b: header value must not contain CR or LF characters",
            "env.X: expected a string, found number 1",
            "env.shellENV: expected a string, found object",
        ];
        assert_eq!(msgs, expect);
        assert_eq!(d[1].2.as_deref(), Some("api_key"));
        assert_eq!(d[11].2.as_deref(), Some("shellEnv"));
    }

    #[test]
    fn root_must_be_object() {
        let d = run("[1]");
        assert!(d[0].1.contains("must be a JSON5 object"));
    }
}
