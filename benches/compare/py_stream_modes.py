"""Python streaming throughput, claw_anthropic vs Anthropic's official Python SDK, in one process
against one mock server: the 7.7 MB stream (50,000 text deltas of 40 bytes) consumed three ways
— iterating every event, `text_stream`, and `get_final_message()` alone.

    python -m venv /tmp/pybench && /tmp/pybench/bin/pip install . anthropic
    /tmp/pybench/bin/python benches/compare/py_stream_modes.py [RUNS]

The mock server is the one inside the installed claw_anthropic package (built with `mock`).
Prints a Markdown table: median seconds over RUNS timed runs (after one warm-up) and MB/s of
the SSE body (as the other tables of BENCHMARKS.md).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List

import anthropic
import claw_anthropic

DELTAS, DELTA_LEN = 50_000, 40
KEY = "sk-ant-api03-bench-py-modes-000000000000000000000000000000000"
MODEL = "claude-sonnet-4-5"
MESSAGES = [{"role": "user", "content": "ping"}]
REPLY = {"kind": "text_stream", "deltas": DELTAS, "delta_len": DELTA_LEN}


def events(stream: Any) -> int:
    n = 0
    for event in stream:
        if event.type == "text":
            n += len(event.text)
    return n


def text_stream(stream: Any) -> int:
    return sum(len(t) for t in stream.text_stream)


def final(stream: Any) -> int:
    return len(stream.get_final_message().content[0].text)


def body_bytes(url: str) -> int:
    """The size of one such SSE body, read raw."""
    req = urllib.request.Request(
        url + "/v1/messages",
        data=json.dumps({"model": MODEL, "max_tokens": 64000, "stream": True, "messages": MESSAGES}).encode(),
        headers={"x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        return len(resp.read())


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    server = claw_anthropic.MockServer()
    state = tempfile.mkdtemp(prefix="py-stream-modes-")
    (Path(state) / "clawdbot.json").write_text(
        json.dumps({"models": {"providers": {"anthropic": {"baseUrl": server.url}}}})
    )
    with claw_anthropic.Config.load_state_dir(state) as cfg:
        cfg.set_api_key(KEY)
    claw = claw_anthropic.Anthropic(state_dir=state, max_retries=0)
    sdk = anthropic.Anthropic(api_key=KEY, base_url=server.url, max_retries=0)
    clients: Dict[str, Any] = {"claw_anthropic": claw, "anthropic (official SDK)": sdk}
    modes: Dict[str, Callable[[Any], int]] = {
        "iterating events": events,
        "text_stream": text_stream,
        "get_final_message()": final,
    }
    server.load_script({"replies": [REPLY]})
    size = body_bytes(server.url)
    rows: List[str] = []
    for mode, consume in modes.items():
        for name, client in clients.items():
            secs = []
            for i in range(runs + 1):
                server.load_script({"replies": [REPLY]})
                t = time.perf_counter()
                with client.messages.stream(model=MODEL, max_tokens=64000, messages=MESSAGES) as s:
                    n = consume(s)
                if i:
                    secs.append(time.perf_counter() - t)
                assert n == DELTAS * DELTA_LEN, (name, mode, n)
            med = statistics.median(secs)
            mbps = size / med / 1e6
            rows.append(f"| {mode} | {name} | {med:.4f} | {min(secs):.4f}–{max(secs):.4f} | {mbps:,.1f} |")
            print(rows[-1], file=sys.stderr, flush=True)
    print(f"Python {sys.version.split()[0]}, claw_anthropic {claw_anthropic.__version__}, "
          f"anthropic {anthropic.__version__}; SSE body {size:,} bytes; {runs} timed runs per cell")
    print("| consumption | client | median s | range s | MB/s |")
    print("|---|---|---:|---:|---:|")
    print("\n".join(rows))
    claw.close()
    server.close()


if __name__ == "__main__":
    main()
