"""Anthropic's official Python SDK against the mock server (benches/compare/run.sh).

    python py_sdk.py stream URL KEY RUNS
    python py_sdk.py small  URL KEY RUNS N CONC

Prints one JSON line: {"tool", "scenario", "secs": [per run], "check": ...}.
"""

import asyncio
import json
import sys
import time

import anthropic

MODEL = "claude-sonnet-4-5"
MESSAGES = [{"role": "user", "content": "ping"}]


def emit(tool, scenario, secs, check):
    print(json.dumps({"tool": tool, "scenario": scenario, "secs": secs, "check": check}), flush=True)


def stream(url, key, runs):
    client = anthropic.Anthropic(api_key=key, base_url=url, max_retries=0)

    def once():
        with client.messages.stream(model=MODEL, max_tokens=64000, messages=MESSAGES) as s:
            msg = s.get_final_message()
        return {"text_bytes": len(msg.content[0].text.encode())}

    check = once()
    secs = []
    for _ in range(runs):
        t = time.perf_counter()
        check = once()
        secs.append(time.perf_counter() - t)
    emit("python_sdk", "stream", secs, check)


async def small(url, key, runs, n, conc):
    client = anthropic.AsyncAnthropic(api_key=key, base_url=url, max_retries=0)
    sem = asyncio.Semaphore(conc)

    async def one():
        async with sem:
            msg = await client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
            return len(msg.content[0].text)

    async def batch():
        sizes = await asyncio.gather(*(one() for _ in range(n)))
        return {"requests": n, "text_bytes": sum(sizes)}

    check = await batch()
    secs = []
    for _ in range(runs):
        t = time.perf_counter()
        check = await batch()
        secs.append(time.perf_counter() - t)
    emit("python_sdk", f"small_c{conc}", secs, check)
    await client.close()


def main():
    cmd, url, key, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if cmd == "stream":
        stream(url, key, runs)
    elif cmd == "small":
        asyncio.run(small(url, key, runs, int(sys.argv[5]), int(sys.argv[6])))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
