"""Literal values written into secret stores by Terraform: the resource says the value is secret, whatever the
attribute is called (`value`, `data`, `secret_data`...). A literal there is a secret committed to the repository
(and copied into state), however well the store keeps it afterwards.

Covered: `aws_ssm_parameter` of type SecureString (`value`), `aws_secretsmanager_secret_version`
(`secret_string`, `secret_binary`), `google_secret_manager_secret_version` (`secret_data`), `kubernetes_secret` /
`kubernetes_secret_v1` (`data`, `binary_data`: each literal value of the map), `azurerm_key_vault_secret`
(`value`), `vault_generic_secret` / `vault_kv_secret_v2` / `vault_kv_secret` (`data_json`: literal strings in
it, written as JSON text or with jsonencode). Values built from variables, references or functions are not
literals and are not reported here (a variable's secret default is reported where it is written). Only the masked
form and the fingerprint of a value are kept, as for every other secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from airtf_lint.facts import HclAttribute, HclBlock, Location, SecretFact
from airtf_lint.secrets import linear
from airtf_lint.secrets.values import (
    fingerprint,
    is_placeholder,
    is_runtime_value,
    looks_like_uri_password,
    mask,
    typed_run,
)
from airtf_lint.terraform.ir import Call, Lit, ObjectExpr, Template, TupleExpr

# resource type -> attributes whose literal value (or literal strings inside) is secret
STORES: dict[str, tuple[str, ...]] = {
    "aws_ssm_parameter": ("value",),
    "aws_secretsmanager_secret_version": ("secret_string", "secret_binary"),
    "google_secret_manager_secret_version": ("secret_data",),
    "kubernetes_secret": ("data", "binary_data"),
    "kubernetes_secret_v1": ("data", "binary_data"),
    "azurerm_key_vault_secret": ("value",),
    "vault_generic_secret": ("data_json",),
    "vault_kv_secret_v2": ("data_json",),
    "vault_kv_secret": ("data_json",),
}
DETECTOR = "secret_store_value"
TITLE = "literal value written into a secret store"
_URI_CREDENTIALS = linear.compile(r"^[A-Za-z][\w+.-]{0,30}://(?P<user>[^\s:/@]*):(?P<password>[^\s/@]*)@")


def _worth_reporting(value: str) -> bool:
    text = value.strip()
    if len(text) < 4 or "${" in text or text.lower() == "value" or is_runtime_value(text):
        return False
    if is_placeholder(text) or typed_run(text, digits=True):
        return False  # `<...>`, `changeme`, `…EXAMPLE…`, `AKIAZZZZ…`, `abcd1234abcd1234abcd1234`: not a secret
    uri = _URI_CREDENTIALS.search(text)
    if uri:  # a connection URI is as secret as its password (`aws://mock_access_key:mock_secret_key@`, `http://:@`)
        return looks_like_uri_password(uri.group("password"), uri.group("user"))
    return True


# Keys of a secret's JSON or map that name what is not secret (a database secret's username, host, port...).
NOT_SECRET_KEYS = frozenset({"username", "user", "user_name", "login", "host", "hostname", "port", "engine",
                             "dbname", "db_name", "database", "dbinstanceidentifier", "dbclusteridentifier",
                             "region", "endpoint", "name", "type", "schema", "account", "account_id", "email",
                             "client_id", "project_id", "tenant_id", "namespace", "conn_type", "protocol"})


def _key_text(expr: Any) -> str | None:
    if isinstance(expr, Lit) and isinstance(expr.value, str):
        return expr.value
    text = getattr(expr, "text", None)
    return text.strip('"') if isinstance(text, str) else None


def _literal_strings(expr: Any, value: Any) -> Iterator[str]:
    """The literal strings an attribute's expression holds: the whole value when it is one literal string (JSON
    text included: its string leaves), else the literal leaves of object / tuple constructors and jsonencode;
    never the values of keys that name what is not secret."""
    if isinstance(value, str):
        yield from _json_leaves(value)
        return
    stack: list[tuple[str | None, Any]] = [(None, expr)]
    while stack:
        key, node = stack.pop()
        if key is not None and key.lower() in NOT_SECRET_KEYS:
            continue
        if isinstance(node, Lit):
            if isinstance(node.value, str):
                yield node.value
        elif isinstance(node, Template):
            if all(isinstance(part, str) for part in node.parts):
                yield "".join(node.parts)  # type: ignore[arg-type]
        elif isinstance(node, ObjectExpr):
            stack.extend((_key_text(k), v) for k, v in node.items)
        elif isinstance(node, TupleExpr):
            stack.extend((key, item) for item in node.items)
        elif isinstance(node, Call) and node.name in ("jsonencode", "yamlencode", "tomap", "base64encode",
                                                         "sensitive", "nonsensitive"):
            stack.extend((key, arg) for arg in node.args)


def _json_leaves(text: str) -> Iterator[str]:
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            document = json.loads(stripped)
        except ValueError:
            yield text
            return
        stack: list[tuple[str | None, Any]] = [(None, document)]
        while stack:
            key, item = stack.pop()
            if key is not None and key.lower() in NOT_SECRET_KEYS:
                continue
            if isinstance(item, dict):
                stack.extend((str(k), v) for k, v in item.items())
            elif isinstance(item, list):
                stack.extend((key, v) for v in item)
            elif isinstance(item, str):
                yield item
        return
    yield text


def _applies(block: HclBlock) -> bool:
    if block.labels[0] != "aws_ssm_parameter":
        return True
    kind = block.attributes.get("type")
    return kind is not None and kind.value == "SecureString"


def _locate(attr: HclAttribute, value: str, lines: list[str]) -> Location:
    start, end = attr.location.line, attr.location.end_line or attr.location.line
    for number in range(start, min(end, len(lines)) + 1):
        column = lines[number - 1].find(value)
        if column >= 0:
            return Location(attr.location.path, number, column + 1, number, column + 1 + len(value))
    return attr.location


def secret_store_values(blocks: list[HclBlock], text: str) -> list[SecretFact]:
    found: list[SecretFact] = []
    lines: list[str] | None = None
    for block in blocks:
        if block.type != "resource" or len(block.labels) < 2 or block.labels[0] not in STORES or not _applies(block):
            continue
        for name in STORES[block.labels[0]]:
            attr = block.attributes.get(name)
            if attr is None:
                continue
            for value in dict.fromkeys(_literal_strings(attr.expr, attr.value)):
                if not _worth_reporting(value):
                    continue
                lines = text.splitlines() if lines is None else lines
                found.append(SecretFact(DETECTOR, TITLE, "assignment", f"{block.labels[0]}.{block.labels[1]}.{name}",
                                        _locate(attr, value, lines), mask(value), fingerprint(value)))
    return found


def new_store_values(store: list[SecretFact], found: list[SecretFact]) -> list[SecretFact]:
    """The store values no other detector reported: not the same value, and not a value that holds one already
    reported (a connection URI whose password the URI detector found)."""
    fingerprints = {s.fingerprint for s in found}

    def inside(inner: Location, outer: Location) -> bool:
        end = outer.end_line or outer.line
        if end > outer.line:  # a value not found on one line: located at its whole attribute
            return outer.line <= inner.line <= end
        return (inner.line == outer.line and outer.end_column is not None
                and outer.column <= inner.column < outer.end_column)

    return [s for s in store if s.fingerprint not in fingerprints
            and not any(inside(f.location, s.location) for f in found)]
