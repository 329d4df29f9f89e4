"""Outputs that expose a secret: an `output` whose value refers to a secret-holding attribute (a provider marks it
sensitive: `aws_iam_access_key.k.secret`, `random_password.p.result`, a secret-manager value), a variable declared
`sensitive` or named like a secret, without `sensitive = true` on the output. The output's value then appears in
`terraform apply` logs, `terraform output` and the state's outputs in plain text, and downstream in every
`terraform_remote_state` reader.

Terraform 0.15 and later refuse some of these at plan time (a sensitive variable or attribute in an unmarked
output); this finds them before a plan, and also finds what Terraform does not know is secret: a variable named
`db_password` that nobody marked sensitive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from airtf_lint.facts import HclBlock
from airtf_lint.secrets.names import is_secret_name
from airtf_lint.terraform.ir import Ref, refs


def _variables(blocks: Iterable[HclBlock]) -> dict[str, bool]:
    """Variable name -> whether it holds a secret (declared sensitive, or named like one)."""
    return {b.labels[0]: b.attributes.get("sensitive") is not None and b.attributes["sensitive"].value is True
            or is_secret_name(b.labels[0]) for b in blocks if b.type == "variable" and b.labels}


def _exposed(ref: Ref, variables: dict[str, bool], sensitive: Callable[[str], frozenset[str]]) -> str | None:
    names = [s for s in ref.steps if isinstance(s, str)]
    if ref.root == "var" and names and variables.get(names[0]):
        return ref.text
    if ref.root == "data" and len(names) >= 3 and names[2] in sensitive(names[0]):
        return ref.text
    if ref.root not in ("var", "data", "local", "module", "each", "count", "path", "self") and len(names) >= 2 \
            and names[1] in sensitive(ref.root):
        return ref.text
    return None


def secret_outputs(module_blocks: dict[str, list[HclBlock]],
                   sensitive: Callable[[str], frozenset[str]]) -> list[dict[str, Any]]:
    """Per module directory, each output that exposes a secret and is not marked sensitive."""
    found = []
    for directory, blocks in sorted(module_blocks.items()):
        variables = _variables(blocks)
        for block in blocks:
            if block.type != "output" or not block.labels or "value" not in block.attributes:
                continue
            marked = block.attributes.get("sensitive")
            if marked is not None and marked.value is True:
                continue
            value = block.attributes["value"]
            exposes = sorted({text for ref in refs(value.expr) if (text := _exposed(ref, variables, sensitive))})
            if exposes:
                found.append({"name": block.labels[0], "module": directory, "exposes": exposes,
                              **value.location.to_dict()})
    return found
