"""The model document: valid against its published schema, and the same whichever engine evaluates it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from airtf_lint.engine import create_engine
from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts, load_pack
from tests.conftest import EXAMPLE, FIXTURES, SHARED_PLANS

SCHEMA = json.loads(resources.files("airtf_lint").joinpath("schemas/input.schema.json").read_text("utf-8"))
REPOS = [EXAMPLE, *sorted(p.parent for p in FIXTURES.glob("*/*/expected.yaml"))]


def _model(path: Path):
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=path))
    return build_model(facts)


@pytest.mark.parametrize("repo", REPOS, ids=lambda p: p.name if p == EXAMPLE else f"{p.parent.name}/{p.name}")
def test_model_is_valid_against_the_published_schema(repo):
    jsonschema.Draft202012Validator(SCHEMA).validate(_model(repo))


@pytest.mark.skipif(not SHARED_PLANS.is_dir(), reason="shared/ corpus not beside the checkout")
def test_model_of_the_real_plans_is_valid():
    model = _model(SHARED_PLANS)
    jsonschema.Draft202012Validator(SCHEMA).validate(model)
    assert len(model["terraform"]["plans"]) == 7


def test_child_module_is_not_a_root():
    model = _model(EXAMPLE)
    roots = {r["dir"] for r in model["terraform"]["roots"]}
    assert "terraform/modules/etl_role" not in roots
    assert {"terraform/prod", "terraform/staging", "terraform/sandbox", "terraform/legacy"} == roots


def test_resources_are_indexed_by_type():
    model = _model(EXAMPLE)
    resources = model["terraform"]["resources"]
    for rtype, positions in model["terraform"]["resources_by_type"].items():
        assert all(resources[i]["type"] == rtype for i in positions)


@pytest.mark.parametrize("repo", REPOS, ids=lambda p: p.name if p == EXAMPLE else f"{p.parent.name}/{p.name}")
def test_both_engines_give_the_same_results(repo):
    pack = load_pack([])
    model = _model(repo)
    results = [create_engine(name, pack).evaluate(model).results for name in ("regorus", "regopy")]
    canonical = [{k: sorted(json.dumps(x, sort_keys=True) for x in v) for k, v in r.items() if v} for r in results]
    assert canonical[0] == canonical[1]


def test_model_with_aws_iam_facts_is_valid():
    jsonschema.Draft202012Validator(SCHEMA).validate(_model(FIXTURES / "model" / "aws_iam"))


def test_model_with_gcp_kubernetes_and_connection_facts_is_valid():
    jsonschema.Draft202012Validator(SCHEMA).validate(_model(FIXTURES / "model" / "gcp_k8s_connections"))


def test_model_with_dag_facts_is_valid():
    jsonschema.Draft202012Validator(SCHEMA).validate(_model(FIXTURES / "model" / "dags"))
