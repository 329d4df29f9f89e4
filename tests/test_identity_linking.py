"""Principal linking on the shapes real DAG repositories use: pods without a service account, Kubernetes service
accounts bound by Terraform, impersonation chains, delegated job identities, deferrable tasks, env defaults, and
the DAG files `airtf-lint identities` could not analyse."""

from __future__ import annotations

from airtf_lint.model import build_model
from airtf_lint.pipeline import RunOptions, collect_facts
from airtf_lint.report.identities import identity_rows, unanalysed_dag_files
from tests.conftest import write

ROLE = 'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n  assume_role_policy = "{{}}"\n}}\n'
MWAA = ROLE.format(name="mwaa") + ('resource "aws_mwaa_environment" "e" {\n  name = "e"\n'
                                   '  execution_role_arn = aws_iam_role.mwaa.arn\n}\n')
KPO = "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"


def _model(root, environment=None):
    facts, errors = collect_facts(RunOptions(paths=["."], cwd=root))
    return build_model(facts, [], root, environment=environment), errors + [e for f in facts for e in f.errors]


def _tasks(root, environment=None):
    return {t["task_id"]: t for t in _model(root, environment)[0]["airflow"]["tasks"]}


def _dag(body: str, imports: str = "") -> str:
    return "from airflow import DAG\n" + imports + "with DAG(dag_id='d', schedule=None):\n" + body


def _code(task):
    return next(i for i in task["identities"] if i["conn_id"] is None and i.get("place") != "triggerer")


def test_pod_without_service_account_runs_as_the_namespace_default_not_the_mwaa_role(tmp_path):
    write(tmp_path, {"main.tf": MWAA,
                     "dags/d.py": _dag("    KubernetesPodOperator(task_id='pod', image='x', namespace='jobs')\n", KPO)})
    task = _tasks(tmp_path)["pod"]
    code = _code(task)
    assert code["reference"] == "jobs/default" and code["principal"] is None
    assert "default service account" in code["evidence"][1]["detail"]
    # The connection that reaches the cluster is the worker's business: the MWAA role.
    cluster = next(i for i in task["identities"] if i["conn_id"] == "kubernetes_default")
    assert not any(s["step"] == "pod" for s in cluster["evidence"])


def test_pod_in_another_cluster_is_said_so(tmp_path):
    write(tmp_path, {"dags/d.py": _dag("    KubernetesPodOperator(task_id='pod', image='x', namespace='jobs',"
                                       " config_file='/kube/config', in_cluster=False)\n", KPO)})
    code = _code(_tasks(tmp_path)["pod"])
    assert code["evidence"][1]["cluster"] == "other"


def test_pod_identity_association_links_the_service_account_to_its_role(tmp_path):
    write(tmp_path, {
        "main.tf": ROLE.format(name="runner") + 'resource "aws_eks_pod_identity_association" "a" {\n'
                   '  cluster_name = "c"\n  namespace = "jobs"\n  service_account = "runner"\n'
                   '  role_arn = aws_iam_role.runner.arn\n}\n',
        "dags/d.py": _dag("    KubernetesPodOperator(task_id='pod', image='x', namespace='jobs',"
                          " service_account_name='runner')\n", KPO)})
    code = _code(_tasks(tmp_path)["pod"])
    assert code["principal"] == ".:aws_iam_role.runner"
    assert any(s["step"] == "binding" and "Pod Identity" in s["detail"] for s in code["evidence"])


def test_workload_identity_binding_links_the_service_account_to_its_google_account(tmp_path):
    write(tmp_path, {
        "main.tf": 'resource "google_service_account" "etl" {\n  account_id = "etl"\n  project = "p"\n}\n'
                   'resource "google_service_account_iam_member" "wi" {\n'
                   '  service_account_id = google_service_account.etl.name\n'
                   '  role = "roles/iam.workloadIdentityUser"\n'
                   '  member = "serviceAccount:p.svc.id.goog[jobs/etl-ksa]"\n}\n',
        "dags/d.py": _dag("    KubernetesPodOperator(task_id='pod', image='x', namespace='jobs',"
                          " service_account_name='etl-ksa')\n", KPO)})
    code = _code(_tasks(tmp_path)["pod"])
    assert code["principal"] == ".:google_service_account.etl"


def test_irsa_trust_policy_links_a_service_account_no_terraform_resource_creates(tmp_path):
    role = ('resource "aws_iam_role" "irsa" {\n  name = "irsa"\n  assume_role_policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{\n      Effect = "Allow"\n'
            '      Action = "sts:AssumeRoleWithWebIdentity"\n'
            '      Principal = { Federated = "arn:aws:iam::1:oidc-provider/oidc.eks.x/id/ABC" }\n'
            '      Condition = { StringEquals = { "oidc.eks.x/id/ABC:sub" = "system:serviceaccount:jobs:loader" } }\n'
            '    }]\n  })\n}\n')
    write(tmp_path, {"main.tf": role,
                     "dags/d.py": _dag("    KubernetesPodOperator(task_id='pod', image='x', namespace='jobs',"
                                       " service_account_name='loader')\n", KPO)})
    assert _code(_tasks(tmp_path)["pod"])["principal"] == ".:aws_iam_role.irsa"


GCS = "from airflow.providers.google.cloud.operators.gcs import GCSListObjectsOperator\n"
SA = 'resource "google_service_account" "op" {\n  account_id = "op"\n  project = "p"\n}\n'


def test_impersonation_chain_decides_even_without_a_connection_definition(tmp_path):
    write(tmp_path, {"main.tf": SA,
                     "dags/d.py": _dag("    GCSListObjectsOperator(task_id='ls', bucket='b', impersonation_chain="
                                       "['hop@p.iam.gserviceaccount.com', 'op@p.iam.gserviceaccount.com'])\n", GCS)})
    [identity] = _tasks(tmp_path)["ls"]["identities"]
    assert (identity["resolution"], identity["principal"]) == ("impersonation", ".:google_service_account.op")
    assert identity["connection_defined"] is False


def test_empty_impersonation_chain_from_getenv_defers_to_the_connection(tmp_path):
    write(tmp_path, {"main.tf": SA,
                     "dags/d.py": "import os\n" + _dag("    GCSListObjectsOperator(task_id='ls', bucket='b',"
                                                       " impersonation_chain=os.getenv('CHAIN', ''))\n", GCS)})
    [identity] = _tasks(tmp_path)["ls"]["identities"]
    assert identity["resolution"] != "impersonation"


def test_delegated_emr_execution_role_is_the_jobs_identity_with_pass_role(tmp_path):
    write(tmp_path, {"main.tf": ROLE.format(name="emr-job"),
                     "dags/d.py": _dag("    EmrServerlessStartJobOperator(task_id='job', application_id='a',"
                                       " execution_role_arn='arn:aws:iam::1:role/emr-job', job_driver={})\n",
                                       "from airflow.providers.amazon.aws.operators.emr import "
                                       "EmrServerlessStartJobOperator\n")})
    task = _tasks(tmp_path)["job"]
    [delegated] = task["job_identities"]
    assert (delegated["resolution"], delegated["principal"]) == ("delegated", ".:aws_iam_role.emr-job")
    assert delegated["requires"] == {"cloud": "aws", "permission": "iam:PassRole", "resource": ".:aws_iam_role.emr-job"}
    # Not one of the task's own identities: the task's needs are not the job's.
    assert all(i["principal"] != ".:aws_iam_role.emr-job" for i in task["identities"])


def test_delegated_dataproc_service_account_in_a_nested_config(tmp_path):
    write(tmp_path, {"main.tf": SA,
                     "dags/d.py": _dag("    DataprocCreateBatchOperator(task_id='b', batch={'environment_config': "
                                       "{'execution_config': {'service_account': 'op@p.iam.gserviceaccount.com'}}})\n",
                                       "from airflow.providers.google.cloud.operators.dataproc import "
                                       "DataprocCreateBatchOperator\n")})
    [delegated] = _tasks(tmp_path)["b"]["job_identities"]
    assert delegated["principal"] == ".:google_service_account.op"
    assert delegated["requires"]["permission"] == "iam.serviceAccounts.actAs"


S3 = "from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor\n"


def test_deferrable_task_also_resolves_its_connection_in_the_triggerer(tmp_path):
    write(tmp_path, {"main.tf": MWAA,
                     "dags/d.py": _dag("    S3KeySensor(task_id='wait', bucket_key='s3://b/k', deferrable=True)\n", S3)})
    identities = _tasks(tmp_path)["wait"]["identities"]
    assert [i.get("place") for i in identities] == ["worker", "triggerer"]
    assert identities[1]["principal"] == ".:aws_iam_role.mwaa"


def test_env_default_connection_is_marked_overridable(tmp_path):
    write(tmp_path, {"dags/d.py": "import os\n" + _dag(
        "    S3KeySensor(task_id='wait', bucket_key='k', aws_conn_id=os.getenv('AWS_CONN', 'aws_etl'))\n", S3)})
    [identity] = _tasks(tmp_path)["wait"]["identities"]
    assert identity["conn_id"] == "aws_etl"
    assert identity["evidence"][0].get("overridable") is True and "AWS_CONN" in identity["evidence"][0]["detail"]


def test_wrong_shape_executor_config_is_ignored_with_a_note(tmp_path):
    write(tmp_path, {"main.tf": MWAA,
                     "dags/d.py": _dag("    BashOperator(task_id='sh', bash_command='true', executor_config="
                                       "{'KubernetesExecutor': {'request_memory': '1Gi'}})\n",
                                       "from airflow.operators.bash import BashOperator\n")})
    [identity] = _tasks(tmp_path)["sh"]["identities"]
    assert identity["principal"] == ".:aws_iam_role.mwaa"
    assert any(s["step"] == "executor_config" for s in identity["evidence"])


def test_identities_lists_the_dag_files_it_could_not_analyse(tmp_path):
    write(tmp_path, {"dags/broken.py": "from airflow import DAG\nwith DAG(dag_id='x' schedule=None):\n  pass\n",
                     "dags/factory.py": "from airflow import DAG\n\ndef build(name):\n    return DAG(dag_id=name)\n",
                     "dags/ok.py": _dag("    S3KeySensor(task_id='wait', bucket_key='k')\n", S3)})
    model, errors = _model(tmp_path)
    found = {f["path"]: f["reason"] for f in unanalysed_dag_files(model, errors, tmp_path)}
    assert set(found) == {"dags/broken.py", "dags/factory.py"}
    assert "syntax" in found["dags/broken.py"].lower()
    assert identity_rows(model)[0]["task"] == "d.wait"


RUNNER = ROLE.format(name="runner") + ROLE.format(name="emr-service") + '''
resource "aws_iam_role_policy" "runner" {
  role = aws_iam_role.runner.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["elasticmapreduce:RunJobFlow", "elasticmapreduce:DescribeCluster"],
                   Resource = "*" },
                 { Effect = "Allow", Action = ["iam:PassRole"], Resource = "arn:aws:iam::123456789012:role/%s" }]
  })
}
'''
EMR = "from airflow.providers.amazon.aws.operators.emr import EmrCreateJobFlowOperator\n"


def _missing_pass_role(tmp_path, passable):
    write(tmp_path, {"main.tf": RUNNER % passable, "dags/d.py": _dag(
        "    EmrCreateJobFlowOperator(task_id='cluster', aws_conn_id='aws_runner', job_flow_overrides={\n"
        "        'ServiceRole': 'arn:aws:iam::123456789012:role/emr-service'})\n", EMR)})
    facts, _ = collect_facts(RunOptions(paths=["."], cwd=tmp_path))
    connections = [{"conn_id": "aws_runner", "conn_type": "aws", "principal": "arn:aws:iam::123456789012:role/runner"}]
    model = build_model(facts, [], tmp_path, declared_connections=connections)
    task = model["airflow"]["tasks"][0]
    assert task["job_identities"][0]["requires"]["permission"] == "iam:PassRole"
    rows = [r for r in task["needs"]["aws"] if "iam:PassRole" in r["actions"]]
    # the job's role replaces the catalogue's "PassRole on some role"
    assert [r["resource"] for r in rows] == ["arn:aws:iam::123456789012:role/emr-service"]
    identity = next(i for i in model["privilege"]["identities"] if i["principal"].endswith("aws_iam_role.runner"))
    return [m for m in identity["missing"] if m["action"] == "iam:PassRole"]


def test_a_delegated_role_the_runner_cannot_pass_is_a_missing_grant(tmp_path):
    missing = _missing_pass_role(tmp_path, "other")
    assert [m["resource"] for m in missing] == ["arn:aws:iam::123456789012:role/emr-service"]


def test_a_delegated_role_the_runner_may_pass_is_not_missing(tmp_path):
    assert _missing_pass_role(tmp_path, "emr-service") == []


def test_helm_workers_named_by_templatefile_and_bound_by_a_remote_pod_identity_module(tmp_path):
    write(tmp_path, {
        "infra/helm-values/airflow.yaml": "workers:\n  serviceAccount:\n    name: ${worker_sa}\n",
        "infra/airflow.tf": 'locals {\n  workers = "etl-worker"\n  values = templatefile("${path.module}/helm-values/'
                            'airflow.yaml", { worker_sa = local.workers })\n}\n'
                            'module "worker_identity" {\n  source = "terraform-aws-modules/eks-pod-identity/aws"\n'
                            '  name = "etl-worker-role"\n  associations = {\n    w = { namespace = "airflow", '
                            'service_account = local.workers }\n  }\n}\n',
        "dags/d.py": _dag("    BashOperator(task_id='b', bash_command='true')\n",
                          "from airflow.operators.bash import BashOperator\n")})
    code = _code(_tasks(tmp_path)["b"])
    assert code["reference"] == "role/etl-worker-role" and code["resolution"] == "ambient"
    assert any("module.worker_identity" in step["detail"] for step in code["evidence"])


def test_connections_airflow_creates_are_not_undefined(tmp_path):
    write(tmp_path, {"dags/d.py": _dag("    EmrCreateJobFlowOperator(task_id='c', emr_conn_id='emr_default')\n", EMR)})
    usage = next(i for i in _tasks(tmp_path)["c"]["identities"] if i["conn_id"] == "emr_default")
    assert usage["connection_defined"] is False and usage["airflow_default_connection"] is True
