"""Airflow DAG files, read with Python's own parser: the code is never imported or run."""

from __future__ import annotations

import ast

from airtf_lint.facts import DagFacts
from airtf_lint.parsers.text import UnreadableFile

DAG_MARKERS = ("DAG(", "@dag", "dag(")


def looks_like_dag(text: str) -> bool:
    return "airflow" in text and any(marker in text for marker in DAG_MARKERS)


def parse_dag(text: str, path: str) -> DagFacts:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise UnreadableFile(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise UnreadableFile(f"cannot parse Python: {exc}") from None
    facts = DagFacts()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee_name(node.func) == "DAG":
            dag_id = _dag_id_argument(node)
            if dag_id:
                facts.dag_ids.append(dag_id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                name = _callee_name(call.func if call else decorator)
                if name == "dag":
                    facts.dag_ids.append((_dag_id_argument(call) if call else None) or node.name)
    return facts


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _dag_id_argument(call: ast.Call) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "dag_id" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
            return keyword.value.value
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None
