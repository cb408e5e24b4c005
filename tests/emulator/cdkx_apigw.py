"""An API Gateway "front door": execute-api URLs served with IAM authorization.

moto serves API Gateway's management API but not the APIs themselves. This
module answers, in the WSGI layer before moto dispatches, every request that is
addressed to a deployed RestApi:

* by Host: ``{api_id}.execute-api.{region}.amazonaws.com[.cn][:port]``, path
  ``/{stage}/{resource path}`` (the client connects to the emulator's port but
  sends the real Host header, and signs for it, as in AWS);
* by path: ``/_execute-api/{api_id}/{stage}/{resource path}`` on any Host.

For methods whose authorizationType is AWS_IAM it checks the request as API
Gateway does: SigV4 (verified with botocore's signer, an implementation
independent of the Rust client's aws-sigv4), the credentials (moto's IAM user
keys, moto's STS AssumeRole sessions, and credentials registered through
``POST /moto-api/cdkx/apigw/credentials``), then execute-api:Invoke against the
API's resource policy and the caller's identity policies. An allowed call is
answered by the method's integration: AWS_PROXY Lambda integrations invoke the
function through the queues of cdkx_lambda, MOCK answers 200.

Error bodies and headers are API Gateway's; see README.md beside this file.
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
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from urllib.parse import quote, unquote

PATH_PREFIX = "/_execute-api/"
SERVICE = "execute-api"
ACTION = "execute-api:Invoke"
MAX_SKEW = dt.timedelta(minutes=5)
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"

_HOST_RE = re.compile(
    r"^(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.(?P<suffix>amazonaws\.com(?:\.cn)?)\.?(?::(?P<port>\d+))?$"
)

MSG_FORBIDDEN = "Forbidden"
MSG_MISSING_TOKEN = "Missing Authentication Token"
MSG_INVALID_TOKEN = "The security token included in the request is invalid."
MSG_EXPIRED_TOKEN = "The security token included in the request is expired"
MSG_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
MSG_INTERNAL = "Internal server error"


class ControlError(ValueError):
    """A malformed control request (answered with HTTP 400)."""


class ApiError(Exception):
    """An answer of API Gateway's own (not the integration's)."""

    def __init__(self, status: int, error_type: str, message: str, verdict: str, key: str = "message",
                 compact: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.verdict = verdict
        self.key = key
        self.compact = compact

    def body(self) -> bytes:
        if self.compact:
            return json.dumps({self.key: self.message}, separators=(",", ":")).encode("utf-8")
        # API Gateway's default 5XX answer has a space after the colon.
        return json.dumps({self.key: self.message}).encode("utf-8")


# ---------------------------------------------------------------- state

_lock = threading.Lock()
# access key id -> {"secret_access_key", "session_token", "arn", "account", "policies"}
_credentials: dict[str, dict] = {}
_requests: list[dict] = []


def add_credentials(body: Any) -> dict:
    """POST /moto-api/cdkx/apigw/credentials: give an access key an identity."""
    items = body if isinstance(body, list) else [body]
    if not items:
        raise ControlError("give a credentials object (or a list of them)")
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise ControlError("credentials must be a JSON object")
        unknown = set(item) - {"access_key_id", "secret_access_key", "session_token", "arn", "account", "policies"}
        if unknown:
            raise ControlError(f"unknown fields: {sorted(unknown)}")
        for key in ("access_key_id", "secret_access_key", "arn"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise ControlError(f'"{key}" must be a non-empty string')
        token = item.get("session_token")
        if token is not None and (not isinstance(token, str) or not token):
            raise ControlError('"session_token" must be a non-empty string when given')
        arn = item["arn"]
        arn_account = _arn_account(arn)
        account = item.get("account", arn_account)
        if not isinstance(account, str) or not re.fullmatch(r"\d{12}", account or ""):
            raise ControlError('"account" must be a 12-digit account id (or "arn" must contain one)')
        policies = item.get("policies", [])
        if not isinstance(policies, list):
            raise ControlError('"policies" must be a list of IAM policy documents')
        docs = []
        for doc in policies:
            parsed_doc = _parse_policy(doc)
            if parsed_doc is None:
                raise ControlError("each policy must be an IAM policy document (object or JSON string)")
            docs.append(parsed_doc)
        parsed.append({"access_key_id": item["access_key_id"], "secret_access_key": item["secret_access_key"],
                       "session_token": token, "arn": arn, "account": account, "policies": docs})
    with _lock:
        for entry in parsed:
            _credentials[entry["access_key_id"]] = entry
        return {"registered": [e["access_key_id"] for e in parsed], "total": len(_credentials)}


def list_credentials() -> dict:
    with _lock:
        return {"credentials": [
            {k: v for k, v in c.items() if k != "secret_access_key"} for c in _credentials.values()
        ]}


def clear_credentials() -> None:
    with _lock:
        _credentials.clear()


def list_requests() -> dict:
    with _lock:
        return {"requests": list(_requests)}


def clear_requests() -> None:
    with _lock:
        _requests.clear()


def reset() -> None:
    clear_credentials()
    clear_requests()


# ---------------------------------------------------------------- addressing


class Target:
    """Where a front-door request goes, and the raw pieces its signature covers."""

    def __init__(self, form: str, api_id: str, host_region: str | None, raw_path: str, raw_query: str,
                 api_raw_path: str, host: str) -> None:
        self.form = form  # "host" | "path"
        self.api_id = api_id
        self.host_region = host_region  # from the Host header (host form only)
        self.raw_path = raw_path  # the path as sent (percent-encoded)
        self.raw_query = raw_query  # the query as sent
        self.api_raw_path = api_raw_path  # "/{stage}/{resource path}" as sent
        self.host = host  # the Host header as sent


def _raw_target(environ: dict) -> tuple[str, str]:
    """(path, query) exactly as sent on the request line."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw is None:
        path = quote(environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"), safe="/%")
        return path, environ.get("QUERY_STRING", "")
    if "://" in raw.split("?", 1)[0]:  # absolute-form request line
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    path, _, query = raw.partition("?")
    path = path.split("#", 1)[0]
    # Bytes above 0x7f arrive raw (latin-1 in WSGI): percent-encode them as a client would.
    if any(ord(c) > 0x7E or c == " " for c in path):
        path = quote(path.encode("latin-1"), safe="".join(chr(i) for i in range(0x21, 0x7F)))
    return path or "/", query


def match(environ: dict) -> Target | None:
    """A Target when the request is addressed to an execute-api endpoint, else None."""
    host = environ.get("HTTP_HOST", "")
    raw_path, raw_query = None, None
    m = _HOST_RE.match(host.lower())
    if m:
        raw_path, raw_query = _raw_target(environ)
        return Target("host", m.group("api"), m.group("region"), raw_path, raw_query, raw_path, host)
    if environ.get("PATH_INFO", "").startswith(PATH_PREFIX):
        raw_path, raw_query = _raw_target(environ)
        if not raw_path.startswith(PATH_PREFIX):  # e.g. an encoded "_execute-api": not ours
            return None
        api_id, slash, rest = raw_path[len(PATH_PREFIX):].partition("/")
        return Target("path", unquote(api_id).lower(), None, raw_path, raw_query, slash + rest, host)
    return None


# ---------------------------------------------------------------- moto lookups


def _find_api(api_id: str):
    from moto.apigateway.models import apigateway_backends

    for _account, regions in list(apigateway_backends.items()):
        for _region, backend in list(regions.items()):
            api = backend.apis.get(api_id)
            if api is not None:
                return api
    return None


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _segments(raw: str) -> list[str]:
    return [unquote(s, errors="replace") for s in raw.split("/") if s != ""]


def _route(api, raw_rest: str, method: str):
    """(resource, method object, path parameters) for a request path, or None."""
    segments = _segments(raw_rest)
    best = None
    for resource in list(api.resources.values()):
        tpl = resource.get_path()
        parts = [p for p in tpl.split("/") if p]
        params: dict[str, str] = {}
        score: list[int] = []
        ok = True
        i = 0
        for j, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if j != len(parts) - 1 or i >= len(segments):
                    ok = False
                    break
                params[part[1:-2]] = "/".join(segments[i:])
                score.append(0)
                i = len(segments)
                break
            if i >= len(segments):
                ok = False
                break
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = segments[i]
                score.append(1)
            elif part == segments[i]:
                score.append(2)
            else:
                ok = False
                break
            i += 1
        if not ok or i != len(segments):
            continue
        methods = resource.resource_methods
        found = methods.get(method) or methods.get("ANY")
        if found is None:
            continue
        key = (score, len(parts))
        if best is None or key > best[0]:
            best = (key, resource, found, params)
    if best is None:
        return None
    return best[1], best[2], best[3]


def _parse_policy(doc: Any) -> dict | None:
    """A policy document from moto (dict, JSON string, escaped or URL-encoded JSON)."""
    for _ in range(3):
        if isinstance(doc, dict):
            return doc
        if not isinstance(doc, str) or not doc.strip():
            return None
        text = doc.strip()
        try:
            doc = json.loads(text)
            continue
        except ValueError:
            pass
        if '\\"' in text:
            doc = text.replace('\\"', '"')
            continue
        if "%7B" in text.upper()[:10]:
            doc = unquote(text)
            continue
        return None
    return doc if isinstance(doc, dict) else None


def _managed_document(policy) -> Any:
    for version in getattr(policy, "versions", []):
        if getattr(version, "is_default", False):
            return version.document
    return getattr(policy, "document", None)


class Caller:
    def __init__(self, access_key: str, secret: str, token: str | None, arn: str, account: str,
                 principal_id: str, kind: str) -> None:
        self.access_key = access_key
        self.secret = secret
        self.token = token
        self.arn = arn
        self.account = account
        self.principal_id = principal_id
        self.kind = kind  # "user" | "assumed-role" | "root" | "registered"
        self.role_name: str | None = None
        self.user_name: str | None = None
        self.expiration: dt.datetime | None = None
        self.session_policy: dict | None = None
        self.extra_policies: list[dict] = []

    def identity_policies(self) -> list[tuple[str, dict]]:
        """(source, document) of every identity policy that applies to the caller."""
        from moto.iam.models import iam_backends

        docs: list[tuple[str, dict]] = [(f"registered#{i}", d) for i, d in enumerate(self.extra_policies)]
        partition = self.arn.split(":")[1] if self.arn.count(":") >= 5 else "aws"
        try:
            backend = iam_backends[self.account][partition]
        except Exception:  # noqa: BLE001 - an account moto never saw has no policies
            return docs

        def add(prefix: str, inline: dict, managed: dict) -> None:
            for name, doc in list(inline.items()):
                parsed = _parse_policy(doc)
                if parsed:
                    docs.append((f"{prefix} inline {name}", parsed))
            for arn, policy in list(managed.items()):
                parsed = _parse_policy(_managed_document(policy))
                if parsed:
                    docs.append((f"{prefix} managed {arn}", parsed))

        if self.user_name:
            user = backend.users.get(self.user_name)
            if user is not None:
                add(f"user {self.user_name}", user.policies, user.managed_policies)
                for group in list(backend.groups.values()):
                    if user in group.users:
                        add(f"group {group.name}", group.policies, group.managed_policies)
        if self.role_name:
            for role in list(backend.roles.values()):
                if role.name == self.role_name:
                    add(f"role {self.role_name}", role.policies, role.managed_policies)
        return docs


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) >= 6 and re.fullmatch(r"\d{12}", parts[4]):
        return parts[4]
    return None


def _names_from_arn(caller: Caller) -> None:
    """user/role names (for identity policies) from an ARN given at registration."""
    resource = caller.arn.split(":", 5)[5] if caller.arn.count(":") >= 5 else ""
    if caller.arn.endswith(":root") or resource == "root":
        caller.kind = "root"
    elif resource.startswith("user/"):
        caller.user_name = resource.rsplit("/", 1)[1]
    elif resource.startswith("assumed-role/"):
        caller.role_name = resource.split("/")[1]
    elif resource.startswith("role/"):
        caller.role_name = resource.rsplit("/", 1)[1]


def _find_caller(access_key: str) -> Caller | None:
    with _lock:
        registered = _credentials.get(access_key)
    if registered:
        caller = Caller(access_key, registered["secret_access_key"], registered["session_token"],
                        registered["arn"], registered["account"], registered["arn"], "registered")
        caller.extra_policies = list(registered["policies"])
        _names_from_arn(caller)
        if caller.user_name or caller.role_name:
            caller.principal_id = _principal_id(caller) or caller.principal_id
        return caller

    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account, partitions in list(sts_backends.items()):
        for _partition_name, backend in list(partitions.items()):
            for role in list(backend.assumed_roles):
                if role.access_key_id != access_key:
                    continue
                caller = Caller(access_key, role.secret_access_key, role.session_token, role.arn,
                                role.account_id, "", "assumed-role")
                caller.role_name = role.role_arn.split("/")[-1]
                caller.expiration = role.expiration
                if role.policy:
                    caller.session_policy = _parse_policy(role.policy)
                try:
                    caller.principal_id = role.user_id
                except Exception:  # noqa: BLE001 - the role need not exist in moto's IAM
                    caller.principal_id = f"AROA{account}:{role.session_name}"
                status = getattr(role.access_key, "status", "Active")
                return caller if status == "Active" else None

    for account, partitions in list(iam_backends.items()):
        for _partition_name, backend in list(partitions.items()):
            key = backend.access_keys.get(access_key)
            if key is None or not key.user_name or key.status != "Active":
                continue
            user = backend.users.get(key.user_name)
            if user is None:
                continue
            caller = Caller(access_key, key.secret_access_key, None, user.arn, account, user.id, "user")
            caller.user_name = user.name
            return caller
    return None


def _principal_id(caller: Caller) -> str | None:
    from moto.iam.models import iam_backends

    try:
        backend = iam_backends[caller.account]["aws"]
    except Exception:  # noqa: BLE001
        return None
    if caller.user_name and caller.user_name in backend.users:
        return backend.users[caller.user_name].id
    return None


# ---------------------------------------------------------------- SigV4


def _header(environ: dict, name: str) -> str | None:
    key = name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = "HTTP_" + key
    value = environ.get(key)
    if value is None:
        return None
    # WSGI hands header bytes over as latin-1; signatures cover the bytes (UTF-8 text).
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _incomplete(message: str) -> ApiError:
    return ApiError(403, "IncompleteSignatureException", message, "incomplete_signature")


def _invalid_signature(message: str, verdict: str = "invalid_signature") -> ApiError:
    return ApiError(403, "InvalidSignatureException", message, verdict)


class SignedRequest:
    """The SigV4 parameters of a request (Authorization header or presigned query)."""

    location = "header"
    access_key = ""
    scope_date = ""
    scope_region = ""
    scope_service = ""
    signed_headers: list[str] = []
    signature = ""
    timestamp = ""
    token: str | None = None
    token_signed = False
    expires: int | None = None


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """The query as (key, value) pairs, decoded: %XX as UTF-8 and '+' as a space.

    This is how aws-sigv4 (form_urlencoded::parse) reads a query before it
    re-encodes each part for the canonical request.
    """
    pairs = []
    for item in raw_query.split("&"):
        if item == "":
            continue
        key, _, value = item.partition("=")
        pairs.append((unquote(key.replace("+", " "), errors="replace"),
                      unquote(value.replace("+", " "), errors="replace")))
    return pairs


def _parse_auth(environ: dict, target: Target) -> SignedRequest | None:
    """None when the request carries no SigV4 at all; ApiError when it is malformed."""
    auth = _header(environ, "authorization")
    pairs = _query_pairs(target.raw_query)
    query = {k: v for k, v in pairs}
    sr = SignedRequest()
    if auth is not None and auth.strip():
        algorithm, _, rest = auth.strip().partition(" ")
        fields: dict[str, str] = {}
        for item in (p.strip() for p in rest.split(",")):
            if not item:
                continue
            key, eq, value = item.partition("=")
            if not eq:
                digest = base64.b64encode(hashlib.sha256(item.encode("utf-8")).digest()).decode("ascii")
                raise _incomplete(
                    "Invalid key=value pair (missing equal-sign) in Authorization header "
                    f"(hashed with SHA-256 and encoded with Base64): '{digest}'."
                )
            fields[key.strip()] = value.strip()
        date = _header(environ, "x-amz-date") or _header(environ, "date")
        missing = []
        for name in ("Credential", "Signature", "SignedHeaders"):
            if name not in fields:
                missing.append(f"Authorization header requires '{name}' parameter.")
        if not date:
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        if missing or algorithm != "AWS4-HMAC-SHA256":
            if not missing:
                missing.append(f"Unsupported AWS 'algorithm': '{algorithm}'.")
            raise _incomplete(" ".join(missing) + f" Authorization={auth.strip()}")
        credential, signed, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
        sr.location = "header"
        sr.token = _header(environ, "x-amz-security-token")
    elif "X-Amz-Signature" in query or "X-Amz-Algorithm" in query:
        missing = [f"AWS query-string parameters must include '{name}'." for name in
                   ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
                   if name not in query]
        if missing:
            raise _incomplete(" ".join(missing) + " Re-examine the query-string parameters.")
        if query["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
            raise _incomplete(f"Unsupported AWS 'algorithm': '{query['X-Amz-Algorithm']}'.")
        credential, signed, signature = query["X-Amz-Credential"], query["X-Amz-SignedHeaders"], query["X-Amz-Signature"]
        date = query["X-Amz-Date"]
        sr.location = "query"
        sr.token = query.get("X-Amz-Security-Token")
        if "X-Amz-Expires" in query:
            try:
                sr.expires = int(query["X-Amz-Expires"])
            except ValueError:
                raise _incomplete("X-Amz-Expires must be a number of seconds.") from None
    else:
        return None

    parts = credential.split("/")
    if len(parts) != 5:
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
            f"got '{credential}'"
        )
    sr.access_key, sr.scope_date, sr.scope_region, sr.scope_service, terminator = parts
    if terminator != "aws4_request":
        raise _invalid_signature(
            f"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "
        )
    sr.signed_headers = [h.strip().lower() for h in signed.split(";") if h.strip()]
    sr.signature = signature.lower()
    if re.fullmatch(r"\d{8}T\d{6}Z", date or ""):
        sr.timestamp = date
    else:
        try:
            parsed = parsedate_to_datetime(date)
            sr.timestamp = parsed.astimezone(dt.timezone.utc).strftime(SIGV4_TIMESTAMP)
        except (TypeError, ValueError):
            raise _incomplete(
                f"Date must be in ISO-8601 'basic format'. Got '{date}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ) from None
    sr.token_signed = "x-amz-security-token" in sr.signed_headers or sr.location == "query"
    return sr


def _check_scope(sr: SignedRequest, region: str) -> None:
    if "host" not in sr.signed_headers and ":authority" not in sr.signed_headers:
        raise _incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if sr.scope_service != SERVICE:
        raise _invalid_signature(f"Credential should be scoped to correct service: '{SERVICE}'. ")
    if sr.scope_region != region:
        raise _invalid_signature(f"Credential should be scoped to a valid region, not '{sr.scope_region}'. ")
    if sr.scope_date != sr.timestamp[:8]:
        raise _invalid_signature(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{sr.scope_date}' != '{sr.timestamp[:8]}', from '{sr.timestamp}'."
        )


def _check_time(sr: SignedRequest, now: dt.datetime) -> None:
    signed_at = dt.datetime.strptime(sr.timestamp, SIGV4_TIMESTAMP).replace(tzinfo=dt.timezone.utc)
    fmt = SIGV4_TIMESTAMP
    if sr.location == "query" and sr.expires is not None:
        if now > signed_at + dt.timedelta(seconds=sr.expires):
            raise ApiError(403, "AccessDeniedException", "Request has expired", "signature_expired")
        if signed_at - now > MAX_SKEW:
            raise _invalid_signature(
                f"Signature not yet current: {sr.timestamp} is still later than "
                f"{(now + MAX_SKEW).strftime(fmt)} ({now.strftime(fmt)} + 5 min.)", "signature_expired")
        return
    if now - signed_at > MAX_SKEW:
        raise _invalid_signature(
            f"Signature expired: {sr.timestamp} is now earlier than {(now - MAX_SKEW).strftime(fmt)} "
            f"({now.strftime(fmt)} - 5 min.)", "signature_expired")
    if signed_at - now > MAX_SKEW:
        raise _invalid_signature(
            f"Signature not yet current: {sr.timestamp} is still later than {(now + MAX_SKEW).strftime(fmt)} "
            f"({now.strftime(fmt)} + 5 min.)", "signature_expired")


def _verifier_class():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import HTTPHeaders

    class Verifier(SigV4Auth):
        """botocore's SigV4 over exactly the headers the client said it signed.

        (botocore's own signer leaves out headers such as User-Agent that it
        never signs itself; a verifier must take the client's SignedHeaders.)
        """

        def __init__(self, credentials, service_name, region_name, signed: list[str], values: dict) -> None:
            super().__init__(credentials, service_name, region_name)
            self._signed = signed
            self._values = values

        def headers_to_sign(self, request):
            headers = HTTPHeaders()
            for name in self._signed:
                headers[name] = self._values.get(name, "")
            return headers

    return Verifier


_VERIFIER = None


def canonicalize(method: str, host: str, raw_path: str, raw_query: str, headers: dict, body: bytes,
                 sr: SignedRequest, secret: str, token: str | None,
                 service: str = SERVICE) -> tuple[str, str, str]:
    """(canonical request, string to sign, signature), computed by botocore (for `service`:
    execute-api here, lambda for the function URL front door in cdkx_furl)."""
    global _VERIFIER
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    if _VERIFIER is None:
        _VERIFIER = _verifier_class()
    values = {name: headers.get(name, "") for name in sr.signed_headers}
    if "host" in values:
        values["host"] = host
    pairs = _query_pairs(raw_query)
    if sr.location == "query":
        pairs = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
    url = f"http://{host}{raw_path}"
    request = AWSRequest(method=method, url=url, data=body, params=pairs or None)
    # The headers to sign come from the Verifier; request.headers only matters for
    # the payload hash, which botocore takes from this header when it was sent.
    if headers.get("x-amz-content-sha256"):
        request.headers["X-Amz-Content-SHA256"] = headers["x-amz-content-sha256"]
    request.context["timestamp"] = sr.timestamp
    auth = _VERIFIER(Credentials(sr.access_key, secret, token), service, sr.scope_region,
                     sr.signed_headers, values)
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    return canonical, string_to_sign, auth.signature(string_to_sign, request)


# ---------------------------------------------------------------- policies


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _statements(doc: dict) -> list[dict]:
    return [s for s in _as_list(doc.get("Statement")) if isinstance(s, dict)]


def _action_matches(statement: dict) -> bool:
    if "NotAction" in statement:
        return not any(_wildcard(str(a), ACTION, True) for a in _as_list(statement["NotAction"]))
    return any(_wildcard(str(a), ACTION, True) for a in _as_list(statement.get("Action")))


def _resource_matches(statement: dict, arn: str, api_prefix: str | None) -> bool:
    def expand(pattern: str) -> str:
        if api_prefix and pattern.startswith("execute-api:/"):
            return api_prefix + pattern[len("execute-api:"):]
        return pattern

    if "NotResource" in statement:
        return not any(_wildcard(expand(str(r)), arn) for r in _as_list(statement["NotResource"]))
    return any(_wildcard(expand(str(r)), arn) for r in _as_list(statement.get("Resource")))


def _principal_scope(principal: Any, caller: Caller | None) -> str | None:
    """How a resource policy's Principal names the caller (None: anonymous): "caller" (`*`, its
    user, role or session ARN; the account for the root user), "account" (only its account: a
    delegation to the account's own IAM policies), or None."""
    if principal == "*":
        return "caller"
    if not isinstance(principal, dict):
        return None
    scope = None
    for value in _as_list(principal.get("AWS")):
        value = str(value)
        if value == "*":
            return "caller"
        if caller is None:
            continue
        if re.fullmatch(r"\d{12}", value):
            value = f"arn:aws:iam::{value}:root"
        parts = value.split(":", 5)
        if len(parts) != 6:
            continue
        account, resource = parts[4], parts[5]
        if resource == "root":
            if account == caller.account:
                if caller.kind == "root":
                    return "caller"
                scope = "account"
            continue
        if value == caller.arn:
            return "caller"
        if account != caller.account:
            continue
        if resource.startswith("role/") and caller.role_name and resource.rsplit("/", 1)[1] == caller.role_name:
            return "caller"
        if resource.startswith("user/") and caller.user_name and resource.rsplit("/", 1)[1] == caller.user_name:
            return "caller"
    return scope


def _principal_matches(principal: Any, caller: Caller | None) -> bool:
    """Whether a resource policy's Principal names the caller or its account."""
    return _principal_scope(principal, caller) is not None


def _evaluate(docs: list[dict], arn: str, api_prefix: str | None, caller: Caller | None,
              resource_policy: bool) -> tuple[str, bool]:
    """("deny" | "allow" | "account" | "none", conditions ignored) over a set of policy
    documents; "account": a resource policy allows only through the caller's account."""
    allowed = False
    account_only = False
    ignored = False
    for doc in docs:
        for statement in _statements(doc):
            scope = "caller"
            if resource_policy:
                if "NotPrincipal" in statement:
                    if _principal_matches(statement["NotPrincipal"], caller):
                        continue
                else:
                    scope = _principal_scope(statement.get("Principal"), caller)
                    if scope is None:
                        continue
            if not _action_matches(statement) or not _resource_matches(statement, arn, api_prefix):
                continue
            if statement.get("Condition"):
                ignored = True  # conditions are not evaluated: treated as satisfied
            effect = str(statement.get("Effect", "")).lower()
            if effect == "deny":
                return "deny", ignored
            if effect == "allow":
                if scope == "account":
                    account_only = True
                else:
                    allowed = True
    return ("allow" if allowed else "account" if account_only else "none"), ignored


def _denied(who: str, arn: str, suffix: str = "") -> ApiError:
    return ApiError(403, "AccessDeniedException",
                    f"User: {who} is not authorized to perform: {ACTION} on resource: {arn}{suffix}",
                    "access_denied", key="Message")


def authorize(api, caller: Caller | None, arn: str, log: dict) -> None:
    """execute-api:Invoke, decided as API Gateway does for IAM auth and resource policies."""
    region = api.region_name
    api_prefix = f"arn:{_partition(region)}:{SERVICE}:{region}:{api.account_id}:{api.id}"
    policy = _parse_policy(api.policy) if getattr(api, "policy", None) else None
    if policy is not None:
        resource, ignored = _evaluate([policy], arn, api_prefix, caller, True)
    else:
        resource, ignored = "absent", False
    log["resource_policy"] = resource

    if caller is None:  # a method without IAM auth: only the resource policy applies
        if resource == "deny":
            raise _denied("anonymous", arn, " with an explicit deny")
        if resource == "none":
            raise _denied("anonymous", arn)
        log["conditions_ignored"] = ignored
        return

    if caller.kind == "root":
        identity = "allow"
    else:
        sources = caller.identity_policies()
        identity, ignored2 = _evaluate([d for _, d in sources], arn, None, caller, False)
        ignored = ignored or ignored2
        log["identity_policies"] = [s for s, _ in sources]
        if caller.session_policy is not None and identity != "deny":
            session, ignored3 = _evaluate([caller.session_policy], arn, None, caller, False)
            ignored = ignored or ignored3
            if session == "deny":
                identity = "deny"
            elif session == "none" and identity == "allow":
                identity = "none"
            log["session_policy"] = session
    log["identity_policy"] = identity
    log["conditions_ignored"] = ignored

    if resource == "deny" or identity == "deny":
        raise _denied(caller.arn, arn, " with an explicit deny")
    if caller.account == api.account_id:
        if resource == "allow" or identity == "allow":
            return
        raise _denied(caller.arn, arn, f" because no identity-based policy allows the {ACTION} action")
    if resource not in ("allow", "account"):
        raise _denied("anonymous", arn)
    if identity != "allow":
        raise _denied(caller.arn, arn, f" because no identity-based policy allows the {ACTION} action")


# ---------------------------------------------------------------- integration


def _read_body(environ: dict) -> bytes:
    from werkzeug.wsgi import get_input_stream

    try:
        return get_input_stream(environ).read()
    except Exception:  # noqa: BLE001 - a broken body reads as empty
        return b""


def _request_headers(environ: dict) -> dict[str, str]:
    """Request headers, lower-case names, values decoded as UTF-8."""
    headers = {}
    for key in environ:
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").lower()
        else:
            continue
        value = _header(environ, name)
        if value is not None and value != "":
            headers[name] = value
    return headers


_CANONICAL_NAMES = {"x-amz-date": "X-Amz-Date", "x-amz-security-token": "X-Amz-Security-Token",
                    "x-amz-content-sha256": "X-Amz-Content-Sha256"}


def _display_name(name: str) -> str:
    return _CANONICAL_NAMES.get(name, "-".join(p[:1].upper() + p[1:] for p in name.split("-")))


def _proxy_event(ctx: dict) -> dict:
    headers = {_display_name(k): v for k, v in ctx["headers"].items()}
    pairs = _query_pairs(ctx["raw_query"])
    multi_query: dict[str, list[str]] = {}
    for k, v in pairs:
        multi_query.setdefault(k, []).append(v)
    body: bytes = ctx["body"]
    try:
        text = body.decode("utf-8") if body else None
        is_b64 = False
    except UnicodeDecodeError:
        text = base64.b64encode(body).decode("ascii")
        is_b64 = True
    caller: Caller | None = ctx.get("caller")
    now = time.time()
    request_time = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
    resource = ctx["resource"]
    return {
        "resource": resource.get_path(),
        "path": ctx["path"],
        "httpMethod": ctx["method"],
        "headers": headers or None,
        "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": ctx["path_parameters"] or None,
        "stageVariables": getattr(ctx["stage"], "variables", None) or None,
        "requestContext": {
            "resourceId": resource.id,
            "resourcePath": resource.get_path(),
            "httpMethod": ctx["method"],
            "extendedRequestId": ctx["apigw_id"],
            "requestTime": request_time,
            "path": f"/{ctx['stage_name']}{ctx['path'] if ctx['path'] != '/' else '/'}",
            "accountId": ctx["api"].account_id,
            "protocol": ctx["protocol"],
            "stage": ctx["stage_name"],
            "domainPrefix": ctx["api"].id,
            "requestTimeEpoch": int(now * 1000),
            "requestId": ctx["request_id"],
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": caller.account if caller else None,
                "cognitoIdentityId": None,
                "caller": caller.principal_id if caller else None,
                "sourceIp": ctx["source_ip"],
                "principalOrgId": None,
                "accessKey": caller.access_key if caller else None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": caller.arn if caller else None,
                "userAgent": ctx["headers"].get("user-agent"),
                "user": caller.principal_id if caller else None,
            },
            "domainName": ctx["domain_name"],
            "apiId": ctx["api"].id,
        },
        "body": text,
        "isBase64Encoded": is_b64,
    }


_LAMBDA_URI_RE = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<fn>.+)/invocations$")


def _integration_error(status: int = 502, note: str = "") -> ApiError:
    error = ApiError(status, "InternalServerErrorException", MSG_INTERNAL, "integration_error", compact=False)
    error.note = note  # type: ignore[attr-defined]
    return error


def _invoke_lambda(uri: str, event: dict, log: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    import cdkx_lambda
    from moto.awslambda.models import lambda_backends

    m = _LAMBDA_URI_RE.match(uri or "")
    if not m:
        raise _integration_error(500, f"not a Lambda integration URI: {uri}")
    fn_arn = m.group("fn")
    parts = fn_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        raise _integration_error(500, f"not a Lambda function ARN: {fn_arn}")
    region, account, name = parts[3], parts[4], parts[6]
    qualifier = parts[7] if len(parts) > 7 else None
    log["function_arn"] = fn_arn
    response_headers: dict[str, Any] = {}
    cdkx_lambda._request_context.qualifier = qualifier
    cdkx_lambda._request_context.source = "apigateway"
    try:
        payload = lambda_backends[account][region].invoke(
            name, qualifier, json.dumps(event), {"X-Amz-Invocation-Type": "RequestResponse"}, response_headers)
    except Exception as exc:  # noqa: BLE001 - e.g. the function does not exist
        raise _integration_error(500, f"invoking {fn_arn} failed: {exc}") from None
    finally:
        cdkx_lambda._request_context.qualifier = None
        cdkx_lambda._request_context.source = None
    if payload is None:
        raise _integration_error(500, f"function {fn_arn} not found")
    if response_headers.get("x-amz-function-error"):
        raise _integration_error(502, f"function error: {response_headers['x-amz-function-error']}")
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    try:
        result = json.loads(payload)
    except ValueError:
        raise _integration_error(502, "malformed Lambda proxy response: not JSON") from None
    if not isinstance(result, dict):
        raise _integration_error(502, "malformed Lambda proxy response: not an object")
    status = result.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise _integration_error(502, f"malformed Lambda proxy response: statusCode {status!r}")
    unknown = set(result) - {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
    if unknown:
        raise _integration_error(502, f"malformed Lambda proxy response: unexpected fields {sorted(unknown)}")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise _integration_error(502, "malformed Lambda proxy response: headers must be objects")
    seen = set()
    for name, values in multi.items():
        for value in _as_list(values):
            headers.append((str(name), str(value)))
        seen.add(str(name).lower())
    for name, value in single.items():
        if str(name).lower() not in seen:
            headers.append((str(name), str(value)))
    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise _integration_error(502, "malformed Lambda proxy response: body must be a string")
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body)
        except ValueError:
            raise _integration_error(502, "malformed Lambda proxy response: body is not base64") from None
    else:
        data = body.encode("utf-8")
    return status, headers, data


def _mock(method) -> tuple[int, list[tuple[str, str]], bytes]:
    integration = method.method_integration
    responses = getattr(integration, "integration_responses", None) or {}
    response = responses.get("200")
    templates = getattr(response, "response_templates", None) or {}
    template = templates.get("application/json") if isinstance(templates, dict) else None
    return 200, [], (template or "{}").encode("utf-8")


# ---------------------------------------------------------------- the front door


def _status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Status"


def handle(target: Target, environ: dict, start_response: Callable) -> list[bytes]:
    request_id = str(uuid.uuid4())
    apigw_id = base64.b32encode(uuid.uuid4().bytes).decode("ascii")[:16].rstrip("=")
    method = environ.get("REQUEST_METHOD", "GET").upper()
    body = _read_body(environ)
    log: dict[str, Any] = {
        "time": time.time(), "request_id": request_id, "method": method, "host": target.host,
        "path": target.raw_path, "query": target.raw_query, "addressing": target.form, "api_id": target.api_id,
        "stage": None, "region": None, "resource_path": None, "authorization_type": None,
        "signed": False, "signature_location": None, "access_key_id": None, "session_token": False,
        "session_token_signed": False, "signed_headers": None, "caller": None, "canonical_form": None,
        "resource_arn": None,
    }
    try:
        status, headers, data = _serve(target, environ, method, body, request_id, apigw_id, log)
        log["verdict"] = "allowed"
        error_type = None
    except ApiError as err:
        status, headers, data = err.status, [("Content-Type", "application/json")], err.body()
        error_type = err.error_type
        log["verdict"] = err.verdict
        log["message"] = err.message
        if getattr(err, "note", None):
            log["note"] = err.note
    log["status"] = status
    log["error_type"] = error_type
    with _lock:
        _requests.append(log)
    out = [(k, v) for k, v in headers if k.lower() not in ("content-length", "connection", "transfer-encoding")]
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("Content-Type", "application/json"))
    out.append(("x-amzn-RequestId", request_id))
    out.append(("x-amz-apigw-id", apigw_id))
    if error_type:
        out.append(("x-amzn-ErrorType", error_type))
    out.append(("Content-Length", str(len(data))))
    start_response(_status_line(status), out)
    return [data] if method != "HEAD" else [b""]


def _forbidden() -> ApiError:
    return ApiError(403, "ForbiddenException", MSG_FORBIDDEN, "forbidden")


def _serve(target: Target, environ: dict, method: str, body: bytes, request_id: str, apigw_id: str,
           log: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    api = _find_api(target.api_id)
    if api is None:
        raise _forbidden()
    region = api.region_name
    log["region"] = region
    if target.host_region is not None and target.host_region != region:
        raise _forbidden()
    disabled = getattr(api, "disableExecuteApiEndpoint", False)
    if isinstance(disabled, str):
        disabled = disabled.lower() == "true"
    if disabled:
        raise _forbidden()
    stage_raw, _, rest = target.api_raw_path.lstrip("/").partition("/")
    stage_name = unquote(stage_raw)
    log["stage"] = stage_name or None
    stage = api.stages.get(stage_name) if stage_name else None
    if stage is None:
        raise _forbidden()
    routed = _route(api, rest, method)
    if routed is None:
        raise ApiError(403, "MissingAuthenticationTokenException", MSG_MISSING_TOKEN, "missing_token")
    resource, method_obj, path_parameters = routed
    log["resource_path"] = resource.get_path()
    auth_type = (method_obj.authorization_type or "NONE").upper()
    log["authorization_type"] = auth_type
    path = "/" + "/".join(_segments(rest))
    partition = _partition(region)
    arn = f"arn:{partition}:{SERVICE}:{region}:{api.account_id}:{api.id}/{stage_name}/{method}/{path.lstrip('/')}"
    log["resource_arn"] = arn
    headers = _request_headers(environ)
    now = dt.datetime.now(dt.timezone.utc)

    caller = None
    sr = None
    try:
        sr = _parse_auth(environ, target)
    except ApiError:
        if auth_type == "AWS_IAM":
            log["signed"] = True
            raise
    if sr is not None:
        log.update(signed=True, signature_location=sr.location, access_key_id=sr.access_key,
                   session_token=sr.token is not None, session_token_signed=sr.token is not None and sr.token_signed,
                   signed_headers=sr.signed_headers)
    if auth_type == "AWS_IAM":
        if sr is None:
            raise ApiError(403, "MissingAuthenticationTokenException", MSG_MISSING_TOKEN, "missing_token")
        _check_scope(sr, region)
        _check_time(sr, now)
        caller = _find_caller(sr.access_key)
        if caller is None or (caller.token or None) != (sr.token or None):
            raise ApiError(403, "UnrecognizedClientException", MSG_INVALID_TOKEN, "invalid_token")
        if caller.expiration is not None:
            expiration = caller.expiration
            if expiration.tzinfo is None:
                expiration = expiration.replace(tzinfo=dt.timezone.utc)
            if expiration < now:
                raise ApiError(403, "ExpiredTokenException", MSG_EXPIRED_TOKEN, "expired_token")
        log["caller"] = {"arn": caller.arn, "account": caller.account, "principal_id": caller.principal_id,
                         "kind": caller.kind}
        candidates = [("as-sent", target.host, target.raw_path)]
        if target.form == "path":
            suffix = ".amazonaws.com.cn" if partition == "aws-cn" else ".amazonaws.com"
            candidates.append(("execute-api", f"{api.id}.execute-api.{region}{suffix}", target.api_raw_path))
        tried = []
        for form, host, raw_path in candidates:
            canonical, string_to_sign, signature = canonicalize(
                method, host, raw_path, target.raw_query, headers, body, sr, caller.secret, caller.token)
            if hmac.compare_digest(signature, sr.signature):
                log["canonical_form"] = form
                break
            tried.append({"form": form, "canonical_request": canonical, "string_to_sign": string_to_sign})
        else:
            log["canonical_requests"] = tried
            message = (f"{MSG_BAD_SIGNATURE}\n\nThe Canonical String for this request should have been\n"
                       f"'{tried[0]['canonical_request']}'\n\nThe String-to-Sign should have been\n"
                       f"'{tried[0]['string_to_sign']}'\n")
            raise _invalid_signature(message)
        content_sha = headers.get("x-amz-content-sha256")
        if (sr.location == "header" and content_sha and content_sha != "UNSIGNED-PAYLOAD"
                and content_sha != hashlib.sha256(body).hexdigest()):
            raise _invalid_signature("The provided 'x-amz-content-sha256' header does not match what was computed.")
        authorize(api, caller, arn, log)
    else:
        if auth_type != "NONE":
            log["note"] = f"authorizationType {auth_type} is not evaluated by the emulator"
        authorize(api, None, arn, log)

    integration = method_obj.method_integration
    itype = (getattr(integration, "integration_type", None) or "").upper()
    log["integration_type"] = itype or None
    if itype == "MOCK":
        return _mock(method_obj)
    if itype == "AWS_PROXY" and _LAMBDA_URI_RE.match(getattr(integration, "uri", "") or ""):
        ctx = {
            "api": api, "stage": stage, "stage_name": stage_name, "resource": resource, "method": method,
            "path": path, "path_parameters": path_parameters, "headers": headers, "raw_query": target.raw_query,
            "body": body, "caller": caller, "request_id": request_id, "apigw_id": apigw_id,
            "source_ip": environ.get("REMOTE_ADDR", "127.0.0.1"),
            "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "domain_name": target.host if target.form == "host" else f"{api.id}.execute-api.{region}.amazonaws.com",
        }
        return _invoke_lambda(integration.uri, _proxy_event(ctx), log)
    raise _integration_error(500, f"integration type {itype or 'none'} is not emulated")
