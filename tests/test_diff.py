"""`--diff REV`: only what is new since REV, wherever it shows; what disappeared is counted; REV is read from git
objects without touching the working tree."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_installed, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com"}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **ENV}).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write(tmp_path / "repo", {"old/main.tf": 'provider "aws" {}\n',  # ATF-STATE-001, already there
                                     "fixed/main.tf": 'provider "google" {}\n'})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    return root


def _diff(repo: Path, *args: str):
    result = run_installed(["--diff", "HEAD", *args, "--format", "json", "--cache-dir", str(repo.parent / "c")], repo)
    assert result.code in (0, 1), result.stderr
    return result.code, result.json()


def test_only_new_findings_are_reported_and_fixed_ones_counted(repo):
    (repo / "fixed/main.tf").write_text('terraform {\n  backend "gcs" {}\n}\nprovider "google" {}\n')
    write(repo, {"new/main.tf": 'provider "aws" {}\n'})
    code, document = _diff(repo)
    assert code == 1
    assert [(f["rule_id"], f["path"]) for f in document["findings"]] == [("ATF-STATE-001", "new/main.tf")]
    assert document["findings"][0]["caused_by"][0]["path"] == "new/main.tf"
    assert document["summary"]["fixed"] == 1


def test_the_working_tree_is_never_touched(repo):
    (repo / "old/main.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    before = _git(repo, "status", "--porcelain")
    _diff(repo)
    _diff(repo, "--staged")
    assert _git(repo, "status", "--porcelain") == before
    assert (repo / "old/main.tf").read_text().startswith('provider "aws" {\n  region')


def test_staged_compares_the_index_not_the_working_tree(repo):
    write(repo, {"new/main.tf": 'provider "aws" {}\n'})  # not staged
    code, document = _diff(repo, "--staged")
    assert code == 0 and document["findings"] == []
    _git(repo, "add", "-A")
    code, document = _diff(repo, "--staged")
    assert code == 1 and [f["path"] for f in document["findings"]] == ["new/main.tf"]


def test_before_the_first_commit_everything_is_new(tmp_path):
    root = write(tmp_path / "fresh", {"main.tf": 'provider "aws" {}\n'})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    code, document = _diff(root, "--staged")
    assert code == 1 and [f["rule_id"] for f in document["findings"]] == ["ATF-STATE-001"]


def test_an_unknown_revision_is_a_usage_error(repo):
    result = run_installed(["--diff", "no-such-rev", "."], repo)
    assert result.code == 2 and "unknown revision" in result.stderr and "Traceback" not in result.stderr
