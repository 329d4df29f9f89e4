"""Compare HCL parsers on the same real `.tf` files: ours, python-hcl2 and pygohcl. Not a test: run it by hand.

    /tmp/venv/bin/pip install python-hcl2==8.1.4 pygohcl==1.2.9    # benchmark-only, not project dependencies
    /tmp/venv/bin/python benchmarks/parsers_compare.py FOLDER [FOLDER ...] [--runs 3] [--failures]
    /tmp/venv/bin/python benchmarks/parsers_compare.py /tmp/corpus/terraform-aws-eks --failures   # for example

Every `*.tf` file under each FOLDER is read once (recursively, skipping `.terraform/` and `.git/`). Each parser then
parses all of them once untimed, to judge each file and count blocks (this also loads its grammar or library), and
then `--runs` more times, timed, keeping no results; the time reported is the median of the timed runs. Reading the
files is not timed.

Parsers:
    tree-sitter  the raw parse ours is built on (`tree_sitter.Parser.parse`), building no facts: the floor.
    airtf-lint   `airtf_lint.parsers.hcl.parse_hcl(text, path)`; a file fails when it raises or `HclBody.errors` is
                 non-empty. Blocks are counted by walking `HclBody.blocks` recursively (top-level and nested).
    python-hcl2  `hcl2.loads(text)`; a file fails when it raises. Blocks are counted by their `__is_block__` markers,
                 as a cross-check of ours (counting is not timed).
    pygohcl      `pygohcl.loads(text)` (HashiCorp's Go hcl library through cffi); a file fails when it raises.

A parser that is not installed is reported and skipped. The output is a Markdown table; `--failures` adds, for every
parser, the files it failed on with the first line of its message.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SKIPPED_DIRS = frozenset({".terraform", ".git"})


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    text: str


@dataclass(frozen=True, slots=True)
class Parser:
    name: str
    parse: Callable[[Source], Any]  # raises on a file it cannot parse
    failure: Callable[[Any], str | None]  # a parse result's error message, if the result itself reports one
    count_blocks: Callable[[Any], int] | None
    line_numbers: str


@dataclass(slots=True)
class Result:
    parser: Parser
    files: int
    seconds: list[float]
    failures: dict[str, str] = field(default_factory=dict)  # path -> first line of the message
    blocks: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def find_sources(folders: Sequence[Path]) -> list[Source]:
    """Every `.tf` file under the folders, outside `.terraform/` and `.git/`, in a stable order."""
    sources: list[Source] = []
    for folder in folders:
        for path in sorted(folder.rglob("*.tf")):
            if not path.is_file() or SKIPPED_DIRS.intersection(path.relative_to(folder).parts):
                continue
            sources.append(Source(str(path), path.read_text(encoding="utf-8", errors="replace")))
    return sources


def _no_failure(_result: Any) -> str | None:
    return None


def _ours() -> Parser:
    from airtf_lint.facts import HclBlock
    from airtf_lint.parsers.hcl import HclBody, parse_hcl

    def count(blocks: list[HclBlock]) -> int:
        return sum(1 + count(block.blocks) for block in blocks)

    def failure(body: HclBody) -> str | None:
        if not body.errors:
            return None
        first = body.errors[0]
        return f"line {first.line}, column {first.column}: {first.message}"

    return Parser(
        name="airtf-lint (py-tree-sitter HCL grammar)",
        parse=lambda source: parse_hcl(source.text, source.path),
        failure=failure,
        count_blocks=lambda body: count(body.blocks),
        line_numbers="yes: line and column, start and end, on every block and attribute",
    )


def _tree_sitter_only() -> Parser:
    """The floor under ours: tree-sitter's parse alone, no facts built. What ours adds is the rest of its time."""
    import tree_sitter
    import tree_sitter_hcl

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))

    def count(tree: Any) -> int:
        stack, blocks = [tree.root_node], 0
        while stack:
            node = stack.pop()
            blocks += node.type == "block"
            stack.extend(node.named_children)
        return blocks

    return Parser(
        name="tree-sitter parse alone (the floor under ours: no facts)",
        parse=lambda source: parser.parse(source.text.encode("utf-8")),
        failure=lambda tree: "syntax error" if tree.root_node.has_error else None,
        count_blocks=count,
        line_numbers="in the tree, not yet read out",
    )


def _python_hcl2() -> Parser:
    import hcl2

    def count(value: Any) -> int:
        # 8.1.4 marks every block's body with "__is_block__" (SerializationOptions.explicit_blocks, on by default).
        if isinstance(value, dict):
            return (value.get("__is_block__") is True) + sum(count(v) for v in value.values())
        if isinstance(value, list):
            return sum(count(v) for v in value)
        return 0

    return Parser(
        name="python-hcl2 (Lark)",
        parse=lambda source: hcl2.loads(source.text),
        failure=_no_failure,
        count_blocks=count,
        line_numbers="no: plain dict (`SerializationOptions.with_meta` exists in 8.1.4 but adds nothing)",
    )


def _pygohcl() -> Parser:
    import pygohcl  # type: ignore[import-untyped]

    return Parser(
        name="pygohcl (Go hcl via cffi)",
        parse=lambda source: pygohcl.loads(source.text),
        failure=_no_failure,
        count_blocks=None,
        line_numbers="no: plain dict",
    )


FACTORIES: dict[str, Callable[[], Parser]] = {
    "airtf-lint": _ours,
    "tree-sitter": _tree_sitter_only,
    "python-hcl2": _python_hcl2,
    "pygohcl": _pygohcl,
}


def available_parsers() -> Iterator[Parser]:
    for name, factory in FACTORIES.items():
        try:
            parser = factory()
        except ImportError as exc:
            print(f"skipping {name}: not installed ({exc}); "
                  f"install with `pip install python-hcl2==8.1.4 pygohcl==1.2.9`\n")
            continue
        yield parser


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else "(no message)"


def _parse(parser: Parser, source: Source) -> Any:
    try:
        return parser.parse(source)
    except Exception as exc:  # noqa: BLE001 - any exception is a file this parser cannot parse
        return exc


def measure(parser: Parser, sources: Sequence[Source], runs: int) -> Result:
    result = Result(parser, len(sources), [])
    # An untimed first pass judges every file and counts blocks; it also loads grammars and libraries.
    blocks = 0
    for source in sources:
        outcome = _parse(parser, source)
        if isinstance(outcome, Exception):
            result.failures[source.path] = f"{type(outcome).__name__}: {_first_line(str(outcome))}"
            continue
        message = parser.failure(outcome)
        if message is not None:
            result.failures[source.path] = message
        if parser.count_blocks is not None:
            blocks += parser.count_blocks(outcome)
    if parser.count_blocks is not None:
        result.blocks = blocks
    # Timed passes keep no results, so that holding them (and the garbage collector walking them) is not measured.
    for _ in range(runs):
        start = time.perf_counter()
        for source in sources:
            _parse(parser, source)
        result.seconds.append(time.perf_counter() - start)
    return result


def markdown(results: Sequence[Result], runs: int) -> str:
    columns = ["parser", "files", "failed", f"seconds (median of {runs})", "min-max s", "files/s", "blocks",
               "blocks/s", "line numbers"]
    lines = ["| " + " | ".join(columns) + " |", "| --- |" + " ---: |" * (len(columns) - 2) + " --- |"]
    for r in results:
        known = r.median > 0
        row = [
            r.parser.name,
            str(r.files),
            str(len(r.failures)),
            f"{r.median:.3f}",
            f"{min(r.seconds):.3f}-{max(r.seconds):.3f}",
            f"{r.files / r.median:,.0f}" if known else "-",
            f"{r.blocks:,}" if r.blocks is not None else "-",
            f"{r.blocks / r.median:,.0f}" if r.blocks is not None and known else "-",
            r.parser.line_numbers,
        ]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path, help="folders searched recursively for .tf files")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per parser; the median is reported (default 3)")
    ap.add_argument("--failures", action="store_true", help="list the files each parser failed on")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        ap.error(f"not a folder: {', '.join(missing)}")

    sources = find_sources(args.folders)
    size = sum(len(s.text.encode("utf-8")) for s in sources)
    lines = sum(s.text.count("\n") for s in sources)
    print(f"{len(sources)} .tf files, {size:,} bytes, {lines:,} lines under {', '.join(map(str, args.folders))}\n")
    if not sources:
        return 1

    results = [measure(parser, sources, args.runs) for parser in available_parsers()]
    print(markdown(results, args.runs))
    if args.failures:
        for r in results:
            print(f"\n{r.parser.name}: {len(r.failures)} failed")
            for path, message in r.failures.items():
                print(f"  {path}: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
