"""The expression IR: what the HCL and JSON-syntax parsers make of a Terraform expression.

Plain frozen data (picklable, cacheable), below both the parsers and the evaluator, so neither imports the other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class Template:
    parts: tuple[Union[str, "Expr"], ...]
    text: str


@dataclass(frozen=True, slots=True)
class TupleExpr:
    items: tuple["Expr", ...]
    text: str


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    items: tuple[tuple["Expr", "Expr"], ...]
    text: str


@dataclass(frozen=True, slots=True)
class Ref:
    """A traversal: a root name then attribute names (str), literal indexes (int/str in a Lit) or index exprs."""

    root: str
    steps: tuple[Union[str, "Expr"], ...]
    text: str


@dataclass(frozen=True, slots=True)
class Traversal:
    """Attribute and index steps applied to any expression: `jsondecode(x).a[0]`."""

    source: "Expr"
    steps: tuple[Union[str, "Expr"], ...]
    text: str


@dataclass(frozen=True, slots=True)
class Splat:
    source: "Expr"
    steps: tuple[Union[str, "Expr"], ...]
    text: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple["Expr", ...]
    expand_last: bool
    text: str


@dataclass(frozen=True, slots=True)
class Cond:
    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    text: str


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: "Expr"
    right: "Expr"
    text: str


@dataclass(frozen=True, slots=True)
class UnOp:
    op: str
    operand: "Expr"
    text: str


@dataclass(frozen=True, slots=True)
class ForExpr:
    key_var: str | None
    value_var: str
    collection: "Expr"
    key: "Expr | None"  # None for a tuple comprehension
    value: "Expr"
    condition: "Expr | None"
    grouped: bool
    text: str


@dataclass(frozen=True, slots=True)
class Opaque:
    """Syntax the evaluator does not model (template directives...): always unknown."""

    text: str


Expr = Union[Lit, Template, TupleExpr, ObjectExpr, Ref, Traversal, Splat, Call, Cond, BinOp, UnOp, ForExpr, Opaque]


def source_text(expr: Expr) -> str:
    return json.dumps(expr.value) if isinstance(expr, Lit) else expr.text


_NOT_BLOCKS = frozenset({"var", "local", "path", "count", "each", "self", "terraform"})


def refs(expr: Any) -> Iterator[Ref]:
    """Every traversal in an expression, its index expressions included."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            yield node
            stack.extend(s for s in node.steps if not isinstance(s, str))
        elif isinstance(node, tuple):
            stack.extend(node)
        elif hasattr(node, "__dataclass_fields__") and not isinstance(node, Lit):
            stack.extend(getattr(node, name) for name in node.__dataclass_fields__)


def references(expr: Any) -> list[str]:
    """Addresses of the blocks an expression refers to: `aws_iam_role.r`, `data.x.y`, `module.m`."""
    found: list[str] = []
    for node in refs(expr):
        names = [s for s in node.steps if isinstance(s, str)]
        if node.root == "data" and len(names) >= 2:
            found.append(f"data.{names[0]}.{names[1]}")
        elif node.root == "module" and names:
            found.append(f"module.{names[0]}")
        elif node.root not in _NOT_BLOCKS and names:
            found.append(f"{node.root}.{names[0]}")
    return list(dict.fromkeys(found))
