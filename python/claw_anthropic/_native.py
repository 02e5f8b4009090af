"""The C API's objects as Python classes: ``Config``, ``Client``, ``Cancel``, ``MockServer`` and
the dict-level ``MessageStream``. Every argument is checked here before it reaches C: a wrong
type raises ``TypeError``, a string with an embedded NUL raises ``ValueError``."""

from __future__ import annotations

import ctypes
import json
import queue
import threading
from types import TracebackType
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Type, TypeVar, Union

from ._errors import error_class
from ._lib import EVENT_CB, ClawErrorPtr, lib
from .types import Attempt

__all__ = [
    "Config",
    "Client",
    "Cancel",
    "MessageStream",
    "MockServer",
    "version",
    "JSON",
    "Request",
    "Text",
]

JSON = Dict[str, Any]
Request = Union[Mapping[str, Any], str, bytes]
Text = Union[str, bytes]

_T = TypeVar("_T")
_C = TypeVar("_C", bound="Closing")


def version() -> str:
    """The version the loaded native library reports."""
    raw: bytes = lib.claw_version()
    return raw.decode()


def _type_name(value: object) -> str:
    return type(value).__name__


def c_text(value: object, name: str) -> bytes:
    """A required string argument as NUL-terminated UTF-8 (``str`` or ``bytes``)."""
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        raise TypeError(f"{name} must be str or bytes, not {_type_name(value)}")
    if b"\x00" in data:
        # C strings end at the first NUL: refuse instead of silently cutting (a secret or a
        # config text would be stored or parsed truncated).
        raise ValueError(
            f"{name} contains a NUL character (at offset {data.index(0)}); "
            "NUL cannot be passed to the library"
        )
    return data


def c_opt_text(value: object, name: str) -> Optional[bytes]:
    """An optional string argument (``None`` → NULL)."""
    return None if value is None else c_text(value, name)


def c_json(value: object, name: str = "request") -> bytes:
    """A JSON argument: a mapping (serialized here) or JSON text."""
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if isinstance(value, (str, bytes, bytearray)):
        return c_text(value, name)
    raise TypeError(f"{name} must be a mapping or JSON text (str or bytes), not {_type_name(value)}")


def expect(value: object, cls: Type[_T], name: str) -> _T:
    """``value`` if it is a ``cls``, else ``TypeError``."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, not {_type_name(value)}")
    return value


def expect_mapping(value: object, name: str) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else ``TypeError``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {_type_name(value)}")
    return value


def expect_opt(value: object, cls: Type[_T], name: str) -> Optional[_T]:
    """``None`` or a ``cls``, else ``TypeError``."""
    return None if value is None else expect(value, cls, name)


def _attempts(err: Any) -> List[Attempt]:
    """The attempts a ``claw_error`` carries (``claw_error_attempts_json``)."""
    raw = lib.claw_error_attempts_json(err)
    if not raw:
        return []
    return [Attempt(a) for a in json.loads(raw.decode("utf-8", "replace"))]


def raise_error(rc: int, err: Any) -> None:
    """Raises the exception for a failed call's result code and ``claw_error`` (freed here),
    with the failed request's attempts."""
    if rc == 0:
        return
    if err:
        try:
            code = int(lib.claw_error_code(err))
            message = (lib.claw_error_message(err) or b"").decode("utf-8", "replace")
            status = int(lib.claw_error_http_status(err))
            rid = lib.claw_error_request_id(err)
            request_id = rid.decode() if rid else None
            attempts = _attempts(err)
        finally:
            lib.claw_error_free(err)
        cls = error_class(code, status)
        raise cls(code, message, status, request_id, None, attempts)
    raise error_class(rc, 0)(rc, "(no error details)")


def call(fn: Any, *args: Any) -> None:
    """Calls a fallible C function (the trailing ``claw_error **`` is added here)."""
    err = ClawErrorPtr()
    rc = fn(*args, ctypes.byref(err))
    raise_error(rc, err)


def take_string(ptr: ctypes.c_void_p) -> str:
    """Reads and frees a string the library returned."""
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib.claw_string_free(ptr)


def call_string(fn: Any, *args: Any) -> str:
    """``call`` for functions whose last output is a ``char **``."""
    out = ctypes.c_void_p()
    call(fn, *args, ctypes.byref(out))
    return take_string(out)


class Closing:
    """``with obj:`` closes ``obj`` when the block ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class _Handle(Closing):
    """Owns one native pointer and its ``_free`` function."""

    _free_name = ""

    def __init__(self, ptr: int) -> None:
        self._ptr: Optional[int] = ptr

    def _handle(self) -> int:
        if not self._ptr:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    def close(self) -> None:
        """Frees the native object (idempotent)."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            getattr(lib, self._free_name)(ptr)

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
        call(fn, *args, ctypes.byref(out))
        assert out.value
        return cls(out.value)

    @classmethod
    def load(cls, path: Optional[Text] = None) -> "Config":
        """Loads ``path``, or the default location (``$CLAWDBOT_CONFIG_PATH``, else
        ``$CLAWDBOT_STATE_DIR/clawdbot.json``, else ``~/.clawdbot/clawdbot.json``) when ``None``.
        A missing file gives an empty config."""
        return cls._make(lib.claw_config_load, c_opt_text(path, "path"))

    @classmethod
    def load_state_dir(cls, state_dir: Text) -> "Config":
        """Loads ``<state_dir>/clawdbot.json`` with ``state_dir`` as the state directory."""
        return cls._make(lib.claw_config_load_state_dir, c_text(state_dir, "state_dir"))

    @classmethod
    def from_json5(cls, text: Text, state_dir: Optional[Text] = None) -> "Config":
        """Parses JSON5 text. The environment view is only the text's ``env`` block; agent dirs
        live under ``state_dir`` (default: from the process environment)."""
        body = c_text(text, "text")
        if state_dir is None:
            return cls._make(lib.claw_config_from_json5, body)
        return cls._make(lib.claw_config_from_json5_in, body, c_text(state_dir, "state_dir"))

    @property
    def default_agent(self) -> str:
        """The agent used when none is given."""
        return call_string(lib.claw_config_default_agent, self._handle())

    def status(self, agent: Optional[Text] = None) -> JSON:
        """The ``models status --json`` report (secrets masked)."""
        agent_c = c_opt_text(agent, "agent")
        out: JSON = json.loads(call_string(lib.claw_status_json, self._handle(), agent_c))
        return out

    def build_request(self, req: Request, agent: Optional[Text] = None) -> JSON:
        """The HTTP request a send would make — ``{method, url, headers, body, warnings}`` with
        the credential masked — without sending it."""
        agent_c, body = c_opt_text(agent, "agent"), c_json(req)
        out: JSON = json.loads(call_string(lib.claw_request_build, self._handle(), agent_c, body))
        return out

    def set_api_key(
        self, key: Text, agent: Optional[Text] = None, profile_id: Optional[Text] = None
    ) -> str:
        """Stores an Anthropic API key as an ``api_key`` profile; returns the profile id
        (default ``anthropic:default``)."""
        args = (c_opt_text(agent, "agent"), c_text(key, "key"), c_opt_text(profile_id, "profile_id"))
        return call_string(lib.claw_auth_set_api_key, self._handle(), *args)

    def paste_token(
        self,
        token: Text,
        provider: Text = "anthropic",
        agent: Optional[Text] = None,
        profile_id: Optional[Text] = None,
    ) -> str:
        """Stores a pasted setup-token as a ``token`` profile (validated for ``anthropic``);
        returns the profile id (default ``<provider>:manual``)."""
        args = (
            c_opt_text(agent, "agent"),
            c_text(provider, "provider"),
            c_text(token, "token"),
            c_opt_text(profile_id, "profile_id"),
        )
        return call_string(lib.claw_auth_paste_token, self._handle(), *args)


class Cancel(_Handle):
    """Cancels an in-flight :meth:`Client.send` / :meth:`Client.stream` from another thread.
    Stays cancelled until :meth:`reset`."""

    _free_name = "claw_cancel_free"

    def __init__(self) -> None:
        super().__init__(lib.claw_cancel_new())

    def cancel(self) -> None:
        """Makes calls using this handle fail with ``codes.CANCELLED``."""
        lib.claw_cancel_cancel(self._handle())

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return bool(lib.claw_cancel_is_cancelled(self._handle()))

    def reset(self) -> None:
        """Clears the cancelled state."""
        lib.claw_cancel_reset(self._handle())


class Client(_Handle):
    """Sends Messages API requests for one agent, with retries, profile rotation and model
    fallback. Thread-safe. After ``os.fork()`` a client from the parent raises
    ``ClawError(codes.USED_AFTER_FORK)`` in the child: make a new one there."""

    _free_name = "claw_client_free"

    def __init__(
        self,
        config: Config,
        agent: Optional[Text] = None,
        options: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """``options``: any of ``max_retries``, ``connect_timeout_ms``, ``request_timeout_ms``,
        ``stream_idle_timeout_ms``, ``model_fallbacks``, ``store_check_interval_ms``, and for
        fleet mode ``shared_state`` (``redis://…``), ``shared_state_prefix``, ``host_id`` (see
        ``claw_client_new_with_options``); unknown keys raise ``ClawError``."""
        self._ptr = None
        self._lock = threading.Lock()
        self._busy = 0
        self._closing = False
        cfg = expect(config, Config, "config")._handle()
        agent_c = c_opt_text(agent, "agent")
        options_c = None if options is None else c_json(expect_mapping(options, "options"), "options")
        out = ctypes.c_void_p()
        if options_c is None:
            call(lib.claw_client_new, cfg, agent_c, ctypes.byref(out))
        else:
            call(lib.claw_client_new_with_options, cfg, agent_c, options_c, ctypes.byref(out))
        super().__init__(out.value or 0)

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
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed before the lock existed
            return
        with lock:
            self._closing = True
            free_now = self._busy == 0
        if free_now:
            super().close()

    def _using(self, fn: Callable[[int], _T]) -> _T:
        ptr = self._enter()
        try:
            return fn(ptr)
        finally:
            self._leave()

    def send(self, req: Request, cancel: Optional[Cancel] = None) -> JSON:
        """Sends a request (``model`` may be an alias; ``max_tokens`` may be omitted) and returns
        the response message, with ``"attempts"`` (every attempt made, the successful one last)
        and, when prices are configured, ``"cost"`` added."""
        return json.loads(self.send_json(c_json(req), cancel))  # type: ignore[no-any-return]

    def send_json(self, body: bytes, cancel: Optional[Cancel] = None) -> str:
        """:meth:`send` for a request already serialized as JSON text; returns JSON text."""
        body = c_text(body, "body")
        c = expect_opt(cancel, Cancel, "cancel")
        if c is None:
            return self._using(lambda p: call_string(lib.claw_client_send, p, body))
        handle = c._handle()
        return self._using(
            lambda p: call_string(lib.claw_client_send_cancellable, p, body, handle)
        )

    def send_response_json(self, body: bytes, cancel: Optional[Cancel] = None) -> str:
        """Sends a request serialized as JSON text; returns ``{"message", "request_id",
        "profile_id", "model", "attempts", "cost"}`` as JSON text (``cost`` only when prices are
        configured)."""
        body = c_text(body, "body")
        c = expect_opt(cancel, Cancel, "cancel")
        handle = c._handle() if c is not None else None
        return self._using(
            lambda p: call_string(lib.claw_client_send_response, p, body, handle)
        )

    def stream(self, req: Request, cancel: Optional[Cancel] = None) -> "MessageStream":
        """Streams a request: iterate the result for event dicts as they arrive; the final
        message is then ``.message``."""
        return MessageStream(self, c_json(req), expect_opt(cancel, Cancel, "cancel"))

    def count_tokens(self, req: Request) -> int:
        """The input tokens of a request (``POST /v1/messages/count_tokens``), with the first
        usable credential (no profile rotation or model fallback)."""
        body = c_json(req)

        def run(ptr: int) -> int:
            out = ctypes.c_uint64()
            call(lib.claw_client_count_tokens, ptr, body, ctypes.byref(out))
            return int(out.value)

        return self._using(run)

    def list_models(self, after_id: Optional[Text] = None, limit: Optional[int] = None) -> JSON:
        """One page of ``GET /v1/models``: ``{"data": [...], "has_more", "first_id",
        "last_id"}``; pass the page's ``last_id`` as ``after_id`` for the next one."""
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int):
                raise TypeError(f"limit must be an int, not {_type_name(limit)}")
            if not 1 <= limit <= 1000:
                raise ValueError("limit must be between 1 and 1000")
        after = c_opt_text(after_id, "after_id")
        text = self._using(lambda p: call_string(lib.claw_client_list_models, p, after, limit or 0))
        out: JSON = json.loads(text)
        return out


class _Done:
    """The end of a stream: ``{"message", "request_id", "profile_id", "model", "attempts",
    "cost"}`` as JSON text, or the error."""

    __slots__ = ("message", "error")

    def __init__(self, message: Optional[str], error: Optional[BaseException]) -> None:
        self.message = message
        self.error = error


class RawStream:
    """One streaming call on a worker thread. Events (JSON ``bytes``) and finally a
    :class:`_Done` are handed to ``sink`` in order, from the worker thread.

    ``stop()`` ends it early: the callback refuses further events and, when the cancel handle is
    our own, the call is cancelled at once (also while it waits for the server)."""

    def __init__(
        self,
        client: Client,
        body: bytes,
        cancel: Optional[Cancel],
        sink: Callable[[Union[bytes, _Done]], None],
    ) -> None:
        self._client = expect(client, Client, "client")
        self._body = c_text(body, "body")
        self._own_cancel = cancel is None
        self._cancel = Cancel() if cancel is None else cancel
        self._sink = sink
        self._stopped = False
        self._thread: Optional[threading.Thread] = None
        self._cancel_lock = threading.Lock()  # our own handle is freed only under it

        def on_event(_userdata: Any, event_json: bytes) -> int:
            if self._stopped:
                return 1
            sink(event_json)
            return 0

        self._cb = EVENT_CB(on_event)

    def start(self) -> None:
        """Starts the worker thread (raises ``ValueError`` if the client is closed)."""
        ptr = self._client._enter()
        self._thread = threading.Thread(target=self._run, args=(ptr,), daemon=True)
        self._thread.start()

    def _run(self, ptr: int) -> None:
        done: _Done
        try:
            out = ctypes.c_void_p()
            err = ClawErrorPtr()
            cancel = self._cancel._handle()
            rc = lib.claw_client_stream_response(
                ptr, self._body, self._cb, None, cancel, ctypes.byref(out), ctypes.byref(err)
            )
            try:
                raise_error(rc, err)
                done = _Done(take_string(out), None)
            except BaseException as e:  # handed to the consumer
                done = _Done(None, e)
        finally:
            self._client._leave()
            if self._own_cancel:
                with self._cancel_lock:
                    self._cancel.close()
        self._sink(done)

    def stop(self) -> None:
        """Stops the call (idempotent; does not wait)."""
        self._stopped = True
        if self._own_cancel and self._thread is not None:
            with self._cancel_lock:
                if self._cancel._ptr:  # else the call has ended
                    self._cancel.cancel()

    def join(self) -> None:
        """Waits for the worker thread."""
        if self._thread is not None:
            self._thread.join()

    @property
    def started(self) -> bool:
        """Whether :meth:`start` was called."""
        return self._thread is not None


def final_response_json(client: Client, body: bytes, cancel: Optional[Cancel]) -> str:
    """Streams a request on the calling thread with no event callback (the events never reach
    Python) and returns ``{"message", "request_id", "profile_id", "model", "attempts", "cost"}``
    as JSON text."""
    expect(client, Client, "client")
    body = c_text(body, "body")

    def run(ptr: int) -> str:
        c = cancel._handle() if cancel is not None else None
        return call_string(lib.claw_client_stream_response, ptr, body, EVENT_CB(), None, c)

    return client._using(run)


class MessageStream(Closing):
    """An iterator over the events of a streaming response (dicts, as the API sends them).

    The native call runs on a worker thread and hands events over a queue, so events arrive as
    the server sends them. ``.message`` is the accumulated final message once the iteration is
    complete. ``close()`` (or leaving a ``with`` block, or dropping the iterator) stops the stream.
    """

    def __init__(self, client: Client, body: bytes, cancel: Optional[Cancel] = None) -> None:
        self._client = expect(client, Client, "client")
        self._body = c_text(body, "body")
        self._cancel = expect_opt(cancel, Cancel, "cancel")
        self._queue: "queue.SimpleQueue[Union[bytes, _Done]]" = queue.SimpleQueue()
        self._raw = RawStream(client, body, cancel, self._queue.put)
        self._finished = False
        self.message: Optional[JSON] = None

    def __iter__(self) -> Iterator[JSON]:
        return self

    def __next__(self) -> JSON:
        if self._finished:
            raise StopIteration
        if not self._raw.started:
            self._raw.start()
        item = self._queue.get()
        if isinstance(item, _Done):
            self._finished = True
            self._raw.join()
            if item.error is not None:
                raise item.error
            assert item.message is not None
            self.message = json.loads(item.message)["message"]
            raise StopIteration
        out: JSON = json.loads(item)
        return out

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
        if not self._raw.started and not self._finished:
            self._finished = True
            text = final_response_json(self._client, self._body, self._cancel)
            msg: JSON = json.loads(text)["message"]
            self.message = msg
            return msg
        for _event in self:
            pass
        if self.message is None:
            raise ValueError("the stream was closed before it ended")
        return self.message

    def close(self) -> None:
        """Stops the stream (the native call returns ``STOPPED_BY_CALLBACK``/``CANCELLED``)."""
        if self._finished:
            return
        self._finished = True
        self._raw.stop()
        if self._raw.started and self._cancel is None:
            self._raw.join()
        # With a caller-supplied Cancel the worker ends at the next event on its own.

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class MockServer(_Handle):
    """The crate's Anthropic-compatible loopback server (library built with feature ``mock``;
    the installed package's library is)."""

    _free_name = "claw_mock_server_free"

    def __init__(self) -> None:
        self._ptr = None
        out = ctypes.c_void_p()
        call(lib.claw_mock_server_start, ctypes.byref(out))
        super().__init__(out.value or 0)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        raw: bytes = lib.claw_mock_server_url(self._handle())
        return raw.decode()

    def load_script(self, script: Union[Mapping[str, Any], str]) -> None:
        """Queues replies / adds per-credential rules (see ``claw_mock_server_load_script``)."""
        call(lib.claw_mock_server_load_script, self._handle(), c_json(script, "script"))

    def requests(self) -> List[JSON]:
        """Every request received (credentials masked)."""
        out: List[JSON] = json.loads(call_string(lib.claw_mock_server_requests_json, self._handle()))
        return out

    def reset(self) -> None:
        """Clears queued replies, rules and recorded requests."""
        lib.claw_mock_server_reset(self._handle())
