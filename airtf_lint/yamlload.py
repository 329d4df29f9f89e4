"""YAML for airtf-lint's own data, configuration and rule metadata: libyaml's C loader when PyYAML has it (eight
times faster than the pure-Python one; the data files alone cost a second of start-up without it)."""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    return yaml.load(source, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
