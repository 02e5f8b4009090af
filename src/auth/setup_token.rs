//! Setup-tokens and API keys entered by the user
//! ([setup-tokens](crate::compatibility#setup-tokens)): validation,
//! profile ids, durations, and upserting a profile into the agent's store plus its metadata into
//! the config file.
//!
//! ```
//! use claw_anthropic::auth::setup_token::{profile_id_for, validate_setup_token, parse_duration};
//! assert_eq!(validate_setup_token("  ").unwrap_err().to_string(), "Required");
//! assert_eq!(profile_id_for("Anthropic", Some("Work Laptop!")), "anthropic:work-laptop");
//! assert_eq!(profile_id_for("anthropic", None), "anthropic:default");
//! assert_eq!(parse_duration("12h").unwrap().as_secs(), 12 * 3600);
//! ```

use super::agent::AgentAuth;
use super::config_edit::{ConfigEdit, record_profile_in_config};
use super::credential::Credential;
use super::store::StoredProfile;
use crate::config::AuthMode;
use crate::config::model_ref::normalize_provider;
use crate::error::{Error, Result};
use secrecy::SecretString;
use std::time::Duration;

/// The required prefix of an Anthropic setup-token.
pub const SETUP_TOKEN_PREFIX: &str = "sk-ant-oat01-";
/// The minimum length of an Anthropic setup-token.
pub const SETUP_TOKEN_MIN_LENGTH: usize = 80;
/// The default profile name.
pub const DEFAULT_PROFILE_NAME: &str = "default";

/// Validates a pasted Anthropic setup-token and returns it trimmed. The error messages are the
/// reference's, exactly: `Required`, `Expected token starting with sk-ant-oat01-`,
/// `Token looks too short; paste the full setup-token` ([`Error::InvalidSetupToken`]).
pub fn validate_setup_token(raw: &str) -> Result<String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Error::InvalidSetupToken("Required".into()));
    }
    if !t.starts_with(SETUP_TOKEN_PREFIX) {
        return Err(Error::InvalidSetupToken(format!(
            "Expected token starting with {SETUP_TOKEN_PREFIX}"
        )));
    }
    if t.chars().count() < SETUP_TOKEN_MIN_LENGTH {
        return Err(Error::InvalidSetupToken(
            "Token looks too short; paste the full setup-token".into(),
        ));
    }
    // (this crate) A token is sent as an HTTP header value: refuse what could never be sent
    // (or would split the header) instead of storing it.
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidSetupToken(
            "Token contains spaces or control characters; paste the setup-token exactly as printed"
                .into(),
        ));
    }
    Ok(t.to_owned())
}

/// Validates an API key before it is stored and returns it trimmed: not blank, and no
/// whitespace or control character inside (a key is sent as an HTTP header value; a CR/LF
/// would split the header). The key itself is never part of the error.
pub fn validate_api_key(raw: &str) -> Result<String> {
    let key = raw.trim();
    if key.is_empty() {
        return Err(Error::InvalidArgument("the API key is empty".into()));
    }
    if super::credential::secret_is_unsendable(key) {
        return Err(Error::InvalidArgument(
            "the API key contains spaces or control characters (such as a line break); \
             paste the key exactly as the Anthropic Console shows it"
                .into(),
        ));
    }
    Ok(key.to_owned())
}

/// The slug of a profile name: lowercase, runs of characters other than `[a-z0-9._-]` become
/// `-`, dashes collapsed and trimmed; empty → `default`.
pub fn profile_name_slug(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let mut out = String::with_capacity(lower.len());
    for ch in lower.chars() {
        let ok = ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-');
        let c = if ok { ch } else { '-' };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let slug = out.trim_matches('-');
    if slug.is_empty() {
        DEFAULT_PROFILE_NAME.to_owned()
    } else {
        slug.to_owned()
    }
}

/// The profile id for a name: `<normalised provider>:<slug>`
/// ([setup-tokens](crate::compatibility#setup-tokens)).
pub fn profile_id_for(provider: &str, name: Option<&str>) -> String {
    format!(
        "{}:{}",
        normalize_provider(provider),
        profile_name_slug(name.unwrap_or(""))
    )
}

/// Parses a duration such as `365d`, `12h`, `30m`, `45s`, `500ms`, `2w` or `1.5h` (a bare number
/// means days, as in the reference's `--expires-in`).
pub fn parse_duration(s: &str) -> Result<Duration> {
    let t = s.trim().to_ascii_lowercase();
    let bad = || {
        Error::InvalidArgument(format!(
            "invalid duration {s:?}: use a number with a unit, e.g. 365d, 12h, 30m, 45s (ms, s, m, h, d, w)"
        ))
    };
    if t.is_empty() {
        return Err(bad());
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') || num.matches('.').count() > 1
    {
        return Err(bad());
    }
    let value: f64 = num.parse().map_err(|_| bad())?;
    let ms_per: f64 = match unit.trim() {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "" | "d" => 86_400_000.0,
        "w" => 7.0 * 86_400_000.0,
        _ => return Err(bad()),
    };
    let ms = (value * ms_per).round();
    if !ms.is_finite() || !(0.0..=1.0e15).contains(&ms) {
        return Err(bad());
    }
    Ok(Duration::from_millis(ms as u64))
}

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertReport {
    /// The profile id written.
    pub profile_id: String,
    /// The config-file edit (`auth.profiles.<id>`).
    pub config: ConfigEdit,
}

fn check_profile_id(id: &str, provider: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::InvalidArgument(
            "profile id must not be empty".into(),
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::InvalidArgument(format!(
            "invalid profile id {id:?}: control characters are not allowed"
        )));
    }
    let _ = provider;
    Ok(id.to_owned())
}

fn upsert(
    auth: &AgentAuth,
    profile_id: String,
    credential: Credential,
    mode: AuthMode,
) -> Result<UpsertReport> {
    let provider = credential.provider().to_owned();
    let profile = StoredProfile::new(credential);
    auth.store().update(&mut |s| {
        s.set_profile(profile_id.clone(), profile.clone());
        Ok(())
    })?;
    let config = record_profile_in_config(
        &auth.config().paths().config_path,
        &profile_id,
        &provider,
        mode,
    )?;
    if let Some(w) = &config.warning {
        tracing::warn!("{w}");
    }
    Ok(UpsertReport { profile_id, config })
}

/// Stores an Anthropic API key as an `api_key` profile (default id `anthropic:default`) in the
/// agent's store and records `auth.profiles.<id> = {provider: "anthropic", mode: "api_key"}` in the
/// config file. Returns the full report (config warnings included).
pub fn upsert_api_key_profile_report(
    auth: &AgentAuth,
    key: &str,
    profile_id: Option<&str>,
) -> Result<UpsertReport> {
    let key = validate_api_key(key)?;
    let id = check_profile_id(profile_id.unwrap_or("anthropic:default"), "anthropic")?;
    upsert(
        auth,
        id,
        Credential::ApiKey {
            provider: "anthropic".into(),
            key: SecretString::from(key.to_owned()),
            email: None,
        },
        AuthMode::ApiKey,
    )
}

/// [`upsert_api_key_profile_report`] returning just the profile id (a config warning is logged
/// with `tracing`).
pub fn upsert_api_key_profile(
    auth: &AgentAuth,
    key: &str,
    profile_id: Option<&str>,
) -> Result<String> {
    upsert_api_key_profile_report(auth, key, profile_id).map(|r| r.profile_id)
}

/// Stores a token (e.g. a Claude setup-token) as a `token` profile of `provider` (default id
/// `<provider>:manual`, as the reference's `models auth paste-token`), with
/// `expires = now + expires_in` when given, and records `{provider, mode: "token"}` in the config.
/// The token is only checked to be non-blank and free of whitespace and control characters:
/// validate setup-tokens first with [`validate_setup_token`].
pub fn upsert_token_profile_report(
    auth: &AgentAuth,
    provider: &str,
    token: &str,
    profile_id: Option<&str>,
    expires_in: Option<Duration>,
) -> Result<UpsertReport> {
    let provider = normalize_provider(provider).into_owned();
    if provider.is_empty() {
        return Err(Error::InvalidArgument("missing provider".into()));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(Error::InvalidSetupToken("Required".into()));
    }
    if super::credential::secret_is_unsendable(token) {
        return Err(Error::InvalidSetupToken(
            "Token contains spaces or control characters; paste the token exactly as printed"
                .into(),
        ));
    }
    let default_id = format!("{provider}:manual");
    let id = check_profile_id(profile_id.unwrap_or(&default_id), &provider)?;
    let expires = expires_in
        .map(|d| {
            auth.now_ms()
                .saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        })
        .filter(|e| *e > 0);
    upsert(
        auth,
        id,
        Credential::Token {
            provider,
            token: SecretString::from(token.to_owned()),
            expires,
            email: None,
        },
        AuthMode::Token,
    )
}

/// [`upsert_token_profile_report`] returning just the profile id.
pub fn upsert_token_profile(
    auth: &AgentAuth,
    provider: &str,
    token: &str,
    profile_id: Option<&str>,
    expires_in: Option<Duration>,
) -> Result<String> {
    upsert_token_profile_report(auth, provider, token, profile_id, expires_in).map(|r| r.profile_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages() {
        let msg = |s: &str| validate_setup_token(s).unwrap_err().to_string();
        assert_eq!(msg(""), "Required");
        assert_eq!(msg(" \n"), "Required");
        assert_eq!(
            msg(
                "sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            ),
            "Expected token starting with sk-ant-oat01-"
        );
        assert_eq!(
            msg("sk-ant-oat01-short"),
            "Token looks too short; paste the full setup-token"
        );
        let ok = format!("  sk-ant-oat01-{}  ", "x".repeat(67));
        assert_eq!(validate_setup_token(&ok).unwrap().len(), 80);
        let short = format!("sk-ant-oat01-{}", "x".repeat(66));
        assert!(validate_setup_token(&short).is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(profile_id_for("anthropic", Some("")), "anthropic:default");
        assert_eq!(
            profile_id_for("anthropic", Some(" --- ")),
            "anthropic:default"
        );
        assert_eq!(
            profile_id_for("anthropic", Some("Me@X.io")),
            "anthropic:me-x.io"
        );
        assert_eq!(
            profile_id_for("anthropic", Some("a  b__c")),
            "anthropic:a-b__c"
        );
        assert_eq!(profile_id_for("Z.AI", Some("Prod")), "zai:prod");
        assert_eq!(
            profile_id_for("anthropic", Some("Ünïcode")),
            "anthropic:n-code"
        );
    }

    #[test]
    fn durations() {
        let ms = |s: &str| parse_duration(s).unwrap().as_millis();
        assert_eq!(ms("365d"), 365 * 86_400_000);
        assert_eq!(ms("365"), 365 * 86_400_000);
        assert_eq!(ms("12h"), 12 * 3_600_000);
        assert_eq!(ms("30m"), 30 * 60_000);
        assert_eq!(ms("45s"), 45_000);
        assert_eq!(ms("500ms"), 500);
        assert_eq!(ms("2w"), 14 * 86_400_000);
        assert_eq!(ms("1.5h"), 5_400_000);
        assert_eq!(ms(" 10D "), 10 * 86_400_000);
        for bad in [
            "",
            "h",
            "-1d",
            "1y",
            "1.2.3h",
            "1 d x",
            ".5h",
            "1e3d",
            "99999999999999d",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{bad}");
        }
    }
}
