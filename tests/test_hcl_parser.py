"""The Terraform native-syntax parser: exact locations, literal values, explicit unknowns, broken files."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.facts import is_unknown
from airtf_lint.parsers.hcl import parse_hcl

SAMPLE = '''terraform {
  backend "s3" {
    bucket       = "state"
    use_lockfile = true
  }
}

resource "aws_iam_role" "etl" {
  name = "etl-${var.env}"
  tags = { team = "data", "cost-center" = 42 }
  max_session_duration = -3600
  inline_policy {
    name = "read"
  }
}
'''


def _block(body, block_type):
    return next(b for b in body.blocks if b.type == block_type)


def test_blocks_carry_type_labels_and_exact_span():
    role = _block(parse_hcl(SAMPLE, "main.tf"), "resource")
    assert role.labels == ("aws_iam_role", "etl")
    assert (role.location.line, role.location.column, role.location.end_line) == (8, 1, 15)


def test_nested_block_keeps_its_label_and_line():
    backend = _block(parse_hcl(SAMPLE, "main.tf"), "terraform").blocks[0]
    assert (backend.type, backend.labels, backend.location.line, backend.location.column) == ("backend", ("s3",), 2, 3)
    assert backend.attributes["use_lockfile"].value is True
    assert backend.attributes["bucket"].location.line == 3


def test_literal_values_are_evaluated():
    role = _block(parse_hcl(SAMPLE, "main.tf"), "resource")
    assert role.attributes["tags"].value == {"team": "data", "cost-center": 42}
    assert role.attributes["max_session_duration"].value == -3600


def test_interpolated_string_is_an_explicit_unknown():
    role = _block(parse_hcl(SAMPLE, "main.tf"), "resource")
    value = role.attributes["name"].value
    assert is_unknown(value) and value["expr"] == '"etl-${var.env}"'


def test_nested_blocks_become_lists_in_values():
    role = _block(parse_hcl(SAMPLE, "main.tf"), "resource")
    assert role.values()["inline_policy"] == [{"name": "read"}]


def test_string_escapes_are_decoded():
    body = parse_hcl('a = "say \\"hi\\"\\n\\u00e9 $${literal}"\n', "v.tfvars")
    assert body.attributes["a"].value == 'say "hi"\né ${literal}'


def test_heredoc_is_dedented_with_the_indented_form():
    body = parse_hcl("a = <<-EOT\n    {\n      \"x\": 1\n    }\n    EOT\n", "v.tfvars")
    assert body.attributes["a"].value == '{\n  "x": 1\n}\n'


def test_references_are_unknown_without_a_scope():
    body = parse_hcl("a = var.x\nc = [1, local.y]\n", "v.tfvars")
    assert is_unknown(body.attributes["a"].value)
    assert body.attributes["c"].value[0] == 1 and is_unknown(body.attributes["c"].value[1])


def test_functions_of_known_values_are_evaluated():
    body = parse_hcl('b = jsonencode({ a = [1, "x"] })\nc = upper(format("%s-%d", "ab", 2))\n', "v.tfvars")
    assert body.attributes["b"].value == '{"a":[1,"x"]}'
    assert body.attributes["c"].value == "AB-2"


def test_leading_comments_do_not_hide_the_blocks_below():
    body = parse_hcl("# header\n// more\n/* block */\nterraform {}\n", "main.tf")
    assert [(b.type, b.location.line) for b in body.blocks] == [("terraform", 4)]


def test_empty_file_is_valid():
    body = parse_hcl("", "empty.tf")
    assert body.errors == [] and body.blocks == []


def test_broken_block_is_reported_with_its_line():
    body = parse_hcl('resource "a" "b" {\n  x = = 1\n}\n', "main.tf")
    assert body.errors and body.errors[0].line == 2


def test_intact_blocks_of_a_broken_file_are_kept():
    text = 'resource "a" "broken" {\n  x = = 1\n}\n\nresource "a" "fine" {\n  y = "ok"\n}\n'
    body = parse_hcl(text, "main.tf")
    assert body.errors
    fine = [b for b in body.blocks if b.labels == ("a", "fine")]
    assert fine and fine[0].location.line == 5 and fine[0].attributes["y"].value == "ok"


def test_unclosed_block_is_an_error():
    assert parse_hcl('terraform {\n  backend "s3" {\n', "main.tf").errors


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes_the_parser(text):
    body = parse_hcl(text, "fuzz.tf")
    for error in body.errors:
        assert error.line is None or error.line >= 1


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_real_hcl_never_crashes_the_parser(data):
    position = data.draw(st.integers(min_value=0, max_value=len(SAMPLE)))
    length = data.draw(st.integers(min_value=0, max_value=20))
    insert = data.draw(st.text(alphabet='{}[]()"=\n#/*$<>-', max_size=5))
    parse_hcl(SAMPLE[:position] + insert + SAMPLE[position + length:], "fuzz.tf")
