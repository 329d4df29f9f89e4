"""Precision on real code: shapes measured on 19 public DAG and Terraform repositories whose findings were judged by
hand (docs/secrets.md). Each is a value that is not a secret, beside the secret of the same shape that must still be
found."""

from __future__ import annotations

from pathlib import Path

import pytest

from airtf_lint.discover import discover
from airtf_lint.facts import FileFacts, FileKind, SourceFile
from airtf_lint.parsers import parse_file
from airtf_lint.secrets.files import scan_file
from airtf_lint.secrets.scan import scan_text


def _found(text: str, path: str = "dags/x.py", kind: FileKind = FileKind.DAG) -> list[str]:
    facts = FileFacts(SourceFile(path, Path(path), kind))
    scan_file(text, facts)
    return [s.detector for s in facts.secrets]


@pytest.mark.parametrize("name", ["processing-aws-creds-c3-landsat", "sentinel-2-ard-indexing-creds",
                                  "alchemist-c3-user-creds"])
def test_the_name_of_a_secret_is_not_the_secret(name):
    assert _found(f'S = Variable.get("c3_indexing_user_secret", "{name}")\n') == []


def test_a_uuid_under_a_secret_name_is_still_a_secret():
    assert _found('API_SECRET = "3f9d2a71-8c4e-4b6a-9e13-7d5c2b8a1f40"\n')


def test_a_local_default_that_says_so_is_not_a_uri_password():
    assert _found('DB = "postgresql://dataservices:insecure@db:5432/dataservices"\n') == []
    assert _found('DB = "postgresql://dataservices:Xq7vLp2mNz9r@db:5432/dataservices"\n')


@pytest.mark.parametrize("path", ["tests/hooks/test_dbt.py", "src/tests/conftest.py", "dags/test_copy.py"])
def test_test_code_is_scanned_like_any_code(path):
    # A literal credential in a test is still one in the repository (labelled real code, CredData, counts it).
    assert _found('password = "pygmy7Xa"\n', path) == ["secret_assignment"]
    assert _found('key = "AKIAQ3EGVP5HGRWXKZNB"\n', path)
    # ... and its placeholders are still placeholders.
    assert _found('password = "password1"\npassphrase = "mypassphrase"\n', path) == []


def test_example_files_report_provider_formats_only():
    assert _found("DB_PASSWORD=pygmy7Xa\n", "config/.env.example", FileKind.CONNECTIONS) == []
    assert _found("KEY=AKIAQ3EGVP5HGRWXKZNB\n", "config/.env.example", FileKind.CONNECTIONS)


def test_local_tool_defaults_are_kept_out_where_the_file_says_it_is_for_local_development():
    marked = "# This configuration is for local development. Do not use it in a production deployment.\n"
    compose = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: airflow\n"
    assert _found(compose, "deploy/stack.yaml", FileKind.CONNECTIONS) == ["secret_assignment"]
    assert _found(marked + compose, "deploy/stack.yaml", FileKind.CONNECTIONS) == []
    assert _found(compose, "docker-compose.yaml", FileKind.CONNECTIONS) == []  # a compose file is local by nature
    # A value that is not a tool's default is reported even there.
    assert _found(marked + compose.replace("airflow", "Kp7xQ2vRm"), "deploy/stack.yaml", FileKind.CONNECTIONS)
    uri = 'SQL = "mysql://dev:dev@127.0.0.1/app"\n'
    assert _found(uri) == ["uri_password"]
    assert _found("# for local development only\n" + uri) == []


def test_a_secret_store_uri_is_as_secret_as_its_password(tmp_path):
    tf = ('resource "aws_secretsmanager_secret_version" "c" {\n  secret_id = "x"\n'
          '  secret_string = "aws://mock_access_key:mock_secret_key@:/?host=http%3A%2F%2Flocalstack%3A4566"\n}\n')

    def parsed(text: str) -> list[str]:
        (tmp_path / "main.tf").write_text(text, "utf-8")
        [source] = discover(["."], tmp_path).files
        return [s.detector for s in parse_file(source).secrets]

    assert parsed(tf) == []
    assert parsed(tf.replace("mock_secret_key", "Xq7vLp2mNz9r")) == ["secret_store_value"]


def test_ordinary_code_is_scanned():
    assert _found('password = "pygmy7Xa"\n')


# --- shapes found on more real DAG repositories (astro-sdk, etl-with-airflow; issue 19, sixth round) ---

def test_a_literal_that_begins_an_expression_is_not_the_value():
    # astro-sdk: `secret_key = "astro_sdk_" + k` names a secret scope's key; the value is built at run time
    for text in ('secret_key = "astro_sdk_" + k', 'password = "pw-%s" % suffix', 'token = "{}-{}".format(a, b)',
                 'secret = "-".join(parts)'):
        assert scan_text(text, "dags/x.py") == [], text


def test_a_tool_default_beside_a_login_of_the_same_value_is_not_reported():
    # astro-sdk's CI connections: `login: postgres` / `password: postgres`, as `postgres:postgres@` in a URI
    text = "connections:\n  - conn_id: pg\n    conn_type: postgres\n    login: postgres\n    password: postgres\n"
    assert scan_text(text, "ci-connections.yaml", True) == []
    assert scan_text('Connection(conn_id="pg", login="postgres", password="postgres")', "dags/x.py") == []


def test_a_tool_default_beside_another_login_or_a_weak_password_beside_its_login_still_is():
    assert scan_text('Connection(conn_id="pg", login="app", password="postgres")', "dags/x.py")
    # etl-with-airflow: `"login": "oltp_read", "password": "oltp_read"`, a literal password in DAG code
    assert scan_text('create({"login": "oltp_read",\n        "password": "oltp_read"})', "dags/x.py")


# --- shapes CredData's false rows showed (benchmarks/creddata.py, sixth round) ---

@pytest.mark.parametrize("text", [
    "login, password = 'login', 'password'",  # unpacked: 'login' is the login's, not the password's
    'TESTING_REMOTE_PRIVATE_PASS = "private_pass"',  # the value spells the name holding it
    "plaintext = ', Culture=neutral, PublicKeyToken=121fae78165ba3d4'",  # a .NET assembly's public key token
    "# Remote  postgres://nu***:6a2**@ec2-23-23-227-188.compute-1.amazonaws.com:5432/d2s**",  # masked
    "'dsn': 'postgresql://us%40r:p%40ss@h%40st1,h%40st2:5433/db',",  # p%40ss is p@ss, a placeholder
])
def test_unpacked_self_naming_public_and_masked_values_are_not_secrets(text):
    assert scan_text(text, "tests/test_x.py") == []


@pytest.mark.parametrize("text", [
    "login, password = 'ada', 'Kq7vLm2X'",
    "user, api_key = 'ada', 'Kq7vLm2Xp0Zr8sT1vW3y'",
    'sql = "CREATE USER bob PASSWORD = \'Kq7vLm2X\'"',
    "'dsn': 'postgresql://app:Kq7v%40Lm2X@db:5432/app',",
])
def test_their_real_counterparts_still_are(text):
    assert scan_text(text, "tests/test_x.py")


def test_a_value_naming_only_the_project_or_holding_two_stars_is_still_a_password():
    assert scan_text("INCEPTION_REMOTE_BACKUP_PASSWORD = 'inception'", "settings.py")
    assert scan_text("SECRET_KEY = 't8_)kj3v!au0!_i56#gre**mkg0&z1df%3bw(#5^#^5e_64!$_'", "settings.py")
