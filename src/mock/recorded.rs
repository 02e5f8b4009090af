//! What the server records of each request (credentials masked in `Debug`).

use super::*;

/// One request the server received.
#[derive(Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query (`/v1/messages`).
    pub path: String,
    /// The raw query string (without `?`), if any.
    pub query: Option<String>,
    /// Header (lower-cased name, value) pairs in the order received.
    pub headers: Vec<(String, String)>,
    /// The body bytes (chunked bodies decoded).
    pub body: Bytes,
    /// The body parsed as JSON, if it is JSON.
    pub json: Option<Value>,
}

impl RecordedRequest {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The credential sent (`x-api-key`, else the `Authorization: Bearer` token).
    pub fn credential(&self) -> Option<&str> {
        credential_of(&self.headers)
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials are masked even here: Debug output ends up in test logs.
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let v = match n.as_str() {
                    "x-api-key" => crate::redact::mask(v),
                    "authorization" => match v.strip_prefix("Bearer ") {
                        Some(t) => format!("Bearer {}", crate::redact::mask(t)),
                        None => crate::redact::mask(v),
                    },
                    _ => v.clone(),
                };
                (n.as_str(), v)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

pub(super) fn credential_of(headers: &[(String, String)]) -> Option<&str> {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    get("x-api-key").or_else(|| {
        get("authorization").and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    })
}
