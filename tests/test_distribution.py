"""Distribution (issue 18): the GitHub Action's script run locally, the container (built when a Docker engine is
there), the release's sdist and wheel passing `twine check`, engines as extras, and the regorus provenance check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write

ACTION_SCRIPT = REPO / "ci" / "github-action.sh"


def test_the_actions_script_runs_lints_writes_sarif_and_the_job_summary(tmp_path):
    example = tmp_path / "repo"
    shutil.copytree(REPO / "examples" / "data-platform", example)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {**os.environ, "AIRTF_LINT_INSTALL": "none", "AIRTF_LINT_ARGS": ".", "AIRTF_LINT_SARIF": "out.sarif",
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    completed = subprocess.run(["bash", str(ACTION_SCRIPT)], cwd=example, env=env, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "::error file=" in completed.stdout  # annotations on the pull request
    assert json.loads((example / "out.sarif").read_text())["runs"][0]["results"]
    assert "exit-code=1" in output.read_text()
    text = summary.read_text()
    assert text.startswith("## airtf-lint") and "| severity | rule | where | message |" in text


def test_the_action_is_composite_and_uses_the_script():
    import yaml

    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert any("github-action.sh" in step.get("run", "") for step in steps)
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in steps)
    assert {"args", "diff-base", "install", "sarif-file"} <= set(action["inputs"])


def _docker() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "info"], capture_output=True, timeout=30)
    return docker if probe.returncode == 0 else None


def test_the_container_is_slim_non_root_with_the_tool_as_entry_point():
    text = (REPO / "Dockerfile").read_text()
    assert "python:3.12-slim" in text and "\nUSER airtf" in text and 'ENTRYPOINT ["airtf-lint"]' in text


@pytest.mark.skipif(_docker() is None, reason="no Docker engine on this machine (docker missing or `docker info` fails)")
def test_the_container_builds_and_lints(tmp_path):
    docker = _docker()
    subprocess.run([docker, "build", "-t", "airtf-lint:test", str(REPO)], check=True, timeout=1200)
    run = subprocess.run([docker, "run", "--rm", "-v", f"{REPO / 'examples' / 'data-platform'}:/src:ro",
                          "airtf-lint:test", ".", "-f", "concise"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "ATF-STATE-003" in run.stdout


def test_the_sdist_and_wheel_pass_twine_check(tmp_path):
    pytest.importorskip("build")
    pytest.importorskip("twine")
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and "Could not find a version" in built.stderr + built.stdout:
        pytest.skip("the build backend cannot be installed here (no package index)")
    assert built.returncode == 0, built.stderr[-2000:]
    dists = sorted(tmp_path.glob("*"))
    assert any(d.suffix == ".whl" for d in dists) and any(d.name.endswith(".tar.gz") for d in dists)
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dists)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr


def test_engines_are_extras_and_regorus_is_the_default_dependency():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("gordon-to-regorus==") for d in project["dependencies"])
    assert not any(d.startswith("regopy") for d in project["dependencies"])
    assert project["optional-dependencies"]["regopy"] == ["regopy==1.5.2"]
    assert project["optional-dependencies"]["regorus"][0].startswith("gordon-to-regorus==")


def test_a_regorus_module_from_another_distribution_is_refused(monkeypatch, tmp_path):
    import importlib.util
    from importlib import machinery, metadata

    from airtf_lint.engine import EngineError, check_distribution

    check_distribution("regorus")  # the pinned one, installed here
    # A site-packages folder of our own: the module, its pinned distribution, and a fork that overwrote it.
    site = tmp_path / "site"
    write(site, {"regorus/__init__.py": "",
                 "gordon_to_regorus-0.13.0.dist-info/RECORD": "regorus/__init__.py,,\n",
                 "gordon_to_regorus-0.13.0.dist-info/METADATA": "Name: gordon-to-regorus\nVersion: 0.13.0\n"})
    spec = machinery.ModuleSpec("regorus", None, origin=str(site / "regorus" / "__init__.py"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    monkeypatch.setattr(metadata, "distribution",
                        lambda name: metadata.PathDistribution(site / "gordon_to_regorus-0.13.0.dist-info"))
    check_distribution("regorus")
    write(site, {"regorus_fork-1.0.dist-info/RECORD": "regorus/__init__.py,,\n"})
    with pytest.raises(EngineError, match="several distributions"):
        check_distribution("regorus")
    (site / "gordon_to_regorus-0.13.0.dist-info" / "RECORD").write_text("other/__init__.py,,\n")
    with pytest.raises(EngineError, match="is not the one 'gordon-to-regorus' installed"):
        check_distribution("regorus")


def test_the_readme_install_commands_install_from_a_path_or_git():
    readme = (REPO / "README.md").read_text()
    assert "pip install . && airtf-lint examples/data-platform" in readme
    assert "git+https://github.com/airtf-lint/airtf-lint" in readme
    assert "pip install airtf-lint\n" not in readme  # nothing is published under that name yet


def test_the_release_workflow_uses_trusted_publishing_and_twine_check():
    text = (REPO / ".github" / "workflows" / "release.yml").read_text()
    assert "id-token: write" in text and "pypa/gh-action-pypi-publish" in text
    assert "twine check" in text and "python -m build" in text
