#!/usr/bin/env python3
"""Where a command's time goes: its HTTP requests on a timeline, from the counting proxy.

    timeline.py --proxy-log FILE --out FILE.json [--runs 5] -- COMMAND...

Runs COMMAND (its environment must point AWS_ENDPOINT_URL at proxy.py) --runs times and
keeps the run with the median wall time. For that run: the wall time, each request
(action, start and end in ms from the process start), the time covered by at least one
request in flight, and the rest (process start-up, parsing, signing, rendering: cdkx's
own time). The proxy adds one loopback hop per request, so the requests look slightly
longer than without it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time


def covered(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for s, e in sorted(intervals):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def one_run(command: list[str], log: str) -> dict:
    offset = os.path.getsize(log) if os.path.exists(log) else 0
    start = time.time()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.time() - start
    time.sleep(0.05)  # the proxy writes its line once it has relayed the answer
    with open(log, encoding="utf-8") as f:
        f.seek(offset)
        rows = [json.loads(line) for line in f if line.strip()]
    # The proxy sees the emulator close a little after the client had its answer and may
    # already have exited: an end past the process's own end is cut there.
    requests = [{"action": r["action"] if len(r["action"]) < 60 else r["action"][:57] + "...",
                 "start_ms": (r["start"] - start) * 1000, "end_ms": min(r["end"] - start, wall) * 1000}
                for r in sorted(rows, key=lambda r: r["start"])]
    in_flight = covered([(r["start_ms"], r["end_ms"]) for r in requests])
    return {"wall_ms": wall * 1000, "requests": requests, "in_flight_ms": in_flight,
            "other_ms": wall * 1000 - in_flight}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--proxy-log", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("command", nargs="+")
    args = p.parse_args()
    runs = sorted((one_run(args.command, args.proxy_log) for _ in range(args.runs)), key=lambda r: r["wall_ms"])
    result = {"command": args.command, **runs[len(runs) // 2]}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
