"""The regorus backend (Microsoft's Rust Rego interpreter, PyPI build gordon-to-regorus)."""

from __future__ import annotations

import json
from typing import Any

import regorus

from airtf_lint.engine import RESULTS_QUERY, EngineError, aggregator_module, clean_message, normalise
from airtf_lint.rulepack import RulePack


class RegorusEngine:
    name = "regorus"

    def __init__(self, pack: RulePack) -> None:
        self._engine = regorus.Engine()
        try:
            for file_name, source in pack.modules.items():
                self._engine.add_policy(file_name, source)
            self._engine.add_policy("<airtf-lint aggregator>", aggregator_module(pack))
        except RuntimeError as exc:
            raise EngineError(f"cannot compile rule pack: {clean_message(str(exc))}") from None

    def evaluate(self, model: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        engine = self._engine.clone()
        try:
            engine.set_input_json(json.dumps(model))
            answer = json.loads(engine.eval_query_as_json(RESULTS_QUERY))
        except RuntimeError as exc:
            raise EngineError(f"rule evaluation failed: {clean_message(str(exc))}") from None
        rows = answer.get("result") or [{}]
        expressions = rows[0].get("expressions") or [{}]
        return normalise(expressions[0].get("value"))
