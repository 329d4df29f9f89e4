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
    parser.add_argument("-f", "--format", choices=("text", "json", "sarif", "junit", "github"), default="text")
    parser.add_argument("-o", "--output", type=Path, help="write the report to FILE instead of stdout")
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


def _options(config: Config, cwd: Path, paths: list[str], **overrides: Any) -> RunOptions:
    from airtf_lint.pipeline import options_from_config

    return options_from_config(config, cwd, paths, **overrides)


def run_lint(argv: Sequence[str]) -> int:
    from airtf_lint.config import load_config
    from airtf_lint.filtering import read_baseline, write_baseline
    from airtf_lint.findings import SEVERITY_RANK
    from airtf_lint.pipeline import run
    from airtf_lint.report import writers

    args = lint_parser().parse_args(argv)
    cwd = Path.cwd()
    config = load_config(args.config, cwd)
    baseline_path = args.baseline or config.baseline
    baseline = read_baseline(baseline_path) if baseline_path and not args.write_baseline else set()
    if args.context is not None:
        paths, report_on = [args.context], (list(args.paths) or None)
    else:
        paths, report_on = list(args.paths) or ["."], None
    options = _options(
        config, cwd, paths, var_files=args.var_file or [],
        select=_csv(args.select) or config.select, ignore=_csv(args.ignore) + config.ignore,
        severity=config.severity, rule_dirs=[*config.rules, *(args.rules or [])],
        engine=args.engine or config.engine, baseline=baseline, report_on=report_on,
        opa=_opa_settings(config.opa, args.opa_url),
    )
    show_progress = (args.format == "text" and not args.no_progress and sys.stderr.isatty()
                     and not os.environ.get("CI"))
    result = run(options, _progress_callback(show_progress))

    if args.dump_input:
        _write_model(result.model, args.dump_input)
    if args.write_baseline:
        write_baseline(args.write_baseline, result.unfiltered)
        print(f"airtf-lint: wrote {len(result.unfiltered)} findings to {args.write_baseline}", file=sys.stderr)
        return EXIT_OK

    writer = writers()[args.format]
    if args.output:
        try:
            with args.output.open("w", encoding="utf-8") as handle:
                writer(result, handle, False)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        writer(result, sys.stdout, _use_color(args.color, sys.stdout))
    if args.format != "text" or args.output:
        for note in result.notes:  # machine formats carry them too; a person reading stderr sees them here
            where = f"{note.path}:{note.line}" if note.line else note.path
            print(f"airtf-lint: note: {where}: {note.message}", file=sys.stderr)
    if args.fix_suggestions:
        _write_suggestions(result.model, sys.stdout if args.format == "text" and not args.output else sys.stderr,
                           heading=True)

    fail_on = args.fail_on or config.fail_on
    threshold = SEVERITY_RANK.get(fail_on, len(SEVERITY_RANK))
    failing = any(SEVERITY_RANK[f.severity] >= threshold for f in result.findings)
    return EXIT_FINDINGS if failing or result.errors else EXIT_OK


def _opa_settings(section: dict[str, Any] | None, url: str | None) -> Any:
    if section is None and url is None:
        return None
    from airtf_lint.engine.opa_backend import DEFAULT_TOKEN_ENV, OpaSettings

    section = section or {}
    return OpaSettings(url=url or section["url"], mode=section.get("mode", "push"),
                       token_env=section.get("token-env", DEFAULT_TOKEN_ENV), ca_bundle=section.get("ca-bundle"),
                       timeout=float(section.get("timeout", 10)))


def run_rules(argv: Sequence[str]) -> int:
    import json

    from airtf_lint.config import load_config
    from airtf_lint.filtering import apply_severity_overrides
    from airtf_lint.pipeline import load_pack

    parser = _Parser(prog="airtf-lint rules", description="List every rule.")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--rules", action="append", type=Path, metavar="DIR", help="extra rule directory")
    parser.add_argument("--config", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    config = load_config(args.config, Path.cwd())
    rules = apply_severity_overrides(load_pack([*config.rules, *(args.rules or [])]).rules, config.severity)
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
    from airtf_lint.pipeline import load_pack

    parser = _Parser(prog="airtf-lint rule", description="Explain one rule.")
    parser.add_argument("id")
    parser.add_argument("--rules", action="append", type=Path, metavar="DIR", help="extra rule directory")
    parser.add_argument("--config", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    pack = load_pack([*load_config(args.config, Path.cwd()).rules, *(args.rules or [])])
    rule = pack.rule(args.id) or pack.rule(args.id.upper())
    if rule is None:
        raise UsageError(f"unknown rule {args.id!r} (see `airtf-lint rules`)")
    print(f"{rule.id}: {rule.title}\n")
    print(f"Severity: {rule.severity}    Category: {rule.category}\n")
    if rule.description:
        print(rule.description + "\n")
    print(f"Fix: {rule.remediation}\n")
    print(f"Defined in {rule.path} (package {rule.package}); suppress a finding with "
          f"`# airtf-lint: ignore[{rule.id}] reason` on or above its line.")
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
    parser.add_argument("--config", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    from airtf_lint.config import load_config

    dirs = list(args.dirs) or load_config(args.config, Path.cwd()).rules or [Path("rules")]
    missing = [str(d) for d in dirs if not d.is_dir()]
    if missing:
        raise UsageError(f"no rule directory {', '.join(missing)} (give the directories to test)")
    pack = load_pack_under_test(dirs)
    if not pack.rules:
        raise UsageError(f"no rules (files with a METADATA custom.id) in {', '.join(map(str, dirs))}")
    outcomes = unit_tests(pack) + fixture_tests(pack, args.engine) + rule_checks(pack)
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before any heavy import: pre-commit and CI call it often
        print(f"airtf-lint {__version__}")
        return EXIT_OK
    debug = "--debug" in argv
    from airtf_lint.config import ConfigError
    from airtf_lint.engine import EngineError
    from airtf_lint.filtering import BaselineError
    from airtf_lint.rulepack import RulePackError

    commands = {"rules": run_rules, "rule": run_rule, "identities": run_identities, "suggest": run_suggest,
                "input": run_input, "test": run_test, "new-rule": run_new_rule}
    try:
        if argv and argv[0] in commands:
            return commands[argv[0]](argv[1:])
        return run_lint(argv)
    except UsageError as exc:
        print(f"airtf-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (ConfigError, RulePackError, EngineError, BaselineError) as exc:
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
