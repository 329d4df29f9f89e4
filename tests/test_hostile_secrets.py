"""Secret scanning and redaction against input built to break them: linear in the input, whatever its shape, and
no credential written inside a string (a shell command, a connection string, an HTTP header) reaches any output."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from airtf_lint.facts import FileFacts, FileKind, Location, SecretFact, SourceFile
from airtf_lint.redaction import redact_document, redact_line
from airtf_lint.report import FORMATS
from airtf_lint.secrets.files import scan_file
from airtf_lint.secrets.plan import sensitive_values
from airtf_lint.secrets.scan import scan_text
from airtf_lint.secrets.values import fingerprint
from airtf_lint.sourcelines import SourceLines
from tests.conftest import FIXTURES, run_in_process, write

SMALL, LARGE = 5_000, 500_000
# Linear growth gives ~100 between the two sizes, quadratic ~10,000: anything above this is not linear.
MAX_RATIO = 250


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _random_key_ids(count: int) -> list[str]:
    rng = random.Random(12)
    return ["AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)) for _ in range(count)]


# name, kind, the file's text at a given size
SCAN_SHAPES: dict[str, tuple[str, FileKind, Callable[[int], str]]] = {
    "PEM headers with no END": ("k.py", FileKind.PYTHON,
                                lambda n: "import os\n" + _repeat("-----BEGIN PRIVATE KEY-----\n", n)),
    "one long line in a broken .tf": ("bad.tf", FileKind.TERRAFORM,
                                      lambda n: 'resource "x" "y" {\n  password = "' + "a" * n + "\n"),
    "snowflake repeated in a string": ("s.py", FileKind.PYTHON, lambda n: "x = '" + _repeat("snowflake", n) + "'\n"),
    "a Slack prefix and 1- repeated": ("s.py", FileKind.PYTHON, lambda n: 'x = "xoxb-' + _repeat("1-", n) + '_"\n'),
    "AWS key ids, one a line": ("s.py", FileKind.PYTHON,
                                lambda n: "\n".join(f"k{i} = '{key}'" for i, key in enumerate(_random_key_ids(n // 30)))),
    "AWS key ids on one line": ("s.py", FileKind.PYTHON, lambda n: "x = '" + " ".join(_random_key_ids(n // 21)) + "'\n"),
    "password repeated in a .env": (".env", FileKind.CONNECTIONS, lambda n: _repeat("password", n) + "\n"),
    "password: repeated in a .env": (".env", FileKind.CONNECTIONS, lambda n: _repeat("password: ", n) + "\n"),
    "shell assignments on one line": ("s.py", FileKind.PYTHON, lambda n: 'x = "' + _repeat("A_TOKEN=Zq8vLm2Xp9kR ", n)),
    "connection string pairs": ("s.tf", FileKind.TERRAFORM, lambda n: 'a = "x' + _repeat(";PWD=Zq8vLm2Xp9", n) + '"\n'),
    "Authorization headers": ("s.py", FileKind.PYTHON,
                              lambda n: _repeat("h = 'Authorization: Bearer Zq8vLm2Xp9kR4wT'\n", n)),
    "URIs with passwords": ("s.py", FileKind.PYTHON, lambda n: _repeat("u = 'pg://u:Zq8vLm2Xp9@h'\n", n)),
    "quotes and names, no values": ("s.py", FileKind.PYTHON, lambda n: _repeat('"token": "', n)),
    "templates repeated in a value": ("s.py", FileKind.PYTHON, lambda n: _repeat('password = "' + "{{" * 400 + '"\n', n)),
    "command-line options on one line": ("s.py", FileKind.PYTHON, lambda n: 'c = "' + _repeat("--password=Zq8vLm2X ", n)),
    "option names with no values": ("s.py", FileKind.PYTHON, lambda n: 'c = "' + _repeat("--api-token ", n)),
    "SQL passwords on one line": ("s.py", FileKind.PYTHON, lambda n: 's = "' + _repeat("PASSWORD 'Zq8vLm2X' ", n)),
    "SQL PASSWORD with no closing quote": ("s.py", FileKind.PYTHON, lambda n: "s = \"PASSWORD '" + "a" * n),
    "Basic credentials on one line": ("s.py", FileKind.PYTHON, lambda n: 'h = "' + _repeat("Basic ZXRsOlpxOHZMbTJY ", n)),
    "b64encode( repeated": ("s.py", FileKind.PYTHON, lambda n: "x = " + _repeat("b64encode(b'etl:", n)),
    "wrapped literals": ("s.py", FileKind.PYTHON, lambda n: _repeat('api_key = b64decode(b"Zq8vLm2Xp9kR4wT")\n', n)),
    "nonces": ("s.py", FileKind.PYTHON, lambda n: _repeat("nonce = 'ueivlkyhvdng46da0qxr52qzcjabjmo7'\n", n)),
    "passwords with spaces": ("s.py", FileKind.PYTHON, lambda n: _repeat('auth_password="open sesame "', n)),
    # sixth round: names after commas (unpacking is matched line by line), triple-quoted config excerpts, hex
    # escapes, SAS signatures, .npmrc lines, service names, a login looked up beside a tool's default
    "keyword arguments after commas": ("s.py", FileKind.PYTHON, lambda n: _repeat('f(a, password="Zq8vLm2X")\n', n)),
    "names after commas on one line": ("s.py", FileKind.PYTHON, lambda n: "f(" + _repeat('a, password="Zq8vLm2X", ', n)),
    "unpacked pairs": ("s.py", FileKind.PYTHON, lambda n: _repeat("login, password = 'ada', 'Zq8vLm2X'\n", n)),
    "config excerpts in triple quotes": ("s.py", FileKind.PYTHON,
                                         lambda n: _repeat('C = """\nsecret: Zq8vLm2Xp9kR4wT\n"""\n', n)),
    "unclosed triple quote": ("s.py", FileKind.PYTHON, lambda n: 'C = """\n' + _repeat("api_key: Zq8vLm2Xp9kR\n", n)),
    "hex escapes": ("s.py", FileKind.PYTHON, lambda n: "password = b'" + _repeat("\\xc3\\xa6", n) + "'\n"),
    "SAS signatures on one line": ("s.py", FileKind.PYTHON,
                                   lambda n: 'u = "?sv=2022-11-02' + _repeat("&sig=WSdF9YeZhvrbs%2B1f8ZdDBzEe7f", n)),
    "sig= with no SAS version": ("s.py", FileKind.PYTHON,
                                 lambda n: 'u = "?a=1' + _repeat("&sig=WSdF9YeZhvrbs%2B1f8ZdDBzEe7f", n)),
    "SQL PASSWORD = outside a statement": ("s.py", FileKind.PYTHON,
                                           lambda n: "s = 'x " + _repeat('password = "Zq8vLm2X" ', n)),
    ".npmrc lines": (".npmrc.py", FileKind.PYTHON, lambda n: _repeat('n = "//r.org/:_authToken=Zq8vLm2Xp9kR4wT"\n', n)),
    "service names": ("s.py", FileKind.PYTHON, lambda n: _repeat("cloudflare = 'oj9Yoyq0zmOyWmPPob1aoY5Y'\n", n)),
    "tool defaults beside logins": ("c.yaml", FileKind.CONNECTIONS,
                                    lambda n: _repeat("login: postgres\npassword: postgres\n", n)),
}


def _cpu_seconds(function: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def _ratio(make: Callable[[int], object], measure: Callable[[object], object]) -> float:
    small, large = make(SMALL), make(LARGE)
    return _cpu_seconds(lambda: measure(large), 2) / max(_cpu_seconds(lambda: measure(small), 5), 1e-4)


def _scan(name: str, kind: FileKind, text: str) -> FileFacts:
    facts = FileFacts(SourceFile(name, Path("/nonexistent") / name, kind))
    scan_file(text, facts)
    return facts


@pytest.mark.parametrize("shape", list(SCAN_SHAPES))
def test_scanning_a_file_is_linear_in_its_size_whatever_its_shape(shape):
    name, kind, make = SCAN_SHAPES[shape]
    assert _ratio(make, lambda text: _scan(name, kind, text)) < MAX_RATIO


LINE_SHAPES: dict[str, Callable[[int], str]] = {
    "one long word in a string": lambda n: 'x = "' + "a" * n + '"',
    "password repeated": lambda n: _repeat("password", n),
    "token= repeated": lambda n: 'password = "Zq8vLm2Xp9" ' + _repeat("token=", n),
    "secret-named values repeated": lambda n: _repeat("api_key: Zq8vLm2Xp9kR, ", n),
    "AWS key ids": lambda n: " ".join(_random_key_ids(n // 21)),
}


@pytest.mark.parametrize("shape", list(LINE_SHAPES))
def test_redacting_a_line_is_linear_in_its_length(shape):
    assert _ratio(LINE_SHAPES[shape], redact_line) < MAX_RATIO


def _shown(text: str, findings_at: list[int]) -> list[str]:
    source = SourceFile("a.py", Path("/nonexistent/a.py"), FileKind.PYTHON)
    lines = SourceLines({"a.py": source})
    lines._lines["a.py"] = text.splitlines()  # the text, as if read from the file
    return [lines.shown_line("a.py", 1, column, 160) for column in findings_at]


def test_showing_a_long_line_beside_many_findings_is_linear():
    # The line is redacted once, however many findings show it; each shows a window around its column.
    def make(n: int) -> tuple[str, list[int]]:
        text = "x = '" + _repeat("api_key=Zq8vLm2Xp9kR ", n) + "'"
        return text, list(range(6, len(text), 2100))

    assert _ratio(make, lambda case: _shown(*case)) < MAX_RATIO  # type: ignore[misc]


def test_redacting_the_model_is_linear_in_its_strings():
    def make(n: int) -> dict:
        return {"secrets": [], "strings": [_repeat("PGPASSWORD=Zq8vLm2Xp9 psql; ", 2_000)] * max(1, n // 2_000)}

    assert _ratio(make, lambda model: redact_document(model, frozenset())) < MAX_RATIO


def test_locating_many_sensitive_values_in_a_plan_is_linear():
    def make(n: int) -> tuple[dict, str]:
        count = max(1, n // 200)
        resources = [{"address": f"aws_db_instance.d{i}", "values": {"password": f"Zq8vLm2Xp9-{i}"},
                      "sensitive_values": {"password": True}} for i in range(count)]
        document = {"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}}}
        return document, json.dumps(document)  # one line, as terraform show -json writes it

    assert _ratio(make, lambda case: sensitive_values(case[0], case[1], "plan.json")) < MAX_RATIO  # type: ignore[index]


# --- what the scanner reports of credentials written inside strings ---

def detectors(text: str, bare: bool = False) -> list[tuple[str, str]]:
    return [(s.detector, text[_offset(text, s.location.line, s.location.column):][:s.location.end_column
                                                                                    - s.location.column])
            for s in scan_text(text, "f", bare)]


def _offset(text: str, line: int, column: int) -> int:
    return sum(len(x) + 1 for x in text.split("\n")[:line - 1]) + column - 1


@pytest.mark.parametrize(("line", "detector", "secret"), [
    ('BashOperator(task_id="t", bash_command="PGPASSWORD=Vw8rTq2mZx5k psql -h db")', "shell_assignment",
     "Vw8rTq2mZx5k"),
    ('cmd = "export DEPLOY_TOKEN=Lm4pQz9wXr2vT7kN && ./deploy.sh"', "shell_assignment", "Lm4pQz9wXr2vT7kN"),
    ('user_data = "#!/bin/sh\\nexport DB_PASSWORD=Hq7zR2pLm9xT\\nrun"', "shell_assignment", "Hq7zR2pLm9xT"),
    ('url = "jdbc:postgresql://db:5432/x?user=app&password=Pq8wLz3mNv5t"', "connection_string_password",
     "Pq8wLz3mNv5t"),
    ('c = "Driver={ODBC Driver 18};Server=s;UID=etl;PWD=Zx9mQ2wLp4vR;"', "connection_string_password",
     "Zx9mQ2wLp4vR"),
    ('c = "Server=s;User Id=etl;Password={Zx9;mQ2wLp4vR};"', "connection_string_password", "Zx9;mQ2wLp4vR"),
    ('c = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;"',
     "connection_string_secret", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=="),
    ("cmd = \"curl -H 'Authorization: Bearer abcd9f8e7d6c5b4a39281726354Zq' https://x\"", "authorization_header",
     "abcd9f8e7d6c5b4a39281726354Zq"),
    ("cmd = \"curl -H 'Authorization: Basic ZXRsOlpxOHZMbTJYcDk=' https://x\"", "authorization_header",
     "ZXRsOlpxOHZMbTJYcDk="),
    ("cmd = \"curl -H 'PRIVATE-TOKEN: Hx3kTq9mVr6pWz2c' https://gitlab\"", "secret_header", "Hx3kTq9mVr6pWz2c"),
    # issue 19: a command line's options, SQL, HTTP Basic credentials outside a header
    ('bash_command="mysql -u etl --password=Rt5yWq8zPm3x warehouse"', "command_line_secret", "Rt5yWq8zPm3x"),
    ('bash_command="vault login --api-token Xk29sLq0pMz81VbQ"', "command_line_secret", "Xk29sLq0pMz81VbQ"),
    ('sql="CREATE USER etl WITH PASSWORD \'Kq7vLm2Xw9\'"', "sql_password", "Kq7vLm2Xw9"),
    ('sql = "ALTER USER app IDENTIFIED BY \'r7Yq2mPz\'"', "sql_password", "r7Yq2mPz"),
    ("sql = \"CREATE USER svc PASSWORD = 'Tz4kW9qLm2'\"", "secret_assignment", "Tz4kW9qLm2"),  # a name's
    ('expected = b"Basic ZXRsOlJ0NXlXcTh6UG0zeA=="', "basic_credentials", "ZXRsOlJ0NXlXcTh6UG0zeA=="),
    ("auth = base64.b64encode(b'etl:Np4xQw7zLm2v').decode()", "basic_credentials", "Np4xQw7zLm2v"),
])
def test_credentials_written_in_another_languages_syntax_inside_a_string_are_found(line, detector, secret):
    assert detectors(line) == [(detector, secret)]


@pytest.mark.parametrize("line", [
    'bash_command="PGPASSWORD={{ conn.warehouse.password }} psql"',
    'bash_command="export DEPLOY_TOKEN=$DEPLOY_TOKEN && ./deploy.sh"',
    'bash_command="DB_PASSWORD=${DB_PASSWORD} ./run.sh"',
    'bash_command="API_TOKEN=changeme ./example.sh"',
    'bash_command="SECRET_KEY= ./run.sh; API_KEY=\'\' ./x"',
    "f(api_token=settings.api_token, password=get_password())",
    "client(API_KEY=Config.API_KEY)",
    "    API_KEY=tokenValue1\n)",
    'url = "jdbc:postgresql://db/x?user=app&password=${var.db_password}"',
    'url = "jdbc:postgresql://db/x?user=airflow&password=airflow"',
    'c = "Server=s;UID=etl;PWD=<password>;"',
    'c = "Server=s;UID=etl;PWD={{ conn.dw.password }};"',
    "cmd = \"curl -H 'Authorization: Bearer {{ var.value.token }}'\"",
    "cmd = \"curl -H 'Authorization: Bearer $TOKEN'\"",
    "cmd = \"curl -H 'Authorization: Bearer <token>'\"",
    "cmd = \"curl -H 'Authorization: Bearer YOUR_TOKEN'\"",
    "headers = 'Content-Type: application/json'",
    'bash_command="mysql --password \\"$DB_PASSWORD\\" warehouse"',
    'bash_command="mysql --password={{ conn.dw.password }} warehouse"',
    'bash_command="airflow users create --password-file /run/secrets/pw"',
    "sql = \"CREATE USER etl WITH PASSWORD '%s'\"",
    "sql = \"CREATE USER etl WITH PASSWORD '{{ params.password }}'\"",
    "sql = \"ALTER USER etl PASSWORD 'changeme'\"",
    'expected = "Basic dXNlcjpwYXNz"',  # user:pass
    'realm = "Basic realm=airflow"',
    "auth = base64.b64encode(b'user:password')",
])
def test_templates_references_placeholders_and_code_are_not_credentials_in_strings(line):
    assert detectors(line) == []


# --- none of them reaches an output ---

LEAKS = {
    "dags/deploy.py": (
        "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
        'with DAG("deploy", schedule=None):\n'
        '    BashOperator(task_id="plan", bash_command="AWS_SECRET_ACCESS_KEY=Kq3vTm8zLw2pXr5nB7cYd4fG6hJ9sA1eQ0uI2oP3'
        ' terraform plan")\n'
        '    BashOperator(task_id="pg", bash_command="PGPASSWORD=Vw8rTq2mZx5k psql -h db")\n'
        "    BashOperator(task_id=\"ping\", bash_command=\"curl -H 'Authorization: Bearer abcd9f8e7d6c5b4a39281726354Zq'"
        ' https://x")\n'
        "    BashOperator(task_id=\"basic\", bash_command=\"curl -H 'Authorization: Basic ZXRsOlpxOHZMbTJYcDk=' x\")\n"
    ),
    "dags/admin.py": (
        "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
        'with DAG("admin", schedule=None):\n'
        '    BashOperator(task_id="dump", bash_command="mysqldump --password=Rt5yWq8zPm3x warehouse")\n'
        '    SQLExecuteQueryOperator(task_id="u", sql="CREATE USER etl WITH PASSWORD \'Kq7vLm2Xw9\'")\n'
        '    HttpOperator(task_id="h", headers={"X-Auth": "Basic ZXRsOlJ0NXlXcTh6UG0zeA=="})\n'
        '    SimpleHttpOperator(task_id="s", extra_options={"auth_password": "open sesame"})\n'
        "    NONCE = 'ueivlkyhvdng46da0qxr52qzcjabjmo7'\n"
    ),
    "infra/main.tf": (
        'resource "aws_instance" "i" {\n  ami       = "ami-0abcdef1234567890"\n'
        '  user_data = "#!/bin/sh\\nexport DB_PASSWORD=Hq7zR2pLm9xT\\nrun"\n}\n'
        'resource "aws_ssm_parameter" "jdbc" {\n  name  = "/etl/jdbc"\n  type  = "String"\n'
        '  value = "jdbc:postgresql://db:5432/x?user=app&password=Pq8wLz3mNv5t"\n}\n'
        'resource "aws_ssm_parameter" "odbc" {\n  name  = "/etl/odbc"\n  type  = "String"\n'
        '  value = "Driver={ODBC Driver 18};Server=s;UID=etl;PWD=Zx9mQ2wLp4vR;"\n}\n'
    ),
}
LEAKED_VALUES = ["Kq3vTm8zLw2pXr5nB7cYd4fG6hJ9sA1eQ0uI2oP3", "Vw8rTq2mZx5k", "abcd9f8e7d6c5b4a39281726354Zq",
                 "ZXRsOlpxOHZMbTJYcDk=", "Hq7zR2pLm9xT", "Pq8wLz3mNv5t", "Zx9mQ2wLp4vR",
                 "Rt5yWq8zPm3x", "Kq7vLm2Xw9", "ZXRsOlJ0NXlXcTh6UG0zeA==", "open sesame", "ueivlkyhvdng46da0qxr52qzcjabjmo7"]


@pytest.fixture
def leaky(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTF_LINT_CACHE_DIR", str(tmp_path / "cache"))
    write(tmp_path / "repo", LEAKS)
    return tmp_path / "repo"


def test_every_credential_written_inside_a_string_is_reported(leaky):
    findings = run_in_process([".", "--format", "json", "--no-progress"], leaky).json()["findings"]
    secret_lines = sorted((f["path"], f["line"]) for f in findings if f["rule_id"].startswith("ATF-SECRET"))
    assert secret_lines == [("dags/admin.py", 5), ("dags/admin.py", 6), ("dags/admin.py", 7), ("dags/admin.py", 8),
                            ("dags/admin.py", 9), ("dags/deploy.py", 5), ("dags/deploy.py", 6), ("dags/deploy.py", 7),
                            ("dags/deploy.py", 8), ("infra/main.tf", 3), ("infra/main.tf", 8), ("infra/main.tf", 13)]


@pytest.mark.parametrize("output_format", FORMATS)
def test_no_format_prints_a_credential_written_inside_a_string(leaky, output_format):
    result = run_in_process([".", "--format", output_format, "--no-progress"], leaky)
    assert [v[:4] for v in LEAKED_VALUES if v in result.stdout + result.stderr] == []


def test_the_model_printed_or_sent_masks_credentials_written_inside_strings(leaky, tmp_path, monkeypatch):
    from tests.opa_server import FakeOpa

    printed = run_in_process(["input", "."], leaky).stdout
    dumped = tmp_path / "model.json"
    run_in_process([".", "--dump-input", str(dumped), "--no-progress"], leaky)
    monkeypatch.setenv("AIRTF_LINT_OPA_TOKEN", "t")
    with FakeOpa(token="t") as server:
        run_in_process([".", "--opa-url", server.url, "--format", "json"], leaky)
        sent = "".join(server.inputs)
    assert "terraform plan" in printed and len(sent) > 1000
    for text in (printed, dumped.read_text("utf-8"), sent):
        assert [v[:4] for v in LEAKED_VALUES if v in text] == []


def test_a_long_line_is_shown_around_its_finding_masked_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTF_LINT_CACHE_DIR", str(tmp_path / "cache"))
    secret = "Zq8vLm2Xp9kR4wTb"
    padding = ", ".join(f'"item{i}"' for i in range(3000))
    write(tmp_path / "repo", {"main.tf": f'locals {{\n  x = [{padding}, {{ api_token = "{secret}" }}, {padding}]\n}}\n'})
    text = run_in_process([".", "--no-progress"], tmp_path / "repo").stdout
    shown = next(line for line in text.splitlines() if line.strip().startswith("|"))
    assert secret not in text and "Zq8v***(16 chars)" in shown
    assert shown.strip().startswith("| …") and "(line of " in shown and len(shown) < 200


def test_a_sensitive_plan_value_is_not_shown_even_masked_in_any_output(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTF_LINT_CACHE_DIR", str(tmp_path / "cache"))
    case = FIXTURES / "ATF-SECRET-004" / "fail"
    for output_format in FORMATS:
        result = run_in_process([".", "--format", output_format, "--no-progress"], case)
        assert "Db-7" not in result.stdout and "***" not in result.stdout.replace("***(", "")
    text = run_in_process([".", "--no-progress"], case).stdout
    assert text.count('"(sensitive value)"') == 2 and "Db-7***" not in text
    assert "Db-7" not in run_in_process(["input", "."], case).stdout


def test_a_printed_model_replaces_a_sensitive_value_wherever_it_appears():
    password = "Db-7xQ2m9Lk-2024"
    secret = SecretFact("plan_sensitive_value", "t", "sensitive", "x", Location("p", 1), "(sensitive value)",
                        fingerprint(password))
    model = {"secrets": [{"category": secret.category, "fingerprint": secret.fingerprint}],
             "terraform": {"resources": [{"values": {"password": password, "note": password}}]}}
    printed = json.dumps(redact_document(model, frozenset({secret.fingerprint})))
    assert password not in printed and "Db-7" not in printed and printed.count("(sensitive value)") == 2
