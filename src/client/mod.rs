//! Sending requests: retries, streaming, failover (SPEC §6).

pub mod rate_limit;
pub mod retry;
pub mod sse;
pub mod stream;
