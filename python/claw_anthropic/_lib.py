"""Locating, loading and binding the claw-anthropic shared library (ctypes)."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._version import __version__

__all__ = ["lib", "library_path", "EVENT_CB", "LOG_CB", "ClawErrorPtr", "LibraryVersionError"]


class LibraryVersionError(ImportError):
    """The shared library found is not the version this Python package was made for."""


def _lib_patterns() -> List[str]:
    """File names of the library, in preference order. Installed copies are named by
    setuptools-rust (``libclaw_anthropic.abi3.so``, ``libclaw_anthropic.cpython-*.so``, …)."""
    if sys.platform == "darwin":
        return ["libclaw_anthropic.dylib", "libclaw_anthropic*.so"]
    if sys.platform == "win32":
        return ["claw_anthropic.dll", "libclaw_anthropic*.pyd"]
    return ["libclaw_anthropic.so", "libclaw_anthropic*.so"]


def _packaged(here: Path) -> List[Path]:
    out: List[Path] = []
    for pattern in _lib_patterns():
        out.extend(sorted(p for p in here.glob(pattern) if p not in out))
    return out


def _candidates() -> List[Path]:
    here = Path(__file__).resolve().parent
    out = _packaged(here)
    name = _lib_patterns()[0]
    for parent in here.parents:
        for profile in ("release", "debug"):
            out.append(parent / "target" / profile / name)
    return out


def library_path() -> Path:
    """The shared library this package loads: ``$CLAW_ANTHROPIC_LIB`` if set, else the one
    installed inside the package, else (a source checkout) ``target/release`` then
    ``target/debug`` in a directory above the package."""
    env = os.environ.get("CLAW_ANTHROPIC_LIB")
    if env:
        p = Path(env)
        if not p.is_file():
            raise OSError(f"CLAW_ANTHROPIC_LIB={env} does not name a file")
        return p
    for p in _candidates():
        if p.is_file():
            return p
    raise OSError(
        "the claw-anthropic native library was not found inside the package nor in a "
        "target/ directory above it: install the package with `pip install .` from the "
        "repository, or build it with `cargo build --release` (source checkout), or set "
        "CLAW_ANTHROPIC_LIB to its path"
    )


class _ClawError(ctypes.Structure):
    """Opaque ``claw_error``."""


ClawErrorPtr: Any = ctypes.POINTER(_ClawError)

#: ``typedef int (*claw_event_cb)(void *userdata, const char *event_json)``
EVENT_CB: Any = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p)

#: ``typedef void (*claw_log_cb)(void *userdata, uint32_t level, const char *event_json)``
LOG_CB: Any = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_char_p)

_p = ctypes.c_void_p
_s = ctypes.c_char_p
_u32 = ctypes.c_uint32
_out_p = ctypes.POINTER(ctypes.c_void_p)
_out_err = ctypes.POINTER(ClawErrorPtr)

# name: (restype, argtypes)
_PROTOTYPES: Dict[str, Tuple[Any, List[Any]]] = {
    "claw_version": (_s, []),
    "claw_string_free": (None, [_p]),
    "claw_error_code": (_u32, [ClawErrorPtr]),
    "claw_error_message": (_s, [ClawErrorPtr]),
    "claw_error_http_status": (ctypes.c_uint16, [ClawErrorPtr]),
    "claw_error_request_id": (_s, [ClawErrorPtr]),
    "claw_error_attempts_json": (_s, [ClawErrorPtr]),
    "claw_error_free": (None, [ClawErrorPtr]),
    "claw_config_load": (_u32, [_s, _out_p, _out_err]),
    "claw_config_load_state_dir": (_u32, [_s, _out_p, _out_err]),
    "claw_config_from_json5": (_u32, [_s, _out_p, _out_err]),
    "claw_config_from_json5_in": (_u32, [_s, _s, _out_p, _out_err]),
    "claw_config_default_agent": (_u32, [_p, _out_p, _out_err]),
    "claw_config_free": (None, [_p]),
    "claw_status_json": (_u32, [_p, _s, _out_p, _out_err]),
    "claw_request_build": (_u32, [_p, _s, _s, _out_p, _out_err]),
    "claw_auth_set_api_key": (_u32, [_p, _s, _s, _s, _out_p, _out_err]),
    "claw_auth_paste_token": (_u32, [_p, _s, _s, _s, _s, _out_p, _out_err]),
    "claw_client_new": (_u32, [_p, _s, _out_p, _out_err]),
    "claw_client_new_with_options": (_u32, [_p, _s, _s, _out_p, _out_err]),
    "claw_client_free": (None, [_p]),
    "claw_client_send": (_u32, [_p, _s, _out_p, _out_err]),
    "claw_client_send_cancellable": (_u32, [_p, _s, _p, _out_p, _out_err]),
    "claw_client_stream": (_u32, [_p, _s, EVENT_CB, _p, _out_p, _out_err]),
    "claw_client_stream_cancellable": (_u32, [_p, _s, EVENT_CB, _p, _p, _out_p, _out_err]),
    "claw_client_send_response": (_u32, [_p, _s, _p, _out_p, _out_err]),
    "claw_client_stream_response": (_u32, [_p, _s, EVENT_CB, _p, _p, _out_p, _out_err]),
    "claw_client_count_tokens": (_u32, [_p, _s, ctypes.POINTER(ctypes.c_uint64), _out_err]),
    "claw_client_list_models": (_u32, [_p, _s, _u32, _out_p, _out_err]),
    "claw_cancel_new": (_p, []),
    "claw_cancel_cancel": (None, [_p]),
    "claw_cancel_is_cancelled": (ctypes.c_bool, [_p]),
    "claw_cancel_reset": (None, [_p]),
    "claw_cancel_free": (None, [_p]),
    "claw_mock_server_start": (_u32, [_out_p, _out_err]),
    "claw_mock_server_url": (_s, [_p]),
    "claw_mock_server_load_script": (_u32, [_p, _s, _out_err]),
    "claw_mock_server_requests_json": (_u32, [_p, _out_p, _out_err]),
    "claw_mock_server_reset": (None, [_p]),
    "claw_mock_server_free": (None, [_p]),
    "claw_set_log_callback": (None, [_u32, LOG_CB, _p]),
}


class _Lib:
    """The loaded library with typed functions. A function missing from an older library raises
    ``AttributeError`` when used."""

    def __init__(self) -> None:
        self._dll: Optional[ctypes.CDLL] = None
        self._path: Optional[Path] = None

    def _load(self) -> ctypes.CDLL:
        if self._dll is None:
            path = library_path()
            dll = ctypes.CDLL(str(path))
            for name, (restype, argtypes) in _PROTOTYPES.items():
                fn = getattr(dll, name, None)
                if fn is not None:
                    fn.restype = restype
                    fn.argtypes = argtypes
            found = _library_version(dll)
            if found != __version__:
                raise LibraryVersionError(
                    f"claw_anthropic {__version__} loaded the native library {path}, which "
                    f"reports version {found}: the package and the library must come from the "
                    "same release (reinstall with `pip install .`, rebuild with `cargo build`, "
                    "or point CLAW_ANTHROPIC_LIB at the matching library)"
                )
            self._path = path
            self._dll = dll
        return self._dll

    @property
    def path(self) -> Path:
        """The file the library was loaded from."""
        self._load()
        assert self._path is not None
        return self._path

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if not name.startswith("claw_"):
            raise AttributeError(name)
        fn: Callable[..., Any] = getattr(self._load(), name)
        setattr(self, name, fn)  # later look-ups skip __getattr__
        return fn


def _library_version(dll: ctypes.CDLL) -> str:
    fn = getattr(dll, "claw_version", None)
    if fn is None:
        return "(none: the library has no claw_version)"
    raw = fn()
    if not isinstance(raw, bytes):
        return "(unreadable)"
    return raw.decode("utf-8", "replace")


lib = _Lib()
