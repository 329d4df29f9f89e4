"""`airtf-lint graph --format mermaid`: a flowchart GitHub renders in README files, issues and PR comments.

Every label is quoted, and the characters Mermaid or the HTML it produces could read as syntax (`"`, `<`, `>`,
`&`, `#`, backticks, `|`, brackets) are written as Mermaid entity codes, so a DAG id cannot break out of its box."""

from __future__ import annotations

from typing import TextIO

from airtf_lint.graph import Graph
from airtf_lint.report.graph_text import SEVERITY_COLORS, cut, fill, finding_summary, keeps_end

SHAPES = {"dag": ("[[", "]]"), "task": ("[", "]"), "connection": ("([", "])"), "runtime": ("[\\", "\\]"),
          "terraform": ("[/", "/]"), "principal": ("{{", "}}"), "grant": ("[(", ")]")}
GITHUB_EDGE_LIMIT = 500  # GitHub's Mermaid refuses larger graphs


def text(value: str) -> str:
    out = []
    for ch in str(value):
        if ch in '"<>&#`|[](){}\\;' or ord(ch) < 32:
            out.append(f"#{ord(ch)};" if ord(ch) >= 32 else " ")
        else:
            out.append(ch)
    return "".join(out)


def _label(node) -> str:  # noqa: ANN001
    lines = [text(cut(node.label, 48, keeps_end(node))), f"<small>{text(cut(node.sublabel, 48))}</small>"]
    if node.findings:
        lines.append(f"<b>⚠ {text(finding_summary(node))}</b>")
    return '"' + "<br/>".join(lines) + '"'


def mermaid_lines(graph: Graph, direction: str = "LR") -> list[str]:
    lines = [f"flowchart {direction}"]
    tasks_of: dict[str, list] = {}
    for node in graph.nodes:
        if node.kind == "task" and f"dag:{node.group}" in graph.by_id:
            tasks_of.setdefault(f"dag:{node.group}", []).append(node)
    in_box = {t.id for tasks in tasks_of.values() for t in tasks}
    for node in graph.nodes:
        if node.id in in_box:
            continue
        if node.kind == "dag" and node.id in tasks_of:
            lines.append(f'  subgraph {node.short_id}["{text("DAG " + cut(node.label, 60))}"]')
            lines.append("    direction TB")
            for task in tasks_of[node.id]:
                start, end = SHAPES[task.kind]
                lines.append(f"    {task.short_id}{start}{_label(task)}{end}")
            lines.append("  end")
            continue
        start, end = SHAPES[node.kind]
        lines.append(f"  {node.short_id}{start}{_label(node)}{end}")
    for edge in graph.edges:
        if edge.kind == "contains" and edge.target in in_box:
            continue
        source, target = graph.node(edge.source), graph.node(edge.target)
        arrow = "-.->" if edge.kind in ("resolves_to",) and "ambient" in edge.label else "-->"
        label = text(cut(edge.label, 40))
        lines.append(f'  {source.short_id} {arrow}|"{label}"| {target.short_id}')
    used = sorted({n.severity for n in graph.nodes if n.severity})
    for severity in used:
        color = SEVERITY_COLORS[severity]
        lines.append(f"  classDef sev_{severity} stroke:{color},stroke-width:3px,color:#111")
    kinds = sorted({(n.kind, fill(n)) for n in graph.nodes})
    for index, (kind, colour) in enumerate(kinds):
        lines.append(f"  classDef k{index}_{kind} fill:{colour},stroke:#555")
    class_of = {pair: f"k{i}_{pair[0]}" for i, pair in enumerate(kinds)}
    for node in graph.nodes:
        if node.kind == "dag" and node.id in tasks_of:
            continue
        lines.append(f"  class {node.short_id} {class_of[(node.kind, fill(node))]}")
        if node.severity:
            lines.append(f"  class {node.short_id} sev_{node.severity}")
    return lines


def write_mermaid(graph: Graph, stream: TextIO) -> None:
    stream.write("\n".join(mermaid_lines(graph)) + "\n")
