"""Measure airtf-lint's speed and memory. Not a test: run it by hand and copy the table into docs/performance.md.

    python benchmarks/bench.py                # everything, on a generated repo of the default size
    python benchmarks/bench.py --roots 1000   # a larger generated repo

It generates a synthetic repository (root modules with backends, child modules, resources, DAGs) in a temporary
folder, then times: start-up (`airtf-lint --version`), the bundled example, the generated repo end to end through
the installed CLI (wall time and peak RSS), the parse stage alone (blocks per second), and the two Rego engines
on the same model.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from airtf_lint.engine import create_engine  # noqa: E402
from airtf_lint.facts import FileKind, SourceFile  # noqa: E402
from airtf_lint.model import build_model  # noqa: E402
from airtf_lint.parsers import parse_file  # noqa: E402
from airtf_lint.parsers.hcl import parse_hcl  # noqa: E402
from airtf_lint.discover import discover  # noqa: E402
from airtf_lint.facts import FileFacts  # noqa: E402
from airtf_lint.parsers.text import UnreadableFile, read_text  # noqa: E402
from airtf_lint.pipeline import RunOptions, collect_facts, load_pack  # noqa: E402
from airtf_lint.secrets.files import scan_file  # noqa: E402

BACKENDS = [
    'backend "s3" {{\n    bucket = "state"\n    key = "r{i}"\n    use_lockfile = true\n  }}',
    'backend "s3" {{\n    bucket = "state"\n    key = "r{i}"\n  }}',
    'backend "gcs" {{\n    bucket = "state"\n  }}',
    'backend "local" {{}}',
]


def generate(root: Path, roots: int, resources_per_root: int, dags: int) -> tuple[int, int]:
    """A repo of `roots` root modules, each calling a child module; returns (files, blocks)."""
    files = blocks = 0
    for i in range(roots):
        d = root / "live" / f"stack{i:04d}"
        d.mkdir(parents=True)
        backend = "" if i % 5 == 4 else BACKENDS[i % 4].format(i=i)
        (d / "backend.tf").write_text(f"terraform {{\n  required_version = \">= 1.6\"\n  {backend}\n}}\n")
        body = ['provider "aws" {\n  region = "eu-west-1"\n}\n',
                f'module "child" {{\n  source = "../../modules/m{i % 20}"\n  name = "s{i}"\n}}\n']
        for j in range(resources_per_root):
            body.append(f'resource "aws_s3_bucket" "b{j}" {{\n  bucket = "acme-{i}-{j}"\n  tags = {{ team = "data", '
                        f'n = {j} }}\n  versioning {{\n    enabled = true\n  }}\n}}\n')
        (d / "main.tf").write_text("\n".join(body))
        files += 2
        blocks += 3 + 2 * resources_per_root + 1  # terraform, backend, provider, module, resources + nested
    for m in range(20):
        d = root / "modules" / f"m{m}"
        d.mkdir(parents=True)
        (d / "main.tf").write_text('variable "name" {}\n\nresource "aws_iam_role" "r" {\n  name = var.name\n}\n')
        files += 1
        blocks += 2
    (root / "dags").mkdir()
    for k in range(dags):
        (root / "dags" / f"dag_{k:04d}.py").write_text(
            "import os\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n"
            "from airflow.providers.amazon.aws.operators.s3 import S3CopyObjectOperator\n"
            "from airflow.utils.task_group import TaskGroup\n\n"
            f"DEFAULTS = {{'aws_conn_id': os.getenv('AWS_CONN', 'aws_team{k % 7}'), 'retries': 1}}\n\n"
            f"with DAG('dag_{k}', schedule='@daily', default_args=DEFAULTS):\n"
            "    BashOperator(task_id='t', bash_command='echo hi')\n"
            "    with TaskGroup('copy'):\n"
            + "".join(f"        S3CopyObjectOperator(task_id='c{j}', source_bucket_key='a', dest_bucket_key='b')\n"
                      for j in range(5)))
        files += 1
    return files, blocks


def _count_blocks(blocks: list) -> int:
    return sum(1 + _count_blocks(b.blocks) for b in blocks)


def cli(*args: str, cwd: Path) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (MiB) of one installed-CLI run."""
    exe = shutil.which("airtf-lint") or str(Path(sys.executable).parent / "airtf-lint")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    code = subprocess.run([exe, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, code, max(peak, before) // 1024


def median_run(repeats: int, *args: str, cwd: Path) -> tuple[float, float, float, int]:
    runs = [cli(*args, cwd=cwd) for _ in range(repeats)]
    times = [r[0] for r in runs]
    return statistics.median(times), min(times), max(times), max(r[2] for r in runs)


def secret_scan(tree: Path) -> tuple[int, int, float, int]:
    """(files, bytes, seconds, secrets) of the secret scan alone over every file airtf-lint reads in `tree`."""
    texts = []
    for source in discover(["."], tree).files:
        try:
            texts.append((read_text(source.absolute), source))
        except UnreadableFile:
            continue
    start = time.perf_counter()
    found = 0
    for text, source in texts:
        facts = FileFacts(source)
        scan_file(text, facts)
        found += len(facts.secrets)
    return len(texts), sum(len(t) for t, _ in texts), time.perf_counter() - start, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roots", type=int, default=500)
    parser.add_argument("--resources", type=int, default=8)
    parser.add_argument("--dags", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--secrets-tree", type=Path, action="append", default=[], metavar="DIR",
                        help="also time the secret scan alone on this tree (repeatable)")
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print("| measurement | median s | min–max s | peak RSS MiB |")
    print("|---|---|---|---|")
    med, lo, hi, rss = median_run(args.repeats, "--version", cwd=REPO)
    print(f"| start-up: `airtf-lint --version` | {med:.3f} | {lo:.3f}–{hi:.3f} | {rss} |")
    med, lo, hi, rss = median_run(args.repeats, "examples/data-platform", "--format", "json", cwd=REPO)
    print(f"| bundled example (10 files) | {med:.3f} | {lo:.3f}–{hi:.3f} | {rss} |")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files, blocks = generate(root, args.roots, args.resources, args.dags)
        med, lo, hi, rss = median_run(max(1, args.repeats // 2), ".", "--format", "json", cwd=root)
        print(f"| generated repo: {files} files, {blocks} HCL blocks, end to end | {med:.3f} | {lo:.3f}–{hi:.3f} "
              f"| {rss} |")

        start = time.perf_counter()
        facts, _ = collect_facts(RunOptions(paths=["."], cwd=root))
        parse_seconds = time.perf_counter() - start
        print(f"| parse stage alone ({files} files): {blocks / parse_seconds:,.0f} blocks/s, "
              f"{files / parse_seconds:,.0f} files/s | {parse_seconds:.3f} | – | – |")

        tf_files = [(p, p.read_text()) for p in sorted(root.rglob("*.tf"))]
        start = time.perf_counter()
        hcl_blocks = sum(_count_blocks(parse_hcl(text, str(p)).blocks) for p, text in tf_files)
        hcl_seconds = time.perf_counter() - start
        print(f"| HCL parser alone ({len(tf_files)} .tf files, one core): {hcl_blocks / hcl_seconds:,.0f} blocks/s "
              f"| {hcl_seconds:.3f} | – | – |")

        dag_files = sorted((root / "dags").glob("*.py")) + [REPO / "fixtures/model/dags/identity_propagation.py"]
        sources = [SourceFile(str(p), p, FileKind.DAG) for p in dag_files]
        start = time.perf_counter()
        tasks = sum(len(parse_file(s).dag.tasks) for s in sources)  # type: ignore[union-attr]
        dag_seconds = time.perf_counter() - start
        print(f"| DAG analysis alone ({len(sources)} DAG files, {tasks} tasks): {len(sources) / dag_seconds:,.0f} "
              f"files/s | {dag_seconds:.3f} | – | – |")

        scanned, size, seconds, _ = secret_scan(root)
        print(f"| secret scan alone ({scanned} files, {size / 1e6:.1f} MB): {scanned / seconds:,.0f} files/s, "
              f"{size / 1e6 / seconds:.1f} MB/s | {seconds:.3f} | – | – |")
        for tree in args.secrets_tree:
            scanned, size, seconds, found = secret_scan(tree.resolve())
            print(f"| secret scan alone on {tree.name} ({scanned} files, {size / 1e6:.1f} MB, {found} secrets): "
                  f"{scanned / seconds:,.0f} files/s | {seconds:.3f} | – | – |")

        start = time.perf_counter()
        model = build_model(facts, [], root)
        print(f"| model stage (module instances, evaluation, IAM extraction) | {time.perf_counter() - start:.3f} "
              f"| – | – |")
        pack = load_pack([])
        for name in ("regorus", "regopy"):
            start = time.perf_counter()
            engine = create_engine(name, pack)
            compiled = time.perf_counter() - start
            timings = []
            for _ in range(3):
                start = time.perf_counter()
                findings = engine.evaluate(model).results
                timings.append(time.perf_counter() - start)
            count = sum(len(v) for v in findings.values())
            print(f"| engine {name}: {len(pack.rules)} rules over {len(model['terraform']['roots'])} roots "
                  f"({count} findings), compile {compiled:.3f} s | {statistics.median(timings):.3f} | "
                  f"{min(timings):.3f}–{max(timings):.3f} | – |")


if __name__ == "__main__":
    main()
