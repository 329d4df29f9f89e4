"""The filter stage: --select/--ignore, severity overrides, inline suppressions and the baseline."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from airtf_lint import __version__
from airtf_lint.facts import Suppression
from airtf_lint.findings import Finding
from airtf_lint.rulepack import RuleMeta
from airtf_lint.suppressions import covers

BASELINE_VERSION = 1


class BaselineError(Exception):
    pass


class SelectionError(Exception):
    """A rule id, prefix or category that names no rule: a typo must never turn the linter off (exit 2)."""


# The one built-in meta check: it is Python, not Rego, because only the filter stage knows which suppression
# comments matched a finding. It is a rule like the others for --select/--ignore/severity/baselines.
UNUSED_SUPPRESSION = RuleMeta(
    id="ATF-META-001", title="Suppression comment suppresses nothing",
    description="An `# airtf-lint: ignore[...]` comment names a rule that reports nothing on its line or the next "
                "one (as ruff's unused-noqa, RUF100). The finding it was written for is fixed or has moved, and "
                "the comment would silently hide a new one. Judged only when every rule the comment names ran.",
    severity="low", category="meta",
    remediation="Remove the comment (or the ids in it that match nothing), or move it onto the flagged line; turn "
                "the check off with `--ignore ATF-META-001`.",
    package="", path="<built-in meta check>")
META_RULES = (UNUSED_SUPPRESSION,)
META_CATEGORY = "meta"
_WILDCARDS = ("all", "*")


def _vocabulary(rules: Sequence[RuleMeta], prefixes: bool = True) -> dict[str, str]:
    """Every token that names at least one rule, by its case-folded form: ids, categories and id prefixes."""
    names: dict[str, str] = {}
    for rule in rules:
        names[rule.id.casefold()] = rule.id
        names[rule.category.casefold()] = rule.category
        if prefixes:
            parts = rule.id.split("-")
            for end in range(1, len(parts)):
                prefix = "-".join(parts[:end])
                names.setdefault(prefix.casefold(), prefix)
    return names


def closest(token: str, rules: Sequence[RuleMeta], prefixes: bool = True) -> list[str]:
    names = _vocabulary(rules, prefixes)
    found = difflib.get_close_matches(token.casefold(), list(names), n=3, cutoff=0.6)
    return [names[n] for n in found]


def unknown_tokens(tokens: Iterable[str], rules: Sequence[RuleMeta], prefixes: bool = True,
                   wildcards: Sequence[str] = ("all",)) -> list[str]:
    names = _vocabulary(rules, prefixes)
    out = []
    for token in tokens:
        token = token.strip()
        if not token or token.casefold() in wildcards:
            continue
        exact = names.get(token.casefold())
        if exact != token and not (exact is not None and token.upper() == exact):
            out.append(token)
    return out


def describe_unknown(token: str, rules: Sequence[RuleMeta], prefixes: bool = True) -> str:
    names = _vocabulary(rules, prefixes)
    exact = names.get(token.casefold())
    if exact is not None:
        return f"{token!r} is spelt {exact!r}"
    near = closest(token, rules, prefixes)
    hint = f"; did you mean {', '.join(near)}?" if near else " (see `airtf-lint rules`)"
    return f"{token!r} names no rule{hint}"


def check_selection(rules: Sequence[RuleMeta], select: Sequence[str], ignore: Sequence[str],
                    severity: dict[str, str]) -> None:
    """--select, --ignore (ids, prefixes, categories, ALL) and severity keys (ids, categories) must name rules."""
    for where, tokens, prefixes in (("--select/select", select, True), ("--ignore/ignore", ignore, True),
                                    ("severity", list(severity), False)):
        bad = unknown_tokens(tokens, rules, prefixes)
        if bad:
            raise SelectionError(f"{where}: " + "; ".join(describe_unknown(t, rules, prefixes) for t in bad))


def check_suppressions(suppressions: dict[str, list[Suppression]], rules: Sequence[RuleMeta]) -> None:
    """Every id in an `ignore[...]` comment names a rule (or a category, or all)."""
    problems = []
    for path, items in sorted(suppressions.items()):
        for s in items:
            for token in unknown_tokens(s.rule_ids, rules, prefixes=False, wildcards=_WILDCARDS):
                problems.append(f"{path}:{s.line}: suppression comment: {describe_unknown(token, rules, False)}")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise SelectionError("; ".join(problems[:3]) + more)


def rule_matches(rule: RuleMeta, tokens: Iterable[str]) -> bool:
    """A token names a rule id, a category, `ALL`, or an id prefix (ATF-STATE selects ATF-STATE-001...).
    Ids and prefixes may be written in lower case."""
    for token in tokens:
        token = token.strip()
        if not token:
            continue
        upper = token.upper()
        if upper == "ALL" or token == rule.category or rule.id == upper or rule.id.startswith(upper + "-"):
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
    # (path, suppression line, token) of every comment token that hid a finding
    used: set[tuple[str, int, str]] = field(default_factory=set)


def filter_findings(findings: Sequence[Finding], suppressions: dict[str, list[Suppression]],
                    baseline: set[str]) -> Filtered:
    result = Filtered([])
    for finding in findings:
        hiding = [s for s in suppressions.get(finding.path, ())
                  if covers(s, finding.rule_id, finding.category, finding.line)]
        if hiding:
            result.suppressed += 1
            for s in hiding:
                for token in s.rule_ids:
                    if token in (*_WILDCARDS, finding.rule_id, finding.category):
                        result.used.add((finding.path, s.line, token))
        elif finding.fingerprint in baseline:
            result.baselined += 1
        else:
            result.findings.append(finding)
    return result


def _marker_column(text: str) -> tuple[int, int]:
    start = text.find("airtf-lint:")
    if start < 0:
        return 1, max(len(text), 1) + 1
    for opener in ("//", "/*", "#"):
        at = text.rfind(opener, 0, start)
        if at >= 0:
            start = at
            break
    return start + 1, len(text.rstrip()) + 1


def unused_suppressions(suppressions: dict[str, list[Suppression]], used: set[tuple[str, int, str]],
                        ran: Sequence[RuleMeta], every: Sequence[RuleMeta], lines: Any) -> list[Finding]:
    """ATF-META-001: the airtf-lint comment tokens that hid nothing, judged only when every rule a token names
    ran (a comment for a rule left out by --select is not unused). detect-secrets' and gitleaks' allowlist
    pragmas serve those tools too and are never reported."""
    ran_ids = {r.id for r in ran}
    out = []
    for path, items in sorted(suppressions.items()):
        for s in items:
            if s.lines == 1:  # an allowlist pragma
                continue
            idle = []
            for token in s.rule_ids:
                named = [r for r in every if token in (*_WILDCARDS, r.id, r.category)]
                if not named or any(r.id not in ran_ids for r in named):
                    continue
                if (path, s.line, token) not in used:
                    idle.append(token)
            if not idle:
                continue
            text = lines.line(path, s.line) if lines is not None else ""
            column, end_column = _marker_column(text)
            which = ", ".join(idle)
            out.append(Finding(
                rule_id=UNUSED_SUPPRESSION.id, category=UNUSED_SUPPRESSION.category,
                severity=UNUSED_SUPPRESSION.severity,
                message=f"suppression comment ignore[{which}] suppresses nothing: no {which} finding on this line "
                        "or the next",
                path=path, line=s.line, column=column, end_line=s.line, end_column=end_column,
                remediation=UNUSED_SUPPRESSION.remediation))
    return out


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
