"""Score airtf-lint's secret detection on a labelled corpus: precision and recall per file kind.

    python benchmarks/secrets_accuracy.py                              # the bundled corpus, a table
    python benchmarks/secrets_accuracy.py fixtures/secrets-corpus --json

The corpus (fixtures/secrets-corpus) has a labels.yaml: per file, the lines holding a true secret (T) and the hard
negatives (F). Every finding of a secret rule is matched to its line: on a T line it is a true positive (one per
labelled secret), anywhere else a false positive (on an F line: a hard negative missed; on an unlabelled line:
counted as a false positive too, the pessimistic reading). A T line with no finding is a false negative.
Also used by tests/test_secrets_accuracy.py, which holds the scores to a floor.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from airtf_lint.pipeline import RunOptions, run  # noqa: E402

CORPUS = REPO / "fixtures" / "secrets-corpus"


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    hard_negatives: int = 0
    missed: list[str] = field(default_factory=list)  # path:line of false negatives
    wrong: list[str] = field(default_factory=list)  # path:line of false positives

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 1.0

    def to_dict(self) -> dict:
        return {"tp": self.true_positives, "fp": self.false_positives, "fn": self.false_negatives,
                "hard_negatives": self.hard_negatives, "precision": round(self.precision, 3),
                "recall": round(self.recall, 3), "missed": self.missed, "wrong": self.wrong}


def score(corpus: Path = CORPUS) -> dict[str, Score]:
    labels = yaml.safe_load((corpus / "labels.yaml").read_text("utf-8"))["files"]
    result = run(RunOptions(paths=["."], cwd=corpus))
    kinds = {f["path"]: f["kind"] for f in result.model["files"]}
    found: dict[str, set[int]] = defaultdict(set)
    for finding in result.findings:
        if finding.category == "secret":
            found[finding.path].add(finding.line)
    scores: dict[str, Score] = defaultdict(Score)
    for path, label in labels.items():
        kind = kinds.get(path, "undiscovered")
        true_lines = {t["line"] for t in label.get("T") or []}
        hard_lines = {f["line"] for f in label.get("F") or []}
        s = scores[kind]
        s.hard_negatives += len(hard_lines)
        for line in sorted(true_lines):
            if line in found[path]:
                s.true_positives += 1
            else:
                s.false_negatives += 1
                s.missed.append(f"{path}:{line}")
        for line in sorted(found[path] - true_lines):
            s.false_positives += 1
            s.wrong.append(f"{path}:{line}")
    return dict(scores)


def total(scores: dict[str, Score]) -> Score:
    out = Score()
    for s in scores.values():
        out.true_positives += s.true_positives
        out.false_positives += s.false_positives
        out.false_negatives += s.false_negatives
        out.hard_negatives += s.hard_negatives
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    scores = score(args.corpus.resolve())
    scores_all = {**scores, "all": total(scores)}
    if args.json:
        print(json.dumps({k: v.to_dict() for k, v in scores_all.items()}, indent=2))
        return
    print("| file kind | true secrets | hard negatives | TP | FP | FN | precision | recall |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, s in scores_all.items():
        print(f"| {kind} | {s.true_positives + s.false_negatives} | {s.hard_negatives} | {s.true_positives} | "
              f"{s.false_positives} | {s.false_negatives} | {s.precision:.2f} | {s.recall:.2f} |")
    for kind, s in scores.items():
        for where in s.missed:
            print(f"missed ({kind}): {where}")
        for where in s.wrong:
            print(f"false positive ({kind}): {where}")


if __name__ == "__main__":
    main()
