"""Whatever bytes a file holds, parsing it yields facts or located errors: never an exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.facts import FileKind, SourceFile
from airtf_lint.parsers import PARSERS, parse_file

SUFFIX = {FileKind.TERRAFORM: "main.tf", FileKind.TFVARS: "x.tfvars", FileKind.TFBACKEND: "x.tfbackend",
          FileKind.PLAN: "plan.json", FileKind.DAG: "dag.py", FileKind.CONNECTIONS: "conns.yaml",
          FileKind.PYTHON: "helpers.py", FileKind.STATE: "terraform.tfstate", FileKind.TERRAGRUNT: "terragrunt.hcl",
          FileKind.INSTALLED_MODULE: "installed.tf", FileKind.MODULE_MANIFEST: "modules.json"}
JSON_SYNTAX = {FileKind.TERRAFORM: "stack.tf.json", FileKind.TFVARS: "x.tfvars.json",
               FileKind.CONNECTIONS: "conns.json"}
CONTENT = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8")),
                    st.text(alphabet='{}[]":,=\n 0123456789abcdefnulltrue', max_size=200).map(str.encode))


def _parse(name: str, kind: FileKind, data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return parse_file(SourceFile(name, path, kind))


@settings(max_examples=120, deadline=None)
@given(kind=st.sampled_from(sorted(PARSERS)), data=CONTENT, json_syntax=st.booleans())
def test_any_bytes_give_facts_or_located_errors(kind, data, json_syntax):
    name = JSON_SYNTAX.get(kind, SUFFIX[kind]) if json_syntax else SUFFIX[kind]
    facts = _parse(name, kind, data)
    for error in facts.errors:
        assert error.path == name and error.message
        assert error.line is None or error.line >= 1
    for block in facts.hcl_blocks:
        assert block.location.line >= 1


def test_every_parser_is_exercised():
    assert set(SUFFIX) == set(PARSERS)
