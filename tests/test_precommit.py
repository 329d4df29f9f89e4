"""The pre-commit hook, run by pre-commit itself against a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


def _pre_commit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "airtf-lint", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=900)


ROLE_POLICY = """resource "aws_iam_role" "etl" {
  name               = "etl"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "airflow.amazonaws.com" } }] })
}

resource "aws_iam_role_policy" "etl" {
  role = aws_iam_role.etl.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = ["arn:aws:s3:::raw/*", "arn:aws:s3:::curated/*"]
    }]
  })
}
"""

COPY_DAG = """from airflow import DAG
from airflow.providers.amazon.aws.operators.s3 import S3CopyObjectOperator

with DAG("{dag}") as dag:
    S3CopyObjectOperator(task_id="copy", source_bucket_name="raw", source_bucket_key="a.csv",
                         dest_bucket_name="curated", dest_bucket_key="a.csv", aws_conn_id="aws_etl")
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """Two DAGs whose tasks use the Terraform role etl (declared in the configuration), and one sibling DAG with
    findings of its own (a connection defined nowhere) that commits elsewhere must not be blocked on."""
    monkeypatch.setenv("AIRTF_LINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "repo"
    write(root, {
        ".airtf-lint.yaml": 'connections:\n  - conn_id: aws_etl\n    conn_type: aws\n'
                            '    extra: {role_arn: "arn:aws:iam::123456789012:role/etl"}\n',
        "infra/main.tf": 'terraform {\n  backend "s3" {\n    bucket = "state"\n    key = "etl"\n'
                         '    region = "eu-west-1"\n    use_lockfile = true\n  }\n}\n\n'
                         'provider "aws" {\n  region = "eu-west-1"\n}\n\n' + ROLE_POLICY,
        "dags/copy_a.py": COPY_DAG.format(dag="copy_a"),
        "dags/copy_b.py": COPY_DAG.format(dag="copy_b"),
        "dags/legacy.py": COPY_DAG.format(dag="legacy").replace("aws_etl", "aws_nowhere"),
        "dags/clean.py": "from airflow import DAG\n\nwith DAG('clean') as dag:\n    pass\n",
    })
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    return root


def test_a_policy_edit_that_breaks_dags_elsewhere_blocks_the_commit(repo):
    policy = repo / "infra/main.tf"
    policy.write_text(policy.read_text().replace('"s3:GetObject", ', ""))
    _git(repo, "add", "-A")
    result = _pre_commit(repo)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert output.count("ATF-PRIVILEGE-007") == 2, output  # one per DAG that uses the role
    assert "dags/copy_a.py" in output and "dags/copy_b.py" in output
    assert "(caused by infra/main.tf:" in output  # the edited policy line is named
    assert "dags/legacy.py" not in output  # findings the commit did not cause


def test_touching_a_clean_dag_beside_dags_with_findings_passes(repo):
    clean = repo / "dags/clean.py"
    clean.write_text(clean.read_text() + "# reviewed\n")
    _git(repo, "add", "-A")
    result = _pre_commit(repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_new_finding_in_the_changed_file_blocks_the_commit(repo):
    (repo / "dags/new.py").write_text(COPY_DAG.format(dag="new").replace("aws_etl", "aws_typo"))
    _git(repo, "add", "-A")
    result = _pre_commit(repo)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "dags/new.py" in output and "ATF-IDENTITY-001" in output, output
    assert "dags/legacy.py" not in output


def test_the_rule_pack_hook_runs_the_packs_tests(tmp_path):
    from tests.conftest import run_in_process

    run_in_process(["new-rule", "ACME-TF-001"], tmp_path)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    passing = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "airtf-lint-test",
                              "--all-files"], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    expected = tmp_path / "rules/fixtures/ACME-TF-001/fail/expected.yaml"
    expected.write_text(expected.read_text().replace("line: 11", "line: 1"))
    _git(tmp_path, "add", "-A")
    failing = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "airtf-lint-test"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert failing.returncode == 1 and "- ACME-TF-001 main.tf:1" in failing.stdout
