"""Fixture tests: each rule's fixture repositories go through the whole pipeline (discovery, parsing, model,
evaluation, suppressions: what a user runs), and the pack's findings must equal `expected.yaml` exactly, compared
as (rule id, path, line). A mismatch shows the difference, `-` expected but missing, `+` found but not expected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from airtf_lint.config import ConfigError, load_config
from airtf_lint.harness import Outcome, PackUnderTest
from airtf_lint.pipeline import options_from_config, run
from airtf_lint.yamlload import load_untrusted_yaml

Finding = tuple[str, str, int]


def expected_findings(case: Path) -> list[Finding]:
    document: Any = load_untrusted_yaml((case / "expected.yaml").read_text("utf-8")) or {}
    return sorted((str(f["rule_id"]), str(f["path"]), int(f["line"])) for f in document.get("findings") or [])


def fixture_tests(pack: PackUnderTest, engine: str = "regorus",
                  wanted: Callable[[str], object] | None = None) -> list[Outcome]:
    ids = [rule.id for rule in pack.rules]
    outcomes = []
    for rule in pack.rules:
        for case in pack.fixtures_of(rule.id):
            if wanted is None or wanted(f"{case.parent.name}/{case.name}"):
                outcomes.append(_run_case(pack, case, ids, engine))
    return outcomes


def _run_case(pack: PackUnderTest, case: Path, ids: list[str], engine: str) -> Outcome:
    name = f"{case.parent.name}/{case.name}"
    try:
        expected = expected_findings(case)
        config = load_config(None, case)
        result = run(options_from_config(config, case, ["."], rule_dirs=[*pack.directories, *config.rules],
                                         select=ids, engine=engine))
    except (ConfigError, OSError, ValueError, KeyError, TypeError) as exc:
        return Outcome("fixture", name, str(case), "error", str(exc))
    found = sorted((f.rule_id, f.path, f.line) for f in result.findings)
    problems = [f"{e.path}:{e.line or 1}: {e.message}" for e in result.errors]
    if found == expected and not problems:
        return Outcome("fixture", name, str(case / "expected.yaml"), "passed")
    diff = [f"- {r} {p}:{line}" for r, p, line in expected if (r, p, line) not in found]
    diff += [f"+ {r} {p}:{line}" for r, p, line in found if (r, p, line) not in expected]
    if len(found) != len(set(found)) or len(expected) != len(set(expected)):
        diff.append(f"  (counts differ: expected {len(expected)}, found {len(found)})")
    return Outcome("fixture", name, str(case / "expected.yaml"), "failed",
                   "\n".join(diff + [f"  file error: {p}" for p in problems]))
