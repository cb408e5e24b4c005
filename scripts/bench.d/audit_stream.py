#!/usr/bin/env python3
"""Audit at scale: streams `cdkx CONSTRUCT audit --limit 0 -o json` and watches it.

    audit_stream.py --emulator URL --out FILE.json -- cdkx --app DIR CONSTRUCT audit --limit 0 -o json

Records, for the whole run:
- when each row (JSON line) arrived on stdout, relative to the process start;
- the process's resident memory (VmRSS from /proc) every 50 ms, and its peak (VmHWM);
- the emulator's request log of LookupEvents (arrival times), from which the paging rate
  is computed: the most requests in any 1-second window, and the mean rate.
The environment (endpoint, credentials, cache) is inherited from the caller.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
import urllib.request


def control(url: str, method: str, path: str):
    req = urllib.request.Request(url + path, method=method)
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
    return json.loads(body) if body else None


def status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--emulator", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("command", nargs="+")
    args = p.parse_args()
    url = args.emulator.rstrip("/")

    control(url, "DELETE", "/moto-api/cdkx/requests")
    start = time.time()
    proc = subprocess.Popen(args.command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    rows: list[float] = []  # arrival time of every 100th row, and the first

    def reader() -> None:
        n = 0
        for _line in proc.stdout:
            n += 1
            if n == 1 or n % 100 == 0:
                rows.append((n, time.time() - start))
        rows.append((n, time.time() - start))

    t = threading.Thread(target=reader)
    t.start()
    samples: list[tuple[float, int]] = []  # (seconds since start, VmRSS KB)
    peak = 0
    while proc.poll() is None:
        rss = status_kb(proc.pid, "VmRSS")
        hwm = status_kb(proc.pid, "VmHWM")
        if rss is not None:
            samples.append((time.time() - start, rss))
        if hwm is not None:
            peak = max(peak, hwm)
        time.sleep(0.05)
    t.join()
    elapsed = time.time() - start

    log = control(url, "GET", "/moto-api/cdkx/requests")["log"]
    lookups = sorted(e["time"] - start for e in log if e["action"].endswith("LookupEvents"))
    max_in_1s = 0
    j = 0
    for i, ti in enumerate(lookups):  # sliding window [ti, ti + 1s)
        while lookups[j] < ti - 1.0 + 1e-9:
            j += 1
        max_in_1s = max(max_in_1s, i - j + 1)
    total_rows = rows[-1][0] if rows else 0
    first_row = rows[0][1] if rows and rows[0][0] >= 1 else None
    # Memory once rows flow (the first sample after the first row) and at the end.
    rss_at_first = next((kb for s, kb in samples if first_row is not None and s >= first_row), None)
    result = {
        "command": args.command,
        "exit": proc.returncode,
        "elapsed_s": elapsed,
        "rows": total_rows,
        "first_row_s": first_row,
        "rows_timeline": rows,
        "first_lookup_s": lookups[0] if lookups else None,
        "second_lookup_s": lookups[1] if len(lookups) > 1 else None,
        "lookup_requests": len(lookups),
        "max_lookups_in_any_1s": max_in_1s,
        # The pacer allows 2 requests per 1.05 s by the time it sends them; this is the shortest
        # span the emulator saw between a request and the one two later.
        "min_span_of_3_s": min((lookups[i + 2] - lookups[i] for i in range(len(lookups) - 2)), default=None),
        "lookup_times_s": lookups,
        "mean_lookup_rate_per_s": (len(lookups) - 1) / (lookups[-1] - lookups[0]) if len(lookups) > 1 else None,
        "rss_kb_at_first_row": rss_at_first,
        "rss_kb_final": samples[-1][1] if samples else None,
        "rss_kb_max_sampled": max((kb for _, kb in samples), default=None),
        "peak_rss_kb": peak,
        "rss_samples": samples[:: max(1, len(samples) // 200)],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k not in ("rss_samples", "rows_timeline", "lookup_times_s")}))


if __name__ == "__main__":
    main()
