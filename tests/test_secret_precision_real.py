"""Precision on real code: shapes measured on 19 public DAG and Terraform repositories whose findings were judged by
hand (docs/secrets.md). Each is a value that is not a secret, beside the secret of the same shape that must still be
found."""

from __future__ import annotations

from pathlib import Path

import pytest

from airtf_lint.facts import FileFacts, FileKind, SourceFile
from airtf_lint.secrets.files import is_test_file, scan_file


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


@pytest.mark.parametrize("path", ["tests/hooks/test_dbt.py", "src/tests/conftest.py", "dags/test_copy.py",
                                  "plugins/copy_test.py"])
def test_test_code_reports_provider_formats_only(path):
    assert is_test_file(path)
    assert _found('password = "newToken"\nheaders = {"Authorization": "Token newToken"}\n', path) == []
    assert _found('key = "AKIAQ3EGVP5HGRWXKZNB"\n', path)  # a provider's own format, pasted for real


def test_ordinary_code_is_not_test_code():
    assert not is_test_file("dags/contest.py") and not is_test_file("dags/latest/etl.py")
    assert _found('password = "pygmy7Xa"\n')
