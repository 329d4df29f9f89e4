"""The discover stage: walk the given paths and decide what each file is, by name and, where names lie, by content."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from airtf_lint.facts import FileError, FileKind, SourceFile
from airtf_lint.parsers.text import (
    UnreadableFile,
    decode,
    decode_python,
    read_bytes,
    read_head,
)
from airtf_lint.terraform.installed import manifest_folders
from airtf_lint.sniff import (
    PLAN_KEYS,
    is_shell_like,
    looks_like_cli_connections,
    looks_like_connections,
    looks_like_dag,
    looks_like_plan,
)

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".terragrunt-cache",
})
_HEAD_BYTES = 65536


@dataclass
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    skipped: list[FileError] = field(default_factory=list)  # links and special files deliberately not read


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
# Terragrunt configuration (HCL): where a Terragrunt-wrapped root module's backend is written.
TERRAGRUNT_FILES = frozenset({"terragrunt.hcl", "root.hcl"})


class _Content:
    """A file's bytes for classifying it: read from the disk on demand, or given (a blob of a git tree)."""

    def __init__(self, path: Path, data: bytes | None = None) -> None:
        self.path, self.data = path, data

    def head(self) -> bytes:
        return self.data[:_HEAD_BYTES] if self.data is not None else read_head(self.path, _HEAD_BYTES)

    def whole(self) -> bytes:
        return self.data if self.data is not None else read_bytes(self.path)


def classify(path: Path, explicit: bool = False) -> FileKind | None:
    return _classify(path, explicit, _Content(path))


def classify_content(path: Path, data: bytes | None) -> FileKind | None:
    """What a file is, from its name and (when given) bytes that are not on the disk."""
    return _classify(path, False, _Content(path, data if data is not None else b""))


def _classify(path: Path, explicit: bool, content: _Content) -> FileKind | None:
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
    if name in TERRAGRUNT_FILES:
        return FileKind.TERRAGRUNT
    suffix = path.suffix.lower()
    if suffix == ".py":
        return _classify_python(content, explicit)
    if suffix in (".json", ".yaml", ".yml") or name == ".env" or name.startswith(".env.") or suffix == ".env":
        return _classify_by_content(path, suffix if suffix in (".json", ".yaml", ".yml") else ".env", content)
    if is_shell_like(name):
        return _classify_shell(content)
    return None


def _classify_shell(content: _Content) -> FileKind | None:
    """A shell script, entrypoint or Dockerfile that creates Airflow connections with the CLI; any other is not
    read (it is not a file kind the linter knows)."""
    try:
        head = content.head().decode("utf-8", errors="ignore")
    except UnreadableFile:
        return None
    return FileKind.CONNECTIONS if looks_like_cli_connections(head) else None


def _head_text(content: _Content) -> str | None:
    try:
        return decode_python(content.head())
    except UnreadableFile:
        return None
    except UnicodeDecodeError:
        return None


def _classify_python(content: _Content, explicit: bool) -> FileKind | None:
    head = _head_text(content)
    if head is None:
        # A .py file that is not text: report it rather than skip it silently.
        return FileKind.DAG
    return FileKind.DAG if explicit or looks_like_dag(head) else FileKind.PYTHON


def _classify_by_content(path: Path, suffix: str, content: _Content) -> FileKind | None:
    """Raises UnreadableFile for a file that cannot be read: reported, never silently dropped."""
    if suffix in (".yaml", ".yml") and path.name.lower().startswith(("docker-compose", "compose.")):
        return FileKind.CONNECTIONS  # where Airflow's own environment (and its secrets) is often written
    raw = content.head()
    try:
        head = decode(raw)
    except (UnreadableFile, UnicodeDecodeError):
        head = raw.decode("utf-8", errors="ignore").replace("\x00", "")
    if suffix == ".json" and (looks_like_plan(head) or (len(raw) == _HEAD_BYTES and _plan_past_head(content, head))):
        return FileKind.PLAN
    if suffix == ".env" or looks_like_connections(head, suffix):
        return FileKind.CONNECTIONS
    return None


def _plan_past_head(content: _Content, head: str) -> bool:
    """A large JSON object whose plan keys come after the first 64 KB (a plan with sorted keys, `jq -S`, puts a
    long `configuration` first): looked for in the whole file, in linear time."""
    if not head.lstrip("\ufeff \t\r\n").startswith("{"):
        return False
    data = content.whole()
    return b'"format_version"' in data and any(f'"{key}"'.encode() in data for key in PLAN_KEYS)


def discover(paths: Sequence[str], cwd: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> Discovery:
    """The files to analyse under `paths`. Only regular files are read, and a symbolic link is followed only when
    its target stays inside the scanned paths (for files named one by one, as pre-commit passes them: inside the
    working directory); anything else is listed in `skipped` by its own path, never by its target's."""
    found = Discovery()
    seen: set[tuple[int, int] | Path] = set()
    starts = [Path(os.path.normpath(cwd / given if not os.path.isabs(given) else given)) for given in paths]
    roots = _Roots([_real(start) for start in starts if start.is_dir()], _real(cwd))
    for start in starts:
        shown = display_path(start, cwd)
        if not os.path.lexists(start):
            found.errors.append(FileError(shown, "no such file or directory"))
        elif start.is_dir():
            _walk(start, cwd, include, exclude, found, seen, roots)
        else:
            _add_explicit(start, shown, found, seen, roots)
    found.files.sort(key=lambda f: f.path)
    found.skipped.sort(key=lambda e: e.path)
    return found


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


@dataclass(frozen=True)
class _Roots:
    """Where a followed link may lead: the scanned folders, and for files named one by one the working directory."""

    scanned: list[Path]
    cwd: Path

    def allows(self, target: Path, explicit: bool) -> bool:
        return any(target.is_relative_to(root) for root in (*self.scanned, *((self.cwd,) if explicit else ())))


def _link_problem(path: Path, roots: _Roots, explicit: bool) -> str | None:
    """Why a symbolic link is not followed, or None when it may be."""
    if not path.is_symlink():
        return None
    if not roots.allows(_real(path), explicit):
        return "symbolic link to a target outside the scanned paths; not followed"
    return None


def _regular_file_problem(path: Path) -> str | None:
    """Why a path that names a file is not read: a loop, a FIFO or a device are skipped, never opened."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop; not followed"
        return f"cannot read file: {exc.strerror}"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device); not read"
    return None


def _identity(path: Path) -> tuple[int, int] | Path:
    """The same file reached twice (through a linked directory, or named twice) is analysed once."""
    try:
        info = os.stat(path)
    except OSError:
        return path
    return (info.st_dev, info.st_ino)


def _add_explicit(path: Path, shown: str, found: Discovery, seen: set[tuple[int, int] | Path],
                  roots: _Roots) -> None:
    problem = _link_problem(path, roots, explicit=True) or _regular_file_problem(path)
    if problem is not None:
        found.skipped.append(FileError(shown, problem))
        return
    identity = _identity(path)
    if identity in seen:
        return
    seen.add(identity)
    try:
        kind = classify(path, explicit=True)
    except UnreadableFile as exc:
        found.errors.append(FileError(shown, exc.message, exc.line))
        return
    if kind is not None:
        found.files.append(SourceFile(shown, path, kind))
    elif path.suffix.lower() == ".json":
        found.errors.append(FileError(shown, "not a Terraform plan (`terraform show -json` output) nor an Airflow "
                                             "connections export: no format_version/planned_values found", 1))
    else:
        found.errors.append(FileError(shown, "unsupported file type: expected .py, .tf, .tf.json, .tfvars, "
                                             ".tfbackend, .tfstate, plan JSON or a connections file"))


def _add_installed_modules(terraform_dir: Path, cwd: Path, found: Discovery, seen: set[tuple[int, int] | Path],
                           roots: _Roots) -> None:
    """What `terraform init` installed beside a root: its manifest, and the top-level .tf files of each installed
    folder the manifest names (inside the scanned paths only). Read by the parse stage like every other file."""
    manifest = terraform_dir / "modules" / "modules.json"
    if _regular_file_problem(manifest) is not None or _link_problem(manifest, roots, explicit=False) is not None:
        return
    shown_manifest = display_path(manifest, cwd)
    try:
        folders = manifest_folders(decode(read_bytes(manifest, MAX_MANIFEST_BYTES)))
    except UnreadableFile:
        return
    found.files.append(SourceFile(shown_manifest, manifest, FileKind.MODULE_MANIFEST))
    for folder in sorted(set(folders.values())):
        directory = terraform_dir.parent / folder
        if not directory.is_dir() or not roots.allows(_real(directory), explicit=False):
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            path = directory / name
            if not name.endswith((".tf", ".tf.json")) or _regular_file_problem(path) is not None or \
                    _link_problem(path, roots, explicit=False) is not None:
                continue
            identity = _identity(path)
            if identity not in seen:
                seen.add(identity)
                found.files.append(SourceFile(display_path(path, cwd), path, FileKind.INSTALLED_MODULE))


MAX_MANIFEST_BYTES = 4 * 1024 * 1024


def _might_be_input(name: str) -> bool:
    """By name alone: whether a file could be one we read (so a skipped one is worth a word)."""
    name = name.lower()
    return name.endswith((".tf", ".tf.json", ".tfvars", ".tfvars.json", ".tfbackend", ".tfstate", ".tfstate.backup",
                          ".py", ".json", ".yaml", ".yml", ".env")) or name == ".env" or name.startswith(".env.")


def _walk(root: Path, cwd: Path, include: Sequence[str], exclude: Sequence[str], found: Discovery,
          seen: set[tuple[int, int] | Path], roots: _Roots) -> None:
    # Directories are identified by (device, inode) along the current branch, so a link back up is a loop.
    stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
    try:
        info = root.stat()
        stack.append((root, ((info.st_dev, info.st_ino),)))
    except OSError as exc:
        found.errors.append(FileError(display_path(root, cwd), f"cannot read directory: {exc.strerror}"))
    while stack:
        directory, ancestors = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            found.errors.append(FileError(display_path(directory, cwd), f"cannot read directory: {exc.strerror}"))
            continue
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            shown = display_path(path, cwd)
            try:
                is_link = entry.is_symlink()
                info = os.stat(path) if is_link else entry.stat(follow_symlinks=False)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    found.skipped.append(FileError(shown, "symbolic link loop; not followed"))
                elif exc.errno != errno.ENOENT:  # a dangling link: nothing to read
                    found.errors.append(FileError(shown, f"cannot read: {exc.strerror}"))
                continue
            if stat.S_ISDIR(info.st_mode):
                if entry.name == ".terraform" and not is_link:
                    _add_installed_modules(path, cwd, found, seen, roots)
                    continue
                if entry.name in SKIP_DIRS or os.path.exists(path / "pyvenv.cfg") or matches_any(shown, exclude):
                    continue
                if is_link and not roots.allows(_real(path), explicit=False):
                    found.skipped.append(FileError(shown, "symbolic link to a folder outside the scanned paths; "
                                                          "not followed"))
                    continue
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    found.skipped.append(FileError(shown, "directory symlink loop (points back to "
                                                          f"{os.readlink(path) if is_link else shown}); not followed"))
                    continue
                subdirs.append((path, ancestors + (key,)))
                continue
            if matches_any(shown, exclude) or (include and not matches_any(shown, include)):
                continue
            if not stat.S_ISREG(info.st_mode) or (is_link and not roots.allows(_real(path), explicit=False)):
                if _might_be_input(entry.name):
                    found.skipped.append(FileError(shown, "symbolic link to a target outside the scanned paths; "
                                                          "not followed" if stat.S_ISREG(info.st_mode) else
                                                          "not a regular file (a FIFO, socket or device); not read"))
                continue
            try:
                kind = classify(path)
            except UnreadableFile as exc:
                found.errors.append(FileError(shown, exc.message, exc.line))
                continue
            if kind is None:
                continue
            identity = (info.st_dev, info.st_ino)
            if identity not in seen:
                seen.add(identity)
                found.files.append(SourceFile(shown, path, kind))
        stack.extend(reversed(subdirs))
