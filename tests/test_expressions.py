"""The offline evaluator: what Terraform would compute, where it can be known without running anything."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.facts import is_unknown
from airtf_lint.parsers.hcl import parse_expression, parse_template
from airtf_lint.terraform.evaluate import Scope, evaluate


def ev(text, **scope):
    return evaluate(parse_expression(text), Scope(parse_template=parse_template, **scope))


@pytest.mark.parametrize(("text", "expected"), [
    ('"a-${var.env}"', "a-prod"),
    ("var.tags.team", "data"),
    ("local.name", "etl-prod"),
    ('merge(var.tags, { env = "prod" })', {"team": "data", "env": "prod"}),
    ("concat([1], [2, 3])", [1, 2, 3]),
    ("flatten([[1], [2, [3]]])", [1, 2, 3]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ('format("%s:%03d", "x", 7)', "x:007"),
    ('lower("ABC")', "abc"),
    ('jsondecode("{\\"a\\": [1]}").a[0]', 1),
    ('var.env == "prod" ? "big" : "small"', "big"),
    ("1 + 2 * 3", 7),
    ("!false", True),
    ('[for s in ["a", "b"] : upper(s)]', ["A", "B"]),
    ('{ for k, v in var.tags : k => "${v}!" }', {"team": "data!"}),
    ('[for s in ["a", ""] : s if s != ""]', ["a"]),
    ("var.list[*].name", ["x", "y"]),
    ('join(",", var.names)', "a,b"),
    ('lookup(var.tags, "missing", "dflt")', "dflt"),
    ('try(var.tags.nope, "fallback")', "fallback"),
])
def test_known_values_are_computed(text, expected):
    scope = dict(variables={"env": "prod", "tags": {"team": "data"}, "list": [{"name": "x"}, {"name": "y"}],
                            "names": ["a", "b"]},
                 locals={"name": parse_expression('"etl-${var.env}"')})
    assert ev(text, **scope) == expected


@pytest.mark.parametrize("text", [
    "var.missing", '"a-${var.missing}"', "aws_iam_role.r.arn", "count.index", "each.value", "upper(var.missing)",
    "var.missing ? 1 : 2", '"%{ if true }x%{ endif }"', "unknownfn(1)",
])
def test_what_cannot_be_known_is_an_explicit_unknown(text):
    value = ev(text)
    assert is_unknown(value) and value["expr"]


def test_jsonencode_writes_unknown_leaves_as_their_expression():
    assert json.loads(ev('jsonencode({ Resource = aws_s3_bucket.b.arn })')) == {"Resource": "${aws_s3_bucket.b.arn}"}


def test_local_that_refers_to_itself_is_unknown_not_a_hang():
    value = ev("local.a", locals={"a": parse_expression("local.b"), "b": parse_expression("local.a")})
    assert is_unknown(value)


def test_references_to_other_blocks_go_through_the_resolver():
    def resolve(root, names):
        return {"arn": "arn:aws:iam::1:role/x"} if (root, names[:1]) == ("aws_iam_role", ("r",)) else None
    assert ev("aws_iam_role.r.arn", resolve=lambda r, n: resolve(r, n)[n[1]] if resolve(r, n) else {"__unknown__": True, "expr": "x"}) == "arn:aws:iam::1:role/x"


def test_template_text_with_escapes_and_interpolations():
    assert evaluate(parse_template("a $${b} ${1 + 1}"), Scope()) == "a ${b} 2"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(alphabet="abcXYZ:/*-_ ", max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(alphabet="abcdefgh", min_size=1, max_size=6), children, max_size=4),
    max_leaves=20,
)


def _hcl(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_hcl(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    return json.dumps(value)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_jsonencode_of_generated_nested_objects_round_trips(value):
    assert json.loads(ev(f"jsonencode({_hcl(value)})")) == value


@pytest.mark.parametrize("text", ["coalescelist([], [])", "element([], 0)", "one([1, 2])", "range(1e9, 0, 0)",
                                  'jsondecode("{")', 'regex("(", "x")', "tonumber(\"x\")", "max()"])
def test_a_function_failing_on_its_arguments_gives_unknown(text):
    assert is_unknown(ev(text))


LITERALS = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["", "a", "x,y", "%s"]),
                        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from("abc"), c, max_size=2),
                        max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(__import__("airtf_lint.terraform.functions", fromlist=["FUNCTIONS"]).FUNCTIONS)),
       st.lists(LITERALS, max_size=3))
def test_no_function_raises_whatever_its_arguments(name, args):
    ev(f"{name}({', '.join(_hcl(a) for a in args)})")


@pytest.mark.parametrize(("text", "expected"), [
    ("var.t && var.f", False),
    ("var.t || var.f", True),
    ("!var.f", True),
    ("var.n + var.m * 2", 7),
    ("var.n == 1 && var.m == 3", True),
    ('var.o.a == "x"', True),
])
def test_operators_apply_to_whole_references(text, expected):
    assert ev(text, variables={"t": True, "f": False, "n": 1, "m": 3, "o": {"a": "x"}}) == expected


_OPERANDS = st.sampled_from(["var.a", "var.b", "var.o.c", "2", "3"])


@st.composite
def _arithmetic(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return draw(_OPERANDS)
    op = draw(st.sampled_from(["+", "-", "*", "==", "!=", "<", ">="]))
    left, right = draw(_arithmetic(depth + 1)), draw(_arithmetic(depth + 1))
    # Python chains comparisons (a == b == c) where HCL does not: keep each comparison parenthesized.
    parenthesize = op in ("==", "!=", "<", ">=") or draw(st.booleans())
    return f"({left} {op} {right})" if parenthesize else f"{left} {op} {right}"


@settings(max_examples=300, deadline=None)
@given(_arithmetic())
def test_operator_precedence_matches_hcl(text):
    python = text.replace("var.o.c", "5").replace("var.a", "7").replace("var.b", "11")
    try:
        expected = eval(python)  # noqa: S307 - generated arithmetic over integer literals only
    except TypeError:
        return
    value = ev(text, variables={"a": 7, "b": 11, "o": {"c": 5}})
    if is_unknown(value):  # HCL refuses arithmetic on booleans; Python does not
        return
    assert value == expected


def test_templatefile_renders_a_policy_template_from_the_tree(tmp_path):
    (tmp_path / "policy.json.tpl").write_text('{"Resource": "arn:aws:s3:::${bucket}/*"}')
    value = ev('templatefile("policy.json.tpl", { bucket = "raw" })',
               read_file=lambda p: (tmp_path / p).read_text() if (tmp_path / p).is_file() else None)
    assert value == '{"Resource": "arn:aws:s3:::raw/*"}'


@pytest.mark.parametrize(("text", "expected"), [
    ('basename("a/b/c.json")', "c.json"), ('dirname("a/b/c.json")', "a/b"),
    ('regex("^arn:aws:iam::(\\\\d+):", "arn:aws:iam::123:role/x")', ["123"]),
    ('sha256("x")', "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),
    ('base64decode(base64encode("hi"))', "hi"),
])
def test_string_and_path_functions(text, expected):
    assert ev(text) == expected


def test_try_skips_errors_but_not_values_that_are_merely_unknown():
    scope = dict(variables={"o": {"a": 1}})
    assert ev('try(var.o.missing, "fallback")', **scope) == "fallback"
    assert ev("try(var.o.a, 2)", **scope) == 1
    assert is_unknown(ev("try(var.not_known_yet.x, true)"))


def test_can_is_false_on_errors_and_unknown_on_unknown_values():
    scope = dict(variables={"o": {"a": 1}})
    assert ev("can(var.o.missing)", **scope) is False
    assert ev("can(var.o.a)", **scope) is True
    assert is_unknown(ev('can(regex("^a$", var.not_known_yet))'))


def test_path_references_are_unknown_outside_a_module():
    assert is_unknown(ev('"ex-${basename(path.cwd)}"'))
    assert ev('"ex-${basename(path.cwd)}"', module_dir="examples/complete", root_dir="examples/complete") == "ex-complete"
