"""claw-anthropic for Python: a Clawdbot-compatible Anthropic (Claude) client with the shape of
Anthropic's own SDK, over the project's native library (ctypes).

>>> import claw_anthropic as anthropic
>>> client = anthropic.Anthropic()          # ~/.clawdbot (or $CLAWDBOT_STATE_DIR), agent "main"
>>> msg = client.messages.create(model="opus", messages=[{"role": "user", "content": "Hi"}])  # doctest: +SKIP
>>> msg.content[0].text                                                             # doctest: +SKIP

``AsyncAnthropic`` is the same with ``await``. Errors carry the SDK's class names
(``anthropic.RateLimitError`` …). The lower level — :class:`Config` (status, dry-run request
building, storing credentials), :class:`Client` (dict in, dict out), :class:`Cancel`,
:class:`MockServer` — stays available.

The native library is the one installed inside the package (``pip install .``), else, in a
source checkout, ``target/release`` or ``target/debug`` above the package, or
``$CLAW_ANTHROPIC_LIB``. Importing fails with :class:`LibraryVersionError` when that library
is not this package's version.
"""

from __future__ import annotations

from . import types
from ._client import (
    Anthropic,
    AsyncAnthropic,
    AsyncMessages,
    AsyncModels,
    AsyncPage,
    AsyncPaginator,
    Messages,
    Models,
    SyncPage,
)
from ._errors import (
    AnthropicError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CancelledError,
    ClawError,
    ConfigError,
    ConflictError,
    InternalServerError,
    NoCredentialsError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProfilesUnavailableError,
    RateLimitError,
    RequestTooLargeError,
    UnprocessableEntityError,
    codes,
)
from ._lib import LibraryVersionError, lib as _native_lib, library_path
from ._native import JSON, Cancel, Client, Config, MessageStream, MockServer, Request, Text, version
from ._streaming import AsyncMessageStream
from ._version import __version__
from .types import Message

__all__ = [
    "__version__",
    "Anthropic",
    "AsyncAnthropic",
    "Messages",
    "AsyncMessages",
    "Models",
    "AsyncModels",
    "SyncPage",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncMessageStream",
    "Message",
    "types",
    "AnthropicError",
    "APIError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RequestTooLargeError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "OverloadedError",
    "APIConnectionError",
    "APITimeoutError",
    "NoCredentialsError",
    "ProfilesUnavailableError",
    "ConfigError",
    "CancelledError",
    "ClawError",
    "LibraryVersionError",
    "Config",
    "Client",
    "Cancel",
    "MessageStream",
    "MockServer",
    "codes",
    "version",
    "library_path",
    "sync_log_level",
    "JSON",
    "Request",
    "Text",
]

# Load the native library now, so that a missing or mismatched one fails the import with a
# clear message instead of the first call.
try:
    _native_lib.path
except OSError as _e:
    raise ImportError(str(_e)) from None

# The library's log events go to logging.getLogger("claw_anthropic").
from ._logging import sync_log_level  # noqa: E402

sync_log_level()
