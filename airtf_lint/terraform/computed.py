"""Attributes Terraform computes that airtf-lint can compute too, by resource or data source type
(`data.aws_iam_policy_document` -> `json`). Each function gets the block's evaluated values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from airtf_lint.terraform.gcp_iam import google_iam_policy_data, service_account_email
from airtf_lint.terraform.policy import document_json, statements_from_document


def _policy_document(values: dict[str, Any]) -> dict[str, Any]:
    return {"json": document_json(statements_from_document(values))}


def _partition(values: dict[str, Any]) -> dict[str, Any]:
    # Assumed: the commercial partition. ARNs built from it (arn:${partition}:iam::aws:policy/...) are then known.
    return {"partition": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}


COMPUTED_ATTRIBUTES: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = MappingProxyType({
    "data.aws_iam_policy_document": _policy_document,
    "data.google_iam_policy": google_iam_policy_data,
    "data.aws_partition": _partition,
    "google_service_account": service_account_email,
})
