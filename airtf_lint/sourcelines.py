"""Source lines of analysed files, read once and only when something needs them (findings' context, locating
policy statements). State files are never read."""

from __future__ import annotations

from pathlib import Path

from airtf_lint.facts import FileKind, SourceFile
from airtf_lint.parsers.text import UnreadableFile, read_text
from airtf_lint.redaction import redact_line


# Files whose lines routinely hold secrets: their text is read for fingerprints and locations, never shown.
NEVER_SHOWN = frozenset({FileKind.STATE, FileKind.CONNECTIONS})


class SourceLines:
    def __init__(self, sources: dict[str, SourceFile]) -> None:
        self._sources = sources
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            source = self._sources.get(path)
            self._lines[path] = [] if source is None or source.kind is FileKind.STATE else _safe_lines(source.absolute)
        return self._lines[path]

    def line(self, path: str, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def shown_line(self, path: str, number: int) -> str:
        """The line to show a user beside a finding: empty for files that hold secrets, redacted otherwise."""
        source = self._sources.get(path)
        if source is None or source.kind in NEVER_SHOWN:
            return ""
        return redact_line(self.line(path, number))


def _safe_lines(path: Path) -> list[str]:
    try:
        return read_text(path).splitlines()
    except UnreadableFile:
        return []
