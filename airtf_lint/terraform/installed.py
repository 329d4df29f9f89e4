"""Modules `terraform init` installed under <root>/.terraform/modules, described by its modules.json.

They are used when present and never downloaded. Discovery skips .terraform folders, so their .tf files are
parsed here, for evaluation only: a third-party module's syntax errors are not the user's to fix.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

from airtf_lint.facts import FileFacts, FileKind, SourceFile
from airtf_lint.parsers.registry import parse_file
from airtf_lint.parsers.text import UnreadableFile, read_text

MANIFEST = ".terraform/modules/modules.json"


def _join(root: str, relative: str) -> str:
    return posixpath.normpath(relative if root == "." else posixpath.join(root, relative))


def read_installed_modules(cwd: Path, root: str) -> dict[str, str]:
    """Module key ("vpc", "vpc.subnets") -> folder (relative to cwd) for each installed, non-local module."""
    manifest = cwd / root / MANIFEST
    if not manifest.is_file():
        return {}
    try:
        document = json.loads(read_text(manifest))
    except (UnreadableFile, json.JSONDecodeError):
        return {}
    found = {}
    for entry in document.get("Modules", []) if isinstance(document, dict) else []:
        if not isinstance(entry, dict):
            continue
        key, folder, source = entry.get("Key"), entry.get("Dir"), str(entry.get("Source", ""))
        if isinstance(key, str) and key and isinstance(folder, str) and not source.startswith(("./", "../")):
            found[key] = _join(root, folder)
    return found


def parse_module_folder(cwd: Path, folder: str) -> list[FileFacts]:
    directory = cwd / folder
    if not directory.is_dir() or not directory.resolve().is_relative_to(cwd.resolve()):
        return []
    facts = []
    base = cwd.resolve()
    for path in sorted(directory.iterdir()):
        # A link out of the repository is not followed here either (read_text refuses what is not a regular file).
        if path.name.endswith((".tf", ".tf.json")) and path.resolve().is_relative_to(base) and path.is_file():
            parsed = parse_file(SourceFile(_join(folder, path.name), path, FileKind.TERRAFORM))
            parsed.errors.clear()
            facts.append(parsed)
    return facts
