"""Attributes Terraform computes that airtf-lint can compute too, by resource or data source type
(`data.aws_iam_policy_document` -> `json`). Each function gets the block's evaluated values."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from airtf_lint.terraform.gcp_iam import google_iam_policy_data, service_account_email
from airtf_lint.facts import Location
from airtf_lint.terraform.policy import document_json, statements_from_data, statements_from_document


def _policy_document(values: dict[str, Any]) -> dict[str, Any]:
    return {"json": document_json(statements_from_document(values))}


_AWS_MANAGED_NAME = re.compile(r"^(?:AWS|Amazon)[A-Za-z0-9_+=,.@-]*$")
_AWS_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")


def _iam_policy(values: dict[str, Any]) -> dict[str, Any]:
    """`data "aws_iam_policy"` looked up by `arn` or `name`: an AWS-managed policy's ARN (and, for the ones
    airtf-lint knows, its `policy` document), so that attaching `data.aws_iam_policy.x.arn` is recognised. A name
    is taken for an AWS-managed policy when airtf-lint knows it, or it has AWS's naming (AWS..., Amazon...) and no
    path prefix is asked for; any other stays unknown (a customer-managed policy outside the repository)."""
    from airtf_lint.terraform.aws_iam import aws_managed_policies

    known = aws_managed_policies()
    arn, name = values.get("arn"), values.get("name")
    out: dict[str, Any] = {}
    if isinstance(arn, str):
        match = _AWS_MANAGED_ARN.match(arn)
        if match:
            out["name"] = match.group(1)
    elif isinstance(name, str) and values.get("path_prefix") is None and (name in known or
                                                                          _AWS_MANAGED_NAME.match(name)):
        out = {"arn": f"arn:aws:iam::aws:policy/{name}", "name": name}
    found = out.get("name")
    if isinstance(found, str) and found in known:
        out["policy"] = document_json(statements_from_data(known[found], Location("", 1)))
    return out


def _partition(values: dict[str, Any]) -> dict[str, Any]:
    # Assumed: the commercial partition. ARNs built from it (arn:${partition}:iam::aws:policy/...) are then known.
    return {"partition": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}


COMPUTED_ATTRIBUTES: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] = MappingProxyType({
    "data.aws_iam_policy_document": _policy_document,
    "data.google_iam_policy": google_iam_policy_data,
    "data.aws_partition": _partition,
    "data.aws_iam_policy": _iam_policy,
    "google_service_account": service_account_email,
})
