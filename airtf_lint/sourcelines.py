"""Source lines of analysed files, read once and only when something needs them (findings' context, locating
policy statements). State files are never read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from airtf_lint.facts import FileKind, SecretFact, SourceFile
from airtf_lint.parsers.text import UnreadableFile, read_text
from airtf_lint.redaction import redact_line
from airtf_lint.secrets.values import mask

# Files whose lines routinely hold secrets: their text is read for fingerprints and locations, never shown.
NEVER_SHOWN = frozenset({FileKind.STATE, FileKind.CONNECTIONS})


class SourceLines:
    def __init__(self, sources: dict[str, SourceFile],
                 secrets: dict[str, Sequence[SecretFact]] | None = None) -> None:
        self._sources = sources
        self._lines: dict[str, list[str]] = {}
        # Where the secret scanner found secrets: masked on the lines shown even when the line alone does not
        # say it is a secret (a secret-named variable's `default = "..."`).
        self._secrets: dict[tuple[str, int], list[tuple[int, int | None]]] = {}
        for path, found in (secrets or {}).items():
            for secret in found:
                at = secret.location
                for number in range(at.line, (at.end_line or at.line) + 1):
                    start = at.column if number == at.line else 1
                    end = at.end_column if number == (at.end_line or at.line) else None
                    self._secrets.setdefault((path, number), []).append((start, end))

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
        text = self.line(path, number)
        for start, end in sorted(self._secrets.get((path, number), []), reverse=True):
            stop = len(text) if end is None else end - 1
            if 0 < start <= stop <= len(text):
                text = text[:start - 1] + mask(text[start - 1:stop]) + text[stop:]
        return redact_line(text)


def _safe_lines(path: Path) -> list[str]:
    try:
        return read_text(path).splitlines()
    except UnreadableFile:
        return []
