"""Airflow analysis: connections, DAGs and tasks, identities."""
