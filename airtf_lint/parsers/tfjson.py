"""Terraform JSON syntax (.tf.json, .tfvars.json) into the same blocks the native-syntax parser produces."""

from __future__ import annotations

import json
from typing import Any

from airtf_lint.facts import HclAttribute, HclBlock, Location
from airtf_lint.parsers.hcl import HclBody, parse_template
from airtf_lint.parsers.jsonfile import LineIndex, key_pattern, load_json
from airtf_lint.parsers.text import UnreadableFile
from airtf_lint.terraform.evaluate import evaluate
from airtf_lint.terraform.ir import Expr, Lit, ObjectExpr, TupleExpr

# How many labels each top-level block type takes in JSON syntax.
_LABELS = {"resource": 2, "data": 2, "module": 1, "provider": 1, "variable": 1, "output": 1, "terraform": 0,
           "locals": 0, "moved": 0, "import": 0, "check": 1, "removed": 0}
# Nested blocks of `terraform` that carry labels (backend "s3" { ... }).
_TERRAFORM_NESTED = {"backend": 1, "cloud": 0, "required_providers": 0}


class _Locator:
    """Finds the line of each key in document order: good enough for the block heads findings point at."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.lines = LineIndex(text)

    def find(self, key: str, start: int) -> tuple[Location, int]:
        match = key_pattern(key).search(self.text, start)
        if match is None:
            return Location(self.path, self.lines.line(start)), start
        return Location(self.path, self.lines.line(match.start())), match.end()


def json_expr(value: Any) -> Expr:
    """JSON syntax keeps expressions inside strings ("${var.x}"); everything else is literal structure."""
    if isinstance(value, str):
        return parse_template(value) if "${" in value or "%{" in value else Lit(value)
    if isinstance(value, list):
        return TupleExpr(tuple(json_expr(v) for v in value), json.dumps(value))
    if isinstance(value, dict):
        return ObjectExpr(tuple((Lit(k), json_expr(v)) for k, v in value.items()), json.dumps(value))
    return Lit(value)


def _attribute(name: str, value: Any, location: Location) -> HclAttribute:
    expr = json_expr(value)
    return HclAttribute(name, evaluate(expr), location, expr)


def parse_tf_json(text: str, path: str, *, variables_only: bool = False) -> HclBody:
    document = load_json(text, "Terraform JSON")
    if not isinstance(document, dict):
        raise UnreadableFile("invalid Terraform JSON: the top level must be an object", 1)
    locator = _Locator(text, path)
    body = HclBody()
    if variables_only:
        for name, value in document.items():
            location, _ = locator.find(name, 0)
            body.attributes[name] = _attribute(name, value, location)
        return body
    offset = 0
    for block_type, content in document.items():
        if block_type in ("//", "$schema"):
            continue
        location, offset = locator.find(block_type, offset)
        for items in content if isinstance(content, list) else [content]:
            body.blocks.extend(_blocks(locator, block_type, items, _LABELS.get(block_type, 0), (), location, offset))
    return body


def _blocks(locator: _Locator, block_type: str, content: Any, depth: int, labels: tuple[str, ...],
            location: Location, offset: int) -> list[HclBlock]:
    if depth > 0 and isinstance(content, dict):
        out = []
        for label, inner in content.items():
            inner_location, inner_offset = locator.find(label, offset)
            for item in inner if isinstance(inner, list) else [inner]:
                out.extend(_blocks(locator, block_type, item, depth - 1, labels + (label,), inner_location, inner_offset))
        return out
    if not isinstance(content, dict):
        return []
    block = HclBlock(block_type, labels, {}, [], location)
    for name, value in content.items():
        nested_depth = _TERRAFORM_NESTED.get(name) if block_type == "terraform" else None
        attr_location, _ = locator.find(name, offset)
        if nested_depth is not None:
            block.blocks.extend(_blocks(locator, name, value, nested_depth, (), attr_location, offset))
        else:
            block.attributes[name] = _attribute(name, value, attr_location)
    return [block]
