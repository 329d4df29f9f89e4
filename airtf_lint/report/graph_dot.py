"""`airtf-lint graph --format dot`: Graphviz, one cluster per DAG (`dot -Tsvg graph.dot > graph.svg`)."""

from __future__ import annotations

from typing import TextIO

from airtf_lint.graph import Graph
from airtf_lint.report.graph_text import SEVERITY_COLORS, cut, fill, finding_summary, keeps_end

SHAPES = {"dag": "folder", "task": "box", "connection": "cds", "runtime": "component", "terraform": "tab",
          "principal": "hexagon", "grant": "note"}


def quoted(value: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, control characters dropped (so no `\\l`,
    `\\N` or newline reaches Graphviz from a label)."""
    clean = "".join(ch if ord(ch) >= 32 else " " for ch in str(value))
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node(node, indent: str) -> str:  # noqa: ANN001
    label = cut(node.label, 48, keeps_end(node)) + "\n" + cut(node.sublabel, 48)
    if node.findings:
        label += "\n⚠ " + finding_summary(node)
    # DOT's line break is the two characters \n, which quoted() would escape: insert them after quoting.
    lines = [quoted(x)[1:-1] for x in label.split("\n")]
    parts = ['label="' + "\\n".join(lines) + '"', f"shape={SHAPES[node.kind]}", "style=filled",
             f'fillcolor="{fill(node)}"', f"tooltip={quoted(node.id)}"]
    if node.severity:
        parts += [f'color="{SEVERITY_COLORS[node.severity]}"', "penwidth=3"]
    return f"{indent}{node.short_id} [{', '.join(parts)}];"


def write_dot(graph: Graph, stream: TextIO) -> None:
    out = ["digraph airtf_lint {", "  rankdir=LR;", '  graph [fontname="Helvetica", fontsize=11];',
           '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9, color="#555555"];']
    tasks_of: dict[str, list] = {}
    for node in graph.nodes:
        if node.kind == "task" and f"dag:{node.group}" in graph.by_id:
            tasks_of.setdefault(f"dag:{node.group}", []).append(node)
    for node in graph.nodes:
        if node.kind == "task" and f"dag:{node.group}" in graph.by_id:
            continue
        if node.kind == "dag" and node.id in tasks_of:
            out.append(f"  subgraph cluster_{node.short_id} {{")
            out.append(f"    label={quoted('DAG ' + cut(node.label, 60))}; style=rounded; color=\"#7c3aed\";")
            out.append(_node(node, "    "))
            out += [_node(task, "    ") for task in tasks_of[node.id]]
            out.append("  }")
        else:
            out.append(_node(node, "  "))
    for edge in graph.edges:
        style = ', style=dashed' if edge.kind == "resolves_to" and "ambient" in edge.label else ""
        style += ', color="#bbbbbb", arrowhead=none' if edge.kind == "contains" else ""
        label = "" if edge.kind == "contains" else f"label={quoted(cut(edge.label, 40))}"
        attrs = ", ".join(x for x in (label, style.strip(", ")) if x)
        out.append(f"  {graph.node(edge.source).short_id} -> {graph.node(edge.target).short_id} [{attrs}];")
    out.append("}")
    stream.write("\n".join(out) + "\n")
