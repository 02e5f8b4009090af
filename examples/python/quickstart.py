#!/usr/bin/env python3
"""claw-anthropic from Python: status, a dry run, a message and a stream.

    pip install .                                         # builds and installs the package
    python3 examples/python/quickstart.py --mock          # offline, built-in mock server
    python3 examples/python/quickstart.py                 # ~/.clawdbot for real

In a source checkout without installing: `cargo build --features mock`, then
`PYTHONPATH=python python3 examples/python/quickstart.py --mock`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

try:
    import claw_anthropic as anthropic
except ImportError:  # a source checkout: use python/ next to this file
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    import claw_anthropic as anthropic


def main() -> int:
    print("claw-anthropic", anthropic.__version__)
    server = None
    if "--mock" in sys.argv:
        server = anthropic.MockServer()
        config = anthropic.Config.from_json5(
            """{ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-quickstart-example-key-000000' },
                 models: { providers: { anthropic: { baseUrl: '%s' } } },
                 agents: { defaults: { model: { primary: 'sonnet' },
                   models: { 'anthropic/claude-sonnet-4-5': { params: { cacheControlTtl: '1h' } } } } } }"""
            % server.url
        )
    else:
        config = anthropic.Config.load()  # ~/.clawdbot/clawdbot.json

    messages = [{"role": "user", "content": "ping"}]
    try:
        with config, anthropic.Anthropic(config=config) as client:
            print("default model:", config.status()["resolvedDefault"])
            print("dry run:", json.dumps(config.build_request({"model": "sonnet", "messages": messages})))
            # max_tokens omitted: the configured default for the model
            message = client.messages.create(model="sonnet", messages=messages)
            print("message:", message.content[0].text, message.usage.to_dict())
            print("stream: ", end="")
            with client.messages.stream(model="sonnet", messages=messages) as stream:
                for text in stream.text_stream:
                    print(text, end="", flush=True)
                print()
                print("final message:", stream.get_final_message().to_json(indent=None))
    except anthropic.AnthropicError as e:
        print(f"error {type(e).__name__} ({e.name}): {e.message}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
