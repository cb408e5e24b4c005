#!/usr/bin/env python3
"""A counting TCP proxy in front of the emulator, for the 50-stack resolution check.

    proxy.py --upstream http://127.0.0.1:PORT --log FILE
    -> stdout: READY http://127.0.0.1:<port>

The emulator's own request log (/moto-api/cdkx/requests) counts requests per action but
does not say which stack a ListStackResources was for, nor how many were in flight at
once. This proxy sees every request whole: it appends one JSON line per request to FILE,
`{"action", "stack", "start", "end", "conn"}` (StackName from the form body, wall-clock
start when the request arrived and end when the last byte of the answer came back), from which the
benchmark derives walks per stack and the peak number of requests in flight.

The emulator answers every request with `Connection: close`, so one connection carries
one request, and so does the proxy.
Loopback only; exits on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import signal
import time
import urllib.parse

_ids = itertools.count(1)


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 request (head + Content-Length body), raw; None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            raise ValueError("chunked request bodies are not supported by this proxy")
    body = await reader.readexactly(length) if length else b""
    return head + body


# REST-JSON calls cdkx makes, by method and path, for readable timelines.
REST = [
    (r"GET /2015-03-31/functions/[^/]+/policy", "lambda:GetPolicy"),
    (r"GET /2015-03-31/functions/[^/]+(\?.*)?$", "lambda:GetFunction"),
    (r"POST /2015-03-31/functions/[^/]+/invocations", "lambda:Invoke"),
    (r"GET /restapis/[^/]+/stages", "apigateway:GetStages"),
    (r"GET /restapis/[^/]+(\?.*)?$", "apigateway:GetRestApi"),
]


def describe(raw: bytes) -> tuple[str, str | None]:
    """(action, StackName): the Action of a query-protocol request (CloudFormation, STS), the
    X-Amz-Target of a JSON one, a name for the REST calls above, else `METHOD path`."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = (lines[0].split(" ") + ["", ""])[:2]
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    action = (form.get("Action") or [None])[0]
    if action is None and "x-amz-target" in headers:
        action = headers["x-amz-target"].rsplit(".", 1)[-1]
    if action is None:
        for pattern, name in REST:
            if re.match(pattern, f"{method} {path}"):
                action = name
                break
    if action is None and ".execute-api." in headers.get("host", ""):
        signed = "signed" if "authorization" in headers else "unsigned"
        action = f"execute-api {method} {path} ({signed})"
    return action or f"{method} {path}", (form.get("StackName") or [None])[0]


_running: set = set()  # strong references: asyncio drops a handler's task once its client hangs up


async def handle(client_r, client_w, upstream: tuple[str, int], log) -> None:
    conn = next(_ids)
    task = asyncio.current_task()
    _running.add(task)
    task.add_done_callback(_running.discard)
    raw = None
    start = end = None
    try:
        raw = await read_request(client_r)
        if raw is None:
            return
        start = time.time()
        up_r, up_w = await asyncio.open_connection(*upstream)
        up_w.write(raw)
        await up_w.drain()
        # The emulator closes after each answer (Connection: close): relay until it does. The
        # client may hang up as soon as it has the whole body; keep reading upstream anyway.
        client_gone = False
        while chunk := await up_r.read(65536):
            end = time.time()
            if not client_gone:
                try:
                    client_w.write(chunk)
                    await client_w.drain()
                except ConnectionError:
                    client_gone = True
        up_w.close()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        if raw is not None and start is not None:
            action, stack = describe(raw)
            log.write(json.dumps({"action": action, "stack": stack, "start": start,
                                  "end": end or time.time(), "conn": conn}) + "\n")
            log.flush()
        client_w.close()


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    u = urllib.parse.urlsplit(args.upstream)
    upstream = (u.hostname, u.port)
    log = open(args.log, "a", encoding="utf-8")
    server = await asyncio.start_server(lambda r, w: handle(r, w, upstream, log), "127.0.0.1", 0, backlog=512)
    port = server.sockets[0].getsockname()[1]
    print(f"READY http://127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
