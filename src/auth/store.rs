//! The auth profile store `auth-profiles.json` ([auth profile
//! store](crate::compatibility#auth-profile-store)): its format, the storage backend trait,
//! and the file backend with atomic writes and a `proper-lockfile`-compatible lock.
//!
//! Reading is lenient and lossless: unknown fields anywhere are kept and written back, an entry
//! with an unknown `type` or without `provider` is skipped (with a warning) but preserved, and
//! numbers are accepted as integers or floats. A file that is not a JSON object, or that has a
//! key twice in one object, is reported as [`Error::StoreCorrupt`] and never overwritten.
//!
//! ```
//! # fn main() -> claw_anthropic::Result<()> {
//! use claw_anthropic::auth::store::{FileStore, StoreBackend};
//! let dir = tempfile::tempdir().unwrap();
//! let store = FileStore::new(dir.path().join("auth-profiles.json"));
//! assert!(store.load()?.is_none()); // no file yet
//! let saved = store.update(&mut |s| {
//!     s.usage_stats.entry("anthropic:default".into()).or_default().last_used = Some(1);
//!     Ok(())
//! })?;
//! assert_eq!(saved.usage_stats["anthropic:default"].last_used, Some(1));
//! # Ok(()) }
//! ```

use super::credential::{Credential, mask};
use super::lock::{LockGuard, LockOptions};
use crate::clock::{RandomJitter, SharedJitter};
use crate::error::{Error, Result};
use indexmap::IndexMap;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The store format version this crate writes (Clawdbot's `AUTH_STORE_VERSION`).
pub const STORE_VERSION: u32 = 1;
/// The legacy single-credential-per-provider file Clawdbot migrates from (`<agentDir>/auth.json`).
pub const LEGACY_STORE_FILE: &str = "auth.json";

/// One profile of the store: its credential plus any fields this crate does not model
/// (`enterpriseUrl`, `projectId`, …), which are written back unchanged.
#[derive(Clone)]
pub struct StoredProfile {
    /// The credential (`type`, `provider`, secret, expiry, e-mail).
    pub credential: Credential,
    /// Fields of the entry this crate does not model, in file order.
    pub extra: Map<String, Value>,
}

impl StoredProfile {
    /// A profile holding just `credential`.
    pub fn new(credential: Credential) -> Self {
        StoredProfile {
            credential,
            extra: Map::new(),
        }
    }
}

impl fmt::Debug for StoredProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredProfile")
            .field("credential", &self.credential)
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Per-profile usage and failure bookkeeping (`usageStats.<id>`); times in ms since the epoch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageStats {
    /// Last successful use.
    pub last_used: Option<u64>,
    /// Unusable until then (non-billing failures).
    pub cooldown_until: Option<u64>,
    /// Disabled until then (billing failures).
    pub disabled_until: Option<u64>,
    /// Why it is disabled (`billing`).
    pub disabled_reason: Option<String>,
    /// Failures inside the current failure window.
    pub error_count: Option<u64>,
    /// Failures by reason (`auth`, `rate_limit`, `billing`, …) inside the window.
    pub failure_counts: IndexMap<String, u64>,
    /// Time of the last failure.
    pub last_failure_at: Option<u64>,
    /// Fields this crate does not model, kept as is.
    pub extra: Map<String, Value>,
    /// (this crate) Out of rate-limit headroom until then: the reset of a bucket whose
    /// remaining count was 0 ([`crate::auth::shared::headroom`]). Set on the client's
    /// in-memory view only; never read from or written to the file.
    pub headroom_until: Option<u64>,
}

/// The whole store (`auth-profiles.json`), in file order.
#[derive(Clone)]
pub struct AuthStore {
    /// Format version (1).
    pub version: u32,
    /// Profiles by id, in file order (entries that could not be understood are in
    /// [`AuthStore::unrecognized_profiles`]).
    pub profiles: IndexMap<String, StoredProfile>,
    /// Explicit profile order per provider (wins over config `auth.order`).
    pub order: IndexMap<String, Vec<String>>,
    /// Last profile that worked, per provider (informational).
    pub last_good: IndexMap<String, String>,
    /// Usage statistics per profile id.
    pub usage_stats: IndexMap<String, UsageStats>,
    /// Profile entries with an unknown `type` or no `provider`: skipped, but written back as
    /// they were (they may hold secrets: never printed).
    pub unrecognized_profiles: IndexMap<String, Value>,
    /// Unknown top-level fields, written back as they were.
    pub extra: Map<String, Value>,
}

impl Default for AuthStore {
    fn default() -> Self {
        AuthStore {
            version: STORE_VERSION,
            profiles: IndexMap::new(),
            order: IndexMap::new(),
            last_good: IndexMap::new(),
            usage_stats: IndexMap::new(),
            unrecognized_profiles: IndexMap::new(),
            extra: Map::new(),
        }
    }
}

impl fmt::Debug for AuthStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthStore")
            .field("version", &self.version)
            .field("profiles", &self.profiles)
            .field("order", &self.order)
            .field("last_good", &self.last_good)
            .field("usage_stats", &self.usage_stats)
            .field(
                "unrecognized_profiles",
                &self.unrecognized_profiles.keys().collect::<Vec<_>>(),
            )
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl AuthStore {
    /// Parses the text of a store file. `path` is only used in the error.
    ///
    /// A key that appears twice in one object (two `profiles` objects, one profile id twice)
    /// is an error naming the key and its line: JSON parsers keep only the last one, so a
    /// rewrite would silently drop the first (and its secret). The file is left as it is, and
    /// nothing reads or writes it until the duplicate is removed by hand.
    pub fn parse(text: &str, path: &Path) -> Result<AuthStore> {
        let value: Value = super::strict_json::parse(text).map_err(|e| {
            let mut message = e.to_string();
            if message.starts_with("duplicate key") {
                message.push_str(
                    " (only one of the two would be kept, so the file is neither used nor \
                     rewritten: merge or remove the duplicate by hand)",
                );
            }
            Error::StoreCorrupt {
                path: path.to_path_buf(),
                message,
            }
        })?;
        let store = AuthStore::from_value(value).map_err(|message| Error::StoreCorrupt {
            path: path.to_path_buf(),
            message,
        })?;
        for (id, entry) in &store.unrecognized_profiles {
            warn_skipped_once(path, id, entry);
        }
        Ok(store)
    }

    /// Builds a store from parsed JSON. Fails (with a reason) only when the value cannot be
    /// represented without losing data: not an object, or `profiles` not an object.
    pub fn from_value(value: Value) -> std::result::Result<AuthStore, String> {
        let Value::Object(mut top) = value else {
            return Err("expected a JSON object at the top level".to_owned());
        };
        let mut store = AuthStore::default();
        if let Some(v) = top.get("version").and_then(as_u64)
            && let Ok(v) = u32::try_from(v)
        {
            store.version = v;
            top.shift_remove("version");
        }
        match top.shift_remove("profiles") {
            None | Some(Value::Null) => {}
            Some(Value::Object(profiles)) => {
                for (id, entry) in profiles {
                    match parse_profile(&entry) {
                        Some(p) => {
                            store.profiles.insert(id, p);
                        }
                        None => {
                            store.unrecognized_profiles.insert(id, entry);
                        }
                    }
                }
            }
            Some(_) => return Err("\"profiles\" is not an object".to_owned()),
        }
        if let Some(Value::Object(order)) = top.get("order") {
            for (provider, list) in order {
                if let Value::Array(items) = list {
                    let ids: Vec<String> = items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect();
                    if !ids.is_empty() {
                        store.order.insert(provider.clone(), ids);
                    }
                }
            }
            top.shift_remove("order");
        }
        if let Some(Value::Object(last_good)) = top.get("lastGood") {
            for (provider, id) in last_good {
                if let Some(id) = id.as_str() {
                    store.last_good.insert(provider.clone(), id.to_owned());
                }
            }
            top.shift_remove("lastGood");
        }
        if let Some(Value::Object(stats)) = top.get("usageStats") {
            for (id, s) in stats {
                if let Value::Object(obj) = s {
                    store.usage_stats.insert(id.clone(), parse_usage(obj));
                }
            }
            top.shift_remove("usageStats");
        }
        store.extra = top;
        Ok(store)
    }

    /// The store as JSON, in the order Clawdbot writes it (`version`, `profiles`, `order`,
    /// `lastGood`, `usageStats`) followed by unknown top-level fields. This is the one place
    /// secrets are exposed for serialisation.
    pub fn to_value(&self) -> Value {
        let mut top = Map::new();
        top.insert("version".into(), Value::from(self.version));
        let mut profiles = Map::new();
        for (id, p) in &self.profiles {
            profiles.insert(id.clone(), profile_to_value(p));
        }
        for (id, raw) in &self.unrecognized_profiles {
            if !profiles.contains_key(id) {
                profiles.insert(id.clone(), raw.clone());
            }
        }
        top.insert("profiles".into(), Value::Object(profiles));
        if !self.order.is_empty() {
            let order: Map<String, Value> = self
                .order
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Value::Array(v.iter().cloned().map(Value::String).collect()),
                    )
                })
                .collect();
            top.insert("order".into(), Value::Object(order));
        }
        if !self.last_good.is_empty() {
            let lg: Map<String, Value> = self
                .last_good
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            top.insert("lastGood".into(), Value::Object(lg));
        }
        if !self.usage_stats.is_empty() {
            let us: Map<String, Value> = self
                .usage_stats
                .iter()
                .map(|(k, v)| (k.clone(), usage_to_value(v)))
                .collect();
            top.insert("usageStats".into(), Value::Object(us));
        }
        merge_extra(&mut top, &self.extra);
        Value::Object(top)
    }

    /// The file text: 2-space pretty JSON and a trailing newline.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_value()).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// Inserts or replaces a profile (an unrecognised entry of the same id is dropped).
    pub fn set_profile(&mut self, id: impl Into<String>, profile: StoredProfile) {
        let id = id.into();
        self.unrecognized_profiles.shift_remove(&id);
        match self.profiles.get_mut(&id) {
            Some(existing) => *existing = profile,
            None => {
                self.profiles.insert(id, profile);
            }
        }
    }

    /// Ids of the profiles of `provider` (compared normalised), in file order.
    pub fn profile_ids_for(&self, provider: &str) -> Vec<String> {
        let want = crate::config::model_ref::normalize_provider(provider);
        self.profiles
            .iter()
            .filter(|(_, p)| {
                crate::config::model_ref::normalize_provider(p.credential.provider()) == want
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The usage statistics of a profile, if any.
    pub fn stats(&self, profile_id: &str) -> Option<&UsageStats> {
        self.usage_stats.get(profile_id)
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        _ => None,
    }
}

fn opt_secret(v: Option<&Value>) -> Option<SecretString> {
    v.and_then(Value::as_str)
        .map(|s| SecretString::from(s.to_owned()))
}

/// Parses one profile entry; `None` when its type is unknown, provider missing, or a required
/// secret field is not a string.
/// Warns about a profile entry that cannot be used, once per store file and profile id in this
/// process (a store is read several times by one command).
fn warn_skipped_once(path: &Path, id: &str, entry: &Value) {
    static WARNED: std::sync::Mutex<Vec<(std::path::PathBuf, String)>> =
        std::sync::Mutex::new(Vec::new());
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if warned.iter().any(|(p, i)| p == path && i == id) {
        return;
    }
    warned.push((path.to_path_buf(), id.to_owned()));
    drop(warned);
    tracing::warn!(
        "{}: skipping auth profile \"{id}\": {} (the entry is kept in the file as it is)",
        path.display(),
        skip_reason(entry)
    );
}

/// Why [`parse_profile`] could not use an entry (field names and JSON types only: never a value).
fn skip_reason(entry: &Value) -> String {
    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
    let Some(obj) = entry.as_object() else {
        return format!("expected an object, found {}", kind(entry));
    };
    let ty = match obj.get("type") {
        None => return "it has no `type`".to_owned(),
        Some(Value::String(t)) => t.as_str(),
        Some(v) => return format!("`type` must be a string, found {}", kind(v)),
    };
    match obj.get("provider") {
        None => return "it has no `provider`".to_owned(),
        Some(Value::String(p)) if p.trim().is_empty() => return "`provider` is empty".to_owned(),
        Some(Value::String(_)) => {}
        Some(v) => return format!("`provider` must be a string, found {}", kind(v)),
    }
    let secret = match ty {
        "api_key" => "key",
        "token" => "token",
        "oauth" => return "an `oauth` field has the wrong type".to_owned(),
        // The value is not shown: a secret pasted into the wrong field must not be echoed.
        _ => return "unknown `type` (expected api_key, token or oauth)".to_owned(),
    };
    match obj.get(secret) {
        None => format!("a `{ty}` profile needs `{secret}`"),
        Some(v) => format!("`{secret}` must be a string, found {}", kind(v)),
    }
}

fn parse_profile(entry: &Value) -> Option<StoredProfile> {
    let obj = entry.as_object()?;
    let ty = obj.get("type")?.as_str()?;
    let provider = obj.get("provider")?.as_str()?.trim();
    if provider.is_empty() {
        return None;
    }
    let provider = provider.to_owned();
    let email = obj.get("email").and_then(Value::as_str).map(str::to_owned);
    let expires = obj.get("expires").and_then(as_u64);
    let (credential, known): (Credential, &[&str]) = match ty {
        "api_key" => (
            Credential::ApiKey {
                provider,
                key: SecretString::from(obj.get("key")?.as_str()?.to_owned()),
                email: email.clone(),
            },
            &["type", "provider", "key", "email"],
        ),
        "token" => (
            Credential::Token {
                provider,
                token: SecretString::from(obj.get("token")?.as_str()?.to_owned()),
                expires,
                email: email.clone(),
            },
            &["type", "provider", "token", "expires", "email"],
        ),
        "oauth" => (
            Credential::OAuth {
                provider,
                access: opt_secret(obj.get("access")),
                refresh: opt_secret(obj.get("refresh")),
                expires,
                email: email.clone(),
                client_id: obj
                    .get("clientId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            },
            &[
                "type", "provider", "access", "refresh", "expires", "email", "clientId",
            ],
        ),
        _ => return None,
    };
    // Known fields that parsed are modelled; anything else (including a known field with an
    // unexpected type) stays in `extra` so it is written back unchanged.
    let mut extra = Map::new();
    for (k, v) in obj {
        let modelled = known.contains(&k.as_str())
            && match k.as_str() {
                "expires" => expires.is_some(),
                "email" | "clientId" | "access" | "refresh" => v.is_string(),
                _ => true,
            };
        if !modelled {
            extra.insert(k.clone(), v.clone());
        }
    }
    Some(StoredProfile { credential, extra })
}

fn profile_to_value(p: &StoredProfile) -> Value {
    let mut m = Map::new();
    let c = &p.credential;
    m.insert("type".into(), Value::from(c.kind().as_str()));
    m.insert("provider".into(), Value::from(c.provider()));
    let s = |x: &SecretString| Value::String(x.expose_secret().to_owned());
    match c {
        Credential::ApiKey { key, .. } => {
            m.insert("key".into(), s(key));
        }
        Credential::Token { token, .. } => {
            m.insert("token".into(), s(token));
        }
        Credential::OAuth {
            access, refresh, ..
        } => {
            if let Some(a) = access {
                m.insert("access".into(), s(a));
            }
            if let Some(r) = refresh {
                m.insert("refresh".into(), s(r));
            }
        }
    }
    if let Some(e) = c.expires() {
        m.insert("expires".into(), Value::from(e));
    }
    if let Some(e) = c.email() {
        m.insert("email".into(), Value::from(e));
    }
    if let Credential::OAuth {
        client_id: Some(id),
        ..
    } = c
    {
        m.insert("clientId".into(), Value::from(id.as_str()));
    }
    merge_extra(&mut m, &p.extra);
    Value::Object(m)
}

fn parse_usage(obj: &Map<String, Value>) -> UsageStats {
    let mut s = UsageStats::default();
    for (k, v) in obj {
        let taken = match k.as_str() {
            "lastUsed" => set_num(&mut s.last_used, v),
            "cooldownUntil" => set_until(&mut s.cooldown_until, v),
            "disabledUntil" => set_until(&mut s.disabled_until, v),
            "errorCount" => set_num(&mut s.error_count, v),
            "lastFailureAt" => set_num(&mut s.last_failure_at, v),
            "disabledReason" => match v {
                Value::String(r) => {
                    s.disabled_reason = Some(r.clone());
                    true
                }
                Value::Null => true,
                _ => false,
            },
            "failureCounts" => match v {
                Value::Object(fc) if fc.values().all(|n| as_u64(n).is_some()) => {
                    s.failure_counts = fc
                        .iter()
                        .map(|(r, n)| (r.clone(), as_u64(n).unwrap_or(0)))
                        .collect();
                    true
                }
                Value::Null => true,
                _ => false,
            },
            _ => false,
        };
        if !taken {
            s.extra.insert(k.clone(), v.clone());
        }
    }
    s
}

fn set_num(slot: &mut Option<u64>, v: &Value) -> bool {
    if v.is_null() {
        return true;
    }
    match as_u64(v) {
        Some(n) => {
            *slot = Some(n);
            true
        }
        None => false,
    }
}

/// Reads `cooldownUntil` / `disabledUntil` as Clawdbot does: any finite number above zero is
/// an end time, however far away (`1e20` keeps the profile unusable, as in Clawdbot); it is
/// rounded up to a whole ms and capped at `u64::MAX`. Anything else (zero, a negative number,
/// a string such as `"NaN"`) is no end time: the profile is not held back by it, and the value
/// is kept as it was until the field is next cleared or set.
fn set_until(slot: &mut Option<u64>, v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(0), _) => false,
            (Some(u), _) => {
                *slot = Some(u);
                true
            }
            (None, Some(f)) if f.is_finite() && f > 0.0 => {
                // `as` saturates at u64::MAX.
                *slot = Some(f.ceil() as u64);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

fn usage_to_value(s: &UsageStats) -> Value {
    let mut m = Map::new();
    let mut num = |k: &str, v: Option<u64>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::from(v));
        }
    };
    num("lastUsed", s.last_used);
    num("cooldownUntil", s.cooldown_until);
    num("disabledUntil", s.disabled_until);
    if let Some(r) = &s.disabled_reason {
        m.insert("disabledReason".into(), Value::from(r.as_str()));
    }
    if let Some(n) = s.error_count {
        m.insert("errorCount".into(), Value::from(n));
    }
    if !s.failure_counts.is_empty() {
        let fc: Map<String, Value> = s
            .failure_counts
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(*v)))
            .collect();
        m.insert("failureCounts".into(), Value::Object(fc));
    }
    if let Some(n) = s.last_failure_at {
        m.insert("lastFailureAt".into(), Value::from(n));
    }
    merge_extra(&mut m, &s.extra);
    Value::Object(m)
}

/// Appends `extra` fields that were not already written from the model.
fn merge_extra(m: &mut Map<String, Value>, extra: &Map<String, Value>) {
    for (k, v) in extra {
        if !m.contains_key(k) {
            m.insert(k.clone(), v.clone());
        }
    }
}

/// Reads Clawdbot's legacy `auth.json` (`{provider: {type, …}}`, no `profiles` key) into a store
/// with `<provider>:default` profiles. `None` if it is missing or not in that form.
fn read_legacy(path: &Path) -> Option<AuthStore> {
    let text = std::fs::read_to_string(path).ok()?;
    let Value::Object(top) = serde_json::from_str::<Value>(&text).ok()? else {
        return None;
    };
    if top.contains_key("profiles") {
        return None;
    }
    let mut store = AuthStore::default();
    for (provider, entry) in top {
        let Value::Object(mut obj) = entry else {
            continue;
        };
        if !obj.contains_key("provider") {
            obj.insert("provider".into(), Value::String(provider.clone()));
        }
        if let Some(p) = parse_profile(&Value::Object(obj)) {
            store.profiles.insert(format!("{provider}:default"), p);
        }
    }
    (!store.profiles.is_empty()).then_some(store)
}

/// Largest store file read (a real one is a few KiB); a larger file is refused, never rewritten.
pub const MAX_STORE_BYTES: u64 = 16 * 1024 * 1024;

fn read_bounded_file(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.take(MAX_STORE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_STORE_BYTES).then_some(bytes))
}

/// Reads a store file: `Ok(None)` if it does not exist.
pub fn read_store_file(path: &Path) -> Result<Option<AuthStore>> {
    match read_bounded_file(path) {
        Ok(None) => Err(Error::StoreCorrupt {
            path: path.to_path_buf(),
            message: format!("the file is too large (over {MAX_STORE_BYTES} bytes)"),
        }),
        Ok(Some(bytes)) => {
            let text = String::from_utf8(bytes).map_err(|_| Error::StoreCorrupt {
                path: path.to_path_buf(),
                message: "the file is not UTF-8 text".to_owned(),
            })?;
            AuthStore::parse(&text, path).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Creates `dir` and any missing parents with mode 0700 (the directories it creates are chmod-ed
/// explicitly, so the umask does not matter; existing directories are left alone).
pub(crate) fn create_private_dirs(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    if missing.is_empty() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(dir, e))?;
    for d in missing {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(&d, e))?;
    }
    Ok(())
}

/// The file a write to `path` must replace: the symlink target if `path` is a symlink.
pub(crate) fn write_target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Writes `bytes` to `path` atomically: a temp file in the same directory (created with `mode`,
/// then chmod-ed to it), fsync, rename over `path`, fsync of the directory. Missing directories
/// are created with mode 0700.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let target = write_target(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dirs(&dir)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(
            ".{name}.{}.{:08x}.tmp",
            std::process::id(),
            rand::random::<u32>()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 8 => {
                attempt += 1;
            }
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    };
    let result = (|| -> std::io::Result<()> {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, &target)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&target, e));
    }
    Ok(())
}

/// Writes a store file (2-space JSON + newline, mode 0600, dir 0700, atomically).
pub fn write_store_file(path: &Path, store: &AuthStore) -> Result<()> {
    write_atomic(path, store.to_json_pretty().as_bytes(), 0o600)
}

/// An open, locked read-modify-write transaction on a store. Dropping it releases the lock.
pub trait StoreTxn: Send {
    /// Reads the current store (inside the lock). `None` = no store yet.
    fn load(&mut self) -> Result<Option<AuthStore>>;
    /// Writes the store (inside the lock).
    fn save(&mut self, store: &AuthStore) -> Result<()>;
}

/// Where a store lives. Object-safe, so a shared-server backend can implement it later.
pub trait StoreBackend: Send + Sync + fmt::Debug {
    /// Reads the store without locking. `None` = no store yet.
    fn load(&self) -> Result<Option<AuthStore>>;

    /// [`load`](Self::load) as a shared snapshot. Backends that keep a parsed copy override it
    /// to hand that copy out without cloning it (the resolver calls this once per request).
    fn load_shared(&self) -> Result<Option<Arc<AuthStore>>> {
        Ok(self.load()?.map(Arc::new))
    }

    /// Takes the store lock for a read-modify-write that may include other work (OAuth refresh).
    /// The returned transaction releases the lock when dropped. Do not nest locks on the same
    /// store in one thread.
    fn lock(&self) -> Result<Box<dyn StoreTxn>>;

    /// Locked read-modify-write: takes the lock, re-reads the store (empty if missing), runs `f`
    /// and writes the result if it changed. An error from `f` (or a corrupt store) writes nothing.
    fn update(&self, f: &mut dyn FnMut(&mut AuthStore) -> Result<()>) -> Result<AuthStore> {
        let mut txn = self.lock()?;
        let before = txn.load()?;
        let mut store = before.clone().unwrap_or_default();
        f(&mut store)?;
        let unchanged = before
            .as_ref()
            .is_some_and(|b| b.to_value() == store.to_value())
            || (before.is_none() && store.to_value() == AuthStore::default().to_value());
        if !unchanged {
            txn.save(&store)?;
        }
        Ok(store)
    }

    /// A human-readable description (the file path).
    fn describe(&self) -> String;
}

/// The file backend: `auth-profiles.json` with a `proper-lockfile`-compatible lock directory
/// `<file>.lock`.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    lock_options: LockOptions,
    jitter: SharedJitter,
}

impl FileStore {
    /// A store at `path` (which need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore {
            path: path.into(),
            lock_options: LockOptions::default(),
            jitter: Arc::new(RandomJitter),
        }
    }

    /// Overrides the lock timing (tests, or a host that prefers to fail fast).
    pub fn with_lock_options(mut self, options: LockOptions) -> Self {
        self.lock_options = options;
        self
    }

    /// Overrides the retry jitter source.
    pub fn with_jitter(mut self, jitter: SharedJitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock directory: `<file>.lock`, with `<file>` resolved through symlinks when it
    /// exists (as `proper-lockfile` does with `realpath: true`).
    pub fn lock_path(&self) -> PathBuf {
        super::lock::lock_dir_for(&self.path)
    }

    fn load_with_legacy(path: &Path) -> Result<Option<AuthStore>> {
        match read_store_file(path)? {
            Some(s) => Ok(Some(s)),
            None => {
                let legacy = path.with_file_name(LEGACY_STORE_FILE);
                Ok(read_legacy(&legacy))
            }
        }
    }
}

struct FileTxn {
    path: PathBuf,
    _guard: LockGuard,
}

impl StoreTxn for FileTxn {
    fn load(&mut self) -> Result<Option<AuthStore>> {
        FileStore::load_with_legacy(&self.path)
    }
    fn save(&mut self, store: &AuthStore) -> Result<()> {
        remove_stale_temp_files(&self.path);
        write_store_file(&self.path, store)
    }
}

/// A temporary file older than this is left over from a writer that died, whoever wrote it
/// (a write takes milliseconds).
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes the temporary files (`.<name>.<pid>.<random>.tmp`, which hold secrets) that writers
/// of the store at `path` left behind when they were killed between creating and renaming
/// them: those of a process that no longer exists, and any older than [`STALE_TEMP_AGE`].
/// Called with the store lock held, so no live writer of this store is mid-write (except,
/// possibly, one of this process outside the lock: its own files are only removed when old).
fn remove_stale_temp_files(path: &Path) {
    let target = write_target(path);
    let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix.as_str()))
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some((pid, random)) = rest.split_once('.') else {
            continue;
        };
        let Ok(pid) = pid.parse::<i32>() else {
            continue;
        };
        if random.is_empty() || !random.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMP_AGE);
        let own = u32::try_from(pid).is_ok_and(|p| p == std::process::id());
        if old || (!own && !process_exists(pid)) {
            let p = entry.path();
            match std::fs::remove_file(&p) {
                Ok(()) => {
                    tracing::debug!(file = %p.display(), "removed a stale temporary store file")
                }
                Err(e) => {
                    tracing::warn!(file = %p.display(), error = %e, "could not remove a stale temporary store file")
                }
            }
        }
    }
}

/// Whether a process with this id exists (`kill(pid, 0)`: only "no such process" says no).
fn process_exists(pid: i32) -> bool {
    if pid <= 0 {
        return true;
    }
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

impl StoreBackend for FileStore {
    fn load(&self) -> Result<Option<AuthStore>> {
        FileStore::load_with_legacy(&self.path)
    }

    fn lock(&self) -> Result<Box<dyn StoreTxn>> {
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            create_private_dirs(dir)?;
        }
        let guard = super::lock::acquire(&self.path, &self.lock_options, self.jitter.as_ref())?;
        Ok(Box::new(FileTxn {
            path: self.path.clone(),
            _guard: guard,
        }))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// Masks every secret of a store for display (`first8...last8`), keyed by profile id.
pub fn masked_secrets(store: &AuthStore) -> IndexMap<String, String> {
    store
        .profiles
        .iter()
        .filter_map(|(id, p)| {
            p.credential
                .secret()
                .map(|s| (id.clone(), mask(s.expose_secret())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
  "version": 1,
  "profiles": {
    "anthropic:default": { "type": "api_key", "provider": "anthropic", "key": "sk-ant-api03-KEY", "note": "x" },
    "anthropic:weird": { "type": "magic", "provider": "anthropic", "spell": "s" },
    "anthropic:noprov": { "type": "api_key", "key": "k" },
    "anthropic:me": { "type": "oauth", "provider": "anthropic", "access": "a", "refresh": "r", "expires": 1.7e12, "enterpriseUrl": "e" }
  },
  "order": { "anthropic": [" anthropic:me ", ""] },
  "usageStats": { "anthropic:default": { "lastUsed": 5, "errorCount": 0, "future": true } },
  "futureTop": { "a": 1 }
}"#;

    #[test]
    fn parse_keeps_everything() {
        let s = AuthStore::parse(SAMPLE, Path::new("x")).unwrap();
        assert_eq!(
            s.profiles.keys().collect::<Vec<_>>(),
            ["anthropic:default", "anthropic:me"]
        );
        assert_eq!(s.unrecognized_profiles.len(), 2);
        assert_eq!(s.order["anthropic"], vec!["anthropic:me".to_string()]);
        assert_eq!(
            s.profiles["anthropic:me"].credential.expires(),
            Some(1_700_000_000_000)
        );
        let v = s.to_value();
        assert_eq!(v["futureTop"]["a"], 1);
        assert_eq!(v["profiles"]["anthropic:default"]["note"], "x");
        assert_eq!(v["profiles"]["anthropic:weird"]["spell"], "s");
        assert_eq!(v["profiles"]["anthropic:noprov"]["key"], "k");
        assert_eq!(v["profiles"]["anthropic:me"]["enterpriseUrl"], "e");
        assert_eq!(v["usageStats"]["anthropic:default"]["future"], true);
        assert_eq!(v["usageStats"]["anthropic:default"]["errorCount"], 0);
    }

    #[test]
    fn not_an_object_is_corrupt() {
        for bad in ["", "nope", "[]", "{\"profiles\": []}"] {
            let e = AuthStore::parse(bad, Path::new("/p/auth-profiles.json")).unwrap_err();
            assert!(matches!(e, Error::StoreCorrupt { .. }), "{bad}");
            assert!(e.to_string().contains("/p/auth-profiles.json"));
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let s = AuthStore::parse(
            r#"{"profiles":{"a:b":{"type":"api_key","provider":"a","key":"sk-ant-api03-SECRETSECRETSECRET-tail"},
                "x":{"type":"zz","provider":"a","key":"HIDDEN-UNKNOWN-SECRET"}}}"#,
            Path::new("x"),
        )
        .unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("SECRETSECRETSECRET"), "{dbg}");
        assert!(!dbg.contains("HIDDEN-UNKNOWN-SECRET"), "{dbg}");
    }
}
