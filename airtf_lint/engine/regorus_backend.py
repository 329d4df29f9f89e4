"""The regorus backend (Microsoft's Rust Rego interpreter, PyPI build gordon-to-regorus, checked at start-up by
`engine.check_distribution`)."""

from __future__ import annotations

import json
from typing import Any

import regorus

from airtf_lint import jsonfast
from airtf_lint.engine import (
    RESULTS_QUERY,
    EngineError,
    Evaluation,
    aggregator_module,
    clean_message,
    evaluate_isolated,
    normalise,
)
from airtf_lint.rulepack import RulePack


class RegorusEngine:
    name = "regorus"

    def __init__(self, pack: RulePack, data: dict[str, Any] | None = None) -> None:
        self._pack = pack
        self._engine = regorus.Engine()
        try:
            for file_name, source in pack.modules.items():
                self._engine.add_policy(file_name, source)
            self._engine.add_policy("<airtf-lint aggregator>", aggregator_module(pack))
        except RuntimeError as exc:
            raise EngineError(f"cannot compile rule pack: {clean_message(str(exc))}") from None
        if data:
            try:
                self._engine.add_data_json(json.dumps(data))
            except RuntimeError as exc:
                raise EngineError(f"cannot load data: {clean_message(str(exc))}") from None

    def _query(self, query: str, model_json: str) -> object:
        engine = self._engine.clone()
        try:
            engine.set_input_json(model_json)
            answer = json.loads(engine.eval_query_as_json(query))
        except RuntimeError as exc:
            raise EngineError(clean_message(str(exc))) from None
        rows = answer.get("result") or [{}]
        expressions = rows[0].get("expressions") or [{}]
        return expressions[0].get("value")

    def evaluate(self, model: dict[str, Any]) -> Evaluation:
        model_json = jsonfast.dumps(model)
        try:
            return Evaluation(normalise(self._query(RESULTS_QUERY, model_json)))
        except EngineError:
            return evaluate_isolated(self._pack, self._query, model_json)
