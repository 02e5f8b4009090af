//! Tests that call the C ABI's `extern "C"` functions from Rust (unit tests: the crate builds no
//! Rust library for integration tests to link).

#[cfg(feature = "mock")]
mod failures;
#[cfg(feature = "mock")]
mod hostile;
#[cfg(feature = "mock")]
mod requests;
#[cfg(feature = "mock")]
mod response;
#[cfg(feature = "mock")]
mod results;
