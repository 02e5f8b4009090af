#!/usr/bin/env bash
# CPU profile of the crate's streaming path (Client::stream → final_message on the 7.7 MB
# stream) with perf, client process only; the mock server runs in its own process.
#
#   benches/compare/profile.sh            # after run.sh (reuses its build and $WORK fixtures)
#   RUNS=60 PORT=18741 benches/compare/profile.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$ROOT/target/compare-work}
RUNS=${RUNS:-60}
PORT=${PORT:-18741}
BIN="$ROOT/target/release/claw-anthropic"
DRIVER="$ROOT/target/compare/release/claw-compare"
[ -f "$WORK/script.json" ] || { echo "run benches/compare/run.sh first" >&2; exit 1; }

# A copy of the streaming state dir pointing at this port.
STATE="$WORK/home-profile/.clawdbot"
mkdir -p "$STATE/agents/main/agent"
sed "s#http://127.0.0.1:[0-9]*#http://127.0.0.1:$PORT#" "$WORK/home-stream/.clawdbot/clawdbot.json" >"$STATE/clawdbot.json"
cp "$WORK/home-stream/.clawdbot/agents/main/agent/auth-profiles.json" "$STATE/agents/main/agent/"

"$BIN" mock-server --port "$PORT" --script "$WORK/script.json" >"$WORK/mock-profile.log" 2>&1 &
MOCK=$!
trap 'kill $MOCK 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q http:// "$WORK/mock-profile.log" && break; sleep 0.05; done

perf record -q -F 4999 -g --call-graph dwarf,16384 -o "$WORK/perf.data" \
  "$DRIVER" crate-stream --state "$STATE" --runs "$RUNS" >/dev/null
echo "== self time by symbol (client process, all threads)"
perf report -i "$WORK/perf.data" --no-children --stdio --sort symbol --percent-limit 1 2>/dev/null \
  | grep -E '^ +[0-9]' | sed -E 's/ +- +- +$//'
echo "== self time by shared object"
perf report -i "$WORK/perf.data" --no-children --stdio --sort dso --percent-limit 1 2>/dev/null \
  | grep -E '^ +[0-9]'
