#!/usr/bin/env python3
"""Self-test of the local AWS emulator: run with the venv's python.

    .venv/bin/python tests/emulator/selftest.py [-v]

Starts server.py on a free port, deploys a small generated assembly (a Stage, a
second account, a nested stack and a template too large for TemplateBody) and
every fixture under tests/fixtures/*/cdk.out, then checks the extensions: queued
Lambda results, CloudTrail LookupEvents paging, faults, request counting, reset
and shutdown on stdin EOF. Exits non-zero when a check fails; the last line is
"N passed, N failed".
"""

from __future__ import annotations

import base64
import datetime as dt
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VERBOSE = "-v" in sys.argv

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
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

    def reset():
        emu.control("POST", "lambda/results", {"function": "x", "results": [{"payload": 1}]})
        with urllib.request.urlopen(urllib.request.Request(f"{emu.endpoint}/moto-api/reset", method="POST")) as r:
            expect(r.status == 200, r.status)
        expect(cfn.describe_stacks()["Stacks"] == [], "stacks survive reset")
        expect(emu.control("GET", "lambda/results")[1]["queues"] == {}, "queues survive reset")
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
