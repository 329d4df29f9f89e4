"""Operator classes across the repository: which Airflow class a task's class finally is, and what arguments it
receives once every in-repository `__init__` between the call and that class has run.

The parse stage records each file's class definitions (bases, imports, constants, the `__init__` source); this
model stage links them, at any depth and across files, and evaluates each `__init__` with the call site's
arguments (and its parameters' defaults, and default_args for the parameters it names): `super().__init__(
service_account_name=f"{project}-{workflow}", namespace="mwaa", **kwargs)` gives the base those values.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from airtf_lint.airflow.pyeval import DictItems, Evaluator
from airtf_lint.facts import FileFacts, OperatorClass, Value, unknown

MAX_DEPTH = 12
_BASE_OPERATORS = {"BaseOperator", "BaseSensorOperator", "SkipMixin", "BaseBranchOperator"}
# Packages that re-publish Airflow providers under another name.
_PROVIDER_ALIASES = (("astronomer.providers.", "airflow.providers."),)


def provider_module(module: str | None) -> str | None:
    if module is None:
        return None
    for alias, real in _PROVIDER_ALIASES:
        if module.startswith(alias):
            return real + module[len(alias):]
    return module


def is_airflow(qualified: str) -> bool:
    module = provider_module(qualified) or ""
    return module.startswith("airflow.") or module == "airflow"


@dataclass
class Resolution:
    """Where a task's class leads: the chain of repository classes, and the Airflow class at its end."""

    resolved: bool
    via: str  # catalogue, repository, taskflow, name, unresolved
    base: str | None  # qualified name of the Airflow class that runs (None when unresolved)
    chain: list[OperatorClass] = field(default_factory=list)
    reason: str | None = None
    deferrable: bool = False

    def to_dict(self, written: str) -> dict[str, Any]:
        return {
            "resolved": self.resolved, "via": self.via, "written": written, "base": self.base,
            "chain": [{"name": c.name, "module": c.module, **c.location.to_dict()} for c in self.chain],
            "reason": self.reason,
        }


class ClassIndex:
    def __init__(self, all_facts: list[FileFacts]) -> None:
        self.by_name: dict[str, list[OperatorClass]] = {}
        for facts in all_facts:
            if facts.dag is None:
                continue
            for cls in facts.dag.operator_classes:
                self.by_name.setdefault(cls.name, []).append(cls)

    def find(self, qualified: str, near: str | None = None) -> OperatorClass | None:
        """The repository class a qualified name (as imported) refers to; `near` is the module it is written in,
        for a bare name."""
        module, _, name = qualified.rpartition(".")
        candidates = self.by_name.get(name) or []
        if not candidates:
            return None
        module = module or near or ""
        if is_airflow(qualified) and module:
            return None
        best, best_score = None, -1
        for cls in candidates:
            score = _module_match(module, cls.module or "")
            if score > best_score:
                best, best_score = cls, score
        if best_score > 0:
            return best
        return candidates[0] if len(candidates) == 1 else None

    def resolve(self, qualified: str, near: str | None = None) -> Resolution:
        chain: list[OperatorClass] = []
        current = qualified
        here = near
        deferrable = False
        for _ in range(MAX_DEPTH):
            cls = self.find(current, here)
            if cls is None:
                break
            if cls in chain:
                return Resolution(False, "unresolved", None, chain, f"class cycle at {cls.name}")
            chain.append(cls)
            deferrable = deferrable or cls.deferrable
            base = self._base_of(cls)
            if base is None:
                return Resolution(False, "unresolved", None, chain,
                                  f"{cls.name} has no base class that is an operator ({', '.join(cls.bases)})",
                                  deferrable)
            current, here = base, cls.module
            if is_airflow(current) or (self.find(current, here) is None):
                break
        else:
            return Resolution(False, "unresolved", None, chain, "class chain too deep")
        if is_airflow(current):
            short = current.rsplit(".", 1)[-1]
            deferrable = deferrable or short.endswith("Async")
            return Resolution(True, "repository" if chain else "catalogue", provider_module(current), chain,
                              None, deferrable)
        if chain:
            return Resolution(False, "unresolved", None, chain,
                              f"{chain[-1].name} derives from {current}, which is neither Airflow's nor defined in "
                              f"the scanned repository", deferrable)
        return Resolution(False, "unresolved", None, chain,
                          f"{qualified} is neither an Airflow class nor defined in the scanned repository")

    def _base_of(self, cls: OperatorClass) -> str | None:
        """The base that leads to an operator: a repository class, an Airflow class, or a name that looks like an
        operator; mixins are skipped."""
        ranked = []
        for base in cls.bases:
            short = base.rsplit(".", 1)[-1]
            if is_airflow(base):
                ranked.append((0 if short not in ("LoggingMixin",) else 3, base))
            elif self.find(base, cls.module) is not None:
                ranked.append((1, base))
            elif short.endswith(("Operator", "Sensor", "Async")):
                ranked.append((2, base))
        ranked.sort(key=lambda r: r[0])
        return ranked[0][1] if ranked else None


def _module_match(written: str, defined: str) -> int:
    """How well an import path matches a module guessed from a file path (sys.path roots differ: `plugins.x.y`,
    `x.y`): the number of trailing components in common, when one ends with the other."""
    if not written or not defined:
        return 0
    a, b = written.split("."), defined.split(".")
    n = min(len(a), len(b))
    if a[-n:] != b[-n:]:
        return 0
    return n


# --- evaluating constructors ---------------------------------------------------------------------------------------


def evaluate_chain(chain: list[OperatorClass], arguments: dict[str, Value], positional: list[Value],
                   default_args: dict[str, Value], line: int,
                   keep: frozenset[str] = frozenset()) -> tuple[dict[str, Value], list[str], set[str]]:
    """The keyword arguments the Airflow base receives, each repository `__init__` run in turn; notes on what
    could not be followed; and the names the repository classes set (rather than the call). A parameter in `keep`
    (a connection id) that a class consumes without passing it on is kept: the class uses it itself."""
    incoming, args = dict(arguments), list(positional)
    notes: list[str] = []
    set_by_class: set[str] = set()
    for cls in chain:
        if cls.init_source is None:
            continue  # no __init__ of its own: the arguments pass through
        try:
            function = ast.parse(_at_its_lines(cls)).body[0]
        except (SyntaxError, ValueError, RecursionError, IndexError):
            notes.append(f"{cls.name}.__init__ could not be read")
            continue
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        outgoing, positional_out, fixed, note, env = _run_init(cls, function, incoming, args, default_args, line)
        if note:
            notes.append(note)
        for name in keep:
            if name in env and name not in outgoing and env[name].value is not None and \
                    not any(v.value == env[name].value for v in outgoing.values()):
                outgoing[name] = env[name]
        set_by_class |= fixed
        incoming, args = outgoing, positional_out
    return incoming, notes, set_by_class


def _run_init(cls: OperatorClass, function: ast.FunctionDef | ast.AsyncFunctionDef, incoming: dict[str, Value],
              positional: list[Value], default_args: dict[str, Value],
              line: int) -> tuple[dict[str, Value], list[Value], set[str], str | None, dict[str, Value]]:
    evaluator = Evaluator(_at_its_lines(cls), cls.imports, dict(cls.constants), {})
    evaluator.prefer_dicts = True
    env: dict[str, Value] = {}
    remaining = dict(incoming)
    spec = function.args
    params = [*spec.posonlyargs, *spec.args][1:]  # self
    defaults = [None] * (len([*spec.posonlyargs, *spec.args]) - len(spec.defaults)) + list(spec.defaults)
    defaults = defaults[1:]
    for index, (parameter, default) in enumerate(zip(params, defaults)):
        env[parameter.arg] = _bound(parameter.arg, index, positional, remaining, default_args, default, evaluator,
                                    env, line)
    for parameter, default in zip(spec.kwonlyargs, spec.kw_defaults):
        env[parameter.arg] = _bound(parameter.arg, None, [], remaining, default_args, default, evaluator, env, line)
    extra_positional = positional[len(params):]
    if spec.vararg is not None:
        env[spec.vararg.arg] = Value([p.value for p in extra_positional], "dynamic", line)
    if spec.kwarg is not None:
        evaluator.dicts[spec.kwarg.arg] = DictItems(remaining)
        env[spec.kwarg.arg] = DictItems(remaining).as_value(line)
    super_call = None
    for statement in function.body:
        call = _super_init(statement)
        if call is not None:
            super_call = call
            break
        evaluator.bind(statement, env, evaluator.dicts)
    if super_call is None:
        # An __init__ that never calls its base's: what it received is all the base can know.
        return remaining, extra_positional, set(), f"{cls.name}.__init__ does not call super().__init__", env
    call, skip_self = super_call
    outgoing, unknown_spreads = evaluator.kwargs(call, env)
    args = [evaluator.value(a, env) for a in call.args[1 if skip_self else 0:] if not isinstance(a, ast.Starred)]
    fixed = {k.arg for k in call.keywords if k.arg is not None}
    # A value the class computes (not one the call passed through) comes from the class's file.
    given = {id(v) for v in [*incoming.values(), *positional, *default_args.values()]}
    for key, value in list(outgoing.items()):
        if id(value) not in given and value.origin is None:
            outgoing[key] = Value(value.value, value.kind, value.line, value.env_var, cls.location.path)
    note = None
    if unknown_spreads:
        note = f"{cls.name}.__init__ passes {', '.join(unknown_spreads)} to its base: those keys are unknown"
    return outgoing, args, fixed, note, env


def _at_its_lines(cls: OperatorClass) -> str:
    """The constructor's source placed at its own lines, so values computed in it point into the class's file."""
    return "\n" * max(cls.init_line - 1, 0) + (cls.init_source or "")


def _bound(name: str, index: int | None, positional: list[Value], remaining: dict[str, Value],
           default_args: dict[str, Value], default: ast.expr | None, evaluator: Evaluator, env: dict[str, Value],
           line: int) -> Value:
    if index is not None and index < len(positional):
        return positional[index]
    if name in remaining:
        return remaining.pop(name)
    if name in default_args:
        return default_args[name]  # apply_defaults fills any parameter a class names from default_args
    if default is not None:
        return evaluator.value(default, env)
    return Value(unknown(name), "dynamic", line)


def _super_init(statement: ast.stmt) -> tuple[ast.Call, bool] | None:
    """`super().__init__(...)`, `super(Cls, self).__init__(...)` or `Base.__init__(self, ...)`."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return None
    call = statement.value
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "__init__":
        return None
    if isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) and func.value.func.id == "super":
        return call, False
    if isinstance(func.value, (ast.Name, ast.Attribute)) and call.args and isinstance(call.args[0], ast.Name) \
            and call.args[0].id == "self":
        return call, True
    return None


def accepted_by_chain(chain: list[OperatorClass]) -> set[str]:
    """Parameter names the repository classes' constructors declare (default_args reach those too)."""
    names: set[str] = set()
    for cls in chain:
        if not cls.init_source:
            continue
        try:
            function = ast.parse(_at_its_lines(cls)).body[0]
        except (SyntaxError, ValueError, RecursionError, IndexError):
            continue
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            spec = function.args
            names |= {a.arg for a in [*spec.posonlyargs, *spec.args, *spec.kwonlyargs]}
    names.discard("self")
    return names
