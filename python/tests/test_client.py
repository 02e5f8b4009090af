"""Client send/stream through the ctypes package against the crate's loopback mock server."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import unittest
from pathlib import Path

from claw_anthropic import Cancel, ClawError, Client, Config, MockServer, codes

KEY_A = "sk-ant-api03-py-key-A-revoked-0123456789abcdefghijklmn"
KEY_B = "sk-ant-api03-py-key-B-good-0123456789abcdefghijklmnopq"
PING = {"model": "sonnet", "messages": [{"role": "user", "content": "ping"}]}


def mask(s: str) -> str:
    return s[:8] + "..." + s[-8:]


class ClientTests(unittest.TestCase):
    server: MockServer

    @classmethod
    def setUpClass(cls) -> None:
        try:
            cls.server = MockServer()
        except ClawError as e:
            if e.code == codes.NOT_SUPPORTED:
                raise unittest.SkipTest("library built without feature `mock`") from e
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def setUp(self) -> None:
        self.server.reset()
        self.tmp = tempfile.TemporaryDirectory()
        text = """{
          models: { providers: { anthropic: { baseUrl: '%s' } } },
          auth: { order: { anthropic: ['anthropic:a', 'anthropic:b'] } },
          agents: { defaults: { model: { primary: 'anthropic/claude-sonnet-4-5' },
                    models: { 'anthropic/claude-sonnet-4-5': { alias: 'sonnet' } } } },
        }""" % self.server.url
        self.cfg = Config.from_json5(text, state_dir=self.tmp.name)
        self.cfg.set_api_key(KEY_A, profile_id="anthropic:a")
        self.cfg.set_api_key(KEY_B, profile_id="anthropic:b")
        self.client = Client(self.cfg)

    def tearDown(self) -> None:
        self.client.close()
        self.cfg.close()
        self.tmp.cleanup()

    def test_send(self) -> None:
        msg = self.client.send(PING)
        self.assertEqual(msg["role"], "assistant")
        self.assertIn("pong", msg["content"][0]["text"])
        (req,) = self.server.requests()
        self.assertEqual(req["path"], "/v1/messages")
        self.assertEqual(req["body"]["model"], "claude-sonnet-4-5")
        self.assertEqual(req["headers"]["x-api-key"], mask(KEY_A))

    def test_count_tokens_and_a_page_of_models(self) -> None:
        self.assertGreater(self.client.count_tokens(PING), 0)
        (req,) = self.server.requests()
        self.assertEqual(req["path"], "/v1/messages/count_tokens")
        self.assertNotIn("max_tokens", req["body"])
        first = self.client.list_models(limit=2)
        self.assertEqual(len(first["data"]), 2)
        self.assertTrue(first["has_more"])
        second = self.client.list_models(after_id=first["last_id"], limit=2)
        self.assertNotEqual(second["data"][0]["id"], first["data"][0]["id"])
        query = self.server.requests()[-1]["query"]
        self.assertEqual(query, f"limit=2&after_id={first['last_id']}")
        with self.assertRaises(ValueError):
            self.client.list_models(limit=0)

    def test_stream_is_a_real_iterator(self) -> None:
        self.server.load_script({"replies": [{"kind": "text", "text": "Hello from Python"}]})
        stream = self.client.stream(PING)
        types = []
        text = ""
        for event in stream:
            types.append(event["type"])
            if event["type"] == "content_block_delta":
                text += event["delta"]["text"]
        self.assertEqual(types[0], "message_start")
        self.assertEqual(types[-1], "message_stop")
        self.assertEqual(text, "Hello from Python")
        assert stream.message is not None
        self.assertEqual(stream.message["content"][0]["text"], "Hello from Python")

    def test_client_options(self) -> None:
        with self.assertRaises(ClawError) as cm:
            Client(self.cfg, options={"max_retry": 1})
        self.assertEqual(cm.exception.code, codes.INVALID_ARGUMENT)
        self.assertIn("max_retry", cm.exception.message)
        self.server.load_script({"replies": [
            {"kind": "error", "status": 529, "error_type": "overloaded_error",
             "message": "Overloaded"},
            {"kind": "text", "text": "after"},
        ]})
        # No retries and one profile pinned by order: the 529 rotates to the next profile.
        with Client(self.cfg, options={"max_retries": 0, "store_check_interval_ms": 0}) as c:
            self.assertEqual(c.send(PING)["content"][0]["text"], "after")
        keys = [r["headers"]["x-api-key"] for r in self.server.requests()]
        self.assertEqual(keys, [mask(KEY_A), mask(KEY_B)])

    def test_final_message_without_iterating(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "text_stream", "deltas": 500, "delta_len": 8},
            {"kind": "text", "text": "Hello from Python"},
        ]})
        stream = self.client.stream(PING)
        msg = stream.final_message()
        self.assertEqual(len(msg["content"][0]["text"]), 500 * 8)
        self.assertIs(stream.final_message(), msg)
        self.assertIs(stream.message, msg)
        with self.assertRaises(StopIteration):
            next(stream)
        # After some events were taken, the rest is consumed.
        stream = self.client.stream(PING)
        self.assertEqual(next(stream)["type"], "message_start")
        self.assertEqual(stream.final_message()["content"][0]["text"], "Hello from Python")

    def test_final_message_raises_like_iteration(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "error", "status": 400, "error_type": "invalid_request_error",
             "message": "messages: field required"}]})
        with self.assertRaises(ClawError) as cm:
            self.client.stream(PING).final_message()
        self.assertEqual(cm.exception.http_status, 400)
        stream = self.client.stream(PING)
        stream.close()
        with self.assertRaises(ValueError):
            stream.final_message()

    def test_events_arrive_before_the_stream_ends(self) -> None:
        # The body drips slowly; the first event must be handed over long before the end.
        self.server.load_script(
            {"replies": [{"kind": "text_stream", "deltas": 20, "delta_len": 10,
                          "drip": {"bytes": 64, "interval_ms": 20}}]}
        )
        with self.client.stream(PING) as stream:
            first = next(stream)
            self.assertEqual(first["type"], "message_start")
            self.assertIsNone(stream.message)
            rest = list(stream)
        self.assertEqual(rest[-1]["type"], "message_stop")
        self.assertIsNotNone(stream.message)

    def test_closing_a_stream_early_stops_it(self) -> None:
        self.server.load_script({"replies": [{"kind": "stalled", "text": "then nothing"}]})
        stream = self.client.stream(PING)
        self.assertEqual(next(stream)["type"], "message_start")
        stream.close()  # must not hang on the stalled body
        with self.assertRaises(StopIteration):
            next(stream)
        # The client is still usable.
        self.assertIn("pong", self.client.send(PING)["content"][0]["text"])

    def test_401_rotates_to_the_next_profile(self) -> None:
        self.server.load_script(
            {"credentials": [{"secret": KEY_A, "reply": {
                "kind": "error", "status": 401, "error_type": "authentication_error",
                "message": "invalid x-api-key"}}]}
        )
        msg = self.client.send(PING)
        self.assertIn("pong", msg["content"][0]["text"])
        keys = [r["headers"]["x-api-key"] for r in self.server.requests()]
        self.assertEqual(keys, [mask(KEY_A), mask(KEY_B)])
        unusable = self.cfg.status()["auth"]["unusableProfiles"]
        self.assertEqual([u["profileId"] for u in unusable], ["anthropic:a"])

    def test_errors_carry_codes(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "error", "status": 401, "error_type": "authentication_error",
             "message": "invalid x-api-key"},
            {"kind": "error", "status": 401, "error_type": "authentication_error",
             "message": "invalid x-api-key"},
        ]})
        with self.assertRaises(ClawError) as cm:
            self.client.send(PING)
        self.assertEqual(cm.exception.code, codes.AUTH_REJECTED)
        self.assertEqual(cm.exception.http_status, 401)
        self.assertNotIn(KEY_A, str(cm.exception))
        with Client(self.cfg, agent="nobody") as lonely:
            with self.assertRaises(ClawError) as cm:
                lonely.send(PING)
        self.assertEqual(cm.exception.code, codes.NO_CREDENTIALS)
        self.assertTrue(cm.exception.message.startswith('No API key found for provider "anthropic"'))
        with self.assertRaises(ClawError) as cm:
            self.client.send(b'{"model": "\xff"}')
        self.assertEqual(cm.exception.code, codes.INVALID_UTF8)
        with self.assertRaises(ClawError) as cm:
            self.client.send("not json")
        self.assertEqual(cm.exception.code, codes.INVALID_JSON)

    def test_an_empty_message_is_refused_before_sending(self) -> None:
        cases = [
            ("", "messages[0].content", "the user message is empty"),
            (" \n", "messages[0].content", "the user message is only whitespace"),
            ([], "messages[0].content", "the user message has no content blocks"),
            ([{"type": "text", "text": ""}], "messages[0].content[0].text",
             "a text block of the user message is empty"),
        ]
        for content, path, want in cases:
            req = {"model": "sonnet", "messages": [{"role": "user", "content": content}]}
            with self.assertRaises(ClawError) as cm:
                self.client.send(req)
            self.assertEqual(cm.exception.code, codes.INVALID_REQUEST)
            self.assertIn(f"invalid request at {path}: {want}", cm.exception.message)
            with self.assertRaises(ClawError) as cm:
                for _ in self.client.stream(req):
                    pass
            self.assertEqual(cm.exception.code, codes.INVALID_REQUEST)
            self.assertIn(want, cm.exception.message)
        self.assertEqual(self.server.requests(), [])

    def test_cancel_from_another_thread(self) -> None:
        self.server.load_script({"replies": [{"kind": "default", "delay_ms": 30000}]})
        cancel = Cancel()
        timer = threading.Timer(0.2, cancel.cancel)
        timer.start()
        with self.assertRaises(ClawError) as cm:
            self.client.send(PING, cancel=cancel)
        timer.join()
        self.assertEqual(cm.exception.code, codes.CANCELLED)
        self.assertTrue(cancel.cancelled)
        cancel.reset()
        self.assertFalse(cancel.cancelled)

        self.server.reset()
        self.server.load_script({"replies": [{"kind": "stalled", "text": "partial"}]})
        stream = self.client.stream(PING, cancel=cancel)
        self.assertEqual(next(stream)["type"], "message_start")
        threading.Timer(0.1, cancel.cancel).start()
        with self.assertRaises(ClawError) as cm:
            for _ in stream:
                pass
        self.assertEqual(cm.exception.code, codes.CANCELLED)
        cancel.close()

    @unittest.skipUnless(hasattr(os, "fork"), "needs fork()")
    def test_fork_then_use(self) -> None:
        self.client.send(PING)  # the runtime is running
        pid = os.fork()
        if pid == 0:  # child
            code = 1
            try:
                self.client.send(PING)
            except ClawError as e:
                code = 0 if e.code == codes.USED_AFTER_FORK else 2
            except BaseException:
                code = 3
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertTrue(os.WIFEXITED(status))
        self.assertEqual(os.WEXITSTATUS(status), 0)
        self.assertIn("pong", self.client.send(PING)["content"][0]["text"])

    def test_close_is_idempotent_and_closed_objects_refuse(self) -> None:
        c = Client(self.cfg)
        c.close()
        c.close()
        with self.assertRaises(ValueError):
            c.send(PING)


if __name__ == "__main__":
    unittest.main()
