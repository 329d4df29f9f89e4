"""DAG factories defined in another file of the repository: the DAG file's call is followed into the factory, its
body evaluated with the call's arguments and defaults; the tasks are located at the factory's lines and belong to
the DAG the call defines. Shapes seen in real repositories: a factory that builds the whole DAG and returns it, a
task factory given the DAG, a DAG factory whose result later tasks use, factories calling factories."""

from __future__ import annotations

import pickle
import textwrap

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from airtf_lint.report.identities import unanalysed_dag_files
from tests.conftest import write


def _model(tmp_path, files):
    write(tmp_path, {k: textwrap.dedent(v) for k, v in files.items()})
    facts, errors = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    return build_model(facts, [], tmp_path), facts, errors


WHOLE_DAG_FACTORY = {
    "dags/pipelines/builder.py": """
        from datetime import timedelta
        from airflow import DAG
        from airflow.providers.amazon.aws.operators.s3 import S3CopyObjectOperator
        from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator

        def make_sync_dag(dag_id, bucket, warehouse_conn="gcp_warehouse", schedule="@daily", **kwargs):
            defaults = {"retries": 2, "retry_delay": timedelta(minutes=5), "aws_conn_id": kwargs.get("aws_conn")}
            dag = DAG(dag_id, schedule=schedule, default_args=defaults)

            def add_copy(name, enabled):
                if enabled:
                    return S3CopyObjectOperator(task_id=f"copy_{name}", source_bucket_name=bucket,
                                                source_bucket_key=name, dest_bucket_key=name, dag=dag)
                return None

            add_copy("blocks", kwargs.get("blocks_enabled"))
            load = BigQueryInsertJobOperator(task_id="load", configuration={}, gcp_conn_id=warehouse_conn, dag=dag)
            return dag
        """,
    "dags/sync_dag.py": """
        # airflow DAG (Airflow's safe mode parses only files that name both)
        from pipelines.builder import make_sync_dag

        DAG = make_sync_dag(dag_id="sync_main", bucket="landing", aws_conn="aws_sync", blocks_enabled=True)
        """,
}


def test_a_factory_that_builds_the_whole_dag_is_followed_with_the_calls_arguments(tmp_path):
    model, _, _ = _model(tmp_path, WHOLE_DAG_FACTORY)
    tasks = {t["task_id"]: t for t in model["airflow"]["tasks"]}
    assert set(tasks) == {"copy_blocks", "load"}
    load, copy = tasks["load"], tasks["copy_blocks"]
    assert load["dag_id"] == copy["dag_id"] == "sync_main"
    # located in the factory's file, at its lines; attributed to the call in the DAG file
    assert load["path"] == "dags/pipelines/builder.py" and load["line"] == 18
    assert load["called_from"]["path"] == "dags/sync_dag.py"
    assert [(c["parameter"], c["conn_id"], c["source"]) for c in load["connections"]] == \
        [("gcp_conn_id", "gcp_warehouse", "explicit")]
    # default_args built in the factory from the call's keyword arguments reach the tasks
    assert [(c["parameter"], c["conn_id"], c["source"]) for c in copy["connections"]] == \
        [("aws_conn_id", "aws_sync", "default_args")]
    dag = next(d for d in model["airflow"]["dags"] if d["dag_id"] == "sync_main")
    assert dag["called_from"]["path"] == "dags/sync_dag.py"
    assert not unanalysed_dag_files(model, [], tmp_path)


def test_task_factories_given_a_dag_that_a_factory_returned(tmp_path):
    model, _, _ = _model(tmp_path, {
        "lib/dag_utils.py": """
            import airflow
            from airflow.operators.python import PythonOperator
            from airflow.providers.google.cloud.operators.gcs import GCSDeleteObjectsOperator

            def create_dag(default_args=None, catchup=False, **kwargs):
                if default_args is None:
                    default_args = {"gcp_conn_id": "gcp_shared", "retries": 3}
                return airflow.DAG(default_args=default_args, catchup=catchup, **kwargs)

            def create_python_task(dag, task_id, python_callable, retries=0, **kwargs):
                return PythonOperator(task_id=task_id, dag=dag, python_callable=python_callable, retries=retries,
                                      **kwargs)

            def create_cleanup(dag, bucket, conn="gcp_cleanup"):
                return GCSDeleteObjectsOperator(task_id=f"clean_{bucket}", bucket_name=bucket, gcp_conn_id=conn,
                                                dag=dag)
            """,
        "dags/import_pipeline.py": """
            # airflow DAG
            from lib.dag_utils import create_dag, create_python_task, create_cleanup

            def fetch(**kwargs):
                return None

            IMPORT_DAG = create_dag(dag_id="import_pipeline", schedule=None)
            fetch_task = create_python_task(IMPORT_DAG, "fetch", fetch, retries=5)
            clean_task = create_cleanup(IMPORT_DAG, "staging")
            fetch_task >> clean_task
            """,
    })
    tasks = {t["task_id"]: t for t in model["airflow"]["tasks"]}
    assert set(tasks) == {"fetch", "clean_staging"}
    assert {t["dag_id"] for t in tasks.values()} == {"import_pipeline"}
    assert tasks["fetch"]["path"] == "lib/dag_utils.py"
    assert tasks["fetch"]["arguments"]["retries"]["value"] == 5
    assert [(c["conn_id"], c["source"]) for c in tasks["clean_staging"]["connections"]] == \
        [("gcp_cleanup", "explicit")]
    dag = next(d for d in model["airflow"]["dags"] if d["dag_id"] == "import_pipeline")
    assert dag["default_args"]["gcp_conn_id"]["value"] == "gcp_shared"


def test_task_factory_called_inside_a_with_dag_block_takes_that_dags_default_args(tmp_path):
    model, _, _ = _model(tmp_path, {
        "dags/etl/build_dbt_task.py": """
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
            from airflow.providers.google.cloud.operators.bigquery import BigQueryCheckOperator

            def dbt_task(dag, model_name, namespace="dbt"):
                check = BigQueryCheckOperator(task_id=f"{model_name}_check", sql="select 1", dag=dag)
                return KubernetesPodOperator(task_id=f"{model_name}_run", name=model_name, namespace=namespace,
                                             service_account_name="dbt-runner", image="dbt:1", dag=dag)
            """,
        "dags/dbt_dag.py": """
            from airflow import DAG
            from etl.build_dbt_task import dbt_task

            with DAG("dbt_models", default_args={"gcp_conn_id": "gcp_dbt"}) as dag:
                dbt_task(dag, "marts")
                dbt_task(dag, "staging", namespace="dbt-staging")
            """,
    })
    tasks = {t["task_id"]: t for t in model["airflow"]["tasks"]}
    assert set(tasks) == {"marts_check", "marts_run", "staging_check", "staging_run"}
    assert {t["dag_id"] for t in tasks.values()} == {"dbt_models"}
    assert [(c["conn_id"], c["source"]) for c in tasks["marts_check"]["connections"]] == \
        [("gcp_dbt", "default_args")]
    assert tasks["staging_run"]["arguments"]["namespace"]["value"] == "dbt-staging"
    assert tasks["marts_run"]["arguments"]["namespace"]["value"] == "dbt"
    assert tasks["marts_run"]["runs_in"] == "pod"


def test_factories_calling_factories_and_with_a_factory_dag(tmp_path):
    model, _, _ = _model(tmp_path, {
        "common/tasks.py": """
            from airflow.providers.amazon.aws.operators.athena import AthenaOperator

            def athena_step(name, conn):
                return AthenaOperator(task_id=name, query="select 1", database="db", output_location="s3://o/",
                                      aws_conn_id=conn)
            """,
        "common/dags.py": """
            from airflow import DAG
            from common.tasks import athena_step

            def standard_dag(dag_id):
                return DAG(dag_id, default_args={"owner": "team"})

            def athena_chain(names, conn="aws_athena"):
                for name in names:
                    athena_step(name, conn)
                athena_step("final", conn)
            """,
        "dags/report.py": """
            # airflow DAG
            from common.dags import standard_dag, athena_chain

            with standard_dag("daily_report") as dag:
                athena_chain(["a", "b"], conn="aws_reports")
            """,
    })
    tasks = {t["task_id"]: t for t in model["airflow"]["tasks"]}
    assert "final" in tasks
    assert tasks["final"]["dag_id"] == "daily_report"
    assert tasks["final"]["path"] == "common/tasks.py"
    assert tasks["final"]["called_from"]["path"] == "dags/report.py"
    assert [(c["conn_id"], c["source"]) for c in tasks["final"]["connections"]] == [("aws_reports", "explicit")]


def test_a_factory_that_cannot_be_followed_leaves_the_dag_file_reported_with_a_reason(tmp_path):
    model, _, _ = _model(tmp_path, {
        "lib/recurse.py": """
            from airflow import DAG

            def build_dag(dag_id, depth=0):
                return build_dag(dag_id, depth + 1)
            """,
        "dags/recursive_dag.py": """
            # airflow DAG
            from lib.recurse import build_dag

            DAG = build_dag("recursive")
            """,
    })
    assert not model["airflow"]["tasks"]
    reported = {u["path"]: u["reason"] for u in unanalysed_dag_files(model, [], tmp_path)}
    assert "dags/recursive_dag.py" in reported
    assert "factory lib.recurse.build_dag not followed" in reported["dags/recursive_dag.py"]


def test_the_work_is_bounded_on_hostile_factories(tmp_path):
    body = "\n".join(f"    step{i}(dag)" for i in range(60))
    helpers = "\n".join(
        f"def step{i}(dag):\n" + "\n".join(f"    step{i + 1}(dag)" for _ in range(20)) + "\n"
        + "    BashOperator(task_id='t', bash_command='true', dag=dag)\n" for i in range(60))
    model, _, _ = _model(tmp_path, {
        "lib/bomb.py": "from airflow.operators.bash import BashOperator\n\n" + helpers +
                       f"\ndef bomb(dag):\n{body}\n",
        "dags/bomb_dag.py": """
            from airflow import DAG
            from lib.bomb import bomb

            with DAG("bomb") as dag:
                bomb(dag)
            """,
    })
    from airtf_lint.airflow.factories import MAX_TOTAL_TASKS
    assert len(model["airflow"]["tasks"]) <= MAX_TOTAL_TASKS
    calls = model["airflow"]["factory_calls"]
    assert calls and calls[0]["reason"]


def test_function_facts_are_plain_picklable_facts_of_their_own_file(tmp_path):
    _, facts, _ = _model(tmp_path, WHOLE_DAG_FACTORY)
    builder = next(f for f in facts if f.source.path == "dags/pipelines/builder.py")
    caller = next(f for f in facts if f.source.path == "dags/sync_dag.py")
    assert [f.name for f in builder.dag.functions] == ["make_sync_dag"]
    assert all(f.location.path == "dags/pipelines/builder.py" for f in builder.dag.functions)
    assert [c.function for c in caller.dag.factory_calls] == ["pipelines.builder.make_sync_dag"]
    assert pickle.loads(pickle.dumps(builder)).dag.functions[0].source == builder.dag.functions[0].source
