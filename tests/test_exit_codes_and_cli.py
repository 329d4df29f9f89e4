"""Exit codes, thresholds, rule listing and the one-line error promise."""

from __future__ import annotations

import time

from tests.conftest import FIXTURES, REPO, run_in_process, run_installed, write

NO_BACKEND = 'provider "aws" {}\n'  # one high finding


def test_clean_repo_exits_0(tmp_path):
    write(tmp_path, {"main.tf": 'terraform {\n  backend "gcs" {}\n}\n'})
    assert run_in_process(["."], tmp_path).code == 0


def test_findings_exit_1(tmp_path):
    write(tmp_path, {"main.tf": NO_BACKEND})
    assert run_in_process(["."], tmp_path).code == 1


def test_fail_on_above_the_findings_exits_0(tmp_path):
    write(tmp_path, {"main.tf": NO_BACKEND})
    assert run_in_process([".", "--fail-on", "critical"], tmp_path).code == 0
    assert run_in_process([".", "--fail-on", "high"], tmp_path).code == 1


def test_info_findings_alone_do_not_fail(tmp_path):
    write(tmp_path, {"main.tf": NO_BACKEND, ".airtf-lint.yaml": "severity:\n  ATF-STATE-001: info\n"})
    result = run_in_process([".", "--format", "json"], tmp_path)
    assert result.json()["findings"][0]["severity"] == "info" and result.code == 0


def test_usage_error_exits_2_with_one_line(tmp_path):
    result = run_in_process(["--format", "yaml"], tmp_path)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_invalid_config_exits_2_and_names_the_key(tmp_path):
    write(tmp_path, {".airtf-lint.yaml": "selct: [ATF-STATE]\n", "main.tf": ""})
    result = run_in_process(["."], tmp_path)
    assert result.code == 2 and "selct" in result.stderr


def test_invalid_config_value_names_its_key(tmp_path):
    write(tmp_path, {".airtf-lint.yaml": "severity:\n  ATF-STATE-001: urgent\n", "main.tf": ""})
    result = run_in_process(["."], tmp_path)
    assert result.code == 2 and "severity.ATF-STATE-001" in result.stderr


def test_config_is_found_upward_from_the_working_directory(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.airtf-lint]\nignore = ["state"]\n', "infra/main.tf": NO_BACKEND})
    assert run_in_process(["."], tmp_path / "infra").code == 0


def test_rules_lists_every_rule(tmp_path):
    result = run_in_process(["rules"], tmp_path)
    assert result.code == 0
    for rule_id in ("ATF-STATE-001", "ATF-STATE-002", "ATF-STATE-003", "ATF-STATE-004"):
        assert rule_id in result.stdout
    assert "critical" in result.stdout and "state" in result.stdout


def test_rule_explains_one_rule_with_its_fix(tmp_path):
    result = run_in_process(["rule", "ATF-STATE-003"], tmp_path)
    assert result.code == 0
    assert "use_lockfile" in result.stdout and "Fix:" in result.stdout


def test_unknown_rule_exits_2(tmp_path):
    assert run_in_process(["rule", "NOPE-1"], tmp_path).code == 2


def test_invalid_custom_rule_metadata_names_the_file(tmp_path):
    write(tmp_path, {"main.tf": "", "custom/bad.rego": "# METADATA\n# title: x\n# custom:\n#   id: X-1\n"
                     "#   severity: urgent\n#   category: state\n#   remediation: r\npackage custom.bad\n"})
    result = run_in_process([".", "--rules", "custom"], tmp_path)
    assert result.code == 2 and "bad.rego:1" in result.stderr and "severity" in result.stderr


def test_custom_rule_directory_is_evaluated(tmp_path):
    write(tmp_path, {"main.tf": 'terraform {\n  backend "gcs" {}\n}\n', "custom/gcs.rego": (
        "# METADATA\n# title: No gcs\n# custom:\n#   id: ACME-1\n#   severity: low\n#   category: state\n"
        "#   remediation: use s3\npackage custom.gcs\n\nimport data.airtf.lib\n\n"
        "deny contains lib.finding(\"gcs\", root.backend) if {\n\tsome root in input.terraform.roots\n"
        "\troot.backend.type == \"gcs\"\n}\n")})
    result = run_in_process([".", "--rules", "custom", "--format", "json"], tmp_path)
    assert [(f["rule_id"], f["line"]) for f in result.json()["findings"]] == [("ACME-1", 2)]


def test_version_is_quick():
    start = time.perf_counter()
    result = run_installed(["--version"], REPO)
    assert result.code == 0 and result.stdout.startswith("airtf-lint ")
    assert time.perf_counter() - start < 5


def test_select_by_category_and_ignore_by_id(tmp_path):
    case = FIXTURES / "ATF-STATE-004" / "fail"
    assert run_in_process([".", "--select", "privilege"], case).code == 0
    assert run_in_process([".", "--ignore", "ATF-STATE-004"], case).code == 0
    assert run_in_process([".", "--select", "ATF-STATE"], case).code == 1


def test_color_always_paints_and_never_does_not(tmp_path):
    write(tmp_path, {"main.tf": NO_BACKEND})
    assert "\033[" in run_in_process([".", "--color", "always"], tmp_path).stdout
    assert "\033[" not in run_in_process([".", "--color", "never"], tmp_path).stdout


def test_machine_formats_write_nothing_to_stderr(tmp_path):
    write(tmp_path, {"main.tf": NO_BACKEND})
    for fmt in ("json", "sarif", "junit", "github"):
        assert run_in_process([".", "--format", fmt], tmp_path).stderr == ""


def test_context_mode_reports_only_on_the_given_files_module(tmp_path):
    write(tmp_path, {"a/main.tf": NO_BACKEND, "b/main.tf": NO_BACKEND})
    result = run_in_process(["--context", ".", "a/main.tf", "--format", "json"], tmp_path)
    assert [f["path"] for f in result.json()["findings"]] == ["a/main.tf"]


def test_context_mode_without_files_reports_everything(tmp_path):
    write(tmp_path, {"a/main.tf": NO_BACKEND, "b/main.tf": NO_BACKEND})
    result = run_in_process(["--context", ".", "--format", "json"], tmp_path)
    assert len(result.json()["findings"]) == 2


def test_json_errors_have_exactly_path_line_message(tmp_path):
    write(tmp_path, {"bad.tf": "x = = 1\n"})
    [error] = run_in_process([".", "--format", "json"], tmp_path).json()["errors"]
    assert list(error) == ["path", "line", "message"]


def _stderr_on_a_terminal(tmp_path, env_extra):
    import os
    import pty
    import subprocess

    from tests.conftest import installed_cli

    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"} | env_extra
    completed = subprocess.run([*installed_cli(), ".", "--color", "never"], cwd=tmp_path, stderr=secondary,
                               stdout=subprocess.DEVNULL, env=env, timeout=120)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    return completed.returncode, b"".join(chunks).decode()


def test_progress_bar_shows_on_a_terminal_for_long_runs_but_not_in_ci(tmp_path):
    write(tmp_path, {f"stack{i}/main.tf": 'terraform {\n  backend "gcs" {}\n}\n' for i in range(60)})
    _, stderr = _stderr_on_a_terminal(tmp_path, {})
    assert "60/60 files" in stderr
    _, stderr = _stderr_on_a_terminal(tmp_path, {"CI": "true"})
    assert "files" not in stderr


def test_identities_shows_each_task_with_its_identity_and_grants():
    from tests.conftest import EXAMPLE
    result = run_in_process(["identities", "examples/data-platform"], EXAMPLE.parent.parent)
    assert result.code == 0
    [row] = [line for line in result.stdout.splitlines() if line.startswith("etl_daily.copy_raw")]
    assert "connection" in row and "aws_etl" in row and "aws_iam_role.etl" in row


def test_identities_json_carries_the_evidence_chain():
    from tests.conftest import EXAMPLE
    rows = run_in_process(["identities", "examples/data-platform", "--format", "json"], EXAMPLE.parent.parent).json()
    copy = next(r for r in rows if r["task"] == "etl_daily.copy_raw")
    assert [step["step"] for step in copy["evidence"]] == ["task", "connection", "principal"]


BROKEN_RULE = ("# METADATA\n# title: Broken\n# custom:\n#   id: ACME-2\n#   severity: low\n#   category: state\n"
               "#   remediation: none\npackage custom.broken\n\n"
               "deny contains {\"msg\": \"x\"} if {\n\tsome root in input.terraform.roots\n"
               "\tendswith(root.backend, \"x\")\n}\n")


def test_a_rule_that_fails_at_run_time_costs_only_that_rule(tmp_path):
    write(tmp_path, {"main.tf": 'terraform {\n  backend "local" {}\n}\n', "custom/broken.rego": BROKEN_RULE})
    result = run_in_process([".", "--rules", "custom", "--format", "json"], tmp_path)
    document = result.json()
    assert [f["rule_id"] for f in document["findings"]] == ["ATF-STATE-002"]
    [error] = document["errors"]
    assert error["path"] == "custom/broken.rego" and "ACME-2" in error["message"]
    assert "\n" not in error["message"] and "custom/broken.rego:12" in error["message"]
    assert result.code == 1


def test_regopy_treats_a_failing_built_in_as_undefined_like_opa(tmp_path):
    write(tmp_path, {"main.tf": 'terraform {\n  backend "local" {}\n}\n', "custom/broken.rego": BROKEN_RULE})
    document = run_in_process([".", "--rules", "custom", "--format", "json", "--engine", "regopy"], tmp_path).json()
    assert [f["rule_id"] for f in document["findings"]] == ["ATF-STATE-002"] and document["errors"] == []
