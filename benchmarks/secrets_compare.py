"""Precision and recall of airtf-lint's secret detection per file kind and secret kind, beside detect-secrets.

    python benchmarks/secrets_peer_corpus.py --gitleaks ~/src/gitleaks /tmp/peer-corpus
    python benchmarks/secrets_compare.py /tmp/peer-corpus [--detect-secrets] [--json] [--peer-labels]
    python benchmarks/secrets_compare.py --negatives /path/to/dag-repos /path/to/terraform-repos

A labelled corpus has a labels.yaml (benchmarks/secrets_accuracy.py's format; each label may carry a `kind`, the
secret kind). A finding on a T line is a true positive (one per label), on any other line a false positive; a T
line with no finding is a false negative. detect-secrets (`pip install detect-secrets`; `detect-secrets scan
--all-files`) is scored on the same files, line for line, when asked.

`--negatives` scans trees holding no labelled secret (real DAG and Terraform repositories) and lists every
finding, path:line and detector (the value masked), to be judged by hand; it prints the count per 500 files
airtf-lint reads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from airtf_lint.pipeline import RunOptions, run  # noqa: E402
from benchmarks.secrets_accuracy import Score  # noqa: E402


def airtf_findings(corpus: Path) -> tuple[dict[str, set[int]], dict[str, str], list]:
    result = run(RunOptions(paths=["."], cwd=corpus))
    kinds = {f["path"]: f["kind"] for f in result.model["files"]}
    found: dict[str, set[int]] = defaultdict(set)
    findings = [f for f in result.findings if f.category == "secret"]
    for finding in findings:
        found[finding.path].add(finding.line)
    return found, kinds, findings


def detect_secrets_findings(corpus: Path, target: str = ".") -> dict[str, set[int]]:
    """The lines detect-secrets reports in `target` (relative to `corpus`), per path relative to `corpus`."""
    executable = shutil.which("detect-secrets") or str(Path(sys.executable).parent / "detect-secrets")
    out = subprocess.run([executable, "scan", "--all-files", target], cwd=corpus, capture_output=True, text=True,
                         check=True).stdout
    found: dict[str, set[int]] = defaultdict(set)
    for path, secrets in json.loads(out)["results"].items():
        for secret in secrets:
            found[path].add(secret["line_number"])
    return found


def score(corpus: Path, found: dict[str, set[int]], kinds: dict[str, str],
          peer_labels: bool = False) -> tuple[dict, dict]:
    """Scores per file kind and per secret kind. P labels (samples a peer labels true that are placeholder-shaped,
    see secrets_peer_corpus.placeholder_shaped) are negatives, or, with `peer_labels`, true as their peer says."""
    labels = yaml.safe_load((corpus / "labels.yaml").read_text("utf-8"))["files"]
    by_file: dict[str, Score] = defaultdict(Score)
    by_secret: dict[str, Score] = defaultdict(Score)
    for path, label in labels.items():
        file_kind = kinds.get(path, "undiscovered")
        placeholders = {p["line"]: p.get("kind", "?") for p in label.get("P") or []}
        true = {t["line"]: t.get("kind", "?") for t in label.get("T") or []}
        hard = {f["line"]: f.get("kind", "?") for f in label.get("F") or []}
        if peer_labels:
            true.update(placeholders)
        else:
            hard.update({line: f"{kind} (placeholder)" for line, kind in placeholders.items()})
        for line, kind in sorted(true.items()):
            for s in (by_file[file_kind], by_secret[kind]):
                if line in found.get(path, ()):
                    s.true_positives += 1
                else:
                    s.false_negatives += 1
                    s.missed.append(f"{path}:{line}")
        for line in sorted(found.get(path, set()) - set(true)):
            for s in (by_file[file_kind], by_secret[hard.get(line, "unlabelled")]):
                s.false_positives += 1
                s.wrong.append(f"{path}:{line}")
    for path in set(found) - set(labels):
        for line in found[path]:
            for s in (by_file[kinds.get(path, "unlabelled file")], by_secret["unlabelled"]):
                s.false_positives += 1
                s.wrong.append(f"{path}:{line}")
    return dict(by_file), dict(by_secret)


def _placeholder_lines(corpus: Path) -> list[tuple[str, int]]:
    labels = yaml.safe_load((corpus / "labels.yaml").read_text("utf-8"))["files"]
    return [(path, p["line"]) for path, label in labels.items() for p in label.get("P") or []]


def _total(scores: dict[str, Score]) -> Score:
    out = Score()
    for s in scores.values():
        out.true_positives += s.true_positives
        out.false_positives += s.false_positives
        out.false_negatives += s.false_negatives
    return out


def table(title: str, ours: dict[str, Score], theirs: dict[str, Score] | None) -> str:
    rows = [f"| {title} | labelled | airtf-lint P | airtf-lint R | detect-secrets P | detect-secrets R |",
            "|---|---|---|---|---|---|"]
    ours = {**dict(sorted(ours.items())), "all": _total(ours)}
    theirs = {**theirs, "all": _total(theirs)} if theirs is not None else None
    for kind, s in ours.items():
        labelled = s.true_positives + s.false_negatives
        other = theirs.get(kind) if theirs is not None else None
        cells = f"{other.precision:.2f} | {other.recall:.2f}" if other is not None else "– | –"
        rows.append(f"| {kind} | {labelled} | {s.precision:.2f} | {s.recall:.2f} | {cells} |")
    return "\n".join(rows)


def negatives(trees: list[Path]) -> None:
    files = total = 0
    for tree in trees:
        result = run(RunOptions(paths=["."], cwd=tree.resolve(), select=["secret"]))
        files += len(result.model["files"])
        for finding in result.findings:
            if finding.category != "secret":
                continue
            total += 1
            print(f"{tree.name}/{finding.path}:{finding.line} {finding.rule_id} {finding.message}")
    print(f"{total} findings in {files} files: {500 * total / max(files, 1):.2f} per 500 files")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path)
    parser.add_argument("--detect-secrets", action="store_true", help="score detect-secrets on the same files")
    parser.add_argument("--negatives", action="store_true", help="the trees hold no labelled secret: list findings")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--peer-labels", action="store_true",
                        help="score placeholder-shaped samples (P labels) as true, as their peer labels them")
    args = parser.parse_args()
    if args.negatives:
        negatives(args.corpus)
        return
    corpus = args.corpus[0].resolve()
    found, kinds, _ = airtf_findings(corpus)
    ours_file, ours_secret = score(corpus, found, kinds, args.peer_labels)
    theirs_file = theirs_secret = None
    if args.detect_secrets:
        theirs_file, theirs_secret = score(corpus, detect_secrets_findings(corpus), kinds, args.peer_labels)
    if args.json:
        print(json.dumps({"file_kind": {k: v.to_dict() for k, v in ours_file.items()},
                          "secret_kind": {k: v.to_dict() for k, v in ours_secret.items()}}, indent=2))
        return
    placeholders = _placeholder_lines(corpus)
    if placeholders and not args.peer_labels:
        reported = sum(1 for path, line in placeholders if line in found.get(path, ()))
        print(f"placeholder-shaped samples (P, scored as negatives): {len(placeholders)}, reported: {reported}\n")
    print(table("file kind", ours_file, theirs_file))
    print()
    print(table("secret kind", ours_secret, theirs_secret))
    for kind, s in sorted(ours_secret.items()):
        for where in s.missed:
            print(f"missed ({kind}): {where}")
        for where in s.wrong:
            print(f"false positive ({kind}): {where}")


if __name__ == "__main__":
    main()
