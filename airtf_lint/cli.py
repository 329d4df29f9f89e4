"""Command line: `airtf-lint [PATHS]` lints; `airtf-lint rules` lists rules; `airtf-lint rule ID` explains one.

Exit codes: 0 clean; 1 findings at or above --fail-on, or files that could not be analysed; 2 usage error, invalid
configuration or rule pack, or an internal failure (one line, no traceback unless --debug).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from airtf_lint import __version__

if TYPE_CHECKING:  # the CLI imports its stages lazily, so that --version answers at once
    from airtf_lint.config import Config
    from airtf_lint.pipeline import RunOptions

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITY_CHOICES = ("info", "low", "medium", "high", "critical", "none")
OUTPUT_FORMATS = ("text", "concise", "json", "sarif", "junit", "github", "markdown")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _csv(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def lint_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="airtf-lint", description="Lint Airflow DAGs and the Terraform they touch.",
                     epilog="Other commands: `airtf-lint rules` lists rules, `airtf-lint rule ID` explains one, "
                            "`airtf-lint identities` shows which identity each task runs as, `airtf-lint suggest` "
                            "prints the least-privilege policy each identity's tasks need, `airtf-lint input` prints "
                            "the model rules query, `airtf-lint test` tests a rule pack, `airtf-lint new-rule ID` "
                            "scaffolds a rule.")
    parser.add_argument("paths", nargs="*", help="files or folders to analyse (default: .)")
    parser.add_argument("--version", action="version", version=f"airtf-lint {__version__}")
    parser.add_argument("-f", "--format", "--output-format", action="append", metavar="FORMAT[=FILE]",
                        help=f"report format: {', '.join(OUTPUT_FORMATS)} (default text). Repeat it for several "
                             "reports in one run, each but one with its file: -f sarif=out.sarif -f text")
    parser.add_argument("-o", "--output", type=Path, help="write the report to FILE instead of stdout")
    parser.add_argument("--statistics", action="store_true",
                        help="print the number of findings per rule instead of the findings (text or json)")
    parser.add_argument("--data", action="append", type=Path, metavar="FILE",
                        help="a JSON or YAML document every rule reads under data.* (repeatable)")
    parser.add_argument("--select", action="append", metavar="IDS", help="rule ids, id prefixes or categories to run")
    parser.add_argument("--ignore", action="append", metavar="IDS", help="rule ids, id prefixes or categories to skip")
    parser.add_argument("--fail-on", choices=SEVERITY_CHOICES, help="lowest severity that fails the run (default low)")
    parser.add_argument("--baseline", type=Path, metavar="FILE", help="hide findings recorded in this baseline")
    parser.add_argument("--write-baseline", type=Path, metavar="FILE", help="record the current findings and exit 0")
    parser.add_argument("--config", type=Path, metavar="FILE", help="configuration file (default: found upward)")
    parser.add_argument("--rules", action="append", type=Path, metavar="DIR", help="extra rule directory")
    parser.add_argument("--engine", choices=("regorus", "regopy"), help="embedded Rego engine (default regorus)")
    parser.add_argument("--opa-url", metavar="URL",
                        help="evaluate on this OPA server instead (token from $AIRTF_LINT_OPA_TOKEN; see docs/opa.md)")
    parser.add_argument("--var-file", action="append", metavar="FILE",
                        help="a .tfvars file applied to every root module, as terraform -var-file does")
    parser.add_argument("--diff", metavar="REV",
                        help="report only what is new since git revision REV (findings anywhere in the repository, "
                             "each with the changed lines that caused it); REV's tree is read from git objects")
    parser.add_argument("--staged", action="store_true",
                        help="with --diff: compare the staged content (the index), not the working tree")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help="where facts of files seen before are kept (default $AIRTF_LINT_CACHE_DIR, else "
                             "~/.cache/airtf-lint)")
    parser.add_argument("--no-cache", action="store_true", help="parse every file, read and write no cache")
    parser.add_argument("--context", metavar="DIR",
                        help="analyse DIR as a whole but report only on PATHS and their module folders "
                             "(how the pre-commit hook sees the whole repository)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--dump-input", type=Path, metavar="FILE",
                        help="also write the model document (the rules' input) to FILE, as `airtf-lint input` prints it")
    parser.add_argument("--fix-suggestions", action="store_true",
                        help="after the report, print the least-privilege policy each identity's tasks need "
                             "(as `airtf-lint suggest`; on stderr unless the format is text)")
    return parser


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _progress_callback(enabled: bool):
    if not enabled:
        return None
    width = 30

    def show(done: int, total: int) -> None:
        if total < 50:
            return
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        if done == total:
            sys.stderr.write("\r" + " " * (width + 30) + "\r")
        sys.stderr.flush()

    return show


def _options(config: Config, cwd: Path, paths: list[str], cache_dir: Path | None = None, no_cache: bool = False,
             **overrides: Any) -> RunOptions:
    from airtf_lint.cache import FactCache, default_directory
    from airtf_lint.pipeline import options_from_config

    cache = None if no_cache else FactCache(cache_dir or default_directory())
    return options_from_config(config, cwd, paths, cache=cache, **overrides)


def output_plan(formats: Sequence[str] | None, output: Path | None) -> list[tuple[str, Path | None]]:
    """(format, file or None for stdout) for each report. Several formats are allowed, but two reports can never
    share a destination: a second `-f` for stdout is an error, never a silent winner."""
    plan: list[tuple[str, Path | None]] = []
    for spec in list(formats or ["text"]):
        name, equals, file = spec.partition("=")
        name = name.strip()
        if name not in OUTPUT_FORMATS:
            raise UsageError(f"argument -f/--format: invalid choice: {name!r} (choose from {', '.join(OUTPUT_FORMATS)})")
        if equals and not file:
            raise UsageError(f"-f {spec}: no file after '='")
        plan.append((name, Path(file) if file else None))
    to_stdout = [name for name, file in plan if file is None]
    if len(to_stdout) > 1:
        raise UsageError(f"-f given {len(to_stdout)} times without a file ({', '.join(to_stdout)}): only one report "
                         "can go to stdout or -o; give the others a file, e.g. -f sarif=airtf-lint.sarif")
    if output is not None:
        if not to_stdout:
            raise UsageError("-o has no report to write: every -f already names its file")
        plan = [(name, output if file is None else file) for name, file in plan]
    files = [file.resolve() for _, file in plan if file is not None]
    if len(files) != len(set(files)):
        raise UsageError("two reports would be written to the same file")
    return plan


def fixture_excludes(rule_dirs: Sequence[Path], cwd: Path, paths: Sequence[str] = ()) -> list[str]:
    """Exclude patterns for the fixture repositories of the given rule directories: `airtf-lint --rules rules .`
    lints the repository, not the rules' deliberately bad examples. A fixture named as a path is still linted."""
    from airtf_lint.discover import display_path
    from airtf_lint.harness import fixture_folders

    given = [(cwd / p).resolve() for p in paths]
    return [display_path(folder, cwd) for folder in fixture_folders(rule_dirs, cwd)
            if not any(g == folder.resolve() or folder.resolve() in g.parents for g in given)]


def run_lint(argv: Sequence[str]) -> int:
    from airtf_lint.config import load_config, load_data_files, merge_data
    from airtf_lint.filtering import read_baseline, write_baseline
    from airtf_lint.findings import SEVERITY_RANK
    from airtf_lint.pipeline import run
    from airtf_lint.report import writers

    args = lint_parser().parse_args(argv)
    plan = output_plan(args.format, args.output)
    if args.statistics and any(name not in ("text", "json") for name, _ in plan):
        raise UsageError("--statistics prints text or json (-f text or -f json)")
    cwd = Path.cwd()
    config = load_config(args.config, cwd)
    data = merge_data([("the configuration's data", config.data),
                       ("--data files", load_data_files(list(args.data or [])))])
    rule_dirs = [*config.rules, *(args.rules or [])]
    config.exclude = [*config.exclude, *fixture_excludes(rule_dirs, cwd, list(args.paths))]
    baseline_path = args.baseline or config.baseline
    baseline = read_baseline(baseline_path) if baseline_path and not args.write_baseline else set()
    if args.context is not None:
        paths, report_on = [args.context], (list(args.paths) or None)
    else:
        paths, report_on = list(args.paths) or ["."], None
    options = _options(
        config, cwd, paths, cache_dir=args.cache_dir, no_cache=args.no_cache, var_files=args.var_file or [],
        select=_csv(args.select) or config.select, ignore=_csv(args.ignore) + config.ignore,
        severity=config.severity, rule_dirs=rule_dirs,
        engine=args.engine or config.engine, baseline=baseline, report_on=report_on,
        opa=_opa_settings(config.opa, args.opa_url), data=data,
    )
    stdout_format = next((name for name, file in plan if file is None), None)
    show_progress = (stdout_format == "text" and not args.no_progress and sys.stderr.isatty()
                     and not os.environ.get("CI"))
    if args.diff is not None:
        from airtf_lint.diff import GitError, run_diff

        try:
            outcome = run_diff(options, args.diff, args.staged, _progress_callback(show_progress))
        except GitError as exc:
            raise UsageError(f"--diff {args.diff}: {exc}") from None
        result = outcome.result
        result.fixed = outcome.fixed
    elif args.staged:
        raise UsageError("--staged needs --diff REV")
    else:
        result = run(options, _progress_callback(show_progress))

    if args.dump_input:
        _write_model(result.model, args.dump_input)
    if args.write_baseline:
        write_baseline(args.write_baseline, result.unfiltered)
        print(f"airtf-lint: wrote {len(result.unfiltered)} findings to {args.write_baseline}", file=sys.stderr)
        return EXIT_OK

    for name, file in plan:
        writer = writers()[name]
        if args.statistics:
            from airtf_lint.report.statistics import statistics_writer

            writer = statistics_writer(name)
        if file is not None:
            try:
                with file.open("w", encoding="utf-8") as handle:
                    writer(result, handle, False)
            except OSError as exc:
                raise UsageError(f"cannot write {file}: {exc.strerror}") from None
        else:
            writer(result, sys.stdout, _use_color(args.color, sys.stdout))
    if stdout_format not in ("text", "concise"):
        for note in result.notes:  # machine formats carry them too; a person reading stderr sees them here
            where = f"{note.path}:{note.line}" if note.line else note.path
            print(f"airtf-lint: note: {where}: {note.message}", file=sys.stderr)
    if args.fix_suggestions:
        _write_suggestions(result.model, sys.stdout if stdout_format == "text" else sys.stderr, heading=True)

    fail_on = args.fail_on or config.fail_on
    threshold = SEVERITY_RANK.get(fail_on, len(SEVERITY_RANK))
    failing = any(SEVERITY_RANK[f.severity] >= threshold for f in result.findings)
    return EXIT_FINDINGS if failing or result.errors else EXIT_OK


def _opa_settings(section: dict[str, Any] | None, url: str | None) -> Any:
    if section is None and url is None:
        return None
    from airtf_lint.engine.opa_backend import DEFAULT_TOKEN_ENV, POLICY_PREFIX, OpaSettings

    section = section or {}
    return OpaSettings(url=url or section["url"], mode=section.get("mode", "push"),
                       token_env=section.get("token-env", DEFAULT_TOKEN_ENV), ca_bundle=section.get("ca-bundle"),
                       timeout=float(section.get("timeout", 10)), prefix=section.get("prefix", POLICY_PREFIX))


def run_rules(argv: Sequence[str]) -> int:
    import json

    from airtf_lint.config import load_config
    from airtf_lint.filtering import META_RULES, apply_severity_overrides
    from airtf_lint.pipeline import load_pack

    parser = _Parser(prog="airtf-lint rules", description="List every rule.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--rules", action="append", type=Path, metavar="DIR", help="extra rule directory")
    parser.add_argument("--config", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    config = load_config(args.config, Path.cwd())
    rules = apply_severity_overrides([*load_pack([*config.rules, *(args.rules or [])]).rules, *META_RULES],
                                     config.severity)
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in rules], indent=2))
        return EXIT_OK
    width = max((len(r.id) for r in rules), default=2)
    print(f"{'ID'.ljust(width)}  {'SEVERITY':8}  {'CATEGORY':9}  TITLE")
    for r in rules:
        print(f"{r.id.ljust(width)}  {r.severity:8}  {r.category:9}  {r.title}")
    return EXIT_OK


def run_rule(argv: Sequence[str]) -> int:
    from airtf_lint.config import load_config
    from airtf_lint.filtering import META_RULES, closest
    from airtf_lint.harness.examples import rule_examples, write_examples
    from airtf_lint.pipeline import load_pack
    from airtf_lint.rulepack import pack_directories

    parser = _Parser(prog="airtf-lint rule", description="Explain one rule, with a failing and a passing example.")
    parser.add_argument("id")
    parser.add_argument("--rules", action="append", type=Path, metavar="DIR", help="extra rule directory")
    parser.add_argument("--config", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    rule_dirs = [*load_config(args.config, Path.cwd()).rules, *(args.rules or [])]
    pack = load_pack(rule_dirs)
    every = [*pack.rules, *META_RULES]
    rule = next((r for r in every if r.id in (args.id, args.id.upper())), None)
    if rule is None:
        near = closest(args.id, every, prefixes=False)
        hint = f"; did you mean {', '.join(near)}?" if near else " (see `airtf-lint rules`)"
        raise UsageError(f"unknown rule {args.id!r}{hint}")
    print(f"{rule.id}: {rule.title}\n")
    print(f"Severity: {rule.severity}    Category: {rule.category}\n")
    if rule.description:
        print(rule.description + "\n")
    print(f"Fix: {rule.remediation}\n")
    write_examples(rule_examples(rule.id, pack_directories(rule_dirs)), sys.stdout, rule.id)
    where = f"Defined in {rule.path} (package {rule.package})" if rule.package else f"A {rule.path}"
    print(f"{where}; suppress a finding with `# airtf-lint: ignore[{rule.id}] reason` on or above its line.")
    return EXIT_OK


def _analysed(prog: str, description: str, argv: Sequence[str], formats: tuple[str, ...] = ("text", "json"),
              output: bool = False) -> tuple[argparse.Namespace, Any]:
    """Parse a model-building command's arguments (paths, --config, --var-file, and --format or -o) and build the
    model, as linting would."""
    from airtf_lint.config import load_config
    from airtf_lint.pipeline import analyse

    parser = _Parser(prog=prog, description=description)
    parser.add_argument("paths", nargs="*")
    if output:
        parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    else:
        parser.add_argument("--format", choices=formats, default=formats[0])
    parser.add_argument("--config", type=Path, metavar="FILE")
    parser.add_argument("--var-file", action="append", metavar="FILE", help="as for linting")
    args = parser.parse_args(argv)
    cwd = Path.cwd()
    config = load_config(args.config, cwd)
    return args, analyse(_options(config, cwd, list(args.paths) or ["."], var_files=args.var_file or []))


def run_identities(argv: Sequence[str]) -> int:
    from airtf_lint.report.identities import identity_rows, unanalysed_dag_files, write_identities, write_unanalysed

    args, analysis = _analysed("airtf-lint identities",
                               "Show each task, the identity it runs as, and where its grants are written.", argv)
    write_identities(identity_rows(analysis.model), sys.stdout, args.format)
    # DAG files whose tasks are missing from the table, and why (stderr: the JSON on stdout stays a list of rows).
    write_unanalysed(unanalysed_dag_files(analysis.model, analysis.errors), sys.stderr)
    return EXIT_OK


def _write_model(model: dict[str, Any], path: Path | None) -> None:
    import json

    from airtf_lint.redaction import redact_document

    # The model holds evaluated values (a literal password in a resource, say): printed, they are masked as any
    # output is, by the fingerprints of the secrets found and by the scanner itself.
    known = frozenset(s["fingerprint"] for s in model.get("secrets", []))
    text = json.dumps(redact_document(model, known), indent=2, sort_keys=True) + "\n"
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, "utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def run_input(argv: Sequence[str]) -> int:
    args, analysis = _analysed(
        "airtf-lint input", "Print the model document: the `input` every rule queries (schema: "
        "airtf_lint/schemas/input.schema.json). Feed it to `opa eval -i` or conftest.", argv, output=True)
    _write_model(analysis.model, args.output)
    for error in analysis.errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        print(f"airtf-lint: {where}: {error.message}", file=sys.stderr)
    return EXIT_OK


def run_test(argv: Sequence[str]) -> int:
    from airtf_lint.harness import load_pack_under_test
    from airtf_lint.harness.checks import coverage, rule_checks
    from airtf_lint.harness.fixtures import fixture_tests
    from airtf_lint.harness.report import write_junit, write_text
    from airtf_lint.harness.units import unit_tests

    parser = _Parser(prog="airtf-lint test",
                     description="Test rule packs: Rego unit tests, fixture repositories against their "
                                 "expected.yaml, rule metadata and fixture coverage.")
    parser.add_argument("dirs", nargs="*", type=Path, metavar="DIR",
                        help="rule directories (default: ./rules, or the configured rule directories)")
    parser.add_argument("--format", choices=("text", "junit"), default="text")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE")
    parser.add_argument("--engine", choices=("regorus", "regopy"), default="regorus",
                        help="engine for the fixture runs (unit tests always run on regorus)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list passing tests too")
    parser.add_argument("-r", "--run", metavar="PATTERN",
                        help="run only the tests whose name matches this regular expression (as `opa test --run`): "
                             "unit tests by data.<package>.<test>, fixtures by <RULE-ID>/<case>, checks by rule id")
    parser.add_argument("--config", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    import re

    from airtf_lint.config import load_config

    try:
        pattern = re.compile(args.run) if args.run else None
    except re.error as exc:
        raise UsageError(f"--run {args.run!r} is not a regular expression: {exc}") from None

    dirs = list(args.dirs) or load_config(args.config, Path.cwd()).rules or [Path("rules")]
    missing = [str(d) for d in dirs if not d.is_dir()]
    if missing:
        raise UsageError(f"no rule directory {', '.join(missing)} (give the directories to test)")
    pack = load_pack_under_test(dirs)
    if not pack.rules:
        raise UsageError(f"no rules (files with a METADATA custom.id) in {', '.join(map(str, dirs))}")
    wanted = pattern.search if pattern is not None else None
    outcomes = unit_tests(pack, wanted) + fixture_tests(pack, args.engine, wanted)
    outcomes += [o for o in rule_checks(pack) if wanted is None or wanted(o.name)]
    if wanted is not None and not outcomes:
        raise UsageError(f"--run {args.run!r} matches no test")
    stream = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "junit":
            write_junit(outcomes, coverage(pack), stream)
        else:
            write_text(outcomes, coverage(pack), stream, args.verbose)
    finally:
        if args.output:
            stream.close()
    return EXIT_FINDINGS if any(o.status != "passed" for o in outcomes) else EXIT_OK


def run_new_rule(argv: Sequence[str]) -> int:
    from airtf_lint.rulepack import CATEGORIES, SEVERITIES
    from airtf_lint.scaffold import NewRule, ScaffoldError, rule_name, scaffold

    parser = _Parser(prog="airtf-lint new-rule",
                     description="Scaffold a rule, its unit test and a failing and a passing fixture.")
    parser.add_argument("id", help="the rule id, e.g. ACME-TF-001")
    parser.add_argument("--dir", type=Path, default=Path("rules"), help="rule directory (default: ./rules)")
    parser.add_argument("--title", default=None)
    parser.add_argument("--name", default=None, help="file and package name (default: from the title or id)")
    parser.add_argument("--category", choices=CATEGORIES, default="workflow")
    parser.add_argument("--severity", choices=SEVERITIES, default="medium")
    args = parser.parse_args(argv)
    title = args.title or f"{args.id} - say in a few words what this rule flags"
    rule = NewRule(args.id, args.name or rule_name(args.id, args.title), args.category, args.severity, title)
    try:
        written = scaffold(args.dir, rule)
    except ScaffoldError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        print(f"created {path}")
    print(f"\nNext: edit the rule, then `airtf-lint test {args.dir}`; lint with `airtf-lint --rules {args.dir} .`")
    return EXIT_OK


def _write_suggestions(model: dict[str, Any], stream: TextIO, output_format: str = "text",
                       heading: bool = False) -> None:
    from airtf_lint.privilege.aws_actions import action_index
    from airtf_lint.privilege.needs import needs_catalogue
    from airtf_lint.privilege.suggest import suggestions
    from airtf_lint.report.suggestions import write_suggestions

    if heading:
        stream.write("\nLeast-privilege suggestions (airtf-lint suggest)\n\n")
    write_suggestions(suggestions(model, action_index(), needs_catalogue()), stream, output_format)


def run_suggest(argv: Sequence[str]) -> int:
    args, analysis = _analysed("airtf-lint suggest",
                               "Print, per identity, the least-privilege policy its tasks need.", argv)
    _write_suggestions(analysis.model, sys.stdout, args.format)
    return EXIT_OK


def _linted(prog: str, description: str, argv: Sequence[str], formats: tuple[str, ...],
            add: Any = None) -> tuple[argparse.Namespace, Any]:
    """Parse the arguments of a command that draws or inventories the linted repository (`graph`, `audit`) and
    run the linter on it as `airtf-lint PATHS` would (the configuration's selection, severities and rules), so
    findings can be attached to what they are about."""
    from airtf_lint.config import load_config, merge_data
    from airtf_lint.pipeline import run

    parser = _Parser(prog=prog, description=description)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("-f", "--format", choices=formats, default=formats[0])
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--config", type=Path, metavar="FILE")
    parser.add_argument("--var-file", action="append", metavar="FILE", help="as for linting")
    parser.add_argument("--rules", action="append", type=Path, metavar="DIR", help="extra rule directory")
    parser.add_argument("--debug", action="store_true", help="show a traceback for internal errors")
    if add is not None:
        add(parser)
    args = parser.parse_args(argv)
    cwd = Path.cwd()
    config = load_config(args.config, cwd)
    rule_dirs = [*config.rules, *(args.rules or [])]
    config.exclude = [*config.exclude, *fixture_excludes(rule_dirs, cwd)]
    options = _options(config, cwd, list(args.paths) or ["."], var_files=args.var_file or [],
                       select=config.select, ignore=list(config.ignore), severity=config.severity,
                       rule_dirs=rule_dirs, engine=config.engine, data=merge_data([("the configuration's data",
                                                                                    config.data)]))
    return args, run(options)


def _emit(args: argparse.Namespace, write: Any) -> None:
    if args.output is None:
        write(sys.stdout)
        return
    try:
        with args.output.open("w", encoding="utf-8") as handle:
            write(handle)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None


def _link_base(args: argparse.Namespace) -> str:
    """Where the HTML page's source links point: --link-base URL, else the scanned files relative to the page."""
    if args.link_base:
        if not args.link_base.startswith(("https://", "http://")):
            raise UsageError("--link-base takes an http(s) URL, e.g. https://github.com/o/r/blob/main/")
        return args.link_base if args.link_base.endswith("/") else args.link_base + "/"
    if args.output is None:
        return "./"
    relative = os.path.relpath(Path.cwd(), args.output.resolve().parent).replace(os.sep, "/")
    return "./" if relative == "." else relative.rstrip("/") + "/"


def run_graph(argv: Sequence[str]) -> int:
    from airtf_lint.graph import build_graph

    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--focus", action="append", metavar="DAG_ID|TASK|PRINCIPAL",
                            help="keep what leads to these nodes and what they lead to (repeatable): a DAG id, "
                                 "dag.task, a connection id, a principal's id, address, name or e-mail")
        parser.add_argument("--depth", type=int, metavar="N", help="with --focus: at most N edges each way")
        parser.add_argument("--link-base", metavar="URL", help="html: link source locations to URL + path#Lline")

    args, result = _linted("airtf-lint graph", "Draw who runs as what: DAGs, tasks, connections, principals, "
                           "grant sources and Terraform runs, with their findings.", argv,
                           ("html", "mermaid", "dot", "json"), add)
    graph = build_graph(result.model, result.findings)
    if args.depth is not None and (args.depth < 0 or not args.focus):
        raise UsageError("--depth needs --focus and a number of edges >= 0")
    if args.focus:
        try:
            graph = graph.focused(args.focus, args.depth)
        except LookupError as exc:
            raise UsageError(f"--focus {exc.args[0]!r} names no DAG, task, connection or principal "
                             "(see `airtf-lint graph --format json` for node ids)") from None
    if args.format == "html":
        from airtf_lint.report.graph_html import write_graph_html

        base = _link_base(args)
        _emit(args, lambda stream: write_graph_html(graph, stream, link_base=base))
    elif args.format == "mermaid":
        from airtf_lint.report.graph_mermaid import GITHUB_EDGE_LIMIT, write_mermaid

        if len(graph.edges) > GITHUB_EDGE_LIMIT:
            print(f"airtf-lint: note: {len(graph.edges)} edges: GitHub renders Mermaid graphs of up to "
                  f"{GITHUB_EDGE_LIMIT}; cut it down with --focus", file=sys.stderr)
        _emit(args, lambda stream: write_mermaid(graph, stream))
    elif args.format == "dot":
        from airtf_lint.report.graph_dot import write_dot

        _emit(args, lambda stream: write_dot(graph, stream))
    else:
        from airtf_lint.report.graph_json import write_graph_json

        _emit(args, lambda stream: write_graph_json(graph, stream))
    return EXIT_OK


def run_audit(argv: Sequence[str]) -> int:
    from airtf_lint.graph import build_graph
    from airtf_lint.report.audit import AUDIT_WRITERS, audit_rows

    args, result = _linted("airtf-lint audit", "Per identity: who uses it and how that is known, what it can do, "
                           "the grants no task needs, static keys, where it is defined.", argv,
                           ("markdown", "csv", "json", "html"))
    rows = audit_rows(build_graph(result.model, result.findings), result.model)
    _emit(args, lambda stream: AUDIT_WRITERS[args.format](rows, stream))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before any heavy import: pre-commit and CI call it often
        print(f"airtf-lint {__version__}")
        return EXIT_OK
    debug = "--debug" in argv
    from airtf_lint.config import ConfigError
    from airtf_lint.engine import EngineError
    from airtf_lint.filtering import BaselineError, SelectionError
    from airtf_lint.rulepack import RulePackError

    commands = {"rules": run_rules, "rule": run_rule, "identities": run_identities, "suggest": run_suggest,
                "input": run_input, "test": run_test, "new-rule": run_new_rule, "graph": run_graph,
                "audit": run_audit}
    try:
        if argv and argv[0] in commands:
            return commands[argv[0]](argv[1:])
        return run_lint(argv)
    except UsageError as exc:
        print(f"airtf-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (ConfigError, RulePackError, EngineError, BaselineError, SelectionError) as exc:
        print(f"airtf-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours. Silence the flush at exit too.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return EXIT_OK
    except KeyboardInterrupt:
        print("airtf-lint: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the promise is one clear line, never a traceback
        if debug:
            import traceback

            traceback.print_exc()
            return EXIT_ERROR
        print(f"airtf-lint: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return EXIT_ERROR
