"""What the secret scanner calls a secret, and what it does not, one behaviour each."""

from __future__ import annotations

import pytest

from airtf_lint.secrets.names import is_secret_name
from airtf_lint.secrets.scan import scan_text
from airtf_lint.secrets.values import looks_like_secret


def detectors(text: str, bare: bool = False) -> list[str]:
    return [s.detector for s in scan_text(text, "f", bare)]


@pytest.mark.parametrize(("value", "detector"), [
    ("AKIAZ3MSJV4WYQHLTQ7B", "aws_access_key_id"),
    ("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", "github_token"),
    ("glpat-x8Kd92LmQp4Zr7Vt1Nw3", "gitlab_token"),
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack_token"),
    ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"),
    ("dapi0123456789abcdef0123456789abcdef", "databricks_token"),
    ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "gcp_api_key"),
    ("abc8Q~Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9D", "azure_client_secret"),
    ("hvs.CAESIJx8dK2mQpL7vN4zR3tW6yB9aE5gH1jK", "vault_token"),
])
def test_provider_formats_are_found_without_any_name(value, detector):
    assert detectors(f'x = "{value}"') == [detector]


def test_a_documentation_example_key_is_not_a_credential():
    assert detectors('key = "AKIAIOSFODNN7EXAMPLE"') == []


def test_an_aws_secret_needs_its_key_id_or_a_secret_name_nearby():
    secret = "k7Hs9J2mQ4xZp1LwV8bN3cR6tY0uE5iO2aS4dF7g"
    assert detectors(f'aws_secret_access_key = "{secret}"') == ["aws_secret_access_key"]
    assert detectors(f'checksum_b64 = "{secret}"') == []


def test_a_jwt_must_decode_to_a_header_with_an_algorithm():
    real = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    fake = "eyJub3RoaW5nIjoiaGVyZSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    assert detectors(f'x = "{real}"') == ["jwt"]
    assert detectors(f'x = "{fake}"') == []


def test_a_pem_block_with_a_placeholder_body_is_not_a_key():
    assert detectors('k = "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----"') == []


@pytest.mark.parametrize("name", ["db_password", "DB_PASSWORD", "apiKey", "API-KEY", "client_secret", "PGPASSWORD",
                                  "Authorization", "private_key", "aws_secret_access_key", "token"])
def test_names_that_hold_secrets(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["password_field", "secret_name", "token_url", "access_key_id", "kms_key_arn",
                                  "password_length", "secret_arn", "token_type", "key", "monkey"])
def test_names_that_describe_secrets_or_are_not_about_them(name):
    assert not is_secret_name(name)


@pytest.mark.parametrize("value", ["{{ conn.db.password }}", "{{ var.value.token }}", "${var.db_password}", "$DB_PASS",
                                   "changeme", "<your token>", "xxxxxxxx", "********", "password", "my_secret_name",
                                   "example-token-123", "/run/secrets/db", "keys/sa.json", "", "Enter a password"])
def test_templates_references_placeholders_and_words_are_not_secrets(value):
    assert not looks_like_secret(value)


@pytest.mark.parametrize("value", ["hunter2X!", "Pr0d-Db!x93k", "9f8e7d6c5b4a39281706", "tok_8Hd93kLm2QpZ7xVv"])
def test_random_looking_literals_are_secrets(value):
    assert looks_like_secret(value)


def test_a_bare_value_counts_in_env_and_yaml_files_only():
    assert detectors("DB_PASSWORD=Xq9!mP2vLw7z", bare=True) == ["secret_assignment"]
    assert detectors("DB_PASSWORD = Xq9mP2vLw7z", bare=False) == []


def test_a_tools_documented_default_pair_is_not_a_uri_password():
    assert detectors('url = "postgres://airflow:airflow@postgres/airflow"') == []
    assert detectors('url = "mysql+pymysql://root:root@127.0.0.1/app"') == ["uri_password"]  # not a documented one
    assert detectors('url = "postgres://etl:Kq7vLm2Xw9@db/warehouse"') == ["uri_password"]


def test_the_location_is_the_values_own_span():
    [found] = scan_text('\n  password = "Pr0d-Db!x93k"\n', "main.tf")
    at = found.location
    assert (at.line, at.column, at.end_line, at.end_column) == (2, 15, 2, 27)
    assert found.redacted == "Pr0d***(12 chars)" and len(found.fingerprint) == 16


def test_one_secret_in_two_places_has_one_fingerprint():
    a, b = scan_text('a_token = "9f8e7d6c5b4a39281706"\nb_token = "9f8e7d6c5b4a39281706"\n', "f")
    assert a.fingerprint == b.fingerprint


def test_text_without_any_candidate_is_not_searched_further():
    assert scan_text("resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"logs\"\n}\n" * 200, "main.tf") == []


def test_a_private_key_in_a_service_account_key_file_is_named_as_such():
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" * 3
    key_file = ('{"type": "service_account", "project_id": "p", "private_key": '
                f'"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n"}}')
    assert detectors(key_file) == ["gcp_service_account_key"]


@pytest.mark.parametrize("value", ["SuperSecretPassw0rd", "UberSecretPassword", "Ex@mp!e1", "P@ssw0rd2024"])
def test_values_that_spell_out_a_made_up_password_are_examples(value):
    assert not looks_like_secret(value)


def test_a_github_token_must_carry_its_checksum():
    # Same shape, last six characters not the CRC32 of the rest: a made-up token, not reported as GitHub's.
    assert detectors('x = "ghp_pLIix6MEOLeMa61EqJomTEI1JEzO3j3luGwK"') == []
    assert detectors('GH_TOKEN = "ghp_pLIix6MEOLeMa61EqJomTEI1JEzO3j3luGwK"') == ["secret_assignment"]
