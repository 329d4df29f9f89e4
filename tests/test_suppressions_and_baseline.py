"""Inline suppressions and baselines: what hides a finding, and what does not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.suppressions import find_suppressions
from tests.conftest import run_in_process, write

UNLOCKED = 'terraform {\n  backend "s3" {\n    bucket = "b"\n  }\n}\n'


def _findings(tmp_path, *extra):
    result = run_in_process([".", "--format", "json", *extra], tmp_path)
    return result, [(f["rule_id"], f["path"], f["line"]) for f in result.json()["findings"]]


def test_hash_comment_on_the_line_suppresses(tmp_path):
    write(tmp_path, {"main.tf": UNLOCKED.replace('"s3" {', '"s3" { # airtf-lint: ignore[ATF-STATE-003] locks via wrapper')})
    result, findings = _findings(tmp_path)
    assert findings == [] and result.code == 0


def test_slash_comment_on_the_line_above_suppresses(tmp_path):
    write(tmp_path, {"main.tf": UNLOCKED.replace('  backend', '  // airtf-lint: ignore[ATF-STATE-003] reason\n  backend')})
    assert _findings(tmp_path)[1] == []


def test_suppression_for_another_rule_does_not_hide(tmp_path):
    write(tmp_path, {"main.tf": UNLOCKED.replace('"s3" {', '"s3" { # airtf-lint: ignore[ATF-STATE-001]')})
    # ...and the comment that hid nothing is reported (ATF-META-001)
    assert sorted(_findings(tmp_path)[1]) == [("ATF-META-001", "main.tf", 2), ("ATF-STATE-003", "main.tf", 2)]


def test_suppression_two_lines_above_does_not_hide(tmp_path):
    write(tmp_path, {"main.tf": "# airtf-lint: ignore[ATF-STATE-003]\n" + UNLOCKED})
    assert sorted(_findings(tmp_path)[1]) == [("ATF-META-001", "main.tf", 1), ("ATF-STATE-003", "main.tf", 3)]


def test_category_and_several_ids_in_one_comment():
    [s] = find_suppressions("x = 1  # airtf-lint: ignore[ATF-STATE-001, secret] legacy stack\n")
    assert s.rule_ids == ("ATF-STATE-001", "secret") and s.reason == "legacy stack" and s.line == 1


def test_python_and_yaml_comments_are_found():
    assert find_suppressions("a = 1\n# airtf-lint: ignore[X-1]\n")[0].line == 2
    assert find_suppressions("key: v  # airtf-lint: ignore[X-1] ok\n")[0].rule_ids == ("X-1",)


def test_baseline_hides_recorded_findings_and_survives_line_moves(tmp_path):
    write(tmp_path, {"main.tf": UNLOCKED})
    baseline = tmp_path / "baseline.json"
    assert run_in_process([".", "--write-baseline", str(baseline)], tmp_path).code == 0
    write(tmp_path, {"main.tf": "# a comment added above\n\n" + UNLOCKED})
    result, findings = _findings(tmp_path, "--baseline", str(baseline))
    assert findings == [] and result.code == 0


def test_baseline_does_not_hide_new_findings(tmp_path):
    write(tmp_path, {"a/main.tf": UNLOCKED})
    baseline = tmp_path / "baseline.json"
    run_in_process([".", "--write-baseline", str(baseline)], tmp_path)
    write(tmp_path, {"b/main.tf": UNLOCKED})
    assert _findings(tmp_path, "--baseline", str(baseline))[1] == [("ATF-STATE-003", "b/main.tf", 2)]


def test_unreadable_baseline_exits_2(tmp_path):
    write(tmp_path, {"main.tf": UNLOCKED, "baseline.json": "not json"})
    result = run_in_process([".", "--baseline", "baseline.json"], tmp_path)
    assert result.code == 2 and "baseline" in result.stderr


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=30))
def test_fingerprints_are_stable_when_unrelated_lines_are_added(tmp_path_factory, blank_lines):
    root = tmp_path_factory.mktemp("fp")
    write(root, {"main.tf": UNLOCKED})
    before = run_in_process([".", "--format", "json"], root).json()["findings"][0]["fingerprint"]
    write(root, {"main.tf": "\n" * blank_lines + "# note\n" + UNLOCKED})
    after = run_in_process([".", "--format", "json"], root).json()["findings"][0]["fingerprint"]
    assert before == after


def test_a_result_grades_its_own_severity_unless_the_configuration_sets_one():
    from airtf_lint.filtering import apply_severity_overrides
    from airtf_lint.findings import from_results
    from airtf_lint.rulepack import RuleMeta

    meta = RuleMeta("ATF-X-001", "t", "d", "high", "privilege", "fix", "p", "x.rego")
    raw = {"ATF-X-001": [{"msg": "m", "path": "a.tf", "line": 1, "severity": "critical"},
                         {"msg": "m", "path": "a.tf", "line": 2, "severity": "bogus"}]}
    assert [f.severity for f in from_results(raw, {"ATF-X-001": meta})] == ["critical", "high"]
    [configured] = apply_severity_overrides([meta], {"privilege": "low"})
    assert [f.severity for f in from_results(raw, {"ATF-X-001": configured})] == ["low", "low"]
