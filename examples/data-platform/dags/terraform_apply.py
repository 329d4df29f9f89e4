"""Applies the prod stack nightly: the kind of DAG whose retries collide with a manual apply."""

from datetime import datetime

from airflow.decorators import dag
from airflow.operators.bash import BashOperator


@dag(dag_id="terraform_apply_prod", start_date=datetime(2026, 1, 1), schedule="@daily", catchup=False)
def terraform_apply_prod():
    BashOperator(
        task_id="apply",
        bash_command="cd /opt/infra/terraform/prod && terraform init -input=false && terraform apply -auto-approve",
        retries=3,
    )


terraform_apply_prod()
