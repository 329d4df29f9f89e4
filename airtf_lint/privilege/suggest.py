"""Least-privilege suggestions: per identity, the smallest policy that covers what its tasks need, scoped to the
resources the tasks name. AWS as an `aws_iam_policy_document` block (and policy JSON); GCP as the predefined roles
the needs name, on their resources."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from airtf_lint.privilege.aws_actions import ActionIndex
from airtf_lint.privilege.needs import NeedsCatalogue, task_name, task_needs

_VERB = re.compile(r"^[A-Z][a-z]+")


def compress(actions: set[str] | frozenset[str], index: ActionIndex) -> list[str]:
    """Fewer patterns for the same actions: `svc:*` or `svc:Verb*` only where the pattern matches nothing else
    (expand(compress(s)) == s for known actions; unknown names are kept as they are)."""
    out: list[str] = []
    by_service: dict[str, set[str]] = {}
    for action in actions:
        by_service.setdefault(action.split(":", 1)[0], set()).add(action)
    for service, names in sorted(by_service.items()):
        every = set(index.by_service.get(service.lower(), []))
        if every and every <= names:
            out.append(f"{service}:*")
            out.extend(sorted(names - every))
            continue
        rest = set(names)
        for verb in sorted({m.group(0) for n in names if (m := _VERB.match(n.split(":", 1)[1]))}):
            pattern = f"{service}:{verb}*"
            matched = index.expand(pattern)
            if len(matched) > 1 and matched <= names:
                out.append(pattern)
                rest -= matched
        out.extend(sorted(rest))
    return out


@dataclass
class Suggestion:
    principal: str
    cloud: str
    tasks: list[str]
    statements: list[dict[str, Any]] = field(default_factory=list)  # AWS: [{actions, resources}]
    roles: list[dict[str, Any]] = field(default_factory=list)  # GCP: [{role, resource, permissions}]
    incomplete: list[str] = field(default_factory=list)  # tasks whose needs are not fully known

    def policy_json(self) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": s["actions"], "Resource": s["resources"]} for s in self.statements]}

    def hcl(self) -> str:
        name = re.sub(r"\W+", "_", self.principal.rsplit(".", 1)[-1]).strip("_") or "tasks"
        lines = [f'data "aws_iam_policy_document" "{name}_least_privilege" {{']
        for statement in self.statements:
            lines += ["  statement {",
                      f"    actions   = {json.dumps(statement['actions'])}",
                      f"    resources = {json.dumps(statement['resources'])}",
                      "  }"]
        lines.append("}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"principal": self.principal, "cloud": self.cloud, "tasks": self.tasks,
                               "incomplete": self.incomplete}
        if self.cloud == "aws":
            out["policy"] = self.policy_json()
            out["hcl"] = self.hcl()
        else:
            out["roles"] = self.roles
        return out


def aws_statements(needs: list[dict[str, Any]], index: ActionIndex) -> list[dict[str, Any]]:
    """Needs grouped into statements: the actions needed on each resource, then resources with the same actions
    merged into one statement."""
    by_resource: dict[str, set[str]] = {}
    for row in needs:
        for pattern in row["actions"]:
            by_resource.setdefault(row["resource"], set()).update(index.expand(pattern) or {pattern})
    by_actions: dict[tuple[str, ...], list[str]] = {}
    for resource, actions in sorted(by_resource.items()):
        by_actions.setdefault(tuple(sorted(actions)), []).append(resource)
    return [{"actions": compress(set(actions), index), "resources": sorted(resources)}
            for actions, resources in sorted(by_actions.items())]


def suggestions(model: dict[str, Any], index: ActionIndex, catalogue: NeedsCatalogue) -> list[Suggestion]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for task in model["airflow"]["tasks"]:
        needs = task.get("needs") or task_needs(task, catalogue)
        name = task_name(task)
        for identity in task.get("identities", []):
            cloud, principal = identity.get("cloud"), identity.get("principal") or identity.get("reference")
            # A principal, or at least an ARN or e-mail naming one; not a label such as "static access key".
            named = identity.get("principal") or (isinstance(principal, str) and ("arn:" in principal or "@" in principal))
            if cloud not in ("aws", "gcp") or not isinstance(principal, str) or not named:
                continue
            row = rows.setdefault((cloud, principal), {"tasks": [], "needs": [], "incomplete": []})
            if name not in row["tasks"]:
                row["tasks"].append(name)
                row["needs"].extend(needs[cloud])
                if not needs["known"]:
                    row["incomplete"].append(name)
    out = []
    for (cloud, principal), row in sorted(rows.items()):
        suggestion = Suggestion(principal, cloud, row["tasks"], incomplete=row["incomplete"])
        if cloud == "aws":
            suggestion.statements = aws_statements(row["needs"], index)
        else:
            seen = set()
            for need in row["needs"]:
                key = (need.get("role"), need["resource"])
                if key not in seen:
                    seen.add(key)
                    suggestion.roles.append({"role": need.get("role"), "resource": need["resource"],
                                             "permissions": need["permissions"]})
        out.append(suggestion)
    return out
