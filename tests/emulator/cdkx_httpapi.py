"""HTTP APIs (API Gateway v2): CloudFormation models and the front door.

moto 5.2 has an apigatewayv2 backend (CreateApi, GetRoutes, GetStages, ...) but
no CloudFormation models for it and no data plane. This module adds both:

* ``AWS::ApiGatewayV2::Api`` / ``Stage`` / ``Integration`` / ``Route`` create
  real objects in moto's apigatewayv2 backend (physical ids as in AWS: the API
  id, the stage name, the integration id, the route id; ``GetAtt Api.ApiEndpoint``
  is ``https://{id}.execute-api.{region}.amazonaws.com``);
* requests addressed to an HTTP API (the same Host / ``/_execute-api/`` forms as
  cdkx_apigw's REST APIs) are served here, as API Gateway serves HTTP APIs:
  the ``$default`` stage has no path segment, routes are matched by route key
  (``GET /items``, ``ANY /x/{id}``, ``/{proxy+}``, ``$default``), no route is
  ``404 {"message":"Not Found"}``.

A route with ``AuthorizationType: AWS_IAM`` checks the request as API Gateway
does: SigV4 verified independently of the Rust client (botocore's signer, through
cdkx_apigw's verifier), the credentials known to the emulator, then
execute-api:Invoke on ``arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH``
against the caller's identity policies only: HTTP APIs have no resource policy,
so a caller of another account is always refused (it must assume a role in the
API's account). Refusals are HTTP API's: ``403 {"message":"Forbidden"}`` for an
unsigned request and for a signed one that is not allowed; signature and token
errors keep API Gateway's IAM messages. An allowed call invokes the Lambda
integration (payload format 2.0) through cdkx_lambda's queues, and when the stage
has AccessLogSettings a line in its format is written to the log group.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import re
import threading
import time
import uuid
from typing import Any, Callable
from urllib.parse import unquote

import cdkx_apigw

_MODULE = "cdkx.cloudformation"
MSG_NOT_FOUND = "Not Found"

_lock = threading.Lock()
_streams: dict[tuple[str, str, str], str] = {}


# ---------------------------------------------------------------- CloudFormation


def _backend(account_id: str, region_name: str):
    from moto.apigatewayv2.models import apigatewayv2_backends

    return apigatewayv2_backends[account_id][region_name]


def cfn_models() -> list:
    """The model classes (defining them registers them with moto's CloudFormation)."""
    from moto.core.common_models import CloudFormationModel

    class HttpApi(CloudFormationModel):
        """AWS::ApiGatewayV2::Api, backed by moto's apigatewayv2 Api."""

        __module__ = _MODULE

        def __init__(self, api: Any) -> None:
            self.api = api
            self.physical_resource_id = api.api_id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGatewayV2::Api"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("ApiEndpoint", "ApiId")

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "ApiEndpoint":
                return self.api.api_endpoint
            return self.api.api_id

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            props = cloudformation_json.get("Properties") or {}
            api = _backend(account_id, region_name).create_api(
                api_key_selection_expression=props.get("ApiKeySelectionExpression"),
                cors_configuration=props.get("CorsConfiguration"),
                description=props.get("Description"),
                disable_schema_validation=props.get("DisableSchemaValidation"),
                disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
                name=props.get("Name") or resource_name,
                protocol_type=props.get("ProtocolType", "HTTP"),
                route_selection_expression=props.get("RouteSelectionExpression"),
                tags=props.get("Tags") or {},
                version=props.get("Version"),
            )
            return cls(api)

    class HttpApiStage(CloudFormationModel):
        """AWS::ApiGatewayV2::Stage: physical id (and Ref) = the stage name."""

        __module__ = _MODULE

        def __init__(self, stage: Any) -> None:
            self.stage = stage
            self.physical_resource_id = stage.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGatewayV2::Stage"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            props = cloudformation_json.get("Properties") or {}
            config: dict[str, Any] = {"stageName": props.get("StageName") or resource_name}
            logs = props.get("AccessLogSettings") or {}
            if logs:
                config["accessLogSettings"] = {"destinationArn": logs.get("DestinationArn"),
                                               "format": logs.get("Format")}
            for key, name in (("AutoDeploy", "autoDeploy"), ("Description", "description"),
                              ("StageVariables", "stageVariables")):
                if key in props:
                    config[name] = props[key]
            stage = _backend(account_id, region_name).create_stage(props["ApiId"], config)
            return cls(stage)

    class HttpApiIntegration(CloudFormationModel):
        """AWS::ApiGatewayV2::Integration: physical id = the integration id."""

        __module__ = _MODULE

        def __init__(self, integration: Any) -> None:
            self.integration = integration
            self.physical_resource_id = integration.id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGatewayV2::Integration"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            props = cloudformation_json.get("Properties") or {}
            integration = _backend(account_id, region_name).create_integration(
                api_id=props["ApiId"], connection_id=props.get("ConnectionId"),
                connection_type=props.get("ConnectionType"),
                content_handling_strategy=props.get("ContentHandlingStrategy"),
                credentials_arn=props.get("CredentialsArn"), description=props.get("Description"),
                integration_method=props.get("IntegrationMethod"),
                integration_subtype=props.get("IntegrationSubtype"),
                integration_type=props.get("IntegrationType"), integration_uri=props.get("IntegrationUri"),
                passthrough_behavior=props.get("PassthroughBehavior"),
                payload_format_version=props.get("PayloadFormatVersion"),
                request_parameters=props.get("RequestParameters"), request_templates=props.get("RequestTemplates"),
                response_parameters=props.get("ResponseParameters"),
                template_selection_expression=props.get("TemplateSelectionExpression"),
                timeout_in_millis=props.get("TimeoutInMillis"), tls_config=props.get("TlsConfig"),
            )
            return cls(integration)

    class HttpApiRoute(CloudFormationModel):
        """AWS::ApiGatewayV2::Route: physical id = the route id."""

        __module__ = _MODULE

        def __init__(self, route: Any) -> None:
            self.route = route
            self.physical_resource_id = route.route_id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGatewayV2::Route"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            props = cloudformation_json.get("Properties") or {}
            route = _backend(account_id, region_name).create_route(
                api_id=props["ApiId"], api_key_required=bool(props.get("ApiKeyRequired", False)),
                authorization_scopes=props.get("AuthorizationScopes") or [],
                authorization_type=props.get("AuthorizationType", "NONE"),
                authorizer_id=props.get("AuthorizerId"),
                model_selection_expression=props.get("ModelSelectionExpression"),
                operation_name=props.get("OperationName"), request_models=props.get("RequestModels"),
                request_parameters=props.get("RequestParameters"), route_key=props["RouteKey"],
                route_response_selection_expression=props.get("RouteResponseSelectionExpression"),
                target=props.get("Target"),
            )
            return cls(route)

    return [HttpApi, HttpApiStage, HttpApiIntegration, HttpApiRoute]


# ---------------------------------------------------------------- the front door


def find_api(api_id: str):
    """The HTTP API with this id in any account and region, else None (then it may be a REST API)."""
    try:
        from moto.apigatewayv2.models import apigatewayv2_backends
    except ImportError:  # pragma: no cover
        return None
    for _account, regions in list(apigatewayv2_backends.items()):
        for _region, backend in list(regions.items()):
            api = backend.apis.get(api_id)
            if api is not None:
                return api
    return None


def _forbidden() -> cdkx_apigw.ApiError:
    return cdkx_apigw.ApiError(403, "ForbiddenException", cdkx_apigw.MSG_FORBIDDEN, "forbidden")


def _not_found() -> cdkx_apigw.ApiError:
    return cdkx_apigw.ApiError(404, "NotFoundException", MSG_NOT_FOUND, "not_found")


def _stage_and_path(api, raw_path: str) -> tuple[Any, str, str]:
    """(stage, stage name, raw path under the stage): a named stage's first segment, else `$default`."""
    stripped = raw_path.lstrip("/")
    first, _, rest = stripped.partition("/")
    name = unquote(first)
    if first and name != "$default" and name in api.stages:
        return api.stages[name], name, "/" + rest
    if "$default" in api.stages:
        return api.stages["$default"], "$default", "/" + stripped
    raise _not_found()


def _route(api, method: str, path: str):
    """(route, path parameters) for a request, by API Gateway's priority: exact, then with
    parameters, then greedy, then `$default`; a method's own route before `ANY`."""
    segments = [unquote(s) for s in path.split("/") if s]
    best = None
    default = None
    for route in list(api.routes.values()):
        key = route.route_key or ""
        if key == "$default":
            default = route
            continue
        verb, _, template = key.partition(" ")
        if verb not in (method, "ANY"):
            continue
        parts = [p for p in template.split("/") if p]
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
        rank = (score, verb == method)
        if best is None or rank > best[0]:
            best = (rank, route, params)
    if best is not None:
        return best[1], best[2]
    if default is not None:
        return default, {}
    return None


def _authorize(api, caller: cdkx_apigw.Caller, arn: str, log: dict) -> None:
    """execute-api:Invoke on an HTTP API: the caller's identity policies alone decide, and only a
    caller of the API's own account can be allowed (no resource policy exists to let others in)."""
    log["resource_policy"] = "unsupported"
    if caller.kind == "root":
        identity, ignored = "allow", False
    else:
        sources = caller.identity_policies()
        identity, ignored = cdkx_apigw._evaluate([d for _, d in sources], arn, None, caller, False)
        log["identity_policies"] = [s for s, _ in sources]
        if caller.session_policy is not None and identity != "deny":
            session, ignored2 = cdkx_apigw._evaluate([caller.session_policy], arn, None, caller, False)
            ignored = ignored or ignored2
            if session == "deny":
                identity = "deny"
            elif session == "none" and identity == "allow":
                identity = "none"
    log["identity_policy"] = identity
    log["conditions_ignored"] = ignored
    if caller.account != api.backend.account_id:
        log["cross_account"] = True
        raise _forbidden()
    if identity != "allow":
        raise _forbidden()


def _event(api, stage_name: str, route, method: str, path: str, params: dict, headers: dict,
           raw_query: str, body: bytes, caller, request_id: str, domain: str, source_ip: str) -> dict:
    """The payload format 2.0 event an HTTP API sends to a Lambda integration."""
    try:
        text, is_b64 = (body.decode("utf-8") if body else None), False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    context: dict[str, Any] = {
        "accountId": api.backend.account_id, "apiId": api.api_id, "domainName": domain,
        "domainPrefix": api.api_id,
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                 "userAgent": headers.get("user-agent", "")},
        "requestId": request_id, "routeKey": route.route_key, "stage": stage_name,
        "time": dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now * 1000),
    }
    if caller is not None:
        context["authorizer"] = {"iam": {
            "accessKey": caller.access_key, "accountId": caller.account, "callerId": caller.principal_id,
            "principalOrgId": None, "userArn": caller.arn, "userId": caller.principal_id,
        }}
    query = {}
    for k, v in cdkx_apigw._query_pairs(raw_query):
        query[k] = f"{query[k]},{v}" if k in query else v
    return {
        "version": "2.0", "routeKey": route.route_key, "rawPath": path, "rawQueryString": raw_query,
        "headers": headers, "queryStringParameters": query or None, "pathParameters": params or None,
        "requestContext": context, "body": text, "isBase64Encoded": is_b64,
    }


def _invoke(api, route, event: dict, log: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    import cdkx_lambda
    from moto.awslambda.models import lambda_backends

    target = route.target or ""
    if not target.startswith("integrations/"):
        raise cdkx_apigw._integration_error(500, f"route {route.route_key} has no integration")
    integration = api.integrations.get(target.split("/", 1)[1])
    uri = getattr(integration, "integration_uri", None) or ""
    parts = uri.split(":")
    if integration is None or len(parts) < 7 or parts[2] != "lambda":
        raise cdkx_apigw._integration_error(500, f"integration {target} is not a Lambda function")
    region, account, name = parts[3], parts[4], parts[6]
    log["function_arn"] = uri
    response_headers: dict[str, Any] = {}
    cdkx_lambda._request_context.source = "apigateway"
    try:
        payload = lambda_backends[account][region].invoke(
            name, None, json.dumps(event), {"X-Amz-Invocation-Type": "RequestResponse"}, response_headers)
    except Exception as exc:  # noqa: BLE001 - e.g. the function does not exist
        raise cdkx_apigw._integration_error(500, f"invoking {uri} failed: {exc}") from None
    finally:
        cdkx_lambda._request_context.source = None
    if payload is None or response_headers.get("x-amz-function-error"):
        raise cdkx_apigw._integration_error(500, "the function failed")
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        return 200, [("Content-Type", "application/json")], payload
    # Format 2.0: an object with statusCode is a response; anything else is the body itself.
    if isinstance(result, dict) and "statusCode" in result:
        status = result.get("statusCode")
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise cdkx_apigw._integration_error(500, f"malformed Lambda response: statusCode {status!r}")
        headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
        body = result.get("body")
        if body is None:
            data = b""
        elif result.get("isBase64Encoded"):
            data = base64.b64decode(body)
        else:
            data = str(body).encode("utf-8")
        return status, headers, data
    return 200, [("Content-Type", "application/json")], json.dumps(result).encode("utf-8")


_CONTEXT_RE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


def _access_log(api, stage, stage_name: str, values: dict) -> None:
    """Writes the stage's access log line (its Format with $context variables filled) to the
    log group its AccessLogSettings name, as API Gateway does."""
    settings = getattr(stage, "access_log_settings", None) or {}
    arn = settings.get("destinationArn") or ""
    fmt = settings.get("format") or "$context.requestId"
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs":
        return
    from moto.logs.models import logs_backends

    region, account = parts[3], parts[4]
    group = parts[6]
    line = _CONTEXT_RE.sub(lambda m: str(values.get(m.group(1), "-")), fmt)
    backend = logs_backends[account][region]
    key = (account, region, group)
    with _lock:
        if group not in backend.groups:
            backend.create_log_group(group, {})
        stream = _streams.get(key)
        if stream is None or stream not in backend.groups[group].streams:
            stream = f"{api.api_id}_{stage_name}-{uuid.uuid4().hex[:8]}"
            backend.create_log_stream(group, stream)
            _streams[key] = stream
    backend.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": line}])


def reset() -> None:
    with _lock:
        _streams.clear()


def handle(api, target: cdkx_apigw.Target, environ: dict, start_response: Callable) -> list[bytes]:
    """Serves one request to the HTTP API `api` (found by find_api)."""
    request_id = base64.b32encode(uuid.uuid4().bytes).decode("ascii")[:16].rstrip("=") + "="
    method = environ.get("REQUEST_METHOD", "GET").upper()
    body = cdkx_apigw._read_body(environ)
    log: dict[str, Any] = {
        "time": time.time(), "request_id": request_id, "kind": "http-api", "method": method,
        "host": target.host, "path": target.raw_path, "query": target.raw_query, "addressing": target.form,
        "api_id": target.api_id, "stage": None, "region": api.backend.region_name, "route_key": None,
        "authorization_type": None, "signed": False, "access_key_id": None, "caller": None,
        "resource_arn": None,
    }
    context: dict[str, Any] = {"requestId": request_id, "httpMethod": method, "routeKey": "-",
                               "identity.sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                               "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
                               "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1")}
    stage = stage_name = None
    try:
        stage, stage_name, status, headers, data = _serve(api, target, environ, method, body, request_id,
                                                          log, context)
        log["verdict"] = "allowed"
        error_type = None
    except cdkx_apigw.ApiError as err:
        status, headers, data = err.status, [("Content-Type", "application/json")], err.body()
        error_type = err.error_type
        log["verdict"] = err.verdict
        log["message"] = err.message
        stage, stage_name = log.get("_stage"), log.get("stage")
    log.pop("_stage", None)
    log["status"] = status
    log["error_type"] = error_type
    context["status"] = status
    context["responseLength"] = len(data)
    with cdkx_apigw._lock:
        cdkx_apigw._requests.append(log)
    if stage is not None:
        _access_log(api, stage, stage_name, context)
    out = [(k, v) for k, v in headers if k.lower() not in ("content-length", "connection", "transfer-encoding")]
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("Content-Type", "application/json"))
    out.append(("apigw-requestid", request_id))
    if error_type:
        out.append(("x-amzn-ErrorType", error_type))
    out.append(("Content-Length", str(len(data))))
    start_response(cdkx_apigw._status_line(status), out)
    return [data] if method != "HEAD" else [b""]


def _serve(api, target: cdkx_apigw.Target, environ: dict, method: str, body: bytes, request_id: str,
           log: dict, context: dict) -> tuple[Any, str, int, list[tuple[str, str]], bytes]:
    region = api.backend.region_name
    if target.host_region is not None and target.host_region != region:
        raise _forbidden()
    disabled = getattr(api, "disable_execute_api_endpoint", False)
    if disabled is True or str(disabled).lower() == "true":
        raise _forbidden()
    stage, stage_name, path_raw = _stage_and_path(api, target.api_raw_path)
    log["stage"], log["_stage"] = stage_name, stage
    context["stage"] = stage_name
    routed = _route(api, method, path_raw)
    if routed is None:
        raise _not_found()
    route, params = routed
    log["route_key"] = route.route_key
    context["routeKey"] = route.route_key
    auth_type = (route.authorization_type or "NONE").upper()
    log["authorization_type"] = auth_type
    path = "/" + "/".join(unquote(s) for s in path_raw.split("/") if s)
    partition = cdkx_apigw._partition(region)
    account = api.backend.account_id
    arn = f"arn:{partition}:execute-api:{region}:{account}:{api.api_id}/{stage_name}/{method}/{path.lstrip('/')}"
    log["resource_arn"] = arn
    headers = cdkx_apigw._request_headers(environ)
    caller = None
    if auth_type == "AWS_IAM":
        sr = cdkx_apigw._parse_auth(environ, target)
        if sr is None:
            raise _forbidden()
        log.update(signed=True, access_key_id=sr.access_key)
        cdkx_apigw._check_scope(sr, region)
        now = dt.datetime.now(dt.timezone.utc)
        cdkx_apigw._check_time(sr, now)
        caller = cdkx_apigw._find_caller(sr.access_key)
        if caller is None or (caller.token or None) != (sr.token or None):
            raise cdkx_apigw.ApiError(403, "UnrecognizedClientException", cdkx_apigw.MSG_INVALID_TOKEN,
                                      "invalid_token")
        if caller.expiration is not None:
            expiration = caller.expiration
            if expiration.tzinfo is None:
                expiration = expiration.replace(tzinfo=dt.timezone.utc)
            if expiration < now:
                raise cdkx_apigw.ApiError(403, "ExpiredTokenException", cdkx_apigw.MSG_EXPIRED_TOKEN,
                                          "expired_token")
        log["caller"] = {"arn": caller.arn, "account": caller.account, "kind": caller.kind}
        candidates = [("as-sent", target.host, target.raw_path)]
        if target.form == "path":
            suffix = ".amazonaws.com.cn" if partition == "aws-cn" else ".amazonaws.com"
            candidates.append(("execute-api", f"{api.api_id}.execute-api.{region}{suffix}", target.api_raw_path))
        tried = []
        for form, host, raw_path in candidates:
            canonical, string_to_sign, signature = cdkx_apigw.canonicalize(
                method, host, raw_path, target.raw_query, headers, body, sr, caller.secret, caller.token)
            if hmac.compare_digest(signature, sr.signature):
                log["canonical_form"] = form
                break
            tried.append({"form": form, "canonical_request": canonical, "string_to_sign": string_to_sign})
        else:
            log["canonical_requests"] = tried
            message = (f"{cdkx_apigw.MSG_BAD_SIGNATURE}\n\nThe Canonical String for this request should have been\n"
                       f"'{tried[0]['canonical_request']}'\n\nThe String-to-Sign should have been\n"
                       f"'{tried[0]['string_to_sign']}'\n")
            raise cdkx_apigw._invalid_signature(message)
        # Only a verified signature tells who called.
        context.update({"identity.userArn": caller.arn, "identity.accountId": caller.account,
                        "identity.caller": caller.principal_id, "identity.user": caller.principal_id,
                        "identity.accessKey": caller.access_key})
        _authorize(api, caller, arn, log)
    domain = target.host if target.form == "host" else f"{api.api_id}.execute-api.{region}.amazonaws.com"
    event = _event(api, stage_name, route, method, path, params, headers, target.raw_query, body, caller,
                   request_id, domain, environ.get("REMOTE_ADDR", "127.0.0.1"))
    status, out_headers, data = _invoke(api, route, event, log)
    return stage, stage_name, status, out_headers, data
