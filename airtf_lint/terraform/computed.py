"""Attributes Terraform computes that airtf-lint can compute too, by resource or data source type
(`data.aws_iam_policy_document` -> `json`). Each function gets the block's evaluated values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COMPUTED_ATTRIBUTES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
