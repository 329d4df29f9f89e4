"""Static analysis of one DAG file: DAGs, task groups, tasks and the arguments that decide their identity.

The file is read with Python's `ast`; nothing is imported or run. Callees are resolved through the file's imports
and aliases (Airflow 2 and 3 paths alike). Tasks come from operator instantiations (also `.partial().expand()`),
TaskFlow functions (`@task`, `@task.kubernetes(...)`, `.override()`), and in-file operator subclasses whose
`super().__init__` fixes arguments. default_args merge DAG <- TaskGroup <- task, by exact parameter name. Hooks
built inside TaskFlow bodies and python_callables are recorded too: they never see default_args.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from airtf_lint.facts import (
    DagFact,
    DagFileFacts,
    Location,
    OperatorClass,
    TaskFact,
    Value,
    unknown,
)

MAX_TEXT = 200
_ENV_GETTERS = {("os", "getenv"), ("os.environ", "get"), ("environ", "get")}


@dataclass
class _Context:
    dag: DagFact | None
    group: str | None
    default_args: dict[str, Value]


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class DagAnalyser:
    def __init__(self, tree: ast.Module, text: str, path: str) -> None:
        self.tree, self.text, self.path = tree, text, path
        self.imports: dict[str, str] = {}  # local name -> fully qualified name
        self.constants: dict[str, Value] = {}
        self.taskflow: dict[str, tuple[str, dict[str, Value], ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.task_groups: dict[str, tuple[dict[str, Value], ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.subclasses: dict[str, tuple[str, dict[str, Value]]] = {}  # class -> (operator base, fixed kwargs)
        self.dag_variables: dict[str, DagFact] = {}
        self.facts = DagFileFacts()

    # --- names and values ------------------------------------------------------------------------------------------

    def qualified(self, node: ast.expr) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.imports:
            return self.imports[head] + (f".{rest}" if rest else "")
        return dotted

    def value(self, node: ast.expr) -> Value:
        line = getattr(node, "lineno", 1)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and "{{" in node.value:
                return Value(node.value, "template", line)
            return Value(node.value if isinstance(node.value, (str, int, float, bool, type(None))) else repr(node.value),
                         "literal", line)
        if isinstance(node, ast.Name) and node.id in self.constants:
            constant = self.constants[node.id]
            return Value(constant.value, constant.kind, constant.line, constant.env_var)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for piece in node.values:
                if isinstance(piece, ast.Constant):
                    parts.append(str(piece.value))
                elif isinstance(piece, ast.FormattedValue):
                    inner = self.value(piece.value)
                    if inner.kind != "literal" or isinstance(inner.value, (dict, list)):
                        return Value(unknown(self._text(node)), "dynamic", line)
                    parts.append(str(inner.value))
            joined = "".join(parts)
            return Value(joined, "template" if "{{" in joined else "literal", line)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.value(e) for e in node.elts]
            kind = "literal" if all(i.kind == "literal" for i in items) else "dynamic"
            return Value([i.value for i in items], kind, line)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                return Value(unknown(self._text(node)), "dynamic", line)
            keys = [self.value(k) for k in node.keys if k is not None]
            values = [self.value(v) for v in node.values]
            if any(k.kind != "literal" or not isinstance(k.value, str) for k in keys):
                return Value(unknown(self._text(node)), "dynamic", line)
            kind = "literal" if all(v.kind == "literal" for v in values) else "dynamic"
            return Value({k.value: v.value for k, v in zip(keys, values)}, kind, line)
        if isinstance(node, ast.Call):
            return self._call_value(node, line)
        return Value(unknown(self._text(node)), "dynamic", line)

    def _call_value(self, node: ast.Call, line: int) -> Value:
        func = self.qualified(node.func) or ""
        owner, _, attr = func.rpartition(".")
        if (owner, attr) in _ENV_GETTERS or func in ("os.getenv", "os.environ.get"):
            name = self.value(node.args[0]) if node.args else None
            default = self.value(node.args[1]) if len(node.args) > 1 else None
            for keyword in node.keywords:
                if keyword.arg == "default":
                    default = self.value(keyword.value)
            env_var = name.value if name is not None and isinstance(name.value, str) else None
            return Value(default.value if default is not None else None, "env_default", line, env_var)
        return Value(unknown(self._text(node)), "dynamic", line)

    def kwargs(self, call: ast.Call) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for keyword in call.keywords:
            if keyword.arg is None:
                expanded = self.value(keyword.value)
                if isinstance(expanded.value, dict) and expanded.kind == "literal":
                    out.update({k: Value(v, "literal", expanded.line) for k, v in expanded.value.items()})
                continue
            out[keyword.arg] = self.value(keyword.value)
        return out

    def _text(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.text, node) or ""
        return segment[:MAX_TEXT]

    def location(self, node: ast.AST) -> Location:
        return Location(self.path, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1,
                        getattr(node, "end_lineno", None), (getattr(node, "end_col_offset", 0) or 0) + 1)

    # --- first pass: module-level declarations --------------------------------------------------------------------

    def collect_declarations(self) -> None:
        # One walk: imports are gathered first because functions and classes are read through them.
        definitions: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions.append(node)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                        alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.constants[node.targets[0].id] = self.value(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.constants[node.target.id] = self.value(node.value)
        for node in definitions:
            if isinstance(node, ast.ClassDef):
                self._subclass(node)
            else:
                self.functions.setdefault(node.name, node)
                self._decorated(node)

    def _decorated(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in function.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = self.qualified(call.func if call else decorator) or ""
            kwargs = self.kwargs(call) if call else {}
            parts = name.split(".")
            if "task" in parts and parts[-1] != "task_group":
                flavour = parts[parts.index("task") + 1] if parts.index("task") + 1 < len(parts) else ""
                self.taskflow[function.name] = (flavour, kwargs, function)
            elif parts[-1] == "task_group":
                self.task_groups[function.name] = (kwargs, function)

    def _subclass(self, node: ast.ClassDef) -> None:
        bases = [self.qualified(b) or "" for b in node.bases]
        base = next((b for b in bases if _looks_like_operator(b.rsplit(".", 1)[-1])), None)
        if base is None:
            return
        fixed: dict[str, Value] = {}
        for child in ast.walk(node):
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "__init__"
                    and isinstance(child.func.value, ast.Call) and _dotted(child.func.value.func) == "super"):
                fixed.update(self.kwargs(child))
        self.subclasses[node.name] = (base, fixed)
        self.facts.operator_classes.append(OperatorClass(node.name, base, fixed, self.location(node)))

    # --- second pass: DAG bodies --------------------------------------------------------------------------------

    def analyse(self) -> DagFileFacts:
        self.collect_declarations()
        root = _Context(None, None, {})
        self._walk(self.tree.body, root, set())
        return self.facts

    def _walk(self, statements: list[ast.stmt], context: _Context, calling: set[str]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.With, ast.AsyncWith)):
                inner = context
                for item in statement.items:
                    inner = self._enter(item.context_expr, inner, item.optional_vars)
                self._walk(statement.body, inner, calling)
                continue
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                dag = self._dag_decorator(statement)
                if dag is not None:
                    self._walk(statement.body, _Context(dag, None, dag.default_args), calling)
                continue
            if isinstance(statement, ast.ClassDef):
                continue
            if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) and \
                    self._is_dag_class(statement.value.func) and len(statement.targets) == 1 and \
                    isinstance(statement.targets[0], ast.Name):
                self.dag_variables[statement.targets[0].id] = self._dag(statement.value)
                continue
            blocks = _nested_blocks(statement)
            if blocks:
                for block in blocks:
                    self._walk(block, context, calling)
                continue
            for node in _calls_in(statement):
                self._task_from_call(node, context, calling)

    def _is_dag_class(self, func: ast.expr) -> bool:
        name = self.qualified(func) or ""
        return name.rsplit(".", 1)[-1] == "DAG" and (name.startswith("airflow") or name == "DAG")

    def _dag(self, call: ast.Call) -> DagFact:
        kwargs = self.kwargs(call)
        dag_id = kwargs.get("dag_id")
        if dag_id is None and call.args:
            dag_id = self.value(call.args[0])
        default_args = kwargs.get("default_args")
        fact = DagFact(dag_id.value if dag_id and isinstance(dag_id.value, str) else None,
                       _as_arguments(default_args), self.location(call),
                       kwargs.get("schedule", kwargs.get("schedule_interval")))
        self.facts.dags.append(fact)
        return fact

    def _dag_decorator(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> DagFact | None:
        for decorator in function.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            name = self.qualified(call.func if call else decorator) or ""
            if name.rsplit(".", 1)[-1] == "dag":
                if call is None:
                    fact = DagFact(function.name, {}, self.location(function))
                    self.facts.dags.append(fact)
                    return fact
                fact = self._dag(call)
                if fact.dag_id is None:
                    fact.dag_id = function.name
                return fact
        return None

    def _enter(self, expr: ast.expr, context: _Context, target: ast.expr | None) -> _Context:
        if not isinstance(expr, ast.Call):
            return context
        name = (self.qualified(expr.func) or "").rsplit(".", 1)[-1]
        if self._is_dag_class(expr.func):
            dag = self._dag(expr)
            if isinstance(target, ast.Name):
                self.dag_variables[target.id] = dag
            return _Context(dag, None, dict(dag.default_args))
        if name == "TaskGroup":
            kwargs = self.kwargs(expr)
            group_id = kwargs.get("group_id") or (self.value(expr.args[0]) if expr.args else None)
            group = group_id.value if group_id and isinstance(group_id.value, str) else None
            nested = f"{context.group}.{group}" if context.group and group else group
            return _Context(context.dag, nested, {**context.default_args, **_as_arguments(kwargs.get("default_args"))})
        return context

    # --- tasks ----------------------------------------------------------------------------------------------------

    def _task_from_call(self, call: ast.Call, context: _Context, calling: set[str]) -> None:
        func = call.func
        mapped = False
        extra: dict[str, Value] = {}
        # Op.partial(**static).expand(**mapped) and fn.partial(...).expand(...)
        if isinstance(func, ast.Attribute) and func.attr in ("expand", "expand_kwargs") and \
                isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Attribute) and \
                func.value.func.attr == "partial":
            mapped = True
            extra = self.kwargs(func.value)
            call, func = func.value, func.value.func.value
        elif isinstance(func, ast.Attribute) and func.attr == "partial":
            return  # counted with its .expand()
        # fn.override(**kwargs)(...)
        if isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "override":
            extra = {**extra, **self.kwargs(func)}
            func = func.func.value
        name = self.qualified(func) if not isinstance(func, ast.Call) else None
        if name is None:
            return
        short = name.rsplit(".", 1)[-1]
        if isinstance(func, ast.Name) and func.id in self.taskflow and context.dag is not None:
            self._taskflow_task(func.id, call, extra, mapped, context)
        elif isinstance(func, ast.Name) and func.id in self.task_groups and func.id not in calling:
            kwargs, function = self.task_groups[func.id]
            group_id = kwargs.get("group_id")
            group = group_id.value if group_id and isinstance(group_id.value, str) else func.id
            nested = f"{context.group}.{group}" if context.group else group
            inner = _Context(context.dag, nested, {**context.default_args, **_as_arguments(kwargs.get("default_args"))})
            self._walk(function.body, inner, calling | {func.id})
        elif short in self.subclasses:
            base, fixed = self.subclasses[short]
            self._operator_task(base, call, {**fixed, **extra}, mapped, context, subclass=short)
        elif _looks_like_operator(short):
            # Airflow's own operators and the repository's (resolved across files in the model stage).
            self._operator_task(name, call, extra, mapped, context)

    def _operator_task(self, name: str, call: ast.Call, extra: dict[str, Value], mapped: bool, context: _Context,
                       subclass: str | None = None) -> None:
        kwargs = {**extra, **self.kwargs(call)}
        dag = context.dag
        if dag is None and "dag" in kwargs:
            dag_node = next(k.value for k in call.keywords if k.arg == "dag")
            dag = self.dag_variables.get(_dotted(dag_node) or "")
            if dag is not None:
                context = _Context(dag, None, dict(dag.default_args))
        if dag is None:
            return
        task_id = kwargs.get("task_id")
        module, _, short = name.rpartition(".")
        own_defaults = _as_arguments(kwargs.pop("default_args", None))
        task = TaskFact(dag.dag_id, _prefixed(context.group, task_id.value if task_id else None),
                        subclass or short, module or None, "operator", kwargs,
                        {**context.default_args, **own_defaults}, context.group, mapped, self.location(call))
        if subclass:
            task.arguments.setdefault("__base__", Value(name, "literal", call.lineno))
        override = self._pod_override_account(call)
        if override is not None:
            task.arguments["__executor_service_account__"] = override
        callable_node = next((k.value for k in call.keywords if k.arg == "python_callable"), None)
        if isinstance(callable_node, ast.Name) and callable_node.id in self.functions:
            task.hooks = self._hooks(self.functions[callable_node.id], dag.dag_id, task.task_id)
            task.commands = self._commands(self.functions[callable_node.id])
        self.facts.tasks.append(task)

    def _pod_override_account(self, call: ast.Call) -> Value | None:
        """KubernetesExecutor: executor_config={"pod_override": V1Pod(spec=V1PodSpec(service_account_name=...))}
        runs this task's worker pod as another Kubernetes service account."""
        config = next((k.value for k in call.keywords if k.arg == "executor_config"), None)
        if config is None:
            return None
        for node in ast.walk(config):
            if isinstance(node, ast.keyword) and node.arg == "service_account_name":
                return self.value(node.value)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value in ("service_account_name", "serviceAccountName"):
                        return self.value(value)
        return None

    def _taskflow_task(self, function_name: str, call: ast.Call, extra: dict[str, Value], mapped: bool,
                       context: _Context) -> None:
        flavour, decorator_kwargs, function = self.taskflow[function_name]
        kwargs = {**decorator_kwargs, **extra}
        task_id = kwargs.get("task_id")
        own_defaults = _as_arguments(kwargs.pop("default_args", None))
        task = TaskFact(context.dag.dag_id if context.dag else None,
                        _prefixed(context.group, task_id.value if task_id else function_name),
                        f"@task{'.' + flavour if flavour else ''}", None, "taskflow", kwargs,
                        {**context.default_args, **own_defaults}, context.group, mapped, self.location(call))
        task.hooks = self._hooks(function, task.dag_id, task.task_id)
        task.commands = self._commands(function)
        self.facts.tasks.append(task)

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
                    hooks.append(TaskFact(dag_id, task_id, short, module, "hook", self.kwargs(node), {}, None, False,
                                          self.location(node)))
        return hooks


def _looks_like_operator(name: str) -> bool:
    return name.endswith(("Operator", "Sensor")) and name not in ("BaseOperator", "BaseSensorOperator")


def _prefixed(group: str | None, task_id: Any) -> str | None:
    if not isinstance(task_id, str):
        return None
    return f"{group}.{task_id}" if group else task_id


def _as_arguments(value: Value | None) -> dict[str, Value]:
    if value is None or not isinstance(value.value, dict) or value.kind not in ("literal", "env_default"):
        return {}
    return {k: Value(v, "literal", value.line) for k, v in value.value.items()}


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


def analyse_dag(tree: ast.Module, text: str, path: str) -> DagFileFacts:
    return DagAnalyser(tree, text, path).analyse()
