"""Attempts and cost on every message, and the library's events on the ``claw_anthropic``
logger."""

from __future__ import annotations

import json
import logging
import unittest

import claw_anthropic as anthropic
from claw_anthropic.types import Attempt, Cost

from ._support import KEY, USER, MockStateDir, SharedMockServer

OVERLOADED_ONCE = json.dumps(
    {
        "replies": [
            {
                "kind": "error",
                "status": 529,
                "error_type": "overloaded_error",
                "message": "Overloaded",
                "headers": {"retry-after-ms": "1"},
            }
        ]
    }
)


class ObservabilityTests(SharedMockServer, unittest.TestCase):
    def setUp(self) -> None:
        self.server.reset()
        prices = {"input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75}
        self.state = MockStateDir(
            self.server,
            {
                "models": {
                    "providers": {
                        "anthropic": {
                            "baseUrl": self.server.url,
                            "models": [{"id": "claude-sonnet-4-5", "cost": prices}],
                        }
                    }
                }
            },
        )
        self.client = anthropic.Anthropic(state_dir=self.state.path, max_retries=2)

    def tearDown(self) -> None:
        self.client.close()
        self.state.cleanup()

    def check_attempts(self, msg: anthropic.Message) -> None:
        self.assertEqual(len(msg.attempts), 2)
        first, ok = msg.attempts
        self.assertIsInstance(first, Attempt)
        self.assertEqual(first.profile_id, "anthropic:default")
        self.assertEqual(first.model, "anthropic/claude-sonnet-4-5")
        self.assertEqual(first.status, 529)
        self.assertEqual(first.reason, "rate_limit")
        self.assertEqual(first.retry_delay_ms, 1)
        self.assertTrue(first.request_id and first.request_id.startswith("req_mock_"))
        self.assertIsNone(ok.reason)
        self.assertEqual(ok.status, 200)
        self.assertEqual(ok.request_id, msg.request_id)
        self.assertGreaterEqual(ok.duration_ms, 0)

    def check_cost(self, msg: anthropic.Message) -> None:
        self.assertIsInstance(msg.cost, Cost)
        assert msg.cost is not None
        self.assertEqual(msg.cost.input, 3 * msg.usage.input_tokens / 1e6)
        self.assertEqual(msg.cost.output, 15 * msg.usage.output_tokens / 1e6)
        self.assertEqual(msg.cost.total, msg.cost.input + msg.cost.output)

    def test_create_has_attempts_and_cost(self) -> None:
        self.server.load_script(OVERLOADED_ONCE)
        msg = self.client.messages.create(model="sonnet", max_tokens=64, messages=USER)
        self.check_attempts(msg)
        self.check_cost(msg)

    def test_stream_final_message_has_attempts_and_cost(self) -> None:
        self.server.load_script(OVERLOADED_ONCE)
        with self.client.messages.stream(model="sonnet", max_tokens=64, messages=USER) as s:
            msg = s.get_final_message()
        self.check_attempts(msg)
        self.check_cost(msg)

    def test_no_prices_no_cost(self) -> None:
        state = MockStateDir(self.server)
        try:
            with anthropic.Anthropic(state_dir=state.path) as client:
                msg = client.messages.create(model="sonnet", max_tokens=64, messages=USER)
            self.assertIsNone(msg.cost)
            self.assertEqual(len(msg.attempts), 1)
        finally:
            state.cleanup()

    def test_library_events_reach_the_logger(self) -> None:
        self.server.load_script(OVERLOADED_ONCE)
        try:
            with self.assertLogs("claw_anthropic", level="DEBUG") as logs:
                anthropic.sync_log_level()
                self.client.messages.create(model="sonnet", max_tokens=64, messages=USER)
        finally:
            anthropic.sync_log_level()
        retries = [r for r in logs.records if r.getMessage() == "retrying request"]
        self.assertEqual(len(retries), 1, [r.getMessage() for r in logs.records])
        self.assertEqual(retries[0].levelno, logging.DEBUG)
        self.assertEqual(getattr(retries[0], "claw_fields")["status"], 529)
        self.assertTrue(str(getattr(retries[0], "claw_target")).startswith("claw_anthropic"))
        for r in logs.records:
            self.assertNotIn(KEY[12:40], r.getMessage() + json.dumps(getattr(r, "claw_fields", {})))

    def test_request_and_attempt_spans_reach_the_logger(self) -> None:
        self.server.load_script(OVERLOADED_ONCE)
        try:
            with self.assertLogs("claw_anthropic", level="DEBUG") as logs:
                anthropic.sync_log_level()
                msg = self.client.messages.create(model="sonnet", max_tokens=64, messages=USER)
        finally:
            anthropic.sync_log_level()
        spans = [r for r in logs.records if r.getMessage() == "span closed"]
        for r in spans:
            self.assertEqual(r.levelno, logging.DEBUG)
            self.assertGreaterEqual(getattr(r, "claw_duration_ms"), 0)
        attempts = [r for r in spans if getattr(r, "claw_span") == "attempt"]
        fields = [getattr(r, "claw_fields") for r in attempts]
        self.assertEqual([f["http.response.status_code"] for f in fields], [529, 200])
        self.assertEqual([f["claw.attempt"] for f in fields], [1, 2])
        self.assertEqual(fields[0]["claw.retry_delay_ms"], 1)
        self.assertEqual(fields[0]["claw.failure_reason"], "rate_limit")
        self.assertEqual(fields[1]["claw.request_id"], msg.request_id)
        self.assertEqual(getattr(attempts[0], "claw_target"), "claw_anthropic::attempt")
        # A retried attempt ends when its outcome is known, before the wait for the next one.
        retry = next(r for r in logs.records if r.getMessage() == "retrying request")
        self.assertLess(logs.records.index(attempts[0]), logs.records.index(retry))
        chats = [r for r in spans if getattr(r, "claw_span") == "chat"]
        self.assertEqual(len(chats), 1, [r.getMessage() for r in logs.records])
        chat = getattr(chats[0], "claw_fields")
        self.assertEqual(getattr(chats[0], "claw_target"), "claw_anthropic::request")
        self.assertEqual(chat["gen_ai.operation.name"], "chat")
        self.assertEqual(chat["gen_ai.provider.name"], "anthropic")
        self.assertEqual(chat["gen_ai.request.model"], "claude-sonnet-4-5")
        self.assertEqual(chat["gen_ai.response.id"], msg.id)
        self.assertEqual(chat["gen_ai.usage.input_tokens"], msg.usage.input_tokens)
        self.assertEqual(chat["gen_ai.usage.output_tokens"], msg.usage.output_tokens)
        self.assertEqual(chat["claw.profile_id"], "anthropic:default")
        self.assertEqual(chat["claw.attempts"], 2)
        assert msg.cost is not None
        self.assertEqual(chat["claw.cost_usd"], msg.cost.total)
        for r in spans:
            self.assertNotIn(KEY[12:40], json.dumps(getattr(r, "claw_fields")))

    def test_no_span_records_above_debug(self) -> None:
        self.server.load_script(OVERLOADED_ONCE)
        logger = logging.getLogger("claw_anthropic")
        try:
            with self.assertLogs("claw_anthropic", level="INFO") as logs:
                anthropic.sync_log_level()
                self.client.messages.create(model="sonnet", max_tokens=64, messages=USER)
                logger.info("marker")
        finally:
            anthropic.sync_log_level()
        self.assertEqual([r for r in logs.records if r.getMessage() == "span closed"], [])
