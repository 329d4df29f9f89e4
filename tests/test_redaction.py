"""Nothing shown to a user carries a whole secret."""

from __future__ import annotations

import pytest

from airtf_lint.redaction import redact_line
from tests.conftest import FIXTURES, run_in_process

FIXTURE_SECRET_MARKERS = ("not-a-real", "not-real", "NOTREAL", "hunter2")


@pytest.mark.parametrize(("line", "secret"), [
    ('bash_command="terraform apply -var db_password=s3cr3t-value tfplan",', "s3cr3t-value"),
    ('env={"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG"},', "wJalrXUtnFEMI/K7MDENG"),
    ('  password = "hunter2hunter2"', "hunter2hunter2"),
    ("api_token: abcdef123456", "abcdef123456"),
    ("key id AKIAIOSFODNN7EXAMPLE in a comment", "AKIAIOSFODNN7EXAMPLE"),
])
def test_secret_values_are_masked_to_four_characters_and_a_length(line, secret):
    shown = redact_line(line)
    assert secret not in shown and secret[:4] in shown and f"({len(secret)} chars)" in shown


@pytest.mark.parametrize("line", [
    'password = var.db_password', 'token = "{{ conn.api.password }}"', 'PASSWORD_FIELD = os.getenv("X")',
    'backend "s3" {', 'S3ListOperator(task_id="ls", aws_conn_id="aws_ci", bucket="b")',
])
def test_references_and_ordinary_lines_are_left_alone(line):
    assert redact_line(line) == line


@pytest.mark.parametrize("case", sorted(p.parent for p in FIXTURES.glob("*/*/expected.yaml")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_no_fixture_secret_reaches_any_output_format(case, fmt):
    result = run_in_process([".", "--format", fmt, "--color", "never"], case)
    assert not any(marker in result.stdout + result.stderr for marker in FIXTURE_SECRET_MARKERS)
