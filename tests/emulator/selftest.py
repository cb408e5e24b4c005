#!/usr/bin/env python3
"""Self-test of the local AWS emulator: run with the venv's python.

    .venv/bin/python tests/emulator/selftest.py [-v]

Starts server.py on a free port, deploys a small generated assembly (a Stage, a
second account, a nested stack and a template too large for TemplateBody) and
every fixture under tests/fixtures/*/cdk.out, then checks the extensions: queued
Lambda results, CloudTrail LookupEvents paging, Athena GetQueryResults paging,
CloudTrail Lake queries, faults, request counting, the API Gateway front door
(requests signed with botocore; IAM and resource policies; canonicalization edge
cases), reset and shutdown on stdin EOF. Exits non-zero when a check fails; the last line is
"N passed, N failed".
"""

from __future__ import annotations

import base64
import datetime as dt
import glob
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
from unittest import mock
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VERBOSE = "-v" in sys.argv

import boto3  # noqa: E402
from botocore.auth import SigV4Auth, SigV4QueryAuth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=30)

passed = 0
failed = 0


def check(name, fn):
    global passed, failed
    started = time.monotonic()
    try:
        fn()
    except Exception:  # noqa: BLE001 - report every failure and go on
        failed += 1
        print(f"FAIL {name}", file=sys.stderr)
        traceback.print_exc()
    else:
        passed += 1
        print(f"ok   {name} ({time.monotonic() - started:.2f}s)", file=sys.stderr)


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


class Emulator:
    def __init__(self):
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if VERBOSE else subprocess.DEVNULL,
        )
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("READY "):
            raise SystemExit(f"server did not become ready: {line!r}")
        self.startup = time.monotonic() - started
        self.endpoint = line.split(" ", 1)[1]
        # The READY line must be the only thing on stdout.
        expect(self.endpoint.startswith("http://127.0.0.1:"), f"unexpected endpoint {self.endpoint}")

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.endpoint}/moto-api/cdkx/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def client(self, service, region="us-east-1", config=None, **creds):
        creds = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint, config=config, **creds)

    def deploy(self, assembly, *extra):
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, os.path.join(HERE, "deploy.py"), "--endpoint", self.endpoint,
             "--assembly", assembly, *extra],
            capture_output=True, text=True, timeout=600,
        )
        if out.returncode != 0:
            raise AssertionError(f"deploy.py failed ({out.returncode}):\n{out.stderr}")
        if VERBOSE:
            sys.stderr.write(out.stderr)
        return json.loads(out.stdout), time.monotonic() - started


# ---------------------------------------------------------------- a generated assembly


def write_mini_assembly(root: str) -> str:
    """A small cdk.out in the shape `cdk synth` writes, exercising deploy.py's paths."""
    out = os.path.join(root, "cdk.out")
    os.makedirs(os.path.join(out, "asset.aaaa", "lib"))
    with open(os.path.join(out, "asset.aaaa", "index.js"), "w") as f:
        f.write("exports.handler = async () => ({ ok: true });\n")
    with open(os.path.join(out, "asset.aaaa", "lib", "util.js"), "w") as f:
        f.write("module.exports = {};\n")

    bootstrap = {
        "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>",
                                            "Default": "/cdk-bootstrap/hnb659fds/version"}},
        "Rules": {"CheckBootstrapVersion": {"Assertions": [{"Assert": {"Fn::Not": [{"Fn::Contains": [
            ["1", "2", "3", "4", "5"], {"Ref": "BootstrapVersion"}]}]}, "AssertDescription": "bootstrap"}]}},
    }
    bucket = "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"

    def assets(entries):
        files = {}
        for asset_id, path, packaging, key in entries:
            files[asset_id] = {"source": {"path": path, "packaging": packaging},
                               "destinations": {"current_account-current_region": {
                                   "bucketName": bucket, "objectKey": key}}}
        return {"version": "36.0.0", "files": files, "dockerImages": {}}

    # No Name: CloudFormation generates one (moto needs the cdkx_cfn fix for that).
    nested = {"Resources": {"Param": {"Type": "AWS::SSM::Parameter",
                                      "Properties": {"Type": "String", "Value": "nested"}}},
              "Outputs": {"ParamName": {"Value": {"Ref": "Param"}}}}
    # Padding in Metadata makes the template exceed the 51,200-byte TemplateBody limit.
    main = {
        **bootstrap,
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "Code": {"S3Bucket": {"Fn::Sub": bucket}, "S3Key": "aaaa.zip"},
                "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Handler": "index.handler", "Runtime": "nodejs20.x"},
                "DependsOn": ["Role"]},
            "Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {"Fn::Join": ["", [
                "https://s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/",
                {"Fn::Sub": bucket}, "/nnnn.json"]]}}},
            "UsesNested": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Type": "String", "Value": {"Fn::GetAtt": ["Inner", "Outputs.ParamName"]}}},
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:x"},
                            "Metadata": {"padding": "x" * 60000}},
        },
        "Outputs": {"FnName": {"Value": {"Ref": "Fn"}}, "Nested": {"Value": {"Ref": "Inner"}}},
    }
    remote = {**bootstrap, "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}

    def write(path, data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(data, f)

    write(os.path.join(out, "MiniStack.template.json"), main)
    write(os.path.join(out, "MiniStackInner1234.nested.template.json"), nested)
    write(os.path.join(out, "MiniStack.assets.json"), assets([
        ("aaaa", "asset.aaaa", "zip", "aaaa.zip"),
        ("nnnn", "MiniStackInner1234.nested.template.json", "file", "nnnn.json"),
    ]))
    write(os.path.join(out, "manifest.json"), {"version": "36.0.0", "artifacts": {
        "MiniStack.assets": {"type": "cdk:asset-manifest", "properties": {"file": "MiniStack.assets.json"}},
        "MiniStack": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
                      "properties": {"templateFile": "MiniStack.template.json"},
                      "dependencies": ["MiniStack.assets"], "displayName": "MiniStack"},
        "assembly-Far": {"type": "cdk:cloud-assembly",
                         "properties": {"directoryName": "assembly-Far", "displayName": "Far"}},
    }})
    far = os.path.join(out, "assembly-Far")
    write(os.path.join(far, "FarRemoteStackABCD1234.template.json"), remote)
    write(os.path.join(far, "manifest.json"), {"version": "36.0.0", "artifacts": {
        "FarRemoteStackABCD1234": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1",
                                   "properties": {"templateFile": "FarRemoteStackABCD1234.template.json",
                                                  "stackName": "Far-RemoteStack"},
                                   "displayName": "Far/RemoteStack"},
    }})
    return out


# ---------------------------------------------------------------- the API Gateway front door

REGION = "us-east-1"
ACCOUNT = "123456789012"
OTHER = "222222222222"
MSG_MISSING = {"message": "Missing Authentication Token"}
MSG_FORBIDDEN = {"message": "Forbidden"}
MSG_INVALID_TOKEN = {"message": "The security token included in the request is invalid."}
MSG_BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                     "Check your AWS Secret Access Key and signing method. Consult the service documentation "
                     "for details.")


def sign(method, host, path, creds, params=None, body=b"", headers=None, region=REGION, when=None,
         service="execute-api", presign=False):
    """Sign with botocore (as any AWS SDK would) -> (path?query as sent, headers as sent).

    `path` is given percent-encoded, as it goes on the wire; `params` are decoded
    (key, value) pairs that botocore encodes. `creds` is (key, secret[, token]).
    """
    headers = dict(headers or {})
    headers["Host"] = host
    request = AWSRequest(method=method, url=f"https://{host}{path}", data=body, params=params or {},
                         headers=headers)
    signer = (SigV4QueryAuth(Credentials(*creds), service, region, expires=300) if presign
              else SigV4Auth(Credentials(*creds), service, region))
    if when is not None:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(request)
    else:
        signer.add_auth(request)
    prepared = request.prepare()
    url = urlsplit(prepared.url)
    wire = url.path + (f"?{url.query}" if url.query else "")
    return wire, {k: v for k, v in prepared.headers.items()}


def send(emu, method, wire, headers, body=b""):
    """Send exactly these bytes to the emulator's port (Host header as given)."""
    port = int(emu.endpoint.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, wire, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value.encode("utf-8") if isinstance(value, str) else value)
        if body and not any(k.lower() == "content-length" for k in headers):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def expect_error(result, status, error_type, body=None, key="message", prefix=None, pattern=None):
    code, headers, data = result
    expect(code == status, f"status {code} != {status}: {data[:400]!r}")
    expect(headers.get("x-amzn-errortype") == error_type, f"x-amzn-ErrorType {headers.get('x-amzn-errortype')}")
    expect(uuid.UUID(headers["x-amzn-requestid"]), "x-amzn-RequestId")
    parsed = json.loads(data)
    if body is not None:
        expect(parsed == body, f"body {parsed!r} != {body!r}")
    if prefix is not None:
        expect(list(parsed) == [key] and parsed[key].startswith(prefix), f"body {parsed!r}")
    if pattern is not None:
        expect(list(parsed) == [key] and re.fullmatch(pattern, parsed[key], re.S), f"body {parsed!r} !~ {pattern}")
    return parsed


def httpapi_checks(emu, cfn):
    """The HTTP API front door (cdkx_httpapi) on the deployed http-api fixture."""
    iam = emu.client("iam")
    resources = {r["LogicalResourceId"]: r for r in
                 cfn.list_stack_resources(StackName="HttpApiStack")["StackResourceSummaries"]}
    api = next(r["PhysicalResourceId"] for r in resources.values() if r["ResourceType"] == "AWS::ApiGatewayV2::Api")
    fn = next(r["PhysicalResourceId"] for r in resources.values() if r["ResourceType"] == "AWS::Lambda::Function")
    group = next(r["PhysicalResourceId"] for k, r in resources.items() if k.startswith("httpApiAccessLogs"))
    host = f"{api}.execute-api.{REGION}.amazonaws.com"

    def body(result):
        return json.loads(result[2])

    def http_api():
        v2 = emu.client("apigatewayv2")
        routes = {r["RouteKey"]: r.get("AuthorizationType") for r in v2.get_routes(ApiId=api)["Items"]}
        expect(routes == {"GET /items": "AWS_IAM", "GET /health": "NONE"}, routes)
        stage = v2.get_stages(ApiId=api)["Items"][0]
        expect(stage["StageName"] == "$default" and group in stage["AccessLogSettings"]["DestinationArn"], stage)
        expect(resources["iamhttpapiDefaultStageFE751629"]["PhysicalResourceId"] == "$default", resources)
        emu.control("POST", "lambda/results", {"function": fn, "default": {"payload": {
            "statusCode": 200, "body": "{\"hello\":\"http\"}"}}})
        unsigned = send(emu, "GET", "/items", {"Host": host})
        expect(unsigned[0] == 403 and body(unsigned) == MSG_FORBIDDEN, unsigned)
        expect(unsigned[1].get("x-amzn-errortype") == "ForbiddenException", unsigned[1])
        missing = send(emu, "GET", "/nope", {"Host": host})
        expect(missing[0] == 404 and body(missing) == {"message": "Not Found"}, missing)
        expect(send(emu, "GET", "/health", {"Host": host})[0] == 200, "open route")
        iam.create_user(UserName="httpdev")
        key = iam.create_access_key(UserName="httpdev")["AccessKey"]
        creds = (key["AccessKeyId"], key["SecretAccessKey"])
        wire, headers = sign("GET", host, "/items", creds)
        denied = send(emu, "GET", wire, headers)
        expect(denied[0] == 403 and body(denied) == MSG_FORBIDDEN, denied)
        iam.put_user_policy(UserName="httpdev", PolicyName="invoke", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                                                     "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/$default/GET/items"}]}))
        wire, headers = sign("GET", host, "/items", creds)
        allowed = send(emu, "GET", wire, headers)
        expect(allowed[0] == 200 and body(allowed) == {"hello": "http"}, allowed)
        event = emu.control("GET", "lambda/invocations")[1]["invocations"][-1]["payload"]
        expect(event["version"] == "2.0" and event["routeKey"] == "GET /items" and event["rawPath"] == "/items", event)
        expect(event["requestContext"]["authorizer"]["iam"]["userArn"].endswith(":user/httpdev"), event)
        wire, headers = sign("GET", host, "/items", (creds[0], "wrong"))
        bad = send(emu, "GET", wire, headers)
        expect(bad[0] == 403 and bad[1].get("x-amzn-errortype") == "InvalidSignatureException", bad)
        expect(body(bad)["message"].startswith(MSG_BAD_SIGNATURE), bad)
        # Another account's session, allowed everything by its own policies: still refused.
        sts = emu.client("sts")
        other = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/anyone", RoleSessionName="http",
                                Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                                    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Credentials"]
        wire, headers = sign("GET", host, "/items", (other["AccessKeyId"], other["SecretAccessKey"],
                                                     other["SessionToken"]))
        cross = send(emu, "GET", wire, headers)
        expect(cross[0] == 403 and body(cross) == MSG_FORBIDDEN, cross)
        log = emu.control("GET", "apigw/requests")[1]["requests"][-1]
        expect(log["kind"] == "http-api" and log.get("cross_account") is True, log)
        lines = [json.loads(e["message"]) for e in
                 emu.client("logs").filter_log_events(logGroupName=group)["events"]]
        expect([l["status"] for l in lines] == ["403", "404", "200", "403", "200", "403", "403"], lines)
        expect(lines[4]["userArn"].endswith(":user/httpdev") and lines[5]["userArn"] == "-", lines)
        expect(lines[6]["accountId"] == OTHER, lines)

    check("HTTP API front door: routes, $default stage, Forbidden/Not Found, SigV4, identity policy only, "
          "access logs", http_api)


def apigw_checks(emu, cfn, state):
    apigw = emu.client("apigateway")
    iam = emu.client("iam")
    sts = emu.client("sts")
    fx: dict = {}

    def front_door_basics():
        apis = {a["name"]: a for a in apigw.get_rest_apis()["items"]}
        api = apis["iam-backed-api"]
        fx["api"] = api["id"]
        fx["policy"] = api["policy"]
        fx["host"] = f"{api['id']}.execute-api.{REGION}.amazonaws.com"
        fx["arn"] = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api['id']}"
        summaries = cfn.list_stack_resources(StackName="IamApigatewayLambdaStack")["StackResourceSummaries"]
        fx["fn"] = next(r["PhysicalResourceId"] for r in summaries if r["ResourceType"] == "AWS::Lambda::Function"
                        and r["LogicalResourceId"].startswith("iamApiFn"))
        emu.control("DELETE", "apigw/requests")
        host = fx["host"]
        unsigned = send(emu, "GET", "/prod/", {"Host": host})
        expect_error(unsigned, 403, "MissingAuthenticationTokenException", MSG_MISSING)
        expect(unsigned[2] == b'{"message":"Missing Authentication Token"}', unsigned[2])
        expect_error(send(emu, "GET", "/prod", {"Host": host + ":443"}), 403,
                     "MissingAuthenticationTokenException", MSG_MISSING)
        expect_error(send(emu, "GET", "/prod/", {"Host": "abcdefghij.execute-api.us-east-1.amazonaws.com"}),
                     403, "ForbiddenException", MSG_FORBIDDEN)
        expect_error(send(emu, "GET", "/beta/", {"Host": host}), 403, "ForbiddenException", MSG_FORBIDDEN)
        expect_error(send(emu, "GET", "/", {"Host": host}), 403, "ForbiddenException", MSG_FORBIDDEN)
        expect_error(send(emu, "GET", "/prod/", {"Host": f"{fx['api']}.execute-api.eu-west-1.amazonaws.com"}),
                     403, "ForbiddenException", MSG_FORBIDDEN)
        # A path or method the API does not have: Missing Authentication Token, signed or not.
        expect_error(send(emu, "GET", "/prod/nope", {"Host": host}), 403, "MissingAuthenticationTokenException",
                     MSG_MISSING)
        expect_error(send(emu, "POST", "/prod/", {"Host": host}, b"{}"), 403,
                     "MissingAuthenticationTokenException", MSG_MISSING)
        # The path form.
        expect_error(send(emu, "GET", f"/_execute-api/{fx['api']}/prod/", {"Host": "127.0.0.1"}), 403,
                     "MissingAuthenticationTokenException", MSG_MISSING)
        expect_error(send(emu, "GET", "/_execute-api/abcdefghij/prod/", {"Host": "127.0.0.1"}), 403,
                     "ForbiddenException", MSG_FORBIDDEN)
        log = emu.control("GET", "apigw/requests")[1]["requests"]
        expect(len(log) == 10 and log[0]["verdict"] == "missing_token" and not log[0]["signed"], log[0])
        expect(log[0]["resource_arn"] == f"{fx['arn']}/prod/GET/", log[0])
        counts = emu.control("GET", "requests")[1]["counts"]
        expect(not any("/prod" in k or "_execute-api" in k for k in counts),
               f"front door calls must not reach moto's request counting: {counts}")

    check("front door: unsigned -> Missing Authentication Token; unknown api/stage -> Forbidden", front_door_basics)
    if "api" not in fx:
        return

    def iam_user_allowed():
        iam.create_user(UserName="cdkx-alice")
        iam.put_user_policy(UserName="cdkx-alice", PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                                                    "Resource": f"{fx['arn']}/*/GET/*"}]}))
        key = iam.create_access_key(UserName="cdkx-alice")["AccessKey"]
        fx["alice"] = (key["AccessKeyId"], key["SecretAccessKey"])
        fx["alice_arn"] = f"arn:aws:iam::{ACCOUNT}:user/cdkx-alice"
        emu.control("DELETE", "lambda/invocations")
        status, body = emu.control("POST", "lambda/results", {"function": fx["fn"], "results": [
            {"payload": {"statusCode": 200, "body": "{\"hello\":\"world\"}"}}]})
        expect(status == 200, body)
        wire, headers = sign("GET", fx["host"], "/prod/", fx["alice"])
        code, rheaders, data = send(emu, "GET", wire, headers)
        expect(code == 200 and json.loads(data) == {"hello": "world"}, (code, data))
        expect(rheaders.get("content-type") == "application/json" and "x-amzn-errortype" not in rheaders, rheaders)
        expect(uuid.UUID(rheaders["x-amzn-requestid"]), rheaders)
        calls = emu.control("GET", "lambda/invocations")[1]["invocations"]
        expect(len(calls) == 1 and calls[0]["function"] == fx["fn"] and calls[0]["source"] == "apigateway", calls)
        event = calls[0]["payload"]
        expect(event["httpMethod"] == "GET" and event["path"] == "/" and event["resource"] == "/", event)
        expect(event["body"] is None and event["isBase64Encoded"] is False, event)
        expect(event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None, event)
        ctx = event["requestContext"]
        expect(ctx["stage"] == "prod" and ctx["apiId"] == fx["api"] and ctx["accountId"] == ACCOUNT, ctx)
        expect(ctx["identity"]["userArn"] == fx["alice_arn"] and ctx["identity"]["accountId"] == ACCOUNT, ctx)
        expect(ctx["identity"]["accessKey"] == fx["alice"][0] and ctx["identity"]["caller"], ctx)
        expect(event["headers"]["Host"] == fx["host"] and event["headers"]["Authorization"].startswith("AWS4-"), event)
        # Empty queue now: the function "fails" (NoQueuedResult) -> 502.
        wire, headers = sign("GET", fx["host"], "/prod/", fx["alice"])
        raw = send(emu, "GET", wire, headers)
        expect_error(raw, 502, "InternalServerErrorException", {"message": "Internal server error"})
        expect(raw[2] == b'{"message": "Internal server error"}', raw[2])
        # The Host header may carry a port; the signature covers it as sent.
        emu.control("POST", "lambda/results", {"function": fx["fn"], "default": {"payload": {"statusCode": 200,
                                                                                            "body": "{}"}}})
        wire, headers = sign("GET", fx["host"] + ":8443", "/prod/", fx["alice"])
        expect(send(emu, "GET", wire, headers)[0] == 200, "Host with a port")
        log = emu.control("GET", "apigw/requests")[1]["requests"][-3]
        expect(log["signed"] and log["caller"]["arn"] == fx["alice_arn"] and log["verdict"] == "allowed", log)
        expect(log["signed_headers"] == ["host", "x-amz-date"] and not log["session_token"], log)

    check("front door: IAM user with an identity policy -> 200 from the queued iamApiFn result", iam_user_allowed)
    if "alice" not in fx:
        return

    def signature_errors():
        host = fx["host"]
        key, secret = fx["alice"]
        wire, headers = sign("GET", host, "/prod/", (key, secret + "x"))
        parsed = expect_error(send(emu, "GET", wire, headers), 403, "InvalidSignatureException",
                              prefix=MSG_BAD_SIGNATURE)
        expect("\n\nThe Canonical String for this request should have been\n'GET\n/prod/\n\nhost:" in parsed["message"]
               and "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" in parsed["message"], parsed)
        wire, headers = sign("GET", host, "/prod/", ("AKIAUNKNOWNKEY000000", "secret"))
        expect_error(send(emu, "GET", wire, headers), 403, "UnrecognizedClientException", MSG_INVALID_TOKEN)
        old = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=6)
        wire, headers = sign("GET", host, "/prod/", fx["alice"], when=old)
        expect_error(send(emu, "GET", wire, headers), 403, "InvalidSignatureException",
                     pattern=r"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z "
                             r"\(\d{8}T\d{6}Z - 5 min\.\)")
        ahead = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(minutes=6)
        wire, headers = sign("GET", host, "/prod/", fx["alice"], when=ahead)
        expect_error(send(emu, "GET", wire, headers), 403, "InvalidSignatureException",
                     pattern=r"Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z "
                             r"\(\d{8}T\d{6}Z \+ 5 min\.\)")
        # Four minutes old is still fine.
        recent = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=4)
        wire, headers = sign("GET", host, "/prod/", fx["alice"], when=recent)
        expect(send(emu, "GET", wire, headers)[0] == 200, "a 4-minute-old signature")
        wire, headers = sign("GET", host, "/prod/", fx["alice"], region="eu-west-1")
        expect_error(send(emu, "GET", wire, headers), 403, "InvalidSignatureException",
                     {"message": "Credential should be scoped to a valid region, not 'eu-west-1'. "})
        wire, headers = sign("GET", host, "/prod/", fx["alice"], service="apigateway")
        expect_error(send(emu, "GET", wire, headers), 403, "InvalidSignatureException",
                     {"message": "Credential should be scoped to correct service: 'execute-api'. "})
        expect_error(send(emu, "GET", "/prod/", {"Host": host, "Authorization": "Bearer abc.def"}), 403,
                     "IncompleteSignatureException",
                     prefix="Invalid key=value pair (missing equal-sign) in Authorization header")
        expect_error(send(emu, "GET", "/prod/", {"Host": host, "Authorization": "Basic dXNlcjpwYXNzd29yZA=="}), 403,
                     "IncompleteSignatureException", prefix="Authorization header requires 'Credential' parameter.")
        # A session token with a permanent key is refused.
        wire, headers = sign("GET", host, "/prod/", (key, secret, "bogus-token"))
        expect_error(send(emu, "GET", wire, headers), 403, "UnrecognizedClientException", MSG_INVALID_TOKEN)
        # Changing the request after signing breaks the signature.
        wire, headers = sign("GET", host, "/prod/", fx["alice"], params=[("a", "1")])
        expect_error(send(emu, "GET", wire + "&b=2", headers), 403, "InvalidSignatureException",
                     prefix=MSG_BAD_SIGNATURE)

    check("front door: wrong secret, unknown key, expired date, scope, malformed header", signature_errors)

    def cross_account():
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/cdkx-caller",
                                RoleSessionName="probe")["Credentials"]
        session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        other_iam = emu.client("iam", aws_access_key_id=session[0], aws_secret_access_key=session[1],
                               aws_session_token=session[2])
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "sts:AssumeRole"}]})
        other_iam.create_role(RoleName="cdkx-caller", AssumeRolePolicyDocument=trust)
        other_iam.put_role_policy(RoleName="cdkx-caller", PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["execute-api:Invoke"],
                                                    "Resource": [f"{fx['arn']}/prod/*"]}]}))
        other_iam.create_role(RoleName="cdkx-nopolicy", AssumeRolePolicyDocument=trust)
        caller_arn = f"arn:aws:sts::{OTHER}:assumed-role/cdkx-caller/probe"
        resource = f"{fx['arn']}/prod/GET/"
        host = fx["host"]
        emu.control("DELETE", "apigw/requests")
        wire, headers = sign("GET", host, "/prod/", session)
        expect("X-Amz-Security-Token" in headers, headers)
        expect_error(send(emu, "GET", wire, headers), 403, "AccessDeniedException", key="Message", body={
            "Message": f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {resource}"})
        log = emu.control("GET", "apigw/requests")[1]["requests"][-1]
        expect(log["session_token"] and log["session_token_signed"] and log["caller"]["arn"] == caller_arn, log)
        expect(log["caller"]["account"] == OTHER and log["resource_policy"] == "none"
               and log["identity_policy"] == "allow", log)
        # Without the token, or with another one, the temporary key is not recognised.
        bare = {k: v for k, v in headers.items() if k != "X-Amz-Security-Token"}
        expect_error(send(emu, "GET", wire, bare), 403, "UnrecognizedClientException", MSG_INVALID_TOKEN)
        wire2, headers2 = sign("GET", host, "/prod/", (session[0], session[1], session[2][:-4] + "AAAA"))
        expect_error(send(emu, "GET", wire2, headers2), 403, "UnrecognizedClientException", MSG_INVALID_TOKEN)
        # The resource policy lists 222222222222 too (an escaped JSON string, as API Gateway stores it).
        policy = json.loads(fx["policy"])
        policy["Statement"].append({"Effect": "Allow", "Principal": {"AWS": [OTHER]},
                                    "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/*"})
        apigw.update_rest_api(restApiId=fx["api"], patchOperations=[
            {"op": "replace", "path": "/policy", "value": json.dumps(policy).replace('"', '\\"')}])
        try:
            emu.control("POST", "lambda/results", {"function": fx["fn"], "results": [
                {"payload": {"statusCode": 200, "body": "{\"hello\":\"world\"}"}}]})
            wire, headers = sign("GET", host, "/prod/", session)
            code, _, data = send(emu, "GET", wire, headers)
            expect(code == 200 and json.loads(data) == {"hello": "world"}, (code, data))
            event = emu.control("GET", "lambda/invocations")[1]["invocations"][-1]["payload"]
            identity = event["requestContext"]["identity"]
            expect(identity["userArn"] == caller_arn and identity["accountId"] == OTHER, identity)
            expect(event["headers"]["X-Amz-Security-Token"] == session[2], "token passed to the function")
            # Cross-account without an identity policy: the resource policy alone is not enough.
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/cdkx-nopolicy",
                                    RoleSessionName="probe")["Credentials"]
            bare_session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
            wire, headers = sign("GET", host, "/prod/", bare_session)
            expect_error(send(emu, "GET", wire, headers), 403, "AccessDeniedException", key="Message", body={
                "Message": f"User: arn:aws:sts::{OTHER}:assumed-role/cdkx-nopolicy/probe is not authorized to "
                           f"perform: execute-api:Invoke on resource: {resource} because no identity-based "
                           "policy allows the execute-api:Invoke action"})
            # An explicit deny in the resource policy wins over everything.
            policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "execute-api:*",
                                        "Resource": f"{fx['arn']}/*/GET/"})
            apigw.update_rest_api(restApiId=fx["api"], patchOperations=[
                {"op": "replace", "path": "/policy", "value": json.dumps(policy)}])
            wire, headers = sign("GET", host, "/prod/", session)
            expect_error(send(emu, "GET", wire, headers), 403, "AccessDeniedException", key="Message", body={
                "Message": f"User: {caller_arn} is not authorized to perform: execute-api:Invoke on resource: "
                           f"{resource} with an explicit deny"})
        finally:
            apigw.update_rest_api(restApiId=fx["api"], patchOperations=[
                {"op": "replace", "path": "/policy", "value": fx["policy"]}])

    check("front door: AssumeRole into 222222222222 (resource policy, identity policy, token)", cross_account)

    def same_account():
        host = fx["host"]
        iam.create_user(UserName="cdkx-bob")  # no policy at all
        key = iam.create_access_key(UserName="cdkx-bob")["AccessKey"]
        wire, headers = sign("GET", host, "/prod/", (key["AccessKeyId"], key["SecretAccessKey"]))
        # The resource policy names the account (its root): a delegation, not a grant to bob.
        expect_error(send(emu, "GET", wire, headers), 403, "AccessDeniedException", key="Message", body={
            "Message": f"User: arn:aws:iam::{ACCOUNT}:user/cdkx-bob is not authorized to perform: "
                       f"execute-api:Invoke on resource: {fx['arn']}/prod/GET/ because no identity-based "
                       "policy allows the execute-api:Invoke action"})
        log = emu.control("GET", "apigw/requests")[1]["requests"][-1]
        expect(log["resource_policy"] == "account" and log["identity_policy"] == "none", log)
        iam.put_user_policy(UserName="cdkx-bob", PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                                                    "Resource": "*"}]}))
        wire, headers = sign("GET", host, "/prod/", (key["AccessKeyId"], key["SecretAccessKey"]))
        expect(send(emu, "GET", wire, headers)[0] == 200, "same account: the identity policy allows")
        iam.create_user(UserName="cdkx-carol")
        iam.create_group(GroupName="cdkx-denied")
        iam.add_user_to_group(GroupName="cdkx-denied", UserName="cdkx-carol")
        managed = iam.create_policy(PolicyName="cdkx-deny-invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "execute-api:*",
                                                    "Resource": "arn:aws:execute-api:*:*:*"}]}))["Policy"]["Arn"]
        iam.attach_group_policy(GroupName="cdkx-denied", PolicyArn=managed)
        key = iam.create_access_key(UserName="cdkx-carol")["AccessKey"]
        wire, headers = sign("GET", host, "/prod/", (key["AccessKeyId"], key["SecretAccessKey"]))
        expect_error(send(emu, "GET", wire, headers), 403, "AccessDeniedException", key="Message", body={
            "Message": f"User: arn:aws:iam::{ACCOUNT}:user/cdkx-carol is not authorized to perform: "
                       f"execute-api:Invoke on resource: {fx['arn']}/prod/GET/ with an explicit deny"})
        # Registered credentials give the SDKs' default test key an identity.
        status, body = emu.control("POST", "apigw/credentials", {
            "access_key_id": "testing", "secret_access_key": "testing", "arn": f"arn:aws:iam::{ACCOUNT}:root"})
        expect(status == 200 and body["registered"] == ["testing"], body)
        wire, headers = sign("GET", host, "/prod/", ("testing", "testing"))
        expect(send(emu, "GET", wire, headers)[0] == 200, "registered root credentials")
        emu.control("POST", "apigw/credentials", [{
            "access_key_id": "ASIACDKXOTHER", "secret_access_key": "s3cret", "session_token": "tok",
            "arn": "arn:aws:sts::333333333333:assumed-role/Dev/ci",
            "policies": [{"Statement": {"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}}]}])
        wire, headers = sign("GET", host, "/prod/", ("ASIACDKXOTHER", "s3cret", "tok"))
        expect_error(send(emu, "GET", wire, headers), 403, "AccessDeniedException", key="Message", body={
            "Message": f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
                       f"{fx['arn']}/prod/GET/"})
        status, body = emu.control("POST", "apigw/credentials", {"access_key_id": "x"})
        expect(status == 400 and "secret_access_key" in body["error"], body)
        listed = emu.control("GET", "apigw/credentials")[1]["credentials"]
        expect(len(listed) == 2 and all("secret_access_key" not in c for c in listed), listed)
        emu.control("DELETE", "apigw/credentials")
        wire, headers = sign("GET", host, "/prod/", ("testing", "testing"))
        expect_error(send(emu, "GET", wire, headers), 403, "UnrecognizedClientException", MSG_INVALID_TOKEN)

    check("front door: same account (account principal delegates, explicit deny, registered keys)", same_account)

    def iam_simulator():
        iam.create_user(UserName="cdkx-sim")
        arn = f"arn:aws:iam::{ACCOUNT}:user/cdkx-sim"
        resource = f"{fx['arn']}/prod/GET/"

        def decide(action="execute-api:Invoke"):
            return iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=[action],
                                                 ResourceArns=[resource])["EvaluationResults"][0]

        expect(decide()["EvalDecision"] == "implicitDeny", "no policy: implicit deny")
        iam.put_user_policy(UserName="cdkx-sim", PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:ListUserPolicies", "Resource": "*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
        result = decide()
        expect(result["EvalDecision"] == "allowed"
               and result["MatchedStatements"][0]["SourcePolicyId"] == "invoke", result)
        result = decide("iam:ListUserPolicies")
        expect(result["EvalDecision"] == "implicitDeny"
               and result["MissingContextValues"] == ["aws:MultiFactorAuthPresent"], result)
        managed = iam.create_policy(PolicyName="cdkx-sim-deny", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "execute-api:Invoke",
                                                    "Resource": f"{fx['arn']}/*/GET/*"}]}))["Policy"]["Arn"]
        iam.attach_user_policy(UserName="cdkx-sim", PolicyArn=managed)
        result = decide()
        expect(result["EvalDecision"] == "explicitDeny"
               and result["MatchedStatements"][0]["SourcePolicyId"] == managed, result)
        try:
            iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/nobody",
                                          ActionNames=["execute-api:Invoke"])
            expect(False, "an unknown user must be NoSuchEntity")
        except ClientError as exc:
            expect(exc.response["Error"]["Code"] == "NoSuchEntity", exc.response)
        # IAM permissions for IAM calls, on demand.
        key = iam.create_access_key(UserName="cdkx-sim")["AccessKey"]
        sim = emu.client("iam", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
        sim.list_user_policies(UserName="cdkx-sim")  # moto's default: anything goes
        emu.control("POST", "iam/enforce", {"enforce": True})
        try:
            try:
                sim.list_user_policies(UserName="cdkx-sim")
                expect(False, "enforced: the condition does not hold, so AccessDenied")
            except ClientError as exc:
                expect(exc.response["Error"]["Code"] == "AccessDenied"
                       and "iam:ListUserPolicies" in exc.response["Error"]["Message"], exc.response)
            iam.list_user_policies(UserName="cdkx-sim")  # the root-like default key still may
        finally:
            emu.control("POST", "iam/enforce", {"enforce": False})

    check("IAM: SimulatePrincipalPolicy from moto's IAM data; IAM calls refused on demand", iam_simulator)

    def canonicalization():
        # A second API, made through the API Gateway API: ANY /{proxy+} with IAM auth
        # (AWS_PROXY to iamApiFn), GET /open without auth (MOCK), no resource policy.
        fn_arn = emu.client("lambda").get_function(FunctionName=fx["fn"])["Configuration"]["FunctionArn"]
        api = apigw.create_rest_api(name="cdkx-edge")["id"]
        root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
        proxy = apigw.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
        apigw.put_method(restApiId=api, resourceId=proxy, httpMethod="ANY", authorizationType="AWS_IAM")
        apigw.put_integration(restApiId=api, resourceId=proxy, httpMethod="ANY", type="AWS_PROXY",
                              integrationHttpMethod="POST",
                              uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn_arn}/invocations")
        open_ = apigw.create_resource(restApiId=api, parentId=root, pathPart="open")["id"]
        apigw.put_method(restApiId=api, resourceId=open_, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api, resourceId=open_, httpMethod="GET", type="MOCK")
        apigw.create_deployment(restApiId=api, stageName="dev")
        host = f"{api}.execute-api.{REGION}.amazonaws.com"
        arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}"
        # Same account, no resource policy: the identity policy must allow.
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/cdkx-edge", RoleSessionName="edge")["Credentials"]
        session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        iam.create_role(RoleName="cdkx-edge", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}))
        iam.put_role_policy(RoleName="cdkx-edge", PolicyName="invoke", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                                                    "Resource": f"{arn}/dev/*"}]}))
        emu.control("DELETE", "lambda/results")
        emu.control("POST", "lambda/results", {"function": fn_arn, "default": {"payload": {
            "statusCode": 200, "body": "ok"}}})
        code, _, data = send(emu, "GET", "/dev/open", {"Host": host})
        expect(code == 200 and data == b"{}", (code, data))

        def call(method, path, params=None, body=b"", headers=None, wire_fix=None, expect_event=None,
                 creds=session, sign_host=host, send_host=None, **kw):
            wire, sent = sign(method, sign_host, path, creds, params=params, body=body, headers=headers, **kw)
            if wire_fix:
                wire = wire_fix(wire)
            if send_host:
                sent["Host"] = send_host
            emu.control("DELETE", "lambda/invocations")
            code, rheaders, data = send(emu, method, wire, sent, body)
            expect(code == 200 and data == b"ok", f"{method} {wire}: {code} {data[:600]!r}")
            event = emu.control("GET", "lambda/invocations")[1]["invocations"][0]["payload"]
            for key, value in (expect_event or {}).items():
                expect(event[key] == value, f"{method} {wire}: event[{key!r}] = {event[key]!r}, want {value!r}")
            return event

        call("GET", "/dev/a%2Fb/c", expect_event={"path": "/a/b/c", "pathParameters": {"proxy": "a/b/c"},
                                                  "resource": "/{proxy+}"})
        call("GET", "/dev/hello%20world", expect_event={"path": "/hello world"})
        call("GET", "/dev/caf%C3%A9/%E2%9C%93", expect_event={"path": "/café/✓"})
        call("GET", "/dev/tilde~and-dots._/x", expect_event={"path": "/tilde~and-dots._/x"})
        call("GET", "/dev/q", params=[("b", "2"), ("a", "1"), ("a", "0"), ("a", ""), ("flag", ""),
                                      ("sp", "x y"), ("sym", "*~-._!'()/?=&+"), ("u", "✓é")],
             expect_event={"multiValueQueryStringParameters": {
                 "b": ["2"], "a": ["1", "0", ""], "flag": [""], "sp": ["x y"], "sym": ["*~-._!'()/?=&+"],
                 "u": ["✓é"]}, "queryStringParameters": {"b": "2", "a": "", "flag": "", "sp": "x y",
                                                         "sym": "*~-._!'()/?=&+", "u": "✓é"}})
        # '+' on the wire is a space (as in aws-sigv4, which reads the query as form data).
        call("GET", "/dev/plus", params=[("q", "a b")], wire_fix=lambda w: w.replace("%20", "+"),
             expect_event={"queryStringParameters": {"q": "a b"}})
        payload = json.dumps({"name": "cdkx", "list": [1, 2, 3], "unicode": "✓"}).encode()
        event = call("POST", "/dev/items", body=payload, headers={"Content-Type": "application/json"},
                     expect_event={"httpMethod": "POST", "body": payload.decode(), "isBase64Encoded": False})
        expect(event["requestContext"]["identity"]["userArn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/cdkx-edge/edge",
               event["requestContext"])
        call("PUT", "/dev/bin", body=b"\x00\xff\x10", headers={"Content-Type": "application/octet-stream"},
             expect_event={"body": "AP8Q", "isBase64Encoded": True})
        # Extra signed headers, with runs of spaces that canonicalization trims.
        call("DELETE", "/dev/x", headers={"X-Custom": "a   b  c", "User-Agent": "cdkx-selftest"})
        # A Date header instead of X-Amz-Date (botocore signs with it when present).
        call("GET", "/dev/dated", headers={"Date": "Thu, 01 Jan 1970 00:00:00 GMT"})
        expect(emu.control("GET", "apigw/requests")[1]["requests"][-1]["signed_headers"] == ["date", "host",
                                                                                            "x-amz-security-token"],
               "signed with Date")
        # Presigned (query-string) SigV4.
        call("GET", "/dev/presigned", params=[("k", "v w")], presign=True)
        log = emu.control("GET", "apigw/requests")[1]["requests"][-1]
        expect(log["signature_location"] == "query" and log["session_token"], log)
        # The path form: signed as sent (127.0.0.1 host, full path) or as the execute-api URL.
        port_host = emu.endpoint.split("//", 1)[1]
        call("GET", f"/_execute-api/{api}/dev/a%2Fb", sign_host=port_host,
             expect_event={"path": "/a/b", "pathParameters": {"proxy": "a/b"}})
        expect(emu.control("GET", "apigw/requests")[1]["requests"][-1]["canonical_form"] == "as-sent", "as-sent")
        call("GET", "/dev/a%2Fb", sign_host=host, send_host=port_host,
             wire_fix=lambda w: f"/_execute-api/{api}" + w, expect_event={"path": "/a/b"})
        expect(emu.control("GET", "apigw/requests")[1]["requests"][-1]["canonical_form"] == "execute-api", "virtual")
        # Tampering still fails on this API: body changed after signing.
        wire, sent = sign("POST", host, "/dev/items", session, body=payload, headers={"Content-Type": "application/json"})
        expect_error(send(emu, "POST", wire, sent, payload.replace(b"cdkx", b"CDKX")), 403,
                     "InvalidSignatureException", prefix=MSG_BAD_SIGNATURE)
        # A user whose identity policy names only the other API is refused here.
        expect_error(send(emu, "GET", *sign("GET", host, "/dev/x", fx["alice"])), 403, "AccessDeniedException",
                     key="Message", body={"Message": f"User: {fx['alice_arn']} is not authorized to perform: "
                                                     f"execute-api:Invoke on resource: {arn}/dev/GET/x because no "
                                                     "identity-based policy allows the execute-api:Invoke action"})
        emu.control("DELETE", "lambda/results")

    check("front door: canonicalization edge cases (%2F, spaces, unicode, repeated keys, body, token)",
          canonicalization)

    def proxy_results():
        host = fx["host"]
        emu.control("POST", "lambda/results", {"function": fx["fn"], "results": [
            {"payload": {"statusCode": 201, "headers": {"X-One": "1", "Set-Cookie": "ignored"},
                         "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
                         "body": base64.b64encode(b"\x00binary").decode(), "isBase64Encoded": True}},
            {"payload": {"errorMessage": "boom"}, "function_error": "Handled"},
            {"payload": {"body": 5}},
        ]})
        port = int(emu.endpoint.rsplit(":", 1)[1])
        wire, headers = sign("GET", host, "/prod/", fx["alice"])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", wire, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        expect(resp.status == 201 and data == b"\x00binary", (resp.status, data))
        expect(resp.getheader("X-One") == "1" and resp.headers.get_all("Set-Cookie") == ["a=1", "b=2"],
               resp.getheaders())
        for _ in range(2):
            wire, headers = sign("GET", host, "/prod/", fx["alice"])
            expect_error(send(emu, "GET", wire, headers), 502, "InternalServerErrorException",
                         {"message": "Internal server error"})
        log = emu.control("GET", "apigw/requests")[1]["requests"]
        expect(log[-1]["verdict"] == "integration_error" and "malformed" in log[-1]["note"], log[-1])
        expect(emu.control("DELETE", "apigw/requests")[0] == 200, "DELETE")
        expect(emu.control("GET", "apigw/requests")[1]["requests"] == [], "DELETE resets the log")
        emu.control("DELETE", "lambda/results")
        emu.control("DELETE", "lambda/invocations")

    check("front door: proxy results (status, headers, base64 body), function errors -> 502", proxy_results)


# ---------------------------------------------------------------- the checks


def main() -> int:
    emu = Emulator()
    print(f"server.py ready in {emu.startup:.2f}s at {emu.endpoint}", file=sys.stderr)
    cfn = emu.client("cloudformation")
    lam = emu.client("lambda")
    state: dict = {}

    def mini():
        with tempfile.TemporaryDirectory() as tmp:
            result, took = emu.deploy(write_mini_assembly(tmp))
        print(f"     mini assembly deployed in {took:.2f}s", file=sys.stderr)
        stacks = {s["stackName"]: s for s in result["stacks"]}
        expect(set(stacks) == {"MiniStack", "Far-RemoteStack"}, f"stacks: {sorted(stacks)}")
        expect(stacks["Far-RemoteStack"]["account"] == "111111111111", "Far account")
        expect(":111111111111:" in stacks["Far-RemoteStack"]["stackId"], stacks["Far-RemoteStack"]["stackId"])
        far = emu.client("cloudformation", region="eu-west-1")
        expect(not far.describe_stacks()["Stacks"], "the default account must not see account 1111's stack")
        resources = {r["LogicalResourceId"]: r for r in
                     cfn.list_stack_resources(StackName="MiniStack")["StackResourceSummaries"]}
        expect(resources["CDKMetadata"]["ResourceType"] == "AWS::CDK::Metadata", resources.keys())
        inner = resources["Inner"]["PhysicalResourceId"]
        expect(inner.startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/MiniStack-Inner"), inner)
        nested = cfn.list_stack_resources(StackName=inner)["StackResourceSummaries"]
        expect([r["LogicalResourceId"] for r in nested] == ["Param"], nested)
        child = cfn.describe_stacks(StackName=inner)["Stacks"][0]
        expect(child.get("ParentId") == child.get("RootId") == stacks["MiniStack"]["stackId"], child)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName="MiniStack")
                   ["Stacks"][0]["Outputs"]}
        expect(outputs["FnName"] == resources["Fn"]["PhysicalResourceId"], outputs)

    check("deploy generated assembly (stage, second account, nested stack, TemplateURL)", mini)

    fixtures = sorted(glob.glob(os.path.join(REPO, "tests", "fixtures", "*", "cdk.out", "manifest.json")))
    for manifest in fixtures:
        assembly = os.path.dirname(manifest)
        name = os.path.basename(os.path.dirname(assembly))

        def deploy_fixture(assembly=assembly, name=name):
            result, took = emu.deploy(assembly)
            state.setdefault("deploy_times", {})[name] = took
            print(f"     {name}: {len(result['stacks'])} stack(s) in {took:.2f}s", file=sys.stderr)
            for s in result["stacks"]:
                expect(s["status"] == "CREATE_COMPLETE", s)

        check(f"deploy fixture {name}", deploy_fixture)
    if not fixtures:
        print("     (no tests/fixtures/*/cdk.out yet: fixture checks skipped)", file=sys.stderr)

    iam_api = any("iam-api" in m for m in fixtures)

    def lambda_functions():
        if iam_api:
            summaries = cfn.list_stack_resources(StackName="IamApigatewayLambdaStack")["StackResourceSummaries"]
            fns = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries
                   if r["ResourceType"] == "AWS::Lambda::Function"}
            expect(len(fns) >= 2 and all(fns.values()), f"functions: {fns}")
            state["function"] = next(v for k, v in sorted(fns.items()) if k.startswith("requestor"))
            for r in summaries:
                expect(r["LogicalResourceId"] and r["ResourceType"], f"unnamed resource: {r}")
        else:
            fns = [r["PhysicalResourceId"] for r in cfn.list_stack_resources(StackName="MiniStack")
                   ["StackResourceSummaries"] if r["ResourceType"] == "AWS::Lambda::Function"]
            state["function"] = fns[0]
        state["function_arn"] = lam.get_function(FunctionName=state["function"])["Configuration"]["FunctionArn"]

    check("ListStackResources lists the Lambda functions with physical ids", lambda_functions)

    def invoke_queue():
        fn, arn = state["function"], state["function_arn"]
        status, body = emu.control("POST", "lambda/results", {"function": arn, "results": [
            {"payload": {"without": {"status": 403}, "with": {"status": 200}}, "log_result": "START\nEND\n"},
            {"payload_text": "not json", "function_error": "Handled"},
        ]})
        expect(status == 200 and body["queued"] == 2, (status, body))
        r = lam.invoke(FunctionName=fn, Payload=b'{"probe": 1}', LogType="Tail")
        expect(r["StatusCode"] == 200, r)
        expect(json.loads(r["Payload"].read()) == {"without": {"status": 403}, "with": {"status": 200}}, "payload")
        expect(base64.b64decode(r["LogResult"]).decode() == "START\nEND\n", r.get("LogResult"))
        expect("FunctionError" not in r and r["ExecutedVersion"] == "$LATEST", r)
        r = lam.invoke(FunctionName=arn, Payload=b"{}")  # by ARN, no Tail
        expect(r["FunctionError"] == "Handled" and r["Payload"].read() == b"not json", r)
        expect("LogResult" not in r, "LogResult must only come with LogType=Tail")
        r = lam.invoke(FunctionName=fn, Payload=b"{}", LogType="Tail")  # queue empty, no default
        body = json.loads(r["Payload"].read())
        expect(r["FunctionError"] == "Unhandled" and body["errorType"] == "NoQueuedResult", body)
        # A default answers every call once the queue is empty; 6 MB both ways.
        big = json.dumps({"blob": "y" * (6 * 1000 * 1000)}).encode()
        emu.control("POST", "lambda/results", {"function": fn, "default": {"payload_base64": base64.b64encode(big).decode()}})
        r = lam.invoke(FunctionName=fn, Payload=big, Qualifier="$LATEST")
        expect(r["Payload"].read() == big and "FunctionError" not in r, "6 MB round trip")
        status, body = emu.control("GET", "lambda/invocations")
        calls = [i for i in body["invocations"] if i["function"] == fn]
        expect(len(calls) == 4, f"{len(calls)} invocations recorded")
        expect(calls[0]["payload"] == {"probe": 1} and calls[0]["log_type"] == "Tail", calls[0])
        expect(calls[3]["qualifier"] == "$LATEST" and len(calls[3]["payload"]["blob"]) == 6000000, "big call")
        emu.control("DELETE", "lambda/results")
        emu.control("DELETE", "lambda/invocations")

    check("Lambda Invoke answers from the queue (LogType Tail, errors, default, 6 MB)", invoke_queue)

    def cloudtrail():
        ct = emu.client("cloudtrail")
        fn, arn = state["function"], state["function_arn"]
        base = dt.datetime(2025, 1, 2, 3, 0, 0, tzinfo=dt.timezone.utc)
        events = []
        for i in range(150):
            mine = i < 120
            events.append({
                "eventVersion": "1.08", "eventTime": (base + dt.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "eventSource": "lambda.amazonaws.com", "eventName": "GetFunction20150331v2" if mine else "ListFunctions",
                "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "cdkx-selftest",
                "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:alice",
                                 "arn": "arn:aws:sts::222222222222:assumed-role/Dev/alice",
                                 "accountId": "222222222222", "accessKeyId": "ASIAEXAMPLE"},
                "recipientAccountId": "123456789012", "readOnly": True, "eventID": f"evt-{i:04d}",
                "resources": [{"ARN": arn, "accountId": "123456789012", "type": "AWS::Lambda::Function"}] if mine else [],
                "requestParameters": {"functionName": fn} if mine else {},
            })
        status, body = emu.control("POST", "cloudtrail/events", {"region": "us-east-1", "events": events})
        expect(status == 200 and body["stored"] == 150, body)
        pages, token = [], None
        while True:
            kwargs = {"LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": fn}]}
            if token:
                kwargs["NextToken"] = token
            page = ct.lookup_events(**kwargs)
            pages.append(page["Events"])
            token = page.get("NextToken")
            if not token:
                break
        expect([len(p) for p in pages] == [50, 50, 20], [len(p) for p in pages])
        ids = [e["EventId"] for p in pages for e in p]
        expect(ids == [f"evt-{i:04d}" for i in range(119, -1, -1)], "newest first, no repeats")
        first = pages[0][0]
        expect(first["Username"] == "alice" and first["ReadOnly"] == "true" and first["AccessKeyId"] == "ASIAEXAMPLE", first)
        expect(first["Resources"] == [{"ResourceType": "AWS::Lambda::Function", "ResourceName": arn}], first)
        expect(json.loads(first["CloudTrailEvent"])["recipientAccountId"] == "123456789012", "CloudTrailEvent")
        expect(first["EventTime"] == base + dt.timedelta(minutes=119), first["EventTime"])
        # By ARN too, and a time window (StartTime/EndTime are epoch seconds on the wire).
        by_arn = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn}],
                                  StartTime=base + dt.timedelta(minutes=10), EndTime=base + dt.timedelta(minutes=19, seconds=30))
        expect([e["EventId"] for e in by_arn["Events"]] == [f"evt-{i:04d}" for i in range(19, 9, -1)], by_arn["Events"])
        names = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListFunctions"}],
                                 MaxResults=7)
        expect(len(names["Events"]) == 7 and names.get("NextToken"), "MaxResults")
        try:
            ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "a"},
                                               {"AttributeKey": "Username", "AttributeValue": "b"}])
            raise AssertionError("two lookup attributes must fail")
        except ClientError as err:
            expect(err.response["Error"]["Code"] == "InvalidLookupAttributesException", err.response)
        other = emu.client("cloudtrail", region="eu-west-1").lookup_events()
        expect(other["Events"] == [], "events are per region")
        emu.control("DELETE", "cloudtrail/events")
        expect(ct.lookup_events()["Events"] == [], "DELETE clears the events")

    check("CloudTrail LookupEvents: 120 seeded events in 3 pages by ResourceName", cloudtrail)

    def athena_paging():
        athena = emu.client("athena", config=NO_RETRY)
        header = {"Data": [{"VarCharValue": "n"}, {"VarCharValue": "square"}]}
        rows = [header] + [{"Data": [{"VarCharValue": str(i)}, {"VarCharValue": str(i * i)}]} for i in range(2499)]
        columns = [{"Name": "n", "Type": "integer"}, {"Name": "square", "Type": "integer"}]
        req = urllib.request.Request(
            f"{emu.endpoint}/moto-api/static/athena/query-results", method="POST",
            data=json.dumps({"results": [{"rows": rows, "column_info": columns}]}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            expect(resp.status == 201, resp.status)
        qid = athena.start_query_execution(QueryString="SELECT n, n * n FROM t",
                                           ResultConfiguration={"OutputLocation": "s3://cdkx-athena/out/"})["QueryExecutionId"]
        pages, token = [], None
        while True:
            page = athena.get_query_results(QueryExecutionId=qid, **({"NextToken": token} if token else {}))
            pages.append(page)
            token = page.get("NextToken")
            if not token:
                break
        expect([len(p["ResultSet"]["Rows"]) for p in pages] == [1000, 1000, 500],
               [len(p["ResultSet"]["Rows"]) for p in pages])
        expect(pages[0]["ResultSet"]["Rows"][0] == header, "the header row opens page 1")
        expect(all(p["ResultSet"]["Rows"][0] != header for p in pages[1:]), "the header row is on page 1 only")
        expect(all(p["ResultSet"]["ResultSetMetadata"]["ColumnInfo"] == columns for p in pages), "metadata per page")
        expect([r for p in pages for r in p["ResultSet"]["Rows"]] == rows, "the pages add up to the rows, in order")
        small = athena.get_query_results(QueryExecutionId=qid, MaxResults=7)
        expect(len(small["ResultSet"]["Rows"]) == 7 and small.get("NextToken"), "MaxResults")
        for bad in ("not-a-token", small["NextToken"][:-2]):
            try:
                athena.get_query_results(QueryExecutionId=qid, NextToken=bad)
                raise AssertionError(f"NextToken {bad!r} must fail")
            except ClientError as err:
                expect(err.response["Error"]["Code"] == "InvalidRequestException", err.response)
                expect(err.response["ResponseMetadata"]["HTTPStatusCode"] == 400, err.response)

    check("Athena GetQueryResults: 2500 rows (header first) in pages of 1000, 1000, 500", athena_paging)

    def lake():
        ct = emu.client("cloudtrail", config=NO_RETRY)
        created = ct.create_event_data_store(Name="cdkx-selftest")
        arn = created["EventDataStoreArn"]
        store_id = arn.rsplit("/", 1)[1]
        expect(re.fullmatch(r"arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/[0-9a-f-]{36}", arn), arn)
        expect(created["Name"] == "cdkx-selftest" and created["Status"] == "ENABLED", created)
        listed = ct.list_event_data_stores()
        expect([(s["EventDataStoreArn"], s["Status"]) for s in listed["EventDataStores"]] == [(arn, "ENABLED")]
               and "NextToken" not in listed, listed)
        rows = [[{"eventTime": f"2025-01-02 03:{i // 60 % 60:02d}:{i % 60:02d}.000"}, {"eventName": "Invoke"},
                 {"n": str(i)}] for i in range(2500)]
        status, body = emu.control("POST", "lake/query-results", {"rows": rows})
        expect(status == 200 and body == {"account": "123456789012", "region": "us-east-1", "queued": 1}, body)
        status, body = emu.control("POST", "lake/query-results", {"rows": [[{"a": "1", "b": "2"}]]})
        expect(status == 400 and "one key" in body["error"], body)
        emu.control("DELETE", "lake/queries")
        statement = (f"SELECT eventTime, eventName, extract(year FROM eventTime) FROM {store_id} "
                     "WHERE eventName = 'from x' ORDER BY eventTime DESC")
        query_id = ct.start_query(QueryStatement=statement)["QueryId"]
        described = ct.describe_query(QueryId=query_id)
        expect(described["QueryStatus"] == "FINISHED" and described["QueryString"] == statement, described)
        expect(described["QueryStatistics"]["EventsMatched"] == 2500, described["QueryStatistics"])
        pages, token = [], None
        while True:
            page = ct.get_query_results(QueryId=query_id, **({"NextToken": token} if token else {}))
            pages.append(page)
            token = page.get("NextToken")
            if not token:
                break
        expect([len(p["QueryResultRows"]) for p in pages] == [1000, 1000, 500],
               [len(p["QueryResultRows"]) for p in pages])
        expect([r for p in pages for r in p["QueryResultRows"]] == rows, "the pages add up to the rows, in order")
        expect(pages[2]["QueryStatistics"]["ResultsCount"] == 500
               and pages[2]["QueryStatistics"]["TotalResultsCount"] == 2500, pages[2]["QueryStatistics"])
        expect(len(ct.get_query_results(QueryId=query_id, MaxQueryResults=3)["QueryResultRows"]) == 3, "MaxQueryResults")
        # Nothing queued any more: the next query has no rows.
        empty = ct.start_query(QueryStatement=f'SELECT * FROM "{store_id}"')["QueryId"]
        expect(ct.get_query_results(QueryId=empty)["QueryResultRows"] == [], "no queued set -> no rows")
        for kwargs, code in (
            ({"QueryStatement": "SELECT * FROM 00000000-0000-0000-0000-000000000000"}, "EventDataStoreNotFoundException"),
            ({"QueryStatement": "SELECT 1"}, "InvalidQueryStatementException"),
        ):
            try:
                ct.start_query(**kwargs)
                raise AssertionError(f"{kwargs} must fail")
            except ClientError as err:
                expect(err.response["Error"]["Code"] == code, err.response)
        for call, code in ((lambda: ct.describe_query(QueryId=str(uuid.uuid4())), "QueryIdNotFoundException"),
                           (lambda: ct.get_query_results(QueryId=str(uuid.uuid4())), "QueryIdNotFoundException"),
                           (lambda: ct.get_query_results(QueryId=query_id, NextToken="nope"), "InvalidNextTokenException")):
            try:
                call()
                raise AssertionError(f"{code} expected")
            except ClientError as err:
                expect(err.response["Error"]["Code"] == code, err.response)
        recorded = emu.control("GET", "lake/queries")[1]
        expect([(q["queryId"], q["statement"]) for q in recorded[:2]]
               == [(query_id, statement), (empty, f'SELECT * FROM "{store_id}"')], recorded)
        expect(all(q["account"] == "123456789012" and q["region"] == "us-east-1" for q in recorded), recorded)
        expect([q["queryId"] for q in recorded[2:]] == [None, None], "rejected statements are recorded too")
        other = emu.client("cloudtrail", region="eu-west-1")
        expect(other.list_event_data_stores()["EventDataStores"] == [], "event data stores are per region")
        counts = emu.control("GET", "requests")[1]["counts"]
        expect(counts.get("cloudtrail:StartQuery", 0) >= 4 and counts.get("cloudtrail:GetQueryResults", 0) >= 3, counts)

    check("CloudTrail Lake: event data store, StartQuery, 2500 queued rows in 3 pages, errors", lake)

    def faults():
        ct = emu.client("cloudtrail", config=NO_RETRY)
        cfn1 = emu.client("cloudformation", config=NO_RETRY)
        status, _ = emu.control("POST", "faults", {
            "target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
            "kind": "throttle", "count": 1})
        expect(status == 200, status)
        try:
            ct.lookup_events()
            raise AssertionError("the throttle fault did not fire")
        except ClientError as err:
            expect(err.response["Error"]["Code"] == "ThrottlingException", err.response)
            expect(err.response["ResponseMetadata"]["HTTPStatusCode"] == 400, err.response)
        ct.lookup_events()  # recovered
        emu.control("POST", "faults", {"target": "ListStackResources", "kind": "throttle", "count": 2})
        for _ in range(2):
            try:
                cfn1.list_stack_resources(StackName="MiniStack")
                raise AssertionError("the CloudFormation throttle did not fire")
            except ClientError as err:
                expect(err.response["Error"]["Code"] == "Throttling", err.response)
        cfn1.list_stack_resources(StackName="MiniStack")
        emu.control("POST", "faults", {"target": "lambda", "kind": "http500"})
        try:
            emu.client("lambda", config=NO_RETRY).list_functions()
            raise AssertionError("http500 did not fire")
        except ClientError as err:
            expect(err.response["ResponseMetadata"]["HTTPStatusCode"] == 500, err.response)
        emu.control("POST", "faults", {"target": "cloudtrail", "kind": "invalid_json"})
        try:
            ct.lookup_events()
            raise AssertionError("invalid_json did not fire")
        except Exception as err:  # noqa: BLE001 - botocore raises a parse error
            expect("ClientError" not in type(err).__name__, err)
        emu.control("POST", "faults", {"target": "DescribeStacks", "kind": "hang", "seconds": 1.0})
        started = time.monotonic()
        cfn1.describe_stacks(StackName="MiniStack")
        expect(time.monotonic() - started >= 1.0, "hang did not delay")
        emu.control("POST", "faults", {"target": "LookupEvents", "kind": "throttle", "count": 5})
        emu.control("DELETE", "faults")
        ct.lookup_events()
        status, body = emu.control("POST", "faults", {"target": "x", "kind": "nope"})
        expect(status == 400 and "kind" in body["error"], body)

    check("faults: throttle once then recover, http500, invalid_json, hang, clear", faults)

    def counting():
        emu.control("DELETE", "requests")
        for _ in range(3):
            cfn.list_stack_resources(StackName="MiniStack")
        cfn.describe_stacks(StackName="MiniStack")
        emu.client("cloudtrail").lookup_events()
        lam.get_function(FunctionName=state["function"])
        status, body = emu.control("GET", "requests")
        counts = body["counts"]
        expect(counts.get("cloudformation:ListStackResources") == 3, counts)
        expect(counts.get("cloudformation:DescribeStacks") == 1, counts)
        expect(counts.get("cloudtrail:LookupEvents") == 1, counts)
        expect(counts.get("lambda:GetFunction") == 1, counts)
        expect(len(body["log"]) == 6 and {"service", "action", "time"} <= set(body["log"][0]), body["log"])
        emu.control("DELETE", "requests")
        expect(emu.control("GET", "requests")[1]["counts"] == {}, "DELETE resets")

    check("request counting per service:action", counting)

    def trust_policies():
        sts = emu.client("sts")
        other = "444444444444"
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{other}:role/admin", RoleSessionName="setup")["Credentials"]
        admin = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
                 "aws_session_token": c["SessionToken"]}
        iam = emu.client("iam", **admin)

        def role(name, *statements):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": list(statements)}))

        allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
        role("cdkx-trusts-default", allow)
        role("cdkx-trusts-other", dict(allow, Principal={"AWS": "arn:aws:iam::555555555555:root"}))
        role("cdkx-no-external-id", allow, {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
                                            "Condition": {"Null": {"sts:ExternalId": "false"}}})
        role("cdkx-service", dict(allow, Principal={"Service": "lambda.amazonaws.com"}))
        arn = lambda name: f"arn:aws:iam::{other}:role/{name}"  # noqa: E731

        def refused(name, **kw):
            try:
                sts.assume_role(RoleArn=arn(name), RoleSessionName="tt", **kw)
            except ClientError as err:
                expect(err.response["Error"]["Code"] == "AccessDenied", err.response)
                expect(f"sts:AssumeRole on resource: {arn(name)}" in err.response["Error"]["Message"], err.response)
                return
            raise AssertionError(f"{name} {kw} was assumed")

        # Off (the default): anything goes, even a role that does not exist.
        sts.assume_role(RoleArn=arn("cdkx-trusts-other"), RoleSessionName="tt")
        sts.assume_role(RoleArn=arn("nosuch"), RoleSessionName="tt")
        mine = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/dev", RoleSessionName="me")["Credentials"]
        expect(emu.control("POST", "sts/trust", {"enforce": True}) == (200, {"enforce": True}), "enable")
        try:
            got = sts.assume_role(RoleArn=arn("cdkx-trusts-default"), RoleSessionName="tt")
            expect(got["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{other}:"), got)
            refused("cdkx-trusts-other")
            refused("nosuch")
            refused("cdkx-service")
            sts.assume_role(RoleArn=arn("cdkx-no-external-id"), RoleSessionName="tt")
            refused("cdkx-no-external-id", ExternalId="xid")
            # A session of the trusted account is trusted too (its account's root is named).
            emu.client("sts", aws_access_key_id=mine["AccessKeyId"], aws_secret_access_key=mine["SecretAccessKey"],
                       aws_session_token=mine["SessionToken"]).assume_role(RoleArn=arn("cdkx-trusts-default"),
                                                                           RoleSessionName="tt")
            expect(emu.control("POST", "sts/trust", {"enforce": "yes"})[0] == 400, "a bad body is refused")
        finally:
            emu.control("POST", "sts/trust", {"enforce": False})
        expect(emu.control("GET", "sts/trust") == (200, {"enforce": False}), "disable")

    check("trust policies enforced on AssumeRole on demand", trust_policies)

    def logs_and_metrics():
        import cdkx_cloudwatch

        # The CBOR codec round-trips what Smithy sends (indefinite maps, tag-1 timestamps).
        sample = {"Id": "q", "Values": [1.5, -2, 3], "Ok": True, "None": None}
        expect(cdkx_cloudwatch.cbor_decode(cdkx_cloudwatch.cbor_encode(sample)) == sample, "cbor round trip")
        indefinite = bytes([0xBF, 0x61, 0x61, 0xC1, 0x1A, 0, 0, 0, 60, 0xFF])
        decoded = cdkx_cloudwatch.cbor_decode(indefinite)
        expect(cdkx_cloudwatch._epoch(decoded["a"], "a") == 60.0, decoded)
        # Each invoke writes START, the function's lines, END and REPORT with its request id.
        fn = state["function"]
        emu.control("POST", "lambda/results", {"function": fn, "results": [
            {"payload": {}, "log_lines": ["one", "two"]}]})
        r = lam.invoke(FunctionName=fn, Payload=b"{}")
        rid = r["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid")
        logs = emu.client("logs")
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}", filterPattern=f'"{rid}"')["events"]
        expect(len(events) == 5 and events[0]["message"].startswith(f"START RequestId: {rid}"), events)
        expect(events[-1]["message"].startswith(f"REPORT RequestId: {rid}\tDuration: "), events[-1])
        expect(events[1]["message"].endswith(f"\t{rid}\tINFO\tone\n"), events[1])
        expect(events[3]["message"] == f"END RequestId: {rid}\n", events[3])
        # Paging of FilterLogEvents by the page-size knob.
        emu.control("POST", "paging", {"logs": 2})
        page = logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")
        expect(len(page["events"]) == 2 and page.get("nextToken"), page)
        # Metrics put with boto3 (JSON 1.0) come back with percentiles, paged.
        cw = emu.client("cloudwatch")
        now = int(time.time()) // 60 * 60
        dims = [{"Name": "FunctionName", "Value": fn}]
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            {"MetricName": "Duration", "Dimensions": dims, "Timestamp": now - 120, "Values": [1, 2, 3, 4, 100]},
            {"MetricName": "Duration", "Dimensions": dims, "Timestamp": now - 60, "Value": 7}])
        emu.control("POST", "paging", {"metrics": 1})
        query = lambda i, stat: {"Id": i, "MetricStat": {"Metric": {"Namespace": "AWS/Lambda",
                                 "MetricName": "Duration", "Dimensions": dims}, "Period": 60, "Stat": stat}}
        got, token, pages = {}, None, 0
        while True:
            kw = {"NextToken": token} if token else {}
            out = cw.get_metric_data(MetricDataQueries=[query("p50", "p50"), query("p99", "p99")],
                                     StartTime=now - 600, EndTime=now, ScanBy="TimestampAscending", **kw)
            pages += 1
            for res in out["MetricDataResults"]:
                got.setdefault(res["Id"], []).extend(res["Values"])
            token = out.get("NextToken")
            if not token:
                break
        expect(got == {"p50": [3.0, 7.0], "p99": [100.0, 7.0]} and pages == 4, (got, pages))
        emu.control("POST", "reset", {})

    check("CloudWatch Logs lines of each invoke, paging; metrics with percentiles (JSON and CBOR codec)",
          logs_and_metrics)

    if iam_api:
        apigw_checks(emu, cfn, state)
    else:
        print("     (no iam-api fixture: front door checks skipped)", file=sys.stderr)
    if any("http-api" in m for m in fixtures):
        httpapi_checks(emu, cfn)
    else:
        print("     (no http-api fixture: HTTP API front door checks skipped)", file=sys.stderr)

    def reset():
        emu.control("POST", "lambda/results", {"function": "x", "results": [{"payload": 1}]})
        with urllib.request.urlopen(urllib.request.Request(f"{emu.endpoint}/moto-api/reset", method="POST")) as r:
            expect(r.status == 200, r.status)
        expect(cfn.describe_stacks()["Stacks"] == [], "stacks survive reset")
        expect(emu.control("GET", "lambda/results")[1]["queues"] == {}, "queues survive reset")
        expect(emu.control("GET", "lake/queries")[1] == [], "Lake queries survive reset")
        expect(emu.client("cloudtrail").list_event_data_stores()["EventDataStores"] == [], "event data stores survive reset")
        with tempfile.TemporaryDirectory() as tmp:
            emu.deploy(write_mini_assembly(tmp), "--stack", "MiniStack", "--quiet")
        top = [s["StackName"] for s in cfn.describe_stacks()["Stacks"] if not s.get("ParentId")]
        expect(top == ["MiniStack"], f"--stack deployed {top}")

    check("/moto-api/reset clears moto and the emulator's state", reset)

    def shutdown():
        emu.proc.stdin.close()
        code = emu.proc.wait(timeout=10)
        expect(code == 0, f"exit code {code}")

    check("server exits on stdin EOF", shutdown)
    if emu.proc.poll() is None:
        emu.proc.kill()

    if state.get("deploy_times"):
        print("deploy times: " + ", ".join(f"{k} {v:.2f}s" for k, v in state["deploy_times"].items()),
              file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
