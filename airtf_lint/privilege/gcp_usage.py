"""Grants against needs, per GCP identity that Airflow tasks run as, at the level GCP grants at: roles.

A task's need names the narrowest predefined role that holds it (operator_needs.yaml); a binding satisfies it when
its role contains that role (data/gcp_roles.yaml `includes`) and its scope holds the resource (a project, folder
or organization binding holds everything in it; a bucket, dataset or table binding only what it names). A binding
no task's need is satisfied by is unused; a need no binding satisfies is missing. As for AWS, unused is stated only
when every task's needs are known, missing only when every bound role's contents are known.
"""

from __future__ import annotations

from typing import Any

from airtf_lint.privilege.gcp_roles import RoleData
from airtf_lint.privilege.needs import NeedsCatalogue, needs_by_principal

_WHOLE_SCOPES = frozenset({"organization", "folder", "project"})


def _scope_holds(binding: dict[str, Any], resource: str) -> bool | None:
    """True/False when it can be told, None when the need's resource is not known well enough."""
    if binding.get("level") in _WHOLE_SCOPES:
        return True
    target = binding.get("target")
    if not isinstance(target, str) or "*" in resource:
        return None
    return target.rsplit("/", 1)[-1] in resource.split("/")


class GcpUsage:
    def __init__(self, model: dict[str, Any], roles: RoleData, catalogue: NeedsCatalogue) -> None:
        self.model = model
        self.roles = roles
        self.catalogue = catalogue
        self.bindings = model["terraform"].get("gcp", {}).get("bindings", [])

    def identities(self) -> list[dict[str, Any]]:
        found = needs_by_principal(self.model, self.catalogue, "gcp")
        return [self._identity(p, found[p].needs, found[p].unknown) for p in sorted(found)]

    def _identity(self, principal: str, needs: list[dict[str, Any]], unknown_tasks: list[str]) -> dict[str, Any]:
        bindings = [(i, b) for i, b in enumerate(self.bindings)
                    if b.get("member_principal") == principal and isinstance(b.get("role"), str)]
        unconditioned = [(i, b) for i, b in bindings if not b.get("condition")]
        grants_known = all(self.roles.coverage_known(b["role"]) for _, b in bindings)
        tasks = sorted({n["task"] for n in needs} | set(unknown_tasks))
        return {
            "principal": principal, "tasks": tasks, "needs_known": not unknown_tasks,
            "tasks_with_unknown_needs": unknown_tasks, "grants_known": grants_known,
            "needs": [{k: n.get(k) for k in ("permissions", "resource", "role", "task", "optional")} for n in needs],
            "unused": self._unused(bindings, needs) if not unknown_tasks else [],
            "missing": self._missing(unconditioned, needs) if grants_known else [],
        }

    def _satisfies(self, binding: dict[str, Any], need: dict[str, Any]) -> bool | None:
        if not isinstance(need.get("role"), str) or not self.roles.covers(binding["role"], need["role"]):
            return False
        return _scope_holds(binding, need["resource"])

    def _unused(self, bindings: list[tuple[int, dict[str, Any]]], needs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for position, binding in bindings:
            role = binding["role"]
            if role in self.roles.cover_all or not self.roles.coverage_known(role):
                continue  # basic roles are ATF-PRIVILEGE-001's; a role of unknown contents cannot be judged
            if not any(self._satisfies(binding, need) is not False for need in needs):
                out.append({"binding": position, "role": role, "level": binding.get("level"),
                            "target": binding.get("target")})
        return out

    def _missing(self, bindings: list[tuple[int, dict[str, Any]]], needs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for need in needs:
            if need.get("optional") or not isinstance(need.get("role"), str):
                continue
            if all(self._satisfies(b, need) is False for _, b in bindings):
                out.append({"task": need["task"], "permissions": need["permissions"], "role": need["role"],
                            "resource": need["resource"], "path": need["path"], "line": need["line"]})
        return out
