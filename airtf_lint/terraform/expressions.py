"""Terraform expressions: a small IR the HCL parsers produce, and an offline evaluator.

The IR is plain frozen data (picklable, cacheable). `evaluate(expr, scope)` computes what can be known statically:
literals, templates over known values, variables, locals, references to other blocks' attributes, and the common
functions. Whatever cannot be known becomes `unknown(text)`, never a missing value. Nothing is downloaded or run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import posixpath
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from airtf_lint.facts import UNKNOWN_KEY, is_unknown, unknown


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


def error(expression: str) -> dict[str, Any]:
    """An expression Terraform would reject (a missing attribute or index of a known value): unknown to rules,
    but try() and can() treat it as a failure, as Terraform does."""
    return {UNKNOWN_KEY: True, "expr": expression, "error": True}


def is_error(value: Any) -> bool:
    return is_unknown(value) and value.get("error") is True


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
                      {**self.iteration, **bindings})
        inner._local_values = self._local_values
        inner._evaluating = self._evaluating
        return inner


EMPTY_SCOPE = Scope()


# --- evaluation --------------------------------------------------------------------------------------------------

def has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


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
    return "".join(out)


def _tuple(expr: TupleExpr, scope: Scope) -> Any:
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


def _number(value: Any) -> int | float | None:
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
    a, b = _number(left), _number(right)
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
    if expr.op == "-" and _number(value) is not None:
        return -_number(value)  # type: ignore[operator]
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
    elif expr.name in _PARTIAL_OK:
        if any(is_unknown(a) for a in args):
            return unknown(expr.text)
    elif any(has_unknown(a) for a in args):
        return unknown(expr.text)
    try:
        return function(scope, *args)
    except Exception:  # noqa: BLE001 - a Terraform function failing on its arguments is an error of the expression
        return error(expr.text)


_EVALUATORS: dict[type, Callable[[Any, Scope], Any]] = {
    Lit: _lit, Template: _template, TupleExpr: _tuple, ObjectExpr: _object, Ref: _ref, Traversal: _traversal,
    Splat: _splat,
    Call: _call, Cond: _cond, BinOp: _binop, UnOp: _unop, ForExpr: _for, Opaque: _opaque,
}


# --- conversions -------------------------------------------------------------------------------------------------

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


# --- functions ---------------------------------------------------------------------------------------------------

_FORMAT_VERB = re.compile(r"%(%|([-+ #0]*)(\d*)((?:\.\d+)?)([vsdtqfeEgGxXob]))")


def _format(scope: Scope, spec: str, *args: Any) -> str:
    values = iter(args)

    def replace(match: re.Match[str]) -> str:
        verb = match.group(1)
        if verb == "%":
            return "%"
        value = next(values)
        flags, width, precision, kind = match.group(2), match.group(3), match.group(4), match.group(5)
        align = "<" if "-" in flags else ""
        fill = "0" if "0" in flags and not align else ""
        sign = "+" if "+" in flags else ""
        if kind in "dxXob":
            text = format(int(value), f"{sign}{kind if kind != 'd' else 'd'}")
        elif kind in "feEgG":
            text = format(float(value), f"{sign}{precision or '.6'}{kind}")
        elif kind == "q":
            text = json.dumps(to_string(value))
        elif kind == "t":
            text = "true" if value else "false"
        else:
            plain = to_string(value)
            text = json.dumps(value, separators=(",", ":")) if plain is None else plain
        if width:
            text = format(text, f"{fill or ' '}{align or '>'}{width}") if not fill else text.zfill(int(width))
        return text

    return _FORMAT_VERB.sub(replace, spec)


def _merge(scope: Scope, *maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if is_unknown(item) or not isinstance(item, dict):
            raise TypeError("merge of a non-object")
        out.update(item)
    return out


def _flatten(scope: Scope, value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if is_unknown(item):
            raise TypeError("unknown element")
        out.extend(_flatten(scope, item) if isinstance(item, list) else [item])
    return out


def _toset(scope: Scope, value: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in value:
        if item not in seen:
            seen.append(item)
    return sorted(seen, key=lambda v: json.dumps(v, sort_keys=True))


def _concat(scope: Scope, *lists: Any) -> list[Any]:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise TypeError("concat of a non-list")
        out.extend(item)
    return out


def render_json(value: Any) -> str:
    """jsonencode: compact JSON with unknown parts written as placeholders."""
    return json.dumps(_json_ready(value), separators=(",", ":"))


def _jsonencode(scope: Scope, value: Any) -> str:
    return render_json(value)


def _file(scope: Scope, path: str) -> Any:
    """file(): relative to where the path says (path.module/...) or, like Terraform, to the root module."""
    if scope.read_file is None or path.startswith("/"):
        raise ValueError("no file access")
    for candidate in (path, posixpath.join(scope.root_dir or ".", path)):
        text = scope.read_file(posixpath.normpath(candidate))
        if text is not None:
            return text
    raise ValueError("file not available")


def _templatefile(scope: Scope, path: str, variables: dict[str, Any]) -> Any:
    from airtf_lint.parsers.hcl import (
        parse_template,  # the parser builds this module's IR
    )

    template = parse_template(_file(scope, path))
    value = evaluate(template, scope.child(dict(variables)))
    if is_unknown(value):
        raise ValueError("template not fully known")
    return value


def _regex(scope: Scope, pattern: str, text: str) -> Any:
    match = re.search(pattern, text)
    if match is None:
        raise ValueError("no match")
    if match.groupdict():
        return match.groupdict()
    return list(match.groups()) if match.groups() else match.group(0)


def _try(scope: Scope, *values: Any) -> Any:
    """The first argument that is not an error; unknown if that one is not known yet (as in Terraform)."""
    for value in values:
        if is_error(value):
            continue
        return unknown("try(...)") if has_unknown(value) else value
    return error("try(...)")


def _can(scope: Scope, value: Any) -> Any:
    if is_error(value):
        return False
    return unknown("can(...)") if has_unknown(value) else True


def _lookup(scope: Scope, mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise KeyError(key)


def _coalesce(scope: Scope, *values: Any) -> Any:
    for value in values:
        if value is not None and value != "":
            return value
    raise ValueError("no non-null argument")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": lambda scope, text: json.loads(text),
    "merge": _merge,
    "concat": _concat,
    "flatten": _flatten,
    "tolist": lambda scope, value: list(value),
    "toset": _toset,
    "tomap": lambda scope, value: dict(value),
    "tostring": lambda scope, value: to_string(value) if to_string(value) is not None else _fail(),
    "tonumber": lambda scope, value: _number(value) if _number(value) is not None else _fail(),
    "tobool": lambda scope, value: value if isinstance(value, bool) else {"true": True, "false": False}[value],
    "format": _format,
    "formatlist": lambda scope, spec, *lists: [_format(scope, spec, *row) for row in zip(*lists)],
    "lower": lambda scope, s: s.lower(),
    "upper": lambda scope, s: s.upper(),
    "title": lambda scope, s: s.title(),
    "trimspace": lambda scope, s: s.strip(),
    "chomp": lambda scope, s: s.rstrip("\r\n"),
    "trim": lambda scope, s, chars: s.strip(chars),
    "trimprefix": lambda scope, s, p: s.removeprefix(p),
    "trimsuffix": lambda scope, s, p: s.removesuffix(p),
    "startswith": lambda scope, s, p: s.startswith(p),
    "endswith": lambda scope, s, p: s.endswith(p),
    "join": lambda scope, sep, items: sep.join(to_string(i) or _fail() for i in items),
    "split": lambda scope, sep, s: s.split(sep),
    "replace": lambda scope, s, old, new: (re.sub(old[1:-1], new.replace("$", "\\"), s)
                                            if len(old) > 1 and old.startswith("/") and old.endswith("/")
                                            else s.replace(old, new)),
    "substr": lambda scope, s, offset, length: s[offset:] if length == -1 else s[offset:offset + length],
    "length": lambda scope, value: len(value),
    "keys": lambda scope, value: sorted(value),
    "values": lambda scope, value: [value[k] for k in sorted(value)],
    "lookup": _lookup,
    "element": lambda scope, items, index: items[int(index) % len(items)],
    "contains": lambda scope, items, value: value in items,
    "distinct": lambda scope, items: [v for i, v in enumerate(items) if v not in items[:i]],
    "compact": lambda scope, items: [v for v in items if v not in (None, "")],
    "coalesce": _coalesce,
    "coalescelist": lambda scope, *lists: next(lst for lst in lists if lst),
    "zipmap": lambda scope, ks, vs: dict(zip(ks, vs)),
    "sort": lambda scope, items: sorted(items),
    "reverse": lambda scope, items: list(reversed(items)),
    "min": lambda scope, *n: min(n),
    "max": lambda scope, *n: max(n),
    "abs": lambda scope, n: abs(n),
    "range": lambda scope, *a: list(range(*(int(x) for x in a))),
    "slice": lambda scope, items, start, end: items[int(start):int(end)],
    "one": lambda scope, items: items[0] if len(items) == 1 else (None if not items else _fail()),
    "file": _file,
    "templatefile": _templatefile,
    "basename": lambda scope, p: posixpath.basename(p),
    "dirname": lambda scope, p: posixpath.dirname(p),
    "regex": _regex,
    "regexall": lambda scope, pattern, text: [m.group(0) if not m.groups() else list(m.groups())
                                              for m in re.finditer(pattern, text)],
    "base64encode": lambda scope, s: base64.b64encode(s.encode()).decode(),
    "base64decode": lambda scope, s: base64.b64decode(s).decode(),
    "md5": lambda scope, s: hashlib.md5(s.encode()).hexdigest(),  # noqa: S324 - Terraform's md5(), not security
    "sha1": lambda scope, s: hashlib.sha1(s.encode()).hexdigest(),  # noqa: S324
    "sha256": lambda scope, s: hashlib.sha256(s.encode()).hexdigest(),
    "urlencode": lambda scope, s: urllib.parse.quote(s, safe=""),
    "setunion": lambda scope, *sets: _toset(scope, [v for s in sets for v in s]),
    "setintersection": lambda scope, first, *rest: _toset(scope, [v for v in first if all(v in r for r in rest)]),
    "setsubtract": lambda scope, a, b: _toset(scope, [v for v in a if v not in b]),
    "alltrue": lambda scope, items: all(v is True or v == "true" for v in items),
    "anytrue": lambda scope, items: any(v is True or v == "true" for v in items),
    "strrev": lambda scope, s: s[::-1],
    "indent": lambda scope, n, s: s.replace("\n", "\n" + " " * int(n)),
    "try": _try,
    "can": _can,
    "nonsensitive": lambda scope, value: value,
    "sensitive": lambda scope, value: value,
}

# Functions that decide for themselves what an unknown argument means.
_PARTIAL_OK = frozenset({"jsonencode", "merge", "concat", "tolist", "toset", "flatten", "coalesce",
                         "compact", "length"})


def _fail() -> Any:
    raise ValueError("conversion not possible")


__all__ = [
    "BinOp", "Call", "Cond", "EMPTY_SCOPE", "Expr", "ForExpr", "Lit", "ObjectExpr", "Opaque", "Ref", "Scope",
    "Splat", "Template", "Traversal", "TupleExpr", "UNKNOWN_KEY", "UnOp", "evaluate", "has_unknown", "is_placeholder",
    "placeholder", "references", "render_json", "error", "is_error",
    "source_text", "to_string",
]
