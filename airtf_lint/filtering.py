"""The filter stage: --select/--ignore, severity overrides, inline suppressions and the baseline."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from airtf_lint import __version__
from airtf_lint.facts import Suppression
from airtf_lint.findings import Finding
from airtf_lint.rulepack import RuleMeta
from airtf_lint.suppressions import covers

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


def rule_matches(rule: RuleMeta, tokens: Iterable[str]) -> bool:
    """A token names a rule id, a category, `ALL`, or an id prefix (ATF-STATE selects ATF-STATE-001...)."""
    for token in tokens:
        token = token.strip()
        if not token:
            continue
        if token.upper() == "ALL" or token == rule.category or rule.id == token or rule.id.startswith(token + "-"):
            return True
    return False


def selected_rules(rules: Sequence[RuleMeta], select: Sequence[str], ignore: Sequence[str]) -> list[RuleMeta]:
    return [r for r in rules if (not select or rule_matches(r, select)) and not rule_matches(r, ignore)]


def apply_severity_overrides(rules: Sequence[RuleMeta], overrides: dict[str, str]) -> list[RuleMeta]:
    out = []
    for rule in rules:
        severity = overrides.get(rule.id) or overrides.get(rule.category)
        out.append(replace(rule, severity=severity, severity_configured=True) if severity else rule)
    return out


@dataclass
class Filtered:
    findings: list[Finding]
    suppressed: int = 0
    baselined: int = 0


def filter_findings(findings: Sequence[Finding], suppressions: dict[str, list[Suppression]],
                    baseline: set[str]) -> Filtered:
    result = Filtered([])
    for finding in findings:
        if any(covers(s, finding.rule_id, finding.category, finding.line) for s in suppressions.get(finding.path, ())):
            result.suppressed += 1
        elif finding.fingerprint in baseline:
            result.baselined += 1
        else:
            result.findings.append(finding)
    return result


def read_baseline(path: Path) -> set[str]:
    try:
        document = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError(f"baseline {path} has no findings list (write one with --write-baseline)")
    return {str(item.get("fingerprint")) for item in document["findings"] if isinstance(item, dict)}


def write_baseline(path: Path, findings: Sequence[Finding]) -> None:
    document = {
        "version": BASELINE_VERSION,
        "tool": {"name": "airtf-lint", "version": __version__},
        "findings": [{"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.path, "line": f.line,
                      "message": f.message} for f in findings],
    }
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror}") from None
