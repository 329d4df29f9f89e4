"""YAML for airtf-lint: libyaml's C loader when PyYAML has it (eight times faster than the pure-Python one; the
data files alone cost a second of start-up without it), and a bound on what aliases may expand to.

YAML aliases share nodes, so a 400-byte document can describe a tree of billions of nodes (an "alias bomb").
Anything that walks such a tree (our connection search, a JSON dump of a value) would then hang. Documents from the
scanned repository are composed first, their expanded size is counted over the shared graph in linear time, and a
document that expands past the limit is refused with the line of its first alias.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_EXPANDED_NODES = 1_000_000


class _Mark:
    def __init__(self, line: int) -> None:
        self.line = line  # 0-based, as PyYAML's marks


class YamlBomb(yaml.YAMLError):
    """A document whose aliases expand past MAX_EXPANDED_NODES. A YAMLError, with PyYAML's `problem` and
    `problem_mark`, so every handler of invalid YAML reports it with its line."""

    def __init__(self, expanded: int, line: int | None) -> None:
        self.problem = (f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); "
                        "not analysed")
        super().__init__(self.problem)
        self.expanded = expanded
        self.line = line
        self.problem_mark = _Mark(line - 1) if line else None


def expanded_size(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> int:
    """How many nodes the document has once every alias is expanded, stopping early past `limit`.

    Computed bottom-up over the composed graph with each shared node counted once per node (memoised), so the cost
    is linear in the document however large the expansion."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if not children_done:
            if key in on_path:  # a recursive alias: PyYAML builds a cyclic object; count it once
                sizes[key] = 1
                continue
            on_path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        on_path.discard(key)
        total = 1 + sum(sizes.get(id(child), 1) for child in children)
        sizes[key] = min(total, limit + 1)
    return sizes.get(id(root), 1)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _first_alias_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0]
        if "*" in stripped and any(part.startswith("*") for part in stripped.replace("[", " ").replace(",", " ")
                                   .replace("-", " ").split()):
            return number
    return None


def check_expansion(root: yaml.Node | None, text: str) -> None:
    """Raise YamlBomb when the composed document expands past the limit."""
    if root is None:
        return
    size = expanded_size(root)
    if size > MAX_EXPANDED_NODES:
        raise YamlBomb(size, _first_alias_line(text))


def load_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """Our own packaged data: trusted, loaded at full speed."""
    return yaml.load(source, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python


def load_untrusted_yaml(text: str) -> Any:
    """A document from the user's repository (configuration, values files): composed, checked, then built."""
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        check_expansion(root, text)
        return loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
