"""The evaluate stage: run a rule pack over the model with an embedded Rego engine, in one compiled query.

Two backends share one interface: regorus (Rust, the default: fastest in docs/performance.md) and regopy
(rego-cpp, the fallback). Each rule's `deny` set comes back keyed by rule id.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from airtf_lint.rulepack import RulePack

ENGINES = ("regorus", "regopy")
RESULTS_PACKAGE = "airtf_lint_internal.evaluate"
RESULTS_QUERY = f"data.{RESULTS_PACKAGE}.results"


class EngineError(Exception):
    """The rule pack could not be compiled or evaluated."""


class Engine(Protocol):
    name: str

    def evaluate(self, model: dict[str, Any]) -> dict[str, list[dict[str, Any]]]: ...


def aggregator_module(pack: RulePack) -> str:
    """A generated module that gathers every rule's deny set, so that one query evaluates the whole pack."""
    lines = [f"package {RESULTS_PACKAGE}", ""]
    for rule in pack.rules:
        lines.append(f"results[{json.dumps(rule.id)}] := data.{rule.package}.deny")
    return "\n".join(lines) + "\n"


def clean_message(text: str) -> str:
    """regorus appends a Rust stack backtrace to its errors; users need only the located message."""
    return text.split("Stack backtrace:")[0].strip()


def create_engine(name: str, pack: RulePack) -> Engine:
    if name == "regorus":
        from airtf_lint.engine.regorus_backend import RegorusEngine

        return RegorusEngine(pack)
    if name == "regopy":
        from airtf_lint.engine.regopy_backend import RegopyEngine

        return RegopyEngine(pack)
    raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


def normalise(results: Any) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(results, dict):
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for rule_id, items in results.items():
        out[rule_id] = [item for item in (items or []) if isinstance(item, dict)]
    return out
