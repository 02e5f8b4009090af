#!/usr/bin/env python3
"""Instructions and code footprint per small request, this crate vs plain reqwest (not run in CI).

    python3 benches/compare/footprint.py [--top 30] [--diff 30] [--conc 1]

Runs `claw-compare crate-small` and `claw-compare reqwest-small` under callgrind
(`--dump-instr=yes`) twice each, with 250 and 500 requests per run (one warm-up run + one timed
run), against one mock server, and reports per extra request (the difference of the two runs
divided by 500):

* instructions executed;
* the code footprint: how many distinct 64-byte lines of machine code run at least 0.9 times
  per request, i.e. what a request pulls into the instruction cache when another process (the
  mock server on a shared core) has evicted it since the last one.

`--conc C` keeps C requests in flight (default 1). With `--top N`, the crate's own functions with the most such lines are listed; with `--diff N`,
the N functions (any crate's) whose line counts differ most between the two clients. The two counts
are deterministic (no timing); note that under valgrind a run lasts ~50x longer, so the
usage log's 500 ms flush runs every few requests and its code is counted as per-request code.

Needs valgrind and what run.sh builds and writes (see ab_small.py).
"""

import argparse
import collections
import os
import re
import subprocess
import tempfile

from ab_small import KEY, fixtures, wait_port

SMALL, LARGE = 250, 500


def parse(path):
    """Self instruction counts per address, and the function of each address."""
    counts, fn_of = collections.Counter(), {}
    fn, skip = None, False
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("calls="):
                skip = True  # the next cost line is the call's inclusive cost
            elif line.startswith("0x"):
                if skip:
                    skip = False
                    continue
                parts = line.split()
                addr = int(parts[0], 16)
                counts[addr] += int(parts[-1])
                fn_of[addr] = fn
    return counts, fn_of


def per_request(small, large, extra):
    a, _ = parse(small)
    b, fn_of = parse(large)
    lines, line_fn = collections.Counter(), {}
    for addr, c in b.items():
        d = c - a.get(addr, 0)
        line = addr >> 6
        lines[line] = max(lines[line], d)
        line_fn.setdefault(line, fn_of[addr])
    hot = [l for l, c in lines.items() if c >= int(extra * 0.9)]
    instructions = (sum(b.values()) - sum(a.values())) / extra
    return instructions, hot, line_fn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("--diff", type=int, default=0)
    ap.add_argument("--conc", type=int, default=1)
    a = ap.parse_args()
    _, port, state, cli, driver = fixtures()
    out = tempfile.mkdtemp(prefix="claw-footprint-")
    mock = subprocess.Popen(
        [cli, "mock-server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        clients = {
            "crate": [driver, "crate-small", "--state", state],
            # Plain reqwest sending this crate's exact request (see ab_small.py's `--baseline`).
            "reqwest": [driver, "reqwest-small", "--state", state, "--key", KEY],
        }
        results = {}
        for name, cmd in clients.items():
            files = []
            for n in (SMALL, LARGE):
                f = os.path.join(out, f"{name}-{n}.out")
                subprocess.run(
                    ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-strings=no",
                     "--compress-pos=no", f"--callgrind-out-file={f}"]
                    + cmd + ["--n", str(n), "--conc", str(a.conc), "--runs", "1"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=True,
                )
                files.append(f)
            # warm-up + 1 timed run each: 2 * (LARGE - SMALL) extra requests
            results[name] = per_request(files[0], files[1], 2 * (LARGE - SMALL))
    finally:
        mock.kill()
    for name, (instructions, hot, _) in results.items():
        print(f"{name:8} {instructions:9.0f} instructions/request, {len(hot):5d} code lines "
              f"({len(hot) * 64 // 1024} KiB)/request")
    if a.top:
        _, hot, line_fn = results["crate"]
        by_fn = collections.Counter(
            re.sub(r"::h[0-9a-f]{16}$", "", line_fn[l]) for l in hot if "claw_anthropic" in line_fn[l]
        )
        for fn, n in by_fn.most_common(a.top):
            print(f"{n:5d}  {fn[:140]}")
    if a.diff:
        counts = {}
        for name, (_, hot, line_fn) in results.items():
            counts[name] = collections.Counter(
                re.sub(r"::h[0-9a-f]{16}$", "", line_fn[l] or "?") for l in hot
            )
        delta = counts["crate"].copy()
        delta.subtract(counts["reqwest"])
        print("crate  reqwest  function")
        for fn, _ in sorted(delta.items(), key=lambda kv: -abs(kv[1]))[: a.diff]:
            print(f"{counts['crate'][fn]:5d}  {counts['reqwest'][fn]:7d}  {fn[:130]}")


if __name__ == "__main__":
    main()
