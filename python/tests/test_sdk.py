"""The Anthropic SDK's shape (sync): messages.create/stream/count_tokens, models.list, errors."""

from __future__ import annotations

import unittest
from pathlib import Path
from typing import Any, Dict, List

import claw_anthropic as anthropic
from claw_anthropic.lib.streaming import MessageStream
from claw_anthropic.types import Message, TextBlock, ToolUseBlock

from ._support import KEY, USER, MockStateDir, SharedMockServer, mask


class SdkTests(SharedMockServer, unittest.TestCase):
    def setUp(self) -> None:
        self.server.reset()
        self.state = MockStateDir(self.server)
        self.client = anthropic.Anthropic(state_dir=self.state.path, max_retries=0)

    def tearDown(self) -> None:
        self.client.close()
        self.state.cleanup()

    def bodies(self) -> List[Dict[str, Any]]:
        return [r["body"] for r in self.server.requests() if r["path"] == "/v1/messages"]

    def test_create_returns_a_message_with_attributes(self) -> None:
        msg = self.client.messages.create(
            model="sonnet", max_tokens=100, messages=USER, system="Be brief.", temperature=0.5
        )
        self.assertIsInstance(msg, Message)
        self.assertEqual(msg.type, "message")
        self.assertEqual(msg.role, "assistant")
        self.assertTrue(msg.id)
        self.assertTrue(msg.model)
        self.assertIsInstance(msg.content[0], TextBlock)
        self.assertEqual(msg.content[0].type, "text")
        self.assertIn("pong", msg.content[0].text)
        self.assertEqual(msg.stop_reason, "end_turn")
        self.assertGreater(msg.usage.input_tokens, 0)
        self.assertGreater(msg.usage.output_tokens, 0)
        # ours: how the answer was obtained
        self.assertTrue(msg.request_id and msg.request_id.startswith("req_mock_"), msg.request_id)
        self.assertEqual(msg.profile_id, "anthropic:default")
        d = msg.to_dict()
        self.assertEqual(d["id"], msg.id)
        self.assertEqual(d["content"][0]["text"], msg.content[0].text)
        d["id"] = "changed"
        self.assertNotEqual(msg.id, "changed")  # to_dict() is a copy
        (body,) = self.bodies()
        self.assertEqual(body["model"], "claude-sonnet-4-5")
        self.assertEqual(body["max_tokens"], 100)
        self.assertEqual(body["system"][0]["text"] if isinstance(body["system"], list) else body["system"], "Be brief.")
        self.assertEqual(body["temperature"], 0.5)
        (req,) = self.server.requests()
        self.assertEqual(req["headers"]["x-api-key"], mask(KEY))

    def test_max_tokens_may_be_omitted(self) -> None:
        msg = self.client.messages.create(model="sonnet", messages=USER)
        self.assertIn("pong", msg.content[0].text)
        (body,) = self.bodies()
        # Not sent by the package: the library applied the configured default.
        self.assertGreater(body["max_tokens"], 0)

    # The package leaves `model` out of the request when it is omitted; the native library
    # fills in the agent's default model.
    def test_model_may_be_omitted(self) -> None:
        msg = self.client.messages.create(messages=USER)
        self.assertIn("pong", msg.content[0].text)
        (body,) = self.bodies()
        self.assertEqual(body["model"], "claude-sonnet-4-5")

    def test_tool_use_blocks_and_extra_fields(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
        ]})
        msg = self.client.messages.create(
            model="sonnet",
            messages=USER,
            tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
            extra_body={"metadata": {"user_id": "u-1"}},
        )
        blocks = [b for b in msg.content if isinstance(b, ToolUseBlock)]
        self.assertEqual(len(blocks), 1)
        self.assertEqual((blocks[0].id, blocks[0].name, blocks[0].input), ("toolu_1", "get_weather", {"city": "Paris"}))
        self.assertEqual(msg.stop_reason, "tool_use")
        (body,) = self.bodies()
        self.assertEqual(body["tools"][0]["name"], "get_weather")
        self.assertEqual(body["metadata"], {"user_id": "u-1"})

    def test_stream_events_text_stream_and_final_message(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "text", "text": "Hello from the stream"},
            {"kind": "text", "text": "second"},
            {"kind": "text", "text": "third"},
        ]})
        with self.client.messages.stream(model="sonnet", max_tokens=64, messages=USER) as stream:
            self.assertIsInstance(stream, MessageStream)
            types = [e.type for e in stream]
            final = stream.get_final_message()
        self.assertEqual(types[0], "message_start")
        self.assertIn("content_block_delta", types)
        self.assertIn("text", types)  # the SDK's text event after each text delta
        self.assertEqual(types[-1], "message_stop")
        self.assertEqual(final.content[0].text, "Hello from the stream")
        self.assertTrue(final.request_id and final.request_id.startswith("req_mock_"))
        self.assertEqual(final.profile_id, "anthropic:default")

        with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            texts = list(stream.text_stream)
            snapshots = []
        self.assertEqual("".join(texts), "second")
        self.assertEqual(stream.get_final_text(), "second")

        with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            events = list(stream)
        text_events = [e for e in events if e.type == "text"]
        snapshots = [e.snapshot for e in text_events]  # type: ignore[union-attr]
        self.assertEqual(snapshots[-1], "third")
        stop = events[-1]
        self.assertEqual(stop.type, "message_stop")
        self.assertEqual(stop.message.content[0].text, "third")  # type: ignore[union-attr]
        for body in self.bodies():
            self.assertTrue(body["stream"])

    def test_text_stream_after_some_events(self) -> None:
        self.server.load_script({"replies": [{"kind": "text_stream", "deltas": 20, "delta_len": 5}]})
        with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            events = iter(stream)
            first = ""
            for event in events:
                if event.type == "text":
                    first = event.text  # type: ignore[union-attr]
                    break
            rest = "".join(stream.text_stream)
            final = stream.get_final_message()
        self.assertEqual(len(first), 5)
        self.assertEqual(first + rest, final.content[0].text)
        self.assertEqual(len(final.content[0].text), 100)

    def test_get_final_message_without_iterating_and_until_done(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "text_stream", "deltas": 300, "delta_len": 8},
            {"kind": "text", "text": "done"},
        ]})
        with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            msg = stream.get_final_message()
            self.assertIs(stream.get_final_message(), msg)
            self.assertEqual(list(stream), [])
        self.assertEqual(len(msg.content[0].text), 300 * 8)
        self.assertEqual(msg.profile_id, "anthropic:default")
        self.assertTrue(msg.request_id and msg.request_id.startswith("req_mock_"))
        with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            stream.until_done()
            self.assertEqual(stream.get_final_text(), "done")

    def test_create_stream_true_yields_raw_events(self) -> None:
        self.server.load_script({"replies": [{"kind": "text", "text": "raw"}]})
        with self.client.messages.create(model="sonnet", messages=USER, stream=True) as events:
            types = [e.type for e in events]
        self.assertNotIn("text", types)
        self.assertEqual(types[0], "message_start")
        self.assertEqual(types[-1], "message_stop")

    def test_closing_a_stream_early(self) -> None:
        self.server.load_script({"replies": [{"kind": "stalled", "text": "then nothing"}]})
        with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            self.assertEqual(next(iter(stream)).type, "message_start")
        # left the block on a stalled body: the call was stopped, the client still works
        self.assertIn("pong", self.client.messages.create(model="sonnet", messages=USER).content[0].text)

    def test_count_tokens_and_models_list_all_pages(self) -> None:
        count = self.client.messages.count_tokens(model="sonnet", messages=USER)
        self.assertGreater(count.input_tokens, 0)
        one_page = self.client.models.list(limit=1000)
        everything = [m.id for m in one_page]
        self.assertGreater(len(everything), 2)
        self.server.reset()
        paged = self.client.models.list(limit=2)
        self.assertEqual(len(paged.data), 2)
        self.assertTrue(paged.has_next_page())
        ids = [m.id for m in paged]
        self.assertEqual(ids, everything)
        pages = [r for r in self.server.requests() if r["path"] == "/v1/models"]
        self.assertEqual(len(pages), (len(everything) + 1) // 2)
        model = paged.data[0]
        self.assertEqual(model.type, "model")
        self.assertTrue(model.display_name)
        self.assertIsNotNone(model.created_at)

    def test_an_error_class_per_status(self) -> None:
        cases = [
            (400, "invalid_request_error", anthropic.BadRequestError),
            (401, "authentication_error", anthropic.AuthenticationError),
            (403, "permission_error", anthropic.PermissionDeniedError),
            (404, "not_found_error", anthropic.NotFoundError),
            (413, "request_too_large", anthropic.RequestTooLargeError),
            (429, "rate_limit_error", anthropic.RateLimitError),
            (500, "api_error", anthropic.InternalServerError),
            (529, "overloaded_error", anthropic.InternalServerError),
        ]
        for status, kind, cls in cases:
            for streaming in (False, True):
                with self.subTest(status=status, streaming=streaming):
                    # A fresh store each time: a failure may put the profile in cooldown.
                    self.server.reset()
                    state = MockStateDir(self.server)
                    reply = {"kind": "error", "status": status, "error_type": kind, "message": f"m{status}"}
                    self.server.load_script({"replies": [reply] * 4})
                    with anthropic.Anthropic(state_dir=state.path, max_retries=0) as client:
                        with self.assertRaises(cls) as cm:
                            if streaming:
                                with client.messages.stream(model="sonnet", messages=USER) as s:
                                    s.until_done()
                            else:
                                client.messages.create(model="sonnet", messages=USER)
                    state.cleanup()
                    e = cm.exception
                    self.assertIsInstance(e, anthropic.APIStatusError)
                    self.assertIsInstance(e, anthropic.APIError)
                    self.assertIsInstance(e, anthropic.AnthropicError)
                    self.assertIsInstance(e, anthropic.ClawError)
                    self.assertEqual(e.status_code, status)
                    self.assertTrue(e.request_id and e.request_id.startswith("req_mock_"), e.request_id)
                    self.assertNotIn(KEY, str(e))

    def test_errors_of_our_own(self) -> None:
        self.assertIs(anthropic.ClawError, anthropic.AnthropicError)
        self.server.load_script({"replies": [{"kind": "reset"}] * 4})
        with self.assertRaises(anthropic.APIConnectionError) as cm:
            self.client.messages.create(model="sonnet", messages=USER)
        self.assertEqual(cm.exception.code, anthropic.codes.NETWORK)
        with anthropic.Anthropic("nobody", self.state.path) as lonely:
            with self.assertRaises(anthropic.NoCredentialsError) as nc:
                lonely.messages.create(model="sonnet", messages=USER)
        self.assertTrue(nc.exception.message.startswith('No API key found for provider "anthropic"'))
        (Path(self.state.path) / "clawdbot.json").write_text("{ nope")
        with self.assertRaises(anthropic.ConfigError):
            anthropic.Anthropic(state_dir=self.state.path)

    def test_timeout_option(self) -> None:
        self.server.load_script({"replies": [{"kind": "default", "delay_ms": 30000}]})
        with anthropic.Anthropic(state_dir=self.state.path, timeout=0.2, max_retries=0) as quick:
            with self.assertRaises(anthropic.APITimeoutError) as cm:
                quick.messages.create(model="sonnet", messages=USER)
        self.assertIsInstance(cm.exception, anthropic.APIConnectionError)

    def test_per_request_settings_are_refused_clearly(self) -> None:
        with self.assertRaises(TypeError) as cm:
            self.client.messages.create(model="sonnet", messages=USER, timeout=5)
        self.assertIn("client options", str(cm.exception))
        with self.assertRaises(TypeError):
            self.client.messages.create(model="sonnet", messages="hi")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.client.messages.create(model=5, messages=USER)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.client.messages.create(max_tokens="5", messages=USER)  # type: ignore[arg-type]
        self.assertEqual(self.server.requests(), [])


if __name__ == "__main__":
    unittest.main()
