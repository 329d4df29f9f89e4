"""DAG resolution on the shapes real repositories use: default_args built in any way, operator classes resolved
through imports and through the repository's own classes (any file, any depth, constructors evaluated with the call's
arguments), where each task's code runs, impersonation chains, identities handed to services, and code the DAG
processor runs at every parse."""

from __future__ import annotations

import pytest

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from tests.conftest import FIXTURES, write

CASE = FIXTURES / "model" / "dag_resolution"


@pytest.fixture(scope="module")
def model():
    facts, errors = collect_facts(RunOptions(paths=["."], cwd=CASE))
    assert not errors and not any(f.errors for f in facts)
    return build_model(facts, [], CASE)


@pytest.fixture(scope="module")
def tasks(model):
    return {t["task_id"]: t for t in model["airflow"]["tasks"]}


def _model(tmp_path, files):
    write(tmp_path, files)
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    return build_model(facts, [], tmp_path)


def _conns(task):
    return [(c["parameter"], c["conn_id"], c["source"]) for c in task["connections"]]


# --- default_args -------------------------------------------------------------------------------------------------


def test_default_args_keep_every_key_when_some_values_are_not_literals(model, tasks):
    dag = next(d for d in model["airflow"]["dags"] if d["dag_id"] == "default_args_shapes")
    assert set(dag["default_args"]) == {"owner", "retries", "retry_delay", "start_date", "on_failure_callback",
                                        "aws_conn_id", "end_date", "email_on_failure"}
    assert dag["default_args"]["start_date"]["kind"] == "dynamic"
    assert dag["default_args"]["start_date"]["value"]["__unknown__"] is True
    assert dag["default_args"]["owner"] == {"value": "data-eng", "kind": "literal", "line": 9}
    assert _conns(tasks["list_landing"]) == [("aws_conn_id", "aws_warehouse", "default_args")]


def test_default_args_built_with_dict_and_a_spread_of_a_module_constant(tasks):
    assert _conns(tasks["list_built"]) == [("aws_conn_id", "aws_built", "default_args")]
    assert "retry_delay" in tasks["list_built"]["default_args"]


def test_a_spread_that_cannot_be_known_is_named_and_the_known_keys_kept(tasks):
    task = tasks["list_spread"]
    assert _conns(task) == [("aws_conn_id", "aws_spread", "default_args")]
    assert task["default_args_unknown"] == ["notify_failure.defaults()"]


def test_default_args_from_a_function_call_are_unknown_not_empty(tmp_path):
    model = _model(tmp_path, {"d.py": (
        "from airflow import DAG\nfrom airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n"
        "from common import defaults\n"
        "with DAG('d', default_args=defaults('team'), schedule=None):\n"
        "    S3ListOperator(task_id='ls', bucket='b')\n")})
    [task] = model["airflow"]["tasks"]
    assert task["default_args_unknown"] == ["defaults('team')"]
    assert _conns(task) == [("aws_conn_id", "aws_default", "class_default")]


def test_env_default_in_default_args_stays_overridable(tmp_path):
    model = _model(tmp_path, {"d.py": (
        "import os\nfrom datetime import timedelta\nfrom airflow import DAG\n"
        "from airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n"
        "ARGS = {'aws_conn_id': os.getenv('AWS_CONN', 'aws_etl'), 'retry_delay': timedelta(minutes=1)}\n"
        "with DAG('d', default_args=ARGS, schedule=None):\n"
        "    S3ListOperator(task_id='ls', bucket='b')\n")})
    [connection] = model["airflow"]["tasks"][0]["connections"]
    assert (connection["conn_id"], connection["value_kind"], connection["env_var"], connection["source"]) == (
        "aws_etl", "env_default", "AWS_CONN", "default_args")


# --- classes ------------------------------------------------------------------------------------------------------


def test_repository_class_without_the_suffix_resolves_through_two_files_to_its_airflow_base(tasks):
    task = tasks["score"]
    assert (task["operator"], task["class"], task["runs_in"], task["operator_resolved"]) == (
        "WorkflowTask", "EksPodOperator", "pod", True)
    assert task["identity_arguments"]["namespace"]["origin"] == "plugins/operators/base.py"
    chain = task["class_resolution"]["chain"]
    assert [c["name"] for c in chain] == ["WorkflowTask", "TeamPodBase"]
    assert chain[0]["path"] == "plugins/operators/workflow_task.py"


def test_subclass_constructor_is_evaluated_with_the_call_sites_arguments(tasks):
    arguments = tasks["score"]["identity_arguments"]
    assert arguments["service_account_name"]["value"] == "ml-scoring"
    assert arguments["namespace"]["value"] == "mwaa"  # kwargs.setdefault in the grandparent
    assert _conns(tasks["score"]) == [("aws_conn_id", "aws_team", "explicit")]  # the constructor's default
    assert tasks["score_custom_conn"]["identity_arguments"]["service_account_name"]["value"] == "ml-retrain"
    assert _conns(tasks["score_custom_conn"]) == [("aws_conn_id", "aws_ml", "explicit")]


def test_a_class_that_defers_also_runs_in_the_triggerer(tasks):
    assert tasks["wait_for_model"]["execution_places"] == ["pod", "triggerer"]


def test_a_class_that_cannot_be_resolved_is_named(tasks):
    task = tasks["audit"]
    assert task["operator_resolved"] is False
    assert task["class_resolution"]["written"] == "company.ops.AuditTask"
    assert "company.ops.AuditTask" in task["class_resolution"]["reason"]


def test_values_read_from_a_sibling_config_file_fill_the_generated_dag(model, tasks):
    task = tasks["refresh"]
    assert task["dag_id"] == "sales_refresh"
    arguments = task["identity_arguments"]
    assert arguments["namespace"]["value"] == "sales-jobs"
    assert arguments["namespace"]["origin"] == "dags/generated/workflow.yml"
    # the class's own module constant comes from os.getenv: overridable by the environment
    account = arguments["service_account_name"]
    assert (account["value"], account["kind"], account["env_var"]) == ("sales-dev", "env_default", "DEPLOY_ENV")
    [read] = model["airflow"]["config_files"]
    assert (read["dag_path"], read["path"], read["read"]) == ("dags/generated/dag.py",
                                                             "dags/generated/workflow.yml", True)


def test_a_config_file_outside_the_scanned_tree_is_not_read(tmp_path):
    outside = tmp_path / "outside.yml"
    outside.write_text("namespace: secret-ns\n")
    model = _model(tmp_path / "repo", {"dags/d.py": (
        "import json, os\nfrom pathlib import Path\nimport yaml\nfrom airflow import DAG\n"
        "CFG = yaml.safe_load((Path(__file__).parent / '../../outside.yml').read_text())\n"
        "with DAG('d', schedule=None):\n    pass\n")})
    [read] = model["airflow"]["config_files"]
    assert read["read"] is False and read["reason"] == "outside the scanned tree"


def test_factory_functions_that_build_dags_are_followed(tmp_path):
    model = _model(tmp_path, {"d.py": (
        "from airflow import DAG\nfrom airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n"
        "def build(name, conn='aws_factory'):\n"
        "    with DAG(f'gen_{name}', schedule=None) as dag:\n"
        "        S3ListOperator(task_id='ls', bucket='b', aws_conn_id=conn)\n"
        "    return dag\n"
        "for team in ['a', 'b']:\n"
        "    globals()[team] = build(team)\n"
        "fixed = build('c', conn='aws_c')\n")})
    found = {(t["dag_id"], _conns(t)[0][1]) for t in model["airflow"]["tasks"]}
    assert found == {(None, "aws_factory"), ("gen_c", "aws_c")}


# --- where code runs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("task_id", "cls", "places"), [
    ("in_pod", "KubernetesPodOperator", ["pod"]),
    ("in_container", "DockerOperator", ["container"]),
    ("in_venv", "PythonVirtualenvOperator", ["virtualenv"]),
    ("in_other_python", "ExternalPythonOperator", ["external_python"]),
    ("shell", "BashOperator", ["worker"]),
    ("query", "SQLExecuteQueryOperator", ["worker"]),
    ("choose", "BranchPythonOperator", ["worker"]),
    ("ready", "PythonSensor", ["worker"]),
    ("guarded", "BashOperator", ["worker"]),  # @task.run_if stacked above @task.bash
    ("wait_deferred", "S3KeySensor", ["worker", "triggerer"]),
])
def test_each_taskflow_decorator_and_deferrable_task_says_where_it_runs(tasks, task_id, cls, places):
    assert (tasks[task_id]["class"], tasks[task_id]["execution_places"]) == (cls, places)


def test_an_unknown_provider_decorator_is_named_and_placed_by_its_name(tasks):
    task = tasks["provider_pod"]
    assert task["operator_resolved"] is False and task["runs_in"] == "pod"
    assert task["decorators"] == ["@task.eks_pod"]


def test_async_classes_and_deferrable_default_args_run_in_the_triggerer(tasks):
    assert tasks["pod_async"]["execution_places"] == ["pod", "triggerer"]
    assert tasks["pod_async"]["identity_arguments"]["service_account_name"]["value"] == "async-sa"
    assert tasks["bq_deferred"]["deferrable"]["source"] == "default_args"
    assert tasks["bq_deferred"]["execution_places"] == ["worker", "triggerer"]


# --- Google impersonation -----------------------------------------------------------------------------------------


def test_impersonation_chain_from_default_args_the_last_account_acts(tasks):
    chain = tasks["from_default_args"]["impersonation"]
    assert chain["acting"] == "loader@acme-data.iam.gserviceaccount.com" and chain["source"] == "default_args"
    assert len(chain["chain"]) == 2


def test_impersonation_chain_as_a_string(tasks):
    assert tasks["explicit_string"]["impersonation"]["acting"] == "reader@acme-data.iam.gserviceaccount.com"


def test_an_empty_chain_from_the_environment_defers_to_the_connection(tasks):
    chain = tasks["empty_from_env"]["impersonation"]
    assert chain["defers_to_connection"] is True and chain["env_var"] == "IMPERSONATE"


def test_legacy_bigquery_conn_id_is_the_only_google_connection(tasks):
    assert _conns(tasks["legacy_bq"]) == [("bigquery_conn_id", "bq_legacy", "explicit")]


# --- delegated identities -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("task_id", "expected"), [
    ("cluster", [("job_flow_overrides.JobFlowRole", "EMR_EC2_Nightly", "aws"),
                 ("job_flow_overrides.ServiceRole", "EMR_Service_Nightly", "aws")]),
    ("serverless", [("execution_role_arn", "arn:aws:iam::123456789012:role/emr-serverless-job", "aws")]),
    ("glue", [("iam_role_name", "glue-load", "aws")]),
    ("lambda", [("role", "arn:aws:iam::123456789012:role/lambda-f", "aws")]),
    ("train", [("config.RoleArn", "arn:aws:iam::123456789012:role/sagemaker-churn", "aws")]),
    ("dataproc", [("cluster_config.gce_cluster_config.service_account",
                   "dataproc-nodes@acme-data.iam.gserviceaccount.com", "gcp")]),
    ("dataproc_generated", [("cluster_config.service_account", "gen-nodes@acme-data.iam.gserviceaccount.com",
                             "gcp")]),
    ("dataflow", [("environment.serviceAccountEmail", "df-worker@acme-data.iam.gserviceaccount.com", "gcp")]),
])
def test_identities_handed_to_a_service_are_recorded_with_their_line(tasks, task_id, expected):
    found = tasks[task_id]["delegated_identities"]
    assert [(d["argument"], d["value"], d["cloud"]) for d in found] == expected
    assert all(isinstance(d["line"], int) and d["service"] for d in found)


def test_a_module_constant_config_points_at_the_line_of_its_key(tasks):
    [role] = [d for d in tasks["train"]["delegated_identities"]]
    assert role["line"] == 15


# --- code the DAG processor runs -----------------------------------------------------------------------------------


def test_module_level_cloud_and_credential_calls_are_facts_of_the_file(model):
    calls = [(c["category"], c["cloud"], c["line"], c["connections"][0]["conn_id"] if c["connections"] else None)
             for c in model["airflow"]["module_calls"] if c["path"] == "dags/module_level.py"]
    assert calls == [("aws_sdk", "aws", 9, None), ("hook", "aws", 10, "aws_listing"), ("variable", None, 11, None),
                     ("connection", None, 12, "warehouse"), ("gcp_sdk", "gcp", 13, None)]
    assert all(c["dag_ids"] == ["module_level"] for c in model["airflow"]["module_calls"])


def test_calls_inside_task_code_are_not_module_level(tmp_path):
    model = _model(tmp_path, {"d.py": (
        "import boto3\nfrom airflow.decorators import dag, task\n"
        "@dag(schedule=None)\ndef d():\n"
        "    @task\n    def t():\n        return boto3.client('s3').list_buckets()\n"
        "    t()\nd()\n")})
    assert model["airflow"]["module_calls"] == []


# --- bad input ------------------------------------------------------------------------------------------------------


def test_constructs_the_analyser_does_not_model_give_partial_answers(tmp_path):
    model = _model(tmp_path, {"d.py": (
        "from airflow import DAG\nfrom airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n"
        "import random\n"
        "ARGS = {k: v for k, v in [('aws_conn_id', 'x')]}\n"
        "with DAG('d', default_args={**ARGS, 'owner': random.choice(['a'])}, schedule=None):\n"
        "    S3ListOperator(task_id='ls', bucket=lambda: 1, aws_conn_id=random.choice(['a', 'b']))\n")})
    [task] = model["airflow"]["tasks"]
    [connection] = task["connections"]
    assert connection["value_kind"] == "dynamic"
    assert task["default_args"]["owner"]["kind"] == "dynamic"
    assert task["default_args_unknown"]
