"""Who can act as whom on GCP, and so which Airflow tasks carry each service account's privileges.

An edge A -> B says service account A can obtain B's credentials or run code as B: a binding of a role that holds
`iam.serviceAccounts.getAccessToken`, `signJwt`, `signBlob`, `implicitDelegation` or `actAs`
(roles/iam.serviceAccountTokenCreator, roles/iam.serviceAccountUser, the basic roles...) to A, on B itself
(`google_service_account_iam_*`), or on the project, folder or organization that holds B (then on every service
account there). A task that runs as A carries B's privileges too; chains are followed to any length.
Facts only: the rules decide what matters (ATF-PRIVILEGE-001 names the tasks that reach a basic role this way).
"""

from __future__ import annotations

from collections import deque
from typing import Any

IMPERSONATION_PERMISSIONS = frozenset({
    "iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.signJwt", "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.implicitDelegation", "iam.serviceAccounts.actAs", "iam.serviceAccounts.getOpenIdToken",
})
_WIDE_LEVELS = frozenset({"project", "folder", "organization"})
_NOT_ACCOUNT_TO_ACCOUNT = frozenset({"roles/iam.workloadIdentityUser"})  # a Kubernetes account's, not an SA's


def _impersonates(binding: dict[str, Any]) -> bool:
    facts = binding.get("role_facts") or {}
    if binding.get("role") in _NOT_ACCOUNT_TO_ACCOUNT or binding.get("condition"):
        return False
    return bool(facts.get("impersonation")) or bool(IMPERSONATION_PERMISSIONS & set(facts.get("dangerous_permissions")
                                                                                   or ()))


def _project_of(principal: dict[str, Any]) -> str | None:
    email = principal.get("email")
    if isinstance(email, str) and email.endswith(".iam.gserviceaccount.com") and "@" in email:
        return email.split("@", 1)[1][: -len(".iam.gserviceaccount.com")]
    return None


def impersonation_edges(terraform: dict[str, Any]) -> list[dict[str, Any]]:
    accounts = [p for p in terraform.get("principals", []) if p.get("cloud") == "gcp"]
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for position, binding in enumerate(terraform.get("gcp", {}).get("bindings", [])):
        source = binding.get("member_principal")
        if not isinstance(source, str) or not _impersonates(binding):
            continue
        if binding.get("level") == "service_account":
            targets = [binding.get("target_principal")]
        elif binding.get("level") in _WIDE_LEVELS:
            scope = binding.get("target") if binding.get("level") == "project" else None
            targets = [a["id"] for a in accounts if a.get("root") == binding.get("root")
                       and (not isinstance(scope, str) or _project_of(a) in (None, scope))]
        else:
            continue
        for target in targets:
            if isinstance(target, str) and target != source:
                edges.setdefault((source, target, str(binding.get("role"))), {"from": source, "to": target, "role": binding.get("role"),
                                                    "level": binding.get("level"), "binding": position})
    return list(edges.values())


def reachable_by(edges: list[dict[str, Any]], tasks_by_principal: dict[str, list[str]]) -> dict[str, list[dict]]:
    """principal -> [{task, via: [the principal the task runs as, ..., the principal]}] for the tasks that reach
    it only through impersonation (the shortest chain each)."""
    following: dict[str, list[str]] = {}
    for edge in edges:
        following.setdefault(edge["from"], []).append(edge["to"])
    out: dict[str, dict[str, list[str]]] = {}
    for start, tasks in tasks_by_principal.items():
        if start not in following:
            continue
        seen = {start: [start]}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for target in following.get(current, []):
                if target not in seen:
                    seen[target] = seen[current] + [target]
                    queue.append(target)
        for target, chain in seen.items():
            if target == start:
                continue
            direct = set(tasks_by_principal.get(target, []))
            for task in tasks:
                if task not in direct:
                    known = out.setdefault(target, {})
                    if task not in known or len(chain) < len(known[task]):
                        known[task] = chain
    return {p: [{"task": t, "via": chain} for t, chain in sorted(found.items())] for p, found in sorted(out.items())}
