"""What a rule needs besides passing tests: complete metadata, a unit test file, and at least one failing fixture
(expected findings) and one passing fixture (none). Ids are unique already (loading the pack refuses duplicates)."""

from __future__ import annotations

from airtf_lint.harness import Outcome, PackUnderTest
from airtf_lint.harness.fixtures import expected_findings
from airtf_lint.rulepack import CATEGORIES, SEVERITIES


def rule_checks(pack: PackUnderTest) -> list[Outcome]:
    outcomes = []
    for rule in pack.rules:
        problems = []
        if rule.severity not in SEVERITIES:
            problems.append(f"severity {rule.severity!r} is not one of {', '.join(SEVERITIES)}")
        if rule.category not in CATEGORIES:
            problems.append(f"category {rule.category!r} is not one of {', '.join(CATEGORIES)}")
        if not rule.remediation.strip():
            problems.append("no remediation")
        if not rule.title.strip():
            problems.append("no title")
        if rule.path.removesuffix(".rego") + "_test.rego" not in pack.tests:
            problems.append(f"no unit test file {rule.path.removesuffix('.rego')}_test.rego")
        failing, passing = _fixture_kinds(pack, rule.id)
        if not failing:
            problems.append(f"no failing fixture (fixtures/{rule.id}/<case>/expected.yaml with findings)")
        if not passing:
            problems.append(f"no passing fixture (fixtures/{rule.id}/<case>/expected.yaml with `findings: []`)")
        outcomes.append(Outcome("check", rule.id, rule.path, "failed" if problems else "passed", "; ".join(problems)))
    return outcomes


def _safe_expected(case):
    try:
        return expected_findings(case)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def coverage(pack: PackUnderTest) -> tuple[int, int]:
    """(rules with a failing and a passing fixture, rules under test)."""
    return sum(all(_fixture_kinds(pack, rule.id)) for rule in pack.rules), len(pack.rules)


def _fixture_kinds(pack: PackUnderTest, rule_id: str) -> tuple[bool, bool]:
    """(has a failing fixture, has a passing fixture), each expected.yaml read once."""
    expected = [_safe_expected(case) for case in pack.fixtures_of(rule_id)]
    return any(expected), [] in expected
