"""Modules `terraform init` installed under <root>/.terraform/modules, described by its modules.json.

They are used when present and never downloaded. Discovery finds each root's manifest and the installed folders it
names; the parse stage reads them (so the fact cache covers them) as files of their own kinds, for evaluation only:
a third-party module's syntax errors are not the user's to fix, and its code is not searched for secrets.
"""

from __future__ import annotations

import json
import posixpath

MANIFEST = ".terraform/modules/modules.json"


def _join(root: str, relative: str) -> str:
    return posixpath.normpath(relative if root in (".", "") else posixpath.join(root, relative))


def manifest_root(manifest_path: str) -> str:
    """The root module folder a manifest (`<root>/.terraform/modules/modules.json`) belongs to."""
    return posixpath.dirname(posixpath.dirname(posixpath.dirname(manifest_path))) or "."


def manifest_folders(text: str) -> dict[str, str]:
    """Module key ("vpc", "vpc.subnets") -> installed folder relative to the root module, for each non-local
    module. A manifest that is not what `terraform init` writes gives nothing; folders leaving the root do not
    count."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    found = {}
    for entry in document.get("Modules", []) if isinstance(document, dict) else []:
        if not isinstance(entry, dict):
            continue
        key, folder, source = entry.get("Key"), entry.get("Dir"), str(entry.get("Source", ""))
        if isinstance(key, str) and key and isinstance(folder, str) and not source.startswith(("./", "../")) \
                and not posixpath.isabs(folder) and ".." not in folder.split("/"):
            found[key] = posixpath.normpath(folder)
    return found


def read_manifest(text: str, manifest_path: str) -> dict[str, str]:
    """Module key -> installed folder as shown (relative to the working directory, like manifest_path)."""
    root = manifest_root(manifest_path)
    return {key: _join(root, folder) for key, folder in manifest_folders(text).items()}
