"""One pass over a file's text for secrets: provider formats, literals given secret-ish names, passwords in URIs.

The same scanner serves every file kind (DAG code, HCL, tfvars, connection files, plans, state): what differs is
only whether bare values (`password: abc`, `PASSWORD=abc`) count, which they do in YAML and .env files but not in
code, where a bare word is an expression. Keyword pre-filters run over the whole text before any expression, so a
file without a candidate costs one lower-casing and a few substring tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from airtf_lint.facts import Location, SecretFact
from airtf_lint.lineindex import LineIndex
from airtf_lint.secrets.formats import AWS_SECRET, AWS_SECRET_CONTEXT, FORMATS
from airtf_lint.secrets.names import NAME_FRAGMENTS, is_secret_name
from airtf_lint.secrets.values import (
    character_classes,
    fingerprint,
    looks_like_secret,
    looks_like_uri_password,
    mask,
    strip_auth_scheme,
)

# name = "value", "name": "value", name: "value", name => "value", name == "value", ("name", "value"), with the
# quotes optionally escaped (JSON inside a string), an optional Python annotation, an optional string prefix.
_QUOTED_ASSIGNMENT = re.compile(
    r"""(?P<nq>\\?["']?)(?P<name>[A-Za-z_$@][\w.$@-]{0,100})(?P=nq)"""
    r"""(?:[ \t]*:[ \t]*[A-Za-z_][\w\[\]., |]{0,40}?(?=[ \t]*=))?"""
    r"""[ \t]*(?:==|:=|=>|=|:|(?<=["']),)[ \t]*(?:[rRuU]{1,2}(?=["']))?"""
    r"""(?P<vq>\\?["'])(?P<value>[^"'\\\n]{1,1000})(?P=vq)"""
)
# YAML and .env: name: value / NAME=value / export NAME=value, the value unquoted.
_BARE_ASSIGNMENT = re.compile(
    r"""^[ \t]*(?:export[ \t]+|-[ \t]+)?(?P<name>[A-Za-z_][\w.-]{0,100})[ \t]*[:=][ \t]*"""
    r"""(?P<value>[^\s"'#|>&*!{\[][^\s#]{0,1000})[ \t]*(?:#.*)?$""",
    re.M,
)
# scheme://user:password@host; the password may not hold `@`, `/` or whitespace unescaped.
_URI = re.compile(r"""(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}://(?P<user>[^\s:/@"'`<>{}]*):(?P<password>[^\s/@"'`<>]{1,300})@(?=[\w\[.%-])""")
_SERVICE_ACCOUNT_FILE = re.compile(r"""["']?type["']?\s*[:=]\s*\\?["']service_account""")  # a key file's marker
_AWS_SECRET_WINDOW = 3  # lines either side of a secret that may hold the key id or name pairing it


@dataclass(frozen=True, slots=True)
class _Hit:
    detector: str
    title: str
    category: str
    start: int
    end: int
    name: str | None = None


def scan_text(text: str, path: str, bare_values: bool = False) -> list[SecretFact]:
    hits = list(_hits(text, bare_values))
    if not hits:
        return []
    lines = LineIndex(text)
    return [_fact(text, path, hit, lines) for hit in hits]


def _lower(text: str) -> str:
    """Lower case with offsets kept: a few characters (`İ`) lower-case to two."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _hits(text: str, bare_values: bool) -> Iterator[_Hit]:
    lowered = _lower(text)
    claimed: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in claimed)

    for secret_format in FORMATS:
        if not any(keyword in lowered for keyword in secret_format.keywords):
            continue
        for match in secret_format.pattern.finditer(text):
            group = 1 if match.lastindex else 0
            start, end = match.span(group)
            if secret_format.valid is not None and not secret_format.valid(match.group(group)):
                continue
            if free(start, end) and "example" not in match.group(group).lower():
                claimed.append((start, end))
                if secret_format.id == "private_key" and _SERVICE_ACCOUNT_FILE.search(text):
                    yield _Hit("gcp_service_account_key", "GCP service-account key", "format", start, end)
                else:
                    yield _Hit(secret_format.id, secret_format.title, "format", start, end)
    yield from _aws_secrets(text, lowered, claimed, free)
    if "://" in text:
        for match in _URI.finditer(text):
            start, end = match.span("password")
            if free(start, end) and looks_like_uri_password(match.group("password"), match.group("user")):
                claimed.append((start, end))
                yield _Hit("uri_password", "password in a URI", "uri", start, end)
    for offset, line in _candidate_lines(text, lowered):
        yield from _assignment_hits(line, offset, bare_values, free, claimed)


def _candidate_lines(text: str, lowered: str) -> list[tuple[int, str]]:
    """(offset, line) of every line holding a fragment of a secret-ish name, in order."""
    starts: set[int] = set()
    for fragment in NAME_FRAGMENTS:
        position = lowered.find(fragment)
        while position >= 0:
            start = lowered.rfind("\n", 0, position) + 1
            starts.add(start)
            end = lowered.find("\n", position)
            position = lowered.find(fragment, end) if end >= 0 else -1
    out = []
    for start in sorted(starts):
        end = text.find("\n", start)
        out.append((start, text[start:end if end >= 0 else len(text)]))
    return out


def _assignment_hits(line: str, offset: int, bare_values: bool, free, claimed: list[tuple[int, int]]) -> Iterator[_Hit]:
    for match in _assignments(line, bare_values):
        name, value = match.group("name"), match.group("value")
        start, end = offset + match.start("value"), offset + match.end("value")
        secret = strip_auth_scheme(value.strip())
        start += value.index(secret) if secret in value else 0
        end = start + len(secret)
        if free(start, end) and is_secret_name(name.rsplit(".", 1)[-1]) and looks_like_secret(value):
            claimed.append((start, end))
            yield _Hit("secret_assignment", "literal secret", "assignment", start, end, name.rsplit(".", 1)[-1])


def _assignments(text: str, bare_values: bool) -> Iterator[re.Match[str]]:
    yield from _QUOTED_ASSIGNMENT.finditer(text)
    if bare_values:
        yield from _BARE_ASSIGNMENT.finditer(text)


def _aws_secrets(text: str, lowered: str, claimed: list[tuple[int, int]], free) -> Iterator[_Hit]:
    if "secret" not in lowered and "akia" not in lowered and "asia" not in lowered:
        return
    lines, lowered_lines = text.split("\n"), lowered.split("\n")  # same offsets: _lower keeps the length
    context_lines = [i for i, line in enumerate(lines)
                     if ("secret" in lowered_lines[i] or "AKIA" in line or "ASIA" in line)
                     and AWS_SECRET_CONTEXT.search(line)]
    if not context_lines:
        return
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    near_lines = sorted({near for number in context_lines
                         for near in range(max(0, number - _AWS_SECRET_WINDOW),
                                           min(len(lines), number + _AWS_SECRET_WINDOW + 1))})
    for near in near_lines:
        for match in AWS_SECRET.finditer(lines[near]):
            value = match.group(0)
            start, end = starts[near] + match.start(), starts[near] + match.end()
            # Random base64 mixes classes; a 40-letter word, hex digest or path does not.
            if character_classes(value) >= 3 and re.search(r"[0-9]", value) and free(start, end):
                claimed.append((start, end))
                yield _Hit("aws_secret_access_key", "AWS secret access key", "format", start, end)


def _fact(text: str, path: str, hit: _Hit, lines: LineIndex) -> SecretFact:
    value = text[hit.start:hit.end]
    line = lines.line(hit.start)
    end_line = lines.line(max(hit.start, hit.end - 1))
    line_start = text.rfind("\n", 0, hit.start) + 1
    end_line_start = text.rfind("\n", 0, hit.end) + 1 if end_line != line else line_start
    location = Location(path, line, hit.start - line_start + 1, end_line, hit.end - end_line_start + 1)
    return SecretFact(hit.detector, hit.title, hit.category, hit.name, location, mask(value), fingerprint(value))


def spans(text: str, bare_values: bool = True) -> list[tuple[int, int]]:
    """Where the secrets of a text are (for redaction)."""
    return [(hit.start, hit.end) for hit in _hits(text, bare_values)]
