"""Time a whole command, reading its stdout through a pipe as a terminal or `| less` would.

    python time_cmd.py TOOL SCENARIO RUNS CMD...

Runs CMD once as a warm-up, then RUNS times, and prints one JSON line for run.sh:
{"tool", "scenario", "secs": [per run], "check": {"stdout_bytes": ...}}. A run that exits
non-zero aborts with its stderr.
"""

import json
import subprocess
import sys
import time


def once(cmd):
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    secs = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        sys.exit(f"{cmd[0]} exited with {proc.returncode}")
    return secs, len(proc.stdout)


def main():
    tool, scenario, runs, cmd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    _, size = once(cmd)
    secs = []
    for _ in range(runs):
        s, size = once(cmd)
        secs.append(s)
    print(json.dumps({"tool": tool, "scenario": scenario, "secs": secs, "check": {"stdout_bytes": size}}))


if __name__ == "__main__":
    main()
