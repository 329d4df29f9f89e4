"""Daily ETL: copy the raw drop into the curated bucket."""

from datetime import datetime

from airflow import DAG
from airflow.providers.amazon.aws.operators.s3 import S3CopyObjectOperator

default_args = {"aws_conn_id": "aws_etl", "retries": 2}

with DAG(dag_id="etl_daily", start_date=datetime(2026, 1, 1), schedule="@daily", default_args=default_args):
    S3CopyObjectOperator(
        task_id="copy_raw",
        source_bucket_name="raw-drop",
        source_bucket_key="{{ ds }}/events.json",
        dest_bucket_name="curated",
        dest_bucket_key="{{ ds }}/events.json",
    )
