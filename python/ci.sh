#!/usr/bin/env bash
# The Python package's CI: build and install it with pip into a fresh venv (the native library
# is compiled in release mode and shipped inside the package), run the tests against the
# INSTALLED package from a directory where python/ is not importable, type-check the installed
# package with `mypy --strict`, then run the tests once more in-tree (PYTHONPATH=python).
#
#   python/ci.sh            (PYTHON=python3.12 python/ci.sh to choose the interpreter)
#
# The wheel's library is built with the `mock` feature: the tests use its loopback mock server.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Nothing from the caller's Anthropic/Clawdbot set-up may leak into the tests.
for v in $(env | sed -n 's/^\(ANTHROPIC_[A-Za-z0-9_]*\|CLAWDBOT_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done
unset CLAW_ANTHROPIC_LIB PI_CODING_AGENT_DIR PYTHONPATH
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The tests get a scratch HOME (the build keeps the real one: rustup and cargo live there).
home="$work/home"
mkdir -p "$home"

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "fresh venv"
"$python" -m venv "$work/venv"
venv="$work/venv/bin"
"$venv/pip" install --quiet mypy

step "pip install $root (release build of the native library)"
"$venv/pip" install --quiet "$root"

step "tests against the installed package"
mkdir -p "$work/run"
cp -r "$root/python/tests" "$work/run/tests"
rm -rf "$work/run/tests/__pycache__"
(
    cd "$work/run"
    "$venv/python" -c 'import claw_anthropic, sys; print("using", claw_anthropic.__file__, claw_anthropic.library_path())'
    HOME="$home" CLAW_REPO_ROOT="$root" CLAW_EXPECT_INSTALLED=1 "$venv/python" -m unittest discover -s tests -t . -v
)

step "mypy --strict -p claw_anthropic (installed)"
(cd "$work/run" && "$venv/mypy" --strict --no-incremental -p claw_anthropic)

step "tests in-tree (PYTHONPATH=python, library from target/)"
lib="${CARGO_TARGET_DIR:-$root/target}/release/libclaw_anthropic.so"
(
    cd "$home"
    if [ -n "${CARGO_TARGET_DIR:-}" ]; then export CLAW_ANTHROPIC_LIB="$lib"; fi
    PYTHONPATH="$root/python" "$venv/python" -c 'import claw_anthropic; print("using", claw_anthropic.__file__, claw_anthropic.library_path())'
    HOME="$home" PYTHONPATH="$root/python" "$venv/python" -m unittest discover -s "$root/python/tests" -t "$root/python"
)

step "done"
