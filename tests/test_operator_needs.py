"""The operator-needs catalogue: every action real, every condition well formed, conditions decided per task."""

from __future__ import annotations

import re

import pytest

from airtf_lint.privilege.aws_actions import action_index
from airtf_lint.privilege.needs import applies, needs_catalogue, render_resource, task_needs

CATALOGUE = needs_catalogue()
INDEX = action_index()
ROWS = [(name, need) for name, entry in CATALOGUE.classes.items() for need in entry.get("needs") or []]
PLACEHOLDER = re.compile(r"\{(\w+)(?:\[(\w+)\])?\}")


def literal(value):
    return {"value": value, "kind": "literal", "line": 1}


def test_the_catalogue_covers_the_common_operators_of_both_providers():
    providers = [entry["provider"] for entry in CATALOGUE.classes.values()]
    assert providers.count("amazon") >= 35 and providers.count("google") >= 25


@pytest.mark.parametrize("name", sorted(CATALOGUE.classes))
def test_every_class_names_its_provider_module_and_what_it_touches(name):
    entry = CATALOGUE.classes[name]
    assert entry["provider"] in ("amazon", "google")
    assert entry["module"].startswith(f"airflow.providers.{entry['provider']}.")
    assert entry.get("needs") or entry.get("services")


def test_every_aws_action_exists_in_the_action_database():
    unknown = sorted({a for _, need in ROWS for a in need.get("actions") or [] if not INDEX.known(a)})
    assert unknown == []


def test_every_gcp_permission_and_role_is_well_formed():
    for name, need in ROWS:
        for permission in need.get("permissions") or []:
            assert re.fullmatch(r"[a-z0-9]+(\.[a-zA-Z0-9]+){2,}", permission), (name, permission)
        if need.get("permissions"):
            assert need["role"].startswith("roles/"), name


def test_every_condition_names_arguments_and_each_row_has_a_resource():
    for name, need in ROWS:
        assert isinstance(need.get("resource"), str), name
        for key in ("when", "unless"):
            condition = need.get(key)
            assert condition is None or isinstance(condition, (str, dict)), (name, key)
        assert PLACEHOLDER.sub("", need["resource"]).count("{") == 0, (name, need["resource"])


def test_a_when_need_applies_only_when_its_argument_is_given():
    need = {"actions": ["s3:PutObjectAcl"], "when": "acl_policy"}
    assert applies(need, {}) == "no"
    assert applies(need, {"acl_policy": literal("bucket-owner-full-control")}) == "yes"
    assert applies(need, {"acl_policy": literal(None)}) == "no"


def test_an_unless_need_applies_by_default_and_not_when_its_argument_says_so():
    need = {"actions": ["s3:GetObject"], "unless": {"replace": True}}
    assert applies(need, {}) == "yes"
    assert applies(need, {"replace": literal(True)}) == "no"
    assert applies(need, {"replace": literal(False)}) == "yes"


def test_a_condition_on_a_dynamic_argument_is_undecided_and_the_need_optional():
    need = {"actions": ["logs:FilterLogEvents"], "when": {"verbose": True}}
    assert applies(need, {"verbose": {"value": None, "kind": "dynamic", "line": 1}}) == "maybe"
    task = {"class": "GlueJobOperator", "connections": [], "hooks": [],
            "arguments": {"job_name": literal("etl"), "verbose": {"value": None, "kind": "dynamic", "line": 1}}}
    rows = task_needs(task, CATALOGUE)["aws"]
    assert any(r["optional"] and r["actions"] == ["logs:FilterLogEvents"] for r in rows)
    assert any(not r["optional"] and "glue:StartJobRun" in r["actions"] for r in rows)


def test_create_object_with_replace_needs_no_existence_check():
    arguments = {"s3_bucket": literal("exports"), "s3_key": literal("daily/report.csv"), "replace": literal(True)}
    rows = task_needs({"class": "S3CreateObjectOperator", "connections": [], "hooks": [], "arguments": arguments},
                      CATALOGUE)["aws"]
    assert rows == [{"actions": ["s3:PutObject"], "resource": "arn:aws:s3:::exports/daily/report.csv",
                     "optional": False}]


def test_a_key_of_a_dict_argument_names_the_resource():
    arguments = {"code": literal({"S3Bucket": "artifacts", "S3Key": "fn.zip"})}
    assert render_resource("arn:aws:s3:::{code[S3Bucket]}/{code[S3Key]}", arguments) == "arn:aws:s3:::artifacts/fn.zip"
    assert render_resource("arn:aws:s3:::{code[S3Bucket]}", {}) == "arn:aws:s3:::*"
