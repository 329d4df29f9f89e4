"""Connections that Python code builds and stores at run time: `conn = Connection(conn_id=..., conn_type=...)`
followed by `session.add(conn)` (or `merge`, `add_all`, a secrets backend's `create_connection`/`set_connection`),
in a DAG's task callable or a setup module. Read with Python's parser, never run.

A connection is recorded (source `python`) when its id and type are known statically (literals or module
constants) and the object is stored in the same function; its other fields are described secret-free by
describe_connection (a password or secret extra counts as present, its value is never kept). Test code
(`tests/`, `test_*.py`, `conftest.py`) is not read: it defines connections for its tests, not for the deployment.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import PurePosixPath
from typing import Any

from airtf_lint.airflow.connection_values import SECRET_EXTRAS, describe_connection
from airtf_lint.airflow.pyeval import Evaluator, dotted
from airtf_lint.facts import (
    ConnectionDefinition,
    ConnectionFacts,
    Location,
    Value,
    is_unknown,
)

SOURCE = "python"
RUNTIME_MARKER = "Connection("
MAX_DEFINITIONS = 500
_STORE_METHODS = frozenset({"add", "merge", "add_all", "create_connection", "set_connection"})
_CONNECTION_CLASSES = ("airflow.models.connection.Connection", "airflow.models.Connection",
                       "airflow.sdk.Connection", "airflow.sdk.definitions.connection.Connection")
_TEST_DIRS = frozenset({"tests", "test", "testing"})


def _is_test_path(path: str) -> bool:
    parts = PurePosixPath(path.replace("\\", "/")).parts
    name = parts[-1] if parts else ""
    return (any(part in _TEST_DIRS for part in parts[:-1]) or name.startswith("test_") or name.endswith("_test.py")
            or name == "conftest.py")


def runtime_connections(text: str, path: str) -> ConnectionFacts:
    if _is_test_path(path):
        return ConnectionFacts()
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError):
        return ConnectionFacts()
    evaluator = Evaluator(text)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                evaluator.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    evaluator.imports[alias.asname] = alias.name
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            try:
                evaluator.bind(statement)
            except RecursionError:
                continue
    found: list[ConnectionDefinition] = []
    scopes: list[list[ast.stmt]] = [tree.body]
    scopes += [node.body for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for body in scopes:
        _scope(body, evaluator, path, found)
        if len(found) >= MAX_DEFINITIONS:
            break
    return ConnectionFacts(found[:MAX_DEFINITIONS])


def _is_connection_class(evaluator: Evaluator, func: ast.expr) -> bool:
    qualified = evaluator.qualified(func)
    return qualified in _CONNECTION_CLASSES


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of a scope, not descending into nested functions or classes (their own scopes)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        out.append(node)
        for child in reversed(list(ast.iter_child_nodes(node))):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)
    return out


def _scope(body: list[ast.stmt], evaluator: Evaluator, path: str, found: list[ConnectionDefinition]) -> None:
    nodes = _own_nodes(body)
    named: dict[str, ast.Call] = {}  # conn = Connection(...)
    stored_names: set[str] = set()
    stored_calls: list[ast.Call] = []
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call) \
                and _is_connection_class(evaluator, node.value.func):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    named[target.id] = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _STORE_METHODS:
            arguments = [*node.args, *(k.value for k in node.keywords)]
            for argument in arguments:
                items = argument.elts if isinstance(argument, (ast.List, ast.Tuple)) else [argument]
                for item in items:
                    if isinstance(item, ast.Name):
                        stored_names.add(item.id)
                    elif isinstance(item, ast.Call) and _is_connection_class(evaluator, item.func):
                        stored_calls.append(item)
    if not named and not stored_calls:
        return
    env: dict[str, Value] = {}
    for statement in body:  # the scope's simple bindings, so that `conn_id = "x"` in the function is known
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            try:
                evaluator.bind(statement, env, {})
            except RecursionError:
                continue
    calls = [call for name, call in named.items() if name in stored_names] + stored_calls
    for call in calls:
        definition = _definition(call, evaluator, env, path)
        if definition is not None and not any(d.conn_id == definition.conn_id and d.location == definition.location
                                              for d in found):
            found.append(definition)


def _literal(value: Value | None) -> Any:
    if value is None or value.kind not in ("literal", "env_default") or is_unknown(value.value):
        return None
    return value.value


def _definition(call: ast.Call, evaluator: Evaluator, env: dict[str, Value], path: str) -> ConnectionDefinition | None:
    arguments: dict[str, ast.expr] = {k.arg: k.value for k in call.keywords if k.arg}
    for name, node in zip(("conn_id", "conn_type", "description", "host", "login", "password"), call.args):
        arguments.setdefault(name, node)
    if "uri" in arguments:
        uri = _literal(evaluator.value(arguments["uri"], env))
        conn_id = _literal(evaluator.value(arguments["conn_id"], env)) if "conn_id" in arguments else None
        if isinstance(conn_id, str) and isinstance(uri, str):
            return ConnectionDefinition(conn_id, SOURCE, describe_connection(uri), Location(path, call.lineno))
        return None
    if "conn_id" not in arguments or "conn_type" not in arguments:
        return None
    conn_id = _literal(evaluator.value(arguments["conn_id"], env))
    conn_type = _literal(evaluator.value(arguments["conn_type"], env))
    if not isinstance(conn_id, str) or not conn_id or not isinstance(conn_type, str) or not conn_type:
        return None
    fields: dict[str, Any] = {"conn_type": conn_type}
    host = _literal(evaluator.value(arguments["host"], env)) if "host" in arguments else None
    if isinstance(host, str):
        fields["host"] = host
    for secret in ("login", "password"):
        node = arguments.get(secret)
        if node is not None and not (isinstance(node, ast.Constant) and node.value in (None, "")):
            fields[secret] = "set"  # present; its value (a literal or not) is never read
    extra = _extra(arguments.get("extra"), evaluator, env)
    if extra is not None:
        fields["extra"] = extra
    described = describe_connection(fields)
    return ConnectionDefinition(conn_id, SOURCE, described, Location(path, call.lineno))


def _extra(node: ast.expr | None, evaluator: Evaluator, env: dict[str, Value]) -> Any:
    """A literal dict, a JSON string, or json.dumps({...}) of one: the keys with literal values (others count as
    set, so a secret extra is still seen as present)."""
    if node is None:
        return None
    if isinstance(node, ast.Call) and dotted(node.func) in ("json.dumps", "dumps") and node.args:
        node = node.args[0]
    if isinstance(node, ast.Dict):
        out: dict[str, Any] = {}
        for key, value in zip(node.keys, node.values):
            if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
                continue
            known = _literal(evaluator.value(value, env))
            if known is not None:
                out[key.value] = known
            elif re.sub(r"^extra__\w+?__", "", key.value) in SECRET_EXTRAS:
                out[key.value] = "set"  # a secret extra that is set, whatever it holds
        return out
    value = _literal(evaluator.value(node, env))
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None
