"""Static evaluation of Python expressions in DAG code: literals, f-strings, module constants, dicts built in any of
the usual ways, `os.getenv` defaults, and names bound in a local scope (a constructor's parameters).

Nothing is imported or run. What cannot be known is `unknown(<source>)` with kind `dynamic`, never dropped: a dict
keeps every key it can name, and its spreads that cannot be known are listed as such.
"""

from __future__ import annotations

import ast
from typing import Any

from airtf_lint.facts import Value, unknown

MAX_TEXT = 200
_ENV_GETTERS = {"os.getenv", "os.environ.get", "environ.get", "getenv"}
_COPIES = {"copy.copy", "copy.deepcopy", "deepcopy", "dict"}
_KNOWN_KINDS = ("literal", "env_default")


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class DictItems:
    """The keys of a dict known statically, each with its own Value, and the spreads whose keys are unknown."""

    def __init__(self, items: dict[str, Value] | None = None, unknown_spreads: list[str] | None = None) -> None:
        self.items: dict[str, Value] = dict(items or {})
        self.unknown_spreads: list[str] = list(unknown_spreads or [])

    def merged(self, other: DictItems) -> DictItems:
        return DictItems({**self.items, **other.items}, self.unknown_spreads + other.unknown_spreads)

    def copy(self) -> DictItems:
        return DictItems(self.items, self.unknown_spreads)

    def as_value(self, line: int) -> Value:
        known = all(v.kind in _KNOWN_KINDS for v in self.items.values()) and not self.unknown_spreads
        plain: dict[str, Any] = {k: v.value for k, v in self.items.items()}
        return Value(plain, "literal" if known else "dynamic", line)


def _items_of_plain(value: Value) -> DictItems | None:
    if not isinstance(value.value, dict) or _is_unknown(value.value):
        return None
    return DictItems({str(k): Value(v, _kind_of_plain(v, value.kind), value.line, value.env_var, value.origin)
                      for k, v in value.value.items()})


def _kind_of_plain(value: Any, parent: str) -> str:
    if _contains_unknown(value):
        return "dynamic"
    if isinstance(value, str) and "{{" in value:
        return "template"
    return parent if parent in _KNOWN_KINDS else "literal"


def _contains_unknown(value: Any) -> bool:
    if _is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


def _is_unknown(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__unknown__") is True


class Evaluator:
    """Evaluates expressions of one file: `imports` map local names to qualified names, `constants` hold the
    module-level values, `dicts` the module-level dicts key by key."""

    def __init__(self, text: str, imports: dict[str, str] | None = None, constants: dict[str, Value] | None = None,
                 dicts: dict[str, DictItems] | None = None) -> None:
        self.text = text
        self.imports: dict[str, str] = imports if imports is not None else {}
        self.constants: dict[str, Value] = constants if constants is not None else {}
        self.dicts: dict[str, DictItems] = dicts if dicts is not None else {}
        self.prefer_dicts = False  # a local scope: its dicts are newer than the names bound in it

    # --- names ---------------------------------------------------------------------------------------------------

    def qualified(self, node: ast.expr) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.imports:
            return self.imports[head] + (f".{rest}" if rest else "")
        return name

    def text_of(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.text, node)
        if segment is None:
            try:
                segment = ast.unparse(node)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - a text for humans only
                segment = ""
        return segment[:MAX_TEXT]

    def dynamic(self, node: ast.AST, line: int | None = None) -> Value:
        return Value(unknown(self.text_of(node)), "dynamic", line or getattr(node, "lineno", 1))

    # --- values --------------------------------------------------------------------------------------------------

    def value(self, node: ast.expr, env: dict[str, Value] | None = None) -> Value:
        try:
            return self._value(node, env or {})
        except RecursionError:
            return self.dynamic(node)

    def _value(self, node: ast.expr, env: dict[str, Value]) -> Value:
        line = getattr(node, "lineno", 1)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and "{{" in node.value:
                return Value(node.value, "template", line)
            plain = node.value if isinstance(node.value, (str, int, float, bool, type(None))) else repr(node.value)
            return Value(plain, "literal", line)
        if isinstance(node, ast.Name):
            # the bound Value itself: Values are never changed, and its identity tells where it came from
            if node.id in env:
                return env[node.id]
            if node.id in self.constants:
                return self.constants[node.id]
            return self.dynamic(node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            bound = env.get(f"self.{node.attr}")
            if bound is not None:
                return bound
            return self.dynamic(node)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, env, line)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    inner = self._value(element.value, env)
                    if isinstance(inner.value, list):
                        items.extend(Value(v, inner.kind, inner.line) for v in inner.value)
                        continue
                    items.append(self.dynamic(element))
                    continue
                items.append(self._value(element, env))
            return Value([i.value for i in items], _combined(items), line, _env_var(items), _origin(items))
        if isinstance(node, (ast.Dict, ast.DictComp)) or (isinstance(node, ast.Call) and self._is_dict_call(node)):
            found = self.dict_items(node, env)
            return found.as_value(line) if found is not None else self.dynamic(node)
        if isinstance(node, ast.Call):
            return self._call_value(node, env, line)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # os.getenv("X") or "fallback": the fallback, overridable by the environment.
            first = self._value(node.values[0], env)
            if first.kind == "env_default" and first.value in (None, ""):
                rest = self._value(node.values[-1], env)
                return Value(rest.value, "env_default" if rest.kind == "literal" else rest.kind, line, first.env_var)
            return first if first.kind in _KNOWN_KINDS and first.value else self.dynamic(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._value(node.left, env), self._value(node.right, env)
            if left.kind in _KNOWN_KINDS and right.kind in _KNOWN_KINDS:
                if isinstance(left.value, str) and isinstance(right.value, str):
                    return Value(left.value + right.value, _combined([left, right]), line,
                                 left.env_var or right.env_var)
                if isinstance(left.value, list) and isinstance(right.value, list):
                    return Value(left.value + right.value, _combined([left, right]), line)
            return self.dynamic(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            found = self.dict_items(node, env)
            return found.as_value(line) if found is not None else self.dynamic(node)
        if isinstance(node, ast.Subscript):
            container = self._value(node.value, env)
            key = self._value(node.slice, env) if isinstance(node.slice, ast.expr) else None
            picked = _pick(container, key)
            if picked is not None:
                return Value(picked, container.kind, line, container.env_var, container.origin)
            environ = self.qualified(node.value)
            if environ in ("os.environ", "environ") and key is not None and isinstance(key.value, str):
                return Value(unknown(self.text_of(node)), "dynamic", line, key.value)
            return self.dynamic(node)
        return self.dynamic(node)

    def _fstring(self, node: ast.JoinedStr, env: dict[str, Value], line: int) -> Value:
        parts, kinds, env_var, origin = [], [], None, None
        for piece in node.values:
            if isinstance(piece, ast.Constant):
                parts.append(str(piece.value))
            elif isinstance(piece, ast.FormattedValue):
                inner = self._value(piece.value, env)
                if inner.kind not in _KNOWN_KINDS or isinstance(inner.value, (dict, list)) or inner.value is None:
                    return Value(unknown(self.text_of(node)), "dynamic", line, inner.env_var or env_var)
                parts.append(str(inner.value))
                kinds.append(inner.kind)
                env_var = env_var or inner.env_var
                origin = origin or inner.origin
        joined = "".join(parts)
        if "{{" in joined:
            return Value(joined, "template", line)
        return Value(joined, "env_default" if "env_default" in kinds else "literal", line, env_var, origin)

    def _call_value(self, node: ast.Call, env: dict[str, Value], line: int) -> Value:
        func = self.qualified(node.func) or ""
        if func in _ENV_GETTERS:
            name = self._value(node.args[0], env) if node.args else None
            default = self._value(node.args[1], env) if len(node.args) > 1 else None
            for keyword in node.keywords:
                if keyword.arg == "default":
                    default = self._value(keyword.value, env)
            env_var = name.value if name is not None and isinstance(name.value, str) else None
            value = default.value if default is not None and default.kind in _KNOWN_KINDS else None
            return Value(value, "env_default", line, env_var)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args and not node.keywords:
            # config.get("key", default) on a dict known statically
            container = self._value(node.func.value, env)
            key = self._value(node.args[0], env)
            if isinstance(container.value, dict) and not _is_unknown(container.value) and \
                    isinstance(key.value, str) and container.kind in _KNOWN_KINDS:
                if key.value in container.value:
                    return Value(container.value[key.value], container.kind, line, container.env_var,
                                 container.origin)
                if len(node.args) > 1:
                    return self._value(node.args[1], env)
                return Value(None, container.kind, line, origin=container.origin)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join") and \
                isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
            template = node.func.value.value
            if node.func.attr == "join" and len(node.args) == 1:
                items = self._value(node.args[0], env)
                if items.kind in _KNOWN_KINDS and isinstance(items.value, list) and \
                        all(isinstance(i, (str, int)) for i in items.value):
                    return Value(template.join(str(i) for i in items.value), items.kind, line, items.env_var)
            if node.func.attr == "format":
                args = [self._value(a, env) for a in node.args]
                kwargs = {k.arg: self._value(k.value, env) for k in node.keywords if k.arg}
                if all(a.kind in _KNOWN_KINDS for a in [*args, *kwargs.values()]):
                    try:
                        text = template.format(*[a.value for a in args], **{k: v.value for k, v in kwargs.items()})
                    except (IndexError, KeyError, ValueError, AttributeError, TypeError):
                        return self.dynamic(node)
                    return Value(text, _combined([*args, *kwargs.values()]), line, _env_var([*args, *kwargs.values()]))
        if func in ("str",) and len(node.args) == 1:
            inner = self._value(node.args[0], env)
            if inner.kind in _KNOWN_KINDS and isinstance(inner.value, (str, int, float)):
                return Value(str(inner.value), inner.kind, line, inner.env_var)
        return self.dynamic(node)

    # --- dicts, key by key ---------------------------------------------------------------------------------------

    def _is_dict_call(self, node: ast.Call) -> bool:
        func = self.qualified(node.func) or ""
        if func in _COPIES:
            return True
        return isinstance(node.func, ast.Attribute) and node.func.attr == "copy" and not node.args

    def dict_items(self, node: ast.expr, env: dict[str, Value] | None = None) -> DictItems | None:
        """The keys of a dict expression: a literal, `dict(...)`, `{**a, ...}`, `a | b`, a copy, or a name bound to
        one. None when the expression is not recognisably a dict."""
        env = env or {}
        try:
            return self._dict_items(node, env)
        except RecursionError:
            return None

    def _dict_items(self, node: ast.expr, env: dict[str, Value]) -> DictItems | None:
        if isinstance(node, ast.Dict):
            out = DictItems()
            for key, value in zip(node.keys, node.values):
                if key is None:
                    out = out.merged(self._spread(value, env))
                    continue
                name = self._value(key, env)
                if name.kind in _KNOWN_KINDS and isinstance(name.value, (str, int, bool)):
                    out.items[str(name.value)] = self._value(value, env)
                else:
                    out.unknown_spreads.append(self.text_of(key))
            return out
        if isinstance(node, ast.DictComp):
            return DictItems(unknown_spreads=[self.text_of(node)])
        if isinstance(node, ast.Name):
            if node.id in self.dicts and (self.prefer_dicts or node.id not in env):
                return self.dicts[node.id].copy()
            if node.id in env:
                return _items_of_plain(env[node.id])
            if node.id in self.constants:
                return _items_of_plain(self.constants[node.id])
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._spread(node.left, env).merged(self._spread(node.right, env))
        if isinstance(node, ast.Call):
            func = self.qualified(node.func) or ""
            if func == "dict":
                out = DictItems()
                for argument in node.args[:1]:
                    out = out.merged(self._spread(argument, env))
                for keyword in node.keywords:
                    if keyword.arg is None:
                        out = out.merged(self._spread(keyword.value, env))
                    else:
                        out.items[keyword.arg] = self._value(keyword.value, env)
                return out
            if func in ("copy.copy", "copy.deepcopy", "deepcopy") and node.args:
                return self._dict_items(node.args[0], env)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "copy" and not node.args:
                return self._dict_items(node.func.value, env)
        return None

    def _spread(self, node: ast.expr, env: dict[str, Value]) -> DictItems:
        found = self._dict_items(node, env)
        return found if found is not None else DictItems(unknown_spreads=[self.text_of(node)])

    def kwargs(self, call: ast.Call, env: dict[str, Value] | None = None) -> tuple[dict[str, Value], list[str]]:
        """Keyword arguments of a call, `**spreads` expanded key by key; the spreads that cannot be known."""
        out: dict[str, Value] = {}
        unknown_spreads: list[str] = []
        for keyword in call.keywords:
            if keyword.arg is None:
                spread = self._spread(keyword.value, env or {})
                out.update(spread.items)
                unknown_spreads.extend(spread.unknown_spreads)
                continue
            out[keyword.arg] = self.value(keyword.value, env)
        return out, unknown_spreads

    # --- module-level statements ---------------------------------------------------------------------------------

    def _popped(self, node: ast.expr, env: dict[str, Value] | None, dicts: dict[str, DictItems]) -> Value | None:
        """`kwargs.pop("k", default)` on a dict known key by key: the value, and the key removed."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "pop"
                and isinstance(node.func.value, ast.Name) and node.func.value.id in dicts and node.args):
            return None
        key = self.value(node.args[0], env)
        if not isinstance(key.value, str):
            return None
        items = dicts[node.func.value.id]
        if key.value in items.items:
            return items.items.pop(key.value)
        if len(node.args) > 1:
            return self.value(node.args[1], env)
        return self.dynamic(node)

    def bind(self, statement: ast.stmt, env: dict[str, Value] | None = None,
             dicts: dict[str, DictItems] | None = None) -> None:
        """Record what one simple statement binds: `X = ...`, `d["k"] = v`, `d.update(...)`, `d.setdefault(k, v)`.
        Without `env`, into the module's constants; with it, into that local scope."""
        constants = self.constants if env is None else env
        dicts = self.dicts if dicts is None else dicts
        if isinstance(statement, ast.Expr) and self._popped(statement.value, env, dicts) is not None:
            return
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if statement.value is None:
                return
            popped = self._popped(statement.value, env, dicts)
            for target in targets:
                if popped is not None and isinstance(target, ast.Name):
                    dicts.pop(target.id, None)
                    constants[target.id] = popped
                elif isinstance(target, ast.Attribute) and dotted(target.value) == "self" and env is not None:
                    env[f"self.{target.attr}"] = self.value(statement.value, env)
                elif isinstance(target, ast.Name):
                    found = self.dict_items(statement.value, env)
                    if found is not None:
                        dicts[target.id] = found
                        constants[target.id] = found.as_value(statement.lineno)
                    else:
                        dicts.pop(target.id, None)
                        constants[target.id] = self.value(statement.value, env)
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    key = self.value(target.slice, env) if isinstance(target.slice, ast.expr) else None
                    name = target.value.id
                    if key is not None and isinstance(key.value, str) and name in dicts:
                        dicts[name].items[key.value] = self.value(statement.value, env)
                        constants[name] = dicts[name].as_value(dicts[name].items[key.value].line)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if not isinstance(call.func, ast.Attribute) or not isinstance(call.func.value, ast.Name):
                return
            name = call.func.value.id
            if name not in dicts:
                return
            if call.func.attr == "update":
                update = DictItems()
                for argument in call.args[:1]:
                    update = update.merged(self._spread(argument, env or {}))
                for keyword in call.keywords:
                    if keyword.arg is None:
                        update = update.merged(self._spread(keyword.value, env or {}))
                    else:
                        update.items[keyword.arg] = self.value(keyword.value, env)
                dicts[name] = dicts[name].merged(update)
            elif call.func.attr == "setdefault" and len(call.args) == 2:
                key = self.value(call.args[0], env)
                if isinstance(key.value, str):
                    dicts[name].items.setdefault(key.value, self.value(call.args[1], env))
            else:
                return
            constants[name] = dicts[name].as_value(statement.lineno)


def _combined(values: list[Value]) -> str:
    kinds = {v.kind for v in values}
    if kinds <= {"literal"}:
        return "literal"
    if kinds <= {"literal", "env_default"}:
        return "env_default"
    if "template" in kinds and kinds <= {"literal", "template", "env_default"}:
        return "template"
    return "dynamic"


def _env_var(values: list[Value]) -> str | None:
    return next((v.env_var for v in values if v.env_var), None)


def _origin(values: list[Value]) -> str | None:
    return next((v.origin for v in values if v.origin), None)


def _pick(container: Value, key: Value | None) -> Any:
    if key is None or container.kind not in _KNOWN_KINDS or key.kind not in _KNOWN_KINDS:
        return None
    if isinstance(container.value, dict) and not _is_unknown(container.value) and key.value in container.value:
        return container.value[key.value]
    if isinstance(container.value, list) and isinstance(key.value, int) and -len(container.value) <= key.value < len(
            container.value):
        return container.value[key.value]
    return None
