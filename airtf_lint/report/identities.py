"""`airtf-lint identities`: each task, the identity it runs as, how that was established, and where that
identity's grants are written."""

from __future__ import annotations

import json
from typing import Any, TextIO


def identity_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    terraform = model["terraform"]
    principals = {p["id"]: p for p in terraform["principals"]}
    grants_of: dict[str, list[dict[str, Any]]] = {}
    for grant in terraform["grants"]:
        grants_of.setdefault(grant["principal"], []).append(grant)
    rows = []
    for task in model["airflow"]["tasks"]:
        for identity in task.get("identities", []):
            principal = principals.get(identity["principal"] or "")
            grants = grants_of.get(identity["principal"] or "", [])
            rows.append({
                "task": f"{task['dag_id']}.{task['task_id']}", "path": task["path"], "line": task["line"],
                "resolution": identity["resolution"], "cloud": identity["cloud"],
                "identity": identity["principal"] or identity["reference"],
                "principal_location": f"{principal['path']}:{principal['line']}" if principal else None,
                "via": identity["conn_id"] or identity["hook"] or task["runs_in"],
                "static_credentials": identity["static_credentials"],
                "grants": [f"{g['path']}:{g['line']}" for g in grants],
                "evidence": identity["evidence"],
            })
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
