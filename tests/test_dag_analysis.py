"""DAG analysis: which connection each task uses and where that value comes from, without running the DAG."""

from __future__ import annotations

import pytest

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from tests.conftest import FIXTURES, write

CASE = FIXTURES / "model" / "dags"


@pytest.fixture(scope="module")
def tasks():
    facts, errors = collect_facts(RunOptions(paths=["."], cwd=CASE))
    assert not errors and not any(f.errors for f in facts)
    return {t["task_id"]: t for t in build_model(facts, [], CASE)["airflow"]["tasks"]}


def _conn(task, parameter="aws_conn_id"):
    [connection] = [c for c in task["connections"] if c["parameter"] == parameter]
    return connection["conn_id"], connection["source"]


def test_dag_default_args_reach_a_task_that_accepts_the_parameter(tasks):
    assert _conn(tasks["dag_default"]) == ("aws_dag", "default_args")


def test_explicit_argument_wins_even_when_it_is_none(tasks):
    assert _conn(tasks["explicit"]) == ("aws_explicit", "explicit")
    assert _conn(tasks["explicit_none"]) == (None, "explicit")


def test_jinja_value_is_marked_as_a_template(tasks):
    [connection] = tasks["templated"]["connections"]
    assert connection["value_kind"] == "template"


def test_task_group_default_args_override_the_dags_and_the_tasks_own_override_both(tasks):
    assert tasks["group.in_group"]["group"] == "group"
    assert _conn(tasks["group.in_group"]) == ("aws_group", "default_args")
    assert _conn(tasks["group.own_defaults"]) == ("aws_task", "default_args")


def test_decorated_task_group_default_args_apply(tasks):
    assert _conn(tasks["loaders.load"]) == ("aws_decorated_group", "default_args")


def test_default_args_reach_only_parameters_of_that_exact_name(tasks):
    assert _conn(tasks["gcs"], "gcp_conn_id") == ("google_cloud_default", "class_default")
    assert _conn(tasks["sql"], "conn_id") == ("sql_dag", "default_args")
    assert not any(c["parameter"] == "conn_id" for c in tasks["dag_default"]["connections"])


def test_identity_arguments_are_recorded(tasks):
    assert tasks["gcs"]["identity_arguments"]["impersonation_chain"]["value"] == "etl@acme.iam.gserviceaccount.com"


def test_env_var_default_is_used_and_marked_overridable(tasks):
    [connection] = tasks["sql_env"]["connections"]
    assert (connection["conn_id"], connection["value_kind"], connection["env_var"]) == (
        "warehouse_default", "env_default", "WAREHOUSE_CONN")


def test_operators_without_connections_run_with_the_workers_identity(tasks):
    assert tasks["bash"]["connections"] == [] and tasks["bash"]["runs_in"] == "worker"


def test_partial_expand_is_one_mapped_task_with_the_partial_arguments(tasks):
    assert tasks["mapped"]["mapped"] is True
    assert _conn(tasks["mapped"]) == ("aws_mapped", "explicit")


def test_in_file_subclass_fixes_identity_arguments_in_super_init(tasks):
    pod = tasks["team_pod"]
    assert pod["class"] == "KubernetesPodOperator" and pod["runs_in"] == "pod"
    assert pod["identity_arguments"]["service_account_name"]["value"] == "team-runner"


def test_taskflow_tasks_and_override(tasks):
    assert tasks["count_rows"]["kind"] == "taskflow" and tasks["count_rows"]["class"] == "PythonOperator"
    assert "count_again" in tasks
    transform = tasks["transform"]
    assert transform["class"] == "KubernetesPodOperator" and transform["runs_in"] == "pod"
    assert transform["identity_arguments"]["service_account_name"]["value"] == "etl-runner"


def test_hooks_in_task_bodies_never_see_default_args(tasks):
    [hook] = tasks["count_rows"]["hooks"]
    assert hook["class"] == "S3Hook"
    assert [(c["conn_id"], c["source"]) for c in hook["connections"]] == [("aws_default", "class_default")]


def test_hooks_in_a_python_callable_are_found(tasks):
    [hook] = tasks["callable"]["hooks"]
    assert [(c["conn_id"], c["source"]) for c in hook["connections"]] == [("aws_callable", "explicit")]


def test_tasks_point_at_their_line(tasks):
    assert tasks["explicit"]["path"] == "identity_propagation.py" and tasks["explicit"]["line"] == 47


def test_airflow_3_sdk_imports_and_dag_decorator(tmp_path):
    write(tmp_path, {"dag.py": (
        "from airflow.sdk import dag, task\n"
        "from airflow.providers.standard.operators.bash import BashOperator\n"
        "from airflow.providers.google.cloud.operators.gcs import GCSListObjectsOperator as L\n\n"
        "@dag(default_args={'gcp_conn_id': 'gcp_etl'})\n"
        "def nightly():\n"
        "    L(task_id='list', bucket='b')\n"
        "    BashOperator(task_id='b', bash_command='true')\n\n"
        "nightly()\n")})
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    tasks = {t["task_id"]: t for t in build_model(facts, [], tmp_path)["airflow"]["tasks"]}
    assert tasks["list"]["dag_id"] == "nightly"
    assert _conn(tasks["list"], "gcp_conn_id") == ("gcp_etl", "default_args")


def test_dag_variable_with_dag_argument(tmp_path):
    write(tmp_path, {"dag.py": (
        "from airflow.models import DAG\n"
        "from airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n"
        "d = DAG('legacy', default_args={'aws_conn_id': 'aws_legacy'})\n"
        "S3ListOperator(task_id='ls', bucket='b', dag=d)\n")})
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    [task] = build_model(facts, [], tmp_path)["airflow"]["tasks"]
    assert task["dag_id"] == "legacy" and _conn(task) == ("aws_legacy", "default_args")


PROVIDER_OPERATORS = [
    ("airflow.providers.amazon.aws.operators.athena", "AthenaOperator", "aws_conn_id", "aws_default"),
    ("airflow.providers.google.cloud.operators.bigquery", "BigQueryInsertJobOperator", "gcp_conn_id",
     "google_cloud_default"),
    ("airflow.providers.cncf.kubernetes.operators.pod", "KubernetesPodOperator", "kubernetes_conn_id",
     "kubernetes_default"),
    ("airflow.providers.snowflake.operators.snowflake", "SnowflakeCheckOperator", "snowflake_conn_id",
     "snowflake_default"),
    ("airflow.providers.databricks.operators.databricks", "DatabricksSubmitRunOperator", "databricks_conn_id",
     "databricks_default"),
    ("airflow.providers.http.operators.http", "HttpOperator", "http_conn_id", "http_default"),
    ("airflow.providers.ssh.operators.ssh", "SSHOperator", "ssh_conn_id", None),
    ("airflow.providers.slack.operators.slack", "SlackAPIPostOperator", "slack_conn_id", "slack_api_default"),
    ("airflow.providers.docker.operators.docker", "DockerOperator", "docker_conn_id", None),
    ("airflow.providers.microsoft.azure.operators.adx", "AzureDataExplorerQueryOperator", "azure_conn_id",
     "azure_default"),
    ("airflow.providers.common.sql.operators.sql", "SQLExecuteQueryOperator", "conn_id", None),
]


@pytest.mark.parametrize(("module", "operator", "parameter", "default"), PROVIDER_OPERATORS,
                         ids=[p[1] for p in PROVIDER_OPERATORS])
def test_each_provider_familys_connection_parameter_and_class_default(tmp_path, module, operator, parameter, default):
    write(tmp_path, {"dag.py": f"from airflow import DAG\nfrom {module} import {operator}\n"
                               f"with DAG('d', schedule=None):\n    {operator}(task_id='t')\n"})
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    [task] = build_model(facts, [], tmp_path)["airflow"]["tasks"]
    assert _conn(task, parameter) == (default, "class_default")


def test_legacy_contrib_import_path_is_resolved(tmp_path):
    write(tmp_path, {"dag.py": "from airflow import DAG\n"
                               "from airflow.contrib.operators.kubernetes_pod_operator import KubernetesPodOperator\n"
                               "with DAG('d', schedule=None):\n"
                               "    KubernetesPodOperator(task_id='p', image='x', service_account_name='sa')\n"})
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    [task] = build_model(facts, [], tmp_path)["airflow"]["tasks"]
    assert task["runs_in"] == "pod" and task["identity_arguments"]["service_account_name"]["value"] == "sa"


def test_operator_defined_in_another_repository_module_is_resolved_to_its_base(tmp_path):
    write(tmp_path, {
        "plugins/operators/team.py": (
            "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n\n"
            "class TeamPodOperator(KubernetesPodOperator):\n"
            "    def __init__(self, **kwargs):\n"
            "        super().__init__(service_account_name='team-runner', namespace='team', **kwargs)\n"),
        "dags/d.py": ("from airflow import DAG\nfrom plugins.operators.team import TeamPodOperator\n"
                      "with DAG('d', schedule=None):\n    TeamPodOperator(task_id='p', image='x')\n"),
    })
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    [task] = build_model(facts, [], tmp_path)["airflow"]["tasks"]
    assert (task["operator"], task["class"], task["runs_in"]) == ("TeamPodOperator", "KubernetesPodOperator", "pod")
    assert task["identity_arguments"]["service_account_name"]["value"] == "team-runner"


def test_unknown_custom_operator_is_still_a_task(tmp_path):
    write(tmp_path, {"dags/d.py": ("from airflow import DAG\nfrom company.ops import AuditOperator\n"
                                   "with DAG('d', schedule=None):\n    AuditOperator(task_id='audit')\n")})
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    [task] = build_model(facts, [], tmp_path)["airflow"]["tasks"]
    assert (task["task_id"], task["module"], task["connections"]) == ("audit", "company.ops", [])
