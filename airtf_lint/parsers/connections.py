"""Airflow connection definitions kept in files, each located and described without its secrets.

Sources: `airflow connections export` JSON/YAML/ENV and LocalFilesystemBackend files ({id: {fields}} or
{id: "URI"}), `.env` files with AIRFLOW_CONN_*, docker-compose `environment:` blocks, Helm values (`env`,
`extraEnv`, `secret`, the community chart's `airflow.connections`), and Astro's `airflow_settings.yaml`
(`airflow.connections[{conn_id, conn_type, conn_host, ...}]`). YAML is searched on its node tree so that every
definition keeps its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from airtf_lint.airflow.connection_values import describe_connection
from airtf_lint.facts import (
    ConnectionDefinition,
    ConnectionFacts,
    Location,
    WorkerAccount,
)
from airtf_lint.parsers.jsonfile import LineIndex, key_pattern, load_json
from airtf_lint.parsers.text import UnreadableFile
from airtf_lint.sniff import ENV_PREFIX, looks_like_connections  # noqa: F401 - recognised in discovery
from airtf_lint.yamlload import check_expansion


# Components of the official Helm chart whose serviceAccount decides the identity of the code they run.
HELM_COMPONENTS = frozenset({"workers", "scheduler", "triggerer", "dagProcessor", "webserver", "apiServer"})
_ENV_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?(AIRFLOW_CONN_[A-Za-z0-9_.-]+)[ \t]*=[ \t]*(.*)$", re.M)
_URI = re.compile(r"^[a-z][a-z0-9+_.-]*://", re.I)


def _conn_id_from_env(name: str) -> str:
    return name[len(ENV_PREFIX):].lower()


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def parse_connections(text: str, path: str, suffix: str) -> ConnectionFacts:
    if suffix == ".json":
        return ConnectionFacts(_from_json(text, path))
    if suffix in (".yaml", ".yml"):
        return _from_yaml(text, path)
    return ConnectionFacts(_from_env(text, path))


def _definition(conn_id: str, source: str, value: Any, path: str, line: int) -> ConnectionDefinition:
    return ConnectionDefinition(conn_id, source, describe_connection(value), Location(path, line))


def _from_env(text: str, path: str) -> list[ConnectionDefinition]:
    lines = LineIndex(text)
    return [_definition(_conn_id_from_env(m.group(1)), "env_file", _unquote(m.group(2)), path, lines.line(m.start()))
            for m in _ENV_LINE.finditer(text)]


def _export_item(value: Any) -> bool:
    return (isinstance(value, dict) and "conn_type" in value) or (isinstance(value, str) and bool(_URI.match(value)))


def _from_json(text: str, path: str) -> list[ConnectionDefinition]:
    document = load_json(text, "connections JSON")
    if not isinstance(document, dict):
        return []
    lines = LineIndex(text)
    out = []
    for conn_id, value in document.items():
        if _export_item(value):
            match = key_pattern(conn_id).search(text)
            out.append(_definition(conn_id, "export", value, path, lines.line(match.start()) if match else 1))
    return out


def _from_yaml(text: str, path: str) -> ConnectionFacts:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return ConnectionFacts()
        check_expansion(root, text)
        search = _YamlSearch(loader, path)
        return ConnectionFacts(search.run(root), search.worker_accounts)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UnreadableFile(f"invalid YAML: {getattr(exc, 'problem', None) or 'cannot parse'}",
                             mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()


class _YamlSearch:
    def __init__(self, loader: yaml.SafeLoader, path: str) -> None:
        self.loader, self.path = loader, path
        self.found: list[ConnectionDefinition] = []
        self.worker_accounts: list[WorkerAccount] = []
        self.visited: set[int] = set()  # an aliased node is searched once, however many times it is referenced

    def value(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            return None

    def emit(self, conn_id: str, source: str, value: Any, node: yaml.Node) -> None:
        line = node.start_mark.line + 1
        # YAML anchors (docker-compose's x-airflow-common) reach the same node more than once: one definition.
        if not any(d.conn_id == conn_id and d.location.line == line for d in self.found):
            self.found.append(_definition(conn_id, source, value, self.path, line))

    def run(self, root: yaml.Node) -> list[ConnectionDefinition]:
        if isinstance(root, yaml.MappingNode):
            for key, value in root.value:
                if isinstance(key, yaml.ScalarNode) and _export_item(self.value(value)):
                    self.emit(str(key.value), "export", self.value(value), key)
        if not self.found:
            self.visit(root)
        return self.found

    def visit(self, node: yaml.Node) -> None:
        if id(node) in self.visited:
            return
        self.visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if isinstance(item, yaml.ScalarNode) and str(item.value).startswith(ENV_PREFIX) and "=" in item.value:
                    name, _, raw = str(item.value).partition("=")
                    self.emit(_conn_id_from_env(name), "environment", raw, item)
                else:
                    self.visit(item)
        elif isinstance(node, yaml.ScalarNode) and ENV_PREFIX in str(node.value) and "\n" in str(node.value):
            self._embedded(node)

    def _mapping(self, node: yaml.MappingNode) -> None:
        keys = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        name = keys.get("name")
        if isinstance(name, yaml.ScalarNode) and str(name.value).startswith(ENV_PREFIX) and "value" in keys:
            self.emit(_conn_id_from_env(str(name.value)), "environment", self.value(keys["value"]), name)
            return
        for key, value in node.value:
            label = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
            if label.startswith(ENV_PREFIX):
                self.emit(_conn_id_from_env(label), "environment", self.value(value), key)
            elif label == "connections" and isinstance(value, yaml.SequenceNode):
                self._connection_list(value)
            elif label in HELM_COMPONENTS and isinstance(value, yaml.MappingNode):
                self._service_account(label, value)
                self.visit(value)
            else:
                self.visit(value)

    def _service_account(self, component: str, node: yaml.MappingNode) -> None:
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "serviceAccount":
                account = self.value(value)
                if isinstance(account, dict):
                    annotations = account.get("annotations") if isinstance(account.get("annotations"), dict) else {}
                    name = account.get("name") if isinstance(account.get("name"), str) else None
                    self.worker_accounts.append(WorkerAccount(component, name, annotations,
                                                              Location(self.path, key.start_mark.line + 1)))

    def _connection_list(self, node: yaml.SequenceNode) -> None:
        """Astro's airflow.connections and the community Helm chart's airflow.connections."""
        for item in node.value:
            fields = self.value(item) if isinstance(item, yaml.MappingNode) else None
            if not isinstance(fields, dict):
                continue
            conn_id = fields.get("conn_id", fields.get("id"))
            if not isinstance(conn_id, str):
                continue
            normal = {k.removeprefix("conn_") if k not in ("conn_type", "conn_id") else k: v for k, v in fields.items()}
            normal.setdefault("conn_type", normal.pop("type", None))
            self.emit(conn_id, "settings", normal, item)

    def _embedded(self, node: yaml.ScalarNode) -> None:
        """A YAML string holding YAML (Helm's extraEnv: |): search it too, at its own lines."""
        inner = _YamlSearch(yaml.SafeLoader(str(node.value)), self.path)
        try:
            root = inner.loader.get_single_node()
            if root is not None:
                check_expansion(root, str(node.value))
                inner.visit(root)
        except yaml.YAMLError:
            return
        finally:
            inner.loader.dispose()
        if inner.found:
            offset = node.start_mark.line + 1
            for definition in inner.found:
                location = definition.location
                self.found.append(ConnectionDefinition(definition.conn_id, definition.source, definition.definition,
                                                       Location(location.path, location.line + offset)))

