#!/usr/bin/env python3
"""The emulator's control endpoints, as small commands for scripts/bench.

    emu.py URL queue-default FUNCTION JSON     every Invoke of FUNCTION answers JSON
    emu.py URL register-key KEY SECRET ARN     the execute-api front door knows KEY as ARN
    emu.py URL seed-events FUNCTION N          N CloudTrail events about FUNCTION, newest now
    emu.py URL reset-requests                  clear the request counters
    emu.py URL requests                        the request counters and log (JSON)
    emu.py URL lookup-rtt FUNCTION [N]         median ms of one LookupEvents page (50 events), N=21

See tests/emulator/README.md for what each endpoint does.
"""

from __future__ import annotations

import datetime
import json
import statistics
import sys
import time
import urllib.request


def call(url: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        text = r.read()
    return json.loads(text) if text else None


def events(function: str, n: int, account: str = "123456789012", region: str = "us-east-1"):
    """n management events on the function, one every 30 s back from now; every 10th by
    another account (as the tests seed them)."""
    arn = f"arn:aws:lambda:{region}:{account}:function:{function}"
    now = datetime.datetime.now(datetime.timezone.utc)
    for i in range(n):
        caller = "222222222222" if i % 10 == 0 else account
        name = "UpdateFunctionConfiguration20150331v2" if i % 3 == 0 else "GetFunction20150331v2"
        yield {
            "eventVersion": "1.08",
            "eventTime": (now - datetime.timedelta(seconds=30 * i + 5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "lambda.amazonaws.com", "eventName": name, "awsRegion": region,
            "sourceIPAddress": f"198.51.100.{i % 250}", "userAgent": "aws-cli/2.17 md/bench",
            "userIdentity": {"type": "AssumedRole", "accountId": caller,
                             "principalId": "AROABENCH:alice",
                             "arn": f"arn:aws:sts::{caller}:assumed-role/Dev/alice"},
            "recipientAccountId": account, "readOnly": i % 3 != 0, "eventID": f"bench-{i:06d}",
            "resources": [{"ARN": arn, "accountId": account, "type": "AWS::Lambda::Function"}],
            "requestParameters": {"functionName": function},
        }


def main(argv: list[str]) -> None:
    url, cmd, args = argv[0].rstrip("/"), argv[1], argv[2:]
    if cmd == "queue-default":
        call(url, "POST", "/moto-api/cdkx/lambda/results",
             {"function": args[0], "default": {"payload": json.loads(args[1])}})
    elif cmd == "register-key":
        call(url, "POST", "/moto-api/cdkx/apigw/credentials",
             {"access_key_id": args[0], "secret_access_key": args[1], "arn": args[2]})
    elif cmd == "seed-events":
        batch: list = []
        for e in events(args[0], int(args[1])):
            batch.append(e)
            if len(batch) == 1000:
                call(url, "POST", "/moto-api/cdkx/cloudtrail/events", {"events": batch})
                batch = []
        if batch:
            call(url, "POST", "/moto-api/cdkx/cloudtrail/events", {"events": batch})
    elif cmd == "reset-requests":
        call(url, "DELETE", "/moto-api/cdkx/requests")
    elif cmd == "requests":
        print(json.dumps(call(url, "GET", "/moto-api/cdkx/requests")))
    elif cmd == "lookup-rtt":
        # One page of LookupEvents from a warm boto3 client: the round trip the audit's
        # first row is compared with.
        import boto3
        ct = boto3.client("cloudtrail", endpoint_url=url, region_name="us-east-1")
        times = []
        for _ in range(int(args[1]) if len(args) > 1 else 21):
            t = time.perf_counter()
            ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": args[0]}],
                             MaxResults=50)
            times.append((time.perf_counter() - t) * 1000)
        print(json.dumps({"median_ms": statistics.median(times), "times_ms": times}))
    else:
        sys.exit(f"emu.py: unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv[1:])
