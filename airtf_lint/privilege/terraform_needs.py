"""What a Terraform root needs of the identity that runs it.

Per resource type and operation, the cloud permissions come from `data/terraform_needs.yaml` (derived from pike's
mapping, Apache-2.0; see docs/terraform_runner.md). With a plan, each resource needs what the actions its
`resource_changes` take need (a `no-op` nothing, an update no create or delete); with HCL, every managed resource
may be created, read, updated and deleted, and every data source read. An attribute's own permissions (`tags` ->
`TagResource`) count only when the resource sets it. On top: the state backend (S3 objects on the state key and
the lock table or `.tflock` object; GCS objects under the prefix) and the provider's `assume_role` /
`impersonate_service_account`, which make the runner need only the right to become that identity: the resources'
needs are then that identity's, not the runner's.

A resource type the mapping does not know is a named gap (`unknown_types`), never a silent "needs nothing".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.yamlload import load_yaml

OPERATIONS = ("read", "create", "update", "delete")
_PLAN_ACTIONS = {"create": ("create",), "update": ("update",), "delete": ("delete",), "read": ("read",),
                 "no-op": (), "forget": ()}


@dataclass(frozen=True)
class NeedsMapping:
    resources: dict[str, dict[str, Any]]
    data: dict[str, dict[str, Any]]
    commit: str | None

    def entry(self, mode: str, type_: str) -> dict[str, Any] | None:
        return (self.data if mode == "data" else self.resources).get(type_)


@cache
def needs_mapping() -> NeedsMapping:
    data = load_yaml(resources.files("airtf_lint").joinpath("data/terraform_needs.yaml").read_text("utf-8"))
    return NeedsMapping(dict(data.get("resources") or {}), dict(data.get("data") or {}),
                        (data.get("source") or {}).get("commit"))


def cloud_of(type_: str) -> str | None:
    if type_.startswith("aws_"):
        return "aws"
    if type_.startswith("google_"):
        return "gcp"
    return None


def _is_set(value: Any) -> bool:
    return value not in (None, False, "", [], {})


def type_needs(entry: dict[str, Any], operations: tuple[str, ...], values: dict[str, Any] | None) -> list[str]:
    """The permissions a resource of a known type needs for the operations Terraform performs on it: `read`
    always, each operation's own, and those of the attributes the resource sets."""
    out = list(entry.get("read") or [])
    for operation in operations:
        out += entry.get(operation) or []
    if operations and operations != ("read",):
        for name, names in (entry.get("attributes") or {}).items():
            if isinstance(values, dict) and _is_set(values.get(name)):
                out += names
    return list(dict.fromkeys(out))


def _operations(resource: dict[str, Any], change_actions: list[str] | None) -> tuple[str, ...]:
    if resource.get("mode") == "data":
        return ("read",)
    if change_actions is None:  # HCL: whatever apply may do to a declared resource
        return ("create", "update", "delete")
    return tuple(dict.fromkeys(op for action in change_actions for op in _PLAN_ACTIONS.get(action, ("update",))))


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value and "${" not in value and "{{" not in value else None


def backend_needs(backend: dict[str, Any] | None,
                  read_only: bool = False) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The state backend's needs (rows for the runner, or for the role the backend assumes) and the identity the
    backend itself assumes: `{cloud, kind, target}` or None."""
    if not isinstance(backend, dict):
        return [], None
    config = backend.get("config") if isinstance(backend.get("config"), dict) else {}
    kind = backend.get("type")
    rows: list[dict[str, Any]] = []
    if kind == "s3":
        bucket, key = _string(config.get("bucket")) or "*", _string(config.get("key")) or "*"
        prefix = _string(config.get("workspace_key_prefix")) or "env:"
        rows.append({"actions": ["s3:ListBucket"], "resource": f"arn:aws:s3:::{bucket}", "why": "state bucket"})
        objects = [f"arn:aws:s3:::{bucket}/{key}", f"arn:aws:s3:::{bucket}/{prefix}/*/{key}"]
        state = ["s3:GetObject"] if read_only else ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        rows += [{"actions": state, "resource": r, "why": "state"} for r in objects]
        if config.get("use_lockfile") is True:
            rows += [{"actions": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "resource": f"{r}.tflock",
                      "why": "state lock file"} for r in objects]
        table = _string(config.get("dynamodb_table"))
        if table or (config.get("dynamodb_table") is not None and not isinstance(config.get("dynamodb_table"), str)):
            region = _string(config.get("region")) or "*"
            rows.append({"actions": ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem",
                                     "dynamodb:DeleteItem"],
                         "resource": f"arn:aws:dynamodb:{region}:*:table/{table or '*'}", "why": "state lock table"})
        kms = config.get("kms_key_id")
        if kms is not None:
            rows.append({"actions": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                         "resource": _string(kms) if str(kms).startswith("arn:") else "*", "why": "state encryption key"})
        for row in rows:
            row["cloud"] = "aws"
        assume = config.get("assume_role")
        role = (assume[0] if isinstance(assume, list) and assume else assume) if assume is not None else None
        role_arn = role.get("role_arn") if isinstance(role, dict) else config.get("role_arn")
        if role_arn is not None:
            return rows, {"cloud": "aws", "kind": "assume_role", "target": _string(role_arn) or "*"}
        return rows, None
    if kind == "gcs":
        bucket = _string(config.get("bucket")) or "*"
        prefix = (_string(config.get("prefix")) or "").strip("/")
        rows.append({"cloud": "gcp", "permissions": ["storage.objects.list"], "resource": f"projects/_/buckets/{bucket}",
                     "role": "roles/storage.objectUser", "why": "state bucket"})
        rows.append({"cloud": "gcp", "permissions": ["storage.objects.get", "storage.objects.create",
                                                       "storage.objects.delete"],
                     "resource": f"projects/_/buckets/{bucket}/objects/{prefix + '/' if prefix else ''}*",
                     "role": "roles/storage.objectUser", "why": "state and lock objects"})
        account = config.get("impersonate_service_account")
        if account is not None:
            return rows, {"cloud": "gcp", "kind": "impersonation", "target": _string(account) or "*"}
        return rows, None
    return [], None


def provider_identities(providers: list[dict[str, Any]], root: str) -> list[dict[str, Any]]:
    """The identities the root's providers become: `assume_role` role ARNs, `impersonate_service_account`."""
    out = []
    for provider in providers:
        if provider.get("dir") != root:
            continue
        for role in provider.get("assume_roles") or []:
            out.append({"cloud": "aws", "kind": "assume_role", "target": _string(role) or "*",
                        "provider": provider.get("name"), "path": provider.get("path"), "line": provider.get("line")})
        account = provider.get("impersonate_service_account")
        if account is not None:
            out.append({"cloud": "gcp", "kind": "impersonation", "target": _string(account) or "*",
                        "provider": provider.get("name"), "path": provider.get("path"), "line": provider.get("line")})
    return out


def become_row(identity: dict[str, Any], why: str) -> dict[str, Any]:
    target = identity["target"]
    if identity["cloud"] == "aws":
        return {"cloud": "aws", "actions": ["sts:AssumeRole"], "resource": target, "why": why}
    project = re.fullmatch(r"[^@\s]+@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com", target)
    resource = f"projects/{project.group(1) if project else '-'}/serviceAccounts/{target}"
    return {"cloud": "gcp", "permissions": ["iam.serviceAccounts.getAccessToken"], "resource": resource,
            "role": "roles/iam.serviceAccountTokenCreator", "why": why}


def plan_for(model: dict[str, Any], run: dict[str, Any]) -> str | None:
    """The plan JSON in the repository that a run's saved plan file most likely is: same name (tfplan ->
    tfplan.json), preferably in the run's root folder."""
    plan_file = run.get("plan_file")
    if not isinstance(plan_file, str) or "{{" in plan_file:
        return None
    stem = plan_file.rsplit("/", 1)[-1]
    for suffix in (".tfplan", ".plan", ".out", ".binary"):
        stem = stem.removesuffix(suffix)
    candidates = []
    for plan in model["terraform"].get("plans", []):
        name = plan["path"].rsplit("/", 1)[-1].removesuffix(".json")
        for suffix in (".tfplan", ".plan"):
            name = name.removesuffix(suffix)
        if name == stem:
            folder = plan["path"].rsplit("/", 1)[0] if "/" in plan["path"] else "."
            candidates.append((folder != run.get("root"), plan["path"]))
    return min(candidates)[1] if candidates else None


def root_needs(model: dict[str, Any], root: str | None, plan: str | None = None,
               mapping: NeedsMapping | None = None, read_only: bool = False) -> dict[str, Any]:
    """The needs of one root (from its HCL) or one plan: `{root, plan, source, resources, types, unknown_types,
    rows, identities}`; `read_only` (a `terraform plan`): refresh and data sources only, state read, lock taken.
    Rows are `{cloud, actions|permissions, resource, why, identity}` where identity is None
    for the runner itself, or the role / service account the provider or backend becomes."""
    mapping = mapping or needs_mapping()
    terraform = model["terraform"]
    if plan is not None:
        changes = {c["address"]: c for c in terraform.get("changes", []) if c.get("plan") == plan}
        values = {r["address"]: r.get("values") for r in terraform.get("resources", [])
                  if r.get("source") == "plan" and r.get("plan_path", r.get("path")) == plan}
        items = [({"address": a, "type": c["type"], "mode": c.get("mode", "managed")}, c["actions"], values.get(a))
                 for a, c in changes.items()]
    else:
        items = [(r, None, r.get("values")) for r in terraform.get("resources", [])
                 if r.get("source") == "hcl" and r.get("root") == root and root is not None]
    root_record = next((r for r in terraform.get("roots", []) if r.get("dir") == root), None)
    identities = provider_identities(terraform.get("providers") or [], root) if root else []
    backend_rows, backend_identity = backend_needs(root_record.get("backend") if root_record else None, read_only)
    by_cloud = {i["cloud"]: i["target"] for i in identities}
    rows: list[dict[str, Any]] = []
    types: dict[str, list[str]] = {}
    unknown: dict[str, int] = {}
    counted = 0
    for resource, actions, resource_values in items:
        type_ = resource.get("type") or ""
        cloud = cloud_of(type_)
        operations = ("read",) if read_only else _operations(resource, actions)
        if cloud is None or not operations:
            continue  # other providers (kubernetes, random, null...) call no AWS or GCP API; a no-op needs nothing
        counted += 1
        entry = mapping.entry(resource.get("mode", "managed"), type_)
        key = f"data.{type_}" if resource.get("mode") == "data" else type_
        if entry is None:
            unknown[key] = unknown.get(key, 0) + 1
            continue
        types[key] = sorted(set(types.get(key, [])) | set(operations))
        names = type_needs(entry, operations, resource_values)
        if names:
            field = "actions" if cloud == "aws" else "permissions"
            rows.append({"cloud": cloud, field: names, "resource": "*", "identity": by_cloud.get(cloud),
                         "why": f"{resource['address']} ({', '.join(operations)})"})
    for row in backend_rows:
        row["identity"] = backend_identity["target"] if backend_identity else None
    rows += backend_rows
    if backend_identity is not None:
        rows.append({**become_row(backend_identity, "state backend " + backend_identity["kind"]), "identity": None})
    for identity in identities:
        rows.append({**become_row(identity, f"provider {identity['provider']} {identity['kind']}"), "identity": None})
    return {"root": root, "plan": plan, "source": "plan" if plan else "hcl", "resources": counted,
            "types": types, "unknown_types": sorted(unknown), "unknown_resources": sum(unknown.values()),
            "rows": rows, "identities": identities + ([backend_identity] if backend_identity else []),
            "backend": (root_record.get("backend") or {}).get("type") if root_record else None}


def provider_blocks(all_facts: list[Any]) -> list[dict[str, Any]]:
    """Every `provider "aws"` / `provider "google"` block with the identity it becomes, for the model
    (`terraform.providers[]`): `{dir, name, alias, assume_roles, impersonate_service_account, <location>}`;
    values known without a scope (a variable is an unknown)."""
    out = []
    for facts in all_facts:
        path = facts.source.path
        for block in getattr(facts, "hcl_blocks", None) or []:
            if block.type != "provider" or not block.labels or block.labels[0] not in ("aws", "google",
                                                                                       "google-beta"):
                continue
            values = block.values()
            roles = [r.get("role_arn") for r in values.get("assume_role") or [] if isinstance(r, dict)]
            roles += [r.get("role_arn") for r in values.get("assume_role_with_web_identity") or []
                      if isinstance(r, dict)]
            out.append({"dir": path.rsplit("/", 1)[0] if "/" in path else ".", "name": block.labels[0],
                        "alias": values.get("alias") if isinstance(values.get("alias"), str) else None,
                        "assume_roles": [r if isinstance(r, str) else None for r in roles],
                        "impersonate_service_account": values.get("impersonate_service_account") if isinstance(
                            values.get("impersonate_service_account"), str) else (
                            None if values.get("impersonate_service_account") is None else "*"),
                        "path": path, "line": block.location.line})
    return out
