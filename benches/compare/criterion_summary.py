"""Print the crate's criterion results (target/criterion/**/new/) as a Markdown table:
median with its 95 % confidence interval, and MB/s where the bench declares a byte throughput.

    cargo bench --features mock --bench config --bench request --bench sse --bench auth
    python benches/compare/criterion_summary.py [target/criterion]
"""

import json
import pathlib
import sys


def fmt_time(ns):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3g} {unit}" if ns / div < 100 else f"{ns / div:.0f} {unit}"
    return f"{ns:.3g} ns"


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    rows = []
    for est in sorted(root.glob("**/new/estimates.json")):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        e = json.loads(est.read_text())["median"]
        med, lo, hi = e["point_estimate"], e["confidence_interval"]["lower_bound"], e["confidence_interval"]["upper_bound"]
        tp = bench.get("throughput") or {}
        rate = ""
        if "Bytes" in tp:
            rate = f"{tp['Bytes'] / (med / 1e9) / 1e6:.0f} MB/s"
        rows.append((bench["full_id"], fmt_time(med), f"{fmt_time(lo)} – {fmt_time(hi)}", rate))
    print("| bench | median | 95 % CI of the median | throughput |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print("| `{}` | {} | {} | {} |".format(*r))


if __name__ == "__main__":
    main()
