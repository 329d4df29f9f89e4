"""Render every built-in rule's failing and passing example from fixtures/ into airtf_lint/data/rule_examples.json,
so that `airtf-lint rule ID` shows them from an install that has no fixtures (a wheel). Run after changing a rule's
fixtures; tests/test_rule_examples.py fails while the shipped file is stale.

    python benchmarks/derive_rule_examples.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from airtf_lint.harness.examples import render_examples, rule_examples  # noqa: E402
from airtf_lint.rulepack import builtin_rules_dir, load_rule_pack  # noqa: E402

TARGET = REPO / "airtf_lint" / "data" / "rule_examples.json"


def document() -> dict:
    rules = builtin_rules_dir()
    pack = load_rule_pack([rules])
    examples = {}
    for rule in pack.rules:
        found = rule_examples(rule.id, [rules])
        if found:
            # The case paths are shown by rule id and case name only, never by where the checkout is.
            examples[rule.id] = render_examples(found)
    return {"comment": "Rendered from fixtures/ by benchmarks/derive_rule_examples.py; lines redacted as printed.",
            "examples": examples}


def render() -> str:
    return json.dumps(document(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}: {len(document()['examples'])} rules")
