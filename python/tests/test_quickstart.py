"""examples/python/quickstart.py runs offline against the mock server."""

from __future__ import annotations

import subprocess
import sys
import unittest

from claw_anthropic import ClawError, MockServer, codes

from ._support import repo_root

QUICKSTART = repo_root() / "examples" / "python" / "quickstart.py"


class QuickstartTests(unittest.TestCase):
    def test_quickstart_mock(self) -> None:
        try:
            MockServer().close()
        except ClawError as e:
            if e.code == codes.NOT_SUPPORTED:
                self.skipTest("library built without feature `mock`")
            raise
        out = subprocess.run(
            [sys.executable, str(QUICKSTART), "--mock"],
            capture_output=True, text=True, timeout=120,
        )
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("default model: anthropic/claude-sonnet-4-5", out.stdout)
        self.assertIn('"ttl": "1h"', out.stdout)
        self.assertIn("stream: pong", out.stdout)
        self.assertNotIn("sk-ant-api03-quickstart-example-key-000000", out.stdout)


if __name__ == "__main__":
    unittest.main()
