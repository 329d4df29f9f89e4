"""The model stage: every file's facts merged into one JSON document, the `input` of every rule.

Its shape is a public API (custom rules query it), described by `schemas/input.schema.json` and docs/model.md.
Add fields freely; never rename or remove one without raising MODEL_VERSION.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from airtf_lint.airflow.connection_values import describe_connection
from airtf_lint.airflow.identity import attach_identities
from airtf_lint.airflow.tasks import airflow_file_records, airflow_records
from airtf_lint.airflow.terraform_runs import terraform_runs
from airtf_lint.facts import FileError, FileFacts
from airtf_lint.privilege.section import privilege_section
from airtf_lint.privilege.terraform_needs import provider_blocks
from airtf_lint.redaction import redact_line
from airtf_lint.sourcelines import SourceLines
from airtf_lint.terraform.section import terraform_section

MODEL_VERSION = 1
T = TypeVar("T")
DEFAULT_THRESHOLDS = {"shared_identity_dags": 3}


def _airflow(all_facts: list[FileFacts]) -> dict[str, Any]:
    dags, tasks = airflow_records(all_facts)
    connections = [{"conn_id": d.conn_id, "source": d.source, "definition": d.definition, **d.location.to_dict()}
                   for f in all_facts if f.connections for d in f.connections.definitions]
    accounts = [{"component": a.component, "name": a.name, "annotations": a.annotations, **a.location.to_dict()}
                for f in all_facts if f.connections for a in f.connections.worker_accounts]
    return {"dags": dags, "tasks": tasks, "connections": connections, "worker_accounts": accounts,
            **airflow_file_records(all_facts)}


def _secrets(all_facts: list[FileFacts]) -> list[dict[str, Any]]:
    return [{"detector": s.detector, "title": s.title, "category": s.category, "name": s.name,
             "file_kind": str(f.source.kind), "redacted": s.redacted, "fingerprint": s.fingerprint,
             **s.location.to_dict()}
            for f in all_facts for s in f.secrets]


def _config_connections(declared: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in declared:
        fields = {k: v for k, v in item.items() if k not in ("conn_id", "principal")}
        out.append({"conn_id": item["conn_id"], "source": "config", "definition": describe_connection(fields),
                    "principal": item.get("principal"), "path": None, "line": None})
    return out


def build_model(all_facts: list[FileFacts], var_files: Sequence[FileFacts] = (), cwd: Path | None = None,
                lines: SourceLines | None = None, declared_connections: Sequence[dict[str, Any]] = (),
                environment: dict[str, Any] | None = None, thresholds: dict[str, Any] | None = None,
                problems: list[FileError] | None = None) -> dict[str, Any]:
    """The model of all files. With `problems`, a section that fails on input nobody foresaw is left empty and
    the failure recorded there, so the run goes on; without it (tests), the failure is raised."""
    guard = _Guard(problems)
    ordered = sorted(all_facts, key=lambda f: f.source.path)
    if lines is None:
        lines = SourceLines({f.source.path: f.source for f in ordered}, {f.source.path: f.secrets for f in ordered})
    terraform, terraform_connections = guard("the Terraform model",
                                             lambda: terraform_section(ordered, list(var_files), cwd, lines),
                                             lambda: terraform_section([], [], None, None))
    airflow = guard("the Airflow model", lambda: _airflow(ordered), lambda: _airflow([]))
    airflow["connections"] += terraform_connections + _config_connections(declared_connections)
    airflow["environment"] = environment or {}
    terraform["providers"] = guard("the Terraform providers", lambda: provider_blocks(ordered), list)
    model = {
        "version": MODEL_VERSION,
        "settings": {**DEFAULT_THRESHOLDS, **(thresholds or {})},
        "files": [{"path": f.source.path, "kind": str(f.source.kind), "parsed": not f.errors} for f in ordered],
        "terraform": terraform,
        "airflow": airflow,
        # What the analysis left out on purpose (capped expansions, module cycles): not errors, but never silent.
        "notes": terraform.pop("notes", []),
    }
    model["secrets"] = _secrets(ordered)
    if problems is not None:  # policies AWS would reject (invalid JSON): error records at their line
        problems.extend(FileError(e["path"], e["message"], e["line"]) for e in terraform.get("policy_errors", []))
    guard("task identities", lambda: attach_identities(model), lambda: None)
    model["privilege"] = guard("the privilege analysis", lambda: privilege_section(model), dict)
    roots = [r["dir"] for r in terraform["roots"]]
    for task in airflow["tasks"]:
        commands = task.pop("commands", [])
        task["terraform_runs"] = guard(f"the Terraform runs of task {task.get('task_id')!r}",
                                       lambda: terraform_runs(task, commands, roots), list, task.get("path"))
    return model


class _Guard:
    """Runs one model section; on an unforeseen failure, records it as an error and gives the section's empty form."""

    def __init__(self, problems: list[FileError] | None) -> None:
        self.problems = problems

    def __call__(self, what: str, build: Callable[[], T], empty: Callable[[], T], path: str | None = None) -> T:
        if self.problems is None:
            return build()
        try:
            return build()
        except Exception as exc:  # noqa: BLE001 - input nobody foresaw must cost its section, never the run
            detail = " ".join(str(exc).split())[:200]
            self.problems.append(FileError(path or ".", f"internal error while building {what} "
                                                        f"({type(exc).__name__}: {redact_line(detail)}); "
                                                        "its findings are missing from this run"))
            return empty()
