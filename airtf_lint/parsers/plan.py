"""`terraform show -json` plan output into resources located in the plan file.

Values Terraform marks sensitive are replaced before they enter the model, so no rule or reporter can echo them.
"""

from __future__ import annotations

from typing import Any

from airtf_lint.facts import Location, PlanFacts, PlanResource, unknown
from airtf_lint.parsers.jsonfile import first_values_of, load_json
from airtf_lint.parsers.text import UnreadableFile
from airtf_lint.secrets.plan import sensitive_values
from airtf_lint.shapes import as_dict, as_list
from airtf_lint.sniff import PLAN_KEYS, looks_like_plan  # noqa: F401 - recognised in discovery, kept importable

SENSITIVE = {"__sensitive__": True}


def parse_plan(text: str, path: str) -> PlanFacts:
    document = load_json(text, "plan JSON")
    if not isinstance(document, dict) or "format_version" not in document:
        raise UnreadableFile("not a Terraform plan: no format_version (expected `terraform show -json` output)", 1)
    if not any(key in document for key in PLAN_KEYS):
        hint = " (this looks like `terraform show -json` of a state)" if "values" in document else ""
        raise UnreadableFile(f"not a Terraform plan: none of {', '.join(PLAN_KEYS)} present{hint}", 1)
    lines = first_values_of(text, "address")
    facts = PlanFacts(str(document.get("format_version", "")), str(document.get("terraform_version", "")))
    planned = document.get("planned_values")
    if isinstance(planned, dict) and isinstance(planned.get("root_module"), dict):
        _collect_module(planned["root_module"], "", path, lines, facts.resources)
        _mark_unknown_after_apply(document.get("resource_changes"), facts.resources)
    else:
        _collect_changes(document.get("resource_changes"), path, lines, facts.resources)
    _collect_prior_data_sources(document.get("prior_state"), path, lines, facts.resources)
    facts.changes = _changes(document.get("resource_changes"), lines)
    facts.sensitive = sensitive_values(document, text, path)
    configuration = document.get("configuration")
    if isinstance(configuration, dict) and isinstance(configuration.get("root_module"), dict):
        _collect_references(configuration["root_module"], "", facts.references)
    return facts


def _changes(changes: Any, lines: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    for change in as_list(changes):
        if isinstance(change, dict) and "address" in change and isinstance(change.get("change"), dict):
            actions = as_list(change["change"].get("actions"))
            out.append({"address": str(change["address"]), "type": str(change.get("type", "")),
                        "mode": str(change.get("mode", "managed")), "actions": [str(a) for a in actions],
                        "line": lines.get(str(change["address"]), 1)})
    return out


def unknown_after_apply(values: Any, after_unknown: Any, path: str) -> Any:
    """Values Terraform will know only after apply are absent from planned_values: make them explicit unknowns."""
    if after_unknown is True:
        return unknown(path)
    if isinstance(after_unknown, dict):
        out = dict(values) if isinstance(values, dict) else {}
        for key, flag in after_unknown.items():
            if flag is True or key in out:
                out[key] = unknown_after_apply(out.get(key), flag, f"{path}.{key}")
        return out
    if isinstance(after_unknown, list) and isinstance(values, list):
        return [unknown_after_apply(v, after_unknown[i] if i < len(after_unknown) else False, f"{path}[{i}]")
                for i, v in enumerate(values)]
    return values


def _mark_unknown_after_apply(changes: Any, resources: list[PlanResource]) -> None:
    by_address = {r.address: r for r in resources}
    for change in as_list(changes):
        if not isinstance(change, dict) or not isinstance(change.get("change"), dict):
            continue
        resource = by_address.get(str(change.get("address")))
        after_unknown = change["change"].get("after_unknown")
        if resource is not None and isinstance(after_unknown, dict) and after_unknown:
            resource.values = unknown_after_apply(resource.values, after_unknown, resource.address)


def _block_address(reference: str) -> str | None:
    parts = reference.split(".")
    if parts[0] == "data" and len(parts) >= 3:
        return ".".join(parts[:3])
    if parts[0] in ("var", "local", "path", "count", "each", "self", "terraform") or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def _collect_references(module: dict[str, Any], module_path: str,
                        out: dict[tuple[str, str], dict[str, list[str]]]) -> None:
    for resource in as_list(module.get("resources")):
        if not isinstance(resource, dict) or "address" not in resource:
            continue
        refs: dict[str, list[str]] = {}
        for attribute, expression in as_dict(resource.get("expressions")).items():
            if isinstance(expression, dict):
                found = [_block_address(r) for r in as_list(expression.get("references")) if isinstance(r, str)]
                addresses = list(dict.fromkeys(a for a in found if a))
                if addresses:
                    refs[attribute] = addresses
        out[(module_path, str(resource["address"]))] = refs
    for name, call in as_dict(module.get("module_calls")).items():
        if isinstance(call, dict) and isinstance(call.get("module"), dict):
            child_path = f"{module_path}.module.{name}" if module_path else f"module.{name}"
            _collect_references(call["module"], child_path, out)


def _collect_module(module: dict[str, Any], module_path: str, path: str, lines: dict[str, int],
                    out: list[PlanResource]) -> None:
    for resource in as_list(module.get("resources")):
        if isinstance(resource, dict) and "address" in resource:
            values = redact(resource.get("values") or {}, resource.get("sensitive_values") or {})
            out.append(_resource(resource, values, module_path, path, lines))
    for child in as_list(module.get("child_modules")):
        if isinstance(child, dict):
            _collect_module(child, str(child.get("address", module_path)), path, lines, out)


def _collect_prior_data_sources(prior_state: Any, path: str, lines: dict[str, int],
                                out: list[PlanResource]) -> None:
    """Data sources read while planning (policy documents, caller identity) live only in prior_state."""
    values = prior_state.get("values") if isinstance(prior_state, dict) else None
    if not isinstance(values, dict) or not isinstance(values.get("root_module"), dict):
        return
    prior: list[PlanResource] = []
    _collect_module(values["root_module"], "", path, lines, prior)
    known = {r.address for r in out}
    out.extend(r for r in prior if r.mode == "data" and r.address not in known)


def _collect_changes(changes: Any, path: str, lines: dict[str, int], out: list[PlanResource]) -> None:
    for change in as_list(changes):
        if not isinstance(change, dict) or "address" not in change:
            continue
        body = as_dict(change.get("change"))
        values = redact(body.get("after") or {}, body.get("after_sensitive") or {})
        values = unknown_after_apply(values, body.get("after_unknown") or {}, str(change["address"]))
        out.append(_resource(change, values, str(change.get("module_address", "")), path, lines))


def _resource(resource: dict[str, Any], values: Any, module_path: str, path: str,
              lines: dict[str, int]) -> PlanResource:
    address = str(resource["address"])
    return PlanResource(
        address=address,
        mode=str(resource.get("mode", "managed")),
        type=str(resource.get("type", "")),
        name=str(resource.get("name", "")),
        module_path=module_path,
        values=values if isinstance(values, dict) else {},
        location=Location(path, lines.get(address, 1)),
    )


def redact(values: Any, sensitive: Any) -> Any:
    """Replace every value whose mirror in `sensitive` is true (Terraform's sensitive_values shape)."""
    if sensitive is True:
        return SENSITIVE
    if isinstance(values, dict) and isinstance(sensitive, dict):
        return {k: redact(v, sensitive.get(k, False)) for k, v in values.items()}
    if isinstance(values, list) and isinstance(sensitive, list):
        return [redact(v, sensitive[i] if i < len(sensitive) else False) for i, v in enumerate(values)]
    return values
