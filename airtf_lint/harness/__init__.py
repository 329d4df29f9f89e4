"""`airtf-lint test`: test a rule pack the way `opa test` and Regal test theirs, plus what only airtf-lint can check.

- `units.py` runs every `test_` rule of the pack's `*_test.rego` files;
- `fixtures.py` runs each rule's fixture repositories through the real pipeline and compares the findings with
  the fixture's `expected.yaml`;
- `checks.py` checks the metadata of every rule and that each has a failing and a passing fixture (coverage);
- `report.py` writes the outcome as text or JUnit.

A pack is a directory of rules; its fixtures are in `fixtures/<RULE-ID>/<case>/` inside it or beside it (the
built-in layout: `rules/` and `fixtures/` side by side).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from airtf_lint.rulepack import (
    RuleMeta,
    RulePack,
    builtin_rules_dir,
    is_full_pack,
    load_rule_pack,
)

BUILTIN = "<built-in>"


@dataclass(frozen=True)
class Outcome:
    """One test: a Rego unit test, a fixture case or a check. `status` is passed, failed or error."""

    kind: str  # unit, fixture, check
    name: str
    where: str  # file (and line) the test is about
    status: str
    detail: str = ""


@dataclass
class PackUnderTest:
    directories: list[Path]
    pack: RulePack  # with the built-in pack when the directories only add rules to it
    rules: list[RuleMeta]  # the rules under test: those in `directories`
    tests: dict[str, str]  # the *_test.rego files under test
    fixture_roots: list[Path] = field(default_factory=list)

    def fixtures_of(self, rule_id: str) -> list[Path]:
        cases: list[Path] = []
        for root in self.fixture_roots:
            cases += sorted(p.parent for p in (root / rule_id).glob("*/expected.yaml"))
        return cases


def load_pack_under_test(directories: list[Path]) -> PackUnderTest:
    shown = {d: d.as_posix() for d in directories}
    full = any(is_full_pack(d) for d in directories)
    base = [] if full else [builtin_rules_dir()]
    pack = load_rule_pack([*base, *directories], {**shown, **({base[0]: BUILTIN} if base else {})})
    mine = tuple(f"{name}/" for name in shown.values())
    rules = [r for r in pack.rules if r.path.startswith(mine)]
    tests = {name: source for name, source in pack.tests.items() if name.startswith(mine)}
    return PackUnderTest(directories, pack, rules, tests, fixture_roots(directories))


def fixture_roots(directories: list[Path]) -> list[Path]:
    """Where a pack's fixtures live: `fixtures/` inside each rule directory or beside it."""
    roots = [root for d in directories for root in (d / "fixtures", d.parent / "fixtures") if root.is_dir()]
    return list(dict.fromkeys(roots))


def fixture_folders(directories: list[Path], cwd: Path) -> list[Path]:
    """The fixture repositories of these rule directories, `<root>/<RULE-ID>` folders holding `<case>/expected.yaml`
    (deliberately bad examples, not part of the repository being linted)."""
    folders = []
    for root in fixture_roots([d if d.is_absolute() else cwd / d for d in directories]):
        try:
            children = sorted(root.iterdir())
        except OSError:
            continue
        folders += [child for child in children if child.is_dir() and any(child.glob("*/expected.yaml"))]
    return folders
