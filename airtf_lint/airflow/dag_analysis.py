"""Static analysis of one DAG file: DAGs, task groups, tasks and the arguments that decide their identity.

The file is read with Python's `ast`; nothing is imported or run. Callees are resolved through the file's imports
and aliases (Airflow 2 and 3 paths alike). Tasks come from operator instantiations (also `.partial().expand()`):
a class imported from Airflow or a provider, a class defined in the repository (recorded here, resolved across
files in the model stage), a name ending in Operator/Sensor, or any call given `task_id=`; from TaskFlow functions
(`@task`, `@task.kubernetes(...)`, `.override()`); and from plain functions called while the DAG is built
(factories, `create_dag()`), whose parameters are bound to the call's arguments.

default_args merge DAG <- TaskGroup <- task, by exact parameter name, key by key: a value that cannot be known is
kept as unknown, never the whole dict dropped. Hooks built inside TaskFlow bodies and python_callables are recorded
too: they never see default_args. Code the DAG processor runs at every parse (an SDK client, a hook, Variable.get
at the top level) is recorded as the file's `module_calls`. A sibling config file the DAG reads by a path relative
to `__file__` is read here (inside the scanned tree only, regular files, size-capped) and its values used.
"""

from __future__ import annotations

import ast
import json
import os
import posixpath
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airtf_lint.airflow.catalogue import catalogue
from airtf_lint.airflow.pyeval import Evaluator, dotted
from airtf_lint.facts import (
    DagFact,
    DagFileFacts,
    FactoryCall,
    FunctionFact,
    Location,
    ModuleCall,
    OperatorClass,
    TaskFact,
    Value,
    unknown,
)

MAX_TEXT = 200
MAX_CONFIG_BYTES = 256 * 1024
MAX_INIT_SOURCE = 40_000
MAX_INLINE_DEPTH = 4
MAX_FUNCTION_SOURCE = 60_000  # a module-level function kept as a possible factory (bigger: not followed)
MAX_FUNCTIONS = 300  # per file
MAX_FACTORY_CALLS = 1_000  # calls to imported functions recorded per file
STATEMENT_BUDGET = 500_000  # statements walked per file (inlined factories included): past it, the rest is skipped
# Imported functions that are never a repository's DAG factory (standard library, SDKs): not recorded.
_NOT_FACTORY_ROOTS = {"os", "sys", "json", "datetime", "pendulum", "logging", "re", "time", "pathlib", "yaml",
                      "typing", "functools", "itertools", "collections", "math", "random", "uuid", "boto3",
                      "botocore", "requests", "pandas", "numpy", "copy", "textwrap", "subprocess", "shutil",
                      "tempfile", "dateutil", "urllib", "base64", "hashlib", "glob", "csv", "io", "string",
                      "dataclasses", "enum", "kubernetes", "jinja2", "sqlalchemy", "airflow", "astronomer"}
_DAG_CLASSES = ("DAG",)
# Classes from airflow that are called while building a DAG but are not tasks.
_NOT_TASKS = {"DAG", "TaskGroup", "Param", "Label", "Dataset", "Asset", "AssetAlias", "DatasetAlias", "Variable",
              "Connection", "Secret", "Mount", "Port", "Volume", "VolumeMount", "Timetable", "CronTriggerTimetable",
              "XComArg", "PlainXComArg", "Context", "BaseOperator", "BaseSensorOperator", "ClusterGenerator",
              "PodDefaults", "Pendulum", "Metric"}
# Arguments that never hand an identity to a service (the DAG object, run-time params, callables).
_NOT_DELEGATING = {"dag", "params", "task_group", "executor_config", "python_callable", "op_kwargs", "op_args",
                   "templates_dict", "on_failure_callback", "on_success_callback", "on_retry_callback",
                   "on_execute_callback", "sla_miss_callback", "default_args"}
_LOADERS = {"yaml.safe_load", "yaml.load", "yaml.full_load", "yaml.unsafe_load", "json.load", "json.loads",
            "tomllib.load", "tomllib.loads", "toml.load", "toml.loads"}
_PATH_SAME = {"os.path.abspath", "os.path.realpath", "os.path.normpath", "Path", "pathlib.Path", "PurePath",
              "pathlib.PurePath", "str"}


@dataclass
class _Context:
    dag: DagFact | None
    group: str | None
    default_args: dict[str, Value]
    unknown_defaults: list[str] = field(default_factory=list)
    env: dict[str, Value] = field(default_factory=dict)
    depth: int = 0


def _module_name(path: str) -> str | None:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        parts = [p for p in parts if p != ".."]
    if not parts:
        return None
    last = parts[-1]
    if last.endswith(".py"):
        last = last[:-3]
    parts[-1] = last
    if last == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or None


class DagAnalyser(Evaluator):
    def __init__(self, tree: ast.Module, text: str, path: str, absolute: Path | None = None,
                 root: Path | None = None) -> None:
        super().__init__(text)
        self.tree, self.path = tree, path
        self.absolute, self.root = absolute, root
        self.module = _module_name(path)
        self.taskflow: dict[str, tuple[str, dict[str, Value], Any, list[str], list[str], ast.Call | None]] = {}
        self.task_groups: dict[str, tuple[dict[str, Value], Any, ast.Call | None]] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.dag_variables: dict[str, DagFact] = {}
        self.paths: dict[str, Path] = {}  # module names bound to a path (BASE = Path(__file__).parent)
        self.open_files: dict[str, Path] = {}  # `with open(P) as f`
        self.assignments: dict[str, ast.expr] = {}  # module-level name -> its (last) value expression
        self.facts = DagFileFacts()
        self.cat = catalogue()
        # Factories (airflow/factories.py): module-level functions are recorded as facts; calls to imported
        # functions as factory calls. A factory evaluated in the model stage sees its file's other functions as
        # `sibling_functions`, names the calls it records with `key_prefix`, and is bounded by `max_tasks`.
        self.record_functions = True
        self.sibling_functions: set[str] = set()
        self.key_prefix = ""
        self.max_tasks: int | None = None
        self.budget = STATEMENT_BUDGET
        self.truncated: str | None = None
        self.returned: list[DagFact] = []  # DAGs a factory body returns (placeholders for nested factories)

    # --- first pass: module-level declarations --------------------------------------------------------------------

    def collect_declarations(self) -> None:
        definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions.append(node)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                        alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level and self.module:
                    # from .operators import X: relative to this file's package
                    package = self.module.split(".")[:-node.level] if node.level else []
                    module = ".".join([*package, *([module] if module else [])])
                if not module:
                    continue
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{module}.{alias.name}"
        self._bind_module(self.tree.body)
        for node in definitions:
            if isinstance(node, ast.ClassDef):
                self.classes.setdefault(node.name, node)
                self._class_fact(node)
            else:
                self.functions.setdefault(node.name, node)
                self._decorated(node)
        if self.record_functions:
            for node in self.tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._function_fact(node)

    def _function_fact(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A module-level function other files may call as a factory: its source, imports and constants."""
        if len(self.facts.functions) >= MAX_FUNCTIONS or node.name in self.taskflow or \
                node.name in self.task_groups or _is_taskflow_or_dag(node, self):
            return
        if not any(isinstance(n, ast.Call) for n in ast.walk(node)):
            return
        segment = ast.get_source_segment(self.text, node)
        if segment is None or len(segment) > MAX_FUNCTION_SOURCE:
            return
        source = textwrap.dedent(" " * node.col_offset + segment)
        self.facts.functions.append(FunctionFact(
            node.name, self.module, self.location(node), source, node.lineno, dict(self.imports),
            {k: v for k, v in self.constants.items() if _small(v.value)}))

    def _bind_module(self, statements: list[ast.stmt]) -> None:
        """Module-level bindings in order, through if/with/try blocks (not loops or definitions)."""
        for statement in statements:
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    opened = self._opened(item.context_expr)
                    if opened is not None and isinstance(item.optional_vars, ast.Name):
                        self.open_files[item.optional_vars.id] = opened
                self._bind_module(statement.body)
                continue
            if isinstance(statement, ast.If):
                self._bind_module(statement.body)
                self._bind_module(statement.orelse)
                continue
            if isinstance(statement, ast.Try):
                self._bind_module(statement.body)
                self._bind_module(statement.orelse)
                continue
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.assignments[target.id] = statement.value
                        found = self._path(statement.value)
                        if found is not None:
                            self.paths[target.id] = found
            self.bind(statement)

    def _decorated(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        flavour: str | None = None
        flavour_call: ast.Call | None = None
        kwargs: dict[str, Value] = {}
        unknown_spreads: list[str] = []
        names: list[str] = []
        for decorator in function.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = self.qualified(call.func if call else decorator) or ""
            parts = name.split(".")
            if parts[-1] == "task_group":
                found = self.kwargs(call) if call else ({}, [])
                self.task_groups[function.name] = (found[0], function, call)
                return
            if "task" not in parts:
                continue
            index = parts.index("task")
            this = parts[index + 1] if index + 1 < len(parts) else ""
            names.append(f"@task{'.' + this if this else ''}")
            if this in self.cat.taskflow_modifiers:
                continue
            if flavour is None:
                flavour, flavour_call = this, call
                if call is not None:
                    kwargs, unknown_spreads = self.kwargs(call)
        if names:
            self.taskflow[function.name] = (flavour or "", kwargs, function, names, unknown_spreads, flavour_call)

    def _class_fact(self, node: ast.ClassDef) -> None:
        bases = [self.qualified(b) or self.text_of(b) for b in node.bases]
        if not bases:
            return
        init = next((n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.name == "__init__"), None)
        fixed: dict[str, Value] = {}
        deferrable = False
        for child in ast.walk(node):
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "__init__"
                    and isinstance(child.func.value, ast.Call) and dotted(child.func.value.func) == "super"):
                fixed.update(self.kwargs(child)[0])
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "defer" \
                    and dotted(child.func.value) == "self":
                deferrable = True
        init_source = None
        if init is not None:
            segment = ast.get_source_segment(self.text, init)
            if segment is not None:
                init_source = textwrap.dedent(" " * init.col_offset + segment)
            if init_source is not None and len(init_source) > MAX_INIT_SOURCE:
                init_source = None
        self.facts.operator_classes.append(OperatorClass(
            node.name, bases[0], fixed, self.location(node), self.module, bases, dict(self.imports),
            {k: v for k, v in self.constants.items() if _small(v.value)}, init_source,
            init.lineno if init is not None else 1, deferrable))

    # --- paths and sibling config files ---------------------------------------------------------------------------

    def _path(self, node: ast.expr) -> Path | None:
        """A path computed from __file__ (os.path.join(os.path.dirname(__file__), "x.yml"), Path(__file__).parent /
        "x.yml"), as an absolute path; None when it does not start at __file__."""
        if self.absolute is None:
            return None
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return self.absolute
            return self.paths.get(node.id)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self._path(node.value)
            return base.parent if base is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            base = self._path(node.left)
            piece = self.value(node.right)
            if base is not None and isinstance(piece.value, str) and piece.kind == "literal":
                return base / piece.value
            return None
        if isinstance(node, ast.Call):
            func = self.qualified(node.func) or ""
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("resolve", "absolute") and not node.args:
                return self._path(node.func.value)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
                base = self._path(node.func.value)
                return self._joined(base, node.args)
            if func in _PATH_SAME and len(node.args) == 1:
                return self._path(node.args[0])
            if func == "os.path.dirname" and len(node.args) == 1:
                base = self._path(node.args[0])
                return base.parent if base is not None else None
            if func == "os.path.join" and node.args:
                return self._joined(self._path(node.args[0]), node.args[1:])
        return None

    def _joined(self, base: Path | None, pieces: list[ast.expr]) -> Path | None:
        if base is None:
            return None
        for piece in pieces:
            part = self.value(piece)
            if part.kind != "literal" or not isinstance(part.value, str):
                return None
            base = base / part.value
        return base

    def _opened(self, node: ast.expr) -> Path | None:
        if isinstance(node, ast.Call):
            func = self.qualified(node.func) or ""
            if func in ("open", "io.open", "codecs.open") and node.args:
                return self._path(node.args[0])
            if isinstance(node.func, ast.Attribute) and node.func.attr == "open":
                return self._path(node.func.value)
        return None

    def _read_source(self, node: ast.expr) -> Path | None:
        """What a loader reads: an open file, `open(P)`, `P.read_text()`, `open(P).read()`."""
        if isinstance(node, ast.Name) and node.id in self.open_files:
            return self.open_files[node.id]
        opened = self._opened(node)
        if opened is not None:
            return opened
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("read_text", "read", "read_bytes"):
            return self._read_source(node.func.value) or self._path(node.func.value)
        return None

    def _load_config(self, node: ast.Call, line: int) -> Value | None:
        func = self.qualified(node.func) or ""
        if func not in _LOADERS or not node.args:
            return None
        target = self._read_source(node.args[0])
        if target is None:
            return None
        shown = self._shown(target)
        read: dict[str, Any] = {"path": shown, "line": line, "read": False, "reason": None}
        self.facts.config_reads.append(read)
        data = self._read_file(target, read)
        if data is None:
            return Value(unknown(self.text_of(node)), "dynamic", line, origin=shown)
        read["read"] = True
        return Value(data, "literal", line, origin=shown)

    def _shown(self, target: Path) -> str:
        if self.absolute is None:
            return str(target)
        relative = os.path.relpath(os.path.normpath(target), self.absolute.parent)
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.path), relative.replace(os.sep, "/")))

    def _read_file(self, target: Path, read: dict[str, Any]) -> Any:
        try:
            resolved = target.resolve()
            root = (self.root or (self.absolute.parent if self.absolute else None))
            if root is None or not resolved.is_relative_to(root.resolve()):
                read["reason"] = "outside the scanned tree"
                return None
            if not resolved.is_file():
                read["reason"] = "not a regular file"
                return None
            if resolved.stat().st_size > MAX_CONFIG_BYTES:
                read["reason"] = f"larger than {MAX_CONFIG_BYTES} bytes"
                return None
            text = resolved.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            read["reason"] = f"cannot read ({type(exc).__name__})"
            return None
        try:
            if resolved.suffix.lower() == ".json":
                return json.loads(text)
            if resolved.suffix.lower() == ".toml":
                import tomllib
                return tomllib.loads(text)
            from airtf_lint.yamlload import load_untrusted_yaml
            return load_untrusted_yaml(text)
        except Exception as exc:  # noqa: BLE001 - a broken sibling file costs its values only
            read["reason"] = f"cannot parse ({type(exc).__name__})"
            return None

    def _call_value(self, node: ast.Call, env: dict[str, Value], line: int) -> Value:
        loaded = self._load_config(node, line)
        if loaded is not None:
            return loaded
        return super()._call_value(node, env, line)

    def location(self, node: ast.AST) -> Location:
        return Location(self.path, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1,
                        getattr(node, "end_lineno", None), (getattr(node, "end_col_offset", 0) or 0) + 1)

    # --- second pass: DAG bodies --------------------------------------------------------------------------------

    def analyse(self) -> DagFileFacts:
        self.collect_declarations()
        root = _Context(None, None, {})
        self._walk(self.tree.body, root, set())
        return self.facts

    def _walk(self, statements: list[ast.stmt], context: _Context, calling: set[str]) -> None:
        """Statements the DAG processor runs while parsing (module body, DAG bodies, factories called from them)."""
        for statement in statements:
            self.budget -= 1
            if self.budget < 0:
                self.truncated = self.truncated or f"stopped after {STATEMENT_BUDGET} statements"
                return
            self._parse_time_calls(statement, context)
            if isinstance(statement, ast.Return) and statement.value is not None:
                returned = statement.value
                if isinstance(returned, ast.Name) and returned.id in self.dag_variables:
                    self.returned.append(self.dag_variables[returned.id])
                    continue
                if isinstance(returned, ast.Call) and self._is_dag_class(returned.func):
                    self.returned.append(self._dag(returned, context))
                    continue
                for node in _calls_in(statement):
                    self._task_from_call(node, context, calling, "__return__" if node is returned else None)
                continue
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                inner = context
                for item in statement.items:
                    inner = self._enter(item.context_expr, inner, item.optional_vars)
                self._walk(statement.body, inner, calling)
                continue
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                dag = self._dag_decorator(statement, context)
                if dag is not None:
                    inner = _Context(dag, None, dict(dag.default_args), list(dag.default_args_unknown),
                                     dict(context.env), context.depth)
                    self._walk(statement.body, inner, calling)
                continue
            if isinstance(statement, ast.ClassDef):
                continue
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) and \
                    self._is_dag_class(statement.value.func) and len(statement.targets) == 1 and \
                    isinstance(statement.targets[0], ast.Name):
                self.dag_variables[statement.targets[0].id] = self._dag(statement.value, context)
                continue
            if context.depth and isinstance(statement, (ast.Assign, ast.AnnAssign, ast.Expr)):
                # inside a factory: locals it binds (cfg = {...}) are visible to the tasks it builds
                self.bind(statement, context.env, {})
            blocks = _nested_blocks(statement)
            if blocks:
                for block in blocks:
                    self._walk(block, context, calling)
                continue
            assigned = statement.targets[0].id if isinstance(statement, ast.Assign) and \
                len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) and \
                isinstance(statement.value, ast.Call) else None
            for node in _calls_in(statement):
                self._task_from_call(node, context, calling,
                                     assigned if assigned and node is getattr(statement, "value", None) else None)

    def _is_dag_class(self, func: ast.expr) -> bool:
        name = self.qualified(func) or ""
        return name.rsplit(".", 1)[-1] in _DAG_CLASSES and (name.startswith("airflow") or name in _DAG_CLASSES)

    def _default_args(self, call: ast.Call | None, context: _Context) -> tuple[dict[str, Value], list[str]]:
        if call is None:
            return {}, []
        node = next((k.value for k in call.keywords if k.arg == "default_args"), None)
        if node is None:
            # default_args may arrive inside a **spread
            spread = [k.value for k in call.keywords if k.arg is None]
            for value in spread:
                found = self.dict_items(value, context.env)
                if found is not None and "default_args" in found.items:
                    inner = found.items["default_args"].value
                    if isinstance(inner, dict):
                        return ({k: Value(v, "literal", found.items["default_args"].line) for k, v in inner.items()},
                                [])
            return {}, []
        found = self.dict_items(node, context.env)
        if found is None:
            return {}, [self.text_of(node)]
        return found.items, found.unknown_spreads

    def _dag(self, call: ast.Call, context: _Context) -> DagFact:
        kwargs, _ = self.kwargs(call, context.env)
        dag_id = kwargs.get("dag_id")
        if dag_id is None and call.args:
            dag_id = self.value(call.args[0], context.env)
        default_args, unknown_defaults = self._default_args(call, context)
        fact = DagFact(dag_id.value if dag_id and isinstance(dag_id.value, str) else None,
                       default_args, self.location(call),
                       kwargs.get("schedule", kwargs.get("schedule_interval")), unknown_defaults)
        self.facts.dags.append(fact)
        return fact

    def _dag_decorator(self, function: ast.FunctionDef | ast.AsyncFunctionDef, context: _Context) -> DagFact | None:
        for decorator in function.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = self.qualified(call.func if call else decorator) or ""
            if name.rsplit(".", 1)[-1] == "dag":
                if call is None:
                    fact = DagFact(function.name, {}, self.location(function))
                    self.facts.dags.append(fact)
                    return fact
                fact = self._dag(call, context)
                if fact.dag_id is None and not any(k.arg == "dag_id" for k in call.keywords) and not call.args:
                    fact.dag_id = function.name
                return fact
        return None

    def _enter(self, expr: ast.expr, context: _Context, target: ast.expr | None) -> _Context:
        if isinstance(expr, ast.Name) and expr.id in self.dag_variables and expr.id not in context.env:
            dag = self.dag_variables[expr.id]  # dag = DAG(...) then `with dag:`
            return _Context(dag, None, dict(dag.default_args), list(dag.default_args_unknown), context.env,
                            context.depth)
        if not isinstance(expr, ast.Call):
            return context
        factory = self._factory_target(expr.func)
        if factory is not None:
            # with make_dag(...) as dag: the DAG a factory of another file returns (resolved in the model stage)
            recorded = self._record_factory_call(expr, factory, context)
            if recorded is None:
                return context
            placeholder = DagFact(None, {}, self.location(expr), factory=recorded.key)
            if isinstance(target, ast.Name):
                self.dag_variables[target.id] = placeholder
            return _Context(placeholder, None, {}, [], context.env, context.depth)
        name = (self.qualified(expr.func) or "").rsplit(".", 1)[-1]
        if self._is_dag_class(expr.func):
            dag = self._dag(expr, context)
            if isinstance(target, ast.Name):
                self.dag_variables[target.id] = dag
            return _Context(dag, None, dict(dag.default_args), list(dag.default_args_unknown), context.env,
                            context.depth)
        if name == "TaskGroup":
            kwargs, _ = self.kwargs(expr, context.env)
            group_id = kwargs.get("group_id") or (self.value(expr.args[0], context.env) if expr.args else None)
            group = group_id.value if group_id and isinstance(group_id.value, str) else None
            nested = f"{context.group}.{group}" if context.group and group else group
            defaults, unknown_defaults = self._default_args(expr, context)
            return _Context(context.dag, nested, {**context.default_args, **defaults},
                            context.unknown_defaults + unknown_defaults, context.env, context.depth)
        return context

    # --- code run at parse time ----------------------------------------------------------------------------------

    def _parse_time_calls(self, statement: ast.stmt, context: _Context) -> None:
        for node in _own_expressions(statement):
            if not isinstance(node, ast.Call):
                continue
            name = self.qualified(node.func) or ""
            found = self._classify_call(name)
            if found is None:
                continue
            category, cloud = found
            kwargs, _ = self.kwargs(node, context.env)
            conn_id, parameter = None, None
            for key in self.cat.parameters:
                if key in kwargs:
                    conn_id, parameter = kwargs[key], key
                    break
            if category == "connection" and node.args:
                conn_id, parameter = self.value(node.args[0], context.env), "conn_id"
            if category == "variable" and node.args:
                conn_id, parameter = None, None
                kwargs = {"key": self.value(node.args[0], context.env)}
            location = self.location(node)
            if any(c.location == location and c.call == name for c in self.facts.module_calls):
                continue  # a factory called twice runs the same line twice: one fact
            self.facts.module_calls.append(ModuleCall(name, category, cloud, location, conn_id, parameter, kwargs))

    def _classify_call(self, name: str) -> tuple[str, str | None] | None:
        if not name:
            return None
        for spec in self.cat.parse_time_calls:
            if name.startswith(spec["prefix"]):
                return spec["category"], spec.get("cloud")
        owner, _, method = name.rpartition(".")
        short_owner = owner.rsplit(".", 1)[-1]
        for pattern, category in self.cat.parse_time_methods.items():
            cls, _, meth = pattern.partition(".")
            if method == meth and (short_owner == cls or (cls == "BaseHook" and short_owner.endswith("Hook"))):
                if owner.startswith("airflow") or owner == short_owner:
                    return category, None
        short = name.rsplit(".", 1)[-1]
        if short.endswith("Hook") and short != "BaseHook" and (name.startswith("airflow") or short[:1].isupper()):
            module = name.rpartition(".")[0]
            provider = self.cat.provider_of(module)
            cloud = None
            if provider is not None:
                cloud = next((p["cloud"] for p in self.cat.parameters.values() if p["provider"] == provider), None)
            return "hook", cloud
        return None

    # --- tasks ----------------------------------------------------------------------------------------------------

    def _task_from_call(self, call: ast.Call, context: _Context, calling: set[str],
                        assigned: str | None = None) -> None:
        func = call.func
        mapped = False
        extra: dict[str, Value] = {}
        spreads: list[str] = []
        # Op.partial(**static).expand(**mapped) and fn.partial(...).expand(...)
        if isinstance(func, ast.Attribute) and func.attr in ("expand", "expand_kwargs") and \
                isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Attribute) and \
                func.value.func.attr == "partial":
            mapped = True
            extra, spreads = self.kwargs(func.value, context.env)
            call, func = func.value, func.value.func.value
        elif isinstance(func, ast.Attribute) and func.attr == "partial":
            return  # counted with its .expand()
        # fn.override(**kwargs)(...)
        if isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "override":
            more, more_spreads = self.kwargs(func, context.env)
            extra, spreads = {**extra, **more}, spreads + more_spreads
            func = func.func.value
        name = self.qualified(func) if not isinstance(func, ast.Call) else None
        if name is None:
            return
        short = name.rsplit(".", 1)[-1]
        local = func.id if isinstance(func, ast.Name) else None
        if local in self.taskflow and context.dag is not None:
            self._taskflow_task(local, call, extra, mapped, context)
            return
        if local in self.task_groups and local not in calling:
            kwargs, function, decorator = self.task_groups[local]
            group_id = kwargs.get("group_id")
            group = group_id.value if group_id and isinstance(group_id.value, str) else local
            nested = f"{context.group}.{group}" if context.group else group
            defaults, unknown_defaults = self._default_args(decorator, context)
            inner = _Context(context.dag, nested, {**context.default_args, **defaults},
                             context.unknown_defaults + unknown_defaults,
                             self._bind_arguments(function, call, context), context.depth + 1)
            self._walk(function.body, inner, calling | {local})
            return
        if local in self.functions and local not in self.classes and local not in calling and \
                context.depth < MAX_INLINE_DEPTH:
            # A factory (or create_dag()) called while the DAG is built: its body runs now.
            function = self.functions[local]
            if not _is_taskflow_or_dag(function, self):
                inner = _Context(context.dag, context.group, dict(context.default_args),
                                 list(context.unknown_defaults), self._bind_arguments(function, call, context),
                                 context.depth + 1)
                self._walk(function.body, inner, calling | {local})
                return
        has_task_id = any(k.arg == "task_id" for k in call.keywords)
        factory = self._factory_target(func) if not mapped else None
        if factory is not None:
            recorded = self._record_factory_call(call, factory, context)
            if recorded is not None and assigned is not None:
                placeholder = DagFact(None, {}, self.location(call), factory=recorded.key)
                if assigned == "__return__":
                    self.returned.append(placeholder)
                else:
                    self.dag_variables[assigned] = placeholder
            if not has_task_id:
                return
        if short in _NOT_TASKS or short.endswith(("Hook", "Trigger")):
            return
        if local in self.classes:
            self._operator_task(f"{self.module}.{short}" if self.module else short, call, extra, spreads, mapped,
                                context, "subclass")
        elif _looks_like_operator(short):
            by = "catalogue" if name.startswith("airflow.") else "suffix"
            self._operator_task(name, call, extra, spreads, mapped, context, by)
        elif has_task_id and (short[:1].isupper() or name != short or name.startswith("airflow.")):
            # Any class (or imported factory) given task_id=: resolved in the model stage, or named as unresolved.
            by = "catalogue" if name.startswith("airflow.") else "task_id"
            self._operator_task(name, call, extra, spreads, mapped, context, by)

    def _factory_target(self, func: ast.expr) -> str | None:
        """The qualified name of a function that may be a factory defined in another file of the repository (or,
        for a factory evaluated in the model stage, another function of its own file); None for anything else."""
        name = dotted(func)
        if name is None:
            return None
        head = name.split(".")[0]
        short = name.rsplit(".", 1)[-1]
        if head == name and head in self.sibling_functions and head not in self.functions:
            return f"{self.module}.{head}" if self.module else head
        if head not in self.imports or head in self.functions or head in self.classes:
            return None
        qualified = self.qualified(func) or name
        if qualified.split(".")[0] in _NOT_FACTORY_ROOTS or qualified.startswith("astronomer.providers"):
            return None
        if short in _NOT_TASKS or short.endswith(("Hook", "Trigger")) or _looks_like_operator(short):
            return None
        if not (short[:1].islower() or short[:1] == "_"):
            return None
        return qualified

    def _record_factory_call(self, call: ast.Call, target: str, context: _Context) -> FactoryCall | None:
        if len(self.facts.factory_calls) >= MAX_FACTORY_CALLS:
            return None
        arguments, spreads = self.kwargs(call, context.env)
        positional: list[Value] = []
        dags: dict[str, DagFact] = {}
        for index, node in enumerate(call.args):
            if isinstance(node, ast.Starred):
                spreads.append(self.text_of(node))
                break
            positional.append(self.value(node, context.env))
            if isinstance(node, ast.Name) and node.id in self.dag_variables:
                dags[f"#{index}"] = self.dag_variables[node.id]
        for keyword in call.keywords:
            if keyword.arg is not None and isinstance(keyword.value, ast.Name) and \
                    keyword.value.id in self.dag_variables:
                dags[keyword.arg] = self.dag_variables[keyword.value.id]
        location = self.location(call)
        key = f"{self.key_prefix}{location.path}:{location.line}:{location.column}"
        fact = FactoryCall(target, self.module, arguments, positional, spreads, location, key, context.dag,
                           context.group, dict(context.default_args), list(context.unknown_defaults), dags)
        self.facts.factory_calls.append(fact)
        return fact

    def _bind_arguments(self, function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call,
                        context: _Context) -> dict[str, Value]:
        """A local scope for a function's body: the call's arguments over the parameters' defaults."""
        env = dict(context.env)
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
        for parameter, default in zip(positional, defaults):
            env[parameter.arg] = self.value(default, context.env) if default is not None else \
                self.dynamic(parameter)
        for parameter, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
            env[parameter.arg] = self.value(default, context.env) if default is not None else \
                self.dynamic(parameter)
        for parameter, node in zip(positional, call.args):
            if isinstance(node, ast.Starred):
                break
            env[parameter.arg] = self.value(node, context.env)
        for keyword in call.keywords:
            if keyword.arg is not None:
                env[keyword.arg] = self.value(keyword.value, context.env)
        return env

    def _operator_task(self, name: str, call: ast.Call, extra: dict[str, Value], spreads: list[str], mapped: bool,
                       context: _Context, recognised_by: str) -> None:
        own, own_spreads = self.kwargs(call, context.env)
        kwargs = {**extra, **own}
        spreads = spreads + own_spreads
        dag = context.dag
        if dag is None and "dag" in kwargs:
            dag_node = next((k.value for k in call.keywords if k.arg == "dag"), None)  # None: from a **spread
            dag = self.dag_variables.get(dotted(dag_node) or "") if dag_node is not None else None
            if dag is not None:
                context = _Context(dag, None, dict(dag.default_args), list(dag.default_args_unknown), context.env,
                                   context.depth)
        if dag is None:
            return
        task_id = kwargs.get("task_id")
        module, _, short = name.rpartition(".")
        kwargs.pop("default_args", None)
        own_defaults, own_unknown = self._default_args(call, context)
        task = TaskFact(dag.dag_id, _prefixed(context.group, task_id.value if task_id else None),
                        short, module or None, "operator", kwargs,
                        {**context.default_args, **own_defaults}, context.group, mapped, self.location(call),
                        recognised_by=recognised_by,
                        default_args_unknown=context.unknown_defaults + own_unknown + spreads,
                        dag_factory=dag.factory)
        if call.args:
            task.arguments["__args__"] = Value([self.value(a, context.env).value for a in call.args
                                                if not isinstance(a, ast.Starred)], "dynamic", call.lineno)
        override = self._pod_override_account(call, context)
        if override is not None:
            task.arguments["__executor_service_account__"] = override
        callable_node = next((k.value for k in call.keywords if k.arg == "python_callable"), None)
        if isinstance(callable_node, ast.Name) and callable_node.id in self.functions:
            task.hooks = self._hooks(self.functions[callable_node.id], dag.dag_id, task.task_id)
            task.commands = self._commands(self.functions[callable_node.id])
        task.delegated = self._delegated(call, context)
        self._append_task(task)

    def _append_task(self, task: TaskFact) -> None:
        if self.max_tasks is not None and len(self.facts.tasks) >= self.max_tasks:
            self.truncated = self.truncated or f"more than {self.max_tasks} tasks"
            return
        self.facts.tasks.append(task)

    def _pod_override_account(self, call: ast.Call, context: _Context) -> Value | None:
        """KubernetesExecutor: executor_config={"pod_override": V1Pod(spec=V1PodSpec(service_account_name=...))}
        runs this task's worker pod as another Kubernetes service account."""
        config = next((k.value for k in call.keywords if k.arg == "executor_config"), None)
        if isinstance(config, ast.Name) and config.id in self.assignments:
            config = self.assignments[config.id]
        if config is None:
            return None
        for node in ast.walk(config):
            if isinstance(node, ast.keyword) and node.arg == "service_account_name":
                return self.value(node.value, context.env)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value in ("service_account_name", "serviceAccountName"):
                        return self.value(value, context.env)
        return None

    def _delegated(self, call: ast.Call, context: _Context) -> list[dict[str, Any]]:
        """Identities the task hands to a service, anywhere in its arguments: dict keys and keyword arguments of
        nested calls (ClusterGenerator(service_account=...)), following names to their module-level value."""
        found: list[dict[str, Any]] = []
        seen: set[int] = set()

        def visit(node: ast.AST, path: list[str], depth: int) -> None:
            if depth > 12 or id(node) in seen:
                return
            seen.add(id(node))
            if isinstance(node, ast.Name):
                if node.id in self.assignments and node.id not in context.env:
                    visit(self.assignments[node.id], path, depth + 1)
                return
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if key is None:
                        visit(value, path, depth + 1)
                        continue
                    label = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
                    if label is None:
                        continue
                    if _delegated_key(label, self.cat):
                        found.append(self._delegated_row([*path, label], value, context))
                    else:
                        visit(value, [*path, label], depth + 1)
                return
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg is None:
                        visit(keyword.value, path, depth + 1)
                    elif _delegated_key(keyword.arg, self.cat):
                        found.append(self._delegated_row([*path, keyword.arg], keyword.value, context))
                    else:
                        visit(keyword.value, [*path, keyword.arg], depth + 1)
                for argument in node.args:
                    visit(argument, path, depth + 1)
                if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
                    visit(node.func.value, path, depth + 1)  # ClusterGenerator(...).make()
                return
            if isinstance(node, (ast.List, ast.Tuple)):
                for element in node.elts:
                    visit(element, path, depth + 1)

        for keyword in call.keywords:
            if keyword.arg in _NOT_DELEGATING:
                continue
            if keyword.arg is None:
                visit(keyword.value, [], 0)
            elif _delegated_key(keyword.arg, self.cat):
                found.append(self._delegated_row([keyword.arg], keyword.value, context))
            else:
                visit(keyword.value, [keyword.arg], 0)
        return found

    def _delegated_row(self, path: list[str], node: ast.expr, context: _Context) -> dict[str, Any]:
        value = self.value(node, context.env)
        return {"argument": ".".join(path), "key": path[-1], **value.to_dict()}

    def _taskflow_task(self, function_name: str, call: ast.Call, extra: dict[str, Value], mapped: bool,
                       context: _Context) -> None:
        flavour, decorator_kwargs, function, names, unknown_spreads, decorator = self.taskflow[function_name]
        kwargs = {**decorator_kwargs, **extra}
        task_id = kwargs.get("task_id")
        kwargs.pop("default_args", None)
        own_defaults, own_unknown = self._default_args(decorator, context)
        unknown_spreads = unknown_spreads + own_unknown
        task = TaskFact(context.dag.dag_id if context.dag else None,
                        _prefixed(context.group, task_id.value if task_id else function_name),
                        f"@task{'.' + flavour if flavour else ''}", None, "taskflow", kwargs,
                        {**context.default_args, **own_defaults}, context.group, mapped, self.location(call),
                        recognised_by="taskflow", default_args_unknown=context.unknown_defaults + unknown_spreads,
                        decorators=names, dag_factory=context.dag.factory if context.dag else None)
        task.hooks = self._hooks(function, task.dag_id, task.task_id)
        task.commands = self._commands(function)
        self._append_task(task)

    def _commands(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Value]:
        """Commands the task's code runs through subprocess (`subprocess.run(["terraform", "apply"])`), and the
        command string a @task.bash function returns."""
        commands = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and node.args:
                name = self.qualified(node.func) or ""
                if name.startswith("subprocess.") or name in ("os.system", "os.popen"):
                    commands.append(self.value(node.args[0]))
            elif isinstance(node, ast.Return) and node.value is not None:
                value = self.value(node.value)
                if isinstance(value.value, str):
                    commands.append(value)
        return commands

    def _hooks(self, function: ast.FunctionDef | ast.AsyncFunctionDef, dag_id: str | None,
               task_id: str | None) -> list[TaskFact]:
        hooks = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                name = self.qualified(node.func) or ""
                short = name.rsplit(".", 1)[-1]
                if short.endswith("Hook") and short != "BaseHook":
                    module = name.rpartition(".")[0] or None
                    hooks.append(TaskFact(dag_id, task_id, short, module, "hook", self.kwargs(node)[0], {}, None,
                                          False, self.location(node)))
        return hooks


def _small(value: Any) -> bool:
    try:
        return len(json.dumps(value, default=str)) <= 20_000
    except (TypeError, ValueError, RecursionError):
        return False


def _delegated_key(key: str, cat: Any) -> bool:
    normal = key.replace("_", "").replace("-", "").lower()
    spec = cat.delegated_identities
    return normal in (spec.get("aws") or ()) or normal in (spec.get("gcp") or ())


def _is_taskflow_or_dag(function: ast.FunctionDef | ast.AsyncFunctionDef, analyser: DagAnalyser) -> bool:
    return function.name in analyser.taskflow or function.name in analyser.task_groups or any(
        (analyser.qualified(d.func if isinstance(d, ast.Call) else d) or "").rsplit(".", 1)[-1] == "dag"
        for d in function.decorator_list)


def _looks_like_operator(name: str) -> bool:
    return name.endswith(("Operator", "Sensor", "OperatorAsync", "SensorAsync")) and \
        name not in ("BaseOperator", "BaseSensorOperator")


def _prefixed(group: str | None, task_id: Any) -> str | None:
    if not isinstance(task_id, str):
        return None
    return f"{group}.{task_id}" if group else task_id


def _calls_in(statement: ast.stmt) -> list[ast.Call]:
    """Outermost calls of a statement (so `a.partial().expand()` is seen once), skipping nested blocks."""
    found: list[ast.Call] = []
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            found.append(node)
            stack.extend(node.args)
            stack.extend(k.value for k in node.keywords)
            continue
        if isinstance(node, (ast.stmt, ast.Lambda)) and node is not statement:
            continue
        stack.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def _own_expressions(statement: ast.stmt) -> list[ast.AST]:
    """Every node of a statement that runs with it: not its nested blocks, definitions or lambdas."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [d for decorator in statement.decorator_list for d in ast.walk(decorator)]
    out: list[ast.AST] = []
    stack: list[ast.AST] = []
    for name, value in ast.iter_fields(statement):
        if name in ("body", "orelse", "finalbody", "handlers"):
            continue
        if isinstance(value, ast.AST):
            stack.append(value)
        elif isinstance(value, list):
            stack.extend(v for v in value if isinstance(v, ast.AST))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Lambda, ast.stmt)):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _nested_blocks_of(statement: ast.AST) -> list[list[ast.stmt]]:
    blocks = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(statement, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            blocks.append(value)
    for handler in getattr(statement, "handlers", []) or []:
        blocks.append(handler.body)
    return blocks


def _nested_blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(statement, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try)):
        return _nested_blocks_of(statement)
    return []


def collect_classes(tree: ast.Module, text: str, path: str) -> DagFileFacts:
    """A Python module that is not a DAG: only the classes it defines (operators DAGs elsewhere instantiate)."""
    analyser = DagAnalyser(tree, text, path)
    analyser.collect_declarations()
    facts = DagFileFacts()
    facts.operator_classes = analyser.facts.operator_classes
    facts.functions = analyser.facts.functions
    return facts


def analyse_dag(tree: ast.Module, text: str, path: str, absolute: Path | None = None,
                root: Path | None = None) -> DagFileFacts:
    return DagAnalyser(tree, text, path, absolute, root).analyse()
