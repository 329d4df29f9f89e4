"""Terraform native syntax (.tf, .tfvars, .tfbackend) into blocks and attributes with exact locations.

Built on py-tree-sitter and the tree-sitter HCL grammar: fast, positions on every node, and tolerant of broken
input. When a file has syntax errors, each top-level block is parsed again on its own so that the intact ones still
count. Values are evaluated only where they are literal; everything else becomes an explicit unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import tree_sitter
import tree_sitter_hcl

from airtf_lint.facts import FileError, HclAttribute, HclBlock, Location
from airtf_lint.parsers.text import UnreadableFile
from airtf_lint.redaction import redact_line
from airtf_lint.terraform.evaluate import evaluate
from airtf_lint.terraform.functions import MAX_ITEMS
from airtf_lint.terraform.ir import (
    BinOp,
    Call,
    Cond,
    Expr,
    ForExpr,
    Lit,
    ObjectExpr,
    Opaque,
    Ref,
    Splat,
    Template,
    Traversal,
    TupleExpr,
    UnOp,
)

Node = tree_sitter.Node
# Real .tf files stay far below this; parsing cost is linear but about 2 s per megabyte through tree-sitter and the IR.
MAX_HCL_CHARS = 4_000_000

# A line that opens a top-level block or attribute: where a broken file is cut into independent chunks.
_TOP_LEVEL_START = re.compile(r'^[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*[ \t]*(?:\{|=)', re.M)
_PUNCTUATION = frozenset({"}", "]", ")", '"', "{", "[", "(", "=", ","})
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))|\$\$\{|%%\{')


@lru_cache(maxsize=1)
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_hcl.language())


@dataclass(slots=True)
class HclBody:
    blocks: list[HclBlock] = field(default_factory=list)
    attributes: dict[str, HclAttribute] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)


def parse_hcl(text: str, path: str) -> HclBody:
    if len(text) > MAX_HCL_CHARS:
        raise UnreadableFile(f"too large to analyse as Terraform native syntax ({len(text):,} characters; the limit "
                             f"is {MAX_HCL_CHARS:,})")
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
    source = _Source(text)
    root = tree_sitter.Parser(_language()).parse(_grammar_bytes(source.data)).root_node
    walker = _Walker(source, path, line_offset)
    body = HclBody()
    if root.has_error:  # O(1): tree-sitter marks every ancestor of an error or invented token
        error = walker.first_error(root)
        if error is not None:
            body.errors.append(error)
    # Comments before the first block are siblings of the body, not inside it.
    top = next((child for child in root.named_children if child.type == "body"), None)
    if top is not None:
        body.blocks, body.attributes = walker.body(top, body.errors)
    return body


# `1e3` (an exponent without a fraction) is valid HCL that the tree-sitter grammar rejects; `1.5e3` it accepts.
_EXPONENT_HINT = re.compile(rb'(?<![\w.])[0-9]+[eE][+-]?[0-9]')
# What the scan below stops at: a string's start, comments, a heredoc's start, braces, and such a literal.
_CODE_STOP = re.compile(rb'"|#|//|/\*|<<-?[ \t]*([A-Za-z_][\w-]*)[ \t]*\r?\n|\{|\}|(?<![\w.])[0-9]+([eE][+-]?)(?=[0-9])')
_STRING_STOP = re.compile(rb'\\.|"|\$\$\{|%%\{|[$%]\{|\r?\n', re.S)


def _grammar_bytes(data: bytes) -> bytes:
    """The bytes tree-sitter is given: the source with each `1e3`-style literal outside strings, comments and
    heredocs spelled with the same number of bytes in a form the grammar accepts (`103`, `1e+3` as `1003`), so
    every node keeps its offsets and columns. Only the grammar sees the respelling: literal values and source
    text are read from the original, so the value stays 1000."""
    if not _EXPONENT_HINT.search(data):
        return data
    out = bytearray(data)
    # What each open `{` belongs to: None for code; for a template interpolation, what its `}` resumes: a quoted
    # string (True) or a heredoc (the pattern of its closing marker).
    braces: list[bool | re.Pattern[bytes] | None] = []
    position, size = 0, len(data)
    while position < size:
        match = _CODE_STOP.search(data, position)
        if match is None:
            break
        token = match.group(0)
        position = match.end()
        if match.group(2) is not None:  # an exponent without a fraction
            start, end = match.span(2)
            out[start:end] = b"0" * (end - start)
        elif token == b'"':
            position = _skip_string(data, position, braces)
        elif token == b"{":
            braces.append(None)
        elif token == b"}":
            resume = braces.pop() if braces else None
            if resume is True:
                position = _skip_string(data, position, braces)
            elif resume is not None:
                position = _skip_heredoc(data, position, resume, braces)
        elif token in (b"#", b"//"):
            newline = data.find(b"\n", position)
            position = size if newline < 0 else newline + 1
        elif token == b"/*":
            close = data.find(b"*/", position)
            position = size if close < 0 else close + 2
        else:  # a heredoc, which ends at the line holding its marker alone
            marker = re.compile(rb"^[ \t]*" + re.escape(match.group(1)) + rb"[ \t]*\r?$|[$%]{1,2}\{", re.M)
            position = _skip_heredoc(data, position, marker, braces)
    return bytes(out)


def _skip_heredoc(data: bytes, position: int, marker: re.Pattern[bytes], braces: list) -> int:  # type: ignore[type-arg]
    """From inside a heredoc, past its closing marker; at an interpolation, into it."""
    while True:
        match = marker.search(data, position)
        if match is None:
            return len(data)
        token = match.group(0)
        position = match.end()
        if len(token) == 2 and token.endswith(b"{"):  # ${ or %{ (not the escapes $${ and %%{)
            braces.append(marker)
            return position
        if not token.endswith(b"{"):
            return position


def _skip_string(data: bytes, position: int, braces: list) -> int:  # type: ignore[type-arg]
    """From inside a quoted string, past its end; at an interpolation, into it (code again until its `}`)."""
    while True:
        match = _STRING_STOP.search(data, position)
        if match is None:
            return len(data)
        token = match.group(0)
        position = match.end()
        if token == b'"' or token.endswith(b"\n"):  # a string never spans lines
            return position
        if len(token) == 2 and token.endswith(b"{"):  # ${ or %{, not the escapes $${ and %%{
            braces.append(True)
            return position


class _Source:
    """The text and its UTF-8 bytes: tree-sitter speaks byte offsets, the facts speak characters."""

    __slots__ = ("text", "data", "ascii")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        self.ascii = len(self.data) == len(text)

    def of(self, node: Node) -> str:
        if self.ascii:
            return self.text[node.start_byte:node.end_byte]
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def column(self, byte_offset: int, byte_column: int) -> int:
        if self.ascii:
            return byte_column + 1
        return len(self.data[byte_offset - byte_column:byte_offset].decode("utf-8", "replace")) + 1


class _Walker:
    def __init__(self, source: _Source, path: str, line_offset: int) -> None:
        self.source = source
        self.path = path
        self.line_offset = line_offset
        self.build = _ExprBuilder(source)

    def location(self, node: Node) -> Location:
        start, end = node.start_point, node.end_point
        return Location(
            path=self.path,
            line=start[0] + 1 + self.line_offset,
            column=self.source.column(node.start_byte, start[1]),
            end_line=end[0] + 1 + self.line_offset,
            end_column=self.source.column(node.end_byte, end[1]),
        )

    def first_error(self, root: Node) -> FileError | None:
        # After the first syntax error tree-sitter's recovery reports cascades that only confuse: keep the earliest.
        stack = [root]
        found: list[tuple[int, int, Node]] = []
        while stack:
            node = stack.pop()
            if node.is_error or node.is_missing:
                found.append((node.start_byte, len(found), node))
            elif node.has_error:
                stack.extend(node.children)
        if not found:
            return None
        node = min(found)[2]
        if node.is_missing:
            kind = node.type
            message = f"syntax error: missing {kind!r}" if kind in _PUNCTUATION else "syntax error: invalid expression"
        else:
            node = _innermost_error(node)
            after = self.source.data[node.start_byte:node.start_byte + 200].decode("utf-8", "replace")
            escape = _BAD_ESCAPE.match(after)
            if escape:
                message = (f"syntax error: invalid escape sequence '{escape.group(0)}' (a string allows \\n \\r "
                           f"\\t \\\" \\\\ \\uNNNN \\UNNNNNNNN)")
            else:
                one_line = node.start_point[0] == node.end_point[0] and node.end_byte > node.start_byte
                message = f"syntax error near {_excerpt(self.source.of(node) if one_line else after)}"
        start = node.start_point
        return FileError(self.path, message, start[0] + 1 + self.line_offset, self.source.column(node.start_byte,
                                                                                               start[1]))

    def body(self, node: Node, errors: list[FileError] | None = None) -> tuple[list[HclBlock],
                                                                             dict[str, HclAttribute]]:
        """A body's blocks and attributes. Given `errors` (the top level), a block or attribute this code fails on
        becomes an error at its line and costs only itself."""
        blocks: list[HclBlock] = []
        attributes: dict[str, HclAttribute] = {}
        for child in node.named_children:
            if errors is None:
                self._member(child, blocks, attributes)
                continue
            try:
                self._member(child, blocks, attributes)
            except RecursionError:
                errors.append(self._error(child, "nested too deeply to analyse"))
            except Exception as exc:  # noqa: BLE001 - a bug of ours costs one block, never the file
                detail = " ".join(str(exc).split())[:200]
                errors.append(self._error(child, f"internal error while parsing this {child.type}: "
                                                 f"{type(exc).__name__}{': ' + redact_line(detail) if detail else ''}"))
        return blocks, attributes

    def _error(self, node: Node, message: str) -> FileError:
        where = self.location(node)
        return FileError(self.path, message, where.line, where.column)

    def _member(self, child: Node, blocks: list[HclBlock], attributes: dict[str, HclAttribute]) -> None:
        kind = child.type
        if kind == "block":
            blocks.append(self.block(child))
        elif kind == "attribute":
            named = child.named_children
            if len(named) < 2:
                return
            name = self.source.of(named[0])
            ir = self.build(named[-1])
            attributes[name] = HclAttribute(name, evaluate(ir), self.location(child), ir)

    def block(self, node: Node) -> HclBlock:
        block_type = ""
        labels: list[str] = []
        blocks: list[HclBlock] = []
        attributes: dict[str, HclAttribute] = {}
        for child in node.named_children:
            kind = child.type
            if kind == "identifier":
                if block_type:
                    labels.append(self.source.of(child))
                else:
                    block_type = self.source.of(child)
            elif kind == "string_lit":
                label = self.build(child)
                labels.append(label.value if isinstance(label, Lit) else self.source.of(child).strip('"'))
            elif kind == "body":
                blocks, attributes = self.body(child)
        _settle_shared_names(blocks, attributes)
        return HclBlock(block_type, tuple(labels), attributes, blocks, self.location(node))


def _settle_shared_names(blocks: list[HclBlock], attributes: dict[str, HclAttribute]) -> None:
    """An attribute and nested blocks of one name in one body (`volume = "x"` and `volume { ... }`) are valid HCL
    that Terraform rejects against a provider schema; checkov's own tests hold such files. Every reader of a block
    sees its body as one object in which a block type maps to a list of objects (`terraform show -json`'s shape,
    `HclBlock.values()`), so the parser settles the clash here: the blocks win, and the attribute stays only when
    it is written as a tuple (`volume = [...]`, the attributes-as-blocks form), whose elements then come before
    the blocks' objects. A string, an object or a reference that could be anything is dropped. A `dynamic "x"`
    block counts as a block of type x."""
    if not attributes or not blocks:
        return
    for block in blocks:
        name = block.labels[0] if block.type == "dynamic" and block.labels else block.type
        attribute = attributes.get(name)
        if attribute is not None and not isinstance(attribute.expr, TupleExpr):
            del attributes[name]


# In a string, a backslash not followed by one of n r t " \\ u U.
_BAD_ESCAPE = re.compile(r'\\[^nrt"\\uU\n]')


def _innermost_error(node: Node) -> Node:
    """Where inside an error node the parse went wrong. tree-sitter's recovery often wraps a whole block in one
    ERROR starting at its first line (`resource "x" "y" {` for a string left open ten lines below); the first
    descendant that is itself an error, is missing or holds one is much closer to the mistake."""
    while True:
        inner = next((c for c in node.children if c.is_error or c.is_missing or c.has_error), None)
        if inner is None:
            return node
        node = inner


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


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    value = float(text)
    # HCL numbers are exact: `1e3` and `1.5e3` are the whole numbers 1000 and 1500, not floats.
    if "e" in text.lower() and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _excerpt(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return repr(redact_line(first)[:40])


# --- expressions: tree-sitter nodes to the IR of airtf_lint.terraform.ir -----------------------------------------

_WRAPPERS = frozenset({"expression", "literal_value", "collection_value", "template_expr"})
MAX_EXPRESSION_TEXT = 4096  # characters of source an IR node keeps as its text
MAX_COLLECTION_ITEMS = MAX_ITEMS  # a longer tuple would be unknown to the evaluator anyway
# Half of real attributes are a plain string, a number or a reference: recognised from their text, they cost no
# descent through the wrapper nodes. Anything less plain takes the tree.
_PLAIN = re.compile(r'"[^"\\$%]*"|[0-9]+|[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\.[0-9]+|\[[0-9]+\]|\["[^"\\$%]*"\])*')
_PLAIN_ROOT = re.compile(r'[A-Za-z_][\w-]*')
_PLAIN_STEP = re.compile(r'\.([A-Za-z_][\w-]*)|\.([0-9]+)|\[([0-9]+)\]|\["([^"]*)"\]')
_KEYWORDS = {"true": Lit(True), "false": Lit(False), "null": Lit(None)}
_STEP_KINDS = frozenset({"get_attr", "index", "splat"})

# HCL operator precedence, loosest first. Some versions of the grammar attach `.attr` steps after an operand to the
# whole operation on its left (`a && b.c` read as `(a && b).c`), so operations are flattened into operands and
# operators in source order and parsed again with this table.
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6,
               "/": 6, "%": 6}


class _ExprBuilder:
    """One source's expression nodes into IR. Every property read crosses into C, so leaves are decided from
    their kind and text alone and children are asked for once."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.of = source.of

    def label(self, node: Node) -> str:
        """An expression's source text as its IR keeps it (for unknown values and messages): long ones are cut, so
        that nested expressions do not each hold a copy of a megabyte of source."""
        if node.end_byte - node.start_byte <= MAX_EXPRESSION_TEXT:
            return self.of(node)
        return self.source.data[node.start_byte:node.start_byte + MAX_EXPRESSION_TEXT].decode("utf-8", "ignore") + "…"

    def __call__(self, node: Node) -> Expr:
        kind = node.type
        if kind == "numeric_lit":
            return Lit(_number(self.of(node)))
        if kind == "bool_lit":
            return Lit(self.of(node) == "true")
        if kind == "null_lit":
            return Lit(None)
        if kind == "string_lit" or kind == "quoted_template":
            text = self.of(node)
            if "${" not in text and "%{" not in text:
                return Lit(_unescape(text[1:-1]))
            return self._quoted(node, text)
        if kind in _WRAPPERS:
            text = self.of(node)
            if _PLAIN.fullmatch(text):
                return self._plain(text)
        named = node.named_children
        if kind == "expression" and len(named) > 1 and named[1].type in _STEP_KINDS:
            if named[0].type == "operation":
                return self._operation(named, self.label(node))
            return self._traversal(named, self.label(node))
        if kind in _WRAPPERS and len(named) == 1:
            return self(named[0])
        if kind == "operation" or kind == "binary_operation" or kind == "unary_operation":
            return self._operation([node], self.label(node))
        if kind == "variable_expr":
            text = self.of(node)
            return Ref(text, (), text)
        if kind == "function_call":
            return self._call(node, named)
        if kind == "tuple":
            if len(named) > MAX_COLLECTION_ITEMS:  # evaluated as unknown anyway: not worth an IR node per item
                return Opaque(self.label(node))
            return TupleExpr(tuple(self(c) for c in named if c.type == "expression"), self.label(node))
        if kind == "object":
            return self._object(node, named)
        if kind == "heredoc_template":
            return _heredoc(self.of(node))
        if kind == "conditional" and len(named) == 3:
            return Cond(self(named[0]), self(named[1]), self(named[2]), self.label(node))
        if kind == "for_expr" and named:
            return self._for(named[0])
        return Opaque(self.label(node))

    def _plain(self, text: str) -> Expr:
        first = text[0]
        if first == '"':
            return Lit(text[1:-1])
        if first.isdigit():
            return Lit(int(text))
        if text in _KEYWORDS:
            return _KEYWORDS[text]
        steps: list[str | Expr] = []
        for match in _PLAIN_STEP.finditer(text):
            name, number, index, key = match.groups()
            if name is not None:
                steps.append(name)
            elif key is not None:
                steps.append(Lit(key))
            else:
                steps.append(Lit(int(number if number is not None else index)))
        root = _PLAIN_ROOT.match(text).group(0)  # type: ignore[union-attr]
        return Ref(root, tuple(steps), text)

    def _step(self, node: Node) -> str | Expr | None:
        kind = node.type
        if kind == "get_attr":
            identifier = node.named_children
            return self.of(identifier[0]) if identifier else None
        if kind == "index":
            inner = node.named_children
            if inner and inner[0].type == "legacy_index":  # foo.0
                return Lit(_number(self.of(inner[0]).lstrip(".")))
            target = inner[0].named_children if inner else []
            return self(target[0]) if target else None
        return None

    def _traversal(self, parts: list[Node], text: str) -> Expr:
        head = parts[0]
        steps: list[str | Expr] = []
        for position, part in enumerate(parts[1:], start=1):
            if part.type == "splat":
                base = self._make_traversal(head, steps, text)
                splat_steps = [self._step(c) for c in part.named_children[0].named_children]
                if any(s is None for s in splat_steps):
                    return Opaque(text)
                source = Splat(base, tuple(splat_steps), text)  # type: ignore[arg-type]
                rest = parts[position + 1:]
                if rest:
                    more = [self._step(c) for c in rest]
                    if any(s is None for s in more):
                        return Opaque(text)
                    return Traversal(source, tuple(more), text)  # type: ignore[arg-type]
                return source
            step = self._step(part)
            if step is None:
                return Opaque(text)
            steps.append(step)
        return self._make_traversal(head, steps, text)

    def _make_traversal(self, head: Node, steps: list[str | Expr], text: str) -> Expr:
        if head.type == "variable_expr":
            return Ref(self.of(head), tuple(steps), text)
        return Traversal(self(head), tuple(steps), text)

    def _quoted(self, node: Node, text: str) -> Expr:
        # The grammar leaves whitespace at a literal's edges out of template_literal nodes, so literal text is
        # sliced from the source between the quotes and the interpolations.
        data, base = self.source.data, node.start_byte
        raw = data[base:node.end_byte]
        parts: list[str | Expr] = []
        cursor = 1  # after the opening quote
        for child in node.named_children:
            kind = child.type
            if kind == "template_interpolation" or kind == "template_directive":
                if child.start_byte - base > cursor:
                    parts.append(_unescape(raw[cursor:child.start_byte - base].decode("utf-8", "replace")))
                cursor = child.end_byte - base
                if kind == "template_directive":
                    return Opaque(text)
                inner = [c for c in child.named_children if c.type == "expression"]
                if not inner:
                    return Opaque(text)
                parts.append(self(inner[0]))
        if len(raw) - 1 > cursor:
            parts.append(_unescape(raw[cursor:len(raw) - 1].decode("utf-8", "replace")))
        if all(isinstance(p, str) for p in parts):
            return Lit("".join(parts))  # type: ignore[arg-type]
        return Template(tuple(parts), text)

    def _flatten(self, nodes: list[Node], out: list[tuple[str, object]]) -> None:
        for node in nodes:
            kind = node.type
            if kind == "operation":
                self._flatten(node.named_children, out)
            elif kind == "binary_operation" or kind == "unary_operation":
                unary = kind == "unary_operation"
                for child in node.children:
                    if child.is_named:
                        self._flatten([child], out)
                        continue
                    token = child.type
                    if unary and token in ("!", "-"):
                        out.append(("unary", token))
                    elif token in _PRECEDENCE:
                        out.append(("op", token))
            else:
                out.append(("node", node))

    def _operation(self, nodes: list[Node], text: str) -> Expr:
        items: list[tuple[str, object]] = []
        self._flatten(nodes, items)
        # Group each primary with the steps that follow it into one operand.
        tokens: list[tuple[str, object]] = []
        for kind, value in items:
            if kind == "node" and tokens and tokens[-1][0] == "operand" and value.type in _STEP_KINDS:  # type: ignore[union-attr]
                tokens[-1][1].append(value)  # type: ignore[union-attr]
            elif kind == "node":
                tokens.append(("operand", [value]))
            else:
                tokens.append((kind, value))
        parser = _Pratt(tokens, text, self._operand)
        result = parser.expression(0)
        return result if parser.position == len(tokens) else Opaque(text)

    def _operand(self, nodes: list[Node]) -> Expr:
        """An operand of an operator: one node, or a traversal spelled as sibling nodes (var, .env, [0])."""
        if len(nodes) == 1:
            return self(nodes[0])
        text = "".join(self.of(n) for n in nodes)
        if nodes and all(n.type in _STEP_KINDS for n in nodes[1:]):
            return self._traversal(nodes, text)
        return Opaque(text)

    def _object(self, node: Node, named: list[Node]) -> Expr:
        items: list[tuple[Expr, Expr]] = []
        for elem in named:
            if elem.type != "object_elem":
                continue
            parts = [c for c in elem.named_children if c.type == "expression"]
            if len(parts) != 2:
                return Opaque(self.label(node))
            key_node = parts[0].named_children
            if len(key_node) == 1 and key_node[0].type == "variable_expr":
                key: Expr = Lit(self.of(key_node[0]))  # a bare key is a name, not a reference
            else:
                key = self(parts[0])
            items.append((key, self(parts[1])))
        return ObjectExpr(tuple(items), self.label(node))

    def _call(self, node: Node, named: list[Node]) -> Expr:
        name = self.of(named[0]) if named else ""
        args: list[Expr] = []
        expand = False
        for part in named:
            if part.type != "function_arguments":
                continue
            for child in part.named_children:
                if child.type == "expression":
                    args.append(self(child))
                elif child.type == "ellipsis":
                    expand = True
        return Call(name, tuple(args), expand, self.label(node))

    def _for(self, node: Node) -> Expr:
        children = node.named_children
        intro = next((c for c in children if c.type == "for_intro"), None)
        if intro is None:
            return Opaque(self.label(node))
        intro_parts = intro.named_children
        names = [self.of(c) for c in intro_parts if c.type == "identifier"]
        collection = next((c for c in intro_parts if c.type == "expression"), None)
        bodies = [c for c in children if c.type == "expression"]
        condition = next((c for c in children if c.type == "for_cond"), None)
        condition_expr = None
        if condition is not None:
            inner = [c for c in condition.named_children if c.type == "expression"]
            condition_expr = self(inner[0]) if inner else None
        if collection is None or not names or not bodies:
            return Opaque(self.label(node))
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        is_object = node.type == "for_object_expr"
        if is_object and len(bodies) < 2:
            return Opaque(self.label(node))
        grouped = is_object and any(c.type == "ellipsis" for c in children)
        return ForExpr(key_var, value_var, self(collection), self(bodies[0]) if is_object else None,
                       self(bodies[-1]), condition_expr, grouped, self.label(node))


class _Pratt:
    def __init__(self, tokens: list[tuple[str, object]], text: str, operand) -> None:  # type: ignore[no-untyped-def]
        self.tokens, self.text, self.position, self.operand = tokens, text, 0, operand

    def _primary(self) -> Expr:
        if self.position >= len(self.tokens):
            return Opaque(self.text)
        kind, value = self.tokens[self.position]
        self.position += 1
        if kind == "unary":
            return UnOp(str(value), self._primary(), self.text)
        if kind == "operand":
            return self.operand(value)
        return Opaque(self.text)

    def expression(self, floor: int) -> Expr:
        left = self._primary()
        while self.position < len(self.tokens):
            kind, op = self.tokens[self.position]
            strength = _PRECEDENCE.get(str(op), 0) if kind == "op" else 0
            if strength <= floor:
                break
            self.position += 1
            left = BinOp(str(op), left, self.expression(strength), self.text)
        return left


def _heredoc(text: str) -> Expr:
    lines = text.split("\n")
    content = lines[1:-1]
    if text.startswith("<<-"):
        indents = [len(line) - len(line.lstrip()) for line in content if line.strip()]
        strip = min(indents, default=0)
        content = [line[strip:] for line in content]
    return parse_template("\n".join(content) + ("\n" if content else ""), text, escapes=False)


def parse_expression(text: str) -> Expr:
    """One expression given as source text (an interpolation, a JSON-syntax value)."""
    body = _parse_chunk(f"__x = {text}\n", "<expression>", 0)
    attribute = body.attributes.get("__x")
    if body.errors or attribute is None or attribute.expr is None:
        return Opaque(text)
    return attribute.expr


def parse_template(raw: str, text: str | None = None, *, escapes: bool = True) -> Expr:
    """A template string's content (heredoc body, JSON-syntax string) into literal parts and interpolations."""
    parts: list[str | Expr] = []
    literal: list[str] = []
    i = 0
    while i < len(raw):
        if raw.startswith("$${", i) or raw.startswith("%%{", i):
            literal.append(raw[i + 1:i + 3])
            i += 3
        elif raw.startswith("${", i) or raw.startswith("%{", i):
            end = _closing_brace(raw, i + 2)
            if end is None or raw[i] == "%":
                return Opaque(text if text is not None else raw)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(parse_expression(raw[i + 2:end].strip().strip("~").strip()))
            i = end + 1
        else:
            literal.append(raw[i])
            i += 1
    if literal:
        parts.append("".join(literal))
    if escapes:
        parts = [_unescape(p) if isinstance(p, str) else p for p in parts]
    if all(isinstance(p, str) for p in parts):
        return Lit("".join(parts))  # type: ignore[arg-type]
    return Template(tuple(parts), text if text is not None else raw)


def _closing_brace(raw: str, start: int) -> int | None:
    depth, i, quote = 1, start, False
    while i < len(raw):
        char = raw[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == '"':
                quote = False
        elif char == '"':
            quote = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None
