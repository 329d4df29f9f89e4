"""The permission knowledge behind the privilege rules: the AWS action database, the risk lists, GCP role data."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.privilege.aws_access import analyse_statement, risk_data
from airtf_lint.privilege.aws_actions import action_index
from airtf_lint.privilege.gcp_roles import role_data, role_facts

INDEX = action_index()


def test_service_wildcard_expands_to_that_services_actions():
    actions = INDEX.expand("s3:Get*")
    assert "s3:GetObject" in actions and all(a.startswith("s3:Get") for a in actions)


def test_patterns_match_case_insensitively_and_return_aws_spelling():
    assert INDEX.expand("S3:getobject") == {"s3:GetObject"}


def test_star_is_every_action_and_unknown_names_match_nothing():
    assert INDEX.expand("*") == INDEX.all_actions
    assert INDEX.expand("s3:NoSuchAction") == frozenset()


def test_access_levels_apply_policy_sentrys_corrections():
    assert INDEX.level("s3:GetObject") == "Read"
    assert INDEX.level("iam:PutRolePolicy") == "Permissions management"


def test_every_risky_action_in_the_data_file_exists():
    risk = risk_data()
    named = set(risk.escalation_actions) | set(risk.exfiltration_actions)
    named |= {a for _, combination in risk.combinations for a in combination}
    assert [a for a in sorted(named) if not INDEX.known(a)] == []


def test_not_action_allows_everything_else():
    access = analyse_statement({"effect": "Allow", "not_actions": ["iam:*"], "resources": ["*"]}, INDEX, risk_data())
    assert access["action_count"] == len(INDEX.all_actions) - len(INDEX.expand("iam:*"))
    assert not access["all_actions"] and access["escalation"]["count"] > 0


def test_unknown_items_make_the_statement_partly_known():
    access = analyse_statement({"effect": "Allow", "actions": ["s3:GetObject", {"__unknown__": True, "expr": "x"}],
                                "resources": ["*"]}, INDEX, risk_data())
    assert access["known"] is False and access["action_count"] == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(sorted(INDEX.by_service["s3"]) + ["s3:Get*", "s3:*", "iam:Pass*", "*"]),
                min_size=1, max_size=6),
       st.lists(st.sampled_from(["iam:PassRole", "s3:PutObject", "ec2:RunInstances", "kms:*"]), max_size=3))
def test_adding_actions_never_removes_an_access_fact(actions, more):
    risk = risk_data()
    before = analyse_statement({"effect": "Allow", "actions": actions, "resources": ["*"]}, INDEX, risk)
    after = analyse_statement({"effect": "Allow", "actions": actions + more, "resources": ["*"]}, INDEX, risk)
    assert after["action_count"] >= before["action_count"]
    for kind in ("escalation", "credentials_exposure", "exfiltration", "write", "permissions_management"):
        assert after[kind]["count"] >= before[kind]["count"]


def test_gcp_role_data_names_only_listed_dangerous_permissions():
    data = role_data()
    unlisted = {p for permissions in data.roles.values() for p in permissions} - set(data.dangerous_permissions)
    assert unlisted == set()


def test_gcp_basic_roles_and_impersonation_roles_are_recognised():
    data = role_data()
    assert role_facts("roles/editor", data)["basic"] and not role_facts("roles/viewer", data)["basic"]
    assert role_facts("roles/iam.serviceAccountTokenCreator", data)["impersonation"]
    assert role_facts("roles/storage.objectViewer", data) == {"known": False, "basic": False,
                                                              "dangerous_permissions": [], "impersonation": False}


def test_privilege_data_files_are_versioned():
    from importlib import resources
    for name in ("aws_privilege.yaml", "gcp_roles.yaml"):
        assert yaml.safe_load(resources.files("airtf_lint").joinpath(f"data/{name}").read_text())["version"] == 1
