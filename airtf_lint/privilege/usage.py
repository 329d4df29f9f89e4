"""Grants against needs, per AWS identity that Airflow tasks run as: which granted actions no task needs (unused),
and which needed actions no statement grants on the needed resource (missing, an AccessDenied waiting to happen).

Facts only; the rules decide. An identity's unused grants are stated only when every task using it has fully
known needs, and missing grants only when every grant it holds is known.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from airtf_lint.privilege.aws_access import statement_actions
from airtf_lint.privilege.aws_actions import ActionIndex
from airtf_lint.privilege.needs import (
    NeedsCatalogue,
    needs_by_principal,
    render_resource,
)


def _resources(statement: dict[str, Any]) -> list[str]:
    values = statement.get("resources")
    if statement.get("not_resources"):
        return ["*"]  # everything but some: treat as covering the need (ATF-PRIVILEGE-005 flags the form)
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _covers(pattern: str, resource: str) -> bool:
    return pattern == "*" or fnmatch.fnmatchcase(resource, pattern)


class UsageAnalysis:
    def __init__(self, model: dict[str, Any], index: ActionIndex, catalogue: NeedsCatalogue) -> None:
        self.model = model
        self.index = index
        self.catalogue = catalogue
        self.statements = model["terraform"].get("statements", [])
        self.by_principal = model["terraform"].get("statements_by_principal", {})
        self.grants = model["terraform"].get("grants", [])

    def _platform_needs(self, principal: str) -> list[dict[str, Any]]:
        mwaa = self.model["terraform"].get("aws", {}).get("mwaa_environments", [])
        if not any(e.get("execution_role") == principal for e in mwaa):
            return []
        return [{"actions": n["actions"], "resource": render_resource(n.get("resource", "*"), {}), "task": None}
                for n in self.catalogue.platforms.get("mwaa", [])]

    def identities(self) -> list[dict[str, Any]]:
        found = needs_by_principal(self.model, self.catalogue, "aws")
        return [self._identity(p, found[p].tasks, found[p].needs + self._platform_needs(p), found[p].unknown)
                for p in sorted(found)]

    def _identity(self, principal: str, tasks: list[str], needs: list[dict[str, Any]],
                  unknown_tasks: list[str]) -> dict[str, Any]:
        positions = self.by_principal.get(principal, [])
        statements = [(p, self.statements[p]) for p in positions]
        grants_known = all(s.get("access", {}).get("known", False) and s.get("known", True) for _, s in statements)
        grants_known = grants_known and all(g.get("known", True) for g in self.grants if g.get("principal") == principal)
        needed = {a for row in needs for pattern in row["actions"] for a in self.index.expand(pattern)}
        return {
            "principal": principal, "tasks": tasks, "needs_known": not unknown_tasks,
            "tasks_with_unknown_needs": unknown_tasks, "grants_known": grants_known,
            "needed_actions": sorted(needed),
            "needs": [{k: row.get(k, False) for k in ("actions", "resource", "task", "optional")} for row in needs],
            "unused": self._unused(statements, needed) if not unknown_tasks else [],
            "missing": self._missing(statements, needs) if grants_known else [],
        }

    def _unused(self, statements: list[tuple[int, dict[str, Any]]], needed: set[str]) -> list[dict[str, Any]]:
        out = []
        for position, statement in statements:
            access = statement.get("access", {})
            if statement.get("effect") != "Allow" or access.get("all_actions") or access.get("admin_policy"):
                continue
            granted, _ = statement_actions(statement, self.index)
            unused = sorted(granted - needed)
            if unused:
                out.append({"statement": position, "granted": len(granted), "unused": len(unused),
                            "share": round(len(unused) / len(granted), 3),
                            "percent": round(100 * len(unused) / len(granted)), "actions": unused[:5],
                            "services": sorted({a.split(":", 1)[0] for a in unused})})
        return out

    def _missing(self, statements: list[tuple[int, dict[str, Any]]], needs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        allows = [(statement_actions(s, self.index)[0], _resources(s)) for _, s in statements
                  if s.get("effect") == "Allow" and not s.get("conditions")]
        out = []
        for row in needs:
            if row["task"] is None or row.get("optional"):
                continue  # the platform's own needs, and needs that may not apply, are not for airtf-lint to demand
            for pattern in row["actions"]:
                for action in self.index.expand(pattern) or {pattern}:
                    if not any(action in actions and any(_covers(r, row["resource"]) for r in resources)
                               for actions, resources in allows):
                        out.append({"task": row["task"], "action": action, "resource": row["resource"],
                                    "path": row["path"], "line": row["line"]})
        return out
