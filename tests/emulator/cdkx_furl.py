"""Lambda's doors for other callers: function URLs with IAM auth, and cross-account Invoke.

moto stores a function URL's configuration but serves no URL, keeps Lambda permissions in
its own shape, and answers Invoke from the caller's own account only. This module adds:

* a CloudFormation model for ``AWS::Lambda::Url`` (creates the URL configuration; the
  physical id is the function's ARN, as in AWS);
* Lambda resource policies in AWS's shape (GetPolicy): an account principal becomes
  ``{"AWS": "arn:aws:iam::ACCOUNT:root"}``, ``FunctionUrlAuthType`` and
  ``InvokedViaFunctionUrl`` become conditions on ``lambda:FunctionUrlAuthType`` and
  ``lambda:InvokedViaFunctionUrl``;
* the function URL front door: ``https://{url_id}.lambda-url.{region}.on.aws`` (the
  client connects to the emulator's port and sends that Host header). For ``AWS_IAM``
  it verifies SigV4 for service ``lambda`` (botocore, through cdkx_apigw's verifier)
  and requires BOTH ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction`` on the
  function, each allowed as IAM decides (same account: the resource policy naming the
  caller or an identity policy; across accounts: both), then invokes the function
  through cdkx_lambda's queues with a version 2.0 event;
* cross-account Invoke (a function ARN of another account): the function's resource
  policy and the caller's identity policies must both allow ``lambda:InvokeFunction``,
  and ``LogType=Tail`` is refused ("Cross-account log access is not allowed").

Bodies are AWS's, with the key ``Message``. See README.md beside this file.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from typing import Any, Callable
from urllib.parse import unquote

import cdkx_apigw as apigw

SERVICE = "lambda"
URL_ACTION = "lambda:InvokeFunctionUrl"
INVOKE_ACTION = "lambda:InvokeFunction"
DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
MSG_FORBIDDEN = "Forbidden"
MSG_DENIED = f"Forbidden. For troubleshooting Function URL authorization issues, see: {DOCS}"
MSG_CROSS_ACCOUNT_LOG = "Cross-account log access is not allowed"

_HOST_RE = re.compile(r"^(?P<url>[a-z0-9]+)\.lambda-url\.(?P<region>[a-z0-9-]+)\.on\.aws\.?(?::\d+)?$")

_lock = threading.Lock()
_requests: list[dict] = []


def list_requests() -> dict:
    with _lock:
        return {"requests": list(_requests)}


def clear_requests() -> None:
    with _lock:
        _requests.clear()


def reset() -> None:
    clear_requests()


# ---------------------------------------------------------------- CloudFormation


def cfn_models() -> list:
    """Models to register with moto's CloudFormation (see cdkx_cfn.install)."""
    from moto.core.common_models import CloudFormationModel

    class LambdaUrl(CloudFormationModel):
        """AWS::Lambda::Url: the function's URL configuration. Physical id and Ref: the
        function ARN (with the qualifier when one is given)."""

        __module__ = "cdkx.cloudformation"

        def __init__(self, function_arn: str, url: str) -> None:
            self.physical_resource_id = function_arn
            self.function_arn = function_arn
            self.url = url

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Url"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("FunctionArn", "FunctionUrl")

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "FunctionUrl":
                return self.url + "/"
            return self.function_arn

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            from moto.awslambda.models import lambda_backends

            props = cloudformation_json.get("Properties") or {}
            target = props["TargetFunctionArn"]
            config = {"AuthType": props.get("AuthType", "AWS_IAM")}
            for key in ("Cors", "InvokeMode"):
                if props.get(key) is not None:
                    config[key] = props[key]
            backend = lambda_backends[account_id][region_name]
            created = backend.create_function_url_config(target, config)
            arn = created.function.function_arn
            if props.get("Qualifier"):
                arn = f"{arn}:{props['Qualifier']}"
            return cls(arn, created.url)

    return [LambdaUrl]


# ---------------------------------------------------------------- resource policies


def _aws_shape(statement: dict, account: str) -> dict:
    """A statement as moto builds it from AddPermission, in the shape GetPolicy has in AWS."""
    out = dict(statement)
    principal = out.get("Principal")
    if isinstance(principal, str) and principal != "*":
        if re.fullmatch(r"\d{12}", principal):
            out["Principal"] = {"AWS": f"arn:aws:iam::{principal}:root"}
        elif principal.startswith("arn:"):
            out["Principal"] = {"AWS": principal}
        elif "." in principal:
            out["Principal"] = {"Service": principal}
    conditions = dict(out.get("Condition") or {})
    auth_type = out.pop("FunctionUrlAuthType", None)
    if auth_type:
        conditions.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = auth_type
    via_url = out.pop("InvokedViaFunctionUrl", None)
    if via_url is not None and str(via_url).lower() == "true":
        conditions.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
    if conditions:
        out["Condition"] = conditions
    for key in ("FunctionName", "Qualifier", "PrincipalOrgID"):
        out.pop(key, None)
    return out


def _patch_policy_shape() -> None:
    from moto.awslambda.policy import Policy

    original = Policy.decode_policy

    def decode_policy(self: Any, obj: dict) -> Any:
        policy = original(self, obj)
        account = getattr(self.parent, "account_id", "123456789012")
        policy.statements = [_aws_shape(s, account) for s in policy.statements]
        return policy

    Policy.decode_policy = decode_policy


def install() -> None:
    """Patch moto; must run before the server answers its first request."""
    _patch_policy_shape()


# ---------------------------------------------------------------- evaluation


def _action_matches(statement: dict, action: str) -> bool:
    if "NotAction" in statement:
        return not any(apigw._wildcard(str(a), action, True) for a in apigw._as_list(statement["NotAction"]))
    return any(apigw._wildcard(str(a), action, True) for a in apigw._as_list(statement.get("Action")))


def _resource_matches(statement: dict, function_arn: str, resource_policy: bool) -> bool:
    if "NotResource" in statement:
        return not any(apigw._wildcard(str(r), function_arn) for r in apigw._as_list(statement["NotResource"]))
    if "Resource" not in statement:
        return resource_policy
    # A qualified ARN (`...:function:name:$LATEST`) names the unqualified function too.
    return any(apigw._wildcard(str(r), function_arn) or apigw._wildcard(str(r), function_arn + ":$LATEST")
               for r in apigw._as_list(statement["Resource"]))


# Keys the front door knows the value of, for a call through a function URL of AuthType `auth`.
def _context(auth_type: str | None) -> dict[str, str]:
    if auth_type is None:
        return {"lambda:invokedviafunctionurl": "false"}
    return {"lambda:functionurlauthtype": auth_type, "lambda:invokedviafunctionurl": "true"}


def _condition_holds(statement: dict, context: dict[str, str]) -> tuple[bool, bool]:
    """(holds, ignored): known keys are evaluated (StringEquals, StringLike, Bool and their
    negations); a condition on any other key is treated as holding (ignored)."""
    ignored = False
    for operator, entries in (statement.get("Condition") or {}).items():
        if not isinstance(entries, dict):
            ignored = True
            continue
        op = operator.lower()
        for key, wanted in entries.items():
            value = context.get(key.lower())
            if value is None:
                ignored = True
                continue
            values = [str(w) for w in apigw._as_list(wanted)]
            if op in ("stringequals", "bool"):
                ok = any(value.lower() == w.lower() if op == "bool" else value == w for w in values)
            elif op == "stringnotequals":
                ok = all(value != w for w in values)
            elif op == "stringlike":
                ok = any(apigw._wildcard(w, value) for w in values)
            else:
                ignored = True
                continue
            if not ok:
                return False, ignored
    return True, ignored


def evaluate(docs: list[dict], action: str, function_arn: str, caller: apigw.Caller | None,
             resource_policy: bool, context: dict[str, str]) -> str:
    """"deny" | "allow" | "account" | "none" for one action (cdkx_apigw's rules, with the
    Lambda condition keys evaluated)."""
    allowed = account_only = False
    for doc in docs:
        for statement in apigw._statements(doc):
            scope = "caller"
            if resource_policy:
                if "NotPrincipal" in statement:
                    if apigw._principal_matches(statement["NotPrincipal"], caller):
                        continue
                else:
                    scope = apigw._principal_scope(statement.get("Principal"), caller)
                    if scope is None:
                        continue
            if not _action_matches(statement, action) or not _resource_matches(statement, function_arn,
                                                                                resource_policy):
                continue
            holds, _ignored = _condition_holds(statement, context)
            if not holds:
                continue
            effect = str(statement.get("Effect", "")).lower()
            if effect == "deny":
                return "deny"
            if effect == "allow":
                if scope == "account":
                    account_only = True
                else:
                    allowed = True
    return "allow" if allowed else "account" if account_only else "none"


def _function_policy(fn: Any) -> dict | None:
    try:
        return fn.policy.get_policy()["Policy"]
    except Exception:  # noqa: BLE001 - moto raises when the function has no policy
        return None


def decide(fn: Any, caller: apigw.Caller, action: str, auth_type: str | None) -> dict:
    """One action for one caller: {"action", "resource_policy", "identity_policy", "allowed"}."""
    context = _context(auth_type)
    arn = fn.function_arn
    policy = _function_policy(fn)
    resource = evaluate([policy], action, arn, caller, True, context) if policy else "absent"
    if caller.kind == "root":
        identity = "allow"
    else:
        docs = [d for _, d in caller.identity_policies()]
        identity = evaluate(docs, action, arn, caller, False, context)
        if caller.session_policy is not None and identity == "allow":
            session = evaluate([caller.session_policy], action, arn, caller, False, context)
            identity = "deny" if session == "deny" else identity if session == "allow" else "none"
    if resource == "deny" or identity == "deny":
        allowed = False
    elif caller.account == fn.account_id:
        allowed = resource == "allow" or identity == "allow"
    else:
        allowed = resource in ("allow", "account") and identity == "allow"
    return {"action": action, "resource_policy": resource, "identity_policy": identity, "allowed": allowed}


# ---------------------------------------------------------------- lookups


def _find_by_url(url_id: str):
    from moto.awslambda.models import lambda_backends

    wanted = f"https://{url_id}.lambda-url."
    for _account, regions in list(lambda_backends.items()):
        for _region, backend in list(regions.items()):
            for fn in list(backend._lambdas._functions.values()):
                latest = fn.get("latest")
                config = getattr(latest, "url_config", None)
                if config is not None and config.url.startswith(wanted):
                    return latest, config
    return None, None


def _caller_for_key(access_key: str | None) -> apigw.Caller:
    """Who signed a Lambda API call: a known key's identity, else the default account's root
    (moto's own rule for keys it did not issue)."""
    caller = apigw._find_caller(access_key) if access_key else None
    if caller is None:
        caller = apigw.Caller(access_key or "", "", None, "arn:aws:iam::123456789012:root", "123456789012",
                              "123456789012", "root")
    return caller


# ---------------------------------------------------------------- cross-account Invoke


def cross_account_invoke(response: Any, function_name: str):
    """For LambdaResponse.invoke: when `function_name` is the ARN of a function in another
    account than the caller's, (None, backend) to invoke it in its account when allowed, or
    (error tuple, None). (None, None) when the call is not cross-account."""
    from moto.awslambda.models import lambda_backends

    parts = function_name.split(":")
    if len(parts) < 7 or parts[2] != "lambda" or parts[4] == response.current_account:
        return None, None
    region, account, name = parts[3], parts[4], parts[6]
    try:
        backend = lambda_backends[account][region]
        fn = backend.get_function(name)
    except Exception:  # noqa: BLE001 - unknown account, region or function
        fn = None
    auth = response.headers.get("Authorization") or ""
    m = re.search(r"Credential=([^/,\s]+)/", auth)
    caller = _caller_for_key(m.group(1) if m else None)
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    if fn is None:
        return _error(404, "ResourceNotFoundException", f"Function not found: {arn}"), None
    decision = decide(fn, caller, INVOKE_ACTION, None)
    if not decision["allowed"]:
        why = ("because no resource-based policy allows" if decision["resource_policy"] not in ("allow", "account")
               else "because no identity-based policy allows")
        return _error(403, "AccessDeniedException",
                      f"User: {caller.arn} is not authorized to perform: {INVOKE_ACTION} on resource: {arn} "
                      f"{why} the {INVOKE_ACTION} action"), None
    if response.headers.get("X-Amz-Log-Type") == "Tail":
        return _error(403, "AccessDeniedException", MSG_CROSS_ACCOUNT_LOG), None
    return None, backend


def _error(status: int, error_type: str, message: str) -> tuple[int, dict, str]:
    return (status, {"x-amzn-errortype": error_type, "content-type": "application/json", "status": str(status)},
            json.dumps({"Type": "User", "Message": message}))


# ---------------------------------------------------------------- the function URL front door


class FurlError(Exception):
    def __init__(self, status: int, error_type: str, message: str, verdict: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.verdict = verdict


def match(environ: dict) -> re.Match | None:
    return _HOST_RE.match(environ.get("HTTP_HOST", "").lower())


def _check_scope(sr: apigw.SignedRequest, region: str) -> None:
    if "host" not in sr.signed_headers and ":authority" not in sr.signed_headers:
        raise FurlError(403, "IncompleteSignatureException",
                        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
                        "incomplete_signature")
    if sr.scope_service != SERVICE:
        raise FurlError(403, "InvalidSignatureException",
                        f"Credential should be scoped to correct service: '{SERVICE}'. ", "invalid_signature")
    if sr.scope_region != region:
        raise FurlError(403, "InvalidSignatureException",
                        f"Credential should be scoped to a valid region, not '{sr.scope_region}'. ",
                        "invalid_signature")


def handle(m: re.Match, environ: dict, start_response: Callable) -> list[bytes]:
    request_id = str(uuid.uuid4())
    method = environ.get("REQUEST_METHOD", "GET").upper()
    body = apigw._read_body(environ)
    raw_path, raw_query = apigw._raw_target(environ)
    log: dict[str, Any] = {
        "time": time.time(), "request_id": request_id, "method": method, "host": environ.get("HTTP_HOST", ""),
        "path": raw_path, "query": raw_query, "url_id": m.group("url"), "function_arn": None,
        "auth_type": None, "signed": False, "access_key_id": None, "caller": None, "actions": [],
    }
    try:
        status, headers, data = _serve(m, environ, method, body, raw_path, raw_query, request_id, log)
        log["verdict"] = "allowed"
        error_type = None
    except FurlError as err:
        status, error_type = err.status, err.error_type
        headers = [("Content-Type", "application/json")]
        data = json.dumps({"Message": err.message}, separators=(",", ":")).encode("utf-8")
        log["verdict"] = err.verdict
        log["message"] = err.message
    log["status"] = status
    log["error_type"] = error_type
    with _lock:
        _requests.append(log)
    out = [(k, v) for k, v in headers if k.lower() not in ("content-length", "connection", "transfer-encoding")]
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("Content-Type", "application/json"))
    out.append(("x-amzn-RequestId", request_id))
    if error_type:
        out.append(("x-amzn-ErrorType", error_type))
    out.append(("Content-Length", str(len(data))))
    start_response(apigw._status_line(status), out)
    return [data] if method != "HEAD" else [b""]


def _serve(m: re.Match, environ: dict, method: str, body: bytes, raw_path: str, raw_query: str,
           request_id: str, log: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    fn, config = _find_by_url(m.group("url"))
    if fn is None or fn.region != m.group("region"):
        raise FurlError(403, "AccessDeniedException", MSG_FORBIDDEN, "forbidden")
    auth_type = (config.config.get("AuthType") or "NONE").upper()
    log.update(function_arn=fn.function_arn, auth_type=auth_type)
    headers = apigw._request_headers(environ)
    target = apigw.Target("host", "", None, raw_path, raw_query, raw_path, environ.get("HTTP_HOST", ""))
    try:
        sr = apigw._parse_auth(environ, target)
    except apigw.ApiError as err:
        raise FurlError(err.status, err.error_type, err.message, err.verdict) from None
    caller = None
    if auth_type == "AWS_IAM":
        if sr is None:
            raise FurlError(403, "AccessDeniedException", MSG_FORBIDDEN, "unsigned")
        log.update(signed=True, access_key_id=sr.access_key)
        _check_scope(sr, fn.region)
        try:
            apigw._check_time(sr, dt.datetime.now(dt.timezone.utc))
        except apigw.ApiError as err:
            raise FurlError(err.status, err.error_type, err.message, err.verdict) from None
        caller = apigw._find_caller(sr.access_key)
        if caller is None or (caller.token or None) != (sr.token or None):
            raise FurlError(403, "UnrecognizedClientException", apigw.MSG_INVALID_TOKEN, "invalid_token")
        log["caller"] = {"arn": caller.arn, "account": caller.account, "kind": caller.kind}
        _canonical, _sts, signature = apigw.canonicalize(method, target.host, raw_path, raw_query, headers, body,
                                                         sr, caller.secret, caller.token, SERVICE)
        if not hmac.compare_digest(signature, sr.signature):
            raise FurlError(403, "InvalidSignatureException", apigw.MSG_BAD_SIGNATURE, "invalid_signature")
        content_sha = headers.get("x-amz-content-sha256")
        if content_sha and content_sha != "UNSIGNED-PAYLOAD" and content_sha != hashlib.sha256(body).hexdigest():
            raise FurlError(403, "InvalidSignatureException",
                            "The provided 'x-amz-content-sha256' header does not match what was computed.",
                            "invalid_signature")
        decisions = [decide(fn, caller, a, auth_type) for a in (URL_ACTION, INVOKE_ACTION)]
        log["actions"] = decisions
        if not all(d["allowed"] for d in decisions):
            raise FurlError(403, "AccessDeniedException", MSG_DENIED, "access_denied")
    return _invoke(fn, method, body, raw_path, raw_query, headers, caller, request_id, m.group(0), log)


def _invoke(fn: Any, method: str, body: bytes, raw_path: str, raw_query: str, headers: dict,
            caller: apigw.Caller | None, request_id: str, host: str, log: dict):
    import cdkx_lambda

    try:
        text, is_b64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": unquote(raw_path),
        "rawQueryString": raw_query,
        "headers": headers,
        "queryStringParameters": {k: v for k, v in apigw._query_pairs(raw_query)} or None,
        "requestContext": {
            "accountId": "anonymous" if caller is None else caller.account,
            "apiId": host.split(".", 1)[0],
            "authorizer": None if caller is None else {"iam": {
                "accessKey": caller.access_key, "accountId": caller.account, "callerId": caller.principal_id,
                "userArn": caller.arn, "userId": caller.principal_id}},
            "domainName": host.split(":", 1)[0],
            "domainPrefix": host.split(".", 1)[0],
            "http": {"method": method, "path": unquote(raw_path), "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": headers.get("user-agent")},
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "body": text or None,
        "isBase64Encoded": is_b64,
    }
    response_headers: dict[str, Any] = {}
    cdkx_lambda._request_context.source = "function-url"
    try:
        payload = fn.invoke(json.dumps(event), {"X-Amz-Invocation-Type": "RequestResponse"}, response_headers)
    finally:
        cdkx_lambda._request_context.source = None
    if response_headers.get("x-amz-function-error"):
        raise FurlError(502, "InternalServerError", "Internal Server Error", "function_error")
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        return 200, [("Content-Type", "application/json")], payload
    # A result without statusCode is the body itself (function URL response format 2.0).
    if not isinstance(result, dict) or "statusCode" not in result:
        return 200, [("Content-Type", "application/json")], payload
    status = int(result.get("statusCode") or 200)
    out_headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    data = result.get("body") or ""
    data = base64.b64decode(data) if result.get("isBase64Encoded") else str(data).encode("utf-8")
    return status, out_headers, data
