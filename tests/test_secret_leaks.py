"""No output of airtf-lint ever holds a secret it found: every format, the side views, baselines, error messages."""

from __future__ import annotations

import shutil

import pytest
import yaml

from airtf_lint.discover import discover
from airtf_lint.parsers import parse_file
from airtf_lint.report import FORMATS
from tests.conftest import FIXTURES, run_in_process, write

CORPUS = FIXTURES / "secrets-corpus"
LABELS = yaml.safe_load((CORPUS / "labels.yaml").read_text("utf-8"))["files"]
SECRETS = sorted({t["secret"] for label in LABELS.values() for t in label.get("T") or []})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    # labels.yaml names every secret: the copy the tool reads must not hold it.
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("labels.yaml"))
    return root


def leaked(text: str) -> list[str]:
    return [secret[:4] + "..." for secret in SECRETS if secret in text]


def test_the_corpus_has_secrets_to_leak():
    assert len(SECRETS) >= 40


@pytest.mark.parametrize("output_format", FORMATS)
def test_no_format_prints_a_secret_of_the_corpus(corpus, output_format):
    result = run_in_process([".", "--format", output_format, "--no-progress"], corpus)
    assert result.code == 1 and "ATF-SECRET" in result.stdout
    assert leaked(result.stdout + result.stderr) == []


def _found_values(case) -> list[str]:
    """The raw text of every secret the scanner locates in a fixture (its first line for a multi-line key)."""
    discovery = discover(["."], case)
    values = []
    for source in discovery.files:
        lines = source.absolute.read_text("utf-8").splitlines()
        for secret in parse_file(source).secrets:
            at = secret.location
            line = lines[at.line - 1]
            end = at.end_column - 1 if at.end_line == at.line else len(line)
            values.append(line[at.column - 1:end])
    return values


# The failing fixtures of the secret rules that hold secret values (ATF-SECRET-005's outputs hold references).
SECRET_FIXTURES = [case for case in sorted(FIXTURES.glob("ATF-SECRET-*/fail")) if _found_values(case)]


def test_the_secret_rules_fixtures_hold_secrets_to_leak():
    assert len(SECRET_FIXTURES) >= 4


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("case", SECRET_FIXTURES, ids=lambda p: p.parent.name)
def test_no_format_prints_a_secret_of_the_rule_fixtures(case, output_format):
    values = [v for v in _found_values(case) if len(v) >= 8]
    result = run_in_process([".", "--format", output_format, "--no-progress"], case)
    assert [v[:4] for v in values if v in result.stdout + result.stderr] == []


def test_side_views_and_baselines_hold_no_secret(corpus, tmp_path):
    baseline = tmp_path / "baseline.json"
    outputs = [run_in_process(["identities", "."], corpus), run_in_process(["suggest", "."], corpus),
               run_in_process(["input", "."], corpus),
               run_in_process([".", "--write-baseline", str(baseline)], corpus),
               run_in_process([".", "--fix-suggestions", "--no-progress"], corpus)]
    text = "".join(r.stdout + r.stderr for r in outputs) + baseline.read_text("utf-8")
    assert leaked(text) == []


def test_a_secret_on_a_line_that_breaks_the_parser_is_not_echoed_in_the_error(tmp_path):
    secret = "Zq8!vLm2Xp9#kR4w"
    write(tmp_path, {
        "main.tf": f'resource "aws_db_instance" "x" {{\n  password = "{secret}" +\n}}\n',
        "dags/broken.py": f'from airflow import DAG\nPASSWORD = "{secret}"\nDAG(\n',
        "plan.json": '{"format_version": "1.2", "planned_values": {"password": "' + secret + '"',
    })
    for output_format in FORMATS:
        result = run_in_process([".", "--format", output_format, "--no-progress"], tmp_path)
        assert secret not in result.stdout + result.stderr
        assert "ATF-SECRET-002" in result.stdout or output_format != "text"


def test_sensitive_plan_values_are_not_shown_even_masked(tmp_path):
    case = FIXTURES / "ATF-SECRET-004" / "fail"
    result = run_in_process([".", "--format", "json"], case)
    messages = " ".join(f["message"] for f in result.json()["findings"])
    assert "Db-7" not in messages and "***" not in messages


def test_the_model_sent_to_an_opa_server_holds_no_secret(corpus, monkeypatch):
    from tests.opa_server import FakeOpa

    monkeypatch.setenv("AIRTF_LINT_OPA_TOKEN", "t")
    with FakeOpa(token="t") as server:
        result = run_in_process([".", "--opa-url", server.url, "--format", "json"], corpus)
        sent = "".join(server.inputs)
    assert result.code == 1 and "ATF-SECRET" in result.stdout and len(sent) > 1000
    assert leaked(sent) == []
