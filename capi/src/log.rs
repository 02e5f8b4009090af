//! `claw_set_log_callback`: the library's log events (retries, failed attempts, store problems, …)
//! and, at `CLAW_LOG_DEBUG` and more, its closed request/attempt spans, forwarded to a C
//! callback as JSON.
//!
//! A small `tracing` subscriber is installed as the process's global default the first time a
//! callback is set; it forwards events at or above the chosen level, and keeps the library's
//! spans (fields and start time) while the level is `CLAW_LOG_DEBUG` or more, to forward each
//! as one record when it closes. Until then, and while no callback is set, the library's events
//! and spans cost one atomic load of the maximum level.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{CString, c_char, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once, RwLock};
use std::time::Instant;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_core::span::Current;

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

/// Receives one log record. `level` is a `CLAW_LOG_*` value (`CLAW_LOG_ERROR` … `CLAW_LOG_TRACE`);
/// `event_json` (never a secret) is valid only during the call and is one of:
///
/// * an event: `{"level": "WARN", "target": "claw_anthropic::client", "message": "…",
///   "fields": {…}}`;
/// * a closed span (only at `CLAW_LOG_DEBUG` and `CLAW_LOG_TRACE`, delivered with level
///   `CLAW_LOG_DEBUG`): `{"level": "DEBUG", "target": "claw_anthropic::attempt", "message":
///   "span closed", "span": "attempt", "duration_ms": 12.345, "fields": {…}}` — one per
///   request (`"span": "chat"`, target `claw_anthropic::request`) when it ends (for a stream:
///   when the stream is finished or dropped) and one per attempt (`"span": "attempt"`, target
///   `claw_anthropic::attempt`, also for `count_tokens` and `list_models` calls).
///   `duration_ms` runs from the span's creation to its close (milliseconds, fractional).
///   `fields` carry the OpenTelemetry GenAI names and the library's own, only those with a
///   value: a request has `gen_ai.operation.name`, `gen_ai.provider.name`,
///   `gen_ai.request.model`, `gen_ai.request.max_tokens`, `gen_ai.response.id`,
///   `gen_ai.response.model`, `gen_ai.response.finish_reasons` (JSON array text),
///   `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
///   `gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`,
///   `claw.stream`, `claw.profile_id`, `claw.model`, `claw.cache_ttl`, `claw.attempts`,
///   `claw.cost_usd`, `error.type`; an attempt has `gen_ai.operation.name`,
///   `gen_ai.provider.name`, `gen_ai.request.model`, `claw.attempt` (1-based),
///   `claw.profile_id`, `http.response.status_code`, `claw.request_id`,
///   `claw.failure_reason`, `claw.transport`, `claw.retry_delay_ms`, `error.type`.
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

thread_local! {
    /// The spans this thread is in, innermost last (what `Span::current()` returns: the library
    /// records a request's outcome on it).
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Spans of these targets are forwarded (the library's own: their fields hold no secret).
const SPAN_TARGET: &str = "claw_anthropic";

/// A span kept until it closes.
struct OpenSpan {
    metadata: &'static Metadata<'static>,
    fields: JsonFields,
    started: Instant,
    /// Handles to the span (`clone_span` adds one, `try_close` removes one).
    refs: usize,
}

/// The global subscriber: events to the callback; the library's spans kept while the level is
/// DEBUG or more, and sent to the callback when they close.
struct Forwarder {
    next_id: AtomicU64,
    spans: Mutex<HashMap<u64, OpenSpan>>,
}

impl Forwarder {
    fn spans(&self) -> std::sync::MutexGuard<'_, HashMap<u64, OpenSpan>> {
        self.spans.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sends `json` to the callback if one is set with a level that lets `level` through.
fn deliver(level: &Level, json: &serde_json::Value) {
    let Ok(sink) = SINK.read() else { return };
    let Some(sink) = sink.as_ref() else { return };
    if *level > sink.level {
        return;
    }
    let Ok(text) = CString::new(json.to_string()) else {
        return;
    };
    // SAFETY: the host vouched for `cb` and `userdata` in `claw_set_log_callback`; the read
    // lock keeps them registered for the duration of the call.
    unsafe {
        (sink.cb)(
            sink.userdata as *mut c_void,
            level_number(level),
            text.as_ptr(),
        )
    };
}

impl Subscriber for Forwarder {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // The level can change at any time: ask `enabled` each time (it is one read-lock).
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let filter = current_filter();
        if metadata.is_span() {
            return filter >= LevelFilter::DEBUG
                && *metadata.level() <= filter
                && metadata.target().starts_with(SPAN_TARGET);
        }
        *metadata.level() <= filter
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(current_filter())
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).max(1);
        let mut fields = JsonFields::default();
        attrs.record(&mut fields);
        self.spans().insert(
            id,
            OpenSpan {
                metadata: attrs.metadata(),
                fields,
                started: Instant::now(),
                refs: 1,
            },
        );
        Id::from_u64(id)
    }

    fn record(&self, id: &Id, values: &Record<'_>) {
        if let Some(span) = self.spans().get_mut(&id.into_u64()) {
            values.record(&mut span.fields);
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut fields = JsonFields::default();
        event.record(&mut fields);
        deliver(
            meta.level(),
            &serde_json::json!({
                "level": meta.level().as_str(),
                "target": meta.target(),
                "message": fields.message.unwrap_or_default(),
                "fields": serde_json::Value::Object(fields.fields),
            }),
        );
    }

    fn enter(&self, id: &Id) {
        let _ = ENTERED.try_with(|e| e.borrow_mut().push(id.into_u64()));
    }

    fn exit(&self, id: &Id) {
        let id = id.into_u64();
        let _ = ENTERED.try_with(|e| {
            let mut e = e.borrow_mut();
            if let Some(i) = e.iter().rposition(|x| *x == id) {
                e.remove(i);
            }
        });
    }

    fn current_span(&self) -> Current {
        let top = ENTERED
            .try_with(|e| e.borrow().last().copied())
            .ok()
            .flatten();
        let Some(id) = top else {
            return Current::none();
        };
        match self.spans().get(&id) {
            Some(span) => Current::new(Id::from_u64(id), span.metadata),
            None => Current::none(),
        }
    }

    fn clone_span(&self, id: &Id) -> Id {
        if let Some(span) = self.spans().get_mut(&id.into_u64()) {
            span.refs += 1;
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let closed = {
            let mut spans = self.spans();
            let key = id.into_u64();
            match spans.get_mut(&key) {
                Some(span) if span.refs > 1 => {
                    span.refs -= 1;
                    None
                }
                Some(_) => spans.remove(&key),
                None => None,
            }
        };
        // The callback runs outside the lock (it may take its time, or log itself).
        let Some(span) = closed else { return false };
        let ms = span.started.elapsed().as_secs_f64() * 1000.0;
        deliver(
            &Level::DEBUG,
            &serde_json::json!({
                "level": Level::DEBUG.as_str(),
                "target": span.metadata.target(),
                "message": "span closed",
                "span": span.metadata.name(),
                "duration_ms": (ms * 1000.0).round() / 1000.0,
                "fields": serde_json::Value::Object(span.fields.fields),
            }),
        );
        true
    }
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
/// `CLAW_LOG_TRACE` counts as `CLAW_LOG_TRACE`) to `cb(userdata, level, event_json)`; at
/// `CLAW_LOG_DEBUG` and `CLAW_LOG_TRACE` also one record per request and per attempt when it
/// ends, with its fields and duration (see `claw_log_cb`). Spans that started while the level
/// was lower are not reported. Replaces any callback set before.
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
                spans: Mutex::new(HashMap::new()),
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
