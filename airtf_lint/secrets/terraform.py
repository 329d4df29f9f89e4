"""What only parsed HCL shows: a secret-named variable's literal default (the text scan sees `default = "..."`,
whose name says nothing). `sensitive = true` hides a value from Terraform's output, not from the repository."""

from __future__ import annotations

from airtf_lint.facts import HclBlock, Location, SecretFact
from airtf_lint.secrets.names import is_secret_name
from airtf_lint.secrets.values import fingerprint, looks_like_secret, mask


def variable_defaults(blocks: list[HclBlock], text: str) -> list[SecretFact]:
    found = []
    lines: list[str] | None = None  # split only for a file that has such a default: this runs on every .tf file
    for block in blocks:
        if block.type != "variable" or not block.labels or not is_secret_name(block.labels[0]):
            continue
        default = block.attributes.get("default")
        if default is None or not isinstance(default.value, str) or not looks_like_secret(default.value):
            continue
        lines = text.splitlines() if lines is None else lines
        line = default.location.line
        raw = lines[line - 1] if 0 < line <= len(lines) else ""
        column = raw.find(default.value)
        start = column + 1 if column >= 0 else default.location.column
        location = Location(default.location.path, line, start, line, start + len(default.value))
        found.append(SecretFact("variable_default", "secret in a variable default", "variable_default",
                                block.labels[0], location, mask(default.value), fingerprint(default.value)))
    return found
