"""Configuration: `.airtf-lint.yaml`, or `[tool.airtf-lint]` in pyproject.toml, found upward from the working
directory and validated against the JSON Schema shipped in the package."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

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
    data: dict[str, Any] = field(default_factory=dict)  # the `data` key: documents for data.* (files already read)


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


def _toml(path: Path) -> dict[str, Any]:
    """A pyproject.toml, or a ConfigError naming its file and line: a broken one is never skipped in silence."""
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", text)
        line = getattr(exc, "lineno", None) or (int(where.group(1)) if where else None)
        column = getattr(exc, "colno", None) or (int(where.group(2)) if where else None)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", text)
        place = f":{line}:{column}" if line else ""
        raise ConfigError(f"{path}{place}: invalid TOML: {message}") from None


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    section = _toml(path).get("tool", {}).get("airtf-lint")
    return section if isinstance(section, dict) else None


def _invalid_yaml(path: Path, exc: Exception) -> ConfigError:
    """`path:line: invalid YAML: problem`, as PyYAML (and an alias bomb) marks it."""
    mark = getattr(exc, "problem_mark", None)
    where = f":{mark.line + 1}" if mark else ""
    return ConfigError(f"{path}{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}")


def _read(path: Path) -> dict[str, Any]:
    if path.name == "pyproject.toml":
        return _toml(path).get("tool", {}).get("airtf-lint", {})
    try:
        data = load_untrusted_yaml(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _invalid_yaml(path, exc) from None
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
    import jsonschema  # only when there is a configuration file to validate

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
        data=_data_key(data.get("data"), base, path),
    )


def _data_key(value: Any, base: Path, config_path: Path) -> dict[str, Any]:
    """`data:` is a mapping of documents, or a list of JSON/YAML files relative to the configuration file."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    return load_data_files([base / name for name in value])


def load_data_file(path: Path) -> dict[str, Any]:
    """One --data document: a JSON or YAML mapping (YAML read with the alias-bomb guard). Its top-level keys
    become data.KEY for every rule."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: data file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read data file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: data file is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    else:
        try:
            document = load_untrusted_yaml(text)
        except yaml.YAMLError as exc:
            raise _invalid_yaml(path, exc) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: a data file must hold a mapping (its keys become data.KEY), not a "
                          f"{type(document).__name__}")
    try:
        json.dumps(document)
    except (TypeError, ValueError) as exc:  # YAML dates, binary values...
        raise ConfigError(f"{path}: data must be plain JSON values: {exc}") from None
    return document


def merge_data(documents: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Merge data documents as OPA does with several files: objects merge key by key; two different values for
    one key are an error naming both sources."""
    merged: dict[str, Any] = {}
    origin: dict[tuple[str, ...], str] = {}

    def put(target: dict[str, Any], items: dict[str, Any], source: str, at: tuple[str, ...]) -> None:
        for key, value in items.items():
            where = (*at, str(key))
            if key in target and isinstance(target[key], dict) and isinstance(value, dict):
                put(target[key], value, source, where)
            elif key in target and target[key] != value:
                first = next((origin[where[:n]] for n in range(len(where), 0, -1) if where[:n] in origin), "?")
                raise ConfigError(f"data.{'.'.join(where)} is given twice with different values ({first} "
                                  f"and {source})")
            else:
                target[key] = value
                origin[where] = source

    for source, document in documents:
        put(merged, json.loads(json.dumps(document)), source, ())
    return merged


def load_data_files(paths: list[Path]) -> dict[str, Any]:
    return merge_data([(str(p), load_data_file(p)) for p in paths])


def _opa(section: dict[str, Any] | None, base: Path) -> dict[str, Any] | None:
    if section is None:
        return None
    out = dict(section)
    if "ca-bundle" in out:
        out["ca-bundle"] = str(base / out["ca-bundle"])
    return out
