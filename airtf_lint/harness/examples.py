"""`airtf-lint rule ID` shows a failing and a passing example, taken from the rule's fixtures (as `ruff rule` shows
its examples): the smallest failing case with its expected findings marked, and the smallest passing case.
Lines are redacted as every line airtf-lint prints is (fixtures of secret rules hold fake credentials)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from airtf_lint.harness import fixture_roots
from airtf_lint.harness.fixtures import expected_findings

MAX_LINES = 30  # per example: the whole file when it is short, else the lines around the findings
CONTEXT = 4


@dataclass(frozen=True)
class Example:
    kind: str  # failing | passing
    case: Path
    files: list[tuple[str, list[str]]]  # (path in the case, lines)
    flagged: dict[str, set[int]]  # path -> expected finding lines


def _text_files(case: Path) -> list[tuple[str, list[str]]]:
    out = []
    for file in sorted(case.rglob("*")):
        if not file.is_file() or file.name == "expected.yaml" or ".terraform" in file.parts:
            continue
        if file.name.endswith((".tfstate", ".tfstate.backup")):
            out.append((file.relative_to(case).as_posix(), ["(a committed state file: its contents are never shown)"]))
            continue
        try:
            out.append((file.relative_to(case).as_posix(), file.read_text("utf-8").splitlines()))
        except (OSError, UnicodeDecodeError):
            continue
    return out


def rule_examples(rule_id: str, directories: list[Path]) -> list[Example]:
    failing: list[Example] = []
    passing: list[Example] = []
    for root in fixture_roots(list(directories)):
        for case in sorted(p.parent for p in (root / rule_id).glob("*/expected.yaml")):
            try:
                expected = expected_findings(case)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            files = _text_files(case)
            flagged: dict[str, set[int]] = {}
            for found_rule, path, line in expected:
                if found_rule == rule_id:
                    flagged.setdefault(path, set()).add(line)
            if expected and flagged:
                failing.append(Example("failing", case, files, flagged))
            elif not expected:
                passing.append(Example("passing", case, files, {}))
    size = lambda e: sum(len(lines) for _, lines in e.files)  # noqa: E731
    return [min(group, key=size) for group in (failing, passing) if group]


def _shown(lines: list[str], flagged: set[int]) -> list[tuple[int, str]]:
    if len(lines) <= MAX_LINES or not flagged:
        return list(enumerate(lines[:MAX_LINES], start=1))
    keep = sorted({n for line in flagged for n in range(line - CONTEXT, line + CONTEXT + 1) if 1 <= n <= len(lines)})
    return [(n, lines[n - 1]) for n in keep[:MAX_LINES]]


SHIPPED = "data/rule_examples.json"  # the built-in rules' examples, rendered, for installs without the fixtures


def shipped_examples(rule_id: str) -> str | None:
    """The built-in rule's examples as `rule` prints them from a checkout (made by benchmarks/derive_rule_examples.py
    from fixtures/; a test checks they are current)."""
    import json
    from importlib import resources

    try:
        document = json.loads(resources.files("airtf_lint").joinpath(SHIPPED).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    text = document.get("examples", {}).get(rule_id)
    return text if isinstance(text, str) else None


def render_examples(examples: list[Example]) -> str:
    import io

    out = io.StringIO()
    _write(examples, out)
    return out.getvalue()


def write_examples(examples: list[Example], stream: TextIO, rule_id: str | None = None) -> None:
    if not examples:
        shipped = shipped_examples(rule_id) if rule_id else None
        if shipped:
            stream.write(shipped)
            return
        stream.write("Examples: none installed (the rule's fixtures, fixtures/<ID>/<case>/, are not in this "
                     "install; see them in the repository).\n\n")
        return
    _write(examples, stream)


def _write(examples: list[Example], stream: TextIO) -> None:
    from airtf_lint.redaction import redact_line

    for example in examples:
        title = "Example that fails" if example.kind == "failing" else "Example that passes"
        stream.write(f"{title} ({example.case.parent.name}/{example.case.name}):\n")
        for path, lines in example.files:
            if example.kind == "failing" and example.flagged and path not in example.flagged and len(example.files) > 1:
                continue  # the failing example shows the files the findings are in
            stream.write(f"  {path}\n")
            previous = 0
            for number, text in _shown(lines, example.flagged.get(path, set())):
                if previous and number != previous + 1:
                    stream.write("      ...\n")
                marker = ">" if number in example.flagged.get(path, set()) else " "
                stream.write(f"  {marker}{number:4} | {redact_line(text)}\n".rstrip() + "\n")
                previous = number
        stream.write("\n")
