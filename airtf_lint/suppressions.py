"""Inline suppression comments: `# airtf-lint: ignore[ID,...] reason` (also `//` in HCL).

The comment covers its own line and the line below it, so it can sit at the end of the flagged line or above it.
Found by the parse stage (one pass over text every parser reads anyway), applied by the filter stage.
"""

from __future__ import annotations

import re

from airtf_lint.facts import Suppression

# Also matches `// airtf-lint: ...` and `/* airtf-lint: ... */` markers in HCL.
_COMMENT = re.compile(r"(?:#|//|/\*)\s*airtf-lint:\s*ignore\[([^\]]*)\][ \t]*([^\n]*)")
_PRAGMA = "airtf-lint:"


def find_suppressions(text: str) -> list[Suppression]:
    if _PRAGMA not in text:
        return []
    found: list[Suppression] = []
    for match in _COMMENT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        ids = tuple(part.strip() for part in match.group(1).split(",") if part.strip())
        reason = match.group(2).strip().removesuffix("*/").strip()
        found.append(Suppression(line=line, rule_ids=ids, reason=reason))
    return found


def covers(suppression: Suppression, rule_id: str, category: str, line: int) -> bool:
    if line not in (suppression.line, suppression.line + 1):
        return False
    return any(token in ("all", "*", rule_id, category) for token in suppression.rule_ids)
