"""OPA push mode on a shared server (issue 18): content-derived policy ids and packages, nothing deleted, and two
concurrent runs of different packs against one server each get their own findings."""

from __future__ import annotations

import json
import threading

from airtf_lint.engine.opa_backend import pushed_pack
from airtf_lint.pipeline import load_pack
import os

from tests.conftest import FIXTURES, run_in_process, run_installed, write
from tests.opa_server import FakeOpa

TOKEN = "shared-token"


def test_policy_ids_come_from_the_packs_content_not_the_install_path():
    pack = load_pack([])
    pushed = pushed_pack(pack, None)
    assert pushed == pushed_pack(load_pack([]), None)  # the same pack, the same ids
    assert all(i.startswith("airtf-lint/") and "/site-packages/" not in i and "/work/" not in i
               for i in pushed.policies)
    assert pushed.namespace.startswith("airtf_lint_")
    assert all(source.lstrip().startswith("package") or f"package {pushed.namespace}." in source
               for source in pushed.policies.values())
    assert pushed_pack(pack, {"k": 1}).namespace != pushed.namespace
    assert pushed_pack(pack, None, "team-a").namespace.startswith("team_a_")


def test_nothing_on_the_server_is_deleted(monkeypatch):
    monkeypatch.setenv("AIRTF_LINT_OPA_TOKEN", TOKEN)
    with FakeOpa(token=TOKEN) as server:
        server.policies["airtf-lint/removed_rule.rego"] = "package removed\n"
        server.policies["team/other.rego"] = "package other\n"
        run_in_process([".", "--opa-url", server.url], FIXTURES / "ATF-STATE-001" / "pass")
        assert "airtf-lint/removed_rule.rego" in server.policies and "team/other.rego" in server.policies
        assert not any(method == "DELETE" for method, _ in server.requests)


EXTRA_RULE = """# METADATA
# title: Every bucket is flagged
# custom:
#   id: ACME-OPA-001
#   severity: low
#   category: workflow
#   remediation: None.
package airtf.rules.custom.flag_buckets

import data.airtf.lib

deny contains result if {
	some position in object.get(input.terraform.resources_by_type, "aws_s3_bucket", [])
	bucket := input.terraform.resources[position]
	result := lib.finding("bucket", bucket)
}
"""


def test_two_concurrent_runs_of_different_packs_do_not_clobber_each_other(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRTF_LINT_OPA_TOKEN", TOKEN)
    repo = write(tmp_path, {"extra/flag.rego": EXTRA_RULE,
                            "main.tf": 'terraform {\n  backend "local" {}\n}\n'
                                       'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'})
    expected_plain = run_in_process([".", "-f", "json"], repo)
    expected_extra = run_in_process([".", "-f", "json", "--rules", "extra"], repo)
    results: dict[str, list] = {}
    with FakeOpa(token=TOKEN, delay=0.01) as server:
        def lint(name: str, extra: list[str]) -> None:
            for _ in range(2):
                # separate processes: run_in_process changes the working directory and stdout of this one
                out = run_installed([".", "-f", "json", "--opa-url", server.url, *extra], repo,
                                    env={**os.environ, "AIRTF_LINT_OPA_TOKEN": TOKEN})
                results.setdefault(name, []).append(out)

        threads = [threading.Thread(target=lint, args=("plain", [])),
                   threading.Thread(target=lint, args=("extra", ["--rules", "extra"]))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        namespaces = {i.split("/")[1] for i in server.policies}
    assert len(namespaces) == 2

    def ids(result):
        return sorted((f["rule_id"], f["line"]) for f in json.loads(result.stdout)["findings"])

    assert all(ids(r) == ids(expected_plain) for r in results["plain"])
    assert all(ids(r) == ids(expected_extra) for r in results["extra"])
    assert ("ACME-OPA-001", 4) in ids(expected_extra) and ("ACME-OPA-001", 4) not in ids(expected_plain)
