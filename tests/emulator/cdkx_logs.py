"""CloudWatch Logs beside moto: a page size for FilterLogEvents, the Lambda stand-in's lines, Live Tail.

* moto answers FilterLogEvents with up to 10,000 events a page, so paging is only
  exercised with very large logs; ``POST /moto-api/cdkx/paging {"logs": N}`` makes
  the default page N events (a request's own ``limit`` still wins).
* ``write_invocation`` writes what Lambda writes for each invocation to
  ``/aws/lambda/NAME`` (creating the group and a stream): ``START``, the function's
  lines, ``END`` and ``REPORT``, all with the invocation's request id.
* ``StartLiveTail`` (which moto lacks) answers as AWS does: an HTTP response in the
  AWS event-stream framing (``application/vnd.amazon.eventstream``) that lasts as long
  as the session: an ``initial-response`` event (``{}``), a ``sessionStart`` event, then a ``sessionUpdate`` with every event
  put to one of the session's log groups after it started (at once, not batched per
  second), an empty ``sessionUpdate`` every second when there is nothing, and a
  ``SessionTimeoutException`` when the session ends (3 hours, or what
  ``POST /moto-api/cdkx/logs/live-tail {"sessionSeconds": N}`` says).
  ``{"available": false}`` hands StartLiveTail to moto, which does not know it: an
  endpoint without Live Tail. ``GET`` lists the sessions (open and ended).
"""

from __future__ import annotations

import json
import math
import queue
import struct
import threading
import time
import uuid
import zlib

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
    with _live_lock:
        _live.update(_LIVE_DEFAULTS)
        for session in _sessions.values():
            session["queue"].put(None)  # ends the open streams
        _sessions.clear()


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

    from moto.logs.models import LogsBackend

    original_put = LogsBackend.put_log_events

    def put_log_events(self, log_group_name, log_stream_name, log_events):
        result = original_put(self, log_group_name, log_stream_name, log_events)
        _publish(self.account_id, self.region_name, log_group_name, log_stream_name, log_events)
        return result

    LogsBackend.put_log_events = put_log_events


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



# ---------------------------------------------------------------- Live Tail

_LIVE_DEFAULTS = {"available": True, "sessionSeconds": 3 * 3600.0}
_MAX_GROUPS = 10  # AWS's limit per session
_HEARTBEAT = 1.0  # AWS sends a sessionUpdate every second, empty when nothing came
_live_lock = threading.Lock()
_live: dict = dict(_LIVE_DEFAULTS)
# session id -> {"account", "region", "groups": {name: identifier}, "pattern", "queue", ...}
_sessions: dict[str, dict] = {}


class ControlError(ValueError):
    pass


def set_live_tail(body) -> dict:
    if not isinstance(body, dict) or not body or set(body) - set(_LIVE_DEFAULTS):
        raise ControlError('give {"available": bool} and/or {"sessionSeconds": N}')
    if "available" in body and not isinstance(body["available"], bool):
        raise ControlError('"available" must be true or false')
    seconds = body.get("sessionSeconds", 1)
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0:
        raise ControlError('"sessionSeconds" must be a positive number')
    with _live_lock:
        _live.update(body)
        return dict(_live)


def live_tail_state() -> dict:
    with _live_lock:
        sessions = [
            {k: v for k, v in s.items() if k != "queue"} for s in _sessions.values()
        ]
        return {**_live, "sessions": sessions}


def live_tail_available() -> bool:
    with _live_lock:
        return bool(_live["available"])


def _publish(account: str, region: str, group: str, stream: str, events: list) -> None:
    """Hands freshly put events to every open session that follows their group."""
    from moto.logs.utils import EventMessageFilter

    now_ms = int(time.time() * 1000)
    with _live_lock:
        sessions = [s for s in _sessions.values()
                    if s["ended"] is None and s["account"] == account and s["region"] == region
                    and group in s["groups"]]
    for s in sessions:
        matching = EventMessageFilter(s["pattern"] or "")
        results = [
            {"logStreamName": stream, "logGroupIdentifier": s["groups"][group],
             "message": e["message"], "timestamp": e["timestamp"], "ingestionTime": now_ms}
            for e in events if matching.matches(e["message"])
        ]
        if results:
            s["queue"].put(results)


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    # 7: the string type
    return struct.pack(">B", len(raw_name)) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One message in the AWS event-stream binary framing (what aws-smithy-eventstream reads):
    total length, headers length, prelude CRC32, headers, payload, message CRC32."""
    raw_headers = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + raw_headers + payload
    return message + struct.pack(">I", zlib.crc32(message) & 0xFFFFFFFF)


def _event(kind: str, body: dict) -> bytes:
    return frame({":message-type": "event", ":event-type": kind, ":content-type": "application/json"},
                 json.dumps(body).encode())


def _exception(kind: str, message: str) -> bytes:
    return frame({":message-type": "exception", ":exception-type": kind,
                  ":content-type": "application/json"}, json.dumps({"message": message}).encode())


def _error(start_response, status: str, code: str, message: str):
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code),
                            ("x-amzn-RequestId", str(uuid.uuid4())), ("Content-Length", str(len(body)))])
    return [body]


def _group_name(identifier: str, account: str, region: str) -> str | None:
    """`arn:aws:logs:REGION:ACCOUNT:log-group:NAME` (AWS wants ARNs here) -> NAME."""
    parts = identifier.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "logs" or parts[5] != "log-group":
        return None
    if parts[3] != region or parts[4] != account or parts[6].endswith("*"):
        return None
    return parts[6]


def start_live_tail(environ: dict, start_response, account: str, region: str):
    """The StartLiveTail call: validates like AWS, then streams the session."""
    from moto.logs.models import logs_backends

    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except ValueError:
        return _error(start_response, "400 Bad Request", "SerializationException", "body is not JSON")
    identifiers = request.get("logGroupIdentifiers") or []
    if not isinstance(identifiers, list) or not 1 <= len(identifiers) <= _MAX_GROUPS:
        return _error(start_response, "400 Bad Request", "InvalidParameterException",
                      f"logGroupIdentifiers must name 1 to {_MAX_GROUPS} log groups")
    backend = logs_backends[account][region]
    groups = {}
    for ident in identifiers:
        name = _group_name(ident, account, region) if isinstance(ident, str) else None
        if name is None:
            return _error(start_response, "400 Bad Request", "InvalidParameterException",
                          f"{ident!r} is not the ARN of a log group of {account} in {region}")
        if name not in backend.groups:
            return _error(start_response, "400 Bad Request", "ResourceNotFoundException",
                          f"The specified log group does not exist: {ident}")
        groups[name] = ident
    pattern = request.get("logEventFilterPattern")
    session_id = str(uuid.uuid4())
    request_id = str(uuid.uuid4())
    with _live_lock:
        seconds = float(_live["sessionSeconds"])
        session = {"id": session_id, "account": account, "region": region, "groups": groups,
                   "pattern": pattern, "queue": queue.Queue(), "started": time.time(),
                   "ended": None, "reason": None}
        _sessions[session_id] = session
    start_response("200 OK", [("Content-Type", "application/vnd.amazon.eventstream"),
                              ("x-amzn-RequestId", request_id)])
    return _stream(session, request_id, seconds)


def _stream(session: dict, request_id: str, seconds: float):
    ends_at = session["started"] + seconds
    reason = "closed by the client"
    try:
        # JSON-protocol event streams open with the operation's (empty) initial response.
        yield _event("initial-response", {})
        yield _event("sessionStart", {
            "requestId": request_id, "sessionId": session["id"],
            "logGroupIdentifiers": list(session["groups"].values()),
            "logEventFilterPattern": session["pattern"] or "",
        })
        while True:
            left = ends_at - time.time()
            if left <= 0:
                reason = "timed out"
                yield _exception("SessionTimeoutException",
                                 f"Session timed out after {seconds:g} seconds")
                return
            try:
                results = session["queue"].get(timeout=min(_HEARTBEAT, left))
            except queue.Empty:
                results = []
            if results is None:
                reason = "emulator reset"
                return
            yield _event("sessionUpdate", {"sessionMetadata": {"sampled": False},
                                           "sessionResults": results})
    finally:
        # A client that goes away is noticed at the next write (at most a heartbeat later).
        with _live_lock:
            session["ended"] = time.time()
            session["reason"] = reason
