"""`--statistics`: the number of findings per rule instead of the findings, most frequent first (as ruff's)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from airtf_lint.pipeline import RunResult


def statistics(result: RunResult) -> list[dict[str, Any]]:
    counts = Counter(f.rule_id for f in result.findings)
    severities: dict[str, set[str]] = {}
    for f in result.findings:
        severities.setdefault(f.rule_id, set()).add(f.severity)
    titles = {r.id: r.title for r in result.rules}
    from airtf_lint.findings import SEVERITY_RANK

    return [{"rule_id": rule_id, "count": count,
             "severities": sorted(severities[rule_id], key=SEVERITY_RANK.__getitem__, reverse=True),
             "title": titles.get(rule_id, "")}
            for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def write_statistics(result: RunResult, stream: TextIO, output_format: str = "text") -> None:
    rows = statistics(result)
    if output_format == "json":
        json.dump(rows, stream, indent=2)
        stream.write("\n")
        return
    width = max((len(r["rule_id"]) for r in rows), default=2)
    count_width = max((len(str(r["count"])) for r in rows), default=1)
    for r in rows:
        stream.write(f"{str(r['count']).rjust(count_width)}  {r['rule_id'].ljust(width)}  "
                     f"{'/'.join(r['severities']).ljust(15)}  {r['title']}\n")
    if result.errors:
        stream.write(f"{len(result.errors)} file(s) could not be analysed\n")


def statistics_writer(output_format: str):
    def writer(result: RunResult, stream: TextIO, color: bool = False) -> None:
        write_statistics(result, stream, output_format)

    return writer
