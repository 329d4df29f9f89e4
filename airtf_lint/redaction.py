"""Redaction: what may be shown of a source line or value that can hold a secret.

Every line shown beside a finding, and every excerpt in an error message, passes through `redact_line`: a value
assigned to a secret-looking name (password, secret, token, key...) and an AWS access key id keep their first four
characters and their length, nothing more.
"""

from __future__ import annotations

import re

SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|private_?key|access_?key|credential)", re.I)
_QUOTED = r"(?:\"[^\"]*\"|'[^']*')"
# name = value, name: value, "name": "value", name=value (shell, URI query), with the name secret-looking
_ASSIGNMENT = re.compile(
    r"(?P<name>[\"']?[\w.-]*(?:password|passwd|secret|token|api_?key|private_?key|access_?key|credential)[\w.-]*[\"']?)"
    r"(?P<sep>\s*(?:=|:)\s*)(?P<value>" + _QUOTED + r"|[^\s,;&)}\]]+)",
    re.I,
)
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_NOT_SECRETS = ("{{", "${", "var.", "local.", "data.", "os.environ", "os.getenv", "Variable.get")


def mask(value: str) -> str:
    return f"{value[:4]}***({len(value)} chars)"


def _masked_assignment(match: re.Match[str]) -> str:
    value = match.group("value")
    inner = value[1:-1] if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1 else value
    if not inner or any(marker in inner for marker in _NOT_SECRETS):
        return match.group(0)
    quote = value[0] if inner is not value else ""
    return f"{match.group('name')}{match.group('sep')}{quote}{mask(inner)}{quote}"


def redact_line(text: str) -> str:
    return _AWS_KEY_ID.sub(lambda m: mask(m.group(0)), _ASSIGNMENT.sub(_masked_assignment, text))
