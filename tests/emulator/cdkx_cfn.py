"""CloudFormation fidelity fixes for what CDK templates contain.

Plain moto 5.2 deploys a CDK stack but the result differs from AWS in ways cdkx
would notice (see README.md, "moto quirks"):

* ``AWS::CDK::Metadata``, ``AWS::ApiGateway::Stage``, ``AWS::ApiGateway::Account``
  (and e.g. ``AWS::SQS::QueuePolicy``, ``AWS::SNS::Subscription``) have no moto
  model: ListStackResources lists them with an empty logical id and type, and a
  ``Ref`` to them becomes the string ``None`` (so the API URL output ends in
  ``/None/``). Minimal models are added here (the Stage one creates a real API
  Gateway stage), and any other unknown type becomes an inert placeholder.
* ``Fn::GetAtt [NestedStack, Outputs.X]`` (how CDK passes values out of a nested
  stack) crashes moto with HTTP 500: nested stacks get ``get_cfn_attribute``.
* A nested stack's physical id is its name in moto; in AWS it is the child stack's
  ARN (which is also what ``Ref`` returns).
* Methods, Deployments and Lambda Permissions have empty physical ids; AWS gives
  every resource one (a Deployment's is its deployment id).
* The RestApi ``Policy`` property is dropped; it is kept here (as a JSON string,
  which GetRestApi returns).
* An ``AWS::SSM::Parameter`` without ``Name`` (CDK's default) crashes moto with
  HTTP 500; it gets a generated ``CFN-<logical id>-<suffix>`` name, as in AWS.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from typing import Any


# moto's model metaclass files each model under the second part of its module
# name (moto.<service>.models); these count as CloudFormation's.
_MODULE = "cdkx.cloudformation"


def _models():
    from moto.core.common_models import CloudFormationModel

    class CdkMetadata(CloudFormationModel):
        """AWS::CDK::Metadata: inert, like in AWS (it only records CDK usage)."""

        __module__ = _MODULE

        def __init__(self) -> None:
            self.physical_resource_id = str(uuid.uuid4())

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CDK::Metadata"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            return cls()

    class ApiGatewayAccount(CloudFormationModel):
        """AWS::ApiGateway::Account: region-wide settings; nothing cdkx reads."""

        __module__ = _MODULE

        def __init__(self, physical_id: str) -> None:
            self.physical_resource_id = physical_id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::Account"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            # resource_name is the generated "<stack>-<logical id>-<suffix>".
            return cls(resource_name)

    class ApiGatewayStage(CloudFormationModel):
        """AWS::ApiGateway::Stage, backed by a real stage of moto's RestApi."""

        __module__ = _MODULE

        def __init__(self, rest_api_id: str, stage: Any) -> None:
            self.rest_api_id = rest_api_id
            self.stage = stage
            # AWS: the physical id (and Ref) of a Stage is the stage name.
            self.physical_resource_id = stage.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGateway::Stage"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            from moto.apigateway.models import apigateway_backends

            props = cloudformation_json.get("Properties") or {}
            tags = {t["Key"]: t["Value"] for t in props.get("Tags") or [] if "Key" in t}
            backend = apigateway_backends[account_id][region_name]
            stage = backend.create_stage(
                function_id=props["RestApiId"],
                stage_name=props.get("StageName") or resource_name,
                deploymentId=props.get("DeploymentId"),
                variables=props.get("Variables") or {},
                description=props.get("Description", ""),
                cacheClusterEnabled=props.get("CacheClusterEnabled"),
                cacheClusterSize=props.get("CacheClusterSize"),
                tags=tags or None,
                tracing_enabled=props.get("TracingEnabled"),
            )
            return cls(props["RestApiId"], stage)

    class Placeholder(CloudFormationModel):
        """Any other type moto has no model for (e.g. AWS::SQS::QueuePolicy).

        Nothing is created in moto's backends, but the resource is listed with its
        logical id, type and a generated physical id, and Ref/GetAtt give strings
        instead of moto's None (which breaks templates that use them).
        """

        __module__ = _MODULE

        def __init__(self, physical_id: str, account_id: str, region_name: str, resource_type: str) -> None:
            self.physical_resource_id = physical_id
            self.account_id = account_id
            self.region_name = region_name
            self.resource_type = resource_type

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "Custom::CdkxPlaceholder"  # never matched by a template type

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return True

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "Arn" or attribute_name.endswith("Arn"):
                service = self.resource_type.split("::")[1].lower() if "::" in self.resource_type else "unknown"
                return f"arn:aws:{service}:{self.region_name}:{self.account_id}:{self.physical_resource_id}"
            return f"{self.physical_resource_id}-{attribute_name}"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name, **kwargs):
            resource_type = kwargs.get("ResourceType") or cloudformation_json.get("Type", "")
            if resource_type not in _warned:
                _warned.add(resource_type)
                print(f"cdkx-emulator: no moto model for {resource_type}; listing an inert placeholder",
                      file=sys.stderr, flush=True)
            return cls(resource_name, account_id, region_name, resource_type)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,  # type: ignore[override]
                                            region_name):
            pass

    return [CdkMetadata, ApiGatewayAccount, ApiGatewayStage, Placeholder]


_warned: set = set()


def _patch_unsupported_types(placeholder: type) -> None:
    from moto.cloudformation import parsing

    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str):
        if (
            resource_type not in parsing.NULL_MODELS
            and not resource_type.startswith("Custom::")
            and resource_type not in parsing.get_model_map()
        ):
            return placeholder
        return original(resource_type)

    parsing.resource_class_from_type = resource_class_from_type


def _patch_nested_stacks() -> None:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.cloudformation.models import Stack

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name.startswith("Outputs."):
            key = attribute_name[len("Outputs."):]
            output = self.output_map.get(key) if self.output_map else None
            if output is None:
                raise UnformattedGetAttTemplateException()
            return output.value
        raise UnformattedGetAttTemplateException()

    Stack.get_cfn_attribute = get_cfn_attribute

    # AWS marks nested stacks with ParentId and RootId (DescribeStacks, ListStacks
    # report them), which is how a client tells them from top-level stacks.
    original = Stack.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.cloudformation.models import cloudformation_backends

        child = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        parent_id = kwargs.get("StackId")
        if parent_id:
            parent = cloudformation_backends[account_id][region_name].stacks.get(parent_id)
            child.parent_id = parent_id
            child.root_id = getattr(parent, "root_id", None) or parent_id
        return child

    Stack.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    # Used only where the Stack is a resource of a parent stack (ListStackResources,
    # Ref): AWS answers the child stack's ARN there.
    Stack.physical_resource_id = property(lambda self: self.stack_id)


def _patch_rest_api_policy() -> None:
    from moto.apigateway.models import RestAPI

    original = RestAPI.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        api = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json.get("Properties") or {}
        policy = props.get("Policy")
        if policy is not None:
            api.policy = policy if isinstance(policy, str) else json.dumps(policy)
        for key, attr in (("BinaryMediaTypes", "binaryMediaTypes"), ("ApiKeySourceType", "api_key_source")):
            if key in props and hasattr(api, attr):
                setattr(api, attr, props[key])
        return api

    RestAPI.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def _patch_ssm_parameter_names() -> None:
    """An AWS::SSM::Parameter without Name gets a generated one (moto crashes on None)."""
    from moto.cloudformation.utils import random_suffix
    from moto.ssm.models import Parameter

    original = Parameter.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.setdefault("Properties", {})
        if not props.get("Name"):
            # AWS names them CFN-<logical id>-<suffix>.
            props["Name"] = f"CFN-{kwargs.get('LogicalId') or 'Parameter'}-{random_suffix()}"
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Parameter.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def _patch_physical_ids() -> None:
    """Give every created resource a physical id, as AWS does."""
    from moto.apigateway.models import Deployment
    from moto.cloudformation import parsing

    Deployment.physical_resource_id = property(lambda self: self.id)

    original = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        resource = original(logical_id, resource_json, resources_map, account_id, region_name)
        if resource is not None and not getattr(resource, "physical_resource_id", None):
            stack_name = resources_map["AWS::StackName"]
            try:
                resource.physical_resource_id = parsing.generate_resource_name(
                    resource_json.get("Type", ""), stack_name, logical_id
                )
            except AttributeError:
                pass  # a read-only property: keep moto's value
        return resource

    parsing.parse_and_create_resource = parse_and_create_resource


# moto finds models through CloudFormationModel.__subclasses__(), which holds weak
# references: keep the classes alive here.
_MODELS: list = []
_install_lock = threading.Lock()
_installed = threading.Event()


def ensure_installed() -> None:
    """Install once, on first need (moto's CloudFormation import is slow)."""
    if _installed.is_set():
        return
    with _install_lock:
        if not _installed.is_set():
            install()
            _installed.set()


def install() -> None:
    from moto.cloudformation import parsing

    import cdkx_furl
    import cdkx_httpapi

    # Defining the subclasses registers them with moto; the placeholder stays last.
    _MODELS[:] = cdkx_httpapi.cfn_models() + cdkx_furl.cfn_models() + _models()
    # moto caches its type -> model map on first use; drop anything cached so far.
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    _patch_unsupported_types(_MODELS[-1])
    _patch_nested_stacks()
    _patch_rest_api_policy()
    _patch_ssm_parameter_names()
    _patch_physical_ids()
