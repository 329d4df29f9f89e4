"""The storage behind a root module's backend, when the repository defines it: the S3 or GCS bucket the state is
written to, and the DynamoDB lock table. Facts for ATF-STATE-005: whether the bucket keeps versions (state history
survives a bad write, e.g. an Airflow retry racing a manual apply), blocks public access, is encrypted, and whether
the lock table has the key schema Terraform's S3 backend needs (a string hash key named `LockID`).

A bucket is matched by its literal name (`bucket` of aws_s3_bucket, `name` of google_storage_bucket) against the
backend's `bucket`; the resources configuring it (aws_s3_bucket_versioning, aws_s3_bucket_public_access_block,
aws_s3_bucket_server_side_encryption_configuration) by reference to it or by its name. Values that cannot be known
statically are null, never false.
"""

from __future__ import annotations

from typing import Any

from airtf_lint.facts import is_unknown
from airtf_lint.terraform.resources import ResourceView

_PUBLIC_ACCESS_SETTINGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def _first(value: Any) -> dict[str, Any]:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return {}


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


class StateStorage:
    def __init__(self, views: list[ResourceView]) -> None:
        self.by_type: dict[str, list[ResourceView]] = {}
        for view in views:
            if view.mode == "managed":
                self.by_type.setdefault(view.type, []).append(view)

    def _named(self, resource_type: str, attribute: str, name: str) -> ResourceView | None:
        return next((v for v in self.by_type.get(resource_type, []) if v.values.get(attribute) == name), None)

    def _configuring(self, resource_type: str, bucket: ResourceView, name: str) -> list[ResourceView]:
        out = []
        for view in self.by_type.get(resource_type, []):
            linked = any(a == bucket.base_address for a in view.refs.get("bucket", [])) and view.scope == bucket.scope
            if linked or view.values.get("bucket") == name:
                out.append(view)
        return out

    def facts(self, backend: dict[str, Any]) -> dict[str, Any] | None:
        config = backend.get("config") or {}
        bucket = config.get("bucket")
        if not isinstance(bucket, str) or is_unknown(bucket):
            return None
        if backend.get("type") == "s3":
            return self._s3(bucket, config)
        if backend.get("type") == "gcs":
            return self._gcs(bucket)
        return None

    def _s3(self, name: str, config: dict[str, Any]) -> dict[str, Any] | None:
        bucket = self._named("aws_s3_bucket", "bucket", name)
        table_name = config.get("dynamodb_table")
        table = self._named("aws_dynamodb_table", "name", table_name) if isinstance(table_name, str) else None
        if bucket is None and table is None:
            return None
        out: dict[str, Any] = {"bucket": None, "lock_table": self._lock_table(table) if table else None}
        if bucket is not None:
            versioning = self._s3_versioning(bucket, name)
            blocks = self._configuring("aws_s3_bucket_public_access_block", bucket, name)
            public = None
            if blocks:  # a setting left out defaults to false
                settings = [False if blocks[0].values.get(k) is None else _flag(blocks[0].values.get(k))
                            for k in _PUBLIC_ACCESS_SETTINGS]
                public = False if False in settings else (True if all(settings) else None)
            encryption = bool(self._configuring("aws_s3_bucket_server_side_encryption_configuration", bucket, name)
                              or bucket.values.get("server_side_encryption_configuration"))
            out["bucket"] = {
                "address": bucket.address, "name": name, "versioning": versioning,
                "public_access_block": bool(blocks), "public_access_blocked": public,
                "encryption_configured": encryption, "backend_encrypt": config.get("encrypt") is True,
                **bucket.location.to_dict(),
            }
        return out

    def _s3_versioning(self, bucket: ResourceView, name: str) -> bool | None:
        for view in self._configuring("aws_s3_bucket_versioning", bucket, name):
            status = _first(view.values.get("versioning_configuration")).get("status")
            if isinstance(status, str):
                return status == "Enabled"
            return None
        legacy = _first(bucket.values.get("versioning"))
        if legacy:
            return _flag(legacy.get("enabled"))
        return False

    def _lock_table(self, table: ResourceView) -> dict[str, Any]:
        hash_key = table.values.get("hash_key")
        attributes = [a for a in table.values.get("attribute") or [] if isinstance(a, dict)]
        declared = next((a.get("type") for a in attributes if a.get("name") == hash_key), None)
        known = isinstance(hash_key, str)
        return {"address": table.address, "name": table.values.get("name"), "hash_key": hash_key if known else None,
                "key_schema_ok": (hash_key == "LockID" and declared in ("S", None)) if known else None,
                **table.location.to_dict()}

    def _gcs(self, name: str) -> dict[str, Any] | None:
        bucket = self._named("google_storage_bucket", "name", name)
        if bucket is None:
            return None
        versioning = _first(bucket.values.get("versioning"))
        public_members = []
        for resource_type in ("google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"):
            for view in self._configuring(resource_type, bucket, name):
                members = view.values.get("members") if "members" in view.values else [view.values.get("member")]
                public_members += [m for m in members or [] if m in ("allUsers", "allAuthenticatedUsers")]
        prevention = bucket.values.get("public_access_prevention")
        return {"bucket": {
            "address": bucket.address, "name": name,
            "versioning": _flag(versioning.get("enabled")) if versioning else False,
            "public_access_block": prevention == "enforced",
            "public_access_blocked": False if public_members else (True if prevention == "enforced" else None),
            "public_members": public_members,
            "encryption_configured": bool(bucket.values.get("encryption")), "backend_encrypt": None,
            **bucket.location.to_dict(),
        }, "lock_table": None}
