"""The exception of a failed request carries its attempts (``.attempts``), sync and async,
streaming or not, and for ``count_tokens`` and ``models.list``."""

from __future__ import annotations

import unittest
from typing import Any, Callable, Dict, List

import claw_anthropic as anthropic
from claw_anthropic import Config, MockServer, codes
from claw_anthropic.types import Attempt

from ._support import USER, MockStateDir, SharedMockServer

SECOND_KEY = "sk-ant-api03-sdk-test-key-second-profile-0123456789abcdef"


def error(status: int, error_type: str, message: str) -> Dict[str, Any]:
    return {
        "kind": "error",
        "status": status,
        "error_type": error_type,
        "message": message,
        "headers": {"retry-after-ms": "1"},
    }


RATE_LIMITED = error(429, "rate_limit_error", "rate limited")
REJECTED = error(401, "authentication_error", "invalid x-api-key")
# Three 429s on the first profile (two retries), then a 401 on the other.
THREE_429S_THEN_401 = {"replies": [RATE_LIMITED, RATE_LIMITED, RATE_LIMITED, REJECTED]}
BROKEN_STREAM = {
    "replies": [
        {
            "kind": "stream_error",
            "text": "partial",
            "error_type": "api_error",
            "message": "Internal server error",
        }
    ]
}


class Base:
    server: MockServer
    state: MockStateDir

    def check_three_429s_then_401(self, t: unittest.TestCase, e: anthropic.AnthropicError) -> None:
        t.assertIsInstance(e, anthropic.AuthenticationError)
        t.assertEqual(len(e.attempts), 4, e.attempts)
        for a in e.attempts:
            t.assertIsInstance(a, Attempt)
        first = e.attempts[0].profile_id
        t.assertEqual([a.profile_id for a in e.attempts[:3]], [first] * 3)
        t.assertIn(e.attempts[3].profile_id, {"anthropic:default", "anthropic:b"} - {first})
        t.assertEqual([a.status for a in e.attempts], [429, 429, 429, 401])
        t.assertEqual([a.reason for a in e.attempts], ["rate_limit"] * 3 + ["auth"])
        t.assertEqual([a.retry_delay_ms for a in e.attempts], [1, 1, None, None])
        t.assertEqual({a.model for a in e.attempts}, {"anthropic/claude-sonnet-4-5"})
        for a in e.attempts:
            t.assertTrue(a.request_id and a.request_id.startswith("req_mock_"))
        t.assertEqual(e.attempts[3].request_id, e.request_id)

    def fresh_state(self, script: Dict[str, Any]) -> str:
        """A new state dir (no cooldowns) with two profiles, and the script loaded."""
        self.server.reset()
        self.state.cleanup()
        self.state = MockStateDir(self.server)
        with Config.load_state_dir(self.state.path) as cfg:
            cfg.set_api_key(SECOND_KEY, profile_id="anthropic:b")
        self.server.load_script(script)
        return self.state.path


class SyncFailureTests(Base, SharedMockServer, unittest.TestCase):
    def setUp(self) -> None:
        self.state = MockStateDir(self.server)

    def tearDown(self) -> None:
        self.state.cleanup()

    def failure(
        self, script: Dict[str, Any], call: Callable[[anthropic.Anthropic], object]
    ) -> anthropic.AnthropicError:
        with anthropic.Anthropic(state_dir=self.fresh_state(script), max_retries=2) as client:
            with self.assertRaises(anthropic.AnthropicError) as cm:
                call(client)
        return cm.exception

    def test_create(self) -> None:
        e = self.failure(
            THREE_429S_THEN_401,
            lambda c: c.messages.create(model="sonnet", max_tokens=64, messages=USER),
        )
        self.check_three_429s_then_401(self, e)

    def test_stream(self) -> None:
        def final(c: anthropic.Anthropic) -> object:
            with c.messages.stream(model="sonnet", messages=USER) as s:
                return s.get_final_message()

        def iterate(c: anthropic.Anthropic) -> object:
            with c.messages.stream(model="sonnet", messages=USER) as s:
                return list(s)

        def raw(c: anthropic.Anthropic) -> object:
            return list(c.messages.create(model="sonnet", messages=USER, stream=True))

        for call in (final, iterate, raw):
            with self.subTest(call.__name__):
                self.check_three_429s_then_401(self, self.failure(THREE_429S_THEN_401, call))

    def test_a_stream_that_broke_after_it_opened(self) -> None:
        def iterate(c: anthropic.Anthropic) -> object:
            with c.messages.stream(model="sonnet", messages=USER) as s:
                return list(s)

        e = self.failure(BROKEN_STREAM, iterate)
        self.assertEqual([a.status for a in e.attempts], [200])
        self.assertIsNone(e.attempts[0].reason)

    def test_count_tokens_and_models(self) -> None:
        e = self.failure(
            THREE_429S_THEN_401, lambda c: c.messages.count_tokens(model="sonnet", messages=USER)
        )
        self.assertIsInstance(e, anthropic.RateLimitError)
        self.assertEqual([a.status for a in e.attempts], [429, 429, 429])
        self.assertEqual(len({a.profile_id for a in e.attempts}), 1, "no rotation")
        e = self.failure({"replies": [REJECTED]}, lambda c: c.models.list())
        self.assertIsInstance(e, anthropic.AuthenticationError)
        self.assertEqual([(a.status, a.reason) for a in e.attempts], [(401, "auth")])

    def test_no_try_no_attempts(self) -> None:
        empty = [{"role": "user", "content": ""}]
        e = self.failure(THREE_429S_THEN_401, lambda c: c.messages.create(model="sonnet", messages=empty))
        self.assertEqual(e.code, codes.INVALID_REQUEST)
        self.assertEqual(e.attempts, [])
        self.assertEqual(self.server.requests(), [])
        # An error made by hand has none either.
        self.assertEqual(anthropic.AnthropicError(codes.API, "x").attempts, [])


class AsyncFailureTests(Base, SharedMockServer, unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.state = MockStateDir(self.server)

    async def asyncTearDown(self) -> None:
        self.state.cleanup()

    async def failure(
        self, script: Dict[str, Any], call: Callable[[anthropic.AsyncAnthropic], Any]
    ) -> anthropic.AnthropicError:
        state_dir = self.fresh_state(script)
        async with anthropic.AsyncAnthropic(state_dir=state_dir, max_retries=2) as client:
            with self.assertRaises(anthropic.AnthropicError) as cm:
                await call(client)
        return cm.exception

    async def test_create_and_stream(self) -> None:
        async def create(c: anthropic.AsyncAnthropic) -> object:
            return await c.messages.create(model="sonnet", max_tokens=64, messages=USER)

        async def final(c: anthropic.AsyncAnthropic) -> object:
            async with c.messages.stream(model="sonnet", messages=USER) as s:
                return await s.get_final_message()

        async def iterate(c: anthropic.AsyncAnthropic) -> object:
            events: List[object] = []
            async with c.messages.stream(model="sonnet", messages=USER) as s:
                async for ev in s:
                    events.append(ev)
            return events

        async def raw(c: anthropic.AsyncAnthropic) -> object:
            stream = await c.messages.create(model="sonnet", messages=USER, stream=True)
            return [ev async for ev in stream]

        for call in (create, final, iterate, raw):
            with self.subTest(call.__name__):
                self.check_three_429s_then_401(self, await self.failure(THREE_429S_THEN_401, call))

    async def test_count_tokens_and_models(self) -> None:
        async def count(c: anthropic.AsyncAnthropic) -> object:
            return await c.messages.count_tokens(model="sonnet", messages=USER)

        async def models(c: anthropic.AsyncAnthropic) -> object:
            return await c.models.list()

        e = await self.failure(THREE_429S_THEN_401, count)
        self.assertEqual([a.status for a in e.attempts], [429, 429, 429])
        e = await self.failure({"replies": [REJECTED]}, models)
        self.assertEqual([a.status for a in e.attempts], [401])


if __name__ == "__main__":
    unittest.main()
