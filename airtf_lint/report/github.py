"""`--format github`: GitHub Actions workflow commands, one annotation per finding and per error."""

from __future__ import annotations

from typing import TextIO

from airtf_lint.pipeline import RunResult

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(result: RunResult, stream: TextIO, color: bool = False) -> None:
    for f in result.findings:
        props = (f"file={_property(f.path)},line={f.line},col={f.column},endLine={f.end_line},"
                 f"endColumn={f.end_column},title={_property(f'{f.rule_id} ({f.severity})')}")
        stream.write(f"::{LEVELS[f.severity]} {props}::{_data(f.message + chr(10) + 'Fix: ' + f.remediation)}\n")
    for e in result.errors:
        where = f"file={_property(e.path)}" + (f",line={e.line}" if e.line else "")
        stream.write(f"::error {where},title=airtf-lint could not analyse this file::{_data(e.message)}\n")
    for n in result.notes:
        where = f"file={_property(n.path)}" + (f",line={n.line}" if n.line else "")
        stream.write(f"::notice {where},title=airtf-lint left this out::{_data(n.message)}\n")
