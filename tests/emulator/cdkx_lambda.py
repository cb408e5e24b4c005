"""Lambda Invoke without Docker, answered from per-function queues.

moto runs Lambda code in Docker, which these machines do not have, and its
docker-less mode keeps a separate function store that cannot see functions that
CloudFormation created. So every Invoke is intercepted where it reaches the
function object (``LambdaFunction.invoke``) and answered from results that a test
queued through ``POST /moto-api/cdkx/lambda/results``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import unquote

import cdkx_logs

# AWS's limits for synchronous invocations: the request payload may be 6 MB
# (6291456 bytes); a response over 6291556 bytes is replaced by an error. moto
# checks `sys.getsizeof(payload) > 6000000`, which refuses answers AWS accepts.
MAX_REQUEST_PAYLOAD = 6291456
MAX_RESPONSE_PAYLOAD = 6291556

_lock = threading.Lock()
# key (function name or unqualified function ARN) -> deque of result dicts
_queues: dict[str, deque] = {}
# key -> result dict used when the queue is empty
_defaults: dict[str, dict] = {}
_invocations: list[dict] = []

# The qualifier is known to the HTTP layer but not passed down to
# LambdaFunction.invoke, so the patched response handler hands it over here.
_request_context = threading.local()


class ControlError(ValueError):
    """A malformed control request (answered with HTTP 400)."""


def function_key(ref: str) -> str:
    """Normalise a function reference given by a test to a queue key.

    A full ARN keys by its unqualified ARN (so results are tied to one account and
    region), a plain name keys by the name. A trailing qualifier is ignored: the
    queue belongs to the function, whatever version is invoked.
    """
    if not isinstance(ref, str) or not ref:
        raise ControlError('"function" must be a non-empty string (name or ARN)')
    if ref.startswith("arn:"):
        parts = ref.split(":")
        # arn:partition:lambda:region:account:function:name[:qualifier]
        if len(parts) < 7 or parts[2] != "lambda" or parts[5] != "function":
            raise ControlError(f"not a Lambda function ARN: {ref}")
        return ":".join(parts[:7])
    return ref


def _validate_result(result: Any) -> dict:
    if not isinstance(result, dict):
        raise ControlError("each result must be a JSON object")
    bodies = [k for k in ("payload", "payload_text", "payload_base64") if k in result]
    if len(bodies) > 1:
        raise ControlError(f"give only one of payload/payload_text/payload_base64, got {bodies}")
    if "payload_text" in result and not isinstance(result["payload_text"], str):
        raise ControlError('"payload_text" must be a string')
    if "payload_base64" in result:
        try:
            base64.b64decode(result["payload_base64"], validate=True)
        except Exception as exc:  # noqa: BLE001 - any decoding problem is the caller's
            raise ControlError(f'"payload_base64" is not valid base64: {exc}') from None
    fe = result.get("function_error")
    if fe is not None and fe not in ("Handled", "Unhandled"):
        raise ControlError('"function_error" must be "Handled" or "Unhandled"')
    if "log_result" in result and not isinstance(result["log_result"], str):
        raise ControlError('"log_result" must be a string')
    lines = result.get("log_lines")
    if lines is not None and not (isinstance(lines, list) and all(isinstance(x, str) for x in lines)):
        raise ControlError('"log_lines" must be a list of strings')
    unknown = set(result) - {"payload", "payload_text", "payload_base64", "function_error", "log_result",
                             "log_lines"}
    if unknown:
        raise ControlError(f"unknown result fields: {sorted(unknown)}")
    return result


def _payload_bytes(result: dict) -> bytes:
    if "payload_text" in result:
        return result["payload_text"].encode("utf-8")
    if "payload_base64" in result:
        return base64.b64decode(result["payload_base64"])
    if "payload" in result:
        return json.dumps(result["payload"]).encode("utf-8")
    return b""


def add_results(body: Any) -> dict:
    """Handle POST /moto-api/cdkx/lambda/results."""
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    key = function_key(body.get("function"))
    if "results" not in body and "default" not in body:
        raise ControlError('give "results" (a list) and/or "default" (a result object)')
    results = body.get("results", [])
    if not isinstance(results, list):
        raise ControlError('"results" must be a list')
    results = [_validate_result(r) for r in results]
    default = body.get("default")
    if default is not None:
        default = _validate_result(default)
    with _lock:
        queue = _queues.setdefault(key, deque())
        queue.extend(results)
        if default is not None:
            _defaults[key] = default
        return {"function": key, "queued": len(queue), "default": key in _defaults}


def list_results() -> dict:
    with _lock:
        return {
            "queues": {k: list(v) for k, v in _queues.items()},
            "defaults": dict(_defaults),
        }


def clear_results() -> None:
    with _lock:
        _queues.clear()
        _defaults.clear()


def list_invocations() -> dict:
    with _lock:
        return {"invocations": list(_invocations)}


def clear_invocations() -> None:
    with _lock:
        _invocations.clear()


def reset() -> None:
    clear_results()
    clear_invocations()


def _take_result(keys: list[str], name: str) -> dict:
    with _lock:
        for key in keys:
            queue = _queues.get(key)
            if queue:
                return queue.popleft()
        for key in keys:
            if key in _defaults:
                return _defaults[key]
    return {
        "payload": {
            "errorType": "NoQueuedResult",
            "errorMessage": f"cdkx emulator: no result queued for {name}",
        },
        "function_error": "Unhandled",
    }


def _decode_event(body: Any) -> dict:
    """How the request payload is recorded: JSON when it parses, else text/base64."""
    if body is None:
        return {"payload": None}
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return {"payload_base64": base64.b64encode(body).decode("ascii")}
    if body == "":
        return {"payload": None}
    try:
        return {"payload": json.loads(body)}
    except ValueError:
        return {"payload_text": body}


def _patched_function_invoke(self: Any, body: Any, request_headers: Any, response_headers: dict) -> bytes:
    """Replacement for moto.awslambda.models.LambdaFunction.invoke."""
    from moto.awslambda.utils import make_function_arn

    arn = make_function_arn(self.region, self.account_id, self.function_name)
    inv_type = request_headers.get("X-Amz-Invocation-Type") or "RequestResponse"
    record = {
        "function": self.function_name,
        "function_arn": arn,
        "account": self.account_id,
        "region": self.region,
        "qualifier": getattr(_request_context, "qualifier", None),
        "invocation_type": inv_type,
        "log_type": request_headers.get("X-Amz-Log-Type"),
        "time": time.time(),
    }
    # Set by the API Gateway front door (cdkx_apigw) for the calls it makes.
    source = getattr(_request_context, "source", None)
    if source:
        record["source"] = source
    record.update(_decode_event(body))
    with _lock:
        _invocations.append(record)

    # Event and DryRun invocations return no payload in AWS, so they must not
    # consume a result a test queued for a synchronous call.
    if inv_type != "RequestResponse":
        return b""

    result = _take_result([arn, self.function_name], self.function_name)
    # What Lambda writes to the function's log group, with the request id the answer carries.
    response_headers["x-amzn-requestid"] = cdkx_logs.write_invocation(
        self.account_id, self.region, self.function_name,
        int(getattr(self, "memory_size", None) or 128),
        result.get("log_lines") or [], record["time"],
    )
    if result.get("function_error"):
        response_headers["x-amz-function-error"] = result["function_error"]
    if result.get("log_result") is not None:
        # Dropped again by the response handler unless the request asked for Tail.
        response_headers["x-amz-log-result"] = base64.b64encode(
            result["log_result"].encode("utf-8")
        ).decode("ascii")
    version = str(getattr(self, "version", "$LATEST"))
    response_headers["x-amz-executed-version"] = version if version.isdigit() else "$LATEST"
    return _payload_bytes(result)


def _patched_response_invoke(self: Any) -> tuple[int, dict, Any]:
    """Replacement for moto.awslambda.responses.LambdaResponse.invoke.

    Same as moto's except: the qualifier reaches the invocation record, the payload
    limits are AWS's, and headers moto would leave on async/dry-run calls are dropped.
    (moto takes the HTTP status from a "status" header, not from the tuple.)
    """
    response_headers: dict[str, Any] = {}
    # URL-decoded because the function may be given as an ARN.
    function_name = unquote(self.path.rsplit("/", 2)[-2])
    qualifier = (self.querystring.get("Qualifier") or [None])[0]
    inv_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"

    body = self.body
    size = len(body.encode("utf-8") if isinstance(body, str) else (body or b""))
    if size > MAX_REQUEST_PAYLOAD:
        message = (
            f"Request must be smaller than {MAX_REQUEST_PAYLOAD} bytes for the InvokeFunction operation"
        )
        return (
            413,
            {"x-amzn-errortype": "RequestTooLargeException", "content-type": "application/json",
             "status": "413"},
            json.dumps({"Type": "User", "message": message}),
        )

    # A function ARN of another account: its resource policy decides (cdkx_furl).
    import cdkx_furl

    refused, backend = cdkx_furl.cross_account_invoke(self, function_name)
    if refused is not None:
        return refused
    _request_context.qualifier = qualifier
    try:
        payload = (backend or self.backend).invoke(function_name, qualifier, body, self.headers, response_headers)
    finally:
        _request_context.qualifier = None
    if payload is None:
        return 404, {**response_headers, "status": "404"}, "{}"

    response_headers["content-type"] = "application/json"
    if inv_type == "Event":
        for h in ("x-amz-function-error", "x-amz-log-result", "x-amz-executed-version"):
            response_headers.pop(h, None)
        response_headers["Content-Length"] = "0"
        response_headers["status"] = "202"
        return 202, response_headers, b""
    if inv_type == "DryRun":
        response_headers["Content-Length"] = "0"
        response_headers["status"] = "204"
        return 204, response_headers, b""

    if len(payload) > MAX_RESPONSE_PAYLOAD:
        payload = json.dumps(
            {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE_PAYLOAD} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
        ).encode("utf-8")
        response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["Content-Length"] = str(len(payload))
    if self.headers.get("X-Amz-Log-Type") != "Tail":
        response_headers.pop("x-amz-log-result", None)
    return 200, response_headers, payload


def install() -> None:
    """Patch moto; must run before the server answers its first request."""
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse
    from moto.utilities.aws_headers import amz_crc32

    LambdaFunction.invoke = _patched_function_invoke
    # moto gives every answer a random request id; Invoke keeps the one its log lines carry.
    import moto.core.responses as core_responses

    original_request_id = core_responses.gen_amzn_requestid_long

    def keep_request_id(headerdict=None):
        if isinstance(headerdict, dict) and headerdict.get("x-amzn-requestid"):
            return headerdict["x-amzn-requestid"]
        return original_request_id(headerdict)

    core_responses.gen_amzn_requestid_long = keep_request_id
    # Keep moto's CRC32 header decorator, which the SDKs may validate.
    LambdaResponse.invoke = amz_crc32(_patched_response_invoke)
