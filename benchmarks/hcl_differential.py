"""Differential test of our HCL parser against python-hcl2 (a second, independent parser: Lark, not tree-sitter).

    /tmp/venv/bin/python benchmarks/hcl_differential.py CORPUS [CORPUS ...] [--list] [--limit N]
    /tmp/venv/bin/python benchmarks/hcl_differential.py /tmp/corpus/checkov/tests/terraform --list   # for example

CORPUS is a local folder or file. Every `.tf`, `.tfvars` and `.tfbackend` file under it is read (recursively,
skipping `.git/`), decoded as our pipeline decodes it (`parsers.text.read_text`: BOMs, UTF-16), and parsed by both:

    ours         `airtf_lint.parsers.hcl.parse_hcl(text, path)`; rejected when `HclBody.errors` is not empty
                 (or, which must never happen, when it raises: reported apart, as a crash).
    python-hcl2  `hcl2.parses(text)` (the syntax tree, before its dict serialisation, which loses block order and
                 refuses some valid shapes); rejected when it raises.

For every file both accept, the two structures are compared at every depth: in each body, the set of attribute
names and the sequence of nested blocks (type and labels, in order). Printed: files read, accepted by both,
rejected by both, accepted by hcl2 but rejected by us (a bug of ours until shown otherwise), the reverse, and the
files whose structures disagree, with the first difference of each (`--list` lists every file of each group).

Two normalisations of the hcl2 side: where a body has an attribute and nested blocks of the same name, ours keeps
the attribute only when it is written as a tuple (`parsers/hcl.py`, `_settle_shared_names`), so hcl2's is trimmed
the same way; and hcl2 leaves the escapes `$${` and `%%{` doubled in block labels, which HCL reads as `${` and `%{`.

Exit status: 0 when hcl2 accepts nothing we reject and no structure disagrees; 1 otherwise; 2 for bad arguments.
`differential(files)` is the same comparison as a function, for tests (`tests/test_hcl_differential.py`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from airtf_lint.parsers.hcl import parse_hcl  # noqa: E402
from airtf_lint.parsers.text import UnreadableFile, read_text  # noqa: E402
from airtf_lint.terraform.ir import TupleExpr

SUFFIXES = (".tf", ".tfvars", ".tfbackend")
SKIPPED_DIRS = frozenset({".git"})

# A body: (sorted attribute names, ((block type, labels, body), ...)).
Body = tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...], Any], ...]]


@dataclass
class Outcome:
    path: str
    ours_error: str | None = None  # our first error message, with its line
    theirs_error: str | None = None
    crash: str | None = None  # an exception out of parse_hcl: always a bug
    difference: str | None = None  # first structural difference, when both accept


@dataclass
class Report:
    files: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    both: list[Outcome] = field(default_factory=list)
    neither: list[Outcome] = field(default_factory=list)
    only_theirs: list[Outcome] = field(default_factory=list)  # hcl2 accepts, we reject
    only_ours: list[Outcome] = field(default_factory=list)  # we accept, hcl2 rejects
    crashes: list[Outcome] = field(default_factory=list)
    disagreements: list[Outcome] = field(default_factory=list)
    seconds_ours: float = 0.0
    seconds_theirs: float = 0.0

    @property
    def agreed(self) -> bool:
        return not (self.only_theirs or self.crashes or self.disagreements)


def hcl_files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and not SKIPPED_DIRS & set(path.parts):
                yield path


# --- ours -------------------------------------------------------------------------------------------------------

def _our_body(blocks: list[Any], attributes: dict[str, Any]) -> Body:
    return (tuple(sorted(attributes)),
            tuple((b.type, tuple(b.labels), _our_body(b.blocks, b.attributes)) for b in blocks))


def ours(text: str, path: str) -> tuple[Body | None, str | None]:
    body = parse_hcl(text, path)
    if body.errors:
        error = body.errors[0]
        return None, f"{error.line}:{error.column}: {error.message}"
    return _our_body(body.blocks, body.attributes), None


# --- python-hcl2 ------------------------------------------------------------------------------------------------

def _hcl2() -> Any:
    import hcl2  # imported late: a test extra, not a dependency
    from hcl2.rules.base import AttributeRule, BlockRule
    from hcl2.rules.containers import TupleRule
    from hcl2.utils import SerializationOptions

    return hcl2, AttributeRule, BlockRule, TupleRule, SerializationOptions(strip_string_quotes=True)


def _their_body(body: Any, top: bool, kinds: Any) -> Body:
    _, attribute_rule, block_rule, tuple_rule, options = kinds
    attributes: dict[str, bool] = {}  # name -> written as a tuple
    blocks = []
    for child in body.children:
        if isinstance(child, attribute_rule):
            expression = child.expression
            is_tuple = any(isinstance(c, tuple_rule) for c in getattr(expression, "children", ()) or ())
            attributes[child.identifier.serialize(options)] = is_tuple
        elif isinstance(child, block_rule):
            # A label is a string literal whose `$${` and `%%{` stand for `${` and `%{`, as in any string (hclsyntax);
            # hcl2 leaves them doubled.
            names = [label.serialize(options) for label in child.labels]
            names[1:] = [n.replace("$${", "${").replace("%%{", "%{") for n in names[1:]]
            blocks.append((names[0], tuple(names[1:]), _their_body(child.body, False, kinds)))
    if not top:  # the same settlement as ours (see the module docstring)
        for block_type, labels, _ in blocks:
            name = labels[0] if block_type == "dynamic" and labels else block_type
            if name in attributes and not attributes[name]:
                del attributes[name]
    return tuple(sorted(attributes)), tuple(blocks)


def theirs(text: str) -> tuple[Body | None, str | None]:
    kinds = _hcl2()
    try:
        tree = kinds[0].parses(text, discard_comments=True)
    except Exception as exc:  # noqa: BLE001 - any rejection
        return None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:160]}"
    return _their_body(tree.body, True, kinds), None


# --- comparison -------------------------------------------------------------------------------------------------

def first_difference(a: Body, b: Body, where: str = "") -> str | None:
    """The first place two bodies differ, as `path: what` (a = ours, b = hcl2)."""
    if a[0] != b[0]:
        only_a, only_b = sorted(set(a[0]) - set(b[0])), sorted(set(b[0]) - set(a[0]))
        return f"{where or 'top level'}: attributes only ours {only_a}, only hcl2 {only_b}"
    heads_a = [(t, labels) for t, labels, _ in a[1]]
    heads_b = [(t, labels) for t, labels, _ in b[1]]
    if heads_a != heads_b:
        return f"{where or 'top level'}: blocks ours {_heads(heads_a)}, hcl2 {_heads(heads_b)}"
    for (block_type, labels, inner_a), (_, _, inner_b) in zip(a[1], b[1]):
        name = " ".join([block_type, *(f'"{label}"' for label in labels)])
        found = first_difference(inner_a, inner_b, f"{where} > {name}" if where else name)
        if found:
            return found
    return None


def _heads(heads: list[tuple[str, tuple[str, ...]]]) -> str:
    shown = [" ".join([t, *labels]) for t, labels in heads[:6]]
    return "[" + ", ".join(shown) + (", ..." if len(heads) > 6 else "") + "]"


def compare(text: str, path: str, report: Report) -> Outcome:
    outcome = Outcome(path)
    started = time.perf_counter()
    try:
        mine, outcome.ours_error = ours(text, path)
    except Exception as exc:  # noqa: BLE001 - reported as a crash
        mine, outcome.crash = None, f"{type(exc).__name__}: {exc}"
    report.seconds_ours += time.perf_counter() - started
    started = time.perf_counter()
    other, outcome.theirs_error = theirs(text)
    report.seconds_theirs += time.perf_counter() - started
    if outcome.crash:
        report.crashes.append(outcome)
    elif mine is not None and other is not None:
        report.both.append(outcome)
        outcome.difference = first_difference(mine, other)
        if outcome.difference:
            report.disagreements.append(outcome)
    elif mine is None and other is None:
        report.neither.append(outcome)
    elif mine is None:
        report.only_theirs.append(outcome)
    else:
        report.only_ours.append(outcome)
    return outcome


def differential(files: Iterable[Path], display_root: Path | None = None) -> Report:
    report = Report()
    for path in files:
        shown = str(path.relative_to(display_root)) if display_root and path.is_relative_to(display_root) else str(path)
        report.files += 1
        try:
            text = read_text(path)
        except UnreadableFile as exc:
            report.unreadable.append((shown, exc.message))
            continue
        compare(text, shown, report)
    return report


def differential_texts(snippets: dict[str, str]) -> Report:
    """The same comparison on in-memory sources (name -> HCL text)."""
    report = Report()
    for name, text in snippets.items():
        report.files += 1
        compare(text, name, report)
    return report


def print_report(report: Report, listing: bool, limit: int) -> None:
    print(f"files read:                       {report.files}")
    print(f"unreadable (binary, bad encoding): {len(report.unreadable)}")
    print(f"accepted by both:                 {len(report.both)}")
    print(f"rejected by both:                 {len(report.neither)}")
    print(f"hcl2 accepts, we reject:          {len(report.only_theirs)}")
    print(f"we accept, hcl2 rejects:          {len(report.only_ours)}")
    print(f"structures disagree:              {len(report.disagreements)}")
    print(f"crashes of ours:                  {len(report.crashes)}")
    print(f"time: ours {report.seconds_ours:.2f} s, hcl2 {report.seconds_theirs:.2f} s")
    groups = [
        ("crashes of ours", report.crashes, lambda o: o.crash),
        ("hcl2 accepts, we reject", report.only_theirs, lambda o: o.ours_error),
        ("structures disagree", report.disagreements, lambda o: o.difference),
    ]
    if listing:
        groups += [
            ("we accept, hcl2 rejects", report.only_ours, lambda o: o.theirs_error),
            ("rejected by both", report.neither, lambda o: f"ours {o.ours_error} | hcl2 {o.theirs_error}"),
            ("unreadable", [Outcome(p, ours_error=m) for p, m in report.unreadable], lambda o: o.ours_error),
        ]
    for title, outcomes, detail in groups:
        if not outcomes:
            continue
        print(f"\n{title}:")
        for outcome in outcomes[:limit]:
            print(f"  {outcome.path}: {detail(outcome)}")
        if len(outcomes) > limit:
            print(f"  ... and {len(outcomes) - limit} more")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="+", type=Path, help="local folders or files")
    parser.add_argument("--list", action="store_true", help="also list accepted-only-by-us and rejected-by-both")
    parser.add_argument("--limit", type=int, default=50, help="files shown per group (default 50)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.corpus if not p.exists()]
    if missing:
        parser.error(f"no such path: {', '.join(missing)}")
    roots = [p.resolve() for p in args.corpus]
    display = roots[0] if len(roots) == 1 and roots[0].is_dir() else None
    report = differential(hcl_files(roots), display)
    print_report(report, args.list, args.limit)
    return 0 if report.agreed else 1


if __name__ == "__main__":
    sys.exit(main())
