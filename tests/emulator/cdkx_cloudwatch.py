"""CloudWatch metrics over the Smithy RPC v2 CBOR protocol, with percentiles.

The AWS SDKs now call CloudWatch with ``POST /service/GraniteServiceVersion20100801/
operation/{Operation}`` and CBOR bodies (``smithy-protocol: rpc-v2-cbor``), which moto
5.2.1 does not parse, and moto's GetMetricData has no percentile statistics. So this
module answers PutMetricData and GetMetricData itself, from its own store of data
points: Sum, Average, Minimum, Maximum, SampleCount and pNN (nearest rank), periods
aligned on StartTime, results paged (``/moto-api/cdkx/paging`` sets the page size).
Other CloudWatch operations over CBOR get an UnknownOperationException. The same two
operations over JSON 1.0 (what boto3 picks) are answered here too, from the same store.
"""

from __future__ import annotations

import json
import math
import struct
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

PATH_PREFIX = "/service/GraniteServiceVersion20100801/operation/"

_lock = threading.Lock()
# (namespace, metric, frozenset of (name, value) dimensions) -> list of (epoch seconds, value)
_points: dict[tuple, list[tuple[float, float]]] = {}
# Data points per GetMetricData page (AWS: 100,800); settable for tests of paging.
_page_size = 100_800


class CborError(ValueError):
    pass


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# ---------------------------------------------------------------- CBOR (RFC 8949), the subset Smithy uses
class _Tagged:
    def __init__(self, tag: int, value: Any):
        self.tag = tag
        self.value = value


_BREAK = object()


def cbor_decode(data: bytes) -> Any:
    value, pos = _decode(data, 0)
    if pos != len(data):
        raise CborError(f"{len(data) - pos} trailing bytes")
    return value


def _head(data: bytes, pos: int) -> tuple[int, int, int | None, int]:
    if pos >= len(data):
        raise CborError("truncated")
    first = data[pos]
    major, info = first >> 5, first & 0x1F
    pos += 1
    if info < 24:
        return major, info, info, pos
    sizes = {24: 1, 25: 2, 26: 4, 27: 8}
    if info in sizes:
        n = sizes[info]
        if pos + n > len(data):
            raise CborError("truncated")
        return major, info, int.from_bytes(data[pos:pos + n], "big"), pos + n
    if info == 31:
        return major, info, None, pos
    raise CborError(f"reserved additional info {info}")


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    start = pos
    major, info, arg, pos = _head(data, pos)
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        if arg is None:
            chunks = []
            while True:
                item, pos = _decode(data, pos)
                if item is _BREAK:
                    break
                chunks.append(item)
            joined = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
            return (joined if major == 2 else joined.decode("utf-8")), pos
        raw = data[pos:pos + arg]
        if len(raw) != arg:
            raise CborError("truncated string")
        return (raw if major == 2 else raw.decode("utf-8")), pos + arg
    if major == 4:
        items = []
        while arg is None or len(items) < arg:
            item, pos = _decode(data, pos)
            if item is _BREAK:
                if arg is not None:
                    raise CborError("unexpected break")
                break
            items.append(item)
        return items, pos
    if major == 5:
        out = {}
        count = 0
        while arg is None or count < arg:
            key, pos = _decode(data, pos)
            if key is _BREAK:
                if arg is not None:
                    raise CborError("unexpected break")
                break
            value, pos = _decode(data, pos)
            out[key] = value
            count += 1
        return out, pos
    if major == 6:
        value, pos = _decode(data, pos)
        return _Tagged(arg, value), pos
    # major 7
    if info == 20:
        return False, pos
    if info == 21:
        return True, pos
    if info in (22, 23):
        return None, pos
    if info == 25:
        return struct.unpack(">e", data[start + 1:start + 3])[0], pos
    if info == 26:
        return struct.unpack(">f", data[start + 1:start + 5])[0], pos
    if info == 27:
        return struct.unpack(">d", data[start + 1:start + 9])[0], pos
    if info == 31:
        return _BREAK, pos
    raise CborError(f"unsupported simple value {info}")


def _enc_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise CborError("integer too large")


def cbor_encode(value: Any) -> bytes:
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return _enc_head(0, value) if value >= 0 else _enc_head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, datetime):
        return b"\xc1" + cbor_encode(value.timestamp())
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _enc_head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _enc_head(2, len(value)) + value
    if isinstance(value, (list, tuple)):
        return _enc_head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return _enc_head(5, len(value)) + b"".join(
            cbor_encode(k) + cbor_encode(v) for k, v in value.items())
    raise CborError(f"cannot encode {type(value).__name__}")


def _epoch(value: Any, field: str) -> float:
    if isinstance(value, _Tagged) and value.tag == 1:
        value = value.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ApiError("ValidationError", f"{field} must be a timestamp")


# ---------------------------------------------------------------- the store
def _dims(items: Any) -> frozenset:
    return frozenset((d.get("Name"), d.get("Value")) for d in (items or []))


def put_metric_data(params: dict) -> dict:
    namespace = params.get("Namespace")
    if not namespace:
        raise ApiError("MissingParameter", "The parameter Namespace is required.")
    with _lock:
        for datum in params.get("MetricData") or []:
            name = datum.get("MetricName")
            if not name:
                raise ApiError("MissingParameter", "The parameter MetricData.MetricName is required.")
            ts = _epoch(datum["Timestamp"], "Timestamp") if "Timestamp" in datum else time.time()
            key = (namespace, name, _dims(datum.get("Dimensions")))
            series = _points.setdefault(key, [])
            if "Values" in datum:
                counts = datum.get("Counts") or [1] * len(datum["Values"])
                for v, c in zip(datum["Values"], counts):
                    series.extend([(ts, float(v))] * int(c))
            elif "Value" in datum:
                series.append((ts, float(datum["Value"])))
            else:
                raise ApiError("InvalidParameterCombination",
                               "cdkx emulator: give Value or Values (StatisticValues is not kept)")
    return {}


def _stat(stat: str, values: list[float]) -> float:
    if stat == "Sum":
        return float(sum(values))
    if stat == "Average":
        return sum(values) / len(values)
    if stat == "Minimum":
        return min(values)
    if stat == "Maximum":
        return max(values)
    if stat == "SampleCount":
        return float(len(values))
    if stat.startswith("p"):
        try:
            p = float(stat[1:])
        except ValueError:
            p = -1.0
        if 0 <= p <= 100:
            ordered = sorted(values)
            rank = max(1, math.ceil(p / 100 * len(ordered)))
            return ordered[rank - 1]
    raise ApiError("InvalidParameterValue", f"cdkx emulator: unsupported statistic {stat}")


def get_metric_data(params: dict) -> dict:
    start = _epoch(params.get("StartTime"), "StartTime")
    end = _epoch(params.get("EndTime"), "EndTime")
    if end <= start:
        raise ApiError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.")
    ascending = params.get("ScanBy") == "TimestampAscending"
    results = []
    for q in params.get("MetricDataQueries") or []:
        ms = q.get("MetricStat")
        if not ms:
            raise ApiError("ValidationError", "cdkx emulator: only MetricStat queries are supported")
        metric = ms.get("Metric") or {}
        period = int(ms.get("Period") or 60)
        key = (metric.get("Namespace"), metric.get("MetricName"), _dims(metric.get("Dimensions")))
        with _lock:
            points = [p for p in _points.get(key, []) if start <= p[0] < end]
        buckets: dict[int, list[float]] = {}
        for ts, v in points:
            buckets.setdefault(int((ts - start) // period), []).append(v)
        order = sorted(buckets, reverse=not ascending)
        stat = ms.get("Stat") or "Average"
        results.append({
            "Id": q.get("Id"),
            "Label": q.get("Label") or metric.get("MetricName"),
            "Timestamps": [datetime.fromtimestamp(start + k * period, tz=timezone.utc) for k in order],
            "Values": [_stat(stat, buckets[k]) for k in order],
        })
    return _page(results, params.get("NextToken"))


def _page(results: list[dict], token: Any) -> dict:
    """Pages of at most _page_size points across all results, in query order."""
    offset = 0
    if token:
        try:
            offset = int(token)
        except ValueError:
            raise ApiError("InvalidNextToken", "The service couldn't process the NextToken.") from None
    with _lock:
        size = _page_size
    out, seen, taken = [], 0, 0
    for r in results:
        n = len(r["Values"])
        lo = max(0, offset - seen)
        hi = max(lo, min(n, offset + size - seen))
        taken += hi - lo
        out.append({"Id": r["Id"], "Label": r["Label"], "StatusCode": "Complete",
                    "Timestamps": r["Timestamps"][lo:hi], "Values": r["Values"][lo:hi]})
        seen += n
    answer: dict[str, Any] = {"MetricDataResults": out, "Messages": []}
    if offset + taken < seen:
        answer["NextToken"] = str(offset + taken)
    return answer


def set_page_size(n: int) -> None:
    global _page_size
    with _lock:
        _page_size = n


def reset() -> None:
    set_page_size(100_800)
    with _lock:
        _points.clear()


# ---------------------------------------------------------------- HTTP
_OPERATIONS: dict[str, Callable[[dict], dict]] = {
    "PutMetricData": put_metric_data,
    "GetMetricData": get_metric_data,
}


JSON_TARGET_PREFIX = "GraniteServiceVersion20100801."


def _json_op(environ: dict) -> str | None:
    """The operation of a JSON 1.0 call (boto3's choice), when it is one this module serves."""
    target = environ.get("HTTP_X_AMZ_TARGET") or ""
    if target.startswith(JSON_TARGET_PREFIX) and target[len(JSON_TARGET_PREFIX):] in _OPERATIONS:
        return target[len(JSON_TARGET_PREFIX):]
    return None


def matches(environ: dict) -> bool:
    """CBOR calls (the Rust SDK's), and JSON calls of the operations served here, so that
    data points put with boto3 and read with the Rust SDK share one store."""
    return environ.get("PATH_INFO", "").startswith(PATH_PREFIX) or _json_op(environ) is not None


def operation(environ: dict) -> str:
    return _json_op(environ) or environ.get("PATH_INFO", "")[len(PATH_PREFIX):]


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def handle(environ: dict, start_response: Callable) -> list[bytes]:
    op = operation(environ)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    if _json_op(environ) is not None:
        return _handle_json(op, raw, start_response)
    status, body = 200, b""
    try:
        handler = _OPERATIONS.get(op)
        if handler is None:
            raise ApiError("UnknownOperationException",
                           f"cdkx emulator: {op} is not served over rpc-v2-cbor")
        params = cbor_decode(raw) if raw else {}
        if not isinstance(params, dict):
            raise ApiError("SerializationException", "the body must be a CBOR map")
        body = cbor_encode(handler(params))
    except CborError as exc:
        status, body = 400, cbor_encode({"__type": "com.amazonaws.cloudwatch#SerializationException",
                                         "message": f"bad CBOR: {exc}"})
    except ApiError as exc:
        status, body = exc.status, cbor_encode({"__type": f"com.amazonaws.cloudwatch#{exc.code}",
                                                "message": exc.message})
    start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", [
        ("Content-Type", "application/cbor"),
        ("smithy-protocol", "rpc-v2-cbor"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("Content-Length", str(len(body))),
    ])
    return [body]


def _handle_json(op: str, raw: bytes, start_response: Callable) -> list[bytes]:
    status = 200
    try:
        params = json.loads(raw or b"{}")
        if not isinstance(params, dict):
            raise ApiError("SerializationException", "the body must be a JSON object")
        body = json.dumps(_to_json(_OPERATIONS[op](params)))
    except ValueError as exc:
        status, body = 400, json.dumps({"__type": "SerializationException", "message": str(exc)})
    except ApiError as exc:
        status, body = exc.status, json.dumps({"__type": exc.code, "message": exc.message})
    data = body.encode("utf-8")
    start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("Content-Length", str(len(data))),
    ])
    return [data]
