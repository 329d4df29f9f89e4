"""Whether a root module's backend locks state, established from its settings and -backend-config files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airtf_lint.facts import is_unknown

# Backends that always lock.
NATIVE_LOCKING = frozenset({"gcs", "azurerm", "remote", "cloud", "pg", "kubernetes", "cos"})
# Backends that lock only when one of these settings is given.
LOCK_SETTINGS = {"s3": ("use_lockfile", "dynamodb_table"), "http": ("lock_address",), "oss": ("tablestore_table",)}
# Backends that lock unless this setting is false.
LOCK_SWITCHES = {"consul": "lock"}
_HINTS = {"s3": "use_lockfile = true or dynamodb_table", "http": "lock_address", "oss": "tablestore_table"}


def _enabled(value: Any) -> bool:
    # A value that cannot be resolved statically is given the benefit of the doubt.
    return value is True or (isinstance(value, str) and value != "") or is_unknown(value)


def locking(backend_type: str, configs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """{locks: true|false|null, how: ...}; null when airtf-lint does not know the backend."""
    if backend_type in NATIVE_LOCKING:
        return {"locks": True, "how": "native"}
    if backend_type in LOCK_SETTINGS:
        for setting in LOCK_SETTINGS[backend_type]:
            if any(_enabled(config.get(setting)) for config in configs):
                return {"locks": True, "how": setting}
        return {"locks": False, "how": f"set {_HINTS[backend_type]}"}
    if backend_type in LOCK_SWITCHES:
        switch = LOCK_SWITCHES[backend_type]
        if any(config.get(switch) is False for config in configs):
            return {"locks": False, "how": f"{switch} = false turns locking off"}
        return {"locks": True, "how": "native"}
    return {"locks": None, "how": "unknown backend"}
