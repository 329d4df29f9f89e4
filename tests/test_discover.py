"""Discovery: what is walked, what is skipped, and what each file is taken to be."""

from __future__ import annotations

from airtf_lint.discover import discover, matches_any
from airtf_lint.facts import FileKind
from tests.conftest import write

PLAN_HEAD = '{"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {}}'


def _kinds(tmp_path, **kwargs):
    found = discover(["."], tmp_path, **kwargs)
    return {f.path: f.kind for f in found.files}


def test_files_are_classified_by_name_and_content(tmp_path):
    write(tmp_path, {
        "main.tf": "", "stack.tf.json": "{}", "prod.tfvars": "", "x.tfvars.json": "{}", "prod.s3.tfbackend": "",
        "terraform.tfstate": "{}", "old.tfstate.backup": "{}", "plans/anything.json": PLAN_HEAD,
        "conns.json": '{"aws_default": {"conn_type": "aws"}}', "conns.yaml": "aws_default:\n  conn_type: aws\n",
        ".env": "AIRFLOW_CONN_AWS_ETL=aws://\n", "dags/etl.py": "from airflow import DAG\nDAG('etl')\n",
        "lib/helpers.py": "def f(): pass\n", "package.json": '{"name": "x"}', "README.md": "# hi",
    })
    assert _kinds(tmp_path) == {
        "main.tf": FileKind.TERRAFORM, "stack.tf.json": FileKind.TERRAFORM, "prod.tfvars": FileKind.TFVARS,
        "x.tfvars.json": FileKind.TFVARS, "prod.s3.tfbackend": FileKind.TFBACKEND,
        "terraform.tfstate": FileKind.STATE, "old.tfstate.backup": FileKind.STATE,
        "plans/anything.json": FileKind.PLAN, "conns.json": FileKind.CONNECTIONS,
        "conns.yaml": FileKind.CONNECTIONS, ".env": FileKind.CONNECTIONS, "dags/etl.py": FileKind.DAG,
        "lib/helpers.py": FileKind.PYTHON,  # searched for secrets only
    }


def test_tool_and_vendor_folders_are_skipped(tmp_path):
    write(tmp_path, {
        ".git/x.tf": "", ".terraform/modules/m/main.tf": "", "node_modules/p/main.tf": "", ".venv/lib/x.tf": "",
        "env/pyvenv.cfg": "", "env/lib/x.tf": "", "keep/main.tf": "",
    })
    assert list(_kinds(tmp_path)) == ["keep/main.tf"]


def test_exclude_and_include_patterns(tmp_path):
    write(tmp_path, {"a/main.tf": "", "b/main.tf": "", "b/extra.tf": "", "legacy/old/main.tf": ""})
    assert list(_kinds(tmp_path, exclude=["legacy"])) == ["a/main.tf", "b/extra.tf", "b/main.tf"]
    assert list(_kinds(tmp_path, include=["b/*"])) == ["b/extra.tf", "b/main.tf"]


def test_paths_are_relative_to_the_working_directory_with_slashes(tmp_path):
    write(tmp_path, {"infra/prod/main.tf": ""})
    found = discover(["infra"], tmp_path)
    assert [f.path for f in found.files] == ["infra/prod/main.tf"]


def test_patterns_without_slash_match_any_component():
    assert matches_any("a/legacy/main.tf", ["legacy"])
    assert not matches_any("a/legacy2/main.tf", ["legacy"])
    assert matches_any("a/b/c.tf", ["a/b"])


def test_airtf_lints_own_configuration_is_not_analysed(tmp_path):
    write(tmp_path, {".airtf-lint.yaml": "connections:\n  - conn_id: x\n    conn_type: aws\n", "main.tf": ""})
    assert list(_kinds(tmp_path)) == ["main.tf"]
