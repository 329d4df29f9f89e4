"""The offline evaluator: what Terraform would compute, where it can be known without running anything."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airtf_lint.facts import is_unknown
from airtf_lint.parsers.hcl import parse_expression, parse_template
from airtf_lint.terraform.expressions import Scope, evaluate


def ev(text, **scope):
    return evaluate(parse_expression(text), Scope(**scope))


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
    ('try(var.nope, "fallback")', "fallback"),
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
