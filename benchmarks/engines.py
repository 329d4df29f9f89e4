"""Compare the embedded Rego engines on one large model: wall time and peak memory (RSS) of evaluation, each
engine in its own process so one's memory does not hide the other's. The numbers behind the default engine
(docs/architecture.md, "Engines").

    python benchmarks/engines.py                      # generated repo: 2000 roots, 1500 DAGs
    python benchmarks/engines.py --roots 500 --dags 300
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _child(engine: str, model_path: str, repeats: int) -> None:
    from airtf_lint.engine import create_engine
    from airtf_lint.pipeline import load_pack

    model = json.loads(Path(model_path).read_text())
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pack = load_pack([])
    times = []
    findings = 0
    for _ in range(repeats):
        start = time.perf_counter()
        evaluation = create_engine(engine, pack).evaluate(model)
        times.append(time.perf_counter() - start)
        findings = sum(len(v) for v in evaluation.results.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"engine": engine, "seconds": sorted(times)[len(times) // 2], "min": min(times),
                      "peak_mib": peak // 1024, "model_mib": base // 1024, "findings": findings}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roots", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=8)
    parser.add_argument("--dags", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.repeats)
        return
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench import generate
    from airtf_lint.config import Config
    from airtf_lint.pipeline import analyse, options_from_config

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        files, _ = generate(root, args.roots, args.resources, args.dags)
        model = analyse(options_from_config(Config(), root, ["."])).model
        model_path = Path(tmp) / "model.json"
        model_path.write_text(json.dumps(model))
        print(f"model: {files} files, {model_path.stat().st_size / 2**20:.1f} MiB of JSON, "
              f"{len(model['terraform']['resources'])} resources, {len(model['airflow']['tasks'])} tasks")
        for engine in ("regorus", "regopy"):
            out = subprocess.run([sys.executable, __file__, "--repeats", str(args.repeats), "--child", engine,
                                  str(model_path)], capture_output=True, text=True, check=False)
            if out.returncode:
                print(f"{engine}: failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {engine} | {r['seconds']:.2f} s (min {r['min']:.2f}) | {r['peak_mib']} MiB peak "
                  f"({r['model_mib']} MiB with the model loaded) | {r['findings']} findings |")


if __name__ == "__main__":
    main()
