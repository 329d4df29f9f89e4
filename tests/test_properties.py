"""Properties that must hold whatever the input: found with hypothesis where it can search, over every fixture
where the fixtures are the interesting inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.engine import create_engine
from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts, load_pack
from tests.conftest import FIXTURES, run_in_process, write

REPO = FIXTURES.parent
UNLOCKED = 'terraform {\n  backend "s3" {\n    bucket = "b"\n  }\n}\n'
CASES = sorted(p.parent for p in FIXTURES.glob("*/fail/expected.yaml"))
FILLER = st.lists(st.sampled_from(["", "# a note", "// another", 'locals {\n  x = 1\n}']), max_size=12)


@settings(max_examples=30, deadline=None)
@given(above=FILLER)
def test_an_inline_suppression_moves_with_its_line(tmp_path_factory, above):
    root = tmp_path_factory.mktemp("moves")
    suppressed = UNLOCKED.replace('"s3" {', '"s3" { # airtf-lint: ignore[ATF-STATE-003] wrapper locks')
    write(root, {"main.tf": "\n".join(above) + "\n" + suppressed})
    assert run_in_process([".", "--format", "json"], root).json()["findings"] == []


@settings(max_examples=30, deadline=None)
@given(above=FILLER, elsewhere=st.text(alphabet="abc =\n#", max_size=40))
def test_a_baseline_keeps_hiding_a_finding_moved_by_unrelated_edits(tmp_path_factory, above, elsewhere):
    root = tmp_path_factory.mktemp("baseline")
    write(root, {"main.tf": UNLOCKED})
    baseline = root.parent / f"{root.name}.baseline.json"
    run_in_process([".", "--write-baseline", str(baseline)], root)
    write(root, {"main.tf": "\n".join(above) + "\n" + UNLOCKED, "notes.tf": "# " + elsewhere.replace("\n", "\n# ")})
    assert run_in_process([".", "--format", "json", "--baseline", str(baseline)], root).json()["findings"] == []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.parent.name)
def test_sarif_carries_the_json_reports_findings_at_the_same_locations(case):
    as_json = run_in_process([".", "--format", "json"], case).json()["findings"]
    sarif = json.loads(run_in_process([".", "--format", "sarif"], case).stdout)
    from_sarif = []
    for result in sarif["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        region = location["region"]
        from_sarif.append((result["ruleId"], location["artifactLocation"]["uri"], region["startLine"],
                           region.get("startColumn", 1)))
    assert sorted(from_sarif) == sorted((f["rule_id"], f["path"], f["line"], f["column"]) for f in as_json)


def _findings_for(facts, root: Path, engine) -> list:
    model = build_model(facts, [], root)
    return sorted(json.dumps(item, sort_keys=True)
                  for rule_id, items in engine.evaluate(model).results.items() for item in items)


ORDER_CASES = [REPO / "examples" / "data-platform", FIXTURES / "ATF-PRIVILEGE-006" / "fail",
               FIXTURES / "ATF-IDENTITY-004" / "fail", FIXTURES / "ATF-SECRET-002" / "fail"]


@pytest.mark.parametrize("root", ORDER_CASES, ids=lambda p: p.name if p.name != "fail" else p.parent.name)
@settings(max_examples=15, deadline=None)
@given(order=st.randoms(use_true_random=False))
def test_the_findings_do_not_depend_on_the_order_files_are_read_in(root, order):
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=root))
    engine = create_engine("regorus", load_pack([]))
    shuffled = list(facts)
    order.shuffle(shuffled)
    assert _findings_for(shuffled, root, engine) == _findings_for(facts, root, engine)
