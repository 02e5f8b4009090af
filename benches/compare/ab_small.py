#!/usr/bin/env python3
"""A/B of this crate against plain reqwest on small requests (not run in CI).

    python3 benches/compare/ab_small.py [--conc 1] [--pairs 8] [--runs 5] [--n 2000] [--pin]
                                        [--baseline same|minimal] [--separate] [--timeout-ms T]
                                        [--rt multi|current]

run.sh measures every client once per cell, one after the other; on a noisy machine the two
cells being compared can land in different moments. By default this script runs `claw-compare
ab-small` PAIRS times (one process each) against one mock server: both clients in one process,
RUNS rounds of one batch of N requests each, the first of a round alternating. It reports the
median and quartiles of the per-round ratios crate rate ÷ plain reqwest rate.

`--baseline same` (the default) has plain reqwest send this crate's exact request (same
headers, `User-Agent` and body bytes, prompt-cache breakpoint included: the server does the
same work for both); `--baseline minimal` a hand-written minimal one (three headers, no
breakpoint; the mock server spends less on it, and on shared cores that shows in the client's
rate). `--rt current` runs the clients on a current-thread tokio runtime (no work moves
between threads) instead of the default multi-thread one. `--timeout-ms` gives plain reqwest a per-request timeout like this crate's.

`--separate` is the older method: `claw-compare reqwest-small` and `claw-compare crate-small`
alternately in their own processes, PAIRS times, the ratio per pair from the medians of RUNS
timed runs, plus each client's CPU time per request (user + system, from the child's rusage,
warm-up run included).

Needs what run.sh builds and writes: the release CLI (`target/release/claw-anthropic`), the
driver (`target/compare/release/claw-compare`) and the state dir `$WORK/home-small` (whose
`baseUrl` names `$PORT`). `--pin` puts the mock on the last CPU and the clients on the others.
Appends one JSON line per invocation to `$WORK/ab_small.jsonl`.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = "sk-ant-api03-bench-small-000000000000000000000000000000000"


def wait_port(port, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"mock server did not start on port {port}")


def fixtures():
    """$WORK, $PORT, and the state dir, release CLI and driver run.sh leaves behind."""
    work = os.environ.get("WORK", os.path.join(ROOT, "target", "compare-work"))
    port = int(os.environ.get("PORT", "18731"))
    state = os.path.join(work, "home-small", ".clawdbot")
    cli = os.path.join(ROOT, "target", "release", "claw-anthropic")
    driver = os.path.join(ROOT, "target", "compare", "release", "claw-compare")
    for path in (state, cli, driver):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: run benches/compare/run.sh first")
    return work, port, state, cli, driver


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conc", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--pin", action="store_true")
    ap.add_argument("--baseline", choices=["same", "minimal"], default="same")
    ap.add_argument("--separate", action="store_true")
    ap.add_argument("--timeout-ms", type=int)
    ap.add_argument("--rt", choices=["multi", "current"], default="multi")
    a = ap.parse_args()
    work, port, state, cli, driver = fixtures()

    mock_prefix, client_prefix = [], []
    if a.pin:
        ncpu = os.cpu_count() or 1
        if ncpu < 2:
            sys.exit("--pin needs at least 2 CPUs")
        mock_prefix = ["taskset", "-c", str(ncpu - 1)]
        client_prefix = ["taskset", "-c", f"0-{ncpu - 2}"]

    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    mock = subprocess.Popen(
        mock_prefix + [cli, "mock-server", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    cpu = {"reqwest": [], "crate": []}

    env = dict(env, HOME=os.path.dirname(state))
    plain = ["--key", KEY, "--url", f"http://127.0.0.1:{port}", "--plain", a.baseline]
    if a.timeout_ms is not None:
        plain += ["--timeout-ms", str(a.timeout_ms)]

    def drive(args):
        cmd = client_prefix + [driver] + args + [
            "--n", str(a.n), "--conc", str(a.conc), "--runs", str(a.runs), "--rt", a.rt]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env=env)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        if status != 0:
            sys.exit(f"{' '.join(cmd)} failed")
        return [json.loads(l) for l in out.strip().splitlines()], ru

    def run(tool, args):
        (line,), ru = drive([f"{tool}-small"] + args)
        cpu[tool].append((ru.ru_utime + ru.ru_stime) / (a.n * (a.runs + 1)) * 1e6)
        return a.n / statistics.median(line["secs"])

    ratios, base = [], []
    try:
        wait_port(port)
        for _ in range(a.pairs):
            if a.separate:
                r = run("reqwest", plain + ["--state", state])
                c = run("crate", ["--state", state])
                base.append(r)
                ratios.append(c / r)
            else:
                (ours, theirs), _ = drive(["ab-small", "--state", state] + plain)
                base += [a.n / s for s in theirs["secs"]]
                ratios += [t / o for o, t in zip(ours["secs"], theirs["secs"])]
    finally:
        mock.kill()
        mock.wait()

    q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    result = {
        "method": "separate" if a.separate else "in-process", "baseline": a.baseline,
        "timeout_ms": a.timeout_ms,
        "conc": a.conc, "rt": a.rt, "pairs": a.pairs, "runs": a.runs, "n": a.n, "pin": a.pin,
        "ratio_median": statistics.median(ratios), "ratio_quartiles": [q1, q3],
        "ratios": sorted(ratios),
        "reqwest_rps_median": statistics.median(base),
        "cpu_us_per_request": {k: statistics.median(v) for k, v in cpu.items() if v},
        "load": open("/proc/loadavg").read().split()[:3],
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with open(os.path.join(work, "ab_small.jsonl"), "a") as f:
        f.write(json.dumps(result) + "\n")
    what = f"{a.pairs} pairs x {a.runs} runs" if a.separate else \
        f"{a.pairs} processes x {a.runs} rounds, in-process"
    line = (f"concurrency {a.conc}{' (pinned)' if a.pin else ''}, {a.rt}-thread runtime, {what}, baseline {a.baseline}"
            f"{f' (timeout {a.timeout_ms} ms)' if a.timeout_ms is not None else ''}: "
            f"crate/reqwest rate ratio median {result['ratio_median']:.3f} "
            f"(quartiles {q1:.3f}-{q3:.3f}); reqwest {result['reqwest_rps_median']:.0f} req/s")
    if a.separate:
        line += (f"; CPU per request: crate {result['cpu_us_per_request']['crate']:.1f} us, "
                 f"reqwest {result['cpu_us_per_request']['reqwest']:.1f} us")
    print(line)


if __name__ == "__main__":
    main()
