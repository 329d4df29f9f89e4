"""Airflow connections whose definitions Terraform writes into a secrets backend: AWS Secrets Manager
(`airflow/connections/<id>`), GCP Secret Manager (`airflow-connections-<id>`) and SSM Parameter Store
(`/airflow/connections/<id>`), the prefixes of Airflow's secrets backends by default. Only secret-free facts of
each definition are kept (see airflow/connection_values.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airtf_lint.airflow.connection_values import describe_connection
from airtf_lint.terraform.resources import ResourceView

# secret resource type -> (attribute holding the name, prefix, backend, version type, version's link attribute,
#                          version's value attributes)
BACKENDS = {
    "aws_secretsmanager_secret": ("name", "airflow/connections/", "aws_secrets_manager",
                                  "aws_secretsmanager_secret_version", "secret_id", ("secret_string",)),
    "google_secret_manager_secret": ("secret_id", "airflow-connections-", "gcp_secret_manager",
                                     "google_secret_manager_secret_version", "secret", ("secret_data",)),
    "aws_ssm_parameter": ("name", "/airflow/connections/", "aws_ssm", None, None, ("value", "insecure_value")),
}


# Key resources whose secret a connection's value may carry: the connection then runs as the key's owner.
KEY_TYPES = frozenset({"aws_iam_access_key", "google_service_account_key"})


def _credential_key(holder: ResourceView, views: list[ResourceView], value_attributes: tuple[str, ...]
                    ) -> dict[str, str] | None:
    referenced = {address for name in value_attributes for address in holder.refs.get(name, [])}
    key = next((v for v in views if v.type in KEY_TYPES and v.scope == holder.scope
                and v.base_address in referenced), None)
    return {"address": key.address, "root": key.group} if key is not None else None


def _version_for(secret: ResourceView, versions: list[ResourceView], link: str) -> ResourceView | None:
    for version in versions:
        if version.scope == secret.scope and secret.base_address in version.refs.get(link, []):
            return version
        value = version.values.get(link)
        if isinstance(value, str) and value in (secret.values.get("name"), secret.values.get("secret_id")):
            return version
    return None


def extract_connections(views: Iterable[ResourceView]) -> list[dict[str, Any]]:
    views = list(views)
    out = []
    for view in views:
        backend = BACKENDS.get(view.type)
        if backend is None or view.mode != "managed":
            continue
        name_attribute, prefix, kind, version_type, link, value_attributes = backend
        name = view.values.get(name_attribute)
        if not isinstance(name, str) or not name.startswith(prefix):
            continue
        holder = view
        if version_type is not None:
            holder = _version_for(view, [v for v in views if v.type == version_type], link) or view
        value = next((holder.values.get(a) for a in value_attributes if isinstance(holder.values.get(a), str)), None)
        out.append({
            "conn_id": name[len(prefix):], "source": "terraform", "backend": kind, "address": view.address,
            "value_address": holder.address if holder is not view else None,
            "definition": describe_connection(value) if isinstance(value, str) else None,
            "credential_key": _credential_key(holder, views, value_attributes),
            **view.location.to_dict(),
        })
    return out
