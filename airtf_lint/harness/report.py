"""The outcome of `airtf-lint test` as text (like `opa test`) or JUnit XML (for CI test reports)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from typing import TextIO

from airtf_lint.harness import Outcome

KINDS = {"unit": "Rego unit tests", "fixture": "fixture tests", "check": "rule checks"}


def write_text(outcomes: list[Outcome], coverage: tuple[int, int], stream: TextIO, verbose: bool = False) -> None:
    for kind, title in KINDS.items():
        mine = [o for o in outcomes if o.kind == kind]
        counts = Counter(o.status for o in mine)
        stream.write(f"{title}: {counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors\n")
        for o in mine:
            if o.status != "passed" or verbose:
                stream.write(f"  {o.status.upper():6}  {o.name}  ({o.where})\n")
                for line in o.detail.splitlines():
                    stream.write(f"          {line}\n")
    covered, total = coverage
    stream.write(f"coverage: {covered} of {total} rules have a failing and a passing fixture\n")
    bad = sum(1 for o in outcomes if o.status != "passed")
    stream.write("PASS\n" if not bad else f"FAIL: {bad} of {len(outcomes)} tests did not pass\n")


def write_junit(outcomes: list[Outcome], coverage: tuple[int, int], stream: TextIO) -> None:
    root = ET.Element("testsuites", name="airtf-lint test")
    for kind, title in KINDS.items():
        mine = [o for o in outcomes if o.kind == kind]
        counts = Counter(o.status for o in mine)
        suite = ET.SubElement(root, "testsuite", name=title, tests=str(len(mine)),
                              failures=str(counts["failed"]), errors=str(counts["error"]))
        for o in mine:
            case = ET.SubElement(suite, "testcase", classname=kind, name=o.name, file=o.where.split(":")[0])
            if o.status == "failed":
                ET.SubElement(case, "failure", message=o.detail.splitlines()[0] if o.detail else "failed").text = o.detail
            elif o.status == "error":
                ET.SubElement(case, "error", message=o.detail.splitlines()[0] if o.detail else "error").text = o.detail
        if kind == "check":
            covered, total = coverage
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="coverage", value=f"{covered}/{total}")
    stream.write(ET.tostring(root, encoding="unicode") + "\n")
