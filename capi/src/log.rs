//! `claw_set_log_callback`: the library's log events (retries, failed attempts, store problems, …)
//! forwarded to a C callback as JSON.
//!
//! A small `tracing` subscriber is installed as the process's global default the first time a
//! callback is set; it forwards events (not spans) at or above the chosen level. Until then, and
//! while no callback is set, the library's events cost one atomic load of the maximum level.

use std::ffi::{CString, c_char, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Once, RwLock};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// No events.
pub const CLAW_LOG_OFF: u32 = 0;
/// Errors only.
pub const CLAW_LOG_ERROR: u32 = 1;
/// Warnings and errors (what the CLI shows by default).
pub const CLAW_LOG_WARN: u32 = 2;
/// Informational events too (e.g. each failed attempt).
pub const CLAW_LOG_INFO: u32 = 3;
/// Debug events too (e.g. each retry with its delay).
pub const CLAW_LOG_DEBUG: u32 = 4;
/// Everything, including the HTTP stack's trace events.
pub const CLAW_LOG_TRACE: u32 = 5;

/// Receives one log event. `level` is a `CLAW_LOG_*` value (`CLAW_LOG_ERROR` … `CLAW_LOG_TRACE`);
/// `event_json` is `{"level": "WARN", "target": "claw_anthropic::client", "message": "…",
/// "fields": {…}}` (never a secret), valid only during the call.
pub type claw_log_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, level: u32, event_json: *const c_char)>;

struct Sink {
    cb: unsafe extern "C" fn(*mut c_void, u32, *const c_char),
    userdata: usize,
    level: LevelFilter,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static INSTALL: Once = Once::new();

fn level_filter(level: u32) -> LevelFilter {
    match level {
        CLAW_LOG_OFF => LevelFilter::OFF,
        CLAW_LOG_ERROR => LevelFilter::ERROR,
        CLAW_LOG_WARN => LevelFilter::WARN,
        CLAW_LOG_INFO => LevelFilter::INFO,
        CLAW_LOG_DEBUG => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

fn level_number(level: &Level) -> u32 {
    match *level {
        Level::ERROR => CLAW_LOG_ERROR,
        Level::WARN => CLAW_LOG_WARN,
        Level::INFO => CLAW_LOG_INFO,
        Level::DEBUG => CLAW_LOG_DEBUG,
        Level::TRACE => CLAW_LOG_TRACE,
    }
}

fn current_filter() -> LevelFilter {
    SINK.read()
        .ok()
        .and_then(|s| s.as_ref().map(|s| s.level))
        .unwrap_or(LevelFilter::OFF)
}

/// The global subscriber: events to the callback, spans ignored.
struct Forwarder {
    next_id: AtomicU64,
}

impl Subscriber for Forwarder {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // The level can change at any time: ask `enabled` each time (it is one read-lock).
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && *metadata.level() <= current_filter()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(current_filter())
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed).max(1))
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Ok(sink) = SINK.read() else { return };
        let Some(sink) = sink.as_ref() else { return };
        let meta = event.metadata();
        if *meta.level() > sink.level {
            return;
        }
        let mut fields = JsonFields::default();
        event.record(&mut fields);
        let json = serde_json::json!({
            "level": meta.level().as_str(),
            "target": meta.target(),
            "message": fields.message.unwrap_or_default(),
            "fields": serde_json::Value::Object(fields.fields),
        });
        let Ok(text) = CString::new(json.to_string()) else {
            return;
        };
        // SAFETY: the host vouched for `cb` and `userdata` in `claw_set_log_callback`; the read
        // lock keeps them registered for the duration of the call.
        unsafe {
            (sink.cb)(
                sink.userdata as *mut c_void,
                level_number(meta.level()),
                text.as_ptr(),
            )
        };
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[derive(Default)]
struct JsonFields {
    message: Option<String>,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl JsonFields {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                serde_json::Value::String(s) => s,
                v => v.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
}

/// Sends the library's log events at `level` or more severe (`CLAW_LOG_ERROR` …
/// `CLAW_LOG_TRACE`; `CLAW_LOG_OFF` or a NULL `cb` turns forwarding off; a level above
/// `CLAW_LOG_TRACE` counts as `CLAW_LOG_TRACE`) to `cb(userdata, level, event_json)`.
/// Replaces any callback set before.
///
/// Thread rules: `cb` is called on whichever thread emits the event — the thread inside a
/// `claw_*` call or one of a client's runtime threads — and may be called from several threads at
/// once, so it must be thread-safe. It must not call `claw_set_log_callback` (that deadlocks) and
/// should return quickly (it runs inside the request). When `claw_set_log_callback` returns, no
/// call of the previous callback is running or will start: `userdata` may then be freed.
///
/// The first call installs the library's event forwarder as the process-wide `tracing`
/// subscriber (a process has one; Rust code linked into the same process that installed its own
/// keeps it, and then this function forwards nothing).
///
/// # Safety
/// `cb` is NULL or a function safe to call with `userdata` from any thread until the next
/// `claw_set_log_callback` returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn claw_set_log_callback(level: u32, cb: claw_log_cb, userdata: *mut c_void) {
    super::boundary::guard_value((), || {
        INSTALL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(Forwarder {
                next_id: AtomicU64::new(1),
            });
        });
        let sink = match cb {
            Some(cb) if level != CLAW_LOG_OFF => Some(Sink {
                cb,
                userdata: userdata as usize,
                level: level_filter(level),
            }),
            _ => None,
        };
        // The write lock waits for calls of the previous callback in flight.
        match SINK.write() {
            Ok(mut s) => *s = sink,
            Err(poisoned) => *poisoned.into_inner() = sink,
        }
        // The global maximum level follows the new filter (fast path when off).
        tracing::callsite::rebuild_interest_cache();
    })
}
