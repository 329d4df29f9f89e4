from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airtf_lint.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EXAMPLE = REPO / "examples" / "data-platform"
SHARED_PLANS = REPO.parent / "shared" / "corpus" / "plans"


@pytest.fixture(scope="session", autouse=True)
def _own_fact_cache(tmp_path_factory):
    """Every run the tests make, in process or as a subprocess, caches facts in a folder of this session's own:
    never the user's cache, whose entries from an earlier run would change what a run does (and how long it takes)."""
    previous = os.environ.get("AIRTF_LINT_CACHE_DIR")
    os.environ["AIRTF_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("fact-cache"))
    yield
    if previous is None:
        os.environ.pop("AIRTF_LINT_CACHE_DIR", None)
    else:
        os.environ["AIRTF_LINT_CACHE_DIR"] = previous


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_in_process(args: list[str], cwd: Path) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(previous)
    return CliResult(code, out.getvalue(), err.getvalue())


def installed_cli() -> list[str]:
    script = Path(sys.executable).parent / "airtf-lint"
    if script.exists():
        return [str(script)]
    found = shutil.which("airtf-lint")
    return [found] if found else [sys.executable, "-m", "airtf_lint"]


def run_installed(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> CliResult:
    completed = subprocess.run([*installed_cli(), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "NO_COLOR": "1", **(env or {})})
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def cli():
    return run_in_process


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    return root
