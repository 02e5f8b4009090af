//! Credentials: API keys, setup-tokens and OAuth tokens, kept as [`SecretString`].

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// How a credential is sent ([credential kinds](crate::compatibility#credential-kinds)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// `x-api-key: <key>`.
    ApiKey,
    /// `Authorization: Bearer <token>` + beta `oauth-2025-04-20` (setup-tokens).
    Token,
    /// `Authorization: Bearer <access>` + beta `oauth-2025-04-20` (refreshable OAuth).
    OAuth,
}

impl CredentialKind {
    /// Whether the credential goes in `Authorization: Bearer`.
    pub fn is_bearer(self) -> bool {
        !matches!(self, CredentialKind::ApiKey)
    }
    /// The store's `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "api_key",
            CredentialKind::Token => "token",
            CredentialKind::OAuth => "oauth",
        }
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored credential, as in `auth-profiles.json` (`type` = `api_key` | `token` | `oauth`).
#[derive(Clone)]
#[non_exhaustive]
pub enum Credential {
    /// `{type:"api_key", provider, key, email?}`.
    ApiKey {
        /// Provider id.
        provider: String,
        /// The key.
        key: SecretString,
        /// Account e-mail.
        email: Option<String>,
    },
    /// `{type:"token", provider, token, expires?, email?}` — a Claude setup-token.
    Token {
        /// Provider id.
        provider: String,
        /// The token.
        token: SecretString,
        /// Expiry in ms since the epoch (absent = never).
        expires: Option<u64>,
        /// Account e-mail.
        email: Option<String>,
    },
    /// `{type:"oauth", provider, access, refresh, expires, email?, clientId?}`.
    OAuth {
        /// Provider id.
        provider: String,
        /// Access token.
        access: Option<SecretString>,
        /// Refresh token.
        refresh: Option<SecretString>,
        /// Access-token expiry in ms since the epoch.
        expires: Option<u64>,
        /// Account e-mail.
        email: Option<String>,
        /// OAuth client id used to obtain it.
        client_id: Option<String>,
    },
}

impl Credential {
    /// The provider id.
    pub fn provider(&self) -> &str {
        match self {
            Credential::ApiKey { provider, .. }
            | Credential::Token { provider, .. }
            | Credential::OAuth { provider, .. } => provider,
        }
    }
    /// The kind (header form).
    pub fn kind(&self) -> CredentialKind {
        match self {
            Credential::ApiKey { .. } => CredentialKind::ApiKey,
            Credential::Token { .. } => CredentialKind::Token,
            Credential::OAuth { .. } => CredentialKind::OAuth,
        }
    }
    /// The secret that would be sent (key, token, or OAuth access token).
    pub fn secret(&self) -> Option<&SecretString> {
        match self {
            Credential::ApiKey { key, .. } => Some(key),
            Credential::Token { token, .. } => Some(token),
            Credential::OAuth { access, .. } => access.as_ref(),
        }
    }
    /// Expiry (tokens and OAuth).
    pub fn expires(&self) -> Option<u64> {
        match self {
            Credential::ApiKey { .. } => None,
            Credential::Token { expires, .. } | Credential::OAuth { expires, .. } => *expires,
        }
    }
    /// Account e-mail.
    pub fn email(&self) -> Option<&str> {
        match self {
            Credential::ApiKey { email, .. }
            | Credential::Token { email, .. }
            | Credential::OAuth { email, .. } => email.as_deref(),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credential");
        d.field("type", &self.kind().as_str())
            .field("provider", &self.provider());
        if let Some(s) = self.secret() {
            d.field("secret", &mask(s.expose_secret()));
        }
        if let Some(e) = self.expires() {
            d.field("expires", &e);
        }
        d.finish_non_exhaustive()
    }
}

pub use crate::redact::mask;

/// Whether a stored secret could never be sent: once trimmed it still holds whitespace or a
/// control character (a CR/LF would split the HTTP header it is sent in).
pub fn secret_is_unsendable(secret: &str) -> bool {
    let s = secret.trim();
    // Profile order asks this of every stored secret on every request: a branch-free pass over
    // the bytes settles the usual case (printable ASCII only) before any UTF-8 decoding.
    let outside_printable_ascii = s
        .bytes()
        .fold(false, |any, b| any | !(0x21..=0x7e).contains(&b));
    outside_printable_ascii && s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition the byte pass must agree with.
    fn unsendable_by_chars(secret: &str) -> bool {
        secret
            .trim()
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    }

    #[test]
    fn unsendable_secrets() {
        for ok in [
            "sk-ant-api03-abc_DEF-123",
            "  sk-ant-api03-trimmed\n",
            "sk-ant-api03-é-non-ascii",
            "",
        ] {
            assert!(!secret_is_unsendable(ok), "{ok:?}");
        }
        for bad in [
            "sk-ant api03",
            "sk-ant-api03-abc\r\nX-Evil: 1",
            "sk\tant",
            "sk\0ant",
            "sk\u{7f}ant",
            "sk\u{a0}ant",
            "sk\u{2028}ant",
            "sk\u{85}ant",
        ] {
            assert!(secret_is_unsendable(bad), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn unsendable_agrees_with_the_char_definition(s in "\\PC{0,40}|[ -~\\t\\r\\n\\u{80}-\\u{3000}]{0,40}") {
            prop_assert_eq!(secret_is_unsendable(&s), unsendable_by_chars(&s));
        }
    }

    #[test]
    fn debug_is_masked() {
        let c = Credential::ApiKey {
            provider: "anthropic".into(),
            key: SecretString::from("sk-ant-api03-SECRETSECRETSECRETSECRET-tail1234"),
            email: None,
        };
        let s = format!("{c:?}");
        assert!(!s.contains("SECRETSECRET"), "{s}");
        assert!(s.contains("api_key"));
    }
}
