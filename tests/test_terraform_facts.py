"""Terraform and IAM facts that hold on real code (issue 14): GCP parity, module instances, AWS-managed policies by
data source, invalid policies, resource scope, which folders are roots, secret stores and the state's storage."""

from __future__ import annotations

import json
from pathlib import Path

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts, run
from tests.conftest import FIXTURES, write

BACKEND = 'terraform {\n  backend "s3" {\n    bucket = "b"\n    key = "k"\n    region = "eu-west-1"\n    use_lockfile = true\n  }\n}\n'


def _model(root: Path):
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=root))
    return build_model(facts, [], root)


def _run(root: Path):
    return run(RunOptions(paths=["."], cwd=root))


def _binding(model, address):
    return next(b for b in model["terraform"]["gcp"]["bindings"] if b["address"] == address)


# --- GCP -----------------------------------------------------------------------------------------------------------

COMPOSER = FIXTURES / "ATF-PRIVILEGE-001" / "fail-composer-impersonation"


def test_a_service_accounts_email_uses_the_provider_blocks_project_from_a_variable():
    model = _model(COMPOSER)
    emails = {p["address"]: p["email"] for p in model["terraform"]["principals"] if p["cloud"] == "gcp"}
    assert emails["google_service_account.worker"] == "composer-worker@acme-data.iam.gserviceaccount.com"
    assert _binding(model, "google_project_iam_member.worker_editor")["member"] == \
        "serviceAccount:composer-worker@acme-data.iam.gserviceaccount.com"


def test_a_member_whose_project_is_unknown_still_links_to_its_account_as_a_service_account(tmp_path):
    write(tmp_path, {"main.tf": """
variable "project" {}
resource "google_service_account" "sa" { account_id = "etl" }
resource "google_project_iam_member" "m" {
  project = var.project
  role    = "roles/owner"
  member  = "serviceAccount:${google_service_account.sa.email}"
}
"""})
    binding = _binding(_model(tmp_path), "google_project_iam_member.m")
    assert binding["member"]["__unknown__"] is True
    assert binding["member_principal"] == ".:google_service_account.sa"
    assert binding["member_type"] == "serviceAccount"
    assert binding["member_name"] == "serviceAccount:google_service_account.sa"


def test_a_reference_inside_nested_blocks_links_the_composer_environment_to_its_account():
    model = _model(COMPOSER)
    environment = model["terraform"]["gcp"]["composer_environments"][0]
    assert environment["service_account"] == ".:google_service_account.worker"
    load = next(t for t in model["airflow"]["tasks"] if t["task_id"] == "load")
    assert load["identities"][0]["principal"] == ".:google_service_account.worker"


def test_gcp_identities_are_filled_for_every_account_tasks_run_as():
    identities = {i["principal"]: i["tasks"] for i in _model(COMPOSER)["privilege"]["gcp_identities"]}
    assert identities == {".:google_service_account.worker": ["etl.load"],
                          ".:google_service_account.deployer": ["etl.deploy"]}


def test_impersonation_edges_are_followed_to_the_tasks_that_carry_an_accounts_privileges():
    privilege = _model(COMPOSER)["privilege"]
    edges = {(e["from"], e["to"], e["role"]) for e in privilege["gcp_impersonation"]}
    assert (".:google_service_account.worker", ".:google_service_account.deployer",
            "roles/iam.serviceAccountTokenCreator") in edges
    reach = privilege["reachable_by"][".:google_service_account.deployer"]
    assert reach == [{"task": "etl.load",
                      "via": [".:google_service_account.worker", ".:google_service_account.deployer"]}]


def test_each_basic_role_is_critical_and_names_the_tasks_directly_and_through_impersonation():
    findings = [f for f in _run(COMPOSER).findings if f.rule_id == "ATF-PRIVILEGE-001"]
    assert [(f.line, f.severity) for f in sorted(findings, key=lambda f: f.line)] == [(26, "critical"),
                                                                                      (32, "critical")]
    owner = next(f for f in findings if f.line == 32)
    assert '"etl.deploy"' in owner.message and '"etl.load"' in owner.message and "impersonation" in owner.message


# --- modules -------------------------------------------------------------------------------------------------------

def test_module_for_each_and_count_are_expanded_with_their_keys_in_the_address(tmp_path):
    write(tmp_path, {
        "main.tf": """
provider "aws" {}
module "roles" {
  source   = "./role"
  for_each = toset(["etl", "admin"])
  name     = each.key
}
module "counted" {
  source = "./role"
  count  = 2
  name   = "c${count.index}"
}
resource "aws_iam_role_policy_attachment" "extra" {
  role       = module.roles["etl"].name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
""",
        "role/main.tf": 'variable "name" {}\nresource "aws_iam_role" "r" {\n  name = var.name\n}\n'
                        'output "name" { value = aws_iam_role.r.name }\n'})
    model = _model(tmp_path)
    addresses = {r["address"]: r["values"].get("name") for r in model["terraform"]["resources"]
                 if r["type"] == "aws_iam_role"}
    assert addresses == {'module.roles["admin"].aws_iam_role.r': "admin", 'module.roles["etl"].aws_iam_role.r': "etl",
                         "module.counted[0].aws_iam_role.r": "c0", "module.counted[1].aws_iam_role.r": "c1"}
    extra = next(r for r in model["terraform"]["resources"] if r["address"] == "aws_iam_role_policy_attachment.extra")
    assert extra["values"]["role"] == "etl"  # module.roles["etl"].name: the instance's output


def test_an_administrator_access_attachment_inside_a_for_each_module_is_found_per_instance():
    case = FIXTURES / "ATF-PRIVILEGE-001" / "fail-module-instances"
    principals = sorted(f.message.split(" ")[0] for f in _run(case).findings if f.rule_id == "ATF-PRIVILEGE-001")
    assert principals == ['.:module.team["analytics"].aws_iam_role.team', '.:module.team["finance"].aws_iam_role.team']


# --- AWS policies --------------------------------------------------------------------------------------------------

def test_an_aws_managed_policy_looked_up_by_a_data_source_is_recognised(tmp_path):
    write(tmp_path, {"main.tf": BACKEND + """
provider "aws" {}
data "aws_iam_policy" "admin" { name = "AdministratorAccess" }
data "aws_iam_policy" "other" { arn = "arn:aws:iam::aws:policy/PowerUserAccess" }
data "aws_iam_policy" "customer" { name = "acme-readers" }
resource "aws_iam_role" "r" { name = "r" }
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.r.name
  policy_arn = data.aws_iam_policy.admin.arn
}
"""})
    model = _model(tmp_path)
    grant = model["terraform"]["grants"][0]
    assert (grant["kind"], grant["policy"]) == ("aws_managed", "aws-managed:AdministratorAccess")
    data = {r["name"]: r["values"] for r in model["terraform"]["resources"] if r["type"] == "aws_iam_policy"}
    assert data["other"]["name"] == "PowerUserAccess"
    assert "arn" not in data["customer"] or not isinstance(data["customer"]["arn"], str)


def test_a_heredoc_policy_that_is_not_json_is_an_error_at_its_line(tmp_path):
    write(tmp_path, {"main.tf": BACKEND + """provider "aws" {}
resource "aws_iam_role" "r" { name = "r" }
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},]
}
EOF
}
"""})
    errors = [e for e in _run(tmp_path).errors if "not valid JSON" in e.message]
    assert [(e.path, e.line) for e in errors] == [("main.tf", 16)]  # the line of the trailing comma
    assert "aws_iam_role_policy.p" in errors[0].message


RENDERED_AND_FILE = BACKEND + r'''provider "aws" {}
variable "arns" { type = list(string) }
resource "aws_iam_role" "r" { name = "r" }
resource "aws_iam_role_policy" "rendered" {
  role   = aws_iam_role.r.name
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": [${join(",", formatlist("\"%s\"", var.arns))}]}]
}
EOF
}
resource "aws_iam_role_policy" "file" {
  role   = aws_iam_role.r.name
  policy = file("${path.module}/policy.json")
}
'''


def test_a_heredoc_made_valid_by_its_interpolation_is_no_error_and_a_file_is_located_at_its_call(tmp_path):
    write(tmp_path, {"main.tf": RENDERED_AND_FILE, "policy.json": '{\n  "Version": "2012-10-17",\n  "Statement": '
                     '[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",}]\n}\n'})
    errors = [e for e in _run(tmp_path).errors if "not valid JSON" in e.message]
    line = RENDERED_AND_FILE.splitlines().index('  policy = file("${path.module}/policy.json")') + 1
    assert [(e.path, e.line) for e in errors] == [("main.tf", line)]  # the file(...) call, not a line of main.tf
    assert "aws_iam_role_policy.file" in errors[0].message


def _access(tmp_path, actions, resources):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions,
                                                                 "Resource": resources}]})
    write(tmp_path, {"main.tf": 'resource "aws_iam_user" "u" { name = "u" }\nresource "aws_iam_user_policy" "p" {\n'
                                f'  user = aws_iam_user.u.name\n  policy = {json.dumps(policy)}\n}}\n'})
    return _model(tmp_path)["terraform"]["statements"][0]["access"]


def test_creating_ones_own_access_key_is_not_escalation(tmp_path):
    access = _access(tmp_path, ["iam:CreateAccessKey", "iam:UpdateLoginProfile"],
                     "arn:aws:iam::*:user/$${aws:username}")
    assert access["resource_scope"] == "self" and access["escalation"]["count"] == 0


def test_policy_changes_limited_to_service_linked_roles_are_not_escalation(tmp_path):
    access = _access(tmp_path, ["iam:AttachRolePolicy", "iam:PutRolePolicy"],
                     "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/*")
    assert access["resource_scope"] == "service_linked_roles" and access["escalation"]["count"] == 0


def test_the_same_actions_on_every_user_are_escalation(tmp_path):
    assert _access(tmp_path, ["iam:CreateAccessKey"], "arn:aws:iam::*:user/*")["escalation"]["count"] == 1


def test_write_actions_aws_cannot_scope_to_a_resource_are_kept_apart(tmp_path):
    access = _access(tmp_path, ["ecr:GetAuthorizationToken", "xray:PutTraceSegments", "s3:PutObject"], "*")
    assert access["write"]["actions"] == ["s3:PutObject"]
    assert "xray:PutTraceSegments" in access["unscoped_writes"]["actions"]


# --- roots and state -----------------------------------------------------------------------------------------------

def test_examples_tests_modules_and_terragrunt_units_are_told_apart():
    roots = {r["dir"]: r for r in _model(FIXTURES / "ATF-STATE-001" / "pass-examples-and-terragrunt")
             ["terraform"]["roots"]}
    assert {d: r["purpose"] for d, r in roots.items()} == {
        "examples/basic": "example", "test/fixtures/setup": "test", "live/prod/etl": "deployment"}
    wrapped = roots["live/prod/etl"]
    assert wrapped["backend"]["type"] == "s3" and wrapped["backend"]["via"] == "remote_state"
    assert wrapped["terragrunt"]["path"] == "live/prod/etl/terragrunt.hcl"  # the unit's own file
    assert wrapped["backend"]["path"] == "live/root.hcl"  # the backend: in the root.hcl it includes
    assert wrapped["backend"]["locking"]["locks"] is True


def test_a_terragrunt_generate_backend_block_is_a_backend(tmp_path):
    write(tmp_path, {"terragrunt.hcl": 'generate "backend" {\n  path = "backend.tf"\n  contents = <<EOF\n'
                                       'terraform {\n  backend "gcs" {}\n}\nEOF\n}\n',
                     "main.tf": 'provider "google" {}\n'})
    root = _model(tmp_path)["terraform"]["roots"][0]
    assert (root["backend"]["type"], root["backend"]["via"]) == ("gcs", "generate")


def test_a_module_repository_root_without_provider_block_is_a_module(tmp_path):
    write(tmp_path, {"versions.tf": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n'
                                    '  }\n}\n', "main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    assert _model(tmp_path)["terraform"]["roots"][0]["purpose"] == "module"
    assert not [f for f in _run(tmp_path).findings if f.rule_id == "ATF-STATE-001"]


def test_the_backends_bucket_and_lock_table_are_described_when_defined_here():
    storage = _model(FIXTURES / "ATF-STATE-005" / "fail")["terraform"]["roots"][0]["backend"]["storage"]
    assert storage["bucket"]["versioning"] is False
    assert storage["bucket"]["public_access_blocked"] is False
    assert storage["lock_table"]["hash_key"] == "id" and storage["lock_table"]["key_schema_ok"] is False
    kept = _model(FIXTURES / "ATF-STATE-005" / "pass")["terraform"]["roots"][0]["backend"]["storage"]
    assert kept["bucket"]["versioning"] is True and kept["lock_table"]["key_schema_ok"] is True


# --- secrets and keys ----------------------------------------------------------------------------------------------

def test_literal_values_in_secret_stores_are_secrets_shown_only_masked():
    case = FIXTURES / "ATF-SECRET-002" / "fail-secret-store"
    every = _model(case)["secrets"]
    assert {s["line"] for s in every} == {4, 13, 18, 27, 33}  # the username beside the password is not one
    # Where the attribute's name says nothing (value, data), the resource type is what makes it a secret; where the
    # name does (password, token), the other detectors report it once and the store adds nothing.
    secrets = [s for s in every if s["detector"] == "secret_store_value"]
    assert {s["name"] for s in secrets} == {"aws_ssm_parameter.db.value", "azurerm_key_vault_secret.a.value"}
    text = (case / "main.tf").read_text()
    for secret in secrets:
        assert "***" in secret["redacted"] and len(secret["fingerprint"]) == 16
    assert "Xk29sLq0vP3z" in text and not any("Xk29sLq0vP3z" in json.dumps(s) for s in secrets)


def test_a_long_lived_key_no_task_uses_is_a_finding_graded_medium(tmp_path):
    write(tmp_path, {"main.tf": BACKEND + 'provider "aws" {}\nresource "aws_iam_user" "ci" { name = "ci" }\n'
                                          'resource "aws_iam_access_key" "ci" { user = aws_iam_user.ci.name }\n'})
    keys = [f for f in _run(tmp_path).findings if f.rule_id == "ATF-IDENTITY-006"]
    assert [(f.line, f.severity) for f in keys] == [(11, "medium")]


def test_examples_are_examples_only_in_a_module_repository():
    from airtf_lint.terraform.roots import purpose

    # terraform-aws-modules style: modules/ beside examples/, whose roots show how to call them
    assert purpose("examples/complete", [], False, ["modules/role", "examples/complete"]) == "example"
    # a tree whose only Terraform is under examples/ (a demo platform) keeps applied deployments there
    assert purpose("examples/platform/prod", [], True, ["examples/platform/prod", "examples/platform/modules/r"]) \
        == "deployment"
    assert purpose("tests/fixtures/x", [], True, ["tests/fixtures/x"]) == "test"
