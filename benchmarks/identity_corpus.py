"""Measure identity resolution on real DAG repositories kept outside this one.

    python benchmarks/identity_corpus.py /tmp/idcorpus                 # a table, per repository and overall
    python benchmarks/identity_corpus.py /tmp/idcorpus --json          # the same figures as JSON
    python benchmarks/identity_corpus.py /tmp/idcorpus --details       # plus every labelled task that is wrong

The corpus is a folder with one subfolder per repository (a `git archive` of it; never commit their code). Each
repository is analysed on its own, exactly as `airtf-lint identities --format json` does (same pipeline, same
rows), with no configuration: what a new user gets.

Figures, per repository and overall:
  dag files       files analysed as DAG files; `with tasks`: those in which at least one task was found
  tasks           tasks found
  conn            tasks whose every connection id is known statically (a literal, a default, an env default);
                  a task that uses no connection counts as resolved
  named           tasks with at least one identity naming a principal: a Terraform principal, or a reference (an ARN,
                  a service-account email, a Kubernetes service account) when the repository does not define it
  linked          tasks with at least one identity linked to a principal the repository's Terraform defines
  coverage        linked / tasks, for repositories whose labels say they define the identity (`defines_identity`)
  defined         labelled tasks whose identity the repository defines (`defined_in_repo`); `named ok`: of those,
                  the share whose expected principal the tool names

Ground truth: `benchmarks/identity_labels/<repository>.yaml`, judged by hand from the code (never from the tool):

    repo: owner/name              # where it comes from
    commit: <sha>                 # the snapshot judged
    defines_identity: true        # the repository's Terraform/Helm defines the identity its tasks run as
    tasks:
      <path in the repository>::<task_id>:
        dag: <dag_id>             # for the reader
        connection: aws_default   # expected conn id of the task's (first) cloud connection; null: uses none
        principal: role/mwaa      # a substring of the expected identity (principal id or reference); null: none
                                  # is knowable from the repository
        defined_in_repo: true     # the repository defines this task's identity in a form the tool reads
                                  # (Terraform, Helm values, connection files, settings); default: false

The headline figure, `named (defined)`, is over the labelled tasks with `defined_in_repo: true`: the share whose
identity the tool names, and names right (principal ok). `named` per repository counts every task found.

A labelled task is `found` when a task of that id is reported in that file (its dag_id is not checked), `connection ok` when one of its identities has that
conn id (or it has none and null is expected), `principal ok` when one identity's principal or reference contains
the expected string (or none names one and null is expected).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
# AIRTF_LINT_SOURCE: measure another checkout of airtf-lint (the baseline) with these labels.
sys.path.insert(0, os.environ.get("AIRTF_LINT_SOURCE") or str(REPO))

from airtf_lint.config import Config  # noqa: E402
from airtf_lint.pipeline import analyse, options_from_config  # noqa: E402
from airtf_lint.report.identities import identity_rows  # noqa: E402

try:  # the code being measured may predate the report of unanalysed files (the baseline run)
    from airtf_lint.report.identities import unanalysed_dag_files  # noqa: E402
except ImportError:  # pragma: no cover
    def unanalysed_dag_files(model: dict[str, Any], errors: list[Any]) -> list[dict[str, Any]]:
        return []

LABELS = REPO / "benchmarks" / "identity_labels"
STATIC_KINDS = {"literal", "env_default", None}


def _task_known_connections(task: dict[str, Any]) -> bool:
    usages = list(task.get("connections", [])) + [u for h in task.get("hooks", []) for u in h.get("connections", [])]
    return all(u.get("value_kind") in STATIC_KINDS and (u.get("conn_id") is not None or u.get("cloud") is None
                                                         or u.get("when_missing") == "ambient") for u in usages)


def _named(identity: dict[str, Any]) -> bool:
    return bool(identity.get("principal")) or (identity.get("resolution") != "unresolved"
                                               and isinstance(identity.get("reference"), str)
                                               and identity["reference"] not in ("static access key",
                                                                                 "service-account key"))


def measure(folder: Path, labels: dict[str, Any] | None) -> dict[str, Any]:
    analysis = analyse(options_from_config(Config(), folder, ["."]))
    model = analysis.model
    rows = identity_rows(model)
    tasks = model["airflow"]["tasks"]
    dag_files = [f["path"] for f in model["files"] if f["kind"] == "dag"]
    with_tasks = {t["path"] for t in tasks}
    rows_of: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        rows_of.setdefault((row["path"], row["task"]), []).append(row)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for task in tasks:
        found = rows_of.get((task["path"], f"{task['dag_id']}.{task['task_id']}"), [])
        by_name.setdefault(f"{task['path']}::{task['task_id']}", []).extend(found)
    conn = sum(1 for t in tasks if _task_known_connections(t))
    named = sum(1 for t in tasks if any(_named(i) for i in t.get("identities", [])))
    linked = sum(1 for t in tasks if any(i.get("principal") for i in t.get("identities", [])))
    out: dict[str, Any] = {
        "dag_files": len(dag_files), "dag_files_with_tasks": len(with_tasks & set(dag_files)), "tasks": len(tasks),
        "conn": conn, "named": named, "linked": linked,
        "defines_identity": bool(labels and labels.get("defines_identity")),
        "unanalysed": len(unanalysed_dag_files(model, analysis.errors)),
        "rows": len(rows),
    }
    if labels:
        out["labelled"] = _score(labels.get("tasks") or {}, by_name)
    return out


def _score(expected: dict[str, Any], by_name: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    found = conn_ok = principal_ok = defined = defined_named = 0
    wrong = []
    for name, label in expected.items():
        label = label or {}
        got = by_name.get(name)
        in_repo = bool(label.get("defined_in_repo"))
        defined += in_repo
        if not got:
            wrong.append(f"{name}: not found")
            continue
        found += 1
        want_conn = label.get("connection")
        conns = {r["via"] for r in got if r["via"] not in ("worker", "pod", "container", "triggerer",
                                                            "dag_processor") and r["via"] is not None}
        conn_ids = {r.get("conn_id") for r in got if r.get("conn_id")}
        if (want_conn is None and not conn_ids) or want_conn in conn_ids or want_conn in conns:
            conn_ok += 1
        else:
            wrong.append(f"{name}: connection {sorted(conn_ids) or None}, expected {want_conn}")
        want = label.get("principal")
        identities = [str(r.get("identity") or "") for r in got if r["resolution"] != "unresolved"]
        if (want is None and not any(identities)) or (want is not None and any(want in i for i in identities)):
            principal_ok += 1
            defined_named += in_repo and want is not None
        else:
            wrong.append(f"{name}: identity {sorted(set(identities)) or None}, expected {want}")
    return {"tasks": len(expected), "found": found, "connection_ok": conn_ok, "principal_ok": principal_ok,
            "defined": defined, "defined_named": defined_named, "wrong": wrong}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder with one subfolder per repository")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--details", action="store_true", help="list every labelled task judged wrong")
    args = parser.parse_args(argv)
    results = {}
    for folder in sorted(p for p in args.corpus.iterdir() if p.is_dir()):
        label_file = args.labels / f"{folder.name}.yaml"
        labels = yaml.safe_load(label_file.read_text("utf-8")) if label_file.is_file() else None
        results[folder.name] = measure(folder, labels)
    total: dict[str, int] = {}
    for keys in ("dag_files", "dag_files_with_tasks", "tasks", "conn", "named", "linked", "unanalysed"):
        total[keys] = sum(r[keys] for r in results.values())
    defining = [r for r in results.values() if r["defines_identity"]]
    total["defining_tasks"] = sum(r["tasks"] for r in defining)
    total["defining_linked"] = sum(r["linked"] for r in defining)
    labelled = [r["labelled"] for r in results.values() if "labelled" in r]
    for key in ("tasks", "found", "connection_ok", "principal_ok", "defined", "defined_named"):
        total[f"labelled_{key}"] = sum(r.get(key, 0) for r in labelled)
    total["labelled_repositories"] = sum(1 for r in labelled if r["tasks"])
    total["defining_named"] = sum(r["named"] for r in defining)
    if args.json:
        json.dump({"repositories": results, "overall": total}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    header = (f"{'repository':32} {'dag files':>9} {'w/tasks':>7} {'tasks':>5} {'conn':>6} {'named':>6} "
              f"{'linked':>6} {'coverage':>8} {'labels':>6} {'found':>6} {'conn ok':>7} {'princ ok':>8} "
              f"{'defined':>7} {'named ok':>8}")
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        lab = r.get("labelled")
        print(f"{name:32} {r['dag_files']:9} {r['dag_files_with_tasks']:7} {r['tasks']:5} "
              f"{_pct(r['conn'], r['tasks']):>6} {_pct(r['named'], r['tasks']):>6} {_pct(r['linked'], r['tasks']):>6} "
              f"{(_pct(r['linked'], r['tasks']) if r['defines_identity'] else '-'):>8} "
              f"{(lab['tasks'] if lab else 0):6} {(_pct(lab['found'], lab['tasks']) if lab else '-'):>6} "
              f"{(_pct(lab['connection_ok'], lab['found']) if lab else '-'):>7} "
              f"{(_pct(lab['principal_ok'], lab['found']) if lab else '-'):>8} "
              f"{(lab.get('defined', 0) if lab else 0):7} "
              f"{(_pct(lab.get('defined_named', 0), lab.get('defined', 0)) if lab else '-'):>8}")
    print("-" * len(header))
    t = total
    print(f"{'overall':32} {t['dag_files']:9} {t['dag_files_with_tasks']:7} {t['tasks']:5} "
          f"{_pct(t['conn'], t['tasks']):>6} {_pct(t['named'], t['tasks']):>6} {_pct(t['linked'], t['tasks']):>6} "
          f"{_pct(t['defining_linked'], t['defining_tasks']):>8} {t['labelled_tasks']:6} "
          f"{_pct(t['labelled_found'], t['labelled_tasks']):>6} "
          f"{_pct(t['labelled_connection_ok'], t['labelled_found']):>7} "
          f"{_pct(t['labelled_principal_ok'], t['labelled_found']):>8} {t['labelled_defined']:7} "
          f"{_pct(t['labelled_defined_named'], t['labelled_defined']):>8}")
    print(f"\nNamed principal, labelled tasks whose repository defines their identity: {t['labelled_defined_named']}"
          f" / {t['labelled_defined']} ({_pct(t['labelled_defined_named'], t['labelled_defined']).strip()}), "
          f"{t['labelled_tasks']} labelled tasks in {t['labelled_repositories']} repositories")
    print(f"Named principal, all tasks of repositories that define the identity: {t['defining_named']} / "
          f"{t['defining_tasks']} ({_pct(t['defining_named'], t['defining_tasks']).strip()})")
    print(f"\nDAG files the analyser reported it could not analyse: {t['unanalysed']}")
    if args.details:
        for name, r in results.items():
            for line in (r.get("labelled") or {}).get("wrong", []):
                print(f"{name}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
