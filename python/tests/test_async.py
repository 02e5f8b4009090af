"""AsyncAnthropic: the loop keeps running during calls and streams; cancelling cancels."""

from __future__ import annotations

import asyncio
import unittest
from typing import List

import claw_anthropic as anthropic
from claw_anthropic.lib.streaming import AsyncMessageStream

from ._support import USER, MockStateDir, SharedMockServer

# A body that drips: 40 deltas sent 64 bytes every 20 ms (a stream that takes a while).
DRIP = {"kind": "text_stream", "deltas": 40, "delta_len": 10, "drip": {"bytes": 64, "interval_ms": 20}}


async def wait_idle(client: anthropic.AsyncAnthropic) -> None:
    """Waits (bounded) until no native call is running on the client."""
    for _ in range(2000):
        if client.native._busy == 0:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the native call did not end")


class AsyncTests(SharedMockServer, unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.server.reset()
        self.state = MockStateDir(self.server)
        self.client = anthropic.AsyncAnthropic(state_dir=self.state.path, max_retries=0)

    async def asyncTearDown(self) -> None:
        await self.client.close()
        self.state.cleanup()

    async def test_create_count_tokens_and_models(self) -> None:
        msg = await self.client.messages.create(model="sonnet", max_tokens=64, messages=USER)
        self.assertIn("pong", msg.content[0].text)
        self.assertEqual(msg.profile_id, "anthropic:default")
        self.assertTrue(msg.request_id and msg.request_id.startswith("req_mock_"))
        self.assertGreater((await self.client.messages.count_tokens(model="sonnet", messages=USER)).input_tokens, 0)
        first = await self.client.models.list(limit=3)
        self.assertEqual(len(first.data), 3)
        ids = [m.id async for m in self.client.models.list(limit=3)]
        everything = [m.id async for m in await self.client.models.list(limit=1000)]
        self.assertEqual(ids, everything)

    async def test_two_concurrent_streams_while_the_loop_runs(self) -> None:
        self.server.load_script({"replies": [DRIP, DRIP]})
        ticks: List[int] = []
        streaming = asyncio.Event()

        async def ticker() -> None:
            while not streaming.is_set():
                await asyncio.sleep(0)
            while streaming.is_set():
                ticks.append(1)
                await asyncio.sleep(0.005)

        async def one() -> str:
            texts = []
            async with self.client.messages.stream(model="sonnet", messages=USER) as stream:
                self.assertIsInstance(stream, AsyncMessageStream)
                async for event in stream:
                    if event.type == "text":
                        texts.append(event.text)  # type: ignore[union-attr]
                final = await stream.get_final_message()
            self.assertEqual("".join(texts), final.content[0].text)
            return final.content[0].text

        t = asyncio.ensure_future(ticker())
        streaming.set()
        ticks_before = len(ticks)
        a, b = await asyncio.gather(one(), one())
        ticks_during = len(ticks) - ticks_before
        streaming.clear()
        await t
        self.assertEqual(len(a), 400)
        self.assertEqual(len(b), 400)
        # The other coroutine kept running while both streams were in flight.
        self.assertGreater(ticks_during, 2)
        self.assertEqual(len([r for r in self.server.requests() if r["path"] == "/v1/messages"]), 2)

    async def test_text_stream_and_final_message_without_events(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "text", "text": "alpha"},
            {"kind": "text_stream", "deltas": 200, "delta_len": 5},
        ]})
        async with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            self.assertEqual("".join([t async for t in stream.text_stream]), "alpha")
        async with self.client.messages.stream(model="sonnet", messages=USER) as stream:
            self.assertEqual(len(await stream.get_final_text()), 1000)

    async def test_create_stream_true(self) -> None:
        events = await self.client.messages.create(model="sonnet", messages=USER, stream=True)
        async with events:
            types = [e.type async for e in events]
        self.assertEqual((types[0], types[-1]), ("message_start", "message_stop"))
        self.assertNotIn("text", types)

    async def test_cancelling_the_task_cancels_the_call(self) -> None:
        self.server.load_script({"replies": [{"kind": "default", "delay_ms": 60000}]})
        task = asyncio.ensure_future(self.client.messages.create(model="sonnet", messages=USER))
        # wait until the request reached the server
        for _ in range(2000):
            if self.server.requests():
                break
            await asyncio.sleep(0.005)
        self.assertTrue(self.server.requests())
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        # the native call returned (cancelled), long before the 60 s reply
        await wait_idle(self.client)
        msg = await self.client.messages.create(model="sonnet", messages=USER)
        self.assertIn("pong", msg.content[0].text)

    async def test_cancelling_a_stream_consumer_cancels_the_stream(self) -> None:
        self.server.load_script({"replies": [{"kind": "stalled", "text": "then nothing"}]})
        first = asyncio.Event()

        async def consume() -> None:
            async with self.client.messages.stream(model="sonnet", messages=USER) as stream:
                async for _event in stream:
                    first.set()

        task = asyncio.ensure_future(consume())
        await asyncio.wait_for(first.wait(), 60)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        await wait_idle(self.client)

    async def test_errors_keep_their_class(self) -> None:
        self.server.load_script({"replies": [
            {"kind": "error", "status": 429, "error_type": "rate_limit_error", "message": "slow down"}
        ] * 4})
        with self.assertRaises(anthropic.RateLimitError) as cm:
            await self.client.messages.create(model="sonnet", messages=USER)
        self.assertEqual(cm.exception.status_code, 429)


if __name__ == "__main__":
    unittest.main()
