"""Rego unit tests: every `test_*` rule of the pack's `*_test.rego` files, evaluated with the rules and the
built-in library loaded, like `opa test`. A test passes when it evaluates to true; false or undefined fails it;
an evaluation error is reported as an error with the engine's message.

A failing test says why, as `opa test --explain=fails` does: the first statement of its body that does not hold
(found by evaluating growing prefixes of the body), the values of both sides when it is a comparison, and the
values of the variables the statements before it bound."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import regorus

from airtf_lint.engine import clean_message
from airtf_lint.harness import Outcome, PackUnderTest

_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
_TEST = re.compile(r"^(test_\w+)\b", re.M)
_IMPORT = re.compile(r"^import\s+.*$", re.M)
_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?::=|=(?!=))")
_SOME = re.compile(r"^\s*some\s+([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?\s+in\b")
MAX_VALUE = 240


def unit_tests(pack: PackUnderTest, wanted: Callable[[str], object] | None = None) -> list[Outcome]:
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
            if wanted is not None and not wanted(f"data.{package.group(1)}.{test}"):
                continue
            line = source.count(chr(10), 0, match.start()) + 1
            outcome = _run(engine, package.group(1), test, f"{file_name}:{line}")
            if outcome.status == "failed":
                why = explain(engine, package.group(1), source, match.start(), line)
                if why:
                    outcome = Outcome(outcome.kind, outcome.name, outcome.where, outcome.status,
                                      outcome.detail + "\n" + why)
            outcomes.append(outcome)
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


# --- explaining a failure ----------------------------------------------------------------------------------------

def _code(line: str) -> str:
    """A line without its comment (a `#` outside strings)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote and line[index - 1] != "\\":
                quote = ""
        elif char in "\"`":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def _depth(text: str) -> int:
    depth, quote = 0, ""
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
    return depth


def _statements(source: str, start: int, first_line: int) -> list[tuple[int, str]]:
    """The body of the test rule starting at `start`, as (line, statement): one statement per line, or several
    lines while brackets are open. Empty when the body is not of that simple shape."""
    lines = source[start:].splitlines()
    head = _code(lines[0]) if lines else ""
    if not head.rstrip().endswith("{"):
        return []
    out: list[tuple[int, str]] = []
    pending, pending_line = "", 0
    for offset, raw in enumerate(lines[1:], start=1):
        code = _code(raw).strip()
        if not pending and code == "}":
            return out
        if not code:
            continue
        if not pending:
            pending_line = first_line + offset
        pending = f"{pending} {code}".strip()
        if _depth(pending) <= 0:
            out += [(pending_line, part.strip()) for part in pending.split(";") if part.strip()] \
                if ";" in pending and '"' not in pending else [(pending_line, pending)]
            pending = ""
    return []


def _split_comparison(statement: str) -> tuple[str, str, str, str] | None:
    """(left, operator, right, with-clause) of a top-level comparison, else None."""
    with_at = re.search(r"\swith\s", statement)
    body, clause = (statement[:with_at.start()], statement[with_at.start():]) if with_at else (statement, "")
    depth, quote = 0, ""
    for index, char in enumerate(body):
        if quote:
            if char == quote and body[index - 1] != "\\":
                quote = ""
            continue
        if char in "\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            for operator in ("==", "!=", "<=", ">=", "<", ">"):
                if body.startswith(operator, index) and body[index - 1:index] not in (":", "=", "!", "<", ">"):
                    return body[:index].strip(), operator, body[index + len(operator):].strip(), clause
    return None


def _show(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str) if value is not None else "undefined"
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "..."


_LITERAL = re.compile(r"-?\d+(\.\d+)?|\"[^\"]*\"|true|false|null|\[\]|\{\}|set\(\)")


def explain(engine: regorus.Engine, package: str, source: str, start: int, first_line: int) -> str:
    statements = _statements(source, start, first_line)
    if not statements:
        return ""
    imports = "\n".join(_IMPORT.findall(source))

    def evaluate(body: list[str], value: str = "true") -> object:
        """The value of `value` after `body` holds, in the test's own package (so its helpers resolve)."""
        module = (f"package {package}\n{imports}\n\nairtf_lint_probe := {value} if {{\n\t"
                  + "\n\t".join(body or ["true"]) + "\n}\n")
        probe = engine.clone()
        try:
            probe.add_policy("<airtf-lint explain>", module)
            answer = probe.eval_rule_as_json(f"data.{package}.airtf_lint_probe")
        except (RuntimeError, TypeError, ValueError):
            return None
        value = json.loads(answer) if answer else None
        return None if value == "<undefined>" else value

    texts = [text for _, text in statements]
    failing = next((k for k in range(1, len(texts) + 1) if evaluate(texts[:k]) is not True), None)
    if failing is None:
        return ""
    line, statement = statements[failing - 1]
    before = texts[:failing - 1]
    out = [f"line {line}: {statement}  <- does not hold"]
    comparison = _split_comparison(statement)
    if comparison is not None:
        left, _, right, clause = comparison
        for side in (left, right):
            if not _LITERAL.fullmatch(side):
                out.append(f"  {side} = {_show(evaluate([*before, f'airtf_lint_value := {side}{clause}'], 'airtf_lint_value'))}")
    names: list[str] = []
    for text in before:
        for pattern in (_ASSIGNED, _SOME):
            found = pattern.match(text)
            if found:
                names += [n for n in found.groups() if n and n != "_"]
    for name in dict.fromkeys(names):
        out.append(f"  {name} = {_show(evaluate(before, name))}")
    return "\n".join(out)
