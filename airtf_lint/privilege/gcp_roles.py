"""What a GCP role binding grants, as facts: basic role, the dangerous permissions the role holds, and whether it
lets the member act as service accounts. From the curated data/gcp_roles.yaml (sources listed there)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class RoleData:
    dangerous_permissions: dict[str, str]
    basic_roles: dict[str, str]
    roles: dict[str, tuple[str, ...]]
    impersonation_roles: frozenset[str]


@cache
def role_data() -> RoleData:
    data = yaml.safe_load(resources.files("airtf_lint").joinpath("data/gcp_roles.yaml").read_text("utf-8"))
    return RoleData(dict(data["dangerous_permissions"]), dict(data["basic_roles"]),
                    {role: tuple(permissions) for role, permissions in data["roles"].items()},
                    frozenset(data["impersonation_roles"]))


def role_facts(role: Any, data: RoleData) -> dict[str, Any]:
    if not isinstance(role, str):
        return {"known": False, "basic": False, "dangerous_permissions": [], "impersonation": False}
    return {
        "known": role in data.roles or role in data.basic_roles,
        "basic": role in data.basic_roles and role != "roles/viewer",
        "dangerous_permissions": list(data.roles.get(role, ())),
        "impersonation": role in data.impersonation_roles,
    }
