"""`--format junit`: JUnit XML for GitLab and Jenkins. One test suite per rule (a failing test case per finding,
one passing case when the rule found nothing) and one suite for files that could not be analysed.

`time` (seconds): the whole run on `<testsuites>`; every rule is evaluated in one query, so a rule has no time of
its own: each suite and case carries the run's time shared evenly between the suites."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from airtf_lint.pipeline import RunResult


def write_junit(result: RunResult, stream: TextIO, color: bool = False) -> None:
    root = ET.Element("testsuites", name="airtf-lint")
    total = failures = 0
    elapsed = float(getattr(result, "elapsed", 0.0) or 0.0)
    share = elapsed / max(len(result.rules) + bool(result.errors), 1)
    seconds = lambda value: f"{value:.3f}"  # noqa: E731
    for rule in sorted(result.rules, key=lambda r: r.id):
        mine = [f for f in result.findings if f.rule_id == rule.id]
        suite = ET.SubElement(root, "testsuite", name=f"{rule.id} {rule.title}", tests=str(max(len(mine), 1)),
                              failures=str(len(mine)), errors="0", skipped="0", time=seconds(share))
        if not mine:
            ET.SubElement(suite, "testcase", classname=rule.id, name="no findings", time=seconds(share))
        for f in mine:
            case = ET.SubElement(suite, "testcase", classname=rule.id, name=f"{f.path}:{f.line}", file=f.path,
                                 line=str(f.line), time=seconds(share / len(mine)))
            failure = ET.SubElement(case, "failure", message=f.message, type=f.severity)
            failure.text = (f"{f.path}:{f.line}:{f.column}: {f.rule_id} [{f.severity}] {f.message}\n"
                            f"Fix: {f.remediation}")
        total += max(len(mine), 1)
        failures += len(mine)
    if result.errors:
        suite = ET.SubElement(root, "testsuite", name="files that could not be analysed",
                              tests=str(len(result.errors)), failures="0", errors=str(len(result.errors)), skipped="0",
                              time=seconds(share))
        for e in result.errors:
            case = ET.SubElement(suite, "testcase", classname="airtf-lint.errors",
                                 name=f"{e.path}:{e.line}" if e.line else e.path, file=e.path,
                                 time=seconds(share / len(result.errors)))
            ET.SubElement(case, "error", message=e.message, type="parse-error").text = e.message
    root.set("tests", str(total + len(result.errors)))
    root.set("failures", str(failures))
    root.set("errors", str(len(result.errors)))
    root.set("time", seconds(elapsed))
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
