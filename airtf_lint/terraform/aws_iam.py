"""AWS principals and what they are granted, from every way Terraform can say it.

Principals: aws_iam_role (with its trust policy), aws_iam_user, aws_iam_group. Grants: inline policies
(aws_iam_*_policy, inline_policy blocks), managed policies (aws_iam_policy) and every attachment kind
(aws_iam_*_policy_attachment, aws_iam_policy_attachment, managed_policy_arns), AWS-managed policies by name, and
group membership. Policies are normalised into located statements (see policy.py). Also access keys, OIDC
providers, instance profiles and MWAA execution roles.

A reference between resources is followed by address when the source says so (aws_iam_role.r.name, or a plan's
configuration references); otherwise by name or ARN within the same root module or plan.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.facts import Location, is_unknown
from airtf_lint.terraform.policy import (
    LineLookup,
    OriginOf,
    Statement,
    statements_from_data,
    statements_from_document,
    statements_from_json,
)
from airtf_lint.terraform.resources import (
    ResourceView,
    index_by_base,
    pick,
    referenced,
    without_index,
)
from airtf_lint.yamlload import load_yaml

PRINCIPAL_KINDS = {"aws_iam_role": "role", "aws_iam_user": "user", "aws_iam_group": "group"}
AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
# Inline policy resources: type -> the attribute naming the principal.
INLINE = {"aws_iam_role_policy": "role", "aws_iam_user_policy": "user", "aws_iam_group_policy": "group"}
ATTACHMENTS = {"aws_iam_role_policy_attachment": "role", "aws_iam_user_policy_attachment": "user",
               "aws_iam_group_policy_attachment": "group"}
_TYPE_OF_KIND = {"role": "aws_iam_role", "user": "aws_iam_user", "group": "aws_iam_group"}


@cache
def aws_managed_policies() -> dict[str, list[dict[str, Any]]]:
    text = resources.files("airtf_lint").joinpath("data/aws_managed_policies.yaml").read_text("utf-8")
    return load_yaml(text)


def arn_name(value: str, kind: str) -> str | None:
    """The name in arn:aws:iam::123:role/path/name (or user/, group/, policy/)."""
    marker = f":{kind}/"
    if value.startswith("arn:") and marker in value:
        return value.split(marker, 1)[1].rsplit("/", 1)[-1]
    return None


@dataclass
class _Grant:
    principal: str
    kind: str  # inline, managed, aws_managed
    policy: str | None
    policy_arn: Any
    view: ResourceView  # where the grant is written
    statements: list[Statement] = field(default_factory=list)
    known: bool = True


class AwsIamExtractor:
    def __init__(self, views: list[ResourceView], lines: LineLookup | None = None,
                 origin_of: OriginOf | None = None) -> None:
        self.views = views
        self.lines = lines
        self.origin_of = origin_of
        self.by_address = index_by_base(views)
        self.by_name: dict[tuple[str, str, str], ResourceView] = {}
        for v in views:
            name = v.values.get("name")
            if isinstance(name, str) and v.type in (*PRINCIPAL_KINDS, "aws_iam_policy") and v.mode == "managed":
                self.by_name.setdefault((v.group, v.type, name), v)
        self.grants: list[_Grant] = []
        self.errors: list[dict[str, Any]] = []  # policies that are not valid JSON

    # --- linking -------------------------------------------------------------------------------------------------

    def link(self, view: ResourceView, attribute: str, target_type: str, value: Any = None) -> ResourceView | None:
        target = referenced(self.by_address, view, attribute, target_type)
        if target is not None:
            return target
        value = view.values.get(attribute) if value is None else value
        if is_unknown(value):
            ref = value.get("ref") if isinstance(value.get("ref"), dict) else {"module": None, "expr": value.get("expr")}
            return self._by_expression(view, ref, target_type)
        if isinstance(value, str):
            kind = PRINCIPAL_KINDS.get(target_type, "policy")
            name = arn_name(value, kind) or value
            return self.by_name.get((view.group, target_type, name))
        return None

    def _by_expression(self, view: ResourceView, ref: dict[str, Any], target_type: str) -> ResourceView | None:
        """An unknown value that is a reference (aws_iam_role.r.arn): in the same module instance, or, when it came
        out of a module output, inside that module."""
        parts = str(ref.get("expr") or "").split(".")
        if len(parts) < 2 or parts[0] != target_type:
            return None
        scope = view.scope
        if ref.get("module") is not None:
            scope = f"{view.scope.rsplit(':', 1)[0]}:{ref['module']}"
        return pick(self.by_address.get((scope, without_index(f"{parts[0]}.{parts[1]}"))), view)

    def link_all(self, view: ResourceView, attribute: str, target_type: str) -> list[ResourceView]:
        values = view.values.get(attribute)
        items = values if isinstance(values, list) else []
        found = [self.link(view, attribute, target_type, item) for item in items if not is_unknown(item)]
        by_ref = [pick(self.by_address.get((view.scope, a)), view) for a in view.refs.get(attribute, [])
                  if a.startswith(f"{target_type}.")]
        unique = {id(v): v for v in [*found, *by_ref] if v is not None}
        return list(unique.values())

    def statements(self, view: ResourceView, attribute: str, values: dict[str, Any] | None = None,
                   location: Location | None = None) -> tuple[list[Statement], bool]:
        """The statements of a policy attribute, and whether the whole policy was known."""
        values = view.values if values is None else values
        for address in view.refs.get(attribute, []) if values is view.values else []:
            if address.startswith("data.aws_iam_policy_document."):
                document = pick(self.by_address.get((view.scope, address)), view)
                if document is not None:
                    found = statements_from_document(document.values, self.origin_of, self.lines, document.location)
                    return found, all(s.known for s in found)
        text = values.get(attribute)
        if isinstance(text, str):
            at = location or view.attribute_location(attribute)
            found = statements_from_json(text, at, self.lines)
            if found is not None:
                return found, all(s.known for s in found)
            self._invalid_json(view, attribute, text, at)
        return [], False

    def _invalid_json(self, view: ResourceView, attribute: str, text: str, at: Location) -> None:
        """A policy written as JSON text (a heredoc, a literal, a file) that is not JSON: AWS rejects it too.
        Recorded as an error at the line the JSON parser stops at. Text with an unknown part rendered into it
        (`${...}`) is not judged: the real value may be valid."""
        if "${" in text or not text.strip() or text.strip()[0] not in "{[":
            return
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            source = self.lines(at.path) if self.lines and at.path else []
            first = source[at.line - 1] if 0 < at.line <= len(source) else ""
            # A heredoc's text starts on the line after its opening, line for line; any other text (a quoted
            # literal with \n escapes, file(...)) is not laid out in the source: its attribute's line is given.
            line = at.line + exc.lineno if "<<" in first else at.line
            error = {"path": at.path, "line": line, "address": view.address, "attribute": attribute,
                     "message": f"the {attribute} of {view.address} is not valid JSON ({exc.msg}, line {exc.lineno} "
                                f"column {exc.colno} of the document): AWS rejects it, and its statements are not "
                                f"analysed"}
            if not any(e["path"] == error["path"] and e["line"] == line for e in self.errors):
                self.errors.append(error)
        except (TypeError, RecursionError):
            return

    # --- extraction ----------------------------------------------------------------------------------------------

    def extract(self) -> dict[str, Any]:
        principals = [self._principal(v) for v in self.views if v.type in PRINCIPAL_KINDS and v.mode == "managed"]
        policies = [self._managed_policy(v) for v in self.views if v.type == "aws_iam_policy" and v.mode == "managed"]
        for view in self.views:
            if view.mode != "managed":
                continue
            if view.type in INLINE:
                self._inline(view)
            elif view.type in ATTACHMENTS:
                target = self.link(view, ATTACHMENTS[view.type], _TYPE_OF_KIND[ATTACHMENTS[view.type]])
                if target is not None:
                    self._attach(target, view, view.values.get("policy_arn"), "policy_arn")
            elif view.type == "aws_iam_policy_attachment":
                for attribute, kind in (("roles", "aws_iam_role"), ("users", "aws_iam_user"),
                                        ("groups", "aws_iam_group")):
                    for target in self.link_all(view, attribute, kind):
                        self._attach(target, view, view.values.get("policy_arn"), "policy_arn")
            elif view.type == "aws_iam_role":
                self._role_extras(view)
        memberships = self._memberships()
        return {
            "principals": principals,
            "policies": policies + self._aws_managed_policies(),
            "grants": [self._grant_dict(g) for g in self.grants],
            "statements": self._statement_rows(memberships),
            "group_memberships": memberships,
            "access_keys": [self._access_key(v) for v in self.views if v.type == "aws_iam_access_key"],
            "oidc_providers": [self._oidc(v) for v in self.views if v.type == "aws_iam_openid_connect_provider"],
            "instance_profiles": [self._instance_profile(v) for v in self.views
                                  if v.type == "aws_iam_instance_profile"],
            "mwaa_environments": [self._mwaa(v) for v in self.views if v.type == "aws_mwaa_environment"],
        }

    def _principal(self, view: ResourceView) -> dict[str, Any]:
        name = view.values.get("name")
        out: dict[str, Any] = {
            "id": view.id, "cloud": "aws", "kind": PRINCIPAL_KINDS[view.type], "type": view.type,
            "address": view.address, "name": name if isinstance(name, str) else None, "root": view.group,
            "source": view.source, **view.location.to_dict(),
        }
        if view.type == "aws_iam_role":
            trust, known = self.statements(view, "assume_role_policy")
            out["trust"] = [s.to_dict() for s in trust]
            out["trust_known"] = known
        return out

    def _managed_policy(self, view: ResourceView) -> dict[str, Any]:
        found, known = self.statements(view, "policy")
        name = view.values.get("name")
        return {"id": view.id, "kind": "managed", "address": view.address,
                "name": name if isinstance(name, str) else None, "known": known,
                "statements": [s.to_dict() for s in found], **view.location.to_dict()}

    def _aws_managed_policies(self) -> list[dict[str, Any]]:
        names = sorted({g.policy[len("aws-managed:"):] for g in self.grants
                        if g.policy and g.policy.startswith("aws-managed:")})
        known = aws_managed_policies()
        return [{"id": f"aws-managed:{n}", "kind": "aws_managed", "address": None, "name": n, "known": n in known,
                 "arn": f"{AWS_MANAGED_PREFIX}{n}", "statements": [s.to_dict() for s in self._aws_statements(n)]}
                for n in names]

    def _aws_statements(self, name: str, at: Location | None = None) -> list[Statement]:
        return statements_from_data(aws_managed_policies().get(name, []), at or Location("", 1))

    def _inline(self, view: ResourceView) -> None:
        kind_attribute = INLINE[view.type]
        target = self.link(view, kind_attribute, _TYPE_OF_KIND[kind_attribute])
        if target is None:
            return
        found, known = self.statements(view, "policy")
        self.grants.append(_Grant(target.id, "inline", None, None, view, found, known))

    def _attach(self, target: ResourceView, via: ResourceView, policy_arn: Any, attribute: str) -> None:
        policy = self.link(via, attribute, "aws_iam_policy", policy_arn if isinstance(policy_arn, str) else None)
        if policy is not None:
            found, known = self.statements(policy, "policy")
            self.grants.append(_Grant(target.id, "managed", policy.id, policy_arn, via, found, known))
        elif isinstance(policy_arn, str) and _AWS_MANAGED.match(policy_arn):
            name = policy_arn.rsplit("/", 1)[-1]
            found = self._aws_statements(name, via.attribute_location(attribute))
            self.grants.append(_Grant(target.id, "aws_managed", f"aws-managed:{name}", policy_arn, via, found,
                                      name in aws_managed_policies()))
        else:
            self.grants.append(_Grant(target.id, "managed", None, policy_arn, via, [], False))

    def _role_extras(self, role: ResourceView) -> None:
        blocks = [b for b in role.block.blocks if b.type == "inline_policy"] if role.block is not None else []
        for position, item in enumerate(role.values.get("inline_policy", []) or []):
            if not isinstance(item, dict) or "policy" not in item:
                continue
            block = blocks[position] if position < len(blocks) else None
            at = block.attributes["policy"].location if block is not None and "policy" in block.attributes else None
            found, known = self.statements(role, "policy", item, at or role.location)
            self.grants.append(_Grant(role.id, "inline", None, None, role, found, known))
        arns = role.values.get("managed_policy_arns")
        for arn in arns if isinstance(arns, list) else []:
            self._attach(role, role, arn, "managed_policy_arns")

    def _memberships(self) -> list[dict[str, Any]]:
        out = []
        for view in self.views:
            if view.type == "aws_iam_group_membership":
                group = self.link(view, "group", "aws_iam_group")
                for user in self.link_all(view, "users", "aws_iam_user"):
                    if group is not None:
                        out.append({"user": user.id, "group": group.id, **view.location.to_dict()})
            elif view.type == "aws_iam_user_group_membership":
                user = self.link(view, "user", "aws_iam_user")
                for group in self.link_all(view, "groups", "aws_iam_group"):
                    if user is not None:
                        out.append({"user": user.id, "group": group.id, **view.location.to_dict()})
        return out

    def _grant_dict(self, grant: _Grant) -> dict[str, Any]:
        return {"principal": grant.principal, "kind": grant.kind, "policy": grant.policy, "policy_arn": grant.policy_arn,
                "known": grant.known, "address": grant.view.address, **grant.view.location.to_dict()}

    def _statement_rows(self, memberships: list[dict[str, Any]]) -> list[dict[str, Any]]:
        groups_of: dict[str, list[str]] = {}
        for m in memberships:
            groups_of.setdefault(m["group"], []).append(m["user"])
        rows = []
        for index, grant in enumerate(self.grants):
            holders = [(grant.principal, None)] + [(u, grant.principal) for u in groups_of.get(grant.principal, [])]
            for principal, via_group in holders:
                for statement in grant.statements:
                    rows.append({"principal": principal, "grant": index, "policy": grant.policy,
                                 "via_group": via_group, **statement.to_dict()})
        return rows

    def _access_key(self, view: ResourceView) -> dict[str, Any]:
        user = self.link(view, "user", "aws_iam_user")
        return {"address": view.address, "user": user.id if user else None, "root": view.group,
                **view.location.to_dict()}

    def _oidc(self, view: ResourceView) -> dict[str, Any]:
        return {"id": view.id, "address": view.address, "url": view.values.get("url"),
                "client_ids": view.values.get("client_id_list"), **view.location.to_dict()}

    def _instance_profile(self, view: ResourceView) -> dict[str, Any]:
        role = self.link(view, "role", "aws_iam_role")
        return {"id": view.id, "address": view.address, "role": role.id if role else None,
                **view.location.to_dict()}

    def _mwaa(self, view: ResourceView) -> dict[str, Any]:
        role = self.link(view, "execution_role_arn", "aws_iam_role")
        return {"id": view.id, "address": view.address, "name": view.values.get("name"),
                "execution_role": role.id if role else None,
                "execution_role_arn": view.values.get("execution_role_arn"), **view.location.to_dict()}

