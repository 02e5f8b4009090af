//! Auth profiles (SPEC §3–4): the per-agent store, its lock, profile order, credential
//! resolution, cooldown bookkeeping, setup-tokens and OAuth refresh.

pub mod credential;
pub mod usage;

pub use credential::{Credential, CredentialKind, mask};
