"""Inline suppression comments: `# airtf-lint: ignore[ID,...] reason` (also `//` in HCL).

The comment covers its own line and the line below it, so it can sit at the end of the flagged line or above it.
Found by the parse stage (one pass over text every parser reads anyway), applied by the filter stage.

Teams migrating from other secret scanners keep their annotations: detect-secrets' `pragma: allowlist secret`
(its own line) and `pragma: allowlist nextline secret` (the line below), and gitleaks' `gitleaks:allow`, suppress
the secret rules on the line they name.
"""

from __future__ import annotations

import re

from airtf_lint.facts import Suppression

# Also matches `// airtf-lint: ...` and `/* airtf-lint: ... */` markers in HCL.
_COMMENT = re.compile(r"(?:#|//|/\*)\s*airtf-lint:\s*ignore\[([^\]]*)\][ \t]*([^\n]*)")
_PRAGMA = "airtf-lint:"
_ALLOWLIST = re.compile(r"pragma:\s*allowlist[ \t]+(nextline[ \t]+)?secret|gitleaks:allow")
_SECRET_RULES = ("secret",)  # the category: every secret rule


def find_suppressions(text: str) -> list[Suppression]:
    found: list[Suppression] = []
    if "allow" in text:
        for match in _ALLOWLIST.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            next_line = match.group(0).startswith("pragma") and bool(match.group(1))
            found.append(Suppression(line + next_line, _SECRET_RULES, match.group(0), lines=1))
    if _PRAGMA not in text:
        return found
    for match in _COMMENT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        ids = tuple(part.strip() for part in match.group(1).split(",") if part.strip())
        reason = match.group(2).strip().removesuffix("*/").strip()
        found.append(Suppression(line=line, rule_ids=ids, reason=reason))
    return found


def covers(suppression: Suppression, rule_id: str, category: str, line: int) -> bool:
    if not suppression.line <= line < suppression.line + suppression.lines:
        return False
    return any(token in ("all", "*", rule_id, category) for token in suppression.rule_ids)
