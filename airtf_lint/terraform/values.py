"""Values of evaluated expressions: the unknown and error markers and Terraform's conversions, shared by the
evaluator and the functions."""

from __future__ import annotations

import json
from typing import Any

from airtf_lint.facts import UNKNOWN_KEY, is_unknown, unknown

__all__ = ["UNKNOWN_KEY", "error", "has_unknown", "is_error", "is_placeholder", "is_unknown", "placeholder",
           "render_json", "to_number", "to_string", "unknown"]


def error(expression: str) -> dict[str, Any]:
    """An expression Terraform would reject (a missing attribute or index of a known value): unknown to rules,
    but try() and can() treat it as a failure, as Terraform does."""
    return {UNKNOWN_KEY: True, "expr": expression, "error": True}


def is_error(value: Any) -> bool:
    return is_unknown(value) and value.get("error") is True


def has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def to_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def to_string(value: Any) -> str | None:
    """Terraform's string conversion; None for values that have none (unknown, collections, null)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def placeholder(value: dict[str, Any]) -> str:
    """How an unknown value is written inside a rendered string: `${expression}`, as Terraform shows it;
    a template's own text already is one."""
    expr = str(value.get("expr", ""))
    if len(expr) >= 2 and expr.startswith('"') and expr.endswith('"'):
        return expr[1:-1]
    return "${" + expr + "}"


def _json_ready(value: Any) -> Any:
    """For jsonencode: an unknown leaf is written as its placeholder."""
    if is_unknown(value):
        return placeholder(value)
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def is_placeholder(value: Any) -> bool:
    """A string that holds an unevaluated `${...}` part (rendered from an unknown value)."""
    return isinstance(value, str) and "${" in value


def render_json(value: Any) -> str:
    """jsonencode: compact JSON with unknown parts written as placeholders."""
    return json.dumps(_json_ready(value), separators=(",", ":"))
