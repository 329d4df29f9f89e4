"""The evaluate stage: run a rule pack over the model with an embedded Rego engine, in one compiled query.

Two embedded backends share one interface: regorus (Rust, the default: fastest in docs/performance.md) and regopy
(rego-cpp, the fallback); a third, opa_backend, sends the same pack and model to an OPA server. Each rule's `deny`
set comes back keyed by rule id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
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


_DATA_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def package_roots(pack: RulePack) -> set[str]:
    """The first component of every package of the pack (`airtf`, `custom`, ...), and the aggregator's."""
    roots = {RESULTS_PACKAGE.split(".")[0]}
    for source in pack.modules.values():
        found = re.search(r"^package\s+([A-Za-z_]\w*)", source, re.M)
        if found:
            roots.add(found.group(1))
    return roots


def check_data(pack: RulePack, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The documents given with --data / `data:` sit beside the pack's packages under `data`: each top-level key
    must be a Rego name (rules write `data.KEY`) and must not be the root of one of the pack's packages."""
    data = dict(data or {})
    roots = package_roots(pack)
    for key in data:
        if not _DATA_KEY.match(key):
            raise EngineError(f"data key {key!r} is not a Rego name (letters, digits, _): rules could not write "
                              f"data.{key}")
        if key in roots:
            raise EngineError(f"data key {key!r} is the root of the rule packages data.{key}.*: rename the key")
    return data


_DISTRIBUTIONS = {"regorus": "gordon-to-regorus", "regopy": "regopy"}


def check_distribution(module: str) -> None:
    """The imported `module` must come from the distribution airtf-lint pins. Several unofficial republications
    of regorus install the same bare module name and overwrite each other's files: a silent swap would evaluate
    rules on code nobody reviewed. Cheap: the pinned distribution's RECORD must list the module's file, and no
    other distribution beside it in that folder may list files of the module (only dist-info folders whose name
    mentions the module are read: scanning every installed distribution costs a quarter of a second)."""
    import importlib.util
    import os
    from importlib import metadata
    from pathlib import Path

    expected = _DISTRIBUTIONS[module]
    install = f"pip install 'airtf-lint[{module}]'"
    spec = importlib.util.find_spec(module)
    where = os.path.realpath(spec.origin) if spec is not None and spec.origin else None
    try:
        files = metadata.distribution(expected).files or []
    except metadata.PackageNotFoundError:
        files = []
    if where is None or not any(os.path.realpath(f.locate()) == where for f in files):
        raise EngineError(f"the {module!r} module imported{f' from {where}' if where else ''} is not the one "
                          f"{expected!r} installed; uninstall what provides it and {install}")
    site = Path(where).parent.parent if Path(where).parent.name == module else Path(where).parent
    others = []
    for info in site.glob(f"*{module.replace('_', '*')}*.dist-info"):
        record = info / "RECORD"
        name = info.name.split("-")[0].replace("_", "-").lower()
        if name == expected.replace("_", "-").lower() or not record.is_file():
            continue
        if any(line.startswith((f"{module}/", f"{module}.")) for line in record.read_text("utf-8").splitlines()):
            others.append(name)
    if others:
        raise EngineError(f"several distributions install the {module!r} module ({', '.join(sorted([expected, *others]))})"
                          f" and overwrite each other; keep only {expected!r} ({install})")


def create_engine(name: str, pack: RulePack, opa: Any = None, data: Mapping[str, Any] | None = None) -> Engine:
    """`opa` (OpaSettings) selects the OPA server backend whatever the name. `data` is loaded under `data.*`."""
    data = check_data(pack, data)
    if opa is not None:
        from airtf_lint.engine.opa_backend import OpaEngine

        return OpaEngine(pack, opa, data)
    if name in ENGINES:
        _require(name)
    if name == "regorus":
        from airtf_lint.engine.regorus_backend import RegorusEngine

        return RegorusEngine(pack, data)
    if name == "regopy":
        from airtf_lint.engine.regopy_backend import RegopyEngine

        return RegopyEngine(pack, data)
    raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


def _require(name: str) -> None:
    import importlib.util

    if importlib.util.find_spec(name) is None:
        raise EngineError(f"the {name} engine is not installed: pip install 'airtf-lint[{name}]'")
    if name == "regorus":
        check_distribution("regorus")


def normalise(results: Any) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(results, dict):
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for rule_id, items in results.items():
        out[rule_id] = [item for item in (items or []) if isinstance(item, dict)]
    return out
