"""Each fixture repo, run through the whole pipeline on both engines, gives exactly its expected findings."""

from __future__ import annotations

import pytest
import yaml

from airtf_lint.engine import ENGINES
from tests.conftest import FIXTURES, run_in_process

CASES = sorted(p.parent for p in FIXTURES.glob("*/*/expected.yaml"))


def _expected(case):
    document = yaml.safe_load((case / "expected.yaml").read_text()) or {}
    return sorted((f["rule_id"], f["path"], f["line"]) for f in document.get("findings") or [])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_gives_exactly_the_expected_findings(case, engine):
    result = run_in_process([".", "--format", "json", "--engine", engine], case)
    document = result.json()
    actual = sorted((f["rule_id"], f["path"], f["line"]) for f in document["findings"])
    assert document["errors"] == []
    assert actual == _expected(case)
    assert result.code == (1 if actual else 0)


def test_there_are_fixtures():
    assert len(CASES) >= 8
