#!/usr/bin/env python3
"""Deploy a CDK cloud assembly (cdk.out) into the local moto server, without node.

    python deploy.py --endpoint http://127.0.0.1:PORT --assembly path/to/cdk.out \
        [--stack NAME ...] [--quiet]

What `cdk deploy` would do, reduced to what moto needs:
  1. per stack, publish its file assets (<Stack>.assets.json): zip each asset
     directory (or take a file as-is) and put it at the bucket/key the manifest
     names, creating the bucket;
  2. make sure the bootstrap version SSM parameter exists, since CDK templates
     declare `BootstrapVersion` as an `AWS::SSM::Parameter::Value<String>`;
  3. CreateStack with the template (TemplateURL through S3 when the body is over
     CloudFormation's 51,200-byte limit) and wait for CREATE_COMPLETE.

Stacks are deployed in dependency order, nested assemblies (CDK Stages)
included. A stack for an account other than moto's default one is deployed with
credentials from STS AssumeRole into arn:aws:iam::<ACCOUNT>:role/cdkx-deploy
(moto scopes such credentials to that account).

One line per stack goes to stderr; stdout gets one JSON object:
{"stacks": [{"artifactId", "stackName", "account", "region", "stackId", "status"}]}
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCOUNT = "123456789012"  # moto's default account
DEFAULT_REGION = "us-east-1"
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
BOOTSTRAP_VERSION = "21"
MAX_TEMPLATE_BODY = 51200  # CloudFormation's limit for TemplateBody
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
DEPLOY_ROLE = "cdkx-deploy"


class DeployError(Exception):
    pass


@dataclass
class StackArtifact:
    artifact_id: str
    directory: str  # the assembly directory that holds its files
    stack_name: str
    display_name: str
    account: str
    region: str
    template_file: str
    assets_file: str | None
    dependencies: list[str] = field(default_factory=list)  # keys of other stacks

    @property
    def key(self) -> str:
        return os.path.join(self.directory, self.artifact_id)


# ---------------------------------------------------------------- reading the assembly


def _environment(env: str | None) -> tuple[str, str]:
    account, region = DEFAULT_ACCOUNT, DEFAULT_REGION
    if env and env.startswith("aws://"):
        parts = env[len("aws://"):].split("/")
        if len(parts) == 2:
            if parts[0] and parts[0] != "unknown-account":
                account = parts[0]
            if parts[1] and parts[1] != "unknown-region":
                region = parts[1]
    return account, region


def read_assembly(directory: str) -> list[StackArtifact]:
    """Every stack artifact of the assembly, nested assemblies included."""
    manifest_path = os.path.join(directory, "manifest.json")
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise DeployError(f"no manifest.json in {directory}: is it a cdk.out directory?") from None
    artifacts: dict[str, Any] = manifest.get("artifacts") or {}
    stacks: list[StackArtifact] = []
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        props = artifact.get("properties") or {}
        if kind == "cdk:cloud-assembly":
            stacks.extend(read_assembly(os.path.join(directory, props["directoryName"])))
        elif kind == "aws:cloudformation:stack":
            account, region = _environment(artifact.get("environment"))
            assets_file = None
            stack_deps = []
            for dep in artifact.get("dependencies") or []:
                dep_artifact = artifacts.get(dep) or {}
                if dep_artifact.get("type") == "cdk:asset-manifest":
                    assets_file = (dep_artifact.get("properties") or {}).get("file")
                elif dep_artifact.get("type") == "aws:cloudformation:stack":
                    stack_deps.append(os.path.join(directory, dep))
            if assets_file is None and os.path.exists(os.path.join(directory, f"{artifact_id}.assets.json")):
                assets_file = f"{artifact_id}.assets.json"
            stacks.append(
                StackArtifact(
                    artifact_id=artifact_id,
                    directory=directory,
                    stack_name=props.get("stackName") or artifact_id,
                    display_name=artifact.get("displayName") or artifact_id,
                    account=account,
                    region=region,
                    template_file=props["templateFile"],
                    assets_file=assets_file,
                    dependencies=stack_deps,
                )
            )
    return stacks


def dependency_order(stacks: list[StackArtifact]) -> list[StackArtifact]:
    by_key = {s.key: s for s in stacks}
    ordered: list[StackArtifact] = []
    state: dict[str, str] = {}

    def visit(stack: StackArtifact, path: list[str]) -> None:
        if state.get(stack.key) == "done":
            return
        if state.get(stack.key) == "visiting":
            raise DeployError(f"dependency cycle: {' -> '.join(path + [stack.artifact_id])}")
        state[stack.key] = "visiting"
        for dep in stack.dependencies:
            if dep in by_key:
                visit(by_key[dep], path + [stack.artifact_id])
        state[stack.key] = "done"
        ordered.append(stack)

    for stack in stacks:
        visit(stack, [])
    return ordered


# ---------------------------------------------------------------- AWS clients


class Clients:
    """boto3 clients per (account, region), all pointed at the emulator."""

    def __init__(self, endpoint: str) -> None:
        import boto3
        from botocore.config import Config

        self.endpoint = endpoint
        self.boto3 = boto3
        # Fail fast: the emulator is local, a retry storm would only hide a problem.
        self.config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=120)
        self.base = {
            "aws_access_key_id": os.environ.get("AWS_ACCESS_KEY_ID") or "testing",
            "aws_secret_access_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or "testing",
            "aws_session_token": os.environ.get("AWS_SESSION_TOKEN") or None,
        }
        self._credentials: dict[str, dict] = {}
        self._clients: dict[tuple, Any] = {}

    def credentials(self, account: str) -> dict:
        if account not in self._credentials:
            sts = self._make("sts", DEFAULT_REGION, self.base)
            caller = sts.get_caller_identity()["Account"]
            if caller == account:
                self._credentials[account] = self.base
            else:
                role = f"arn:aws:iam::{account}:role/{DEPLOY_ROLE}"
                creds = sts.assume_role(RoleArn=role, RoleSessionName="cdkx-deploy")["Credentials"]
                self._credentials[account] = {
                    "aws_access_key_id": creds["AccessKeyId"],
                    "aws_secret_access_key": creds["SecretAccessKey"],
                    "aws_session_token": creds["SessionToken"],
                }
        return self._credentials[account]

    def _make(self, service: str, region: str, creds: dict) -> Any:
        return self.boto3.client(service, region_name=region, endpoint_url=self.endpoint, config=self.config, **creds)

    def client(self, service: str, account: str, region: str) -> Any:
        key = (service, account, region)
        if key not in self._clients:
            self._clients[key] = self._make(service, region, self.credentials(account))
        return self._clients[key]


# ---------------------------------------------------------------- assets


def _substitute(text: str, account: str, region: str) -> str:
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return (
        text.replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", partition)
    )


def _zip_directory(path: str) -> bytes:
    """A deterministic zip of a directory (sorted entries, fixed timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for root, dirs, files in os.walk(path, followlinks=True):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                info = zipfile.ZipInfo(os.path.relpath(full, path).replace(os.sep, "/"), (1980, 1, 1, 0, 0, 0))
                info.external_attr = (os.stat(full).st_mode & 0o777) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(full, "rb") as f:
                    zf.writestr(info, f.read())
    return buf.getvalue()


def _ensure_bucket(s3: Any, bucket: str, region: str, made: set) -> None:
    if bucket in made:
        return
    try:
        s3.head_bucket(Bucket=bucket)
    except Exception:  # noqa: BLE001 - any failure here means "create it"
        args: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            s3.create_bucket(**args)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
    made.add(bucket)


def publish_assets(clients: Clients, stack: StackArtifact, made_buckets: set, log) -> int:
    """Upload every file asset of the stack; returns how many."""
    if not stack.assets_file:
        return 0
    with open(os.path.join(stack.directory, stack.assets_file), encoding="utf-8") as f:
        manifest = json.load(f)
    published = 0
    for asset_id, asset in (manifest.get("files") or {}).items():
        source = asset.get("source") or {}
        if "path" not in source:
            log(f"  skipping asset {asset_id}: no source.path (executable sources need node/docker)")
            continue
        path = os.path.join(stack.directory, source["path"])
        if source.get("packaging") == "zip" and os.path.isdir(path):
            data = _zip_directory(path)
        elif os.path.isdir(path):
            raise DeployError(f"asset {asset_id}: {path} is a directory but packaging is {source.get('packaging')!r}")
        else:
            with open(path, "rb") as f:
                data = f.read()  # a file asset, or an already-zipped archive
        for dest in (asset.get("destinations") or {}).values():
            region = _substitute(dest.get("region") or stack.region, stack.account, stack.region)
            bucket = _substitute(dest["bucketName"], stack.account, region)
            key = _substitute(dest["objectKey"], stack.account, region)
            s3 = clients.client("s3", stack.account, region)
            _ensure_bucket(s3, bucket, region, made_buckets)
            s3.put_object(Bucket=bucket, Key=key, Body=data)
            published += 1
    if manifest.get("dockerImages"):
        log(f"  note: {len(manifest['dockerImages'])} docker image asset(s) not published (no docker here)")
    return published


def ensure_bootstrap_parameter(clients: Clients, account: str, region: str, done: set) -> None:
    if (account, region) in done:
        return
    ssm = clients.client("ssm", account, region)
    try:
        ssm.get_parameter(Name=BOOTSTRAP_PARAMETER)
    except ssm.exceptions.ParameterNotFound:
        ssm.put_parameter(Name=BOOTSTRAP_PARAMETER, Value=BOOTSTRAP_VERSION, Type="String")
    done.add((account, region))


# ---------------------------------------------------------------- stacks


def _template_source(clients: Clients, stack: StackArtifact, body: str, made_buckets: set) -> dict:
    if len(body.encode("utf-8")) <= MAX_TEMPLATE_BODY:
        return {"TemplateBody": body}
    # Too big for a body: put it in S3 like the CDK CLI does. moto reads path-style
    # https://s3.<region>.amazonaws.com/<bucket>/<key> URLs straight from its S3 store.
    bucket = f"cdk-hnb659fds-assets-{stack.account}-{stack.region}"
    key = f"cdkx-deploy/{stack.stack_name}.template.json"
    s3 = clients.client("s3", stack.account, stack.region)
    _ensure_bucket(s3, bucket, stack.region, made_buckets)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
    return {"TemplateURL": f"https://s3.{stack.region}.amazonaws.com/{bucket}/{key}"}


def _events_text(cfn: Any, stack_id: str) -> str:
    try:
        events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    except Exception as exc:  # noqa: BLE001 - best effort for an error message
        return f"(could not read stack events: {exc})"
    lines = []
    for e in reversed(events):
        lines.append(
            f"    {e.get('LogicalResourceId', '')} {e.get('ResourceType', '')} "
            f"{e.get('ResourceStatus', '')} {e.get('ResourceStatusReason', '') or ''}".rstrip()
        )
    return "\n".join(lines)


def deploy_stack(clients: Clients, stack: StackArtifact, made_buckets: set, bootstrapped: set,
                 timeout: float, log) -> dict:
    started = time.monotonic()
    assets = publish_assets(clients, stack, made_buckets, log)
    ensure_bootstrap_parameter(clients, stack.account, stack.region, bootstrapped)

    with open(os.path.join(stack.directory, stack.template_file), encoding="utf-8") as f:
        body = f.read()
    cfn = clients.client("cloudformation", stack.account, stack.region)
    try:
        stack_id = cfn.create_stack(
            StackName=stack.stack_name,
            Capabilities=CAPABILITIES,
            **_template_source(clients, stack, body, made_buckets),
        )["StackId"]
    except cfn.exceptions.AlreadyExistsException:
        raise DeployError(
            f"stack {stack.stack_name} already exists in {stack.account}/{stack.region} "
            "(reset the emulator with POST /moto-api/reset first)"
        ) from None
    except Exception as exc:
        raise DeployError(f"CreateStack {stack.stack_name} failed: {exc}") from exc

    deadline = time.monotonic() + timeout
    status = ""
    while True:
        described = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
        status = described["StackStatus"]
        if status.endswith("_COMPLETE") and "ROLLBACK" not in status and "DELETE" not in status:
            break
        if status.endswith("_FAILED") or "ROLLBACK" in status or status.startswith("DELETE"):
            raise DeployError(
                f"stack {stack.stack_name} ended in {status}: {described.get('StackStatusReason', '')}\n"
                f"  events:\n{_events_text(cfn, stack_id)}"
            )
        if time.monotonic() > deadline:
            raise DeployError(f"stack {stack.stack_name} still {status} after {timeout:.0f}s")
        time.sleep(0.2)

    log(
        f"deployed {stack.display_name} as {stack.stack_name} in {stack.account}/{stack.region}: "
        f"{status} ({assets} asset uploads, {time.monotonic() - started:.2f}s)"
    )
    return {
        "artifactId": stack.artifact_id,
        "stackName": stack.stack_name,
        "account": stack.account,
        "region": stack.region,
        "stackId": stack_id,
        "status": status,
    }


def select(stacks: list[StackArtifact], names: list[str]) -> list[StackArtifact]:
    if not names:
        return stacks
    chosen = []
    for name in names:
        matches = [s for s in stacks if name in (s.artifact_id, s.stack_name, s.display_name)]
        if not matches:
            known = ", ".join(f"{s.display_name} ({s.stack_name})" for s in stacks)
            raise DeployError(f"no stack named {name!r} in the assembly; stacks: {known}")
        chosen.extend(m for m in matches if m not in chosen)
    return [s for s in stacks if s in chosen]  # keep dependency order


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, help="the emulator, e.g. http://127.0.0.1:PORT")
    parser.add_argument("--assembly", required=True, help="the cdk.out directory")
    parser.add_argument("--stack", action="append", default=[],
                        help="deploy only this stack (artifact id, stack name or display name); repeatable")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each stack")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        if not args.quiet:
            print(f"deploy: {message}", file=sys.stderr, flush=True)

    try:
        stacks = select(dependency_order(read_assembly(args.assembly)), args.stack)
        if not stacks:
            raise DeployError(f"no stacks in {args.assembly}")
        clients = Clients(args.endpoint.rstrip("/"))
        made_buckets: set = set()
        bootstrapped: set = set()
        results = [deploy_stack(clients, s, made_buckets, bootstrapped, args.timeout, log) for s in stacks]
    except DeployError as exc:
        print(f"deploy: error: {exc}", file=sys.stderr, flush=True)
        return 1
    print(json.dumps({"stacks": results}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
