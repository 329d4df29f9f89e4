"""Model records for DAGs and tasks: each task with the class that really runs, where its code runs, the connection
ids it uses and where each comes from, the identities it hands to services, and its impersonation chain.

A connection parameter's value is the explicit argument, else default_args (DAG <- TaskGroup <- task) when the
class accepts that exact parameter name, else the class default from the catalogue. Hooks built inside a task's
code see neither the operator's arguments nor default_args: only their own arguments and class defaults.
A task's class is resolved through its import to Airflow or a provider, or through the repository's own classes
at any depth and in any file (airflow/classes.py), whose constructors are evaluated with the call's arguments.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from airtf_lint.airflow.catalogue import Catalogue, catalogue
from airtf_lint.airflow.classes import (
    ClassIndex,
    Resolution,
    evaluate_chain,
    provider_module,
)
from airtf_lint.airflow.factories import expand_factories, file_tasks
from airtf_lint.airflow.terraform_hints import terraform_hints
from airtf_lint.facts import FileFacts, TaskFact, Value

_POD_WORDS = ("kubernetes", "pod", "eks", "gke", "k8s")


def _class_of(task: TaskFact, cat: Catalogue) -> tuple[str, str | None]:
    """The operator class and its module; a TaskFlow task is the operator its decorator builds; a repository
    subclass is treated as the Airflow class it derives from."""
    if task.kind == "taskflow":
        flavour = task.operator.removeprefix("@task").lstrip(".")
        name = cat.taskflow.get(flavour)
        if name is None:
            return task.operator, None
        return name, cat.class_modules.get(name)
    base = task.arguments.get("__base__")
    if base is not None and isinstance(base.value, str):
        module, _, name = base.value.rpartition(".")
        return name, provider_module(module) or cat.class_modules.get(name)
    return task.operator, provider_module(task.module) or cat.class_modules.get(task.operator)


def _accepted(task: TaskFact, cat: Catalogue) -> list[str]:
    name, module = _class_of(task, cat)
    accepted = cat.accepts(name, module)
    extra = task.arguments.get("__accepts__")
    if extra is not None and isinstance(extra.value, list):
        accepted = [*accepted, *[a for a in extra.value if a not in accepted]]
    return accepted


def _pick(name: str, task: TaskFact, accepted: list[str], use_defaults: bool) -> tuple[Value | None, str]:
    if name in task.arguments:
        return task.arguments[name], "explicit"
    if use_defaults and name in accepted and name in task.default_args:
        return task.default_args[name], "default_args"
    return None, "class_default"


def connections_of(task: TaskFact, cat: Catalogue | None = None) -> list[dict[str, Any]]:
    cat = cat or catalogue()
    accepted = _accepted(task, cat)
    use_defaults = task.kind != "hook"
    out = []
    for parameter, spec in cat.parameters.items():
        if parameter not in accepted and parameter not in task.arguments:
            continue
        value, source = _pick(parameter, task, accepted, use_defaults)
        if value is None:
            value = Value(spec["default"], "literal", task.location.line)
        row = {
            "parameter": parameter, "conn_id": value.value, "value_kind": value.kind, "source": source,
            "env_var": value.env_var, "provider": spec["provider"], "cloud": spec["cloud"],
            "when_missing": spec["when_missing"], "line": value.line,
        }
        if value.origin:
            row["origin"] = value.origin
        out.append(row)
    return _without_alias_rows(out, cat)


def _without_alias_rows(rows: list[dict[str, Any]], cat: Catalogue) -> list[dict[str, Any]]:
    """Legacy names of one connection parameter (bigquery_conn_id for gcp_conn_id): one row per connection. A
    legacy name given explicitly or through default_args replaces the canonical's class default; one left at its
    class default is dropped beside the canonical."""
    by_parameter = {r["parameter"]: r for r in rows}
    drop: set[str] = set()
    for row in rows:
        canonical = cat.aliases.get(row["parameter"])
        if canonical is None or canonical not in by_parameter:
            continue
        if row["source"] != "class_default":
            if by_parameter[canonical]["source"] == "class_default":
                drop.add(canonical)
        else:
            drop.add(row["parameter"])
    return [r for r in rows if r["parameter"] not in drop]


def identity_arguments(task: TaskFact, cat: Catalogue | None = None) -> dict[str, Any]:
    cat = cat or catalogue()
    accepted = _accepted(task, cat)
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


def impersonation(identity: dict[str, Any]) -> dict[str, Any] | None:
    """The Google impersonation chain a task gives (operator argument or default_args): the last account acts.
    An empty chain (None, "", an os.getenv default of "") defers to the connection's own chain."""
    for parameter in ("impersonation_chain", "google_impersonation_chain"):
        argument = identity.get(parameter)
        if argument is None:
            continue
        raw = argument.get("value")
        if isinstance(raw, list):
            chain = [c for c in raw if c not in (None, "")]
        elif isinstance(raw, str):
            chain = [c.strip() for c in raw.split(",") if c.strip()]
        else:
            chain = None  # unknown
        known = argument.get("kind") in ("literal", "env_default", "template") and chain is not None
        acting = chain[-1] if chain else None
        if isinstance(acting, dict):
            acting, known = None, False
        return {
            "parameter": parameter, "chain": chain if known else raw, "acting": acting,
            "known": known, "kind": argument.get("kind"), "source": argument.get("source"),
            "line": argument.get("line"), "env_var": argument.get("env_var"),
            "defers_to_connection": known and not chain,
        }
    return None


def _arguments(task: TaskFact) -> dict[str, Any]:
    return {k: v.to_dict() for k, v in task.arguments.items() if not k.startswith("__")}


def _runs_in(task: TaskFact, name: str, cat: Catalogue) -> str:
    # A KubernetesExecutor pod_override runs the task's own worker pod as another service account.
    if "__executor_service_account__" in task.arguments:
        return "pod"
    place = cat.runs_in(name)
    if place is not None:
        return place
    if task.kind == "taskflow" and name.startswith("@task"):
        flavour = name.removeprefix("@task.").lower()
        if any(w in flavour for w in _POD_WORDS):
            return "pod"
        if "docker" in flavour:
            return "container"
    return "worker"


def _deferrable(task: TaskFact, name: str, cat: Catalogue, resolution: Resolution | None) -> dict[str, Any]:
    argument = task.arguments.get("deferrable")
    if argument is not None:
        value = argument.value if isinstance(argument.value, bool) else None
        return {"value": value, "source": "explicit", "kind": argument.kind, "line": argument.line}
    if resolution is not None and resolution.deferrable:
        return {"value": True, "source": "class", "kind": "literal", "line": task.location.line}
    if cat.is_deferrable_class(name) or task.operator.endswith(("Async",)):
        return {"value": True, "source": "class", "kind": "literal", "line": task.location.line}
    default = task.default_args.get("deferrable")
    if default is not None and task.kind == "operator":
        value = default.value if isinstance(default.value, bool) else None
        return {"value": value, "source": "default_args", "kind": default.kind, "line": default.line}
    return {"value": False, "source": "class_default", "kind": "literal", "line": task.location.line}


def execution_places(task: TaskFact, name: str, runs_in: str, deferrable: dict[str, Any],
                     cat: Catalogue) -> list[str]:
    """Every place part of the task runs: worker, virtualenv / external_python (another interpreter on the
    worker), pod, container, and triggerer when it defers."""
    first = runs_in
    if runs_in == "worker":
        first = cat.place_of(name) or "worker"
    places = [first]
    if deferrable.get("value") is True:
        places.append("triggerer")
    return places


def _delegated(task: TaskFact, name: str, cat: Catalogue, subclass_args: dict[str, Value],
               fixed_by_class: set[str]) -> list[dict[str, Any]]:
    """Identities the task hands to a service: found at the call (parse stage), and in what a repository class
    passes its base."""
    rows = [dict(r, source="call") for r in task.delegated]
    seen = {(r["argument"], repr(r.get("value"))) for r in rows}
    for key in fixed_by_class:
        if key in subclass_args:
            for row in _scan_value(key, subclass_args[key], cat):
                if (row["argument"], repr(row.get("value"))) not in seen:
                    rows.append(dict(row, source="class"))
    out = []
    spec = cat.delegated_identities
    service = cat.delegated_service(name)
    for row in rows:
        normal = row["key"].replace("_", "").replace("-", "").lower()
        cloud = "aws" if normal in (spec.get("aws") or ()) else "gcp" if normal in (spec.get("gcp") or ()) else None
        provider = cat.provider_of(_class_module(task, cat))
        if provider == "amazon" and cloud == "gcp" or provider == "google" and cloud == "aws":
            continue  # a key of the other cloud's spelling (a GCP task's service_account is its own)
        out.append({**row, "cloud": cloud, "service": service})
    for prefix, extra in (spec.get("class_keys") or {}).items():
        if name.startswith(prefix):
            for key in extra.get("keys") or ():
                if key in task.arguments and not any(r["argument"] == key for r in out):
                    value = task.arguments[key]
                    out.append({"argument": key, "key": key, **value.to_dict(), "source": "call",
                                "cloud": extra.get("cloud"), "service": service})
    return out


def _class_module(task: TaskFact, cat: Catalogue) -> str | None:
    return _class_of(task, cat)[1]


def _scan_value(path: str, value: Value, cat: Catalogue) -> list[dict[str, Any]]:
    from airtf_lint.airflow.dag_analysis import _delegated_key

    found = []

    def walk(item: Any, at: list[str]) -> None:
        if isinstance(item, dict) and item.get("__unknown__") is not True:
            for key, inner in item.items():
                if _delegated_key(str(key), cat):
                    found.append({"argument": ".".join([*at, str(key)]), "key": str(key),
                                  **Value(inner, value.kind, value.line, value.env_var, value.origin).to_dict()})
                else:
                    walk(inner, [*at, str(key)])
        elif isinstance(item, list):
            for inner in item:
                walk(inner, at)

    if _delegated_key(path, cat):
        found.append({"argument": path, "key": path, **value.to_dict()})
    else:
        walk(value.value, [path])
    return found


def task_record(task: TaskFact, cat: Catalogue | None = None, resolution: Resolution | None = None,
                notes: list[str] | None = None, subclass_args: dict[str, Value] | None = None,
                fixed_by_class: set[str] | None = None) -> dict[str, Any]:
    cat = cat or catalogue()
    name, module = _class_of(task, cat)
    resolution = resolution or _plain_resolution(task, cat)
    runs_in = _runs_in(task, name, cat)
    deferrable = _deferrable(task, name, cat, resolution)
    identity = identity_arguments(task, cat)
    return {
        "dag_id": task.dag_id, "task_id": task.task_id, "operator": task.operator, "class": name, "module": module,
        "kind": task.kind, "group": task.group, "mapped": task.mapped,
        "runs_in": runs_in,
        "execution_places": execution_places(task, name, runs_in, deferrable, cat),
        "deferrable": deferrable,
        "operator_resolved": resolution.resolved,
        "class_resolution": resolution.to_dict(_written(task)),
        "recognised_by": task.recognised_by,
        "decorators": list(task.decorators),
        "arguments": _arguments(task),
        "default_args": {k: v.to_dict() for k, v in task.default_args.items()},
        "default_args_unknown": list(task.default_args_unknown),
        "connections": connections_of(task, cat),
        "identity_arguments": identity,
        "impersonation": impersonation(identity),
        "delegated_identities": _delegated(task, name, cat, subclass_args or {}, fixed_by_class or set()),
        "analysis_notes": list(notes or []),
        "hooks": [{"class": h.operator, "module": h.module, "arguments": _arguments(h),
                   "connections": connections_of(h, cat), **h.location.to_dict()} for h in task.hooks],
        "commands": [c.to_dict() for c in task.commands],
        **task.location.to_dict(),
        **({"called_from": task.called_from.to_dict()} if task.called_from is not None else {}),
    }


def _written(task: TaskFact) -> str:
    if task.kind == "taskflow":
        return task.operator
    return f"{task.module}.{task.operator}" if task.module else task.operator


def _plain_resolution(task: TaskFact, cat: Catalogue) -> Resolution:
    """A task whose class is not defined in the repository: resolved when it is Airflow's (by import, or by a name
    the catalogue knows), or a TaskFlow decorator the catalogue knows."""
    if task.kind == "taskflow":
        flavour = task.operator.removeprefix("@task").lstrip(".")
        if flavour in cat.taskflow:
            name = cat.taskflow[flavour]
            return Resolution(True, "taskflow", f"{cat.class_modules.get(name, 'airflow')}.{name}")
        return Resolution(False, "unresolved", None, reason=f"TaskFlow decorator {task.operator} is not in the "
                                                              f"catalogue")
    module = provider_module(task.module)
    if module and (module.startswith("airflow.") or module == "airflow"):
        return Resolution(True, "catalogue", f"{module}.{task.operator}")
    known = task.operator in cat.class_modules or task.operator in cat.classes or cat.runs_in(task.operator)
    if module is None and known:
        return Resolution(True, "name", f"{cat.class_modules.get(task.operator, 'airflow')}.{task.operator}")
    written = f"{task.module}.{task.operator}" if task.module else task.operator
    return Resolution(False, "unresolved", None,
                      reason=f"{written} is neither an Airflow class nor defined in the scanned repository")


def _keep_parameters(cat: Catalogue) -> frozenset[str]:
    return frozenset(cat.parameters) | frozenset(cat.identity_parameters)


def _resolved_task(task: TaskFact, index: ClassIndex,
                   cat: Catalogue) -> tuple[TaskFact, Resolution, list[str], dict[str, Value], set[str]]:
    """A task whose class is defined in the repository (in this file or another): the Airflow class it derives
    from, and the arguments that class receives once each repository constructor has run."""
    if task.kind != "operator":
        return task, _plain_resolution(task, cat), [], {}, set()
    written = f"{task.module}.{task.operator}" if task.module else task.operator
    module = provider_module(task.module)
    if module and (module.startswith("airflow.") or module == "airflow"):
        return task, _plain_resolution(task, cat), [], {}, set()
    resolution = index.resolve(written, task.module)
    if not resolution.chain:
        return task, _plain_resolution(task, cat), [], {}, set()
    notes: list[str] = []
    if resolution.reason:
        notes.append(resolution.reason)
    positional_value = task.arguments.get("__args__")
    positional = []
    if positional_value is not None and isinstance(positional_value.value, list):
        positional = [Value(v, "literal" if not isinstance(v, dict) else "dynamic", positional_value.line)
                      for v in positional_value.value]
    call_arguments = {k: v for k, v in task.arguments.items() if not k.startswith("__")}
    evaluated, more, fixed = evaluate_chain(resolution.chain, call_arguments, positional, task.default_args,
                                            task.location.line, _keep_parameters(cat))
    notes.extend(more)
    arguments = {**evaluated, **{k: v for k, v in task.arguments.items() if k.startswith("__")}}
    if resolution.base:
        arguments["__base__"] = Value(resolution.base, "literal", resolution.chain[0].location.line)
    if not resolution.resolved:
        # Unresolved: keep what the call and the classes we could read give, named as such.
        arguments.setdefault("__base__", Value(resolution.chain[-1].bases[0] if resolution.chain[-1].bases else
                                               task.operator, "literal", task.location.line))
    return replace(task, arguments=arguments), resolution, notes, evaluated, fixed


def airflow_records(all_facts: list[FileFacts]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cat = catalogue()
    index = ClassIndex(all_facts)
    expansion = expand_factories(all_facts)
    dags, tasks = [], []
    own_dags = [d for facts in all_facts if facts.dag is not None for d in facts.dag.dags]
    own_tasks = [t for facts in all_facts if facts.dag is not None for t in file_tasks(facts, expansion)]
    for dag in [*own_dags, *expansion.dags]:
        dags.append({"dag_id": dag.dag_id, "default_args": {k: v.to_dict() for k, v in dag.default_args.items()},
                     "default_args_unknown": list(dag.default_args_unknown),
                     "schedule": dag.schedule.to_dict() if dag.schedule else None, **dag.location.to_dict(),
                     **({"called_from": dag.called_from.to_dict()} if dag.called_from is not None else {})})
    for task in [*own_tasks, *expansion.tasks]:
        resolved, resolution, notes, evaluated, fixed = _resolved_task(task, index, cat)
        record = task_record(resolved, cat, resolution, notes, evaluated, fixed)
        if not resolution.resolved and resolution.chain and resolution.base is None:
            # named by its written class; what it derives from is in class_resolution
            record["class"] = task.operator
        tasks.append(record)
    return dags, tasks


def airflow_file_records(all_facts: list[FileFacts]) -> dict[str, Any]:
    """Per DAG file: code the DAG processor runs at every parse (module_calls) and the sibling files it reads."""
    cat = catalogue()
    calls, reads = [], []
    expansion = expand_factories(all_facts)
    for facts in all_facts:
        if facts.dag is None:
            continue
        made_here = [d for d in expansion.dags if d.called_from is not None and d.called_from.path == facts.source.path]
        dag_ids = sorted({d.dag_id for d in [*facts.dag.dags, *made_here] if isinstance(d.dag_id, str)})
        # code a factory of another file runs while this file is parsed is this file's parse-time code
        for call in [*facts.dag.module_calls, *expansion.module_calls.get(facts.source.path, [])]:
            record: dict[str, Any] = {
                "call": call.call, "category": call.category, "cloud": call.cloud, "dag_ids": dag_ids,
                "parameter": call.parameter, "conn_id": call.conn_id.to_dict() if call.conn_id else None,
                "connections": [], "arguments": {k: v.to_dict() for k, v in call.arguments.items()},
                **call.location.to_dict(),
            }
            if call.category == "hook":
                module, _, short = call.call.rpartition(".")
                hook = TaskFact(None, None, short, module or None, "hook", dict(call.arguments), {}, None, False,
                                call.location)
                record["connections"] = connections_of(hook, cat)
                if record["cloud"] is None:
                    record["cloud"] = next((c["cloud"] for c in record["connections"] if c["cloud"]), None)
            elif call.category == "connection" and call.conn_id is not None:
                record["connections"] = [{"parameter": "conn_id", "conn_id": call.conn_id.value,
                                          "value_kind": call.conn_id.kind, "source": "explicit",
                                          "env_var": call.conn_id.env_var, "provider": None, "cloud": None,
                                          "when_missing": "error", "line": call.conn_id.line}]
            calls.append(record)
        for read in facts.dag.config_reads:
            reads.append({"dag_path": facts.source.path, **read})
    return {"module_calls": calls, "config_files": reads, "terraform_hints": terraform_hints(all_facts),
            "factory_calls": expansion.calls}
