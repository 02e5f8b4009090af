"""Wrong argument types raise TypeError and embedded NULs raise ValueError before anything
reaches the native library (which would otherwise crash or silently truncate)."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path
from typing import Any, Callable, List, Tuple

import claw_anthropic as claw
from claw_anthropic import Cancel, Client, Config
from claw_anthropic.lib import streaming

KEY = "sk-ant-api03-argument-test-0123456789abcdefghijklmnopqrstuv"
SETUP_TOKEN = "sk-ant-oat01-argument-test-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2
REQ = {"model": "opus", "messages": [{"role": "user", "content": "Hi"}]}


class ArgumentTests(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.cfg = Config.from_json5("{}", state_dir=self.tmp.name)
        self.cfg.set_api_key(KEY)
        self.client = Client(self.cfg)
        self.store = Path(self.tmp.name) / "agents" / "main" / "agent" / "auth-profiles.json"

    def tearDown(self) -> None:
        self.client.close()
        self.cfg.close()
        self.tmp.cleanup()

    def test_non_handles_raise_type_error(self) -> None:
        cancel = Cancel()
        cases: List[Tuple[str, Callable[[], Any]]] = [
            ("Client(str)", lambda: Client("x")),  # type: ignore[arg-type]
            ("Client(bytes)", lambda: Client(b"x")),  # type: ignore[arg-type]
            ("Client(int)", lambda: Client(12345)),  # type: ignore[arg-type]
            ("Client(Cancel)", lambda: Client(cancel)),  # type: ignore[arg-type]
            ("Client(None)", lambda: Client(None)),  # type: ignore[arg-type]
            ("Client(agent=int)", lambda: Client(self.cfg, 7)),  # type: ignore[arg-type]
            ("Client(options=list)", lambda: Client(self.cfg, None, [1])),  # type: ignore[arg-type]
            ("send(cancel=str)", lambda: self.client.send(REQ, cancel="x")),  # type: ignore[arg-type]
            ("send(cancel=Config)", lambda: self.client.send(REQ, cancel=self.cfg)),  # type: ignore[arg-type]
            ("stream(cancel=int)", lambda: self.client.stream(REQ, cancel=3)),  # type: ignore[arg-type]
            ("send(int)", lambda: self.client.send(5)),  # type: ignore[arg-type]
            ("send(list)", lambda: self.client.send([REQ])),  # type: ignore[arg-type]
            ("count_tokens(None)", lambda: self.client.count_tokens(None)),  # type: ignore[arg-type]
            ("list_models(limit=str)", lambda: self.client.list_models(limit="2")),  # type: ignore[arg-type]
            ("list_models(after_id=int)", lambda: self.client.list_models(after_id=1)),  # type: ignore[arg-type]
            ("from_json5(int)", lambda: Config.from_json5(5)),  # type: ignore[arg-type]
            ("from_json5(dict)", lambda: Config.from_json5({})),  # type: ignore[arg-type]
            ("load(int)", lambda: Config.load(3)),  # type: ignore[arg-type]
            ("load_state_dir(None)", lambda: Config.load_state_dir(None)),  # type: ignore[arg-type]
            ("status(agent=int)", lambda: self.cfg.status(agent=1)),  # type: ignore[arg-type]
            ("build_request(None)", lambda: self.cfg.build_request(None)),  # type: ignore[arg-type]
            ("set_api_key(int)", lambda: self.cfg.set_api_key(1)),  # type: ignore[arg-type]
            ("set_api_key(profile_id=list)", lambda: self.cfg.set_api_key(KEY, profile_id=[])),  # type: ignore[arg-type]
            ("paste_token(None)", lambda: self.cfg.paste_token(None)),  # type: ignore[arg-type]
            ("paste_token(provider=int)", lambda: self.cfg.paste_token(SETUP_TOKEN, provider=1)),  # type: ignore[arg-type]
            ("MessageStream(str)", lambda: claw.MessageStream("x", b"{}")),  # type: ignore[arg-type]
            ("MessageStream(body=int)", lambda: claw.MessageStream(self.client, 1234)),  # type: ignore[arg-type]
            ("send_json(int)", lambda: self.client.send_json(1234)),  # type: ignore[arg-type]
            ("lib.streaming.MessageStream(int)", lambda: streaming.MessageStream(self.client, 99)),  # type: ignore[arg-type]
            ("Anthropic(config=Cancel)", lambda: claw.Anthropic(config=cancel)),  # type: ignore[arg-type]
            ("Anthropic(state_dir=int)", lambda: claw.Anthropic(state_dir=5)),  # type: ignore[arg-type]
            ("Anthropic(max_retries=str)", lambda: claw.Anthropic(config=self.cfg, max_retries="2")),  # type: ignore[arg-type]
        ]
        for name, fn in cases:
            with self.subTest(name):
                with self.assertRaises(TypeError):
                    fn()
        # Nothing was sent or stored on the way, and the objects still work.
        self.assertFalse(cancel.cancelled)
        cancel.close()
        self.assertEqual(self.cfg.default_agent, "main")

    def test_embedded_nul_raises_value_error(self) -> None:
        before = self.store.read_bytes()
        cases: List[Tuple[str, Callable[[], Any]]] = [
            ("set_api_key str", lambda: self.cfg.set_api_key("sk-ant-api03-REALPREFIX\x00THE-REST")),
            ("set_api_key bytes", lambda: self.cfg.set_api_key(b"sk-ant-api03-REALPREFIX\x00THE-REST")),
            ("set_api_key profile_id", lambda: self.cfg.set_api_key(KEY, profile_id="anthropic:a\x00b")),
            ("set_api_key agent", lambda: self.cfg.set_api_key(KEY, agent="ops\x00")),
            ("paste_token", lambda: self.cfg.paste_token(SETUP_TOKEN[:90] + "\x00" + SETUP_TOKEN[90:])),
            ("paste_token provider", lambda: self.cfg.paste_token(SETUP_TOKEN, provider="anthropic\x00x")),
            ("from_json5", lambda: Config.from_json5("{ agents: {} }\x00{garbage")),
            ("from_json5 state_dir", lambda: Config.from_json5("{}", state_dir=self.tmp.name + "\x00x")),
            ("load", lambda: Config.load("/tmp/x\x00y")),
            ("load_state_dir", lambda: Config.load_state_dir(self.tmp.name + "\x00")),
            ("status", lambda: self.cfg.status(agent="main\x00")),
            ("build_request text", lambda: self.cfg.build_request('{"model":"opus"}\x00garbage')),
            ("Client agent", lambda: Client(self.cfg, "main\x00x")),
            ("send text", lambda: self.client.send(b'{"messages": []}\x00')),
            ("list_models after_id", lambda: self.client.list_models(after_id="a\x00b")),
        ]
        for name, fn in cases:
            with self.subTest(name):
                with self.assertRaises(ValueError) as cm:
                    fn()
                self.assertIn("NUL", str(cm.exception))
                self.assertNotIn("REALPREFIX", str(cm.exception))
        # The store was never rewritten with a truncated secret.
        self.assertEqual(self.store.read_bytes(), before)
        self.assertNotIn(b"REALPREFIX", self.store.read_bytes())

    def test_nul_inside_a_json_string_is_escaped_not_cut(self) -> None:
        # A mapping is serialized here: a NUL in a value becomes \\u0000 and is kept whole.
        dry = self.cfg.build_request(
            {"model": "opus", "messages": [{"role": "user", "content": "a\x00b"}]}
        )
        self.assertEqual(dry["body"]["messages"][0]["content"][0]["text"], "a\x00b")


if __name__ == "__main__":
    unittest.main()
