#!/usr/bin/env bash
# The GitHub Action's work (action.yml), as a script so that it can be run and tested outside GitHub:
# install airtf-lint, run it once writing annotations (stdout), SARIF and JSON, write the job summary from the
# JSON, and expose the exit code. Environment: AIRTF_LINT_ARGS, AIRTF_LINT_DIFF_BASE, AIRTF_LINT_INSTALL,
# AIRTF_LINT_SARIF, and GitHub's GITHUB_OUTPUT / GITHUB_STEP_SUMMARY (files; optional here).
set -uo pipefail

args="${AIRTF_LINT_ARGS:-.}"
sarif="${AIRTF_LINT_SARIF:-airtf-lint.sarif}"
install="${AIRTF_LINT_INSTALL:-}"
json="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/airtf-lint.XXXXXX.json")"
trap 'rm -f "$json"' EXIT

if [ -n "$install" ] && [ "$install" != "none" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "$install" || { echo "::error::cannot install $install"; exit 2; }
fi

extra=()
if [ -n "${AIRTF_LINT_DIFF_BASE:-}" ]; then
  extra+=(--diff "$AIRTF_LINT_DIFF_BASE")
fi
# shellcheck disable=SC2086  # args is a list of words, as a user writes them in the workflow
airtf-lint $args "${extra[@]}" --format github --format "sarif=$sarif" --format "json=$json"
code=$?
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"

if [ -s "$json" ]; then
  python3 - "$json" "$code" >> "${GITHUB_STEP_SUMMARY:-/dev/null}" <<'PY'
import json, sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
summary, findings = report["summary"], report["findings"]
print("## airtf-lint\n")
if not findings:
    print(f"No findings in {summary['files']} files.\n")
else:
    severities = ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items())
    print(f"**{len(findings)} findings** ({severities}) in {summary['files']} files.\n")
    print("| severity | rule | where | message |\n|---|---|---|---|")
    for f in findings[:50]:
        message = f["message"].replace("|", "\\|").replace("\n", " ")
        print(f"| {f['severity']} | {f['rule_id']} | `{f['path']}:{f['line']}` | {message} |")
    if len(findings) > 50:
        print(f"\n... and {len(findings) - 50} more: see the code scanning alerts or the SARIF file.")
if summary["errors"]:
    print(f"\n{summary['errors']} file(s) could not be analysed.")
print(f"\nExit code {sys.argv[2]}.")
PY
elif [ "$code" = 2 ]; then
  echo "## airtf-lint: usage or configuration error (see the step's log)" >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
fi
exit 0  # the action's last step fails the job on the recorded exit code (input `fail`)
