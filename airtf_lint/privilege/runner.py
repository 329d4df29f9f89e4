"""Terraform runners: per task that runs Terraform, the identity it runs as against what the Terraform it runs
needs (`input.privilege.terraform_runners`).

Facts only; the rules decide. For each (task, root or plan) the record says who runs it, what it needs (from
`terraform_needs`), what the identity is granted beyond that (`excess`), what it lacks (`missing`), and what the
mapping does not know (`unknown_types`). `excess` is stated only when the needs are complete (every resource type
known) or the identity holds everything anyway (admin); `missing` only when every grant of the identity is known.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from airtf_lint.airflow.terraform_runs import terraform_runs as find_runs
from airtf_lint.privilege.aws_access import statement_actions
from airtf_lint.privilege.aws_actions import ActionIndex, action_index
from airtf_lint.privilege.terraform_needs import NeedsMapping, needs_mapping, plan_for, root_needs

SAMPLE = 15
# Subcommands that change infrastructure or state, and those that only read it (plan); others (init, validate,
# fmt, show, output) are not runs of the configuration.
APPLY = frozenset({"apply", "destroy", "import", "refresh", "taint", "untaint", "state", "force-unlock"})
PLAN = frozenset({"plan"})
REMOTE_BACKENDS = frozenset({"cloud", "remote"})
BASIC_GCP = frozenset({"roles/owner", "roles/editor"})


def _task_name(task: dict[str, Any]) -> str:
    return f"{task['dag_id']}.{task['task_id']}"


def _runs(task: dict[str, Any], roots: list[str]) -> list[dict[str, Any]]:
    """The task's Terraform runs: the model's, or found now when the privilege analysis comes first."""
    if isinstance(task.get("terraform_runs"), list):
        return task["terraform_runs"]
    return find_runs(task, task.get("commands") or [], roots)


def _identity(task: dict[str, Any]) -> dict[str, Any] | None:
    for identity in task.get("identities") or []:
        key = identity.get("principal") or identity.get("reference")
        cloud = identity.get("cloud") or _cloud_of_reference(identity.get("reference"), identity.get("principal"))
        if cloud in ("aws", "gcp"):
            return {"cloud": cloud, "principal": identity.get("principal"),
                    "reference": identity.get("reference"), "resolution": identity.get("resolution"),
                    "key": key if isinstance(key, str) else None}
    return None


def _cloud_of_reference(reference: Any, principal: Any) -> str | None:
    """The cloud of an identity the configuration names (an ambient worker identity carries no cloud)."""
    for value in (reference, principal):
        if isinstance(value, str) and (value.startswith("arn:aws") or ":aws_iam_" in value):
            return "aws"
        if isinstance(value, str) and (value.endswith(".gserviceaccount.com") or ":google_service_account." in value):
            return "gcp"
    return None


def _sample(actions: set[str] | frozenset[str], all_actions: bool = False) -> dict[str, Any]:
    ordered = sorted(actions)
    return {"count": len(ordered), "all_actions": all_actions, "actions": ordered[:SAMPLE],
            "services": sorted({a.split(":", 1)[0] if ":" in a else a.split(".", 1)[0] for a in ordered})[:20]}


def _covers(pattern: str, resource: str) -> bool:
    return pattern == "*" or resource == "*" or fnmatch.fnmatchcase(resource, pattern)


class RunnerAnalysis:
    def __init__(self, model: dict[str, Any], mapping: NeedsMapping | None = None,
                 index: ActionIndex | None = None) -> None:
        self.model = model
        self.mapping = mapping or needs_mapping()
        self._index = index
        terraform = model["terraform"]
        self.statements = terraform.get("statements", [])
        self.by_principal = terraform.get("statements_by_principal", {})
        self.grants = terraform.get("grants", [])
        self.bindings = terraform.get("gcp", {}).get("bindings", [])
        self.roots = [r["dir"] for r in terraform.get("roots", [])]
        self.backends = {r["dir"]: (r.get("backend") or {}).get("type") for r in terraform.get("roots", [])}

    @property
    def index(self) -> ActionIndex:
        if self._index is None:
            self._index = action_index()
        return self._index

    def runners(self) -> list[dict[str, Any]]:
        out = []
        for task in self.model["airflow"]["tasks"]:
            targets: dict[tuple[str | None, str | None], dict[str, Any]] = {}
            for run in _runs(task, self.roots):
                subcommand = run.get("subcommand")
                if subcommand not in APPLY | PLAN:
                    continue
                plan = plan_for(self.model, run) if subcommand == "apply" else None
                key = (run.get("root"), plan)
                entry = targets.setdefault(key, {"subcommands": [], "runs": []})
                entry["subcommands"].append(subcommand)
                entry["runs"].append(run)
            for (root, plan), entry in targets.items():
                out.append(self._runner(task, root, plan, entry["subcommands"], entry["runs"][0]))
        return out

    def _runner(self, task: dict[str, Any], root: str | None, plan: str | None, subcommands: list[str],
                run: dict[str, Any]) -> dict[str, Any]:
        phase = "apply" if APPLY & set(subcommands) else "plan"
        identity = _identity(task)
        record: dict[str, Any] = {
            "task": _task_name(task), "dag_id": task["dag_id"], "task_id": task["task_id"], "via": run.get("via"),
            "subcommands": sorted(set(subcommands)), "phase": phase, "root": root, "plan": plan,
            "identity": identity, "remote": self.backends.get(root) in REMOTE_BACKENDS,
            "path": run.get("path", task.get("path")), "line": run.get("line", task.get("line")),
        }
        if root is None and plan is None:
            return {**record, "needs_known": False, "reason": "the run's working directory matches no root module "
                    "in the repository", "source": None, "unknown_types": [], "needs": [], "needed": [],
                    "grants_known": False, "admin": False, "excess": _sample(set()), "missing": [],
                    "missing_actions": []}
        needs = root_needs(self.model, root, plan, self.mapping, read_only=phase == "plan")
        own = [row for row in needs["rows"] if row.get("identity") is None]
        cloud = identity["cloud"] if identity else None
        record.update({"source": needs["source"], "types": needs["types"], "unknown_types": needs["unknown_types"],
                       "unknown_resources": needs["unknown_resources"], "resources": needs["resources"],
                       "becomes": needs["identities"],
                       "needs": [{k: row.get(k) for k in ("cloud", "actions", "permissions", "resource", "role", "why",
                                                          "identity")} for row in needs["rows"]]})
        record["needs_known"] = not needs["unknown_types"] and not record["remote"]
        if cloud == "aws" and identity and identity.get("principal"):
            record.update(self._aws(identity["principal"], own, record["needs_known"]))
        elif cloud == "gcp" and identity and identity.get("principal"):
            record.update(self._gcp(identity, own, record["needs_known"]))
        else:
            record.update({"needed": self._needed(own, cloud), "grants_known": False, "admin": False,
                           "excess": _sample(set()), "missing": []})
        record["missing_actions"] = sorted({m["action"] for m in record["missing"]})
        return record

    def _needed(self, rows: list[dict[str, Any]], cloud: str | None) -> list[str]:
        names: set[str] = set()
        for row in rows:
            if cloud in (None, "aws") and row.get("actions"):
                names.update(a for p in row["actions"] for a in (self.index.expand(p) or {p}))
            if cloud in (None, "gcp") and row.get("permissions"):
                names.update(row["permissions"])
        return sorted(names)

    # AWS: actions granted by the principal's Allow statements against the actions needed.
    def _aws(self, principal: str, rows: list[dict[str, Any]], needs_known: bool) -> dict[str, Any]:
        statements = [self.statements[p] for p in self.by_principal.get(principal, [])]
        grants_known = all(s.get("known", True) and s.get("access", {}).get("known", False) for s in statements)
        grants_known = grants_known and all(g.get("known", True) for g in self.grants if g.get("principal") == principal)
        allows = [(statement_actions(s, self.index)[0], _resource_patterns(s)) for s in statements
                  if s.get("effect") == "Allow"]
        granted: set[str] = set().union(*(a for a, _ in allows)) if allows else set()
        admin = bool(granted) and granted >= self.index.all_actions or any(
            s.get("access", {}).get("admin_policy") for s in statements if s.get("effect") == "Allow")
        needed_rows = [r for r in rows if r.get("cloud") == "aws"]
        needed = set(self._needed(needed_rows, "aws"))
        excess = granted - needed
        missing = []
        if grants_known:
            unconditioned = [(a, r) for (a, r), s in zip(allows, [s for s in statements if s.get("effect") == "Allow"])
                             if not s.get("conditions")]
            seen = set()
            for row in needed_rows:
                for pattern in row["actions"]:
                    for action in self.index.expand(pattern) or {pattern}:
                        if (action, row["resource"]) in seen:
                            continue
                        seen.add((action, row["resource"]))
                        if not any(action in actions and any(_covers(p, row["resource"]) for p in patterns)
                                   for actions, patterns in unconditioned):
                            missing.append({"action": action, "resource": row["resource"], "why": row["why"]})
        return {"needed": sorted(needed), "grants_known": grants_known, "admin": admin,
                "excess": _sample(excess, admin) if needs_known or admin else _sample(set()),
                "excess_known": needs_known or admin, "missing": missing}

    # GCP: roles bound to the account against the permissions needed, by service (a role's permissions are not
    # listed in the package: roles/owner and roles/editor hold everything, roles/<service>.<name> that service).
    def _gcp(self, identity: dict[str, Any], rows: list[dict[str, Any]], needs_known: bool) -> dict[str, Any]:
        principal = identity["principal"]
        email = identity.get("reference") if isinstance(identity.get("reference"), str) else None
        bound = [b for b in self.bindings if b.get("member_principal") == principal
                 or (email and b.get("member") == f"serviceAccount:{email}")]
        bound = [b for b in bound if b.get("role") != "roles/iam.workloadIdentityUser"]
        roles = [b.get("role") for b in bound]
        grants_known = all(isinstance(r, str) and r.startswith("roles/") for r in roles)
        admin = any(r in BASIC_GCP for r in roles)
        needed_rows = [r for r in rows if r.get("cloud") == "gcp"]
        needed = set(self._needed(needed_rows, "gcp"))
        services = {p.split(".", 1)[0] for p in needed}
        role_services = {r: _role_service(r) for r in roles if isinstance(r, str)}
        excess_roles = sorted({r for r, s in role_services.items() if r in BASIC_GCP or (s and s not in services)})
        missing = []
        if grants_known and not admin:
            covered = set(role_services.values())
            for row in needed_rows:
                for permission in row["permissions"]:
                    if permission.split(".", 1)[0] not in covered:
                        missing.append({"action": permission, "resource": row["resource"], "why": row["why"]})
        excess = {"count": len(excess_roles), "all_actions": admin, "roles": excess_roles, "actions": excess_roles,
                  "services": sorted({s for r, s in role_services.items() if r in excess_roles and s})}
        return {"needed": sorted(needed), "grants_known": grants_known, "admin": admin,
                "excess": excess if needs_known or admin else _sample(set()), "excess_known": needs_known or admin,
                "missing": missing, "roles": sorted(set(r for r in roles if isinstance(r, str)))}


def _role_service(role: str) -> str | None:
    if role in BASIC_GCP or role == "roles/viewer" or not role.startswith("roles/"):
        return None
    return role.removeprefix("roles/").split(".", 1)[0]


def _resource_patterns(statement: dict[str, Any]) -> list[str]:
    if statement.get("not_resources"):
        return ["*"]
    values = statement.get("resources")
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def terraform_runners(model: dict[str, Any]) -> list[dict[str, Any]]:
    """`input.privilege.terraform_runners`; the action database and the mapping load only when a task runs
    Terraform."""
    roots = [r["dir"] for r in model["terraform"].get("roots", [])]
    if not any(_runs(t, roots) for t in model["airflow"]["tasks"]):
        return []
    return RunnerAnalysis(model).runners()
