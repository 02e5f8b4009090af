//! Typed Messages API bodies and responses.
//!
//! PROVISIONAL: replaced by the full typed API.

use serde::{Deserialize, Serialize};

/// A Messages API response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `msg_…`.
    #[serde(default)]
    pub id: String,
    /// Model id.
    #[serde(default)]
    pub model: String,
    /// Content blocks (untyped for now).
    #[serde(default)]
    pub content: Vec<serde_json::Value>,
}
