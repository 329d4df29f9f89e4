"""The discover stage: walk the given paths and decide what each file is, by name and, where names lie, by content."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from airtf_lint.facts import FileError, FileKind, SourceFile
from airtf_lint.parsers.connections import looks_like_connections
from airtf_lint.parsers.dag import looks_like_dag
from airtf_lint.parsers.plan import looks_like_plan
from airtf_lint.parsers.text import UnreadableFile, decode, read_head

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".terragrunt-cache",
})
_HEAD_BYTES = 65536


@dataclass
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the working directory when under it, always with `/`."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def matches_any(rel_path: str, patterns: Sequence[str]) -> bool:
    """gitignore-like: a pattern without `/` matches any path component; one with `/` matches from the top."""
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            if fnmatchcase(rel_path, pattern) or fnmatchcase(rel_path, pattern + "/*"):
                return True
        elif any(fnmatchcase(part, pattern) for part in rel_path.split("/")):
            return True
    return False


# airtf-lint's own configuration (it may list connections) is read as configuration, never as input.
OWN_FILES = frozenset({".airtf-lint.yaml", ".airtf-lint.yml"})


def classify(path: Path, explicit: bool = False) -> FileKind | None:
    name = path.name.lower()
    if name in OWN_FILES:
        return None
    if name.endswith((".tfstate", ".tfstate.backup")):
        return FileKind.STATE
    if name.endswith((".tf", ".tf.json")):
        return FileKind.TERRAFORM
    if name.endswith((".tfvars", ".tfvars.json")):
        return FileKind.TFVARS
    if name.endswith(".tfbackend"):
        return FileKind.TFBACKEND
    suffix = path.suffix.lower()
    if suffix == ".py":
        return _classify_python(path, explicit)
    if suffix in (".json", ".yaml", ".yml") or name == ".env" or name.startswith(".env.") or suffix == ".env":
        return _classify_by_content(path, suffix if suffix in (".json", ".yaml", ".yml") else ".env")
    return None


def _head_text(path: Path) -> str | None:
    try:
        return decode(read_head(path, _HEAD_BYTES))
    except UnreadableFile:
        return None
    except UnicodeDecodeError:
        return None


def _classify_python(path: Path, explicit: bool) -> FileKind | None:
    head = _head_text(path)
    if head is None:
        # A .py file that is not text: report it rather than skip it silently.
        return FileKind.DAG
    return FileKind.DAG if explicit or looks_like_dag(head) else FileKind.PYTHON


def _classify_by_content(path: Path, suffix: str) -> FileKind | None:
    if suffix in (".yaml", ".yml") and path.name.lower().startswith(("docker-compose", "compose.")):
        return FileKind.CONNECTIONS  # where Airflow's own environment (and its secrets) is often written
    raw = read_head(path, _HEAD_BYTES)
    try:
        head = decode(raw)
    except (UnreadableFile, UnicodeDecodeError):
        head = raw.decode("utf-8", errors="ignore").replace("\x00", "")
    if suffix == ".json" and looks_like_plan(head):
        return FileKind.PLAN
    if suffix == ".env" or looks_like_connections(head, suffix):
        return FileKind.CONNECTIONS
    return None


def discover(paths: Sequence[str], cwd: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> Discovery:
    found = Discovery()
    seen: set[tuple[int, int] | Path] = set()
    for given in paths:
        start = (cwd / given) if not os.path.isabs(given) else Path(given)
        shown = display_path(Path(os.path.normpath(start)), cwd)
        if not start.exists():
            found.errors.append(FileError(shown, "no such file or directory"))
        elif start.is_dir():
            _walk(Path(os.path.normpath(start)), cwd, include, exclude, found, seen)
        else:
            _add_explicit(Path(os.path.normpath(start)), shown, found, seen)
    found.files.sort(key=lambda f: f.path)
    return found


def _identity(path: Path) -> tuple[int, int] | Path:
    """The same file reached twice (through a linked directory, or named twice) is analysed once."""
    try:
        stat = os.stat(path)
    except OSError:
        return path
    return (stat.st_dev, stat.st_ino)


def _add_explicit(path: Path, shown: str, found: Discovery, seen: set[tuple[int, int] | Path]) -> None:
    identity = _identity(path)
    if identity in seen:
        return
    seen.add(identity)
    kind = classify(path, explicit=True)
    if kind is not None:
        found.files.append(SourceFile(shown, path, kind))
    elif path.suffix.lower() == ".json":
        found.errors.append(FileError(shown, "not a Terraform plan (`terraform show -json` output) nor an Airflow "
                                             "connections export: no format_version/planned_values found", 1))
    else:
        found.errors.append(FileError(shown, "unsupported file type: expected .py, .tf, .tf.json, .tfvars, "
                                             ".tfbackend, .tfstate, plan JSON or a connections file"))


def _walk(root: Path, cwd: Path, include: Sequence[str], exclude: Sequence[str], found: Discovery,
          seen: set[tuple[int, int] | Path]) -> None:
    # Directories are identified by (device, inode) along the current branch, so a link back up is a loop.
    stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
    try:
        stat = root.stat()
        stack.append((root, ((stat.st_dev, stat.st_ino),)))
    except OSError as exc:
        found.errors.append(FileError(display_path(root, cwd), f"cannot read directory: {exc.strerror}"))
    while stack:
        directory, ancestors = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            found.errors.append(FileError(display_path(directory, cwd), f"cannot read directory: {exc.strerror}"))
            continue
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            shown = display_path(path, cwd)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name in SKIP_DIRS or (path / "pyvenv.cfg").exists() or matches_any(shown, exclude):
                    continue
                try:
                    stat = path.stat()
                except OSError as exc:
                    found.errors.append(FileError(shown, f"cannot read directory: {exc.strerror}"))
                    continue
                key = (stat.st_dev, stat.st_ino)
                if key in ancestors:
                    target = os.readlink(path) if path.is_symlink() else str(path)
                    found.errors.append(FileError(shown, f"directory symlink loop (points back to {target}); "
                                                         "not followed"))
                    continue
                subdirs.append((path, ancestors + (key,)))
                continue
            if not entry.is_file(follow_symlinks=True) and not entry.is_symlink():
                continue
            if entry.is_symlink() and not path.exists():
                continue  # dangling link: nothing to read
            if matches_any(shown, exclude) or (include and not matches_any(shown, include)):
                continue
            kind = classify(path)
            if kind is None:
                continue
            identity = _identity(path)
            if identity not in seen:
                seen.add(identity)
                found.files.append(SourceFile(shown, path, kind))
        stack.extend(reversed(subdirs))
