"""The stream classes, at the Anthropic SDK's import path."""

from .._streaming import (
    AsyncMessageStream,
    AsyncMessageStreamManager,
    MessageStream,
    MessageStreamManager,
)
from ..types import TextEvent, ThinkingEvent

__all__ = [
    "MessageStream",
    "AsyncMessageStream",
    "MessageStreamManager",
    "AsyncMessageStreamManager",
    "TextEvent",
    "ThinkingEvent",
]
