"""Issue 18: behave like ruff, checkov and conftest users expect. Typo-proof configuration, concise output,
several reports in one run, statistics, exact columns, JUnit times, per-result SARIF severity, rule examples,
data for rules, `test --run` and explained unit-test failures, fixture folders left out of linting."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import EXAMPLE, REPO, run_in_process, write

STATE_001_FAIL = REPO / "fixtures" / "ATF-STATE-001" / "fail"


# --- a typo never turns the linter off --------------------------------------------------------------------------

@pytest.mark.parametrize("args, closest", [
    (["--select", "ATF-STAT-003"], "ATF-STATE-003"),
    (["--ignore", "ATF-STATE-0003"], "ATF-STATE-003"),
    (["--select", "stat"], "state"),
    (["--select", "ATF-STATES"], "ATF-STATE"),
])
def test_unknown_select_and_ignore_tokens_are_errors_naming_the_closest_ids(tmp_path, args, closest):
    write(tmp_path, {"main.tf": "resource \"aws_s3_bucket\" \"b\" {}\n"})
    result = run_in_process([".", *args], tmp_path)
    assert result.code == 2
    assert "names no rule" in result.stderr and closest in result.stderr


def test_unknown_tokens_in_the_configuration_are_errors(tmp_path):
    write(tmp_path, {"main.tf": "", ".airtf-lint.yaml": "select: [ATF-NOPE-001]\n"})
    assert run_in_process(["."], tmp_path).code == 2
    write(tmp_path, {".airtf-lint.yaml": "severity:\n  ATF-STATE-03: high\n"})
    result = run_in_process(["."], tmp_path)
    assert result.code == 2 and "severity" in result.stderr and "ATF-STATE-003" in result.stderr


def test_valid_tokens_still_select(tmp_path):
    result = run_in_process([".", "--select", "atf-state-001,state", "--ignore", "ATF-META", "-f", "json"],
                            STATE_001_FAIL)
    assert result.code == 1
    assert {f["rule_id"] for f in json.loads(result.stdout)["findings"]} == {"ATF-STATE-001"}


def test_an_unknown_id_in_a_suppression_comment_is_an_error_with_its_line(tmp_path):
    write(tmp_path, {"main.tf": "# airtf-lint: ignore[ATF-STATE-0001] typo\nterraform {}\n"})
    result = run_in_process(["."], tmp_path)
    assert result.code == 2
    assert "main.tf:1" in result.stderr and "ATF-STATE-001" in result.stderr


def test_a_malformed_pyproject_is_an_error_with_file_and_line(tmp_path):
    write(tmp_path, {"pyproject.toml": "[project]\nname = \"x\"\n[tool.airtf-lint\nselect = []\n", "main.tf": ""})
    result = run_in_process(["."], tmp_path)
    assert result.code == 2
    assert "pyproject.toml:3" in result.stderr and "invalid TOML" in result.stderr


def test_unused_suppressions_are_reported_as_a_rule_that_can_be_turned_off(tmp_path):
    write(tmp_path, {"main.tf": 'terraform {\n  # airtf-lint: ignore[ATF-STATE-003] we lock elsewhere\n'
                                '  backend "gcs" {\n    bucket = "x"\n  }\n}\n'})
    result = run_in_process([".", "-f", "json"], tmp_path)
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["rule_id"] == "ATF-META-001" and finding["line"] == 2 and finding["column"] == 3
    assert "ATF-STATE-003" in finding["message"]
    assert run_in_process([".", "--ignore", "ATF-META-001"], tmp_path).code == 0
    # A comment for a rule that did not run is not judged.
    assert run_in_process([".", "--select", "ATF-STATE-001"], tmp_path).code == 0


def test_a_used_suppression_is_not_reported():
    result = run_in_process([".", "-f", "json"], REPO / "fixtures" / "ATF-STATE-003" / "pass")
    assert not [f for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "ATF-META-001"]


def test_the_meta_check_is_listed_and_explained():
    assert "ATF-META-001" in run_in_process(["rules"], REPO).stdout
    assert "suppresses nothing" in run_in_process(["rule", "ATF-META-001"], REPO).stdout


# --- several reports, one destination each ----------------------------------------------------------------------

def test_a_second_format_for_stdout_is_rejected(tmp_path):
    result = run_in_process([".", "-f", "json", "-f", "sarif"], STATE_001_FAIL)
    assert result.code == 2 and "only one report" in result.stderr


def test_several_reports_in_one_run(tmp_path):
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    result = run_in_process([".", "--output-format", f"sarif={sarif}", "-f", f"junit={junit}", "-f", "concise"],
                            STATE_001_FAIL)
    assert result.code == 1
    assert json.loads(sarif.read_text())["runs"][0]["results"]
    assert ET.parse(junit).getroot().get("time") is not None
    assert "ATF-STATE-001 high" in result.stdout


def test_two_reports_to_one_file_are_rejected(tmp_path):
    out = tmp_path / "x"
    assert run_in_process([".", "-f", f"json={out}", "-f", f"sarif={out}"], STATE_001_FAIL).code == 2


# --- output --------------------------------------------------------------------------------------------------------

def test_concise_is_one_clickable_line_per_finding():
    result = run_in_process(["examples/data-platform", "-f", "concise"], REPO)
    lines = [line for line in result.stdout.splitlines() if line.startswith("examples/")]
    assert lines and all(line.split(":")[1].isdigit() and line.split(":")[2].isdigit() for line in lines)
    assert any(line.startswith("examples/data-platform/terraform/prod/backend.tf:4:3: ATF-STATE-003 medium ")
               for line in lines)


def test_the_pre_commit_hook_prints_concise():
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "--format concise" in hooks


def test_dag_findings_have_exact_columns_and_no_zero_width_regions():
    result = run_in_process(["examples/data-platform", "-f", "json"], REPO)
    dag = [f for f in json.loads(result.stdout)["findings"] if f["path"].endswith(".py")]
    assert dag
    for f in dag:
        line = (REPO / f["path"]).read_text().splitlines()[f["line"] - 1]
        assert f["column"] == len(line) - len(line.lstrip()) + 1 > 1
        assert f["end_column"] > f["column"]


def test_statistics_count_findings_per_rule():
    result = run_in_process(["examples/data-platform", "--statistics", "-f", "json"], REPO)
    rows = json.loads(result.stdout)
    assert {r["rule_id"] for r in rows} >= {"ATF-STATE-003", "ATF-WORKFLOW-001"}
    assert all(r["count"] >= 1 for r in rows)
    text = run_in_process(["examples/data-platform", "--statistics"], REPO).stdout
    assert any(line.split()[:2] == ["1", "ATF-STATE-003"] for line in text.splitlines())


def test_junit_has_time_attributes():
    result = run_in_process(["examples/data-platform", "-f", "junit"], REPO)
    root = ET.fromstring(result.stdout)
    assert float(root.get("time")) > 0
    assert all(s.get("time") is not None for s in root.iter("testsuite"))
    assert all(c.get("time") is not None for c in root.iter("testcase"))


def test_sarif_results_carry_their_own_security_severity():
    from airtf_lint.report.sarif import SECURITY_SEVERITY

    result = run_in_process(["examples/data-platform", "-f", "sarif"], REPO)
    for r in json.loads(result.stdout)["runs"][0]["results"]:
        assert r["properties"]["security-severity"] == SECURITY_SEVERITY[r["properties"]["severity"]]


def test_rule_shows_a_failing_and_a_passing_example():
    out = run_in_process(["rule", "ATF-STATE-003"], REPO).stdout
    assert "Example that fails" in out and "Example that passes" in out
    assert any(line.lstrip().startswith(">") for line in out.splitlines())


def test_rule_with_a_typo_names_the_closest():
    result = run_in_process(["rule", "ATF-STATE-03"], REPO)
    assert result.code == 2 and "ATF-STATE-003" in result.stderr


# --- custom rules with data --------------------------------------------------------------------------------------

DATA_RULE = """# METADATA
# title: Buckets are on the allow-list
# custom:
#   id: ACME-DATA-001
#   severity: low
#   category: workflow
#   remediation: Add the bucket to data.allowed_buckets.
package acme.data_rule

import data.airtf.lib

deny contains result if {
	some position in object.get(input.terraform.resources_by_type, "aws_s3_bucket", [])
	bucket := input.terraform.resources[position]
	not bucket.values.bucket in data.allowed_buckets.names
	result := lib.finding(sprintf("bucket %s is not allowed", [bucket.values.bucket]), bucket)
}
"""


def _data_repo(tmp_path):
    return write(tmp_path, {"policies/acme.rego": DATA_RULE,
                            "main.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "alpha"\n}\n'
                                       'resource "aws_s3_bucket" "b" {\n  bucket = "beta"\n}\n'})


def _acme(result):
    return sorted(f["message"] for f in json.loads(result.stdout)["findings"] if f["rule_id"] == "ACME-DATA-001")


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_data_files_reach_every_rule_in_both_engines(tmp_path, engine):
    repo = _data_repo(tmp_path)
    write(repo, {"allowed.yaml": "allowed_buckets:\n  names: [alpha]\n"})
    result = run_in_process([".", "--rules", "policies", "--data", "allowed.yaml", "--engine", engine, "-f", "json",
                             "--select", "ACME"], repo)
    assert _acme(result) == ["bucket beta is not allowed"]


def test_data_in_the_configuration_and_json_files_merge(tmp_path):
    repo = _data_repo(tmp_path)
    write(repo, {".airtf-lint.yaml": "rules: [policies]\ndata:\n  allowed_buckets:\n    names: [alpha]\n",
                 "more.json": '{"allowed_buckets": {"other": 1}}'})
    result = run_in_process([".", "--data", "more.json", "-f", "json", "--select", "ACME"], repo)
    assert _acme(result) == ["bucket beta is not allowed"]
    write(repo, {"clash.json": '{"allowed_buckets": {"names": ["beta"]}}'})
    clash = run_in_process([".", "--data", "clash.json"], repo)
    assert clash.code == 2 and "data.allowed_buckets.names" in clash.stderr


def test_bad_data_files_are_errors(tmp_path):
    repo = _data_repo(tmp_path)
    write(repo, {"bad.json": "{\n  nope\n}", "list.yaml": "- a\n", "airtf.json": '{"airtf": 1}'})
    bad = run_in_process([".", "--data", "bad.json"], repo)
    assert bad.code == 2 and "bad.json:2" in bad.stderr
    assert run_in_process([".", "--data", "list.yaml"], repo).code == 2
    clash = run_in_process([".", "--data", "airtf.json"], repo)
    assert clash.code == 2 and "root of the rule packages" in clash.stderr


def test_data_with_opa_push_mode(tmp_path, monkeypatch):
    from tests.opa_server import FakeOpa

    repo = _data_repo(tmp_path)
    write(repo, {"allowed.json": '{"allowed_buckets": {"names": ["beta"]}}'})
    monkeypatch.setenv("AIRTF_LINT_OPA_TOKEN", "t")
    with FakeOpa(token="t") as server:
        result = run_in_process([".", "--rules", "policies", "--data", "allowed.json", "--opa-url", server.url,
                                 "-f", "json", "--select", "ACME"], repo)
    assert _acme(result) == ["bucket alpha is not allowed"]


# --- rule tests --------------------------------------------------------------------------------------------------

def _scaffolded(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001", "--title", "Buckets name their owner"], tmp_path)
    return tmp_path


def test_test_run_selects_tests_by_pattern(tmp_path):
    repo = _scaffolded(tmp_path)
    result = run_in_process(["test", "rules", "--run", "without_an_owner"], repo)
    assert result.code == 0
    assert "Rego unit tests: 1 passed" in result.stdout and "fixture tests: 0 passed" in result.stdout
    fixtures = run_in_process(["test", "rules", "--run", "ACME-TF-001/fail"], repo)
    assert "fixture tests: 1 passed" in fixtures.stdout and "Rego unit tests: 0 passed" in fixtures.stdout
    assert run_in_process(["test", "rules", "--run", "nothing-matches-this"], repo).code == 2


def test_a_failing_unit_test_prints_the_values_involved(tmp_path):
    repo = _scaffolded(tmp_path)
    test_file = next((repo / "rules").rglob("*_test.rego"))
    test_file.write_text(test_file.read_text().replace("count(results) == 1", "count(results) == 2"))
    result = run_in_process(["test", "rules"], repo)
    assert result.code == 1
    assert "count(results) == 2  <- does not hold" in result.stdout
    assert "count(results) = 1" in result.stdout
    assert "results = [" in result.stdout and "has no owner tag" in result.stdout


def test_the_scaffolds_fixtures_are_not_linted(tmp_path):
    repo = _scaffolded(tmp_path)
    write(repo, {"main.tf": 'terraform {\n  backend "gcs" {\n    bucket = "x"\n  }\n}\n'})
    result = run_in_process(["--rules", "rules", ".", "-f", "json"], repo)
    assert result.code == 0, result.stdout
    assert not [f for f in json.loads(result.stdout)["findings"] if "fixtures" in f["path"]]
