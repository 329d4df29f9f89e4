"""Diff-aware runs (`--diff REV`): what a change does, wherever its effect shows.

The tree at REV (and with `--staged`, the index instead of the working tree) is read from git objects through the
same parse stage and fact cache as a normal run, without touching the working tree. Both trees are analysed as
wholes, so a policy edit in Terraform that makes a DAG's task fail shows as a new finding on the DAG file. A
finding is new when its fingerprint (rule, path, message and the flagged line's text) is not among REV's; findings
of REV that are gone are counted as fixed. Each new finding is attributed to the changed lines that caused it where
that can be said: its own line, else the changed lines of the Terraform that defines the principal it names.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from airtf_lint.discover import Discovery, classify_content, display_path, matches_any
from airtf_lint.facts import FileError, SourceFile
from airtf_lint.findings import Finding
from airtf_lint import __version__
from airtf_lint.pipeline import RunOptions, RunResult, load_pack, run

INDEX = ":index"  # the tree of staged content, as `--staged` asks for it
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's empty tree: what HEAD is before the first commit
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


class GitError(Exception):
    """Not a git repository, an unknown revision, or git missing: a usage error."""


def _git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=data, capture_output=True, check=False,
                              timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0] if done.stderr.strip()
                       else f"git {args[0]} failed")
    return done.stdout


def repository_root(cwd: Path) -> Path:
    return Path(_git(cwd, "rev-parse", "--show-toplevel").decode().strip())


@dataclass
class GitTree:
    """The files of a revision (or of the index), read from git objects."""

    root: Path
    revision: str
    _blobs: dict[str, str] = field(default_factory=dict)  # path relative to the root -> blob id
    _data: dict[str, bytes] = field(default_factory=dict)

    def _listing(self) -> Iterator[tuple[str, str, str]]:
        """(mode, blob id, path relative to the repository root)."""
        if self.revision == INDEX:
            for entry in _git(self.root, "ls-files", "-s", "-z").split(b"\0"):
                if entry:
                    meta, _, path = entry.partition(b"\t")
                    mode, blob, stage = meta.split()
                    if stage == b"0":
                        yield mode.decode(), blob.decode(), path.decode("utf-8", "surrogateescape")
            return
        for entry in _git(self.root, "ls-tree", "-r", "-z", "--full-tree", self.revision).split(b"\0"):
            if entry:
                meta, _, path = entry.partition(b"\t")
                mode, kind, blob = meta.split()
                if kind == b"blob":
                    yield mode.decode(), blob.decode(), path.decode("utf-8", "surrogateescape")

    def discover(self, options: RunOptions) -> Discovery:
        found = Discovery()
        scopes = [_relative_to_root(options.cwd / given, self.root) for given in options.paths]
        candidates: list[tuple[str, str, Path]] = []
        for mode, blob, relative in self._listing():
            if not any(scope in ("", ".") or relative == scope or relative.startswith(scope + "/") for scope in scopes):
                continue
            absolute = self.root / relative
            shown = display_path(absolute, options.cwd)
            parts = relative.split("/")
            if any(part in SKIP_IN_GIT for part in parts[:-1]) or matches_any(shown, options.exclude) or \
                    (options.include and not matches_any(shown, options.include)):
                continue
            if mode == "120000":
                found.skipped.append(FileError(shown, "symbolic link in git; not followed in the compared tree"))
                continue
            self._blobs[shown] = blob
            candidates.append((shown, blob, absolute))
        self._load([blob for _, blob, _ in candidates])  # one `git cat-file --batch` for the whole tree
        for shown, blob, absolute in candidates:
            try:
                kind = classify_content(absolute, self._data.get(blob))
            except ValueError:
                continue
            if kind is not None:
                found.files.append(SourceFile(shown, absolute, kind))
        found.files.sort(key=lambda f: f.path)
        return found

    def _load(self, blobs: Sequence[str]) -> None:
        wanted = [b for b in dict.fromkeys(blobs) if b not in self._data]
        if not wanted:
            return
        output = _git(self.root, "cat-file", "--batch", data="".join(f"{b}\n" for b in wanted).encode())
        position = 0
        for blob in wanted:
            header_end = output.index(b"\n", position)
            header = output[position:header_end].split()
            size = int(header[2]) if len(header) == 3 else 0
            start = header_end + 1
            self._data[blob] = output[start:start + size]
            position = start + size + 1

    def read(self, source: SourceFile) -> bytes:
        blob = self._blobs.get(source.path)
        if blob is None:
            return b""
        if blob not in self._data:
            self._load([blob])
        return self._data[blob]


SKIP_IN_GIT = frozenset({".terraform", "node_modules", ".venv", "venv", "__pycache__", ".terragrunt-cache"})


def _relative_to_root(path: Path, root: Path) -> str:
    try:
        return posixpath.normpath(Path(path).resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return "\0"  # outside the repository: matches nothing


# --- comparing the two runs ----------------------------------------------------------------------------------------

def changed_lines(root: Path, revision: str, staged: bool, cwd: Path) -> dict[str, list[tuple[int, int]]]:
    """Per path (as shown), the line ranges of the new side that the change added or modified; a file only
    deleted lines in gets the line where they were."""
    args = ["diff", "--no-color", "--no-ext-diff", "-U0", "--no-renames"]
    args += ["--cached", revision] if staged else [revision]
    text = _git(root, *args, "--").decode("utf-8", "replace")
    out: dict[str, list[tuple[int, int]]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None if name == "/dev/null" else display_path(root / name.removeprefix("b/"), cwd)
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                out.setdefault(current, []).append((max(start, 1), max(start, 1) + max(count, 1) - 1))
    if not staged:  # files git does not track yet are in the working tree, new from their first line
        for name in _git(root, "ls-files", "--others", "--exclude-standard", "-z").split(b"\0"):
            if name:
                shown = display_path(root / name.decode("utf-8", "surrogateescape"), cwd)
                out[shown] = [(1, 1 << 30)]
    return out


def _touches(ranges: list[tuple[int, int]], first: int, last: int) -> bool:
    return any(start <= last and first <= end for start, end in ranges)


def _principal_sources(model: dict[str, Any]) -> list[tuple[list[str], str, int, int]]:
    """For each principal: the names a message may call it by, and where its definition and grants are written."""
    terraform = model.get("terraform", {})
    out = []
    statements = terraform.get("statements", [])
    by_principal = terraform.get("statements_by_principal", {})
    for principal in terraform.get("principals", []):
        names = [str(principal[k]) for k in ("id", "arn", "email", "address", "name") if isinstance(principal.get(k),
                                                                                                 str)]
        places = [(principal.get("path"), principal.get("line"), principal.get("end_line"))]
        for index in by_principal.get(principal.get("id"), []):
            if 0 <= index < len(statements):
                s = statements[index]
                places.append((s.get("path"), s.get("line"), s.get("end_line")))
        for path, line, end in places:
            if isinstance(path, str) and isinstance(line, int):
                out.append((names, path, line, end if isinstance(end, int) else line))
    return out


def attribute(findings: list[Finding], changes: dict[str, list[tuple[int, int]]],
              model: dict[str, Any]) -> list[Finding]:
    """Each new finding with the changed lines that caused it, where that can be said."""
    sources = _principal_sources(model)
    out = []
    for finding in findings:
        causes: list[tuple[str, int, str]] = []
        own = changes.get(finding.path, [])
        if _touches(own, finding.line, finding.end_line):
            causes.append((finding.path, finding.line, "changed here"))
        else:
            for names, path, line, end in sources:
                if any(name and name in finding.message for name in names):
                    for start, stop in changes.get(path, []):
                        if start <= end and line <= stop:
                            causes.append((path, start, f"the change to {names[0]}"))
            if not causes and len(changes) == 1:
                [(path, ranges)] = changes.items()
                causes.append((path, ranges[0][0], "the only file changed"))
        unique = list({(path, line): (path, line, why) for path, line, why in causes}.values())
        out.append(replace(finding, caused_by=tuple(unique)))
    return out


@dataclass
class DiffOutcome:
    result: RunResult  # the new side, its findings reduced to the new ones
    fixed: int  # findings of REV that are gone
    base_findings: int


def _base_key(options: RunOptions, tree_id: str) -> str:
    """What decides the compared side's findings: its tree, the options that change them, the rules and the tool."""
    pack = load_pack(options.rule_dirs)
    described = {
        "tree": tree_id, "version": __version__, "paths": [str(p) for p in options.paths],
        "cwd": str(options.cwd.resolve()), "include": list(options.include),
        "exclude": list(options.exclude), "select": list(options.select), "ignore": list(options.ignore),
        "severity": options.severity, "engine": options.engine, "var_files": list(options.var_files),
        "connections": list(options.connections), "environment": options.environment,
        "thresholds": options.thresholds, "data": getattr(options, "data", {}), "pack": pack.modules,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


def _base_findings(options: RunOptions, root: Path, revision: str) -> tuple[set[str], set[tuple[str, str]], int]:
    """Fingerprints and errors of the compared tree: from the cache when that tree was analysed before with the same
    rules and options (a hook compares with the same HEAD commit after commit), else analysed now."""
    tree_id = _git(root, "rev-parse", f"{revision}^{{tree}}").decode().strip() if revision != EMPTY_TREE \
        else EMPTY_TREE
    key = _base_key(options, tree_id) if options.cache is not None else None
    if key is not None:
        cached = options.cache.get_document("runs", key)
        if isinstance(cached, dict) and isinstance(cached.get("fingerprints"), list):
            return (set(cached["fingerprints"]), {tuple(e) for e in cached.get("errors", [])},
                    int(cached.get("findings", 0)))
    base = run(options, None, GitTree(root, revision))
    fingerprints = [f.fingerprint for f in base.findings]
    errors = sorted({(e.path, e.message) for e in base.errors})
    if key is not None:
        options.cache.put_document("runs", key, {"fingerprints": fingerprints, "errors": errors,
                                                 "findings": len(base.findings)})
    return set(fingerprints), set(errors), len(base.findings)


def run_diff(options: RunOptions, revision: str, staged: bool = False, progress: Any = None) -> DiffOutcome:
    root = repository_root(options.cwd)
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except GitError:
        if revision != "HEAD":
            raise GitError(f"unknown revision {revision!r}") from None
        revision = EMPTY_TREE  # the first commit: everything is new
    before, before_errors, base_count = _base_findings(options, root, revision)
    head = run(options, progress, GitTree(root, INDEX) if staged else None)
    after = {f.fingerprint for f in head.findings}
    new = [f for f in head.findings if f.fingerprint not in before]
    changes = changed_lines(root, revision, staged, options.cwd)
    result = replace(head, findings=attribute(new, changes, head.model),
                     errors=[e for e in head.errors if (e.path, e.message) not in before_errors])
    return DiffOutcome(result, sum(1 for fingerprint in before if fingerprint not in after), base_count)
