"""Terraform runners: what a root needs of the identity that runs it, against what that identity holds, and the
least-privilege policy `suggest` writes for it (issue 16)."""

from __future__ import annotations

import re
import shutil

import pytest

from airtf_lint.parsers.hcl import parse_hcl
from airtf_lint.privilege.aws_actions import action_index
from airtf_lint.privilege.terraform_needs import backend_needs, needs_mapping, root_needs
from tests.conftest import FIXTURES, run_in_process

INDEX = action_index()
GCP_PERMISSION = re.compile(r"^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+){2,}$")
RUNNER_RULES = ("ATF-PRIVILEGE-010", "ATF-PRIVILEGE-011", "ATF-PRIVILEGE-012")


def _runners(case):
    return run_in_process(["input", "."], FIXTURES / case).json()["privilege"]["terraform_runners"]


def _findings(folder):
    result = run_in_process([".", "--format", "json", "--select", ",".join(RUNNER_RULES)], folder)
    return [f for f in result.json()["findings"] if f["rule_id"] in RUNNER_RULES]


# The mapping.

def test_every_aws_action_of_the_mapping_is_in_the_action_database():
    mapping = needs_mapping()
    unknown = {(t, a) for section in (mapping.resources, mapping.data) for t, entry in section.items()
               if t.startswith("aws_") for names in _lists(entry) for a in names if not INDEX.expand(a)}
    assert not unknown


def test_every_gcp_permission_of_the_mapping_is_spelled_as_one():
    mapping = needs_mapping()
    bad = {(t, p) for section in (mapping.resources, mapping.data) for t, entry in section.items()
           if t.startswith("google_") for names in _lists(entry) for p in names if not GCP_PERMISSION.match(p)}
    assert not bad


def _lists(entry):
    yield from (entry.get(op) or [] for op in ("read", "create", "update", "delete"))
    yield from (entry.get("attributes") or {}).values()


@pytest.mark.parametrize("type_", ["aws_iam_role", "aws_iam_policy", "aws_iam_role_policy_attachment", "aws_s3_bucket",
                                   "aws_s3_bucket_versioning", "aws_kms_key", "aws_secretsmanager_secret",
                                   "aws_glue_job", "aws_emr_cluster", "aws_lambda_function", "aws_ecs_task_definition",
                                   "aws_eks_cluster", "aws_mwaa_environment", "aws_security_group", "aws_vpc",
                                   "aws_subnet", "google_storage_bucket", "google_service_account",
                                   "google_project_iam_member", "google_kms_crypto_key",
                                   "google_composer_environment", "google_bigquery_dataset",
                                   "google_dataproc_cluster", "google_pubsub_topic", "google_container_cluster",
                                   "google_compute_network", "google_secret_manager_secret"])
def test_the_types_of_airflow_platforms_are_known_with_a_create_action(type_):
    entry = needs_mapping().resources[type_]
    assert entry.get("create") and (entry.get("read") or entry.get("update"))


def test_the_mapping_covers_at_least_150_aws_and_60_gcp_resource_types():
    resources = needs_mapping().resources
    assert sum(t.startswith("aws_") for t in resources) >= 150
    assert sum(t.startswith("google_") for t in resources) >= 60


# Needs of a root.

def _model(resources, changes=(), backend=None, providers=()):
    return {"terraform": {"resources": list(resources), "changes": list(changes), "providers": list(providers),
                          "roots": [{"dir": "infra", "backend": backend}], "plans": []}}


def _hcl(type_, name, mode="managed", values=None):
    return {"address": f"{type_}.{name}", "type": type_, "mode": mode, "root": "infra", "source": "hcl",
            "values": values or {}}


def _actions(needs):
    return {a for row in needs["rows"] if row.get("identity") is None for a in row.get("actions") or []}


def test_a_declared_resource_may_be_created_updated_and_deleted():
    needs = root_needs(_model([_hcl("aws_s3_bucket", "b")]), "infra")
    assert {"s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket"} <= _actions(needs)


def test_an_attribute_counts_only_when_the_resource_sets_it():
    plain = root_needs(_model([_hcl("aws_s3_bucket", "b")]), "infra")
    tagged = root_needs(_model([_hcl("aws_s3_bucket", "b", values={"tags": {"team": "x"}})]), "infra")
    assert "s3:PutBucketTagging" not in _actions(plain) and "s3:PutBucketTagging" in _actions(tagged)


def test_a_data_source_is_only_read():
    needs = root_needs(_model([_hcl("aws_s3_bucket", "b", mode="data")]), "infra")
    assert _actions(needs) == {"s3:ListBucket"}


def test_a_plan_that_only_updates_needs_no_create_or_delete():
    change = {"plan": "p.json", "address": "aws_s3_bucket.b", "type": "aws_s3_bucket", "mode": "managed",
              "actions": ["update"]}
    needs = root_needs(_model([], [change]), "infra", plan="p.json")
    assert "s3:CreateBucket" not in _actions(needs) and "s3:DeleteBucket" not in _actions(needs)


def test_a_no_op_in_a_plan_needs_nothing():
    change = {"plan": "p.json", "address": "aws_iam_role.r", "type": "aws_iam_role", "mode": "managed",
              "actions": ["no-op"]}
    assert not any("iam:" in a for a in _actions(root_needs(_model([], [change]), "infra", plan="p.json")))


def test_an_unknown_resource_type_is_a_named_gap_not_a_zero():
    needs = root_needs(_model([_hcl("aws_made_up_thing", "x"), _hcl("aws_s3_bucket", "b")]), "infra")
    assert needs["unknown_types"] == ["aws_made_up_thing"] and needs["unknown_resources"] == 1


def test_other_providers_need_no_cloud_permission():
    needs = root_needs(_model([_hcl("random_id", "x"), _hcl("null_resource", "y")]), "infra")
    assert needs["unknown_types"] == [] and needs["resources"] == 0


def test_s3_backend_needs_the_state_key_and_the_lock_table():
    rows, becomes = backend_needs({"type": "s3", "config": {"bucket": "st", "key": "a/tf.tfstate", "region": "eu-west-1",
                                                            "dynamodb_table": "locks"}})
    pairs = {(a, r["resource"]) for r in rows for a in r["actions"]}
    assert ("s3:PutObject", "arn:aws:s3:::st/a/tf.tfstate") in pairs
    assert ("s3:ListBucket", "arn:aws:s3:::st") in pairs
    assert ("dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:*:table/locks") in pairs and becomes is None


def test_s3_lockfile_needs_the_tflock_object():
    rows, _ = backend_needs({"type": "s3", "config": {"bucket": "st", "key": "k", "use_lockfile": True}})
    assert any(r["resource"] == "arn:aws:s3:::st/k.tflock" and "s3:DeleteObject" in r["actions"] for r in rows)


def test_a_plan_reads_the_state_but_never_writes_it():
    rows, _ = backend_needs({"type": "s3", "config": {"bucket": "st", "key": "k"}}, read_only=True)
    assert not any("s3:PutObject" in r["actions"] for r in rows if r["resource"].endswith("/k"))


def test_gcs_backend_needs_objects_under_the_prefix():
    rows, _ = backend_needs({"type": "gcs", "config": {"bucket": "st", "prefix": "env/prod"}})
    assert any(r["resource"] == "projects/_/buckets/st/objects/env/prod/*" and "storage.objects.create" in r["permissions"]
               for r in rows)


def test_provider_assume_role_gives_the_resources_to_that_role_and_the_runner_needs_only_to_assume_it():
    provider = {"dir": "infra", "name": "aws", "assume_roles": ["arn:aws:iam::1:role/deploy"], "path": "m.tf", "line": 1}
    needs = root_needs(_model([_hcl("aws_s3_bucket", "b")], providers=[provider]), "infra")
    assert _actions(needs) == {"sts:AssumeRole"}
    assert any(r["identity"] == "arn:aws:iam::1:role/deploy" and "s3:CreateBucket" in r["actions"] for r in needs["rows"])


def test_provider_impersonation_needs_a_token_of_that_account():
    provider = {"dir": "infra", "name": "google", "assume_roles": [],
                "impersonate_service_account": "tf@acme.iam.gserviceaccount.com", "path": "m.tf", "line": 1}
    needs = root_needs(_model([_hcl("google_storage_bucket", "b")], providers=[provider]), "infra")
    own = {p for r in needs["rows"] if r["identity"] is None for p in r.get("permissions") or []}
    assert own == {"iam.serviceAccounts.getAccessToken"}


# Runners in fixtures.

def test_an_admin_runner_applying_a_bucket_and_a_role_is_critical_and_named():
    [runner] = _runners("ATF-PRIVILEGE-010/fail")
    assert runner["task"] == "deploy_platform.apply" and runner["root"] == "terraform/platform"
    assert runner["admin"] and runner["excess"]["all_actions"] and runner["missing"] == []
    assert {"s3:CreateBucket", "iam:CreateRole"} <= set(runner["needed"])
    [finding] = _findings(FIXTURES / "ATF-PRIVILEGE-010/fail")
    assert finding["severity"] == "critical" and "terraform/platform" in finding["message"]


def test_a_pod_with_a_terraform_image_runs_as_its_workload_identity_account():
    [runner] = _runners("ATF-PRIVILEGE-010/fail-pod")
    assert runner["via"] == "pod" and runner["identity"]["cloud"] == "gcp"
    assert runner["admin"] and runner["roles"] == ["roles/editor"]
    assert "storage.buckets.create" in runner["needed"] and "bigquery.datasets.create" in runner["needed"]


def test_a_saved_plan_gives_the_needs_of_its_changes():
    runners = {r["task"]: r for r in _runners("ATF-PRIVILEGE-011/fail")}
    apply = runners["deploy_functions.apply"]
    assert apply["plan"] == "terraform/functions/tfplan.json" and apply["source"] == "plan"
    assert "lambda:CreateFunction" in apply["needed"] and "s3:PutBucketTagging" in apply["needed"]
    assert "s3:CreateBucket" not in apply["needed"] and "iam:CreateRole" not in apply["needed"]


def test_a_runner_without_pass_role_is_told_what_it_lacks():
    runners = {r["task"]: r for r in _runners("ATF-PRIVILEGE-011/fail")}
    assert [m["action"] for m in runners["deploy_functions.apply"]["missing"]] == ["iam:PassRole"]
    [finding] = _findings(FIXTURES / "ATF-PRIVILEGE-011/fail")
    assert "iam:PassRole" in finding["message"] and "deploy_functions.apply" in finding["message"]


def test_a_plan_task_needs_read_only():
    runners = {r["task"]: r for r in _runners("ATF-PRIVILEGE-011/pass-suggested")}
    plan = runners["deploy_functions.plan"]
    assert plan["phase"] == "plan" and "lambda:CreateFunction" not in plan["needed"]
    assert "lambda:GetFunction" in plan["needed"]


# Suggestions.

def _suggestions(folder):
    items = run_in_process(["suggest", ".", "--format", "json"], folder).json()
    return [i for i in items if i.get("kind") == "terraform_runner"]


@pytest.mark.parametrize("case", ["ATF-PRIVILEGE-010/fail", "ATF-PRIVILEGE-010/fail-pod", "ATF-PRIVILEGE-011/fail"])
def test_suggested_runner_policies_are_hcl_that_airtf_lint_parses(case):
    for item in _suggestions(FIXTURES / case):
        body = parse_hcl(item["hcl"], "suggestion.tf")
        assert not body.errors and body.blocks
        names = [b.labels[1] for b in body.blocks]
        assert any(n.endswith("_plan") for n in names) and any(n.endswith("_apply") for n in names)


def test_the_suggested_backend_permissions_are_scoped_to_the_state_key():
    [item] = _suggestions(FIXTURES / "ATF-PRIVILEGE-010/fail")
    statements = item["policies"]["apply"]["Statement"]
    state = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert state and all(r.endswith("platform/terraform.tfstate") for s in state for r in s["Resource"])


def test_the_plan_policy_grants_no_write_to_the_resources():
    [item] = _suggestions(FIXTURES / "ATF-PRIVILEGE-010/fail")
    actions = {a for s in item["policies"]["plan"]["Statement"] if s["Resource"] == ["*"] for a in s["Action"]}
    assert actions and all(INDEX.level(a) in ("Read", "List") for a in actions)


def test_applying_the_suggestion_quiets_the_runner_rules(tmp_path):
    case = tmp_path / "case"
    shutil.copytree(FIXTURES / "ATF-PRIVILEGE-010/fail", case)
    [item] = _suggestions(case)
    apply_document = item["hcl"].split("\n\n")[1]
    name = apply_document.split('"')[3]
    (case / "terraform/airflow/main.tf").write_text(
        (case / "terraform/airflow/main.tf").read_text().split('resource "aws_iam_role_policy_attachment"')[0]
        + f'resource "aws_iam_role_policy" "terraform" {{\n  role   = aws_iam_role.workers.name\n'
          f'  policy = data.aws_iam_policy_document.{name}.json\n}}\n\n{apply_document}\n')
    assert _findings(FIXTURES / "ATF-PRIVILEGE-010/fail")
    assert _findings(case) == []
    [runner] = run_in_process(["input", "."], case).json()["privilege"]["terraform_runners"]
    assert runner["grants_known"] and runner["excess"]["count"] == 0 and runner["missing"] == []
