"""`--format text` (the default): findings grouped by file, with the flagged source line and the fix, like ruff."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from airtf_lint.pipeline import RunResult
from airtf_lint.report import summary

_RESET = "\033[0m"
_STYLES = {"bold": "\033[1m", "dim": "\033[2m", "red": "\033[31m", "yellow": "\033[33m", "blue": "\033[34m",
           "magenta": "\033[35m", "cyan": "\033[36m", "bold_red": "\033[1;31m"}
SEVERITY_STYLE = {"critical": "bold_red", "high": "red", "medium": "yellow", "low": "blue", "info": "dim"}
MAX_SOURCE_WIDTH = 160


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.enabled else text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def write_text(result: RunResult, stream: TextIO, color: bool = False) -> None:
    paint = _Paint(color)
    for path, group in groupby(result.findings, key=lambda f: f.path):
        stream.write(paint("bold", path) + "\n")
        for f in group:
            where = paint("dim", f"{f.line}:{f.column}".rjust(7))
            severity = paint(SEVERITY_STYLE[f.severity], f.severity.ljust(8))
            stream.write(f"{where}  {paint('bold', f.rule_id)}  {severity} {f.message}\n")
            # fitted to the width around the finding's column (a long line is cut there, with a note)
            shown = result.lines.shown_line(f.path, f.line, f.column, MAX_SOURCE_WIDTH).rstrip()
            if shown:
                stream.write(f"{'':9}{paint('blue', '|')} {shown}\n")
            for path, line, why in f.caused_by:
                stream.write(f"{'':9}{paint('cyan', '= caused by:')} {path}:{line} ({why})\n")
            stream.write(f"{'':9}{paint('cyan', '= fix:')} {f.remediation}\n")
        stream.write("\n")
    for e in result.errors:
        where = f"{e.path}:{e.line}" if e.line else e.path
        stream.write(f"{paint('bold_red', 'error')}: {paint('bold', where)}: {e.message}\n")
    for n in result.notes:
        where = f"{n.path}:{n.line}" if n.line else n.path
        stream.write(f"{paint('bold', 'note')}: {paint('dim', where)}: {n.message}\n")
    if result.errors or result.notes:
        stream.write("\n")
    stream.write(_closing_line(result, paint) + "\n")


def _closing_line(result: RunResult, paint: _Paint) -> str:
    counts = summary(result)
    if not result.findings:
        text = f"No findings in {_plural(result.files, 'file')}."
    else:
        parts = ", ".join(f"{n} {s}" for s, n in counts["by_severity"].items())
        text = f"Found {_plural(len(result.findings), 'finding')} ({parts}) in {_plural(result.files, 'file')}."
    if result.errors:
        text += f" {_plural(len(result.errors), 'error')}: some files could not be analysed."
    if result.fixed is not None:
        text = text.replace("No findings", "No new findings", 1) if not result.findings else \
            text.replace(" finding", " new finding", 1)
        text += f" {_plural(result.fixed, 'finding')} fixed by this change."
    hidden = []
    if result.suppressed:
        hidden.append(f"{result.suppressed} suppressed inline")
    if result.baselined:
        hidden.append(f"{result.baselined} in the baseline")
    if hidden:
        text += f" ({', '.join(hidden)})"
    return paint("bold", text)


def write_concise(result: RunResult, stream: TextIO, color: bool = False) -> None:
    """`--format concise`: one line per finding, `path:line:col: ID severity message`, as ruff's concise output;
    editors and terminals turn the position into a link. The pre-commit hook prints this."""
    paint = _Paint(color)
    for f in result.findings:
        severity = paint(SEVERITY_STYLE[f.severity], f.severity)
        # --diff: what the change did that caused it, on the same line so that each finding stays one line
        cause = "".join(f" (caused by {path}:{line}: {why})" for path, line, why in f.caused_by[:1])
        stream.write(f"{paint('bold', f'{f.path}:{f.line}:{f.column}:')} {paint('bold', f.rule_id)} {severity} "
                     f"{' '.join(f.message.split())}{paint('dim', cause)}\n")
    for e in result.errors:
        stream.write(f"{e.path}:{e.line or 1}:{getattr(e, 'column', None) or 1}: error {e.message}\n")
    for n in result.notes:
        stream.write(f"{n.path}:{n.line or 1}:1: note {n.message}\n")
    stream.write(_closing_line(result, paint) + "\n")
