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


def suggestions(model: dict[str, Any], index: ActionIndex,
                catalogue: NeedsCatalogue) -> list[Suggestion | RunnerSuggestion]:
    """Per identity, what its tasks' operators need; then per Terraform runner, its plan and apply policies."""
    return [*identity_suggestions(model, index, catalogue), *runner_suggestions(model, index)]


def identity_suggestions(model: dict[str, Any], index: ActionIndex, catalogue: NeedsCatalogue) -> list[Suggestion]:
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


# Terraform runners: per root (or saved plan) a task runs, the least-privilege policy of a read-only plan identity
# and of the apply identity, from the root's needs (privilege/terraform_needs.py), with the state backend's
# permissions scoped to the state key.

@dataclass
class RunnerSuggestion:
    principal: str  # the runner's identity (principal id, ARN or e-mail), or "(unresolved)"
    cloud: str
    tasks: list[str]
    root: str | None
    plan: str | None
    phases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # AWS: plan/apply -> statements
    permissions: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # GCP: plan/apply -> {resources, state}
    state: dict[str, Any] = field(default_factory=dict)  # GCP: {bucket, prefix}
    incomplete: list[str] = field(default_factory=list)  # resource types the mapping does not know
    becomes: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "terraform_runner"

    @property
    def slug(self) -> str:
        target = self.plan.rsplit(".json", 1)[0] if self.plan else (self.root or "root")
        name = re.sub(r"\W+", "_", target).strip("_").lower() or "root"
        return name if name.startswith("terraform") else f"terraform_{name}"

    def policy_json(self, phase: str) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": s["actions"], "Resource": s["resources"]} for s in self.phases[phase]]}

    def hcl(self) -> str:
        if self.cloud == "gcp":
            return self._gcp_hcl()
        blocks = []
        for phase in ("plan", "apply"):
            lines = [f'data "aws_iam_policy_document" "{self.slug}_{phase}" {{']
            for statement in self.phases.get(phase, []):
                lines += ["  statement {",
                          f"    actions   = {json.dumps(statement['actions'])}",
                          f"    resources = {json.dumps(statement['resources'])}",
                          "  }"]
            lines.append("}")
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def _gcp_hcl(self) -> str:
        blocks = []
        for phase in ("plan", "apply"):
            permissions = self.permissions.get(phase, {})
            for part, suffix in (("resources", ""), ("state", "_state")):
                names = permissions.get(part) or []
                if not names:
                    continue
                role_id = f"{self.slug}_{phase}{suffix}"[:64]
                blocks.append("\n".join([
                    f'resource "google_project_iam_custom_role" "{role_id}" {{',
                    f"  role_id     = {json.dumps(role_id)}",
                    f"  title       = {json.dumps(f'Terraform {phase} of {self.root or self.plan}' + (' (state)' if suffix else ''))}",
                    f"  permissions = {json.dumps(sorted(names))}",
                    "}"]))
        bucket, prefix = self.state.get("bucket"), self.state.get("prefix") or ""
        member = self.principal if "@" in self.principal else None
        if bucket and member and self.permissions.get("apply", {}).get("state"):
            expression = f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/{prefix}")'
            blocks.append("\n".join([
                f'resource "google_storage_bucket_iam_member" "{self.slug}_state" {{',
                f"  bucket = {json.dumps(bucket)}",
                f"  role   = google_project_iam_custom_role.{self.slug}_apply_state.name"[:200],
                f"  member = {json.dumps('serviceAccount:' + member)}",
                "  condition {",
                '    title      = "terraform-state-prefix"',
                f"    expression = {json.dumps(expression)}",
                "  }",
                "}"]))
        return "\n\n".join(blocks)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "principal": self.principal, "cloud": self.cloud,
                               "tasks": self.tasks, "root": self.root, "plan": self.plan,
                               "incomplete": self.incomplete, "becomes": self.becomes, "hcl": self.hcl()}
        if self.cloud == "aws":
            out["policies"] = {phase: self.policy_json(phase) for phase in self.phases}
        else:
            out["permissions"] = self.permissions
        return out


def runner_suggestions(model: dict[str, Any], index: ActionIndex) -> list[RunnerSuggestion]:
    """One suggestion per (runner identity, root or plan) that tasks run Terraform on."""
    from airtf_lint.privilege.terraform_needs import root_needs  # the mapping loads only when there are runners

    runners = (model.get("privilege") or {}).get("terraform_runners") or []
    grouped: dict[tuple[str, str, str | None, str | None], list[dict[str, Any]]] = {}
    for runner in runners:
        if runner.get("remote") or (runner.get("root") is None and runner.get("plan") is None):
            continue
        identity = runner.get("identity") or {}
        cloud = identity.get("cloud") or _root_cloud(runner)
        if cloud not in ("aws", "gcp"):
            continue
        key = (identity.get("reference") if cloud == "gcp" and isinstance(identity.get("reference"), str) and
               "@" in identity["reference"] else identity.get("key")) or "(unresolved)"
        grouped.setdefault((cloud, key, runner.get("root"), runner.get("plan")), []).append(runner)
    out = []
    for (cloud, key, root, plan), items in sorted(grouped.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        suggestion = RunnerSuggestion(key, cloud, sorted({r["task"] for r in items}), root, plan,
                                      incomplete=sorted({t for r in items for t in r.get("unknown_types") or []}),
                                      becomes=items[0].get("becomes") or [])
        for phase, read_only in (("plan", True), ("apply", False)):
            # a saved plan is applied, never planned again: its plan identity is that of a plan of its root
            needs = root_needs(model, root, None if read_only else plan, read_only=read_only) \
                if (root or not read_only) else {"rows": []}
            own = [r for r in needs["rows"] if r.get("identity") is None and r.get("cloud") == cloud]
            if cloud == "aws":
                suggestion.phases[phase] = aws_statements([r for r in own if r.get("actions")], index)
            else:
                resources_ = sorted({p for r in own if not str(r.get("why", "")).startswith("state")
                                     for p in r.get("permissions") or []})
                state = sorted({p for r in own if str(r.get("why", "")).startswith("state")
                                for p in r.get("permissions") or []})
                suggestion.permissions[phase] = {"resources": resources_, "state": state}
        if cloud == "gcp":
            backend = next((r.get("backend") for r in model["terraform"].get("roots", []) if r.get("dir") == root), None)
            config = (backend or {}).get("config") or {}
            prefix = config.get("prefix") if isinstance(config.get("prefix"), str) else ""
            suggestion.state = {"bucket": config.get("bucket") if isinstance(config.get("bucket"), str) else None,
                                "prefix": prefix.strip("/") + "/" if prefix.strip("/") else ""}
        out.append(suggestion)
    return out


def _root_cloud(runner: dict[str, Any]) -> str | None:
    clouds = {n.get("cloud") for n in runner.get("needs") or []}
    return next(iter(clouds)) if len(clouds) == 1 else None
