"""Least-privilege suggestions: compressed action lists lose nothing, and a suggested policy grants exactly what
the tasks need on the resources they name."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.privilege.aws_actions import action_index
from airtf_lint.privilege.suggest import aws_statements, compress
from tests.conftest import REPO

INDEX = action_index()
S3 = sorted(INDEX.by_service["s3"])
SOME_ACTIONS = S3 + sorted(INDEX.by_service["glue"])[:40] + ["sqs:SendMessage", "kms:Decrypt"]


@settings(max_examples=60, deadline=None)
@given(st.sets(st.sampled_from(SOME_ACTIONS), min_size=1, max_size=60))
def test_compressing_then_expanding_an_action_set_is_lossless(actions):
    patterns = compress(actions, INDEX)
    assert frozenset().union(*(INDEX.expand(p) for p in patterns)) == actions


def test_a_whole_service_compresses_to_its_wildcard():
    assert compress(set(INDEX.by_service["sqs"]), INDEX) == ["sqs:*"]


NEEDS = st.lists(st.fixed_dictionaries({
    "actions": st.lists(st.sampled_from(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "glue:StartJobRun",
                                         "s3:Get*"]), min_size=1, max_size=3),
    "resource": st.sampled_from(["arn:aws:s3:::lake", "arn:aws:s3:::lake/raw/*", "*",
                                 "arn:aws:glue:eu-west-1:1:job/nightly"]),
}), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(NEEDS)
def test_suggested_policy_grants_every_need_and_nothing_beyond(needs):
    wanted = {(a, row["resource"]) for row in needs for p in row["actions"] for a in INDEX.expand(p)}
    statements = aws_statements(needs, INDEX)
    granted = {(a, r) for s in statements for p in s["actions"] for a in INDEX.expand(p) for r in s["resources"]}
    assert granted == wanted


def test_suggest_prints_a_policy_document_per_identity_of_the_example(cli):
    result = cli(["suggest", "examples/data-platform"], REPO)
    assert result.code == 0
    assert 'data "aws_iam_policy_document" "etl_least_privilege"' in result.stdout
    assert "static access key" not in result.stdout  # a label, not an identity to write a policy for


def test_fix_suggestions_appends_the_policies_to_the_lint_report(cli):
    result = cli(["examples/data-platform", "--fix-suggestions", "--no-progress"], REPO)
    assert result.code == 1  # the findings still decide the exit code
    report, _, suggestions = result.stdout.partition("Least-privilege suggestions")
    assert "ATF-PRIVILEGE-007" in report
    assert 'data "aws_iam_policy_document" "etl_least_privilege"' in suggestions


def test_fix_suggestions_keep_json_output_parseable(cli):
    result = cli(["examples/data-platform", "--fix-suggestions", "--format", "json"], REPO)
    assert json.loads(result.stdout)["findings"]
    assert "etl_least_privilege" in result.stderr
