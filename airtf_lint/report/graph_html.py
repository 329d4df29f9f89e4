"""`airtf-lint graph --format html`: one self-contained page, laid out here in Python and drawn as inline SVG.

No CDN, no font, no request of any kind: the page opens from `file://` offline. Its Content-Security-Policy allows
only its own script (by hash) and inline styles, and no connection, so even a label that slipped through could not
run or load anything. Every label is HTML-escaped in the SVG, and the data the script reads is JSON inside a
`<script type="application/json">` with `<`, `>` and `&` written as `\\u003c`..., so a DAG id holding `</script>`
stays text. The script builds the side panels with `textContent` only.

The layout is layered, left to right: DAGs, their tasks, connections and Terraform roots, principals (a
Kubernetes service account before the role it reaches), grant sources. Tasks are stacked by DAG; every other node
sits at the mean height of what leads to it, pushed down just enough not to overlap.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any, TextIO

from airtf_lint.graph import KIND_TITLES, Graph, Node
from airtf_lint.report.graph_text import SEVERITY_COLORS, cut, fill, finding_summary, keeps_end

NODE_W, NODE_H = 220, 40
GAP_X, ROW, DAG_GAP, TOP, LEFT = 100, 50, 18, 56, 20
COLUMN_TITLES = {0: "DAGs", 1: "tasks", 2: "connections · runtimes · Terraform roots"}


def layout(graph: Graph) -> tuple[dict[str, tuple[float, float]], dict[int, float], float, float]:
    """(x, y) of each node's top-left corner, the x of each layer's column, the width and the height."""
    layers = sorted({n.layer for n in graph.nodes})
    column = {layer: LEFT + i * (NODE_W + GAP_X) for i, layer in enumerate(layers)}
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for e in graph.edges:
        preds.setdefault(e.target, []).append(e.source)
        succs.setdefault(e.source, []).append(e.target)
    pos: dict[str, tuple[float, float]] = {}
    by_layer: dict[int, list[Node]] = {}
    for node in graph.nodes:
        by_layer.setdefault(node.layer, []).append(node)

    # Tasks: stacked DAG by DAG (DAGs in id order), then DAGs centred on their tasks.
    dags = [n for n in by_layer.get(0, []) if n.kind == "dag"]
    y = float(TOP)
    tasks_of: dict[str, list[Node]] = {}
    for node in by_layer.get(1, []):
        tasks_of.setdefault(f"dag:{node.group}", []).append(node)
    for dag in dags:
        tasks = tasks_of.pop(dag.id, [])
        first = y
        for task in tasks:
            pos[task.id] = (column[task.layer], y)
            y += ROW
        pos[dag.id] = (column[dag.layer], (first + y - ROW) / 2 if tasks else y)
        if not tasks:
            y += ROW
        y += DAG_GAP
    for tasks in tasks_of.values():  # tasks whose DAG is not drawn (a focused graph)
        for task in tasks:
            pos[task.id] = (column[task.layer], y)
            y += ROW
    for node in by_layer.get(0, []):
        if node.id not in pos:
            pos[node.id] = (column[node.layer], y)
            y += ROW

    # Every later layer: at the mean height of its predecessors, in that order, without overlap.
    for layer in layers:
        if layer <= 1:
            continue
        placed, loose = [], []
        for node in by_layer[layer]:
            ys = [pos[p][1] for p in preds.get(node.id, []) if p in pos]
            (placed if ys else loose).append((sum(ys) / len(ys) if ys else 0.0, node))
        placed.sort(key=lambda item: (item[0], item[1].id))
        last = TOP - ROW
        for want, node in placed:
            at = max(want, last + ROW)
            pos[node.id] = (column[layer], at)
            last = at
        if loose:  # nodes nothing leads to (a role no task uses): below the connected ones of their column
            last += DAG_GAP
        for _, node in sorted(loose, key=lambda item: item[1].id):
            last += ROW
            pos[node.id] = (column[layer], last)
    height = max([p[1] for p in pos.values()], default=TOP) + NODE_H + 30
    width = (max(column.values(), default=LEFT)) + NODE_W + LEFT
    return pos, column, width, height


def _label_point(x1: float, y1: float, x2: float, y2: float) -> tuple[float, float]:
    """Where an edge's label goes: on its curve, in the middle of the first gap it crosses (so an edge that skips
    a column keeps its label out of that column's boxes, and two edges from one node part before their labels)."""
    if x2 <= x1:
        return x1 + 30, (y1 + y2) / 2
    want, mid = x1 + GAP_X / 2, (x1 + x2) / 2
    best = (0.5, float("inf"))
    for step in range(101):
        t = step / 100
        x = (1 - t) ** 3 * x1 + 3 * (1 - t) ** 2 * t * mid + 3 * (1 - t) * t ** 2 * mid + t ** 3 * x2
        if abs(x - want) < best[1]:
            best = (t, abs(x - want))
    t = best[0]
    return want, (1 - t) ** 3 * y1 + 3 * (1 - t) ** 2 * t * y1 + 3 * (1 - t) * t ** 2 * y2 + t ** 3 * y2


def _attr(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _svg(graph: Graph) -> str:
    pos, column, width, height = layout(graph)
    index = {n.id: i for i, n in enumerate(graph.nodes)}
    out = [f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="identity graph">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#64748b"/></marker></defs>']
    titles: dict[float, list[str]] = {}
    for node in graph.nodes:
        x = column[node.layer]
        name = COLUMN_TITLES.get(node.layer, KIND_TITLES[node.kind] + "s" if node.kind != "principal"
                                 else "principals")
        if node.kind == "grant":
            name = "grant sources"
        titles.setdefault(x, [])
        if name not in titles[x]:
            titles[x].append(name)
    for x, names in sorted(titles.items()):
        out.append(f'<text class="col" x="{x:.0f}" y="30">{_attr(" · ".join(names))}</text>')
    out.append('<g id="edges">')
    fan_in: dict[tuple[str, str], int] = {}
    for edge in graph.edges:  # the same label on many edges into one node says nothing new: shown when lit
        fan_in[(edge.target, edge.label)] = fan_in.get((edge.target, edge.label), 0) + 1
    for i, edge in enumerate(graph.edges):
        (sx, sy), (tx, ty) = pos[edge.source], pos[edge.target]
        x1, y1, x2, y2 = sx + NODE_W, sy + NODE_H / 2, tx, ty + NODE_H / 2
        if x2 <= x1:  # same column (a principal chain capped by a cycle): loop out to the right
            x2 = tx + NODE_W
            path = f"M{x1:.1f},{y1:.1f} C{x1 + 60:.1f},{y1:.1f} {x2 + 60:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        else:
            mid = (x1 + x2) / 2
            path = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        dashed = " dashed" if edge.kind == "resolves_to" and "ambient" in edge.label else ""
        dashed += " quiet" if fan_in[(edge.target, edge.label)] > 3 else ""
        out.append(f'<g class="edge e-{_attr(edge.kind)}{dashed}" data-edge="{i}" data-s="{index[edge.source]}" '
                   f'data-t="{index[edge.target]}"><path d="{path}" marker-end="url(#arrow)"/>')
        if edge.kind != "contains":
            lx, ly = _label_point(x1, y1, x2, y2)
            out.append(f'<text class="elabel" x="{lx:.1f}" y="{ly - 3:.1f}">{_attr(cut(edge.label, 20))}</text>')
        out.append(f"<title>{_attr(edge.label)}</title></g>")
    out.append('</g><g id="nodes">')
    for i, node in enumerate(graph.nodes):
        x, y = pos[node.id]
        severity = node.severity
        classes = f"node k-{node.kind} s-{_attr(node.subkind or 'none')}" + (f" sev-{severity}" if severity else "")
        stroke = SEVERITY_COLORS[severity] if severity else "#64748b"
        out.append(f'<g class="{classes}" data-idx="{i}" tabindex="0" transform="translate({x:.0f},{y:.0f})">'
                   f'<title>{_attr(node.label)}</title>'
                   f'<rect width="{NODE_W}" height="{NODE_H}" rx="{12 if node.kind == "principal" else 5}" '
                   f'fill="{fill(node)}" stroke="{stroke}" stroke-width="{3 if severity else 1}"/>'
                   f'<text class="l1" x="8" y="16">{_attr(cut(node.label, 31, keeps_end(node)))}</text>'
                   f'<text class="l2" x="8" y="31">{_attr(cut(node.sublabel, 40))}</text>')
        if node.findings:
            out.append(f'<g class="badge" transform="translate({NODE_W - 12},0)"><circle r="10" '
                       f'fill="{SEVERITY_COLORS[severity]}"/><text y="4" text-anchor="middle">'
                       f'{len(node.findings)}</text><title>{_attr(finding_summary(node))}</title></g>')
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out)


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


STYLE = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 13px; }
body { margin: 0; display: grid; grid-template-columns: 1fr 360px; grid-template-rows: auto 1fr; height: 100vh; }
header { grid-column: 1 / 3; display: flex; gap: 12px; align-items: center; padding: 8px 12px;
         border-bottom: 1px solid #cbd5e1; background: #f8fafc; }
header h1 { font-size: 15px; margin: 0; } header .counts { color: #475569; }
#search { width: 280px; padding: 4px 8px; font: inherit; }
#canvas { overflow: auto; background: #fff; } #canvas.fit svg { width: 100%; height: auto; }
header button { font: inherit; padding: 2px 8px; }
aside { overflow: auto; border-left: 1px solid #cbd5e1; padding: 8px 12px; background: #f8fafc; }
aside h2 { font-size: 14px; margin: 12px 0 6px; }
svg text { font-size: 12px; fill: #0f172a; } svg .l2 { font-size: 10.5px; fill: #475569; }
svg .col { font-size: 13px; font-weight: 600; fill: #334155; }
.node { cursor: pointer; } .node:focus rect, .node.selected rect { stroke: #0f172a; stroke-width: 3; }
.badge text { fill: #fff; font-size: 11px; font-weight: 700; }
.edge path { fill: none; stroke: #64748b; stroke-width: 1.4; }
.edge.dashed path { stroke-dasharray: 5 4; } .e-contains path { stroke: #c4b5fd; }
.e-granted_by path { stroke: #db2777; } .e-irsa path, .e-workload_identity path, .e-pod_identity path,
.e-impersonates path, .e-assumes path { stroke: #16a34a; stroke-width: 2; } .e-runs_terraform_in path { stroke: #7c3aed; }
.elabel { font-size: 10px; fill: #334155; paint-order: stroke; stroke: #fff; stroke-width: 3px; text-anchor: middle; }
svg.dense .elabel, .quiet .elabel { display: none; } svg.dense .edge.lit .elabel, .edge.quiet.lit .elabel { display: inline; }
.dim { opacity: 0.15; } .match rect { stroke: #0ea5e9 !important; stroke-width: 3 !important; }
.finding { overflow-wrap: anywhere; padding: 4px 6px; margin: 3px 0; border-left: 4px solid #999; background: #fff; cursor: pointer; }
.finding .rule { font-weight: 600; } .where { color: #475569; font-family: ui-monospace, monospace; font-size: 11.5px; }
.sev-critical-t { border-color: #7f1d1d; } .sev-high-t { border-color: #dc2626; }
.sev-medium-t { border-color: #ea580c; } .sev-low-t { border-color: #2563eb; } .sev-info-t { border-color: #6b7280; }
dl { margin: 0; } dt { font-weight: 600; color: #334155; margin-top: 4px; } dd { margin: 0 0 0 8px; word-break: break-all; }
.step { margin: 2px 0 2px 8px; } .legend span { display: inline-block; padding: 0 6px; margin-right: 4px; border: 1px solid #94a3b8; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var root = document.documentElement;
  var errors = [];
  window.addEventListener("error", function (event) {
    errors.push(String(event.message || event.type));
    root.setAttribute("data-errors", JSON.stringify(errors));
  });
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var base = data.link_base;
  var svg = document.getElementById("graph");
  var groups = Array.prototype.slice.call(svg.querySelectorAll("g.node"));
  var edgeEls = Array.prototype.slice.call(svg.querySelectorAll("g.edge"));
  var out = {}, into = {};
  data.edges.forEach(function (e, i) {
    (out[e.s] = out[e.s] || []).push(i);
    (into[e.t] = into[e.t] || []).push(i);
  });
  if (data.edges.length > 120) { svg.classList.add("dense"); }
  var panel = document.getElementById("details");

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function href(path, line) {
    var safe = String(path).split("/").map(encodeURIComponent).join("/");
    return base + safe + (line ? "#L" + line : "");
  }
  function where(path, line) {
    if (!path) { return el("span", "(no location)", "where"); }
    var a = el("a", path + (line ? ":" + line : ""), "where");
    a.setAttribute("href", href(path, line));
    return a;
  }
  function reach(start) {
    var nodes = {}, edges = {};
    nodes[start] = true;
    [[out, "t"], [into, "s"]].forEach(function (pair) {
      var queue = [start], seen = {};
      seen[start] = true;
      while (queue.length) {
        var current = queue.shift();
        (pair[0][current] || []).forEach(function (i) {
          var next = data.edges[i][pair[1]];
          edges[i] = true;
          if (!seen[next]) { seen[next] = true; nodes[next] = true; queue.push(next); }
        });
      }
    });
    return {nodes: nodes, edges: edges};
  }
  function clear() {
    groups.forEach(function (g) { g.classList.remove("dim", "selected", "match"); });
    edgeEls.forEach(function (g) { g.classList.remove("dim", "lit"); });
  }
  function findingItem(f) {
    var item = el("div", null, "finding sev-" + f.severity + "-t");
    item.appendChild(el("div", f.severity + " " + f.rule_id + (f.new ? " (new)" : ""), "rule"));
    item.appendChild(el("div", f.message));
    item.appendChild(where(f.path, f.line));
    return item;
  }
  function select(idx) {
    clear();
    var r = reach(idx);
    groups.forEach(function (g, i) {
      if (!r.nodes[i]) { g.classList.add("dim"); }
    });
    edgeEls.forEach(function (g, i) { g.classList.add(r.edges[i] ? "lit" : "dim"); });
    groups[idx].classList.add("selected");
    var n = data.nodes[idx];
    panel.textContent = "";
    panel.appendChild(el("h2", n.kind_title + ": " + n.label));
    var dl = el("dl");
    function row(k, v) {
      dl.appendChild(el("dt", k));
      var dd = el("dd");
      if (v instanceof Node) { dd.appendChild(v); } else { dd.textContent = v; }
      dl.appendChild(dd);
    }
    row("id", n.id);
    row("what", n.sublabel);
    row("defined at", where(n.path, n.line));
    Object.keys(n.details).forEach(function (k) {
      var v = n.details[k];
      row(k, typeof v === "string" ? v : JSON.stringify(v));
    });
    panel.appendChild(dl);
    if (n.findings.length) {
      panel.appendChild(el("h2", "Findings (" + n.findings.length + ")"));
      n.findings.forEach(function (f) { panel.appendChild(findingItem(f)); });
    }
    [["Leads here", into[idx] || [], "s"], ["Leads to", out[idx] || [], "t"]].forEach(function (part) {
      if (!part[1].length) { return; }
      panel.appendChild(el("h2", part[0]));
      part[1].forEach(function (i) {
        var e = data.edges[i];
        var other = data.nodes[e[part[2]]];
        var box = el("div", null, "finding");
        box.appendChild(el("div", e.label + " — " + other.label, "rule"));
        e.evidence.forEach(function (s) {
          var step = el("div", null, "step");
          step.appendChild(el("span", (s.step || "") + ": " + (s.detail || "") + " "));
          if (s.path) { step.appendChild(where(s.path, s.line)); }
          box.appendChild(step);
        });
        box.addEventListener("click", function () { select(e[part[2]]); });
        panel.appendChild(box);
      });
    });
  }
  groups.forEach(function (g, i) {
    g.addEventListener("click", function () { select(i); });
    g.addEventListener("keydown", function (event) { if (event.key === "Enter") { select(i); } });
  });
  var search = document.getElementById("search");
  function matches(q) {
    q = q.trim().toLowerCase();
    if (!q) { return []; }
    var found = [];
    data.nodes.forEach(function (n, i) {
      if ((n.label + " " + n.id + " " + n.sublabel).toLowerCase().indexOf(q) >= 0) { found.push(i); }
    });
    return found;
  }
  search.addEventListener("input", function () {
    clear();
    var found = matches(search.value);
    if (!search.value.trim()) { return; }
    var hit = {};
    found.forEach(function (i) { hit[i] = true; });
    groups.forEach(function (g, i) { g.classList.add(hit[i] ? "match" : "dim"); });
    document.getElementById("hits").textContent = found.length + " match" + (found.length === 1 ? "" : "es");
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var found = matches(search.value);
      if (found.length) { select(found[0]); groups[found[0]].scrollIntoView({block: "center", inline: "center"}); }
    }
    if (event.key === "Escape") { search.value = ""; clear(); }
  });
  var list = document.getElementById("findings");
  var all = [];
  data.nodes.forEach(function (n, i) { n.findings.forEach(function (f) { all.push([f, i]); }); });
  data.unattached.forEach(function (f) { all.push([f, null]); });
  var rank = {critical: 0, high: 1, medium: 2, low: 3, info: 4};
  all.sort(function (a, b) { return rank[a[0].severity] - rank[b[0].severity]; });
  all.forEach(function (pair) {
    var item = findingItem(pair[0]);
    if (pair[1] !== null) {
      item.appendChild(el("div", "on " + data.nodes[pair[1]].label, "where"));
      item.addEventListener("click", function () {
        select(pair[1]);
        groups[pair[1]].scrollIntoView({block: "center", inline: "center"});
      });
    } else {
      item.appendChild(el("div", "(about nothing on the graph)", "where"));
    }
    list.appendChild(item);
  });
  if (!all.length) { list.appendChild(el("div", "No findings.")); }
  var canvas = document.getElementById("canvas");
  var fit = document.getElementById("fit");
  function setFit(on) {
    canvas.classList.toggle("fit", on);
    fit.textContent = on ? "actual size" : "fit width";
  }
  fit.addEventListener("click", function () { setFit(!canvas.classList.contains("fit")); });
  setFit(svg.width.baseVal.value > canvas.clientWidth);
  var wanted = /^#select=(\d+)$/.exec(window.location.hash);  // a link to one node's details
  if (wanted && groups[+wanted[1]]) { select(+wanted[1]); }
  root.setAttribute("data-node-count", String(svg.querySelectorAll("g.node").length));
  root.setAttribute("data-edge-count", String(svg.querySelectorAll("g.edge").length));
  root.setAttribute("data-ready", "1");
})();
"""


def page_data(graph: Graph, link_base: str) -> dict[str, Any]:
    index = {n.id: i for i, n in enumerate(graph.nodes)}

    def finding(f: Any) -> dict[str, Any]:
        return {"rule_id": f.rule_id, "severity": f.severity, "message": f.message, "path": f.path,
                "line": f.line, "new": f.new}

    return {
        "link_base": link_base,
        "nodes": [{"id": n.id, "kind": n.kind, "kind_title": KIND_TITLES[n.kind], "label": n.label,
                   "sublabel": n.sublabel, "path": n.path, "line": n.line,
                   "details": {k: v for k, v in n.details.items() if k != "aliases"},
                   "findings": [finding(f) for f in n.findings]} for n in graph.nodes],
        "edges": [{"s": index[e.source], "t": index[e.target], "kind": e.kind, "label": e.label,
                   "evidence": e.evidence} for e in graph.edges],
        "unattached": [finding(f) for f in graph.unattached],
    }


def write_graph_html(graph: Graph, stream: TextIO, title: str = "airtf-lint identity graph",
                     link_base: str = "./") -> None:
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    csp = (f"default-src 'none'; script-src 'sha256-{script_hash}'; style-src 'unsafe-inline'; img-src data:; "
           "connect-src 'none'; form-action 'none'; base-uri 'none'")
    findings = graph.findings
    counts = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    summary = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low", "info") if s in counts)
    legend = "".join(f'<span style="background:{colour}">{_attr(kind)}</span>' for kind, colour in (
        ("DAG", "#ede9fe"), ("task", "#e0f2fe"), ("connection", "#fef9c3"), ("runtime", "#e2e8f0"),
        ("Terraform root", "#f3f4f6"), ("principal", "#dcfce7"), ("static key", "#fee2e2"),
        ("grant source", "#fce7f3")))
    stream.write(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
        f"<title>{_attr(title)}</title>\n<style>{STYLE}</style></head>\n<body>\n"
        f"<header><h1>{_attr(title)}</h1><input id=\"search\" type=\"search\" placeholder=\"search DAG, task, "
        f"connection, principal… (Enter selects)\" aria-label=\"search\"><span id=\"hits\"></span>"
        "<button id=\"fit\" type=\"button\">fit width</button>"
        f"<span class=\"counts\">{len(graph.nodes)} nodes · {len(graph.edges)} edges · "
        f"{len(findings)} findings{' (' + _attr(summary) + ')' if summary else ''}</span>"
        f"<span class=\"legend\">{legend}</span></header>\n"
        f"<main id=\"canvas\">{_svg(graph)}</main>\n"
        "<aside><div id=\"details\"><h2>Click a node</h2><p>to see how it is known (the evidence, with source "
        "locations) and its findings; its upstream and downstream chain stays lit.</p></div>"
        "<h2>Findings</h2><div id=\"findings\"></div></aside>\n"
        f"<script type=\"application/json\" id=\"graph-data\">{_json_for_script(page_data(graph, link_base))}"
        "</script>\n"
        f"<script>{SCRIPT}</script>\n</body></html>\n")
