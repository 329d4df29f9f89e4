"""`airtf-lint identities`: each task, the identity it runs as, how that was established, and where that
identity's grants are written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TextIO

_DAG_DEFINITION = re.compile(r"\bDAG\s*\(|@dag\b|\bdag\s*\(")


def identity_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    terraform = model["terraform"]
    principals = {p["id"]: p for p in terraform["principals"]}
    grants_of: dict[str, list[dict[str, Any]]] = {}
    for grant in terraform["grants"]:
        grants_of.setdefault(grant["principal"], []).append(grant)
    rows = []

    def row(name: str, path: Any, line: Any, identity: dict[str, Any], via: Any) -> dict[str, Any]:
        principal = principals.get(identity["principal"] or "")
        grants = grants_of.get(identity["principal"] or "", [])
        out = {
            "task": name, "path": path, "line": line,
            "resolution": identity["resolution"], "cloud": identity["cloud"],
            "identity": identity["principal"] or identity["reference"],
            "principal_location": f"{principal['path']}:{principal['line']}" if principal else None,
            "via": via, "place": identity.get("place"),
            "static_credentials": identity.get("static_credentials", False),
            "grants": [f"{g['path']}:{g['line']}" for g in grants],
            "evidence": identity["evidence"],
        }
        if identity.get("requires"):
            out["requires"] = identity["requires"]
        return out

    for task in model["airflow"]["tasks"]:
        name = f"{task['dag_id']}.{task['task_id']}"
        for identity in task.get("identities", []):
            via = identity["conn_id"] or identity.get("hook") or task["runs_in"]
            if identity.get("place") == "triggerer":
                via = f"{via} (triggerer)"
            rows.append(row(name, task["path"], task["line"], identity, via))
        for identity in task.get("job_identities", []):
            rows.append(row(name, task["path"], task["line"], identity, f"{identity.get('service')} job"))
    for call in model["airflow"].get("module_calls") or []:
        if call.get("identity"):
            rows.append(row(f"{call['path']}:<module>", call["path"], call.get("line"), call["identity"],
                            "dag_processor"))
    return rows


def write_identities(rows: list[dict[str, Any]], stream: TextIO, output_format: str) -> None:
    if output_format == "json":
        json.dump(rows, stream, indent=2)
        stream.write("\n")
        return
    headers = ("TASK", "RESOLUTION", "VIA", "IDENTITY", "GRANTS")
    table = [(r["task"], r["resolution"] + (" (static key)" if r["static_credentials"] else ""), str(r["via"]),
              str(r["identity"] or "?"), ", ".join(r["grants"][:3]) + (" ..." if len(r["grants"]) > 3 else "") or "-")
             for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) if table else len(h) for i, h in enumerate(headers)]
    stream.write("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip() + "\n")
    for row in table:
        stream.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    if not table:
        stream.write("No tasks found.\n")


def unanalysed_dag_files(model: dict[str, Any], errors: list[Any], root: Path | None = None) -> list[dict[str, Any]]:
    """DAG files whose tasks could not be read, and why: a parse error, or a DAG defined in a way the static
    analysis does not follow (built by a factory function, a loop over a config file...), so no task was found."""
    dag_paths = [f["path"] for f in model["files"] if f["kind"] == "dag"]
    # A task a factory of another file builds is located in that file, and counts for the file that calls it.
    with_tasks = {t["path"] for t in model["airflow"]["tasks"]} | \
        {t["called_from"]["path"] for t in model["airflow"]["tasks"] if t.get("called_from")}
    with_dags = {d["path"] for d in model["airflow"]["dags"]} | \
        {d["called_from"]["path"] for d in model["airflow"]["dags"] if d.get("called_from")}
    not_followed: dict[str, list[str]] = {}
    for call in model["airflow"].get("factory_calls") or []:
        if call.get("reason"):
            not_followed.setdefault(call["path"], []).append(
                f"line {call['line']}: factory {call['function']} not followed: {call['reason']}")
    failed: dict[str, list[str]] = {}
    for error in errors:
        path = getattr(error, "path", None)
        if path in dag_paths or path in with_tasks:
            where = f"line {error.line}: " if getattr(error, "line", None) else ""
            failed.setdefault(path, []).append(where + error.message)
    out = []
    for path in dag_paths:
        if path in failed:
            out.append({"path": path, "reason": "; ".join(failed[path])})
        elif path not in with_tasks and path in not_followed:
            out.append({"path": path, "reason": "; ".join(not_followed[path][:3])})
        elif path in with_dags and path not in with_tasks:
            out.append({"path": path, "reason": "a DAG is defined but no task was found: its tasks are built by code "
                                                "the static analysis does not follow"})
        elif path not in with_tasks and path not in with_dags and _defines_dag(path, root):
            out.append({"path": path, "reason": "no DAG or task found: the DAG is built by code the static analysis "
                                                "does not follow (a factory function, a loop, a generated file)"})
    return out


def _defines_dag(path: str, root: Path | None) -> bool:
    """A file that builds a DAG (not a module of operator classes, which has no task of its own)."""
    try:
        text = ((root or Path.cwd()) / path).read_text("utf-8", errors="replace")
    except OSError:
        return False
    return bool(_DAG_DEFINITION.search(text))


def write_unanalysed(files: list[dict[str, Any]], stream: TextIO) -> None:
    for item in files:
        stream.write(f"airtf-lint: {item['path']}: not analysed: {item['reason']}\n")
    if files:
        stream.write(f"airtf-lint: {len(files)} DAG file(s) could not be analysed; their tasks are missing above\n")
