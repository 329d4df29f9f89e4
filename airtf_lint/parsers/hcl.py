"""Terraform native syntax (.tf, .tfvars, .tfbackend) into blocks and attributes with exact locations.

Built on ast-grep-py's tree-sitter HCL grammar: fast, positions on every node, and tolerant of broken input. When a
file has syntax errors, each top-level block is parsed again on its own so that the intact ones still count.
Values are evaluated only where they are literal; everything else becomes an explicit unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ast_grep_py import SgNode, SgRoot

from airtf_lint.facts import FileError, HclAttribute, HclBlock, Location
from airtf_lint.redaction import redact_line
from airtf_lint.terraform.expressions import (
    BinOp, Call, Cond, Expr, ForExpr, Lit, ObjectExpr, Opaque, Ref, Splat, Template, Traversal, TupleExpr, UnOp,
    evaluate,
)

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
                ir = build_expr(expr)
                attributes[name_node.text()] = HclAttribute(name_node.text(), evaluate(ir), self.location(child), ir)
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
                label = _quoted(child, child.named_children())
                labels.append(label.value if isinstance(label, Lit) else child.text().strip('"'))
            elif kind == "body":
                blocks, attributes = self.body(child)
        return HclBlock(block_type, tuple(labels), attributes, blocks, self.location(node))

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
        return float(text)


def _last_named(node: SgNode) -> SgNode | None:
    named = node.named_children()
    return named[-1] if len(named) > 1 else None


def _excerpt(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return repr(redact_line(first)[:40])


# --- expressions: tree-sitter nodes to the IR of airtf_lint.terraform.expressions ---------------------------------

_WRAPPERS = frozenset({"expression", "literal_value", "collection_value", "template_expr"})
_STEP_KINDS = frozenset({"get_attr", "index", "splat"})


def build_expr(node: SgNode) -> Expr:
    kind = node.kind()
    # Leaves first: asking a node for its children costs a crossing into Rust.
    if kind == "numeric_lit":
        return Lit(_number(node.text()))
    if kind == "bool_lit":
        return Lit(node.text() == "true")
    if kind == "null_lit":
        return Lit(None)
    if kind in ("string_lit", "quoted_template"):
        text = node.text()
        if "${" not in text and "%{" not in text:
            return Lit(_unescape(text[1:-1]))
        return _quoted(node, node.named_children())
    named = node.named_children()
    if kind == "expression" and len(named) > 1 and named[1].kind() in _STEP_KINDS:
        if named[0].kind() == "operation":
            return _operation(named, node.text())
        return _traversal(named, node.text())
    if kind == "operation":
        return _operation([node], node.text())
    if kind in _WRAPPERS and len(named) == 1:
        return build_expr(named[0])
    if kind == "heredoc_template":
        return _heredoc(node.text())
    if kind == "tuple":
        return TupleExpr(tuple(build_expr(c) for c in named if c.kind() == "expression"), node.text())
    if kind == "object":
        return _object(node, named)
    if kind == "variable_expr":
        return Ref(node.text(), (), node.text())
    if kind == "function_call":
        return _call(node, named)
    if kind == "conditional" and len(named) == 3:
        return Cond(build_expr(named[0]), build_expr(named[1]), build_expr(named[2]), node.text())
    if kind in ("binary_operation", "unary_operation"):
        return _operation([node], node.text())
    if kind == "for_expr" and named:
        return _for(named[0])
    if kind == "expression" and len(named) == 1 and node.text().startswith("("):
        return build_expr(named[0])
    return Opaque(node.text())


def _step(node: SgNode) -> str | Expr | None:
    kind = node.kind()
    if kind == "get_attr":
        identifier = node.named_children()
        return identifier[0].text() if identifier else None
    if kind == "index":
        inner = node.named_children()
        target = inner[0].named_children() if inner else []
        if inner and inner[0].kind() == "legacy_index":  # foo.0
            return Lit(_number(inner[0].text().lstrip(".")))
        return build_expr(target[0]) if target else None
    return None


def _traversal(parts: list[SgNode], text: str) -> Expr:
    head = parts[0]
    steps: list[str | Expr] = []
    source: Expr | None = None
    for position, part in enumerate(parts[1:], start=1):
        if part.kind() == "splat":
            base = _make_traversal(head, steps, text)
            splat_steps = [_step(c) for c in part.named_children()[0].named_children()]
            if any(s is None for s in splat_steps):
                return Opaque(text)
            source = Splat(base, tuple(splat_steps), text)  # type: ignore[arg-type]
            rest = parts[position + 1:]
            if rest:
                more = [_step(c) for c in rest]
                if any(s is None for s in more):
                    return Opaque(text)
                return Traversal(source, tuple(more), text)  # type: ignore[arg-type]
            return source
        step = _step(part)
        if step is None:
            return Opaque(text)
        steps.append(step)
    return _make_traversal(head, steps, text)


def _make_traversal(head: SgNode, steps: list[str | Expr], text: str) -> Expr:
    if head.kind() == "variable_expr":
        return Ref(head.text(), tuple(steps), text)
    return Traversal(build_expr(head), tuple(steps), text)


def _quoted(node: SgNode, named: list[SgNode]) -> Expr:
    # The grammar leaves whitespace at a literal's edges out of template_literal nodes, so literal text is sliced
    # from the source between the quotes and the interpolations.
    text = node.text()
    base = node.range().start.index
    parts: list[str | Expr] = []
    cursor = 1  # after the opening quote
    for child in named:
        kind = child.kind()
        if kind in ("template_interpolation", "template_directive"):
            span = child.range()
            if span.start.index - base > cursor:
                parts.append(_unescape(text[cursor:span.start.index - base]))
            cursor = span.end.index - base
            if kind == "template_directive":
                return Opaque(text)
            inner = [c for c in child.named_children() if c.kind() == "expression"]
            if not inner:
                return Opaque(text)
            parts.append(build_expr(inner[0]))
    if len(text) - 1 > cursor:
        parts.append(_unescape(text[cursor:len(text) - 1]))
    if all(isinstance(p, str) for p in parts):
        return Lit("".join(parts))  # type: ignore[arg-type]
    return Template(tuple(parts), text)


# HCL operator precedence, loosest first. The tree-sitter grammar attaches `.attr` steps after an operand to the
# whole operation on its left (`a && b.c` reads as `(a && b).c`), so operations are flattened into operands and
# operators in source order and parsed again with this table.
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6,
               "/": 6, "%": 6}


def _flatten(nodes: list[SgNode], out: list[tuple[str, object]]) -> None:
    for node in nodes:
        kind = node.kind()
        if kind == "operation":
            _flatten(node.named_children(), out)
        elif kind in ("binary_operation", "unary_operation"):
            unary = kind == "unary_operation"
            for child in node.children():
                if child.is_named():
                    _flatten([child], out)
                elif unary and child.text() in ("!", "-"):
                    out.append(("unary", child.text()))
                elif child.text() in _PRECEDENCE:
                    out.append(("op", child.text()))
        else:
            out.append(("node", node))


def _operation(nodes: list[SgNode], text: str) -> Expr:
    items: list[tuple[str, object]] = []
    _flatten(nodes, items)
    # Group each primary with the steps that follow it into one operand.
    tokens: list[tuple[str, object]] = []
    for kind, value in items:
        if kind == "node" and tokens and tokens[-1][0] == "operand" and value.kind() in _STEP_KINDS:  # type: ignore[union-attr]
            tokens[-1][1].append(value)  # type: ignore[union-attr]
        elif kind == "node":
            tokens.append(("operand", [value]))
        else:
            tokens.append((kind, value))
    parser = _Pratt(tokens, text)
    result = parser.expression(0)
    return result if parser.position == len(tokens) else Opaque(text)


class _Pratt:
    def __init__(self, tokens: list[tuple[str, object]], text: str) -> None:
        self.tokens, self.text, self.position = tokens, text, 0

    def _primary(self) -> Expr:
        if self.position >= len(self.tokens):
            return Opaque(self.text)
        kind, value = self.tokens[self.position]
        self.position += 1
        if kind == "unary":
            return UnOp(str(value), self._primary(), self.text)
        if kind == "operand":
            return _operand(value)  # type: ignore[arg-type]
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


def _operand(nodes: list[SgNode]) -> Expr:
    """An operand of an operator: one node, or a traversal spelled as sibling nodes (var, .env, [0])."""
    if len(nodes) == 1:
        return build_expr(nodes[0])
    if nodes and all(n.kind() in _STEP_KINDS for n in nodes[1:]):
        return _traversal(nodes, "".join(n.text() for n in nodes))
    return Opaque("".join(n.text() for n in nodes))


def _object(node: SgNode, named: list[SgNode]) -> Expr:
    items: list[tuple[Expr, Expr]] = []
    for elem in named:
        if elem.kind() != "object_elem":
            continue
        parts = [c for c in elem.named_children() if c.kind() == "expression"]
        if len(parts) != 2:
            return Opaque(node.text())
        key_node = parts[0].named_children()
        if len(key_node) == 1 and key_node[0].kind() == "variable_expr":
            key: Expr = Lit(key_node[0].text())  # a bare key is a name, not a reference
        else:
            key = build_expr(parts[0])
        items.append((key, build_expr(parts[1])))
    return ObjectExpr(tuple(items), node.text())


def _call(node: SgNode, named: list[SgNode]) -> Expr:
    name = named[0].text() if named else ""
    args_node = next((c for c in named if c.kind() == "function_arguments"), None)
    args: list[Expr] = []
    expand = False
    if args_node is not None:
        for child in args_node.named_children():
            if child.kind() == "expression":
                args.append(build_expr(child))
            elif child.kind() == "ellipsis":
                expand = True
    return Call(name, tuple(args), expand, node.text())


def _for(node: SgNode) -> Expr:
    children = node.named_children()
    intro = next((c for c in children if c.kind() == "for_intro"), None)
    if intro is None:
        return Opaque(node.text())
    names = [c.text() for c in intro.named_children() if c.kind() == "identifier"]
    collection = next((c for c in intro.named_children() if c.kind() == "expression"), None)
    bodies = [c for c in children if c.kind() == "expression"]
    condition = next((c for c in children if c.kind() == "for_cond"), None)
    condition_expr = None
    if condition is not None:
        inner = [c for c in condition.named_children() if c.kind() == "expression"]
        condition_expr = build_expr(inner[0]) if inner else None
    if collection is None or not names or not bodies:
        return Opaque(node.text())
    key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
    is_object = node.kind() == "for_object_expr"
    if is_object and len(bodies) < 2:
        return Opaque(node.text())
    grouped = is_object and any(c.kind() == "ellipsis" for c in children)
    return ForExpr(key_var, value_var, build_expr(collection), build_expr(bodies[0]) if is_object else None,
                   build_expr(bodies[-1]), condition_expr, grouped, node.text())


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
    root = SgRoot(f"__x = {text}\n", "hcl").root()
    attribute = root.find(kind="attribute")
    if attribute is None or root.find(kind="ERROR") is not None:
        return Opaque(text)
    named = attribute.named_children()
    return build_expr(named[-1]) if len(named) > 1 else Opaque(text)


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
