"""The privilege rules over real Terraform: properties of the whole pack, and the real IAM plans."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.engine import create_engine
from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts, load_pack
from tests.conftest import SHARED_PLANS

PACK = load_pack([])
ENGINE = create_engine("regorus", PACK)

STATEMENTS = st.fixed_dictionaries({
    "Effect": st.just("Allow"),
    "Action": st.lists(st.sampled_from(["*", "s3:*", "s3:GetObject", "iam:PassRole", "iam:PutRolePolicy",
                                        "ec2:RunInstances", "secretsmanager:GetSecretValue", "glue:StartJobRun",
                                        "sts:GetSessionToken", "kms:Decrypt"]), min_size=1, max_size=4),
    "Resource": st.sampled_from(["*", "arn:aws:s3:::lake/*", "arn:aws:iam::1:role/x"]),
})


def _privilege_findings(statements: list[dict]) -> set[tuple[str, str]]:
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    tf = ('resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n'
          f'resource "aws_iam_role_policy" "p" {{\n  role = aws_iam_role.r.id\n  policy = <<EOT\n{policy}\nEOT\n}}\n')
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "main.tf").write_text(tf)
        facts, _ = collect_facts(RunOptions(paths=["."], cwd=Path(folder)))
        results = ENGINE.evaluate(build_model(facts)).results
    # Which rule fired for which kind of grant (the message's opening words); counts and lists in the message
    # grow with the grant.
    return {(rule, " ".join(r["msg"].split()[:5])) for rule, found in results.items()
            if rule.startswith("ATF-PRIVILEGE") for r in found}


@settings(max_examples=20, deadline=None)
@given(st.lists(STATEMENTS, min_size=1, max_size=3), STATEMENTS)
def test_adding_a_statement_never_removes_a_privilege_finding(statements, extra):
    assert _privilege_findings(statements) <= _privilege_findings(statements + [extra])


@pytest.mark.skipif(not SHARED_PLANS.is_dir(), reason="shared/ corpus not beside the checkout")
def test_the_regula_admin_plan_gives_admin_findings_on_its_three_principals():
    facts, _ = collect_facts(RunOptions(paths=["regula_admin_policy.json"], cwd=SHARED_PLANS))
    results = ENGINE.evaluate(build_model(facts)).results
    flagged = sorted(r["msg"].split(" ")[0].rsplit(":", 1)[1] for r in results.get("ATF-PRIVILEGE-001", []))
    assert flagged == ["aws_iam_group.my_group", "aws_iam_role.my_test_role", "aws_iam_user.my_test_user"]


@pytest.mark.skipif(not SHARED_PLANS.is_dir(), reason="shared/ corpus not beside the checkout")
def test_every_real_plan_analyses_without_a_rule_failure():
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=SHARED_PLANS))
    evaluation = ENGINE.evaluate(build_model(facts))
    assert not evaluation.failures
