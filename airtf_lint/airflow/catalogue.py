"""The connection-parameter catalogue (data/airflow_connections.yaml), loaded once and queried by class."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.yamlload import load_yaml

# Airflow 1.x module paths: airflow.contrib.*, airflow.operators.x_operator, airflow.hooks.x_hook, airflow.sensors...
_LEGACY_MODULE = re.compile(r"^airflow\.(contrib|operators|sensors|hooks)(\.|$)")


@dataclass(frozen=True)
class Catalogue:
    parameters: dict[str, dict[str, Any]]
    identity_parameters: dict[str, dict[str, Any]]
    providers: dict[str, dict[str, Any]]
    classes: dict[str, list[str]]
    ambient_classes: dict[str, list[str]]
    taskflow: dict[str, str]
    class_modules: dict[str, str]
    worker_parameters: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    legacy_modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    execution_places: dict[str, list[str]] = field(default_factory=dict)
    deferrable_classes: tuple[str, ...] = ()
    taskflow_modifiers: tuple[str, ...] = ()
    parse_time_calls: tuple[dict[str, Any], ...] = ()
    parse_time_methods: dict[str, str] = field(default_factory=dict)
    delegated_identities: dict[str, Any] = field(default_factory=dict)
    delegated_services: dict[str, str] = field(default_factory=dict)

    def provider_of(self, module: str | None) -> str | None:
        if not module:
            return None
        best = None
        for name, provider in self.providers.items():
            prefix = provider["module"]
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[1])):
                best = (name, prefix)
        if best:
            return best[0]
        return self.legacy_provider_of(module)

    def legacy_provider_of(self, module: str | None) -> str | None:
        """The provider an Airflow 1.x module (airflow.contrib.operators.bigquery_operator) belongs to."""
        if not module or not _LEGACY_MODULE.match(module):
            return None
        words = set(re.split(r"[._]", module))
        for name, spec in self.legacy_modules.items():
            if words & set(spec.get("words") or ()):
                return name
        return None

    def accepts(self, class_name: str, module: str | None) -> list[str]:
        """Connection and identity parameters a class accepts (so default_args can reach them)."""
        if class_name in self.classes:
            return list(self.classes[class_name])
        legacy = self.legacy_provider_of(module)
        if legacy is not None:
            return list(self.legacy_modules[legacy].get("accepts") or ())
        if class_name.endswith("Async"):
            # astronomer-providers' *Async classes take their synchronous twin's parameters
            twin = class_name.removesuffix("Async")
            if twin in self.classes:
                return list(self.classes[twin])
        provider = self.provider_of(module)
        return list(self.providers[provider]["accepts"]) if provider else []

    def runs_in(self, class_name: str) -> str | None:
        for place, names in self.ambient_classes.items():
            if class_name in names:
                return place
        return None

    def place_of(self, class_name: str) -> str | None:
        for place, names in self.execution_places.items():
            if class_name in names:
                return place
        return None

    def is_deferrable_class(self, class_name: str) -> bool:
        return class_name in self.deferrable_classes or class_name.endswith(("OperatorAsync", "SensorAsync"))

    def delegated_service(self, class_name: str) -> str | None:
        best = None
        for prefix, service in self.delegated_services.items():
            if class_name.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, service)
        return best[1] if best else None


@cache
def catalogue() -> Catalogue:
    text = resources.files("airtf_lint").joinpath("data/airflow_connections.yaml").read_text("utf-8")
    data = load_yaml(text)
    return Catalogue(data["parameters"], data["identity_parameters"], data["providers"], data["classes"],
                     data["ambient_classes"], {k or "": v for k, v in data["taskflow"].items()}, data["class_modules"],
                     tuple(data.get("worker_parameters") or ()), data.get("aliases") or {},
                     data.get("legacy_modules") or {}, data.get("execution_places") or {},
                     tuple(data.get("deferrable_classes") or ()), tuple(data.get("taskflow_modifiers") or ()),
                     tuple(data.get("parse_time_calls") or ()), data.get("parse_time_methods") or {},
                     data.get("delegated_identities") or {}, data.get("delegated_services") or {})
