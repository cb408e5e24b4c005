"""CloudWatch Logs beside moto: a page size for FilterLogEvents, and the Lambda stand-in's lines.

* moto answers FilterLogEvents with up to 10,000 events a page, so paging is only
  exercised with very large logs; ``POST /moto-api/cdkx/paging {"logs": N}`` makes
  the default page N events (a request's own ``limit`` still wins).
* ``write_invocation`` writes what Lambda writes for each invocation to
  ``/aws/lambda/NAME`` (creating the group and a stream): ``START``, the function's
  lines, ``END`` and ``REPORT``, all with the invocation's request id.
"""

from __future__ import annotations

import math
import threading
import time
import uuid

_lock = threading.Lock()
_DEFAULT_PAGE = 10_000
_page_size = _DEFAULT_PAGE
# (account, region, function) -> the stream its invocations write to
_streams: dict[tuple, str] = {}


def set_page_size(n: int) -> None:
    global _page_size
    with _lock:
        _page_size = n


def reset() -> None:
    set_page_size(_DEFAULT_PAGE)
    with _lock:
        _streams.clear()


def install() -> None:
    from moto.logs.models import LogGroup

    original = LogGroup.filter_log_events

    def filter_log_events(self, log_group_name, log_stream_names, start_time, end_time,
                          limit, next_token, filter_pattern, interleaved):
        with _lock:
            page = _page_size
        return original(self, log_group_name, log_stream_names, start_time, end_time,
                        limit or page, next_token, filter_pattern, interleaved)

    LogGroup.filter_log_events = filter_log_events


def write_invocation(account: str, region: str, function: str, memory_mb: int,
                     lines: list[str], started: float) -> str:
    """Writes one invocation's lines as Lambda does; returns its request id."""
    from moto.logs.models import logs_backends

    request_id = str(uuid.uuid4())
    backend = logs_backends[account][region]
    group = f"/aws/lambda/{function}"
    with _lock:
        if group not in backend.groups:
            backend.create_log_group(group, {})
        key = (account, region, function)
        stream = _streams.get(key)
        if stream is None or stream not in backend.groups[group].streams:
            stream = time.strftime("%Y/%m/%d", time.gmtime()) + "/[$LATEST]" + uuid.uuid4().hex
            backend.create_log_stream(group, stream)
            _streams[key] = stream
    now_ms = int(started * 1000)
    duration = max(1.0, (time.time() - started) * 1000)
    messages = [f"START RequestId: {request_id} Version: $LATEST\n"]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started))
    messages += [f"{stamp}.000Z\t{request_id}\tINFO\t{line}\n" for line in lines]
    messages.append(f"END RequestId: {request_id}\n")
    messages.append(
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\t"
        f"Billed Duration: {math.ceil(duration)} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {min(memory_mb, 40)} MB\t\n"
    )
    events = [{"timestamp": now_ms, "message": m} for m in messages]
    backend.put_log_events(group, stream, events)
    return request_id

