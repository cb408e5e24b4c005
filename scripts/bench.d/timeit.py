#!/usr/bin/env python3
"""Fallback for hyperfine when it is not installed: the same measurements, the same JSON.

    timeit.py --warmup W --runs N --export-json FILE [--prepare CMD]... COMMAND...

Behaves like `hyperfine -N` for what scripts/bench uses: each COMMAND is split into words
(no shell), run W times unmeasured and then N times measured with stdout and stderr
discarded; a --prepare command runs before every run (given once: for every command;
given once per command: for that command). A non-zero exit aborts, as hyperfine does.
The export has hyperfine's shape: {"results": [{"command", "mean", "stddev", "median",
"min", "max", "user", "system", "times", "exit_codes"}]}, times in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def run(words: list[str]) -> tuple[float, float, float, int]:
    """Wall, user and system seconds of one run of the command, and its exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(words, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime, usage.ru_stime, proc.returncode


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--export-json", required=True)
    p.add_argument("--prepare", action="append", default=[])
    p.add_argument("commands", nargs="+")
    args = p.parse_args()
    if args.prepare and len(args.prepare) not in (1, len(args.commands)):
        sys.exit("timeit.py: give --prepare once, or once per command")
    results = []
    for i, command in enumerate(args.commands):
        words = shlex.split(command)
        prepare = None
        if args.prepare:
            prepare = shlex.split(args.prepare[0 if len(args.prepare) == 1 else i])
        walls, users, systems = [], [], []
        for n in range(args.warmup + args.runs):
            if prepare:
                subprocess.run(prepare, check=True, stdout=subprocess.DEVNULL)
            wall, user, system, code = run(words)
            if code != 0:
                sys.exit(f"timeit.py: command exited {code}: {command}")
            if n >= args.warmup:
                walls.append(wall)
                users.append(user)
                systems.append(system)
        results.append({
            "command": command,
            "mean": statistics.mean(walls),
            "stddev": statistics.stdev(walls) if len(walls) > 1 else 0.0,
            "median": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
            "user": statistics.mean(users),
            "system": statistics.mean(systems),
            "times": walls,
            "exit_codes": [0] * len(walls),
        })
        print(f"  {command}: median {statistics.median(walls) * 1000:.1f} ms ({args.runs} runs)", file=sys.stderr)
    with open(args.export_json, "w", encoding="utf-8") as f:
        json.dump({"results": results}, f, indent=1)


if __name__ == "__main__":
    main()
