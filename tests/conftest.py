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
