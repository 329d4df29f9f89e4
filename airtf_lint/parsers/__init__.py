"""The parse stage: one file in, its facts out (airtf_lint.parsers.registry).

This package's modules are imported on demand: `airtf_lint.parsers.text` (reading files) must not pull in every
parser, so that commands which parse nothing (`--help`, an empty folder) start at once.
"""

from __future__ import annotations

from typing import Any

_REGISTRY_NAMES = frozenset({"PARSERS", "parse_file", "parse_data", "unreadable", "describe_exception",
                             "exception_line", "Parser"})


def __getattr__(name: str) -> Any:
    if name in _REGISTRY_NAMES:
        from airtf_lint.parsers import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'airtf_lint.parsers' has no attribute {name!r}")
