//! The C ABI (`include/claw_anthropic.h`), for C, C++ and Python (ctypes).
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

pub mod auth;
mod boundary;
pub mod cancel;
pub mod client;
pub mod config;
pub mod error;
pub mod mock;
pub mod request;
pub mod status;
pub mod strings;

pub use auth::*;
pub use cancel::*;
pub use client::*;
pub use config::*;
pub use error::*;
pub use mock::*;
pub use request::*;
pub use status::*;
pub use strings::*;
