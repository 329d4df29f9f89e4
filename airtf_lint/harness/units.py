"""Rego unit tests: every `test_*` rule of the pack's `*_test.rego` files, evaluated with the rules and the
built-in library loaded, like `opa test`. A test passes when it evaluates to true; false or undefined fails it;
an evaluation error is reported as an error with the engine's message."""

from __future__ import annotations

import re

import regorus

from airtf_lint.engine import clean_message
from airtf_lint.harness import Outcome, PackUnderTest

_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
_TEST = re.compile(r"^(test_\w+)\b", re.M)


def unit_tests(pack: PackUnderTest) -> list[Outcome]:
    engine = regorus.Engine()
    outcomes: list[Outcome] = []
    try:
        for name, source in {**pack.pack.modules, **pack.tests}.items():
            engine.add_policy(name, source)
    except RuntimeError as exc:
        return [Outcome("unit", "compile", "", "error", clean_message(str(exc)))]
    for file_name, source in sorted(pack.tests.items()):
        package = _PACKAGE.search(source)
        if package is None:
            outcomes.append(Outcome("unit", file_name, file_name, "error", "no package declaration"))
            continue
        seen: set[str] = set()
        for match in _TEST.finditer(source):
            test = match.group(1)
            if test in seen:
                continue  # a test written as several bodies is one rule
            seen.add(test)
            where = f"{file_name}:{source.count(chr(10), 0, match.start()) + 1}"
            outcomes.append(_run(engine, package.group(1), test, where))
    return outcomes


def _run(engine: regorus.Engine, package: str, test: str, where: str) -> Outcome:
    name = f"data.{package}.{test}"
    try:
        value = engine.eval_rule(name)
    except RuntimeError as exc:
        return Outcome("unit", name, where, "error", clean_message(str(exc)))
    if value is True:
        return Outcome("unit", name, where, "passed")
    return Outcome("unit", name, where, "failed", "undefined" if value is None else f"evaluated to {value!r}")
