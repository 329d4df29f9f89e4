"""Input built to break the tool costs one file at most: no abort, no hang, no read outside the scanned paths.

Each test builds one hostile shape beside a good Terraform root and asserts what a careful scanner promises: the run
ends with exit code 0 or 1 and no traceback, the good root is still analysed, and nothing from a file the user did
not ask to scan reaches the output. Costs are checked as ratios between a small and a large input of the same shape
(linear: about the size ratio; quadratic: its square), never as absolute times.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airtf_lint.parsers.connections import parse_connections
from airtf_lint.parsers.dag import parse_dag
from airtf_lint.parsers.hcl import parse_expression, parse_template
from airtf_lint.parsers.plan import parse_plan
from airtf_lint.parsers.text import UnreadableFile
from airtf_lint.terraform.evaluate import Scope, evaluate
from airtf_lint.terraform.functions import MAX_ITEMS, MAX_STRING
from airtf_lint.terraform.values import is_unknown
from airtf_lint.yamlload import MAX_EXPANDED_NODES, YamlBomb, load_untrusted_yaml
from tests.conftest import run_in_process, run_installed, write

GOOD_ROOT = 'provider "aws" {}\n'  # a root without backend: one ATF-STATE-001 finding proves analysis went on


def _lint(tmp_path: Path, *paths: str):
    result = run_in_process([*(paths or ["."]), "--format", "json"], tmp_path)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return result, result.json()


def _still_analysed(document) -> bool:
    return any(f["rule_id"] == "ATF-STATE-001" and f["path"] == "good/main.tf" for f in document["findings"])


def _notes_for(document, path: str) -> list[dict]:
    return [n for n in document["notes"] if n["path"] == path]


def _cpu(action, repeat: int = 3) -> float:
    """The least CPU time of a few runs: the machines are shared, so wall time would mislead."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        action()
        best = min(best, time.process_time() - start)
    return max(best, 1e-4)


def _linear(small, large, size_ratio: int) -> None:
    """The large input costs at most a few times its size ratio more than the small one (quadratic would cost the
    square of it)."""
    ratio = _cpu(large) / _cpu(small)
    assert ratio < size_ratio * 4, f"cost ratio {ratio:.0f} for a size ratio of {size_ratio}"


def ev(text: str):
    return evaluate(parse_expression(text), Scope(parse_template=parse_template))


# --- files that are not what their names say -----------------------------------------------------------------------

def test_a_symlink_loop_between_two_files_is_a_note(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT})
    os.symlink("y.tf", tmp_path / "x.tf")
    os.symlink("x.tf", tmp_path / "y.tf")
    _, document = _lint(tmp_path)
    assert [n["message"] for n in _notes_for(document, "x.tf")] == ["symbolic link loop; not followed"]
    assert document["errors"] == [] and _still_analysed(document)


def test_a_link_out_of_the_scanned_tree_is_not_followed_and_its_target_never_shown(tmp_path):
    outside = tmp_path / "outside"
    write(outside, {"secret.tf": 'root:SECRET-SHADOW-LINE:20228:0:99999:7:::\n'})
    repo = tmp_path / "repo"
    write(repo, {"good/main.tf": GOOD_ROOT})
    os.symlink(outside / "secret.tf", repo / "x.tf")
    os.symlink(outside, repo / "linked_dir")
    result, document = _lint(repo)
    assert "outside the scanned paths" in _notes_for(document, "x.tf")[0]["message"]
    assert "outside the scanned paths" in _notes_for(document, "linked_dir")[0]["message"]
    assert "SECRET-SHADOW-LINE" not in result.stdout + result.stderr
    assert document["summary"]["files"] == 1
    assert _still_analysed(document)


def test_a_link_inside_the_scanned_tree_is_followed(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT, "shared/backend.tf": GOOD_ROOT})
    os.symlink(tmp_path / "shared" / "backend.tf", tmp_path / "good" / "linked.tf")
    _, document = _lint(tmp_path)
    assert document["notes"] == [] and document["errors"] == []


def test_a_file_named_explicitly_may_link_inside_the_working_directory_only(tmp_path):
    # pre-commit passes file names one by one: a staged link to ~/.aws/credentials must not be read through them
    outside = tmp_path / "home"
    write(outside, {"credentials.tf": 'aws_secret_access_key = "SECRET-HOME-LINE"\n'})
    repo = tmp_path / "repo"
    write(repo, {"good/main.tf": GOOD_ROOT})
    os.symlink(outside / "credentials.tf", repo / "creds.tf")
    result, document = _lint(repo, "good/main.tf", "creds.tf")
    assert "outside the scanned paths" in _notes_for(document, "creds.tf")[0]["message"]
    assert "SECRET-HOME-LINE" not in result.stdout + result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_link_to_a_device_is_never_opened(tmp_path, device):
    write(tmp_path, {"good/main.tf": GOOD_ROOT})
    os.symlink(device, tmp_path / "x.tf")
    result, document = _lint(tmp_path, "good", "x.tf")  # named explicitly: /dev is outside, and not a regular file
    assert _notes_for(document, "x.tf") and _still_analysed(document)


def test_a_fifo_named_like_terraform_never_blocks_the_run(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT})
    os.mkfifo(tmp_path / "pipe")
    os.symlink("pipe", tmp_path / "x.tf")
    os.mkfifo(tmp_path / "y.tf")
    # In a subprocess with a time-out: a blocking open would hang the test, not fail it.
    result = run_installed([".", "--format", "json"], tmp_path)
    document = result.json()
    assert {n["path"] for n in document["notes"]} == {"x.tf", "y.tf"}
    assert all("not a regular file" in n["message"] for n in document["notes"])
    assert _still_analysed(document)


def test_an_unreadable_folder_is_an_error_not_an_abort(tmp_path, monkeypatch):
    write(tmp_path, {"good/main.tf": GOOD_ROOT, "volume/data/x.tf": GOOD_ROOT})
    real_scandir = os.scandir

    def scandir(path):  # as root, chmod 000 does not stop us: stand in for a folder owned by another user
        if str(path).endswith("volume"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    _, document = _lint(tmp_path)
    assert [e["message"] for e in document["errors"] if e["path"] == "volume"] == \
        ["cannot read directory: Permission denied"]
    assert _still_analysed(document)


def test_an_unreadable_file_is_an_error_with_its_path(tmp_path, monkeypatch):
    write(tmp_path, {"good/main.tf": GOOD_ROOT, "locked/plan.json": '{"format_version": "1.2"}'})
    real_open = os.open

    def guarded_open(path, flags, *args, **kwargs):
        if str(path).endswith("plan.json"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    _, document = _lint(tmp_path)
    assert [e["message"] for e in document["errors"] if e["path"] == "locked/plan.json"] == \
        ["cannot read file: Permission denied"]
    assert _still_analysed(document)


def test_a_plan_whose_keys_come_after_the_first_64_kb_is_still_a_plan(tmp_path):
    import json

    plan = {"configuration": {"provider_config": {"aws": {"name": "aws", "x": "y" * 70_000}}},
            "format_version": "1.2", "terraform_version": "1.6.0", "planned_values": {"root_module": {}}}
    write(tmp_path, {"good/main.tf": GOOD_ROOT, "plan.json": json.dumps(plan, sort_keys=True)})
    _, document = _lint(tmp_path)
    assert document["errors"] == [] and document["summary"]["files"] == 2


def test_a_dag_declared_latin_1_is_read_as_latin_1(tmp_path):
    source = ("# -*- coding: latin-1 -*-\n# Café\nfrom airflow import DAG\n"
              "from airflow.providers.amazon.aws.operators.s3 import S3CreateBucketOperator\n"
              "with DAG('d') as dag:\n    S3CreateBucketOperator(task_id='t', bucket_name='b', aws_conn_id='nowhere')\n")
    write(tmp_path, {"good/main.tf": GOOD_ROOT, "dags/d.py": source.encode("latin-1")})
    _, document = _lint(tmp_path)
    assert document["errors"] == []
    assert any(f["path"] == "dags/d.py" for f in document["findings"])


def test_debug_shows_the_traceback_and_still_exits_2(tmp_path, monkeypatch, capsys):
    from airtf_lint import cli, pipeline

    def broken(*args, **kwargs):
        raise AttributeError("made-up internal failure")

    monkeypatch.setattr(pipeline, "run", broken)
    monkeypatch.chdir(tmp_path)
    assert cli.main([".", "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err
    assert cli.main(["."]) == 2


# --- YAML aliases ----------------------------------------------------------------------------------------------------

def _alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{','.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", ["docker-compose.yml", "values.yaml", "airflow_settings.yaml"])
def test_a_yaml_alias_bomb_is_refused_with_its_line(tmp_path, name):
    bomb = _alias_bomb() + "env:\n  AIRFLOW_CONN_X: 'aws://'\n"
    assert len(bomb) < 1000
    write(tmp_path, {"good/main.tf": GOOD_ROOT, name: bomb})
    started = time.process_time()
    _, document = _lint(tmp_path)
    assert time.process_time() - started < 30
    [error] = [e for e in document["errors"] if e["path"] == name]
    assert "alias bomb" in error["message"] and error["line"] == 2
    assert _still_analysed(document)


def test_expansion_is_counted_in_linear_time_and_refused_past_the_limit():
    with pytest.raises(YamlBomb):
        load_untrusted_yaml(_alias_bomb(12))
    _linear(lambda: pytest.raises(YamlBomb, load_untrusted_yaml, _alias_bomb(8)),
            lambda: pytest.raises(YamlBomb, load_untrusted_yaml, _alias_bomb(80)), 10)
    assert load_untrusted_yaml("base: &b {x: 1}\nuse: *b\n") == {"base": {"x": 1}, "use": {"x": 1}}
    assert MAX_EXPANDED_NODES >= 100_000


def test_a_yaml_alias_bomb_in_the_configuration_is_a_configuration_error(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT, ".airtf-lint.yaml": _alias_bomb() + "fail-on: high\n"})
    result = run_in_process(["."], tmp_path)
    assert result.code == 2 and "alias bomb" in result.stderr and "Traceback" not in result.stderr


# --- Terraform evaluation: bounded and linear ------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "expected"), [
    ('regex("(a+)+$", "{s}b")', "no match"),  # an error of the expression, as in Terraform
    ('regexall("(a|aa)+$", "{s}b")', []),
    ('replace("{s}b", "/(a+)+$/", "x")', "unchanged"),
])
def test_terraform_regular_expressions_run_in_linear_time(expression, expected):
    from airtf_lint.terraform.values import is_error

    small, large = expression.replace("{s}", "a" * 1_000), expression.replace("{s}", "a" * 100_000)
    value = ev(small)
    if expected == "no match":
        assert is_error(value)
    elif expected == "unchanged":
        assert value == "a" * 1_000 + "b"
    else:
        assert value == expected
    _linear(lambda: ev(small), lambda: ev(large), 100)


def test_regex_follows_terraform_re2_semantics():
    assert ev('regex("^(?P<user>[a-z]+)@(?P<host>.+)$", "ann@example.com")') == {"user": "ann", "host": "example.com"}
    # Go's expansion: $3 and, written $${1} since ${ interpolates in HCL, ${1}
    assert ev('replace("2024-01-31", "/(\\\\d+)-(\\\\d+)-(\\\\d+)/", "$3.$2.$${1}")') == "31.01.2024"
    assert ev('regexall("[0-9]+", "a1b22c333")') == ["1", "22", "333"]
    assert ev('can(regex("(a)\\\\1", "aa"))') is False  # backreferences are not RE2: Terraform rejects them too


@pytest.mark.parametrize("expression", [
    'format("%999999999d", 1)',
    'formatlist("%s", range(10000000))',
    'range(100000000)',
    'indent(100000000, "a\\nb")',
    'join(",", [for i in range(1000000) : "x"])',
])
def test_computed_values_are_bounded_in_size(expression):
    tracemalloc.start()
    try:
        value = ev(expression)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert is_unknown(value)
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_the_bounds_leave_ordinary_values_alone():
    assert ev('format("%05d-%s", 42, "x")') == "00042-x"
    assert len(ev("range(1000)")) == 1000
    assert ev('formatlist("%s-%s", ["a", "b"], "x")') == ["a-x", "b-x"]
    assert ev('distinct(["a", "b", "a"])') == ["a", "b"] and ev('toset(["b", "a", "b"])') == ["a", "b"]
    assert MAX_STRING >= 1_000_000 and MAX_ITEMS >= 100_000


def test_set_functions_are_linear():
    small = f'distinct(setunion([for i in range({1_000}) : "k${{i}}"], ["x"]))'
    large = f'distinct(setunion([for i in range({50_000}) : "k${{i}}"], ["x"]))'
    _linear(lambda: ev(small), lambda: ev(large), 50)


def _for_each_root(count: int) -> dict[str, str]:
    return {"main.tf": 'provider "aws" {}\nlocals { m = { for i in range(%d) : "k${i}" => i } }\n'
                       'resource "aws_s3_bucket" "f" {\n  for_each = local.m\n  bucket = each.key\n}\n' % count}


def test_for_each_is_capped_with_a_note_and_stays_linear(tmp_path):
    write(tmp_path / "small", _for_each_root(100))
    write(tmp_path / "large", _for_each_root(1_000))
    from airtf_lint.pipeline import RunOptions, analyse

    def model(folder: str):
        return analyse(RunOptions(paths=[folder], cwd=tmp_path)).model

    _linear(lambda: model("small"), lambda: model("large"), 10)
    write(tmp_path / "huge", _for_each_root(5_000))
    analysis = model("huge")
    buckets = [r for r in analysis["terraform"]["resources"] if r["type"] == "aws_s3_bucket"]
    assert len(buckets) == 1_000 and "for_each" not in buckets[0]["values"]
    assert [n["message"] for n in analysis["notes"]] == \
        ["resource aws_s3_bucket.f has 5000 instances; only the first 1000 are analysed"]


def test_count_is_capped_with_a_note_in_the_report(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT,
                     "big/main.tf": 'resource "aws_s3_bucket" "f" {\n  count = 100000\n  bucket = "b${count.index}"\n}\n'})
    result = run_in_process(["."], tmp_path)
    assert "note: big/main.tf:1: resource aws_s3_bucket.f has 100000 instances; only the first 1000 are analysed" \
        in result.stdout


def test_a_module_cycle_is_reported_and_not_followed(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT, "root/main.tf": 'module "a" {\n  source = "../a"\n}\n',
                     "a/main.tf": 'module "b" {\n  source = "../b"\n}\n', "b/main.tf": 'module "a" {\n  source = "../a"\n}\n'})
    _, document = _lint(tmp_path)
    assert any("module cycle" in n["message"] for n in document["notes"])
    assert _still_analysed(document)


def test_a_huge_one_line_tf_file_costs_one_file(tmp_path):
    write(tmp_path, {"good/main.tf": GOOD_ROOT,
                     "big/main.tf": "locals { x = [" + ",".join(['"a"'] * 1_100_000) + "] }\n"})
    _, document = _lint(tmp_path)
    [error] = [e for e in document["errors"] if e["path"] == "big/main.tf"]
    assert "too large" in error["message"]
    assert _still_analysed(document)


def test_a_long_tuple_is_unknown_without_an_ir_node_per_item():
    text = "[" + ",".join(['"a"'] * (MAX_ITEMS + 1)) + "]"
    assert is_unknown(ev(text))
    assert ev('["a", "b"]') == ["a", "b"]


# --- random input from grammar fragments -----------------------------------------------------------------------------

_YAML_FRAGMENTS = st.sampled_from([
    "a: &x [1, 2]\n", "b: *x\n", "c: [*x, *x, *x]\n", "AIRFLOW_CONN_A: 'aws://u:p@h'\n", "- &y {k: v}\n",
    "- *y\n", "env:\n  - name: AIRFLOW_CONN_B\n    value: 'x'\n", "connections:\n  - conn_id: c\n    conn_type: aws\n",
    "? [a]\n: b\n", "!!binary aGVsbG8=\n", "x: !!python/object:os.system {}\n", "%YAML 1.1\n---\n", "...\n",
    "k: |\n  AIRFLOW_CONN_C=x\n  more\n", "<<: *x\n", "d: &z\n  e: *z\n", "\t- bad\n", "'unterminated\n",
])

_PYTHON_FRAGMENTS = st.sampled_from([
    "from airflow import DAG\n", "import airflow\n", "with DAG('d') as dag:\n", "    pass\n",
    "    t = BashOperator(task_id='t', bash_command='x')\n", "default_args = {'a': timedelta(1), **other}\n",
    "class X(BaseOperator):\n    def __init__(self, **kw):\n        super().__init__(aws_conn_id=kw, **kw)\n",
    "@task\ndef f():\n    return S3Hook(aws_conn_id=f'{x}')\n", "x = [" * 3 + "]" * 3 + "\n", "lambda: (yield)\n",
    "async def g():\n    await h()\n", "match x:\n    case {'a': 1}:\n        pass\n", "def f(\n", "'''\n",
    "t >> [a, b] << c\n", "dag = DAG(dag_id=some_call(), default_args=dict(owner='x'))\n",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_YAML_FRAGMENTS, max_size=12))
def test_random_yaml_never_raises_anything_but_a_located_error(fragments):
    text = "".join(fragments)
    for suffix in (".yaml", ".json", ".env"):
        try:
            parse_connections(text, "x" + suffix, suffix)
        except UnreadableFile:
            pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PYTHON_FRAGMENTS, max_size=12))
def test_random_python_never_raises_anything_but_a_located_error(fragments):
    try:
        parse_dag("".join(fragments), "dags/x.py")
    except UnreadableFile:
        pass


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["format_version", "planned_values", "root_module", "resources", "address", "values",
                         "resource_changes", "change", "actions", "after", "configuration", "child_modules", "x"]),
        children, max_size=5),
    max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(_JSON_VALUES)
def test_random_plan_json_never_raises_anything_but_a_located_error(document):
    import json

    try:
        parse_plan(json.dumps({"format_version": "1.2", "planned_values": document, "resource_changes": document}),
                   "plan.json")
    except UnreadableFile:
        pass


def test_a_model_section_that_fails_costs_that_section_not_the_run(tmp_path, monkeypatch):
    import airtf_lint.model as model

    def broken(_model):
        raise KeyError("a shape nobody foresaw")

    monkeypatch.setattr(model, "privilege_section", broken)
    write(tmp_path, {"good/main.tf": GOOD_ROOT})
    result, document = _lint(tmp_path)
    [error] = document["errors"]
    assert error["message"].startswith("internal error while building the privilege analysis (KeyError")
    assert result.code == 1 and _still_analysed(document)


def test_a_folder_outside_the_working_directory_is_analysed_and_ends(tmp_path):
    # Paths outside the working directory are shown absolute: walking up from them must stop at "/".
    write(tmp_path / "elsewhere", {"good/main.tf": GOOD_ROOT})
    (tmp_path / "cwd").mkdir()
    result = run_installed(["../elsewhere", "--format", "json"], tmp_path / "cwd")
    assert result.code == 1 and any(f["rule_id"] == "ATF-STATE-001" for f in result.json()["findings"])
