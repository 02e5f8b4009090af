"""SDK-shaped streams over the native streaming call: ``MessageStream`` (sync) and
``AsyncMessageStream`` (asyncio). The native call runs on a worker thread; events cross to the
consumer as JSON text and become objects only there."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections import deque
from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Deque,
    Dict,
    Iterator,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from ._native import Cancel, Client, Closing, RawStream, _Done, c_text, expect, final_response_json
from .types import (
    Message,
    MessageStreamEvent,
    RawContentBlockDeltaEvent,
    RawMessageStopEvent,
    TextBlock,
    TextEvent,
    ThinkingEvent,
    _Parts,
    stream_event,
)

__all__ = [
    "MessageStream",
    "AsyncMessageStream",
    "MessageStreamManager",
    "AsyncMessageStreamManager",
    "Event",
    "run_blocking",
]

Event = Union[MessageStreamEvent, TextEvent, ThinkingEvent]
_T = TypeVar("_T")


class _Builder:
    """Turns event JSON into event objects, adding the SDK's ``text`` / ``thinking`` events
    after each such delta (unless ``raw``)."""

    def __init__(self, raw: bool) -> None:
        self._raw = raw
        self._parts: Dict[int, _Parts] = {}

    def build(self, data: bytes, out: Deque[Event]) -> MessageStreamEvent:
        event = stream_event(json.loads(data))
        out.append(event)
        if not self._raw and isinstance(event, RawContentBlockDeltaEvent):
            delta = event.delta
            kind = delta.type
            if kind == "text_delta" or kind == "thinking_delta":
                parts = self._parts.get(event.index)
                if parts is None:
                    parts = self._parts[event.index] = _Parts()
                piece = delta.text if kind == "text_delta" else delta.thinking
                parts.parts.append(piece)
                out.append(TextEvent(piece, parts) if kind == "text_delta" else ThinkingEvent(piece, parts))
        return event

    def text_of(self, data: bytes) -> Optional[str]:
        """The text of a ``text_delta`` event's JSON (``None`` for any other event), without
        building event objects; later ``text`` events' snapshots still include it."""
        event = json.loads(data)
        if event.get("type") != "content_block_delta":
            return None
        delta = event.get("delta") or {}
        if delta.get("type") != "text_delta":
            return None
        text = str(delta.get("text", ""))
        index = int(event.get("index") or 0)
        parts = self._parts.get(index)
        if parts is None:
            parts = self._parts[index] = _Parts()
        parts.parts.append(text)
        return text


def _pending_text(event: Event) -> Optional[str]:
    if isinstance(event, RawContentBlockDeltaEvent) and event.delta.type == "text_delta":
        text: str = event.delta.text
        return text
    return None


def _final_text(message: Message) -> str:
    texts = [b.text for b in message.content if isinstance(b, TextBlock)]
    if not texts:
        kinds = ", ".join(b.type for b in message.content) or "none"
        raise RuntimeError(
            "get_final_text() needs a text content block; the message has: "
            f"{kinds} (see get_final_message().content)"
        )
    return "".join(texts)


class MessageStream(Closing):
    """A streaming response (``with client.messages.stream(...) as stream``).

    Iterating yields event objects (``.type``): the API's events, each text delta followed by a
    ``text`` event (``.text``, ``.snapshot``) and each thinking delta by a ``thinking`` event;
    ``message_stop`` carries the final ``.message``. ``text_stream`` yields only the text.
    ``get_final_message()`` called before iterating runs the whole stream inside the native
    library, handing no event to Python."""

    def __init__(self, client: Client, body: bytes, raw: bool = False) -> None:
        self._client = expect(client, Client, "client")
        self._body = c_text(body, "body")
        self._queue: "queue.SimpleQueue[Union[bytes, _Done]]" = queue.SimpleQueue()
        self._stream = RawStream(client, body, None, self._queue.put)
        self._builder = _Builder(raw)
        self._raw = raw
        self._pending: Deque[Event] = deque()
        self._done = False
        self._final: Optional[Message] = None
        self._error: Optional[BaseException] = None
        self.text_stream: Iterator[str] = self._texts()

    def _finish(self, done: _Done) -> None:
        self._done = True
        self._stream.join()
        if done.error is not None:
            self._error = done.error
        elif done.message is not None:
            self._final = Message.from_response(done.message)

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        if self._pending:
            return self._pending.popleft()
        if self._done:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            raise StopIteration
        if not self._stream.started:
            self._stream.start()
        item = self._queue.get()
        if isinstance(item, _Done):
            self._finish(item)
            return self.__next__()
        event = self._builder.build(item, self._pending)
        if isinstance(event, RawMessageStopEvent) and not self._raw:
            # The native call returns the final message right after this last event.
            done = self._queue.get()
            assert isinstance(done, _Done)
            self._finish(done)
            event.message = self._final
        return self._pending.popleft()

    def _texts(self) -> Iterator[str]:
        # The same stream as iteration, but text deltas are read straight from the JSON.
        while True:
            while self._pending:
                text = _pending_text(self._pending.popleft())
                if text is not None:
                    yield text
            if self._done:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                return
            if not self._stream.started:
                self._stream.start()
            item = self._queue.get()
            if isinstance(item, _Done):
                self._finish(item)
                continue
            text = self._builder.text_of(item)
            if text is not None:
                yield text

    def until_done(self) -> None:
        """Consumes the stream."""
        for _ in self:
            pass

    def get_final_message(self) -> Message:
        """The accumulated message, once the stream has ended (raises the stream's error)."""
        if self._final is not None:
            return self._final
        if not self._stream.started and not self._done:
            self._done = True
            self._final = Message.from_response(final_response_json(self._client, self._body, None))
            return self._final
        self.until_done()
        if self._final is None:
            raise ValueError("the stream was closed before it ended")
        return self._final

    def get_final_text(self) -> str:
        """The text blocks of the final message, concatenated."""
        return _final_text(self.get_final_message())

    def close(self) -> None:
        """Stops the stream and waits for the native call to return."""
        if self._done:
            return
        self._done = True
        self._stream.stop()
        self._stream.join()

    def __del__(self) -> None:
        try:
            if not self._done:
                self._done = True
                self._stream.stop()
        except Exception:
            pass


class MessageStreamManager:
    """What ``messages.stream()`` returns: ``with`` it to get the :class:`MessageStream`."""

    def __init__(self, make: Callable[[], MessageStream]) -> None:
        self._make = make
        self._stream: Optional[MessageStream] = None

    def __enter__(self) -> MessageStream:
        self._stream = self._make()
        return self._stream

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if self._stream is not None:
            self._stream.close()


# ---- asyncio -------------------------------------------------------------------------------


def _resolve(fut: "asyncio.Future[Any]", ok: bool, value: Any) -> None:
    if fut.done():
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


def _post(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any) -> None:
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # the loop was closed meanwhile: nobody is waiting any more
        pass


async def run_blocking(fn: Callable[[Optional[Cancel]], _T], cancellable: bool = True) -> _T:
    """Runs a blocking native call on its own thread without blocking the event loop. When the
    awaiting task is cancelled, the call is cancelled through its ``Cancel`` handle (for calls
    that take one) and ``asyncio.CancelledError`` propagates."""
    loop = asyncio.get_running_loop()
    fut: "asyncio.Future[_T]" = loop.create_future()
    cancel = Cancel() if cancellable else None
    lock = threading.Lock()

    def work() -> None:
        ok, value = True, None  # type: Tuple[bool, Any]
        try:
            value = fn(cancel)
        except BaseException as e:
            ok, value = False, e
        finally:
            if cancel is not None:
                with lock:
                    cancel.close()
        _post(loop, _resolve, fut, ok, value)

    threading.Thread(target=work, name="claw-anthropic-call", daemon=True).start()
    try:
        return await fut
    except asyncio.CancelledError:
        if cancel is not None:
            with lock:
                if cancel._ptr:
                    cancel.cancel()
        raise


class _Channel:
    """Items from a worker thread to a coroutine. Wake-ups are batched: one
    ``call_soon_threadsafe`` per burst of items, not one per item."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: Deque[Union[bytes, _Done]] = deque()
        self._lock = threading.Lock()
        self._scheduled = False
        self._waiter: Optional["asyncio.Future[None]"] = None

    def put(self, item: Union[bytes, _Done]) -> None:
        with self._lock:
            self._items.append(item)
            if self._scheduled:
                return
            self._scheduled = True
        _post(self._loop, self._wake)

    def _wake(self) -> None:
        with self._lock:
            self._scheduled = False
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Union[bytes, _Done]:
        while True:
            with self._lock:
                if self._items:
                    return self._items.popleft()
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None


class AsyncMessageStream:
    """:class:`MessageStream` for asyncio (``async with`` / ``async for``). The event loop is
    never blocked; cancelling the task that awaits the stream cancels the native call."""

    def __init__(self, client: Client, body: bytes, raw: bool = False) -> None:
        self._client = expect(client, Client, "client")
        self._body = c_text(body, "body")
        self._channel: Optional[_Channel] = None
        self._stream: Optional[RawStream] = None
        self._builder = _Builder(raw)
        self._raw = raw
        self._pending: Deque[Event] = deque()
        self._done = False
        self._final: Optional[Message] = None
        self._error: Optional[BaseException] = None
        self.text_stream: AsyncIterator[str] = self._texts()

    def _start(self) -> _Channel:
        if self._channel is None:
            self._channel = _Channel(asyncio.get_running_loop())
            self._stream = RawStream(self._client, self._body, None, self._channel.put)
            self._stream.start()
        return self._channel

    def _finish(self, done: _Done) -> None:
        self._done = True
        if done.error is not None:
            self._error = done.error
        elif done.message is not None:
            self._final = Message.from_response(done.message)

    def __aiter__(self) -> "AsyncMessageStream":
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._pending:
                return self._pending.popleft()
            if self._done:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopAsyncIteration
            channel = self._start()
            try:
                item = await channel.get()
                if isinstance(item, _Done):
                    self._finish(item)
                    continue
                event = self._builder.build(item, self._pending)
                if isinstance(event, RawMessageStopEvent) and not self._raw:
                    done = await channel.get()
                    assert isinstance(done, _Done)
                    self._finish(done)
                    event.message = self._final
            except asyncio.CancelledError:
                self._stop()
                raise

    async def _texts(self) -> AsyncIterator[str]:
        # The same stream as iteration, but text deltas are read straight from the JSON.
        while True:
            while self._pending:
                text = _pending_text(self._pending.popleft())
                if text is not None:
                    yield text
            if self._done:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                return
            channel = self._start()
            try:
                item = await channel.get()
            except asyncio.CancelledError:
                self._stop()
                raise
            if isinstance(item, _Done):
                self._finish(item)
                continue
            text = self._builder.text_of(item)
            if text is not None:
                yield text

    async def until_done(self) -> None:
        """Consumes the stream."""
        async for _ in self:
            pass

    async def get_final_message(self) -> Message:
        """The accumulated message, once the stream has ended (raises the stream's error)."""
        if self._final is not None:
            return self._final
        if self._channel is None and not self._done:
            self._done = True
            client, body = self._client, self._body
            text = await run_blocking(lambda c: final_response_json(client, body, c))
            self._final = Message.from_response(text)
            return self._final
        await self.until_done()
        if self._final is None:
            raise ValueError("the stream was closed before it ended")
        return self._final

    async def get_final_text(self) -> str:
        """The text blocks of the final message, concatenated."""
        return _final_text(await self.get_final_message())

    def _stop(self) -> None:
        self._done = True
        if self._stream is not None:
            self._stream.stop()

    async def close(self) -> None:
        """Stops the stream (the native call is cancelled; this does not wait for it)."""
        if not self._done:
            self._stop()

    async def __aenter__(self) -> "AsyncMessageStream":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()

    def __del__(self) -> None:
        try:
            if not self._done:
                self._stop()
        except Exception:
            pass


class AsyncMessageStreamManager:
    """What ``AsyncAnthropic().messages.stream()`` returns: ``async with`` it to get the
    :class:`AsyncMessageStream`."""

    def __init__(self, make: Callable[[], AsyncMessageStream]) -> None:
        self._make = make
        self._stream: Optional[AsyncMessageStream] = None

    async def __aenter__(self) -> AsyncMessageStream:
        self._stream = self._make()
        return self._stream

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if self._stream is not None:
            await self._stream.close()
