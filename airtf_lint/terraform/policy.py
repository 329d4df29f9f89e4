"""IAM policy documents, however Terraform spells them, as one list of normalised statements.

Sources: JSON strings (jsonencode, heredoc, file(), literal), and `data "aws_iam_policy_document"` blocks with their
`statement` blocks and `source_policy_documents` / `override_policy_documents`. Every statement keeps the location
of the source lines it came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from airtf_lint.facts import Location, is_unknown
from airtf_lint.terraform.values import has_unknown, is_placeholder, placeholder

LineLookup = Callable[[str], list[str]]


@dataclass
class Statement:
    effect: str
    actions: list[Any] = field(default_factory=list)
    not_actions: list[Any] = field(default_factory=list)
    resources: list[Any] = field(default_factory=list)
    not_resources: list[Any] = field(default_factory=list)
    principals: list[dict[str, Any]] = field(default_factory=list)  # [{type: AWS|Service|Federated|*, identifiers}]
    not_principals: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)  # [{test, variable, values}]
    sid: str = ""
    location: Location | None = None
    known: bool = True  # false when part of the statement could not be evaluated

    def to_dict(self) -> dict[str, Any]:
        out = {
            "sid": self.sid, "effect": self.effect, "actions": self.actions, "not_actions": self.not_actions,
            "resources": self.resources, "not_resources": self.not_resources, "principals": self.principals,
            "not_principals": self.not_principals, "conditions": self.conditions, "known": self.known,
        }
        if self.location is not None:
            out.update(self.location.to_dict())
        return out


def _strings(value: Any) -> list[Any]:
    """A string or list of strings as a list; unknown values are kept as they are (rules can see them)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return [value]


def _known(*values: Any) -> bool:
    return not any(has_unknown(v) or (isinstance(v, list) and any(is_placeholder(x) for x in v)) for v in values)


# --- JSON documents ----------------------------------------------------------------------------------------------

def _json_principals(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if value == "*":
        return [{"type": "*", "identifiers": ["*"]}]
    if isinstance(value, dict):
        return [{"type": str(k), "identifiers": _strings(v)} for k, v in value.items()]
    return [{"type": "unknown", "identifiers": _strings(value)}]


def _json_conditions(value: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(value, dict):
        for test, variables in value.items():
            if isinstance(variables, dict):
                for variable, values in variables.items():
                    out.append({"test": str(test), "variable": str(variable), "values": _strings(values)})
    return out


def parse_document(text: str) -> list[dict[str, Any]] | None:
    """The statement objects of a JSON policy document, or None when it is not one."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    return [s for s in statements if isinstance(s, dict)]


def statements_from_json(text: str, location: Location, lines: LineLookup | None = None) -> list[Statement] | None:
    raw = parse_document(text)
    if raw is None:
        return None
    finder = _LineFinder(location, lines)
    out = []
    for item in raw:
        statement = Statement(
            effect=str(item.get("Effect", "Allow")),
            actions=_strings(item.get("Action")),
            not_actions=_strings(item.get("NotAction")),
            resources=_strings(item.get("Resource")),
            not_resources=_strings(item.get("NotResource")),
            principals=_json_principals(item.get("Principal")),
            not_principals=_json_principals(item.get("NotPrincipal")),
            conditions=_json_conditions(item.get("Condition")),
            sid=str(item.get("Sid", "")),
        )
        statement.known = _known(statement.actions, statement.not_actions, statement.resources,
                                 statement.not_resources)
        statement.location = finder.locate(statement)
        out.append(statement)
    return out


class _LineFinder:
    """Places each statement of a policy written inline on its own line: the first line, at or after the previous
    statement's, that names its Sid or first action. Falls back to the whole attribute."""

    def __init__(self, location: Location, lines: LineLookup | None) -> None:
        self.location = location
        self.cursor = location.line
        all_lines = lines(location.path) if lines else []
        end = location.end_line or location.line
        self.lines = all_lines[location.line - 1:end] if all_lines else []

    def locate(self, statement: Statement) -> Location:
        needles = [statement.sid] if statement.sid else []
        needles += [a for a in statement.actions + statement.not_actions if isinstance(a, str)][:1]
        for offset in range(self.cursor - self.location.line, len(self.lines)):
            text = self.lines[offset]
            if any(f'"{n}"' in text or f"'{n}'" in text for n in needles if n):
                self.cursor = self.location.line + offset
                return Location(self.location.path, self.cursor, 1, self.cursor, len(text) + 1)
        return self.location


# --- aws_iam_policy_document -------------------------------------------------------------------------------------

def _principal_blocks(values: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [{"type": p.get("type", ""), "identifiers": _strings(p.get("identifiers"))}
            for p in values.get(key, []) if isinstance(p, dict) and not is_unknown(p)]


OriginOf = Callable[[Any], Location | None]


def statements_from_document(values: dict[str, Any], origin_of: OriginOf | None = None,
                             lines: LineLookup | None = None, location: Location | None = None) -> list[Statement]:
    """An aws_iam_policy_document from its evaluated values; `origin_of` gives each statement block's location.
    Source documents come first; a statement whose sid is already present replaces it, as Terraform merges them.
    A statement block that could not be generated (a dynamic block over an unknown collection) is a statement
    with known = false."""
    fallback = location
    merged: list[Statement] = []
    for key in ("source_policy_documents", "source_json"):
        for document in _strings(values.get(key)):
            merged.extend(_from_reference_json(document, fallback, lines))
    for item in values.get("statement", []):
        where = (origin_of(item) if origin_of else None) or fallback
        if is_unknown(item) or not isinstance(item, dict):
            _merge_by_sid(merged, Statement(effect="Allow", location=where, known=False))
            continue
        statement = Statement(
            effect=str(item.get("effect", "Allow")) if not is_unknown(item.get("effect")) else "Allow",
            actions=_strings(item.get("actions")),
            not_actions=_strings(item.get("not_actions")),
            resources=_strings(item.get("resources")),
            not_resources=_strings(item.get("not_resources")),
            principals=_principal_blocks(item, "principals"),
            not_principals=_principal_blocks(item, "not_principals"),
            conditions=[_condition(c) for c in item.get("condition", []) if isinstance(c, dict)],
            sid=str(item.get("sid", "")) if isinstance(item.get("sid"), str) else "",
            location=where,
        )
        statement.known = _known(statement.actions, statement.not_actions, statement.resources,
                                 statement.not_resources, item.get("effect"))
        _merge_by_sid(merged, statement)
    for key in ("override_policy_documents", "override_json"):
        for document in _strings(values.get(key)):
            for statement in _from_reference_json(document, fallback, lines):
                _merge_by_sid(merged, statement)
    return merged


def _condition(block: dict[str, Any]) -> dict[str, Any]:
    """A condition block; one generated by a dynamic block over an unknown collection stays, as an unknown
    variable, so that rules do not read "no condition" where there may be one."""
    if is_unknown(block):
        return {"test": None, "variable": block, "values": []}
    return {"test": block.get("test"), "variable": block.get("variable"), "values": _strings(block.get("values"))}


def _from_reference_json(document: Any, location: Location | None, lines: LineLookup | None) -> list[Statement]:
    if not isinstance(document, str):
        return []
    return statements_from_json(document, location or Location("", 1), lines) or []


def _merge_by_sid(statements: list[Statement], new: Statement) -> None:
    if new.sid:
        for index, existing in enumerate(statements):
            if existing.sid == new.sid:
                statements[index] = new
                return
    statements.append(new)


def statements_from_data(items: list[dict[str, Any]], location: Location) -> list[Statement]:
    """Statements written as data (snake_case keys), e.g. the AWS-managed policies shipped with airtf-lint."""
    return [Statement(effect=i.get("effect", "Allow"), actions=list(i.get("actions", [])),
                      not_actions=list(i.get("not_actions", [])), resources=list(i.get("resources", [])),
                      not_resources=list(i.get("not_resources", [])), location=location) for i in items]


def document_json(statements: list[Statement]) -> str:
    """The `json` attribute of an aws_iam_policy_document, as Terraform renders it (unknown parts as ${...})."""
    def single(values: list[Any]) -> Any:
        rendered = [placeholder(v) if is_unknown(v) else v for v in values]
        return rendered[0] if len(rendered) == 1 else rendered

    body = []
    for s in statements:
        item: dict[str, Any] = {"Sid": s.sid} if s.sid else {}
        item["Effect"] = s.effect
        for key, values in (("Action", s.actions), ("NotAction", s.not_actions), ("Resource", s.resources),
                            ("NotResource", s.not_resources)):
            if values:
                item[key] = single(values)
        for key, principals in (("Principal", s.principals), ("NotPrincipal", s.not_principals)):
            if principals:
                item[key] = "*" if principals[0]["type"] == "*" else {
                    p["type"]: single(p["identifiers"]) for p in principals}
        if s.conditions:
            conditions: dict[str, dict[str, Any]] = {}
            for c in s.conditions:
                conditions.setdefault(str(c["test"]), {})[str(c["variable"])] = single(c["values"])
            item["Condition"] = conditions
        body.append(item)
    return json.dumps({"Version": "2012-10-17", "Statement": body}, separators=(",", ":"))
