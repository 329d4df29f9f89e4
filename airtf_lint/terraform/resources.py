"""One view of every Terraform resource, whether it came from a .tf file (one per module instance) or a plan,
so that the principal and grant extractors need not care which."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from airtf_lint.facts import FileFacts, HclBlock, Location
from airtf_lint.terraform.ir import references
from airtf_lint.terraform.modules import Instance, ModuleEvaluator

_INDEX = re.compile(r"\[[^\]]*\]")


def without_index(address: str) -> str:
    """An address without its count/for_each indexes: aws_iam_role.r["a"] -> aws_iam_role.r."""
    return _INDEX.sub("", address)


@dataclass
class ResourceView:
    address: str  # full address: module path + local address
    local_address: str  # within its module instance: aws_iam_role.r, data.aws_iam_policy_document.p
    type: str
    mode: str
    values: dict[str, Any]
    location: Location
    group: str  # root folder, lone module folder, or plan file: names are matched within a group
    scope: str  # the instance: address references resolve within it
    refs: dict[str, list[str]] = field(default_factory=dict)  # attribute -> local addresses it references
    block: HclBlock | None = None  # the .tf block: for .tf resources, and for plan resources whose source is found
    source: str = "hcl"  # or "plan"
    key: Any = None  # count index or for_each key of this instance of the block
    plan_location: Location | None = None  # for plan resources: where the plan names them

    @property
    def base_address(self) -> str:
        """The local address without its count/for_each index: what references name."""
        return without_index(self.local_address)

    @property
    def id(self) -> str:
        return f"{self.group}:{self.address}"

    def attribute_location(self, name: str) -> Location:
        if self.block is not None and name in self.block.attributes:
            return self.block.attributes[name].location
        return self.location


def hcl_views(evaluator: ModuleEvaluator, instances: list[Instance]) -> list[ResourceView]:
    views = []
    for instance in instances:
        prefix = f"{instance.address}." if instance.address else ""
        group = instance.root or instance.folder.dir
        for block in instance.folder.blocks():
            if block.type not in ("resource", "data") or len(block.labels) < 2:
                continue
            mode = "managed" if block.type == "resource" else "data"
            local = f"{block.labels[0]}.{block.labels[1]}" if mode == "managed" else f"data.{block.labels[0]}.{block.labels[1]}"
            refs = block_references(block)
            repetition, items = evaluator.expand(instance, block)
            for key, values in items:
                suffix = "" if key is None else (f"[{key}]" if repetition == "count" else f"[{json.dumps(key)}]")
                views.append(ResourceView(
                    address=prefix + local + suffix, local_address=local + suffix, type=block.labels[0], mode=mode,
                    values=values, location=block.location, group=group, scope=f"{group}:{instance.address}",
                    refs={k: v for k, v in refs.items() if v}, block=block, key=key,
                ))
    return views


def block_references(block: HclBlock, prefix: str = "") -> dict[str, list[str]]:
    """attribute -> the addresses its expression refers to, nested blocks included under their dotted path
    (`config.node_config.service_account`); a dynamic block's content counts as the block it generates."""
    out = {prefix + name: references(attr.expr) for name, attr in block.attributes.items() if attr.expr is not None}
    for nested in block.blocks:
        if nested.type == "dynamic" and nested.labels:
            content = nested.first_block("content")
            if content is not None:
                out.update(block_references(content, f"{prefix}{nested.labels[0]}."))
            continue
        for name, found in block_references(nested, f"{prefix}{nested.type}.").items():
            out.setdefault(name, [])
            out[name] = list(dict.fromkeys(out[name] + found))
    return out


def index_by_base(views: list[ResourceView]) -> dict[tuple[str, str], list[ResourceView]]:
    index: dict[tuple[str, str], list[ResourceView]] = {}
    for view in views:
        index.setdefault((view.scope, view.base_address), []).append(view)
    return index


def pick(candidates: list[ResourceView] | None, referrer: ResourceView) -> ResourceView | None:
    """The instance of a referenced block meant by a referrer: the only one, or the one with the same key
    (the `each.key` pattern), or the first."""
    if not candidates:
        return None
    if len(candidates) > 1:
        same = [c for c in candidates if c.key is not None and c.key == referrer.key]
        if same:
            return same[0]
    return candidates[0]


def plan_views(all_facts: list[FileFacts]) -> list[ResourceView]:
    views = []
    for facts in all_facts:
        if facts.plan is None:
            continue
        for r in facts.plan.resources:
            local = r.address[len(r.module_path) + 1:] if r.module_path else r.address
            config_key = (r.module_path and without_index(r.module_path), without_index(local))
            views.append(ResourceView(
                address=r.address, local_address=local, type=r.type, mode=r.mode, values=r.values,
                location=r.location, group=facts.source.path, scope=f"{facts.source.path}:{r.module_path}",
                refs=facts.plan.references.get(config_key, {}), source="plan", plan_location=r.location,
            ))
    return views


def map_plans_to_source(plan: list[ResourceView], hcl: list[ResourceView]) -> None:
    """Locate plan resources at their .tf blocks when that configuration is in the scanned tree: findings then
    point where the fix is made. The root module in the plan's folder (or above it) wins; else a unique match."""
    by_address: dict[str, list[ResourceView]] = {}
    exact: dict[str, list[ResourceView]] = {}
    for view in hcl:
        by_address.setdefault(without_index(view.address), []).append(view)
        exact.setdefault(view.address, []).append(view)
    for view in plan:
        candidates = exact.get(view.address) or exact.get(without_index(view.address)) or \
            by_address.get(without_index(view.address), [])
        blocks = {id(c.block) for c in candidates}
        if len(blocks) == 1 and len(candidates) > 1:  # instances of one block: any of them has its location
            candidates = candidates[:1]
        plan_dir = posixpath.dirname(view.group) or "."
        near = [c for c in candidates if plan_dir == c.group or plan_dir.startswith(c.group + "/") or c.group == "."]
        chosen = near[0] if len(near) == 1 else (candidates[0] if len(candidates) == 1 else None)
        if chosen is not None:
            view.block = chosen.block
            view.location = chosen.location


def referenced(index: dict[tuple[str, str], list[ResourceView]], view: ResourceView, attribute: str,
               target_type: str) -> ResourceView | None:
    """The resource of `target_type` that an attribute refers to by address, within the same module instance."""
    for address in view.refs.get(attribute, []):
        if address.startswith(f"{target_type}."):
            target = pick(index.get((view.scope, address)), view)
            if target is not None:
                return target
    return None
