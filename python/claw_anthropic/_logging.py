"""The library's log events forwarded to ``logging.getLogger("claw_anthropic")``.

The native library sends its events (retries, failed attempts, auth-store problems, …) to a
callback installed with ``claw_set_log_callback``; this module's callback turns each into a
``logging`` record on the ``claw_anthropic`` logger (the library's target and fields are in the
record's ``claw_target`` and ``claw_fields`` attributes). At ``DEBUG`` the library also reports
each request and each attempt when it ends: a ``DEBUG`` record with the message ``span closed``,
the span's name (``chat`` or ``attempt``) in ``claw_span``, its duration in milliseconds in
``claw_duration_ms`` and its OpenTelemetry GenAI fields (``gen_ai.usage.input_tokens``,
``http.response.status_code``, ``claw.profile_id``, …) in ``claw_fields``; other records have
``claw_span`` and ``claw_duration_ms`` set to ``None``. Events below the logger's effective
level are not even produced: the level is read when the package is imported and by
:func:`sync_log_level`; call it after changing the logger's level.
"""

from __future__ import annotations

import atexit
import json
import logging
from typing import Any, Optional

from ._errors import codes
from ._lib import LOG_CB, lib

__all__ = ["logger", "sync_log_level"]

logger = logging.getLogger("claw_anthropic")

_TO_LOGGING = {
    codes.LOG_ERROR: logging.ERROR,
    codes.LOG_WARN: logging.WARNING,
    codes.LOG_INFO: logging.INFO,
    codes.LOG_DEBUG: logging.DEBUG,
    codes.LOG_TRACE: logging.DEBUG,
}


def _native_level(level: int) -> int:
    """The ``codes.LOG_*`` level that produces the events a logger at ``level`` shows."""
    if level <= logging.DEBUG:
        return codes.LOG_DEBUG
    if level <= logging.INFO:
        return codes.LOG_INFO
    if level <= logging.WARNING:
        return codes.LOG_WARN
    if level <= logging.ERROR:
        return codes.LOG_ERROR
    return codes.LOG_OFF


def _forward(_userdata: Any, level: int, event_json: Optional[bytes]) -> None:
    # Runs on the library's threads (ctypes takes the GIL); it must never raise into C.
    try:
        event = json.loads(event_json or b"{}")
        py_level = _TO_LOGGING.get(level, logging.DEBUG)
        if logger.isEnabledFor(py_level):
            logger.log(
                py_level,
                "%s",
                event.get("message", ""),
                extra={
                    "claw_target": event.get("target"),
                    "claw_fields": event.get("fields", {}),
                    "claw_span": event.get("span"),
                    "claw_duration_ms": event.get("duration_ms"),
                },
            )
    except Exception:  # pragma: no cover - a broken handler must not break the request
        pass


_CALLBACK = LOG_CB(_forward)


def sync_log_level() -> None:
    """Makes the library produce the events the ``claw_anthropic`` logger's effective level
    shows (none when it is above ERROR)."""
    native = _native_level(logger.getEffectiveLevel())
    if native == codes.LOG_OFF:
        lib.claw_set_log_callback(codes.LOG_OFF, LOG_CB(), None)
    else:
        lib.claw_set_log_callback(native, _CALLBACK, None)


def _unset() -> None:
    # No callback into a finalizing interpreter.
    try:
        lib.claw_set_log_callback(codes.LOG_OFF, LOG_CB(), None)
    except Exception:  # pragma: no cover
        pass


atexit.register(_unset)
