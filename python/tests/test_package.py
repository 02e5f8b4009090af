"""The package's version, the version check against the native library, and the typed marker."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import claw_anthropic as claw

from ._support import repo_root


class PackageTests(unittest.TestCase):
    def test_version_is_the_crate_version(self) -> None:
        cargo = repo_root() / "Cargo.toml"
        if not cargo.is_file():
            self.skipTest("no source checkout next to the tests")
        m = re.search(r'^version\s*=\s*"([^"]+)"', cargo.read_text(), re.M)
        assert m is not None
        self.assertEqual(claw.__version__, m.group(1))
        self.assertEqual(claw.version(), claw.__version__)

    def test_py_typed_ships(self) -> None:
        self.assertTrue((Path(claw.__file__).parent / "py.typed").is_file())

    @unittest.skipUnless(shutil.which("cc"), "needs a C compiler")
    def test_a_library_of_another_version_fails_the_import(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "other.c"
            src.write_text('const char *claw_version(void) { return "0.0.1-other"; }\n')
            so = Path(tmp) / "libclaw_anthropic.so"
            subprocess.run(["cc", "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
            env = dict(os.environ, CLAW_ANTHROPIC_LIB=str(so))
            # The package the tests import, wherever it is (installed or in-tree).
            env["PYTHONPATH"] = str(Path(claw.__file__).parent.parent)
            out = subprocess.run(
                [sys.executable, "-c", "import claw_anthropic"],
                capture_output=True, text=True, env=env, cwd=tmp, timeout=120,
            )
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("LibraryVersionError", out.stderr)
        self.assertIn(f"claw_anthropic {claw.__version__} loaded the native library", out.stderr)
        self.assertIn("reports version 0.0.1-other", out.stderr)

    def test_a_missing_library_fails_the_import_clearly(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, CLAW_ANTHROPIC_LIB=str(Path(tmp) / "nothing.so"))
            env["PYTHONPATH"] = str(Path(claw.__file__).parent.parent)
            out = subprocess.run(
                [sys.executable, "-c", "import claw_anthropic"],
                capture_output=True, text=True, env=env, cwd=tmp, timeout=120,
            )
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("does not name a file", out.stderr)

    def test_installed_package_carries_its_library(self) -> None:
        if os.environ.get("CLAW_EXPECT_INSTALLED") != "1":
            self.skipTest("set CLAW_EXPECT_INSTALLED=1 when testing an installed package")
        self.assertNotIn("CLAW_ANTHROPIC_LIB", os.environ)
        here = Path(claw.__file__).resolve().parent
        self.assertEqual(claw.library_path().resolve().parent, here)
        self.assertIn("site-packages", str(here))


if __name__ == "__main__":
    unittest.main()
