"""Findings: a rule's deny result with its metadata attached and a fingerprint that survives line moves."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from airtf_lint.rulepack import SEVERITIES, RuleMeta
if TYPE_CHECKING:  # the lines are read through it; importing it costs the secret scanner's start-up
    from airtf_lint.sourcelines import SourceLines

SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    category: str
    severity: str
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    remediation: str
    fingerprint: str = ""
    # --diff: the changed lines that caused a new finding, where that can be said: (path, line, why)
    caused_by: tuple[tuple[str, int, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["caused_by"]
        if self.caused_by:
            out["caused_by"] = [{"path": p, "line": n, "why": why} for p, n, why in self.caused_by]
        return out


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def from_results(raw: dict[str, list[dict[str, Any]]], rules: dict[str, RuleMeta]) -> list[Finding]:
    findings = []
    for rule_id, results in raw.items():
        meta = rules[rule_id]
        for result in results:
            line = _int(result.get("line"), 1)
            column = _int(result.get("column"), 1)
            end_line = max(_int(result.get("end_line"), line), line)
            # A rule may grade a result itself (an admin grant Airflow tasks use is worse than one nobody uses).
            severity = result.get("severity")
            if meta.severity_configured or severity not in SEVERITY_RANK:
                severity = meta.severity
            findings.append(Finding(
                rule_id=rule_id, category=meta.category, severity=severity,
                message=str(result.get("msg", result.get("message", meta.title))),
                path=str(result.get("path", "")), line=line, column=column, end_line=end_line,
                end_column=_int(result.get("end_column"), column), remediation=meta.remediation,
            ))
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule_id, f.message))
    return findings


def _spanned(finding: Finding, lines: SourceLines) -> Finding:
    """A result located by a line alone (a DAG argument, a connection in a .env file, a Terraform command in a
    task) gets the extent of that line's code: from its first non-blank character to its end, without a trailing
    comma. Never a zero-width region at column 1."""
    if finding.column != 1 or finding.end_column != 1 or finding.end_line != finding.line:
        return finding
    text = lines.line(finding.path, finding.line).rstrip()
    stripped = text.lstrip()
    if not stripped:
        return finding
    start = len(text) - len(stripped) + 1
    end = len(text.removesuffix(",").rstrip()) + 1
    return replace(finding, column=start, end_column=max(end, start + 1))


def with_fingerprints(findings: list[Finding], lines: SourceLines) -> list[Finding]:
    """Hash of rule, path, message and the flagged line's text (not its number), plus an occurrence count
    so that identical findings in one file stay distinct. Line-only locations get the line's extent."""
    seen: Counter[str] = Counter()
    out = []
    for finding in (_spanned(f, lines) for f in findings):
        text = " ".join(lines.line(finding.path, finding.line).split())
        key = "\x1f".join((finding.rule_id, finding.path, finding.message, text))
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\x1f{seen[key]}".encode()).hexdigest()[:32]
        out.append(replace(finding, fingerprint=digest))
    return out
