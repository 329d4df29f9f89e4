"""What each task needs: the cloud permissions its operator calls, on the resources its arguments name, from the
operator-needs catalogue (data/operator_needs.yaml, derived from the provider sources; see docs/operator_needs.md).

A task whose class is not in the catalogue, or whose code builds a hook, has needs that are not fully known: the
services the hook can touch are recorded, and no grant of the identity can then be called unused with certainty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.yamlload import load_yaml

_PLACEHOLDER = re.compile(r"\{(\w+)(?:\[(\w+)\])?\}")  # {argument} or {argument[Key]} (a key of a dict argument)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


@dataclass(frozen=True)
class NeedsCatalogue:
    classes: dict[str, dict[str, Any]]
    platforms: dict[str, list[dict[str, Any]]]


@cache
def needs_catalogue() -> NeedsCatalogue:
    data = load_yaml(resources.files("airtf_lint").joinpath("data/operator_needs.yaml").read_text("utf-8"))
    platforms = load_yaml(resources.files("airtf_lint").joinpath("data/platform_needs.yaml").read_text("utf-8"))
    return NeedsCatalogue(dict(data.get("classes") or {}), dict(platforms.get("platforms") or {}))


def render_resource(template: Any, arguments: dict[str, Any]) -> str:
    """A resource template with the task's literal arguments filled in; what is not known statically (a missing or
    dynamic argument, a Jinja expression) becomes `*`, so the resource is never narrower than the truth."""
    if not isinstance(template, str):
        return "*"

    def fill(match: re.Match[str]) -> str:
        argument = arguments.get(match.group(1))
        value = argument.get("value") if isinstance(argument, dict) else None
        if match.group(2) is not None:
            value = value.get(match.group(2)) if isinstance(value, dict) else None
        if not isinstance(value, str) or argument.get("kind") not in ("literal", "template", "env_default"):
            return "*"
        return _JINJA.sub("*", value)

    rendered = _PLACEHOLDER.sub(fill, template)
    if "s3://" in rendered:  # a key argument given as a full s3:// URL names its own bucket
        rendered = "arn:aws:s3:::" + rendered.rsplit("s3://", 1)[1]
    return rendered


_YES, _NO, _MAYBE = "yes", "no", "maybe"


def _argument(arguments: dict[str, Any], name: str) -> tuple[bool, Any, bool]:
    """(given, value, known): whether the task passes the argument, its value, whether that value is static."""
    argument = arguments.get(name)
    if not isinstance(argument, dict):
        return False, None, True
    return True, argument.get("value"), argument.get("kind") == "literal"


def applies(need: dict[str, Any], arguments: dict[str, Any]) -> str:
    """Whether a conditional need applies to this task: `when: arg` (the argument is given, not None/False),
    `when: {arg: value}` (given and equal), `unless: {arg: value}` (not given, or given and different), `optional:
    true` (decided by something no argument shows). A condition on a dynamic argument cannot be decided: maybe."""
    if need.get("optional"):
        return _MAYBE
    condition, negate = (need["when"], False) if "when" in need else (need.get("unless"), True)
    if condition is None:
        return _YES
    tests = {condition: None} if isinstance(condition, str) else dict(condition)
    outcome = _YES
    for name, expected in tests.items():
        given, value, known = _argument(arguments, name)
        if given and not known:
            outcome = _MAYBE
            continue
        met = given and (value not in (None, False, "", [], {}) if expected is None else value == expected)
        if met == negate:
            return _NO
    return outcome


def _need_rows(entry: dict[str, Any], arguments: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The task's needs; a need that may or may not apply is `optional`: a grant of it is not unused, its absence
    is not a missing grant."""
    aws, gcp = [], []
    for need in entry.get("needs") or []:
        decision = applies(need, arguments)
        if decision == _NO:
            continue
        resource = render_resource(need.get("resource", "*"), arguments)
        optional = decision == _MAYBE
        if need.get("actions"):
            aws.append({"actions": list(need["actions"]), "resource": resource, "optional": optional})
        if need.get("permissions"):
            gcp.append({"permissions": list(need["permissions"]), "resource": resource, "role": need.get("role"),
                        "optional": optional})
    return aws, gcp


def task_needs(task: dict[str, Any], catalogue: NeedsCatalogue) -> dict[str, Any]:
    """`{known, aws: [{actions, resource}], gcp: [{permissions, resource, role}], services: [...]}` for one task."""
    entry = catalogue.classes.get(task.get("class") or "")
    uses_cloud = any(c.get("cloud") in ("aws", "gcp") for c in task.get("connections", []))
    known = entry is not None and bool(entry.get("needs")) or not uses_cloud
    aws, gcp = _need_rows(entry or {}, task.get("arguments", {}))
    delegated_aws, delegated_gcp = delegated_needs(task, aws, gcp)
    if delegated_aws:  # the job's role is known: the catalogue's "PassRole on some role" gives way to it
        aws = [r for r in aws if not (r["actions"] == ["iam:PassRole"] and r["resource"] == "*")] + delegated_aws
    if delegated_gcp:
        gcp = [r for r in gcp if not (r["permissions"] == ["iam.serviceAccounts.actAs"]
                                      and str(r["resource"]).endswith("/serviceAccounts/*"))] + delegated_gcp
    services = list((entry or {}).get("services") or [])
    for hook in task.get("hooks", []):
        hook_entry = catalogue.classes.get(hook.get("class") or "")
        services += list((hook_entry or {}).get("services") or ["*"])
        known = False
    return {"known": known and not services, "aws": aws, "gcp": gcp, "services": sorted(set(services))}


def _role_resource(job: dict[str, Any]) -> str | None:
    """The ARN a PassRole need names: the job's role as the task gives it (an ARN, or a role name)."""
    reference = job.get("reference")
    if not isinstance(reference, str) or not reference or _JINJA.search(reference) or "${" in reference:
        return None
    if reference.startswith("arn:"):
        return reference
    name = reference.removeprefix("role/")
    return f"arn:aws:iam::*:role/{name}" if re.fullmatch(r"[\w+=,.@/-]+", name) else None


def delegated_needs(task: dict[str, Any], aws: list[dict[str, Any]],
                    gcp: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What handing an identity to a service requires of the task's own identity (`job_identities[].requires`):
    iam:PassRole on the job's role, iam.serviceAccounts.actAs on the job's service account; a row the catalogue
    already gives (same action, same resource) is not repeated."""
    out_aws: list[dict[str, Any]] = []
    out_gcp: list[dict[str, Any]] = []
    for job in task.get("job_identities") or []:
        requires = job.get("requires") if isinstance(job, dict) else None
        if not isinstance(requires, dict):
            continue
        if requires.get("cloud") == "aws":
            resource = _role_resource(job)
            if resource is None or any("iam:PassRole" in r["actions"] and r["resource"] == resource
                                       for r in aws + out_aws):
                continue
            out_aws.append({"actions": ["iam:PassRole"], "resource": resource, "optional": False,
                            "delegated": job.get("parameter")})
        elif requires.get("cloud") == "gcp":
            email = job.get("reference")
            project = re.fullmatch(r"[^@\s{}]+@([a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com", str(email or ""))
            if project is None:
                continue  # a templated account, or one whose project the address does not say
            reference = f"projects/{project.group(1)}/serviceAccounts/{email}"
            if any("iam.serviceAccounts.actAs" in r["permissions"] and r["resource"] == reference
                   for r in gcp + out_gcp):
                continue
            out_gcp.append({"permissions": ["iam.serviceAccounts.actAs"], "resource": reference,
                            "role": "roles/iam.serviceAccountUser", "optional": False,
                            "delegated": job.get("parameter")})
    return out_aws, out_gcp


@dataclass
class PrincipalNeeds:
    """What the tasks that run as one principal need: their names, their need rows (each with its task and the
    task's location), and the tasks whose needs are not fully known."""

    tasks: list[str] = field(default_factory=list)
    needs: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def task_name(task: dict[str, Any]) -> str:
    return f"{task['dag_id']}.{task['task_id']}"


def needs_by_principal(model: dict[str, Any], catalogue: NeedsCatalogue, cloud: str) -> dict[str, PrincipalNeeds]:
    """Per principal of `cloud` (aws, gcp) that tasks run as, their needs; each task's needs are computed once and
    kept on the task (`task["needs"]`)."""
    out: dict[str, PrincipalNeeds] = {}
    for task in model["airflow"]["tasks"]:
        principals = {i["principal"] for i in task.get("identities", [])
                      if i.get("cloud") == cloud and isinstance(i.get("principal"), str)}
        if not principals:
            continue
        needs = task.get("needs") or task_needs(task, catalogue)
        task["needs"] = needs
        name = task_name(task)
        for principal in principals:
            entry = out.setdefault(principal, PrincipalNeeds())
            entry.tasks.append(name)
            entry.needs.extend({**row, "task": name, "path": task["path"], "line": task["line"]} for row in needs[cloud])
            if not needs["known"]:
                entry.unknown.append(name)
    return out
