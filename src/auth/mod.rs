//! Auth profiles ([auth profile store](crate::compatibility#auth-profile-store),
//! [credentials](crate::compatibility#credentials)): the per-agent store, its lock, profile order,
//! credential
//! resolution, cooldown bookkeeping, setup-tokens and OAuth refresh.
//!
//! The entry point is [`AgentAuth`], one agent's view of its auth store:
//!
//! ```
//! # fn main() -> claw_anthropic::Result<()> {
//! use std::sync::Arc;
//! use claw_anthropic::{AgentId, Config, EnvView, FailureReason, Paths};
//! use claw_anthropic::auth::{AgentAuth, setup_token};
//! let home = tempfile::tempdir().unwrap();
//! let paths = Paths::with_state_dir(home.path().join(".clawdbot"));
//! let config = Arc::new(Config::from_json5_with("{}", paths, EnvView::empty())?);
//! let auth = AgentAuth::new(config, AgentId::main());
//! let id = setup_token::upsert_api_key_profile(&auth, "sk-ant-api03-example-key", None)?;
//! assert_eq!(id, "anthropic:default");
//! let chosen = auth.resolve("anthropic", None, None)?;
//! assert_eq!(chosen.profile_id.as_deref(), Some("anthropic:default"));
//! auth.mark_failure(&id, FailureReason::RateLimit)?; // 1 minute cooldown
//! assert!(auth.resolve("anthropic", None, None).unwrap_err().is_no_credentials());
//! # Ok(()) }
//! ```

pub mod agent;
mod config_edit;
pub mod credential;
mod lock;
pub mod oauth;
pub mod order;
pub mod resolve;
pub mod setup_token;
pub mod shared;
pub mod store;
mod strict_json;
pub mod usage;

pub use agent::AgentAuth;
pub use config_edit::{ConfigEdit, record_profile_in_config};
pub use credential::{Credential, CredentialKind, mask};
pub use lock::LockOptions;
pub use order::{is_usable_now, resolve_profile_order, unusable_until};
pub use resolve::{CredentialSource, ResolvedAuth};
pub use store::{AuthStore, FileStore, StoreBackend, StoredProfile, UsageStats};
