"""Precision of airtf-lint's rule families on real repositories, against findings judged by hand.

    python benchmarks/accuracy.py NAME=PATH [NAME=PATH ...] [--labels benchmarks/accuracy_labels] [--json]

Each PATH is a local checkout (the repositories are not downloaded). NAME=PATH@each runs every `*.tf` file of PATH
(matched by an optional glob: NAME=PATH@each:*iam*) as a repository of its own: for collections of independent
snippets, such as the HCL cut out of Trivy's Go tests, which would otherwise clash as one root module. Every finding of the whole tool is matched with
the labels file NAME.yaml: a list of {rule_id, path (a glob), message (optional substring), verdict: true|false,
why}; the first label that matches decides. The table gives, per rule family (ATF-<FAMILY>-nnn), the findings, how
many were judged, how many true, the precision (true / judged) and why the false ones were false. A finding no
label matches is counted as unjudged and listed, so that new findings are looked at rather than assumed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

from airtf_lint.pipeline import RunOptions, run

HERE = Path(__file__).resolve().parent


def family(rule_id: str) -> str:
    parts = rule_id.split("-")
    return parts[1] if len(parts) >= 3 else rule_id


def judge(finding, labels: list[dict]) -> dict | None:
    for label in labels:
        if label.get("rule_id") not in (None, finding.rule_id):
            continue
        if not fnmatch.fnmatchcase(finding.path, label.get("path", "*")):
            continue
        if label.get("message") and label["message"] not in finding.message:
            continue
        return label
    return None


def measure(repos: dict[str, Path], labels_dir: Path) -> dict:
    os.environ.setdefault("AIRTF_LINT_CACHE_DIR", tempfile.mkdtemp(prefix="airtf-accuracy-"))
    rows: dict[str, dict] = defaultdict(lambda: {"findings": 0, "judged": 0, "true": 0, "false_reasons": defaultdict(int),
                                                 "unjudged": []})
    per_repo = {}
    for name, path in repos.items():
        labels_file = labels_dir / f"{name}.yaml"
        labels = yaml.safe_load(labels_file.read_text("utf-8")) if labels_file.is_file() else []
        results = list(_runs(path))
        per_repo[name] = {"findings": sum(len(r.findings) for r in results),
                          "errors": sum(len(r.errors) for r in results), "runs": len(results)}
        for finding in (f for r in results for f in r.findings):
            row = rows[family(finding.rule_id)]
            row["findings"] += 1
            label = judge(finding, labels or [])
            if label is None:
                row["unjudged"].append(f"{name}: {finding.rule_id} {finding.path}:{finding.line} {finding.message[:120]}")
                continue
            row["judged"] += 1
            if label["verdict"] is True:
                row["true"] += 1
            else:
                row["false_reasons"][label.get("why", "?")] += 1
    return {"repositories": per_repo, "families": rows}


def _runs(path: Path):
    """One run of the whole tool on PATH, or with PATH@each[:GLOB] one per snippet file (its findings' paths are the
    snippet's file name, so labels can name it)."""
    text = str(path)
    if "@each" not in text:
        yield run(RunOptions(paths=["."], cwd=path.resolve()))
        return
    folder, _, pattern = text.partition("@each")
    pattern = pattern.lstrip(":") or "*"
    for snippet in sorted(Path(folder).glob("*.tf")):
        if not fnmatch.fnmatchcase(snippet.name, pattern):
            continue
        work = Path(tempfile.mkdtemp(prefix="airtf-accuracy-snippet-"))
        try:
            shutil.copy(snippet, work / snippet.name)
            yield run(RunOptions(paths=["."], cwd=work))
        finally:
            shutil.rmtree(work, ignore_errors=True)


def table(result: dict) -> str:
    lines = ["| family | findings | judged | true | precision | why the false ones were false |",
             "|---|---:|---:|---:|---:|---|"]
    for name, row in sorted(result["families"].items()):
        precision = f"{100 * row['true'] / row['judged']:.0f}%" if row["judged"] else "-"
        why = "; ".join(f"{reason} ({n})" for reason, n in row["false_reasons"].items()) or "-"
        lines.append(f"| {name} | {row['findings']} | {row['judged']} | {row['true']} | {precision} | {why} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="+", help="NAME=PATH: a local checkout and the name of its labels file")
    parser.add_argument("--labels", type=Path, default=HERE / "accuracy_labels")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    repos = {}
    for item in args.repos:
        name, _, path = item.partition("=")
        repos[name] = Path(path or name)
    result = measure(repos, args.labels)
    if args.json:
        print(json.dumps(result, indent=2, default=lambda o: dict(o)))
    else:
        print(table(result))
        print()
        for name, info in result["repositories"].items():
            print(f"{name}: {info['findings']} findings, {info['errors']} file errors")
        unjudged = [u for row in result["families"].values() for u in row["unjudged"]]
        if unjudged:
            print(f"\n{len(unjudged)} unjudged findings:")
            print("\n".join(unjudged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
