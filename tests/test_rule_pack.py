"""The built-in rule pack: metadata is complete, every Rego unit test passes, every rule has fixtures."""

from __future__ import annotations

import re

import pytest
import regorus

from airtf_lint.engine import clean_message
from airtf_lint.rulepack import CATEGORIES, SEVERITIES, builtin_rules_dir, load_rule_pack
from tests.conftest import FIXTURES

PACK = load_rule_pack([builtin_rules_dir()])


def _unit_tests() -> list[tuple[str, str, str]]:
    cases = []
    for file_name, source in sorted(PACK.tests.items()):
        package = re.search(r"^package\s+(\S+)", source, re.M).group(1)
        cases += [(file_name, package, name) for name in re.findall(r"^(test_\w+)", source, re.M)]
    return cases


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


@pytest.fixture(scope="module")
def engine():
    e = regorus.Engine()
    for name, source in {**PACK.modules, **PACK.tests}.items():
        e.add_policy(name, source)
    return e


@pytest.mark.parametrize(("file_name", "package", "test_name"), _unit_tests(), ids=lambda v: str(v))
def test_rego_unit_test_passes(engine, file_name, package, test_name):
    try:
        outcome = engine.eval_rule(f"data.{package}.{test_name}")
    except RuntimeError as exc:
        pytest.fail(f"{file_name}: {test_name} raised {clean_message(str(exc))}")
    assert outcome is True, f"{file_name}: {test_name} failed"


def test_a_failing_rego_test_is_reported_as_failing(engine):
    """Guards the harness above: an unmet test must not read as a pass."""
    engine = engine.clone()
    engine.add_policy("probe_test.rego", "package probe_test\n\ntest_always_false if { 1 == 2 }\n")
    assert engine.eval_rule("data.probe_test.test_always_false") is not True


@pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
def test_every_rule_is_documented(rule):
    docs = (FIXTURES.parent / "docs" / "rules.md").read_text("utf-8")
    assert f"### {rule.id}" in docs
