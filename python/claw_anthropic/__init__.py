"""Python bindings (ctypes) for claw-anthropic, a Clawdbot-compatible Anthropic (Claude) client.

>>> import claw_anthropic as claw
>>> cfg = claw.Config.from_json5('{ env: { ANTHROPIC_API_KEY: "sk-ant-api03-example-0000000000" } }')
>>> req = {"model": "opus", "messages": [{"role": "user", "content": "Hello"}]}
>>> cfg.build_request(req)["url"]
'https://api.anthropic.com/v1/messages'

The library is found through ``$CLAW_ANTHROPIC_LIB``, next to this package, or in
``target/release`` / ``target/debug`` above it. Every call that talks to the network blocks the
calling thread but releases the GIL. Objects free their native handle on ``close()``, at the end of
a ``with`` block, or when garbage-collected.
"""

from __future__ import annotations

import ctypes
import json
import queue
import threading
from typing import Any, Dict, Iterator, Mapping, Optional, Union

from ._lib import EVENT_CB, ClawErrorPtr, lib, library_path

__all__ = [
    "ClawError",
    "Config",
    "Client",
    "Cancel",
    "MessageStream",
    "MockServer",
    "codes",
    "version",
    "library_path",
]

JSON = Dict[str, Any]
Request = Union[Mapping[str, Any], str, bytes]
Text = Union[str, bytes]


class codes:
    """The ``CLAW_ERR_*`` result codes of the C API (never renumbered)."""

    OK = 0
    NULL_ARGUMENT = 1000
    INVALID_UTF8 = 1001
    INVALID_JSON = 1002
    INVALID_ARGUMENT = 1003
    INVALID_REQUEST = 1004
    INVALID_SETUP_TOKEN = 1005
    CONFIG = 1100
    IO = 1101
    NO_CREDENTIALS = 1200
    NO_PROFILE_CREDENTIALS = 1201
    ALL_PROFILES_UNAVAILABLE = 1202
    OAUTH_REFRESH = 1203
    STORE_CORRUPT = 1204
    STORE_LOCK = 1205
    AUTH_REJECTED = 1300
    RATE_LIMITED = 1301
    BILLING = 1302
    API = 1303
    ALL_MODELS_FAILED = 1304
    NETWORK = 1400
    TIMEOUT = 1401
    STREAM = 1402
    CANCELLED = 1500
    STOPPED_BY_CALLBACK = 1501
    USED_AFTER_FORK = 1502
    PANIC = 1503
    NOT_SUPPORTED = 1504
    INTERNAL = 1505

    @classmethod
    def name_of(cls, code: int) -> str:
        for k, v in vars(cls).items():
            if k.isupper() and v == code:
                return k
        return f"UNKNOWN_{code}"


class ClawError(Exception):
    """An error from the library: ``code`` (a :class:`codes` value), ``message`` (never contains
    a secret), and for API errors ``http_status`` and ``request_id``."""

    def __init__(
        self,
        code: int,
        message: str,
        http_status: int = 0,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(f"[{codes.name_of(code)}] {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.request_id = request_id

    @property
    def name(self) -> str:
        """The code's name (``"NO_CREDENTIALS"``, …)."""
        return codes.name_of(self.code)


def version() -> str:
    """The library version."""
    return lib.claw_version().decode()


def _c_text(value: Optional[Text], name: str) -> Optional[bytes]:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    raise TypeError(f"{name} must be str or bytes, not {type(value).__name__}")


def _c_json(req: Request) -> bytes:
    if isinstance(req, (str, bytes)):
        return _c_text(req, "request") or b""
    return json.dumps(req, ensure_ascii=False).encode()


def _raise(rc: int, err: Any) -> None:
    if rc == 0:
        return
    if err:
        code = lib.claw_error_code(err)
        message = (lib.claw_error_message(err) or b"").decode("utf-8", "replace")
        status = lib.claw_error_http_status(err)
        rid = lib.claw_error_request_id(err)
        lib.claw_error_free(err)
        raise ClawError(code, message, status, rid.decode() if rid else None)
    raise ClawError(rc, "(no error details)")


def _call(fn: Any, *args: Any) -> None:
    args = tuple(a._handle() if isinstance(a, _Handle) else a for a in args)
    err = ClawErrorPtr()
    rc = fn(*args, ctypes.byref(err))
    _raise(rc, err)


def _take_string(ptr: ctypes.c_void_p) -> str:
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib.claw_string_free(ptr)


def _call_string(fn: Any, *args: Any) -> str:
    out = ctypes.c_void_p()
    _call(fn, *args, ctypes.byref(out))
    return _take_string(out)


class _Handle:
    """Owns one native pointer and its ``_free`` function."""

    _free_name = ""

    def __init__(self, ptr: int) -> None:
        self._ptr: Optional[int] = ptr

    def _handle(self) -> int:
        if not self._ptr:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    @property
    def _as_parameter_(self) -> int:
        return self._handle()

    def close(self) -> None:
        """Frees the native object (idempotent)."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            getattr(lib, self._free_name)(ptr)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class Config(_Handle):
    """A loaded configuration (``clawdbot.json`` + environment). Immutable; thread-safe."""

    _free_name = "claw_config_free"

    @classmethod
    def _make(cls, fn: Any, *args: Any) -> "Config":
        out = ctypes.c_void_p()
        _call(fn, *args, ctypes.byref(out))
        assert out.value
        return cls(out.value)

    @classmethod
    def load(cls, path: Optional[Text] = None) -> "Config":
        """Loads ``path``, or the default location (``$CLAWDBOT_CONFIG_PATH``, else
        ``$CLAWDBOT_STATE_DIR/clawdbot.json``, else ``~/.clawdbot/clawdbot.json``) when ``None``.
        A missing file gives an empty config."""
        return cls._make(lib.claw_config_load, _c_text(path, "path"))

    @classmethod
    def load_state_dir(cls, state_dir: Text) -> "Config":
        """Loads ``<state_dir>/clawdbot.json`` with ``state_dir`` as the state directory."""
        return cls._make(lib.claw_config_load_state_dir, _c_text(state_dir, "state_dir"))

    @classmethod
    def from_json5(cls, text: Text, state_dir: Optional[Text] = None) -> "Config":
        """Parses JSON5 text. The environment view is only the text's ``env`` block; agent dirs
        live under ``state_dir`` (default: from the process environment)."""
        if state_dir is None:
            return cls._make(lib.claw_config_from_json5, _c_text(text, "text"))
        return cls._make(
            lib.claw_config_from_json5_in, _c_text(text, "text"), _c_text(state_dir, "state_dir")
        )

    @property
    def default_agent(self) -> str:
        """The agent used when none is given."""
        return _call_string(lib.claw_config_default_agent, self)

    def status(self, agent: Optional[Text] = None) -> JSON:
        """The ``models status --json`` report (secrets masked)."""
        return json.loads(_call_string(lib.claw_status_json, self, _c_text(agent, "agent")))

    def build_request(self, req: Request, agent: Optional[Text] = None) -> JSON:
        """The HTTP request a send would make — ``{method, url, headers, body, warnings}`` with
        the credential masked — without sending it."""
        return json.loads(
            _call_string(lib.claw_request_build, self, _c_text(agent, "agent"), _c_json(req))
        )

    def set_api_key(
        self, key: Text, agent: Optional[Text] = None, profile_id: Optional[Text] = None
    ) -> str:
        """Stores an Anthropic API key as an ``api_key`` profile; returns the profile id
        (default ``anthropic:default``)."""
        return _call_string(
            lib.claw_auth_set_api_key,
            self,
            _c_text(agent, "agent"),
            _c_text(key, "key"),
            _c_text(profile_id, "profile_id"),
        )

    def paste_token(
        self,
        token: Text,
        provider: Text = "anthropic",
        agent: Optional[Text] = None,
        profile_id: Optional[Text] = None,
    ) -> str:
        """Stores a pasted setup-token as a ``token`` profile (validated for ``anthropic``);
        returns the profile id (default ``<provider>:manual``)."""
        return _call_string(
            lib.claw_auth_paste_token,
            self,
            _c_text(agent, "agent"),
            _c_text(provider, "provider"),
            _c_text(token, "token"),
            _c_text(profile_id, "profile_id"),
        )


class Cancel(_Handle):
    """Cancels an in-flight :meth:`Client.send` / :meth:`Client.stream` from another thread.
    Stays cancelled until :meth:`reset`."""

    _free_name = "claw_cancel_free"

    def __init__(self) -> None:
        super().__init__(lib.claw_cancel_new())

    def cancel(self) -> None:
        """Makes calls using this handle fail with ``codes.CANCELLED``."""
        lib.claw_cancel_cancel(self)

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return bool(lib.claw_cancel_is_cancelled(self))

    def reset(self) -> None:
        """Clears the cancelled state."""
        lib.claw_cancel_reset(self)


class Client(_Handle):
    """Sends Messages API requests for one agent, with retries, profile rotation and model
    fallback. Thread-safe. After ``os.fork()`` a client from the parent raises
    ``ClawError(codes.USED_AFTER_FORK)`` in the child: make a new one there."""

    _free_name = "claw_client_free"

    def __init__(
        self, config: Config, agent: Optional[Text] = None, options: Optional[JSON] = None
    ) -> None:
        """``options``: any of ``max_retries``, ``connect_timeout_ms``, ``request_timeout_ms``,
        ``stream_idle_timeout_ms``, ``model_fallbacks``, ``store_check_interval_ms`` (see
        ``claw_client_new_with_options``); unknown keys raise ``ClawError``."""
        out = ctypes.c_void_p()
        if options is None:
            _call(lib.claw_client_new, config, _c_text(agent, "agent"), ctypes.byref(out))
        else:
            _call(
                lib.claw_client_new_with_options,
                config,
                _c_text(agent, "agent"),
                _c_json(options),
                ctypes.byref(out),
            )
        super().__init__(out.value or 0)
        self._lock = threading.Lock()
        self._busy = 0
        self._closing = False

    def _enter(self) -> int:
        with self._lock:
            if self._closing or not self._ptr:
                raise ValueError("Client is closed")
            self._busy += 1
            return self._ptr

    def _leave(self) -> None:
        with self._lock:
            self._busy -= 1
            free_now = self._closing and self._busy == 0
        if free_now:
            super().close()

    def close(self) -> None:
        """Frees the client once no call is using it (idempotent)."""
        with self._lock:
            self._closing = True
            free_now = self._busy == 0
        if free_now:
            super().close()

    def send(self, req: Request, cancel: Optional[Cancel] = None) -> JSON:
        """Sends a request (``model`` may be an alias; ``max_tokens`` may be omitted) and returns
        the response message."""
        ptr = self._enter()
        try:
            if cancel is None:
                return json.loads(_call_string(lib.claw_client_send, ptr, _c_json(req)))
            return json.loads(
                _call_string(lib.claw_client_send_cancellable, ptr, _c_json(req), cancel)
            )
        finally:
            self._leave()

    def stream(self, req: Request, cancel: Optional[Cancel] = None) -> "MessageStream":
        """Streams a request: iterate the result for event dicts as they arrive; the final
        message is then ``.message``."""
        return MessageStream(self, _c_json(req), cancel)

    def count_tokens(self, req: Request) -> int:
        """The input tokens of a request (``POST /v1/messages/count_tokens``), with the first
        usable credential (no profile rotation or model fallback)."""
        ptr = self._enter()
        try:
            out = ctypes.c_uint64()
            _call(lib.claw_client_count_tokens, ptr, _c_json(req), ctypes.byref(out))
            return int(out.value)
        finally:
            self._leave()

    def list_models(self, after_id: Optional[Text] = None, limit: Optional[int] = None) -> JSON:
        """One page of ``GET /v1/models``: ``{"data": [...], "has_more", "first_id",
        "last_id"}``; pass the page's ``last_id`` as ``after_id`` for the next one."""
        if limit is not None and not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        ptr = self._enter()
        try:
            return json.loads(
                _call_string(
                    lib.claw_client_list_models, ptr, _c_text(after_id, "after_id"), limit or 0
                )
            )
        finally:
            self._leave()


_DONE = object()


class MessageStream:
    """An iterator over the events of a streaming response (dicts, as the API sends them).

    The native call runs on a worker thread and hands events over a queue, so events arrive as
    the server sends them. ``.message`` is the accumulated final message once the iteration is
    complete. ``close()`` (or leaving a ``with`` block, or dropping the iterator) stops the stream.
    """

    def __init__(self, client: Client, body: bytes, cancel: Optional[Cancel]) -> None:
        self._client = client
        self._body = body
        self._own_cancel = cancel is None
        self._cancel = cancel if cancel is not None else Cancel()
        self._queue: "queue.Queue[Any]" = queue.Queue()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._finished = False
        self.message: Optional[JSON] = None

        def on_event(_userdata: Any, event_json: bytes) -> int:
            if self._stop.is_set():
                return 1
            self._queue.put(event_json)
            return 0

        self._cb = EVENT_CB(on_event)

    def _run(self, ptr: int) -> None:
        out = ctypes.c_void_p()
        err = ClawErrorPtr()
        try:
            rc = lib.claw_client_stream_cancellable(
                ptr, self._body, self._cb, None, self._cancel, ctypes.byref(out), ctypes.byref(err)
            )
            try:
                _raise(rc, err)
                self._queue.put((_DONE, json.loads(_take_string(out))))
            except ClawError as e:
                self._queue.put((_DONE, e))
        finally:
            self._client._leave()

    def __iter__(self) -> Iterator[JSON]:
        return self

    def __next__(self) -> JSON:
        if self._finished:
            raise StopIteration
        if self._thread is None:
            ptr = self._client._enter()
            self._thread = threading.Thread(target=self._run, args=(ptr,), daemon=True)
            self._thread.start()
        item = self._queue.get()
        if isinstance(item, tuple) and item and item[0] is _DONE:
            self._finished = True
            self._thread.join()
            self._release()
            result = item[1]
            if isinstance(result, ClawError):
                raise result
            self.message = result
            raise StopIteration
        return json.loads(item)

    def final_message(self) -> JSON:
        """Waits for the end of the stream and returns the accumulated message (as the SDKs'
        ``get_final_message()`` / ``finalMessage()``).

        Called before any event was taken, the stream runs in the native library without
        handing each event to Python (on the calling thread; ctypes releases the GIL and a
        ``Cancel`` still works) — for a long stream many times faster than iterating. After
        iteration has started it consumes the remaining events. Raises ``ClawError`` as
        iteration would, and ``ValueError`` if the stream was closed before it ended."""
        if self.message is not None:
            return self.message
        if self._thread is None and not self._finished:
            ptr = self._client._enter()
            self._finished = True
            try:
                out = ctypes.c_void_p()
                err = ClawErrorPtr()
                no_callback = EVENT_CB()
                rc = lib.claw_client_stream_cancellable(
                    ptr, self._body, no_callback, None, self._cancel,
                    ctypes.byref(out), ctypes.byref(err),
                )
                _raise(rc, err)
                self.message = json.loads(_take_string(out))
            finally:
                self._client._leave()
                self._release()
            return self.message
        for _event in self:
            pass
        if self.message is None:
            raise ValueError("the stream was closed before it ended")
        return self.message

    def _release(self) -> None:
        if self._own_cancel:
            self._cancel.close()

    def close(self) -> None:
        """Stops the stream (the native call returns ``STOPPED_BY_CALLBACK``/``CANCELLED``)."""
        if self._finished:
            return
        self._finished = True
        self._stop.set()
        if self._thread is not None:
            if self._own_cancel:
                self._cancel.cancel()
                self._thread.join()
            # With a caller-supplied Cancel the worker ends at the next event on its own.
        self._release()

    def __enter__(self) -> "MessageStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class MockServer(_Handle):
    """The crate's Anthropic-compatible loopback server (library built with feature ``mock``)."""

    _free_name = "claw_mock_server_free"

    def __init__(self) -> None:
        out = ctypes.c_void_p()
        _call(lib.claw_mock_server_start, ctypes.byref(out))
        super().__init__(out.value or 0)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return lib.claw_mock_server_url(self).decode()

    def load_script(self, script: Union[Mapping[str, Any], str]) -> None:
        """Queues replies / adds per-credential rules (see ``claw_mock_server_load_script``)."""
        text = script if isinstance(script, str) else json.dumps(script)
        _call(lib.claw_mock_server_load_script, self, text.encode())

    def requests(self) -> list:
        """Every request received (credentials masked)."""
        return json.loads(_call_string(lib.claw_mock_server_requests_json, self))

    def reset(self) -> None:
        """Clears queued replies, rules and recorded requests."""
        lib.claw_mock_server_reset(self)
