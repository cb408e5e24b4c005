"""CloudTrail LookupEvents, answered from events a test seeded.

moto 5.2 has no LookupEvents (it raises NotImplementedError, HTTP 500). Adding a
``lookup_events`` method to ``CloudTrailResponse`` is enough for moto's dispatcher
to route ``X-Amz-Target: ...CloudTrail_20131101.LookupEvents`` to it.

Events are seeded per account and region through
``POST /moto-api/cdkx/cloudtrail/events`` as the records appear in a trail's log
files, and answered the way the real API answers: newest first, one lookup
attribute, 50 per page at most, an opaque NextToken.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import threading
import uuid
from typing import Any

DEFAULT_REGION = "us-east-1"
MAX_RESULTS = 50

LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)

_lock = threading.Lock()
# (account, region) -> list of (epoch seconds, sequence number, record)
_events: dict[tuple[str, str], list[tuple[float, int, dict]]] = {}
_sequence = itertools.count()


class ControlError(ValueError):
    """A malformed control request (answered with HTTP 400)."""


def _default_account() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return DEFAULT_ACCOUNT_ID


def _parse_time(value: Any) -> float:
    """ISO 8601 (as in trail logs) or epoch seconds -> epoch seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                raise ControlError(f"not an ISO 8601 time or epoch seconds: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.timestamp()
    raise ControlError(f"not a time: {value!r}")


def seed(body: Any) -> dict:
    """Handle POST /moto-api/cdkx/cloudtrail/events."""
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    account = str(body.get("account") or _default_account())
    region = str(body.get("region") or DEFAULT_REGION)
    records = body.get("events")
    if not isinstance(records, list):
        raise ControlError('"events" must be a list of CloudTrail records')
    parsed = []
    for record in records:
        if not isinstance(record, dict):
            raise ControlError("each event must be a JSON object (a CloudTrail record)")
        if "eventTime" not in record:
            raise ControlError(f"event without eventTime: {json.dumps(record)[:200]}")
        record = dict(record)
        # Real records always carry an id; tests may leave it out.
        record.setdefault("eventID", str(uuid.uuid4()))
        parsed.append((_parse_time(record["eventTime"]), record))
    with _lock:
        stored = _events.setdefault((account, region), [])
        for when, record in parsed:
            stored.append((when, next(_sequence), record))
        return {"account": account, "region": region, "stored": len(stored)}


def list_seeded() -> dict:
    with _lock:
        return {
            "events": [
                {"account": a, "region": r, "count": len(v)} for (a, r), v in sorted(_events.items())
            ]
        }


def clear() -> None:
    with _lock:
        _events.clear()


reset = clear


# ---------------------------------------------------------------- matching


def _short_name(arn: str) -> str:
    """The name part of an ARN: after the last ':' or '/'."""
    trimmed = arn.rstrip("/")
    cut = max(trimmed.rfind(":"), trimmed.rfind("/"))
    return trimmed[cut + 1 :]


def username(record: dict) -> str | None:
    """What LookupEvents reports as Username for a record's caller."""
    identity = record.get("userIdentity") or {}
    if identity.get("userName"):
        return identity["userName"]
    kind = identity.get("type")
    if kind == "Root":
        return "root"
    arn = identity.get("arn")
    if arn:
        # IAMUser .../user/NAME, AssumedRole .../ROLE/SESSION: the last segment.
        return arn.rsplit("/", 1)[-1] if "/" in arn else _short_name(arn)
    if kind == "AWSService":
        return identity.get("invokedBy")
    return None


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _resources(record: dict) -> list[dict]:
    return [r for r in record.get("resources") or [] if isinstance(r, dict)]


def _matches(record: dict, key: str, value: str) -> bool:
    if key == "EventId":
        return record.get("eventID") == value
    if key == "EventName":
        return record.get("eventName") == value
    if key == "EventSource":
        return record.get("eventSource") == value
    if key == "ReadOnly":
        return str(record.get("readOnly")).lower() == value.lower()
    if key == "Username":
        return username(record) == value
    if key == "AccessKeyId":
        return (record.get("userIdentity") or {}).get("accessKeyId") == value
    if key == "ResourceType":
        return any(r.get("type") == value for r in _resources(record))
    if key == "ResourceName":
        for r in _resources(record):
            arn = r.get("ARN") or r.get("arn") or ""
            if arn and (arn == value or _short_name(arn) == value):
                return True
        for s in _strings(record.get("requestParameters")):
            if s == value or (s.startswith("arn:") and _short_name(s) == value):
                return True
        return False
    return False


def _summary(when: float, record: dict) -> dict:
    """The LookupEvents shape of one record; absent fields are left out, as AWS does."""
    event: dict[str, Any] = {}
    if record.get("eventID"):
        event["EventId"] = record["eventID"]
    if record.get("eventName"):
        event["EventName"] = record["eventName"]
    if record.get("readOnly") is not None:
        event["ReadOnly"] = str(record["readOnly"]).lower()
    access_key = (record.get("userIdentity") or {}).get("accessKeyId")
    if access_key:
        event["AccessKeyId"] = access_key
    event["EventTime"] = when
    if record.get("eventSource"):
        event["EventSource"] = record["eventSource"]
    user = username(record)
    if user:
        event["Username"] = user
    event["Resources"] = [
        {k: v for k, v in (("ResourceType", r.get("type")), ("ResourceName", r.get("ARN") or r.get("arn"))) if v}
        for r in _resources(record)
    ]
    event["CloudTrailEvent"] = json.dumps(record)
    return event


# ---------------------------------------------------------------- the API


def _error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    err = JsonRESTError(code, message)
    err.code = 400
    return err


def _request_time(value: Any, field: str) -> float | None:
    if value is None:
        return None
    try:
        return _parse_time(value)
    except ControlError:
        raise _error("InvalidTimeRangeException", f"{field} is not a valid timestamp") from None


def _token(offset: int, fingerprint: str) -> str:
    raw = json.dumps({"o": offset, "q": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str, fingerprint: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        offset = int(data["o"])
        if data["q"] != fingerprint or offset < 0:
            raise ValueError
        return offset
    except Exception:  # noqa: BLE001 - any malformed token is the caller's error
        raise _error("InvalidNextTokenException", "Invalid NextToken.") from None


def lookup(account: str, region: str, params: dict) -> dict:
    attributes = params.get("LookupAttributes") or []
    if not isinstance(attributes, list):
        raise _error("InvalidLookupAttributesException", "LookupAttributes must be a list.")
    if len(attributes) > 1:
        raise _error(
            "InvalidLookupAttributesException",
            "You cannot specify more than one lookup attribute per request.",
        )
    attribute = None
    if attributes:
        key = (attributes[0] or {}).get("AttributeKey")
        value = (attributes[0] or {}).get("AttributeValue")
        if key not in LOOKUP_KEYS:
            raise _error(
                "InvalidLookupAttributesException",
                f"Invalid AttributeKey {key!r}; valid keys are {', '.join(LOOKUP_KEYS)}.",
            )
        if not isinstance(value, str) or not value:
            raise _error("InvalidLookupAttributesException", "AttributeValue must be a non-empty string.")
        attribute = (key, value)

    start = _request_time(params.get("StartTime"), "StartTime")
    end = _request_time(params.get("EndTime"), "EndTime")
    if start is not None and end is not None and start > end:
        raise _error("InvalidTimeRangeException", "StartTime must be before EndTime.")

    max_results = params.get("MaxResults")
    if max_results is None:
        max_results = MAX_RESULTS
    if not isinstance(max_results, int) or isinstance(max_results, bool) or not 1 <= max_results <= MAX_RESULTS:
        raise _error("InvalidMaxResultsException", f"MaxResults must be between 1 and {MAX_RESULTS}.")

    # Insights events are never seeded: a lookup for them finds nothing.
    if params.get("EventCategory") == "insight":
        return {"Events": []}

    # The token is only valid for the query that produced it.
    fingerprint = hashlib.sha256(json.dumps([attribute, start, end]).encode()).hexdigest()[:16]
    offset = _untoken(params["NextToken"], fingerprint) if params.get("NextToken") else 0

    with _lock:
        stored = list(_events.get((account, region), []))
    stored.sort(key=lambda e: (e[0], e[1]), reverse=True)
    selected = [
        (when, record)
        for when, _, record in stored
        if (start is None or when >= start)
        and (end is None or when <= end)
        and (attribute is None or _matches(record, *attribute))
    ]
    page = selected[offset : offset + max_results]
    answer: dict[str, Any] = {"Events": [_summary(when, record) for when, record in page]}
    if offset + max_results < len(selected):
        answer["NextToken"] = _token(offset + max_results, fingerprint)
    return answer


def _lookup_events_method(self: Any) -> tuple[int, dict, str]:
    """Added to moto.cloudtrail.responses.CloudTrailResponse as `lookup_events`."""
    try:
        params = json.loads(self.body or "{}")
    except ValueError:
        raise _error("SerializationException", "Request body is not valid JSON.") from None
    body = json.dumps(lookup(self.current_account, self.region, params))
    return 200, {"content-type": "application/x-amz-json-1.1"}, body


def install() -> None:
    from moto.cloudtrail.responses import CloudTrailResponse

    CloudTrailResponse.lookup_events = _lookup_events_method
