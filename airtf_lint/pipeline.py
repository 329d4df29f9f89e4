"""The whole run: discover -> parse -> model -> evaluate -> filter. Reporting is left to the caller."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airtf_lint.config import Config
from airtf_lint.discover import Discovery, discover, display_path
from airtf_lint.engine import create_engine
from airtf_lint.facts import FileError, FileFacts, FileKind, SourceFile
from airtf_lint.filtering import (
    apply_severity_overrides,
    filter_findings,
    selected_rules,
)
from airtf_lint.findings import Finding, from_results, with_fingerprints
from airtf_lint.model import build_model
from airtf_lint.parsers import parse_file
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
    suppressed: int = 0
    baselined: int = 0


def load_pack(rule_dirs: Sequence[Path]) -> RulePack:
    return load_rule_pack(pack_directories(rule_dirs))


def options_from_config(config: Config, cwd: Path, paths: Sequence[str], **overrides: Any) -> RunOptions:
    """Run options from the configuration; what describes the repository (paths, connections, environment,
    thresholds) is shared by every command that builds the model."""
    return RunOptions(paths=paths, cwd=cwd, include=config.include, exclude=config.exclude,
                      connections=config.connections, environment=config.environment, thresholds=config.thresholds,
                      **overrides)


def parse_discovered(options: RunOptions, progress: Progress | None = None) -> tuple[list[FileFacts], Discovery]:
    found = discover(options.paths, options.cwd, options.include, options.exclude)
    facts = []
    for done, source in enumerate(found.files, start=1):
        facts.append(parse_file(source))
        if progress is not None:
            progress(done, len(found.files))
    return facts, found


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


def analyse(options: RunOptions, progress: Progress | None = None) -> Analysis:
    facts, found = parse_discovered(options, progress)
    var_files = [parse_file(source) for source in _var_file_sources(options)]
    lines = SourceLines({f.source.path: f.source for f in facts}, {f.source.path: f.secrets for f in facts})
    problems: list[FileError] = []
    model = build_model(facts, var_files, options.cwd, lines, options.connections, options.environment,
                        options.thresholds, problems)
    notes = found.skipped + [FileError(n["path"], n["message"], n.get("line")) for n in model["notes"]]
    errors = found.errors + [e for f in [*facts, *var_files] for e in f.errors] + problems
    return Analysis(facts, errors, model, lines, notes)


def run(options: RunOptions, progress: Progress | None = None) -> RunResult:
    pack = load_pack(options.rule_dirs)
    rules = apply_severity_overrides(selected_rules(pack.rules, options.select, options.ignore), options.severity)
    engine = create_engine(options.engine, pack, options.opa)

    analysis = analyse(options, progress)
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
    unsuppressed = filter_findings(findings, suppressions, set())
    filtered = filter_findings(unsuppressed.findings, {}, options.baseline)
    return RunResult(
        findings=filtered.findings, unfiltered=unsuppressed.findings, errors=errors, files=len(facts), rules=rules,
        model=model, lines=lines, notes=analysis.notes, suppressed=unsuppressed.suppressed, baselined=filtered.baselined,
    )
