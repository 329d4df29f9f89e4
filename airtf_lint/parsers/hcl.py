"""Terraform native syntax (.tf, .tfvars, .tfbackend) into blocks and attributes with exact locations.

Built on ast-grep-py's tree-sitter HCL grammar: fast, positions on every node, and tolerant of broken input. When a
file has syntax errors, each top-level block is parsed again on its own so that the intact ones still count.
Values are evaluated only where they are literal; everything else becomes an explicit unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ast_grep_py import SgNode, SgRoot

from airtf_lint.facts import FileError, HclAttribute, HclBlock, Location, unknown

# After the first syntax error tree-sitter's recovery reports cascades that only confuse: keep the earliest.
_PUNCTUATION = frozenset({"}", "]", ")", '"', "{", "[", "(", "=", ","})

# A line that opens a top-level block or attribute: where a broken file is cut into independent chunks.
_TOP_LEVEL_START = re.compile(r'^[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*[ \t]*(?:\{|=)', re.M)
_MAY_BE_EMPTY = frozenset({"config_file", "body", "template_literal"})
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|\$\$\{|%%\{')


@dataclass(slots=True)
class HclBody:
    blocks: list[HclBlock] = field(default_factory=list)
    attributes: dict[str, HclAttribute] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)


def parse_hcl(text: str, path: str) -> HclBody:
    whole = _parse_chunk(text, path, 0)
    if not whole.errors:
        return whole
    recovered = HclBody(errors=whole.errors)
    for first_line, chunk in _top_level_chunks(text):
        part = _parse_chunk(chunk, path, first_line)
        if not part.errors:
            recovered.blocks.extend(part.blocks)
            recovered.attributes.update(part.attributes)
    return recovered


def _top_level_chunks(text: str) -> list[tuple[int, str]]:
    starts = [m.start() for m in _TOP_LEVEL_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    chunks = []
    for begin, end in zip(starts, starts[1:] + [len(text)]):
        chunks.append((text.count("\n", 0, begin), text[begin:end]))
    return chunks


def _parse_chunk(text: str, path: str, line_offset: int) -> HclBody:
    root = SgRoot(text, "hcl").root()
    walker = _Walker(path, line_offset)
    body = HclBody()
    walker.collect_errors(root, body.errors)
    # Comments before the first block are siblings of the body, not inside it.
    top = next((child for child in root.children() if child.kind() == "body"), None)
    if top is not None:
        body.blocks, body.attributes = walker.body(top)
    return body


class _Walker:
    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.line_offset = line_offset

    def location(self, node: SgNode) -> Location:
        span = node.range()
        return Location(
            path=self.path,
            line=span.start.line + 1 + self.line_offset,
            column=span.start.column + 1,
            end_line=span.end.line + 1 + self.line_offset,
            end_column=span.end.column + 1,
        )

    def collect_errors(self, root: SgNode, errors: list[FileError]) -> None:
        # Both searches run inside ast-grep: walking every node from Python cost 40% of parse time.
        found: list[FileError] = []
        for node in root.find_all(kind="ERROR"):
            found.append(self._error(node, f"syntax error near {_excerpt(node.text())}"))
        for node in root.find_all(regex="^$"):  # zero-width leaves are tokens the parser had to invent
            kind = node.kind()
            if node.is_leaf() and kind not in _MAY_BE_EMPTY:
                message = f"syntax error: missing {kind!r}" if kind in _PUNCTUATION else "syntax error: invalid expression"
                found.append(self._error(node, message))
        if found:
            errors.append(min(found, key=lambda e: (e.line or 0, e.column or 0)))

    def _error(self, node: SgNode, message: str) -> FileError:
        start = node.range().start
        return FileError(self.path, message, start.line + 1 + self.line_offset, start.column + 1)

    def body(self, node: SgNode) -> tuple[list[HclBlock], dict[str, HclAttribute]]:
        blocks: list[HclBlock] = []
        attributes: dict[str, HclAttribute] = {}
        for child in node.children():
            kind = child.kind()
            if kind == "block":
                blocks.append(self.block(child))
            elif kind == "attribute":
                name_node = child.child(0)
                expr = child.field("val") or _last_named(child)
                if name_node is None or expr is None:
                    continue
                attributes[name_node.text()] = HclAttribute(name_node.text(), self.value(expr), self.location(child))
        return blocks, attributes

    def block(self, node: SgNode) -> HclBlock:
        block_type = ""
        labels: list[str] = []
        blocks: list[HclBlock] = []
        attributes: dict[str, HclAttribute] = {}
        for child in node.children():
            kind = child.kind()
            if kind == "identifier":
                if block_type:
                    labels.append(child.text())
                else:
                    block_type = child.text()
            elif kind == "string_lit":
                labels.append(_string_literal(child))
            elif kind == "body":
                blocks, attributes = self.body(child)
        return HclBlock(block_type, tuple(labels), attributes, blocks, self.location(node))

    def value(self, node: SgNode) -> Any:
        kind = node.kind()
        named = node.named_children() if not node.is_leaf() else []
        if kind in ("expression", "literal_value", "collection_value", "template_expr", "operation") and len(named) == 1:
            return self.value(named[0])
        if kind == "numeric_lit":
            return _number(node.text())
        if kind == "bool_lit":
            return node.text() == "true"
        if kind == "null_lit":
            return None
        if kind in ("string_lit", "quoted_template"):
            if any(c.kind() in ("template_interpolation", "template_directive") for c in named):
                return unknown(node.text())
            return _string_literal(node)
        if kind == "heredoc_template":
            return _heredoc(node)
        if kind == "tuple":
            return [self.value(c) for c in named if c.kind() == "expression"]
        if kind == "object":
            return self.object(node)
        if kind == "unary_operation" and node.text().startswith("-"):
            inner = self.value(named[-1]) if named else None
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner
        return unknown(node.text())

    def object(self, node: SgNode) -> Any:
        out: dict[str, Any] = {}
        for elem in node.named_children():
            if elem.kind() != "object_elem":
                continue
            parts = [c for c in elem.named_children() if c.kind() == "expression"]
            if len(parts) != 2:
                return unknown(node.text())
            key = _object_key(parts[0])
            if key is None:
                return unknown(node.text())
            out[key] = self.value(parts[1])
        return out


def _object_key(node: SgNode) -> str | None:
    inner = node.named_children()
    if len(inner) == 1 and inner[0].kind() == "variable_expr":
        return inner[0].text()
    text = node.text()
    if text.startswith('"') and "${" not in text:
        return _unescape(text[1:-1])
    if text.startswith("(") and text.endswith(")"):
        return None
    return None


def _string_literal(node: SgNode) -> str:
    return "".join(_unescape(c.text()) for c in node.named_children() if c.kind() == "template_literal")


def _unescape(raw: str) -> str:
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        if token == "%%{":
            return "%{"
        code = match.group(1) or match.group(2)
        if code:
            return chr(int(code, 16))
        return _ESCAPES.get(match.group(3), token)

    return _ESCAPE.sub(replace, raw)


def _heredoc(node: SgNode) -> Any:
    text = node.text()
    if "${" in text.replace("$${", "") or "%{" in text.replace("%%{", ""):
        return unknown(text)
    lines = text.split("\n")
    content = lines[1:-1]
    if text.startswith("<<-"):
        indents = [len(line) - len(line.lstrip()) for line in content if line.strip()]
        strip = min(indents, default=0)
        content = [line[strip:] for line in content]
    return "\n".join(content) + ("\n" if content else "")


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _last_named(node: SgNode) -> SgNode | None:
    named = node.named_children()
    return named[-1] if len(named) > 1 else None


def _excerpt(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return repr(first[:40])
