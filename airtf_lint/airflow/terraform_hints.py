"""Terraform facts the identity resolution needs that the Terraform model does not keep: the variables each
`templatefile()` call gives a file (so Helm values such as `name: ${worker_service_account}` get their value), and the
Kubernetes service accounts that remote IAM modules bind to a role (terraform-aws-modules `eks-pod-identity`
`associations`, `iam-role-for-service-accounts-eks` `oidc_providers.*.namespace_service_accounts`), with the role
name given as the module input.

Each Terraform folder is evaluated on its own, offline, with its variables' defaults and its locals: values that
need more (a module output, a resource attribute, a workspace) stay unknown and are left out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any

from airtf_lint.facts import FileFacts, FileKind, HclBlock
from airtf_lint.terraform.evaluate import Scope, evaluate
from airtf_lint.terraform.ir import (
    BinOp,
    Call,
    Cond,
    ForExpr,
    ObjectExpr,
    Template,
    Traversal,
    TupleExpr,
    UnOp,
)
from airtf_lint.terraform.values import has_unknown

# Remote modules that create a role and bind Kubernetes service accounts to it: (source pattern, role-name inputs).
BINDING_MODULES = (
    (re.compile(r"eks-pod-identity"), ("name",), "pod_identity"),
    (re.compile(r"iam-role-for-service-accounts(-eks)?|iam-eks-role|irsa"), ("role_name", "name"), "irsa"),
)
MAX_WALK = 20000


def terraform_hints(all_facts: Iterable[FileFacts]) -> dict[str, list[dict[str, Any]]]:
    folders: dict[str, list[FileFacts]] = {}
    for facts in all_facts:
        if facts.source.kind is FileKind.TERRAFORM and not facts.errors:
            folders.setdefault(posixpath.dirname(facts.source.path) or ".", []).append(facts)
    templates: list[dict[str, Any]] = []
    bindings: list[dict[str, Any]] = []
    for folder, files in sorted(folders.items()):
        try:
            scope = _scope(folder, files)
            for facts in files:
                for block in facts.hcl_blocks:
                    templates += _templates(block, scope, folder)
                    if block.type == "module":
                        bindings += _bindings(block, scope)
        except Exception:  # noqa: BLE001, S112 - hints are a best effort; never break the model
            continue
    return {"templates": templates, "bindings": bindings}


def _scope(folder: str, files: list[FileFacts]) -> Scope:
    variables: dict[str, Any] = {}
    local_exprs: dict[str, Any] = {}
    for facts in files:
        for block in facts.hcl_blocks:
            if block.type == "variable" and block.labels:
                default = block.attributes.get("default")
                if default is not None and not has_unknown(default.value):
                    variables[block.labels[0]] = default.value
            elif block.type == "locals":
                for name, attr in block.attributes.items():
                    if attr.expr is not None:
                        local_exprs[name] = attr.expr
    return Scope(variables=variables, locals=local_exprs, module_dir=folder, root_dir=folder)


def _known(value: Any) -> bool:
    return value is not None and not has_unknown(value)


def _calls(expr: Any, depth: int = 0) -> Iterator[Call]:
    if depth > 40 or expr is None:
        return
    if isinstance(expr, Call):
        yield expr
        for arg in expr.args:
            yield from _calls(arg, depth + 1)
    elif isinstance(expr, Template):
        for part in expr.parts:
            if not isinstance(part, str):
                yield from _calls(part, depth + 1)
    elif isinstance(expr, TupleExpr):
        for item in expr.items:
            yield from _calls(item, depth + 1)
    elif isinstance(expr, ObjectExpr):
        for key, value in expr.items:
            yield from _calls(value, depth + 1)
    elif isinstance(expr, Cond):
        for part in (expr.condition, expr.then, expr.otherwise):
            yield from _calls(part, depth + 1)
    elif isinstance(expr, BinOp):
        yield from _calls(expr.left, depth + 1)
        yield from _calls(expr.right, depth + 1)
    elif isinstance(expr, UnOp):
        yield from _calls(expr.operand, depth + 1)
    elif isinstance(expr, Traversal):
        yield from _calls(expr.source, depth + 1)
    elif isinstance(expr, ForExpr):
        yield from _calls(expr.collection, depth + 1)
        yield from _calls(expr.value, depth + 1)


def _attributes(block: HclBlock, depth: int = 0) -> Iterator[Any]:
    yield from block.attributes.values()
    if depth < 6:
        for nested in block.blocks:
            yield from _attributes(nested, depth + 1)


def _templates(block: HclBlock, scope: Scope, folder: str) -> list[dict[str, Any]]:
    """Each templatefile(path, {vars}) in the block: the file (repository path) and its known string variables."""
    out = []
    for attr in _attributes(block):
        for call in _calls(attr.expr):
            if call.name != "templatefile" or len(call.args) != 2 or not isinstance(call.args[1], ObjectExpr):
                continue
            path = evaluate(call.args[0], scope)
            if not isinstance(path, str) or not _known(path):
                continue
            path = posixpath.normpath(path if path.startswith(folder + "/") or folder == "."
                                      else posixpath.join(folder, path))
            variables = {}
            for key, value in call.args[1].items:
                name = evaluate(key, scope)
                if not isinstance(name, str):
                    name = getattr(key, "text", None)
                found = evaluate(value, scope)
                if isinstance(name, str) and isinstance(found, str) and _known(found):
                    variables[name] = found
            out.append({"file": path, "variables": variables, "path": attr.location.path,
                        "line": attr.location.line})
    return out


def _bindings(block: HclBlock, scope: Scope) -> list[dict[str, Any]]:
    source = block.attributes.get("source")
    if source is None or not isinstance(source.value, str) or not block.labels:
        return []
    for pattern, name_inputs, kind in BINDING_MODULES:
        if pattern.search(source.value):
            break
    else:
        return []
    values = {}
    for key in (*name_inputs, "associations", "oidc_providers", "cluster_service_accounts", "association_defaults"):
        attr = block.attributes.get(key)
        if attr is not None:
            values[key] = evaluate(attr.expr, scope) if attr.expr is not None else attr.value
    role_name = next((values[k] for k in name_inputs if isinstance(values.get(k), str) and _known(values[k])), None)
    accounts: list[tuple[str, str]] = []
    defaults = values.get("association_defaults") if isinstance(values.get("association_defaults"), dict) else {}
    associations = values.get("associations")
    if isinstance(associations, dict):
        for item in associations.values():
            if isinstance(item, dict):
                namespace = item.get("namespace", defaults.get("namespace"))
                account = item.get("service_account", defaults.get("service_account"))
                if isinstance(namespace, str) and isinstance(account, str) and _known(namespace) and _known(account):
                    accounts.append((namespace, account))
    for key in ("oidc_providers", "cluster_service_accounts"):
        group = values.get(key)
        if not isinstance(group, dict):
            continue
        for item in group.values():
            listed = item.get("namespace_service_accounts") if isinstance(item, dict) else item
            for entry in listed if isinstance(listed, list) else []:
                if isinstance(entry, str) and _known(entry) and ":" in entry:
                    namespace, _, account = entry.partition(":")
                    accounts.append((namespace, account))
    module = f"module.{block.labels[0]}"
    return [{"module": module, "source": source.value, "kind": kind, "role_name": role_name, "namespace": ns,
             "service_account": sa, "path": block.location.path, "line": block.location.line}
            for ns, sa in accounts]
