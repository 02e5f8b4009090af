//! The library version and strings returned to C.

use super::boundary::guard_value;
use std::ffi::{CString, c_char};

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version (`"0.1.0"`), a static NUL-terminated string: never free it.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn claw_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

/// Frees a string this library returned through a `char **out_…` argument.
/// `claw_string_free(NULL)` does nothing. Never pass a string from anywhere else (nor the
/// borrowed strings of `claw_version`, `claw_error_message`, `claw_mock_server_url`).
///
/// # Safety
/// `s` is NULL or a string from this library's `char **` outputs that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: the caller returns ownership of a `CString::into_raw` pointer.
        guard_value((), || drop(unsafe { CString::from_raw(s) }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: the version is a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(claw_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn string_free_accepts_null_and_owned() {
        let s = super::super::boundary::to_c_string("x".into()).unwrap();
        // SAFETY: `s` came from `to_c_string`; NULL is allowed.
        unsafe {
            claw_string_free(s);
            claw_string_free(std::ptr::null_mut());
        }
    }
}
