"""Regular expressions that run in linear time, whatever the input: RE2 (google-re2) behind a small `re`-like API.

Python's `re` backtracks: `[\\w.-]*password` over a 30 KB word, or a PEM header repeated with no END, takes
quadratic time or worse, and a repository's files are written by whoever opens the pull request. RE2 has no
backtracking, hence no lookaround and no backreferences: patterns here are written without them, and the few
conditions they expressed (what may precede or follow a token) are checked in Python on the match.

Python's `\\w`, `\\s` and `\\d` are Unicode-aware on str patterns, RE2's are ASCII: `compile` rewrites them so
that a pattern means here what it meant to `re` (`\\s` exactly as str.isspace; `\\w` as letters, digits and `_`
of any script, `\\d` as decimal digits of any script).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import re2

# str.isspace, which Python's \s follows for str patterns.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
_WORD = r"0-9A-Za-z_\p{L}\p{N}"
_DIGIT = r"\p{Nd}"
# For a bounded repetition (`{0,100}`), where a Unicode class repeated makes a program too large for RE2's DFA
# (it then falls back to a much slower automaton): word characters as ASCII letters, digits, `_` and every
# non-ASCII character. Used inside a class: `[{WIDE_WORD}.-]{0,100}`.
WIDE_WORD = r"0-9A-Za-z_\x{80}-\x{10FFFF}"
_CLASSES = {"s": _SPACE, "w": _WORD, "d": _DIGIT}
_UNANCHORED = re2._Anchor.UNANCHORED
_NO_MATCH = re2._NULL_SPAN
_OPTIONS = re2.Options()
_OPTIONS.max_mem = 64 << 20  # bounded repetitions of Unicode classes make large programs
_OPTIONS.log_errors = False  # a bad pattern raises; RE2 need not also write to stderr


def translate(pattern: str) -> str:
    """`pattern` with Python's Unicode meaning of `\\s`, `\\w`, `\\d` spelt out for RE2 (inside classes too)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escape = pattern[i + 1]
            if escape in _CLASSES:
                out.append(_CLASSES[escape] if in_class else f"[{_CLASSES[escape]}]")
            elif escape.lower() in _CLASSES and escape.isupper():
                if in_class:
                    raise ValueError(f"\\{escape} inside a character class: spell it out ({pattern!r})")
                out.append(f"[^{_CLASSES[escape.lower()]}]")
            elif escape in "bBAZ":
                raise ValueError(f"\\{escape} has another meaning in RE2: rewrite it ({pattern!r})")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            # a `]` or `^]` right after the opening bracket is a literal
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):
                out.append(r"\]")
                i += 1
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


class Match:
    """A match: groups by index or name, spans in characters of the searched str."""

    __slots__ = ("_text", "_spans", "_index")

    def __init__(self, text: str, spans: list[tuple[int, int]], index: dict[str, int]) -> None:
        self._text = text
        self._spans = spans
        self._index = index

    def _number(self, group: int | str) -> int:
        return group if isinstance(group, int) else self._index[group]

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self._spans[self._number(group)]

    def start(self, group: int | str = 0) -> int:
        return self._spans[self._number(group)][0]

    def end(self, group: int | str = 0) -> int:
        return self._spans[self._number(group)][1]

    def group(self, group: int | str = 0) -> str | None:
        start, end = self._spans[self._number(group)]
        return None if start < 0 else self._text[start:end]

    def matched(self, group: int | str) -> bool:
        return self._spans[self._number(group)][0] >= 0

    def first(self, *groups: str) -> str:
        """The name of the first of `groups` that took part in the match (one of several alternatives)."""
        for group in groups:
            if self._spans[self._index[group]][0] >= 0:
                return group
        raise LookupError(groups)


def _spans(found: re2._Match, groups: int) -> list[tuple[int, int]]:
    # The pinned google-re2 keeps a match's spans in `_spans`; its public `span()` costs a call into C++ per group.
    spans = getattr(found, "_spans", None)
    return spans if spans is not None else [found.span(g) for g in range(groups + 1)]


class Pattern:
    """An RE2 expression, compiled on first use; `flags` is a string of inline flags (`i`, `m`, `s`).

    Compiling the scanner's forty-odd patterns costs 0.15 s: a run whose facts all come from the cache, or that
    shows a few lines, compiles only what it uses."""

    __slots__ = ("pattern", "flags", "_re", "_index", "_groups")

    def __init__(self, pattern: str, flags: str = "") -> None:
        self.pattern = pattern
        self.flags = flags
        self._re: Any = None
        self._index: dict[str, int] = {}
        self._groups = 0

    def _compiled(self) -> Any:
        if self._re is None:
            source = translate(self.pattern)
            compiled = re2.compile(f"(?{self.flags}){source}" if self.flags else source, _OPTIONS)
            self._index = dict(compiled.groupindex)
            self._groups = compiled.groups
            self._re = compiled
        return self._re

    def finditer(self, text: str) -> Iterator[Match]:
        self._compiled()
        index = self._index
        for spans in self.spans(text):
            yield Match(text, spans, index)

    def group_number(self, name: str) -> int:
        self._compiled()
        return self._index[name]

    def spans(self, text: str) -> Iterator[list[tuple[int, int]]]:
        """The spans of every match's groups ((-1, -1) for a group not in the match), without match objects."""
        compiled = self._compiled()
        if not text.isascii():
            for found in compiled.finditer(text):
                yield _spans(found, self._groups)
            return
        # ASCII text is searched as bytes, whose offsets are the characters': straight through RE2's own matcher
        # (what google-re2's finditer does for bytes, without building its match objects).
        data = text.encode("ascii")
        regexp = compiled._regexp
        position, end = 0, len(data)
        while True:
            spans = regexp.Match(_UNANCHORED, data, position, end)
            if spans[0] == _NO_MATCH:
                return
            yield spans
            if position == end:
                return
            position = position + 1 if position == spans[0][1] else spans[0][1]

    def search(self, text: str) -> Match | None:
        return next(self.finditer(text), None)

    def match(self, text: str) -> Match | None:
        """A match at the start of `text` (as `re.Pattern.match`)."""
        return self._anchored("match", text)

    def fullmatch(self, text: str) -> Match | None:
        return self._anchored("fullmatch", text)

    def _anchored(self, how: str, text: str) -> Match | None:
        subject: str | bytes = text.encode("ascii") if text.isascii() else text
        found = getattr(self._compiled(), how)(subject)
        if found is None:
            return None
        return Match(text, _spans(found, self._groups), self._index)

    def sub(self, replace: Callable[[Match], str], text: str) -> str:
        pieces: list[str] = []
        last = 0
        for match in self.finditer(text):
            start, end = match.span()
            pieces.append(text[last:start])
            pieces.append(replace(match))
            last = end
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)


def compile(pattern: str, flags: str = "") -> Pattern:  # noqa: A001 - the re module's name, on purpose
    return Pattern(pattern, flags)


class Keywords:
    """Which of many literal strings a text holds, in one linear pass (RE2::Set) whatever their number: `k in text`
    once per keyword costs a pass per keyword."""

    __slots__ = ("keywords", "_set")

    def __init__(self, keywords: tuple[str, ...]) -> None:
        self.keywords = keywords
        self._set = re2.Set.SearchSet(_OPTIONS)
        for keyword in keywords:
            self._set.Add(re2.escape(keyword.encode("utf-8")))
        self._set.Compile()

    def present(self, text: str) -> set[str]:
        data = text.encode("ascii") if text.isascii() else text.encode("utf-8", "surrogatepass")
        return {self.keywords[index] for index in self._set.Match(data) or ()}  # None: none of them
