"""The connection-parameter catalogue (data/airflow_connections.yaml), loaded once and queried by class."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.yamlload import load_yaml


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

    def provider_of(self, module: str | None) -> str | None:
        if not module:
            return None
        best = None
        for name, provider in self.providers.items():
            prefix = provider["module"]
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[1])):
                best = (name, prefix)
        return best[0] if best else None

    def accepts(self, class_name: str, module: str | None) -> list[str]:
        """Connection and identity parameters a class accepts (so default_args can reach them)."""
        if class_name in self.classes:
            return list(self.classes[class_name])
        provider = self.provider_of(module)
        return list(self.providers[provider]["accepts"]) if provider else []

    def runs_in(self, class_name: str) -> str | None:
        for place, names in self.ambient_classes.items():
            if class_name in names:
                return place
        return None


@cache
def catalogue() -> Catalogue:
    text = resources.files("airtf_lint").joinpath("data/airflow_connections.yaml").read_text("utf-8")
    data = load_yaml(text)
    return Catalogue(data["parameters"], data["identity_parameters"], data["providers"], data["classes"],
                     data["ambient_classes"], {k or "": v for k, v in data["taskflow"].items()}, data["class_modules"],
                     tuple(data.get("worker_parameters") or ()))
