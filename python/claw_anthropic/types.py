"""Response objects with attribute access, named as in the Anthropic SDK (``anthropic.types``).

Each object keeps the JSON it was made from: ``to_dict()`` returns it (a copy) and fields this
package does not know are still readable as attributes (``msg.container`` …)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Type, TypeVar, overload

__all__ = [
    "BaseObject",
    "Usage",
    "MessageDeltaUsage",
    "ContentBlock",
    "TextBlock",
    "ToolUseBlock",
    "ServerToolUseBlock",
    "ThinkingBlock",
    "RedactedThinkingBlock",
    "Attempt",
    "Cost",
    "Message",
    "MessageTokensCount",
    "ModelInfo",
    "Delta",
    "TextDelta",
    "InputJSONDelta",
    "ThinkingDelta",
    "SignatureDelta",
    "CitationsDelta",
    "MessageDelta",
    "MessageStreamEvent",
    "RawMessageStartEvent",
    "RawMessageDeltaEvent",
    "RawMessageStopEvent",
    "RawContentBlockStartEvent",
    "RawContentBlockDeltaEvent",
    "RawContentBlockStopEvent",
    "TextEvent",
    "ThinkingEvent",
    "ErrorEvent",
    "content_block",
    "stream_event",
]

_O = TypeVar("_O", bound="BaseObject")


class BaseObject:
    """A JSON object with attribute access."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise TypeError(f"{type(self).__name__} needs a mapping, not {type(data).__name__}")
        self._data: Dict[str, Any] = dict(data)

    @classmethod
    def from_json(cls: Type[_O], text: str) -> _O:
        """Parses JSON text."""
        return cls(json.loads(text))

    def to_dict(self) -> Dict[str, Any]:
        """The object as the API sent it (a deep copy)."""
        return copy.deepcopy(self._data)

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The object as JSON text."""
        return json.dumps(self._data, indent=indent, ensure_ascii=False)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not attributes: fields this package does not model.
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}") from None

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._data == other._data

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


_T = TypeVar("_T")


class _Field(Generic[_T]):
    """A read-only attribute of a :class:`BaseObject` that reads its JSON: ``read(data)``."""

    def __init__(self, read: Callable[[Dict[str, Any]], _T], doc: Optional[str] = None) -> None:
        self._read = read
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: Any) -> "_Field[_T]": ...

    @overload
    def __get__(self, obj: BaseObject, owner: Any) -> _T: ...

    def __get__(self, obj: Optional[BaseObject], owner: Any) -> Any:
        return self if obj is None else self._read(obj._data)


def _str(key: str, default: str = "") -> _Field[str]:
    """The field as a string (``default`` when absent)."""
    return _Field(lambda d: str(d.get(key, default)))


def _int(key: str) -> _Field[int]:
    """The field as an integer (0 when absent or null)."""
    return _Field(lambda d: int(d.get(key) or 0))


def _float(key: str) -> _Field[float]:
    """The field as a float (0.0 when absent)."""
    return _Field(lambda d: float(d.get(key, 0.0)))


def _opt(kind: Type[_T], key: str, doc: Optional[str] = None) -> _Field[Optional[_T]]:
    """The field as sent (``None`` when absent), typed as ``kind``."""
    return _Field(lambda d: d.get(key), doc)


def _any(key: str) -> _Field[Any]:
    """The field as sent (``None`` when absent)."""
    return _Field(lambda d: d.get(key))


class Usage(BaseObject):
    """Token usage of a message."""

    __slots__ = ()

    input_tokens = _int("input_tokens")
    output_tokens = _int("output_tokens")
    cache_creation_input_tokens = _opt(int, "cache_creation_input_tokens")
    cache_read_input_tokens = _opt(int, "cache_read_input_tokens")
    service_tier = _opt(str, "service_tier")


class MessageDeltaUsage(Usage):
    """The cumulative usage in a ``message_delta`` event."""

    __slots__ = ()


class ContentBlock(BaseObject):
    """A content block of a message; ``type`` tells which (subclasses for the known ones)."""

    __slots__ = ()

    type = _str("type")


class TextBlock(ContentBlock):
    """``{"type": "text", "text": …}``."""

    __slots__ = ()

    text = _str("text")
    citations = _opt(list, "citations")


class ToolUseBlock(ContentBlock):
    """``{"type": "tool_use", "id", "name", "input"}``."""

    __slots__ = ()

    id = _str("id")
    name = _str("name")
    input = _any("input")


class ServerToolUseBlock(ToolUseBlock):
    """``{"type": "server_tool_use", …}``."""

    __slots__ = ()


class ThinkingBlock(ContentBlock):
    """``{"type": "thinking", "thinking", "signature"}``."""

    __slots__ = ()

    thinking = _str("thinking")
    signature = _str("signature")


class RedactedThinkingBlock(ContentBlock):
    """``{"type": "redacted_thinking", "data"}``."""

    __slots__ = ()

    data = _str("data")


_BLOCKS: Dict[str, Type[ContentBlock]] = {
    "text": TextBlock,
    "tool_use": ToolUseBlock,
    "server_tool_use": ServerToolUseBlock,
    "thinking": ThinkingBlock,
    "redacted_thinking": RedactedThinkingBlock,
}


def content_block(data: Mapping[str, Any]) -> ContentBlock:
    """The block object for a content block's JSON."""
    return _BLOCKS.get(str(data.get("type")), ContentBlock)(data)


class Attempt(BaseObject):
    """One attempt of a request (SDK-rule retries on the same profile are attempts of their
    own): the profile and model tried, the HTTP status (or the transport failure), the failure
    reason (``None`` for the attempt that succeeded), the wait before the next try on the same
    profile, the response's request id and how long the attempt took."""

    __slots__ = ()

    profile_id = _opt(str, "profileId")
    model = _str("model")
    status = _opt(int, "status")

    transport = _opt(
        str,
        "transport",
        doc="""``connect``, ``timeout``, ``connection``, ``protocol`` or ``other`` when the attempt
        got no (complete) response.""",
    )

    reason = _opt(
        str,
        "reason",
        doc="""``auth``, ``rate_limit``, ``billing``, ``timeout``, ``format``, ``unknown``; ``None``
        for the attempt that succeeded.""",
    )

    retry_delay_ms = _opt(int, "retryDelayMs")
    request_id = _opt(str, "requestId")
    duration_ms = _int("durationMs")
    message = _opt(str, "message")


class Cost(BaseObject):
    """What a response cost in USD at the prices configured for its model
    (``models.providers.<id>.models[].cost``, per million tokens)."""

    __slots__ = ()

    input = _float("input")
    output = _float("output")
    cache_read = _float("cacheRead")
    cache_write = _float("cacheWrite")
    total = _float("total")


class Message(BaseObject):
    """A response message. Besides the API's fields: ``request_id`` (the response's
    ``request-id``), ``profile_id`` (the auth profile that answered; ``None`` for a key from
    the environment or the config), ``attempts`` (every :class:`Attempt` made, retries
    included, the successful one last) and ``cost`` (a :class:`Cost` when prices are configured
    for the model, else ``None``)."""

    __slots__ = ("_content", "_usage", "request_id", "profile_id", "attempts", "cost")

    def __init__(
        self,
        data: Mapping[str, Any],
        request_id: Optional[str] = None,
        profile_id: Optional[str] = None,
        attempts: Optional[List[Attempt]] = None,
        cost: Optional[Cost] = None,
    ) -> None:
        super().__init__(data)
        self._content: Optional[List[ContentBlock]] = None
        self._usage: Optional[Usage] = None
        self.request_id = request_id
        self.profile_id = profile_id
        self.attempts: List[Attempt] = attempts if attempts is not None else []
        self.cost = cost

    @classmethod
    def from_response(cls, text: str) -> "Message":
        """From the library's ``{"message", "request_id", "profile_id", "model", "attempts",
        "cost"}`` JSON."""
        response = json.loads(text)
        cost = response.get("cost")
        return cls(
            response["message"],
            response.get("request_id"),
            response.get("profile_id"),
            [Attempt(a) for a in response.get("attempts") or []],
            Cost(cost) if cost is not None else None,
        )

    id = _str("id")
    type = _str("type", "message")
    role = _str("role", "assistant")
    model = _str("model")

    @property
    def content(self) -> List[ContentBlock]:
        if self._content is None:
            self._content = [content_block(b) for b in self._data.get("content") or []]
        return self._content

    stop_reason = _opt(str, "stop_reason")
    stop_sequence = _opt(str, "stop_sequence")

    @property
    def usage(self) -> Usage:
        if self._usage is None:
            self._usage = Usage(self._data.get("usage") or {})
        return self._usage


class MessageTokensCount(BaseObject):
    """The answer of ``messages.count_tokens``."""

    __slots__ = ()

    input_tokens = _int("input_tokens")


class ModelInfo(BaseObject):
    """One model of ``models.list()``."""

    __slots__ = ()

    id = _str("id")
    type = _str("type", "model")
    display_name = _str("display_name")

    @property
    def created_at(self) -> Optional[datetime]:
        raw = self._data.get("created_at")
        if not isinstance(raw, str):
            return None
        text = raw[:-1] + "+00:00" if raw.endswith("Z") else raw
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# ---- stream events -------------------------------------------------------------------------


class Delta(BaseObject):
    """A ``content_block_delta``'s delta; ``type`` tells which."""

    __slots__ = ()

    type = _str("type")


class TextDelta(Delta):
    __slots__ = ()

    text = _str("text")


class InputJSONDelta(Delta):
    __slots__ = ()

    partial_json = _str("partial_json")


class ThinkingDelta(Delta):
    __slots__ = ()

    thinking = _str("thinking")


class SignatureDelta(Delta):
    __slots__ = ()

    signature = _str("signature")


class CitationsDelta(Delta):
    __slots__ = ()

    citation = _any("citation")


_DELTAS: Dict[str, Type[Delta]] = {
    "text_delta": TextDelta,
    "input_json_delta": InputJSONDelta,
    "thinking_delta": ThinkingDelta,
    "signature_delta": SignatureDelta,
    "citations_delta": CitationsDelta,
}


class MessageDelta(BaseObject):
    """A ``message_delta``'s delta."""

    __slots__ = ()

    stop_reason = _opt(str, "stop_reason")
    stop_sequence = _opt(str, "stop_sequence")


class MessageStreamEvent(BaseObject):
    """A stream event; ``type`` tells which (subclasses for the known ones)."""

    __slots__ = ()

    type = _str("type")


class RawMessageStartEvent(MessageStreamEvent):
    __slots__ = ()

    @property
    def message(self) -> Message:
        return Message(self._data.get("message") or {})


class RawMessageDeltaEvent(MessageStreamEvent):
    __slots__ = ()

    @property
    def delta(self) -> MessageDelta:
        return MessageDelta(self._data.get("delta") or {})

    @property
    def usage(self) -> MessageDeltaUsage:
        return MessageDeltaUsage(self._data.get("usage") or {})


class RawMessageStopEvent(MessageStreamEvent):
    """``message_stop``. In a ``messages.stream()`` iteration ``message`` is the final message
    (``None`` from ``messages.create(stream=True)``)."""

    __slots__ = ("message",)

    def __init__(self, data: Mapping[str, Any], message: Optional[Message] = None) -> None:
        super().__init__(data)
        self.message = message


class RawContentBlockStartEvent(MessageStreamEvent):
    __slots__ = ()

    index = _int("index")

    @property
    def content_block(self) -> ContentBlock:
        return content_block(self._data.get("content_block") or {})


class RawContentBlockDeltaEvent(MessageStreamEvent):
    __slots__ = ("delta",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        raw = data.get("delta") or {}
        self.delta: Delta = _DELTAS.get(str(raw.get("type")), Delta)(raw)

    index = _int("index")


class RawContentBlockStopEvent(MessageStreamEvent):
    __slots__ = ()

    index = _int("index")


class ErrorEvent(MessageStreamEvent):
    __slots__ = ()

    @property
    def error(self) -> Dict[str, Any]:
        err: Dict[str, Any] = self._data.get("error") or {}
        return err


class _Parts:
    """The text of one content block so far, joined only when asked."""

    __slots__ = ("parts", "_joined", "_joined_n")

    def __init__(self) -> None:
        self.parts: List[str] = []
        self._joined = ""
        self._joined_n = 0

    def upto(self, n: int) -> str:
        if n != self._joined_n:
            self._joined = "".join(self.parts[:n])
            self._joined_n = n
        return self._joined


class TextEvent:
    """``{"type": "text"}``: follows each text delta in a ``messages.stream()`` iteration;
    ``text`` is the delta, ``snapshot`` the block's text so far."""

    __slots__ = ("text", "_parts", "_n")
    type = "text"

    def __init__(self, text: str, parts: _Parts) -> None:
        self.text = text
        self._parts = parts
        self._n = len(parts.parts)

    @property
    def snapshot(self) -> str:
        return self._parts.upto(self._n)

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "text", "text": self.text, "snapshot": self.snapshot}

    def __repr__(self) -> str:
        return f"TextEvent(text={self.text!r})"


class ThinkingEvent:
    """``{"type": "thinking"}``: follows each thinking delta; ``thinking`` is the delta,
    ``snapshot`` the block's thinking so far."""

    __slots__ = ("thinking", "_parts", "_n")
    type = "thinking"

    def __init__(self, thinking: str, parts: _Parts) -> None:
        self.thinking = thinking
        self._parts = parts
        self._n = len(parts.parts)

    @property
    def snapshot(self) -> str:
        return self._parts.upto(self._n)

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "thinking", "thinking": self.thinking, "snapshot": self.snapshot}

    def __repr__(self) -> str:
        return f"ThinkingEvent(thinking={self.thinking!r})"


_EVENTS: Dict[str, Type[MessageStreamEvent]] = {
    "message_start": RawMessageStartEvent,
    "message_delta": RawMessageDeltaEvent,
    "message_stop": RawMessageStopEvent,
    "content_block_start": RawContentBlockStartEvent,
    "content_block_delta": RawContentBlockDeltaEvent,
    "content_block_stop": RawContentBlockStopEvent,
    "error": ErrorEvent,
}


def stream_event(data: Mapping[str, Any]) -> MessageStreamEvent:
    """The event object for an event's JSON."""
    return _EVENTS.get(str(data.get("type")), MessageStreamEvent)(data)
