"""IAM's policy simulator, and IAM permissions for IAM calls on demand.

moto 5.2.1 serves IAM users, roles, groups and policies but has no
SimulatePrincipalPolicy (NotImplementedError, HTTP 500). Adding a
``simulate_principal_policy`` method to ``moto.iam.responses.IamResponse`` is
enough for moto's dispatcher to route ``Action=SimulatePrincipalPolicy`` to it.
It answers from the IAM data moto holds, as AWS's API does without a
``ResourcePolicy`` argument: the principal's identity policies (a user's inline,
attached and groups' policies; a role's inline and attached policies; its
permissions boundary), explicit deny first.

moto also lets any caller make any IAM call. ``POST /moto-api/cdkx/iam/enforce
{"enforce": true}`` makes IAM calls made with a moto IAM user's access key or a
moto AssumeRole session answer as AWS does when the caller's own identity
policies do not allow the action: ``AccessDenied``. Other keys (the SDK's
``testing``, keys registered for the API Gateway front door) act as the account's
root, as before. See README.md ("IAM").

moto lets anyone assume any role, even one that does not exist. ``POST
/moto-api/cdkx/sts/trust {"enforce": true}`` makes AssumeRole answer as AWS
does for a role that does not exist or whose trust policy does not allow the
caller (AWS principals only: ``*``, the caller's account id or
``arn:aws:iam::ACCOUNT:root``, its user or role ARN, or its session ARN;
conditions on ``sts:ExternalId`` only): ``AccessDenied``. See README.md
("Trust policies").
"""

from __future__ import annotations

import threading
from typing import Any
from xml.sax.saxutils import escape

import cdkx_apigw

_lock = threading.Lock()
_enforce = False
_trust = False


class ControlError(ValueError):
    """A malformed control request (answered with HTTP 400)."""


def set_enforce(body: Any) -> dict:
    """Handle POST /moto-api/cdkx/iam/enforce."""
    global _enforce
    if not isinstance(body, dict) or not isinstance(body.get("enforce"), bool):
        raise ControlError('body must be {"enforce": true|false}')
    with _lock:
        _enforce = body["enforce"]
    return {"enforce": _enforce}


def enforce_state() -> dict:
    return {"enforce": _enforce}


def set_trust(body: Any) -> dict:
    """Handle POST /moto-api/cdkx/sts/trust."""
    global _trust
    if not isinstance(body, dict) or not isinstance(body.get("enforce"), bool):
        raise ControlError('body must be {"enforce": true|false}')
    with _lock:
        _trust = body["enforce"]
    return {"enforce": _trust}


def trust_state() -> dict:
    return {"enforce": _trust}


def reset() -> None:
    global _enforce, _trust
    with _lock:
        _enforce = False
        _trust = False


# ------------------------------------------------------------------ evaluation


def _statements(doc: Any) -> list[dict]:
    if not isinstance(doc, dict):
        return []
    return [s for s in cdkx_apigw._as_list(doc.get("Statement")) if isinstance(s, dict)]


def _matches(statement: dict, action: str, resource: str) -> bool:
    wildcard = cdkx_apigw._wildcard
    as_list = cdkx_apigw._as_list
    if "NotAction" in statement:
        action_ok = not any(wildcard(str(a), action, True) for a in as_list(statement["NotAction"]))
    else:
        action_ok = any(wildcard(str(a), action, True) for a in as_list(statement.get("Action")))
    if "NotResource" in statement:
        resource_ok = not any(wildcard(str(r), resource) for r in as_list(statement["NotResource"]))
    else:
        resource_ok = any(wildcard(str(r), resource) for r in as_list(statement.get("Resource")))
    return action_ok and resource_ok


def _condition_keys(statement: dict) -> list[str]:
    keys: list[str] = []
    condition = statement.get("Condition")
    if isinstance(condition, dict):
        for block in condition.values():
            if isinstance(block, dict):
                keys.extend(k for k in block if k not in keys)
    return keys


def evaluate(policies: list[tuple[str, str, dict]], action: str, resource: str) -> dict:
    """One EvaluationResult: explicit deny wins, then any allow, else implicit deny.

    Context entries are not supported: a statement with a Condition does not
    apply and its keys are listed in MissingContextValues (what AWS does when a
    key has no value).
    """
    matched: list[dict] = []
    missing: list[str] = []
    decision = "implicitDeny"
    for policy_id, policy_type, doc in policies:
        for statement in _statements(doc):
            if not _matches(statement, action, resource):
                continue
            if statement.get("Condition"):
                missing.extend(k for k in _condition_keys(statement) if k not in missing)
                continue
            effect = str(statement.get("Effect", "")).lower()
            entry = {"SourcePolicyId": policy_id, "SourcePolicyType": policy_type,
                     "StartPosition": {"Line": 1, "Column": 1},
                     "EndPosition": {"Line": 1, "Column": 1}}
            if effect == "deny":
                if decision != "explicitDeny":
                    matched = []
                decision = "explicitDeny"
                matched.append(entry)
            elif effect == "allow" and decision != "explicitDeny":
                decision = "allowed"
                matched.append(entry)
    result = {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision,
              "MatchedStatements": matched, "MissingContextValues": missing}
    return result


def _managed(backend, arn: str) -> dict | None:
    try:
        policy = backend.get_policy(arn)
    except Exception:  # noqa: BLE001 - a dangling attachment matches nothing
        return None
    return cdkx_apigw._parse_policy(cdkx_apigw._managed_document(policy))


def _add(out: list, kind: str, inline: dict, managed: dict, backend) -> None:
    for name, doc in list(inline.items()):
        parsed = cdkx_apigw._parse_policy(doc)
        if parsed:
            out.append((name, kind, parsed))
    for arn in list(managed):
        parsed = _managed(backend, arn)
        if parsed:
            out.append((arn, "aws-managed" if ":aws:policy/" in arn else "user-managed", parsed))


class NoSuchEntity(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def principal_policies(backend, arn: str) -> tuple[list[tuple[str, str, dict]], dict | None]:
    """(policy id, type, document) of every identity policy of a user, role or group ARN,
    and its permissions boundary's document."""
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    kind, _, rest = resource.partition("/")
    name = rest.rsplit("/", 1)[-1]
    out: list[tuple[str, str, dict]] = []
    boundary = None
    if kind == "user":
        user = backend.users.get(name)
        if user is None:
            raise NoSuchEntity(f"The user with name {name} cannot be found.")
        _add(out, "user", user.policies, user.managed_policies, backend)
        for group in list(backend.groups.values()):
            if user in group.users:
                _add(out, "group", group.policies, group.managed_policies, backend)
        boundary_arn = getattr(user, "permissions_boundary_arn", None) or getattr(user, "permissions_boundary", None)
    elif kind == "role":
        role = next((r for r in list(backend.roles.values()) if r.name == name), None)
        if role is None:
            raise NoSuchEntity(f"The role with name {name} cannot be found.")
        _add(out, "role", role.policies, role.managed_policies, backend)
        boundary_arn = role.permissions_boundary_arn
    elif kind == "group":
        group = backend.groups.get(name)
        if group is None:
            raise NoSuchEntity(f"The group with name {name} cannot be found.")
        _add(out, "group", group.policies, group.managed_policies, backend)
        boundary_arn = None
    else:
        raise NoSuchEntity(f"PolicySourceArn {arn} is not a user, role or group.")
    if isinstance(boundary_arn, str) and boundary_arn:
        boundary = _managed(backend, boundary_arn)
    return out, boundary


def simulate(backend, source_arn: str, actions: list[str], resources: list[str]) -> list[dict]:
    policies, boundary = principal_policies(backend, source_arn)
    results = []
    for action in actions:
        for resource in resources or ["*"]:
            result = evaluate(policies, action, resource)
            if boundary is not None and result["EvalDecision"] == "allowed":
                bounded = evaluate([("PermissionsBoundary", "none", boundary)], action, resource)
                if bounded["EvalDecision"] != "allowed":
                    result["EvalDecision"] = bounded["EvalDecision"]
                    result["MatchedStatements"] = bounded["MatchedStatements"]
            results.append(result)
    return results


# ------------------------------------------------------------------ moto patches


def _error(code: str, message: str, status: int):
    body = ("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
            f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
            "<RequestId>cdkx-iam</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml", "status": status}, body


def _target_arn(response, backend, account: str, action: str) -> str:
    """The resource an IAM action is authorized on (the user, role, group or policy it names)."""
    param = response._get_param
    if action == "SimulatePrincipalPolicy":
        return param("PolicySourceArn") or "*"
    if param("PolicyArn"):
        return param("PolicyArn")
    for key, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group")):
        name = param(key)
        if name:
            collection = {"role": None, "user": backend.users, "group": backend.groups}[kind]
            if kind == "role":
                role = next((r for r in list(backend.roles.values()) if r.name == name), None)
                if role is not None:
                    return role.arn
            elif collection is not None and name in collection:
                return collection[name].arn
            return f"arn:aws:iam::{account}:{kind}/{name}"
    return "*"


def _denied(response) -> Any:
    """The AccessDenied answer for an IAM call the caller's identity policies do not allow,
    or None when the call may proceed."""
    if not _enforce:
        return None
    try:
        access_key = response.get_access_key()
    except Exception:  # noqa: BLE001 - unsigned: moto decides
        return None
    caller = cdkx_apigw._find_caller(access_key)
    if caller is None or caller.kind not in ("user", "assumed-role"):
        return None
    action = response._get_action()
    backend = response.backend
    resource = _target_arn(response, backend, caller.account, action)
    docs = [d for _, d in caller.identity_policies()]
    result = evaluate([("p", "user", d) for d in docs], f"iam:{action}", resource)
    if caller.session_policy is not None and result["EvalDecision"] == "allowed":
        session = evaluate([("session", "none", caller.session_policy)], f"iam:{action}", resource)
        result["EvalDecision"] = session["EvalDecision"]
    if result["EvalDecision"] == "allowed":
        return None
    why = (" with an explicit deny in an identity-based policy" if result["EvalDecision"] == "explicitDeny"
           else f" because no identity-based policy allows the iam:{action} action")
    return _error("AccessDenied",
                  f"User: {caller.arn} is not authorized to perform: iam:{action} on resource: {resource}{why}",
                  403)


def _caller_of(access_key: str) -> tuple[str, list[str]]:
    """(account, the principal ARNs that name the caller in a trust policy)."""
    caller = cdkx_apigw._find_caller(access_key)
    if caller is None:
        # Keys moto did not issue are the default account's root.
        return "123456789012", ["arn:aws:iam::123456789012:root"]
    names = [caller.arn]
    if caller.kind == "assumed-role" and caller.role_name:
        partition = caller.arn.split(":")[1]
        names.append(f"arn:{partition}:iam::{caller.account}:role/{caller.role_name}")
    return caller.account, names


def _trust_principal_matches(statement: dict, account: str, names: list[str]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for p in cdkx_apigw._as_list(principal.get("AWS")):
        p = str(p)
        if p in ("*", account) or p in names:
            return True
        if p.endswith(f":iam::{account}:root"):
            return True
    return False


def _trust_condition_holds(statement: dict, external_id: str | None) -> bool | None:
    """Whether the statement's condition holds; None for a condition this emulator cannot judge."""
    condition = statement.get("Condition")
    if not condition:
        return True
    if not isinstance(condition, dict):
        return None
    for operator, keys in condition.items():
        if not isinstance(keys, dict):
            return None
        for key, values in keys.items():
            if key.lower() != "sts:externalid":
                return None
            values = [str(v) for v in cdkx_apigw._as_list(values)]
            if operator == "StringEquals":
                if external_id is None or external_id not in values:
                    return False
            elif operator == "Null":
                absent = external_id is None
                if not any((v.lower() == "true") == absent for v in values):
                    return False
            else:
                return None
    return True


def _trust_refused(response) -> Any:
    """The AccessDenied answer for an AssumeRole the role's trust policy does not allow, or None."""
    if not _trust:
        return None
    from moto.iam.models import iam_backends

    try:
        access_key = response.get_access_key()
    except Exception:  # noqa: BLE001 - unsigned: moto decides
        return None
    role_arn = response._get_param("RoleArn") or ""
    external_id = response._get_param("ExternalId")
    account, names = _caller_of(access_key)
    parts = role_arn.split(":")
    denied = _sts_error("AccessDenied",
                        f"User: {names[0]} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return denied
    role_name = parts[5].rsplit("/", 1)[-1]
    try:
        backend = iam_backends[parts[4]][parts[1] or "aws"]
        role = next((r for r in backend.roles.values() if r.name == role_name), None)
    except Exception:  # noqa: BLE001 - an account moto never saw has no roles
        role = None
    if role is None:
        return denied
    allowed = False
    for statement in _statements(_parse_policy_doc(role.assume_role_policy_document)):
        actions = cdkx_apigw._as_list(statement.get("Action"))
        if not any(cdkx_apigw._wildcard(str(a), "sts:AssumeRole", True) for a in actions):
            continue
        if not _trust_principal_matches(statement, account, names):
            continue
        holds = _trust_condition_holds(statement, external_id)
        if statement.get("Effect") == "Deny" and holds:
            return denied
        if statement.get("Effect") == "Allow" and holds:
            allowed = True
    return None if allowed else denied


def _parse_policy_doc(doc: Any) -> Any:
    return cdkx_apigw._parse_policy(doc)


def _sts_error(code: str, message: str):
    body = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
            "<RequestId>cdkx-sts</RequestId></ErrorResponse>")
    return 403, {"Content-Type": "text/xml"}, body


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.iam.responses import IamResponse

    def simulate_principal_policy(self):
        source = self._get_param("PolicySourceArn")
        actions = self._get_param("ActionNames") or []
        resources = self._get_param("ResourceArns") or []
        if not source or not actions:
            return _error("InvalidInput", "PolicySourceArn and ActionNames are required.", 400)
        try:
            results = simulate(self.backend, source, list(actions), list(resources))
        except NoSuchEntity as exc:
            return _error("NoSuchEntity", exc.message, 404)
        return ActionResult({"EvaluationResults": results, "IsTruncated": False})

    IamResponse.simulate_principal_policy = simulate_principal_policy

    original = IamResponse.call_action

    def call_action(self):
        refused = _denied(self)
        if refused is not None:
            status, headers, body = refused
            headers = dict(headers)
            headers.pop("status", None)
            return status, headers, body
        return original(self)

    IamResponse.call_action = call_action

    from moto.sts.responses import TokenResponse

    original_sts = TokenResponse.call_action

    def sts_call_action(self):
        if self._get_action() == "AssumeRole":
            refused = _trust_refused(self)
            if refused is not None:
                return refused
        return original_sts(self)

    TokenResponse.call_action = sts_call_action
