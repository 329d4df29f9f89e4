"""Plan JSON: every real plan in the shared corpus loads, corrupt and foreign JSON give clear errors, and values
Terraform marks sensitive never reach the model."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.parsers.plan import SENSITIVE, parse_plan
from airtf_lint.parsers.text import UnreadableFile, read_text
from tests.conftest import SHARED_PLANS

REAL_PLANS = sorted(p for p in SHARED_PLANS.glob("*.json") if "corrupted" not in p.name)
needs_corpus = pytest.mark.skipif(not SHARED_PLANS.is_dir(), reason="shared/ corpus not beside the checkout")


@needs_corpus
@pytest.mark.parametrize("path", REAL_PLANS, ids=lambda p: p.name)
def test_real_plan_loads_with_located_resources(path):
    facts = parse_plan(read_text(path), path.name)
    assert facts.resources
    for resource in facts.resources:
        assert resource.address and resource.location.line >= 1


@needs_corpus
def test_utf16_plan_loads():
    facts = parse_plan(read_text(SHARED_PLANS / "checkov_utf16.json"), "p.json")
    assert facts.format_version and facts.resources


@needs_corpus
def test_corrupt_plan_gives_a_clear_error():
    with pytest.raises(UnreadableFile, match="not a Terraform plan"):
        parse_plan(read_text(SHARED_PLANS / "checkov_corrupted.json"), "p.json")


@needs_corpus
def test_child_module_resources_carry_their_module_path():
    facts = parse_plan(read_text(SHARED_PLANS / "regula_admin_policy.json"), "p.json")
    assert any(r.address for r in facts.resources)


def _plan(values, sensitive):
    return json.dumps({"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {"root_module": {
        "resources": [{"address": "aws_db_instance.db", "mode": "managed", "type": "aws_db_instance", "name": "db",
                       "values": values, "sensitive_values": sensitive}],
        "child_modules": [{"address": "module.m", "resources": [
            {"address": "module.m.aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b",
             "values": {"bucket": "x"}}]}]}}}, indent=2)


def test_sensitive_values_are_replaced():
    facts = parse_plan(_plan({"password": "hunter2-secret", "tags": {"a": "b"}}, {"password": True}), "p.json")
    db = facts.resources[0]
    assert db.values["password"] == SENSITIVE and db.values["tags"] == {"a": "b"}
    assert "hunter2-secret" not in json.dumps([r.values for r in facts.resources])


def test_resource_line_is_the_line_of_its_address():
    text = _plan({}, {})
    facts = parse_plan(text, "p.json")
    expected = next(n for n, line in enumerate(text.splitlines(), 1) if '"address": "aws_db_instance.db"' in line)
    assert facts.resources[0].location.line == expected


def test_child_module_path_is_recorded():
    facts = parse_plan(_plan({}, {}), "p.json")
    assert {r.address: r.module_path for r in facts.resources}["module.m.aws_s3_bucket.b"] == "module.m"


def test_truncated_plan_gives_a_located_error():
    text = _plan({}, {})
    with pytest.raises(UnreadableFile) as caught:
        parse_plan(text[: len(text) // 2], "p.json")
    assert caught.value.line and "truncated" in caught.value.message


def test_json_that_is_not_a_plan_is_rejected():
    with pytest.raises(UnreadableFile, match="not a Terraform plan"):
        parse_plan('{"name": "package"}', "package.json")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_unreadable_file(text):
    try:
        parse_plan(text, "p.json")
    except UnreadableFile:
        pass


@needs_corpus
def test_values_known_only_after_apply_are_explicit_unknowns():
    from airtf_lint.facts import is_unknown
    facts = parse_plan(read_text(SHARED_PLANS / "checkov_after_unknown.json"), "p.json")
    [resource] = facts.resources
    bucket = resource.values["logging_config"][0]["bucket"]
    assert is_unknown(bucket) and bucket["expr"] == "aws_cloudfront_distribution.cloudfront.logging_config[0].bucket"
    assert resource.values["logging_config"][0]["prefix"] == "cloudfront"


def test_resource_changes_are_recorded_with_actions_and_lines():
    plan = json.loads(_plan({}, {}))
    plan["resource_changes"] = [{"address": "aws_db_instance.db", "type": "aws_db_instance", "mode": "managed",
                                 "change": {"actions": ["delete", "create"], "after": {}, "after_unknown": {}}}]
    facts = parse_plan(json.dumps(plan, indent=2), "p.json")
    [change] = facts.changes
    assert change["actions"] == ["delete", "create"] and change["line"] > 1


def test_after_unknown_marks_only_the_flagged_attributes():
    from airtf_lint.parsers.plan import unknown_after_apply
    out = unknown_after_apply({"name": "x", "tags": {"a": "b"}}, {"id": True, "tags": {}, "missing": False}, "r")
    assert out["id"]["expr"] == "r.id" and out["name"] == "x" and out["tags"] == {"a": "b"} and "missing" not in out


def _plan_with_prior_state(prior_resources):
    return json.dumps({"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r", "values": {"name": "r"}}]}},
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": prior_resources}}}}, indent=2)


def test_data_sources_read_while_planning_come_from_prior_state():
    document = {"address": "data.aws_iam_policy_document.p", "mode": "data", "type": "aws_iam_policy_document",
                "name": "p", "values": {"json": "{}"}}
    facts = parse_plan(_plan_with_prior_state([document]), "p.json")
    data = [r for r in facts.resources if r.mode == "data"]
    assert [(r.address, r.values["json"]) for r in data] == [("data.aws_iam_policy_document.p", "{}")]
    assert data[0].location.line > 1


def test_managed_resources_only_in_prior_state_are_not_planned():
    gone = {"address": "aws_iam_user.old", "mode": "managed", "type": "aws_iam_user", "name": "old", "values": {}}
    facts = parse_plan(_plan_with_prior_state([gone]), "p.json")
    assert [r.address for r in facts.resources] == ["aws_iam_role.r"]


def test_prior_state_sensitive_values_are_replaced():
    secret = {"address": "data.aws_secretsmanager_secret_version.s", "mode": "data", "name": "s",
              "type": "aws_secretsmanager_secret_version", "values": {"secret_string": "hunter2-secret"},
              "sensitive_values": {"secret_string": True}}
    facts = parse_plan(_plan_with_prior_state([secret]), "p.json")
    assert "hunter2-secret" not in json.dumps([r.values for r in facts.resources])
