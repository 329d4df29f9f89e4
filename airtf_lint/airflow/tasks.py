"""Model records for DAGs and tasks: each task with the connection ids it uses and where each comes from.

A connection parameter's value is the explicit argument, else default_args (DAG <- TaskGroup <- task) when the
class accepts that exact parameter name, else the class default from the catalogue. Hooks built inside a task's
code see neither the operator's arguments nor default_args: only their own arguments and class defaults.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airtf_lint.airflow.catalogue import Catalogue, catalogue
from airtf_lint.facts import FileFacts, OperatorClass, TaskFact, Value


def _class_of(task: TaskFact, cat: Catalogue) -> tuple[str, str | None]:
    """The operator class and its module; a TaskFlow task is the operator its decorator builds; an in-file
    subclass is treated as its base."""
    if task.kind == "taskflow":
        flavour = task.operator.removeprefix("@task").lstrip(".")
        name = cat.taskflow.get(flavour, "PythonOperator")
        return name, cat.class_modules.get(name)
    base = task.arguments.get("__base__")
    if base is not None and isinstance(base.value, str):
        module, _, name = base.value.rpartition(".")
        return name, module or cat.class_modules.get(name)
    return task.operator, task.module or cat.class_modules.get(task.operator)


def _pick(name: str, task: TaskFact, accepted: list[str], use_defaults: bool) -> tuple[Value | None, str]:
    if name in task.arguments:
        return task.arguments[name], "explicit"
    if use_defaults and name in accepted and name in task.default_args:
        return task.default_args[name], "default_args"
    return None, "class_default"


def connections_of(task: TaskFact, cat: Catalogue | None = None) -> list[dict[str, Any]]:
    cat = cat or catalogue()
    name, module = _class_of(task, cat)
    accepted = cat.accepts(name, module)
    use_defaults = task.kind != "hook"
    out = []
    for parameter, spec in cat.parameters.items():
        if parameter not in accepted and parameter not in task.arguments:
            continue
        value, source = _pick(parameter, task, accepted, use_defaults)
        if value is None:
            value = Value(spec["default"], "literal", task.location.line)
        out.append({
            "parameter": parameter, "conn_id": value.value, "value_kind": value.kind, "source": source,
            "env_var": value.env_var, "provider": spec["provider"], "cloud": spec["cloud"],
            "when_missing": spec["when_missing"], "line": value.line,
        })
    return out


def identity_arguments(task: TaskFact, cat: Catalogue | None = None) -> dict[str, Any]:
    cat = cat or catalogue()
    name, module = _class_of(task, cat)
    accepted = cat.accepts(name, module)
    out = {}
    executor_account = task.arguments.get("__executor_service_account__")
    if executor_account is not None:
        out["executor_service_account"] = {**executor_account.to_dict(), "source": "executor_config"}
    for parameter in cat.identity_parameters:
        value, source = _pick(parameter, task, accepted, task.kind != "hook")
        if value is not None:
            out[parameter] = {**value.to_dict(), "source": source}
    if task.kind != "hook":
        for parameter in cat.worker_parameters:
            value, source = _pick(parameter, task, [parameter], True)
            if value is not None:
                out[parameter] = {**value.to_dict(), "source": source}
    return out


def _arguments(task: TaskFact) -> dict[str, Any]:
    return {k: v.to_dict() for k, v in task.arguments.items() if not k.startswith("__")}


def task_record(task: TaskFact, cat: Catalogue | None = None) -> dict[str, Any]:
    cat = cat or catalogue()
    name, module = _class_of(task, cat)
    return {
        "dag_id": task.dag_id, "task_id": task.task_id, "operator": task.operator, "class": name, "module": module,
        "kind": task.kind, "group": task.group, "mapped": task.mapped,
        # A KubernetesExecutor pod_override runs the task's own worker pod as another service account.
        "runs_in": "pod" if "__executor_service_account__" in task.arguments else (cat.runs_in(name) or "worker"),
        "arguments": _arguments(task),
        "default_args": {k: v.to_dict() for k, v in task.default_args.items()},
        "connections": connections_of(task, cat),
        "identity_arguments": identity_arguments(task, cat),
        "hooks": [{"class": h.operator, "module": h.module, "arguments": _arguments(h),
                   "connections": connections_of(h, cat), **h.location.to_dict()} for h in task.hooks],
        "commands": [c.to_dict() for c in task.commands],
        **task.location.to_dict(),
    }


def _with_repository_class(task: TaskFact, classes: dict[str, OperatorClass]) -> TaskFact:
    """A task whose operator is defined in another file of the repository: its base class, and the arguments
    that class fixes in super().__init__ (the call's own arguments win)."""
    known = classes.get(task.operator)
    if known is None or "__base__" in task.arguments or (task.module or "").startswith("airflow"):
        return task
    arguments = {**known.fixed, **task.arguments, "__base__": Value(known.base, "literal", known.location.line)}
    return replace(task, arguments=arguments)


def airflow_records(all_facts: list[FileFacts]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cat = catalogue()
    classes = {c.name: c for f in all_facts if f.dag is not None for c in f.dag.operator_classes}
    dags, tasks = [], []
    for facts in all_facts:
        if facts.dag is None:
            continue
        for dag in facts.dag.dags:
            dags.append({"dag_id": dag.dag_id, "default_args": {k: v.to_dict() for k, v in dag.default_args.items()},
                         "schedule": dag.schedule.to_dict() if dag.schedule else None, **dag.location.to_dict()})
        tasks.extend(task_record(_with_repository_class(task, classes), cat) for task in facts.dag.tasks)
    return dags, tasks
