"""Which backends lock state, and with which settings."""

from __future__ import annotations

import pytest

from airtf_lint.terraform.backends import locking


@pytest.mark.parametrize("backend", ["gcs", "azurerm", "remote", "cloud", "pg", "kubernetes", "cos"])
def test_natively_locking_backends_lock(backend):
    assert locking(backend, [{}])["locks"] is True


@pytest.mark.parametrize(("backend", "config"), [
    ("s3", {"use_lockfile": True}), ("s3", {"dynamodb_table": "locks"}), ("http", {"lock_address": "https://x"}),
    ("oss", {"tablestore_table": "t"}), ("consul", {"path": "p"}),
    ("s3", {"dynamodb_table": {"__unknown__": True, "expr": "var.t"}}),
])
def test_backends_that_are_told_to_lock_lock(backend, config):
    assert locking(backend, [config])["locks"] is True


@pytest.mark.parametrize(("backend", "config"), [
    ("s3", {"bucket": "b"}), ("s3", {"use_lockfile": False}), ("http", {"address": "https://x"}),
    ("oss", {}), ("consul", {"lock": False}),
])
def test_backends_without_locking_do_not_lock(backend, config):
    result = locking(backend, [config])
    assert result["locks"] is False and result["how"]


def test_a_backend_config_file_can_supply_the_lock():
    assert locking("s3", [{}, {"use_lockfile": True}])["locks"] is True


def test_unknown_backend_is_neither():
    assert locking("artifactory", [{}])["locks"] is None
