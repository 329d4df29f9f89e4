"""The parse stage's registry: one file in, its facts out. Pure and per file, so it can be cached.

A plain registry maps each file kind to its parser; a parser fills the kind-specific part of FileFacts and raises
UnreadableFile for input it cannot use. Nothing a parser does can stop the other files from being analysed.
"""

from __future__ import annotations

from collections.abc import Callable

from airtf_lint.airflow.runtime_connections import RUNTIME_MARKER, runtime_connections
from airtf_lint.facts import FileError, FileFacts, FileKind, SourceFile
from airtf_lint.parsers.connections import parse_connections
from airtf_lint.parsers.dag import parse_dag, parse_python_module
from airtf_lint.parsers.hcl import HclBody, parse_hcl
from airtf_lint.parsers.plan import parse_plan
from airtf_lint.parsers.shell_connections import shell_connection_facts
from airtf_lint.parsers.text import UnreadableFile, decode_for, read_bytes
from airtf_lint.parsers.tfjson import parse_tf_json
from airtf_lint.redaction import redact_line
from airtf_lint.secrets.files import scan_file
from airtf_lint.sniff import is_shell_like
from airtf_lint.suppressions import find_suppressions
from airtf_lint.terraform.installed import read_manifest


def _keep_body(facts: FileFacts, body: HclBody) -> None:
    facts.hcl_blocks = body.blocks
    facts.hcl_attributes = body.attributes
    facts.errors.extend(body.errors)


def _terraform(text: str, source: SourceFile, facts: FileFacts) -> None:
    json_syntax = source.path.endswith(".json")
    body = parse_tf_json(text, source.path) if json_syntax else parse_hcl(text, source.path)
    _keep_body(facts, body)


def _variables(text: str, source: SourceFile, facts: FileFacts) -> None:
    json_syntax = source.path.endswith(".json")
    body = parse_tf_json(text, source.path, variables_only=True) if json_syntax else parse_hcl(text, source.path)
    _keep_body(facts, body)


def _plan(text: str, source: SourceFile, facts: FileFacts) -> None:
    facts.plan = parse_plan(text, source.path)
    facts.secrets.extend(facts.plan.sensitive)
    facts.plan.sensitive = []


def _dag(text: str, source: SourceFile, facts: FileFacts) -> None:
    facts.dag = parse_dag(text, source.path, source.absolute)
    _runtime_connections(text, source, facts)


def _runtime_connections(text: str, source: SourceFile, facts: FileFacts) -> None:
    """Python that builds a Connection(...) and stores it (session.add): those connections are defined here."""
    if RUNTIME_MARKER in text:
        found = runtime_connections(text, source.path)
        if found.definitions:
            facts.connections = found


def _shell_script(source: SourceFile) -> bool:
    name = source.absolute.name.lower()
    return (source.absolute.suffix.lower() not in (".json", ".yaml", ".yml", ".env") and not name.startswith(".env")
            and is_shell_like(name))


def _connections(text: str, source: SourceFile, facts: FileFacts) -> None:
    if _shell_script(source):
        facts.connections = shell_connection_facts(text, source.path)
        return
    facts.connections = parse_connections(text, source.path, source.absolute.suffix.lower())


def _installed_module(text: str, source: SourceFile, facts: FileFacts) -> None:
    """A third-party module's file: its blocks for evaluation; its syntax errors are not the user's to fix."""
    _terraform(text, source, facts)
    facts.errors.clear()


def _module_manifest(text: str, source: SourceFile, facts: FileFacts) -> None:
    facts.installed_modules = read_manifest(text, source.path)


def _secrets_only(text: str, source: SourceFile, facts: FileFacts) -> None:
    """Python modules that are not DAGs, and state files: read for secrets alone (state is never shown)."""


def _python_module(text: str, source: SourceFile, facts: FileFacts) -> None:
    """Other Python modules: read for secrets, for the operator classes DAGs elsewhere import, and for the
    connections they create at run time."""
    facts.dag = parse_python_module(text, source.path)
    _runtime_connections(text, source, facts)


Parser = Callable[[str, SourceFile, FileFacts], None]

PARSERS: dict[FileKind, Parser] = {
    FileKind.TERRAFORM: _terraform,
    FileKind.TFVARS: _variables,
    FileKind.TFBACKEND: _variables,
    FileKind.TERRAGRUNT: _variables,  # HCL: its blocks (remote_state, generate, include) are kept
    FileKind.PLAN: _plan,
    FileKind.DAG: _dag,
    FileKind.CONNECTIONS: _connections,
    FileKind.PYTHON: _python_module,
    FileKind.STATE: _secrets_only,
    FileKind.INSTALLED_MODULE: _installed_module,
    FileKind.MODULE_MANIFEST: _module_manifest,
}
# Not the user's code: not searched for secrets, and their lines are never shown.
NOT_SCANNED = frozenset({FileKind.INSTALLED_MODULE, FileKind.MODULE_MANIFEST})


def parse_file(source: SourceFile) -> FileFacts:
    try:
        data = read_bytes(source.absolute)
    except UnreadableFile as exc:
        return unreadable(source, exc)
    return parse_data(source, data)


def unreadable(source: SourceFile, exc: UnreadableFile) -> FileFacts:
    facts = FileFacts(source)
    facts.errors.append(FileError(source.path, exc.message, exc.line))
    return facts


def parse_data(source: SourceFile, data: bytes) -> FileFacts:
    """One file's facts from its bytes, wherever they come from (the disk, a git object, the cache's check)."""
    try:
        text = decode_for(source.absolute, data)
    except UnreadableFile as exc:
        return unreadable(source, exc)
    facts = FileFacts(source)
    facts.suppressions = find_suppressions(text)
    _guarded(facts, PARSERS[source.kind], text, "parsing")
    # A file the parser rejects (a syntax error, a truncated plan) is still searched for secrets.
    if source.kind not in NOT_SCANNED:
        _guarded(facts, lambda t, _source, f: scan_file(t, f), text, "searching it for secrets")
    return facts


def _guarded(facts: FileFacts, step: Parser, text: str, doing: str) -> None:
    source = facts.source
    try:
        step(text, source, facts)
    except UnreadableFile as exc:
        facts.errors.append(FileError(source.path, exc.message, exc.line))
    except RecursionError:
        facts.errors.append(FileError(source.path, "file is nested too deeply to analyse"))
    except Exception as exc:  # noqa: BLE001 - a parser bug must cost one file, never the run
        facts.errors.append(FileError(source.path, f"internal error while {doing}: {describe_exception(exc)}",
                                      exception_line(exc)))


def describe_exception(exc: BaseException) -> str:
    """`AttributeError: 'str' object has no attribute 'append'`: what went wrong, in one line that can be shown.
    The text may quote the input, so it goes through the same masking as every line shown beside a finding."""
    detail = " ".join(str(exc).split())
    if len(detail) > 200:
        detail = detail[:200] + "..."
    return f"{type(exc).__name__}: {redact_line(detail)}" if detail else type(exc).__name__


def exception_line(exc: BaseException) -> int | None:
    """The input line an exception names, where it names one (SyntaxError, yaml marks, json, our own `line`)."""
    for name in ("line", "lineno"):
        value = getattr(exc, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = getattr(mark, "line", None)
    return line + 1 if isinstance(line, int) else None
