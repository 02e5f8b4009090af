#!/usr/bin/env python3
"""claw-anthropic from Python: status, a dry run, a send and a stream.

    cargo build --features mock            # builds target/debug/libclaw_anthropic.so
    PYTHONPATH=python python3 examples/python/quickstart.py --mock   # offline, built-in mock server
    PYTHONPATH=python python3 examples/python/quickstart.py          # ~/.clawdbot for real
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

import claw_anthropic as claw  # noqa: E402


def main() -> int:
    print("claw-anthropic", claw.version())
    server = None
    if "--mock" in sys.argv:
        server = claw.MockServer()
        config = claw.Config.from_json5(
            """{ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-quickstart-example-key-000000' },
                 models: { providers: { anthropic: { baseUrl: '%s' } } },
                 agents: { defaults: { model: { primary: 'sonnet' },
                   models: { 'anthropic/claude-sonnet-4-5': { params: { cacheControlTtl: '1h' } } } } } }"""
            % server.url
        )
    else:
        config = claw.Config.load()  # ~/.clawdbot/clawdbot.json

    request = {"model": "sonnet", "messages": [{"role": "user", "content": "ping"}]}
    try:
        with config, claw.Client(config) as client:
            status = config.status()
            print("default model:", status["resolvedDefault"])
            print("dry run:", json.dumps(config.build_request(request)))
            print("message:", client.send(request)["content"])
            print("stream: ", end="")
            stream = client.stream(request)
            for event in stream:
                if event["type"] == "content_block_delta" and event["delta"]["type"] == "text_delta":
                    print(event["delta"]["text"], end="", flush=True)
            print()
            print("final message:", json.dumps(stream.message))
    except claw.ClawError as e:
        print(f"error {e.name} ({e.code}): {e.message}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
