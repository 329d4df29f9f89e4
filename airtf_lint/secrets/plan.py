"""Values Terraform marks sensitive are still written, in plain text, into `terraform show -json` output: a plan
file kept in a repository holds them. Each becomes a secret fact located at its attribute, its value masked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from airtf_lint.facts import Location, SecretFact
from airtf_lint.lineindex import LineIndex
from airtf_lint.secrets.values import fingerprint
from airtf_lint.shapes import as_dict, as_list

Path_ = tuple[str | int, ...]


def sensitive_leaves(values: Any, sensitive: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every value whose mirror in a sensitive_values / after_sensitive mask is true, with its path."""
    if sensitive is True:
        if values not in (None, "", [], {}):
            yield path, values
    elif isinstance(values, dict) and isinstance(sensitive, dict):
        for key, value in values.items():
            yield from sensitive_leaves(value, sensitive.get(key, False), (*path, key))
    elif isinstance(values, list) and isinstance(sensitive, list):
        for index, value in enumerate(values):
            yield from sensitive_leaves(value, sensitive[index] if index < len(sensitive) else False, (*path, index))


def _resources(module: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(module, dict):
        return
    yield from (r for r in as_list(module.get("resources")) if isinstance(r, dict) and "address" in r)
    for child in as_list(module.get("child_modules")):
        yield from _resources(child)


def _stored(document: dict[str, Any]) -> Iterator[tuple[str, Path_, Any]]:
    """(address, attribute path, value) of every sensitive value the plan stores, wherever it stores it."""
    for section in (document.get("planned_values"), as_dict(document.get("prior_state")).get("values")):
        if not isinstance(section, dict):
            continue
        for resource in _resources(section.get("root_module")):
            for path, value in sensitive_leaves(resource.get("values"), resource.get("sensitive_values")):
                yield str(resource["address"]), path, value
        for name, output in as_dict(section.get("outputs")).items():
            if isinstance(output, dict) and output.get("sensitive") is True and output.get("value") not in (None, ""):
                yield f"output.{name}", (), output["value"]
    for change in as_list(document.get("resource_changes")):
        body = change.get("change") if isinstance(change, dict) else None
        if isinstance(body, dict) and "address" in change:
            for when in ("before", "after"):
                for path, value in sensitive_leaves(body.get(when), body.get(f"{when}_sensitive")):
                    yield str(change["address"]), path, value


def sensitive_values(document: dict[str, Any], text: str, path: str) -> list[SecretFact]:
    found: dict[tuple[str, Path_], SecretFact] = {}
    lines = LineIndex(text)
    for address, attribute, value in _stored(document):
        if (address, attribute) in found:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        name = ".".join(str(p) for p in attribute) or address
        found[(address, attribute)] = SecretFact(
            "plan_sensitive_value", "value marked sensitive, stored in a plan", "sensitive",
            f"{address}.{name}" if attribute else address, _locate(text, lines, path, address, attribute),
            "(sensitive value)", fingerprint(shown))
    return list(found.values())


def _locate(text: str, lines: LineIndex, path: str, address: str, attribute: Path_) -> Location:
    """The line of the attribute's key after the resource's first address (or the output's name)."""
    if address.startswith("output."):
        anchor = text.find(json.dumps(address.removeprefix("output.")) + ":")
        attribute = ("value",)
    else:
        match = re.search(r'"address"\s*:\s*' + re.escape(json.dumps(address)), text)
        anchor = match.start() if match else -1
    if anchor < 0:
        return Location(path, 1)
    position = anchor
    for key in (k for k in attribute if isinstance(k, str)):
        found = re.compile(re.escape(json.dumps(key)) + r"\s*:\s*").search(text, position)
        if found is None:
            break
        position = found.end()
    position += text.startswith('"', position)  # the value itself, not its quote
    line = lines.line(position)
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return Location(path, line, column)
