"""The model as JSON text for the Rego engines: orjson (about ten times faster than the standard library on a model
of several megabytes), with the standard library for what orjson refuses (integers past 64 bits, which Terraform
arithmetic can produce)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(document: Any) -> str:
    try:
        return orjson.dumps(document).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(document)
