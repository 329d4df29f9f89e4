"""Airflow DAG files, read with Python's own parser: the code is never imported or run."""

from __future__ import annotations

import ast

from airtf_lint.airflow.dag_analysis import analyse_dag
from airtf_lint.facts import DagFileFacts
from airtf_lint.parsers.text import UnreadableFile

DAG_MARKERS = ("DAG(", "@dag", "dag(")


def looks_like_dag(text: str) -> bool:
    return "airflow" in text and any(marker in text for marker in DAG_MARKERS)


def parse_dag(text: str, path: str) -> DagFileFacts:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise UnreadableFile(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise UnreadableFile(f"cannot parse Python: {exc}") from None
    return analyse_dag(tree, text, path)
