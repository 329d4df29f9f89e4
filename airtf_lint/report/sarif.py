"""`--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it (rules with help, regions, fingerprints)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from airtf_lint import __version__
from airtf_lint.facts import FileError
from airtf_lint.pipeline import RunResult
from airtf_lint.rulepack import RuleMeta

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub maps security-severity to its own levels: >= 9 critical, >= 7 high, >= 4 medium, > 0 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
FINGERPRINT_KEY = "airtfLint/v1"
DOCS_URL = "https://github.com/airtf-lint/airtf-lint/blob/main/docs/rules.md"


def _rule(rule: RuleMeta) -> dict[str, Any]:
    help_text = f"{rule.description}\n\nFix: {rule.remediation}".strip()
    return {
        "id": rule.id,
        "name": rule.id.replace("-", ""),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.title},
        "helpUri": f"{DOCS_URL}#{rule.id.lower()}",
        "help": {"text": help_text, "markdown": f"**{rule.title}**\n\n{rule.description}\n\n**Fix:** {rule.remediation}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["security", rule.category], "security-severity": SECURITY_SEVERITY[rule.severity],
                       "precision": "high"},
    }


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def build_sarif(result: RunResult, cwd: Path | None = None) -> dict[str, Any]:
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in result.findings:
        results.append({
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": LEVELS[f.severity],
            "message": {"text": f"{f.message}\nFix: {f.remediation}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                "region": _region(f.line, f.column, f.end_line, f.end_column),
            }}],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            # Per result: a rule that grades its own findings (an escalation Airflow tasks use is critical, the
            # same grant on an unused role high) must not show as the rule's default in code scanning.
            "properties": {"severity": f.severity, "category": f.category,
                           "security-severity": SECURITY_SEVERITY[f.severity]},
        })
    notifications = [_notification("error", e) for e in result.errors] + \
        [_notification("note", n) for n in result.notes]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "airtf-lint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": "https://github.com/airtf-lint/airtf-lint", "rules": [_rule(r) for r in rules]}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if cwd is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": cwd.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _notification(level: str, problem: FileError) -> dict[str, Any]:
    """A file error (level error) or a note on what was left out (level note)."""
    location: dict[str, Any] = {"artifactLocation": {"uri": problem.path, "uriBaseId": "%SRCROOT%"}}
    if problem.line:
        location["region"] = {"startLine": problem.line}
    return {"level": level, "message": {"text": problem.message}, "locations": [{"physicalLocation": location}]}


def write_sarif(result: RunResult, stream: TextIO, color: bool = False) -> None:
    json.dump(build_sarif(result, Path.cwd()), stream, indent=2)
    stream.write("\n")
