#!/usr/bin/env bash
# Builds the C tests and the C quickstart against the debug cdylib (with the mock server) and runs
# each under valgrind: any memory error or definitely-lost block fails. Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$(pwd)

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
# --all-features: the same feature set as the README's test command, so CI reuses its build.
cargo build -p claw-anthropic-capi --all-features --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The library under the names programs link and load it by (its SONAME is libclaw_anthropic.so.N).
libdir="$work/lib"
mkdir -p "$libdir"
ln -s "$root/target/debug/libclaw_anthropic.so" "$libdir/libclaw_anthropic.so"
soname=$(readelf -d "$root/target/debug/libclaw_anthropic.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ -n "$soname" ] && ln -s "$root/target/debug/libclaw_anthropic.so" "$libdir/$soname"

run() { # name source [args...]
  local name=$1 src=$2
  shift 2
  local dir="$work/$name"
  mkdir -p "$dir/state"
  cc -std=c11 -Wall -Wextra -Werror -pedantic -g -D_POSIX_C_SOURCE=200809L \
    -I "$root/include" -I "$root/capi/tests/c" "$root/$src" -o "$dir/prog" \
    -L "$libdir" -lclaw_anthropic -Wl,-rpath,"$libdir" -lpthread -ldl -lm
  echo "== valgrind $src $*"
  (
    cd "$dir"
    env -u ANTHROPIC_API_KEY -u ANTHROPIC_OAUTH_TOKEN -u CLAWDBOT_CONFIG_PATH -u CLAWDBOT_AGENT_DIR \
      -u PI_CODING_AGENT_DIR HOME="$dir" CLAWDBOT_STATE_DIR="$dir/state" CLAW_TEST_DIR="$dir" \
      valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
      --show-leak-kinds=definite "$dir/prog" "$@"
  )
}

run test_config capi/tests/c/test_config.c
run test_client capi/tests/c/test_client.c
run test_log capi/tests/c/test_log.c
run quickstart examples/c/quickstart.c --mock
echo "valgrind: no errors, nothing definitely lost"
