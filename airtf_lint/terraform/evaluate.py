"""The offline evaluator of Terraform expressions (the IR of airtf_lint.terraform.ir).

`evaluate(expr, scope)` computes what can be known statically: literals, templates over known values, variables,
locals, references to other blocks' attributes, and the common functions (airtf_lint.terraform.functions). Whatever
cannot be known becomes `unknown(text)`, never a missing value. Nothing is downloaded or run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airtf_lint.terraform.functions import FUNCTIONS, MAX_ITEMS, PARTIAL_OK, TooLarge, too_large
from airtf_lint.terraform.ir import (
    BinOp,
    Call,
    Cond,
    Expr,
    ForExpr,
    Lit,
    ObjectExpr,
    Opaque,
    Ref,
    Splat,
    Template,
    Traversal,
    TupleExpr,
    UnOp,
    source_text,
)
from airtf_lint.terraform.values import error, has_unknown, is_error, is_unknown, to_number, to_string, unknown

# --- scope -------------------------------------------------------------------------------------------------------

Resolver = Callable[[str, tuple[str, ...]], Any]


@dataclass
class Scope:
    """What names mean while evaluating one module instance.

    `resolve(root, path)` answers references that are not variables, locals or iteration variables
    (resources, data sources, module outputs); it returns unknown when it cannot.
    """

    variables: Mapping[str, Any] = field(default_factory=dict)
    locals: Mapping[str, Expr] = field(default_factory=dict)
    module_dir: str | None = None  # None: no module (parse time), so path.* is unknown
    root_dir: str | None = None
    resolve: Resolver | None = None
    read_file: Callable[[str], str | None] | None = None
    # templatefile(): the parser of template text into IR, given by the model stage (the evaluator does not parse)
    parse_template: Callable[[str], Expr] | None = None
    iteration: dict[str, Any] = field(default_factory=dict)
    _local_values: dict[str, Any] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)

    def local(self, name: str) -> Any:
        if name in self._local_values:
            return self._local_values[name]
        expr = self.locals.get(name)
        if expr is None or name in self._evaluating:
            return unknown(f"local.{name}")
        self._evaluating.add(name)
        try:
            value = evaluate(expr, self)
        finally:
            self._evaluating.discard(name)
        self._local_values[name] = value
        return value

    def child(self, bindings: dict[str, Any]) -> Scope:
        inner = Scope(self.variables, self.locals, self.module_dir, self.root_dir, self.resolve, self.read_file,
                      self.parse_template, {**self.iteration, **bindings})
        inner._local_values = self._local_values
        inner._evaluating = self._evaluating
        return inner

    def render_template(self, text: str, variables: dict[str, Any]) -> Any:
        """templatefile(): the template's text evaluated with its own variables."""
        if self.parse_template is None:
            raise ValueError("no template parser")
        return evaluate(self.parse_template(text), self.child(variables))


EMPTY_SCOPE = Scope()


# --- evaluation --------------------------------------------------------------------------------------------------

def evaluate(expr: Expr, scope: Scope = EMPTY_SCOPE) -> Any:
    try:
        return _EVALUATORS[type(expr)](expr, scope)
    except RecursionError:
        return unknown(source_text(expr))


def _lit(expr: Lit, scope: Scope) -> Any:
    return expr.value


def _template(expr: Template, scope: Scope) -> Any:
    out = []
    for part in expr.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = evaluate(part, scope)
        text = to_string(value)
        if text is None:
            return error(expr.text) if is_error(value) else unknown(expr.text)
        out.append(text)
    rendered = "".join(out)
    return unknown(expr.text) if too_large(rendered) else rendered


def _tuple(expr: TupleExpr, scope: Scope) -> Any:
    if len(expr.items) > MAX_ITEMS:
        return unknown(expr.text)
    return [evaluate(item, scope) for item in expr.items]


def _object(expr: ObjectExpr, scope: Scope) -> Any:
    out: dict[str, Any] = {}
    for key_expr, value_expr in expr.items:
        key = evaluate(key_expr, scope)
        key_text = to_string(key)
        if key_text is None:
            return unknown(expr.text)
        out[key_text] = evaluate(value_expr, scope)
    return out


def traverse(value: Any, steps: tuple[Any, ...], scope: Scope, text: str) -> Any:
    for step in steps:
        if is_unknown(value):
            return error(text) if is_error(value) else unknown(text)
        key = step if isinstance(step, str) else evaluate(step, scope)
        if is_unknown(key):
            return unknown(text)
        if isinstance(value, dict):
            key_text = to_string(key)
            if key_text is None or key_text not in value:
                return error(text)
            value = value[key_text]
        elif isinstance(value, list) and isinstance(key, (int, float)) and not isinstance(key, bool):
            index = int(key)
            if not 0 <= index < len(value):
                return error(text)
            value = value[index]
        else:
            return error(text)
    return value


def _ref(expr: Ref, scope: Scope) -> Any:
    root, steps = expr.root, expr.steps
    if root in scope.iteration:
        return traverse(scope.iteration[root], steps, scope, expr.text)
    first = steps[0] if steps and isinstance(steps[0], str) else None
    if root == "var" and first is not None:
        return traverse(scope.variables.get(first, unknown(f"var.{first}")), steps[1:], scope, expr.text)
    if root == "local" and first is not None:
        return traverse(scope.local(first), steps[1:], scope, expr.text)
    if root == "path" and first in ("module", "root", "cwd") and scope.module_dir is not None:
        return scope.module_dir if first == "module" else scope.root_dir
    if root in ("count", "each", "self", "terraform") or scope.resolve is None:
        return unknown(expr.text)
    names = tuple(s for s in steps if isinstance(s, str))
    # Resolve the longest prefix of attribute names, then traverse whatever follows (indexes included).
    head = 0
    while head < len(steps) and isinstance(steps[head], str):
        head += 1
    value = scope.resolve(root, names[:head])
    if is_unknown(value):
        return {**unknown(expr.text), "ref": value["ref"]} if "ref" in value and head == len(steps) else \
            unknown(expr.text)
    return traverse(value, steps[head:], scope, expr.text)


def _traversal(expr: Traversal, scope: Scope) -> Any:
    return traverse(evaluate(expr.source, scope), expr.steps, scope, expr.text)


def _splat(expr: Splat, scope: Scope) -> Any:
    source = evaluate(expr.source, scope)
    if is_unknown(source):
        return unknown(expr.text)
    items = source if isinstance(source, list) else ([] if source is None else [source])
    return [traverse(item, expr.steps, scope, expr.text) for item in items]


def _cond(expr: Cond, scope: Scope) -> Any:
    condition = evaluate(expr.condition, scope)
    if isinstance(condition, bool):
        return evaluate(expr.then if condition else expr.otherwise, scope)
    return unknown(expr.text)


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "%": lambda a, b: math.fmod(a, b),
}
_COMPARISON: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _binop(expr: BinOp, scope: Scope) -> Any:
    left = evaluate(expr.left, scope)
    if expr.op in ("&&", "||") and isinstance(left, bool):
        if (expr.op == "&&" and not left) or (expr.op == "||" and left):
            return left
    right = evaluate(expr.right, scope)
    if has_unknown(left) or has_unknown(right):
        return unknown(expr.text)
    if expr.op == "==":
        return left == right
    if expr.op == "!=":
        return left != right
    if expr.op in ("&&", "||"):
        return right if isinstance(right, bool) else unknown(expr.text)
    a, b = to_number(left), to_number(right)
    if a is None or b is None:
        return unknown(expr.text)
    try:
        if expr.op in _ARITHMETIC:
            result = _ARITHMETIC[expr.op](a, b)
            return int(result) if isinstance(result, float) and result.is_integer() else result
        return _COMPARISON[expr.op](a, b)
    except (ZeroDivisionError, KeyError, OverflowError, ValueError):
        return unknown(expr.text)


def _unop(expr: UnOp, scope: Scope) -> Any:
    value = evaluate(expr.operand, scope)
    if expr.op == "!" and isinstance(value, bool):
        return not value
    if expr.op == "-" and to_number(value) is not None:
        return -to_number(value)  # type: ignore[operator]
    return unknown(expr.text)


def _for(expr: ForExpr, scope: Scope) -> Any:
    collection = evaluate(expr.collection, scope)
    if is_unknown(collection) or expr.grouped:
        return unknown(expr.text)
    if isinstance(collection, dict):
        pairs = list(collection.items())
    elif isinstance(collection, list):
        pairs = list(enumerate(collection))
    else:
        return unknown(expr.text)
    if len(pairs) > MAX_ITEMS:
        return unknown(expr.text)
    results_list: list[Any] = []
    results_map: dict[str, Any] = {}
    for key, value in pairs:
        bindings = {expr.value_var: value}
        if expr.key_var:
            bindings[expr.key_var] = key
        inner = scope.child(bindings)
        if expr.condition is not None:
            keep = evaluate(expr.condition, inner)
            if not isinstance(keep, bool):
                return unknown(expr.text)
            if not keep:
                continue
        if expr.key is None:
            results_list.append(evaluate(expr.value, inner))
        else:
            out_key = to_string(evaluate(expr.key, inner))
            if out_key is None:
                return unknown(expr.text)
            results_map[out_key] = evaluate(expr.value, inner)
    return results_list if expr.key is None else results_map


def _opaque(expr: Opaque, scope: Scope) -> Any:
    return unknown(expr.text)


def _call(expr: Call, scope: Scope) -> Any:
    function = FUNCTIONS.get(expr.name.split("::")[-1])
    if function is None:
        return unknown(expr.text)
    args = [evaluate(a, scope) for a in expr.args]
    if expr.expand_last and args:
        last = args.pop()
        if not isinstance(last, list):
            return unknown(expr.text)
        args.extend(last)
    if expr.name not in ("try", "can") and any(is_error(a) for a in args):
        return error(expr.text)
    if expr.name in ("try", "can"):
        pass  # they decide for themselves what errors and unknown arguments mean
    elif expr.name in PARTIAL_OK:
        if any(is_unknown(a) for a in args):
            return unknown(expr.text)
    elif any(has_unknown(a) for a in args):
        return unknown(expr.text)
    try:
        result = function(scope, *args)
    except TooLarge:
        return unknown(expr.text)
    except Exception:  # noqa: BLE001 - a Terraform function failing on its arguments is an error of the expression
        return error(expr.text)
    return unknown(expr.text) if too_large(result) else result


_EVALUATORS: dict[type, Callable[[Any, Scope], Any]] = {
    Lit: _lit, Template: _template, TupleExpr: _tuple, ObjectExpr: _object, Ref: _ref, Traversal: _traversal,
    Splat: _splat,
    Call: _call, Cond: _cond, BinOp: _binop, UnOp: _unop, ForExpr: _for, Opaque: _opaque,
}
