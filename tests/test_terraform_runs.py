"""Terraform invocations found in task commands: the facts the workflow rules read, never a secret value."""

from __future__ import annotations

import json

from airtf_lint.airflow.terraform_runs import parse_command


def test_secret_backend_config_is_named_and_its_value_masked():
    [run] = parse_command("terraform init -backend-config=secret_key=k3y-value -backend-config access_key=AKIA1")
    assert run["literal_secret_backend_config"] == ["secret_key", "access_key"]
    assert "k3y-value" not in json.dumps(run) and "AKIA1" not in json.dumps(run)


def test_non_secret_backend_config_is_not_a_credential():
    [run] = parse_command("terraform init -backend-config=bucket=state -backend-config=backend.tfbackend")
    assert run["literal_secret_backend_config"] == []


def test_exported_credential_reaches_every_later_terraform_run():
    runs = parse_command("export AWS_SECRET_ACCESS_KEY=abc123\nterraform init\nterraform apply tfplan")
    assert [r["literal_credential_shell"] for r in runs] == [["AWS_SECRET_ACCESS_KEY"]] * 2


def test_credential_assigned_before_the_command_is_its_environment():
    [run] = parse_command("TFE_TOKEN=abc123 terraform plan")
    assert run["literal_credential_shell"] == ["TFE_TOKEN"] and run["subcommand"] == "plan"


def test_shell_references_and_jinja_are_not_literals():
    [run] = parse_command("export TFE_TOKEN=$TOKEN; AWS_SESSION_TOKEN='{{ conn.aws.password }}' terraform plan")
    assert run["literal_credential_shell"] == []


def test_ordinary_variables_in_the_command_are_not_credentials():
    [run] = parse_command("TF_IN_AUTOMATION=1 TF_LOG=debug terraform plan")
    assert run["literal_credential_shell"] == []
