#!/usr/bin/env bash
# Side-by-side benchmarks: this crate vs Anthropic's official Python and TypeScript SDKs, plain
# reqwest and curl, all against the crate's mock server on 127.0.0.1. Not run in CI.
#
#   benches/compare/run.sh                 # everything: build, install, measure, summarize
#   RUNS=7 N=2000 WORK=/tmp/claw-compare benches/compare/run.sh   # default WORK: target/compare-work
#   ONLY="stream small cold cli" benches/compare/run.sh   # a subset of the sections
#   PIN=1 benches/compare/run.sh           # mock server on the last CPU, every client on the others
#
# Installs the alternatives into $WORK (a Python venv with `anthropic` from PyPI, an npm
# directory with `@anthropic-ai/sdk`), writes throw-away Clawdbot state dirs there, and appends
# one JSON line per (tool, scenario) to $WORK/results.jsonl (per-run seconds + peak RSS from
# /usr/bin/time -v). summarize.py turns that into the tables of BENCHMARKS.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/benches/compare"
WORK=${WORK:-$ROOT/target/compare-work}
RUNS=${RUNS:-7}          # timed runs per (tool, scenario), after one warm-up run
# Timed runs of the streaming cells that last milliseconds (curl, raw reqwest, the crate, the
# ctypes final message) and of the TS SDK's: seven 4 ms runs give a median that moves ±25 %.
FAST_RUNS=${FAST_RUNS:-35}
N=${N:-2000}             # small requests per run
PORT=${PORT:-18731}
DELTAS=${DELTAS:-50000}  # the 7.7 MB stream: 50,000 text_deltas of 40 bytes
DELTA_LEN=${DELTA_LEN:-40}
# The CLI section: `claw-anthropic send` printing a 31 MB stream of 200,000 text_deltas.
CLI_DELTAS=${CLI_DELTAS:-200000}
ONLY=${ONLY:-"stream small cold cli"}
SKIP_BUILD=${SKIP_BUILD:-0}
# PIN=1: the mock server runs on the last CPU and every client on the other(s) (taskset), as a
# client talking to a remote server would have its cores to itself (the cold-start section has
# no server and is never pinned). Default: no pinning, the mock and the client share every core
# (and each other's caches).
PIN=${PIN:-0}
MOCK_PREFIX=()
CLIENT_PREFIX=()
PIN_DESC="none (the mock server and the client share all $(nproc) CPUs)"
if [ "$PIN" = 1 ]; then
  NCPU=$(nproc)
  if [ "$NCPU" -lt 2 ]; then echo "PIN=1 needs at least 2 CPUs" >&2; exit 1; fi
  MOCK_PREFIX=(taskset -c "$((NCPU - 1))")
  CLIENT_PREFIX=(taskset -c "0-$((NCPU - 2))")
  PIN_DESC="mock server on CPU $((NCPU - 1)), clients on CPU 0-$((NCPU - 2))"
fi

STREAM_KEY="sk-ant-api03-bench-stream-00000000000000000000000000000000"
SMALL_KEY="sk-ant-api03-bench-small-000000000000000000000000000000000"
CLI_KEY="sk-ant-api03-bench-clicli-00000000000000000000000000000000"
URL="http://127.0.0.1:$PORT"
BIN="$ROOT/target/release/claw-anthropic"
# The driver has its own target dir: it builds the crate with other features than the CLI's.
DRIVER_TARGET="$ROOT/target/compare"
DRIVER="$DRIVER_TARGET/release/claw-compare"
RESULTS="$WORK/results.jsonl"

# Loopback only: no proxy may sit between the clients and the mock.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
mkdir -p "$WORK"

log() { printf '== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- build + install
if [ "$SKIP_BUILD" != 1 ]; then
  log "building release binaries (crate CLI + cdylib, comparison driver)"
  (cd "$ROOT" && cargo build --release --features cli,mock --bin claw-anthropic \
    && cargo build --release -p claw-anthropic-capi --features mock)
  (cd "$HERE/rust" && CARGO_TARGET_DIR="$DRIVER_TARGET" cargo build --release)
fi
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c 'import anthropic' 2>/dev/null; then
  log "installing anthropic (PyPI) into $WORK/venv"
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q anthropic
fi
if [ ! -d "$WORK/node/node_modules/@anthropic-ai/sdk" ]; then
  log "installing @anthropic-ai/sdk (npm) into $WORK/node"
  mkdir -p "$WORK/node"
  (cd "$WORK/node" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --silent @anthropic-ai/sdk)
fi
# ESM resolves packages next to the script, so the TS driver runs from the install dir.
cp "$HERE/ts_sdk.mjs" "$WORK/node/ts_sdk.mjs"
PY="$WORK/venv/bin/python"
PY_VER=$("$PY" -c 'import anthropic; print(anthropic.__version__)')
TS_VER=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$WORK/node/node_modules/@anthropic-ai/sdk/package.json")
log "anthropic (Python) $PY_VER, @anthropic-ai/sdk $TS_VER, node $(node --version), curl $(curl --version | head -1 | cut -d' ' -f2)"

# ---------------------------------------------------------------- fixtures
# A Clawdbot state dir per key: clawdbot.json pointing at the mock, one api_key profile.
make_state() { # name key
  local dir="$WORK/home-$1/.clawdbot"
  mkdir -p "$dir/agents/main/agent"
  cat >"$dir/clawdbot.json" <<EOF
// benches/compare fixture
{
  agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-5" } } },
  models: { providers: { anthropic: { baseUrl: "$URL", api: "anthropic-messages", models: [] } } },
}
EOF
  cat >"$dir/agents/main/agent/auth-profiles.json" <<EOF
{
  "version": 1,
  "profiles": {
    "anthropic:default": { "type": "api_key", "provider": "anthropic", "key": "$2" }
  }
}
EOF
  chmod 600 "$dir/agents/main/agent/auth-profiles.json"
  echo "$dir"
}
STATE_STREAM=$(make_state stream "$STREAM_KEY")
STATE_SMALL=$(make_state small "$SMALL_KEY")
STATE_CLI=$(make_state cli "$CLI_KEY")

# models status fixture, shaped like the conformance recordings (v05: an expired token profile,
# an api_key profile in cooldown, plus a config with aliases and an env block).
COLD_HOME="$WORK/home-cold"
mkdir -p "$COLD_HOME/.clawdbot/agents/main/agent"
cat >"$COLD_HOME/.clawdbot/clawdbot.json" <<'EOF'
// benches/compare cold-start fixture
{
  env: { ANTHROPIC_API_KEY: "sk-ant-api03-COLDSTARTCOLDSTARTCOLDSTARTCOLDSTART0000" },
  agents: { defaults: {
    model: { primary: "opus", fallbacks: ["anthropic/claude-sonnet-4-5"] },
    models: { "anthropic/claude-opus-4-5": { alias: "opus", params: { cacheControlTtl: "1h" } } },
  } },
}
EOF
cat >"$COLD_HOME/.clawdbot/agents/main/agent/auth-profiles.json" <<'EOF'
{
  "version": 1,
  "profiles": {
    "anthropic:old": { "type": "token", "provider": "anthropic",
      "token": "sk-ant-oat01-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD",
      "expires": 1700000000000 },
    "anthropic:k": { "type": "api_key", "provider": "anthropic",
      "key": "sk-ant-api03-ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ" }
  },
  "usageStats": { "anthropic:k": { "cooldownUntil": 4102444800000, "errorCount": 1, "lastFailureAt": 4102444740000 } }
}
EOF
chmod 600 "$COLD_HOME/.clawdbot/agents/main/agent/auth-profiles.json"

# The mock's script: every request with STREAM_KEY gets the same big stream (a standing
# credential rule, not a FIFO entry); everything else gets the built-in reply ("ping" → "pong").
cat >"$WORK/script.json" <<EOF
{ "credentials": [ { "secret": "$STREAM_KEY",
    "reply": { "kind": "text_stream", "deltas": $DELTAS, "delta_len": $DELTA_LEN } },
  { "secret": "$CLI_KEY",
    "reply": { "kind": "text_stream", "deltas": $CLI_DELTAS, "delta_len": $DELTA_LEN } } ] }
EOF

# ---------------------------------------------------------------- helpers
MOCK_PID=
start_mock() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is already in use (set PORT=...)" >&2; exit 1
  fi
  "${MOCK_PREFIX[@]}" "$BIN" mock-server --port "$PORT" --script "$WORK/script.json" >"$WORK/mock.log" 2>&1 &
  MOCK_PID=$!
  for _ in $(seq 100); do
    grep -q "http://127.0.0.1:$PORT" "$WORK/mock.log" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "mock server did not start:" >&2; cat "$WORK/mock.log" >&2; exit 1
}
stop_mock() {
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  MOCK_PID=
}
trap stop_mock EXIT

# measure CMD...: runs CMD under /usr/bin/time -v with a fresh mock server, appends its JSON
# line(s) to $RESULTS with "rss_kb" (peak RSS of the measuring process) added.
measure() {
  start_mock
  local out="$WORK/out.txt" tv="$WORK/time.txt"
  if ! /usr/bin/time -v -o "$tv" "${CLIENT_PREFIX[@]}" "$@" >"$out" 2>"$WORK/err.txt"; then
    echo "FAILED: $*" >&2; cat "$WORK/err.txt" >&2; stop_mock; return 1
  fi
  stop_mock
  local rss
  rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tv")
  grep '^{' "$out" | sed "s/}\$/, \"rss_kb\": $rss}/" | tee -a "$RESULTS" >&2
}

# curl reading the raw stream (the ceiling): one warm-up + RUNS timed transfers.
curl_stream() {
  local body='{"model":"claude-sonnet-4-5","max_tokens":64000,"stream":true,"messages":[{"role":"user","content":"ping"}]}'
  local secs=() size=0 line
  for i in $(seq 0 "$FAST_RUNS"); do
    line=$(curl -sS -o /dev/null -w '%{time_total} %{size_download}' -X POST "$URL/v1/messages" \
      -H "x-api-key: $STREAM_KEY" -H 'anthropic-version: 2023-06-01' \
      -H 'content-type: application/json' --data "$body")
    size=${line#* }
    [ "$i" -gt 0 ] && secs+=("${line% *}")
  done
  local joined
  joined=$(IFS=,; echo "${secs[*]}")
  echo "{\"tool\": \"curl\", \"scenario\": \"stream\", \"secs\": [$joined], \"check\": {\"body_bytes\": $size}}"
}
export -f curl_stream
export URL STREAM_KEY RUNS FAST_RUNS

: >"$RESULTS"
echo "{\"meta\": {\"python_sdk\": \"$PY_VER\", \"ts_sdk\": \"$TS_VER\", \"node\": \"$(node --version)\", \"python\": \"$("$PY" -c 'import sys; print(sys.version.split()[0])')\", \"runs\": $RUNS, \"fast_runs\": $FAST_RUNS, \"n\": $N, \"deltas\": $DELTAS, \"cli_deltas\": $CLI_DELTAS, \"delta_len\": $DELTA_LEN, \"pin\": \"$PIN_DESC\", \"load_before\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"started\": \"$(date -u +%FT%TZ)\"}}" >>"$RESULTS"

# ---------------------------------------------------------------- 1. streaming
if [[ " $ONLY " == *" stream "* ]]; then
  log "1. streaming ${DELTAS} deltas x ${DELTA_LEN} B"
  measure bash -c curl_stream
  measure "$DRIVER" reqwest-stream --url "$URL" --key "$STREAM_KEY" --runs "$FAST_RUNS"
  measure "$DRIVER" crate-stream --state "$STATE_STREAM" --runs "$FAST_RUNS"
  measure env PYTHONPATH="$ROOT/python" CLAW_ANTHROPIC_LIB="$ROOT/target/release/libclaw_anthropic.so" \
    "$PY" "$HERE/py_ffi.py" stream "$STATE_STREAM" "$FAST_RUNS"
  measure env PYTHONPATH="$ROOT/python" CLAW_ANTHROPIC_LIB="$ROOT/target/release/libclaw_anthropic.so" \
    "$PY" "$HERE/py_ffi.py" stream-events "$STATE_STREAM" "$RUNS"
  measure "$PY" "$HERE/py_sdk.py" stream "$URL" "$STREAM_KEY" "$RUNS"
  measure bash -c "cd '$WORK/node' && exec node ts_sdk.mjs stream '$URL' '$STREAM_KEY' '$FAST_RUNS'"
fi

# ---------------------------------------------------------------- 2. small requests
if [[ " $ONLY " == *" small "* ]]; then
  for C in 1 64; do
    log "2. $N small requests at concurrency $C"
    measure "$DRIVER" reqwest-small --url "$URL" --key "$SMALL_KEY" --n "$N" --conc "$C" --runs "$RUNS"
    # The same API call as the crate's, byte for byte (prompt-cache breakpoint, beta header, …).
    measure "$DRIVER" reqwest-small --state "$STATE_SMALL" --key "$SMALL_KEY" --n "$N" --conc "$C" --runs "$RUNS"
    measure "$DRIVER" crate-small --state "$STATE_SMALL" --n "$N" --conc "$C" --runs "$RUNS"
    measure env PYTHONPATH="$ROOT/python" CLAW_ANTHROPIC_LIB="$ROOT/target/release/libclaw_anthropic.so" \
      "$PY" "$HERE/py_ffi.py" small "$STATE_SMALL" "$RUNS" "$N" "$C"
    measure "$PY" "$HERE/py_sdk.py" small "$URL" "$SMALL_KEY" "$RUNS" "$N" "$C"
    measure bash -c "cd '$WORK/node' && exec node ts_sdk.mjs small '$URL' '$SMALL_KEY' '$RUNS' '$N' '$C'"
  done
fi

# ---------------------------------------------------------------- 3. cold start
if [[ " $ONLY " == *" cold "* ]]; then
  log "3. cold start"
  command -v hyperfine >/dev/null || { echo "the cold-start section needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
  COLD_RUNS=$((RUNS * 5))
  # hyperfine gives the per-run times; /usr/bin/time one more run for the peak RSS.
  cold() { # tool command...
    local tool=$1; shift
    HOME="$COLD_HOME" hyperfine -N --warmup 3 --runs "$COLD_RUNS" --export-json "$WORK/hf.json" \
      --output=null "$(printf '%q ' "$@")" >&2
    local rss
    HOME="$COLD_HOME" /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null
    rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$WORK/time.txt")
    "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(json.dumps({"tool": sys.argv[2], "scenario": "cold", "secs": r["times"], "check": {"command": r["command"]}, "rss_kb": int(sys.argv[3])}))' \
      "$WORK/hf.json" "$tool" "$rss" | tee -a "$RESULTS" >&2
  }
  HOME="$COLD_HOME" "$BIN" models status --json >"$WORK/status.json"
  cold crate "$BIN" models status --json
  cold python_sdk "$PY" -c "import anthropic"
  cold ts_sdk node -e "require('$WORK/node/node_modules/@anthropic-ai/sdk')"
  if command -v clawdbot >/dev/null 2>&1; then
    cold clawdbot clawdbot models status --json
  else
    log "the reference clawdbot CLI is not installed: no cold-start row for it"
  fi
fi

# ---------------------------------------------------------------- 4. the CLI printing a stream
if [[ " $ONLY " == *" cli "* ]]; then
  log "4. claw-anthropic send: ${CLI_DELTAS} deltas x ${DELTA_LEN} B, stdout read through a pipe"
  measure "$PY" "$HERE/time_cmd.py" cli_send cli "$RUNS" env HOME="${STATE_CLI%/.clawdbot}" \
    "$BIN" send --message ping --max-tokens 64000
  measure "$PY" "$HERE/time_cmd.py" cli_send_json cli "$RUNS" env HOME="${STATE_CLI%/.clawdbot}" \
    "$BIN" send --message ping --max-tokens 64000 --json
  measure bash -c "cd '$WORK/node' && exec node ts_sdk.mjs stream '$URL' '$CLI_KEY' '$RUNS' cli"
  # The TS SDK as a whole process too (node start, SDK import, one cold stream), like the CLI.
  measure "$PY" "$HERE/time_cmd.py" ts_sdk_process cli "$RUNS" \
    bash -c "cd '$WORK/node' && exec node ts_sdk.mjs stream '$URL' '$CLI_KEY' 0 cli"
fi

echo "{\"meta_end\": {\"load_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"finished\": \"$(date -u +%FT%TZ)\"}}" >>"$RESULTS"
log "results: $RESULTS"
"$PY" "$HERE/summarize.py" "$RESULTS"
