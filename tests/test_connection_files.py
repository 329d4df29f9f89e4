"""Connection definitions from every kind of file, located, with identity facts and without secrets."""

from __future__ import annotations

import json

import pytest

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from tests.conftest import FIXTURES

CASE = FIXTURES / "model" / "connections"
SECRETS = ("fixture-password-not-real", "fixture-secret-not-real", "xoxb-fixture", "fixture-not-real")


@pytest.fixture(scope="module")
def connections():
    facts, errors = collect_facts(RunOptions(paths=["."], cwd=CASE))
    assert not errors and not any(f.errors for f in facts)
    model = build_model(facts, [], CASE, declared_connections=[
        {"conn_id": "vault_aws", "conn_type": "aws", "principal": "arn:aws:iam::123456789012:role/vaulted"}])
    return model["airflow"]["connections"]


def _one(connections, conn_id):
    [found] = [c for c in connections if c["conn_id"] == conn_id]
    return found


def test_export_json_with_extra_as_a_string(connections):
    aws = _one(connections, "aws_etl")
    assert (aws["source"], aws["path"], aws["line"]) == ("export", "export.json", 2)
    assert aws["definition"]["extra"]["role_arn"] == "arn:aws:iam::123456789012:role/airflow-etl"


def test_local_filesystem_style_uri_value(connections):
    warehouse = _one(connections, "warehouse")
    assert warehouse["definition"]["conn_type"] == "postgres" and warehouse["definition"]["password_present"]


def test_export_yaml(connections):
    gcp = _one(connections, "gcp_etl")
    assert gcp["line"] == 1 and gcp["definition"]["extra"]["key_path"] == "/secrets/etl.json"


def test_env_file_uri_and_json_forms(connections):
    static = _one(connections, "aws_static")
    assert (static["source"], static["line"]) == ("env_file", 2)
    assert static["definition"]["login_present"] and static["definition"]["password_present"]
    assert _one(connections, "http_api")["definition"]["host"] == "api.internal"


def test_docker_compose_environment_as_mapping_and_list(connections):
    default = _one(connections, "aws_default")
    assert (default["source"], default["path"], default["line"]) == ("environment", "docker-compose.yaml", 5)
    assert default["definition"]["extra"]["role_arn"] == "arn:aws:iam::123456789012:role/airflow-default"
    assert _one(connections, "slack")["line"] == 11


def test_helm_env_and_extra_env_string(connections):
    assert _one(connections, "k8s")["definition"]["extra"]["in_cluster"] == "True"
    gcp_default = _one(connections, "gcp_default")
    assert gcp_default["definition"]["conn_type"] == "google_cloud_platform" and gcp_default["line"] == 5


def test_astro_settings(connections):
    snowflake = _one(connections, "snowflake_dw")
    assert snowflake["source"] == "settings" and snowflake["definition"]["extra"]["role"] == "TRANSFORMER"
    assert snowflake["definition"]["host"] == "acme.snowflakecomputing.com"


def test_connections_declared_in_the_configuration(connections):
    declared = _one(connections, "vault_aws")
    assert declared["source"] == "config" and declared["principal"].endswith("role/vaulted")


def test_no_secret_value_reaches_the_model(connections):
    text = json.dumps(connections)
    assert not any(secret in text for secret in SECRETS)
