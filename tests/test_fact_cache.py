"""The fact cache: the same findings with or without it, entries reused when the bytes are the same, and never
trusted when they are damaged or foreign (a tampered entry can cost time, never run code)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from airtf_lint.cache import FactCache
from airtf_lint.facts import FileKind, SourceFile
from airtf_lint.pipeline import RunOptions, run
from tests.conftest import EXAMPLE, run_installed, write

GOOD_ROOT = 'provider "aws" {}\n'


def _findings(cwd: Path, cache: FactCache | None) -> list[tuple[str, str, int]]:
    result = run(RunOptions(paths=["."], cwd=cwd, cache=cache))
    return [(f.rule_id, f.path, f.line) for f in result.findings]


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.pickle"))


def test_a_warm_run_reuses_every_entry_and_gives_the_same_findings(tmp_path):
    cache = FactCache(tmp_path / "cache")
    cold = _findings(EXAMPLE, cache)
    assert cache.stats.hits == 0 and cache.stats.written > 0
    warm_cache = FactCache(tmp_path / "cache")
    assert _findings(EXAMPLE, warm_cache) == cold == _findings(EXAMPLE, None)
    assert warm_cache.stats.misses == 0 and warm_cache.stats.hits >= 10


def test_an_edited_file_is_parsed_again(tmp_path):
    repo = write(tmp_path / "repo", {"main.tf": GOOD_ROOT})
    _findings(repo, FactCache(tmp_path / "cache"))
    (repo / "main.tf").write_text('terraform {\n  backend "gcs" {}\n}\n')
    cache = FactCache(tmp_path / "cache")
    assert _findings(repo, cache) == [] and cache.stats.misses == 1  # the new bytes: a new key


def test_a_damaged_entry_is_ignored_deleted_and_rebuilt(tmp_path):
    repo = write(tmp_path / "repo", {"main.tf": GOOD_ROOT})
    expected = _findings(repo, FactCache(tmp_path / "cache"))
    [entry] = _entries(tmp_path / "cache")
    entry.write_bytes(b"\x80\x05 not a pickle")
    cache = FactCache(tmp_path / "cache")
    assert _findings(repo, cache) == expected and cache.stats.rejected == 1
    assert pickle.loads(entry.read_bytes()) is not None  # rewritten whole


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/airtf-lint-cache-pwned",))


def test_an_entry_naming_anything_but_fact_classes_is_never_loaded(tmp_path):
    repo = write(tmp_path / "repo", {"main.tf": GOOD_ROOT})
    expected = _findings(repo, FactCache(tmp_path / "cache"))
    [entry] = _entries(tmp_path / "cache")
    entry.write_bytes(pickle.dumps(_Payload()))
    marker = Path("/tmp/airtf-lint-cache-pwned")
    marker.unlink(missing_ok=True)
    cache = FactCache(tmp_path / "cache")
    assert _findings(repo, cache) == expected and cache.stats.rejected == 1
    assert not marker.exists()


def test_an_entry_for_another_path_is_not_trusted(tmp_path):
    source = SourceFile("a/main.tf", tmp_path / "a/main.tf", FileKind.TERRAFORM)
    other = SourceFile("b/main.tf", tmp_path / "b/main.tf", FileKind.TERRAFORM)
    assert FactCache.key(source, b"x") != FactCache.key(other, b"x")


def test_an_unwritable_cache_folder_costs_nothing_but_time(tmp_path):
    repo = write(tmp_path / "repo", {"main.tf": GOOD_ROOT})
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    cache = FactCache(blocked)
    assert _findings(repo, cache) == _findings(repo, None) and cache.stats.written == 0


def test_the_folder_is_kept_under_its_size_bound(tmp_path):
    repo = write(tmp_path / "repo", {f"r{i}/main.tf": GOOD_ROOT + f"# {i}\n" for i in range(20)})
    cache = FactCache(tmp_path / "cache", max_bytes=4_000)
    _findings(repo, cache)
    assert sum(p.stat().st_size for p in _entries(tmp_path / "cache")) <= 4_000


def test_the_cli_takes_its_folder_from_the_environment_or_the_flag_and_no_cache_writes_none(tmp_path):
    repo = write(tmp_path / "repo", {"main.tf": GOOD_ROOT})
    run_installed(["."], repo, env={"AIRTF_LINT_CACHE_DIR": str(tmp_path / "from-env")})
    assert _entries(tmp_path / "from-env")
    run_installed([".", "--cache-dir", str(tmp_path / "from-flag")], repo)
    assert _entries(tmp_path / "from-flag")
    run_installed([".", "--no-cache"], repo, env={"AIRTF_LINT_CACHE_DIR": str(tmp_path / "none")})
    assert not (tmp_path / "none").exists()
