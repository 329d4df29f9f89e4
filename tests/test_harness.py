"""`airtf-lint test`, `new-rule` and `input`: the rule author's loop, from the CLI."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import jsonschema

from tests.conftest import FIXTURES, run_in_process

REPO = FIXTURES.parent


def test_the_built_in_pack_passes_its_own_harness():
    result = run_in_process(["test", "rules"], REPO)
    assert result.code == 0, result.stdout
    assert "PASS" in result.stdout and "0 failed" in result.stdout
    rules = len(list((REPO / "rules").rglob("*.rego"))) // 2  # a test file beside every rule, one library
    assert f"coverage: {rules} of {rules} rules" in result.stdout


def test_a_scaffolded_rule_passes_its_tests(tmp_path):
    created = run_in_process(["new-rule", "ACME-TF-001", "--title", "Buckets name their owner"], tmp_path)
    assert created.code == 0
    assert (tmp_path / "rules/workflow/buckets_name_their_owner.rego").is_file()
    result = run_in_process(["test", "rules"], tmp_path)
    assert result.code == 0 and "PASS" in result.stdout


def test_scaffolding_never_overwrites(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001"], tmp_path)
    again = run_in_process(["new-rule", "ACME-TF-001"], tmp_path)
    assert again.code == 2 and "would overwrite" in again.stderr


def test_a_fixture_whose_findings_differ_fails_with_the_difference(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001"], tmp_path)
    expected = tmp_path / "rules/fixtures/ACME-TF-001/fail/expected.yaml"
    expected.write_text(expected.read_text().replace("line: 11", "line: 3"))
    result = run_in_process(["test", "rules"], tmp_path)
    assert result.code == 1
    assert "- ACME-TF-001 main.tf:3" in result.stdout and "+ ACME-TF-001 main.tf:11" in result.stdout


def test_a_failing_unit_test_is_named_with_its_file_and_line(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001", "--name", "owner_tag"], tmp_path)
    test_file = tmp_path / "rules/workflow/owner_tag_test.rego"
    test_file.write_text(test_file.read_text().replace("count(results) == 1", "count(results) == 2"))
    result = run_in_process(["test", "rules"], tmp_path)
    assert result.code == 1
    assert "FAILED  data.custom.workflow.owner_tag_test.test_a_bucket_without_an_owner_is_flagged" in result.stdout
    assert "rules/workflow/owner_tag_test.rego:" in result.stdout


def test_a_rule_without_a_passing_fixture_fails_the_checks(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001"], tmp_path)
    shutil.rmtree(tmp_path / "rules/fixtures/ACME-TF-001/pass")
    result = run_in_process(["test", "rules"], tmp_path)
    assert result.code == 1 and "no passing fixture" in result.stdout
    assert "coverage: 0 of 1 rules" in result.stdout


def test_a_bad_metadata_block_names_the_file_and_line(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001", "--name", "owner_tag"], tmp_path)
    rule = tmp_path / "rules/workflow/owner_tag.rego"
    rule.write_text(rule.read_text().replace("#   severity: medium", "#   severity: urgent"))
    result = run_in_process(["test", "rules"], tmp_path)
    assert result.code == 2 and "rules/workflow/owner_tag.rego:" in result.stderr and "severity" in result.stderr


def test_junit_output_counts_every_test(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001"], tmp_path)
    result = run_in_process(["test", "rules", "--format", "junit"], tmp_path)
    suites = {s.get("name"): s for s in ET.fromstring(result.stdout).iter("testsuite")}
    assert suites["Rego unit tests"].get("tests") == "2"
    assert suites["fixture tests"].get("tests") == "2" and suites["rule checks"].get("failures") == "0"


def test_no_rule_directory_is_a_clear_error(tmp_path):
    result = run_in_process(["test", "nowhere"], tmp_path)
    assert result.code == 2 and "no rule directory nowhere" in result.stderr


def test_a_custom_rule_runs_beside_the_built_in_pack(tmp_path):
    run_in_process(["new-rule", "ACME-TF-001"], tmp_path)
    result = run_in_process(["--rules", "rules", "rules/fixtures/ACME-TF-001/fail", "--format", "json"], tmp_path)
    ids = {f["rule_id"] for f in result.json()["findings"]}
    assert "ACME-TF-001" in ids


def test_input_prints_the_model_the_schema_describes():
    result = run_in_process(["input", "examples/data-platform"], REPO)
    model = json.loads(result.stdout)
    schema = json.loads((REPO / "airtf_lint/schemas/input.schema.json").read_text())
    jsonschema.validate(model, schema)
    assert model["airflow"]["tasks"] and model["terraform"]["roots"]


def test_dump_input_writes_the_model_beside_the_report(tmp_path):
    target = tmp_path / "model.json"
    result = run_in_process(["examples/data-platform", "--dump-input", str(target), "--no-progress"], REPO)
    assert result.code == 1 and "ATF-" in result.stdout
    assert json.loads(target.read_text())["version"] == 1


def test_the_worked_examples_of_the_rule_writing_guide_pass_their_tests():
    result = run_in_process(["test", "examples/custom-rules/rules"], REPO)
    assert result.code == 0, result.stdout
    assert "coverage: 3 of 3 rules" in result.stdout
