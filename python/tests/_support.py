"""Shared test set-up: the package's mock server and a scratch state directory pointing at it."""

from __future__ import annotations

import json
import os
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, Optional

from claw_anthropic import ClawError, Config, MockServer, codes

KEY = "sk-ant-api03-sdk-test-key-0123456789abcdefghijklmnopqrstu"
USER = [{"role": "user", "content": "ping"}]


def repo_root() -> Path:
    """The source checkout (``$CLAW_REPO_ROOT`` when the tests were copied elsewhere)."""
    env = os.environ.get("CLAW_REPO_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[2]


def mask(secret: str) -> str:
    return secret[:8] + "..." + secret[-8:]


def start_mock() -> MockServer:
    try:
        return MockServer()
    except ClawError as e:
        if e.code == codes.NOT_SUPPORTED:
            raise unittest.SkipTest("library built without feature `mock`") from e
        raise


class SharedMockServer:
    """Mixin for a test case whose tests share one mock server, started once for the class."""

    server: MockServer

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()  # type: ignore[misc]
        cls.server = start_mock()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()
        super().tearDownClass()  # type: ignore[misc]


class MockStateDir:
    """A state dir whose ``clawdbot.json`` points the anthropic provider at ``server`` and whose
    main agent has one API key profile."""

    def __init__(self, server: MockServer, extra: Optional[Dict[str, Any]] = None) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.path = self.tmp.name
        config: Dict[str, Any] = {
            "models": {"providers": {"anthropic": {"baseUrl": server.url}}},
            "agents": {
                "defaults": {
                    "model": {"primary": "anthropic/claude-sonnet-4-5"},
                    "models": {"anthropic/claude-sonnet-4-5": {"alias": "sonnet"}},
                }
            },
        }
        config.update(extra or {})
        (Path(self.path) / "clawdbot.json").write_text(json.dumps(config))
        with Config.load_state_dir(self.path) as cfg:
            cfg.set_api_key(KEY)

    def cleanup(self) -> None:
        self.tmp.cleanup()
