"""Values Terraform marks sensitive are still written, in plain text, into `terraform show -json` output: a plan
file kept in a repository holds them. Each becomes a secret fact located at its attribute, its value masked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from airtf_lint.facts import Location, SecretFact
from airtf_lint.secrets import linear
from airtf_lint.secrets.scan import LineStarts
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
    locator = _Locator(text, path)
    for address, attribute, value in _stored(document):
        if (address, attribute) in found:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        name = ".".join(str(p) for p in attribute) or address
        found[(address, attribute)] = SecretFact(
            "plan_sensitive_value", "value marked sensitive, stored in a plan", "sensitive",
            f"{address}.{name}" if attribute else address, locator.locate(address, attribute),
            "(sensitive value)", fingerprint(shown))
    return list(found.values())


# How far after a resource's address its attribute keys are looked for: a plan holding 10,000 sensitive values
# must not search the whole text 10,000 times (a key missed there leaves the value at the address's line).
_KEY_WINDOW = 64 * 1024
_ADDRESS = linear.compile(r'"address"\s*:\s*(?P<address>"(?:[^"\\\n]|\\.)*")')
_KEY = linear.compile(r'(?P<key>"(?:[^"\\\n]|\\.)*"):')
_STRING_REST = re.compile(r'[^"\\\n]*(?:\\.[^"\\\n]*)*"')  # the rest of a JSON string, closing quote included


class _Locator:
    """Where a sensitive value is written: each text searched once for every address (and output name)."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.lines = LineStarts(text)
        self._addresses: dict[str, int] | None = None
        self._keys: dict[str, int] | None = None

    def _first(self, pattern: linear.Pattern, group: str) -> dict[str, int]:
        first: dict[str, int] = {}
        for match in pattern.finditer(self.text):
            first.setdefault(match.group(group) or "", match.start())
        return first

    def locate(self, address: str, attribute: Path_) -> Location:
        """The attribute's value, after the resource's first address (or the output's name)."""
        text = self.text
        if address.startswith("output."):
            if self._keys is None:
                self._keys = self._first(_KEY, "key")
            anchor = self._keys.get(json.dumps(address.removeprefix("output.")), -1)
            attribute = ("value",)
        else:
            if self._addresses is None:
                self._addresses = self._first(_ADDRESS, "address")
            anchor = self._addresses.get(json.dumps(address), -1)
        if anchor < 0:
            return Location(self.path, 1)
        position = anchor
        for key in (k for k in attribute if isinstance(k, str)):
            found = re.compile(re.escape(json.dumps(key)) + r"\s*:\s*").search(
                text, position, position + _KEY_WINDOW)
            if found is None:
                break
            position = found.end()
        line, line_start = self.lines.line(position)
        if text.startswith('"', position):  # a string: the value itself, not its quotes
            position += 1
            rest = _STRING_REST.match(text, position)
            if rest is not None and "\n" not in text[position:rest.end()]:
                start = position - line_start + 1
                return Location(self.path, line, start, line, start + rest.end() - 1 - position)
        return Location(self.path, line, position - line_start + 1)
