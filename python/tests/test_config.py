"""Config, status, dry-run build and stored credentials through the ctypes package (no network)."""

from __future__ import annotations

import os
import re
import tempfile
import unittest
from pathlib import Path

import claw_anthropic as claw
from claw_anthropic import ClawError, Config, codes

from ._support import repo_root

API_KEY = "sk-ant-api03-py-test-0123456789abcdefghijklmnopqrstuvwxyz"
SETUP_TOKEN = "sk-ant-oat01-py-test-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2
CONFIG = """// JSON5
{
  agents: { defaults: {
    model: { primary: 'opus' },
    models: { 'anthropic/claude-opus-4-5': { params: { cacheControlTtl: '1h' } } },
  } },
}
"""
REQ = {"model": "opus", "messages": [{"role": "user", "content": "Hello"}]}
HEADER = repo_root() / "include" / "claw_anthropic.h"


class ConfigTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.state = Path(self.tmp.name) / "state"
        self.state.mkdir()
        (self.state / "clawdbot.json").write_text(CONFIG)

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_version(self) -> None:
        self.assertRegex(claw.version(), r"^\d+\.\d+\.\d+")

    def test_codes_match_the_header(self) -> None:
        defines = dict(
            (m.group(1), int(m.group(2)))
            for m in re.finditer(r"#define CLAW_(?!ANTHROPIC_VERSION_)(?:ERR_)?(\w+) (\d+)", HEADER.read_text())
        )
        self.assertIn("NO_CREDENTIALS", defines)
        for name, value in defines.items():
            self.assertEqual(getattr(codes, name), value, name)

    def test_load_status_set_key_and_dry_run(self) -> None:
        with Config.load(str(self.state / "clawdbot.json")) as _:
            pass
        with Config.load_state_dir(str(self.state)) as cfg:
            self.assertEqual(cfg.default_agent, "main")
            status = cfg.status()
            self.assertEqual(status["resolvedDefault"], "anthropic/claude-opus-4-5")
            self.assertEqual(status["auth"]["missingProvidersInUse"], ["anthropic"])

            with self.assertRaises(ClawError) as cm:
                cfg.build_request(REQ)
            self.assertEqual(cm.exception.code, codes.NO_CREDENTIALS)
            self.assertEqual(cm.exception.name, "NO_CREDENTIALS")
            self.assertTrue(
                cm.exception.message.startswith('No API key found for provider "anthropic"'),
                cm.exception.message,
            )

            self.assertEqual(cfg.set_api_key(API_KEY), "anthropic:default")
            dry = cfg.build_request(REQ)
            self.assertEqual(dry["method"], "POST")
            self.assertEqual(dry["url"], "https://api.anthropic.com/v1/messages")
            self.assertEqual(dry["body"]["model"], "claude-opus-4-5")
            self.assertGreater(dry["body"]["max_tokens"], 0)
            block = dry["body"]["messages"][0]["content"][0]
            self.assertEqual(block["cache_control"], {"type": "ephemeral", "ttl": "1h"})
            self.assertIn("extended-cache-ttl-2025-04-11", dry["headers"]["anthropic-beta"])
            self.assertEqual(dry["headers"]["x-api-key"], claw_mask(API_KEY))
            self.assertNotIn(API_KEY, repr(dry))

            (anthropic,) = [p for p in cfg.status()["auth"]["providers"] if p["provider"] == "anthropic"]
            self.assertEqual(anthropic["profiles"]["apiKey"], 1)
            self.assertEqual(
                anthropic["profiles"]["labels"], ["anthropic:default=" + claw_mask(API_KEY)]
            )

    def test_state_dir_from_environment(self) -> None:
        old = os.environ.get("CLAWDBOT_STATE_DIR")
        os.environ["CLAWDBOT_STATE_DIR"] = str(self.state)
        try:
            with Config.load() as cfg:
                self.assertEqual(cfg.status()["resolvedDefault"], "anthropic/claude-opus-4-5")
        finally:
            if old is None:
                del os.environ["CLAWDBOT_STATE_DIR"]
            else:
                os.environ["CLAWDBOT_STATE_DIR"] = old

    def test_paste_token(self) -> None:
        cfg = Config.load_state_dir(str(self.state))
        with self.assertRaises(ClawError) as cm:
            cfg.paste_token("sk-ant-api03-wrong")
        self.assertEqual(cm.exception.code, codes.INVALID_SETUP_TOKEN)
        self.assertEqual(cm.exception.message, "Expected token starting with sk-ant-oat01-")
        with self.assertRaises(ClawError) as cm:
            cfg.paste_token("sk-ant-oat01-short")
        self.assertEqual(cm.exception.message, "Token looks too short; paste the full setup-token")
        self.assertEqual(cfg.paste_token(SETUP_TOKEN, agent="ops"), "anthropic:manual")
        dry = cfg.build_request(REQ, agent="ops")
        self.assertTrue(dry["headers"]["authorization"].startswith("Bearer sk-ant-o..."))
        self.assertIn("oauth-2025-04-20", dry["headers"]["anthropic-beta"])
        self.assertNotIn("ttl", dry["body"]["messages"][0]["content"][0]["cache_control"])
        # Auth is per agent: main has nothing.
        with self.assertRaises(ClawError) as cm:
            cfg.build_request(REQ)
        self.assertEqual(cm.exception.code, codes.NO_CREDENTIALS)
        cfg.close()
        cfg.close()  # idempotent
        with self.assertRaises(ValueError):
            cfg.status()

    def test_from_json5_uses_only_its_env_block(self) -> None:
        cfg = Config.from_json5(
            "{ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-from-the-env-block-000000' } }",
            state_dir=str(self.state),
        )
        dry = cfg.build_request(
            {"model": "anthropic/claude-sonnet-4-5", "max_tokens": 64, "messages": REQ["messages"]}
        )
        self.assertEqual(dry["body"]["max_tokens"], 64)
        self.assertEqual(dry["headers"]["x-api-key"], claw_mask("sk-ant-api03-from-the-env-block-000000"))

    def test_bad_arguments_become_codes(self) -> None:
        cfg = Config.load_state_dir(str(self.state))
        cfg.set_api_key(API_KEY)
        cases = [
            (lambda: Config.from_json5(b"{\xff}"), codes.INVALID_UTF8),
            (lambda: Config.from_json5("{ agents: "), codes.CONFIG),
            (lambda: cfg.build_request("{not json"), codes.INVALID_JSON),
            (lambda: cfg.build_request({"model": 5}), codes.INVALID_JSON),
            (lambda: cfg.build_request(b'{"model": "\xfe"}'), codes.INVALID_UTF8),
            (lambda: cfg.status(agent="!!!"), codes.INVALID_ARGUMENT),
            (lambda: cfg.set_api_key(b"sk-ant-SECRET\xff"), codes.INVALID_UTF8),
            (
                lambda: cfg.build_request(
                    {"model": "opus", "max_tokens": 0, "messages": REQ["messages"]}
                ),
                codes.INVALID_REQUEST,
            ),
        ]
        for fn, code in cases:
            with self.assertRaises(ClawError) as cm:
                fn()
            self.assertEqual(cm.exception.code, code, cm.exception.message)
            self.assertNotIn("SECRET", cm.exception.message)
        bad = Config.__new__(Config)
        bad._ptr = None
        with self.assertRaises(ValueError):
            bad.status()


def claw_mask(secret: str) -> str:
    return secret[:8] + "..." + secret[-8:]


if __name__ == "__main__":
    unittest.main()
