//! `claw_cancel`: a handle that aborts an in-flight send or stream from another thread.

use super::boundary::guard_value;
use tokio::sync::watch;

/// A cancellation flag. Pass it to `claw_client_send_cancellable` /
/// `claw_client_stream_cancellable`; calling `claw_cancel_cancel` from any thread makes those calls
/// return `CLAW_ERR_CANCELLED` promptly (the HTTP request is dropped).
///
/// Thread-safe: any number of threads may use one handle at once. Once cancelled it stays
/// cancelled (a call started with it returns `CLAW_ERR_CANCELLED` at once) until
/// `claw_cancel_reset`. Free it with `claw_cancel_free` after every call using it has returned.
pub struct claw_cancel {
    tx: watch::Sender<bool>,
}

impl claw_cancel {
    /// Completes when the handle is cancelled (immediately if it already is).
    pub(crate) async fn cancelled(&self) {
        let mut rx = self.tx.subscribe();
        // `wait_for` only fails when the sender is dropped, which cannot happen while `self` lives.
        let _ = rx.wait_for(|c| *c).await;
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        *self.tx.borrow()
    }
}

/// Creates a cancel handle (not cancelled). Free it with `claw_cancel_free`. Never returns NULL
/// (allocation failure aborts, as everywhere in this library).
#[unsafe(no_mangle)]
pub extern "C" fn claw_cancel_new() -> *mut claw_cancel {
    Box::into_raw(Box::new(claw_cancel {
        tx: watch::Sender::new(false),
    }))
}

/// Cancels: calls using this handle return `CLAW_ERR_CANCELLED`. Safe to call from any thread,
/// repeatedly; NULL is ignored.
///
/// # Safety
/// `cancel` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_cancel_cancel(cancel: *const claw_cancel) {
    // SAFETY: the caller's contract.
    if let Some(c) = unsafe { cancel.as_ref() } {
        guard_value((), || {
            c.tx.send_replace(true);
        });
    }
}

/// Whether the handle has been cancelled (false for NULL).
///
/// # Safety
/// `cancel` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_cancel_is_cancelled(cancel: *const claw_cancel) -> bool {
    // SAFETY: the caller's contract.
    unsafe { cancel.as_ref() }.is_some_and(|c| guard_value(false, || c.is_cancelled()))
}

/// Clears the cancelled state so the handle can be reused for a new call. NULL is ignored.
///
/// # Safety
/// `cancel` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_cancel_reset(cancel: *const claw_cancel) {
    // SAFETY: the caller's contract.
    if let Some(c) = unsafe { cancel.as_ref() } {
        guard_value((), || {
            c.tx.send_replace(false);
        });
    }
}

/// Frees a cancel handle. `claw_cancel_free(NULL)` does nothing.
///
/// # Safety
/// `cancel` is NULL or a live handle that no call is using any more.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_cancel_free(cancel: *mut claw_cancel) {
    if !cancel.is_null() {
        // SAFETY: the caller hands back ownership of a `Box::into_raw` pointer.
        guard_value((), || drop(unsafe { Box::from_raw(cancel) }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_wakes_a_waiter_on_another_thread() {
        let c = claw_cancel_new();
        let addr = c as usize;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            // SAFETY: the handle outlives this thread (joined below).
            unsafe { claw_cancel_cancel(addr as *const claw_cancel) };
        });
        // SAFETY: `c` is live until freed at the end.
        unsafe {
            rt.block_on((*c).cancelled());
            assert!(claw_cancel_is_cancelled(c));
            t.join().unwrap();
            // Already cancelled: completes immediately.
            rt.block_on((*c).cancelled());
            claw_cancel_reset(c);
            assert!(!claw_cancel_is_cancelled(c));
            claw_cancel_free(c);
            claw_cancel_free(std::ptr::null_mut());
            claw_cancel_cancel(std::ptr::null());
        }
    }
}
