"""What a root module is for, and where a Terragrunt-wrapped root's backend is written.

A folder that configures Terraform and that nothing in the tree calls is a root module, but not every such folder
is applied as one: a module's `examples/` show how to call it, `test/` and `fixtures/` folders are applied by test
harnesses into throw-away accounts, and a reusable module's own folder (no `provider` block) is called from other
repositories. `purpose` says which (`deployment`, `example`, `test`, `module`), so that state rules can judge only
what is applied for real (or, per the configuration's `thresholds.example_roots: always`, examples and tests too).

A root wrapped by Terragrunt (a `terragrunt.hcl` in its folder or above, or a `root.hcl` above) gets its backend
from Terragrunt: the `remote_state` block, or a `generate "backend"` block whose contents hold a `backend` block, of
the nearest such file at or above it (an included parent's counts, as `include { path = find_in_parent_folders() }`
makes it apply).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterable
from typing import Any

from airtf_lint.facts import FileFacts, FileKind, HclBlock, is_unknown

EXAMPLE_FOLDERS = frozenset({"examples", "example", "samples", "sample", "demo", "demos", "_examples"})
TEST_FOLDERS = frozenset({"test", "tests", "testing", "fixtures", "fixture", "test-fixtures", "testdata",
                          "test_fixtures", "integration", "e2e"})
# Folders of a module repository that hold callable modules, not roots (terraform-aws-modules' wrappers).
MODULE_FOLDERS = frozenset({"wrappers", "wrapper"})
_GENERATED_BACKEND = re.compile(r'backend\s+"([A-Za-z0-9_-]+)"')


def _module_repository(module_dirs: Collection[str]) -> bool:
    """Whether the scanned tree holds Terraform outside every examples/ folder: a module repository, whose
    examples/ show how to call its modules. A tree whose only Terraform is under examples/ (a demo platform,
    airtf-lint's own bundled example) keeps deployments there: its roots are applied."""
    return any(not (set(d.split("/")) & EXAMPLE_FOLDERS) for d in module_dirs)


def purpose(folder: str, blocks: Iterable[HclBlock], has_backend: bool,
            module_dirs: Collection[str] | None = None) -> str:
    """`module_dirs`: every folder holding Terraform (without it, any examples/ or test/ folder counts)."""
    parts = set(folder.split("/")) if folder != "." else set()
    if parts & EXAMPLE_FOLDERS and (module_dirs is None or _module_repository(module_dirs)):
        return "example"
    if parts & TEST_FOLDERS:  # test and fixture folders are applied by test harnesses, never for real
        return "test"
    if has_backend:
        return "deployment"
    if parts & MODULE_FOLDERS or not any(b.type == "provider" for b in blocks):
        return "module"
    return "deployment"


def _dir(path: str) -> str:
    return posixpath.dirname(path) or "."


def _ancestors(folder: str) -> list[str]:
    out = [folder]
    while folder not in (".", ""):
        parent = _dir(folder)
        if parent == folder:  # "/" (paths outside the working directory are shown absolute)
            break
        folder = parent
        out.append(folder)
    return out


def _backend_of(facts: FileFacts) -> dict[str, Any] | None:
    for block in facts.hcl_blocks:
        if block.type == "remote_state":
            values = block.values()
            backend = values.get("backend")
            config = values.get("config")
            return {"type": backend if isinstance(backend, str) else None,
                    "config": config if isinstance(config, dict) else {}, "via": "remote_state",
                    **block.location.to_dict()}
        if block.type == "generate" and block.labels and block.labels[0] == "backend":
            contents = block.values().get("contents")
            text = contents if isinstance(contents, str) else (contents.get("expr", "") if is_unknown(contents)
                                                               else "")
            match = _GENERATED_BACKEND.search(str(text))
            return {"type": match.group(1) if match else None, "config": {}, "via": "generate",
                    **block.location.to_dict()}
    return None


def terragrunt_backends(all_facts: Iterable[FileFacts]) -> dict[str, dict[str, Any]]:
    """Terragrunt folder -> {path (of its terragrunt.hcl/root.hcl), backend}."""
    out: dict[str, dict[str, Any]] = {}
    for facts in all_facts:
        if facts.source.kind is not FileKind.TERRAGRUNT:
            continue
        folder = _dir(facts.source.path)
        entry = out.setdefault(folder, {"path": facts.source.path, "backend": None,
                                        "wraps": posixpath.basename(facts.source.path) == "terragrunt.hcl"})
        backend = _backend_of(facts)
        if backend is not None and entry["backend"] is None:
            entry["backend"] = backend
            entry["path"] = facts.source.path
        entry["wraps"] = entry["wraps"] or posixpath.basename(facts.source.path) == "terragrunt.hcl"
    return out


def terragrunt_for(folder: str, found: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The Terragrunt configuration a root is wrapped by: {path, backend}, or None when none is at or above it."""
    chain = [found[d] for d in _ancestors(folder) if d in found]
    if not chain:
        return None
    backend = next((c["backend"] for c in chain if c["backend"] is not None), None)
    return {"path": chain[0]["path"], "backend": backend}
