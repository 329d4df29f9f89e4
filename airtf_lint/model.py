"""The model stage: every file's facts merged into one JSON document, the `input` of every rule.

Its shape is a public API (custom rules query it), described by `schemas/input.schema.json` and docs/model.md.
Add fields freely; never rename or remove one without raising MODEL_VERSION.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airtf_lint.airflow.connection_values import describe_connection
from airtf_lint.airflow.identity import attach_identities
from airtf_lint.airflow.tasks import airflow_file_records, airflow_records
from airtf_lint.airflow.terraform_runs import terraform_runs
from airtf_lint.facts import FileFacts
from airtf_lint.privilege.section import privilege_section
from airtf_lint.sourcelines import SourceLines
from airtf_lint.terraform.section import terraform_section

MODEL_VERSION = 1
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
                environment: dict[str, Any] | None = None, thresholds: dict[str, Any] | None = None) -> dict[str, Any]:
    ordered = sorted(all_facts, key=lambda f: f.source.path)
    if lines is None:
        lines = SourceLines({f.source.path: f.source for f in ordered}, {f.source.path: f.secrets for f in ordered})
    terraform, terraform_connections = terraform_section(ordered, list(var_files), cwd, lines)
    airflow = _airflow(ordered)
    airflow["connections"] += terraform_connections + _config_connections(declared_connections)
    airflow["environment"] = environment or {}
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
    attach_identities(model)
    model["privilege"] = privilege_section(model)
    roots = [r["dir"] for r in terraform["roots"]]
    for task in airflow["tasks"]:
        task["terraform_runs"] = terraform_runs(task, task.pop("commands"), roots)
    return model
