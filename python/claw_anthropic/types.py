"""Response objects with attribute access, named as in the Anthropic SDK (``anthropic.types``).

Each object keeps the JSON it was made from: ``to_dict()`` returns it (a copy) and fields this
package does not know are still readable as attributes (``msg.container`` …)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar

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


class Usage(BaseObject):
    """Token usage of a message."""

    __slots__ = ()

    @property
    def input_tokens(self) -> int:
        return int(self._data.get("input_tokens") or 0)

    @property
    def output_tokens(self) -> int:
        return int(self._data.get("output_tokens") or 0)

    @property
    def cache_creation_input_tokens(self) -> Optional[int]:
        return self._data.get("cache_creation_input_tokens")

    @property
    def cache_read_input_tokens(self) -> Optional[int]:
        return self._data.get("cache_read_input_tokens")

    @property
    def service_tier(self) -> Optional[str]:
        return self._data.get("service_tier")


class MessageDeltaUsage(Usage):
    """The cumulative usage in a ``message_delta`` event."""

    __slots__ = ()


class ContentBlock(BaseObject):
    """A content block of a message; ``type`` tells which (subclasses for the known ones)."""

    __slots__ = ()

    @property
    def type(self) -> str:
        return str(self._data.get("type", ""))


class TextBlock(ContentBlock):
    """``{"type": "text", "text": …}``."""

    __slots__ = ()

    @property
    def text(self) -> str:
        return str(self._data.get("text", ""))

    @property
    def citations(self) -> Optional[List[Any]]:
        return self._data.get("citations")


class ToolUseBlock(ContentBlock):
    """``{"type": "tool_use", "id", "name", "input"}``."""

    __slots__ = ()

    @property
    def id(self) -> str:
        return str(self._data.get("id", ""))

    @property
    def name(self) -> str:
        return str(self._data.get("name", ""))

    @property
    def input(self) -> Any:
        return self._data.get("input")


class ServerToolUseBlock(ToolUseBlock):
    """``{"type": "server_tool_use", …}``."""

    __slots__ = ()


class ThinkingBlock(ContentBlock):
    """``{"type": "thinking", "thinking", "signature"}``."""

    __slots__ = ()

    @property
    def thinking(self) -> str:
        return str(self._data.get("thinking", ""))

    @property
    def signature(self) -> str:
        return str(self._data.get("signature", ""))


class RedactedThinkingBlock(ContentBlock):
    """``{"type": "redacted_thinking", "data"}``."""

    __slots__ = ()

    @property
    def data(self) -> str:
        return str(self._data.get("data", ""))


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

    @property
    def profile_id(self) -> Optional[str]:
        return self._data.get("profileId")

    @property
    def model(self) -> str:
        return str(self._data.get("model", ""))

    @property
    def status(self) -> Optional[int]:
        return self._data.get("status")

    @property
    def transport(self) -> Optional[str]:
        """``connect``, ``timeout``, ``connection``, ``protocol`` or ``other`` when the attempt
        got no (complete) response."""
        return self._data.get("transport")

    @property
    def reason(self) -> Optional[str]:
        """``auth``, ``rate_limit``, ``billing``, ``timeout``, ``format``, ``unknown``; ``None``
        for the attempt that succeeded."""
        return self._data.get("reason")

    @property
    def retry_delay_ms(self) -> Optional[int]:
        return self._data.get("retryDelayMs")

    @property
    def request_id(self) -> Optional[str]:
        return self._data.get("requestId")

    @property
    def duration_ms(self) -> int:
        return int(self._data.get("durationMs") or 0)

    @property
    def message(self) -> Optional[str]:
        return self._data.get("message")


class Cost(BaseObject):
    """What a response cost in USD at the prices configured for its model
    (``models.providers.<id>.models[].cost``, per million tokens)."""

    __slots__ = ()

    @property
    def input(self) -> float:
        return float(self._data.get("input", 0.0))

    @property
    def output(self) -> float:
        return float(self._data.get("output", 0.0))

    @property
    def cache_read(self) -> float:
        return float(self._data.get("cacheRead", 0.0))

    @property
    def cache_write(self) -> float:
        return float(self._data.get("cacheWrite", 0.0))

    @property
    def total(self) -> float:
        return float(self._data.get("total", 0.0))


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

    @property
    def id(self) -> str:
        return str(self._data.get("id", ""))

    @property
    def type(self) -> str:
        return str(self._data.get("type", "message"))

    @property
    def role(self) -> str:
        return str(self._data.get("role", "assistant"))

    @property
    def model(self) -> str:
        return str(self._data.get("model", ""))

    @property
    def content(self) -> List[ContentBlock]:
        if self._content is None:
            self._content = [content_block(b) for b in self._data.get("content") or []]
        return self._content

    @property
    def stop_reason(self) -> Optional[str]:
        return self._data.get("stop_reason")

    @property
    def stop_sequence(self) -> Optional[str]:
        return self._data.get("stop_sequence")

    @property
    def usage(self) -> Usage:
        if self._usage is None:
            self._usage = Usage(self._data.get("usage") or {})
        return self._usage


class MessageTokensCount(BaseObject):
    """The answer of ``messages.count_tokens``."""

    __slots__ = ()

    @property
    def input_tokens(self) -> int:
        return int(self._data.get("input_tokens") or 0)


class ModelInfo(BaseObject):
    """One model of ``models.list()``."""

    __slots__ = ()

    @property
    def id(self) -> str:
        return str(self._data.get("id", ""))

    @property
    def type(self) -> str:
        return str(self._data.get("type", "model"))

    @property
    def display_name(self) -> str:
        return str(self._data.get("display_name", ""))

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

    @property
    def type(self) -> str:
        return str(self._data.get("type", ""))


class TextDelta(Delta):
    __slots__ = ()

    @property
    def text(self) -> str:
        return str(self._data.get("text", ""))


class InputJSONDelta(Delta):
    __slots__ = ()

    @property
    def partial_json(self) -> str:
        return str(self._data.get("partial_json", ""))


class ThinkingDelta(Delta):
    __slots__ = ()

    @property
    def thinking(self) -> str:
        return str(self._data.get("thinking", ""))


class SignatureDelta(Delta):
    __slots__ = ()

    @property
    def signature(self) -> str:
        return str(self._data.get("signature", ""))


class CitationsDelta(Delta):
    __slots__ = ()

    @property
    def citation(self) -> Any:
        return self._data.get("citation")


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

    @property
    def stop_reason(self) -> Optional[str]:
        return self._data.get("stop_reason")

    @property
    def stop_sequence(self) -> Optional[str]:
        return self._data.get("stop_sequence")


class MessageStreamEvent(BaseObject):
    """A stream event; ``type`` tells which (subclasses for the known ones)."""

    __slots__ = ()

    @property
    def type(self) -> str:
        return str(self._data.get("type", ""))


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

    @property
    def index(self) -> int:
        return int(self._data.get("index") or 0)

    @property
    def content_block(self) -> ContentBlock:
        return content_block(self._data.get("content_block") or {})


class RawContentBlockDeltaEvent(MessageStreamEvent):
    __slots__ = ("delta",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        raw = data.get("delta") or {}
        self.delta: Delta = _DELTAS.get(str(raw.get("type")), Delta)(raw)

    @property
    def index(self) -> int:
        return int(self._data.get("index") or 0)


class RawContentBlockStopEvent(MessageStreamEvent):
    __slots__ = ()

    @property
    def index(self) -> int:
        return int(self._data.get("index") or 0)


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
