"""Issue 19: the shapes the scanner used to miss, each found (true) and each look-alike kept out (false), and none
of them ever printed unmasked."""

from __future__ import annotations

import pytest

from airtf_lint.report import FORMATS
from airtf_lint.secrets.scan import scan_text
from tests.conftest import run_in_process, write

# Values made up for these tests (random, no provider's key).
DO_TOKEN = "dop_v1_" + "9f3b2c71d0e84a6b5c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
PPLX = "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"
AGE = "AGE-SECRET-KEY-1" + "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZRY9X8GF2TVDW0S3JN54KHCE"
GLRT = "glrt-t3_Zx8Kd92LmQp4Zr7Vt1Nw3Yq5Ab7Cd"
GR = "GR1348941Zx8Kd92LmQp4Zr7Vt1Nw"
SESSION = "Zx8Kd92LmQp4Zr7Vt1Nw3Yq5Ab7Cd9Ef"
CF_CA = "v1.0-aaa334dc886f30631ba0a610-" + "0d98ef66290d7e50aac7c27b5986c99e6f3f1084c881d8ac0eae5de1d1aa06440" \
        "76ff57022069b3237d19afe60ad045f207ef2b16387ee37b749441b2ae2e9ebe5b4606e846475d4a5"
MAILGUN = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
AWS_SECRET = "wK9pQ2mZ7vX4rT8nB3cL6yH1dF5gJ0sA2eU9iO7k"


def found(text: str, bare: bool = False) -> list[str]:
    return [s.detector for s in scan_text(text, "f", bare)]


@pytest.mark.parametrize("text", [
    f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{AWS_SECRET}"',
    f'cfg["MAILGUN_API_KEY"] = "{MAILGUN}"',
    f'conf = {{"mailgun_api_key": "{MAILGUN}"}}',
    f'extra = dict(api_key="{MAILGUN}", region="eu")',
    f'os.environ.setdefault("MAILGUN_API_KEY", "{MAILGUN}")',
    f'CREDS = [("MAILGUN_API_KEY", "{MAILGUN}")]',
    f'hook = HttpHook(http_conn_id="x", method="POST", timeout=30, api_key="{MAILGUN}", retries=3)',
])
def test_secret_names_in_subscripts_dicts_calls_and_tuples(text):
    assert found(text)


@pytest.mark.parametrize("text", [
    'os.environ["AWS_SECRET_ACCESS_KEY"] = Variable.get("aws_secret")',
    'cfg["MAILGUN_API_KEY"] = "{{ var.value.mailgun_key }}"',
    'os.environ.setdefault("MAILGUN_API_KEY", "")',
    'cfg["secret_name"] = "prod/mailgun/api-key"',
])
def test_secret_names_holding_no_literal_are_not_reported(text):
    assert found(text) == []


@pytest.mark.parametrize(("text", "bare"), [
    ('conn = Connection(login="ci", password="pygmy7Xa")', False),
    ("settings = {'Password': 'izayoi'}", False),
    ("MYSQL_PASSWORD=ctfd", True),
    ('  password = "Sup3rH@rd"', False),
])
def test_short_or_word_like_passwords_are_reported(text, bare):
    assert found(text, bare) == ["secret_assignment"]


@pytest.mark.parametrize(("text", "bare"), [
    ('password = "{{ conn.db.password }}"', False),
    ('password = "${var.db_password}"', False),
    ('password = ""', False),
    ('password = "<password>"', False),
    ('password = "changeme"', False),
    ('password = "xxx"', False),
    ('password = "****"', False),
    ('password = "your-password-here"', False),
    ("POSTGRES_PASSWORD=postgres", True),
    ("AIRFLOW_PASSWORD=airflow", True),
    ('password = "foobarbaz"', False),
    ('results = {"pass": "fail"}', False),
])
def test_password_placeholders_templates_and_defaults_are_not(text, bare):
    assert found(text, bare) == []


@pytest.mark.parametrize(("value", "detector"), [
    (DO_TOKEN, "digitalocean_token"),
    (PPLX, "perplexity_key"),
    (AGE, "age_secret_key"),
    (GLRT, "gitlab_token"),
    (GR, "gitlab_runner_registration_token"),
    (CF_CA, "cloudflare_origin_ca_key"),
])
def test_new_provider_formats_are_found_without_a_name(value, detector):
    assert found(f'x = "{value}"') == [detector]


def test_gitlab_session_cookie():
    assert found(f'cookies = "_gitlab_session={SESSION}"') == ["gitlab_session"]


@pytest.mark.parametrize("value", [
    "AKIAXXXXXXXXXXXXXXXX",
    "AIza" + "a" * 35,
    "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
    "github_pat_" + "x" * 22 + "_" + "x" * 59,
    "glpat-XXXXXXXXXXX-XXXXXXXX",
    "xoxe.xoxp-1-RANDOMSTRINGHERE",
    "AGE-SECRET-KEY-1" + "Q" * 58,
    "xoxb-123456789012-1234567890123-abc123xyz456def789ghi012",
    "sk_test_abc123xyz456def789ghi012jkl",
])
def test_placeholder_looking_provider_strings_are_not_reported(value):
    assert found(f'build_ref = "{value}"') == []


def test_typed_runs_under_secret_names_are_not_reported():
    assert found('api_key = "abcdefghijklmnop"') == []
    assert found('api_key = "Q9xxxxxxxxZ1"') == []


def assert_found_and_never_printed(root, values: list[str]) -> None:
    """Reported in every output format, and no value whole in any of them, nor in the model views."""
    for output_format in FORMATS:
        result = run_in_process([".", "--format", output_format, "--no-progress"], root)
        assert result.code == 1 and "ATF-SECRET" in result.stdout
        out = result.stdout + result.stderr
        assert [v[:6] for v in values if v in out] == []
    for view in (["input", "."], [".", "--dump-input", "-"]):
        result = run_in_process(view, root)
        out = result.stdout + result.stderr
        assert [v[:6] for v in values if v in out] == []


def test_none_of_the_new_shapes_is_printed(tmp_path):
    values = [AWS_SECRET, MAILGUN, "pygmy7Xa", "izayoi", DO_TOKEN, PPLX, AGE, GLRT, GR, SESSION, CF_CA]
    write(tmp_path, {"dags/etl.py": "\n".join([
        "import os",
        "from airflow import DAG",
        f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{AWS_SECRET}"',
        f'cfg = {{"MAILGUN_API_KEY": "{MAILGUN}"}}',
        'conn = dict(login="ci", password="pygmy7Xa")',
        "settings = {'Password': 'izayoi'}",
        f'DO = "{DO_TOKEN}"',
        f'PPLX = "{PPLX}"',
        f'AGE = "{AGE}"',
        f'RUNNER = "{GLRT}"',
        f'REG = "{GR}"',
        f'COOKIE = "_gitlab_session={SESSION}"',
        f'CA = "{CF_CA}"',
        "",
    ]), "infra/main.tf": f'resource "x" "y" {{\n  password = "izayoi"\n  token = "{DO_TOKEN}"\n}}\n'})
    assert_found_and_never_printed(tmp_path, values)


# --- shapes found on labelled real code (Samsung/CredData, benchmarks/creddata.py) ---

@pytest.mark.parametrize(("text", "detector"), [
    ('fetch("/auth", auth_username="Aladdin", auth_password="open sesame")', "secret_assignment"),
    ('scm = SCMBase(username="el", password="la contra%seña")', "secret_assignment"),
    ('if kwargs["auth"].password != "Kq7vLm2X!":', "secret_assignment"),
    ('form = {"password1": "johndoe", "password2": "johndoe"}', "secret_assignment"),
    ('KEY_SECRET = b64decode(b"NFwRFB8Knw/kAmvPWjtrQauWysHClVfQh0UOAaABqZA=")', "secret_assignment"),
    ('api_token = SecretStr("Xk29sLq0pMz81VbQ")', "secret_assignment"),
    ("'client_secret': '*%5*!x'", "secret_assignment"),
    ('con = pymysql.Connect(host="127.0.0.1", user="root", password="root")', "secret_assignment"),
    ("nonce = 'ueivlkyhvdng46da0qxr52qzcjabjmo7'", "random_value"),
    ("jsapi_ticket = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3'", "random_value"),
    ('SECURITY_PASSWORD_SALT = "ATGUOHAELKiubahiughaerGOJAEGj"', "random_value"),
    ("self.key = 'eCcGFZQj6PNoSSma31LR39rTzTbLkU8E'.encode('utf-8')", "random_value"),
])
def test_weak_spaced_compared_numbered_wrapped_and_random_literals_are_found(text, detector):
    assert detector in found(text)


@pytest.mark.parametrize("text", [
    'password = getpass("Enter the password: ")',
    "context.log.highlight('Password: ' + cred['passw'])",
    'password = Variable.get("db_password")',
    'form = {"password1": "password1"}',
    "login, password = 'python@vk.com', 'mypassword'",
    'ftp_hidden_password = r"ftp://test_username_ftp:<hidden>@server.com/x.zip"',
    'SECRET_KEY = "123456790"',
    'client_secret = "0123456789012345678901234567890123456789"',
    '"Authorization": f"Bearer {self.create_jwt()}"',
    '"input_token": "NextResult"',
    'common_check_credentials = "users/check_credentials"',
    'db_ows_writer_secret = "ows-writer"',  # the name of a secret in a secrets backend
    "nonce = '1505845280'",
    'ticket_id = "ueivlkyhvdng46da0qxr52qzcjabjmo7"',
    'signature_method = "HMAC-SHA1"',
    'public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
    'key = "raw/2021/01/ab12cd34ef56ab78cd90ef12.parquet"',
    'partition_key = "ueivlkyhvdng46da0qxr52qzcjabjmo7"',
])
def test_prompts_references_placeholders_logins_and_non_secret_keys_are_not(text):
    assert found(text) == []


# --- shapes the peer corpus showed (benchmarks/secrets_peer_corpus.py) ---

SAS_SIG = "WSdF9YeZhvrbs%2B%2B1f8ZdDBzEe7fBJ%2BenuaXQ%2BJ9WOw0%3D"
NPM_UUID = "346a14f2-a672-4668-a892-956a462ab56e"
CF_KEY = "oj9Yoyq0zmOyWmPPob1aoY5YSNNuJ0fbZSOURBlX"
AZURE_KEY = "wRRPyhjv8m6JGRujUUrPKa8d3rJ0mrGAxhmqf3A68OgZmlWUJyma"


@pytest.mark.parametrize(("text", "bare", "detector"), [
    (f'URL = "https://acct.blob.core.windows.net/c?sv=2022-11-02&sr=c&sp=r&se=2025-04-04T15:24:52Z&sig={SAS_SIG}"',
     False, "azure_sas_signature"),
    (f"AZURE_BLOB_SAS=sp=r&st=2025-03-04T07:24:52Z&se=2025-04-04T15:24:52Z&sv=2022-11-02&sr=c&sig={SAS_SIG}",
     True, "azure_sas_signature"),
    (f'NPMRC = "//registry.npmjs.org/:_authToken={NPM_UUID}"', False, "npmrc_auth"),
    (f"//npm.pkg.github.com/acme/:_authToken={NPM_UUID}", True, "npmrc_auth"),
    (f'cloudflare: "{CF_KEY}"', True, "service_key"),
    (f'AZURE_OPENAI_KEY = "57d2de35873840b5ad59d742e90e974e"', False, "secret_assignment"),
    (f'subscription_key = "2c69d0dc327c4929b74d3a832a04266b"', False, "secret_assignment"),
    # a config excerpt in a DAG's triple-quoted string, read as the file it writes
    (f'CONFIG = """\nsearch:\n  azureKey: {AZURE_KEY}\n"""', False, "secret_assignment"),
    (f"ENV = '''\nAZURE_MANAGEMENT_API_KEY={AZURE_KEY}\n'''", False, "secret_assignment"),
])
def test_sas_npmrc_service_keys_and_config_excerpts_are_found(text, bare, detector):
    assert detector in found(text, bare)


@pytest.mark.parametrize(("text", "bare"), [
    # `sig=` without an SAS version beside it, or too short to be one
    (f'URL = "https://example.org/cb?sig={SAS_SIG}&id=2"', False),
    ('URL = "https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=abc"', False),
    # not an .npmrc line (no `//host/` before it), or a variable
    (f'NPM_BUILD_ID = "registry.npmjs.org/:_authToken={NPM_UUID}"', False),
    (f'NPM_BUILD_ID = "//registry.npmjs.org:_authToken={NPM_UUID}"', False),
    ("//registry.npmjs.org/:_authToken=${NPM_TOKEN}", True),
    ("//registry.npmjs.org/:_authToken=npm_xxxxxxxxxxx", True),
    # a service's name holding what is not random, or the word in a longer name or line
    ('cloudflare: "zone-settings"', True),
    ("slack: https://hooks.example.org/team", True),
    (f'from airflow.providers.slack.hooks.slack import SlackHook  # {CF_KEY}', False),
    # a docstring's argument list is not a config excerpt
    ('def f(api_key):\n    """\n    api_key: SecretKeyFromVault\n    password: the password\n    """', False),
    # GitLab prefixes one character off their length, a truncated PyPI token, a scheme cut off
    ('BUILD = "glptt-Need5_T00-be-exactly-40-chars--ELse_failing"', False),
    ('BUILD = "glimt-my-tokens_are-correctAB"', False),
    ('BUILD = "gloas-checking_Length-Is-checking_Length-Is-"', False),
    ('BUILD = "glsoat-PREfix_helloworld380_testin_pretty_long_token_long_"', False),
    ('BUILD = "pypi-AgEIcHlwaS5vcmcCJDU3OTM1MjliLWIyYTYtNDEwOC05NzRkLTM0MjNiNmEwNWIzYgACF1sxLFsibWluaW1h"', False),
    ('BUILD = "?ostgres://sN19x:d7N8bs@1.2.3.4:5432"', False),
    # typed and made-up values under secret names and in secret stores
    ('cloudant_password = "abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234"', False),
    ('api_key = "https://user:abcdefghijabcdefghijabcd@acct.cloudant.com"', False),
    ('password = "somefakekey"', False),
    ('twilio_api_key = "SKbddcfb88fake8f7c4d9aefake7de1fc5"', False),
    ("password: ',.:-@*?!'", True),
    ('secret = "gloas-1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef"', False),
])
def test_look_alikes_of_the_new_shapes_are_not(text, bare):
    assert found(text, bare) == []


def test_placeholders_near_an_aws_key_id_are_not_paired_as_its_secret():
    text = 'AWS_ID = "ASIAZZZZZZZZZZZZZZZZ"\naws_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'
    assert found(text) == []


@pytest.mark.parametrize(("value", "code"), [
    ("ABSKQmVkcm9ja0FQSUtleS1EXAMPLEEXAMPLEEXAMPLE", 0),  # a placeholder
    ("Zq8vLm2Xp9kR4wTq7Yh3", 1),  # the same store holding a value is reported
])
def test_placeholders_in_secret_stores_are_not_reported(tmp_path, value, code):
    write(tmp_path, {"main.tf": 'resource "aws_ssm_parameter" "p" {\n  name  = "/x/key"\n  type  = "SecureString"\n'
                                f'  value = "{value}"\n}}\n'})
    result = run_in_process([".", "--format", "json", "--no-progress", "--select", "secret"], tmp_path)
    assert result.code == code, result.stdout


def test_the_new_shapes_are_masked_everywhere(tmp_path):
    values = [SAS_SIG, NPM_UUID, CF_KEY, AZURE_KEY]
    write(tmp_path, {
        "dags/sync.py": "\n".join([
            "from airflow import DAG",
            f'URL = "https://acct.blob.core.windows.net/c?sv=2022-11-02&sr=c&sig={SAS_SIG}"',
            f'NPMRC = "//registry.npmjs.org/:_authToken={NPM_UUID}"',
            f'CONFIG = """\nsearch:\n  azureKey: {AZURE_KEY}\n"""',
            "",
        ]),
        "docker-compose.yml": f'services:\n  dns:\n    environment:\n      cloudflare: "{CF_KEY}"\n',
    })
    assert_found_and_never_printed(tmp_path, values)


# --- shapes CredData showed: a PEM key one quoted line at a time, a bytes literal with escapes ---

PEM_LINES = ["MIIEowIBAAKCAQEAx5Jt9qM1vQz8c2T4r7wq0XbY3nK6pL1sD9fG2hJ4kL7mN0pQ",
             "3rS6tU9vW2xY5zA8bC1dE4fG7hI0jK3lM6nO9pQ2rS5tU8vW1xY4zA7bC0dE3fG6h"]


def test_a_pem_key_written_one_quoted_line_at_a_time_is_found():
    text = ('KEY = (\n    "-----BEGIN RSA PRIVATE KEY-----\\n"\n'
            + "".join(f'    "{line}\\n"\n' for line in PEM_LINES)
            + '    "-----END RSA PRIVATE KEY-----\\n"\n)\n')
    facts = scan_text(text, "f")
    assert [(f.detector, f.location.line, f.location.end_line) for f in facts] == [("private_key", 2, 5)]


def test_a_begin_and_an_end_in_two_strings_with_code_between_are_no_key():
    text = ('A = "-----BEGIN PRIVATE KEY-----"\nB = "x"\n'
            'C = "-----END PRIVATE KEY-----"\n')
    assert found(text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("password = b'izayoi\\xc3\\xa6'", ["secret_assignment"]),
    ("SECRET_KEY = b'" + "".join(f"\\x{b:02x}" for b in (143, 18, 160, 153, 1, 2, 254, 238, 19, 55, 66, 153))
     + "'", ["secret_assignment"]),
    ('COLOR_TOKEN = "\\x1b[31m"', []),  # a terminal colour code
    ("api_key = b'\\x8f\\x12\\xa0\\x99'", []),  # a few bytes of a binary format
])
def test_bytes_literals_with_hex_escapes_are_judged_as_decoded(text, expected):
    assert found(text) == expected


def test_a_client_id_paired_with_its_secret_reports_the_secret_only():
    text = 'oauth = {"client_id": "Iv1.8a61f9b3a7aba766", "client_secret": "5f1c0b2a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"}'
    facts = scan_text(text, "f")
    assert [(f.detector, f.name) for f in facts] == [("secret_assignment", "client_secret")]
    assert text[facts[0].location.column - 1:].startswith("5f1c")
