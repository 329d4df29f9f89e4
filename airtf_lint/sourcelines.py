"""Source lines of analysed files, read once and only when something needs them (findings' context, locating
policy statements). State files are never read."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from airtf_lint.facts import FileKind, SecretFact, SourceFile
from airtf_lint.parsers.text import UnreadableFile, decode_for, read_bytes
from airtf_lint.redaction import (
    SENSITIVE,
    Span,
    mask_spans,
    non_overlapping,
    redact_line,
    redaction_spans,
    sensitive_spans,
)
from airtf_lint.secrets.values import mask

# Files whose lines routinely hold secrets: their text is read for fingerprints and locations, never shown.
NEVER_SHOWN = frozenset({FileKind.STATE, FileKind.CONNECTIONS})


class SourceLines:
    def __init__(self, sources: dict[str, SourceFile],
                 secrets: dict[str, Sequence[SecretFact]] | None = None,
                 read: Callable[[SourceFile], bytes] | None = None) -> None:
        self._sources = sources
        # Where the bytes come from: the disk, or the git tree a --diff run compares with.
        self._read = read or (lambda source: read_bytes(source.absolute))
        self._lines: dict[str, list[str]] = {}
        # Where the secret scanner found secrets: masked on the lines shown even when the line alone does not
        # say it is a secret (a secret-named variable's `default = "..."`).
        # A value a plan marks sensitive is replaced by SENSITIVE, not masked, wherever its file shows it.
        self._secrets: dict[tuple[str, int], list[tuple[int, int | None, bool]]] = {}
        self._sensitive: dict[str, frozenset[str]] = {}
        for path, found in (secrets or {}).items():
            for secret in found:
                at = secret.location
                sensitive = secret.category == "sensitive"
                for number in range(at.line, (at.end_line or at.line) + 1):
                    start = at.column if number == at.line else 1
                    end = at.end_column if number == (at.end_line or at.line) else None
                    self._secrets.setdefault((path, number), []).append((start, end, sensitive))
            fingerprints = frozenset(s.fingerprint for s in found if s.category == "sensitive")
            if fingerprints:
                self._sensitive[path] = fingerprints
        # A line's spans to mask, computed once however many findings show it (30,000 on one line).
        self._spans: dict[tuple[str, int], list[Span]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            source = self._sources.get(path)
            self._lines[path] = [] if source is None or source.kind is FileKind.STATE else self._safe_lines(source)
        return self._lines[path]

    def _safe_lines(self, source: SourceFile) -> list[str]:
        try:
            return decode_for(source.absolute, self._read(source)).splitlines()
        except UnreadableFile:
            return []

    def line(self, path: str, number: int) -> str:
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def shown_line(self, path: str, number: int, column: int | None = None, width: int | None = None) -> str:
        """The line to show a user beside a finding: empty for files that hold secrets, redacted otherwise.

        With a `width`, what is returned fits it (tabs expanded): a longer line is shown around `column` (where the
        finding is), cut with `…` at both ends and followed by a note of its length, its secrets masked on the
        whole line first so that a cut never shows part of one."""
        source = self._sources.get(path)
        if source is None or source.kind in NEVER_SHOWN:
            return ""
        text = self.line(path, number)
        if width is not None and len(text) > width:
            return self._window(path, number, text, (column or 1) - 1, width)
        shown = redact_line(mask_spans(text, self._located(path, number, text)))
        return shown if width is None else shown.expandtabs(4)[:width]

    def _located(self, path: str, number: int, text: str) -> list[Span]:
        """The spans the scanner located on a line, and the plan's sensitive strings on it, not overlapping."""
        located: list[Span] = []
        for start, end, sensitive in self._secrets.get((path, number), []):
            a, b = start - 1, len(text) if end is None else end - 1
            if 0 <= a < b <= len(text):
                located.append((a, b, SENSITIVE) if sensitive else (a, b))
        fingerprints = self._sensitive.get(path)
        if fingerprints:
            located = [*sensitive_spans(text, fingerprints), *located]  # the whole JSON string, quotes included
        return non_overlapping(located)

    def _window(self, path: str, number: int, text: str, column: int, width: int) -> str:
        key = (path, number)
        if key not in self._spans:
            self._spans[key] = redaction_spans(text, self._located(path, number, text))
        spans = self._spans[key]
        note = f"  (line of {len(text):,} characters)"
        budget = max(20, width - len(note) - 2)
        column = min(max(column, 0), len(text))
        start = max(0, column - budget // 3)
        # Never start inside a masked span: start where it starts.
        index = bisect.bisect_right(spans, (start, len(text) + 1)) - 1
        if index >= 0 and spans[index][0] < start < spans[index][1]:
            start = spans[index][0]
        index = bisect.bisect_left(spans, (start,))
        pieces: list[str] = []
        used = 0
        position = start
        while position < len(text) and used < budget:
            next_span = spans[index] if index < len(spans) else None
            if next_span is not None and next_span[0] <= position:
                shown = next_span[2] if len(next_span) > 2 else mask(text[next_span[0]:next_span[1]])  # type: ignore[misc]
                if used and used + len(shown) > budget:
                    break
                pieces.append(shown)
                used += len(shown)
                position = next_span[1]
                index += 1
                continue
            stop = min(len(text), next_span[0] if next_span is not None else len(text), position + budget - used)
            pieces.append(text[position:stop].replace("\t", " "))
            used += stop - position
            position = stop
        return ("…" if start > 0 else "") + "".join(pieces) + ("…" if position < len(text) else "") + note


