"""Configuration: `.airtf-lint.yaml`, or `[tool.airtf-lint]` in pyproject.toml, found upward from the working
directory and validated against the JSON Schema shipped in the package."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from airtf_lint.yamlload import load_untrusted_yaml

CONFIG_NAMES = (".airtf-lint.yaml", ".airtf-lint.yml")


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: Path | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    fail_on: str = "low"
    rules: list[Path] = field(default_factory=list)
    engine: str = "regorus"
    baseline: Path | None = None
    connections: list[dict[str, Any]] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    opa: dict[str, Any] | None = None  # the `opa` section, ca-bundle made absolute


def _schema() -> dict[str, Any]:
    return json.loads(resources.files("airtf_lint").joinpath("schemas/config.schema.json").read_text("utf-8"))


def find_config(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return pyproject
    return None


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    section = document.get("tool", {}).get("airtf-lint")
    return section if isinstance(section, dict) else None


def _read(path: Path) -> dict[str, Any]:
    if path.name == "pyproject.toml":
        try:
            document = tomllib.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
        return document.get("tool", {}).get("airtf-lint", {})
    try:
        data = load_untrusted_yaml(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of keys")
    return data


def load_config(explicit: Path | None, cwd: Path) -> Config:
    path = explicit if explicit is not None else find_config(cwd)
    if path is None:
        return Config()
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    data = _read(path)
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        key = ".".join(str(p) for p in error.absolute_path)
        raise ConfigError(f"{path}: invalid configuration{f' at {key!r}' if key else ''}: {error.message}")
    base = path.parent
    return Config(
        path=path,
        include=list(data.get("include", [])),
        exclude=list(data.get("exclude", [])),
        select=list(data.get("select", [])),
        ignore=list(data.get("ignore", [])),
        severity=dict(data.get("severity", {})),
        fail_on=data.get("fail-on", "low"),
        rules=[base / d for d in data.get("rules", [])],
        engine=data.get("engine", "regorus"),
        baseline=base / data["baseline"] if "baseline" in data else None,
        connections=list(data.get("connections", [])),
        environment=dict(data.get("environment", {})),
        thresholds=dict(data.get("thresholds", {})),
        opa=_opa(data.get("opa"), base),
    )


def _opa(section: dict[str, Any] | None, base: Path) -> dict[str, Any] | None:
    if section is None:
        return None
    out = dict(section)
    if "ca-bundle" in out:
        out["ca-bundle"] = str(base / out["ca-bundle"])
    return out
