"""The monorepo benchmark of the diff-aware and incremental issue. Not a test: run it by hand and copy the table into
docs/performance.md.

    python benchmarks/monorepo.py                 # 50 teams (1,050 files)
    python benchmarks/monorepo.py --teams 200     # 4,200 files
    python benchmarks/monorepo.py --keep /tmp/mono  # keep the generated repository there

It generates a git repository of TEAMS teams, each one Terraform root (an S3 backend, an IAM role with an inline and
a managed policy, buckets, a Secrets Manager connection, GCP bindings) and 20 DAGs using AWS and GCP connections,
pod operators and BashOperator, then times through the installed CLI, each run in a fresh process, reporting wall
time, user+sys CPU (the machines are shared: wall time alone misleads) and peak RSS:

- start-up: `--help` and an empty folder;
- a cold full run (empty fact cache), a warm full run, a run after touching one file;
- a one-file commit through the hook's command (`--diff HEAD --staged`), cache warm: a DAG edit, and a policy edit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEAM_TF = '''terraform {{
  backend "s3" {{
    bucket       = "acme-terraform-state"
    key          = "teams/{team}/terraform.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}

provider "google" {{
  project = "acme-{team}"
}}

resource "aws_iam_role" "etl" {{
  name               = "{team}-etl"
  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "airflow.amazonaws.com" }} }}] }})
}}

resource "aws_iam_role_policy" "etl" {{
  role = aws_iam_role.etl.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
      Resource = ["arn:aws:s3:::acme-{team}-raw", "arn:aws:s3:::acme-{team}-raw/*", "arn:aws:s3:::acme-{team}-curated/*"]
    }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "read" {{
  role       = aws_iam_role.etl.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}}

resource "aws_s3_bucket" "raw" {{
  bucket = "acme-{team}-raw"
}}

resource "aws_s3_bucket" "curated" {{
  bucket = "acme-{team}-curated"
}}

resource "aws_secretsmanager_secret" "conn" {{
  name = "airflow/connections/{team}_aws"
}}

resource "aws_secretsmanager_secret_version" "conn" {{
  secret_id     = aws_secretsmanager_secret.conn.id
  secret_string = jsonencode({{ conn_type = "aws", extra = {{ role_arn = aws_iam_role.etl.arn }} }})
}}

resource "google_service_account" "etl" {{
  account_id = "{team}-etl"
}}

resource "google_project_iam_member" "bq" {{
  project = "acme-{team}"
  role    = "roles/bigquery.dataEditor"
  member  = "serviceAccount:${{google_service_account.etl.email}}"
}}
'''

DAG_KINDS = [
    '''from airflow import DAG
from airflow.providers.amazon.aws.operators.s3 import S3CopyObjectOperator

with DAG("{team}_copy_{n}", default_args={{"aws_conn_id": "{team}_aws"}}) as dag:
    S3CopyObjectOperator(task_id="copy", source_bucket_name="acme-{team}-raw", source_bucket_key="k{n}.csv",
                         dest_bucket_name="acme-{team}-curated", dest_bucket_key="k{n}.csv")
''',
    '''from airflow import DAG
from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator

with DAG("{team}_bq_{n}") as dag:
    BigQueryInsertJobOperator(task_id="load", gcp_conn_id="{team}_gcp",
                              configuration={{"query": {{"query": "SELECT {n}", "useLegacySql": False}}}})
''',
    '''from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

with DAG("{team}_pod_{n}") as dag:
    KubernetesPodOperator(task_id="transform", name="t{n}", namespace="{team}", image="acme/transform:1",
                          service_account_name="{team}-runner")
''',
    '''from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("{team}_bash_{n}") as dag:
    BashOperator(task_id="report", bash_command="python /opt/report.py --day {{{{ ds }}}} --n {n}")
''',
]


def generate(root: Path, teams: int) -> int:
    files = 0
    for t in range(teams):
        team = f"team{t:03d}"
        infra = root / "teams" / team / "infra"
        dags = root / "teams" / team / "dags"
        infra.mkdir(parents=True)
        dags.mkdir(parents=True)
        (infra / "main.tf").write_text(TEAM_TF.format(team=team))
        files += 1
        for n in range(20):
            (dags / f"dag_{n:02d}.py").write_text(DAG_KINDS[n % len(DAG_KINDS)].format(team=team, n=n))
            files += 1
    (root / ".airtf-lint.yaml").write_text("connections:\n" + "".join(
        f"  - conn_id: team{t:03d}_gcp\n    conn_type: google_cloud_platform\n" for t in range(teams)))
    return files


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
                        "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"})


def measure(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, int]:
    """(wall s, user+sys CPU s of the process and its workers, peak RSS MiB, exit code) of one run."""
    exe = shutil.which("airtf-lint") or str(Path(sys.executable).parent / "airtf-lint")
    start = time.perf_counter()
    process = subprocess.Popen([exe, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def best(repeats: int, args: list[str], cwd: Path, env: dict[str, str], before=None) -> tuple[float, float, int]:
    runs = []
    for _ in range(repeats):
        if before is not None:
            before()
        runs.append(measure(args, cwd, env))
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), max(r[2] for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the repository here and keep it")
    options = parser.parse_args()
    root = options.keep or Path(tempfile.mkdtemp(prefix="airtf-monorepo-"))
    if root.exists() and any(root.iterdir()):
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    files = generate(root, options.teams)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    cache = Path(tempfile.mkdtemp(prefix="airtf-cache-"))
    # Byte-code is written and reused as in any installed copy (some sandboxes set PYTHONDONTWRITEBYTECODE).
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
           "AIRTF_LINT_CACHE_DIR": str(cache), "CI": "true"}
    empty = Path(tempfile.mkdtemp(prefix="airtf-empty-"))
    measure(["--no-cache", "."], root, env)  # compiles the byte-code once
    rows: list[tuple[str, tuple[float, float, int]]] = []
    r = options.repeats
    rows.append(("start-up: --help", best(r, ["--help"], empty, env)))
    rows.append(("start-up: an empty folder", best(r, ["."], empty, env)))
    rows.append(("full run, no cache (--no-cache)", best(r, ["--no-cache", "."], root, env)))

    def clear() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    rows.append(("full run, cache cold", best(r, ["."], root, env, clear)))
    best(1, ["."], root, env)  # warm it
    rows.append(("full run, cache warm", best(r, ["."], root, env)))
    dag = root / "teams/team000/dags/dag_03.py"

    def touch() -> None:
        dag.write_text(dag.read_text() + "# touched\n")

    rows.append(("full run after touching one DAG", best(r, ["."], root, env, touch)))
    git(root, "checkout", "--", ".")
    best(1, ["--diff", "HEAD", "--staged"], root, env)  # both trees cached

    def stage_dag() -> None:
        dag.write_text(dag.read_text() + "# reviewed\n")
        git(root, "add", "-A")

    rows.append(("hook, one DAG file staged (--diff HEAD --staged)",
                 best(r, ["--diff", "HEAD", "--staged"], root, env, stage_dag)))
    git(root, "reset", "-q", "--hard")
    policy = root / "teams/team001/infra/main.tf"

    def stage_policy() -> None:
        policy.write_text(policy.read_text().replace('"s3:GetObject", ', "", 1))
        git(root, "add", "-A")

    rows.append(("hook, one policy edit staged", best(r, ["--diff", "HEAD", "--staged"], root, env, stage_policy)))
    git(root, "reset", "-q", "--hard")
    print(f"monorepo: {options.teams} teams, {files} files; median of {r} runs; CPU = user+sys of the process and "
          f"its workers; {os.cpu_count()} cores\n")
    print("| scenario | wall | CPU | peak RSS |")
    print("|---|---:|---:|---:|")
    for name, (wall, cpu, rss) in rows:
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {rss} MiB |")
    if options.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
