"""Variable type constraints, as far as they change values: optional object attributes (`optional(string)`,
`optional(string, "Allow")`) are filled with null or their default when absent, through map/list/set/tuple
nesting. Terraform does this when a value is assigned to a typed variable; modules rely on it
(`statement.value.condition != null`)."""

from __future__ import annotations

from typing import Any

from airtf_lint.facts import is_unknown
from airtf_lint.terraform.evaluate import evaluate
from airtf_lint.terraform.ir import Call, Expr, Lit, ObjectExpr, TupleExpr


def apply_type(value: Any, type_expr: Expr | None) -> Any:
    if type_expr is None or value is None or is_unknown(value) or not isinstance(type_expr, Call):
        return value
    name, args = type_expr.name, type_expr.args
    if name == "optional" and args:
        return apply_type(value, args[0])
    if name == "map" and args and isinstance(value, dict):
        return {k: apply_type(v, args[0]) for k, v in value.items()}
    if name in ("list", "set") and args and isinstance(value, list):
        return [apply_type(v, args[0]) for v in value]
    if name == "tuple" and args and isinstance(args[0], TupleExpr) and isinstance(value, list):
        return [apply_type(v, t) for v, t in zip(value, args[0].items)] + value[len(args[0].items):]
    if name == "object" and args and isinstance(args[0], ObjectExpr) and isinstance(value, dict):
        out = dict(value)
        for key_expr, attr_type in args[0].items:
            if not isinstance(key_expr, Lit) or not isinstance(key_expr.value, str):
                continue
            key = key_expr.value
            if key in out:
                out[key] = apply_type(out[key], attr_type)
            elif isinstance(attr_type, Call) and attr_type.name == "optional":
                default = evaluate(attr_type.args[1]) if len(attr_type.args) > 1 else None
                out[key] = apply_type(default, attr_type.args[0]) if attr_type.args else default
        return out
    return value
