"""What a connection definition says about identity, without ever keeping its secrets.

Airflow stores a connection as a URI (`aws://AKIA...:secret@/?role_arn=...`) or as JSON
(`{"conn_type": "aws", "extra": {...}}`); `extra` may itself be a JSON string. From either, this keeps the
connection type, host, the identity-bearing extras (role ARN, impersonation chain, key file path...) and whether
secrets are present — never a password, secret key, token or key content.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# Extras that say which identity a connection uses: kept verbatim.
IDENTITY_EXTRAS = frozenset({
    "role_arn", "assume_role_method", "region_name", "profile_name", "aws_session_token_present",
    "impersonation_chain", "key_path", "keyfile_path", "project", "project_id", "scope", "scopes",
    "credential_config_file_present", "use_irsa", "in_cluster", "cluster_context", "namespace", "tenant_id",
    "client_id", "managed_identity_client_id", "workload_identity_tenant_id", "account", "warehouse", "role",
    "authenticator", "auth_type", "host", "endpoint_url", "service_config",
})
# Extras whose presence matters and whose value must never be kept.
SECRET_EXTRAS = frozenset({
    "aws_secret_access_key", "aws_access_key_id", "aws_session_token", "keyfile_dict", "key_secret",
    "private_key", "private_key_content", "password", "token", "client_secret", "secret", "api_key", "access_token",
    "credential_config_file",
})
_EXTRA_PREFIXES = ("extra__aws__", "extra__google_cloud_platform__", "extra__kubernetes__", "extra__snowflake__")


def _clean_extras(extra: Any) -> tuple[dict[str, Any], list[str]]:
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra.strip() else {}
        except json.JSONDecodeError:
            return {}, []
    if not isinstance(extra, dict):
        return {}, []
    kept: dict[str, Any] = {}
    secrets: list[str] = []
    for raw_key, value in extra.items():
        key = str(raw_key)
        for prefix in _EXTRA_PREFIXES:
            key = key.removeprefix(prefix)
        if key in SECRET_EXTRAS:
            if value not in (None, ""):
                secrets.append(key)
            email = _key_client_email(value) if key == "keyfile_dict" else None
            if email:
                kept["key_client_email"] = email  # whose key it is: not a secret
        elif key in IDENTITY_EXTRAS:
            kept[key] = value
    return kept, sorted(secrets)


def _key_client_email(value: Any) -> str | None:
    """The `client_email` of a service-account key given inline (keyfile_dict, a dict or a JSON string)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    email = value.get("client_email") if isinstance(value, dict) else None
    return email if isinstance(email, str) and "@" in email and len(email) < 320 else None


AWS_KEY_EXTRAS = frozenset({"aws_access_key_id", "aws_secret_access_key"})
GCP_KEY_EXTRAS = frozenset({"keyfile_dict", "key_path", "keyfile_path"})


def static_credentials(definition: dict[str, Any]) -> str | None:
    """What long-lived credential a connection embeds or points at, if any: an AWS key pair, a GCP key."""
    conn_type = str(definition.get("conn_type") or "")
    secrets = set(definition.get("secret_extras") or [])
    extra = definition.get("extra") or {}
    if conn_type == "aws" and "aws_session_token" in secrets:
        return None  # temporary credentials (an STS session): they expire, they are not a long-lived key
    if conn_type == "aws" and ((definition.get("login_present") and definition.get("password_present"))
                               or AWS_KEY_EXTRAS & secrets):
        return "AWS access key pair"
    if conn_type in ("google_cloud_platform", "gcpbigquery", "gcp") and (GCP_KEY_EXTRAS & (secrets | set(extra))):
        return "GCP service-account key"
    return None


def describe_connection(value: Any) -> dict[str, Any]:
    """Identity-relevant, secret-free facts of a connection given as a URI string, a JSON string or a dict."""
    described = _describe(value)
    described["static_credentials"] = static_credentials(described)
    return described


def _describe(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                return _describe(json.loads(text))
            except json.JSONDecodeError:
                return {"conn_type": None, "format": "invalid"}
        return _from_uri(text)
    if isinstance(value, dict):
        extras, secret_extras = _clean_extras(value.get("extra", value.get("extra_dejson", {})))
        return {
            "conn_type": value.get("conn_type"), "format": "json", "host": value.get("host"),
            "login_present": bool(value.get("login")), "password_present": bool(value.get("password")),
            "extra": extras, "secret_extras": secret_extras,
        }
    return {"conn_type": None, "format": "unknown"}


def _from_uri(uri: str) -> dict[str, Any]:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return {"conn_type": None, "format": "invalid"}
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    extra: Any = query.pop("__extra__", None)
    if extra is None:
        extra = query
    extras, secret_extras = _clean_extras(extra)
    return {
        "conn_type": parts.scheme.replace("-", "_") or None, "format": "uri",
        "host": unquote(parts.hostname) if parts.hostname else None,
        "login_present": bool(parts.username), "password_present": bool(parts.password),
        "extra": extras, "secret_extras": secret_extras,
    }
