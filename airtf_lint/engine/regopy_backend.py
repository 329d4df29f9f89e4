"""The regopy backend (Microsoft's rego-cpp). Slower than regorus, and in 1.5.2 it cannot run unit tests that call
built-ins under `with input as`, but whole-model evaluation gives the same findings as regorus.

Memory: regopy's `set_input(dict)` copies the model into rego-cpp one value at a time through ctypes (a C object
per JSON node, held until the interpreter is freed), and each query needs a fresh interpreter. So the model is
serialised once and handed over as one JSON text (`set_input_term`, parsed in C++), and the per-rule fallback
reuses that text instead of converting the model again for every rule."""

from __future__ import annotations

import json
from typing import Any

import regopy

from airtf_lint import jsonfast
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

    def __init__(self, pack: RulePack, data: dict[str, Any] | None = None) -> None:
        self._pack = pack
        self._modules = dict(pack.modules)
        self._modules["airtf_lint_aggregator.rego"] = aggregator_module(pack)
        self._data_json = json.dumps(data) if data else None

    def _query(self, query: str, model_json: str) -> object:
        interpreter = regopy.Interpreter()
        try:
            for file_name, source in self._modules.items():
                interpreter.add_module(file_name, source)
            if self._data_json:
                interpreter.add_data_json(self._data_json)
            interpreter.set_input_term(model_json)
            # regopy 1.5.2 writes invalid JSON for strings holding quotes; marshalled inside Rego they come out right.
            output = interpreter.query(f"json.marshal({query})")
        except regopy.RegoError as exc:
            raise EngineError(str(exc)) from None
        finally:
            del interpreter  # free rego-cpp's copy of the model before the next query builds another
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
        model_json = jsonfast.dumps(model)
        try:
            return Evaluation(normalise(self._query(RESULTS_QUERY, model_json)))
        except EngineError:
            return evaluate_isolated(self._pack, self._query, model_json)
