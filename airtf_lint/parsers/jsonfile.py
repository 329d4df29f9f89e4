"""JSON loading with located errors, and finding the line a key or address sits on (json gives no positions)."""

from __future__ import annotations

import json
import re
from typing import Any

from airtf_lint.lineindex import LineIndex
from airtf_lint.parsers.text import UnreadableFile


def load_json(text: str, what: str = "JSON") -> Any:
    if not text.strip():
        raise UnreadableFile(f"empty file: expected {what}", 1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise UnreadableFile(f"invalid {what}: {exc.msg} at column {exc.colno}{hint}", exc.lineno) from None
    except RecursionError:
        raise UnreadableFile(f"invalid {what}: nested too deeply") from None


def key_pattern(key: str) -> re.Pattern[str]:
    return re.compile(re.escape(json.dumps(key)) + r"\s*:")


def first_values_of(text: str, key: str) -> dict[str, int]:
    """For every string value of `key` (e.g. "address"), the line of its first occurrence."""
    lines = LineIndex(text)
    found: dict[str, int] = {}
    for match in re.finditer(re.escape(json.dumps(key)) + r'\s*:\s*("(?:[^"\\]|\\.)*")', text):
        try:
            value = json.loads(match.group(1))
        except json.JSONDecodeError:
            continue
        found.setdefault(value, lines.line(match.start()))
    return found
