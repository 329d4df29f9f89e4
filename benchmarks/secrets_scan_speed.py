"""CPU time of the secret scanner alone over a tree's text files, best of N (no parsing, files read first).

    python benchmarks/secrets_scan_speed.py /path/to/tree [--repeats 7]

Compare two checkouts by running each one's copy of this script (PYTHONPATH=<checkout>) on the same tree.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from airtf_lint.secrets.scan import scan_text  # noqa: E402

SUFFIXES = (".py", ".tf", ".yaml", ".yml", ".json", ".env", ".tfvars")
BARE = (".yaml", ".yml", ".env")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    texts = []
    for path in sorted(args.tree.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.suffix in SUFFIXES:
            try:
                texts.append((path.read_text("utf-8"), path.suffix in BARE))
            except (OSError, UnicodeDecodeError):
                continue
    for text, bare in texts[:200]:  # compile the expressions first
        scan_text(text, "f", bare)
    best_cpu = best_wall = float("inf")
    for _ in range(args.repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        for text, bare in texts:
            scan_text(text, "f", bare)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    size = sum(len(t) for t, _ in texts) / 1e6
    print(f"{len(texts)} files, {size:.1f} M characters: best CPU {best_cpu:.3f} s, best wall {best_wall:.3f} s")


if __name__ == "__main__":
    main()
