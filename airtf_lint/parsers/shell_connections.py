"""Airflow connections created by the CLI in shell scripts, entrypoints and Dockerfiles' RUN lines.

`airflow connections add ID --conn-type T --conn-host H --conn-extra '{...}'` (or `--conn-uri URI`,
`--conn-json '{...}'`), and Airflow 1's `airflow connections -a --conn_id ID --conn_type T ...`, also behind
`docker exec CONTAINER` or `docker-compose exec SERVICE`. Each command is split with shlex, never run; a value
holding a shell expansion (`$VAR`, `$(...)`) is not known, and a connection whose id is not known is not recorded.
Only secret-free facts are kept (describe_connection): a password or a secret extra is recorded as present only.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from airtf_lint.airflow.connection_values import describe_connection
from airtf_lint.facts import ConnectionDefinition, ConnectionFacts, Location

SOURCE = "cli_script"
MAX_COMMANDS = 2000  # `airflow connections` commands read from one file
MAX_COMMAND_CHARS = 100_000  # one command, continuation lines joined
MAX_EXTRA_LINES = 200  # lines joined to close a quote opened on the command's first line
_COMMAND = re.compile(r"\bairflow\s+connections\b")
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")", "|&"})
_FIELDS = {"conn_type": "conn_type", "conn_host": "host", "conn_login": "login", "conn_password": "password",
           "conn_schema": "schema", "conn_port": "port", "conn_extra": "extra", "conn_uri": "conn_uri",
           "conn_json": "conn_json", "conn_id": "conn_id", "conn_description": "description"}
_FLAGS = frozenset({"a", "add", "d", "delete", "l", "list", "serialization_format", "color", "verbose", "v"})


def parse_shell_connections(text: str) -> tuple[list[tuple[str, dict[str, Any], int]], int]:
    """(conn_id, fields, line) for every connection the file adds, and how many commands were left unread."""
    lines = text.splitlines()
    found: list[tuple[str, dict[str, Any], int]] = []
    skipped = 0
    index = 0
    commands = 0
    while index < len(lines):
        start = index
        logical, index = _logical_line(lines, index)
        if not _COMMAND.search(logical):
            continue
        commands += 1
        if commands > MAX_COMMANDS:
            skipped += 1
            continue
        tokens = _split(logical)
        extra = 0
        while tokens is None and index < len(lines) and extra < MAX_EXTRA_LINES \
                and len(logical) < MAX_COMMAND_CHARS:
            # a quote left open: a multi-line '{...}' value; join the next lines until it closes
            more, index = _logical_line(lines, index)
            logical += "\n" + more
            extra += 1
            tokens = _split(logical)
        if tokens is None:
            skipped += 1
            continue
        for conn_id, fields in _commands(tokens):
            found.append((conn_id, fields, start + 1))
    return found, skipped


def _logical_line(lines: list[str], index: int) -> tuple[str, int]:
    """One line with its backslash continuations joined; the index of the line after it."""
    parts = []
    total = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.endswith("\\") and total < MAX_COMMAND_CHARS:
            parts.append(line[:-1])
            total += len(line)
            continue
        parts.append(line)
        break
    return " ".join(parts), index


def _split(command: str) -> list[str] | None:
    if len(command) > MAX_COMMAND_CHARS:
        return None
    stripped = command.lstrip()
    if stripped.upper().startswith("RUN "):  # a Dockerfile instruction
        command = stripped[4:]
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # a quote not closed
        return None


def _commands(tokens: list[str]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for at in range(len(tokens) - 1):
        if tokens[at] != "airflow" or tokens[at + 1] != "connections":
            continue
        arguments = []
        for token in tokens[at + 2:]:
            if token in _OPERATORS:
                break
            arguments.append(token)
        found = _added(arguments)
        if found is not None:
            out.append(found)
    return out


def _added(arguments: list[str]) -> tuple[str, dict[str, Any]] | None:
    if not arguments:
        return None
    airflow1 = arguments[0] in ("-a", "--add")
    if not airflow1 and arguments[0] != "add":
        return None
    options: dict[str, str] = {}
    positional: list[str] = []
    rest = arguments[1:]
    i = 0
    while i < len(rest):
        token = rest[i]
        if token.startswith("-") and len(token) > 1:
            name, equals, value = token.lstrip("-").partition("=")
            name = name.replace("-", "_")
            if equals:
                options[name] = value
            elif name in _FIELDS and i + 1 < len(rest):
                options[name] = rest[i + 1]
                i += 1
            elif name not in _FLAGS and i + 1 < len(rest) and not rest[i + 1].startswith("-"):
                i += 1  # an option of the CLI we do not need, with its value
        else:
            positional.append(token)
        i += 1
    conn_id = options.get("conn_id") or (positional[0] if positional else None)
    if not conn_id or _expanded(conn_id):
        return None
    return conn_id, {_FIELDS[k]: v for k, v in options.items() if k in _FIELDS and k != "conn_id"}


def _expanded(value: str) -> bool:
    return "$" in value or "`" in value


def connection_value(fields: dict[str, Any]) -> Any:
    """What describe_connection reads: the URI, the JSON, or the fields given one by one. A value the shell
    expands is not known: a type that is not known is None, a host that is not known is left out, a secret field
    that is set counts as present whatever it holds."""
    uri, document = fields.get("conn_uri"), fields.get("conn_json")
    if isinstance(uri, str) and not _expanded(uri):
        return uri
    if isinstance(document, str) and not _expanded(document):
        return document
    value: dict[str, Any] = {}
    for key in ("conn_type", "host", "schema", "port"):
        raw = fields.get(key)
        if isinstance(raw, str) and raw and not _expanded(raw):
            value[key] = raw
    for key in ("login", "password"):
        if fields.get(key):
            value[key] = fields[key]
    extra = fields.get("extra")
    if isinstance(extra, str) and not _expanded(extra):
        value["extra"] = extra
    if not value.get("conn_type") and (uri or document):
        value["conn_type"] = None
    return value


def shell_connection_facts(text: str, path: str) -> ConnectionFacts:
    found, _skipped = parse_shell_connections(text)
    definitions = []
    for conn_id, fields, line in found:
        described = describe_connection(connection_value(fields))
        if _expanded(str(fields.get("conn_uri") or "")) or _expanded(str(fields.get("conn_json") or "")) \
                or _expanded(str(fields.get("extra") or "")):
            described["dynamic"] = True  # a part of it is filled by the shell at run time
        definitions.append(ConnectionDefinition(conn_id, SOURCE, described, Location(path, line)))
    return ConnectionFacts(definitions)
