//! The crate's one public error type.
//!
//! Every fallible function returns [`Error`]. Messages start with the wording of Clawdbot's
//! documentation ([errors](crate::compatibility#errors)) so users can search for them, and **never
//! contain a secret**.
//! Use the predicates ([`Error::is_auth`], [`Error::is_rate_limit`], …) rather than matching on
//! message text.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a request against a profile failed, as recorded in the auth store (`failureCounts`).
///
/// The string forms (`auth`, `rate_limit`, …) are the ones Clawdbot writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FailureReason {
    /// 401/403, invalid or expired key/token.
    Auth,
    /// Malformed request or response that is not the caller's fault.
    Format,
    /// 429, 529, `overloaded_error`.
    RateLimit,
    /// 402, "credit balance too low".
    Billing,
    /// 408, connect/read timeouts.
    Timeout,
    /// Anything else.
    Unknown,
}

impl FailureReason {
    /// All reasons, in a stable order.
    pub const ALL: [FailureReason; 6] = [
        FailureReason::Auth,
        FailureReason::Format,
        FailureReason::RateLimit,
        FailureReason::Billing,
        FailureReason::Timeout,
        FailureReason::Unknown,
    ];

    /// The store's string for this reason (`"rate_limit"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::Auth => "auth",
            FailureReason::Format => "format",
            FailureReason::RateLimit => "rate_limit",
            FailureReason::Billing => "billing",
            FailureReason::Timeout => "timeout",
            FailureReason::Unknown => "unknown",
        }
    }

    /// Parses the store's string form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Classifies a failed HTTP response ([failure reasons](crate::compatibility#failure-reasons)):
    /// the status first, then
    /// Anthropic's `error.type`, then the message text.
    ///
    /// `auth::usage::failure_for_response` tells whether the failure should be recorded against the
    /// profile at all (a plain 400 is the caller's fault).
    pub fn from_status(status: u16, error_type: Option<&str>, message: &str) -> Self {
        match status {
            401 | 403 => return FailureReason::Auth,
            402 => return FailureReason::Billing,
            429 | 529 => return FailureReason::RateLimit,
            408 => return FailureReason::Timeout,
            _ => {}
        }
        match error_type {
            Some("overloaded_error" | "rate_limit_error") => return FailureReason::RateLimit,
            Some("authentication_error" | "permission_error") => return FailureReason::Auth,
            Some("billing_error") => return FailureReason::Billing,
            Some("timeout_error") => return FailureReason::Timeout,
            _ => {}
        }
        Self::from_message(message)
    }

    /// Classifies by message text alone (case-insensitive): billing, then rate limit, then timeout,
    /// then auth; anything else is [`FailureReason::Unknown`].
    pub fn from_message(message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        let any = |pats: &[&str]| pats.iter().any(|p| m.contains(p));
        if any(&[
            "credit balance",
            "insufficient credits",
            "payment required",
            "plans & billing",
        ]) || (m.contains("billing")
            && (m.contains("upgrade") || m.contains("credits") || m.contains("payment")))
        {
            FailureReason::Billing
        } else if any(&[
            "rate limit",
            "rate_limit",
            "too many requests",
            "overloaded",
            "quota exceeded",
            "exceeded your current quota",
            "usage limit",
        ]) {
            FailureReason::RateLimit
        } else if any(&["timed out", "timeout", "deadline exceeded"]) {
            FailureReason::Timeout
        } else if any(&[
            "invalid api key",
            "invalid x-api-key",
            "invalid_api_key",
            "incorrect api key",
            "unauthorized",
            "expired",
            "invalid token",
            "invalid bearer token",
            "authentication",
            "revoked",
        ]) {
            FailureReason::Auth
        } else {
            FailureReason::Unknown
        }
    }

    /// Whether a failure of this kind moves on to the next model in the fallback list
    /// ([failover](crate::compatibility#failover)).
    pub fn triggers_model_fallback(self) -> bool {
        matches!(
            self,
            FailureReason::Auth
                | FailureReason::RateLimit
                | FailureReason::Billing
                | FailureReason::Timeout
        )
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDiagnostic {
    /// The file the problem is in (the including or the included file), if it came from a file.
    pub file: Option<PathBuf>,
    /// 1-based line, where the parser knows it.
    pub line: Option<usize>,
    /// 1-based column, where the parser knows it.
    pub column: Option<usize>,
    /// JSON path of the offending value, e.g. `agents.defaults.models["anthropic/x"].params.cacheControlTtl`.
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The nearest valid key, for "did you mean" hints.
    pub suggestion: Option<String>,
}

impl fmt::Display for ConfigDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}", file.display())?,
            None => f.write_str("<config>")?,
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(path) = &self.path
            && !path.is_empty()
        {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

/// A configuration that could not be loaded: one or more [`ConfigDiagnostic`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Every problem found, in document order. Never empty.
    pub diagnostics: Vec<ConfigDiagnostic>,
}

impl ConfigError {
    /// A config error with one diagnostic.
    pub fn single(d: ConfigDiagnostic) -> Self {
        ConfigError {
            diagnostics: vec![d],
        }
    }

    /// A config error with only a message (no location).
    pub fn message(file: Option<PathBuf>, message: impl Into<String>) -> Self {
        Self::single(ConfigDiagnostic {
            file,
            line: None,
            column: None,
            path: None,
            message: message.into(),
            suggestion: None,
        })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// One HTTP attempt (or one credential that could not be resolved) inside a request: a model ×
/// profile pair, and for retries on the same profile one entry per try.
///
/// Failed attempts have a [`reason`](Attempt::reason) and a [`message`](Attempt::message); the
/// attempt that succeeded has neither. [`Error::AllModelsFailed`] and
/// [`Response::failed_attempts`](crate::client::Response::failed_attempts) hold one entry per
/// failed model × profile (its last try); [`Response::attempts`](crate::client::Response::attempts)
/// holds every try, retries included, the success last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// `provider/model`.
    pub model: String,
    /// The auth profile used, if the credential came from a profile.
    pub profile_id: Option<String>,
    /// The failure's message (never a secret); `None` for the attempt that succeeded.
    pub message: Option<String>,
    /// Its classification; `None` for the attempt that succeeded.
    pub reason: Option<FailureReason>,
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// The kind of transport failure, when the attempt got no (complete) response.
    pub transport: Option<TransportKind>,
    /// How long the client waited before the next try on the same profile (SDK retry rule);
    /// `None` when it moved on (another profile or model) or stopped.
    pub retry_delay: Option<Duration>,
    /// The response's `request-id`, if a response arrived.
    pub request_id: Option<String>,
    /// From sending the request to its outcome (for a stream: its response headers), excluding
    /// the retry delay.
    pub duration: Duration,
}

impl Attempt {
    /// A failed attempt of `model` with `profile_id`, described by `err`.
    pub fn failed(
        model: impl Into<String>,
        profile_id: Option<String>,
        err: &Error,
        duration: Duration,
    ) -> Self {
        Attempt {
            model: model.into(),
            profile_id,
            message: Some(err.to_string()),
            reason: Some(err.failure_reason().unwrap_or(FailureReason::Unknown)),
            status: err.status(),
            transport: match err {
                Error::Transport { kind, .. } => Some(*kind),
                _ => None,
            },
            retry_delay: None,
            request_id: err.request_id().map(str::to_owned),
            duration,
        }
    }

    /// Whether this is the attempt that succeeded.
    pub fn succeeded(&self) -> bool {
        self.reason.is_none()
    }

    /// The attempt as JSON, in the camelCase shape of `send --json` and the C ABI:
    /// `{"profileId", "model", "status", "transport", "reason", "retryDelayMs", "requestId",
    /// "durationMs", "message"}` (absent values are `null`).
    pub fn to_json(&self) -> serde_json::Value {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        serde_json::json!({
            "profileId": self.profile_id,
            "model": self.model,
            "status": self.status,
            "transport": self.transport.map(TransportKind::as_str),
            "reason": self.reason.map(FailureReason::as_str),
            "retryDelayMs": self.retry_delay.map(ms),
            "requestId": self.request_id,
            "durationMs": ms(self.duration),
            "message": self.message,
        })
    }
}

/// An error response from the Messages API (or any HTTP error status).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Anthropic's `error.type` (`authentication_error`, `overloaded_error`, …) when the body had one.
    pub error_type: Option<String>,
    /// Anthropic's `error.message`, or a short excerpt of a non-JSON body.
    pub message: String,
    /// Response metadata (`request-id`, rate-limit headers, `retry-after`).
    pub meta: crate::response_meta::ResponseMeta,
    /// The auth profile the request was sent with, if any.
    pub profile_id: Option<String>,
    /// Whether the credential was a setup-token / OAuth token (changes the 401 advice).
    pub token_auth: bool,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            401 => {
                if self.token_auth {
                    write!(
                        f,
                        "HTTP 401: the token was rejected or has expired ({}). Setup-tokens can expire or be revoked: re-run `claude setup-token` and paste it on this host with `claw-anthropic models auth paste-token --provider anthropic`",
                        self.message
                    )?;
                } else {
                    write!(
                        f,
                        "HTTP 401: the API key was rejected ({}). Check the key in the Anthropic Console and set it again with `claw-anthropic onboard --non-interactive --auth-choice apiKey --anthropic-api-key KEY`",
                        self.message
                    )?;
                }
            }
            status => {
                write!(f, "HTTP {status}")?;
                if let Some(t) = &self.error_type {
                    write!(f, " {t}")?;
                }
                write!(f, ": {}", self.message)?;
            }
        }
        if let Some(p) = &self.profile_id {
            write!(f, " [profile {p}]")?;
        }
        if let Some(id) = self.meta.request_id() {
            write!(f, " (request-id {id})")?;
        }
        Ok(())
    }
}

/// The kind of a transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// Could not connect.
    Connect,
    /// A timeout (connect, whole request or stream idle).
    Timeout,
    /// The connection broke (reset, EOF) while sending or receiving.
    Connection,
    /// A malformed response (bad HTTP, undecodable body).
    Protocol,
    /// Anything else.
    Other,
}

impl TransportKind {
    /// A short name (`connect`, `timeout`, `connection`, `protocol`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::Connection => "connection",
            TransportKind::Protocol => "protocol",
            TransportKind::Other => "other",
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error this crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration could not be read, parsed or validated.
    #[error("{0}")]
    Config(#[from] ConfigError),

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// No credential at all for a provider ([resolution
    /// chain](crate::compatibility#resolution-chain)).
    #[error(
        "No API key found for provider \"{provider}\".{} Searched agent \"{agent_id}\" (auth store {}), the environment (ANTHROPIC_OAUTH_TOKEN, ANTHROPIC_API_KEY) and models.providers.{provider}.apiKey. Auth is per agent: new agents do not inherit the main agent's keys. Fix: `claw-anthropic onboard --agent {agent_id}` (API key) or `claw-anthropic models auth paste-token --provider {provider} --agent {agent_id}` (setup-token), then check with `claw-anthropic models status --agent {agent_id}`.",
        order_note.as_deref().map(|n| format!(" {n}")).unwrap_or_default(),
        store_path.display()
    )]
    NoApiKey {
        /// Provider id.
        provider: String,
        /// Agent whose store was searched.
        agent_id: String,
        /// The store searched.
        store_path: PathBuf,
        /// Why the store's profiles were not used when an explicit order (store `order` or
        /// config `auth.order`) names none of them.
        order_note: Option<String>,
    },

    /// An explicitly requested profile does not exist or has no usable secret.
    #[error(
        "No credentials found for profile \"{profile_id}\". Run `claw-anthropic models status --agent {agent_id}` to see which auth profiles exist and which is active; re-run onboarding or paste a setup-token / API key for that profile."
    )]
    NoCredentialsForProfile {
        /// The profile asked for.
        profile_id: String,
        /// The agent.
        agent_id: String,
    },

    /// Every profile of the provider is in cooldown or disabled.
    #[error(
        "No available auth profile for {provider} (all in cooldown/unavailable).{} Check `claw-anthropic models status --json` for auth.unusableProfiles; add another {provider} profile or wait for the cooldown.",
        soonest_available_ms.map(|t| format!(" The soonest ({}) is available again {}.", soonest_profile.as_deref().unwrap_or("?"), available_again(t))).unwrap_or_default()
    )]
    NoAvailableProfile {
        /// Provider id.
        provider: String,
        /// The profile that frees up first.
        soonest_profile: Option<String>,
        /// When it frees up (ms since the epoch).
        soonest_available_ms: Option<u64>,
    },

    /// Refreshing an OAuth profile failed.
    #[error(
        "OAuth token refresh failed for {provider}: {cause}. Re-authenticate with a setup-token: run `claude setup-token` and paste it with `claw-anthropic models auth paste-token --provider {provider}`."
    )]
    OAuthRefresh {
        /// Provider id.
        provider: String,
        /// What went wrong (never a secret).
        cause: String,
    },

    /// The auth store exists but is not a valid store; it was left untouched.
    #[error(
        "auth store {} is not valid JSON ({message}); it was not modified — fix or move it away",
        path.display()
    )]
    StoreCorrupt {
        /// The store file.
        path: PathBuf,
        /// Parser message.
        message: String,
    },

    /// The store lock could not be taken.
    #[error("could not lock {}: {message}", path.display())]
    Lock {
        /// The store file.
        path: PathBuf,
        /// Why.
        message: String,
    },

    /// A pasted setup-token is not valid; the message is exactly the reference's
    /// (`Required`, `Expected token starting with sk-ant-oat01-`, `Token looks too short; paste the full setup-token`).
    #[error("{0}")]
    InvalidSetupToken(String),

    /// A caller-supplied argument is invalid (bad agent id, duration, profile id, header value, …).
    #[error("{0}")]
    InvalidArgument(String),

    /// A Messages request failed a check before sending ([request
    /// checks](crate::compatibility#request-checks)); `path` is the JSON path.
    #[error("invalid request at {path}: {message}")]
    InvalidRequest {
        /// JSON path, e.g. `messages[3].content[0].cache_control`.
        path: String,
        /// What is wrong.
        message: String,
    },

    /// The API answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// Network or protocol failure before or while reading a response.
    #[error("{message}")]
    Transport {
        /// What kind.
        kind: TransportKind,
        /// Description (never a secret).
        message: String,
        /// Response metadata, if a response had started.
        meta: Option<Box<crate::response_meta::ResponseMeta>>,
    },

    /// A stream failed after its first byte (never retried). `partial` holds what arrived.
    #[error("stream failed after it started: {message}")]
    Stream {
        /// Classification of the failure.
        reason: FailureReason,
        /// `error.type` of an SSE `error` event, if that was the cause.
        error_type: Option<String>,
        /// Description.
        message: String,
        /// The message accumulated so far (text received before the failure).
        partial: Option<Box<crate::request::messages::Message>>,
    },

    /// Every model (and every profile) failed; the attempts in order.
    #[error("All models failed ({}): {}", attempts.len(), format_attempts(attempts))]
    AllModelsFailed {
        /// Every attempt.
        attempts: Vec<Attempt>,
    },

    /// The call was cancelled.
    #[error("cancelled")]
    Cancelled,

    /// A bug in this crate surfaced as an error (e.g. a background task panicked); the message
    /// says what failed.
    #[error("internal error: {0}")]
    Internal(String),
}

fn format_attempts(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| {
            format!(
                "{}: {} ({})",
                a.model,
                a.message.as_deref().unwrap_or("succeeded"),
                a.reason.map_or("none", FailureReason::as_str)
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// When a cooldown ends, for a message: relative to the real clock at the time the message is
/// written, and on the clock (`in 4m 12s, at 18:45:42 UTC`).
fn available_again(at_ms: u64) -> String {
    use crate::clock::Clock;
    crate::clock::describe_instant(at_ms, crate::clock::SystemClock.now_ms())
}

/// The stable category of an [`Error`]: what a binding (the C ABI's result codes) maps.
///
/// Unlike [`Error`], this enum is deliberately **not** `#[non_exhaustive]`: [`Error::category`]
/// matches every `Error` variant without a wildcard, so a new variant does not compile until it
/// is given a category, and a binding matches every category without a wildcard, so a new
/// category does not compile until the binding maps it. Adding a category is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// [`Error::Config`].
    Config,
    /// [`Error::Io`].
    Io,
    /// [`Error::NoApiKey`].
    NoApiKey,
    /// [`Error::NoCredentialsForProfile`].
    NoCredentialsForProfile,
    /// [`Error::NoAvailableProfile`].
    NoAvailableProfile,
    /// [`Error::OAuthRefresh`].
    OAuthRefresh,
    /// [`Error::StoreCorrupt`].
    StoreCorrupt,
    /// [`Error::Lock`].
    Lock,
    /// [`Error::InvalidSetupToken`].
    InvalidSetupToken,
    /// [`Error::InvalidArgument`].
    InvalidArgument,
    /// [`Error::InvalidRequest`].
    InvalidRequest,
    /// A request failure classified as [`FailureReason::Auth`] (401/403, refused token).
    AuthRejected,
    /// A request failure classified as [`FailureReason::RateLimit`] (429, 529, overloaded).
    RateLimited,
    /// A request failure classified as [`FailureReason::Billing`] (402, credit balance).
    Billing,
    /// A request failure classified as [`FailureReason::Timeout`].
    Timeout,
    /// Any other [`Error::Api`].
    Api,
    /// Any other [`Error::Transport`].
    Network,
    /// Any other [`Error::Stream`].
    Stream,
    /// Any other [`Error::AllModelsFailed`].
    AllModelsFailed,
    /// [`Error::Cancelled`].
    Cancelled,
    /// [`Error::Internal`].
    Internal,
}

impl Error {
    /// The error's [`ErrorCategory`]. Request failures (API, transport, stream, all models
    /// failed) are categorised by their [`FailureReason`] first (auth, rate limit, billing,
    /// timeout), then by variant.
    pub fn category(&self) -> ErrorCategory {
        use ErrorCategory as C;
        let request_failure = |other: ErrorCategory| match self.failure_reason() {
            Some(FailureReason::Auth) => C::AuthRejected,
            Some(FailureReason::RateLimit) => C::RateLimited,
            Some(FailureReason::Billing) => C::Billing,
            Some(FailureReason::Timeout) => C::Timeout,
            _ => other,
        };
        // No wildcard: a new variant must be given a category here.
        match self {
            Error::Config(_) => C::Config,
            Error::Io { .. } => C::Io,
            Error::NoApiKey { .. } => C::NoApiKey,
            Error::NoCredentialsForProfile { .. } => C::NoCredentialsForProfile,
            Error::NoAvailableProfile { .. } => C::NoAvailableProfile,
            Error::OAuthRefresh { .. } => C::OAuthRefresh,
            Error::StoreCorrupt { .. } => C::StoreCorrupt,
            Error::Lock { .. } => C::Lock,
            Error::InvalidSetupToken(_) => C::InvalidSetupToken,
            Error::InvalidArgument(_) => C::InvalidArgument,
            Error::InvalidRequest { .. } => C::InvalidRequest,
            Error::Api(_) => request_failure(C::Api),
            Error::Transport { .. } => request_failure(C::Network),
            Error::Stream { .. } => request_failure(C::Stream),
            Error::AllModelsFailed { .. } => request_failure(C::AllModelsFailed),
            Error::Cancelled => C::Cancelled,
            Error::Internal(_) => C::Internal,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The failure classification of this error ([failure
    /// reasons](crate::compatibility#failure-reasons)), if it is a request failure.
    pub fn failure_reason(&self) -> Option<FailureReason> {
        match self {
            Error::Api(e) => Some(FailureReason::from_status(
                e.status,
                e.error_type.as_deref(),
                &e.message,
            )),
            Error::Transport { kind, .. } => Some(match kind {
                TransportKind::Timeout => FailureReason::Timeout,
                _ => FailureReason::Unknown,
            }),
            Error::Stream { reason, .. } => Some(*reason),
            Error::AllModelsFailed { attempts } => attempts.last().and_then(|a| a.reason),
            Error::OAuthRefresh { .. } => Some(FailureReason::Auth),
            _ => None,
        }
    }

    /// The credential was rejected (401/403) or could not be refreshed.
    pub fn is_auth(&self) -> bool {
        self.failure_reason() == Some(FailureReason::Auth)
    }
    /// Rate limited or overloaded (429, 529).
    pub fn is_rate_limit(&self) -> bool {
        self.failure_reason() == Some(FailureReason::RateLimit)
    }
    /// Billing problem (402, credit balance).
    pub fn is_billing(&self) -> bool {
        self.failure_reason() == Some(FailureReason::Billing)
    }
    /// A timeout.
    pub fn is_timeout(&self) -> bool {
        self.failure_reason() == Some(FailureReason::Timeout)
    }
    /// No credential could be found or none is usable.
    pub fn is_no_credentials(&self) -> bool {
        matches!(
            self,
            Error::NoApiKey { .. }
                | Error::NoCredentialsForProfile { .. }
                | Error::NoAvailableProfile { .. }
        )
    }
    /// A configuration error.
    pub fn is_config(&self) -> bool {
        matches!(self, Error::Config(_))
    }

    /// HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// `request-id` of the response this error came from, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.meta.request_id(),
            Error::Transport { meta: Some(m), .. } => m.request_id(),
            _ => None,
        }
    }

    /// The last attempt of [`Error::AllModelsFailed`] (its HTTP details stand for the error's).
    fn last_attempt(&self) -> Option<&Attempt> {
        match self {
            Error::AllModelsFailed { attempts } => attempts.last(),
            _ => None,
        }
    }

    /// The HTTP status of the last answer: [`status`](Self::status), or for
    /// [`Error::AllModelsFailed`] the last attempt's (what the C API and `send --json` report).
    pub fn last_status(&self) -> Option<u16> {
        self.status().or_else(|| self.last_attempt()?.status)
    }

    /// The `request-id` of the last answer: [`request_id`](Self::request_id), or for
    /// [`Error::AllModelsFailed`] the last attempt's.
    pub fn last_request_id(&self) -> Option<&str> {
        self.request_id()
            .or_else(|| self.last_attempt()?.request_id.as_deref())
    }

    /// The metadata of the response this error came from, if any.
    pub fn response_meta(&self) -> Option<&crate::response_meta::ResponseMeta> {
        match self {
            Error::Api(e) => Some(&e.meta),
            Error::Transport { meta: Some(m), .. } => Some(m),
            _ => None,
        }
    }

    /// The server's `retry-after` hint, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.meta.retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooldown_end_reads_as_a_time() {
        // 2100-01-01 00:00:00 UTC: never today, so the date is part of it.
        let e = Error::NoAvailableProfile {
            provider: "anthropic".into(),
            soonest_profile: Some("anthropic:x".into()),
            soonest_available_ms: Some(4_102_444_800_000),
        };
        let m = e.to_string();
        assert!(
            m.contains("The soonest (anthropic:x) is available again in "),
            "{m}"
        );
        assert!(m.contains(", at 2100-01-01 00:00:00 UTC."), "{m}");
        assert!(!m.contains("epoch"), "{m}");
    }
}
