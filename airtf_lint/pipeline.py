"""The whole run: discover -> parse -> model -> evaluate -> filter. Reporting is left to the caller."""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from airtf_lint.config import Config
from airtf_lint.discover import Discovery, discover, display_path
from airtf_lint.engine import create_engine
from airtf_lint.facts import FileError, FileFacts, FileKind, SourceFile
from airtf_lint.filtering import (
    META_RULES,
    apply_severity_overrides,
    check_selection,
    check_suppressions,
    filter_findings,
    selected_rules,
    unused_suppressions,
)
from airtf_lint.findings import Finding, from_results, with_fingerprints
from airtf_lint.model import build_model
from airtf_lint.cache import FactCache
from airtf_lint.parsers.text import UnreadableFile, read_bytes
from airtf_lint.rulepack import RuleMeta, RulePack, load_rule_pack, pack_directories
from airtf_lint.sourcelines import SourceLines

Progress = Callable[[int, int], None]


@dataclass
class RunOptions:
    paths: Sequence[str]
    cwd: Path
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    severity: dict[str, str] = field(default_factory=dict)
    rule_dirs: Sequence[Path] = ()
    engine: str = "regorus"
    opa: Any = None  # OpaSettings: evaluate on an OPA server instead of the embedded engine
    baseline: set[str] = field(default_factory=set)
    var_files: Sequence[str] = ()  # --var-file: applied to every root module, after its own tfvars
    connections: Sequence[dict[str, Any]] = ()  # declared in the configuration
    environment: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    # Pre-commit mode: analyse these paths as context, but report only on `report_on` and their module folders.
    report_on: Sequence[str] | None = None
    data: dict[str, Any] = field(default_factory=dict)  # --data files and the `data:` key: data.* for every rule
    cache: FactCache | None = None  # facts of files seen before (--no-cache: None)


@dataclass
class RunResult:
    findings: list[Finding]
    unfiltered: list[Finding]  # after suppressions, before the baseline: what --write-baseline records
    errors: list[FileError]
    files: int
    rules: list[RuleMeta]
    model: dict[str, Any]
    lines: SourceLines
    notes: list[FileError] = field(default_factory=list)  # what was skipped or capped on purpose: not errors
    fixed: int | None = None  # --diff: findings of the compared revision that this change removed
    suppressed: int = 0
    baselined: int = 0
    elapsed: float = 0.0  # seconds, the whole run
    every_rule: list[RuleMeta] = field(default_factory=list)  # the pack's rules and the meta checks, selected or not


def load_pack(rule_dirs: Sequence[Path]) -> RulePack:
    return load_rule_pack(pack_directories(rule_dirs))


def options_from_config(config: Config, cwd: Path, paths: Sequence[str], **overrides: Any) -> RunOptions:
    """Run options from the configuration; what describes the repository (paths, connections, environment,
    thresholds) is shared by every command that builds the model."""
    return RunOptions(paths=paths, cwd=cwd, include=config.include, exclude=config.exclude,
                      connections=config.connections, environment=config.environment, thresholds=config.thresholds,
                      **overrides)


class Tree(Protocol):
    """Where the analysed files come from: the working tree, or a git revision (`--diff`)."""

    def discover(self, options: RunOptions) -> Discovery: ...

    def read(self, source: SourceFile) -> bytes: ...


class WorkingTree:
    def discover(self, options: RunOptions) -> Discovery:
        return discover(options.paths, options.cwd, options.include, options.exclude)

    def read(self, source: SourceFile) -> bytes:
        return read_bytes(source.absolute)


# Below this much source to parse, worker processes cost more than they save: a typical DAG or .tf file parses in
# about half a millisecond, about what sending its facts back from a worker costs (measured: docs/performance.md).
PARALLEL_MIN_BYTES = 32 * 1024 * 1024


def parse_sources(sources: Sequence[SourceFile], read: Callable[[SourceFile], bytes], cache: FactCache | None,
                  progress: Progress | None = None) -> list[FileFacts]:
    """Every file's facts, in order: from the cache where its bytes are known, else parsed (in parallel when
    there are enough files), then cached."""
    results: list[FileFacts | None] = [None] * len(sources)
    pending: list[tuple[int, SourceFile, bytes, str | None]] = []
    for index, source in enumerate(sources):
        try:
            data = read(source)
        except UnreadableFile as exc:
            results[index] = _unreadable(source, exc)
            continue
        key = cache.key(source, data) if cache is not None else None
        hit = cache.get(key, source) if cache is not None and key is not None else None
        if hit is not None:
            results[index] = hit
        else:
            pending.append((index, source, data, key))
    done = len(sources) - len(pending)
    if progress is not None and done:
        progress(done, len(sources))  # the files the cache answered: a run answered whole still ends its bar
    for (index, _, _, key), facts in zip(pending, _parse_all([(s, d) for _, s, d, _ in pending])):
        results[index] = facts
        if cache is not None and key is not None:
            cache.put(key, facts)
        done += 1
        if progress is not None:
            progress(done, len(sources))
    if cache is not None:
        cache.prune()
    return [facts for facts in results if facts is not None]


def _parse_all(items: list[tuple[SourceFile, bytes]]) -> Iterator[FileFacts]:
    workers = min(os.cpu_count() or 1, 8)
    if sum(len(data) for _, data in items) < PARALLEL_MIN_BYTES or workers < 2:
        yield from (_parse_one(item) for item in items)
        return
    import multiprocessing  # only when it pays: its import alone costs 40 ms of start-up
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        yield from (_parse_one(item) for item in items)
        return
    # fork: the workers inherit the loaded grammar and data, so they start in milliseconds.
    context = multiprocessing.get_context("fork")
    chunk = max(8, len(items) // (workers * 4))
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from pool.map(_parse_one, items, chunksize=chunk)


def _unreadable(source: SourceFile, exc: UnreadableFile) -> FileFacts:
    from airtf_lint.parsers.registry import unreadable

    return unreadable(source, exc)


def _parse_one(item: tuple[SourceFile, bytes]) -> FileFacts:
    """Parsers are imported when a file has to be parsed: a run the fact cache answers never loads them."""
    from airtf_lint.parsers.registry import parse_data

    return parse_data(*item)


def parse_discovered(options: RunOptions, progress: Progress | None = None,
                     tree: Tree | None = None) -> tuple[list[FileFacts], Discovery]:
    tree = tree or WorkingTree()
    found = tree.discover(options)
    return parse_sources(found.files, tree.read, options.cache, progress), found


def collect_facts(options: RunOptions, progress: Progress | None = None) -> tuple[list[FileFacts], list[FileError]]:
    facts, found = parse_discovered(options, progress)
    return facts, found.errors


def _var_file_sources(options: RunOptions) -> list[SourceFile]:
    sources = []
    for given in options.var_files:
        path = Path(given) if Path(given).is_absolute() else options.cwd / given
        sources.append(SourceFile(display_path(path, options.cwd), path, FileKind.TFVARS))
    return sources


def _in_scope(path: str, scope: Sequence[str]) -> bool:
    for changed in scope:
        changed = posixpath.normpath(changed)
        if path == changed or posixpath.dirname(path) == posixpath.dirname(changed):
            return True
    return False


@dataclass
class Analysis:
    """Everything up to the model: what `run` evaluates rules over, and what `airtf-lint identities` shows."""

    facts: list[FileFacts]
    errors: list[FileError]  # discovery errors and every file's parse errors
    model: dict[str, Any]
    lines: SourceLines
    notes: list[FileError] = field(default_factory=list)  # skipped links and special files, capped expansions


def analyse(options: RunOptions, progress: Progress | None = None, tree: Tree | None = None) -> Analysis:
    tree = tree or WorkingTree()
    facts, found = parse_discovered(options, progress, tree)
    var_files = parse_sources(_var_file_sources(options), WorkingTree().read, None)  # named on the command line
    lines = SourceLines({f.source.path: f.source for f in facts}, {f.source.path: f.secrets for f in facts},
                        tree.read)
    problems: list[FileError] = []
    model = build_model(facts, var_files, options.cwd, lines, options.connections, options.environment,
                        options.thresholds, problems)
    notes = found.skipped + [FileError(n["path"], n["message"], n.get("line")) for n in model["notes"]]
    errors = found.errors + [e for f in [*facts, *var_files] for e in f.errors] + problems
    return Analysis(facts, errors, model, lines, notes)


def run(options: RunOptions, progress: Progress | None = None, tree: Tree | None = None) -> RunResult:
    started = time.perf_counter()
    pack = load_pack(options.rule_dirs)
    every = [*pack.rules, *META_RULES]
    check_selection(every, options.select, options.ignore, options.severity)  # a typo is an error, never "no findings"
    rules = apply_severity_overrides(selected_rules(every, options.select, options.ignore), options.severity)
    engine = create_engine(options.engine, pack, options.opa, data=options.data)

    analysis = analyse(options, progress, tree)
    facts, model, lines = analysis.facts, analysis.model, analysis.lines
    evaluation = engine.evaluate(model)
    raw = evaluation.results

    by_id = {r.id: r for r in rules}
    findings = from_results({k: v for k, v in raw.items() if k in by_id}, by_id)
    findings = with_fingerprints(findings, lines)
    errors = analysis.errors + [FileError(pack.rule(rule_id).path, f"rule {rule_id} could not be evaluated: {message}")
               for rule_id, message in sorted(evaluation.failures.items()) if rule_id in by_id]
    if options.report_on is not None:
        findings = [f for f in findings if _in_scope(f.path, options.report_on)]
        errors = [e for e in errors if _in_scope(e.path, options.report_on)]

    suppressions = {f.source.path: f.suppressions for f in facts if f.suppressions}
    if options.report_on is not None:
        suppressions = {p: s for p, s in suppressions.items() if _in_scope(p, options.report_on)}
    check_suppressions(suppressions, every)
    unsuppressed = filter_findings(findings, suppressions, set())
    if "ATF-META-001" in by_id:
        ran = [r for r in rules if r.id not in evaluation.failures]
        unsuppressed.findings = sorted(
            unsuppressed.findings + [replace(f, severity=by_id[f.rule_id].severity) for f in with_fingerprints(
                unused_suppressions(suppressions, unsuppressed.used, ran, every, lines), lines)],
            key=lambda f: (f.path, f.line, f.column, f.rule_id, f.message))
    filtered = filter_findings(unsuppressed.findings, {}, options.baseline)
    return RunResult(
        findings=filtered.findings, unfiltered=unsuppressed.findings, errors=errors, files=len(facts), rules=rules,
        model=model, lines=lines, notes=analysis.notes, suppressed=unsuppressed.suppressed, baselined=filtered.baselined,
        elapsed=time.perf_counter() - started, every_rule=every,
    )
