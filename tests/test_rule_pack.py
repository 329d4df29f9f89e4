"""The built-in rule pack: metadata is complete, every Rego unit test passes, every rule has fixtures."""

from __future__ import annotations

import pytest

from airtf_lint.harness import load_pack_under_test
from airtf_lint.harness.units import unit_tests
from airtf_lint.rulepack import CATEGORIES, SEVERITIES, builtin_rules_dir, load_rule_pack
from tests.conftest import FIXTURES

PACK = load_rule_pack([builtin_rules_dir()])


UNIT_TESTS = unit_tests(load_pack_under_test([builtin_rules_dir()]))


def test_pack_has_the_state_rules():
    assert {"ATF-STATE-001", "ATF-STATE-002", "ATF-STATE-003", "ATF-STATE-004"} <= {r.id for r in PACK.rules}


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule):
    assert rule.severity in SEVERITIES
    assert rule.category in CATEGORIES
    assert rule.title and rule.description and rule.remediation


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_rule_has_a_unit_test_file_beside_it(rule):
    assert rule.path.removesuffix(".rego") + "_test.rego" in PACK.tests


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_rule_has_failing_and_passing_fixtures(rule):
    assert (FIXTURES / rule.id / "fail" / "expected.yaml").is_file()
    assert (FIXTURES / rule.id / "pass" / "expected.yaml").is_file()


def test_the_pack_has_unit_tests():
    assert len(UNIT_TESTS) >= 2 * len(PACK.rules)


@pytest.mark.parametrize("outcome", UNIT_TESTS, ids=lambda o: o.name)
def test_rego_unit_test_passes(outcome):
    assert outcome.status == "passed", f"{outcome.where}: {outcome.detail}"


def test_a_failing_rego_test_is_reported_as_failing(tmp_path):
    """Guards the harness: an unmet test, or one that does not evaluate, must not read as a pass."""
    (tmp_path / "probe.rego").write_text(
        "# METADATA\n# title: probe\n# custom:\n#   id: PROBE-001\n#   severity: low\n#   category: state\n"
        "#   remediation: none\npackage probe\n\ndeny contains {} if { false }\n")
    (tmp_path / "probe_test.rego").write_text(
        "package probe_test\n\ntest_always_false if { 1 == 2 }\n\ntest_passes if { true }\n")
    outcomes = {o.name: o.status for o in unit_tests(load_pack_under_test([tmp_path]))}
    assert outcomes == {"data.probe_test.test_always_false": "failed", "data.probe_test.test_passes": "passed"}


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_rule_is_documented(rule):
    docs = (FIXTURES.parent / "docs" / "rules.md").read_text("utf-8")
    assert f"### {rule.id}" in docs


def test_the_built_in_packs_metadata_is_valid_against_the_schema(monkeypatch):
    # Runs skip this check for the built-in pack (start-up time); the suite makes it for them.
    from airtf_lint import rulepack

    monkeypatch.setattr(rulepack, "VALIDATE_BUILTIN", True)
    pack = rulepack.load_rule_pack([rulepack.builtin_rules_dir()])
    assert len(pack.rules) >= 30
