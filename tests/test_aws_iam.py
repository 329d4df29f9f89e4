"""AWS principals, grants and statements, from every way Terraform writes them, located at their source lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from tests.conftest import FIXTURES, SHARED_PLANS

CASE = FIXTURES / "model" / "aws_iam"


def _terraform(root: Path, paths=(".",)):
    facts, _ = collect_facts(RunOptions(paths=list(paths), cwd=root))
    return build_model(facts, [], root)["terraform"]


@pytest.fixture(scope="module")
def tf():
    return _terraform(CASE)


def _statements(tf, principal_address):
    return [s for s in tf["statements"] if s["principal"] == f".:{principal_address}"]


def test_principals_have_stable_ids_names_and_locations(tf):
    principals = {p["address"]: p for p in tf["principals"]}
    assert set(principals) == {"aws_iam_role.mwaa", "aws_iam_user.ci", "aws_iam_group.ops"}
    role = principals["aws_iam_role.mwaa"]
    assert (role["id"], role["kind"], role["name"], role["line"]) == (".:aws_iam_role.mwaa", "role", "mwaa-prod", 17)


def test_trust_policy_is_normalised(tf):
    role = next(p for p in tf["principals"] if p["address"] == "aws_iam_role.mwaa")
    [trust] = role["trust"]
    assert trust["actions"] == ["sts:AssumeRole"]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["airflow.amazonaws.com",
                                                                       "airflow-env.amazonaws.com"]}]


def test_inline_policy_block_statements_are_located_on_their_own_lines(tf):
    by_sid = {s["sid"]: s for s in _statements(tf, "aws_iam_role.mwaa")}
    assert by_sid["Logs"]["line"] == 34 and by_sid["Logs"]["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert by_sid["Queue"]["line"] == 40 and by_sid["Queue"]["actions"] == ["sqs:*"]


def test_policy_document_statements_come_from_their_statement_blocks(tf):
    by_sid = {s["sid"]: s for s in _statements(tf, "aws_iam_role.mwaa")}
    read = by_sid["ReadRaw"]
    assert read["line"] == 53 and read["actions"] == ["s3:GetObject", "s3:ListBucket"]
    assert read["resources"][0]["expr"] == "aws_s3_bucket.raw.arn" and read["known"] is False
    deny = by_sid["NoIam"]
    assert deny["effect"] == "Deny" and deny["not_actions"] == ["s3:*"] and deny["line"] == 59


def test_managed_policy_attached_by_reference_with_policy_from_file(tf):
    grant = next(g for g in tf["grants"] if g["address"] == "aws_iam_role_policy_attachment.deploy")
    assert (grant["principal"], grant["policy"], grant["kind"]) == (".:aws_iam_role.mwaa", ".:aws_iam_policy.deploy",
                                                                   "managed")
    deploy = next(s for s in _statements(tf, "aws_iam_role.mwaa") if s["sid"] == "Deploy")
    assert deploy["actions"] == ["lambda:UpdateFunctionCode", "iam:PassRole"]


def test_aws_managed_policy_by_arn_carries_its_known_statements(tf):
    grant = next(g for g in tf["grants"] if g["policy"] == "aws-managed:AdministratorAccess")
    assert grant["principal"] == ".:aws_iam_role.mwaa" and grant["known"] is True
    admin = [s for s in _statements(tf, "aws_iam_role.mwaa") if s["policy"] == "aws-managed:AdministratorAccess"]
    assert admin[0]["actions"] == ["*"] and admin[0]["resources"] == ["*"] and admin[0]["line"] == 49


def test_unlisted_aws_managed_policy_is_a_grant_with_unknown_contents(tf):
    grant = next(g for g in tf["grants"] if g["policy"] == "aws-managed:ReadOnlyAccess")
    assert grant["principal"] == ".:aws_iam_user.ci" and grant["known"] is False


def test_group_grants_reach_group_members(tf):
    [passrole] = [s for s in _statements(tf, "aws_iam_user.ci") if s["actions"] == ["iam:PassRole"]]
    assert passrole["via_group"] == ".:aws_iam_group.ops"
    assert passrole["line"] == 111  # the statement's line inside the heredoc


def test_statements_are_indexed_by_principal(tf):
    for principal, positions in tf["statements_by_principal"].items():
        assert all(tf["statements"][i]["principal"] == principal for i in positions)


def test_access_keys_oidc_providers_and_mwaa_are_linked(tf):
    [key] = tf["aws"]["access_keys"]
    assert key["user"] == ".:aws_iam_user.ci"
    [oidc] = tf["aws"]["oidc_providers"]
    assert oidc["url"] == "https://token.actions.githubusercontent.com"
    [mwaa] = tf["aws"]["mwaa_environments"]
    assert (mwaa["name"], mwaa["execution_role"]) == ("airflow-prod", ".:aws_iam_role.mwaa")


@pytest.mark.skipif(not SHARED_PLANS.is_dir(), reason="shared/ corpus not beside the checkout")
def test_admin_policies_of_a_real_plan_are_found_where_a_reviewer_expects():
    tf = _terraform(SHARED_PLANS, ["regula_admin_policy.json"])
    admin = {(s["principal"].split(":", 1)[1], s["line"]) for s in tf["statements"]
             if s["actions"] == ["*"] and s["resources"] == ["*"]}
    assert admin == {("aws_iam_group.my_group", 20), ("aws_iam_role.my_test_role", 95),
                     ("aws_iam_user.my_test_user", 136)}


def test_plan_resources_are_linked_through_configuration_references(tmp_path):
    import json
    plan = {"format_version": "1.2", "terraform_version": "1.9.8",
            "planned_values": {"root_module": {"resources": [
                {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r",
                 "values": {"name": "etl", "assume_role_policy": "{}"}},
                {"address": "aws_iam_role_policy.p", "mode": "managed", "type": "aws_iam_role_policy", "name": "p",
                 "values": {"role": None, "policy": json.dumps({"Statement": [
                     {"Effect": "Allow", "Action": "*", "Resource": "*"}]})}}]}},
            "configuration": {"root_module": {"resources": [
                {"address": "aws_iam_role_policy.p", "expressions": {"role": {"references": [
                    "aws_iam_role.r.id", "aws_iam_role.r"]}}}]}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    tf = _terraform(tmp_path)
    [row] = tf["statements"]
    assert row["principal"] == "plan.json:aws_iam_role.r" and row["actions"] == ["*"]


def test_plan_resources_point_at_their_tf_source_when_it_is_in_the_tree(tmp_path):
    import json
    (tmp_path / "main.tf").write_text('provider "aws" {}\n\nresource "aws_iam_role" "r" {\n  name = "etl"\n'
                                      '  assume_role_policy = "{}"\n}\n')
    plan = {"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {"root_module": {"resources": [
        {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r",
         "values": {"name": "etl", "assume_role_policy": "{}"}}]}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    tf = _terraform(tmp_path)
    planned = next(r for r in tf["resources"] if r["source"] == "plan")
    assert (planned["path"], planned["line"]) == ("main.tf", 3)
    assert planned["plan_path"] == "plan.json" and planned["plan_line"] > 1


def test_dynamic_statement_blocks_are_expanded_and_located(tmp_path):
    (tmp_path / "main.tf").write_text('''provider "aws" {}

variable "buckets" {
  default = { raw = "acme-raw", curated = "acme-curated" }
}

data "aws_iam_policy_document" "p" {
  dynamic "statement" {
    for_each = var.buckets
    iterator = b
    content {
      sid       = "Read${b.key}"
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::${b.value}/*"]
    }
  }
  dynamic "statement" {
    for_each = var.unknown_list
    content {
      actions = ["s3:PutObject"]
    }
  }
}

resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
  policy = data.aws_iam_policy_document.p.json
}
''')
    tf = _terraform(tmp_path)
    rows = [s for s in tf["statements"] if s["principal"] == ".:aws_iam_role.r"]
    known = {s["sid"]: (s["resources"], s["line"]) for s in rows if s["known"]}
    assert known == {"Readcurated": (["arn:aws:s3:::acme-curated/*"], 11),
                     "Readraw": (["arn:aws:s3:::acme-raw/*"], 11)}
    assert [s["known"] for s in rows].count(False) == 1  # the block over an unknown collection
