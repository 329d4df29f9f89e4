"""Score airtf-lint (and detect-secrets) on Samsung/CredData's labelled real code, rebuilt from local git mirrors.

    python benchmarks/creddata.py build --creddata CREDDATA_DIR --mirrors MIRRORS_DIR OUT_DIR [--ext .py]
    python benchmarks/creddata.py score OUT_DIR [--detect-secrets] [--misses]

CredData (Apache-2.0) ships only labels: `meta/<repo>.csv` rows (`FilePath`, `LineStart`, `LineEnd`,
`GroundTruth` T/F/X, `Category`) and `snapshot.json` (repository URL per key; the key's first 40 hex digits are
the pinned commit). Its download script clones each repository from GitHub. `build` does the same from local
mirrors instead: for `https://github.com/owner/name` it reads the git directory `MIRRORS_DIR/owner+name/repo`
(bare, or holding `.git`), `MIRRORS_DIR/owner+name` or `MIRRORS_DIR/owner/name`, at the pinned commit, and writes
each labelled file to its CredData path (`data/<repo id>/<scope>/<sha256(path)[:8]><ext>`), the values as
committed (not obfuscated). Repositories that are missing, or whose commit the mirror lacks, are listed and left
out. Nothing of CredData or the repositories belongs in this repository: OUT_DIR is a scratch folder.

`score` follows CredData's method (`benchmark/scanner/scanner.py`): a finding on a line in `LineStart..LineEnd`
of a T row is a true positive (one per row), on an F or X row a false positive, and a T row with no finding a
false negative. Findings on lines no row labels are counted apart ("unlabelled"). Figures are given per
category and per path scope (`test` when the scope holds a test word, else `src`).
"""

from __future__ import annotations

import argparse
import binascii
import csv
import hashlib
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from airtf_lint.pipeline import RunOptions, run  # noqa: E402
from benchmarks.secrets_accuracy import Score  # noqa: E402
from benchmarks.secrets_compare import detect_secrets_findings  # noqa: E402

META_FIELDS = ["Id", "FileID", "Domain", "RepoName", "FilePath", "LineStart", "LineEnd", "GroundTruth",
               "ValueStart", "ValueEnd", "CryptographyKey", "PredefinedPattern", "Category"]


def repo_id(key: str) -> str:
    return f"{binascii.crc32(binascii.unhexlify(key)):08x}"


def git_dir(mirrors: Path, url: str) -> Path | None:
    owner, name = url.rstrip("/").split("/")[-2:]
    for candidate in (mirrors / f"{owner}+{name}" / "repo", mirrors / f"{owner}+{name}", mirrors / owner / name):
        if (candidate / ".git").is_dir():
            return candidate / ".git"
        if (candidate / "HEAD").is_file():
            return candidate
    return None


def _git(gitdir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True, check=True).stdout


def build(creddata: Path, mirrors: Path, out: Path, extensions: tuple[str, ...]) -> dict[str, str]:
    """Write every labelled file of the wanted extensions; return the status of each repository."""
    snapshot = json.loads((creddata / "snapshot.json").read_text("utf-8"))
    status: dict[str, str] = {}
    kept: list[dict] = []
    for key, url in snapshot.items():
        meta = creddata / "meta" / f"{repo_id(key)}.csv"
        if not meta.is_file():
            continue
        with meta.open(newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["FilePath"].lower().endswith(extensions)]
        if not rows:
            continue
        gitdir = git_dir(mirrors, url)
        commit = key[:40]
        if gitdir is None:
            status[url] = "no mirror"
            continue
        try:
            listing = _git(gitdir, "ls-tree", "-r", "-z", "--name-only", commit).decode("utf-8", "surrogateescape")
        except subprocess.CalledProcessError:
            status[url] = f"commit {commit[:12]} not in the mirror"
            continue
        wanted = {r["FileID"]: r["FilePath"] for r in rows}
        found = 0
        for path in filter(None, listing.split("\0")):
            file_id = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:8]
            if file_id in wanted:
                target = out / wanted.pop(file_id)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_git(gitdir, "cat-file", "blob", f"{commit}:{path}"))
                found += 1
        missing = set(wanted.values())
        kept.extend(r for r in rows if r["FilePath"] not in missing)
        status[url] = f"{found} files" + (f", {len(missing)} not found" if missing else "")
    with (out / "meta.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=META_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(kept)
    return status


def airtf_lines(out: Path) -> dict[str, set[int]]:
    result = run(RunOptions(paths=["data"], cwd=out, select=["secret"]))
    found: dict[str, set[int]] = defaultdict(set)
    for finding in result.findings:
        if finding.category == "secret":
            found[finding.path].add(finding.line)
    return found


def _scope(path: str) -> str:
    parts = path.split("/")[2:-1]
    return "test" if any("test" in p or "sample" in p or "example" in p for p in parts) else "src"


def score(out: Path, found: dict[str, set[int]]) -> tuple[dict[str, Score], int]:
    with (out / "meta.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    tallies: dict[str, Score] = defaultdict(Score)
    labelled: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        path, start, end = row["FilePath"], int(row["LineStart"]), int(row["LineEnd"])
        lines = set(range(start, end + 1))
        labelled[path] |= lines
        hit = bool(found.get(path, set()) & lines)
        where = f"{path}:{start}"
        groups = ("all", f"scope {_scope(path)}", *(f"category {c}" for c in row["Category"].split(":")))
        for group in groups:
            tally = tallies[group]
            if row["GroundTruth"] == "T":
                if hit:
                    tally.true_positives += 1
                else:
                    tally.false_negatives += 1
                    tally.missed.append(where)
            elif hit:
                tally.false_positives += 1
                tally.wrong.append(where)
    unlabelled = sum(len(lines - labelled.get(path, set())) for path, lines in found.items())
    return dict(tallies), unlabelled


def _table(ours: dict[str, Score], theirs: dict[str, Score] | None) -> str:
    rows = ["| group | T rows | airtf-lint P | airtf-lint R | detect-secrets P | detect-secrets R |",
            "|---|---|---|---|---|---|"]
    def labelled(score: Score) -> int:
        return score.true_positives + score.false_negatives

    order = sorted(ours, key=lambda g: (g != "all", not g.startswith("scope"), -labelled(ours[g]), g))
    for group in order:
        s = ours[group]
        if labelled(s) == 0 and group != "all":
            continue
        other = theirs.get(group) if theirs else None
        cells = f"{other.precision:.2f} | {other.recall:.2f}" if other else "– | –"
        rows.append(f"| {group} | {labelled(s)} | {s.precision:.2f} | {s.recall:.2f} | {cells} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--creddata", type=Path, required=True, help="CredData's meta/ and snapshot.json")
    b.add_argument("--mirrors", type=Path, required=True)
    b.add_argument("--ext", action="append", help="file extensions to keep (default .py)")
    b.add_argument("out", type=Path)
    s = sub.add_parser("score")
    s.add_argument("out", type=Path)
    s.add_argument("--detect-secrets", action="store_true")
    s.add_argument("--misses", action="store_true", help="list every missed and wrong row")
    args = parser.parse_args()
    if args.command == "build":
        for url, state in build(args.creddata, args.mirrors, args.out, tuple(args.ext or [".py"])).items():
            print(f"{url}: {state}")
        return
    ours, unlabelled = score(args.out, airtf_lines(args.out))
    theirs = None
    if args.detect_secrets:
        theirs, their_unlabelled = score(args.out, detect_secrets_findings(args.out, "data"))
        print(f"detect-secrets: {their_unlabelled} findings on unlabelled lines")
    print(f"airtf-lint: {unlabelled} findings on unlabelled lines")
    print(_table(ours, theirs))
    if args.misses:
        for where in ours["all"].missed:
            print(f"missed: {where}")
        for where in ours["all"].wrong:
            print(f"wrong: {where}")


if __name__ == "__main__":
    main()
