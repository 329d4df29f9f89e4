"""Our HCL parser against python-hcl2 (benchmarks/hcl_differential.py): on our own fixtures and examples, and on
small hand-written snippets of the shapes that broke it or that two HCL parsers are likely to read differently.
Where the two disagree, that is our bug unless shown otherwise; the few shapes where hcl2 is the one that is wrong
are listed apart, with why, and checked against what HashiCorp's HCL does."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from airtf_lint.facts import FileKind, SourceFile
from airtf_lint.parsers import parse_file
from airtf_lint.parsers.hcl import parse_hcl
from tests.conftest import EXAMPLE, FIXTURES, run_in_process, write

pytest.importorskip("hcl2")

_spec = importlib.util.spec_from_file_location("hcl_differential", FIXTURES.parent / "benchmarks" / "hcl_differential.py")
differential = importlib.util.module_from_spec(_spec)
sys.modules["hcl_differential"] = differential
_spec.loader.exec_module(differential)  # type: ignore[union-attr]

# Shapes both parsers must read alike: accepted by both, same blocks, labels and attribute names at every depth.
SNIPPETS = {
    "attribute and block of one name": 'resource "kubernetes_pod" "p" {\n  spec {\n    volume = "x"\n'
                                       '    volume {\n      name = "y"\n    }\n  }\n}\n',
    "tuple attribute and blocks of one name": 'resource "r" "x" {\n  rule = [{ a = 1 }]\n  rule {\n    a = 2\n  }\n}\n',
    "dynamic block and attribute of its name": 'resource "r" "x" {\n  ingress = {}\n  dynamic "ingress" {\n'
                                               '    for_each = [1]\n    content {\n      port = ingress.value\n'
                                               '    }\n  }\n}\n',
    "attribute given twice": 'resource "r" "x" {\n  a = 1\n  a = 2\n}\n',
    "block given twice": 'resource "r" "x" {}\nresource "r" "x" {}\n',
    "blocks without the labels Terraform wants": 'resource "aws_s3_bucket" {\n}\nvariable {\n}\nmodule {\n}\n'
                                                 'output {\n  value = 1\n}\n',
    "blocks with too many labels": 'variable "a" "b" {\n}\nterraform {\n  backend "s3" "x" {\n  }\n}\n',
    "identifier labels": 'resource aws_s3_bucket b {\n}\n',
    "escaped and interpolated labels": 'resource "a\\"b" "c" {\n}\nresource "${x}" "y" {\n}\n',
    "exponent without fraction": 'a = 1e3\nb = [2E-2, 3e+1]\nc = "${4e0}"\nr "x" {\n  d = 5e1 * 2\n}\n',
    "exponent with fraction": 'a = 1.5e3\n',
    "exponent inside strings, comments and heredocs": 'a = "1e3" # 1e3\nb = <<EOT\n1e3 ${2e3}\nEOT\n/* 3e3 */\n',
    "object with colons": 'a = {b: 1, "c": 2}\n',
    "object key expressions": 'a = { (var.k) = 1, "${x}" = 2 }\n',
    "object with trailing comma": 'a = { b = 1, }\nc = {\n  d = 1,\n  e = 2,\n}\n',
    "one-line blocks": 'r "x" { a = 1 }\nr "y" {}\n',
    "CRLF line ends": 'r "x" {\r\n  a = 1\r\n  b = <<EOT\r\nhi\r\nEOT\r\n}\r\n',
    "no newline at end": 'a = 1',
    "comment at end": 'a = 1 # c',
    "only comments": '# x\n// y\n/* z */\n',
    "empty": '',
    "indented heredoc": 'a = <<-EOT\n    x\n  EOT\n',
    "empty heredoc": 'a = <<EOT\nEOT\n',
    "heredoc inside a call": 'a = jsonencode(<<EOT\n{}\nEOT\n)\n',
    "template directives": 'a = "%{ for x in y }${x}%{ endfor }"\nb = "%{ if x }y%{ else }z%{ endif }"\n',
    "for expressions": 'a = { for k, v in m : k => v... if v }\nb = [for i, v in l : v]\n',
    "splats and legacy index": 'a = x[*].b\nc = x.*.d\ne = x.0.b\nf = m["k"].b[0]\n',
    "calls over lines": 'a = f(\n  1,\n  2,\n)\nb = provider::aws::arn_parse("x")\n',
    "conditionals": 'a = (\n  x\n  ? 1\n  : 2\n)\nb = x ? y ? 1 : 2 : 3\n',
    "operators": 'a = !b && -c > 1 || d % 2 == 0\n',
    "string escapes": 'a = "\\u00e9\\U0001F600\\n\\t\\"\\\\"\nb = "$${x} %%{y}"\n',
    "keywords as names": 'for = 1\nif = 2\nin = 3\nfor {\n}\n',
    "dashes in names": 'a-b = 1\nc-d "e" {\n}\n',
    "tabs": 'r "x" {\n\ta\t=\t1\n}\n',
    "comments inside expressions": 'a = [1, /* c */ 2]\nb = {\n  # c\n  c = 1\n}\n',
    "nested blocks without labels": 'r {\n  s {\n    t {}\n  }\n}\n',
    "attribute after a block": 'r "x" {\n  b {\n  } \n  c = 1\n}\n',
    "comment marks in strings": 'a = "# not"\nb = "// not"\nc = "/* not */"\n',
}

# Shapes python-hcl2 8.1.4 reads wrongly and HashiCorp's HCL (hclsyntax) reads as we do.
HCL2_WRONG = {
    # hclsyntax trims the marker line (bytes.TrimSpace) before comparing it: trailing blanks still close it.
    # hcl2 runs on to the end of the file (checkov's example_KMSKeyWildcardPrincipal has this shape).
    "heredoc marker with trailing blanks": ('a = <<EOT\nx\nEOT  \nb = 1\n', ((("a", "b")), ())),
    # HCL identifiers are Unicode ID_Start/ID_Continue; hcl2's lexer knows ASCII only.
    "unicode names": ('résumé = 1\nr "x" {\n  naïve = 1\n}\n', (("résumé",), (("r", ("x",), (("naïve",), ())),))),
    # Strip markers (`${~ x ~}`) are part of HCL's template syntax.
    "strip markers": ('a = "${~ x ~}"\n', (("a",), ())),
    # `$${` is an escape in a label as in any string; hcl2 lexes it as an interpolation and runs on to the next
    # label's closing quote (one label `$${" "}`).
    "escaped interpolation in a label": ('resource "$${" "}" {}\n', ((), (("resource", ("${", "}"), ((), ())),))),
    # The same escape in a string with no `}` after it: hcl2 runs the escape on past the closing quote to the next
    # `}` of the file (found by test_hostile_hcl's generated files).
    "escaped interpolation closing a string": ('a = "$${"\nb = "${0}"\n', ((("a", "b")), ())),
    "escaped interpolation inside a string": ('a = "x$${y"\nb = "${0}"\n', ((("a", "b")), ())),
}


def _assert_agreement(report):
    problems = [(o.path, o.crash or o.ours_error or o.difference) for o in
                report.crashes + report.only_theirs + report.disagreements]
    assert not problems, problems


def test_fixtures_and_examples_parse_alike():
    files = list(differential.hcl_files([FIXTURES, EXAMPLE.parent]))
    assert len(files) > 50
    report = differential.differential(files)
    _assert_agreement(report)
    assert not report.only_ours and not report.neither  # our own files are all valid HCL


def test_tricky_shapes_parse_alike():
    report = differential.differential_texts(SNIPPETS)
    _assert_agreement(report)
    assert not report.only_ours, [(o.path, o.theirs_error) for o in report.only_ours]
    assert len(report.both) == len(SNIPPETS)


@pytest.mark.parametrize("name", sorted(HCL2_WRONG))
def test_shapes_hcl2_reads_wrongly_are_read_as_hcl_does(name):
    text, structure = HCL2_WRONG[name]
    body, error = differential.ours(text, name)
    assert error is None and body == structure


def test_an_invalid_escape_is_a_true_error_named_as_such():
    # hcl2 accepts `\/`; HCL rejects it ("not a valid escape sequence selector"), and so does Terraform.
    body = parse_hcl('module "m" {\n  source = "modules\\/sg"\n}\n', "m.tf")
    [error] = body.errors
    assert (error.line, error.column) == (2, 20) and "invalid escape sequence '\\/'" in error.message


# --- the shapes behind the fixes ----------------------------------------------------------------------------------

def test_attribute_and_block_of_one_name_settle_on_the_blocks():
    body = parse_hcl(SNIPPETS["attribute and block of one name"], "main.tf")
    spec = body.blocks[0].blocks[0]
    assert "volume" not in spec.attributes
    assert spec.values() == {"volume": [{"name": "y"}]}


def test_a_tuple_attribute_keeps_its_elements_before_the_blocks():
    block = parse_hcl(SNIPPETS["tuple attribute and blocks of one name"], "main.tf").blocks[0]
    assert block.values() == {"rule": [{"a": 1}, {"a": 2}]}
    assert block.attributes["rule"].value == [{"a": 1}]  # never extended in place
    assert block.values() == {"rule": [{"a": 1}, {"a": 2}]}


def test_a_shared_name_costs_nothing_in_the_whole_run(tmp_path):
    write(tmp_path, {"main.tf": 'provider "aws" {}\n' + SNIPPETS["attribute and block of one name"]
                                + SNIPPETS["dynamic block and attribute of its name"]})
    result = run_in_process([".", "--format", "json"], tmp_path)
    assert result.code in (0, 1), result.stderr
    document = result.json()
    assert not document["errors"]
    assert any(f["rule_id"] == "ATF-STATE-001" for f in document["findings"])


@pytest.mark.parametrize("literal, value", [("1e3", 1000), ("1E3", 1000), ("1e+3", 1000), ("1e-3", 0.001),
                                            ("10e3", 10000), ("1.5e3", 1500), ("-1e3", -1000)])
def test_exponent_literals_have_their_value(literal, value):
    body = parse_hcl(f"a = {literal}\n", "x.tfvars")
    assert not body.errors
    assert body.attributes["a"].value == value and type(body.attributes["a"].value) is type(value)


def test_exponent_literals_keep_columns_and_source_text():
    body = parse_hcl('r "x" {\n  a = [1e3, "1e3", b]\n  c = 2e2 +\n}\n', "main.tf")
    [error] = body.errors
    assert (error.line, error.column) == (3, 11)  # the dangling `+`, found where it is
    body = parse_hcl('a = [1e3, b]\nc = 7\n', "x.tfvars")
    assert body.attributes["a"].value[0] == 1000
    assert body.attributes["a"].expr.text == "[1e3, b]"
    assert (body.attributes["c"].location.line, body.attributes["c"].location.column) == (2, 1)


def test_an_error_wrapped_around_a_block_is_located_at_the_mistake():
    text = 'locals {\n  # a comment\n  a = "${replace(var.x, "a", "b")/${var.y}}\n}\n'
    [error] = parse_hcl(text, "main.tf").errors
    assert error.line == 3


def test_an_internal_error_says_what_and_where(tmp_path, monkeypatch):
    from airtf_lint.parsers import hcl

    def broken(self, node):
        raise KeyError("no such thing")

    monkeypatch.setattr(hcl._Walker, "block", broken)
    path = tmp_path / "main.tf"
    path.write_text('a = 1\n\nresource "x" "y" {\n}\n')
    facts = parse_file(SourceFile("main.tf", path, FileKind.TERRAFORM))
    [error] = facts.errors
    assert error.line == 3
    assert "KeyError" in error.message and "no such thing" in error.message
    assert "a" in facts.hcl_attributes  # the rest of the file still counts


def test_an_internal_error_outside_hcl_names_the_exception(tmp_path, monkeypatch):
    from airtf_lint import parsers

    def broken(text, source, facts):
        raise ValueError("bad thing at the end")

    monkeypatch.setitem(parsers.PARSERS, FileKind.TERRAFORM, broken)
    path = tmp_path / "main.tf"
    path.write_text("a = 1\n")
    [error] = parse_file(SourceFile("main.tf", path, FileKind.TERRAFORM)).errors
    assert error.message == "internal error while parsing: ValueError: bad thing at the end"
