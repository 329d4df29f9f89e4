"""Identity resolution: task -> connection -> principal, or the ambient identity of where the code runs."""

from __future__ import annotations

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from tests.conftest import write

ROLE = 'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n  assume_role_policy = "{{}}"\n}}\n'


def _identities(root, environment=None, declared=()):
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=root))
    model = build_model(facts, [], root, declared_connections=declared, environment=environment)
    return {t["task_id"]: t["identities"] for t in model["airflow"]["tasks"]}


def _dag(body: str, imports: str = "") -> str:
    return ("from airflow import DAG\n"
            "from airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n" + imports +
            "with DAG(dag_id='d', schedule=None):\n" + body)


def test_role_arn_in_the_connection_names_the_terraform_role(tmp_path):
    write(tmp_path, {"main.tf": ROLE.format(name="etl"),
                     "conns.yaml": "aws_etl:\n  conn_type: aws\n  extra:\n    role_arn: arn:aws:iam::1:role/etl\n",
                     "dags/d.py": _dag("    S3ListOperator(task_id='ls', aws_conn_id='aws_etl', bucket='b')\n")})
    [identity] = _identities(tmp_path)["ls"]
    assert (identity["resolution"], identity["principal"]) == ("connection", ".:aws_iam_role.etl")
    assert [s["step"] for s in identity["evidence"]] == ["task", "connection", "principal"]


def test_connection_without_role_falls_back_to_the_mwaa_execution_role(tmp_path):
    write(tmp_path, {"main.tf": ROLE.format(name="mwaa") + 'resource "aws_mwaa_environment" "e" {\n'
                                '  name = "e"\n  execution_role_arn = aws_iam_role.mwaa.arn\n}\n',
                     "conns.yaml": "aws_plain:\n  conn_type: aws\n  extra:\n    region_name: eu-west-1\n",
                     "dags/d.py": _dag("    S3ListOperator(task_id='ls', aws_conn_id='aws_plain', bucket='b')\n")})
    [identity] = _identities(tmp_path)["ls"]
    assert (identity["resolution"], identity["principal"]) == ("ambient", ".:aws_iam_role.mwaa")
    assert identity["evidence"][-1]["step"] == "mwaa"


def test_pod_runs_as_its_service_account_and_the_irsa_role_bound_to_it(tmp_path):
    write(tmp_path, {
        "main.tf": ROLE.format(name="pod-role") + 'resource "kubernetes_service_account" "sa" {\n  metadata {\n'
                   '    name = "runner"\n    namespace = "jobs"\n    annotations = {\n'
                   '      "eks.amazonaws.com/role-arn" = aws_iam_role.pod-role.arn\n    }\n  }\n}\n',
        "dags/d.py": _dag("    KubernetesPodOperator(task_id='pod', image='x', namespace='jobs',"
                          " service_account_name='runner')\n",
                          "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n")})
    identities = _identities(tmp_path)["pod"]
    pod = [i for i in identities if i["conn_id"] is None]
    assert pod and pod[0]["principal"] == ".:aws_iam_role.pod-role"
    assert [s["step"] for s in pod[0]["evidence"]][:3] == ["task", "pod", "principal"]


def test_operator_impersonation_chain_wins_over_the_connections(tmp_path):
    write(tmp_path, {
        "main.tf": 'resource "google_service_account" "a" {\n  account_id = "op"\n  project = "p"\n}\n'
                   'resource "google_service_account" "b" {\n  account_id = "conn"\n  project = "p"\n}\n',
        "conns.yaml": "gcp:\n  conn_type: google_cloud_platform\n  extra:\n"
                      "    impersonation_chain: conn@p.iam.gserviceaccount.com\n",
        "dags/d.py": _dag("    GCSListObjectsOperator(task_id='ls', gcp_conn_id='gcp', bucket='b',"
                          " impersonation_chain='op@p.iam.gserviceaccount.com')\n",
                          "from airflow.providers.google.cloud.operators.gcs import GCSListObjectsOperator\n")})
    [identity] = _identities(tmp_path)["ls"]
    assert identity["principal"] == ".:google_service_account.a"


def test_configured_environment_gives_the_worker_identity(tmp_path):
    write(tmp_path, {"main.tf": ROLE.format(name="workers"),
                     "dags/d.py": "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n"
                                  "with DAG(dag_id='d', schedule=None):\n"
                                  "    BashOperator(task_id='sh', bash_command='aws s3 ls')\n"})
    [identity] = _identities(tmp_path, environment={"runtime": "eks",
                                                    "identity": "arn:aws:iam::1:role/workers"})["sh"]
    assert (identity["resolution"], identity["principal"]) == ("ambient", ".:aws_iam_role.workers")


def test_dynamic_connection_id_is_unresolved(tmp_path):
    write(tmp_path, {"dags/d.py": _dag("    S3ListOperator(task_id='ls', aws_conn_id='{{ var.value.c }}',"
                                       " bucket='b')\n")})
    [identity] = _identities(tmp_path)["ls"]
    assert identity["resolution"] == "unresolved" and identity["evidence"][-1]["step"] == "dynamic"


def test_connection_declared_in_configuration_with_its_principal(tmp_path):
    write(tmp_path, {"main.tf": ROLE.format(name="vaulted"),
                     "dags/d.py": _dag("    S3ListOperator(task_id='ls', aws_conn_id='vault_aws', bucket='b')\n")})
    [identity] = _identities(tmp_path, declared=[{"conn_id": "vault_aws", "conn_type": "aws",
                                                  "principal": "arn:aws:iam::1:role/vaulted"}])["ls"]
    assert (identity["resolution"], identity["principal"]) == ("connection", ".:aws_iam_role.vaulted")


def test_kubernetes_executor_pod_override_changes_the_tasks_service_account(tmp_path):
    write(tmp_path, {
        "main.tf": ROLE.format(name="etl-pod") + 'resource "kubernetes_service_account" "sa" {\n  metadata {\n'
                   '    name = "etl-runner"\n    namespace = "airflow"\n    annotations = {\n'
                   '      "eks.amazonaws.com/role-arn" = aws_iam_role.etl-pod.arn\n    }\n  }\n}\n',
        "dags/d.py": ("from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n"
                      "from kubernetes.client import models as k8s\n"
                      "with DAG(dag_id='d', schedule=None):\n"
                      "    BashOperator(task_id='sh', bash_command='aws s3 ls', executor_config={'pod_override':"
                      " k8s.V1Pod(spec=k8s.V1PodSpec(service_account_name='etl-runner'))})\n"),
    })
    [identity] = _identities(tmp_path, environment={"runtime": "eks",
                                                    "kubernetes_service_account": "airflow/airflow-worker"})["sh"]
    assert identity["principal"] == ".:aws_iam_role.etl-pod"


def test_helm_workers_service_account_annotation_gives_the_ambient_identity(tmp_path):
    write(tmp_path, {"main.tf": ROLE.format(name="airflow-workers"),
                     "helm/values.yaml": "workers:\n  replicas: 2\n  serviceAccount:\n    name: airflow-worker\n"
                                         "    annotations:\n"
                                         "      eks.amazonaws.com/role-arn: arn:aws:iam::1:role/airflow-workers\n",
                     "dags/d.py": "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n"
                                  "with DAG(dag_id='d', schedule=None):\n"
                                  "    BashOperator(task_id='sh', bash_command='aws s3 ls')\n"})
    [identity] = _identities(tmp_path)["sh"]
    assert (identity["resolution"], identity["principal"]) == ("ambient", ".:aws_iam_role.airflow-workers")
    assert identity["evidence"][1]["step"] == "helm" and identity["evidence"][1]["line"] == 3


def test_terraform_run_facts_never_carry_a_secret_value(tmp_path):
    import json

    from airtf_lint.airflow.terraform_runs import parse_command
    [run] = parse_command("terraform apply -var db_password=s3cr3t-value -var=api_token=t0k3n-value tfplan")
    assert run["plan_file"] == "tfplan" and run["literal_secret_vars"] == ["db_password", "api_token"]
    assert "s3cr3t-value" not in json.dumps(run) and "t0k3n-value" not in json.dumps(run)


KEYED_CONNECTION = '''resource "aws_iam_user" "etl" {
  name = "airflow-etl"
}
resource "aws_iam_access_key" "etl" {
  user = aws_iam_user.etl.name
}
resource "aws_secretsmanager_secret" "c" {
  name = "airflow/connections/aws_etl"
}
resource "aws_secretsmanager_secret_version" "c" {
  secret_id     = aws_secretsmanager_secret.c.id
  secret_string = jsonencode({ conn_type = "aws", login = aws_iam_access_key.etl.id,
                               password = aws_iam_access_key.etl.secret%s })
}
'''


def test_terraform_connection_carrying_an_access_key_runs_as_the_keys_user(tmp_path):
    write(tmp_path, {"main.tf": KEYED_CONNECTION % "",
                     "dags/d.py": _dag("    S3ListOperator(task_id='ls', aws_conn_id='aws_etl', bucket='b')\n")})
    [identity] = _identities(tmp_path)["ls"]
    assert (identity["principal"], identity["static_credentials"]) == (".:aws_iam_user.etl", True)
    assert [s["step"] for s in identity["evidence"]][-2:] == ["key", "principal"]


def test_role_arn_beside_the_key_names_the_role_not_the_keys_user(tmp_path):
    write(tmp_path, {"main.tf": KEYED_CONNECTION % ', extra = jsonencode({ role_arn = "arn:aws:iam::1:role/etl" })'
                     + ROLE.format(name="etl"),
                     "dags/d.py": _dag("    S3ListOperator(task_id='ls', aws_conn_id='aws_etl', bucket='b')\n")})
    [identity] = _identities(tmp_path)["ls"]
    assert identity["principal"] == ".:aws_iam_role.etl"


FLEETS = {"runtime": "eks", "identity": "arn:aws:iam::1:role/workers",
          "queues": {"secure": {"identity": "arn:aws:iam::1:role/secure"}},
          "executors": {"KubernetesExecutor": {"identity": "arn:aws:iam::1:role/k8s"}}}


def _fleet_dag(task_arguments: str, default_args: str = "{}") -> dict[str, str]:
    return {"main.tf": "".join(ROLE.format(name=n) for n in ("workers", "secure", "k8s")),
            "dags/d.py": "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n"
                         f"with DAG(dag_id='d', schedule=None, default_args={default_args}):\n"
                         f"    BashOperator(task_id='sh', bash_command='aws s3 ls'{task_arguments})\n"}


def test_task_on_a_configured_queue_runs_as_that_queues_workers(tmp_path):
    write(tmp_path, _fleet_dag(", queue='secure'"))
    [identity] = _identities(tmp_path, environment=FLEETS)["sh"]
    assert identity["principal"] == ".:aws_iam_role.secure"
    assert "queue" in [s["step"] for s in identity["evidence"]]


def test_queue_from_default_args_picks_the_fleet(tmp_path):
    write(tmp_path, _fleet_dag("", default_args="{'queue': 'secure'}"))
    [identity] = _identities(tmp_path, environment=FLEETS)["sh"]
    assert identity["principal"] == ".:aws_iam_role.secure"


def test_task_executor_wins_over_its_queue(tmp_path):
    write(tmp_path, _fleet_dag(", queue='secure', executor='KubernetesExecutor'"))
    [identity] = _identities(tmp_path, environment=FLEETS)["sh"]
    assert identity["principal"] == ".:aws_iam_role.k8s"


def test_unconfigured_queue_keeps_the_default_workers(tmp_path):
    write(tmp_path, _fleet_dag(", queue='other'"))
    [identity] = _identities(tmp_path, environment=FLEETS)["sh"]
    assert identity["principal"] == ".:aws_iam_role.workers"
