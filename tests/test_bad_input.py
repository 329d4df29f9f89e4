"""Bad input never crashes the run nor hides the other files: each becomes a located error record."""

from __future__ import annotations

import os

import pytest

from tests.conftest import run_in_process, run_installed, write

GOOD_ROOT = 'provider "aws" {}\n'  # a root without backend: one ATF-STATE-001 finding proves analysis went on


def _lint(tmp_path, *paths):
    result = run_in_process([*(paths or ["."]), "--format", "json"], tmp_path)
    return result, result.json()


def _errors_for(document, path):
    return [e for e in document["errors"] if e["path"] == path]


def _still_analysed(document):
    return any(f["rule_id"] == "ATF-STATE-001" for f in document["findings"])


def test_broken_hcl_is_an_error_with_its_line(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT, "bad/main.tf": 'resource "a" "b" {\n  x = = 1\n}\n'})
    result, document = _lint(tmp_path)
    [error] = _errors_for(document, "bad/main.tf")
    assert error["line"] == 2 and "syntax error" in error["message"]
    assert _still_analysed(document) and result.code == 1


def test_dag_with_syntax_error_is_an_error_with_its_line(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT, "dags/broken.py": "from airflow import DAG\n\nwith DAG('x') as d\n    pass\n"})
    _, document = _lint(tmp_path)
    [error] = _errors_for(document, "dags/broken.py")
    assert error["line"] == 3 and "syntax error" in error["message"]
    assert _still_analysed(document)


@pytest.mark.parametrize("name", ["dags/blob.py", "infra/blob.tf"])
def test_binary_file_with_a_source_name_is_an_error(tmp_path, name):
    write(tmp_path, {"main.tf": GOOD_ROOT, name: b"\x7fELF\x00\x01\x02\x00" * 64})
    _, document = _lint(tmp_path)
    [error] = _errors_for(document, name)
    assert "binary" in error["message"]
    assert _still_analysed(document)


def test_non_utf8_file_is_an_error_with_its_line(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT, "infra/latin1.tf": 'locals {\n  a = "caf\xe9"\n}\n'.encode("latin-1")})
    _, document = _lint(tmp_path)
    [error] = _errors_for(document, "infra/latin1.tf")
    assert error["line"] == 2 and "UTF-8" in error["message"]
    assert _still_analysed(document)


def test_empty_terraform_and_python_files_are_valid(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT, "empty.tf": "", "dags/empty.py": ""})
    result, document = _lint(tmp_path, ".", "dags/empty.py")
    assert document["errors"] == [] and _still_analysed(document)


def test_empty_plan_file_is_an_error(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT, "plan.json": ""})
    _, document = _lint(tmp_path, ".", "plan.json")
    [error] = _errors_for(document, "plan.json")
    assert "empty" in error["message"] or "not a Terraform plan" in error["message"]


def test_truncated_plan_is_an_error_with_its_line(tmp_path):
    plan = '{\n  "format_version": "1.2",\n  "terraform_version": "1.9.8",\n  "planned_values": {\n    "root_module": {'
    write(tmp_path, {"main.tf": GOOD_ROOT, "plans/prod.json": plan})
    _, document = _lint(tmp_path)
    [error] = _errors_for(document, "plans/prod.json")
    assert error["line"] >= 5 and "truncated" in error["message"]
    assert _still_analysed(document)


def test_json_that_is_not_a_plan_is_an_error_when_named(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT, "package.json": '{"name": "x"}'})
    _, document = _lint(tmp_path, ".", "package.json")
    [error] = _errors_for(document, "package.json")
    assert "not a Terraform plan" in error["message"]


def test_unrelated_json_in_a_folder_is_ignored(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT, "package.json": '{"name": "x"}'})
    _, document = _lint(tmp_path)
    assert document["errors"] == []


def test_directory_symlink_loop_is_a_note_not_a_hang(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT})
    os.symlink(tmp_path, tmp_path / "loop", target_is_directory=True)
    _, document = _lint(tmp_path)
    [note] = [n for n in document["notes"] if n["path"] == "loop"]
    assert "symlink loop" in note["message"]
    assert document["errors"] == [] and _still_analysed(document)


def test_missing_path_is_an_error(tmp_path):
    write(tmp_path, {"main.tf": GOOD_ROOT})
    result, document = _lint(tmp_path, ".", "does/not/exist")
    [error] = _errors_for(document, "does/not/exist")
    assert "no such file" in error["message"]
    assert _still_analysed(document) and result.code == 1


def test_bad_input_never_prints_a_traceback_from_the_installed_cli(tmp_path):
    write(tmp_path, {
        "main.tf": GOOD_ROOT, "bad.tf": "}}}{{{", "dags/x.py": "import airflow\nDAG(\n",
        "bin.tf": b"\x00\xff" * 10, "plan.json": '{"format_version": "1.2", "planned_values": ',
    })
    result = run_installed([".", "missing"], tmp_path)
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    for name in ("bad.tf", "dags/x.py", "bin.tf", "plan.json", "missing"):
        assert f"error: {name}" in result.stdout
