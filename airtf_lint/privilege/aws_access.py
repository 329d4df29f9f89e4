"""What AWS statements allow, as facts: each statement's actions expanded against the action database and
classified (access levels, escalation, credentials exposure, exfiltration), and per principal what all its
statements allow together (escalation combinations span statements). Rules decide what is wrong."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.privilege.aws_actions import ActionIndex, action_index, credentials_exposure
from airtf_lint.yamlload import load_yaml

SAMPLE = 10  # action names listed per category; the count says how many there are


@dataclass(frozen=True)
class RiskData:
    escalation_actions: frozenset[str]
    combinations: tuple[tuple[str, tuple[str, ...]], ...]
    exfiltration_actions: frozenset[str]
    credentials_exposure: frozenset[str]
    admin_managed_policies: dict[str, str]
    self_service_actions: frozenset[str] = frozenset()


@cache
def risk_data() -> RiskData:
    text = resources.files("airtf_lint").joinpath("data/aws_privilege.yaml").read_text("utf-8")
    data = load_yaml(text)
    index = action_index()
    canonical = [index.canonical.get(a.lower(), a) for a in credentials_exposure()]
    return RiskData(
        escalation_actions=frozenset(data["escalation_actions"]),
        combinations=tuple((c["name"], tuple(c["actions"])) for c in data["escalation_combinations"]),
        exfiltration_actions=frozenset(data["exfiltration_actions"]),
        credentials_exposure=frozenset(canonical),
        admin_managed_policies=dict(data["admin_managed_policies"]),
        self_service_actions=frozenset(data.get("self_service_actions") or ()),
    )


def _strings(values: Any) -> tuple[list[str], bool]:
    """The string items of an action/resource list, and whether every item was a known string."""
    if isinstance(values, str):
        return [values], True
    if not isinstance(values, list):
        return [], values is None
    strings = [v for v in values if isinstance(v, str)]
    return strings, len(strings) == len(values)


def statement_actions(statement: dict[str, Any], index: ActionIndex) -> tuple[frozenset[str], bool]:
    """The concrete actions a statement names (Action, or everything but NotAction), and whether all are known."""
    actions, known = _strings(statement.get("actions"))
    not_actions, not_known = _strings(statement.get("not_actions"))
    if statement.get("not_actions"):
        excluded = frozenset().union(*(index.expand(p) for p in not_actions))
        return index.all_actions - excluded, not_known
    return frozenset().union(*(index.expand(p) for p in actions)), known


def _services(actions: frozenset[str] | set[str], index: ActionIndex) -> list[str]:
    return ["*"] if actions and actions == index.all_actions else sorted({a.split(":", 1)[0] for a in actions})


def _at_level(actions: frozenset[str], level: str, index: ActionIndex) -> frozenset[str]:
    return frozenset(a for a in actions if index.levels[a] == level)


def _sample(actions: frozenset[str] | set[str]) -> dict[str, Any]:
    ordered = sorted(actions)
    return {"count": len(ordered), "actions": ordered[:SAMPLE]}


def resource_scope(resources: list[str], complete: bool) -> str | None:
    """What every resource of a statement is limited to: `self` (the caller's own user,
    `arn:aws:iam::*:user/${aws:username}`), `service_linked_roles` (`role/aws-service-role/...`, which AWS lets
    no one edit), or None."""
    if not resources or not complete:
        return None
    if all("${aws:username}" in r and ":user/" in r for r in resources):
        return "self"
    if all(":role/aws-service-role/" in r for r in resources):
        return "service_linked_roles"
    return None


def _escalation(actions: frozenset[str], scope: str | None, risk: RiskData) -> frozenset[str]:
    """The escalation actions, less those the resources make harmless: managing one's own credentials
    (a key or password for the caller's own user gives no more than the caller has), and IAM changes to
    service-linked roles (AWS refuses them)."""
    found = actions & risk.escalation_actions
    if scope == "self":
        found = found - risk.self_service_actions
    elif scope == "service_linked_roles":
        found = frozenset(a for a in found if not a.startswith("iam:"))
    return found


def analyse_statement(statement: dict[str, Any], index: ActionIndex, risk: RiskData) -> dict[str, Any]:
    actions, known = statement_actions(statement, index)
    patterns, _ = _strings(statement.get("actions"))
    resources_, resources_known = _strings(statement.get("resources"))
    scope = None if statement.get("not_resources") else resource_scope(resources_, resources_known)
    levels = Counter(index.levels[a] for a in actions)
    own_facts = risk.exfiltration_actions | {"iam:PassRole"}
    unscoped = _at_level(actions, "Write", index) & index.unscoped
    return {
        "known": known,
        "action_count": len(actions),
        "all_actions": bool(actions) and actions == index.all_actions,
        "levels": {level: levels.get(level, 0) for level in ("List", "Read", "Write", "Tagging",
                                                              "Permissions management")},
        "services": _services(actions, index),
        "service_wildcards": sorted(p for p in patterns if p.endswith(":*")),
        "unknown_actions": sorted(p for p in patterns if p != "*" and not index.expand(p)),
        "escalation": _sample(_escalation(actions, scope, risk)),
        "resource_scope": scope,
        "credentials_exposure": _sample(actions & risk.credentials_exposure),
        "exfiltration": _sample(actions & risk.exfiltration_actions),
        # Write and Permissions-management actions other than the exfiltration reads and PassRole, which have
        # facts of their own.
        # Write actions that take no resource ARN are left out of `write`: "*" is the only grant AWS allows them.
        "write": _sample(_at_level(actions, "Write", index) - own_facts - unscoped),
        "unscoped_writes": _sample(unscoped - own_facts),
        "permissions_management": _sample(_at_level(actions, "Permissions management", index) - own_facts
                                          - index.unscoped),
        "resource_star": "*" in resources_ or bool(statement.get("not_resources")),
        "pass_role": "iam:PassRole" in actions,
        "pass_role_to_service_condition": any(
            isinstance(c, dict) and str(c.get("variable", "")).lower() == "iam:passedtoservice"
            for c in statement.get("conditions") or []),
        "conditioned": bool(statement.get("conditions")),
    }


def analyse_principals(statements: list[dict[str, Any]], index: ActionIndex,
                       risk: RiskData) -> dict[str, dict[str, Any]]:
    """Per principal: what its Allow statements grant together, less what unconditional Deny statements on
    every resource take away, and the escalation combinations that union completes."""
    allowed: dict[str, set[str]] = {}
    denied: dict[str, set[str]] = {}
    sources: dict[str, dict[str, list[int]]] = {}
    for position, statement in enumerate(statements):
        principal = statement.get("principal")
        if not isinstance(principal, str):
            continue
        actions, _ = statement_actions(statement, index)
        resources_, _ = _strings(statement.get("resources"))
        if statement.get("effect") == "Deny":
            if not statement.get("conditions") and "*" in resources_:
                denied.setdefault(principal, set()).update(actions)
            continue
        allowed.setdefault(principal, set()).update(actions)
        by_action = sources.setdefault(principal, {})
        for action in actions & risk.escalation_actions.union(*(set(c) for _, c in risk.combinations)):
            by_action.setdefault(action, []).append(position)
    out = {}
    for principal, actions in allowed.items():
        effective = actions - denied.get(principal, set())
        combinations = [{"name": name, "actions": list(needed),
                         "statements": sorted({p for a in needed for p in sources[principal].get(a, [])})}
                        for name, needed in risk.combinations if set(needed) <= effective]
        out[principal] = {
            "action_count": len(effective),
            "all_actions": effective == index.all_actions,
            "services": _services(effective, index),
            "escalation_combinations": combinations,
        }
    return out
