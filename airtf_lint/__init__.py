"""airtf-lint: policy-as-code linter for Airflow DAGs and the Terraform they touch."""

__version__ = "0.1.0"
