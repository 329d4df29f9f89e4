"""Redaction: what may be shown of a source line or value that can hold a secret.

Every line shown beside a finding, and every excerpt in an error message, passes through `redact_line`. It masks
(first four characters and the length, nothing more) everything the secret scanner finds, and, more broadly than
the scanner reports, any value assigned to a secret-looking name: a shown line must never be the leak.
"""

from __future__ import annotations

import re
from typing import Any

from airtf_lint.secrets.names import is_secret_name
from airtf_lint.secrets.scan import spans
from airtf_lint.secrets.values import fingerprint, looks_like_secret, mask

SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|private_?key|access_?key|credential)", re.I)
_QUOTED = r"(?:\"[^\"]*\"|'[^']*')"
# name = value, name: value, "name": "value", name=value (shell, URI query), with the name secret-looking
_ASSIGNMENT = re.compile(
    r"(?P<name>[\"']?[\w.-]*(?:password|passwd|secret|token|api_?key|private_?key|access_?key|credential)[\w.-]*[\"']?)"
    r"(?P<sep>\s*(?:=|:)\s*)(?P<value>" + _QUOTED + r"|[^\s,;&)}\]]+)",
    re.I,
)
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")  # even the documentation's example key: shown masked
_NOT_SECRETS = ("{{", "${", "var.", "local.", "data.", "os.environ", "os.getenv", "Variable.get")


def _masked_assignment(match: re.Match[str]) -> str:
    value = match.group("value")
    inner = value[1:-1] if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1 else value
    if not inner or "***(" in inner or any(marker in inner for marker in _NOT_SECRETS):
        return match.group(0)
    quote = value[0] if inner is not value else ""
    return f"{match.group('name')}{match.group('sep')}{quote}{mask(inner)}{quote}"


def mask_spans(text: str, found: list[tuple[int, int]]) -> str:
    """`text` with each (start, end) character span masked; spans must not overlap."""
    for start, end in sorted(found, reverse=True):
        text = text[:start] + mask(text[start:end]) + text[end:]
    return text


def redact_line(text: str) -> str:
    text = mask_spans(text, spans(text))
    text = _ASSIGNMENT.sub(_masked_assignment, text)
    return _AWS_KEY_ID.sub(lambda m: mask(m.group(0)), text)


def _redact_string(text: str, known: frozenset[str]) -> str:
    if fingerprint(text) in known:
        return mask(text)
    return mask_spans(text, spans(text, bare_values=False))


def redact_document(value: Any, known: frozenset[str], name: str = "") -> Any:
    """A copy of a JSON document (the model, when printed) with secrets masked: every string equal to a secret
    the scanner found (by fingerprint), every secret inside a string (formats, URI passwords), and every value of a
    secret-named key that looks like a secret."""
    if isinstance(value, dict):
        return {k: redact_document(v, known, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_document(v, known, name) for v in value]
    if isinstance(value, str):
        if name and is_secret_name(name) and looks_like_secret(value):
            return mask(value)
        return _redact_string(value, known)
    return value
