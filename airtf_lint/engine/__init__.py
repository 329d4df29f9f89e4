"""The evaluate stage: run a rule pack over the model with an embedded Rego engine, in one compiled query.

Two embedded backends share one interface: regorus (Rust, the default: fastest in docs/performance.md) and regopy
(rego-cpp, the fallback); a third, opa_backend, sends the same pack and model to an OPA server. Each rule's `deny`
set comes back keyed by rule id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from airtf_lint.rulepack import RulePack

ENGINES = ("regorus", "regopy")
RESULTS_PACKAGE = "airtf_lint_internal.evaluate"
RESULTS_QUERY = f"data.{RESULTS_PACKAGE}.results"


class EngineError(Exception):
    """The rule pack could not be compiled or evaluated."""


@dataclass
class Evaluation:
    results: dict[str, list[dict[str, Any]]]
    failures: dict[str, str] = field(default_factory=dict)  # rule id -> why it could not be evaluated


class Engine(Protocol):
    name: str

    def evaluate(self, model: dict[str, Any]) -> Evaluation: ...


def rule_query(package: str) -> str:
    return f"data.{package}.deny"


def evaluate_isolated(pack: RulePack, query: Any, model_json: str) -> Evaluation:
    """Fallback when the one combined query fails: each rule alone, so one broken rule (a built-in given a value
    it does not accept, in a custom rule say) costs that rule, not the run."""
    evaluation = Evaluation({})
    for rule in pack.rules:
        try:
            evaluation.results[rule.id] = normalise({rule.id: query(rule_query(rule.package), model_json)})[rule.id]
        except EngineError as exc:
            evaluation.failures[rule.id] = str(exc)
    return evaluation


def aggregator_module(pack: RulePack) -> str:
    """A generated module that gathers every rule's deny set, so that one query evaluates the whole pack."""
    lines = [f"package {RESULTS_PACKAGE}", ""]
    for rule in pack.rules:
        lines.append(f"results[{json.dumps(rule.id)}] := data.{rule.package}.deny")
    return "\n".join(lines) + "\n"


MAX_MESSAGE = 300


def clean_message(text: str) -> str:
    """One line from a regorus error: its `--> file:line:col` and `error: ...` lines, without the Rust backtrace
    and cut short (a type error quotes the offending value, which can be a large piece of the model)."""
    lines = [line.strip() for line in text.split("Stack backtrace:")[0].splitlines() if line.strip()]
    where = next((line[3:].strip() for line in lines if line.startswith("-->")), "")
    what = next((line for line in lines if line.startswith("error:")), lines[-1] if lines else "unknown error")
    message = f"{where}: {what}" if where else what
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "..."


def create_engine(name: str, pack: RulePack, opa: Any = None) -> Engine:
    """`opa` (OpaSettings) selects the OPA server backend whatever the name."""
    if opa is not None:
        from airtf_lint.engine.opa_backend import OpaEngine

        return OpaEngine(pack, opa)
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
