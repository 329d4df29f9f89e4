"""Airflow DAG files, read with Python's own parser: the code is never imported or run."""

from __future__ import annotations

import ast

from pathlib import Path

from airtf_lint.airflow.dag_analysis import analyse_dag, collect_classes
from airtf_lint.facts import DagFileFacts
from airtf_lint.parsers.text import UnreadableFile

from airtf_lint.sniff import DAG_MARKERS, looks_like_dag  # noqa: F401 - recognised in discovery, kept importable here


def scanned_root(path: str, absolute: Path | None) -> Path | None:
    """The folder the scan's relative paths start from (the working directory), else the file's own folder: a DAG
    may read sibling config files only inside it."""
    if absolute is None:
        return None
    shown = Path(path)
    if shown.is_absolute() or ".." in shown.parts:
        return absolute.parent
    root = absolute
    for _ in shown.parts:
        root = root.parent
    return root


def parse_dag(text: str, path: str, absolute: Path | None = None) -> DagFileFacts:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise UnreadableFile(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise UnreadableFile(f"cannot parse Python: {exc}") from None
    return analyse_dag(tree, text, path, absolute, scanned_root(path, absolute))


def parse_python_module(text: str, path: str) -> DagFileFacts | None:
    """A Python module that is not a DAG: the classes it defines, so that a DAG elsewhere can use them as operators,
    and its module-level functions, which a DAG elsewhere may call as factories. A module Python cannot parse is no
    error here (it is not a DAG); it simply defines nothing."""
    if "class " not in text and "def " not in text:
        return None
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError):
        return None
    facts = collect_classes(tree, text, path)
    return facts if facts.operator_classes or facts.functions else None
