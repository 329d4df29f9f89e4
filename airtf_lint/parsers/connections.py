"""Airflow connection definitions kept in files: `airflow connections export` JSON/YAML, Astro
`airflow_settings.yaml`, and `.env` files with AIRFLOW_CONN_* variables. Issue-level detail (URIs, extras) is
added by the identity analysis; here each connection id is found and located."""

from __future__ import annotations

import re
from typing import Any

import yaml

from airtf_lint.facts import ConnectionFacts
from airtf_lint.parsers.jsonfile import load_json
from airtf_lint.parsers.text import UnreadableFile

ENV_PREFIX = "AIRFLOW_CONN_"
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?AIRFLOW_CONN_([A-Za-z0-9_]+)\s*=", re.M)


def looks_like_connections(head: str, suffix: str) -> bool:
    if suffix == ".env" or suffix.startswith(".env"):
        return ENV_PREFIX in head
    return "conn_type" in head


def parse_connections(text: str, path: str, suffix: str) -> ConnectionFacts:
    if suffix == ".json":
        document = load_json(text, "connections JSON")
    elif suffix in (".yaml", ".yml"):
        document = _load_yaml(text)
    else:
        return ConnectionFacts([m.group(1).lower() for m in _ENV_LINE.finditer(text)])
    return ConnectionFacts(_conn_ids(document))


def _load_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UnreadableFile(f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None


def _conn_ids(document: Any) -> list[str]:
    if isinstance(document, dict) and isinstance(document.get("airflow"), dict):
        items = document["airflow"].get("connections") or []
        return [str(c["conn_id"]) for c in items if isinstance(c, dict) and "conn_id" in c]
    if isinstance(document, dict):
        return [str(k) for k, v in document.items() if isinstance(v, dict) and "conn_type" in v]
    return []
