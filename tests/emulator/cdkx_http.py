"""WSGI middleware in front of moto: control endpoints, faults, request counting.

It sits outside moto's own dispatcher so it sees every request, whatever the
service, before moto picks a backend:

* ``/moto-api/cdkx/...`` are the project's control endpoints (JSON in, JSON out);
* every AWS API request is identified (service and action) and counted;
* a fault armed through ``/moto-api/cdkx/faults`` replaces the answer to the next
  matching requests (throttling, HTTP 500, a hang, a body that is not JSON);
* ``POST /moto-api/reset`` also clears the project's state before moto's reset;
* requests addressed to an execute-api endpoint go to the API Gateway front door
  (cdkx_apigw) instead of moto.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from typing import Any, Callable
from urllib.parse import parse_qs

import cdkx_apigw
import cdkx_cfn
import cdkx_httpapi
import cdkx_cloudtrail
import cdkx_cloudwatch
import cdkx_furl
import cdkx_iam
import cdkx_lake
import cdkx_lambda
import cdkx_logs

CONTROL_PREFIX = "/moto-api/cdkx/"
FAULT_KINDS = ("throttle", "http500", "hang", "invalid_json", "expired_token")
DEFAULT_HANG_SECONDS = 30.0

_CREDENTIAL_RE = re.compile(r"Credential=([^,\s]+)")


# ---------------------------------------------------------------- identifying a request


class RequestInfo:
    __slots__ = ("service", "action", "region", "target", "protocol")

    def __init__(self, service: str, action: str, region: str | None, target: str | None, protocol: str):
        self.service = service
        self.action = action
        self.region = region
        self.target = target
        # "json" (X-Amz-Target), "query" (Action=...), "rest-json", "rest-xml"
        self.protocol = protocol


def _scope(environ: dict) -> tuple[str | None, str | None]:
    """(service, region) from the SigV4 credential scope, header or presigned query."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = _CREDENTIAL_RE.search(auth)
    credential = match.group(1) if match else None
    if not credential and "X-Amz-Credential" in environ.get("QUERY_STRING", ""):
        credential = (parse_qs(environ["QUERY_STRING"]).get("X-Amz-Credential") or [None])[0]
    if credential:
        parts = credential.split("/")
        # AKID/date/region/service/aws4_request, counted from the end
        if len(parts) >= 5:
            return parts[-2].lower(), parts[-3]
    return None, None


def _form_action(environ: dict) -> str | None:
    """The Action of a query-protocol request (in the query string or the form body).

    The body is read and put back so that moto can read it again.
    """
    action = (parse_qs(environ.get("QUERY_STRING", "")).get("Action") or [None])[0]
    if action:
        return action
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    if environ.get("HTTP_CONTENT_ENCODING"):
        return None  # compressed; not worth decoding just to count
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return (parse_qs(body.decode("utf-8", "replace")).get("Action") or [None])[0]


# Signing names whose botocore service name differs.
_BOTOCORE_NAMES = {"execute-api": "apigateway", "states": "stepfunctions", "monitoring": "cloudwatch"}
_rest_routes: dict[str, list] = {}
_rest_lock = threading.Lock()


def _template_regex(path: str) -> "re.Pattern[str]":
    """'/2015-03-31/functions/{FunctionName}/invocations' -> a regex; {X+} spans '/'."""
    out = []
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("}"):
            out.append("(.+)" if part.endswith("+}") else "([^/]+)")
        else:
            out.append(re.escape(part))
    return re.compile("^" + "".join(out) + "/?$")


def _routes(service: str) -> list:
    """[(method, path regex, required query keys, x-id, literal length, name)] from botocore's model."""
    with _rest_lock:
        if service not in _rest_routes:
            import botocore.session

            routes = []
            try:
                model = botocore.session.get_session().get_service_model(_BOTOCORE_NAMES.get(service, service))
                for name in model.operation_names:
                    http = model.operation_model(name).http
                    path, _, query = http.get("requestUri", "/").partition("?")
                    keys, x_id = set(), None
                    for item in filter(None, query.split("&")):
                        key, _, value = item.partition("=")
                        if key == "x-id":
                            x_id = value
                        else:
                            keys.add(key)
                    literal = len(re.sub(r"\{[^}]+\}", "", path))
                    routes.append((http.get("method"), _template_regex(path), keys, x_id, literal, name))
            except Exception:  # noqa: BLE001 - unknown service: count by method and path
                routes = []
            _rest_routes[service] = routes
        return _rest_routes[service]


def _rest_action(service: str, environ: dict) -> str | None:
    """Operation name of a REST request: method + URI template (+ query keys) from botocore."""
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    copy = "HTTP_X_AMZ_COPY_SOURCE" in environ
    best, best_score = None, None
    for route_method, regex, keys, x_id, literal, name in _routes(service):
        if route_method != method or not regex.match(path) or not keys <= set(query):
            continue
        if "x-id" in query and x_id and query["x-id"][0] != x_id:
            continue
        if service == "s3" and method == "PUT" and copy != ("Copy" in name):
            continue  # S3 tells a copy from an upload by the x-amz-copy-source header
        # More query keys, then more literal path, then the plainer (shorter) name wins.
        score = (len(keys), literal, -len(name))
        if best_score is None or score > best_score:
            best, best_score = name, score
    return best


def identify(environ: dict) -> RequestInfo:
    service, region = _scope(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        action = target.rsplit(".", 1)[-1]
        if not service:
            service = target.split(".", 1)[0].lower()
        return RequestInfo(service, action, region, target, "json")
    action = _form_action(environ)
    if action:
        return RequestInfo(service or "unknown", action, region, None, "query")
    if cdkx_cloudwatch.matches(environ):
        return RequestInfo(service or "monitoring", cdkx_cloudwatch.operation(environ), region, None,
                           "rpc-v2-cbor")
    service = service or "unknown"
    action = _rest_action(service, environ) if service != "unknown" else None
    protocol = "rest-xml" if service in ("s3", "s3control", "route53", "cloudfront") else "rest-json"
    if not action:
        action = f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}"
    return RequestInfo(service, action, region, None, protocol)


# ---------------------------------------------------------------- request counting

_count_lock = threading.Lock()
_counts: dict[str, int] = {}
_log: list[dict] = []


def _count(info: RequestInfo, fault: str | None) -> None:
    entry: dict[str, Any] = {
        "service": info.service,
        "action": info.action,
        "time": time.time(),
        "region": info.region,
    }
    if fault:
        entry["fault"] = fault
    key = f"{info.service}:{info.action}"
    with _count_lock:
        _counts[key] = _counts.get(key, 0) + 1
        _log.append(entry)


def requests_snapshot() -> dict:
    with _count_lock:
        return {"counts": dict(_counts), "log": list(_log)}


def clear_requests() -> None:
    with _count_lock:
        _counts.clear()
        _log.clear()


# ---------------------------------------------------------------- faults

_fault_lock = threading.Lock()
_faults: list[dict] = []


class ControlError(ValueError):
    pass


def add_fault(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    target = body.get("target")
    if not isinstance(target, str) or not target:
        raise ControlError('"target" must be an X-Amz-Target value, an action name or a service name')
    kind = body.get("kind")
    if kind not in FAULT_KINDS:
        raise ControlError(f'"kind" must be one of {list(FAULT_KINDS)}')
    count = body.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ControlError('"count" must be a positive integer')
    seconds = body.get("seconds", DEFAULT_HANG_SECONDS)
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        raise ControlError('"seconds" must be a non-negative number')
    fault = {"target": target, "kind": kind, "remaining": count, "seconds": float(seconds)}
    with _fault_lock:
        _faults.append(fault)
    return faults_snapshot()


def faults_snapshot() -> dict:
    with _fault_lock:
        return {"faults": [dict(f) for f in _faults]}


def clear_faults() -> None:
    with _fault_lock:
        _faults.clear()


def _fault_matches(target: str, info: RequestInfo) -> bool:
    t = target.lower()
    names = {info.action.lower(), info.service.lower(), f"{info.service}:{info.action}".lower()}
    if info.target:
        names.add(info.target.lower())
    return t in names


def _take_fault(info: RequestInfo) -> dict | None:
    with _fault_lock:
        for fault in _faults:
            if _fault_matches(fault["target"], info):
                fault["remaining"] -= 1
                if fault["remaining"] <= 0:
                    _faults.remove(fault)
                return dict(fault)
    return None


def _error_response(info: RequestInfo, environ: dict, status: int, code: str, message: str, fault: str):
    """An error in the wire format of the request's protocol, so SDKs parse it as AWS's."""
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id), ("x-cdkx-fault", fault)]
    if info.protocol == "json":
        ctype = environ.get("CONTENT_TYPE") or "application/x-amz-json-1.1"
        body = json.dumps({"__type": code, "message": message})
        headers += [("Content-Type", ctype), ("x-amzn-ErrorType", code)]
    elif info.protocol == "rest-json":
        body = json.dumps({"Type": "User" if status < 500 else "Service", "message": message})
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif info.protocol == "rest-xml":
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
            f"<Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        headers += [("Content-Type", "application/xml")]
    else:
        kind = "Sender" if status < 500 else "Receiver"
        body = (
            "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\">"
            f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        headers += [("Content-Type", "text/xml")]
    return status, headers, body.encode("utf-8")


def _fault_response(fault: dict, info: RequestInfo, environ: dict):
    kind = fault["kind"]
    if kind == "throttle":
        if info.protocol == "json":
            return _error_response(info, environ, 400, "ThrottlingException", "Rate exceeded", kind)
        if info.protocol == "rest-json":
            # Lambda and other REST-JSON services throttle with 429 TooManyRequestsException.
            return _error_response(info, environ, 429, "TooManyRequestsException", "Rate exceeded", kind)
        if info.protocol == "rest-xml":
            return _error_response(info, environ, 503, "SlowDown", "Please reduce your request rate.", kind)
        return _error_response(info, environ, 400, "Throttling", "Rate exceeded", kind)
    if kind == "http500":
        code = "ServiceException" if info.protocol == "rest-json" else "InternalFailure"
        return _error_response(
            info, environ, 500, code, "cdkx emulator: injected internal failure", kind
        )
    if kind == "expired_token":
        # What AWS answers when a session's credentials expire between two calls.
        code = "ExpiredTokenException" if info.protocol in ("json", "rest-json") else "ExpiredToken"
        return _error_response(
            info, environ, 403 if info.protocol == "rest-json" else 400, code,
            "The security token included in the request is expired", kind,
        )
    if kind == "invalid_json":
        ctype = environ.get("CONTENT_TYPE") if info.protocol == "json" else "application/json"
        body = b'{"cdkx-emulator": "this body is cut short on purpose'
        return 200, [("Content-Type", ctype or "application/json"), ("x-cdkx-fault", kind)], body
    return None  # "hang" is handled by the caller: it delays, then serves normally


# ---------------------------------------------------------------- control endpoints

_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
                404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
                429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def _status_line(status: int) -> str:
    return f"{status} {_STATUS_TEXT.get(status, 'Status')}"


def _drain(environ: dict) -> None:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        environ["wsgi.input"].read(length)


def _read_json(environ: dict) -> Any:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ControlError(f"body is not JSON: {exc}") from None


def reset_all() -> None:
    """Everything the project keeps beside moto's backends."""
    cdkx_lambda.reset()
    cdkx_cloudtrail.reset()
    cdkx_lake.reset()
    cdkx_apigw.reset()
    cdkx_httpapi.reset()
    cdkx_furl.reset()
    cdkx_iam.reset()
    cdkx_logs.reset()
    cdkx_cloudwatch.reset()
    clear_faults()
    clear_requests()


def _ok(value: Any = None) -> tuple[int, Any]:
    return 200, {"status": "ok"} if value is None else value


# path (after the prefix) -> method -> handler(body) -> (status, json)
_ROUTES: dict[str, dict[str, Callable[[Any], tuple[int, Any]]]] = {
    "lambda/results": {
        "POST": lambda b: (200, cdkx_lambda.add_results(b)),
        "GET": lambda b: _ok(cdkx_lambda.list_results()),
        "DELETE": lambda b: (cdkx_lambda.clear_results(), _ok())[1],
    },
    "lambda/invocations": {
        "GET": lambda b: _ok(cdkx_lambda.list_invocations()),
        "DELETE": lambda b: (cdkx_lambda.clear_invocations(), _ok())[1],
    },
    "cloudtrail/events": {
        "POST": lambda b: (200, cdkx_cloudtrail.seed(b)),
        "GET": lambda b: _ok(cdkx_cloudtrail.list_seeded()),
        "DELETE": lambda b: (cdkx_cloudtrail.clear(), _ok())[1],
    },
    "lake/query-results": {
        "POST": lambda b: (200, cdkx_lake.add_results(b)),
        "GET": lambda b: _ok(cdkx_lake.list_results()),
        "DELETE": lambda b: (cdkx_lake.clear_results(), _ok())[1],
    },
    "lake/queries": {
        "GET": lambda b: _ok(cdkx_lake.list_queries()),
        "DELETE": lambda b: (cdkx_lake.clear_queries(), _ok())[1],
    },
    "faults": {
        "POST": lambda b: (200, add_fault(b)),
        "GET": lambda b: _ok(faults_snapshot()),
        "DELETE": lambda b: (clear_faults(), _ok())[1],
    },
    "requests": {
        "GET": lambda b: _ok(requests_snapshot()),
        "DELETE": lambda b: (clear_requests(), _ok())[1],
    },
    "apigw/credentials": {
        "POST": lambda b: (200, cdkx_apigw.add_credentials(b)),
        "GET": lambda b: _ok(cdkx_apigw.list_credentials()),
        "DELETE": lambda b: (cdkx_apigw.clear_credentials(), _ok())[1],
    },
    "apigw/requests": {
        "GET": lambda b: _ok(cdkx_apigw.list_requests()),
        "DELETE": lambda b: (cdkx_apigw.clear_requests(), _ok())[1],
    },
    "furl/requests": {
        "GET": lambda b: _ok(cdkx_furl.list_requests()),
        "DELETE": lambda b: (cdkx_furl.clear_requests(), _ok())[1],
    },
    "iam/enforce": {
        "POST": lambda b: (200, cdkx_iam.set_enforce(b)),
        "GET": lambda b: _ok(cdkx_iam.enforce_state()),
    },
    "sts/trust": {
        "POST": lambda b: (200, cdkx_iam.set_trust(b)),
        "GET": lambda b: _ok(cdkx_iam.trust_state()),
    },
    "paging": {
        "POST": lambda b: (200, set_paging(b)),
    },
    "logs/live-tail": {
        "POST": lambda b: (200, cdkx_logs.set_live_tail(b)),
        "GET": lambda b: _ok(cdkx_logs.live_tail_state()),
    },
    "health": {"GET": lambda b: _ok({"status": "ok"})},
    "reset": {"POST": lambda b: (reset_all(), _ok())[1]},
}


def set_paging(body: Any) -> dict:
    """Page sizes: {"logs": events per FilterLogEvents page, "metrics": points per GetMetricData page}."""
    if not isinstance(body, dict) or not body or set(body) - {"logs", "metrics"}:
        raise ControlError('give {"logs": N} and/or {"metrics": N}')
    for key, value in body.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ControlError(f'"{key}" must be a positive integer')
    if "logs" in body:
        cdkx_logs.set_page_size(body["logs"])
    if "metrics" in body:
        cdkx_cloudwatch.set_page_size(body["metrics"])
    return {"status": "ok", **body}


def _control(environ: dict) -> tuple[int, Any]:
    route = environ.get("PATH_INFO", "")[len(CONTROL_PREFIX):].strip("/")
    methods = _ROUTES.get(route)
    if methods is None:
        return 404, {"error": f"unknown control endpoint /moto-api/cdkx/{route}",
                     "endpoints": sorted(_ROUTES)}
    method = environ.get("REQUEST_METHOD", "GET")
    handler = methods.get(method)
    if handler is None:
        return 405, {"error": f"{method} not allowed here; use {sorted(methods)}"}
    try:
        if method in ("POST", "PUT"):
            body = _read_json(environ)
        else:
            body = None
            _drain(environ)
        return handler(body)
    except (ControlError, cdkx_lambda.ControlError, cdkx_cloudtrail.ControlError,
            cdkx_lake.ControlError, cdkx_apigw.ControlError, cdkx_iam.ControlError,
            cdkx_logs.ControlError) as exc:
        return 400, {"error": str(exc)}


class CdkxMiddleware:
    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        path = environ.get("PATH_INFO", "")
        # execute-api calls (by Host header or /_execute-api/ path) never reach moto,
        # are not counted and are not subject to faults: see cdkx_apigw.
        target = cdkx_apigw.match(environ)
        if target is not None:
            http_api = cdkx_httpapi.find_api(target.api_id)
            if http_api is not None:
                return cdkx_httpapi.handle(http_api, target, environ, start_response)
            return cdkx_apigw.handle(target, environ, start_response)
        # Function URLs (by Host header), likewise: see cdkx_furl.
        furl = cdkx_furl.match(environ)
        if furl is not None:
            return cdkx_furl.handle(furl, environ, start_response)
        if path.startswith(CONTROL_PREFIX):
            status, value = _control(environ)
            body = json.dumps(value).encode("utf-8")
            start_response(_status_line(status), [("Content-Type", "application/json"),
                                                  ("Content-Length", str(len(body)))])
            return [body]
        if path.startswith("/moto-api") or path == "/favicon.ico":
            if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                reset_all()
            return self.app(environ, start_response)

        info = identify(environ)
        if info.service == "cloudformation":
            cdkx_cfn.ensure_installed()
        fault = _take_fault(info)
        _count(info, fault["kind"] if fault else None)
        if fault:
            if fault["kind"] == "hang":
                time.sleep(fault["seconds"])
            else:
                # Consume the request body: on a keep-alive connection unread bytes
                # would be taken for the start of the next request.
                _drain(environ)
                status, headers, body = _fault_response(fault, info, environ)
                headers.append(("Content-Length", str(len(body))))
                start_response(_status_line(status), headers)
                return [body]
        if cdkx_cloudwatch.matches(environ):
            return cdkx_cloudwatch.handle(environ, start_response)
        if info.service == "logs" and info.action == "StartLiveTail" and cdkx_logs.live_tail_available():
            return cdkx_logs.start_live_tail(environ, start_response, _account(environ),
                                             info.region or "us-east-1")
        return self.app(environ, start_response)


def _account(environ: dict) -> str:
    """The account moto answers as for the request's access key."""
    from moto.iam.models import get_account_id_from

    match = _CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    key = match.group(1).split("/")[0] if match else ""
    return get_account_id_from(key)
