"""Result codes of the C API and the exception hierarchy (the Anthropic SDK's class names)."""

from __future__ import annotations

from typing import Dict, List, Optional, Type

from .types import Attempt

__all__ = [
    "codes",
    "AnthropicError",
    "ClawError",
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
    "error_class",
]


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
    # Levels of ``claw_set_log_callback`` (not result codes).
    LOG_OFF = 0
    LOG_ERROR = 1
    LOG_WARN = 2
    LOG_INFO = 3
    LOG_DEBUG = 4
    LOG_TRACE = 5

    @classmethod
    def name_of(cls, code: int) -> str:
        """``"NO_CREDENTIALS"`` for 1200, ``"UNKNOWN_<n>"`` for a code this package does not know."""
        for k, v in vars(cls).items():
            if k.isupper() and not k.startswith("LOG_") and v == code:
                return k
        return f"UNKNOWN_{code}"


class AnthropicError(Exception):
    """Base of every error this package raises for a failed call (``ClawError`` is the same
    class). ``code`` is a :class:`codes` value, ``message`` never contains a secret;
    ``http_status`` (0 when no HTTP answer was involved) and ``request_id`` describe the last
    HTTP answer when there was one.

    ``attempts`` is every :class:`~claw_anthropic.types.Attempt` the failed request made, in
    order, SDK-rule retries included (three 429s on one profile and a 401 on the next are four
    entries, the 401 last), the objects a successful :class:`~claw_anthropic.types.Message`
    has in its ``attempts``. Empty when the call failed before any try (an invalid request), for
    a call cancelled before a response started, and for calls that send no request. For a
    stream that failed after it opened: the attempts until it opened, the last one the
    stream's own."""

    code: int
    message: str
    http_status: int
    request_id: Optional[str]
    body: Optional[object]
    attempts: List[Attempt]

    def __init__(
        self,
        code: int,
        message: str,
        http_status: int = 0,
        request_id: Optional[str] = None,
        body: Optional[object] = None,
        attempts: Optional[List[Attempt]] = None,
    ) -> None:
        super().__init__(f"[{codes.name_of(code)}] {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.body = body
        self.attempts = attempts if attempts is not None else []

    @property
    def name(self) -> str:
        """The code's name (``"NO_CREDENTIALS"``, …)."""
        return codes.name_of(self.code)


ClawError = AnthropicError
"""The name this package used before it took the SDK's names; the same class."""


class APIError(AnthropicError):
    """A call to the API failed (an HTTP answer, a broken connection or a broken stream)."""


class APIStatusError(APIError):
    """The API answered with a 4xx or 5xx status (after retries, rotation and fallback)."""

    @property
    def status_code(self) -> int:
        """The HTTP status of the last answer."""
        return self.http_status


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class RequestTooLargeError(APIStatusError):
    """HTTP 413."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422."""


class RateLimitError(APIStatusError):
    """HTTP 429."""


class InternalServerError(APIStatusError):
    """HTTP 500 and above."""


class OverloadedError(InternalServerError):
    """HTTP 529 (the API is overloaded)."""


class APIConnectionError(APIError):
    """No HTTP answer: the connection failed or broke."""


class APITimeoutError(APIConnectionError):
    """A connect, request or stream-idle timeout expired."""


class NoCredentialsError(AnthropicError):
    """No credential for the provider (no usable auth profile, no environment key)."""


class ProfilesUnavailableError(AnthropicError):
    """Every auth profile of the provider is in cooldown or disabled."""


class ConfigError(AnthropicError):
    """The configuration or the auth store could not be read or written."""


class CancelledError(AnthropicError):
    """The call was cancelled through its :class:`Cancel` handle."""


_BY_STATUS: Dict[int, Type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    529: OverloadedError,
}

_BY_CODE: Dict[int, Type[AnthropicError]] = {
    codes.NO_CREDENTIALS: NoCredentialsError,
    codes.NO_PROFILE_CREDENTIALS: NoCredentialsError,
    codes.ALL_PROFILES_UNAVAILABLE: ProfilesUnavailableError,
    codes.CONFIG: ConfigError,
    codes.IO: ConfigError,
    codes.STORE_CORRUPT: ConfigError,
    codes.STORE_LOCK: ConfigError,
    codes.NETWORK: APIConnectionError,
    codes.TIMEOUT: APITimeoutError,
    codes.STREAM: APIError,
    codes.API: APIError,
    codes.AUTH_REJECTED: APIError,
    codes.RATE_LIMITED: APIError,
    codes.BILLING: APIError,
    codes.ALL_MODELS_FAILED: APIError,
    codes.OAUTH_REFRESH: APIError,
    codes.CANCELLED: CancelledError,
}


def error_class(code: int, http_status: int) -> Type[AnthropicError]:
    """The class raised for a C error: the status's class when the last attempt got an HTTP
    error status, else the code's."""
    if 400 <= http_status <= 599:
        cls = _BY_STATUS.get(http_status)
        if cls is not None:
            return cls
        return InternalServerError if http_status >= 500 else APIStatusError
    return _BY_CODE.get(code, AnthropicError)
