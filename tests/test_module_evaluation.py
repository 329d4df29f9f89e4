"""Module instances: values in the model are what Terraform would compute for each instance of a module."""

from __future__ import annotations

from pathlib import Path

from airtf_lint.facts import is_unknown
from airtf_lint.model import build_model
from airtf_lint.parsers import parse_file
from airtf_lint.facts import FileKind, SourceFile
from airtf_lint.pipeline import RunOptions, collect_facts
from tests.conftest import EXAMPLE, run_in_process, write


def _model(root: Path, var_files=()):
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=root))
    extra = [parse_file(SourceFile(v, root / v, FileKind.TFVARS)) for v in var_files]
    return build_model(facts, extra, root)


def _resource(model, address):
    return next(r for r in model["terraform"]["resources"] if r["address"] == address)


def test_child_module_resources_carry_their_callers_inputs(tmp_path):
    write(tmp_path, {
        "live/main.tf": 'terraform {\n  backend "gcs" {}\n}\nmodule "role" {\n  source = "../modules/role"\n'
                        '  name   = "etl-${var.env}"\n}\nvariable "env" {\n  default = "dev"\n}\n',
        "live/terraform.tfvars": 'env = "prod"\n',
        "modules/role/main.tf": 'variable "name" {}\nresource "aws_iam_role" "r" {\n  name = var.name\n}\n',
    })
    role = _resource(_model(tmp_path), "module.role.aws_iam_role.r")
    assert role["values"]["name"] == "etl-prod"
    assert (role["path"], role["line"], role["root"], role["module_path"]) == ("modules/role/main.tf", 2, "live",
                                                                               "module.role")


def test_a_module_called_from_two_roots_is_evaluated_for_each(tmp_path):
    call = 'terraform {{\n  backend "gcs" {{}}\n}}\nmodule "b" {{\n  source = "../m"\n  n = "{n}"\n}}\n'
    write(tmp_path, {"a/main.tf": call.format(n="one"), "b/main.tf": call.format(n="two"),
                     "m/main.tf": 'variable "n" {}\nresource "x" "y" {\n  v = var.n\n}\n'})
    values = sorted(r["values"]["v"] for r in _model(tmp_path)["terraform"]["resources"])
    assert values == ["one", "two"]


def test_tfvars_precedence_defaults_then_tfvars_then_auto_then_var_file(tmp_path):
    write(tmp_path, {
        "main.tf": 'provider "aws" {}\nvariable "a" {\n  default = "default"\n}\nvariable "b" {\n  default = "default"\n}\n'
                   'variable "c" {\n  default = "default"\n}\nresource "x" "y" {\n  a = var.a\n  b = var.b\n  c = var.c\n}\n',
        "terraform.tfvars": 'a = "tfvars"\nb = "tfvars"\nc = "tfvars"\n',
        "z.auto.tfvars": 'b = "auto"\nc = "auto"\n',
        "prod.tfvars": 'c = "var-file"\n',
    })
    values = _resource(_model(tmp_path, ["prod.tfvars"]), "x.y")["values"]
    assert (values["a"], values["b"], values["c"]) == ("tfvars", "auto", "var-file")


def test_locals_and_references_between_resources_are_resolved(tmp_path):
    write(tmp_path, {"main.tf": 'provider "aws" {}\nlocals {\n  prefix = "acme"\n}\n'
                                'resource "aws_iam_role" "r" {\n  name = "${local.prefix}-etl"\n}\n'
                                'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.name\n'
                                '  arn  = aws_iam_role.r.arn\n}\n'})
    policy = _resource(_model(tmp_path), "aws_iam_role_policy.p")["values"]
    assert policy["role"] == "acme-etl"
    assert is_unknown(policy["arn"]) and policy["arn"]["expr"] == "aws_iam_role.r.arn"


def test_module_outputs_are_resolved(tmp_path):
    write(tmp_path, {"main.tf": 'provider "aws" {}\nmodule "m" {\n  source = "./m"\n}\n'
                                'resource "x" "y" {\n  v = module.m.out\n}\n',
                     "m/main.tf": 'output "out" {\n  value = "from-child"\n}\n'})
    assert _resource(_model(tmp_path), "x.y")["values"]["v"] == "from-child"


def test_file_reads_within_the_tree_only(tmp_path):
    write(tmp_path, {"infra/main.tf": 'provider "aws" {}\nresource "x" "y" {\n  doc = file("${path.module}/p.json")\n'
                                      '  bare = file("p.json")\n  outside = file("/etc/hostname")\n'
                                      '  escape = file("../../../../etc/hostname")\n}\n',
                     "infra/p.json": '{"a": 1}'})
    values = _resource(_model(tmp_path), "x.y")["values"]
    assert values["doc"] == '{"a": 1}' and values["bare"] == '{"a": 1}'
    assert is_unknown(values["outside"]) and is_unknown(values["escape"])


def test_sensitive_variable_values_never_enter_the_model(tmp_path):
    write(tmp_path, {"main.tf": 'provider "aws" {}\nvariable "pw" {\n  sensitive = true\n}\n'
                                'resource "x" "y" {\n  password = var.pw\n}\n',
                     "terraform.tfvars": 'pw = "tfvars-secret-value"\n'})
    model = _model(tmp_path)
    assert "tfvars-secret-value" not in str(model)


def test_module_cycle_does_not_hang(tmp_path):
    write(tmp_path, {"a/main.tf": 'provider "aws" {}\nmodule "b" {\n  source = "../b"\n}\n',
                     "b/main.tf": 'module "a" {\n  source = "../a"\n}\nresource "x" "y" {}\n'})
    assert _model(tmp_path)["terraform"]["resources"]


def test_example_child_module_is_instantiated_by_both_callers():
    resources = _model(EXAMPLE)["terraform"]["resources"]
    roots = sorted(r["root"] for r in resources if r["address"] == "module.etl_role.aws_iam_role.etl")
    assert roots == ["terraform/prod", "terraform/staging"]


def test_installed_registry_module_is_used_from_dot_terraform(tmp_path):
    write(tmp_path, {
        "live/main.tf": 'terraform {\n  backend "gcs" {}\n}\nmodule "iam" {\n  source  = "terraform-aws-modules/iam/aws"\n'
                        '  version = "5.0.0"\n  role_name = "etl"\n}\n',
        "live/.terraform/modules/modules.json": '{"Modules": [{"Key": "", "Source": "", "Dir": "."}, {"Key": "iam", '
                                                '"Source": "registry.terraform.io/terraform-aws-modules/iam/aws", '
                                                '"Version": "5.0.0", "Dir": ".terraform/modules/iam"}]}',
        "live/.terraform/modules/iam/main.tf": 'variable "role_name" {}\nresource "aws_iam_role" "this" {\n'
                                               '  name = var.role_name\n}\n',
    })
    model = _model(tmp_path)
    role = _resource(model, "module.iam.aws_iam_role.this")
    assert role["values"]["name"] == "etl" and role["path"] == "live/.terraform/modules/iam/main.tf"


def test_registry_module_not_installed_is_recorded_as_unresolved(tmp_path):
    write(tmp_path, {"main.tf": 'provider "aws" {}\nmodule "iam" {\n  source = "terraform-aws-modules/iam/aws"\n}\n'})
    [call] = _model(tmp_path)["terraform"]["module_calls"]
    assert call["resolved"] is False and call["source"] == "terraform-aws-modules/iam/aws"


def test_count_and_for_each_expand_into_instances_with_their_own_values(tmp_path):
    write(tmp_path, {"main.tf": 'provider "aws" {}\nvariable "create" {\n  default = false\n}\n'
                                'resource "x" "off" {\n  count = var.create ? 1 : 0\n}\n'
                                'resource "x" "two" {\n  count = 2\n  n = "n-${count.index}"\n}\n'
                                'resource "x" "each" {\n  for_each = { a = "A", b = "B" }\n  v = each.value\n}\n'
                                'resource "x" "set" {\n  for_each = toset(["p"])\n  v = each.key\n}\n'
                                'resource "x" "ref" {\n  v = x.two[1].n\n  w = x.each["b"].v\n}\n'})
    resources = {r["address"]: r["values"] for r in _model(tmp_path)["terraform"]["resources"]}
    assert not any(a.startswith("x.off") for a in resources)
    assert resources["x.two[0]"]["n"] == "n-0" and resources["x.two[1]"]["n"] == "n-1"
    assert resources['x.each["a"]']["v"] == "A" and resources['x.set["p"]']["v"] == "p"
    assert resources["x.ref"]["v"] == "n-1" and resources["x.ref"]["w"] == "B"


def test_unknown_count_keeps_one_unexpanded_instance(tmp_path):
    write(tmp_path, {"main.tf": 'provider "aws" {}\nresource "x" "y" {\n  count = var.n\n  i = count.index\n}\n'})
    [resource] = [r for r in _model(tmp_path)["terraform"]["resources"] if r["type"] == "x"]
    assert resource["address"] == "x.y" and is_unknown(resource["values"]["i"])


def test_optional_object_attributes_get_null_or_their_default(tmp_path):
    write(tmp_path, {
        "main.tf": 'provider "aws" {}\nmodule "m" {\n  source = "./m"\n  perms = { read = { actions = ["s3:Get*"] } }\n}\n',
        "m/main.tf": 'variable "perms" {\n  type = map(object({\n    sid     = optional(string)\n'
                     '    actions = list(string)\n    effect  = optional(string, "Allow")\n  }))\n}\n'
                     'resource "x" "y" {\n  for_each = var.perms\n  sid = coalesce(each.value.sid, each.key)\n'
                     '  effect = each.value.effect\n  has_sid = each.value.sid != null\n}\n',
    })
    [resource] = [r for r in _model(tmp_path)["terraform"]["resources"] if r["type"] == "x"]
    # count and for_each are meta-arguments, not values of the instance (as in a plan's values)
    assert resource["values"] == {"sid": "read", "effect": "Allow", "has_sid": False}


def test_installed_modules_are_read_by_the_parse_stage_and_never_judged(tmp_path):
    # Read in the parse stage (so the fact cache covers them), as files of their own kinds; third-party code:
    # neither its syntax errors nor its secrets are the user's.
    from airtf_lint.discover import discover
    from airtf_lint.facts import FileKind

    write(tmp_path, {
        "live/main.tf": 'terraform {\n  backend "gcs" {}\n}\nmodule "m" {\n  source = "acme/m/aws"\n}\n',
        "live/.terraform/modules/modules.json": '{"Modules": [{"Key": "m", "Source": "registry.terraform.io/acme/m/aws",'
                                                ' "Dir": ".terraform/modules/m"}]}',
        "live/.terraform/modules/m/main.tf": 'variable "password" {\n  default = "Zq8vLp3mNx7tRw2k"\n}\n',
        "live/.terraform/modules/m/broken.tf": 'resource "x" {\n',
        "live/.terraform/modules/unlisted/main.tf": 'resource "y" "z" {}\n',
    })
    kinds = {f.path: f.kind for f in discover(["."], tmp_path).files}
    assert kinds["live/.terraform/modules/modules.json"] is FileKind.MODULE_MANIFEST
    assert kinds["live/.terraform/modules/m/main.tf"] is FileKind.INSTALLED_MODULE
    assert "live/.terraform/modules/unlisted/main.tf" not in kinds  # only what the manifest names
    result = run_in_process([".", "--format", "json"], tmp_path)
    document = result.json()
    assert document["errors"] == [] and not any(".terraform" in f["path"] for f in document["findings"])
