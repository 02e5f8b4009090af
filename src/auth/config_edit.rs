//! Surgical edits of `clawdbot.json` for auth metadata (`auth.profiles.<id> = {provider, mode}`),
//! keeping comments, formatting and every other key (via `jsonc-parser`'s CST).
//!
//! As Clawdbot's `applyAuthProfileConfig` does, when `auth.order.<provider>` exists the profile is
//! moved (or added) to its front; when it does not exist no order is created.

use super::store::write_atomic;
use crate::config::AuthMode;
use crate::error::Result;
use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstNode, CstObject, CstRootNode};
use std::path::{Path, PathBuf};

/// What [`record_profile_in_config`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEdit {
    /// The config file.
    pub path: PathBuf,
    /// Whether the file was written (created or changed).
    pub changed: bool,
    /// Set when the file could not be edited safely and was left untouched.
    pub warning: Option<String>,
}

fn string_value(node: Option<CstNode>) -> Option<String> {
    node?.as_string_lit()?.decoded_value().ok()
}

fn minimal_config(profile_id: &str, provider: &str, mode: AuthMode) -> String {
    let v = serde_json::json!({
        "auth": { "profiles": { profile_id: { "provider": provider, "mode": mode.as_str() } } }
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn set_string_prop(obj: &CstObject, key: &str, value: &str) {
    match obj.get(key) {
        Some(prop) => {
            if string_value(prop.value()).as_deref() != Some(value) {
                prop.set_value(CstInputValue::String(value.to_owned()));
            }
        }
        None => {
            obj.append(key, CstInputValue::String(value.to_owned()));
        }
    }
}

/// Edits the CST; `Err(reason)` when the document's shape does not allow a safe edit.
fn edit(
    root: &CstRootNode,
    profile_id: &str,
    provider: &str,
    mode: AuthMode,
) -> std::result::Result<(), String> {
    let top = root
        .object_value()
        .ok_or_else(|| "the top level is not an object".to_owned())?;
    let auth = top
        .object_value_or_create("auth")
        .ok_or_else(|| "`auth` is not an object".to_owned())?;
    let profiles = auth
        .object_value_or_create("profiles")
        .ok_or_else(|| "`auth.profiles` is not an object".to_owned())?;
    match profiles.get(profile_id) {
        Some(prop) => match prop.object_value() {
            Some(entry) => {
                set_string_prop(&entry, "provider", provider);
                set_string_prop(&entry, "mode", mode.as_str());
            }
            None => prop.set_value(CstInputValue::Object(vec![
                ("provider".into(), provider.into()),
                ("mode".into(), mode.as_str().into()),
            ])),
        },
        None => {
            profiles.append(
                profile_id,
                CstInputValue::Object(vec![
                    ("provider".into(), provider.into()),
                    ("mode".into(), mode.as_str().into()),
                ]),
            );
        }
    }
    if let Some(order) = auth.object_value("order")
        && let Some(list) = order.array_value(provider)
    {
        let elements = list.elements();
        let first_is_it = string_value(elements.first().cloned()).as_deref() == Some(profile_id);
        if !first_is_it {
            for el in elements {
                if string_value(Some(el.clone())).as_deref() == Some(profile_id) {
                    el.remove();
                }
            }
            list.insert(0, CstInputValue::String(profile_id.to_owned()));
        }
    }
    Ok(())
}

/// Records `auth.profiles.<profile_id> = {provider, mode}` in the config file at `config_path`
/// (created with mode 0600 if missing). A file the CST parser cannot read, or whose shape does not
/// allow the edit, is left untouched and a warning is returned instead. I/O errors are errors.
pub fn record_profile_in_config(
    config_path: &Path,
    profile_id: &str,
    provider: &str,
    mode: AuthMode,
) -> Result<ConfigEdit> {
    use std::os::unix::fs::PermissionsExt;
    let path = config_path.to_path_buf();
    let untouched = |why: String| ConfigEdit {
        path: path.clone(),
        changed: false,
        warning: Some(format!(
            "did not update {}: {why}; add auth.profiles[\"{profile_id}\"] = {{ provider: \"{provider}\", mode: \"{}\" }} by hand",
            path.display(),
            mode.as_str()
        )),
    };
    let (text, file_mode) = match std::fs::read(&path) {
        Ok(bytes) => {
            let Ok(text) = String::from_utf8(bytes) else {
                return Ok(untouched("the file is not UTF-8 text".into()));
            };
            let m = std::fs::metadata(&path)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0o600);
            (Some(text), m)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, 0o600),
        Err(e) => return Err(crate::error::Error::io(&path, e)),
    };
    let new_text = match text.as_deref() {
        None => minimal_config(profile_id, provider, mode),
        Some(t) if t.trim().is_empty() => minimal_config(profile_id, provider, mode),
        Some(t) => {
            let root = match CstRootNode::parse(t, &ParseOptions::default()) {
                Ok(r) => r,
                Err(e) => return Ok(untouched(format!("it could not be parsed ({e})"))),
            };
            if let Err(why) = edit(&root, profile_id, provider, mode) {
                return Ok(untouched(why));
            }
            root.to_string()
        }
    };
    if text.as_deref() == Some(new_text.as_str()) {
        return Ok(ConfigEdit {
            path,
            changed: false,
            warning: None,
        });
    }
    // Never write something the config loader could not read back.
    if json5::from_str::<serde_json::Value>(&new_text).is_err() {
        return Ok(untouched("the edited text would not parse as JSON5".into()));
    }
    write_atomic(&path, new_text.as_bytes(), file_mode)?;
    Ok(ConfigEdit {
        path,
        changed: true,
        warning: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: Option<&str>, id: &str, mode: AuthMode) -> (ConfigEdit, Option<String>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("clawdbot.json");
        if let Some(t) = text {
            std::fs::write(&p, t).unwrap();
        }
        let e = record_profile_in_config(&p, id, "anthropic", mode).unwrap();
        (e, std::fs::read_to_string(&p).ok())
    }

    #[test]
    fn creates_minimal_file() {
        let (e, t) = run(None, "anthropic:default", AuthMode::ApiKey);
        assert!(e.changed);
        let v: serde_json::Value = serde_json::from_str(&t.unwrap()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"auth":{"profiles":{"anthropic:default":{"provider":"anthropic","mode":"api_key"}}}})
        );
    }

    #[test]
    fn keeps_comments_and_other_keys() {
        let src = "// my config\n{\n  agents: { defaults: { model: 'anthropic/claude-opus-4-5' } }, // pinned\n  /* auth below */\n  auth: {\n    order: { anthropic: ['anthropic:a', 'anthropic:b'] },\n  },\n}\n";
        let (e, t) = run(Some(src), "anthropic:b", AuthMode::Token);
        assert!(e.changed && e.warning.is_none());
        let t = t.unwrap();
        assert!(t.contains("// my config"), "{t}");
        assert!(t.contains("// pinned"), "{t}");
        assert!(t.contains("/* auth below */"), "{t}");
        assert!(
            t.contains("agents: { defaults: { model: 'anthropic/claude-opus-4-5' } }"),
            "{t}"
        );
        let v: serde_json::Value = json5::from_str(&t).unwrap();
        assert_eq!(v["auth"]["profiles"]["anthropic:b"]["mode"], "token");
        assert_eq!(
            v["auth"]["order"]["anthropic"],
            serde_json::json!(["anthropic:b", "anthropic:a"])
        );
        // Idempotent: a second run changes nothing.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.json");
        std::fs::write(&p, &t).unwrap();
        let again =
            record_profile_in_config(&p, "anthropic:b", "anthropic", AuthMode::Token).unwrap();
        assert!(!again.changed);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), t);
    }

    #[test]
    fn unparseable_left_alone() {
        let src = "{ this is not json5 ::: ";
        let (e, t) = run(Some(src), "anthropic:x", AuthMode::Token);
        assert!(!e.changed);
        assert!(e.warning.unwrap().contains("did not update"));
        assert_eq!(t.unwrap(), src);
        let (e, t) = run(Some("{ auth: 5 }"), "anthropic:x", AuthMode::Token);
        assert!(e.warning.is_some());
        assert_eq!(t.unwrap(), "{ auth: 5 }");
    }

    #[test]
    fn updates_existing_entry_in_place() {
        let src = "{\n  \"auth\": {\n    \"profiles\": {\n      \"anthropic:x\": { \"provider\": \"anthropic\", \"mode\": \"api_key\", \"email\": \"a@b\" }\n    }\n  }\n}\n";
        let (e, t) = run(Some(src), "anthropic:x", AuthMode::Token);
        assert!(e.changed);
        let t = t.unwrap();
        let v: serde_json::Value = json5::from_str(&t).unwrap();
        assert_eq!(v["auth"]["profiles"]["anthropic:x"]["mode"], "token");
        assert_eq!(v["auth"]["profiles"]["anthropic:x"]["email"], "a@b");
    }
}
