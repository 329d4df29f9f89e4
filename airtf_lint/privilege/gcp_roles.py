"""What a GCP role binding grants, as facts: basic role, the dangerous permissions the role holds, and whether it
lets the member act as service accounts. From the curated data/gcp_roles.yaml (sources listed there)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.yamlload import load_yaml


@dataclass(frozen=True)
class RoleData:
    dangerous_permissions: dict[str, str]
    basic_roles: dict[str, str]
    roles: dict[str, tuple[str, ...]]
    impersonation_roles: frozenset[str]
    cover_all: frozenset[str] = frozenset()
    includes: dict[str, frozenset[str]] = field(default_factory=dict)  # transitive closure

    def covers(self, bound: str, needed: str) -> bool:
        """Whether a binding of `bound` holds every permission of `needed`."""
        return bound == needed or bound in self.cover_all or needed in self.includes.get(bound, frozenset())

    def coverage_known(self, role: str) -> bool:
        return role in self.cover_all or role in self.includes


def _closure(direct: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    def reach(role: str, seen: frozenset[str]) -> frozenset[str]:
        found = set()
        for child in direct.get(role) or []:
            if child not in seen:
                found |= {child} | reach(child, seen | {child})
        return frozenset(found)

    return {role: reach(role, frozenset({role})) for role in direct}


@cache
def role_data() -> RoleData:
    data = load_yaml(resources.files("airtf_lint").joinpath("data/gcp_roles.yaml").read_text("utf-8"))
    return RoleData(dict(data["dangerous_permissions"]), dict(data["basic_roles"]),
                    {role: tuple(permissions) for role, permissions in data["roles"].items()},
                    frozenset(data["impersonation_roles"]), frozenset(data.get("cover_all") or ()),
                    _closure(data.get("includes") or {}))


def role_facts(role: Any, data: RoleData) -> dict[str, Any]:
    if not isinstance(role, str):
        return {"known": False, "basic": False, "dangerous_permissions": [], "impersonation": False}
    return {
        "known": role in data.roles or role in data.basic_roles,
        "basic": role in data.basic_roles and role != "roles/viewer",
        "dangerous_permissions": list(data.roles.get(role, ())),
        "impersonation": role in data.impersonation_roles,
    }
