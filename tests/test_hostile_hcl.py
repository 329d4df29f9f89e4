"""Random HCL built from grammar fragments: every valid file parses without an error and reads as python-hcl2 reads
it; any file, valid or cut and spliced, gives facts or located errors, never an exception; and the whole run over
such a file ends with exit code 0 or 1, never a traceback."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airtf_lint.parsers.hcl import parse_hcl
from tests.conftest import FIXTURES, run_in_process

_spec = importlib.util.spec_from_file_location("hcl_differential", FIXTURES.parent / "benchmarks" / "hcl_differential.py")
differential = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("hcl_differential", differential)
_spec.loader.exec_module(differential)  # type: ignore[union-attr]

# AIRTF_HYPOTHESIS_EXAMPLES=5000 for a long hunt; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("AIRTF_HYPOTHESIS_EXAMPLES", "100"))
_RESERVED = {"true", "false", "null"}
NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,5}(-[a-z0-9]{1,3})?", fullmatch=True).filter(lambda n: n not in _RESERVED)
STRING_CHARS = st.lists(st.sampled_from(list("abc xyz-_./:*0123456789") + ["\\n", "\\\"", "\\\\", "\\u00e9", "$${",
                                                                               "%%{", "é", "{", "}"]),
                        max_size=8).map("".join)
NUMBERS = st.sampled_from(["0", "7", "42", "1.5", "0.25", "1e3", "1E3", "2e-2", "3e+1", "1.5e3", "10e0"])
REFERENCES = st.one_of(
    st.builds(lambda a, b: f"var.{a}{b}", NAMES, st.sampled_from(["", "[0]", ".x", '["k"]', ".0"])),
    st.builds(lambda a, b: f"aws_x.{a}.{b}", NAMES, NAMES),
    st.builds(lambda a: f"local.{a}[*].id", NAMES),
    st.builds(lambda a: f"module.{a}.*.arn", NAMES),
    st.builds(lambda a: f"each.{a}", st.sampled_from(["key", "value"])),
)


def _hcl2_reads(text: str) -> bool:
    """hcl2 lexes `$${` / `%%{` as an escaped interpolation that runs to the next `}`, past the string's closing
    quote when the string holds none after it (HCL2_WRONG in test_hcl_differential): such strings are not generated
    where nothing of the string follows."""
    last = max(text.rfind("$${"), text.rfind("%%{"))
    return last < 0 or "}" in text[last + 3:]


STRING_ENDS = STRING_CHARS.filter(_hcl2_reads)
LEAVES = st.one_of(NUMBERS, st.builds(lambda s: f'"{s}"', STRING_ENDS), st.sampled_from(["true", "false", "null"]),
                   REFERENCES)


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(NAMES, inner, max_size=3).map(
            lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"),
        st.dictionaries(NAMES, inner, min_size=1, max_size=3).map(
            lambda d: "{\n" + "".join(f"  {k} = {v}\n" for k, v in d.items()) + "}"),
        st.builds(lambda f, args: f"{f}({', '.join(args)})", st.sampled_from(["max", "lookup", "jsonencode", "concat",
                                                                              "format", "try"]),
                  st.lists(inner, max_size=3)),
        st.builds(lambda c, a, b: f"({c} ? {a} : {b})", inner, inner, inner),
        st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(["+", "-", "*", "/", "%", "==", "!=",
                                                                             "<", ">=", "&&", "||"]), inner),
        st.builds(lambda op, a: f"{op}{a}", st.sampled_from(["!", "-"]), inner),
        st.builds(lambda v, c, b: f"[for {v} in {c} : {b}]", NAMES, inner, inner),
        st.builds(lambda k, v, c, b: f"{{for {k}, {v} in {c} : {k} => {b}}}", NAMES, NAMES, inner, inner),
        st.builds(lambda a, e, b: f'"{a}${{{e}}}{b}"', STRING_CHARS, inner, STRING_ENDS),
    )


EXPRESSIONS = st.recursive(LEAVES, _compound, max_leaves=8)
HEREDOC = st.builds(lambda dash, lines: ("<<-EOT\n" if dash else "<<EOT\n") + "".join(f"  {line}\n" for line in lines)
                    + ("  EOT" if dash else "EOT"), st.booleans(),
                    st.lists(st.text(alphabet="abc {}:\"1e3,", max_size=10), max_size=3))
# hcl2 lexes an escaped `$${` in a label as the start of an interpolation (see HCL2_WRONG in test_hcl_differential).
LABELS = st.lists(st.one_of(st.builds(lambda s: f'"{s}"', STRING_CHARS.filter(lambda s: "$${" not in s and "%%{" not in s)),
                            NAMES), max_size=2)
COMMENTS = st.sampled_from(["", "# note", "// note", "/* note */"])


def _attribute(indent: str) -> st.SearchStrategy[str]:
    return st.one_of(st.builds(lambda name, value, comment: f"{indent}{name} = {value} {comment}".rstrip() + "\n",
                               NAMES, EXPRESSIONS, COMMENTS),
                     st.builds(lambda name, value: f"{indent}{name} = {value}\n", NAMES, HEREDOC))


def _block(depth: int) -> st.SearchStrategy[str]:
    indent = "  " * depth
    members = [_attribute(indent + "  ")] + ([_block(depth + 1)] if depth < 2 else [])
    body = st.lists(st.one_of(*members), max_size=4).map("".join)
    return st.builds(lambda kind, labels, inner: (f"{indent}{' '.join([kind, *labels])} {{\n{inner}{indent}}}\n"
                                                  if inner else f"{indent}{' '.join([kind, *labels])} {{}}\n"),
                     st.one_of(NAMES, st.sampled_from(["resource", "dynamic", "content", "backend", "volume"])),
                     LABELS, body)


FILES = st.lists(st.one_of(_attribute(""), _block(0), COMMENTS.map(lambda c: c + "\n")), max_size=6).map("".join)
LINE_ENDS = st.sampled_from(["\n", "\r\n"])


def _check_located(body, text: str) -> None:
    lines = text.count("\n") + 1
    for error in body.errors:
        assert error.message
        assert error.line is not None and 1 <= error.line <= lines, error
        assert error.column is None or error.column >= 1
    for block in body.blocks:
        assert 1 <= block.location.line <= lines


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=FILES, newline=LINE_ENDS)
def test_valid_hcl_parses_cleanly_and_as_hcl2_reads_it(text, newline):
    text = text.replace("\n", newline)
    body = parse_hcl(text, "main.tf")
    assert not body.errors, (text, body.errors)
    _check_located(body, text)
    for block in body.blocks:
        block.values()  # the shape every reader of a block uses
    report = differential.differential_texts({"main.tf": text})
    assert not report.crashes and not report.only_theirs
    assert not report.disagreements, (text, report.disagreements[0].difference)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=FILES, data=st.data())
def test_cut_and_spliced_hcl_gives_facts_or_located_errors(text, data):
    if text:
        cut = data.draw(st.integers(0, len(text)))
        splice = data.draw(st.sampled_from(["", "{", "}", '"', "${", "<<EOT\n", "=", "\n", "1e", "/*", "[", "\\"]))
        end = data.draw(st.integers(cut, len(text)))
        text = text[:cut] + splice + text[end:]
    body = parse_hcl(text, "main.tf")
    _check_located(body, text)
    for block in body.blocks:
        block.values()


@settings(max_examples=max(EXAMPLES // 8, 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=FILES, broken=st.booleans())
def test_the_whole_run_over_random_hcl_exits_0_or_1_without_a_traceback(text, broken):
    if broken and text:
        text = text[: len(text) // 2]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "main.tf").write_text(text)
        (root / "good").mkdir()
        (root / "good" / "main.tf").write_text('provider "aws" {}\n')
        result = run_in_process([".", "--format", "json"], root)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    document = result.json()
    assert any(f["rule_id"] == "ATF-STATE-001" and f["path"].startswith("good") for f in document["findings"])
