"""The OPA server backend against a stand-in OPA (tests/opa_server.py): the same findings as the embedded engine
on every fixture, and one clear line for every way talking to a server can go wrong.

To run the same comparison against a real OPA (1.0+): `opa run --server --addr 127.0.0.1:8181` and
`AIRTF_LINT_OPA_URL=http://127.0.0.1:8181 pytest tests/test_opa_backend.py` (see docs/opa.md)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import FIXTURES, run_in_process, write
from airtf_lint.pipeline import load_pack
from tests.opa_server import FakeOpa

CASES = sorted(p.parent for p in FIXTURES.glob("*/*/expected.yaml"))
TOKEN = "opa-test-token"
REAL_OPA = os.environ.get("AIRTF_LINT_OPA_URL")


@pytest.fixture(scope="module")
def opa():
    if REAL_OPA:
        yield REAL_OPA
        return
    with FakeOpa(token=TOKEN) as server:
        yield server.url


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("AIRTF_LINT_OPA_TOKEN", TOKEN)


def findings(result):
    return sorted((f["rule_id"], f["path"], f["line"], f["message"], f["severity"]) for f in result.json()["findings"])


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_opa_gives_the_embedded_engines_findings(case, opa):
    embedded = run_in_process([".", "--format", "json"], case)
    remote = run_in_process([".", "--format", "json", "--opa-url", opa], case)
    assert remote.code == embedded.code, remote.stderr
    assert findings(remote) == findings(embedded)


def test_bundle_mode_queries_rules_already_on_the_server(tmp_path):
    case = FIXTURES / "ATF-STATE-003" / "fail"
    with FakeOpa(token=TOKEN) as server:
        # The organisation's bundle: the pack's modules as they are (push mode would namespace them).
        server.policies.update({name: source for name, source in load_pack([]).modules.items()})
        pushed = len(server.policies)
        shutil.copytree(case, tmp_path, dirs_exist_ok=True)
        write(tmp_path, {".airtf-lint.yaml": f"opa:\n  url: {server.url}\n  mode: bundle\n"})
        before = len(server.requests)
        result = run_in_process([".", "--format", "json"], tmp_path)
        assert not any(method == "PUT" for method, _ in server.requests[before:])
        assert len(server.policies) == pushed
    assert findings(result) == findings(run_in_process([".", "--format", "json"], case))


def test_a_server_that_is_down_is_one_clear_line():
    result = run_in_process([".", "--opa-url", "http://127.0.0.1:9"], FIXTURES / "ATF-STATE-001" / "pass")
    assert result.code == 2
    assert result.stderr.strip() == "airtf-lint: error: cannot reach OPA at http://127.0.0.1:9: connection refused"


def test_a_refused_token_names_the_variable_to_set(monkeypatch):
    monkeypatch.setenv("AIRTF_LINT_OPA_TOKEN", "wrong")
    with FakeOpa(token=TOKEN) as server:
        result = run_in_process([".", "--opa-url", server.url], FIXTURES / "ATF-STATE-001" / "pass")
    assert result.code == 2 and "HTTP 401" in result.stderr and "$AIRTF_LINT_OPA_TOKEN" in result.stderr
    assert "wrong" not in result.stderr


def test_the_token_variable_is_configurable_and_never_a_flag(monkeypatch, tmp_path):
    monkeypatch.delenv("AIRTF_LINT_OPA_TOKEN")
    monkeypatch.setenv("TEAM_OPA_TOKEN", TOKEN)
    with FakeOpa(token=TOKEN) as server:
        write(tmp_path, {".airtf-lint.yaml": f"opa:\n  url: {server.url}\n  token-env: TEAM_OPA_TOKEN\n",
                         "main.tf": 'terraform {\n  backend "local" {}\n}\n'})
        assert run_in_process([".", "--format", "json"], tmp_path).code == 1
    assert run_in_process([".", "--opa-token", TOKEN], tmp_path).code == 2  # no such flag


def test_a_slow_server_times_out_with_the_setting_to_change(tmp_path):
    with FakeOpa(token=TOKEN, delay=1.0) as server:
        write(tmp_path, {".airtf-lint.yaml": f"opa:\n  url: {server.url}\n  timeout: 0.2\n", "main.tf": ""})
        result = run_in_process(["."], tmp_path)
    assert result.code == 2 and "did not answer within 0.2 s (opa.timeout)" in result.stderr


def test_tls_failures_say_what_to_configure():
    with FakeOpa(token=TOKEN) as server:  # plain HTTP: a TLS handshake with it fails
        url = server.url.replace("http://", "https://")
        result = run_in_process([".", "--opa-url", url], FIXTURES / "ATF-STATE-001" / "pass")
    assert result.code == 2 and "TLS error talking to OPA" in result.stderr and "ca_bundle" in result.stderr


def test_a_missing_ca_bundle_is_reported_before_connecting(tmp_path):
    write(tmp_path, {".airtf-lint.yaml": "opa:\n  url: https://opa.internal\n  ca-bundle: certs/ca.pem\n", "main.tf": ""})
    result = run_in_process(["."], tmp_path)
    assert result.code == 2 and "CA bundle" in result.stderr and "certs/ca.pem" in result.stderr


def test_a_url_that_is_not_http_is_refused():
    result = run_in_process([".", "--opa-url", "opa.internal:8181"], FIXTURES / "ATF-STATE-001" / "pass")
    assert result.code == 2 and "not an http:// or https:// URL" in result.stderr
