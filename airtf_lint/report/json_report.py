"""`--format json`: the stable machine contract (see docs/output.md). Keys and their order are part of it."""

from __future__ import annotations

import json
from typing import TextIO

from airtf_lint.pipeline import RunResult
from airtf_lint.report import summary, tool

FORMAT_VERSION = 1


def write_json(result: RunResult, stream: TextIO, color: bool = False) -> None:
    document = {
        "version": FORMAT_VERSION,
        "tool": tool(),
        "findings": [f.to_dict() for f in result.findings],
        "errors": [e.to_dict() for e in result.errors],
        "notes": [n.to_dict() for n in result.notes],
        "summary": summary(result),
    }
    json.dump(document, stream, indent=2)
    stream.write("\n")
