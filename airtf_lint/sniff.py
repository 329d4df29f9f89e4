"""Recognising a file by its first bytes, for discovery: which JSON is a plan, which Python a DAG, which YAML holds
Airflow connections. Kept apart from the parsers, which are heavy to import, so that discovery starts at once."""

from __future__ import annotations

import re

DAG_MARKERS = ("DAG(", "@dag", "dag(")
_OPERATOR_CLASS = re.compile(r"^class\s+\w+\s*\([^)]*(?:Operator|Sensor)\b", re.M)
ENV_PREFIX = "AIRFLOW_CONN_"
PLAN_KEYS = ("planned_values", "resource_changes", "prior_state", "configuration")


def looks_like_dag(text: str) -> bool:
    """A DAG file, or a module of the repository's own operators (which DAGs elsewhere instantiate)."""
    return "airflow" in text and (any(marker in text for marker in DAG_MARKERS) or bool(_OPERATOR_CLASS.search(text)))


def looks_like_connections(head: str, suffix: str) -> bool:
    if suffix == ".env":
        return ENV_PREFIX in head
    return "conn_type" in head or ENV_PREFIX in head or ("serviceAccount:" in head and "workers:" in head)


CLI_CONNECTIONS = re.compile(r"\bairflow\s+connections\s+(?:add\b|-a\b|--add\b)")


def is_shell_like(name: str) -> bool:
    """A file whose commands may create connections with the Airflow CLI: a shell script, an entrypoint, a
    Dockerfile (its RUN lines)."""
    name = name.lower()
    return (name.endswith((".sh", ".bash", ".dockerfile")) or name.startswith(("entrypoint", "dockerfile."))
            or name == "dockerfile")


def looks_like_cli_connections(head: str) -> bool:
    """`airflow connections add ...` (Airflow 2) or `airflow connections -a ...` (Airflow 1)."""
    return "airflow" in head and bool(CLI_CONNECTIONS.search(head))


def looks_like_plan(head: str) -> bool:
    return '"format_version"' in head and ('"terraform_version"' in head or any(f'"{k}"' in head for k in PLAN_KEYS))
