"""Weekly reporting: one task uses a static-key connection, one a connection nobody defined."""

from datetime import datetime

from airflow.providers.amazon.aws.operators.s3 import S3ListOperator
from airflow.sdk import DAG

with DAG(dag_id="reporting", start_date=datetime(2026, 1, 1), schedule="@weekly"):
    S3ListOperator(task_id="list_reports", aws_conn_id="aws_reporting", bucket="reports")
    S3ListOperator(task_id="list_archive", aws_conn_id="aws_archive", bucket="archive")
