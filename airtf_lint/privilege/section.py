"""The privilege part of the model: each AWS statement's `access` facts, each GCP binding's `role_facts`, per
principal what it can do (`input.privilege.principals`), and per AWS identity that tasks run as what they need
against what it is granted (`input.privilege.identities`, and by role `input.privilege.gcp_identities`)."""

from __future__ import annotations

from typing import Any

from airtf_lint.privilege.aws_access import (
    analyse_principals,
    analyse_statement,
    risk_data,
)
from airtf_lint.privilege.aws_actions import action_index
from airtf_lint.privilege.gcp_roles import role_data, role_facts
from airtf_lint.privilege.gcp_usage import GcpUsage
from airtf_lint.privilege.impersonation import impersonation_edges, reachable_by
from airtf_lint.privilege.needs import needs_catalogue
from airtf_lint.privilege.runner import terraform_runners
from airtf_lint.privilege.usage import UsageAnalysis


def privilege_section(model: dict[str, Any]) -> dict[str, Any]:
    terraform = model["terraform"]
    statements = terraform.get("statements", [])
    principals: dict[str, dict[str, Any]] = {}
    admin_policies: dict[str, str] = {}
    identities: list[dict[str, Any]] = []
    if statements:  # the action database costs 0.2 s to load: only when there is something to analyse
        index, risk = action_index(), risk_data()
        for statement in statements:
            statement["access"] = analyse_statement(statement, index, risk)
            policy = statement.get("policy")
            name = policy.split(":", 1)[1] if isinstance(policy, str) and policy.startswith("aws-managed:") else None
            statement["access"]["admin_policy"] = name if name in risk.admin_managed_policies else None
        principals = analyse_principals(statements, index, risk)
        admin_policies = risk.admin_managed_policies
        identities = UsageAnalysis(model, index, needs_catalogue()).identities()
    roles = role_data()
    for binding in terraform.get("gcp", {}).get("bindings", []):
        binding["role_facts"] = role_facts(binding.get("role"), roles)
    gcp_identities = GcpUsage(model, roles, needs_catalogue()).identities()
    edges = impersonation_edges(terraform)
    return {"principals": principals, "admin_managed_policies": admin_policies, "identities": identities,
            "gcp_identities": gcp_identities, "gcp_impersonation": edges,
            "reachable_by": reachable_by(edges, model["airflow"].get("tasks_by_principal") or {}),
            "terraform_runners": terraform_runners(model)}
