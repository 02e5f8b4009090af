"""A/B of the criterion benches of two checkouts, interleaved so both see the same machine.

    python3 benches/compare/criterion_ab.py BASE_DIR HEAD_DIR [--benches config,request,auth]
                                           [--rounds 5] [--filter SUBSTRING]

Each checkout must have built its benches (`cargo bench --no-run --bench …`). Every round
runs each bench binary of BASE, then of HEAD (short warm-up and measurement), and the table
gives, per benchmark, the median over the rounds of criterion's per-iteration estimate and
HEAD ÷ BASE (> 1: HEAD is slower). Loaded machines move both sides alike; compare ratios.
"""

import argparse
import glob
import os
import re
import statistics
import subprocess
import sys

LINE = re.compile(r"^test (\S+)\s+\.\.\. bench:\s+([\d,.]+) ns/iter")


def binary(checkout, bench):
    cands = [
        p for p in glob.glob(os.path.join(checkout, "target/release/deps", f"{bench}-*"))
        if os.access(p, os.X_OK) and not p.endswith(".d")
    ]
    if not cands:
        sys.exit(f"{checkout}: no bench binary for {bench} (run `cargo bench --no-run --bench {bench}`)")
    return max(cands, key=os.path.getmtime)


def run(path, flt):
    args = [path, "--bench", "--output-format", "bencher", "--warm-up-time", "1",
            "--measurement-time", "2", "--noplot"]
    if flt:
        args.append(flt)
    out = subprocess.run(args, capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(path)))))
    res = {}
    for line in out.stdout.splitlines():
        m = LINE.match(line)
        if m:
            res[m.group(1)] = float(m.group(2).replace(",", ""))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("head")
    ap.add_argument("--benches", default="config,request,auth")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--filter", default="")
    a = ap.parse_args()
    samples = {}  # (name, side) -> [ns]
    for r in range(a.rounds):
        for bench in a.benches.split(","):
            for side, checkout in (("base", a.base), ("head", a.head)):
                for name, ns in run(binary(checkout, bench), a.filter).items():
                    samples.setdefault((name, side), []).append(ns)
        print(f"round {r + 1}/{a.rounds} done; load {open('/proc/loadavg').read().split()[:3]}",
              file=sys.stderr)
    names = sorted({n for (n, _) in samples})
    print("| bench | base | head | head ÷ base |")
    print("|---|---:|---:|---:|")
    for n in names:
        b, h = samples.get((n, "base")), samples.get((n, "head"))
        if not b or not h:
            print(f"| `{n}` | {fmt(b)} | {fmt(h)} | – |")
            continue
        print(f"| `{n}` | {fmt(b)} | {fmt(h)} | {statistics.median(h) / statistics.median(b):.3f} |")


def fmt(xs):
    if not xs:
        return "–"
    m = statistics.median(xs)
    return f"{m / 1e3:.2f} µs" if m < 1e6 else f"{m / 1e6:.2f} ms"


if __name__ == "__main__":
    main()
