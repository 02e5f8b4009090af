"""This crate's C ABI through its Python ctypes package (python/claw_anthropic), against the mock.

    python py_ffi.py stream STATE_DIR RUNS          (final message only, as the SDK rows)
    python py_ffi.py stream-events STATE_DIR RUNS   (every event handed to Python as a dict)
    python py_ffi.py small  STATE_DIR RUNS N CONC     (CONC threads; ctypes releases the GIL)

Prints one JSON line: {"tool", "scenario", "secs": [per run], "check": ...}.
"""

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import claw_anthropic as claw

REQ = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "ping"}]}


def emit(tool, scenario, secs, check):
    print(json.dumps({"tool": tool, "scenario": scenario, "secs": secs, "check": check}), flush=True)


def timed(runs, f):
    check = f()
    secs = []
    for _ in range(runs):
        t = time.perf_counter()
        check = f()
        secs.append(time.perf_counter() - t)
    return secs, check


def main():
    cmd, state, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cfg = claw.Config.load_state_dir(state)
    client = claw.Client(cfg)
    if cmd == "stream":
        req = dict(REQ, max_tokens=64000)

        def once():
            # As the SDK rows: only the final message is wanted (get_final_message()).
            m = client.stream(req).final_message()
            return {"text_bytes": len(m["content"][0]["text"].encode())}

        secs, check = timed(runs, once)
        emit("python_ffi", "stream", secs, check)
    elif cmd == "stream-events":
        req = dict(REQ, max_tokens=64000)

        def once_events():
            s = client.stream(req)
            for _event in s:
                pass
            return {"text_bytes": len(s.message["content"][0]["text"].encode())}

        secs, check = timed(runs, once_events)
        emit("python_ffi_events", "stream", secs, check)
    elif cmd == "small":
        n, conc = int(sys.argv[4]), int(sys.argv[5])
        req = dict(REQ, max_tokens=64)
        pool = ThreadPoolExecutor(max_workers=conc)

        def one(_):
            return len(client.send(req)["content"][0]["text"])

        def batch():
            return {"requests": n, "text_bytes": sum(pool.map(one, range(n)))}

        secs, check = timed(runs, batch)
        emit("python_ffi", f"small_c{conc}", secs, check)
        pool.shutdown()
    else:
        sys.exit(f"unknown command {cmd}")
    client.close()
    cfg.close()


if __name__ == "__main__":
    main()
