"""JSON loading with located errors, and finding the line a key or address sits on (json gives no positions)."""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

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


class LineIndex:
    """Maps character offsets to 1-based line numbers in O(log n)."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


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
