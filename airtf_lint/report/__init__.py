"""The report stage: a plain registry of output formats, each a function that writes a run's result to a stream."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TextIO

from airtf_lint import __version__
from airtf_lint.pipeline import RunResult
from airtf_lint.rulepack import SEVERITIES

Writer = Callable[[RunResult, TextIO, bool], None]


def summary(result: RunResult) -> dict[str, Any]:
    counts = Counter(f.severity for f in result.findings)
    return {
        "files": result.files,
        "findings": len(result.findings),
        "by_severity": {s: counts[s] for s in reversed(SEVERITIES) if counts[s]},
        "errors": len(result.errors),
        **({"fixed": result.fixed} if result.fixed is not None else {}),
    }


def tool() -> dict[str, str]:
    return {"name": "airtf-lint", "version": __version__}


def writers() -> dict[str, Writer]:
    from airtf_lint.report.github import write_github
    from airtf_lint.report.json_report import write_json
    from airtf_lint.report.junit import write_junit
    from airtf_lint.report.markdown import write_markdown
    from airtf_lint.report.sarif import write_sarif
    from airtf_lint.report.text import write_concise, write_text

    return {"text": write_text, "concise": write_concise, "json": write_json, "sarif": write_sarif,
            "junit": write_junit, "github": write_github, "markdown": write_markdown}


FORMATS = ("text", "concise", "json", "sarif", "junit", "github", "markdown")
