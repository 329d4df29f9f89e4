"""GCP bindings, Kubernetes service accounts and Terraform-managed Airflow connections in the model."""

from __future__ import annotations

import json

import pytest

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from tests.conftest import FIXTURES

CASE = FIXTURES / "model" / "gcp_k8s_connections"


@pytest.fixture(scope="module")
def model():
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=CASE))
    return build_model(facts, [], CASE)


@pytest.fixture(scope="module")
def tf(model):
    return model["terraform"]


def test_service_accounts_are_principals_with_their_computed_email(tf):
    accounts = {p["address"]: p for p in tf["principals"] if p["cloud"] == "gcp"}
    assert accounts["google_service_account.etl"]["email"] == "etl@acme-data.iam.gserviceaccount.com"
    assert accounts["google_service_account.composer"]["line"] == 11


def test_bindings_are_one_row_per_role_and_member_linked_to_principals(tf):
    rows = {(b["role"], b["member"]): b for b in tf["gcp"]["bindings"]}
    editor = rows[("roles/editor", "serviceAccount:composer-workers@acme-data.iam.gserviceaccount.com")]
    assert editor["member_principal"] == ".:google_service_account.composer" and editor["level"] == "project"
    assert editor["line"] == 25 and editor["authoritative"] is False
    viewer = rows[("roles/viewer", "serviceAccount:etl@acme-data.iam.gserviceaccount.com")]
    assert viewer["member_principal"] == ".:google_service_account.etl" and viewer["authoritative"] is True
    assert ("roles/viewer", "group:data@acme.example") in rows


def test_bucket_binding_keeps_its_condition(tf):
    [bucket] = [b for b in tf["gcp"]["bindings"] if b["level"] == "bucket"]
    assert bucket["target"] == "acme-raw" and bucket["condition"]["title"] == "only-raw"
    assert bucket["member_principal"] == ".:google_service_account.etl"


def test_workload_identity_binding_names_the_kubernetes_service_account(tf):
    [wi] = tf["gcp"]["workload_identity"]
    assert (wi["service_account"], wi["namespace"], wi["kubernetes_service_account"]) == (
        ".:google_service_account.etl", "airflow", "etl-runner")


def test_keys_and_composer_node_account_are_linked(tf):
    [key] = tf["gcp"]["keys"]
    assert key["service_account"] == ".:google_service_account.etl"
    [composer] = tf["gcp"]["composer_environments"]
    assert composer["service_account"] == ".:google_service_account.composer"
    assert composer["uses_default_compute_account"] is False


def test_kubernetes_service_accounts_link_to_cloud_identities(tf):
    accounts = {p["name"]: p for p in tf["principals"] if p["cloud"] == "kubernetes"}
    assert accounts["etl-runner"]["gcp_service_account"] == ".:google_service_account.etl"
    assert accounts["airflow-worker"]["irsa_role"] == ".:aws_iam_role.worker"
    [association] = tf["kubernetes"]["pod_identity_associations"]
    assert association["role"] == ".:aws_iam_role.worker" and association["service_account"] == "airflow-worker"


def test_terraform_managed_connections_are_found_without_their_secrets(model):
    connections = {c["conn_id"]: c for c in model["airflow"]["connections"] if c["source"] == "terraform"}
    assert set(connections) == {"aws_etl", "gcp_etl", "warehouse"}
    aws = connections["aws_etl"]
    assert aws["backend"] == "aws_secrets_manager" and aws["definition"]["conn_type"] == "aws"
    assert aws["definition"]["extra"]["role_arn"] == "arn:aws:iam::123456789012:role/airflow-worker"
    assert aws["definition"]["secret_extras"] == ["aws_secret_access_key"]
    assert "fixture-not-a-real-key" not in json.dumps(model["airflow"]["connections"])
    gcp = connections["gcp_etl"]["definition"]
    assert gcp["conn_type"] == "google_cloud_platform"
    assert gcp["extra"]["impersonation_chain"] == "etl@acme-data.iam.gserviceaccount.com"
    assert connections["warehouse"]["definition"] is None


def test_sensitive_resource_attributes_are_redacted_in_the_model(model):
    values = {r["address"]: r["values"] for r in model["terraform"]["resources"]}
    assert values["aws_secretsmanager_secret_version.aws_etl"]["secret_string"] == {"__sensitive__": True}
    assert values["aws_ssm_parameter.gcp"]["value"] == {"__sensitive__": True}
    assert "fixture-not-a-real-key" not in json.dumps(model)
