"""DAG factories across the repository: a DAG file that calls a function imported from another of its modules
(`DAG = build_export_dag(dag_id=..., ...)`, `create_python_task(dag, "load", load)`, `with make_dag(...) as dag:`)
gets the tasks that function builds.

The parse stage records each file's module-level functions (source, imports, constants) and each DAG file's calls
to imported functions with their arguments evaluated at the call site (facts.FunctionFact, facts.FactoryCall).
This model stage finds the function a call refers to (by import path and name, as classes.py finds classes), and
runs the DAG analysis over its body with the parameters bound to the call's arguments (and their defaults): the
tasks it builds are located at the factory's lines in its own file, and belong to the DAG the call makes them in,
or to the DAG the factory itself creates (its dag_id from the call's arguments). A DAG the factory returns is the
DAG of the name the call is assigned to. Factories calling factories are followed to MAX_CALL_DEPTH; the tasks
per call and in total, and the calls followed, are bounded: past a bound the call is reported as not followed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Any

from airtf_lint.airflow.classes import _module_match, is_airflow
from airtf_lint.airflow.pyeval import DictItems
from airtf_lint.facts import DagFact, FactoryCall, FileFacts, FunctionFact, Location, ModuleCall, TaskFact, Value, \
    unknown

MAX_CALL_DEPTH = 4  # factory -> factory -> ...
MAX_TASKS_PER_CALL = 500
MAX_TOTAL_TASKS = 20_000
MAX_EXPANSIONS = 2_000  # factory calls evaluated in one run
MAX_STATEMENTS_PER_CALL = 20_000


class FunctionIndex:
    def __init__(self, all_facts: list[FileFacts]) -> None:
        self.by_name: dict[str, list[FunctionFact]] = {}
        self.by_module: dict[str | None, set[str]] = {}
        for facts in all_facts:
            if facts.dag is None:
                continue
            for function in facts.dag.functions:
                self.by_name.setdefault(function.name, []).append(function)
                self.by_module.setdefault(function.module, set()).add(function.name)

    def find(self, qualified: str, near: str | None = None) -> FunctionFact | None:
        module, _, name = qualified.rpartition(".")
        candidates = self.by_name.get(name) or []
        if not candidates or (is_airflow(qualified) and module):
            return None
        module = module or near or ""
        best, best_score = None, 0
        for function in candidates:
            score = _module_match(module, function.module or "")
            if score > best_score:
                best, best_score = function, score
        return best  # never by name alone: a same-named function of another module is not this one


@dataclass
class Expansion:
    tasks: list[TaskFact] = field(default_factory=list)
    dags: list[DagFact] = field(default_factory=list)
    module_calls: dict[str, list[ModuleCall]] = field(default_factory=dict)  # DAG file path -> calls run at parse
    calls: list[dict[str, Any]] = field(default_factory=list)  # per factory call of a DAG file: followed or why not
    replaced: set[tuple[str, int, int]] = field(default_factory=set)  # placeholder tasks of followed calls
    produced: dict[str, DagFact] = field(default_factory=dict)  # factory call key -> the DAG it returns


class _Run:
    def __init__(self, index: FunctionIndex) -> None:
        self.index = index
        self.out = Expansion()
        self.produced = self.out.produced
        self.expansions = 0
        self.total_tasks = 0

    def follow(self, call: FactoryCall, origin: Location, depth: int,
               stack: tuple[str, ...]) -> tuple[int, str | None, bool]:
        """Evaluate one call: (tasks built, why something was not followed, whether it is a repository function)."""
        function = self.index.find(call.function, call.near)
        if function is None:
            return 0, None, False
        ident = f"{function.module}.{function.name}"
        if ident in stack:
            return 0, f"{function.name} calls itself (recursion is not followed)", True
        if depth > MAX_CALL_DEPTH:
            return 0, f"factories nested deeper than {MAX_CALL_DEPTH} calls", True
        if self.expansions >= MAX_EXPANSIONS:
            return 0, f"more than {MAX_EXPANSIONS} factory calls in the repository", True
        if self.total_tasks >= MAX_TOTAL_TASKS:
            return 0, f"more than {MAX_TOTAL_TASKS} tasks built by factories", True
        self.expansions += 1
        from airtf_lint.airflow.dag_analysis import DagAnalyser, _Context

        text = "\n" * max(function.line - 1, 0) + function.source
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            return 0, f"{function.name} could not be read", True
        node = tree.body[0] if tree.body else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return 0, f"{function.name} could not be read", True
        analyser = DagAnalyser(tree, text, function.location.path)
        analyser.module = function.module
        analyser.record_functions = False
        analyser.imports.update(function.imports)
        analyser.constants.update(function.constants)
        analyser.prefer_dicts = True
        analyser.sibling_functions = set(self.index.by_module.get(function.module, ()))
        analyser.key_prefix = f"{call.key}/"
        analyser.max_tasks = min(MAX_TASKS_PER_CALL, MAX_TOTAL_TASKS - self.total_tasks)
        analyser.budget = MAX_STATEMENTS_PER_CALL
        try:
            analyser.collect_declarations()
            env = _bind(node, call, analyser, self.produced)
            dag = self._dag(call.dag)
            defaults, unknown_defaults = dict(call.default_args), list(call.default_args_unknown)
            if dag is not None and call.dag is not None and call.dag.factory is not None:
                defaults = {**dag.default_args, **defaults}  # the DAG a factory returned: its default_args now
                unknown_defaults = [*dag.default_args_unknown, *unknown_defaults]
            context = _Context(dag, call.group, defaults if dag is not None else {},
                               unknown_defaults if dag is not None else [], env, 1)
            analyser._walk(node.body, context, {node.name})
        except RecursionError:
            return 0, f"{function.name} is nested too deeply to follow", True
        facts = analyser.facts
        reason = f"{function.name} ({function.location.path}): {analyser.truncated}" if analyser.truncated else None
        for dag_fact in facts.dags:
            dag_fact.called_from = origin
            self.out.dags.append(dag_fact)
        built = 0
        for task in facts.tasks:
            self.out.tasks.append(replace(task, called_from=origin))
            built += 1
        self.total_tasks += built
        calls = self.out.module_calls.setdefault(origin.path, [])
        for module_call in facts.module_calls:
            if not any(c.location == module_call.location and c.call == module_call.call for c in calls):
                calls.append(module_call)
        for nested in facts.factory_calls:
            more, why, _ = self.follow(nested, origin, depth + 1, (*stack, ident))
            built += more
            reason = reason or why
        returned = next((self._dag(d) for d in analyser.returned if self._dag(d) is not None), None)
        real = [d for d in facts.dags if d.factory is None]
        if returned is None and len(real) == 1:
            returned = real[0]
        if returned is not None:
            self.produced[call.key] = returned
        elif built == 0 and reason is None and not facts.dags:
            reason = f"{function.name} ({function.location.path}) builds no task the static analysis can follow"
        return built, reason, True

    def _dag(self, dag: DagFact | None) -> DagFact | None:
        if dag is not None and dag.factory is not None:
            return self.produced.get(dag.factory)
        return dag


def _bind(function: ast.FunctionDef | ast.AsyncFunctionDef, call: FactoryCall, analyser: Any,
          produced: dict[str, DagFact]) -> dict[str, Value]:
    """The factory's scope: the call's arguments (values from the call site keep the DAG file as their origin),
    then the parameters' defaults; what the call does not give is unknown. A DAG passed in is bound as a DAG."""
    def passed(value: Value) -> Value:
        return value if value.origin else Value(value.value, value.kind, value.line, value.env_var, call.location.path)

    env: dict[str, Value] = {}
    remaining = {k: passed(v) for k, v in call.arguments.items()}
    spec = function.args
    params = [*spec.posonlyargs, *spec.args]
    defaults: list[ast.expr | None] = [None] * (len(params) - len(spec.defaults)) + list(spec.defaults)
    dags: dict[str, DagFact] = {}
    for index, (parameter, default) in enumerate(zip(params, defaults)):
        name = parameter.arg
        if index < len(call.positional):
            env[name] = passed(call.positional[index])
            passed_dag = call.dag_arguments.get(f"#{index}")
        elif name in remaining:
            env[name] = remaining.pop(name)
            passed_dag = call.dag_arguments.get(name)
        else:
            env[name] = analyser.value(default, env) if default is not None else \
                Value(unknown(name), "dynamic", function.lineno)
            passed_dag = None
        if passed_dag is not None:
            dags[name] = passed_dag
    for parameter, default in zip(spec.kwonlyargs, spec.kw_defaults):
        name = parameter.arg
        if name in remaining:
            env[name] = remaining.pop(name)
            if name in call.dag_arguments:
                dags[name] = call.dag_arguments[name]
        else:
            env[name] = analyser.value(default, env) if default is not None else \
                Value(unknown(name), "dynamic", function.lineno)
    if spec.vararg is not None:
        env[spec.vararg.arg] = Value([v.value for v in call.positional[len(params):]], "dynamic", function.lineno)
    if spec.kwarg is not None:
        items = DictItems(remaining, list(call.unknown_spreads))
        analyser.dicts[spec.kwarg.arg] = items
        env[spec.kwarg.arg] = items.as_value(function.lineno)
    for name, dag in dags.items():
        real = produced.get(dag.factory) if dag.factory is not None else dag
        if real is not None:
            analyser.dag_variables[name] = real
        else:
            analyser.dag_variables[name] = dag
    return env


def expand_factories(all_facts: list[FileFacts]) -> Expansion:
    """The tasks and DAGs the repository's factory functions build for each DAG file's calls, with a record per
    call of a repository function (followed, or why not)."""
    index = FunctionIndex(all_facts)
    run = _Run(index)
    if not index.by_name:
        return run.out
    for facts in all_facts:
        if facts.dag is None or not facts.dag.factory_calls:
            continue
        for call in facts.dag.factory_calls:
            before = len(run.out.tasks)
            built, reason, known = run.follow(call, call.location, 1, ())
            if not known:
                continue
            run.out.calls.append({
                "function": call.function, "path": call.location.path, "line": call.location.line,
                "followed": built > 0 or call.key in run.produced, "tasks": built, "reason": reason,
            })
            if len(run.out.tasks) > before:
                run.out.replaced.add((call.location.path, call.location.line, call.location.column))
    # Tasks whose DAG a factory returns (`dag = create_dag(...)`, then `PythonOperator(dag=dag)`).
    run.out.tasks = [_with_dag(t, run.produced) for t in run.out.tasks]
    return run.out


def _with_dag(task: TaskFact, produced: dict[str, DagFact]) -> TaskFact:
    if task.dag_factory is None or task.dag_factory not in produced:
        return task
    dag = produced[task.dag_factory]
    return replace(task, dag_id=dag.dag_id, default_args={**dag.default_args, **task.default_args},
                   default_args_unknown=[*dag.default_args_unknown, *task.default_args_unknown], dag_factory=None)


def file_tasks(facts: FileFacts, expansion: Expansion) -> list[TaskFact]:
    """A file's own tasks: without the placeholders of factory calls that were followed, and with the DAG a
    factory returned for those made in it."""
    out = []
    for task in facts.dag.tasks if facts.dag is not None else []:
        where = (task.location.path, task.location.line, task.location.column)
        if task.recognised_by == "task_id" and where in expansion.replaced:
            continue
        out.append(_with_dag(task, expansion.produced))
    return out
