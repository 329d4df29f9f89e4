"""Redaction: what may be shown of a source line or value that can hold a secret.

Every line shown beside a finding, and every excerpt in an error message, passes through `redact_line`. It masks
(first four characters and the length, nothing more) everything the secret scanner finds, and, more broadly than
the scanner reports, any value assigned to a secret-looking name: a shown line must never be the leak. A value
Terraform marks sensitive is not shown even masked: it reads `(sensitive value)`.

All of it is linear in the text (RE2 expressions, spans joined once), so a 1 MB line costs what it weighs.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from airtf_lint.secrets import linear
from airtf_lint.secrets.names import is_secret_name
from airtf_lint.secrets.scan import spans
from airtf_lint.secrets.values import fingerprint, looks_like_secret, mask

# A name that looks like it holds a secret (what the shown line masks the value of; used beside the scanner).
# A plain alternation of words, linear in `re` as well.
SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|private_?key|access_?key|credential)", re.I)
SENSITIVE = "(sensitive value)"  # what stands for a value Terraform marks sensitive, wherever it would be shown

_QUOTED = r"(?:\"[^\"]*\"|'[^']*')"
# name = value, name: value, "name": "value", name=value (shell, URI query), with the name secret-looking
_ASSIGNMENT = linear.compile(
    r"(?P<name>[\"']?[\w.-]*(?:password|passwd|secret|token|api_?key|private_?key|access_?key|credential)[\w.-]*[\"']?)"
    r"(?P<sep>\s*(?:=|:)\s*)(?P<value>" + _QUOTED + r"|[^\s,;&)}\]]+)",
    "i",
)
# An AWS key id between word boundaries, even the documentation's example key: shown masked. (`b`, the character
# taken before it, and the one after are judged in Python: RE2's word boundaries are ASCII.)
_AWS_KEY_ID = linear.compile(r"(?:^|(?P<b>\W))(?P<s>(?:AKIA|ASIA)[0-9A-Z]{16})")
_NOT_SECRETS = ("{{", "${", "var.", "local.", "data.", "os.environ", "os.getenv", "Variable.get", SENSITIVE)

# One span to replace: (start, end) masked, or (start, end, replacement).
Span = tuple[int, int] | tuple[int, int, str]


def _assignment_value(match: linear.Match) -> tuple[int, int] | None:
    """The span of the value a secret-looking name is given, unless it is a reference, a template or masked."""
    value = match.group("value") or ""
    start, end = match.span("value")
    if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1:
        value, start, end = value[1:-1], start + 1, end - 1
    if not value or "***(" in value or any(marker in value for marker in _NOT_SECRETS):
        return None
    return start, end


def _aws_key_ids(text: str) -> Iterable[tuple[int, int]]:
    for match in _AWS_KEY_ID.finditer(text):
        start, end = match.span("s")
        if (match.matched("b") and (text[match.start("b")].isalnum() or text[match.start("b")] == "_")) or (
                end < len(text) and (text[end].isalnum() or text[end] == "_")):
            continue
        yield start, end


def mask_spans(text: str, found: Sequence[Span]) -> str:
    """`text` with each (start, end) character span masked (or given its replacement); spans must not overlap."""
    if not found:
        return text
    pieces: list[str] = []
    last = 0
    for span in sorted(found):
        start, end = span[0], span[1]
        pieces.append(text[last:start])
        pieces.append(span[2] if len(span) > 2 else mask(text[start:end]))  # type: ignore[misc]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def redact_line(text: str) -> str:
    text = mask_spans(text, spans(text))
    text = _ASSIGNMENT.sub(_masked_assignment, text)
    return mask_spans(text, list(_aws_key_ids(text)))


def _masked_assignment(match: linear.Match) -> str:
    value = _assignment_value(match)
    whole = match.group(0) or ""
    if value is None:
        return whole
    offset = match.start()
    start, end = value[0] - offset, value[1] - offset
    return whole[:start] + mask(whole[start:end]) + whole[end:]


def non_overlapping(found: Iterable[Span]) -> list[Span]:
    """`found` in order, without the spans that overlap one before them in `found`."""
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[Span] = []
    for span in found:
        index = bisect.bisect_left(starts, span[1]) - 1
        if span[0] < span[1] and (index < 0 or ends[index] <= span[0]):
            index = bisect.bisect_left(starts, span[0])
            starts.insert(index, span[0])
            ends.insert(index, span[1])
            chosen.append(span)
    return sorted(chosen)


def redaction_spans(text: str, located: Sequence[Span] = ()) -> list[Span]:
    """What `redact_line` masks, as spans of `text` itself (non-overlapping, in order): `located` (spans known
    to hold secrets) first, then what the scanner finds, then secret-named values and AWS key ids. For showing a
    window of a long line, where masking the whole line and then cutting it would lose where the window is."""
    assignments = [v for v in (_assignment_value(m) for m in _ASSIGNMENT.finditer(text)) if v is not None]
    return non_overlapping([*located, *sorted(spans(text)), *assignments, *_aws_key_ids(text)])


def _json_strings(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, decoded) of each JSON string literal in `text` (a line of a plan), quotes included."""
    for match in _JSON_STRING.finditer(text):
        try:
            decoded = json.loads(match.group(0) or '""')
        except ValueError:
            continue
        yield match.start(), match.end(), decoded


_JSON_STRING = linear.compile(r'"(?:[^"\\\n]|\\.)*"')


def sensitive_spans(text: str, sensitive: frozenset[str]) -> list[Span]:
    """The JSON strings of a plan's line whose value is one Terraform marks sensitive, replaced by SENSITIVE."""
    if not sensitive or '"' not in text:
        return []
    return [(start, end, f'"{SENSITIVE}"') for start, end, value in _json_strings(text)
            if fingerprint(value) in sensitive]


# In a string of the model: `NAME=value` with a secret-looking name (a shell's environment, a URL query), the
# broader masking of a shown line restricted to `=` so that what rules read (IAM actions such as
# `secretsmanager:GetSecretValue`, ARNs) is left as it is.
_MODEL_ASSIGNMENT = linear.compile(
    r"(?P<name>[\w.-]*(?:password|passwd|secret|token|api_?key|private_?key|access_?key|credential)[\w.-]*)"
    r"(?P<sep>=)(?P<value>[^\s,;&)}\]\"'`]+)",
    "i",
)


def redact_text(text: str, known: frozenset[str] = frozenset(), sensitive: frozenset[str] = frozenset()) -> str:
    """A string of the model: a whole string equal to a found secret masked, to a sensitive value replaced; else
    what the scanner finds in it masked, and the value of a secret-named `NAME=value`."""
    if known or sensitive:
        print_ = fingerprint(text)
        if print_ in sensitive:
            return SENSITIVE
        if print_ in known:
            return mask(text)
    text = mask_spans(text, spans(text, bare_values=False))
    if "=" not in text:
        return text
    return _MODEL_ASSIGNMENT.sub(_masked_assignment, text)


def redact_document(value: Any, known: frozenset[str], name: str = "",
                    sensitive: frozenset[str] | None = None) -> Any:
    """A copy of a JSON document (the model, when printed or sent) with secrets masked: every string equal to a
    secret the scanner found (by fingerprint), every secret inside a string (what the scanner finds, values of
    secret-looking names, AWS key ids), and every value of a secret-named key that looks like a secret. Values a
    plan marks sensitive (`sensitive`, by default read from the model's own `secrets`) read `(sensitive value)`."""
    if sensitive is None:
        sensitive = frozenset(s.get("fingerprint") for s in (value.get("secrets") or [])
                              if isinstance(s, dict) and s.get("category") == "sensitive") \
            if isinstance(value, dict) and isinstance(value.get("secrets"), list) else frozenset()
    return _redact(value, known, name, sensitive)


def _redact(value: Any, known: frozenset[str], name: str, sensitive: frozenset[str]) -> Any:
    if isinstance(value, dict):
        if sensitive and value and fingerprint(json.dumps(value, sort_keys=True)) in sensitive:
            return SENSITIVE
        return {k: _redact(v, known, k, sensitive) for k, v in value.items()}
    if isinstance(value, list):
        if sensitive and value and fingerprint(json.dumps(value, sort_keys=True)) in sensitive:
            return SENSITIVE
        return [_redact(v, known, name, sensitive) for v in value]
    if isinstance(value, str):
        if sensitive and fingerprint(value) in sensitive:
            return SENSITIVE
        if name and is_secret_name(name) and looks_like_secret(value):
            return mask(value)
        return redact_text(value, known, sensitive)
    return value
