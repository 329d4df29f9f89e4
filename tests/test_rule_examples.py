"""`airtf-lint rule ID` shows a failing and a passing example also where the fixtures are not installed (a wheel):
the built-in rules' examples are shipped rendered, kept current with the fixtures, and hold no secret."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from airtf_lint.facts import FileFacts, FileKind, SourceFile
from airtf_lint.harness import examples
from airtf_lint.secrets.files import scan_file
from tests.conftest import REPO

SHIPPED = REPO / "airtf_lint" / "data" / "rule_examples.json"


def _derivation():
    spec = importlib.util.spec_from_file_location("derive", REPO / "benchmarks" / "derive_rule_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_examples_are_rendered_from_the_current_fixtures():
    assert SHIPPED.read_text("utf-8") == _derivation().render(), "run python benchmarks/derive_rule_examples.py"


def test_every_rule_with_fixtures_has_shipped_examples_with_a_failing_and_a_passing_one():
    document = json.loads(SHIPPED.read_text("utf-8"))["examples"]
    assert len(document) >= 30
    for rule_id, text in document.items():
        assert "Example that fails" in text and "Example that passes" in text, rule_id


def test_the_shipped_examples_hold_no_secret_the_scanner_finds():
    text = "\n".join(json.loads(SHIPPED.read_text("utf-8"))["examples"].values())
    facts = FileFacts(SourceFile("examples.py", Path("examples.py"), FileKind.PYTHON))
    scan_file(text, facts)
    assert facts.secrets == []


def test_without_fixtures_the_rule_command_prints_the_shipped_examples(capsys):
    examples.write_examples([], __import__("sys").stdout, "ATF-STATE-003")
    out = capsys.readouterr().out
    assert "Example that fails (ATF-STATE-003/fail)" in out and "backend" in out
