//! The boundary: the panic guard every exported body runs under, and checked conversions of
//! arguments coming from C.

use super::error::{
    CLAW_ERR_INTERNAL, CLAW_ERR_INVALID_UTF8, CLAW_ERR_PANIC, CLAW_OK, FfiError, claw_error,
    claw_result,
};
use std::any::Any;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `body` so that no panic unwinds into C, and reports its outcome as a [`claw_result`].
///
/// On `Err` (or a caught panic → `CLAW_ERR_PANIC`) a `claw_error` is written to `*err` when `err`
/// is not NULL. On `Ok` nothing is written to `err`; `body` writes its own outputs as its last step.
///
/// # Safety
/// `err` is NULL or valid for writing one pointer.
pub(crate) unsafe fn guard<F>(err: *mut *mut claw_error, body: F) -> claw_result
where
    F: FnOnce() -> Result<(), FfiError>,
{
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| Err(panic_error(p)));
    match outcome {
        Ok(()) => CLAW_OK,
        Err(e) => {
            let code = e.code;
            if !err.is_null() {
                // Building the error allocates; a panic here (out of memory aborts anyway) must
                // not escape either.
                if let Ok(raw) = catch_unwind(AssertUnwindSafe(|| e.into_raw())) {
                    // SAFETY: the caller guarantees `err` is valid for writes.
                    unsafe { err.write(raw) };
                }
            }
            code
        }
    }
}

/// Runs an infallible body (a getter or a `_free`) under the panic guard, returning `fallback`
/// if it panicked.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_error(payload: Box<dyn Any + Send>) -> FfiError {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_owned());
    FfiError::new(
        CLAW_ERR_PANIC,
        format!(
            "internal error: a panic was caught at the C boundary (please report this bug): {text}"
        ),
    )
}

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid for `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if p.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        // Never echo the bytes: the argument may be a secret.
        FfiError::new(
            CLAW_ERR_INVALID_UTF8,
            format!(
                "argument `{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// An optional string argument: NULL → `None`.
///
/// # Safety
/// As [`arg_str`].
pub(crate) unsafe fn arg_opt_str<'a>(
    p: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, FfiError> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { arg_str(p, name) }.map(Some)
    }
}

/// A required reference to a library object.
///
/// # Safety
/// `p` is NULL or points to a live `T` that stays valid for `'a`.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T, FfiError> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or_else(|| FfiError::null(name))
}

/// Checks that an out-pointer is not NULL (done before any work, so outputs are written only on
/// success).
pub(crate) fn check_out<T>(p: *mut T, name: &str) -> Result<(), FfiError> {
    if p.is_null() {
        Err(FfiError::null(name))
    } else {
        Ok(())
    }
}

/// Turns a Rust string into an owned C string for `claw_string_free`.
pub(crate) fn to_c_string(s: String) -> Result<*mut c_char, FfiError> {
    CString::new(s).map(CString::into_raw).map_err(|_| {
        FfiError::new(
            CLAW_ERR_INTERNAL,
            "internal error: output string contains a NUL byte",
        )
    })
}

/// Writes `value` to the out-pointer `out` (checked non-NULL beforehand with [`check_out`]).
///
/// # Safety
/// `out` is valid for writing one `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    // SAFETY: the caller's contract.
    unsafe { out.write(value) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{
        CLAW_ERR_NULL_ARGUMENT, claw_error_code, claw_error_free, claw_error_message,
    };
    use std::ptr;

    #[test]
    fn panic_becomes_code_and_message() {
        let mut err: *mut claw_error = ptr::null_mut();
        // SAFETY: `err` is a valid out-pointer.
        let rc = unsafe { guard(&mut err, || panic!("boom {}", 42)) };
        assert_eq!(rc, CLAW_ERR_PANIC);
        assert!(!err.is_null());
        // SAFETY: `err` was just written by `guard`.
        unsafe {
            assert_eq!(claw_error_code(err), CLAW_ERR_PANIC);
            let m = CStr::from_ptr(claw_error_message(err)).to_str().unwrap();
            assert!(m.contains("boom 42"), "{m}");
            claw_error_free(err);
        }
        // A NULL err is fine too.
        // SAFETY: NULL is allowed.
        let rc = unsafe { guard(ptr::null_mut(), || panic!("quiet")) };
        assert_eq!(rc, CLAW_ERR_PANIC);
    }

    #[test]
    fn success_leaves_err_untouched() {
        let mut err: *mut claw_error = ptr::null_mut();
        // SAFETY: `err` is a valid out-pointer.
        let rc = unsafe { guard(&mut err, || Ok(())) };
        assert_eq!(rc, CLAW_OK);
        assert!(err.is_null());
    }

    #[test]
    fn strings_are_checked() {
        // SAFETY: the pointers are NULL or NUL-terminated literals.
        unsafe {
            assert_eq!(
                arg_str(ptr::null(), "x").unwrap_err().code,
                CLAW_ERR_NULL_ARGUMENT
            );
            let bad = b"ab\xffcd\0";
            let e = arg_str(bad.as_ptr().cast(), "key").unwrap_err();
            assert_eq!(e.code, CLAW_ERR_INVALID_UTF8);
            assert!(e.message.contains("offset 2"));
            assert!(!e.message.contains("ab"));
            assert_eq!(arg_str(c"héllo".as_ptr(), "x").unwrap(), "héllo");
            assert_eq!(arg_opt_str(ptr::null(), "x").unwrap(), None);
        }
    }
}
