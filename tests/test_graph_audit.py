"""`airtf-lint graph`, `airtf-lint audit` and `--format markdown`, checked as a person would: the HTML page opened
in real headless Chromium (no network, a throw-away profile), Mermaid by a grammar check (and mermaid-cli when it
is installed), DOT by Graphviz, the markdown report by a CommonMark renderer; and no label can inject markup."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from airtf_lint.graph import build_graph
from airtf_lint.pipeline import RunOptions, run
from tests.conftest import REPO, run_in_process, write

EXAMPLE_ARG = "examples/data-platform"
SECRETS = ("example-only-not-a-real-secret", "AKIAEXAMPLENOTREAL00")
HOSTILE = "</script><img src=x onerror=\"document.documentElement.dataset.pwned=1\">"
ARTIFACTS = Path(os.environ.get("AIRTF_LINT_ARTIFACTS", REPO / "tests" / "artifacts"))
CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (Debian: apt-get install "
                                                             "chromium); .ci/run installs it")
MODULE_ROLE = 'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n  assume_role_policy = "{{}}"\n}}\n'
KPO = "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"


@pytest.fixture(scope="module")
def example():
    result = run(RunOptions(paths=[EXAMPLE_ARG], cwd=REPO))
    return result, build_graph(result.model, result.findings)


def _chromium(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="airtf-chromium-") as profile:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--proxy-server=127.0.0.1:9", f"--user-data-dir={profile}",
             "--virtual-time-budget=3000", *extra, url],
            capture_output=True, text=True, timeout=120)


def _dom_attributes(dom: str) -> dict[str, str]:
    match = re.search(r"<html([^>]*)>", dom)
    assert match, dom[:500]
    return dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))


# --- the graph -------------------------------------------------------------------------------------------------


def test_every_task_is_linked_to_its_identity_and_grants(example):
    _, graph = example
    kinds = {e.key for e in graph.edges}
    role = "principal:examples/data-platform/terraform/prod:module.etl_role.aws_iam_role.etl"
    assert ("task:etl_daily.copy_raw", "conn:aws_etl", "uses") in kinds
    assert ("conn:aws_etl", role, "assumes") in kinds
    assert ("conn:aws_archive", role, "resolves_to") in kinds  # undefined connection: ambient fallback
    assert ("conn:aws_reporting", "key:aws_reporting", "resolves_to") in kinds
    assert any(e.source == "task:terraform_apply_prod.apply" and e.kind == "runs_on" for e in graph.edges)
    assert ("task:terraform_apply_prod.apply", "tf:examples/data-platform/terraform/prod", "runs_terraform_in") in kinds
    assert any(e.source == role and e.kind == "granted_by" for e in graph.edges)
    for task in (n for n in graph.nodes if n.kind == "task"):
        reached = {graph.by_id[i].kind for i in graph.reach([task.id])}
        assert "principal" in reached, task.id
    # findings sit on what they are about
    assert {f.rule_id for f in graph.by_id["task:reporting.list_archive"].findings} >= {"ATF-IDENTITY-001",
                                                                                        "ATF-PRIVILEGE-007"}
    assert graph.by_id["conn:aws_reporting"].severity == "high"
    assert graph.by_id["tf:examples/data-platform/terraform/legacy"].severity == "critical"
    assert not graph.unattached


def test_graph_is_deterministic(example):
    result, graph = example
    again = build_graph(result.model, result.findings)
    assert json.dumps(graph.to_dict()) == json.dumps(again.to_dict())
    first = run_in_process(["graph", EXAMPLE_ARG, "--format", "json"], REPO)
    second = run_in_process(["graph", EXAMPLE_ARG, "--format", "json"], REPO)
    assert first.code == 0 and first.stdout == second.stdout
    assert len(first.json()["nodes"]) == len(graph.nodes)


def test_focus_cuts_the_graph_down_to_one_question(example):
    _, graph = example
    dag = graph.focused(["reporting"])
    ids = {n.id for n in dag.nodes}
    assert "task:reporting.list_archive" in ids and "task:etl_daily.copy_raw" not in ids
    assert "principal:examples/data-platform/terraform/prod:module.etl_role.aws_iam_role.etl" in ids
    principal = graph.focused(["examples/data-platform/terraform/prod:module.etl_role.aws_iam_role.etl"])
    tasks = {n.id for n in principal.nodes if n.kind == "task"}
    assert tasks == {"task:etl_daily.copy_raw", "task:reporting.list_archive", "task:terraform_apply_prod.apply"}
    near = graph.focused(["etl_daily.copy_raw"], depth=1)
    assert {n.id for n in near.nodes} == {"dag:etl_daily", "task:etl_daily.copy_raw", "conn:aws_etl"}
    bad = run_in_process(["graph", EXAMPLE_ARG, "--focus", "no-such-thing"], REPO)
    assert bad.code == 2 and "no-such-thing" in bad.stderr


def test_kubernetes_service_accounts_reach_cloud_identities(tmp_path):
    write(tmp_path, {
        "main.tf": MODULE_ROLE.format(name="runner") + 'resource "aws_eks_pod_identity_association" "a" {\n'
                   '  cluster_name = "c"\n  namespace = "jobs"\n  service_account = "runner"\n'
                   '  role_arn = aws_iam_role.runner.arn\n}\n'
                   'resource "google_service_account" "etl" {\n  account_id = "etl"\n  project = "p"\n}\n'
                   'resource "google_service_account_iam_member" "wi" {\n'
                   '  service_account_id = google_service_account.etl.name\n'
                   '  role = "roles/iam.workloadIdentityUser"\n'
                   '  member = "serviceAccount:p.svc.id.goog[jobs/etl-ksa]"\n}\n'
                   'resource "google_project_iam_member" "edit" {\n  project = "p"\n  role = "roles/editor"\n'
                   '  member = "serviceAccount:${google_service_account.etl.email}"\n}\n',
        "dags/d.py": "from airflow import DAG\n" + KPO + "with DAG(dag_id='d', schedule=None):\n"
                     "    KubernetesPodOperator(task_id='aws', image='x', namespace='jobs', service_account_name="
                     "'runner')\n"
                     "    KubernetesPodOperator(task_id='gcp', image='x', namespace='jobs', service_account_name="
                     "'etl-ksa')\n"})
    result = run(RunOptions(paths=["."], cwd=tmp_path))
    graph = build_graph(result.model, result.findings)
    for task, principal in (("task:d.aws", "principal:.:aws_iam_role.runner"),
                            ("task:d.gcp", "principal:.:google_service_account.etl")):
        assert principal in graph.reach([task]), (task, [e.key for e in graph.edges])
    assert any(e.kind == "granted_by" and e.source == "principal:.:google_service_account.etl"
               and "roles/editor" in graph.by_id[e.target].label for e in graph.edges)


# --- Mermaid and DOT -------------------------------------------------------------------------------------------

_MERMAID_NODE = re.compile(r'^ {2,4}n[0-9a-f]{10}(\[\[|\[\(|\(\[|\{\{|\[/|\[\\|\[)"[^"<>`]*?"'
                           r'(\]\]|\)\]|\]\)|\}\}|/\]|\\\]|\])$')
_MERMAID_EDGE = re.compile(r'^ {2}n[0-9a-f]{10} (-->|-\.->)\|"[^"<>`|]*"\| n[0-9a-f]{10}$')
_MERMAID_OTHER = re.compile(r'^(flowchart LR|  subgraph n[0-9a-f]{10}\["[^"<>`]*"\]|    direction TB|  end|'
                            r'  classDef \w+ [\w:#,.-]+|  class n[0-9a-f]{10} \w+)$')


def check_mermaid(source: str) -> list[str]:
    """A grammar check of the subset the writer emits: every line is a node, an edge, a subgraph, a class line;
    labels are quoted with no raw quote, angle bracket or backtick (the writer's own <br/>, <small> and <b> aside);
    subgraphs are balanced; every edge joins declared nodes."""
    problems, declared, depth = [], set(), 0
    for number, line in enumerate(source.splitlines(), 1):
        plain = re.sub(r"</?(br/|small|b)>", "", line)
        if _MERMAID_NODE.match(plain):
            declared.add(plain.split()[0][:11])
        elif _MERMAID_EDGE.match(plain):
            a, b = plain.split()[0], plain.split()[-1]
            if a not in declared or b not in declared:
                problems.append(f"{number}: edge to an undeclared node: {line}")
        elif _MERMAID_OTHER.match(plain):
            depth += plain.startswith("  subgraph")
            depth -= plain == "  end"
        else:
            problems.append(f"{number}: not valid here: {line}")
    if depth:
        problems.append("unbalanced subgraph/end")
    return problems


def _hostile_repo(tmp_path: Path) -> Path:
    return write(tmp_path, {
        "dags/evil.py": "from airflow import DAG\n"
                        "from airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n"
                        f"with DAG(dag_id={HOSTILE!r}, schedule=None):\n"
                        f"    S3ListOperator(task_id='t\"|]]><b>x', bucket='b', aws_conn_id='c`#;<i>')\n",
        "connections.yaml": "c`#;<i>:\n  conn_type: aws\n  login: AKIAEXAMPLENOTREAL00\n"
                            "  password: example-only-not-a-real-secret\n"})


def test_mermaid_output_passes_the_grammar_check(example, tmp_path):
    out = run_in_process(["graph", EXAMPLE_ARG, "--format", "mermaid"], REPO)
    assert out.code == 0 and out.stdout.startswith("flowchart LR")
    assert check_mermaid(out.stdout) == []
    _hostile_repo(tmp_path)
    hostile = run_in_process(["graph", ".", "--format", "mermaid"], tmp_path)
    assert hostile.code == 0, hostile.stderr
    assert check_mermaid(hostile.stdout) == [], hostile.stdout
    assert "<img" not in hostile.stdout and "</script>" not in hostile.stdout


MMDC = shutil.which("mmdc") or os.environ.get("AIRTF_LINT_MMDC")


@pytest.mark.skipif(not MMDC or CHROMIUM is None, reason="mermaid-cli (mmdc) and Chromium not both installed")
def test_mermaid_cli_renders_the_graph(tmp_path):
    source = tmp_path / "g.mmd"
    source.write_text(run_in_process(["graph", EXAMPLE_ARG, "--format", "mermaid"], REPO).stdout, "utf-8")
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": CHROMIUM, "args": ["--no-sandbox", "--disable-gpu"]}))
    done = subprocess.run([MMDC, "-p", str(config), "-i", str(source), "-o", str(tmp_path / "g.svg")],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "Syntax error" not in (tmp_path / "g.svg").read_text("utf-8")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed (Debian: apt-get install graphviz)")
@pytest.mark.parametrize("where", ["example", "hostile"])
def test_graphviz_accepts_the_dot_output(where, tmp_path):
    cwd = REPO if where == "example" else _hostile_repo(tmp_path)
    out = run_in_process(["graph", EXAMPLE_ARG if where == "example" else ".", "--format", "dot"], cwd)
    assert out.code == 0
    done = subprocess.run(["dot", "-Tsvg"], input=out.stdout, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "<svg" in done.stdout, done.stderr
    assert "<img" not in done.stdout


# --- the HTML page ---------------------------------------------------------------------------------------------


def test_html_page_is_self_contained_and_escaped(tmp_path):
    out = run_in_process(["graph", EXAMPLE_ARG, "--format", "html"], REPO)
    assert out.code == 0
    page = out.stdout
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no CDN, no remote anything
    assert "Content-Security-Policy" in page and "connect-src 'none'" in page
    assert not any(secret in page for secret in SECRETS)
    _hostile_repo(tmp_path)
    hostile = run_in_process(["graph", ".", "--format", "html"], tmp_path).stdout
    assert "<img" not in hostile and hostile.count("</script>") == 2  # the page's own two
    assert not any(secret in hostile for secret in SECRETS)


@needs_chromium
def test_html_page_renders_in_chromium_with_every_node(example, tmp_path):
    _, graph = example
    page = tmp_path / "graph.html"
    assert run_in_process(["graph", EXAMPLE_ARG, "--format", "html", "-o", str(page)], REPO).code == 0
    done = _chromium(page.as_uri(), "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    attributes = _dom_attributes(done.stdout)
    assert attributes.get("data-ready") == "1", "the page's script did not finish"
    assert "data-errors" not in attributes, attributes.get("data-errors")
    assert int(attributes["data-node-count"]) == len(graph.nodes)
    assert int(attributes["data-edge-count"]) == len(graph.edges)
    assert done.stdout.count('class="finding') >= len(graph.findings)  # the findings panel was filled
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "graph-data-platform.png"
    done = _chromium(page.as_uri(), f"--screenshot={shot}", "--window-size=1600,900", "--hide-scrollbars")
    assert done.returncode == 0 and shot.stat().st_size > 10_000, done.stderr[-2000:]


@needs_chromium
def test_clicking_through_shows_the_evidence_with_source_links(example, tmp_path):
    _, graph = example
    page = tmp_path / "graph.html"
    assert run_in_process(["graph", EXAMPLE_ARG, "--format", "html", "-o", str(page)], REPO).code == 0
    index = [n.id for n in graph.nodes].index("task:etl_daily.copy_raw")
    done = _chromium(page.as_uri() + f"#select={index}", "--dump-dom")
    assert "data-errors" not in _dom_attributes(done.stdout)
    panel = done.stdout.split('id="details"', 1)[1].split('id="findings"', 1)[0]
    assert "task: copy_raw" in panel and "aws_conn_id='aws_etl' (default_args)" in panel
    # links relative to the page (-o in tmp_path) reach the scanned file
    link = re.search(r'href="([^"]*etl_daily\.py#L\d+)"', panel)
    assert link, panel[:2000]
    assert (page.parent / link.group(1).split("#")[0]).resolve() == (REPO / "examples/data-platform/dags/etl_daily.py")


@needs_chromium
def test_a_hostile_dag_id_stays_text_in_the_browser(tmp_path):
    _hostile_repo(tmp_path / "repo")
    page = tmp_path / "evil.html"
    assert run_in_process(["graph", ".", "--format", "html", "-o", str(page)], tmp_path / "repo").code == 0
    done = _chromium(page.as_uri(), "--dump-dom")
    attributes = _dom_attributes(done.stdout)
    assert attributes.get("data-ready") == "1" and "data-pwned" not in attributes
    assert "data-errors" not in attributes, attributes.get("data-errors")
    assert "<img" not in done.stdout
    assert "&lt;/script&gt;&lt;img" in done.stdout  # shown, as text


# --- audit -----------------------------------------------------------------------------------------------------


def test_audit_lists_every_identity_with_its_users_and_excess_grants():
    out = run_in_process(["audit", EXAMPLE_ARG, "--format", "json"], REPO)
    assert out.code == 0
    rows = {r["identity"]: r for r in out.json()["identities"]}
    prod = rows["principal:examples/data-platform/terraform/prod:module.etl_role.aws_iam_role.etl"]
    assert prod["dags"] == ["etl_daily", "reporting", "terraform_apply_prod"]
    assert {t["task"]: t["resolution"] for t in prod["tasks"]} == {
        "etl_daily.copy_raw": "connection", "reporting.list_archive": "ambient",
        "terraform_apply_prod.apply": "ambient"}
    assert all(t["evidence"] for t in prod["tasks"])
    assert prod["access"]["services"] == {"s3": {"List": 1, "Read": 1, "Write": 1}}
    assert prod["access"]["flags"]["exfiltration"] == ["s3:GetObject"]
    assert prod["unneeded_grants"]["share"] == 0.0
    assert prod["defined_at"] == "examples/data-platform/terraform/modules/etl_role/main.tf:14"
    staging = rows["principal:examples/data-platform/terraform/staging:module.etl_role.aws_iam_role.etl"]
    assert staging["tasks"] == [] and staging["unneeded_grants"]["share"] == 1.0
    key = rows["key:aws_reporting"]
    assert key["static_keys"] and key["tasks"][0]["task"] == "reporting.list_reports"
    assert any(f["rule_id"] == "ATF-IDENTITY-002" for f in key["findings"])  # on the connection that holds it
    assert "principal:examples/data-platform/terraform/sandbox:google_service_account.composer" in rows


@pytest.mark.parametrize("fmt", ["markdown", "csv", "json", "html"])
def test_audit_is_deterministic_and_secret_free(fmt):
    first = run_in_process(["audit", EXAMPLE_ARG, "--format", fmt], REPO)
    second = run_in_process(["audit", EXAMPLE_ARG, "--format", fmt], REPO)
    assert first.code == 0 and first.stdout == second.stdout and first.stdout
    assert not any(secret in first.stdout for secret in SECRETS)


def test_audit_csv_has_one_row_per_identity():
    out = run_in_process(["audit", EXAMPLE_ARG, "--format", "csv"], REPO)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(run_in_process(["audit", EXAMPLE_ARG, "--format", "json"], REPO).json()["identities"])
    assert {r["name"] for r in rows} >= {"airflow-etl", "static access key (aws_reporting)"}


# --- the markdown report ---------------------------------------------------------------------------------------


def _render(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_markdown_report_renders_with_counts_rules_and_links():
    out = run_in_process([EXAMPLE_ARG, "--format", "markdown"], REPO)
    assert out.code == 1
    html = _render(out.stdout)
    assert "<table>" in html and "<h2>" in html
    assert "critical</td>" in html and "<code>ATF-STATE-004</code>" in html
    assert 'href="examples/data-platform/dags/reporting.py#L10"' in html
    assert not any(secret in out.stdout for secret in SECRETS)


def test_markdown_report_escapes_repository_text(tmp_path):
    _hostile_repo(tmp_path)
    out = run_in_process([".", "--format", "markdown"], tmp_path)
    html = _render(out.stdout)
    assert "<img" not in html and "<i>" not in html and "<b>x" not in html


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")
def test_markdown_report_with_diff_draws_the_identities_of_new_findings(tmp_path):
    dag = ("from airflow import DAG\nfrom airflow.providers.amazon.aws.operators.s3 import S3ListOperator\n"
           "with DAG(dag_id='d', schedule=None):\n    S3ListOperator(task_id='ls', bucket='b', aws_conn_id='{c}')\n")
    write(tmp_path, {"dags/d.py": dag.format(c="aws_ok"),
                     "connections.yaml": "aws_ok:\n  conn_type: aws\n  extra:\n    role_arn: "
                                         "arn:aws:iam::123456789012:role/r\n"})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "init")
    (tmp_path / "dags/d.py").write_text(dag.format(c="aws_missing"), "utf-8")
    out = run_in_process([".", "--diff", "HEAD", "--format", "markdown"], tmp_path)
    assert "new finding" in out.stdout, out.stdout + out.stderr
    assert "```mermaid" in out.stdout
    snippet = out.stdout.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert check_mermaid(snippet) == [] and "aws_missing" in snippet
    assert "<pre><code class=\"language-mermaid\">" in _render(out.stdout)
