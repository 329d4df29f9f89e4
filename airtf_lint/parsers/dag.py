"""Airflow DAG files, read with Python's own parser: the code is never imported or run."""

from __future__ import annotations

import ast
import re

from airtf_lint.airflow.dag_analysis import analyse_dag
from airtf_lint.facts import DagFileFacts
from airtf_lint.parsers.text import UnreadableFile

DAG_MARKERS = ("DAG(", "@dag", "dag(")


_OPERATOR_CLASS = re.compile(r"^class\s+\w+\s*\([^)]*(?:Operator|Sensor)\b", re.M)


def looks_like_dag(text: str) -> bool:
    """A DAG file, or a module of the repository's own operators (which DAGs elsewhere instantiate)."""
    return "airflow" in text and (any(marker in text for marker in DAG_MARKERS) or bool(_OPERATOR_CLASS.search(text)))


def parse_dag(text: str, path: str) -> DagFileFacts:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise UnreadableFile(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise UnreadableFile(f"cannot parse Python: {exc}") from None
    return analyse_dag(tree, text, path)
