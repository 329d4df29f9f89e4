"""`--format markdown`: a compact summary for `$GITHUB_STEP_SUMMARY` and pull-request comments.

Counts by severity and by rule, the top findings with links (`path#Lline`, relative to the repository; set
`AIRTF_LINT_LINK_BASE`, e.g. `https://github.com/o/r/blob/<sha>/`, for absolute links), and with `--diff`, a Mermaid
snippet of the identities involved in the new findings. Every message is escaped: no HTML and no Markdown syntax
from a repository's text reaches the page.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TextIO
from urllib.parse import quote

from airtf_lint.findings import SEVERITY_RANK
from airtf_lint.pipeline import RunResult
from airtf_lint.report import summary
from airtf_lint.report.audit import md

TOP = 15
SNIPPET_NODES = 40
ICONS = {"critical": "🟥", "high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}


def link(path: str, line: int | None, base: str | None = None) -> str:
    base = os.environ.get("AIRTF_LINT_LINK_BASE", "") if base is None else base
    if base and not base.startswith(("https://", "http://")):
        base = ""
    target = base + quote(path) + (f"#L{line}" if line else "")
    return f"[{md(path)}{':' + str(line) if line else ''}]({target.replace(')', '%29').replace(' ', '%20')})"


def _identity_snippet(result: RunResult) -> list[str]:
    """The part of the identity graph the new findings are about: their nodes, what leads to them and what
    they lead to, two steps each way."""
    from airtf_lint.graph import build_graph
    from airtf_lint.report.graph_mermaid import mermaid_lines

    graph = build_graph(result.model, result.findings)
    start = [n.id for n in graph.nodes if any(f.new for f in n.findings)] or \
            [n.id for n in graph.nodes if n.findings]
    if not start:
        return []
    keep = graph.reach(start, depth=2)
    if len(keep) > SNIPPET_NODES:
        keep = graph.reach(start, depth=1)
    if len(keep) > SNIPPET_NODES:
        return ["", f"_The identities involved span {len(keep)} nodes: see `airtf-lint graph --format html`._"]
    sub = graph.subgraph(keep, start)
    return ["", "### Identities involved", "", "```mermaid", *mermaid_lines(sub), "```"]


def write_markdown(result: RunResult, stream: TextIO, color: bool = False) -> None:
    counts = summary(result)
    new = result.fixed is not None
    word = "new finding" if new else "finding"
    total = len(result.findings)
    title = f"{total} {word}{'' if total == 1 else 's'}" if total else f"No {word}s"
    parts = ", ".join(f"{n} {s}" for s, n in counts["by_severity"].items())
    out = [f"## airtf-lint: {title}" + (f" ({parts})" if parts else ""), "",
           f"{counts['files']} files analysed" + (f"; {len(result.errors)} could not be" if result.errors else "")
           + (f"; {result.fixed} findings fixed by this change" if new else "")
           + (f"; {result.suppressed} suppressed inline" if result.suppressed else "")
           + (f"; {result.baselined} in the baseline" if result.baselined else "") + "."]
    if result.findings:
        out += ["", "| severity | findings |", "|---|---:|"]
        out += [f"| {ICONS[s]} {s} | {n} |" for s, n in counts["by_severity"].items()]
        titles = {r.id: r.title for r in result.rules}
        by_rule = Counter((f.rule_id, f.severity) for f in result.findings)
        out += ["", "| rule | severity | findings | what |", "|---|---|---:|---|"]
        for (rule_id, severity), n in sorted(by_rule.items(), key=lambda kv: (-SEVERITY_RANK[kv[0][1]], kv[0][0])):
            out.append(f"| `{rule_id}` | {severity} | {n} | {md(titles.get(rule_id, ''))} |")
        ranked = sorted(result.findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.path, f.line, f.rule_id))
        out += ["", f"### Top findings{' (new)' if new else ''}", ""]
        for f in ranked[:TOP]:
            out.append(f"- {ICONS[f.severity]} **{f.severity}** `{f.rule_id}` {link(f.path, f.line)}: {md(f.message)}")
            for path, line, why in f.caused_by:
                out.append(f"  - caused by {link(path, line)} ({md(why)})")
        if len(ranked) > TOP:
            out += ["", "<details><summary>" + f"{len(ranked) - TOP} more</summary>", ""]
            out += [f"- **{f.severity}** `{f.rule_id}` {link(f.path, f.line)}: {md(f.message)}" for f in ranked[TOP:]]
            out += ["", "</details>"]
    if result.errors:
        out += ["", "### Files that could not be analysed", ""]
        out += [f"- {link(e.path, e.line)}: {md(e.message)}" for e in result.errors[:TOP]]
    if new and result.findings:
        out += _identity_snippet(result)
    stream.write("\n".join(out) + "\n")
