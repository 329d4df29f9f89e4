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


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("precommit")
    write(root, {
        # live/ calls shared/network: only the whole repository shows that shared/network is not a root.
        "live/main.tf": 'terraform {\n  backend "gcs" {}\n}\n\nmodule "net" {\n  source = "../shared/network"\n}\n',
        "shared/network/main.tf": 'provider "google" {}\n',
        # untouched/ has a finding of its own that a commit elsewhere must not report.
        "untouched/main.tf": 'provider "aws" {}\n',
        "infra/backend.tf": 'terraform {\n  backend "s3" {\n    bucket = "b"\n  }\n}\n',
        "infra/main.tf": 'provider "aws" {}\n',
    })
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "init")
    return root


def test_hook_reports_on_the_changed_files_module_with_whole_repo_context(repo):
    (repo / "shared/network/main.tf").write_text('provider "google" {\n  region = "eu"\n}\n')
    (repo / "infra/main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    _git(repo, "add", "-A")
    result = _pre_commit(repo)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "infra/backend.tf" in output and "ATF-STATE-003" in output
    assert "untouched/main.tf" not in output  # not changed: not reported
    assert "shared/network" not in output  # a child module, known only from live/main.tf


def test_hook_passes_when_the_changed_files_are_clean(repo):
    _git(repo, "commit", "-qm", "wip", "--no-verify")
    (repo / "live/main.tf").write_text((repo / "live/main.tf").read_text() + "\n# reviewed\n")
    _git(repo, "add", "-A")
    result = _pre_commit(repo)
    assert result.returncode == 0, result.stdout + result.stderr


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
