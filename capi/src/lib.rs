//! `libclaw_anthropic`: the C ABI of [claw-anthropic](https://crates.io/crates/claw-anthropic)
//! (`include/claw_anthropic.h`), for C, C++ and Python (ctypes).
//!
//! This crate builds the shared and static C libraries (`libclaw_anthropic.so` / `.a`); Rust
//! programs use the `claw-anthropic` crate directly. `make install PREFIX=…` at the repository root
//! installs the libraries, the header and a pkg-config file.
//!
//! Conventions (the header's preamble repeats them for C readers):
//!
//! * Every name starts with `claw_`; functions are `claw_<type>_<verb>(object, inputs…, outputs…)`.
//! * Fallible functions return a [`claw_result`]: `CLAW_OK` (0) or an error code
//!   (`CLAW_ERR_*`, grouped by area, never renumbered). On failure a `claw_error*` is written to the
//!   `err` out-argument when it is not NULL; its code equals the returned value. Outputs are written
//!   **only on success**; on failure they are left untouched.
//! * Strings in are NUL-terminated UTF-8 and checked (`CLAW_ERR_INVALID_UTF8`); strings out are owned
//!   by the caller and freed with `claw_string_free`. Structured data crosses as JSON text.
//! * Every owned type has a `_free` function; `_free(NULL)` does nothing.
//! * No panic crosses the boundary: each body runs under a guard that turns a panic into
//!   `CLAW_ERR_PANIC`.
//! * Thread safety: `claw_config`, `claw_client` and `claw_cancel` may be used from several threads at
//!   once; a `claw_error` or an output string belongs to the caller that received it. No function
//!   keeps a thread-local "last error".
#![allow(non_camel_case_types)]
#![deny(missing_docs)]

/// The major version of the header (the library's is in `claw_version()`, "MAJOR.MINOR.PATCH").
/// A program can compare the two to detect a header/library mismatch.
pub const CLAW_ANTHROPIC_VERSION_MAJOR: u32 = 0;
/// The minor version of the header.
pub const CLAW_ANTHROPIC_VERSION_MINOR: u32 = 1;
/// The patch version of the header.
pub const CLAW_ANTHROPIC_VERSION_PATCH: u32 = 0;

/// Parses a decimal version component at compile time (the header's macros must be literals,
/// so the constants above are written out and checked here against the package version).
const fn parse_component(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut value = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        assert!(
            bytes[i].is_ascii_digit(),
            "version component is not a number"
        );
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

const _: () = {
    assert!(
        CLAW_ANTHROPIC_VERSION_MAJOR == parse_component(env!("CARGO_PKG_VERSION_MAJOR")),
        "CLAW_ANTHROPIC_VERSION_MAJOR differs from the package version"
    );
    assert!(
        CLAW_ANTHROPIC_VERSION_MINOR == parse_component(env!("CARGO_PKG_VERSION_MINOR")),
        "CLAW_ANTHROPIC_VERSION_MINOR differs from the package version"
    );
    assert!(
        CLAW_ANTHROPIC_VERSION_PATCH == parse_component(env!("CARGO_PKG_VERSION_PATCH")),
        "CLAW_ANTHROPIC_VERSION_PATCH differs from the package version"
    );
};

pub mod auth;
mod boundary;
pub mod cancel;
pub mod client;
pub mod config;
pub mod error;
pub mod log;
pub mod mock;
pub mod request;
pub mod status;
pub mod strings;
#[cfg(test)]
mod tests;

pub use auth::*;
pub use cancel::*;
pub use client::*;
pub use config::*;
pub use error::*;
pub use log::*;
pub use mock::*;
pub use request::*;
pub use status::*;
pub use strings::*;
