"""Source lines of analysed files, read once and only when something needs them (findings' context, locating
policy statements). State files are never read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from airtf_lint.facts import FileKind, SecretFact, SourceFile
from airtf_lint.parsers.text import UnreadableFile, read_text
from airtf_lint.redaction import mask_spans, redact_line

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
        located = [(start - 1, len(text) if end is None else end - 1)
                   for start, end in self._secrets.get((path, number), [])]
        return redact_line(mask_spans(text, [(a, b) for a, b in located if 0 <= a < b <= len(text)]))


def _safe_lines(path: Path) -> list[str]:
    try:
        return read_text(path).splitlines()
    except UnreadableFile:
        return []
