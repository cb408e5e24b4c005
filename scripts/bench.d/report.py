#!/usr/bin/env python3
"""Writes BENCHMARKS.md from the raw results of one scripts/bench run.

    report.py --results DIR --out BENCHMARKS.md [--quick true|false]

Every figure comes from DIR (hyperfine exports, the proxy's request log, the audit stream's
record, criterion's estimates); this script only computes medians, ratios and verdicts and
lays them out. Sections of the output file that it does not write (`## TUI`, ...) are
carried over verbatim.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess

# ---------------------------------------------------------------- helpers


def load(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def text(path: str, default: str = "") -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return default


def sh(*cmd: str) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"


def ms(seconds: float) -> float:
    return seconds * 1000.0


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "n/a"
    if v >= 100:
        return f"{v:,.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def fmt_time_ns(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**PASS**" if ok else "**MISS**")


class Redactor:
    """Makes recorded commands re-runnable text: machine-specific paths and ids become names."""

    def __init__(self, env: dict):
        pairs = [
            (env.get("cdkx"), "cdkx"), (env.get("aws"), "aws"), (env.get("awscurl"), "awscurl"),
            (env.get("work"), "$WORK"), (env.get("emulator50"), "$EMULATOR50"),
            (env.get("emulator"), "$EMULATOR"), (env.get("local"), "$LOCAL"),
            (env.get("api_fn"), "$API_FN"), (env.get("fn"), "$FN"), (env.get("api"), "$API_ID"),
            (env.get("repo") and env["repo"] + "/", ""),
            # Fake, but a credential is never written into a report as a value.
            (os.environ.get("AWS_SECRET_ACCESS_KEY"), "$AWS_SECRET_ACCESS_KEY"),
            (os.environ.get("AWS_ACCESS_KEY_ID"), "$AWS_ACCESS_KEY_ID"),
        ]
        self.pairs = sorted(((a, b) for a, b in pairs if a), key=lambda p: -len(p[0]))

    def __call__(self, s: str) -> str:
        for a, b in self.pairs:
            s = s.replace(a, b)
        return s


# ---------------------------------------------------------------- sections


def machine(results: str, env: dict) -> list[str]:
    cpu = "n/a"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "n/a")
    except OSError:
        pass
    mem = "n/a"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    os_name = "n/a"
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            os_name = next((l.split("=", 1)[1].strip().strip('"') for l in f if l.startswith("PRETTY_NAME")), "n/a")
    except OSError:
        pass
    repo = env.get("repo", ".")
    commit = sh("git", "-C", repo, "rev-parse", "--short", "HEAD")
    dirty = sh("git", "-C", repo, "status", "--porcelain", "--untracked-files=no")
    venv_py = os.path.join(repo, ".venv/bin/python")
    harness = text(os.path.join(results, "harness.txt"), "hyperfine")
    started = int(text(os.path.join(results, "started.txt"), "0") or 0)
    finished = int(text(os.path.join(results, "finished.txt"), "0") or 0)
    rows = [
        ("date (UTC)", datetime.datetime.fromtimestamp(started, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
         + f", the whole run took {(finished - started) / 60:.1f} min"),
        ("CPU", f"{cpu}, {os.cpu_count()} cores (`nproc`: {sh('nproc')})"),
        ("memory", mem),
        ("OS, kernel", f"{os_name}, Linux {platform.release()}"),
        ("load average at start / end", f"{text(os.path.join(results, 'loadavg-start.txt'))} / "
                                        f"{text(os.path.join(results, 'loadavg-end.txt'))}"),
        ("cdkx", f"{sh(env.get('cdkx', 'cdkx'), '--version')}, commit {commit}"
                 + (" (with uncommitted changes)" if dirty and dirty != "n/a" else "")
                 + ", `cargo build --release --locked`"),
        ("rustc", sh("rustc", "--version")),
        ("timing harness", sh("hyperfine", "--version") if harness == "hyperfine" else "scripts/bench.d/timeit.py (hyperfine missing)"),
        ("aws CLI (peer)", sh(env.get("aws", "aws"), "--version")),
        ("awscurl (peer)", "awscurl " + sh(venv_py, "-c", "import importlib.metadata as m; print(m.version('awscurl'))")),
        ("curl (peer)", sh("curl", "--version").splitlines()[0] if sh("curl", "--version") else "n/a"),
        ("emulator", "moto " + sh(venv_py, "-c", "import moto; print(moto.__version__)")
                     + " + tests/emulator, " + sh(venv_py, "--version") + ", on 127.0.0.1"),
    ]
    return ["| | |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in rows]


PEERS = [
    # name, what, cdkx label, peer label, goal ratio
    ("list-warm", "list, warm cache", "`cdkx list`", "`aws cloudformation list-stack-resources`", 20),
    ("list-cold", "list, cold cache", "`cdkx list` (empty cache)", "`aws cloudformation list-stack-resources`", 3),
    ("describe", "describe a function", "`cdkx requestorFn describe`", "`aws lambda get-function`", 3),
    ("invoke", "invoke a function", "`cdkx requestorFn invoke`", "`aws lambda invoke`", 3),
    ("audit", "audit a function (newest 50 events)", "`cdkx requestorFn audit`", "`aws cloudtrail lookup-events --max-items 50`", 3),
    ("probe", "signed call to the IAM API", "`cdkx iam-backed-api probe`", "`awscurl --service execute-api`", 10),
]


def stats(r: dict) -> dict:
    times = [ms(t) for t in r["times"]]
    return {"median": statistics.median(times), "mean": statistics.mean(times),
            "sd": statistics.stdev(times) if len(times) > 1 else 0.0,
            "min": min(times), "max": max(times), "n": len(times)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--results", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--quick", default="false")
    args = p.parse_args()
    R = args.results
    env = load(os.path.join(R, "env.json"))
    red = Redactor(env)
    quick = args.quick == "true"
    targets: list[tuple[str, str, str, str, str, bool | None]] = []  # target, goal, cdkx, peer, ratio, ok
    body: list[str] = []
    misses: list[str] = []

    # ---- side by side
    peer_rows, commands = [], []
    peer = {}
    for name, what, c_label, p_label, goal in PEERS:
        data = load(os.path.join(R, f"{name}.json"))["results"]
        c, q = stats(data[0]), stats(data[1])
        ratio = q["median"] / c["median"]
        peer[name] = (c, q, ratio)
        ok = ratio >= goal
        targets.append((f"{what}: {c_label} vs {p_label}", f">= {goal}x faster", fmt_ms(c["median"]),
                        fmt_ms(q["median"]), f"{ratio:.1f}x", ok))
        peer_rows.append(f"| {what} | {c_label} | {fmt_ms(c['median'])} ({fmt_ms(c['min'])}–{fmt_ms(c['max'])}) "
                         f"| {p_label} | {fmt_ms(q['median'])} ({fmt_ms(q['min'])}–{fmt_ms(q['max'])}) "
                         f"| {ratio:.1f}x | >= {goal}x | {verdict(ok)} |")
        commands.append(f"# {what}")
        hargs = text(os.path.join(R, f"{name}.args.txt")).splitlines()
        if hargs:  # --prepare CMD pairs
            commands.append("# hyperfine " + " ".join(f"'{red(a)}'" if " " in a else a for a in hargs))
        prefix = "".join(red(v) + " " for v in text(os.path.join(R, f"{name}.env.txt")).split())
        for r in data:
            commands.append(prefix + red(r["command"]))
    lcurl = load(os.path.join(R, "list-curl.json"))["results"]
    cc, cq = stats(lcurl[0]), stats(lcurl[1])
    slower = cc["median"] / cq["median"]
    ok_curl = slower <= 1.5
    targets.append(("list, warm cache: `cdkx list` vs `curl` making the same two signed requests",
                    "<= 1.5x curl's time", fmt_ms(cc["median"]), fmt_ms(cq["median"]),
                    f"{slower:.2f}x", ok_curl))
    peer_rows.append(f"| list, warm cache, against its floor | `cdkx list` | {fmt_ms(cc['median'])} "
                     f"({fmt_ms(cc['min'])}–{fmt_ms(cc['max'])}) | `curl --aws-sigv4` (GetCallerIdentity, "
                     f"DescribeStacks) | {fmt_ms(cq['median'])} ({fmt_ms(cq['min'])}–{fmt_ms(cq['max'])}) "
                     f"| cdkx takes {slower:.2f}x | <= 1.5x | {verdict(ok_curl)} |")
    commands.append("# list, warm cache, against curl making the same two signed requests")
    commands += [red(r["command"]) for r in lcurl]
    local = load(os.path.join(R, "probe-local.json"))["results"]
    lc, lq = stats(local[0]), stats(local[1])
    certs = stats(local[2]) if len(local) > 2 else None
    overhead = lc["median"] - lq["median"]
    ok_overhead = overhead <= 5.0
    targets.append(("probe overhead vs plain `curl`, same local URL", "<= 5 ms more",
                    fmt_ms(lc["median"]), fmt_ms(lq["median"]), f"+{overhead:.1f} ms", ok_overhead))
    peer_rows.append(f"| probe a local URL (overhead) | `cdkx probe URL` | {fmt_ms(lc['median'])} ({fmt_ms(lc['min'])}–{fmt_ms(lc['max'])}) "
                     f"| `curl -s URL` | {fmt_ms(lq['median'])} ({fmt_ms(lq['min'])}–{fmt_ms(lq['max'])}) "
                     f"| +{overhead:.1f} ms | <= +5 ms | {verdict(ok_overhead)} |")
    if certs:
        peer_rows.append(f"| (diagnostic) the same, one-certificate trust store | `cdkx probe URL` | {fmt_ms(certs['median'])} "
                         f"({fmt_ms(certs['min'])}–{fmt_ms(certs['max'])}) | `curl -s URL` | {fmt_ms(lq['median'])} | "
                         f"{certs['median'] - lq['median']:+.1f} ms | | |")
    commands.append("# probe overhead against a minimal local server (scripts/bench.d/localserver.py)")
    prefix = "".join(red(v) + " " for v in text(os.path.join(R, "probe-local.env.txt")).split())
    commands += [prefix + red(r["command"]) for r in local[:2]]
    if certs:
        commands.append("# diagnostic: the same probe with a one-certificate trust store")
        commands.append(prefix + red(local[2]["command"]))
    loads = text(os.path.join(R, "trust-store-loads.txt"))
    files = text(os.path.join(R, "trust-store-files.txt"))

    runs = env.get("runs")
    body += [
        "## Side by side with today's tools",
        "",
        f"One emulator, `tests/fixtures/iam-api` deployed; each pair timed in the same hyperfine run "
        f"(`-N`: no shell, {env.get('warmup')} warm-up runs, {runs} timed runs each; the probe overhead "
        f"pair {int(runs) * 2}). Figures are medians of whole-process runs (min–max in brackets); "
        "ratio = peer median / cdkx median.",
        "",
        "| what | cdkx | median (min–max) | peer | median (min–max) | ratio | goal | result |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *peer_rows,
        "",
        "What each side does, so the comparison is fair:",
        "",
        "- `cdkx list` resolves every resource of the app (STS GetCallerIdentity, and per stack one "
        "DescribeStacks when cached, else a ListStackResources walk) and prints the table; the aws CLI "
        "makes one ListStackResources call. Warm = the cache cdkx keeps between runs; cold = an empty "
        "cache directory before every run.",
        "- `describe`, `invoke`, `audit`, `probe` start from the construct name: cdkx reads the "
        "assembly and checks its cached physical id (one DescribeStacks) on every run; the peers are "
        "given the physical name or URL already resolved, as a user would paste it.",
        "- `audit`: cdkx shows the newest 50 events by default and looks them up by name and by ARN "
        "(two LookupEvents); the aws CLI is asked for the same 50 (`--max-items 50`, one page). "
        "200 events are seeded.",
        "- `probe`: cdkx sends the request unsigned and signed, concurrently, reads the API's resource "
        "policy (GetRestApi) and the signer's identity, and judges both answers; awscurl sends one "
        "signed request (to the front door's path form, which it can address).",
        "- Probe overhead: the same URL of a minimal local HTTP server (`scripts/bench.d/localserver.py`, "
        "which also answers the STS identity call): everything cdkx adds over one plain request.",
        "",
        "Commands (run from the repository root; `$EMULATOR` is the emulator's URL, `$FN` the "
        "requestor function's physical name, `$API_ID` the REST API's id, `$WORK` the run's temp dir, "
        "`cdkx` = `target/release/cdkx`, `aws`/`awscurl` = `.venv/bin/...`):",
        "",
        "```sh",
        "export AWS_ACCESS_KEY_ID=AKIABENCHFAKE0000000 AWS_SECRET_ACCESS_KEY=bench-fake-secret-not-real",
        "export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true",
        "export AWS_CONFIG_FILE=$WORK/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/no-aws-credentials",
        "export AWS_ENDPOINT_URL=$EMULATOR CDKX_CACHE_DIR=$WORK/warm-cache COLUMNS=200",
        f"hyperfine -N --warmup {env.get('warmup')} --runs {runs} '<cdkx command>' '<peer command>'",
        "```",
        "",
        "```",
        *commands,
        "```",
        "",
    ]

    # ---- timelines
    tl_rows = []
    timelines = {}
    for name, label in [("list-warm", "list (warm)"), ("describe", "describe"), ("invoke", "invoke"),
                        ("audit", "audit"), ("probe", "probe")]:
        path = os.path.join(R, f"timeline-{name}.json")
        if not os.path.exists(path):
            continue
        t = load(path)
        timelines[name] = t
        reqs = ", ".join(f"{r['action']} {r['start_ms']:.0f}–{r['end_ms']:.0f}" for r in t["requests"])
        tl_rows.append(f"| {label} | {t['wall_ms']:.1f} | {len(t['requests'])} | {t['in_flight_ms']:.1f} | "
                       f"{t['other_ms']:.1f} | {reqs} |")
    body += [
        "## Where cdkx's time goes",
        "",
        "Each cdkx command above, run 5 times through a counting proxy (`scripts/bench.d/proxy.py`, "
        "one extra loopback hop per request) in front of the same emulator; the median run. "
        "\"in flight\" is the time during which at least one request was waiting for the emulator, "
        "\"own\" the rest: process start, reading the assembly, signing, rendering.",
        "",
        *([f"The first request leaves {min(t['requests'][0]['start_ms'] for t in timelines.values() if t['requests']):.0f}–"
           f"{max(t['requests'][0]['start_ms'] for t in timelines.values() if t['requests']):.0f} ms after the process "
           "starts: loading the binary, reading the assembly and the AWS configuration, building the SDK "
           "clients (each loads the system's root certificates, see the probe overhead).", ""] if timelines else []),
        "| command | wall ms | requests | in flight ms | own ms | requests (ms from process start) |",
        "| --- | --- | --- | --- | --- | --- |",
        *tl_rows,
        "",
    ]

    # ---- scale
    sizes = [int(m.group(1)) for f in glob.glob(os.path.join(R, "gen-*.json"))
             if (m := re.search(r"gen-(\d+)\.json$", f))]
    sizes.sort()
    scale = load(os.path.join(R, "scale-offline.json"))["results"]
    pts = []
    rows = []
    for n, r in zip(sizes, scale):
        g = load(os.path.join(R, f"gen-{n}.json"))
        s = stats(r)
        rss = int(text(os.path.join(R, f"rss-{n}.txt"), "0") or 0)
        pts.append((g["resources"], s["median"], rss))
        rows.append(f"| {n} | {g['stacks'] + g['nestedStacks']} | {g['resources']:,} | {g['constructs']:,} | "
                    f"{g['treeBytes'] / 1e6:.1f} MB in {g['forestFiles'] + 1} files | {g['templateBytes'] / 1e6:.1f} MB | "
                    f"{fmt_ms(s['median'])} ({fmt_ms(s['min'])}–{fmt_ms(s['max'])}) | {rss / 1024:.1f} MiB |")
    # Least-squares line through (resources, ms); marginal cost per step.
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    icpt = my - slope * mx
    ss_res = sum((y - (icpt + slope * x)) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys) or 1.0
    r2 = 1 - ss_res / ss_tot
    steps = [((ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) * 1000, xs[i], xs[i + 1]) for i in range(len(xs) - 1)]
    step_ratio = max(s[0] for s in steps) / min(s[0] for s in steps)
    big_n, big_ms, big_rss = pts[-1]
    ok_t = big_ms < 150
    ok_m = big_rss / 1024 < 100
    ok_lin = step_ratio <= 1.5
    targets.append((f"`cdkx list --offline`, {big_n:,} resources", "< 150 ms", fmt_ms(big_ms), "—", "—", ok_t))
    targets.append((f"`cdkx list --offline`, {big_n:,} resources, peak RSS", "< 100 MiB", f"{big_rss / 1024:.1f} MiB", "—", "—", ok_m))
    targets.append(("offline cost grows linearly with resources", "each step's ms/1,000 within 1.5x of the others",
                    " / ".join(f"{s[0]:.1f}" for s in steps) + " ms per 1,000", "—", f"{step_ratio:.2f}x spread", ok_lin))
    body += [
        "## Scale: `cdkx list --offline` on synthetic assemblies",
        "",
        "`scripts/gen-assembly --stacks N` (200 CloudFormation resources per stack: 120 in the stack, "
        "2 nested stacks of 40, CDKMetadata; SQS queues, SNS topics and SSM parameters with realistic "
        "properties; tree.json split into `trees-N.json` forest files like CDK does for big trees). "
        f"hyperfine, {env.get('scale_runs')} runs each; peak RSS: GNU time, largest of 5 runs.",
        "",
        "| stacks | stacks incl. nested | resources | constructs | tree.json + forests | templates | median (min–max) | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        f"Least-squares line: **{icpt:.1f} ms + {slope * 1000:.1f} ms per 1,000 resources** (R² = {r2:.3f}). "
        "Cost per 1,000 resources of each step: "
        + ", ".join(f"{a:,}→{b:,}: {s:.1f} ms" for s, a, b in steps) + ".",
        "",
        "```",
        *(red(r["command"]) for r in scale),
        "```",
        "",
    ]
    perf_lines = text(os.path.join(R, "perf-offline-50.txt")).splitlines()
    cdkx_perf = [re.sub(r"\s+-\s+-\s*$", "", re.sub(r"\s{2,}", "  ", l.strip()))
                 for l in perf_lines if "cdkx::" in l or "serde_json::de::from" in l][:14]
    if cdkx_perf:
        body += [
            f"Profile of the {big_n:,}-resource run (`perf record --call-graph dwarf`, share of samples "
            "including callees, then own; cdkx functions only):",
            "",
            "```",
            *cdkx_perf,
            "```",
            "",
        ]

    # ---- 50-stack cold resolution
    gen50 = load(os.path.join(R, f"gen-{sizes[-1]}.json"))
    expected = gen50["stacks"] + gen50["nestedStacks"]
    proxy_rows = [json.loads(l) for l in open(os.path.join(R, "resolve-50-proxy.jsonl"), encoding="utf-8") if l.strip()]
    lsr = [r for r in proxy_rows if r["action"] == "ListStackResources"]

    def stack_name(s: str | None) -> str:
        m = re.match(r"arn:[^:]+:cloudformation:[^:]*:\d*:stack/([^/]+)/", s or "")
        return m.group(1) if m else (s or "?")

    per_stack = collections.Counter(stack_name(r["stack"]) for r in lsr)
    walks_ok = len(per_stack) == expected and set(per_stack.values()) == {1}

    def peak(rs):
        ev = sorted([(r["start"], 1) for r in rs] + [(r["end"], -1) for r in rs])
        cur = best = 0
        for _, d in ev:
            cur += d
            best = max(best, cur)
        return best

    peak_all, peak_lsr = peak(proxy_rows), peak(lsr)
    span = (max(r["end"] for r in proxy_rows) - min(r["start"] for r in proxy_rows)) * 1000
    lsr_durations = [(r["end"] - r["start"]) * 1000 for r in lsr]
    serial = sum(lsr_durations)
    emu_counts = load(os.path.join(R, "resolve-50-requests.json"))["counts"]
    summary = load(os.path.join(R, "list-50-summary.json"))
    res50 = load(os.path.join(R, "resolve-50.json"))["results"]
    cold50, warm50 = stats(res50[0]), stats(res50[1])
    ok_conc = peak_lsr >= 2
    targets.append((f"cold resolution of {gen50['stacks']} stacks: one ListStackResources walk per stack",
                    f"exactly 1 per stack ({expected} incl. nested)",
                    f"{len(lsr)} calls for {len(per_stack)} stacks, max {max(per_stack.values())}/stack", "—", "—", walks_ok))
    targets.append((f"... run concurrently", "> 1 in flight", f"peak {peak_lsr} in flight", "—",
                    f"{serial / span:.1f}x overlap", ok_conc))
    body += [
        f"## Cold physical-id resolution of {gen50['stacks']} stacks",
        "",
        f"The {gen50['stacks']}-stack assembly deployed into a fresh emulator with `tests/emulator/deploy.py` "
        f"({gen50['resources']:,} resources, {gen50['nestedStacks']} nested stacks); then one `cdkx list` with an "
        "empty cache through the counting proxy, which records every request with the stack it names "
        "and when it was in flight.",
        "",
        "| | |",
        "| --- | --- |",
        f"| resources listed / deployed | {summary['resources']:,} / {summary['deployed']:,} (CDKMetadata is not listed; "
        f"stack states: {', '.join(summary['stackStates'])}) |",
        f"| requests (emulator's counters) | {', '.join(f'{k} {v}' for k, v in sorted(emu_counts.items()))} |",
        f"| ListStackResources per stack | {dict(sorted(collections.Counter(per_stack.values()).items()))} "
        f"(calls per stack → number of stacks), {len(per_stack)} stacks, {expected} expected |",
        f"| peak requests in flight | {peak_lsr} ListStackResources ({peak_all} of any kind) |",
        f"| wall time of the requests / sum of their durations | {span:,.0f} ms / {serial:,.0f} ms ({serial / span:.1f}x overlap) |",
        f"| `cdkx list`, cold cache (hyperfine median, {cold50['n']} runs) | {fmt_ms(cold50['median'])} ({fmt_ms(cold50['min'])}–{fmt_ms(cold50['max'])}) |",
        f"| `cdkx list`, warm cache (hyperfine median, {warm50['n']} runs) | {fmt_ms(warm50['median'])} ({fmt_ms(warm50['min'])}–{fmt_ms(warm50['max'])}) |",
        "",
        "moto never paginates ListStackResources (see tests/emulator/README.md), so a walk is one call "
        "here; the walk's pagination itself is covered by the unit tests.",
        "",
        "```",
        *(red(r["command"]) for r in res50),
        "```",
        "",
    ]

    # ---- audit at scale
    a = load(os.path.join(R, "audit-scale.json"))
    rtt = load(os.path.join(R, "lookup-rtt.json"))["median_ms"]
    events = int(text(os.path.join(R, "audit-events.txt"), "0"))
    after_first = (a["first_row_s"] - a["first_lookup_s"]) * 1000 if a["first_row_s"] and a["first_lookup_s"] else None
    ok_first = after_first is not None and after_first <= rtt
    apart = ((a["second_lookup_s"] - a["first_lookup_s"]) * 1000
             if a.get("second_lookup_s") and a["first_lookup_s"] else None)
    growth_kb = (a["rss_kb_final"] or 0) - (a["rss_kb_at_first_row"] or 0)
    ok_flat = a["rss_kb_at_first_row"] is not None and growth_kb <= 5 * 1024
    ok_rate = a["max_lookups_in_any_1s"] <= 2
    span3 = a["min_span_of_3_s"] * 1000 if a.get("min_span_of_3_s") is not None else None
    targets.append((f"audit of {events:,} events: first row within one page round trip",
                    f"<= 1 page ({rtt:.1f} ms) after the first request", fmt_ms(after_first), "—",
                    f"{after_first / rtt:.1f} pages" if after_first else "—", ok_first))
    targets.append(("... memory stays flat", "<= 5 MiB growth from first row to last",
                    f"{a['rss_kb_at_first_row'] / 1024:.1f} → {a['rss_kb_final'] / 1024:.1f} MiB (peak {a['peak_rss_kb'] / 1024:.1f})",
                    "—", f"+{growth_kb / 1024:.1f} MiB", ok_flat))
    targets.append(("... paging under 2 requests/second", "<= 2 LookupEvents in any 1 s",
                    f"max {a['max_lookups_in_any_1s']} in 1 s, mean {a['mean_lookup_rate_per_s']:.2f}/s", "—", "—", ok_rate))
    marks = {}
    for n, t in a["rows_timeline"]:
        if n in (1, 1000, 5000) or n == a["rows"]:
            marks.setdefault(n, t)
    timeline = ", ".join(f"{n:,} rows at {t:.1f} s" for n, t in sorted(marks.items()))
    body += [
        f"## Audit at scale: {events:,} events on one function",
        "",
        f"{events:,} CloudTrail events seeded on `iamApiFn`; `cdkx iamApiFn audit --limit 0 -o json` "
        "streamed by `scripts/bench.d/audit_stream.py`, which timestamps rows as they arrive, samples "
        "the process's RSS every 50 ms and reads the emulator's request log.",
        "",
        "| | |",
        "| --- | --- |",
        f"| rows / LookupEvents requests / wall time | {a['rows']:,} / {a['lookup_requests']} / {a['elapsed_s']:.1f} s |",
        f"| first request, second request, first row (from process start) | {a['first_lookup_s'] * 1000:.1f} ms, "
        f"{(a['second_lookup_s'] or 0) * 1000:.1f} ms, {a['first_row_s'] * 1000:.1f} ms |",
        f"| one page round trip (LookupEvents, 50 events, warm boto3 client, median of "
        f"{len(load(os.path.join(R, 'lookup-rtt.json'))['times_ms'])}, just before the audit) | {rtt:.1f} ms |",
        f"| rows over time | {timeline} |",
        f"| RSS at first row / at the end / peak (VmHWM) | {a['rss_kb_at_first_row'] / 1024:.1f} / "
        f"{a['rss_kb_final'] / 1024:.1f} / {a['peak_rss_kb'] / 1024:.1f} MiB |",
        f"| paging rate | at most {a['max_lookups_in_any_1s']} requests in any 1 s window, "
        f"{a['mean_lookup_rate_per_s']:.2f}/s on average; shortest span from a request to the one two "
        f"later: {fmt_ms(span3)} |",
        "",
        "```",
        red(" ".join(a["command"])),
        "```",
        "",
    ]

    # ---- criterion
    crit_rows = []
    for est in sorted(glob.glob(os.path.join(R, "criterion", "**", "new", "estimates.json"), recursive=True)):
        bench = load(os.path.join(os.path.dirname(est), "benchmark.json"))
        e = load(est)
        med = e["median"]
        crit_rows.append(f"| `{bench['group_id']}` | {bench.get('function_id') or bench.get('value_str') or ''} | "
                         f"{fmt_time_ns(med['point_estimate'])} | {fmt_time_ns(med['confidence_interval']['lower_bound'])} – "
                         f"{fmt_time_ns(med['confidence_interval']['upper_bound'])} |")
    body += [
        "## Micro-benchmarks (criterion)",
        "",
        "`cargo bench --bench parsers` (benches/parsers.rs): the committed fixtures and a 10-stack "
        "synthetic assembly (2,000 resources). Median per iteration, with criterion's 95% interval. "
        "Run here with `--warm-up-time 0.5 --measurement-time 2 --sample-size 20` to fit the time "
        "budget; criterion keeps the last run as a baseline in target/criterion, so a second "
        "`cargo bench` prints the change.",
        "",
        "| group | input | median | 95% interval |",
        "| --- | --- | --- | --- |",
        *(crit_rows or ["| (no criterion results) | | | |"]),
        "",
    ]

    # ---- analysis of misses
    if not ok_t or not ok_m or not ok_lin:
        perf_note = ""
        if cdkx_perf:
            hot = [l for l in cdkx_perf if re.search(r"cdkx::(model|assembly)::", l)][:5]
            perf_note = ("The profile above says where (share of samples including callees): " + "; ".join(
                f"`{l.split('[.]')[-1].strip()}` {l.split()[0]}" for l in hot) + ". ")
        misses.append(
            f"- **`cdkx list --offline` at {big_n:,} resources** ({fmt_ms(big_ms)}, {big_rss / 1024:.0f} MiB): "
            + perf_note
            + "Three costs dominate, all in src/model.rs and src/assembly.rs. (1) `owning_stack` scans "
            "every stack for every logical-id entry and tree node and allocates a `format!(\"{}/\", path)` "
            f"per comparison: O(paths × stacks), ~{gen50['resources'] + gen50['constructs']:,} × {expected} here — this is also why the cost per "
            "1,000 resources rises with the number of stacks. A map from stack path to index, probed "
            "with each prefix of the path, makes it O(depth). (2) `App::from_assembly` clones every "
            "resource's `Properties` (`serde_json::Value` trees, with `preserve_order` IndexMaps) out "
            "of an Assembly it owns and then drops: moving them instead saves the copy and the free. "
            "(3) `TreeNode.attributes` is parsed into a `serde_json::Value` although only two string "
            "attributes are read: `aws:cdk:cloudformation:props` (as big as the template's properties) "
            "is built and thrown away; a struct with those two fields (serde skips the rest without "
            "allocating) avoids it. The same three account for most of the peak memory: the templates' "
            "properties exist twice at once, plus the tree's props as Values.")
    if not ok_overhead:
        note = ""
        if certs:
            note = (f" With a one-certificate trust store the same probe takes {fmt_ms(certs['median'])} "
                    f"({certs['median'] - lq['median']:+.1f} ms against curl): loading the system's root "
                    f"certificates costs {lc['median'] - certs['median']:.1f} ms of the {fmt_ms(lc['median'])}.")
        if loads:
            note += (f" strace shows why: one `cdkx probe URL` reads /etc/ssl/certs/ca-certificates.crt {loads} times "
                     f"and opens {files} files under /etc/ssl/certs: the bundle and then every file of the "
                     "directory (the same certificates again), once for the SDK's STS client and once per "
                     "`reqwest::Client` that `Aws::execute_api` builds for each of the two requests. Those "
                     "builds run on the task that `futures::join!` polls, so they also delay the second "
                     "request.")
        misses.append(
            f"- **Probe overhead** (+{overhead:.1f} ms over curl, goal <= 5 ms):{note} Building one HTTP "
            "client per process and reusing it for both requests, and loading the trust store only "
            "for https (or once, from the bundle alone, or from compiled-in roots), removes most of it.")
    if not ok_rate:
        misses.append(
            f"- **Audit paging rate** (up to {a['max_lookups_in_any_1s']} LookupEvents arrived within one second; "
            f"shortest span over three requests {fmt_ms(span3)}, mean rate "
            f"{a['mean_lookup_rate_per_s']:.2f}/s): `Audit::pace` allows 2 requests per 1,050 ms counted from "
            "when cdkx *sends* them. Arrival times, which is what a server-side limiter counts, also carry "
            "each request's connect and queueing delay, and that varies (the emulator scans all "
            "seeded events on every call while other work shares the 2 cores): when one request is "
            "delayed by more than the 50 ms margin and the next ones are not, three arrive inside one "
            "second. Against CloudTrail this would be a throttle, which cdkx retries with backoff; "
            "counting the window from when each answer arrives (or a wider margin) avoids it.")
    if not ok_first:
        misses.append(
            f"- **Audit first row** ({fmt_ms(after_first)} after the first request, one page is {rtt:.1f} ms): "
            "rows are merged newest-first from two lookups (by function name and by ARN), so the "
            "first row needs the first page of both. " + (
                f"cdkx asks for both together (they reached the emulator {apart:.1f} ms apart), so "
                "the first row waits for the slower of two concurrent lookups; the emulator (moto, one "
                "Python process) answers them one after the other, so here that is about two page "
                "times. CloudTrail answers concurrent requests in parallel, where it is one."
                if apart is not None and apart < rtt / 2 else
                "`Audit::next_page` fetches the first page of each one after the other, so the first "
                "row costs two round trips; fetching both together (they fit in CloudTrail's 2 "
                "requests/second) would make it one."))
    for name, what, c_label, p_label, goal in PEERS:
        c, q, ratio = peer[name]
        if ratio >= goal:
            continue
        t = timelines.get(name)
        detail = ""
        if t:
            detail = (f" Of {t['wall_ms']:.0f} ms (through the proxy), {t['in_flight_ms']:.0f} ms have a request "
                      f"to the emulator in flight ({len(t['requests'])} requests: "
                      + ", ".join(r["action"] for r in t["requests"]) + f") and {t['other_ms']:.0f} ms are cdkx's own.")
        if name == "probe":
            certs_note = ""
            if certs:
                certs_note = (f" Against the minimal local server the same probe takes {fmt_ms(lc['median'])} with the "
                              f"system trust store and {fmt_ms(certs['median'])} with a one-certificate store: "
                              f"{lc['median'] - certs['median']:.1f} ms of cdkx's own time is loading root "
                              "certificates" + (f" ({loads} times per run)" if loads else "") + ".")
            misses.append(
                f"- **{c_label} vs {p_label}** ({ratio:.1f}x, goal {goal}x): awscurl sends one request; "
                "cdkx sends six, in three rounds that wait for each other: STS GetCallerIdentity (its "
                "account decides whether the stack's CDK lookup role is needed), then DescribeStacks (is "
                "the cached physical id current?), then GetRestApi (the resource policy), the unsigned and "
                "signed calls and SimulatePrincipalPolicy (the caller's side of the access analysis) "
                "together."
                + detail + certs_note + " So both halves count: the rounds (each a round trip to the "
                "Python emulator here, tens of ms to real AWS, where the ratio to awscurl would shrink "
                "further) and the trust store. Asking DescribeStacks with the caller's own credentials "
                "together with GetCallerIdentity (kept when the account is the stack's), and one HTTP "
                "client with the trust store loaded once (or not at all for http endpoints), would "
                "remove a round and most of the own time.")
        else:
            misses.append(f"- **{c_label} vs {p_label}** ({ratio:.1f}x, goal {goal}x).{detail}")

    # ---- assemble
    passed = sum(1 for t in targets if t[5])
    head = [
        "# Benchmarks",
        "",
        "Generated by `scripts/bench` (see [README](README.md#benchmarks)); every figure is from one run "
        "on the machine below, against the local emulator on 127.0.0.1, nothing edited by hand."
        + (" **Quick run (`--quick`): fewer runs and 2,000 audit events; not the reference figures.**" if quick else ""),
        "Re-run everything with `scripts/bench` (about 10 minutes on 2 cores, plus builds), or one comparison with the "
        "commands listed in its section.",
        "",
        f"## Targets ({passed} of {len(targets)} met)",
        "",
        "| target | goal | cdkx | peer | ratio | result |",
        "| --- | --- | --- | --- | --- | --- |",
        *(f"| {t[0]} | {t[1]} | {t[2]} | {t[3]} | {t[4]} | {verdict(t[5])} |" for t in targets),
        "",
        "## Machine",
        "",
        *machine(R, env),
        "",
        "The machine is shared: other builds may have run during the measurements (see the load "
        "average). Ratios are measured side by side in the same hyperfine run, so both sides see the "
        "same conditions; absolute figures move more than ratios.",
        "",
    ]
    tail = []
    if misses:
        tail = ["## Targets missed: where the time goes", "", *misses, ""]

    # Sections written by others (`## TUI`, ...) are kept verbatim, after ours, in their order.
    ours = ("Targets", "Machine", "Side by side", "Where cdkx", "Scale:", "Cold physical-id",
            "Audit at scale", "Micro-benchmarks", "Targets missed")
    kept = []
    if os.path.exists(args.out):
        old = open(args.out, encoding="utf-8").read()
        for m in re.finditer(r"^## (.*?)$.*?(?=^## |\Z)", old, flags=re.S | re.M):
            if not m.group(1).startswith(ours):
                kept.append(m.group(0).rstrip() + "\n")
    if kept:
        names = ", ".join("`" + k.splitlines()[0] + "`" for k in kept)
        head.insert(4, f"The last sections ({names}) are not written by `scripts/bench`: "
                       "they are kept as they were.")
    doc = "\n".join(head + body + tail).rstrip() + "\n"
    for section in kept:
        doc += "\n" + section
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
