"""GCP principals and IAM bindings: service accounts and their keys, IAM member/binding/policy resources at every
level (organization, folder, project, service account, bucket, dataset, table), Composer environments' node
service accounts, and Workload Identity bindings (a Kubernetes service account allowed to act as a Google one).
Every binding is normalised to one row per (role, member)."""

from __future__ import annotations

import json
import re
from typing import Any

from airtf_lint.facts import is_unknown
from airtf_lint.terraform.values import render_json, to_string
from airtf_lint.terraform.resources import ResourceView, index_by_base, pick, referenced

SERVICE_ACCOUNT = "google_service_account"
# resource type prefix -> (level, attribute naming the target)
LEVELS = {
    "google_organization_iam": ("organization", "org_id"),
    "google_folder_iam": ("folder", "folder"),
    "google_project_iam": ("project", "project"),
    "google_service_account_iam": ("service_account", "service_account_id"),
    "google_storage_bucket_iam": ("bucket", "bucket"),
    "google_bigquery_dataset_iam": ("dataset", "dataset_id"),
    "google_bigquery_table_iam": ("table", "table_id"),
}
WORKLOAD_IDENTITY_ROLE = "roles/iam.workloadIdentityUser"
_WI_MEMBER = re.compile(r"^serviceAccount:([^.\[]+)\.svc\.id\.goog\[([^/\]]+)/([^\]]+)\]$")
_ACCOUNT_REFERENCE = re.compile(r"(?<![\w.])google_service_account\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\."
                                r"(?:email|member|name|id|unique_id|account_id)\b")
SERVICE_ACCOUNT_EMAIL = re.compile(r"([A-Za-z0-9-]+)@([A-Za-z0-9.-]+)\.iam\.gserviceaccount\.com")


def service_account_email(values: dict[str, Any]) -> dict[str, Any]:
    """Computed `email` (and `member`) of a google_service_account, when account_id and project are known."""
    account, project = values.get("account_id"), values.get("project")
    if isinstance(account, str) and isinstance(project, str):
        email = f"{account}@{project}.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}"}
    return {}


def _level(resource_type: str) -> tuple[str, str, str] | None:
    for prefix, (level, attribute) in LEVELS.items():
        if resource_type.startswith(prefix + "_"):
            return level, attribute, resource_type[len(prefix) + 1:]
    return None


class GcpIamExtractor:
    def __init__(self, views: list[ResourceView]) -> None:
        self.views = views
        self.accounts = [v for v in views if v.type == SERVICE_ACCOUNT and v.mode == "managed"]
        self.by_address = index_by_base(self.accounts)
        self.by_email: dict[str, ResourceView] = {}
        self.by_account_id: dict[tuple[str, str], ResourceView] = {}
        for view in self.accounts:
            email = view.values.get("email")
            if isinstance(email, str):
                self.by_email.setdefault(email, view)
            account = view.values.get("account_id")
            if isinstance(account, str):
                self.by_account_id.setdefault((view.group, account), view)

    def account_for(self, view: ResourceView, attribute: str, value: Any = None) -> ResourceView | None:
        """The service account an attribute names: by reference (nested blocks' attributes by their dotted path),
        by the expression an unknown value came from (a module output included), by email, or by account id."""
        found = referenced(self.by_address, view, attribute, SERVICE_ACCOUNT)
        if found is not None:
            return found
        value = view.values.get(attribute) if value is None else value
        if is_unknown(value):
            found = self._by_expression(view, value)
            if found is not None:
                return found
        text = to_string(value) if not is_unknown(value) else value.get("expr", "")
        if not isinstance(text, str):
            return None
        email = SERVICE_ACCOUNT_EMAIL.search(text)
        if email:
            return self.by_email.get(email.group(0)) or self.by_account_id.get((view.group, email.group(1)))
        name = text.rsplit("/", 1)[-1]
        return self.by_account_id.get((view.group, name))

    def _by_expression(self, view: ResourceView, value: dict[str, Any]) -> ResourceView | None:
        """`google_service_account.x.email` (or `.member`, `.name`, `.id`...), also inside a template
        ("serviceAccount:${google_service_account.x.email}"), in the referrer's module instance or, for a value that
        came out of a module output, in that module's."""
        ref = value.get("ref") if isinstance(value.get("ref"), dict) else {"module": None, "expr": value.get("expr")}
        match = _ACCOUNT_REFERENCE.search(str(ref.get("expr") or ""))
        if match is None:
            return None
        scope = view.scope
        if ref.get("module") is not None:
            scope = f"{view.scope.rsplit(':', 1)[0]}:{ref['module']}"
        return pick(self.by_address.get((scope, f"{SERVICE_ACCOUNT}.{match.group(1)}")), view)

    def extract(self) -> dict[str, Any]:
        principals = [self._principal(v) for v in self.accounts]
        bindings: list[dict[str, Any]] = []
        for view in self.views:
            level = _level(view.type) if view.mode == "managed" else None
            if level is not None:
                bindings.extend(self._bindings(view, *level))
        return {
            "principals": principals,
            "bindings": bindings,
            "keys": [self._key(v) for v in self.views if v.type == "google_service_account_key"],
            "composer_environments": [self._composer(v) for v in self.views
                                      if v.type == "google_composer_environment"],
            "workload_identity": [b for b in (self._workload_identity(row) for row in bindings) if b],
        }

    def _principal(self, view: ResourceView) -> dict[str, Any]:
        email = view.values.get("email")
        return {"id": view.id, "cloud": "gcp", "kind": "service_account", "type": view.type, "address": view.address,
                "name": email if isinstance(email, str) else _text(view.values.get("account_id")),
                "email": email if isinstance(email, str) else None, "root": view.group,
                "source": view.source, **view.location.to_dict()}

    def _bindings(self, view: ResourceView, level: str, target_attribute: str, form: str) -> list[dict[str, Any]]:
        target = view.values.get(target_attribute)
        condition = (view.values.get("condition") or [None])[0] if isinstance(view.values.get("condition"),
                                                                             list) else None
        rows: list[tuple[Any, Any]] = []
        if form == "member":
            rows = [(view.values.get("role"), view.values.get("member"))]
        elif form == "binding":
            members = view.values.get("members")
            rows = [(view.values.get("role"), m) for m in (members if isinstance(members, list) else [members])]
        elif form == "policy":
            rows = _policy_rows(view.values.get("policy_data"))
        base = {"level": level, "target": target, "authoritative": form != "member", "form": form,
                "address": view.address, "root": view.group, **view.location.to_dict()}
        if level == "service_account":
            account = self.account_for(view, target_attribute)
            base["target_principal"] = account.id if account else None
        out = []
        for role, member in rows:
            account = self.account_for(view, "member" if form == "member" else "members", member)
            out.append({**base, "role": role, "member": member, "member_principal": account.id if account else None,
                        "member_type": _member_type(member, account), "member_name": _member_name(member, account),
                        "condition": condition})
        return out

    def _key(self, view: ResourceView) -> dict[str, Any]:
        account = self.account_for(view, "service_account_id")
        return {"address": view.address, "service_account": account.id if account else None, "root": view.group,
                **view.location.to_dict()}

    def _composer(self, view: ResourceView) -> dict[str, Any]:
        config = _first(view.values.get("config"))
        node = _first(config.get("node_config")) if config else {}
        account = node.get("service_account") if node else None
        linked = self.account_for(view, "config.node_config.service_account", account) if account is not None \
            else None
        return {"id": view.id, "address": view.address, "name": view.values.get("name"),
                "service_account": linked.id if linked else None, "service_account_value": account,
                "uses_default_compute_account": account is None, **view.location.to_dict()}

    def _workload_identity(self, row: dict[str, Any]) -> dict[str, Any] | None:
        member = row.get("member")
        if row["level"] != "service_account" or row.get("role") != WORKLOAD_IDENTITY_ROLE or not isinstance(member,
                                                                                                           str):
            return None
        match = _WI_MEMBER.match(member)
        if match is None:
            return None
        return {"service_account": row.get("target_principal"), "project": match.group(1),
                "namespace": match.group(2), "kubernetes_service_account": match.group(3),
                "address": row["address"], "path": row["path"], "line": row["line"]}


def _member_type(member: Any, account: ResourceView | None) -> str | None:
    """`serviceAccount`, `user`, `group`, `domain`, `principal`...: the prefix of a member, known even when the rest
    of it is not ("serviceAccount:${google_service_account.x.email}"), or `serviceAccount` for a linked account."""
    text = member if isinstance(member, str) else (str(member.get("expr", "")).strip('"')
                                                     if is_unknown(member) else "")
    prefix, colon, _ = text.partition(":")
    if colon and prefix.isalpha():
        return prefix
    if text in ("allUsers", "allAuthenticatedUsers"):
        return text
    return "serviceAccount" if account is not None else None


def _member_name(member: Any, account: ResourceView | None) -> str | None:
    """The member as it can be shown: its text, or the linked account's e-mail or address."""
    if isinstance(member, str):
        return member
    if account is not None:
        email = account.values.get("email")
        return f"serviceAccount:{email}" if isinstance(email, str) else f"serviceAccount:{account.address}"
    return str(member.get("expr", "")) if is_unknown(member) else None


def _first(value: Any) -> dict[str, Any]:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _policy_rows(policy_data: Any) -> list[tuple[Any, Any]]:
    if not isinstance(policy_data, str):
        return []
    try:
        document = json.loads(policy_data)
    except (json.JSONDecodeError, TypeError):
        return []
    rows = []
    for binding in document.get("bindings", []) if isinstance(document, dict) else []:
        if isinstance(binding, dict):
            for member in binding.get("members") or []:
                rows.append((binding.get("role"), member))
    return rows


def google_iam_policy_data(values: dict[str, Any]) -> dict[str, Any]:
    """Computed `policy_data` of data.google_iam_policy, from its binding blocks."""
    bindings = [{"role": b.get("role"), "members": b.get("members")} for b in values.get("binding", [])
                if isinstance(b, dict) and not is_unknown(b)]
    return {"policy_data": render_json({"bindings": bindings})}

