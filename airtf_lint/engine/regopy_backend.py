"""The regopy backend (Microsoft's rego-cpp). A fallback: slower, and in 1.5.2 it cannot run unit tests that call
built-ins under `with input as`, but whole-model evaluation gives the same findings as regorus."""

from __future__ import annotations

import json
from typing import Any

import regopy

from airtf_lint.engine import (
    RESULTS_QUERY,
    EngineError,
    Evaluation,
    aggregator_module,
    evaluate_isolated,
    normalise,
)
from airtf_lint.rulepack import RulePack


class RegopyEngine:
    name = "regopy"

    def __init__(self, pack: RulePack) -> None:
        self._pack = pack
        self._modules = dict(pack.modules)
        self._modules["airtf_lint_aggregator.rego"] = aggregator_module(pack)

    def _query(self, query: str, model: object) -> object:
        interpreter = regopy.Interpreter()
        try:
            for file_name, source in self._modules.items():
                interpreter.add_module(file_name, source)
            interpreter.set_input(model)
            # regopy 1.5.2 writes invalid JSON for strings holding quotes; marshalled inside Rego they come out right.
            output = interpreter.query(f"json.marshal({query})")
        except regopy.RegoError as exc:
            raise EngineError(str(exc)) from None
        # Reading the error text of a failed output crashes regopy 1.5.2, so only the fact of failure is reported.
        if not output.ok():
            raise EngineError("evaluation failed in regopy (run with --engine regorus for the located error)")
        if not output.results or not output.results[0].expressions:
            return {}
        try:
            return json.loads(output.results[0].expressions[0])
        except (ValueError, TypeError) as exc:
            raise EngineError(f"regopy returned an unreadable result: {exc}") from None

    def evaluate(self, model: dict[str, Any]) -> Evaluation:
        try:
            return Evaluation(normalise(self._query(RESULTS_QUERY, model)))
        except EngineError:
            return evaluate_isolated(self._pack, self._query, model)  # type: ignore[arg-type]
