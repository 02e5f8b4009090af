"""Summarize benches/compare/run.sh results (a JSON-lines file) as Markdown tables.

    python summarize.py target/compare-work/results.jsonl

Per (tool, scenario): median of the timed runs, the spread (min–max), the rate derived from the
median, peak RSS, and the ratio of this crate's rate to the tool's.
"""

import json
import statistics
import sys

NAMES = {
    "crate": "claw-anthropic (Rust API)",
    "python_ffi": "claw-anthropic via C ABI + Python ctypes",
    "python_ffi_events": "claw-anthropic via C ABI + Python ctypes, iterating every event",
    "reqwest": "plain reqwest 0.13 + serde_json, minimal request",
    "reqwest_same": "plain reqwest 0.13 + serde_json, this crate's exact request",
    "reqwest_raw": "plain reqwest 0.13, raw bytes",
    "curl": "curl, raw bytes to /dev/null",
    "python_sdk": "anthropic (Python SDK)",
    "ts_sdk": "@anthropic-ai/sdk (TypeScript SDK)",
    "clawdbot": "clawdbot CLI (reference)",
    "ts_sdk_process": "@anthropic-ai/sdk (TypeScript SDK), one stream per node process",
    "cli_send": "`claw-anthropic send` (prints the text as it arrives)",
    "cli_send_json": "`claw-anthropic send --json` (prints the final message)",
}


def load(path):
    rows, meta = {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            if "meta" in d:
                meta.update(d["meta"])
            elif "meta_end" in d:
                meta.update(d["meta_end"])
            else:
                rows[(d["tool"], d["scenario"])] = d
    return rows, meta


def mb(x):
    return x / 1e6


def fmt_rss(kb):
    return f"{kb / 1024:.0f} MB" if kb >= 10240 else f"{kb / 1024:.1f} MB"


def main():
    rows, meta = load(sys.argv[1])
    out = []
    out.append(
        f"Runs per cell: {meta.get('runs')} timed (+1 warm-up)"
        + (f", {meta['fast_runs']} for the millisecond streaming cells and the TS SDK's"
           if "fast_runs" in meta else "")
        + f"; Python SDK {meta.get('python_sdk')}, "
        f"TS SDK {meta.get('ts_sdk')} on node {meta.get('node')}, Python {meta.get('python')}; "
        f"load average before {meta.get('load_before')}, after {meta.get('load_after')}; "
        f"CPU pinning: {meta.get('pin', 'none')}."
    )
    out.append("")

    # 1. streaming
    body = None
    if ("curl", "stream") in rows:
        body = rows[("curl", "stream")]["check"]["body_bytes"]
    elif ("reqwest_raw", "stream") in rows:
        body = rows[("reqwest_raw", "stream")]["check"]["body_bytes"]
    stream_tools = [t for t in NAMES if (t, "stream") in rows]
    if stream_tools and body:
        crate = rows.get(("crate", "stream"))
        crate_rate = mb(body) / statistics.median(crate["secs"]) if crate else None
        out.append(f"### Streaming: one {body / 1e6:.2f} MB SSE body ({meta.get('deltas')} text_deltas) per run")
        out.append("")
        out.append("| client | median s | spread (min–max) s | MB/s (median) | peak RSS | crate ÷ this |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for t in stream_tools:
            r = rows[(t, "stream")]
            med = statistics.median(r["secs"])
            rate = mb(body) / med
            ratio = f"{crate_rate / rate:.2f}×" if crate_rate else "–"
            out.append(
                f"| {NAMES[t]} | {med:.4f} | {min(r['secs']):.4f}–{max(r['secs']):.4f} | "
                f"{rate:.0f} | {fmt_rss(r['rss_kb'])} | {ratio} |"
            )
        out.append("")

    # 2. small requests
    for sc in sorted({s for (_, s) in rows if s.startswith("small_c")}, key=lambda s: int(s[7:])):
        tools = [t for t in NAMES if (t, sc) in rows]
        crate = rows.get(("crate", sc))
        n = rows[(tools[0], sc)]["check"]["requests"]
        crate_rate = n / statistics.median(crate["secs"]) if crate else None
        out.append(f"### {n} non-streaming requests at concurrency {sc[7:]}")
        out.append("")
        out.append("| client | median s | spread (min–max) s | requests/s (median) | peak RSS | crate ÷ this |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for t in tools:
            r = rows[(t, sc)]
            med = statistics.median(r["secs"])
            rate = n / med
            ratio = f"{crate_rate / rate:.2f}×" if crate_rate else "–"
            out.append(
                f"| {NAMES[t]} | {med:.3f} | {min(r['secs']):.3f}–{max(r['secs']):.3f} | "
                f"{rate:.0f} | {fmt_rss(r['rss_kb'])} | {ratio} |"
            )
        out.append("")

    # 3. cold start
    tools = [t for t in NAMES if (t, "cold") in rows]
    if tools:
        crate = rows.get(("crate", "cold"))
        crate_med = statistics.median(crate["secs"]) if crate else None
        out.append("### Cold start")
        out.append("")
        out.append("| command | median ms | spread (min–max) ms | peak RSS | this ÷ crate (time) |")
        out.append("|---|---:|---:|---:|---:|")
        for t in tools:
            r = rows[(t, "cold")]
            med = statistics.median(r["secs"])
            ratio = f"{med / crate_med:.1f}×" if crate_med else "–"
            out.append(
                f"| `{r['check']['command']}` | {med * 1e3:.2f} | {min(r['secs']) * 1e3:.2f}–"
                f"{max(r['secs']) * 1e3:.2f} | {fmt_rss(r['rss_kb'])} | {ratio} |"
            )
        out.append("")
    # 4. the CLI printing a big stream, against the TS SDK accumulating the same stream
    tools = [t for t in NAMES if (t, "cli") in rows]
    if tools:
        ts = rows.get(("ts_sdk", "cli"))
        ts_med = statistics.median(ts["secs"]) if ts else None
        tsp = rows.get(("ts_sdk_process", "cli"))
        tsp_med = statistics.median(tsp["secs"]) if tsp else None
        out.append(f"### The CLI: one stream of {meta.get('cli_deltas', '?')} text_deltas, stdout read through a pipe")
        out.append("")
        out.append("| client | median s | spread (min–max) s | peak RSS | TS SDK (in process) ÷ this "
                   "| TS SDK (whole process) ÷ this |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for t in tools:
            r = rows[(t, "cli")]
            med = statistics.median(r["secs"])
            ratio = f"{ts_med / med:.1f}×" if ts_med else "–"
            pratio = f"{tsp_med / med:.1f}×" if tsp_med else "–"
            out.append(
                f"| {NAMES[t]} | {med:.3f} | {min(r['secs']):.3f}–{max(r['secs']):.3f} | "
                f"{fmt_rss(r['rss_kb'])} | {ratio} | {pratio} |"
            )
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
