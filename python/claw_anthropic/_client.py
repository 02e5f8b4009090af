"""``Anthropic`` and ``AsyncAnthropic``: the Anthropic SDK's client shape over a ``Client``."""

from __future__ import annotations

from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Dict,
    Generator,
    Generic,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Type,
    TypeVar,
    Union,
    overload,
)

from ._native import Client, Closing, Config, Text, c_json, c_opt_text, expect, expect_mapping
from ._streaming import (
    AsyncMessageStream,
    AsyncMessageStreamManager,
    MessageStream,
    MessageStreamManager,
    run_blocking,
)
from .types import Message, MessageTokensCount, ModelInfo

__all__ = [
    "Anthropic",
    "AsyncAnthropic",
    "Messages",
    "AsyncMessages",
    "Models",
    "AsyncModels",
    "SyncPage",
    "AsyncPage",
    "AsyncPaginator",
]

_T = TypeVar("_T")

# Per-request settings of the Anthropic SDK that this client takes at construction instead.
_NOT_BODY = ("extra_headers", "extra_query", "timeout")


def _options(
    options: Optional[Mapping[str, Any]],
    max_retries: Optional[int],
    timeout: Optional[float],
) -> Optional[Dict[str, Any]]:
    out: Dict[str, Any] = dict(expect_mapping(options, "options")) if options is not None else {}
    if max_retries is not None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise TypeError(f"max_retries must be an int, not {type(max_retries).__name__}")
        out["max_retries"] = max_retries
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
        if not timeout > 0:
            raise ValueError("timeout must be greater than 0 seconds")
        out["request_timeout_ms"] = max(1, int(timeout * 1000))
    return out or None


def _open(
    agent: Optional[Text],
    state_dir: Optional[Text],
    options: Optional[Mapping[str, Any]],
    config: Optional[Config],
    max_retries: Optional[int],
    timeout: Optional[float],
) -> Client:
    opts = _options(options, max_retries, timeout)
    c_opt_text(agent, "agent")
    if config is not None:
        if state_dir is not None:
            raise ValueError("pass either config or state_dir, not both")
        return Client(expect(config, Config, "config"), agent, opts)
    cfg = Config.load() if state_dir is None else Config.load_state_dir(state_dir)
    try:
        return Client(cfg, agent, opts)
    finally:
        cfg.close()  # the client keeps its own reference


def _body(
    model: Optional[str],
    max_tokens: Optional[int],
    messages: Iterable[Mapping[str, Any]],
    fields: Mapping[str, Any],
) -> bytes:
    body: Dict[str, Any] = {}
    if model is not None:
        body["model"] = expect(model, str, "model")
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
            raise TypeError(f"max_tokens must be an int, not {type(max_tokens).__name__}")
        body["max_tokens"] = max_tokens
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Iterable):
        raise TypeError(f"messages must be a list of message objects, not {type(messages).__name__}")
    body["messages"] = list(messages)
    for name in _NOT_BODY:
        if name in fields:
            raise TypeError(
                f"{name} is not supported per request: timeouts and retries are client options "
                "(Anthropic(timeout=..., max_retries=..., options=...)), headers come from the config"
            )
    extra = fields.get("extra_body")
    for key, value in fields.items():
        if key != "extra_body" and value is not None:
            body[key] = value
    if extra is not None:
        body.update(expect_mapping(extra, "extra_body"))
    return c_json(body)


class SyncPage(Generic[_T]):
    """One page of a list; iterating it yields every item of this page and the following ones."""

    def __init__(self, models: "Models", page: Dict[str, Any], limit: Optional[int]) -> None:
        self._models = models
        self._limit = limit
        self.data: List[ModelInfo] = [ModelInfo(m) for m in page.get("data") or []]
        self.has_more: bool = bool(page.get("has_more"))
        self.first_id: Optional[str] = page.get("first_id")
        self.last_id: Optional[str] = page.get("last_id")

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.last_id)

    def get_next_page(self) -> "SyncPage[ModelInfo]":
        if not self.has_next_page():
            raise RuntimeError("no next page: check has_next_page() first")
        return self._models._page(self.last_id, self._limit)

    def iter_pages(self) -> Iterator["SyncPage[ModelInfo]"]:
        page: SyncPage[ModelInfo] = self  # type: ignore[assignment]
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[ModelInfo]:
        for page in self.iter_pages():
            yield from page.data


class Models:
    """``client.models``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def _page(self, after_id: Optional[str], limit: Optional[int]) -> SyncPage[ModelInfo]:
        return SyncPage(self, self._client.list_models(after_id, limit), limit)

    def list(self, *, after_id: Optional[str] = None, limit: Optional[int] = None) -> SyncPage[ModelInfo]:
        """The first page of models (of the default model's provider); iterate the page for
        all models, fetching further pages as needed."""
        return self._page(after_id, limit)


class Messages:
    """``client.messages``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        stream: Literal[False] = False,
        **fields: Any,
    ) -> Message: ...

    @overload
    def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        stream: Literal[True],
        **fields: Any,
    ) -> MessageStream: ...

    def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        stream: bool = False,
        **fields: Any,
    ) -> Union[Message, MessageStream]:
        """Sends a Messages request and returns the :class:`Message`. ``model`` may be an alias
        or ``provider/model`` ref; omitted, it is left out of the request for the library to
        use the agent's default model. ``max_tokens`` omitted means the configured default; other body fields (``system``, ``tools``,
        ``temperature``, …, ``extra_body``) are passed through. ``stream=True`` returns an
        iterable of the raw events instead (as the SDK)."""
        body = _body(model, max_tokens, messages, fields)
        if stream:
            return MessageStream(self._client, body, raw=True)
        return Message.from_response(self._client.send_response_json(body))

    def stream(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        **fields: Any,
    ) -> MessageStreamManager:
        """A streaming request: ``with client.messages.stream(...) as stream``."""
        body = _body(model, max_tokens, messages, fields)
        return MessageStreamManager(lambda: MessageStream(self._client, body))

    def count_tokens(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        **fields: Any,
    ) -> MessageTokensCount:
        """The input tokens of a request."""
        body = _body(model, None, messages, fields)
        return MessageTokensCount({"input_tokens": self._client.count_tokens(body)})


class _Base:
    """What both clients share: how they open their :class:`Client` (``options`` as for
    :class:`Client`; ``max_retries`` and ``timeout`` (seconds) as in the SDK; ``config`` uses an
    already loaded :class:`Config`)."""

    def __init__(
        self,
        agent: Optional[Text] = None,
        state_dir: Optional[Text] = None,
        options: Optional[Mapping[str, Any]] = None,
        *,
        config: Optional[Config] = None,
        max_retries: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> None:
        self._client = _open(agent, state_dir, options, config, max_retries, timeout)
        self._attach(self._client)

    def _attach(self, client: Client) -> None:
        """Sets up ``messages`` and ``models`` over ``client``."""
        raise NotImplementedError

    @property
    def native(self) -> Client:
        """The underlying :class:`Client`."""
        return self._client


class Anthropic(_Base, Closing):
    """A synchronous client with the Anthropic SDK's shape, for one agent of a Clawdbot
    configuration (``~/.clawdbot``, ``$CLAWDBOT_STATE_DIR``, or ``state_dir``).

    ``options`` as for :class:`Client`; ``max_retries`` and ``timeout`` (seconds) as in the SDK;
    ``config`` uses an already loaded :class:`Config`."""

    messages: Messages
    models: Models

    def _attach(self, client: Client) -> None:
        self.messages = Messages(client)
        self.models = Models(client)

    def close(self) -> None:
        """Frees the native client once no call is using it."""
        self._client.close()


class AsyncPage(Generic[_T]):
    """One page of a list (async); ``async for`` over it yields every item of this page and the
    following ones."""

    def __init__(self, models: "AsyncModels", page: Dict[str, Any], limit: Optional[int]) -> None:
        self._models = models
        self._limit = limit
        self.data: List[ModelInfo] = [ModelInfo(m) for m in page.get("data") or []]
        self.has_more: bool = bool(page.get("has_more"))
        self.first_id: Optional[str] = page.get("first_id")
        self.last_id: Optional[str] = page.get("last_id")

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.last_id)

    async def get_next_page(self) -> "AsyncPage[ModelInfo]":
        if not self.has_next_page():
            raise RuntimeError("no next page: check has_next_page() first")
        return await self._models._page(self.last_id, self._limit)

    async def iter_pages(self) -> AsyncIterator["AsyncPage[ModelInfo]"]:
        page: AsyncPage[ModelInfo] = self  # type: ignore[assignment]
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[ModelInfo]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item


class AsyncPaginator:
    """What ``AsyncAnthropic().models.list()`` returns: ``await`` it for the first page, or
    ``async for`` over it for every model."""

    def __init__(self, models: "AsyncModels", after_id: Optional[str], limit: Optional[int]) -> None:
        self._models = models
        self._after_id = after_id
        self._limit = limit

    def __await__(self) -> Generator[Any, None, AsyncPage[ModelInfo]]:
        return self._models._page(self._after_id, self._limit).__await__()

    async def __aiter__(self) -> AsyncIterator[ModelInfo]:
        page = await self._models._page(self._after_id, self._limit)
        async for item in page:
            yield item


class AsyncModels:
    """``client.models`` (async)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def _page(self, after_id: Optional[str], limit: Optional[int]) -> AsyncPage[ModelInfo]:
        client = self._client
        page = await run_blocking(lambda _c: client.list_models(after_id, limit), cancellable=False)
        return AsyncPage(self, page, limit)

    def list(self, *, after_id: Optional[str] = None, limit: Optional[int] = None) -> AsyncPaginator:
        """``await`` for the first page; ``async for`` for all models."""
        c_opt_text(after_id, "after_id")
        return AsyncPaginator(self, after_id, limit)


class AsyncMessages:
    """``client.messages`` (async)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @overload
    async def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        stream: Literal[False] = False,
        **fields: Any,
    ) -> Message: ...

    @overload
    async def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        stream: Literal[True],
        **fields: Any,
    ) -> AsyncMessageStream: ...

    async def create(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        stream: bool = False,
        **fields: Any,
    ) -> Union[Message, AsyncMessageStream]:
        """As :meth:`Messages.create`; runs on a worker thread, and cancelling the awaiting
        task cancels the request. ``stream=True`` returns an :class:`AsyncMessageStream` of the
        raw events."""
        body = _body(model, max_tokens, messages, fields)
        if stream:
            return AsyncMessageStream(self._client, body, raw=True)
        client = self._client
        text = await run_blocking(lambda cancel: client.send_response_json(body, cancel))
        return Message.from_response(text)

    def stream(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        max_tokens: Optional[int] = None,
        **fields: Any,
    ) -> AsyncMessageStreamManager:
        """A streaming request: ``async with client.messages.stream(...) as stream``."""
        body = _body(model, max_tokens, messages, fields)
        return AsyncMessageStreamManager(lambda: AsyncMessageStream(self._client, body))

    async def count_tokens(
        self,
        *,
        messages: Iterable[Mapping[str, Any]],
        model: Optional[str] = None,
        **fields: Any,
    ) -> MessageTokensCount:
        """The input tokens of a request (on a worker thread)."""
        body = _body(model, None, messages, fields)
        client = self._client
        n = await run_blocking(lambda _c: client.count_tokens(body), cancellable=False)
        return MessageTokensCount({"input_tokens": n})


class AsyncAnthropic(_Base):
    """:class:`Anthropic` for asyncio: the same surface with ``await``, ``async with`` and
    ``async for``. Calls run on worker threads; the event loop is never blocked."""

    messages: AsyncMessages
    models: AsyncModels

    def _attach(self, client: Client) -> None:
        self.messages = AsyncMessages(client)
        self.models = AsyncModels(client)

    async def close(self) -> None:
        """Frees the native client once no call is using it."""
        self._client.close()

    async def __aenter__(self) -> "AsyncAnthropic":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()
